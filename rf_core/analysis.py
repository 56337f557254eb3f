"""Per-layer receptive field analysis of a network, chain or graph.

For every layer and spatial axis this computes the output size, the receptive
field size r, the effective stride S, the effective padding P and the start (the
centre of unit 0's field). Values that cannot be known are None, with the reason
in `AxisResult.unknown`. The fields themselves are kept as periodic functions
(`rf_core.fields`), so the exact interval of any unit is available too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from rf_core import fields as fieldmaps
from rf_core.errors import LayerError, RFError
from rf_core.layers import MAX_VALUE, Layer
from rf_core.network import Network, validate_input_size
from rf_core.windows import Window

#: Quantity names used as keys of `AxisResult.unknown`.
OUTPUT_SIZE = "output_size"
RECEPTIVE_FIELD = "receptive_field"
EFFECTIVE_STRIDE = "effective_stride"
EFFECTIVE_PADDING = "effective_padding"
START = "start"


@dataclass(frozen=True)
class AxisResult:
    """Results of one layer along one spatial axis, in input pixels.

    Attributes:
        input_size: Size of this layer's (first) input, or None when unknown.
        output_size: Number of output units, or None when unknown.
        receptive_field: Largest receptive field size r over the layer's units,
            or None when unknown.
        receptive_field_min: Smallest r over the units. It differs from
            `receptive_field` after transposed convolutions, upsampling,
            adaptive pooling or misaligned merges.
        effective_stride: Average distance S between the fields of neighbouring
            units: an int, a Fraction after upsampling, or None when merged paths
            disagree.
        effective_padding: Effective padding P, -lo(0), or None when unknown.
        pad_before: Padding this layer adds before its input, None when unknown.
        pad_after: Padding this layer adds after its input, None when unknown.
        unknown: Reason for each quantity that is None, keyed by quantity name.
        components: The field as periodic maps from unit to input interval; more
            than one when merged paths have different effective strides. None
            when the field is unknown.
        position_known: False when the fields' position depends on an unknown
            padding; `components` then fix their shape but not their position.
        edges_exact: True when every unit's traced span equals its interval
            clipped to the input, so `Analysis.unit_field` need not trace.
    """

    input_size: int | None
    output_size: int | None
    receptive_field: int | None
    effective_stride: int | Fraction | None
    effective_padding: int | None
    pad_before: int | None
    pad_after: int | None
    unknown: dict[str, str] = field(default_factory=dict)
    receptive_field_min: int | None = None
    components: tuple[fieldmaps.Periodic, ...] | None = field(default=None, repr=False)
    position_known: bool = True
    edges_exact: bool = False

    @property
    def start(self) -> float | None:
        """Centre of unit 0's field, or None when P or that field is unknown."""
        interval = self.interval(0)
        if interval is None:
            return None
        return (interval[0] + interval[1]) / 2

    @property
    def is_uniform(self) -> bool:
        """Whether every unit has a field of the same size."""
        return self.receptive_field is not None and self.receptive_field == self.receptive_field_min

    def interval(self, unit: int) -> tuple[int, int] | None:
        """Return unit `unit`'s unclipped interval [u, v], or None when unknown or empty."""
        if self.components is None or not self.position_known:
            return None
        return _interval_at(self.components, unit)


def _interval_at(components: Sequence[fieldmaps.Periodic], unit: int) -> tuple[int, int] | None:
    firsts = [value for value in (c.first_at(unit) for c in components) if value is not None]
    lasts = [value for value in (c.last_at(unit) for c in components) if value is not None]
    if not firsts:
        return None
    return min(firsts), max(lasts)


@dataclass(frozen=True)
class LayerResult:
    """Results of one layer: the layer, its 1-based position and one AxisResult per axis.

    Attributes:
        sources: 0-based positions of the layers it reads, -1 for the input.
        notes: Sentences about this layer's results, such as misaligned merges or
            fields that vary between units.
        windows: The layer's window per axis, used to trace intervals back.
    """

    index: int
    layer: Layer
    axes: tuple[AxisResult, ...]
    sources: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    windows: tuple[Window | None, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class UnitField:
    """The input region of one unit.

    Attributes:
        unit: Unit index per axis.
        interval: Unclipped inclusive interval per axis, or None when the
            position is unknown or the unit reads no input unit at all.
        clipped: Per axis, the span of input pixels that reach the unit: the
            interval traced back layer by layer, keeping at every layer only
            units and pixels that exist. Every entry is None when no input pixel
            reaches the unit; the whole is None when the input size or the
            position of the fields is unknown. It is the unclipped interval clipped to [0, n - 1],
            except where a layer leaves trailing pixels unread (floor mode), which
            makes it narrower.
        centre: Field centre per axis, or None when P is unknown.
    """

    unit: tuple[int, ...]
    interval: tuple[tuple[int, int], ...] | None
    clipped: tuple[tuple[int, int] | None, ...] | None
    centre: tuple[float, ...] | None


@dataclass(frozen=True)
class Analysis:
    """Results for a whole network.

    Attributes:
        network: The analysed network.
        input_size: Input size per axis, or None when unknown.
        num_axes: Number of spatial axes in every result.
        layers: One LayerResult per layer, in order.
    """

    network: Network
    input_size: tuple[int, ...] | None
    num_axes: int
    layers: tuple[LayerResult, ...]

    def layer(self, name: str) -> LayerResult:
        """Return the result of the layer called `name`.

        Raises:
            RFError: no layer has that name; the message lists the names.
        """
        for result in self.layers:
            if result.layer.name == name:
                return result
        names = ", ".join(result.layer.name for result in self.layers)
        raise RFError(f"no layer is named {name!r}; the layers are {names}")

    def unit_field(self, layer_index: int, unit: Sequence[int]) -> UnitField:
        """Return the input region of one unit of layer `layer_index` (1-based).

        `unit` contains one index per axis, or a single index for every axis.

        Raises:
            RFError: the layer index or a unit index is out of range.
        """
        from rf_core.tracing import trace_region

        if not 1 <= layer_index <= len(self.layers):
            raise RFError(f"layer {layer_index} does not exist; valid layers are 1 to {len(self.layers)}")
        indices = broadcast_unit(unit, self.num_axes)
        result = self.layers[layer_index - 1]
        for axis, (index, axis_result) in enumerate(zip(indices, result.axes)):
            size = axis_result.output_size
            if size is not None and index >= size:
                raise RFError(
                    f"unit {index} on axis {axis + 1} is out of range for layer {result.layer.label}, "
                    f"which has {size} units; use 0 to {size - 1}"
                )

        intervals = [axis_result.interval(i) for i, axis_result in zip(indices, result.axes)]
        clipped = None
        if self.input_size is not None and all(axis.position_known for axis in result.axes):
            if all(axis.edges_exact for axis in result.axes) and None not in intervals:
                # Tracing every row of a table back through every layer is quadratic in depth.
                region = _clip_region(intervals, self.input_size)
            else:
                region = trace_region(self.layers, layer_index, indices)
            clipped = region if region is not None else (None,) * self.num_axes
        if any(interval is None for interval in intervals):
            return UnitField(indices, None, clipped, None)
        known = tuple(interval for interval in intervals if interval is not None)
        centres = tuple((u + v) / 2 for u, v in known)
        return UnitField(indices, known, clipped, centres)


def _clip_region(
    intervals: Sequence[tuple[int, int] | None], input_size: Sequence[int]
) -> tuple[tuple[int, int], ...] | None:
    """Clip per-axis intervals to the input; None when any axis has nothing left."""
    region = []
    for interval, size in zip(intervals, input_size):
        if interval is None:
            return None
        first, last = max(interval[0], 0), min(interval[1], size - 1)
        if first > last:
            return None
        region.append((first, last))
    return tuple(region)


def broadcast_unit(unit: Sequence[int], num_axes: int) -> tuple[int, ...]:
    """Return one unit index per axis, repeating a single index on every axis.

    Raises:
        RFError: wrong number of indices, or a negative index.
    """
    indices = tuple(unit)
    if len(indices) == 1:
        indices = indices * num_axes
    if len(indices) != num_axes:
        raise RFError(
            f"unit {','.join(map(str, unit))} has {len(unit)} indices but the network has {num_axes} "
            f"spatial {'axis' if num_axes == 1 else 'axes'}; give one index, or {num_axes}"
        )
    for index in indices:
        if index < 0:
            raise RFError(f"unit index {index} is negative; unit indices start at 0")
    return indices


def analyze(network: Network, input_size: Sequence[int] | None = None, *, num_axes: int | None = None) -> Analysis:
    """Compute per-layer, per-axis results for a network.

    Args:
        network: The network to analyse.
        input_size: Input size per axis, or a single size for every axis. It
            overrides the network's own input size; None keeps that one.
        num_axes: Number of axes to report for a network whose every value is
            a single number, such as 2 for a square 2-D network written with
            scalars. Ignored when the network or the input size fixes the count.

    Raises:
        OutputSizeError: a layer would have fewer than one output unit. The
            message names the layer and the smallest input size that works.
        LayerError: the input size is invalid or does not match the axes, or
            the inputs of a merge differ in size.
    """
    from rf_core.propagation import propagate

    size = tuple(input_size) if input_size is not None else network.input_size
    if size is not None:
        validate_input_size(size)
    requested_axes = num_axes
    num_axes = network.num_axes
    if size is not None and len(size) > 1:
        if network.num_axes > 1 and len(size) != network.num_axes:
            raise LayerError(
                f"input size {'x'.join(map(str, size))} has {len(size)} axes "
                f"but the layers have {network.num_axes}; give {network.num_axes} sizes"
            )
        num_axes = len(size)
    elif num_axes == 1 and requested_axes is not None:
        num_axes = requested_axes
    sizes = None
    if size is not None:
        sizes = size * num_axes if len(size) == 1 else size

    results = propagate(network, sizes, num_axes)
    return Analysis(network, sizes, num_axes, results)


def minimum_input_size(network: Network | Sequence[Layer], axis: int = 0) -> int | None:
    """Return the smallest input size along `axis` for which every layer has an output unit.

    Output sizes never shrink when the input grows, so a doubling search followed
    by bisection finds the boundary. Returns None when no input size up to
    MAX_VALUE works, as when a layer after a global pooling has a kernel above 1.
    """
    from rf_core.propagation import output_sizes

    if not isinstance(network, Network):
        network = Network(tuple(network))

    def fits(size: int) -> bool:
        return all(value is not None and value >= 1 for value in output_sizes(network, axis, size))

    if not fits(MAX_VALUE):
        return None
    # fits(0) is taken as False, so `low` always marks a size that does not fit.
    high = 1
    while not fits(high):
        high = min(high * 2, MAX_VALUE)
    low = high // 2
    while low + 1 < high:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle
    return high


def axis_name(axis: int, num_axes: int) -> str:
    """Return the conventional name of an axis: width for 1-D, height and width for 2-D."""
    names = {1: ("width",), 2: ("height", "width"), 3: ("depth", "height", "width")}[num_axes]
    return names[axis]
