"""Graphs, transposed convolutions, upsampling and the other layer kinds beyond plain chains."""

from __future__ import annotations

import random

import pytest

from rf_core import LayerError, RFError, SpecError, analyze, parse_spec
from rf_core.render import to_text

RESNET_EXAMPLE = """\
input 8
conv k=1 name=a
conv k=3 s=2 p=1 name=b
conv k=1 name=c
conv k=1 s=2 name=shortcut from=input
add from=c,shortcut name=out
"""


def test_resnet_block_example():
    result = analyze(parse_spec(RESNET_EXAMPLE)).layer("out").axes[0]

    # Main path: a has r = 1; b: r = 1 + (3 - 1) * 1 = 3, S = 2, P = 1; c keeps them.
    # Shortcut: r = 1, S = 2, P = 0. Both centre unit 0 at 0: -1 + (3 - 1) / 2 = 0
    # and -0 + 0 / 2 = 0, so they align and the merge takes the larger r = 3.
    assert result.receptive_field == 3
    assert result.effective_stride == 2
    assert result.start == 0
    # Output: floor((8 + 2 - 3) / 2) + 1 = 4 and floor((8 - 1) / 2) + 1 = 4.
    assert result.output_size == 4


def test_resnet_block_has_no_alignment_note():
    analysis = analyze(parse_spec(RESNET_EXAMPLE))

    assert analysis.layer("out").notes == ()


TRANSPOSED_EXAMPLE = "input 8\nconv k=3 s=2 p=1 name=down\nconvt k=4 s=2 p=1 name=up\n"


def test_transposed_conv_sizes():
    analysis = analyze(parse_spec(TRANSPOSED_EXAMPLE))

    # down: floor((8 + 2 - 3) / 2) + 1 = 4; up: (4 - 1) * 2 - 2 + 4 = 8.
    assert analysis.layer("down").axes[0].output_size == 4
    assert analysis.layer("up").axes[0].output_size == 8


def test_transposed_conv_fields_shared_in_pairs():
    up = analyze(parse_spec(TRANSPOSED_EXAMPLE)).layer("up").axes[0]

    # Output unit o of the convt reads down-units i with o = 2 i - 1 + t, t in 0..3:
    # o = 0 reads i = -1, 0; o = 1 and o = 2 read i = 0, 1; o = 3 and o = 4 read 1, 2.
    # Down-unit i sees [2 i - 1, 2 i + 1], so o = 0 sees [-3, 1] and o = 1, 2 see [-1, 3].
    assert up.interval(0) == (-3, 1)
    assert up.interval(1) == (-1, 3)
    assert up.interval(2) == (-1, 3)
    assert up.interval(3) == (1, 5)
    assert up.interval(4) == (1, 5)
    assert up.receptive_field == 5
    assert up.effective_stride == 1


def test_upsample_effective_stride_is_fraction():
    result = analyze(parse_spec("input 4\nupsample f=3")).layers[0].axes[0]

    # Three output units share each input pixel, so the fields move 1/3 pixel per unit on average.
    assert str(result.effective_stride) == "1/3"
    assert result.interval(2) == (0, 0)
    assert result.interval(3) == (1, 1)
    assert result.output_size == 12


def test_varying_field_is_reported():
    text = to_text(analyze(parse_spec("input 8\nconv k=3 s=2 p=1\nconvt k=3 s=2 p=1 op=1 name=up")))

    # up phase 0 reads one down-unit (field 3 pixels); phase 1 reads two (field 5 pixels).
    assert "varies from 3 to 5" in text


MISALIGNED = """\
input 8
conv k=2 s=2 name=left
conv k=3 p=1 name=right from=input
conv k=1 s=2 name=right2
add from=left,right2 name=merge
"""


def test_misaligned_merge_names_inputs_and_values():
    analysis = analyze(parse_spec(MISALIGNED))
    notes = analysis.layer("merge").notes

    # left: r = 2, S = 2, unit 0 centred at (0 + 1) / 2 = 0.5.
    # right2: r = 3, S = 2, P = 1, unit 0 centred at -1 + (3 - 1) / 2 = 0.
    assert len(notes) == 1
    assert "'left' and 'right2'" in notes[0]
    assert "centred at 0.5 and 0" in notes[0]
    # Both have S = 2, so the union is evenly placed: [2 i - 1, 2 i + 1] for every unit.
    assert "same size and spacing for every unit" in notes[0]


def test_misaligned_merge_interval_is_union():
    merge = analyze(parse_spec(MISALIGNED)).layer("merge").axes[0]

    # Unit 1: left sees [2, 3]; right2 sees right-unit 2, which sees [1, 3]. Union [1, 3].
    assert merge.interval(1) == (1, 3)


def test_different_strides_merge_reports_both():
    spec = "input 8\nconv k=1 s=2 name=a\nconv k=5 name=b from=input\nadd from=a,b name=m\n"
    analysis = analyze(parse_spec(spec))
    merge = analysis.layer("m").axes[0]

    assert merge.effective_stride is None
    assert "effective strides 2 and 1" in analysis.layer("m").notes[0]
    assert "changes from unit to unit" in analysis.layer("m").notes[0]
    # a-unit i sees [2 i, 2 i]; b-unit i sees [i, i + 4]. Unit 3: union of [6, 6] and [3, 7].
    assert merge.interval(3) == (3, 7)


def test_concat_of_inception_branches():
    spec = (
        "input 17\n"
        "conv k=1 name=b1 from=input\n"
        "conv k=1 name=b2a from=input\n"
        "conv k=1x7 p=0x3 name=b2b\n"
        "conv k=7x1 p=3x0 name=b2c\n"
        "avgpool k=3 s=1 p=1 name=b3a from=input\n"
        "conv k=1 name=b3b\n"
        "concat from=b1,b2c,b3b name=mixed\n"
    )
    mixed = analyze(parse_spec(spec)).layer("mixed")

    # The 1x7 then 7x1 branch sees 7 x 7 pixels, the pooling branch 3 x 3, all centred alike.
    assert [axis.receptive_field for axis in mixed.axes] == [7, 7]
    assert [axis.output_size for axis in mixed.axes] == [17, 17]
    assert mixed.notes == ()


def test_merge_needs_two_inputs():
    with pytest.raises(LayerError) as caught:
        parse_spec("conv k=3 name=a\nadd from=a")

    assert caught.value.line == 2
    assert "from=a,b" in caught.value.message


def test_from_unknown_name():
    with pytest.raises(LayerError) as caught:
        parse_spec("conv k=3 name=a\nconv k=1 from=b")

    assert caught.value.line == 2
    assert "'b'" in caught.value.message


def test_merge_size_mismatch_names_sizes():
    with pytest.raises(LayerError) as caught:
        analyze(parse_spec("input 8\nconv k=3 name=a\nconv k=1 name=b from=input\nadd from=a,b"))

    # a has 8 - 3 + 1 = 6 units, b has 8.
    assert "'a' has 6" in caught.value.message
    assert "'b' has 8" in caught.value.message


def test_global_pool_needs_input_size():
    result = analyze(parse_spec("conv k=3\nglobalpool")).layers[1].axes[0]

    assert result.receptive_field is None
    assert "whole input" in result.unknown["receptive_field"]


def test_global_pool_sees_whole_input():
    result = analyze(parse_spec("input 10\nconv k=3 p=1\nglobalpool")).layers[1].axes[0]

    # One unit over all 10 conv units, which see [-1, 1] to [8, 10].
    assert result.output_size == 1
    assert result.interval(0) == (-1, 10)


def test_shared_unknown_padding_keeps_merge_field():
    spec = "conv k=3 s=2 p=same name=stem\nconv k=3 p=1 name=a\nconv k=1 name=b from=stem\nadd from=a,b name=m\n"
    merge = analyze(parse_spec(spec)).layer("m").axes[0]

    # Both paths start from the same unknown padding, so their fields stay comparable:
    # a: r = 3 + 2 * 2 = 7; b: r = 3. The position itself stays unknown.
    assert merge.receptive_field == 7
    assert merge.effective_padding is None


def test_convt_rejects_same_padding():
    with pytest.raises(SpecError) as caught:
        parse_spec("convt k=4 s=2 p=same")

    assert caught.value.column == 15


def test_output_padding_limit():
    with pytest.raises(LayerError) as caught:
        parse_spec("convt k=3 s=2 op=2")

    assert "smaller than its stride" in caught.value.message


# --- PyTorch cross-check, unit by unit ------------------------------------------------

torch = pytest.importorskip("torch")
functional = torch.nn.functional


def _draw_block(rng: random.Random, size: int) -> tuple[str, object, int] | None:
    """Draw one step: its spec lines, a torch function and the new size; None when it does not fit."""
    kind = rng.choice(["conv", "convt", "upsample", "pad", "crop", "adaptive", "residual"])
    if kind == "conv":
        kernel = rng.randint(1, 4)
        stride = rng.randint(1, kernel)
        pad = rng.randint(0, kernel - 1)
        new = (size + 2 * pad - kernel) // stride + 1
        weight = torch.full((1, 1, kernel), 1.0 / kernel, dtype=torch.float64)
        return f"conv k={kernel} s={stride} p={pad}", lambda x: functional.conv1d(x, weight, stride=stride, padding=pad), new
    if kind == "convt":
        stride = rng.randint(1, 3)
        # kernel >= stride keeps every output unit connected, so no unit has an empty field.
        kernel = rng.randint(stride, stride + 2)
        pad = rng.randint(0, kernel - 1)
        output_padding = rng.randint(0, stride - 1)
        new = (size - 1) * stride - 2 * pad + kernel + output_padding
        weight = torch.full((1, 1, kernel), 1.0 / kernel, dtype=torch.float64)

        def transposed(x):
            return functional.conv_transpose1d(x, weight, stride=stride, padding=pad, output_padding=output_padding)

        return f"convt k={kernel} s={stride} p={pad} op={output_padding}", transposed, new
    if kind == "upsample":
        factor = rng.randint(2, 3)
        return f"upsample f={factor}", lambda x: functional.interpolate(x, scale_factor=factor, mode="nearest"), size * factor
    if kind == "pad":
        before, after = rng.randint(0, 2), rng.randint(0, 2)
        return f"pad p={before}:{after}", lambda x: functional.pad(x, (before, after)), size + before + after
    if kind == "crop":
        before, after = rng.randint(0, 2), rng.randint(0, 2)
        return f"crop c={before}:{after}", lambda x: x[..., before : x.shape[-1] - after], size - before - after
    if kind == "adaptive":
        target = rng.randint(1, max(1, size))
        return f"adaptivepool o={target}", lambda x: functional.adaptive_avg_pool1d(x, target), target
    # A residual block: 3-tap conv with stride s and padding 1 beside a 1-tap conv with
    # stride s; both give floor((n - 1) / s) + 1 units.
    stride = rng.randint(1, 2)
    new = (size - 1) // stride + 1
    three = torch.full((1, 1, 3), 1.0 / 3, dtype=torch.float64)
    one = torch.ones((1, 1, 1), dtype=torch.float64)
    return (
        f"conv k=3 s={stride} p=1 name=main{{n}}\nconv k=1 s={stride} name=skip{{n}} from=prev{{n}}\nadd from=main{{n}},skip{{n}}",
        lambda x: functional.conv1d(x, three, stride=stride, padding=1) + functional.conv1d(x, one, stride=stride),
        new,
    )


def _draw_network(rng: random.Random) -> tuple[str, list, int, int]:
    size = rng.randint(6, 20)
    lines = [f"input {size}", "identity name=prev0"]
    steps = []
    current = size
    for number in range(rng.randint(1, 5)):
        drawn = _draw_block(rng, current)
        if drawn is None or drawn[2] < 1 or drawn[2] > 400:
            continue
        text, function, current = drawn
        lines.append(text.replace("{n}", str(number)))
        lines.append(f"identity name=prev{number + 1}")
        steps.append(function)
    return "\n".join(lines) + "\n", steps, size, current


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(120))
def test_random_graph_units_match_torch(seed):
    rng = random.Random(seed)
    spec, steps, size, final = _draw_network(rng)
    analysis = analyze(parse_spec(spec))
    last = analysis.layers[-1]
    assert last.axes[0].output_size == final, spec

    x = torch.rand((1, 1, size), dtype=torch.float64) + 0.5
    x.requires_grad_(True)
    output = x
    for step in steps:
        output = step(output)
    assert output.shape[-1] == final, spec

    # Every unit, so both phases of every transposed convolution and upsampling are covered.
    for unit in range(final):
        x.grad = None
        output[0, 0, unit].backward(retain_graph=True)
        reached = torch.nonzero(x.grad[0, 0]).flatten().tolist()
        field = analysis.unit_field(len(analysis.layers), [unit])
        clipped = field.clipped[0] if field.clipped else None
        if not reached:
            assert clipped is None, f"{spec}unit {unit}: torch reaches nothing, rf_core {clipped}"
            continue
        assert clipped == (reached[0], reached[-1]), f"{spec}unit {unit}: torch {reached}, rf_core {clipped}"


def test_random_graph_spans_every_kind():
    kinds = set()
    for seed in range(120):
        spec, _, _, _ = _draw_network(random.Random(seed))
        kinds.update(line.split()[0] for line in spec.splitlines())

    assert {"conv", "convt", "upsample", "pad", "crop", "adaptivepool", "add"} <= kinds


def test_error_family_for_graph_inputs():
    with pytest.raises(RFError):
        parse_spec("add from=input,input,nothing")


@pytest.mark.parametrize("seed", range(60))
def test_clipped_shortcut_equals_trace(seed):
    from rf_core.tracing import trace_region

    rng = random.Random(1000 + seed)
    spec, _, _, _ = _draw_network(rng)
    analysis = analyze(parse_spec(spec))

    # Layers with exact edges clip their interval instead of tracing; both must agree.
    for result in analysis.layers:
        for unit in range(result.axes[0].output_size):
            traced = trace_region(analysis.layers, result.index, [unit])
            expected = traced if traced is not None else (None,)
            assert analysis.unit_field(result.index, [unit]).clipped == expected, f"{spec}layer {result.index} unit {unit}"


def test_resnet_block_uses_clipping_shortcut():
    analysis = analyze(parse_spec(RESNET_EXAMPLE))

    # The main path covers the 1x1 stride-2 shortcut, which leaves the last row
    # unread: b's last unit reads rows 5..7 (3 * 2 - 1 = 5), the shortcut's only row 6.
    assert analysis.layer("out").axes[0].edges_exact
    assert not analysis.layer("shortcut").axes[0].edges_exact
