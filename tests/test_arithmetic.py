"""Hand-worked cases for the one-formula functions in rf_core.arithmetic.

Conventions: zero-indexed pixel centres and inclusive intervals [u, v]. Each
expected value has its arithmetic in a comment.
"""

from __future__ import annotations

import pytest

from rf_core import arithmetic


def test_effective_kernel_of_dilated_window():
    # K = d (k - 1) + 1 = 2 * 2 + 1 = 5
    assert arithmetic.effective_kernel(3, 2) == 5
    # A 1-pixel kernel stays 1 pixel wide whatever the dilation: 5 * 0 + 1 = 1
    assert arithmetic.effective_kernel(1, 5) == 1


def test_output_size_floor_mode():
    # AlexNet conv1: floor((224 + 2 + 2 - 11) / 4) + 1 = floor(217 / 4) + 1 = 55
    assert arithmetic.output_size(224, 11, 4, 1, 2, 2) == 55
    # Dilated: K = 5, floor((7 - 5) / 1) + 1 = 3
    assert arithmetic.output_size(7, 3, 1, 2, 0, 0) == 3
    # Window wider than the input: floor((2 - 3) / 1) + 1 = 0
    assert arithmetic.output_size(2, 3, 1, 1, 0, 0) == 0


def test_output_size_asymmetric_padding():
    # floor((4 + 0 + 1 - 2) / 1) + 1 = 4
    assert arithmetic.output_size(4, 2, 1, 1, 0, 1) == 4
    # floor((5 + 0 + 1 - 3) / 2) + 1 = floor(3 / 2) + 1 = 2
    assert arithmetic.output_size(5, 3, 2, 1, 0, 1) == 2


def test_output_size_ceil_mode_adds_window():
    # n = 6, k = 3, s = 2: floor((6 - 3) / 2) + 1 = 2, ceil(3 / 2) + 1 = 3.
    # The third window starts at 2 * 2 = 4 < n + p_b = 6, so it is kept.
    assert arithmetic.output_size(6, 3, 2, 1, 0, 0, ceil_mode=False) == 2
    assert arithmetic.output_size(6, 3, 2, 1, 0, 0, ceil_mode=True) == 3


def test_output_size_ceil_mode_drops_window_in_padding():
    # n = 5, k = 2, s = 2, p = 1 on both sides: ceil((5 + 2 - 2) / 2) + 1 = 3 + 1 = 4.
    # In padded coordinates the input is 1..5 and the padding 0 and 6. The fourth
    # window would start at (4 - 1) * 2 = 6 >= n + p_b = 6, entirely in the
    # padding after the input, so PyTorch drops it: 3 windows, as torch's
    # max_pool1d(ones(5), 2, 2, 1, ceil_mode=True) also returns.
    assert arithmetic.output_size(5, 2, 2, 1, 1, 1, ceil_mode=True) == 3


def test_output_size_ceil_mode_window_past_input():
    # n = 2, k = 3, s = 2: ceil((2 - 3) / 2) + 1 = 0 + 1 = 1, and the window
    # starts at 0 < n, so it is kept although it reaches past the last pixel.
    assert arithmetic.output_size(2, 3, 2, 1, 0, 0, ceil_mode=True) == 1


def test_same_padding_depends_on_input_size():
    # n = 7, k = 3, s = 2: out = ceil(7 / 2) = 4, total = (4 - 1) * 2 + 3 - 7 = 2 -> (1, 1)
    assert arithmetic.same_padding(7, 3, 2, 1) == (1, 1)
    # n = 8: out = 4, total = 3 * 2 + 3 - 8 = 1 -> smaller half before: (0, 1)
    assert arithmetic.same_padding(8, 3, 2, 1) == (0, 1)
    # n = 224, k = 7, s = 2: out = 112, total = 111 * 2 + 7 - 224 = 5 -> (2, 3)
    assert arithmetic.same_padding(224, 7, 2, 1) == (2, 3)


def test_same_padding_stride_one():
    # Total is d (k - 1). k = 3, d = 2 gives 4 -> (2, 2), and k = 4 gives 3 -> (1, 2).
    assert arithmetic.same_padding(10, 3, 1, 2) == (2, 2)
    assert arithmetic.same_padding(10, 4, 1, 1) == (1, 2)


def test_same_padding_never_negative():
    # n = 6, k = 1, s = 3: out = 2, total = max((2 - 1) * 3 + 1 - 6, 0) = max(-2, 0) = 0
    assert arithmetic.same_padding(6, 1, 3, 1) == (0, 0)


def test_same_padding_without_size():
    # Stride 1: total d (k - 1) = 2 whatever n is -> (1, 1)
    assert arithmetic.same_padding_without_size(3, 1, 1) == (1, 1)
    # k = 2: total 1 -> (0, 1)
    assert arithmetic.same_padding_without_size(2, 1, 1) == (0, 1)
    # Stride 2 depends on n mod 2, as the n = 7 and n = 8 cases above show.
    assert arithmetic.same_padding_without_size(3, 2, 1) is None


def test_receptive_field_recurrence():
    # Input pixel: r = 1. conv k=3: 1 + (3 - 1) * 1 = 3
    assert arithmetic.next_receptive_field(1, 3, 1, 1) == 3
    # Then pool k=2 after jump 1: 3 + (2 - 1) * 1 = 4
    assert arithmetic.next_receptive_field(3, 2, 1, 1) == 4
    # Then conv k=3 after jump 2: 4 + (3 - 1) * 2 = 8
    assert arithmetic.next_receptive_field(4, 3, 1, 2) == 8
    # Dilated conv k=3 d=2 (K = 5) after jump 2: 8 + 4 * 2 = 16
    assert arithmetic.next_receptive_field(8, 3, 2, 2) == 16


def test_effective_stride_recurrence():
    # S_l = S_{l-1} s_l: 1 * 2 = 2, then 2 * 3 = 6
    assert arithmetic.next_effective_stride(1, 2) == 2
    assert arithmetic.next_effective_stride(2, 3) == 6


def test_effective_padding_recurrence():
    # P_l = P_{l-1} + p_before S_{l-1}: 0 + 1 * 1 = 1, then 1 + 2 * 4 = 9
    assert arithmetic.next_effective_padding(0, 1, 1) == 1
    assert arithmetic.next_effective_padding(1, 2, 4) == 9


def test_field_start():
    # -P + (r - 1) / 2: pool k=2 s=2 with P = 0, r = 2 -> 0.5
    assert arithmetic.field_start(0, 2) == 0.5
    # conv k=3 p=1: P = 1, r = 3 -> -1 + 1 = 0
    assert arithmetic.field_start(1, 3) == 0
    # conv k=3 d=2: P = 0, r = 5 -> 2
    assert arithmetic.field_start(0, 5) == 2


def test_unit_interval_unclipped():
    # u = -P + i S, v = u + r - 1. Pool k=2 s=2, unit 1: u = 0 + 1 * 2 = 2, v = 3
    assert arithmetic.unit_interval(1, 0, 2, 2) == (2, 3)
    # conv k=3 p=1, unit 0: u = -1, v = 1
    assert arithmetic.unit_interval(0, 1, 1, 3) == (-1, 1)


@pytest.mark.parametrize(
    ("interval", "size", "expected"),
    [
        ((-1, 1), 5, (0, 1)),  # left end in the padding
        ((4, 6), 5, (4, 4)),  # right end in the padding, last pixel n - 1 = 4
        ((0, 4), 5, (0, 4)),  # inside already
        ((-3, -1), 5, None),  # entirely in the padding before
        ((5, 6), 5, None),  # entirely in the padding after
    ],
)
def test_clip_interval(interval, size, expected):
    assert arithmetic.clip_interval(interval, size) == expected
