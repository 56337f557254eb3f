"""Write Layers back as spec text, for the printout parser and the torch.fx importer.

Standard library only, so it runs in Pyodide.
"""

from __future__ import annotations

import re

from rf_core.layers import AxisParams, Layer
from rf_core.spec import NAME_PATTERN


def layer_name(path: str) -> str:
    """Return the spec name for a module path such as `features.0`.

    The name is the path itself. Characters that a spec name cannot contain
    become `_`, and a name that still starts with `.` or `-` gets a leading `_`.
    """
    if NAME_PATTERN.match(path):
        return path
    name = re.sub(r"[^A-Za-z0-9_.\-]", "_", path)
    return name if NAME_PATTERN.match(name) else "_" + name


def format_layer(layer: Layer) -> str:
    """Write a layer as one spec statement, such as `conv k=3 s=2 p=1 name=conv1`.

    Options at their defaults are left out. `parse_spec` reads the statement
    back into an equal layer when the layer has a single AxisParams or axes
    that differ (see `collapse_axes`).
    """
    axes = layer.axes
    parts = [layer.kind]
    if layer.kind in ("conv", "maxpool", "avgpool", "convt"):
        parts.append(f"k={_per_axis([params.kernel for params in axes])}")
        strides = [params.stride for params in axes]
        default_strides = [params.kernel for params in axes] if layer.kind in ("maxpool", "avgpool") else [1] * len(axes)
        if strides != default_strides:
            parts.append(f"s={_per_axis(strides)}")
        if any(params.dilation != 1 for params in axes):
            parts.append(f"d={_per_axis([params.dilation for params in axes])}")
        if layer.padding_mode != "explicit":
            parts.append(f"p={layer.padding_mode}")
        elif any(params.pad_before or params.pad_after for params in axes):
            parts.append(f"p={_pads(axes)}")
        if any(params.output_padding for params in axes):
            parts.append(f"op={_per_axis([params.output_padding for params in axes])}")
        if layer.ceil_mode:
            parts.append("ceil")
        if layer.groups != 1:
            parts.append(f"g={layer.groups}")
    elif layer.kind == "upsample":
        parts.append(f"f={_per_axis([params.factor for params in axes])}")
    elif layer.kind in ("pad", "crop"):
        parts.append(f"{'p' if layer.kind == 'pad' else 'c'}={_pads(axes)}")
    elif layer.kind == "adaptivepool":
        parts.append(f"o={_per_axis([params.output_size for params in axes])}")
    if layer.name:
        parts.append(f"name={layer.name}")
    if layer.inputs:
        parts.append(f"from={','.join(layer.inputs)}")
    return " ".join(parts)


def _per_axis(values: list[int]) -> str:
    return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))


def _pads(axes: tuple[AxisParams, ...]) -> str:
    texts = [str(p.pad_before) if p.pad_before == p.pad_after else f"{p.pad_before}:{p.pad_after}" for p in axes]
    return texts[0] if len(set(texts)) == 1 else "x".join(texts)


def collapse_axes(axes: tuple[AxisParams, ...]) -> tuple[AxisParams, ...]:
    """Return a single AxisParams when every axis has the same geometry, else `axes` unchanged."""
    return axes[:1] if len(set(axes)) == 1 else axes
