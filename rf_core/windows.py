"""The window of every layer kind along one axis: which input units each output unit reads.

`layer_window` returns the window as a `Periodic` map from output unit to an
inclusive range of input units, with the layer's output size and the padding it
applies. Units and pixels are zero-indexed; positions below 0 or above n - 1
are padding.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

from rf_core import arithmetic
from rf_core.fields import IDENTITY, Periodic, uniform
from rf_core.layers import AxisParams, Layer


@dataclass(frozen=True)
class Window:
    """A layer's geometry along one axis, for a given input size.

    Attributes:
        window: Output unit to input-unit range, or None when it depends on an
            unknown input size.
        output_size: Number of output units, or None when unknown. It may be
            below 1, which the analysis reports as an error.
        pad_before: Padding applied before the input, None when unknown.
        pad_after: Padding applied after the input, None when unknown.
        offset_unknown: The window's position is unknown (TensorFlow `same`
            padding with stride > 1 and no input size); `window` then assumes
            padding 0 before, which fixes its shape but not its position.
        reason: Why `window` or the position is unknown.
    """

    window: Periodic | None
    output_size: int | None
    pad_before: int | None = 0
    pad_after: int | None = 0
    offset_unknown: bool = False
    reason: str = ""


def layer_window(layer: Layer, params: AxisParams, input_size: int | None, index: int) -> Window:
    """Return the window of a non-merge layer along one axis.

    `index` is the layer's 1-based position, used in reasons.
    """
    kind = layer.kind
    label = layer.describe(index)
    if kind in ("conv", "maxpool", "avgpool"):
        return _sliding_window(layer, params, input_size, label)
    if kind == "convt":
        return _transposed_window(params, input_size)
    if kind == "upsample":
        size = None if input_size is None else input_size * params.factor
        return Window(Periodic(params.factor, 1, (0,) * params.factor, (0,) * params.factor), size)
    if kind == "pad":
        size = None if input_size is None else input_size + params.pad_before + params.pad_after
        return Window(uniform(1, -params.pad_before, -params.pad_before), size, params.pad_before, params.pad_after)
    if kind == "crop":
        size = None if input_size is None else input_size - params.pad_before - params.pad_after
        return Window(uniform(1, params.pad_before, params.pad_before), size)
    if kind in ("globalpool", "fc"):
        if input_size is None:
            return Window(None, 1, reason=f"{label} sees its whole input, whose size is unknown; give an input size")
        return Window(uniform(input_size, 0, input_size - 1), 1)
    if kind == "adaptivepool":
        if input_size is None:
            return Window(
                None,
                params.output_size,
                reason=f"{label} pools to a size whose windows depend on the input size; give an input size",
            )
        return Window(adaptive_window(input_size, params.output_size), params.output_size)
    return Window(IDENTITY, input_size)


def _sliding_window(layer: Layer, params: AxisParams, input_size: int | None, label: str) -> Window:
    kernel_span = params.effective_kernel
    offset_unknown = False
    reason = ""
    if layer.padding_mode == "valid":
        pads: tuple[int, int] | None = (0, 0)
    elif layer.padding_mode == "same":
        if input_size is None:
            pads = arithmetic.same_padding_without_size(params.kernel, params.stride, params.dilation)
        else:
            pads = arithmetic.same_padding(input_size, params.kernel, params.stride, params.dilation)
    else:
        pads = (params.pad_before, params.pad_after)

    if pads is None:
        offset_unknown = True
        reason = (
            f"{label} uses p=same with stride {params.stride}, whose padding depends on the input size; "
            "give an input size"
        )
        window = uniform(params.stride, 0, kernel_span - 1)
        return Window(window, None, None, None, offset_unknown, reason)

    size = None
    if input_size is not None:
        size = arithmetic.output_size(
            input_size, params.kernel, params.stride, params.dilation, pads[0], pads[1], layer.ceil_mode
        )
    window = uniform(params.stride, -pads[0], -pads[0] + kernel_span - 1)
    return Window(window, size, pads[0], pads[1])


def _transposed_window(params: AxisParams, input_size: int | None) -> Window:
    # Output unit o gets input unit i through tap t when o = i s - p + t d, so
    # i = (o + p - t d) / s where that is a whole number. Phase o mod s decides
    # which taps fit, and the pattern repeats every s outputs, moving i by 1.
    # The taps that fit solve tap * d = phase + p (mod s): a residue class modulo
    # s / gcd(d, s), so each phase costs constant time whatever the kernel size.
    # The last fitting tap gives the first input unit, the first tap the last.
    stride, dilation, pad = params.stride, params.dilation, params.pad_before
    common = gcd(dilation, stride)
    modulus = stride // common
    inverse = pow(dilation // common, -1, modulus) if modulus > 1 else 0
    first: list[int | None] = []
    last: list[int | None] = []
    for phase in range(stride):
        target = phase + pad
        if target % common:
            first.append(None)
            last.append(None)
            continue
        lowest_tap = (target // common * inverse) % modulus if modulus > 1 else 0
        if lowest_tap > params.kernel - 1:
            first.append(None)
            last.append(None)
            continue
        highest_tap = lowest_tap + (params.kernel - 1 - lowest_tap) // modulus * modulus
        first.append((target - highest_tap * dilation) // stride)
        last.append((target - lowest_tap * dilation) // stride)

    size = None
    if input_size is not None:
        size = (
            (input_size - 1) * stride
            - params.pad_before
            - params.pad_after
            + params.effective_kernel
            + params.output_padding
        )
    return Window(Periodic(stride, 1, tuple(first), tuple(last)), size, params.pad_before, params.pad_after)


def adaptive_window(input_size: int, output_size: int) -> Periodic:
    """Return PyTorch's adaptive pooling window: unit i reads floor(i n / m) to ceil((i + 1) n / m) - 1."""
    common = gcd(input_size, output_size)
    period = output_size // common
    first = tuple(phase * input_size // output_size for phase in range(period))
    last = tuple(-(-(phase + 1) * input_size // output_size) - 1 for phase in range(period))
    return Periodic(period, input_size // common, first, last)
