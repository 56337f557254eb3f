"""Numbers that the tutorial pages state as literals, checked against rf_core and PyTorch.

Most numbers on the tutorial pages are inline values that the build computes.
What remains are the steps of hand derivations inside math, such as
`r_2 = 3 + (3 - 1) \\cdot 1 = 5`, and a few pixel positions in the prose. The
first group of tests evaluates every chain of equal numeric expressions in the
pages' math, so a wrong step fails. The other tests tie the literals to rf_core
or to PyTorch.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from rf_core import analyze, parse_spec
from rf_core.arithmetic import same_padding, same_padding_without_size
from rf_core.diagrams import path_counts
from rf_core.quantities import quantity

TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "tutorial"
PAGES = ("receptive-field", "arithmetic", "growth")

_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.S)
_FRAC = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")
_TEX_TO_PYTHON = (
    (r"\left", ""),
    (r"\right", ""),
    (r"\lfloor", "math.floor("),
    (r"\rfloor", ")"),
    (r"\lceil", "math.ceil("),
    (r"\rceil", ")"),
    (r"\cdot", "*"),
    (r"\times", "*"),
    (r"\bmod", "%"),
    ("&", ""),
)
_ARITHMETIC = re.compile(r"(?:[0-9+\-*/%(). ]|math\.floor|math\.ceil)+")
_ENVIRONMENT = re.compile(r"\\(?:begin\{array\}\{[lcr]+\}|end\{array\})")


def page_text(name: str) -> str:
    return (TUTORIAL / f"{name}.md").read_text(encoding="utf-8")


def flat(text: str) -> str:
    """Return `text` with every run of white space as one space, for phrase checks."""
    return " ".join(text.split())


def spec_of(page: str, name: str) -> str:
    """Return the body of the block with `name=NAME` on its fence line."""
    match = re.search(rf"```rf-(?:network|calculator)[^\n]*\bname={name}\b[^\n]*\n(.*?)```", page, re.S)
    assert match is not None, f"no block with name={name}"
    return match.group(1)


def value(page: str, network: str, layer: str, name: str, unit: int | None = None):
    """Return what the inline value {rf NETWORK LAYER NAME [unit=U]} shows on `page`."""
    return quantity(analyze(parse_spec(spec_of(page, network))), layer, name, unit=unit)


def evaluate(tex: str) -> float | None:
    """Return the value of a TeX expression made only of numbers, or None."""
    text = tex
    while _FRAC.search(text):
        text = _FRAC.sub(r"((\1)/(\2))", text)
    for old, new in _TEX_TO_PYTHON:
        text = text.replace(old, new)
    text = text.strip()
    if not any(char.isdigit() for char in text) or not _ARITHMETIC.fullmatch(text):
        return None
    return eval(text, {"math": math, "__builtins__": {}})  # noqa: S307 (digits, operators, floor and ceil only)


def equality_chains(page: str) -> list[tuple[str, list[float]]]:
    """Return every math line split at `=`, with the values of its numeric parts in order.

    A line such as `r_2 & = & 3 + (3 - 1) \\cdot 1 = 5` gives [5, 5]. A part with a
    symbol in it ends a run, so `p = p' = 0` gives nothing to compare.
    """
    chains = []
    for match in _MATH.finditer(page):
        tex = _ENVIRONMENT.sub("", match.group(1) or match.group(2))
        for line in re.split(r"\\\\|\\quad|\\qquad|,\s", tex):
            parts = [evaluate(part) for part in re.split(r"(?<![<>\\])=", line)]
            run: list[float] = []
            for part in parts:
                if part is None:
                    if len(run) > 1:
                        chains.append((line.strip(), run))
                    run = []
                else:
                    run.append(part)
            if len(run) > 1:
                chains.append((line.strip(), run))
    return chains


@pytest.mark.parametrize("name", PAGES)
def test_math_equalities_hold(name):
    chains = equality_chains(page_text(name))

    assert len(chains) >= 2, f"{name}.md: expected hand derivations in its math"
    for line, values in chains:
        assert all(item == values[0] for item in values), f"{name}.md: {line!r} evaluates to {values}"


def test_math_parser_catches_a_wrong_step():
    chains = equality_chains("$$r_2 = 3 + (3 - 1) \\cdot 2 = 5$$")

    assert chains == [("r_2 = 3 + (3 - 1) \\cdot 2 = 5", [7, 5])]


# What a receptive field is


def test_pooling_unit_reads_two_conv_units():
    # Pooling with k=2, s=2 over the 6 convolution units: unit 1 reads units 2 and 3.
    page = page_text("receptive-field")
    pool_alone = analyze(parse_spec("input 6\nmaxpool k=2 s=2")).layers[0].axes[0]

    assert "unit 1 reads convolution units 2 and 3" in flat(page)
    assert pool_alone.interval(1) == (2, 3)


def test_field_is_not_product_or_sum():
    # The prose: 4 is "neither 3 x 2 = 6 nor 3 + 2 = 5".
    page = page_text("receptive-field")

    assert "neither $3 \\times 2 = 6$ nor $3 + 2 = 5$" in flat(page)
    assert value(page, "classic", "pool", "r") not in (6, 5)


def test_early_stride_widens_more():
    # Stride first: the second 3-tap window covers 2 jumps of 2, 2 x 2 = 4 more
    # pixels; stride last: 2 jumps of 1, 2 more pixels.
    page = page_text("receptive-field")
    early = value(page, "early", "second", "r") - value(page, "early", "first", "r")
    late = value(page, "late", "second", "r") - value(page, "late", "first", "r")

    assert "$2 \\times 2 = 4$ more pixels instead of 2" in flat(page)
    assert early == 4
    assert late == 2


def test_padding_reaches_position_minus_one():
    # With p=1 the first convolution window starts at position -1.
    page = page_text("receptive-field")

    assert value(page, "padded", "conv", "interval", unit=0)[0] == -1
    assert value(page, "classic", "conv", "interval", unit=0)[0] == 0


def test_padding_exercise_reaches_padding_after():
    # The exercise question names pooling unit 3, "the last one", and states that
    # positions from 8 on are padding. It reads convolution units 6 and 7, centred on pixels 6
    # and 7 with p = 1, so [5, 7] and [6, 8] give [5, 8], one position past the image.
    page = page_text("receptive-field")
    padded = analyze(parse_spec(spec_of(page, "padded")))
    exercise = re.search(r"```rf-exercise ask=interval layer=pool unit=3\n.*?\n---\n.*?\n---\n(.*?)```", page, re.S)

    assert exercise is not None
    assert exercise.group(1) == spec_of(page, "padded")
    assert "does pooling unit 3, the last one," in flat(page)
    assert "Positions from 8 on lie in the padding after the input." in flat(page)
    assert quantity(padded, "pool", "size") == 4
    assert padded.input_size == (8,)
    assert quantity(padded, "pool", "interval", unit=3) == (5, 8)


# Convolution arithmetic


def test_strided_example_reads_every_position():
    # floor((7 + 1 + 1 - 3) / 2) + 1 = 4 units, and (7 + 2 - 3) mod 2 = 0, so the
    # last window, 2 * 3 - 1 = 5 to 7, ends on the padding position 7.
    page = page_text("arithmetic")

    assert value(page, "strided", "1", "size") == 4
    assert value(page, "strided", "1", "interval", unit=3) == (5, 7)


def test_tensorflow_same_splits():
    # n = 8, k = 3, s = 2: total (4 - 1) * 2 + 3 - 8 = 1, "nothing before, one pixel after".
    # n = 7: total (4 - 1) * 2 + 3 - 7 = 2, "one on each side".
    page = flat(page_text("arithmetic"))

    assert "nothing before, one pixel after" in page
    assert "one on each side" in page
    assert same_padding(8, 3, 2, 1) == (0, 1)
    assert same_padding(7, 3, 2, 1) == (1, 1)


def test_even_kernel_same_split():
    # k = 4, d = 1: total 3, floor(3 / 2) = 1 before and 2 after.
    page = page_text("arithmetic")

    assert "a 4-tap kernel: 1 pixel before, 2 after" in flat(page)
    assert same_padding_without_size(4, 1, 1) == (1, 2)
    assert value(page, "evensame", "1", "interval", unit=0) == (-1, 2)


@pytest.mark.torch
@pytest.mark.parametrize("kernel", [2, 3, 4, 5])
@pytest.mark.parametrize("dilation", [1, 2, 3])
def test_pytorch_same_matches_rf_core(kernel, dilation):
    # PyTorch's padding="same" keeps the size, so it pads d (k - 1) in total. Unit
    # 0's window ends at position d (k - 1) - before, which gives the padding before.
    torch = pytest.importorskip("torch")
    size = 16
    layer = torch.nn.Conv1d(1, 1, kernel, padding="same", dilation=dilation, bias=False, dtype=torch.float64)
    torch.nn.init.ones_(layer.weight)
    x = torch.ones(1, 1, size, dtype=torch.float64, requires_grad=True)
    y = layer(x)
    y[0, 0, 0].backward()
    reached = torch.nonzero(x.grad[0, 0]).flatten().tolist()
    total = dilation * (kernel - 1)

    assert y.shape[-1] == size
    assert same_padding_without_size(kernel, 1, dilation) == (total - reached[-1], reached[-1])


@pytest.mark.torch
def test_pytorch_same_rejects_stride():
    torch = pytest.importorskip("torch")

    with pytest.raises(ValueError, match="strided"):
        torch.nn.Conv1d(1, 1, 3, stride=2, padding="same")


def test_full_padding_size():
    # n + K - 1 = 5 + 3 - 1 = 7.
    page = page_text("arithmetic")

    assert value(page, "full", "1", "size") == 5 + 3 - 1


def test_ceil_mode_examples():
    # Floor: floor(3 / 2) + 1 = 2 units reading [0, 1] and [2, 3], so pixel 4 is
    # never read. Ceil: 3 units, the third reading [4, 5]. With p = 1: 4 windows by
    # rounding up, window 3 would start at 3 * 2 - 1 = 5 >= n = 5, so 3 remain.
    page = page_text("arithmetic")
    floor_mode = analyze(parse_spec("input 5\nmaxpool k=2 s=2")).layers[0].axes[0]

    assert "and pixel 4 is never read" in flat(page)
    assert floor_mode.output_size == 2
    assert floor_mode.interval(1) == (2, 3)
    assert value(page, "ceil", "1", "size") == 3
    assert value(page, "ceil", "1", "interval", unit=2) == (4, 5)
    assert value(page, "ceildrop", "1", "size") == 3


@pytest.mark.torch
def test_pytorch_ceil_mode_sizes():
    torch = pytest.importorskip("torch")
    x = torch.ones(1, 1, 5)

    assert torch.nn.functional.max_pool1d(x, 2, 2, ceil_mode=True).shape[-1] == 3
    assert torch.nn.functional.max_pool1d(x, 2, 2, padding=1, ceil_mode=True).shape[-1] == 3
    assert torch.nn.functional.max_pool1d(x, 3, 2, ceil_mode=True, padding=0).shape[-1] == 2
    assert torch.nn.functional.max_pool1d(torch.ones(1, 1, 8), 3, 2, ceil_mode=True).shape[-1] == 4


def unread_pixels(spec: str, size: int) -> list[int]:
    axis = analyze(parse_spec(spec)).layers[0].axes[0]
    read = set()
    for unit in range(axis.output_size):
        first, last = axis.interval(unit)
        read.update(range(first, last + 1))
    return [pixel for pixel in range(size) if pixel not in read]


def test_unread_pixels():
    # k = 3, s = 2 on 8 pixels: (8 - 3) mod 2 = 1 position left, pixel 7.
    # k = 2, s = 3 on 9 pixels: gaps of s - K = 1 pixel, pixels 2, 5 and 8.
    page = flat(page_text("arithmetic"))

    assert "and pixel 7 is lost" in page
    assert "pixels 2, 5 and 8 are crossed out" in page
    assert unread_pixels("input 8\nconv k=3 s=2", 8) == [7]
    assert unread_pixels("input 9\nconv k=2 s=3", 9) == [2, 5, 8]


# How fields grow

SYMBOLS = {"r": "r", "S": "S", "c": "start"}


def test_growth_derivations_match():
    # Every line `X_l & = & ... = VALUE` of the worked example states layer l's r, S
    # or start; VALUE must be what rf_core computes for the `small` network.
    page = page_text("growth")
    steps = re.findall(r"^([rSc])_(\d) & = & .* = (\d+)\s*(?:\\\\)?$", page, re.M)

    assert len(steps) == 12
    for symbol, layer, stated in steps:
        assert value(page, "small", layer, SYMBOLS[symbol]) == int(stated), f"{symbol}_{layer}"


def test_growth_closed_forms_match():
    # r = 1 + 2*1 + 2*1 + 1*2 + 4*4 = 23 and P_4 = 1*1 + 1*1 + 0*2 + 2*4 = 10;
    # unit 3: u = -10 + 3*4 = 2, v = 2 + 23 - 1 = 24.
    page = page_text("growth")

    assert "$1 + 2 \\cdot 1 + 2 \\cdot 1 + 1 \\cdot 2 + 4 \\cdot 4 = 23$" in flat(page)
    assert "$P_4 = 1 \\cdot 1 + 1 \\cdot 1 + 0 \\cdot 2 + 2 \\cdot 4 = 10$" in flat(page)
    assert "$u = -10 + 3 \\cdot 4 = 2$ and $v = 2 + 23 - 1 = 24$" in flat(page)
    assert value(page, "small", "conv3", "r") == 23
    assert value(page, "small", "conv3", "P") == 10
    assert value(page, "small", "conv3", "interval", unit=3) == (2, 24)


def test_growth_counts_from_the_top():
    # m_l, the units of layer l under unit 3 of conv3, is the field of layers
    # l + 1 to 4 alone, measured in units of layer l: 5, 10, 21 and 23.
    page = page_text("growth")
    layers = [line for line in spec_of(page, "small").splitlines() if not line.startswith("input")]
    steps = re.findall(r"^m_(\d) & = & .* = (\d+)\s*(?:\\\\)?$", page, re.M)

    assert len(steps) == 4
    for layer, stated in steps:
        above = analyze(parse_spec("input 64\n" + "\n".join(layers[int(layer) :])))
        assert above.layers[-1].axes[0].receptive_field == int(stated), f"m_{layer}"


def test_growth_holes():
    # conv3's taps are d_4 S_3 = 2 * 4 = 8 apart, and each reads a pooling field of
    # r_3 = 7 pixels, so pixels 9 and 17 of unit 3's interval [2, 24] reach no path.
    page = page_text("growth")
    analysis = analyze(parse_spec(spec_of(page, "small")))
    counts = path_counts(analysis, 4, 3)
    holes = [pixel for pixel in range(2, 25) if counts[pixel] == 0]

    assert "pixels 9 and 17 lie inside the interval" in flat(page)
    assert "$d_4 S_3 = 2 \\cdot 4 = 8$" in flat(page)
    assert value(page, "small", "pool", "S") == 4
    assert value(page, "small", "pool", "r") == 7
    assert holes == [9, 17]


def test_single_layer_matches_network():
    # conv k=23 s=4 p=10 gives the same intervals as the four-layer network.
    page = page_text("growth")
    single = analyze(parse_spec(spec_of(page, "single"))).layers[0].axes[0]
    network = analyze(parse_spec(spec_of(page, "small"))).layers[-1].axes[0]

    for unit in range(network.output_size):
        assert single.interval(unit) == network.interval(unit)
