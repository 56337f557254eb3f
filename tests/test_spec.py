"""Parsing of the text spec format: accepted forms, names, and positioned errors."""

from __future__ import annotations

import pytest

from rf_core import AxisParams, Layer, LayerError, RFError, SpecError, parse_size, parse_spec


def text_at(spec: str, error: RFError) -> str:
    """Return the rest of the error's line from its column, to check where it points."""
    assert error.line is not None, f"error has no line: {error}"
    assert error.column is not None, f"error has no column: {error}"
    return spec.splitlines()[error.line - 1][error.column - 1 :]


def parse_error(spec: str, error_type: type[RFError] = RFError) -> RFError:
    with pytest.raises(error_type) as caught:
        parse_spec(spec)
    return caught.value


# Accepted forms


def test_input_single_size():
    network = parse_spec("input 224\nrelu")

    assert network.input_size == (224,)
    assert network.input_line == 1
    assert [layer.kind for layer in network.layers] == ["relu"]


def test_input_height_by_width():
    assert parse_spec("input 224x320\nrelu").input_size == (224, 320)


def test_conv_with_all_scalar_options():
    layer = parse_spec("conv k=11 s=4 p=2 name=conv1").layers[0]

    expected = Layer("conv", (AxisParams(kernel=11, stride=4, dilation=1, pad_before=2, pad_after=2),), name="conv1")
    assert layer == expected
    assert layer.padding_mode == "explicit"
    assert layer.line == 1
    assert layer.column == 1


def test_maxpool_with_stride():
    layer = parse_spec("maxpool k=3 s=2").layers[0]

    assert layer == Layer("maxpool", (AxisParams(kernel=3, stride=2),), name="maxpool1")
    assert layer.ceil_mode is False


def test_avgpool_ceil_flag():
    layer = parse_spec("avgpool k=2 s=2 ceil").layers[0]

    assert layer == Layer("avgpool", (AxisParams(kernel=2, stride=2),), ceil_mode=True, name="avgpool1")


def test_dilated_conv_same_padding():
    layer = parse_spec("conv k=3 d=2 p=same").layers[0]

    assert layer == Layer("conv", (AxisParams(kernel=3, stride=1, dilation=2),), padding_mode="same", name="conv1")


def test_per_axis_values():
    layer = parse_spec("conv k=3x5 s=1x2 p=1x2").layers[0]

    height = AxisParams(kernel=3, stride=1, dilation=1, pad_before=1, pad_after=1)
    width = AxisParams(kernel=5, stride=2, dilation=1, pad_before=2, pad_after=2)
    assert layer == Layer("conv", (height, width), name="conv1")


def test_scalar_broadcast_in_per_axis_layer():
    layer = parse_spec("conv k=3x5 s=2").layers[0]

    assert [params.stride for params in layer.axes] == [2, 2]
    assert [params.kernel for params in layer.axes] == [3, 5]


def test_asymmetric_padding_forms():
    one_axis = parse_spec("conv k=2 p=0:1").layers[0]
    two_axes = parse_spec("conv k=3 p=1x0:2").layers[0]

    assert (one_axis.axes[0].pad_before, one_axis.axes[0].pad_after) == (0, 1)
    assert [(a.pad_before, a.pad_after) for a in two_axes.axes] == [(1, 1), (0, 2)]


def test_valid_padding_mode():
    layer = parse_spec("conv k=3 p=valid").layers[0]

    assert layer.padding_mode == "valid"


def test_pool_stride_defaults_to_kernel():
    layer = parse_spec("maxpool k=3x2").layers[0]

    assert [params.stride for params in layer.axes] == [3, 2]


def test_long_option_names_and_kind_aliases():
    network = parse_spec("Conv2d kernel=3 stride=2 padding=1 dilation=2\nBatchNorm2d\nMaxPool2d kernel=2")

    assert network.layers[0] == Layer(
        "conv", (AxisParams(kernel=3, stride=2, dilation=2, pad_before=1, pad_after=1),), name="conv1"
    )
    assert network.layers[1].kind == "batchnorm"
    assert network.layers[2].kind == "maxpool"


def test_comments_and_blank_lines():
    spec = "# a small network\n\ninput 32  # pixels\n   \nconv k=3 # first layer\n\t\n# relu\nrelu\n"
    network = parse_spec(spec)

    assert network.input_size == (32,)
    assert network.input_line == 3
    assert [layer.kind for layer in network.layers] == ["conv", "relu"]
    assert [layer.line for layer in network.layers] == [5, 8]


@pytest.mark.parametrize("text", ["", "# only a comment\n\n", "input 224"])
def test_spec_without_layers(text):
    with pytest.raises(SpecError) as caught:
        parse_spec(text)

    assert "no layers" in caught.value.message
    assert caught.value.line == 1


def test_column_counts_indentation():
    layer = parse_spec("input 8\n   conv k=3").layers[0]

    assert layer.line == 2
    assert layer.column == 4


def test_auto_names_count_per_kind():
    network = parse_spec("conv k=3\nrelu\nconv k=3\nmaxpool k=2\nrelu")

    assert [layer.name for layer in network.layers] == ["conv1", "relu1", "conv2", "maxpool1", "relu2"]


def test_auto_names_skip_explicit_names():
    network = parse_spec("conv k=3\nconv k=3 name=conv1")

    # The explicit conv1 keeps its name, so the unnamed conv becomes conv2.
    assert [layer.name for layer in network.layers] == ["conv2", "conv1"]


def test_parse_size_forms():
    assert parse_size("224") == (224,)
    assert parse_size(" 224X320 ") == (224, 320)
    assert parse_size("4x5x6") == (4, 5, 6)


@pytest.mark.parametrize("text", ["", "0", "224x", "x224", "1x2x3x4", "2.5", "-4", "999999999999"])
def test_parse_size_rejects(text):
    with pytest.raises(SpecError):
        parse_size(text)


# Errors: each names the value and the fix, with line and column at the offending token


def test_stride_zero():
    spec = "input 8\nconv k=3 s=0"
    error = parse_error(spec, LayerError)

    assert error.line == 2
    assert text_at(spec, error).startswith("s=0")
    assert "stride 0" in error.message
    assert "at least 1" in error.message
    assert "s=1" in error.message


def test_negative_padding():
    spec = "conv k=3 p=-1"
    error = parse_error(spec, LayerError)

    assert error.line == 1
    assert text_at(spec, error).startswith("p=-1")
    assert "padding -1" in error.message
    assert "use 0" in error.message


def test_unknown_option():
    spec = "conv k=3 q=2"
    error = parse_error(spec, SpecError)

    assert text_at(spec, error).startswith("q=2")
    assert "'q'" in error.message
    assert "valid options are k, s, p, d, g, name, from" in error.message


def test_option_on_pass_through_layer():
    spec = "relu k=3"
    error = parse_error(spec, SpecError)

    assert text_at(spec, error).startswith("k=3")
    assert "valid options are name" in error.message


def test_unknown_layer_kind():
    spec = "input 8\n  convolution k=3"
    error = parse_error(spec, SpecError)

    assert error.line == 2
    assert error.column == 3
    assert text_at(spec, error).startswith("convolution")
    assert "'convolution'" in error.message
    assert "use one of conv, maxpool, avgpool" in error.message


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        ("conv k=3.5", "3.5"),
        ("conv k=abc", "abc"),
        ("conv k=3x", "3x"),
        ("conv k=3 s=2x-", "2x-"),
        ("conv k=3 p=1:", "1:"),
        ("conv k=3 p=1:2:3", "1:2:3"),
    ],
)
def test_malformed_number_points_at_value(spec, value):
    error = parse_error(spec, SpecError)

    assert text_at(spec, error).startswith(value)
    assert f"{value!r}" in error.message
    assert "whole number" in error.message


def test_missing_value():
    spec = "conv k="
    error = parse_error(spec, SpecError)

    assert text_at(spec, error).startswith("k=")
    assert "needs a value" in error.message
    assert "k=3" in error.message


def test_missing_kernel():
    spec = "conv s=2"
    error = parse_error(spec, SpecError)

    assert text_at(spec, error).startswith("conv")
    assert "k=3" in error.message


def test_number_too_large():
    spec = "conv k=123456789012"
    error = parse_error(spec, SpecError)

    assert text_at(spec, error).startswith("123456789012")
    assert "too large" in error.message


def test_value_over_limit():
    spec = "conv k=3 d=10000000000"
    error = parse_error(spec, LayerError)

    assert text_at(spec, error).startswith("d=10000000000")
    assert "too large" in error.message
    assert "1000000000" in error.message


def test_mixed_two_and_three_axes():
    spec = "conv k=3x3\nconv k=3x3x3"
    error = parse_error(spec, SpecError)

    assert error.line == 2
    assert text_at(spec, error).startswith("3x3x3")
    assert "'k=3x3x3' has 3" in error.message
    assert "'k=3x3' on line 1 has 2" in error.message


def test_mixed_axes_with_input():
    spec = "input 224x224\nconv k=3 s=1x1x1"
    error = parse_error(spec, SpecError)

    assert error.line == 2
    assert text_at(spec, error).startswith("1x1x1")


def test_input_after_layer():
    spec = "conv k=3\ninput 8"
    error = parse_error(spec, SpecError)

    assert error.line == 2
    assert text_at(spec, error).startswith("input")
    assert "first statement" in error.message
    assert "move it above the layers" in error.message


def test_input_twice():
    spec = "input 8\ninput 9"
    error = parse_error(spec, SpecError)

    assert error.line == 2
    assert text_at(spec, error).startswith("input")


@pytest.mark.parametrize(
    ("spec", "token", "hint"),
    [
        ("input 224 320", "320", "'input 224x320'"),
        ("input 0", "0", "from 1 to 1000000000"),
        ("input 22a", "22a", "such as 224"),
    ],
)
def test_invalid_input_statement(spec, token, hint):
    error = parse_error(spec, SpecError)

    assert text_at(spec, error).startswith(token)
    assert hint in error.message


def test_duplicate_name():
    spec = "conv k=3 name=stem\nconv k=3 name=stem"
    error = parse_error(spec, SpecError)

    assert error.line == 2
    assert error.column is not None
    assert "'stem'" in error.message
    assert "line 1" in error.message
    assert "unique" in error.message


def test_duplicate_name_column():
    spec = "conv k=3 name=stem\nconv k=3 name=stem"
    error = parse_error(spec, SpecError)

    assert text_at(spec, error).startswith(("name=stem", "stem"))


def test_invalid_name():
    spec = "conv k=3 name=-x"
    error = parse_error(spec, SpecError)

    assert text_at(spec, error).startswith("-x")
    assert "'-x'" in error.message
    assert "starting with a letter, digit or '_'" in error.message


def test_names_starting_with_digit():
    # Torch module paths such as `0` and `1.2` are valid names, in name= and in from=.
    network = parse_spec("conv k=3 name=0\nrelu name=1.2\nadd name=2 from=0,1.2")

    assert [layer.name for layer in network.layers] == ["0", "1.2", "2"]
    assert network.layers[2].inputs == ("0", "1.2")


def test_pool_padding_over_half_window():
    spec = "maxpool k=3 s=2 p=2"
    error = parse_error(spec, LayerError)

    # Half of kernel size 3 is 1.
    assert text_at(spec, error).startswith("p=2")
    assert "padding 2" in error.message
    assert "at most 1" in error.message


def test_dilated_pool_padding_limit():
    spec = "maxpool k=2 d=3 p=2"
    error = parse_error(spec, LayerError)

    # The limit is half the kernel size without dilation, 2 // 2 = 1, as in PyTorch,
    # although the dilated window spans 3 * 1 + 1 = 4 pixels.
    assert text_at(spec, error).startswith("p=2")
    assert "at most 1" in error.message


def test_ceil_on_conv():
    spec = "conv k=3 ceil"
    error = parse_error(spec, SpecError)

    assert text_at(spec, error).startswith("ceil")
    assert "'ceil'" in error.message
    assert "valid options are k, s, p, d, g, name, from" in error.message


def test_ceil_mode_conv_layer_rejected():
    with pytest.raises(LayerError) as caught:
        Layer("conv", (AxisParams(kernel=3),), ceil_mode=True)

    assert caught.value.option == "ceil"
    assert "remove 'ceil'" in caught.value.message


def test_ceil_with_value():
    spec = "maxpool k=2 ceil=1"
    error = parse_error(spec, SpecError)

    assert text_at(spec, error).startswith("ceil=1")
    assert "flag" in error.message


def test_option_given_twice():
    spec = "conv k=3 k=5"
    error = parse_error(spec, SpecError)

    assert error.column == 10
    assert text_at(spec, error).startswith("k=5")
    assert "twice" in error.message


def test_dilation_on_avgpool():
    spec = "avgpool k=3 d=2"
    error = parse_error(spec, SpecError)

    assert text_at(spec, error).startswith("d=2")
    assert "valid options are k, s, p, ceil, name" in error.message


def test_error_string_has_position():
    error = parse_error("input 8\nconv k=3 s=0", LayerError)

    assert str(error).startswith("line 2, column 10: ")
