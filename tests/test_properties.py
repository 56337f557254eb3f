"""Property tests (hypothesis) over random single-path networks and random spec text."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import LayerDraw, spec_text
from rf_core import OutputSizeError, RFError, analyze, minimum_input_size, parse_spec

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def layer_draws(draw, num_axes: int, *, same_stride_one: bool = False) -> LayerDraw:
    """Draw any layer that rf_core accepts, including asymmetric and `same` pooling padding."""
    kind = draw(st.sampled_from(["conv", "maxpool", "avgpool"]))
    axes = st.lists
    kernel = tuple(draw(axes(st.integers(1, 5), min_size=num_axes, max_size=num_axes)))
    if same_stride_one:
        stride = (1,) * num_axes
    else:
        stride = tuple(draw(axes(st.integers(1, 3), min_size=num_axes, max_size=num_axes)))
    max_dilation = {"conv": 3, "maxpool": 2, "avgpool": 1}[kind]
    dilation = tuple(draw(axes(st.integers(1, max_dilation), min_size=num_axes, max_size=num_axes)))

    padding: tuple[tuple[int, int], ...] | None
    if same_stride_one or draw(st.integers(0, 9)) == 0:
        padding = None
    elif kind == "conv":
        padding = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(num_axes))
    else:
        # rf_core, like PyTorch, allows pooling padding up to kernel_size // 2 on each side.
        padding = tuple((draw(st.integers(0, k // 2)), draw(st.integers(0, k // 2))) for k in kernel)
    ceil_mode = kind != "conv" and draw(st.booleans())
    return LayerDraw(kind, kernel, stride, dilation, padding, ceil_mode)


@st.composite
def networks(draw, *, same_stride_one: bool = False) -> list[LayerDraw]:
    num_axes = draw(st.sampled_from([1, 2]))
    return draw(st.lists(layer_draws(num_axes, same_stride_one=same_stride_one), min_size=1, max_size=5))


@st.composite
def sized_networks(draw) -> tuple[tuple[int, ...], list[LayerDraw]]:
    """Draw a network and an input size from its minimum up to 30 pixels more per axis."""
    layers = draw(networks())
    parsed = parse_spec(spec_text(None, layers)).layers
    num_axes = layers[0].num_axes
    size = tuple(minimum_input_size(parsed, axis) + draw(st.integers(0, 30)) for axis in range(num_axes))
    return size, layers


@SETTINGS
@given(networks())
def test_field_grows_and_stride_multiplies(layers):
    analysis = analyze(parse_spec(spec_text(None, layers)))

    for axis in range(analysis.num_axes):
        previous_field = 1
        strides = []
        for draw, result in zip(layers, analysis.layers):
            axis_result = result.axes[axis]
            strides.append(draw.stride[axis])
            assert axis_result.receptive_field >= previous_field
            assert axis_result.effective_stride == math.prod(strides)
            previous_field = axis_result.receptive_field


@SETTINGS
@given(networks(same_stride_one=True), st.integers(1, 60))
def test_same_stride_one_keeps_size(layers, size):
    analysis = analyze(parse_spec(spec_text((size,), layers)))

    for result in analysis.layers:
        for axis_result in result.axes:
            assert axis_result.input_size == size
            assert axis_result.output_size == size


@SETTINGS
@given(sized_networks(), st.data())
def test_unit_intervals_clip_and_shift(sized, data):
    size, layers = sized
    analysis = analyze(parse_spec(spec_text(size, layers)))

    for result in analysis.layers:
        counts = [axis_result.output_size for axis_result in result.axes]
        unit = [data.draw(st.integers(0, count - 1)) for count in counts]
        field = analysis.unit_field(result.index, unit)
        for axis, axis_result in enumerate(result.axes):
            first, last = field.interval[axis]
            assert last - first + 1 == axis_result.receptive_field

            # The traced span lies inside the input and inside the unclipped
            # interval, because tracing only drops padding and missing units.
            clipped = field.clipped[axis]
            if clipped is not None:
                assert 0 <= clipped[0] <= clipped[1] <= size[axis] - 1
                assert first <= clipped[0]
                assert clipped[1] <= last

            if unit[axis] + 1 < counts[axis]:
                neighbour = list(unit)
                neighbour[axis] += 1
                shifted = analysis.unit_field(result.index, neighbour).interval[axis]
                stride = axis_result.effective_stride
                assert shifted == (first + stride, last + stride)


@SETTINGS
@given(sized_networks(), st.data())
def test_traced_span_without_hidden_padding(sized, data):
    size, layers = sized
    analysis = analyze(parse_spec(spec_text(size, layers)))

    # Layers after the first that neither pad nor use ceil mode read only units
    # that exist, so tracing back drops nothing beyond the input's own edges.
    for result in analysis.layers:
        later = analysis.layers[1 : result.index]
        if any(later_result.layer.ceil_mode for later_result in later):
            break
        if any(a.pad_before or a.pad_after for later_result in later for a in later_result.axes):
            break
        unit = [data.draw(st.integers(0, a.output_size - 1)) for a in result.axes]
        field = analysis.unit_field(result.index, unit)
        expected = []
        for axis in range(analysis.num_axes):
            first, last = field.interval[axis]
            clip = (max(first, 0), min(last, size[axis] - 1))
            expected.append(clip if clip[0] <= clip[1] else None)
        # A unit that is in the padding along one axis reaches no pixel at all.
        if None in expected:
            expected = [None] * analysis.num_axes
        assert field.clipped == tuple(expected)


@SETTINGS
@given(networks())
def test_minimum_input_size_is_minimal(layers):
    network = parse_spec(spec_text(None, layers))
    num_axes = layers[0].num_axes
    minimum = tuple(minimum_input_size(network.layers, axis) for axis in range(num_axes))

    # Every layer has at least one unit at the minimum.
    analysis = analyze(network, minimum)
    for result in analysis.layers:
        for axis_result in result.axes:
            assert axis_result.output_size >= 1

    # One pixel less on any axis leaves some layer without units.
    for axis in range(num_axes):
        if minimum[axis] == 1:
            continue
        smaller = list(minimum)
        smaller[axis] -= 1
        try:
            analyze(network, smaller)
        except OutputSizeError as error:
            assert error.minimum_input_size == minimum
        else:
            raise AssertionError(f"input {smaller} should be too small, because the minimum is {minimum}")


SPEC_WORDS = [
    "input",
    "conv",
    "maxpool",
    "avgpool",
    "relu",
    "Conv2d",
    "k=3",
    "k=3x5",
    "k=3x3x3",
    "s=2",
    "s=0",
    "p=1",
    "p=0:1",
    "p=same",
    "p=valid",
    "p=-1",
    "d=2",
    "ceil",
    "name=a",
    "name=a",
    "k=",
    "=",
    "x",
    ":",
    "#",
    "224",
    "224x320",
    "1x1x1x1",
    "k=99999999999",
    "k=1000000000",
    "d=1000000000",
    "s=" + "9" * 40,
    "input 1000000000",
    "\u00e9",
    "\u2028",
    "\x85",
    "\t",
    "\u00b2",
    "k=\u0663",
    "input 2\u00b2",
]


@st.composite
def word_texts(draw) -> str:
    """Draw spec-like text: known words, short random strings and integers, with random separators."""
    word = st.one_of(st.sampled_from(SPEC_WORDS), st.text(max_size=6), st.integers().map(str))
    separator = st.sampled_from([" ", "\n", "  ", "\r\n"])
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        parts.append(draw(word))
        parts.append(draw(separator))
    return "".join(parts)


spec_texts = st.one_of(st.text(max_size=80), word_texts())


@settings(max_examples=400, deadline=None)
@given(spec_texts)
def test_parse_spec_returns_network_or_positioned_error(text):
    try:
        network = parse_spec(text)
    except RFError as error:
        assert error.line is not None
        assert error.column is not None
        return

    try:
        analyze(network)
    except RFError:
        pass


# str.isdigit() is true for these, but int() rejects '²' and reads the others.
@pytest.mark.parametrize("text", ["²", "\u0663", "\uff13"])
def test_non_ascii_digit_in_input_size(text):
    with pytest.raises(RFError) as caught:
        parse_spec(f"input {text}")

    assert caught.value.line == 1
    assert caught.value.column == 7
