"""Per-layer receptive field analysis of a single-path network.

For every layer and spatial axis this computes the output size, the receptive
field size r, the effective stride S, the effective padding P and the start (the
centre of unit 0's field), following the formulas in `rf_core.arithmetic`.
Values that cannot be known are None, with the reason in `AxisResult.unknown`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rf_core import arithmetic
from rf_core.errors import LayerError, OutputSizeError, RFError
from rf_core.layers import AxisParams, Layer
from rf_core.network import Network, validate_input_size

#: Quantity names used as keys of `AxisResult.unknown`.
OUTPUT_SIZE = "output_size"
EFFECTIVE_PADDING = "effective_padding"
START = "start"


@dataclass(frozen=True)
class AxisResult:
    """Results of one layer along one spatial axis, in input pixels.

    Attributes:
        input_size: Size of this layer's input, or None when unknown.
        output_size: Number of output units, or None when unknown.
        receptive_field: Receptive field size r of every unit.
        effective_stride: Distance S between the fields of neighbouring units.
        effective_padding: Effective padding P, or None when unknown.
        pad_before: Padding this layer adds before its input, or None when `same`
            padding depends on an unknown input size.
        pad_after: Padding this layer adds after its input, or None likewise.
        unknown: Reason for each quantity that is None, keyed by quantity name.
    """

    input_size: int | None
    output_size: int | None
    receptive_field: int
    effective_stride: int
    effective_padding: int | None
    pad_before: int | None
    pad_after: int | None
    unknown: dict[str, str] = field(default_factory=dict)

    @property
    def start(self) -> float | None:
        """Centre of unit 0's field, -P + (r - 1) / 2, or None when P is unknown."""
        if self.effective_padding is None:
            return None
        return arithmetic.field_start(self.effective_padding, self.receptive_field)

    def interval(self, unit: int) -> tuple[int, int] | None:
        """Return unit `unit`'s unclipped interval [u, v], or None when P is unknown."""
        if self.effective_padding is None:
            return None
        return arithmetic.unit_interval(unit, self.effective_padding, self.effective_stride, self.receptive_field)


@dataclass(frozen=True)
class LayerResult:
    """Results of one layer: the layer, its 1-based position and one AxisResult per axis."""

    index: int
    layer: Layer
    axes: tuple[AxisResult, ...]


@dataclass(frozen=True)
class UnitField:
    """The input region of one unit.

    Attributes:
        unit: Unit index per axis.
        interval: Unclipped inclusive interval per axis, or None when P is unknown.
        clipped: Per axis, the span of input pixels that reach the unit: the
            interval traced back layer by layer, keeping at every layer only
            units and pixels that exist. An entry is None when the field lies
            entirely in the padding; the whole is None when the input size or P
            is unknown. It is the unclipped interval clipped to [0, n - 1],
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

    def unit_field(self, layer_index: int, unit: Sequence[int]) -> UnitField:
        """Return the input region of one unit of layer `layer_index` (1-based).

        `unit` contains one index per axis, or a single index for every axis.

        Raises:
            RFError: the layer index or a unit index is out of range.
        """
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
        if any(interval is None for interval in intervals):
            return UnitField(indices, None, None, None)
        known = tuple(interval for interval in intervals if interval is not None)
        centres = tuple((u + v) / 2 for u, v in known)
        clipped = None
        if self.input_size is not None:
            clipped = tuple(
                _trace_interval(self.layers[:layer_index], axis, index) for axis, index in enumerate(indices)
            )
        return UnitField(indices, known, clipped, centres)


def _trace_interval(results: Sequence[LayerResult], axis: int, unit: int) -> tuple[int, int] | None:
    """Return the span of input pixels that reach `unit` of the last of `results`, or None.

    Walks back one layer at a time: units first..last of a layer read positions
    first * s - p to last * s - p + K - 1 of its input, of which only 0 to n - 1 exist.
    """
    first, last = unit, unit
    for result in reversed(results):
        params = result.layer.axis(axis)
        axis_result = result.axes[axis]
        if axis_result.input_size is None or axis_result.pad_before is None:
            return None
        first = first * params.stride - axis_result.pad_before
        last = last * params.stride - axis_result.pad_before + params.effective_kernel - 1
        first, last = max(first, 0), min(last, axis_result.input_size - 1)
        if first > last:
            return None
    return first, last


def broadcast_unit(unit: Sequence[int], num_axes: int) -> tuple[int, ...]:
    """Return one unit index per axis, repeating a single index on every axis.

    Raises:
        RFError: wrong number of indices, or a negative index.
    """
    indices = tuple(unit)
    if len(indices) == 1:
        indices = indices * num_axes
    if len(indices) != num_axes:
        raise RFError(f"unit {','.join(map(str, unit))} has {len(unit)} indices; give 1 or {num_axes}")
    for index in indices:
        if index < 0:
            raise RFError(f"unit index {index} is negative; unit indices start at 0")
    return indices


def analyze(network: Network, input_size: Sequence[int] | None = None) -> Analysis:
    """Compute per-layer, per-axis results for a single-path network.

    Args:
        network: The network to analyse.
        input_size: Input size per axis, or a single size for every axis. It
            overrides the network's own input size; None keeps that one.

    Raises:
        OutputSizeError: a layer would have fewer than one output unit. The
            message names the layer and the smallest input size that works.
        LayerError: the input size is invalid or does not match the axes.
    """
    size = tuple(input_size) if input_size is not None else network.input_size
    if size is not None:
        validate_input_size(size)
    num_axes = network.num_axes
    if size is not None and len(size) > 1:
        if network.num_axes > 1 and len(size) != network.num_axes:
            raise LayerError(
                f"input size {'x'.join(map(str, size))} has {len(size)} axes "
                f"but the layers have {network.num_axes}; give {network.num_axes} sizes"
            )
        num_axes = len(size)
    sizes = None if size is None else (size * num_axes if len(size) == 1 else size)

    per_axis = [_analyze_axis(network.layers, axis, None if sizes is None else sizes[axis]) for axis in range(num_axes)]
    results = tuple(
        LayerResult(index + 1, layer, tuple(axis_results[index] for axis_results in per_axis))
        for index, layer in enumerate(network.layers)
    )
    if sizes is not None:
        _check_output_sizes(network.layers, results, num_axes)
    return Analysis(network, sizes, num_axes, results)


def _analyze_axis(layers: Sequence[Layer], axis: int, input_size: int | None) -> list[AxisResult]:
    size = input_size
    receptive_field, jump, padding = 1, 1, 0
    padding_reason = ""
    size_reason = "" if size is not None else "no input size given; add an 'input' line or give an input size"
    results = []

    for index, layer in enumerate(layers, start=1):
        params = layer.axis(axis)
        pads = _resolve_padding(layer, params, size)
        if pads is None and not padding_reason:
            padding_reason = (
                f"layer {index} ({layer.name or layer.kind}) uses p=same with stride {params.stride}, "
                "whose padding depends on the input size; give an input size"
            )

        layer_input = size
        if size is not None and pads is not None:
            size = arithmetic.output_size(
                size, params.kernel, params.stride, params.dilation, pads[0], pads[1], layer.ceil_mode
            )
            if size < 1:
                size_reason = f"layer {index} has no output units"
        if padding is not None and pads is not None:
            padding = arithmetic.next_effective_padding(padding, pads[0], jump)
        else:
            padding = None
        receptive_field = arithmetic.next_receptive_field(receptive_field, params.kernel, params.dilation, jump)
        jump = arithmetic.next_effective_stride(jump, params.stride)

        unknown = {}
        if size is None:
            unknown[OUTPUT_SIZE] = size_reason
        if padding is None:
            unknown[EFFECTIVE_PADDING] = padding_reason
            unknown[START] = padding_reason
        results.append(
            AxisResult(
                input_size=layer_input,
                output_size=size,
                receptive_field=receptive_field,
                effective_stride=jump,
                effective_padding=padding,
                pad_before=None if pads is None else pads[0],
                pad_after=None if pads is None else pads[1],
                unknown=unknown,
            )
        )
        if size is not None and size < 1:
            size = None
    return results


def _resolve_padding(layer: Layer, params: AxisParams, input_size: int | None) -> tuple[int, int] | None:
    """Return the padding (before, after) a layer applies, or None when unknowable."""
    if layer.padding_mode == "valid":
        return 0, 0
    if layer.padding_mode == "same":
        if input_size is None:
            return arithmetic.same_padding_without_size(params.kernel, params.stride, params.dilation)
        return arithmetic.same_padding(input_size, params.kernel, params.stride, params.dilation)
    return params.pad_before, params.pad_after


def _check_output_sizes(layers: Sequence[Layer], results: Sequence[LayerResult], num_axes: int) -> None:
    for result in results:
        for axis, axis_result in enumerate(result.axes):
            if axis_result.output_size is not None and axis_result.output_size >= 1:
                continue
            if axis_result.input_size is None:
                continue
            minimum = tuple(minimum_input_size(layers, a) for a in range(num_axes))
            params = result.layer.axis(axis)
            where = f" along {axis_name(axis, num_axes)}" if num_axes > 1 else ""
            pixels = "pixel" if axis_result.input_size == 1 else "pixels"
            raise OutputSizeError(
                f"layer {result.index} ({result.layer.name or result.layer.kind}) has no output units{where}: its input is "
                f"{axis_result.input_size} {pixels}, padded by {axis_result.pad_before}+{axis_result.pad_after}, "
                f"but its window spans {params.effective_kernel}. The smallest input that gives every layer "
                f"at least one unit is {'x'.join(map(str, minimum))}; use an input at least that large",
                layer_index=result.index,
                minimum_input_size=minimum,
                line=result.layer.line,
                column=result.layer.column,
            )


def minimum_input_size(layers: Sequence[Layer], axis: int = 0) -> int:
    """Return the smallest input size along `axis` for which every layer has an output unit.

    Output sizes never shrink when the input grows, so a doubling search followed
    by bisection finds the boundary.
    """

    def fits(size: int) -> bool:
        for result in _analyze_axis(layers, axis, size):
            if result.output_size is None or result.output_size < 1:
                return False
        return True

    # fits(0) is taken as False, so `low` always marks a size that does not fit.
    high = 1
    while not fits(high):
        high *= 2
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
