"""Exact per-unit connectivity along one axis: which input positions a unit reads.

The receptive field interval of `rf_core.fields` is a span. The diagrams also
need the exact set of units inside it, so that the holes left by dilation and by
strides larger than the kernel show. `reads` lists, for one output unit of one
layer, every input position that a tap of its window lands on. Positions below 0
or above n - 1 are padding (for conv and pooling layers, and for `pad`).

Units and pixels are zero-indexed; layer indices are 1-based as in
`Analysis.unit_field`, with 0 standing for the network input.
"""

from __future__ import annotations

from dataclasses import dataclass

from rf_core.analysis import Analysis, LayerResult
from rf_core.errors import RFError
from rf_core.layers import WINDOW_KINDS
from rf_core.windows import adaptive_window


def reads(result: LayerResult, axis: int, unit: int) -> list[int]:
    """Return the input positions that output unit `unit` of a layer reads along `axis`, ascending.

    Window layers (conv, pooling) list every tap, padding positions included.
    Transposed convolutions list only the input units whose taps land on the
    unit, so none are padding. Merge layers read the same unit of each input.

    Raises:
        RFError: the layer's padding or input size along `axis` is unknown.
    """
    layer = result.layer
    params = layer.axis(axis)
    size = result.axes[axis].input_size
    window = result.windows[axis] if result.windows else None
    if size is None:
        raise RFError(f"layer {result.index} ({layer.label}) has an unknown input size; give the network an input size")

    if layer.is_merge or layer.is_pass_through:
        return [unit]
    if layer.kind in WINDOW_KINDS:
        if window is None or window.pad_before is None:
            raise RFError(f"the padding of layer {result.index} ({layer.label}) is unknown; give an input size")
        start = unit * params.stride - window.pad_before
        return [start + tap * params.dilation for tap in range(params.kernel)]
    if layer.kind == "convt":
        # Output o receives input i through tap t when o = i s - p + t d.
        sources = set()
        for tap in range(params.kernel):
            numerator = unit + params.pad_before - tap * params.dilation
            if numerator % params.stride == 0 and 0 <= numerator // params.stride < size:
                sources.add(numerator // params.stride)
        return sorted(sources)
    if layer.kind == "upsample":
        return [unit // params.factor]
    if layer.kind == "pad":
        return [unit - params.pad_before]
    if layer.kind == "crop":
        return [unit + params.pad_before]
    if layer.kind in ("globalpool", "fc"):
        return list(range(size))
    if layer.kind == "adaptivepool":
        window_map = adaptive_window(size, params.output_size)
        first, last = window_map.first_at(unit), window_map.last_at(unit)
        return [] if first is None or last is None else list(range(first, last + 1))
    raise RFError(f"layer kind {layer.kind!r} has no diagram geometry")


@dataclass(frozen=True)
class Trace:
    """The units that feed one unit, per layer, along one axis.

    Attributes:
        units: Layer index (0 for the input, 1-based for layers) to the sorted
            units of that layer that feed the traced unit.
        padding: Layer index to the padding positions that the next layer reads
            from it (positions below 0 or at n and above).
        edges: (layer index, unit) to the positions it reads in its source,
            padding included, for every traced unit of a layer that is not a merge.
    """

    units: dict[int, tuple[int, ...]]
    padding: dict[int, tuple[int, ...]]
    edges: dict[tuple[int, int], tuple[int, ...]]


def trace_units(analysis: Analysis, layer_index: int, unit: int, axis: int = 0) -> Trace:
    """Trace unit `unit` of layer `layer_index` back to the input along `axis`, keeping every unit.

    Unlike `rf_core.tracing.trace_region`, which keeps a span per layer, this keeps
    the exact set, so holes inside the span stay visible. Graphs are traced
    through every branch. Other axes are not looked at: the result is the
    projection onto `axis`.

    Raises:
        RFError: the layer, unit or axis is out of range, or an input size is unknown.
    """
    check_unit(analysis, layer_index, unit, axis)
    needed: dict[int, set[int]] = {layer_index: {unit}}
    units: dict[int, tuple[int, ...]] = {}
    padding: dict[int, set[int]] = {}
    edges: dict[tuple[int, int], tuple[int, ...]] = {}

    for index in range(layer_index, 0, -1):
        if index not in needed:
            continue
        current = sorted(needed.pop(index))
        units[index] = tuple(current)
        result = analysis.layers[index - 1]
        size = result.axes[axis].input_size or 0
        for source in result.sources:
            source_index = source + 1
            for output_unit in current:
                positions = reads(result, axis, output_unit)
                if not result.layer.is_merge:
                    edges[(index, output_unit)] = tuple(positions)
                for position in positions:
                    if 0 <= position < size:
                        needed.setdefault(source_index, set()).add(position)
                    else:
                        padding.setdefault(source_index, set()).add(position)
    units[0] = tuple(sorted(needed.pop(0, set())))
    return Trace(units, {key: tuple(sorted(value)) for key, value in padding.items()}, edges)


def check_unit(analysis: Analysis, layer_index: int, unit: int, axis: int) -> None:
    """Raise RFError unless the layer, the axis and the unit along it exist."""
    if not 1 <= layer_index <= len(analysis.layers):
        raise RFError(f"layer {layer_index} does not exist; valid layers are 1 to {len(analysis.layers)}")
    if not 0 <= axis < analysis.num_axes:
        raise RFError(f"axis {axis + 1} does not exist; the network has {analysis.num_axes} axes")
    size = analysis.layers[layer_index - 1].axes[axis].output_size
    if size is None:
        raise RFError("the network has no input size; add an 'input' line such as 'input 16'")
    if not 0 <= unit < size:
        layer = analysis.layers[layer_index - 1].layer
        raise RFError(f"unit {unit} is out of range for layer {layer_index} ({layer.label}), which has {size} units; use 0 to {size - 1}")
