"""Hand-worked cases for rf_core.analysis: per-layer results, unit fields and errors.

Conventions: zero-indexed pixel centres and inclusive intervals [u, v]. With
K = d (k - 1) + 1: r_l = r_{l-1} + (K_l - 1) S_{l-1}, S_l = S_{l-1} s_l,
P_l = P_{l-1} + p_before S_{l-1}, start = -P + (r - 1) / 2.
"""

from __future__ import annotations

import pytest

from rf_core import (
    AxisParams,
    Layer,
    LayerError,
    Network,
    OutputSizeError,
    RFError,
    analyze,
    minimum_input_size,
    parse_spec,
)


def analyze_spec(text: str, input_size=None):
    return analyze(parse_spec(text), input_size)


def axis_of(analysis, layer_index: int, axis: int = 0):
    """Return the AxisResult of a 1-based layer index."""
    return analysis.layers[layer_index - 1].axes[axis]


def test_conv_then_pool_field_and_stride():
    analysis = analyze_spec("conv k=3\nmaxpool k=2 s=2")
    conv, pool = axis_of(analysis, 1), axis_of(analysis, 2)

    # conv k=3 s=1: r = 1 + (3 - 1) * 1 = 3, S = 1 * 1 = 1
    assert conv.receptive_field == 3
    assert conv.effective_stride == 1
    # maxpool k=2 s=2: r = 3 + (2 - 1) * 1 = 4, S = 1 * 2 = 2
    assert pool.receptive_field == 4
    assert pool.effective_stride == 2


def test_padding_moves_start_only():
    unpadded = analyze_spec("input 8\nconv k=3")
    padded = analyze_spec("input 8\nconv k=3 p=1")
    plain, shifted = axis_of(unpadded, 1), axis_of(padded, 1)

    assert plain.receptive_field == shifted.receptive_field == 3
    assert plain.effective_stride == shifted.effective_stride == 1
    # start = -P + (r - 1) / 2: unpadded -0 + 1 = 1, padded -1 + 1 = 0
    assert plain.start == 1
    assert shifted.start == 0
    # Output: 8 - 3 + 1 = 6 unpadded, 8 + 2 - 3 + 1 = 8 padded
    assert plain.output_size == 6
    assert shifted.output_size == 8


def test_dilated_conv_on_seven_pixels():
    analysis = analyze_spec("input 7\nconv k=3 d=2")
    conv = axis_of(analysis, 1)

    # K = 2 * (3 - 1) + 1 = 5, out = 7 - 5 + 1 = 3, r = 1 + 4 * 1 = 5
    assert conv.output_size == 3
    assert conv.receptive_field == 5
    # start = -0 + (5 - 1) / 2 = 2, and unit 0 covers 0..4
    assert conv.start == 2
    assert analysis.unit_field(1, [0]).interval == ((0, 4),)


def test_pool_start_and_unit_interval():
    analysis = analyze_spec("input 4\nmaxpool k=2 s=2")
    pool = axis_of(analysis, 1)

    # r = 2, S = 2, P = 0: start = (2 - 1) / 2 = 0.5
    assert pool.start == 0.5
    # Unit 1: u = 0 + 1 * 2 = 2, v = 2 + 2 - 1 = 3
    field = analysis.unit_field(1, [1])
    assert field.interval == ((2, 3),)
    assert field.clipped == ((2, 3),)
    assert field.centre == (2.5,)


def test_three_convs_too_large_for_five_pixels():
    spec = "input 5\nconv k=3\nconv k=3\nconv k=3"
    # Sizes 5 -> 3 -> 1 -> -1: layer 3 has no output units. Each conv takes 2
    # pixels, so the smallest input is 1 + 3 * 2 = 7.
    with pytest.raises(OutputSizeError) as caught:
        analyze_spec(spec)
    error = caught.value

    assert error.layer_index == 3
    assert error.minimum_input_size == (7,)
    assert "7" in error.message
    assert "layer 3" in error.message
    # The third conv is on spec line 4, kind at column 1.
    assert error.line == 4
    assert error.column == 1


def test_minimum_input_size_of_three_convs():
    layers = parse_spec("conv k=3\nconv k=3\nconv k=3").layers

    assert minimum_input_size(layers) == 7
    # 7 -> 5 -> 3 -> 1 unit
    assert axis_of(analyze(Network(layers), (7,)), 3).output_size == 1


def test_non_square_kernel_and_stride():
    analysis = analyze_spec("input 100x200\nconv k=3x1 s=2x1\nconv k=3")
    height, width = analysis.layers[1].axes

    # Height: floor((100 - 3) / 2) + 1 = 49, then 49 - 3 + 1 = 47.
    # r = 1 + 2 * 1 = 3, then 3 + 2 * 2 = 7. S = 2.
    assert axis_of(analysis, 1, 0).output_size == 49
    assert height.output_size == 47
    assert height.receptive_field == 7
    assert height.effective_stride == 2
    # Width: 200 (k=1), then 200 - 3 + 1 = 198. r = 1, then 1 + 2 * 1 = 3. S = 1.
    assert axis_of(analysis, 1, 1).output_size == 200
    assert width.output_size == 198
    assert width.receptive_field == 3
    assert width.effective_stride == 1


def test_same_padding_stride_two_depends_on_input():
    odd = axis_of(analyze_spec("input 7\nconv k=3 s=2 p=same"), 1)
    even = axis_of(analyze_spec("input 8\nconv k=3 s=2 p=same"), 1)

    # Both: out = ceil(n / 2) = 4, r = 3, S = 2.
    assert odd.output_size == even.output_size == 4
    assert odd.receptive_field == even.receptive_field == 3
    # n = 7: total (4 - 1) * 2 + 3 - 7 = 2 -> (1, 1), P = 1, start = -1 + 1 = 0
    assert (odd.pad_before, odd.pad_after) == (1, 1)
    assert odd.effective_padding == 1
    assert odd.start == 0
    # n = 8: total 6 + 3 - 8 = 1 -> (0, 1), P = 0, start = 1
    assert (even.pad_before, even.pad_after) == (0, 1)
    assert even.effective_padding == 0
    assert even.start == 1


def test_same_padding_stride_two_without_input():
    analysis = analyze_spec("conv k=3 s=2 p=same\nconv k=3")
    first, second = axis_of(analysis, 1), axis_of(analysis, 2)

    # r and S do not depend on padding: r = 3, then 3 + 2 * 2 = 7, and S = 2.
    assert first.receptive_field == 3
    assert second.receptive_field == 7
    assert second.effective_stride == 2
    # Padding, and so P and start, are unknown from layer 1 on.
    for result in (first, second):
        assert result.effective_padding is None
        assert result.start is None
        assert "layer 1 (conv1)" in result.unknown["effective_padding"]
        assert "p=same" in result.unknown["start"]
    assert first.pad_before is None
    # A unit field has no interval without P.
    assert analysis.unit_field(2, [0]).interval is None


def test_same_padding_stride_one_without_input():
    conv = axis_of(analyze_spec("conv k=3 p=same"), 1)

    # Total d (k - 1) = 2 -> (1, 1) for any n, so P = 1 and start = -1 + 1 = 0.
    assert conv.effective_padding == 1
    assert conv.start == 0
    assert conv.output_size is None
    assert "input size" in conv.unknown["output_size"]
    assert "effective_padding" not in conv.unknown


def test_asymmetric_padding_after():
    analysis = analyze_spec("input 4\nconv k=2 p=0:1")
    conv = axis_of(analysis, 1)

    # out = 4 + 0 + 1 - 2 + 1 = 4, P = 0, r = 2, start = 0.5
    assert conv.output_size == 4
    assert conv.effective_padding == 0
    assert conv.start == 0.5
    # Unit 3: u = 3, v = 4. Pixel 4 is padding, so the clipped field is 3..3.
    field = analysis.unit_field(1, [3])
    assert field.interval == ((3, 4),)
    assert field.clipped == ((3, 3),)


def test_asymmetric_padding_before():
    conv = axis_of(analyze_spec("input 4\nconv k=2 p=1:0"), 1)

    # P = 1, start = -1 + (2 - 1) / 2 = -0.5, out = 4 + 1 - 2 + 1 = 4
    assert conv.effective_padding == 1
    assert conv.start == -0.5
    assert conv.output_size == 4


def test_ceil_mode_drops_window_in_padding():
    floor = axis_of(analyze_spec("input 5\nmaxpool k=2 s=2 p=1"), 1)
    ceil = axis_of(analyze_spec("input 5\nmaxpool k=2 s=2 p=1 ceil"), 1)

    # Floor: floor((5 + 2 - 2) / 2) + 1 = 3.
    # Ceil: ceil(5 / 2) + 1 = 4, but window 4 would start at 3 * 2 = 6 >= n + p_b = 6,
    # in the padding after the input, so it is dropped: 3.
    assert floor.output_size == 3
    assert ceil.output_size == 3


def test_ceil_mode_keeps_partial_window():
    floor = axis_of(analyze_spec("input 6\nmaxpool k=3 s=2"), 1)
    ceil = axis_of(analyze_spec("input 6\nmaxpool k=3 s=2 ceil"), 1)

    # Floor: floor(3 / 2) + 1 = 2. Ceil: ceil(3 / 2) + 1 = 3, and window 3 starts at 4 < 6, so it is kept.
    assert floor.output_size == 2
    assert ceil.output_size == 3


def test_clipped_interval_reaches_padding():
    analysis = analyze_spec("input 5\nconv k=3 p=1")

    # Unit 0: u = -1 + 0 = -1, v = 1, clipped to 0..1.
    first = analysis.unit_field(1, [0])
    assert first.interval == ((-1, 1),)
    assert first.clipped == ((0, 1),)
    # Unit 4 (the last): u = -1 + 4 = 3, v = 5, clipped to 3..4.
    last = analysis.unit_field(1, [4])
    assert last.interval == ((3, 5),)
    assert last.clipped == ((3, 4),)


def test_field_entirely_in_padding():
    analysis = analyze_spec("input 3x3\nconv k=1 p=2x0")

    # Height: out = 3 + 4 - 1 + 1 = 7, P = 2. Width: out 3, P = 0.
    assert [a.output_size for a in analysis.layers[0].axes] == [7, 3]
    # Unit (0, 1): height u = v = -2, entirely in the padding, and width 1..1.
    # No input pixel reaches it, so neither axis has a clipped span.
    field = analysis.unit_field(1, [0, 1])
    assert field.interval == ((-2, -2), (1, 1))
    assert field.clipped == (None, None)
    # Unit (6, 1): height u = v = -2 + 6 = 4 > n - 1 = 2, padding after.
    assert analysis.unit_field(1, [6, 1]).clipped == (None, None)
    # Unit (2, 1): height u = v = 0, width 1: pixel (0, 1).
    assert analysis.unit_field(1, [2, 1]).clipped == ((0, 0), (1, 1))


def test_unit_out_of_range():
    analysis = analyze_spec("input 8\nconv k=3")

    # The conv has 8 - 3 + 1 = 6 units, 0 to 5.
    with pytest.raises(RFError) as caught:
        analysis.unit_field(1, [6])
    assert "0 to 5" in caught.value.message
    assert "unit 6" in caught.value.message


def test_unit_out_of_range_on_second_axis():
    analysis = analyze_spec("input 8x4\nconv k=3")

    # Width has 4 - 3 + 1 = 2 units, 0 to 1.
    with pytest.raises(RFError) as caught:
        analysis.unit_field(1, [0, 2])
    assert "axis 2" in caught.value.message
    assert "0 to 1" in caught.value.message


def test_unit_field_invalid_requests():
    analysis = analyze_spec("input 8x8\nconv k=3")

    with pytest.raises(RFError, match="valid layers are 1 to 1"):
        analysis.unit_field(2, [0])
    with pytest.raises(RFError, match="negative"):
        analysis.unit_field(1, [-1])
    with pytest.raises(RFError, match="give one index, or 2"):
        analysis.unit_field(1, [0, 0, 0])


def test_unit_field_without_input_size():
    analysis = analyze_spec("conv k=3 p=1")
    field = analysis.unit_field(1, [10])

    # No size: any index is accepted, u = -1 + 10 = 9, v = 11, nothing to clip to.
    assert field.interval == ((9, 11),)
    assert field.clipped is None


def test_single_unit_index_broadcasts():
    analysis = analyze_spec("input 6x6\nmaxpool k=2 s=2")

    # Unit 2 on both axes: u = 4, v = 5.
    assert analysis.unit_field(1, [2]).interval == ((4, 5), (4, 5))


def test_pool_stride_defaults_to_kernel():
    pool = axis_of(analyze_spec("input 9\navgpool k=3"), 1)

    # s = k = 3: out = floor((9 - 3) / 3) + 1 = 3, S = 3
    assert pool.effective_stride == 3
    assert pool.output_size == 3


def test_pass_through_layer_changes_nothing():
    analysis = analyze_spec("input 10\nconv k=3 s=2 p=1\nrelu\nbatchnorm")
    conv, relu, norm = (axis_of(analysis, index) for index in (1, 2, 3))

    for result in (relu, norm):
        assert result.output_size == conv.output_size
        assert result.receptive_field == conv.receptive_field
        assert result.effective_stride == conv.effective_stride
        assert result.effective_padding == conv.effective_padding


def test_input_size_argument_overrides_spec():
    network = parse_spec("input 5\nconv k=3")

    # 9 - 3 + 1 = 7 instead of 5 - 3 + 1 = 3
    assert axis_of(analyze(network, (9,)), 1).output_size == 7
    assert axis_of(analyze(network), 1).output_size == 3


def test_two_dimensional_size_on_scalar_network():
    analysis = analyze(parse_spec("conv k=3"), (5, 9))

    # Scalar layers broadcast: 5 - 2 = 3 and 9 - 2 = 7.
    assert analysis.num_axes == 2
    assert [a.output_size for a in analysis.layers[0].axes] == [3, 7]


def test_input_size_with_wrong_axis_count():
    network = parse_spec("conv k=3x3")

    with pytest.raises(LayerError, match="give 2 sizes"):
        analyze(network, (8, 8, 8))


@pytest.mark.parametrize("size", [(0,), (-3,), (1_000_000_001,)])
def test_invalid_input_size(size):
    with pytest.raises(LayerError, match="invalid"):
        analyze(Network((Layer("conv", (AxisParams(kernel=1),)),)), size)


def test_output_size_error_names_axis():
    # Height 100 is fine, but width 2 < 3 gives 0 units. The minimum is 3x3.
    with pytest.raises(OutputSizeError) as caught:
        analyze_spec("input 100x2\nconv k=3")
    assert caught.value.minimum_input_size == (3, 3)
    assert "along width" in caught.value.message


def test_clipped_span_skips_unread_trailing_pixels():
    analysis = analyze_spec("input 8\nconv k=3 s=3\nconv k=2 p=0:1")

    # Layer 1: floor((8 - 3) / 3) + 1 = 2 units reading 0..2 and 3..5, so pixels 6
    # and 7 are never read. Layer 2: 2 + 1 - 2 + 1 = 2 units, r = 3 + 1 * 3 = 6,
    # S = 3, P = 0. Unit 1: u = 3, v = 8, clipped to the input 3..7. It reads
    # layer-1 positions 1 and 2, and position 2 is padding, so only unit 1 and
    # its pixels 3..5 reach it.
    field = analysis.unit_field(2, [1])
    assert field.interval == ((3, 8),)
    assert field.clipped == ((3, 5),)


def test_clipped_span_none_when_window_reads_only_padding():
    analysis = analyze_spec("input 5\nconv k=3\nconv k=1 p=1")

    # Layer 1 has 3 units and layer 2 has 3 + 2 = 5. Unit 4 reads layer-1 position
    # 4 - 1 = 3, which is padding, so no input pixel reaches it although its
    # unclipped interval u = -1 + 4 = 3, v = 3 + 3 - 1 = 5 overlaps pixels 3..4.
    field = analysis.unit_field(2, [4])
    assert field.interval == ((3, 5),)
    assert field.clipped == (None,)
