"""The numbers behind erf-growth diagrams, worked out by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from rf_core import analyze, parse_spec
from rf_core.diagram_erf_growth import SHARE, growth_rows, marginal, share_width, variance
from rf_core.diagrams import render
from rf_core.errors import RFError


def conv_stack(size: int, layers: int, options: str = "k=3") -> str:
    return f"input {size}\n" + f"conv {options}\n" * layers


def test_variance_of_trinomial_counts() -> None:
    # n stacked 1-D convs with k = 3 and weights 1: the path counts are the
    # coefficients of (1 + x + x^2)^n, the distribution of a sum of n independent
    # steps from {-1, 0, 1}, each of variance (1 + 0 + 1) / 3 = 2/3.
    assert variance([1, 1, 1]) == Fraction(2, 3)
    # [1, 2, 3, 2, 1] / 9 around 2: (4 + 2 + 0 + 2 + 4) / 9 = 12/9 = 4/3.
    assert variance([1, 2, 3, 2, 1]) == Fraction(4, 3)
    # [1, 3, 6, 7, 6, 3, 1] / 27 around 3: (9 + 12 + 6 + 0 + 6 + 12 + 9) / 27 = 2.
    assert variance([1, 3, 6, 7, 6, 3, 1]) == 2


def test_share_width_by_hand() -> None:
    # 95% of 9 is 8.55, so a window needs 9 paths: all five pixels.
    assert share_width([1, 2, 3, 2, 1], SHARE) == 5
    # 95% of 27 is 25.65, so 26 paths: 3+6+7+6+3 = 25 is short, 1+3+6+7+6+3 = 26 is enough.
    assert share_width([1, 3, 6, 7, 6, 3, 1], SHARE) == 6
    # 95% of 81 is 76.95, so 77 paths: the best six give 10+16+19+16+10+4 = 75, seven give 79.
    assert share_width([1, 4, 10, 16, 19, 16, 10, 4, 1], SHARE) == 7
    # Zeros at the edges, as for a unit near the border, do not count.
    assert share_width([0, 0, 5, 0], Fraction(1, 2)) == 1


def test_rows_of_valid_stack() -> None:
    rows = growth_rows(analyze(parse_spec(conv_stack(65, 32))), 32, 0)

    # Layer l of valid 3-wide convs on 65 pixels has 65 - 2l units. Unit 32 - l of
    # it is centred on pixel 32, the input centre.
    assert [row.unit for row in rows[:3]] == [(31,), (30,), (29,)]
    # r = 2n + 1.
    assert [row.receptive_field for row in rows] == [2 * n + 1 for n in range(1, 33)]
    # 3^n paths in all, and standard deviation sqrt(2n/3).
    assert [row.paths for row in rows] == [3**n for n in range(1, 33)]
    for n, row in enumerate(rows, start=1):
        assert row.deviation == pytest.approx((2 * n / 3) ** 0.5)
    # Widths from the hand-worked windows above.
    assert [row.width for row in rows[:4]] == [3, 5, 6, 7]


def test_rows_after_stride() -> None:
    rows = growth_rows(analyze(parse_spec("input 15\nconv k=3 s=2\nconv k=3")), 2, 0)

    # Layer 2 taps layer-1 units 2 apart, each reading 3 pixels: counts 1 1 2 1 2 1 1
    # over 7 pixels, 9 paths, mean at the middle, variance (9+4+2+0+2+4+9)/9 = 30/9.
    assert rows[1].receptive_field == 7
    assert rows[1].paths == 9
    assert rows[1].deviation == pytest.approx((30 / 9) ** 0.5)
    # 95% of 9 paths needs all 9, spread over 7 pixels.
    assert rows[1].width == 7


def test_two_axes_use_marginal() -> None:
    rows = growth_rows(analyze(parse_spec("input 9x9\nconv k=3\nconv k=3")), 2, 1)

    # The 2-D counts are the 1-D counts [1, 2, 3, 2, 1] times themselves, so summing
    # over the height multiplies the width profile by 9 and keeps its variance 4/3.
    assert rows[1].paths == 81
    assert rows[1].deviation == pytest.approx((4 / 3) ** 0.5)
    assert rows[1].width == 5


def test_marginal_sums_other_axis() -> None:
    counts = [[1, 2], [3, 4], [5, 6]]

    assert marginal(counts, 2, 0) == [3, 7, 11]
    assert marginal(counts, 2, 1) == [9, 12]


def test_work_limit_rejects_large_input() -> None:
    # 2000 pixels × (1 + 2 + ... + 32 = 528) = 1,056,000 pixel-layers, above 1,000,000.
    with pytest.raises(RFError, match="use a smaller input"):
        render("erf-growth", conv_stack(2000, 32, "k=3 p=1"), {})


def test_layer_option_ends_plot() -> None:
    html_text = render("erf-growth", conv_stack(33, 16), {"layer": "4"})

    assert "layers 1 to 4" in html_text
    assert 'data-depth="5"' not in html_text
    assert "At depth 4 r is 9 pixels, the ERF width 7" in html_text
