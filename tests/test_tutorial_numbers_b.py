"""Numbers that the tutorial pages on dilation, branches, the effective field and practice state in prose.

Values written as inline values (`{rf NETWORK LAYER QUANTITY}`) are computed
by the build. These tests cover the other numbers: hand-worked arithmetic,
path counts and the ResNet-50 variant defined on the branches page. Each
expected value comes from the arithmetic in the comment next to it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rf_core import analyze, parse_spec
from rf_core.diagram_erf_growth import growth_rows
from rf_core.diagrams import path_counts, render
from rf_core.presets import get_preset
from rf_core.quantities import quantity

TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "tutorial"


def fenced_block(page: str, info: str) -> str:
    """Return the body of the fenced block in `page` whose info string starts with `info`."""
    text = (TUTORIAL / page).read_text(encoding="utf-8")
    match = re.search(rf"^```{re.escape(info)}[^\n]*\n(.*?)^```$", text, re.M | re.S)
    assert match, f"no block starting with {info!r} in {page}"
    return match.group(1)


def page_text(page: str) -> str:
    """Return the page with every run of white space as one space, so sentences match across line breaks."""
    return " ".join((TUTORIAL / page).read_text(encoding="utf-8").split())


def r_of(spec: str, layer: str = "last") -> int:
    return quantity(analyze(parse_spec(spec)), layer, "r")


def totals_per_unit(spec: str, units: int) -> list[int]:
    """Return, for units 0 to units - 1 of the last layer, the number of paths from the whole input."""
    analysis = analyze(parse_spec(spec))
    return [sum(path_counts(analysis, len(analysis.layers), unit)) for unit in range(units)]


def reached(counts: list) -> int:
    """Count the input pixels with at least one path."""
    if counts and isinstance(counts[0], list):
        return sum(reached(row) for row in counts)
    return sum(1 for value in counts if value)


# Dilation page


def test_constant_dilation_is_linear() -> None:
    # n layers of k = 3, d = 2 add d(k - 1) = 4 each: r = 1 + 4n.
    for n in range(1, 6):
        assert r_of("input 64\n" + "conv k=3 d=2\n" * n) == 1 + 4 * n


def test_doubling_dilation_is_exponential() -> None:
    # d_l = 2^(l-1) with k = 3 adds 2 * 2^(l-1): r_n = 1 + 2(2^n - 1) = 2^(n+1) - 1.
    for n in range(1, 7):
        spec = "input 512\n" + "".join(f"conv k=3 d={2 ** l}\n" for l in range(n))
        assert r_of(spec) == 2 ** (n + 1) - 1


def test_wavenet_cycle_adds_1023() -> None:
    spec = get_preset("wavenet").spec
    causal, first, second, third = (r_of(spec, name) for name in ("causal", "stacks.0.9", "stacks.1.9", "stacks.2.9"))

    # A cycle of kernel-2 layers with dilations 1, 2, ..., 512 adds 1 + 2 + ... + 512 = 2^10 - 1.
    assert first - causal == 2**10 - 1
    assert second - first == 2**10 - 1
    assert third - second == 2**10 - 1
    # 3071 samples at 16 000 samples per second: 0.1919 s, "about 0.19 seconds".
    assert round(third / 16000, 2) == 0.19
    # Three cycles of ten dilated convolutions.
    assert len(re.findall(r"name=\S+\.dilated\b", spec)) == 30

    text = page_text("dilation.md")
    assert "1 + 2 + \\dots + 512 = 2^{10} - 1$ samples" in text
    assert "about 0.19 seconds of audio, from 30 dilated convolutions" in text


def test_gridding_reads_5_of_9() -> None:
    spec = fenced_block("dilation.md", "rf-network name=gridded")
    analysis = analyze(parse_spec(spec))

    # Offsets 0, 2, 4, 6, 8 of the field [0, 8]: 5 pixels of 9.
    assert quantity(analysis, "last", "r") == 9
    assert [x for x, value in enumerate(path_counts(analysis, 2, 0)) if value] == [0, 2, 4, 6, 8]
    # In 2-D: 5 × 5 = 25 of 9 × 9 = 81.
    square = analyze(parse_spec("input 16x16\nconv k=3 d=2\nconv k=3 d=2"))
    assert reached(path_counts(square, 2, (0, 0))) == 25
    assert quantity(square, "last", "r") ** 2 == 81

    text = page_text("dilation.md")
    assert "only 5 of them reach the unit" in text
    assert "the unit reads 25 of the 81 pixels of its 9×9 field" in text


def test_pooled_table_operands() -> None:
    # Each row of the pooling table writes r_l = r_(l-1) + (k - 1)·S_(l-1) with the
    # previous row's values typed in, so they must match rf_core's.
    analysis = analyze(parse_spec(fenced_block("dilation.md", "rf-calculator name=pooled")))
    text = (TUTORIAL / "dilation.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\w+) \| (\d+) \| \d+ \| \$(\d+) \+ (\d+) \\cdot (\d+) =\$", text, re.M)
    assert [row[0] for row in rows] == ["conv1", "pool1", "conv2", "pool2", "conv3"]

    previous_r, previous_s = 1, 1  # the input
    for name, kernel, shown_r, shown_steps, shown_s in rows:
        assert (int(shown_r), int(shown_steps), int(shown_s)) == (previous_r, int(kernel) - 1, previous_s), name
        previous_r = quantity(analysis, name, "r")
        previous_s = quantity(analysis, name, "S")


def test_doubling_dilation_has_no_holes() -> None:
    analysis = analyze(parse_spec("input 24\nconv k=3 d=1\nconv k=3 d=2\nconv k=3 d=4"))

    # r = 1 + 2 + 4 + 8 = 15, and every pixel of unit 0's field [0, 14] is reached.
    assert reached(path_counts(analysis, 3, 0)) == 15


def test_dilation_five_after_one_has_holes() -> None:
    analysis = analyze(parse_spec(fenced_block("dilation.md", "rf-diagram kind=holes unit=6")))
    counts = path_counts(analysis, 2, 6)

    # Unit 6 reads units 6, 11 and 16 of the first layer, centred on pixels 7, 12
    # and 17, so its field is [6, 18] around 12. Offsets {-1, 0, 1} + {-5, 0, 5}
    # reach -6..-4, -1..1 and 4..6, so offsets ±2 and ±3 are holes.
    assert quantity(analysis, "last", "interval", unit=6) == (6, 18)
    offsets = [x - 12 for x, value in enumerate(counts) if value]
    assert offsets == [-6, -5, -4, -1, 0, 1, 4, 5, 6]


def test_transposed_field_sizes() -> None:
    analysis = analyze(parse_spec(fenced_block("dilation.md", "rf-calculator name=updown")))

    # down: r = 3, S = 2. A unit of up reading one unit of down keeps r = 3, one
    # reading two gets 3 + (2 - 1) * 2 = 5.
    assert quantity(analysis, "down", "r") == 3
    assert quantity(analysis, "down", "S") == 2
    assert quantity(analysis, "up", "r_min") == 3
    assert quantity(analysis, "up", "r") == 3 + 1 * 2


def test_uneven_coverage_table() -> None:
    # Output unit o of convt k=3 s=2 receives input units i with o - 2 <= 2i <= o: one
    # for even o, two for odd o. Unit 1 gets only i = 0, because i = -1 does not exist.
    assert totals_per_unit("input 8\nconvt k=3 s=2", 8) == [1, 1, 2, 1, 2, 1, 2, 1]
    assert "| `convt k=3 s=2` | 1, 1, 2, 1, 2, 1, 2, 1 |" in (TUTORIAL / "dilation.md").read_text(encoding="utf-8")
    # k = 4, p = 1: the range o - 2 <= 2i <= o + 1 contains two multiples of 2, but only one at unit 0.
    assert totals_per_unit("input 8\nconvt k=4 s=2 p=1", 8) == [1, 2, 2, 2, 2, 2, 2, 2]
    # Nearest upsampling then a 3-wide window: 3 values, 2 at unit 0 whose left tap is padding.
    assert totals_per_unit("input 8\nupsample f=2\nconv k=3 p=1", 8) == [2, 3, 3, 3, 3, 3, 3, 3]


def test_checkerboard_counts() -> None:
    # Windows of width 3 every 2 pixels cover an inner pixel once or twice along each
    # axis, so the 2-D counts inside are 1, 2 and 4; width 4 covers it twice: 4.
    three = path_counts(analyze(parse_spec("input 13x13\nconv k=3 s=2\nglobalpool")), 2, (0, 0))
    four = path_counts(analyze(parse_spec("input 14x14\nconv k=4 s=2\nglobalpool")), 2, (0, 0))

    assert {value for row in three[1:-1] for value in row[1:-1]} == {1, 2, 4}
    assert {value for row in four[2:-2] for value in row[2:-2]} == {4}
    assert "Inside the image the counts are 1, 2 and 4 in a checkerboard" in page_text("dilation.md")


# Branches page


def caffe_from_preset() -> str:
    """Move the stride of each stage's first block from conv2 (3x3) to conv1 (1x1) in the resnet50 preset."""
    lines = []
    for line in get_preset("resnet50").spec.splitlines():
        if re.search(r"name=layer[234]\.0\.conv1\b", line):
            line = line.replace("conv k=1", "conv k=1 s=2")
        if re.search(r"name=layer[234]\.0\.conv2\b", line):
            line = line.replace(" s=2", "")
        lines.append(line)
    return "\n".join(lines)


def layer_fields(spec: str) -> list[tuple[str | None, int | None, object]]:
    analysis = analyze(parse_spec(spec))
    return [(result.layer.name, result.axes[0].receptive_field, result.axes[0].effective_stride) for result in analysis.layers]


def test_caffe_spec_matches_preset_with_stride_moved() -> None:
    page_spec = fenced_block("branches.md", "rf-network name=caffe50")

    assert layer_fields(page_spec) == layer_fields(caffe_from_preset())
    assert page_spec.count(" s=2") == get_preset("resnet50").spec.count(" s=2")


def test_resnet_variants_differ_by_56() -> None:
    torchvision = analyze(parse_spec(get_preset("resnet50").spec))
    original = analyze(parse_spec(fenced_block("branches.md", "rf-network name=caffe50")))
    ends = {"maxpool": 0, "layer1.2": 0, "layer2.3": 8, "layer3.5": 24, "layer4.2": 56}

    # Each downsampling block adds 4S in the original and 2S in torchvision, with
    # S = 4, 8, 16 before stages 2, 3, 4: differences 8, 8 + 16 = 24, 24 + 32 = 56.
    for layer, difference in ends.items():
        assert quantity(original, layer, "r") - quantity(torchvision, layer, "r") == difference
    assert 2 * 4 + 2 * 8 + 2 * 16 == 56
    # "larger than the 224×224 input": r = 427 and 483, and the middle unit of the 7×7
    # grid covers the whole image.
    assert quantity(torchvision, "layer4.2", "r") > 224
    assert quantity(torchvision, "layer4.2", "size") == 7
    assert quantity(torchvision, "layer4.2", "clipped", unit=3) == (0, 223)


def test_stage_input_strides_are_4_8_16() -> None:
    # "Each of stages 2, 3 and 4 adds one difference of 2S, with S the effective stride
    # at the stage's input: 4, 8 and 16", the S at the end of stages 1, 2 and 3.
    text = " ".join((TUTORIAL / "branches.md").read_text(encoding="utf-8").split())
    torchvision = analyze(parse_spec(get_preset("resnet50").spec))

    assert "with $S$ the effective stride at the stage's input: 4, 8 and 16" in text
    assert "$$2 \\cdot 4 + 2 \\cdot 8 + 2 \\cdot 16 = 56 \\text{ pixels.}$$" in text
    assert [quantity(torchvision, layer, "S") for layer in ("layer1.2", "layer2.3", "layer3.5")] == [4, 8, 16]


def test_small_blocks_differ_by_2s() -> None:
    # Block input r = 3, S = 1: torchvision 3 + 2 = 5, original 3 + 4 = 7.
    assert r_of(fenced_block("branches.md", "rf-calculator name=v15"), "block") == 5
    assert r_of(fenced_block("branches.md", "rf-calculator name=original"), "block") == 7


# Effective receptive field page


def test_two_layer_counts() -> None:
    analysis = analyze(parse_spec("input 7\nconv k=3\nconv k=3"))

    # Pixel t is reached once per m in {-1, 0, 1} with |t - m| <= 1, over r = 1 + 2 + 2 = 5 pixels.
    assert [value for value in path_counts(analysis, 2, 2) if value] == [1, 2, 3, 2, 1]
    assert quantity(analysis, "last", "r") == 5


def test_five_layer_centre_and_corner() -> None:
    analysis = analyze(parse_spec(fenced_block("effective.md", "rf-network name=five")))
    counts = path_counts(analysis, 5, (7, 7))

    # Central trinomial coefficient of (1 + z + z^2)^5 is 51; the corner of the
    # 11 × 11 field [2, 12] is reached by 1 path along each axis.
    assert counts[7][7] == 51 * 51 == 2601
    assert counts[2][2] == 1
    assert "51 × 51 = 2601 of them (51 paths along each axis)" in page_text("effective.md")


def test_deep_stack_table() -> None:
    rows = growth_rows(analyze(parse_spec(fenced_block("effective.md", "rf-network name=deep"))), 32, 0)
    table = {1: ("0.82", 3), 4: ("1.63", 7), 8: ("2.31", 9), 16: ("3.27", 13), 32: ("4.62", 19)}

    # sigma_n = sqrt(2n / 3): 0.816, 1.633, 2.309, 3.266, 4.619; widths as in
    # tests/test_diagram_erf_growth.py for small n.
    for depth, (deviation, width) in table.items():
        row = rows[depth - 1]
        assert f"{row.deviation:.2f}" == deviation
        assert f"{(2 * depth / 3) ** 0.5:.2f}" == deviation
        assert row.width == width
    assert f"{2 ** 0.5:.2f}" == "1.41"


def test_residual_stack_is_more_central() -> None:
    residual = analyze(parse_spec(fenced_block("effective.md", "rf-network name=residual")))
    plain = analyze(parse_spec("input 17\n" + "conv k=3 p=1\n" * 4))

    # Plain: coefficients of (1 + z + z^2)^4. Residual: each block is 1 + (1 + z + z^2)^2
    # around the centre, and two blocks multiply.
    assert [v for v in path_counts(plain, 4, 8) if v] == [1, 4, 10, 16, 19, 16, 10, 4, 1]
    assert [v for v in path_counts(residual, 6, 8) if v] == [1, 4, 12, 20, 26, 20, 12, 4, 1]
    assert f"{growth_rows(residual, 6, 0)[-1].deviation:.2f}" == "1.55"
    assert f"{growth_rows(plain, 4, 0)[-1].deviation:.2f}" == "1.63"

    text = page_text("effective.md")
    assert "1, 4, 12, 20, 26, 20, 12, 4, 1 where the plain stack has 1, 4, 10, 16, 19, 16, 10, 4, 1" in text
    assert "a standard deviation of 1.55 pixels instead of 1.63" in text


# Practice page


def test_practice_pool_names() -> None:
    # VGG-16's max poolings are features.4, .9, .16, .23 and .30: pool3 is the third, pool5 the fifth.
    text = " ".join((TUTORIAL / "practice.md").read_text(encoding="utf-8").split())
    pools = [layer.name for layer in parse_spec(get_preset("vgg16").spec).layers if layer.kind == "maxpool"]

    assert "`features.16` is the third max pooling, often called pool3, and `features.30` is the fifth, pool5" in text
    assert pools[2] == "features.16"
    assert pools[4] == "features.30"
    assert len(pools) == 5


def test_practice_calculator_one_pixel_short() -> None:
    # "One pixel less and the calculator reports which layer runs dry": the calculator's
    # input is the smallest input of features.30 less one, 32 - 1 = 31.
    text = (TUTORIAL / "practice.md").read_text(encoding="utf-8")
    fence = re.search(r"^```rf-calculator preset=vgg16 input=(\d+) [^\n]*expect=error", text, re.M)
    smallest = quantity(analyze(parse_spec(get_preset("vgg16").spec)), "features.30", "min_input")

    assert "One pixel less and the calculator reports which layer runs dry" in " ".join(text.split())
    assert fence is not None
    assert int(fence.group(1)) == smallest - 1


@pytest.mark.parametrize("page", ["dilation.md", "branches.md", "effective.md"])
def test_page_has_two_exercises(page: str) -> None:
    text = (TUTORIAL / page).read_text(encoding="utf-8")
    assert text.count("```rf-exercise") >= 2


def test_doubling_stack_edit_opens_holes():
    # dilation.md suggests changing d=8 to d=16 (p=16). The first three layers give a
    # field of 1 + 2 + 4 + 8 = 15 pixels, and the last layer's taps are then 16 pixels
    # apart, so one pixel between neighbouring taps' fields is never read.
    page = (TUTORIAL / "dilation.md").read_text(encoding="utf-8")
    assert "`d=8` to\n`d=16` with `p=16`" in page
    base = "input 64\nconv k=3 d=1 p=1\nconv k=3 d=2 p=2\nconv k=3 d=4 p=4\n"

    with_d8 = render("holes", base + "conv k=3 d=8 p=8", {"unit": "20"})
    with_d16 = render("holes", base + "conv k=3 d=16 p=16", {"unit": "20"})

    assert "Holes inside the field that no path reaches: none." in with_d8
    assert "Holes inside the field that no path reaches: 12, 28." in with_d16
