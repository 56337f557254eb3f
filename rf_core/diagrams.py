"""Generated diagrams: render a spec as HTML with an inline SVG.

    >>> from rf_core.diagrams import render
    >>> html = render("frames", "input 7\\nconv k=3 s=2 p=1", {"unit": "1"})
    >>> html.startswith('<figure class="rf-diagram rf-diagram--frames"')
    True

Kinds:
    frames: one layer's window on its input, one frame per output unit.
    stack: every layer as a row of units along one axis, with the units that
        feed the chosen unit highlighted and joined to what they read.
    overlay: a 2-D input with the chosen unit's field, unclipped and clipped.
    erf: the number of paths from each input pixel to the unit (the effective
        receptive field under uniform weights), as a heatmap and a profile.
    holes: the input pixels a unit reads along one axis, with the holes that
        dilation and stride leave inside its field.
    erf-growth: r and the width of the effective receptive field against depth,
        for the unit nearest the input centre at every layer up to the chosen one.
        It picks its own units, so it does not use the `unit` option.

Options (all optional, given as strings or ints):
    layer: 1-based layer index or layer name; the last layer by default.
    unit: unit index, one for every axis or one per axis such as "3,4"; 0 by default.
    axis: for 2-D networks, the axis to draw, by name (height, width) or
        1-based number. Frames draw both axes of a 2-D network without it, stack,
        holes and erf-growth draw the last axis.
    input: input size such as 16 or 8x8, overriding the spec's `input` line.
    id: id of the figure element, unique on the page; by default derived
        from a hash of the kind, spec and options.

The same function runs at build time (hooks/diagrams.py) and can run in the
browser under Pyodide: it uses only the standard library.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from rf_core.analysis import Analysis, analyze, axis_name, broadcast_unit
from rf_core.diagram_paths import path_counts
from rf_core.errors import RFError
from rf_core.spec import parse_size, parse_spec
from rf_core.widget import parse_unit

KINDS = ("frames", "stack", "overlay", "erf", "holes", "erf-growth")

#: Options that every kind takes.
OPTIONS = ("layer", "unit", "axis", "input", "id")

_ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}\Z")

__all__ = ["KINDS", "OPTIONS", "DiagramRequest", "path_counts", "prepare", "render"]


@dataclass(frozen=True)
class DiagramRequest:
    """A validated request: the analysis and the chosen layer, unit and axis.

    Attributes:
        analysis: The analysed network, with a known input size.
        layer_index: 1-based index of the chosen layer.
        unit: The chosen unit, one index per axis.
        axis: 0-based axis picked with `axis=`, or None when not given.
        diagram_id: Id of the figure element; other ids inside start with it.
    """

    analysis: Analysis
    layer_index: int
    unit: tuple[int, ...]
    axis: int | None
    diagram_id: str


def render(kind: str, spec_text: str, options: Mapping[str, object] | None = None) -> str:
    """Render one diagram of `spec_text` as HTML: a figure with an inline SVG and its notes.

    Every text that came from the spec or the options is escaped.

    Raises:
        RFError: the kind or an option is invalid, the spec is invalid (with its
            line and column), or the network is too large to draw.
    """
    request = prepare(kind, spec_text, options or {})
    if kind == "frames":
        from rf_core.diagram_frames import render_frames

        return render_frames(request.analysis, request.layer_index, request.unit, request.axis, request.diagram_id)
    if kind == "stack":
        from rf_core.diagram_stack import render_stack

        return render_stack(request)
    if kind == "holes":
        from rf_core.diagram_holes import render_holes

        return render_holes(request)
    if kind == "overlay":
        from rf_core.diagram_overlay import render_overlay

        return render_overlay(request)
    if kind == "erf-growth":
        from rf_core.diagram_erf_growth import render_erf_growth

        return render_erf_growth(request)
    from rf_core.diagram_erf import render_erf

    return render_erf(request)


def prepare(kind: str, spec_text: str, options: Mapping[str, object]) -> DiagramRequest:
    """Validate the kind and options, parse and analyse the spec.

    Raises:
        RFError: as `render` does.
    """
    if kind not in KINDS:
        raise RFError(f"diagram kind {kind!r} is unknown; use one of {', '.join(KINDS)}")
    values = {key: str(value).strip() for key, value in options.items()}
    for key in values:
        if key not in OPTIONS:
            raise RFError(f"diagram option {key!r} is unknown; valid options are {', '.join(OPTIONS)}")

    network = parse_spec(spec_text)
    size = parse_size(values["input"]) if values.get("input") else None
    analysis = analyze(network, size)
    if analysis.input_size is None:
        raise RFError("diagrams need an input size; add an 'input' line such as 'input 16', or the option input=16")
    if not analysis.layers:
        raise RFError("the spec has no layers; add one such as 'conv k=3'")

    layer_index = _layer_index(analysis, values.get("layer", ""))
    unit = broadcast_unit(parse_unit(values.get("unit", "")), analysis.num_axes)
    axis = _axis(values.get("axis", ""), analysis.num_axes)
    diagram_id = values.get("id") or _default_id(kind, spec_text, values)
    if not _ID_PATTERN.match(diagram_id):
        raise RFError(f"diagram id {diagram_id!r} is invalid; start with a letter and use letters, digits, '-' or '_'")
    return DiagramRequest(analysis, layer_index, unit, axis, diagram_id)


def _layer_index(analysis: Analysis, text: str) -> int:
    if not text:
        return len(analysis.layers)
    if text.isdigit():
        index = int(text)
        if not 1 <= index <= len(analysis.layers):
            raise RFError(f"layer {index} does not exist; valid layers are 1 to {len(analysis.layers)}")
        return index
    return analysis.layer(text).index


def _axis(text: str, num_axes: int) -> int | None:
    if not text:
        return None
    names = [axis_name(axis, num_axes) for axis in range(num_axes)]
    if text.lower() in names:
        return names.index(text.lower())
    if text.isdigit() and 1 <= int(text) <= num_axes:
        return int(text) - 1
    raise RFError(f"axis {text!r} is invalid; use one of {', '.join(names)} or a number from 1 to {num_axes}")


def _default_id(kind: str, spec_text: str, values: Mapping[str, str]) -> str:
    key = "\n".join([kind, spec_text, *(f"{name}={values[name]}" for name in sorted(values))])
    return "rf-diagram-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


def drawn_axis(request: DiagramRequest) -> int:
    """Return the axis that one-axis diagrams draw: the requested one, or the last (width)."""
    return request.axis if request.axis is not None else request.analysis.num_axes - 1
