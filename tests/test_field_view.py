"""The numbers behind a field view: every unit's field per layer and axis, worked by hand."""

from __future__ import annotations

import pytest

from rf_core import RFError, analyze, parse_spec
from rf_core.field_view import MAX_UNITS_PER_AXIS, describe_unit, format_number, prepare

# input 8, conv k=3 p=1, maxpool k=2 s=2, on both axes.
#   conv: r = 3, S = 1, P = 1, so unit i sees [i - 1, i + 1], centre i.
#   pool: r = 3 + (2 - 1) * 1 = 4, S = 2, P = 1, so unit i sees [2i - 1, 2i + 2],
#   centre 2i + 0.5; 8 pixels give 4 units.
TWO_LAYERS = "input 8\nconv k=3 p=1 name=conv\nmaxpool k=2 s=2 name=pool"


def test_conv_intervals_by_hand() -> None:
    conv = prepare(TWO_LAYERS, {}).layers[0]

    assert conv.rows.size == 8
    assert conv.rows.intervals == tuple((i - 1, i + 1) for i in range(8))
    assert conv.rows.centres == tuple(range(8))
    # Clipped to the pixels 0 to 7: only the two edge units lose a pixel.
    assert conv.rows.clipped[0] == (0, 1)
    assert conv.rows.clipped[3] == (2, 4)
    assert conv.rows.clipped[7] == (6, 7)
    assert conv.columns == conv.rows


def test_pool_intervals_by_hand() -> None:
    pool = prepare(TWO_LAYERS, {}).layers[1]

    assert pool.rows.size == 4
    assert pool.rows.intervals == ((-1, 2), (1, 4), (3, 6), (5, 8))
    assert pool.rows.clipped == ((0, 2), (1, 4), (3, 6), (5, 7))
    assert pool.rows.centres == (0.5, 2.5, 4.5, 6.5)
    assert pool.receptive_field == (4, 4)
    assert pool.uniform


def test_axes_kept_apart() -> None:
    # input 6x10, conv k=3x1 s=1x2:
    #   rows: (6 - 3) / 1 + 1 = 4 units, unit i sees [i, i + 2], centre i + 1;
    #   columns: (10 - 1) // 2 + 1 = 5 units, unit j sees [2j, 2j], centre 2j.
    layer = prepare("input 6x10\nconv k=3x1 s=1x2 name=c", {}).layers[0]

    assert layer.rows.intervals == ((0, 2), (1, 3), (2, 4), (3, 5))
    assert layer.rows.centres == (1, 2, 3, 4)
    assert layer.columns.intervals == ((0, 0), (2, 2), (4, 4), (6, 6), (8, 8))
    assert layer.columns.centres == (0, 2, 4, 6, 8)
    assert layer.receptive_field == (3, 1)
    assert layer.menu_label() == "c (conv): 4 × 5 units, field 3 × 1"


def test_clipped_field_narrower_in_floor_mode() -> None:
    # input 5, maxpool k=2 s=2 leaves pixel 4 unread: 2 units reading 0-1 and 2-3.
    # conv k=3 p=1 on top: r = 2 + 2 * 2 = 6, S = 2, P = 0 + 1 * 2 = 2, so unit 1
    # sees [2 - 2, 2 - 2 + 5] = [0, 5]. It reads pool units 0 to 2, of which unit 2
    # is padding, so only pixels 0 to 3 reach it, not 0 to 4.
    conv = prepare("input 5\nmaxpool k=2 s=2 name=pool\nconv k=3 p=1 name=c", {}).layers[1]

    assert conv.columns.intervals[1] == (0, 5)
    assert conv.columns.clipped[1] == (0, 3)


def test_unit_in_padding_reaches_nothing() -> None:
    # input 4, conv k=1 p=2: 4 + 4 = 8 units, unit i reads pixel i - 2, so units
    # 0, 1, 6 and 7 read padding only.
    layer = prepare("input 4\nconv k=1 p=2 name=padded", {}).layers[0]

    assert layer.rows.intervals[0] == (-2, -2)
    assert layer.rows.clipped == (None, None, (0, 0), (1, 1), (2, 2), (3, 3), None, None)
    assert describe_unit(layer, 0, 3) == (
        "Unit (0, 3) of padded sees rows -2 to -2, columns 1 to 1 (clipped: no input pixel reaches it), centre (-2, 1)."
    )


def test_tables_match_unit_field() -> None:
    spec = "input 9x7\nconv k=3 s=2 p=1 name=a\nmaxpool k=3 s=2 ceil name=b"
    view = prepare(spec, {})
    analysis = analyze(parse_spec(spec), num_axes=2)

    for layer in view.layers:
        for row in range(layer.rows.size):
            for column in range(layer.columns.size):
                field = analysis.unit_field(layer.index, (row, column))
                assert field.interval == (layer.rows.intervals[row], layer.columns.intervals[column])
                assert field.clipped == (layer.rows.clipped[row], layer.columns.clipped[column])
                assert field.centre == (layer.rows.centres[row], layer.columns.centres[column])


def test_describe_unit_by_hand() -> None:
    pool = prepare(TWO_LAYERS, {}).layers[1]

    # Rows: unit 0 sees [-1, 2], clipped [0, 2], centre 0.5. Columns: unit 3 sees
    # [5, 8], clipped [5, 7], centre 6.5.
    assert describe_unit(pool, 0, 3) == (
        "Unit (0, 3) of pool sees rows -1 to 2, columns 5 to 8 (clipped: rows 0 to 2, columns 5 to 7), centre (0.5, 6.5)."
    )


def test_vgg16_pool3_by_hand() -> None:
    # VGG-16 up to pool3 (features.16): conv3 x2, pool2, conv3 x2, pool2, conv3 x3, pool2.
    #   r = 1 + 2 + 2 + 1 + 2*2 + 2*2 + 2 + 4*2*3 + 4 = 44, S = 8,
    #   P = 1 + 1 + 0 + 2 + 2 + 0 + 4 * 3 + 0 = 18.
    # Unit 20 sees [8 * 20 - 18, 8 * 20 - 18 + 43] = [142, 185], centre 163.5.
    view = prepare("", {"preset": "vgg16"})
    names = [layer.name for layer in view.layers]
    pool3 = view.layers[names.index("features.16")]

    assert names == ["features.4", "features.9", "features.16", "features.23", "features.30"]
    assert pool3.rows.size == 28
    assert pool3.rows.intervals[20] == (142, 185)
    assert pool3.columns.centres[20] == 163.5
    assert pool3.rows.clipped[0] == (0, 25)


def test_initial_layer_and_unit() -> None:
    default = prepare(TWO_LAYERS, {})
    chosen = prepare(TWO_LAYERS, {"layers": "pool,conv", "layer": "conv", "unit": "5,2"})

    # The middle unit of the first layer by default: 8 // 2 = 4.
    assert (default.layer, default.unit) == (0, (4, 4))
    assert [layer.name for layer in chosen.layers] == ["pool", "conv"]
    assert (chosen.layer, chosen.unit) == (1, (5, 2))
    assert prepare(TWO_LAYERS, {"unit": "3"}).unit == (3, 3)


def test_layers_by_number_and_last() -> None:
    view = prepare(TWO_LAYERS, {"layers": "1,last"})
    assert [layer.index for layer in view.layers] == [1, 2]


def test_unnamed_layers_take_spec_names() -> None:
    # The spec parser names unnamed layers after their kind and count.
    view = prepare("input 8\nconv k=3\nmaxpool k=2 s=2", {})
    assert [layer.name for layer in view.layers] == ["conv1", "maxpool1"]


@pytest.mark.parametrize(
    ("spec", "options", "message"),
    [
        (TWO_LAYERS, {"size": "3"}, "field view option 'size' is unknown"),
        (TWO_LAYERS, {"layers": "conv,fc"}, "layer 'fc' is not in the network"),
        (TWO_LAYERS, {"layers": "conv,1"}, "layer '1' appears twice"),
        (TWO_LAYERS, {"layers": "pool", "layer": "conv"}, "layer 'conv' is not in the menu (pool)"),
        (TWO_LAYERS, {"layers": "pool", "unit": "2,4"}, "unit '2,4' is out of range for layer pool, which has 4 columns; use 0 to 3"),
        (TWO_LAYERS, {"unit": "a"}, "unit 'a' is malformed"),
        ("conv k=3", {}, "a field view needs an input size"),
        ("input 8x8x8\nconv k=3", {}, "a field view draws 2-D networks, but this one has 3 axes"),
        ("conv k=3", {"preset": "vgg16"}, "a field view with preset= takes no layers in its body"),
        ("", {"preset": "vgg99"}, "vgg99"),
        ("input 200\nconv k=3 p=1 name=wide", {}, f"layer wide has 200 × 200 units, more than the field view draws ({MAX_UNITS_PER_AXIS} per axis)"),
    ],
)
def test_invalid_request_rejected(spec: str, options: dict, message: str) -> None:
    with pytest.raises(RFError) as raised:
        prepare(spec, options)
    assert message in raised.value.message


def test_spec_error_keeps_line() -> None:
    with pytest.raises(RFError) as raised:
        prepare("input 8\nconv k=0", {})
    assert raised.value.line == 2


def test_fields_that_do_not_split_rejected() -> None:
    # a: conv k=1 p=2 reads pixel i - 2, so its units 0 and 1 read padding only.
    # b: upsample f=2 reads pixel i // 2. Unit (2, 2) of the sum reads pixel 0
    # through a and pixel 1 through b on both axes: rows 0 to 1. Unit (2, 0)
    # gets nothing through a, whose column 0 is padding, so only pixel 1 through
    # b: rows 1 to 1. Row 2's span depends on the column, so no per-axis table
    # can hold it.
    spec = "input 4\nconv k=1 p=2 name=a\nupsample f=2 from=input name=b\nadd from=a,b name=m"
    with pytest.raises(RFError, match=r"unit \(2, 2\) of layer m does not split into rows and columns"):
        prepare(spec, {"layers": "m"})


@pytest.mark.parametrize(("value", "text"), [(3.0, "3"), (3.5, "3.5"), (-0.5, "-0.5"), (0, "0"), (163.5, "163.5")])
def test_format_number_like_javascript(value: float, text: str) -> None:
    assert format_number(value) == text
