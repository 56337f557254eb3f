"""Path counts (the effective receptive field under uniform weights): hand-worked
cases, graphs, and a cross-check against PyTorch's gradients."""

from __future__ import annotations

import random

import pytest

from helpers import draw_network, spec_text
from rf_core import RFError, analyze, parse_spec
from rf_core.diagram_paths import path_counts
from rf_core.layers import WINDOW_KINDS


def test_two_boxes_give_triangle() -> None:
    analysis = analyze(parse_spec("input 7\nconv k=3\nconv k=3"))
    # Unit 2 of layer 2 reads layer 1 units 2..4; each reads its 3 pixels: 1, 2, 3, 2, 1 over pixels 2..6.
    assert path_counts(analysis, 2, 2) == [0, 0, 1, 2, 3, 2, 1]


def test_padding_passes_no_paths() -> None:
    analysis = analyze(parse_spec("input 5\nconv k=3 p=1\nconv k=3 p=1"))
    # Unit 0 reads layer 1 units -1 (padding), 0, 1; unit 0 reads pixels 0, 1 and unit 1 reads 0, 1, 2.
    assert path_counts(analysis, 2, 0) == [2, 2, 1, 0, 0]


def test_dilation_leaves_zero_holes() -> None:
    analysis = analyze(parse_spec("input 9\nconv k=3 d=2\nconv k=3 d=2"))
    # Taps 2 (t1 + t2): pixel 2m is reached by the pairs with t1 + t2 = m: 1, 2, 3, 2, 1.
    assert path_counts(analysis, 2, 0) == [1, 0, 2, 0, 3, 0, 2, 0, 1]


def test_2d_counts_are_outer_product() -> None:
    analysis = analyze(parse_spec("input 4x5\nconv k=2x3"))
    # A 2x3 box of ones: unit 1,1 reads rows 1..2 and columns 1..3 once each.
    assert path_counts(analysis, 1, (1, 1)) == [
        [0, 0, 0, 0, 0],
        [0, 1, 1, 1, 0],
        [0, 1, 1, 1, 0],
        [0, 0, 0, 0, 0],
    ]


def test_add_sums_both_branches() -> None:
    spec = "input 6\nconv k=3 p=1 name=a\nadd from=a,input"
    # Branch a reads pixels 1, 2, 3 for unit 2; the shortcut reads pixel 2 once more.
    assert path_counts(analyze(parse_spec(spec)), 2, 2) == [0, 1, 2, 1, 0, 0]


def test_accepts_network_and_needs_input_size() -> None:
    assert path_counts(parse_spec("input 3\nconv k=3"), 1, 0) == [1, 1, 1]
    with pytest.raises(RFError, match="input size"):
        path_counts(parse_spec("conv k=3"), 1, 0)


def test_rejects_unit_out_of_range() -> None:
    with pytest.raises(RFError, match="unit 5 is out of range"):
        path_counts(analyze(parse_spec("input 7\nconv k=3")), 1, 5)


# --- PyTorch cross-check ----------------------------------------------------------


def torch_forward(torch, x, analysis):
    """Run the network in torch with every weight 1, pooling as a sum over its window."""
    functional = torch.nn.functional
    num_axes = analysis.num_axes
    conv = {1: functional.conv1d, 2: functional.conv2d}[num_axes]
    conv_transpose = {1: functional.conv_transpose1d, 2: functional.conv_transpose2d}[num_axes]
    for result in analysis.layers:
        layer = result.layer
        params = [layer.axis(axis) for axis in range(num_axes)]
        kernel = torch.ones((1, 1, *(p.kernel for p in params)), dtype=torch.float64)
        if layer.kind in WINDOW_KINDS:
            pads = []
            for axis, p in enumerate(params):
                window = result.windows[axis]
                size, units = result.axes[axis].input_size, result.axes[axis].output_size
                # Ceil mode's last window may reach past the padding; extra zeros let conv produce it.
                extra = max(0, (units - 1) * p.stride + p.effective_kernel - (size + window.pad_before + window.pad_after))
                pads.append((window.pad_before, window.pad_after + extra))
            flat = [value for before, after in reversed(pads) for value in (before, after)]
            x = conv(functional.pad(x, flat), kernel, stride=[p.stride for p in params], dilation=[p.dilation for p in params])
        elif layer.kind == "convt":
            x = conv_transpose(
                x,
                kernel,
                stride=[p.stride for p in params],
                padding=[p.pad_before for p in params],
                output_padding=[p.output_padding for p in params],
                dilation=[p.dilation for p in params],
            )
        elif layer.kind == "upsample":
            x = functional.interpolate(x, scale_factor=[float(p.factor) for p in params], mode="nearest")
        else:
            assert layer.is_pass_through, layer.kind
    return x


def torch_gradient(torch, analysis, unit: tuple[int, ...]):
    x = torch.ones((1, 1, *analysis.input_size), dtype=torch.float64, requires_grad=True)
    output = torch_forward(torch, x, analysis)
    assert tuple(output.shape[2:]) == tuple(axis.output_size for axis in analysis.layers[-1].axes)
    output[(0, 0, *unit)].backward()
    return x.grad[0, 0]


HAND_PICKED = [
    "input 20\nconv k=3 d=2\nconv k=3 s=2 p=1\nconv k=3 p=same\nconv k=2 s=3",
    "input 11\nmaxpool k=2 s=2 p=1 ceil\nconv k=3 d=3 p=2\navgpool k=3 s=2 ceil",
    "input 6\nconvt k=4 s=2 p=1\nconv k=3 p=1\nconvt k=3 s=3 d=2",
    "input 5\nupsample f=2\nconv k=3\nrelu\nconv k=2 s=2",
    "input 9x7\nconv k=3x2 s=2x1 p=1:0x1\nconv k=3 d=2 p=same\nmaxpool k=2 ceil",
    "input 6x5\nconvt k=3 s=2 p=1 op=1\nupsample f=2\nconv k=5 s=3 p=2",
]


@pytest.mark.torch
@pytest.mark.parametrize("spec", HAND_PICKED)
def test_path_counts_equal_torch_gradient(spec: str) -> None:
    torch = pytest.importorskip("torch")
    analysis = analyze(parse_spec(spec))
    last = analysis.layers[-1]
    sizes = [axis.output_size for axis in last.axes]
    for indices in ((0,) * len(sizes), tuple(size // 2 for size in sizes), tuple(size - 1 for size in sizes)):
        expected = torch_gradient(torch, analysis, indices)
        counts = torch.tensor(path_counts(analysis, len(analysis.layers), indices), dtype=torch.float64)
        assert torch.equal(counts, expected), f"unit {indices}: rf_core {counts.tolist()} != torch {expected.tolist()}"


@pytest.mark.torch
@pytest.mark.parametrize("num_axes", [1, 2])
def test_path_counts_equal_torch_on_random_networks(num_axes: int) -> None:
    torch = pytest.importorskip("torch")
    rng = random.Random(20160 + num_axes)
    for _ in range(40):
        size, layers = draw_network(rng, num_axes, max_layers=4, max_input=24)
        spec = spec_text(size, layers)
        analysis = analyze(parse_spec(spec))
        unit = tuple(rng.randrange(axis.output_size) for axis in analysis.layers[-1].axes)
        expected = torch_gradient(torch, analysis, unit)
        counts = torch.tensor(path_counts(analysis, len(analysis.layers), unit), dtype=torch.float64)
        assert torch.equal(counts, expected), f"{spec}unit {unit}: rf_core {counts.tolist()} != torch {expected.tolist()}"
