"""One small pure function per formula, applied along one spatial axis.

Conventions: pixel positions are zero-indexed pixel centres; intervals are
inclusive [u, v]. The receptive field formulas follow Araujo, Norris and Sim,
"Computing Receptive Fields of Convolutional Neural Networks", Distill (2019):
for layer l with effective kernel K_l = d_l (k_l - 1) + 1,

    r_l = r_{l-1} + (K_l - 1) S_{l-1}     receptive field size
    S_l = S_{l-1} s_l                      effective stride (jump)
    P_l = P_{l-1} + p_l S_{l-1}            effective padding (p_l: padding before)

and unit i of layer l covers input pixels u = -P_l + i S_l to v = u + r_l - 1.
"""

from __future__ import annotations


def effective_kernel(kernel: int, dilation: int) -> int:
    """Return the number of input pixels a dilated window spans: d (k - 1) + 1."""
    return dilation * (kernel - 1) + 1


def same_padding(input_size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """Return TensorFlow's `same` padding (before, after) for one axis.

    The total is max((ceil(n / s) - 1) s + d (k - 1) + 1 - n, 0), and the smaller
    half goes before. With stride 1 the total is d (k - 1) whatever n is.
    """
    output = -(-input_size // stride)
    total = max((output - 1) * stride + effective_kernel(kernel, dilation) - input_size, 0)
    return total // 2, total - total // 2


def same_padding_without_size(kernel: int, stride: int, dilation: int) -> tuple[int, int] | None:
    """Return `same` padding when it does not depend on the input size, else None.

    It is independent of the input size only for stride 1, where the total is
    d (k - 1). For stride > 1 it depends on n mod s, so None is returned.
    """
    if stride != 1:
        return None
    total = effective_kernel(kernel, dilation) - 1
    return total // 2, total - total // 2


def output_size(
    input_size: int,
    kernel: int,
    stride: int,
    dilation: int,
    pad_before: int,
    pad_after: int,
    ceil_mode: bool = False,
) -> int:
    """Return the number of output units along one axis. It may be below 1.

    Floor mode: floor((n + p_b + p_a - K) / s) + 1 with K the effective kernel.
    Ceil mode follows PyTorch's pooling rule: round up, then drop a last window
    that would start at or beyond n + p_b, that is, entirely in the padding after
    the input.
    """
    span = input_size + pad_before + pad_after - effective_kernel(kernel, dilation)
    if not ceil_mode:
        return span // stride + 1
    size = (span + stride - 1) // stride + 1
    if (size - 1) * stride >= input_size + pad_before:
        size -= 1
    return size


def next_receptive_field(receptive_field: int, kernel: int, dilation: int, jump: int) -> int:
    """Return r_l = r_{l-1} + (K_l - 1) S_{l-1}, K_l the effective kernel."""
    return receptive_field + (effective_kernel(kernel, dilation) - 1) * jump


def next_effective_stride(jump: int, stride: int) -> int:
    """Return S_l = S_{l-1} s_l, the distance in input pixels between neighbouring units."""
    return jump * stride


def next_effective_padding(effective_padding: int, pad_before: int, jump: int) -> int:
    """Return P_l = P_{l-1} + p_l S_{l-1}, with p_l the padding before the input."""
    return effective_padding + pad_before * jump


def field_start(effective_padding: int, receptive_field: int) -> float:
    """Return the centre of unit 0's field: -P + (r - 1) / 2, in input pixels."""
    return -effective_padding + (receptive_field - 1) / 2


def unit_interval(
    unit: int, effective_padding: int, effective_stride: int, receptive_field: int
) -> tuple[int, int]:
    """Return the inclusive input interval [u, v] of unit `unit`, not clipped.

    u = -P + i S and v = u + r - 1. Parts outside [0, n - 1] lie in the padding.
    """
    first = -effective_padding + unit * effective_stride
    return first, first + receptive_field - 1


def clip_interval(interval: tuple[int, int], input_size: int) -> tuple[int, int] | None:
    """Clip an interval to the input pixels [0, n - 1]; None when nothing is left."""
    first = max(interval[0], 0)
    last = min(interval[1], input_size - 1)
    if first > last:
        return None
    return first, last
