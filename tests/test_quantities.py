"""Single values looked up by name, as inline values and exercises use them."""

from __future__ import annotations

from fractions import Fraction

import pytest

from rf_core import analyze, parse_spec
from rf_core.errors import RFError
from rf_core.quantities import QUANTITIES, format_value, parse_axis, quantity

# conv k=3 then maxpool k=2 s=2 on 8 pixels: r = 1 + 2·1 + 1·1 = 4, S = 1·2 = 2,
# sizes 8 - 2 = 6 and (6 - 2) / 2 + 1 = 3, pooled unit i sees [2i, 2i + 3].
CLASSIC = "input 8\nconv k=3 name=conv\nmaxpool k=2 s=2 name=pool"


@pytest.fixture(scope="module")
def classic():
    return analyze(parse_spec(CLASSIC))


@pytest.mark.parametrize(
    ("layer", "name", "expected"),
    [
        ("pool", "r", 4),
        ("pool", "r_min", 4),
        ("pool", "S", 2),
        ("pool", "P", 0),
        ("pool", "size", 3),
        ("conv", "size", 6),
        ("conv", "r", 3),
        ("last", "start", 1.5),  # centre of [0, 3]
        ("2", "depth", 2),
        ("1", "depth", 1),
    ],
)
def test_layer_quantities(classic, layer, name, expected):
    assert quantity(classic, layer, name) == expected


def test_unit_quantities(classic):
    # Pooled unit 2 covers conv units 4 and 5, which read pixels 4 to 7.
    assert quantity(classic, "pool", "interval", unit=2) == (4, 7)
    assert quantity(classic, "pool", "clipped", unit=2) == (4, 7)
    assert quantity(classic, "pool", "centre", unit=2) == 5.5


def test_clipped_differs_from_interval_with_padding():
    # conv k=3 p=1: unit 0 reads [-1, 1], of which [0, 1] exists.
    analysis = analyze(parse_spec("input 5\nconv k=3 p=1"))
    assert quantity(analysis, "last", "interval", unit=0) == (-1, 1)
    assert quantity(analysis, "last", "clipped", unit=0) == (0, 1)


def test_minimum_input(classic):
    # The pool needs 2 conv units, the conv 2 + 2 = 4 pixels; the conv alone needs 3.
    assert quantity(classic, "pool", "min_input") == 4
    assert quantity(classic, "conv", "min_input") == 3


def test_fractional_stride_after_upsampling():
    analysis = analyze(parse_spec("input 8\nupsample f=2"))
    assert quantity(analysis, "last", "S") == Fraction(1, 2)
    assert format_value(Fraction(1, 2)) == "1/2"


def test_axis_of_two_d_network():
    # Height: k=3 gives r=3; width: k=5 gives r=5.
    analysis = analyze(parse_spec("input 16x16\nconv k=3x5"))
    assert quantity(analysis, "last", "r", axis=parse_axis("height", 2)) == 3
    assert quantity(analysis, "last", "r", axis=parse_axis("width", 2)) == 5
    assert quantity(analysis, "last", "r", axis=parse_axis("", 2)) == 5


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("pool", "radius"), "quantity 'radius' is unknown"),
        (("fc9", "r"), "layer 'fc9' is not in the network"),
        (("7", "r"), "a number from 1 to 2"),
        (("pool", "interval"), "give the unit"),
    ],
)
def test_invalid_requests(classic, arguments, message):
    with pytest.raises(RFError, match=message):
        quantity(classic, *arguments)


def test_unknown_value_names_reason():
    # TF same padding with stride 2 depends on the input size, which is not given.
    analysis = analyze(parse_spec("conv k=3 s=2 p=same"))
    assert quantity(analysis, "last", "r") == 3
    with pytest.raises(RFError, match="P of layer .* is unknown"):
        quantity(analysis, "last", "P")


def test_unit_out_of_range(classic):
    with pytest.raises(RFError, match="out of range"):
        quantity(classic, "pool", "interval", unit=3)


def test_invalid_axis():
    with pytest.raises(RFError, match="axis 'depth' is not an axis"):
        parse_axis("depth", 2)


def test_format_value():
    assert format_value((-1, 2)) == "[-1, 2]"
    assert format_value(4.0) == "4"
    assert format_value(5.5) == "5.5"
    assert format_value(7) == "7"


def test_every_quantity_is_documented():
    import rf_core.quantities as module

    for name in QUANTITIES:
        assert f"\n    {name} " in module.__doc__
