"""Forward propagation of sizes and fields through a network, one axis at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd

from rf_core import fields as fieldmaps
from rf_core.analysis import (
    EFFECTIVE_PADDING,
    EFFECTIVE_STRIDE,
    OUTPUT_SIZE,
    RECEPTIVE_FIELD,
    START,
    AxisResult,
    LayerResult,
    _interval_at,
    axis_name,
    minimum_input_size,
)
from rf_core.errors import LayerError, OutputSizeError, RFError
from rf_core.layers import MAX_VALUE, PASS_THROUGH_KINDS, Layer
from rf_core.limits import MAX_PERIODIC_WORK
from rf_core.network import Network
from rf_core.windows import Window, layer_window

NO_INPUT_SIZE = "no input size given; add an 'input' line or give an input size"


@dataclass(frozen=True)
class _State:
    """State of one axis at a layer's output: size, field, and the reasons for unknown values."""

    size: int | None
    components: tuple[fieldmaps.Periodic, ...] | None
    offset_key: tuple = ()
    reasons: dict[str, str] = field(default_factory=dict)
    edges_exact: bool = True


def propagate(network: Network, sizes: Sequence[int] | None, num_axes: int) -> tuple[LayerResult, ...]:
    """Return one LayerResult per layer of `network` for the given input sizes."""
    sources = network.sources()
    budget = _WorkBudget()
    per_axis = [
        _propagate_axis(network, sources, axis, None if sizes is None else sizes[axis], num_axes, budget)
        for axis in range(num_axes)
    ]
    results = []
    for index, layer in enumerate(network.layers):
        axes = tuple(axis_results[index][0] for axis_results in per_axis)
        windows = tuple(axis_results[index][1] for axis_results in per_axis)
        notes = tuple(note for axis_results in per_axis for note in axis_results[index][2])
        results.append(LayerResult(index + 1, layer, axes, sources[index], notes, windows))
    return tuple(results)


class _WorkBudget:
    """Counts the periods of unevenly spaced fields over all layers and axes, up to MAX_PERIODIC_WORK."""

    def __init__(self) -> None:
        self.used = 0

    def charge(self, state: _State, layer: Layer, index: int, where: str) -> None:
        self.used += sum(component.period for component in state.components or () if component.period > 1)
        if self.used > MAX_PERIODIC_WORK:
            # Axes are analysed one after the other, so on a later axis the
            # limit can be crossed at an early layer.
            raise LayerError(
                f"layer {index} ({layer.name or layer.kind}){where} takes the analysis above its limit of "
                f"{MAX_PERIODIC_WORK} periodic field entries: after transposed convolutions, upsampling or "
                "adaptive pooling every layer walks through the whole period of its field. Use smaller "
                "strides or scale factors there, or fewer layers after them",
                line=layer.line,
                column=layer.column,
            )


def _propagate_axis(
    network: Network,
    sources: list[tuple[int, ...]],
    axis: int,
    input_size: int | None,
    num_axes: int,
    budget: _WorkBudget,
) -> list[tuple[AxisResult, Window | None, list[str]]]:
    reasons = {} if input_size is not None else {OUTPUT_SIZE: NO_INPUT_SIZE}
    initial = _State(input_size, (fieldmaps.IDENTITY,), (), reasons)
    states: dict[int, _State] = {-1: initial}
    output = []
    for index, layer in enumerate(network.layers):
        inputs = [states[source] for source in sources[index]]
        notes: list[str] = []
        window = None
        try:
            if layer.is_merge:
                names = [_source_name(network, source) for source in sources[index]]
                state = _merge(layer, index + 1, inputs, names, axis, num_axes, notes)
            else:
                window = layer_window(layer, layer.axis(axis), inputs[0].size, index + 1)
                state = _apply(inputs[0], window, index + 1, axis, layer.kind)
        except RFError as error:
            if error.line is not None or layer.line is None:
                raise
            # fields.compose and fields.union know no layer; point at the one being analysed.
            raise LayerError(
                f"{layer.describe(index + 1)}: {error.message}", line=layer.line, column=layer.column
            ) from None
        budget.charge(state, layer, index + 1, f" along {axis_name(axis, num_axes)}" if num_axes > 1 else "")
        if state.size is not None and state.size < 1:
            _raise_no_units(network, index, axis, num_axes, inputs[0].size, window)
        states[index] = state
        output.append((_axis_result(state, inputs[0].size, window), window, notes))
    return output


def _source_name(network: Network, source: int) -> str:
    return "input" if source < 0 else network.layers[source].name or network.layers[source].kind


def _apply(source: _State, window: Window, index: int, axis: int, kind: str) -> _State:
    reasons: dict[str, str] = {}
    if window.output_size is None:
        reasons[OUTPUT_SIZE] = source.reasons.get(OUTPUT_SIZE) or window.reason

    components = None
    if source.components is None:
        reasons[RECEPTIVE_FIELD] = source.reasons[RECEPTIVE_FIELD]
    elif window.window is None:
        reasons[RECEPTIVE_FIELD] = window.reason
    elif window.offset_unknown and any(component.period > 1 for component in source.components):
        reasons[RECEPTIVE_FIELD] = f"{window.reason}; the units before it are unevenly spaced, so the field size depends on that padding too"
    else:
        components = tuple(fieldmaps.compose(component, window.window) for component in source.components)

    offset_key = source.offset_key + ((index, axis),) if window.offset_unknown else source.offset_key
    if EFFECTIVE_PADDING in source.reasons:
        reasons[EFFECTIVE_PADDING] = source.reasons[EFFECTIVE_PADDING]
    elif window.offset_unknown:
        reasons[EFFECTIVE_PADDING] = window.reason
    edges_exact = source.edges_exact and _keeps_edges_exact(kind, source.size, window)
    return _State(window.output_size, components, offset_key, reasons, edges_exact)


#: Kinds whose windows never map an existing unit to input pixels that a missing unit would cover.
_EDGE_SAFE_KINDS = ("conv", "maxpool", "avgpool", "pad", *PASS_THROUGH_KINDS)


def _keeps_edges_exact(kind: str, source_size: int | None, window: Window) -> bool:
    """Return whether clipping this layer's intervals to the input stays exact.

    That holds when the kind is edge-safe and every window reads at least one
    existing input unit: the first window ends at unit 0 or later, and the last
    window starts at unit n - 1 or earlier. The last window must also reach the
    last input unit. Then the units before the first and after the last
    existing one only widen a field into the padding. When a window reads only
    padding, or the last window stops short (pixels left unread in floor mode),
    a missing unit's field could cover real pixels, so the trace is needed.
    """
    if kind not in _EDGE_SAFE_KINDS or window.window is None or source_size is None:
        return False
    if window.output_size is None or window.output_size < 1:
        return False
    first_window_end = window.window.last_at(0)
    last_window_start = window.window.first_at(window.output_size - 1)
    last_window_end = window.window.last_at(window.output_size - 1)
    if first_window_end is None or last_window_start is None or last_window_end is None:
        return False
    return first_window_end >= 0 and last_window_start <= source_size - 1 and last_window_end >= source_size - 1


def _merge(
    layer: Layer, index: int, inputs: list[_State], names: list[str], axis: int, num_axes: int, notes: list[str]
) -> _State:
    label = f"{layer.kind} {layer.describe(index)}"
    reasons: dict[str, str] = {}
    where = f" along {axis_name(axis, num_axes)}" if num_axes > 1 else ""

    sizes = [state.size for state in inputs]
    size = sizes[0]
    if any(value is None for value in sizes):
        size = None
        reasons[OUTPUT_SIZE] = next(state.reasons[OUTPUT_SIZE] for state in inputs if state.size is None)
    elif len(set(sizes)) > 1:
        listing = ", ".join(f"{name!r} has {value}" for name, value in zip(names, sizes))
        raise LayerError(
            f"{label} merges inputs of different sizes{where}: {listing}; {layer.kind} needs equal sizes, "
            "so adjust the strides or paddings of one path",
            option="from",
            line=layer.line,
            column=layer.column,
        )

    for state in inputs:
        if EFFECTIVE_PADDING in state.reasons:
            reasons[EFFECTIVE_PADDING] = state.reasons[EFFECTIVE_PADDING]
            break

    if any(state.components is None for state in inputs):
        reasons[RECEPTIVE_FIELD] = next(state.reasons[RECEPTIVE_FIELD] for state in inputs if state.components is None)
        return _State(size, None, inputs[0].offset_key, reasons)
    if len({state.offset_key for state in inputs}) > 1:
        reasons[RECEPTIVE_FIELD] = (
            f"the inputs of {label} depend on different paddings that need the input size; give an input size"
        )
        return _State(size, None, inputs[0].offset_key, reasons)

    by_slope: dict[Fraction, list[fieldmaps.Periodic]] = {}
    for state in inputs:
        for component in state.components or ():
            by_slope.setdefault(component.slope, []).append(component)
    components = tuple(fieldmaps.union(group) for group in by_slope.values())
    notes.extend(_alignment_notes(label, inputs, names, where, _is_even(components)))
    edges_exact = any(state.edges_exact and _covers_all(state, inputs) for state in inputs)
    return _State(size, components, inputs[0].offset_key, reasons, edges_exact)


def _covers_all(candidate: _State, inputs: list[_State]) -> bool:
    """Return whether every unit's field in `candidate` contains that unit's field in every other input.

    A merge's traced span is the union of its inputs' traced spans, so it equals
    the clipped merged interval when one input with exact edges covers the others.
    """
    own = candidate.components or ()
    for state in inputs:
        other = state.components or ()
        if state is candidate:
            continue
        if {component.slope for component in own} != {component.slope for component in other}:
            return False
        for unit in range(_common_period(tuple(own) + tuple(other))):
            mine, theirs = _interval_at(own, unit), _interval_at(other, unit)
            if theirs is not None and (mine is None or mine[0] > theirs[0] or mine[1] < theirs[1]):
                return False
    return True


def _is_even(components: Sequence[fieldmaps.Periodic]) -> bool:
    """Return whether every unit's field has the same size and neighbouring fields are S apart."""
    if len(components) != 1:
        return False
    component = components[0]
    widths = set()
    for phase in range(component.period):
        interval = _interval_at(components, phase)
        if interval is None:
            return False
        if interval[0] - component.first[0] != phase * component.slope:
            return False
        widths.add(interval[1] - interval[0])
    return len(widths) == 1


def _alignment_notes(label: str, inputs: list[_State], names: list[str], where: str, even: bool) -> list[str]:
    """Describe, in one note, the inputs whose fields are placed differently from the first input's.

    `even` is True when the merged fields are still evenly placed and of one size,
    as when two paths have the same effective stride but differently centred fields.
    """
    reference = inputs[0].components or ()
    reference_slope = _slope_text(reference)
    disagreeing = []
    for name, state in zip(names[1:], inputs[1:]):
        components = state.components or ()
        period = _common_period(tuple(reference) + tuple(components))
        centres = [(_centre(reference, unit), _centre(components, unit)) for unit in range(period)]
        if _slope_text(components) == reference_slope and all(a == b for a, b in centres):
            continue
        disagreeing.append((name, _slope_text(components), centres[0][1]))
    if not disagreeing:
        return []

    reference_centre = _number(_centre(reference, 0))
    if len(disagreeing) == 1:
        name, slope, centre = disagreeing[0]
        facts = (
            f"inputs {names[0]!r} and {name!r} have effective strides {reference_slope} and {slope}, "
            f"and their unit 0 fields are centred at {reference_centre} and {_number(centre)}"
        )
    else:
        listed = ", ".join(f"{name!r} ({slope}, {_number(centre)})" for name, slope, centre in disagreeing[:4])
        more = f" and {len(disagreeing) - 4} more" if len(disagreeing) > 4 else ""
        facts = (
            f"input {names[0]!r} has effective stride {reference_slope} and its unit 0 field is centred at "
            f"{reference_centre}, but {listed}{more} differ (effective stride, centre)"
        )
    if even:
        meaning = (
            "Each unit's merged field is the union of the paths' fields, which has the same size and "
            "spacing for every unit, so r is the size of that union"
        )
    else:
        meaning = (
            "Their units look at differently placed input regions, so the merged field changes from unit "
            "to unit: each unit's interval is the union over the paths, and r is the largest over the units"
        )
    return [f"{label} is misaligned{where}: {facts}. {meaning}"]


def _slope_text(components: Sequence[fieldmaps.Periodic]) -> str:
    slopes = sorted({component.slope for component in components})
    return " and ".join(_number(slope) for slope in slopes)


def _common_period(components: Sequence[fieldmaps.Periodic]) -> int:
    period = 1
    for component in components:
        period = period * component.period // gcd(period, component.period)
    return min(period, fieldmaps.MAX_PERIOD)


def _centre(components: Sequence[fieldmaps.Periodic], unit: int) -> float | None:
    interval = _interval_at(components, unit)
    return None if interval is None else (interval[0] + interval[1]) / 2


def _number(value: float | Fraction | None) -> str:
    if value is None:
        return "none"
    if float(value).is_integer():
        return str(int(value))
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return f"{value:g}"


def _axis_result(state: _State, input_size: int | None, window: Window | None) -> AxisResult:
    unknown = dict(state.reasons)
    largest = smallest = None
    stride: int | Fraction | None = None
    components = state.components
    if components is not None:
        largest, smallest = _field_sizes(components, state.size)
        if largest is None:
            unknown[RECEPTIVE_FIELD] = (
                "merged paths have different effective strides, so the field size changes along the layer; "
                "give an input size"
            )
        slopes = {component.slope for component in components}
        if len(slopes) == 1:
            slope = slopes.pop()
            stride = int(slope) if slope.denominator == 1 else slope
        else:
            unknown[EFFECTIVE_STRIDE] = "merged paths have different effective strides: " + _slope_text(components)
    else:
        unknown[EFFECTIVE_STRIDE] = unknown[RECEPTIVE_FIELD]

    position_known = EFFECTIVE_PADDING not in unknown
    padding = None
    if components is not None and EFFECTIVE_PADDING not in unknown:
        first = _interval_at(components, 0)
        if first is None:
            unknown[EFFECTIVE_PADDING] = "unit 0 reads no input pixel"
        else:
            padding = -first[0]
    elif EFFECTIVE_PADDING not in unknown:
        unknown[EFFECTIVE_PADDING] = unknown[RECEPTIVE_FIELD]
    if EFFECTIVE_PADDING in unknown:
        unknown[START] = unknown[EFFECTIVE_PADDING]

    return AxisResult(
        input_size=input_size,
        output_size=state.size,
        receptive_field=largest,
        effective_stride=stride,
        effective_padding=padding,
        pad_before=None if window is None else window.pad_before,
        pad_after=None if window is None else window.pad_after,
        unknown=unknown,
        receptive_field_min=smallest,
        components=components,
        position_known=position_known,
        edges_exact=state.edges_exact,
    )


def _field_sizes(components: Sequence[fieldmaps.Periodic], size: int | None) -> tuple[int | None, int | None]:
    """Return the largest and smallest field size over the units, None when unknowable."""
    if len(components) == 1:
        # One component: units 0 to period - 1 are its phases, read without divmod.
        only = components[0]
        widths = [last - first + 1 for first, last in zip(only.first, only.last) if first is not None and last is not None]
        return (max(widths), min(widths)) if widths else (0, 0)
    period = _common_period(components)
    if len({component.slope for component in components}) == 1:
        units: Sequence[int] = range(period)
    elif size is None:
        return None, None
    else:
        # With different slopes the size grows or shrinks along the layer, so its
        # extremes lie within one period of either end.
        units = sorted(set(range(min(period, size))) | set(range(max(size - period, 0), size)))
    widths = [interval[1] - interval[0] + 1 for interval in (_interval_at(components, unit) for unit in units) if interval]
    if not widths:
        return 0, 0
    return max(widths), min(widths)


def _raise_no_units(
    network: Network, index: int, axis: int, num_axes: int, input_size: int | None, window: Window | None
) -> None:
    layer = network.layers[index]
    minimum = tuple(minimum_input_size(network, a) for a in range(num_axes))
    where = f" along {axis_name(axis, num_axes)}" if num_axes > 1 else ""
    pixels = "pixel" if input_size == 1 else "pixels"
    detail = ""
    if window is not None and layer.kind in ("conv", "maxpool", "avgpool"):
        detail = (
            f", padded by {window.pad_before}+{window.pad_after}, "
            f"but its window spans {layer.axis(axis).effective_kernel}"
        )
    problem = f"{layer.describe(index + 1)} has no output units{where}: its input is {input_size} {pixels}{detail}."
    if any(size is None for size in minimum):
        advice = (
            f" No input size up to {MAX_VALUE} gives every layer a unit, because a layer above it has a fixed "
            "output size (global or adaptive pooling, fc); make this layer's window fit that size"
        )
        known_minimum: tuple[int, ...] = ()
    else:
        known_minimum = tuple(size for size in minimum if size is not None)
        advice = (
            f" The smallest input that gives every layer at least one unit is "
            f"{'x'.join(map(str, known_minimum))}; use an input at least that large"
        )
    raise OutputSizeError(
        problem + advice,
        layer_index=index + 1,
        minimum_input_size=known_minimum,
        line=layer.line,
        column=layer.column,
    )


def output_sizes(network: Network, axis: int, input_size: int) -> list[int | None]:
    """Return every layer's output size along `axis`, stopping at the first below 1."""
    sources = network.sources()
    sizes: dict[int, int | None] = {-1: input_size}
    result = []
    for index, layer in enumerate(network.layers):
        inputs = [sizes[source] for source in sources[index]]
        if any(value is None or value < 1 for value in inputs):
            return result + [None]
        if layer.is_merge:
            size = min(value for value in inputs if value is not None)
        else:
            size = layer_window(layer, layer.axis(axis), inputs[0], index + 1).output_size
        sizes[index] = size
        result.append(size)
    return result
