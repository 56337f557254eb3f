"""Cross-check rf_core against PyTorch on random single-path networks.

Each network is built twice in torch, in float64 with all weights 1 and no bias.
The first build runs as written and checks every layer's output shape against
rf_core's output sizes. The second is back-propagated from one output unit, and
the input pixels with a non-zero gradient are compared with rf_core's interval.
The input is positive and every weight is positive, so no gradient cancels to 0.

rf_core's unclipped interval [u, v] counts the padding of hidden layers as if it
held units, but padding passes no gradient back. So an end u >= 0 (v <= n - 1)
is reached only where the unit's window reads units that exist at every layer,
which is where rf_core's traced span (`UnitField.clipped`) keeps that end.
"""

from __future__ import annotations

import random

import pytest

from helpers import LayerDraw, draw_network, spec_text, tf_same_padding
from rf_core import LayerError, analyze, parse_spec

torch = pytest.importorskip("torch")
functional = torch.nn.functional

pytestmark = pytest.mark.torch

NETWORK_COUNT = 200

CONV = {1: functional.conv1d, 2: functional.conv2d}
MAX_POOL = {1: functional.max_pool1d, 2: functional.max_pool2d}
AVG_POOL = {1: functional.avg_pool1d, 2: functional.avg_pool2d}


def pad_axes(x, pads: list[tuple[int, int]]):
    """Zero-pad the spatial axes of x, given (before, after) per axis, height first."""
    flat: list[int] = []
    for before, after in reversed(pads):
        flat.extend((before, after))
    return functional.pad(x, flat)


def ones_kernel(layer: LayerDraw):
    return torch.ones((1, 1, *layer.kernel), dtype=torch.float64)


def apply_conv(x, layer: LayerDraw):
    conv = CONV[layer.num_axes]
    if layer.padding is None and all(stride == 1 for stride in layer.stride):
        # torch's own padding="same" (stride 1 only) puts the odd pixel after, as TensorFlow does.
        return conv(x, ones_kernel(layer), padding="same", dilation=layer.dilation)
    if layer.padding is None:
        pads = [
            tf_same_padding(size, kernel, stride, dilation)
            for size, kernel, stride, dilation in zip(x.shape[2:], layer.kernel, layer.stride, layer.dilation)
        ]
    else:
        pads = list(layer.padding)
    # torch's conv pads both sides alike, so asymmetric padding is done by F.pad first.
    return conv(pad_axes(x, pads), ones_kernel(layer), stride=layer.stride, dilation=layer.dilation)


def pool_padding(layer: LayerDraw) -> tuple[int, ...]:
    return tuple(before for before, _ in layer.padding)


def apply_avg_pool(x, layer: LayerDraw):
    # count_include_pad=True makes every divisor positive, also for a ceil-mode
    # window that reaches past the padding, so every input of a window gets gradient.
    return AVG_POOL[layer.num_axes](
        x, layer.kernel, layer.stride, pool_padding(layer), ceil_mode=layer.ceil_mode, count_include_pad=True
    )


def apply_max_pool(x, layer: LayerDraw):
    return MAX_POOL[layer.num_axes](
        x, layer.kernel, layer.stride, pool_padding(layer), layer.dilation, ceil_mode=layer.ceil_mode
    )


def apply_max_pool_for_gradient(x, layer: LayerDraw):
    """Replace max pooling by a window of the same geometry that spreads gradient to every input.

    Max pooling routes the gradient of a window to its largest input only, so the
    reached pixels would depend on the data. Average pooling has the same
    geometry, ceil mode included, and gives every input of the window a share.
    AvgPool has no dilation, so a dilated max pool becomes a convolution with
    weights 1 and the same dilation. Conv has no ceil mode, so the extra windows
    of ceil mode get zero padding after the input.
    """
    if all(dilation == 1 for dilation in layer.dilation):
        return apply_avg_pool(x, layer)
    output_sizes = apply_max_pool(x.detach(), layer).shape[2:]
    pads = []
    for axis, (size, outputs) in enumerate(zip(x.shape[2:], output_sizes)):
        pad = layer.padding[axis][0]
        needed = (outputs - 1) * layer.stride[axis] + layer.effective_kernel(axis)
        pads.append((pad, pad + max(needed - (size + 2 * pad), 0)))
    return CONV[layer.num_axes](pad_axes(x, pads), ones_kernel(layer), stride=layer.stride, dilation=layer.dilation)


def run_network(x, layers: list[LayerDraw], *, for_gradient: bool) -> list:
    """Return the output of every layer."""
    outputs = []
    for layer in layers:
        if layer.kind == "conv":
            x = apply_conv(x, layer)
        elif layer.kind == "avgpool":
            x = apply_avg_pool(x, layer)
        elif for_gradient:
            x = apply_max_pool_for_gradient(x, layer)
        else:
            x = apply_max_pool(x, layer)
        outputs.append(x)
    return outputs


def has_no_holes(layers: list[LayerDraw], axis: int) -> bool:
    """Whether every window reads all pixels between its ends and touches the next one.

    Dilation skips pixels inside a window, and a stride above the kernel skips
    pixels between windows. Pixels that no window reads are holes, so in general
    a clipped end can fall on a hole that no gradient reaches.
    """
    return all(layer.dilation[axis] == 1 and layer.stride[axis] <= layer.kernel[axis] for layer in layers)


def units_to_check(rng: random.Random, sizes: list[int]) -> list[tuple[int, ...]]:
    """Return the first, last and central unit, and two random ones."""
    units = {
        tuple(0 for _ in sizes),
        tuple(size - 1 for size in sizes),
        tuple(size // 2 for size in sizes),
    }
    for _ in range(2):
        units.add(tuple(rng.randrange(size) for size in sizes))
    return sorted(units)


def reached_positions(gradient, axis: int) -> list[int]:
    """Return the positions along `axis` where any input gradient is non-zero."""
    mask = gradient != 0
    other_axes = [dim for dim in range(mask.dim()) if dim != axis]
    if other_axes:
        mask = mask.any(dim=other_axes[0])
    return torch.nonzero(mask).flatten().tolist()


def check_unit(analysis, layers, layer_index, unit, gradient, description):
    """Compare the input gradient of one unit with rf_core's field for it."""
    field = analysis.unit_field(layer_index, unit)
    per_axis = [reached_positions(gradient, axis) for axis in range(gradient.dim())]

    # An axis whose field lies entirely in padding leaves the unit with no input pixel.
    if any(span is None for span in field.clipped):
        assert per_axis[0] == [], f"{description}: rf_core span {field.clipped}, but torch reaches pixels"
        return

    # With holes, a span can hold only pixels that no window reads. One such axis
    # leaves the whole gradient zero, and then no axis shows where it reaches.
    if (gradient == 0).all():
        explained = [
            axis
            for axis, (first, last) in enumerate(field.interval)
            if not has_no_holes(layers[:layer_index], axis)
            and field.clipped[axis][0] != first
            and field.clipped[axis][1] != last
        ]
        assert explained, f"{description}: rf_core span {field.clipped}, but torch reaches no pixel"
        return

    # Every layer works along each axis separately, so the reached pixels form a
    # grid: the product of the positions reached along each axis.
    count = 1
    for reached in per_axis:
        count *= len(reached)
    assert (gradient != 0).sum().item() == count, description

    for axis, reached in enumerate(per_axis):
        where = f"{description}, axis {axis}: reached {reached[:3]}..{reached[-3:]}"
        first, last = field.interval[axis]
        span = field.clipped[axis]
        assert reached == [] or span[0] <= reached[0], f"{where}, rf_core span {span}"
        assert reached == [] or reached[-1] <= span[1], f"{where}, rf_core span {span}"

        # An unclipped end u >= 0 (v <= n - 1) is reached when the unit's window
        # reads units that exist at every layer, and only then does rf_core's span
        # keep u (v). A window that reads only an earlier layer's padding reaches
        # nothing, although its u may be >= 0.
        if span[0] == first:
            assert reached and reached[0] == first, f"{where}, rf_core u = {first}"
        if span[1] == last:
            assert reached and reached[-1] == last, f"{where}, rf_core v = {last}"

        if has_no_holes(layers[:layer_index], axis):
            assert reached == list(range(span[0], span[1] + 1)), f"{where}, rf_core span {span}"


# torch warns that padding="same" with an even kernel copies the input, which changes no value.
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize("seed", range(NETWORK_COUNT))
def test_random_network_matches_torch(seed):
    rng = random.Random(seed)
    num_axes = 1 + seed % 2
    size, layers = draw_network(
        rng,
        num_axes,
        max_input=150 if num_axes == 1 else 40,
        no_holes=seed % 3 == 0,
    )
    spec = spec_text(size, layers)
    analysis = analyze(parse_spec(spec))

    generator = torch.Generator().manual_seed(seed)
    x = torch.rand((1, 1, *size), dtype=torch.float64, generator=generator) + 0.5
    with torch.no_grad():
        plain_outputs = run_network(x, layers, for_gradient=False)
    x.requires_grad_(True)
    gradient_outputs = run_network(x, layers, for_gradient=True)

    for result, plain, for_gradient in zip(analysis.layers, plain_outputs, gradient_outputs):
        sizes = [axis_result.output_size for axis_result in result.axes]
        assert list(plain.shape[2:]) == sizes, f"layer {result.index} of\n{spec}"
        assert list(for_gradient.shape[2:]) == sizes, f"layer {result.index} (gradient network) of\n{spec}"

    for result, output in zip(analysis.layers, gradient_outputs):
        sizes = [axis_result.output_size for axis_result in result.axes]
        for unit in units_to_check(rng, sizes):
            (gradient,) = torch.autograd.grad(output[(0, 0, *unit)], x, retain_graph=True)
            description = f"layer {result.index}, unit {unit} of\n{spec}"
            check_unit(analysis, layers, result.index, unit, gradient[0, 0], description)


def input_gradient(x, output, unit: int) -> list[int]:
    """Return the input positions of a 1-D network that reach output `unit`."""
    (gradient,) = torch.autograd.grad(output[0, 0, unit], x)
    return torch.nonzero(gradient[0, 0]).flatten().tolist()


def test_unread_trailing_pixels_match_torch():
    # Layer 1 reads pixels 0..5 of 8. Unit 1 of layer 2 reads layer-1 unit 1 and
    # padding, so only pixels 3..5 reach it although u = 3, v = 8.
    x = torch.ones((1, 1, 8), dtype=torch.float64, requires_grad=True)
    hidden = functional.conv1d(x, torch.ones((1, 1, 3), dtype=torch.float64), stride=3)
    output = functional.conv1d(functional.pad(hidden, (0, 1)), torch.ones((1, 1, 2), dtype=torch.float64))

    field = analyze(parse_spec("input 8\nconv k=3 s=3\nconv k=2 p=0:1")).unit_field(2, [1])
    assert field.interval == ((3, 8),)
    assert input_gradient(x, output, 1) == [3, 4, 5]
    assert field.clipped == ((3, 5),)


def test_window_in_hidden_padding_matches_torch():
    # Unit 4 of layer 2 reads only layer 1's padding: u = 3 >= 0, yet no pixel reaches it.
    x = torch.ones((1, 1, 5), dtype=torch.float64, requires_grad=True)
    hidden = functional.conv1d(x, torch.ones((1, 1, 3), dtype=torch.float64))
    output = functional.conv1d(hidden, torch.ones((1, 1, 1), dtype=torch.float64), padding=1)

    field = analyze(parse_spec("input 5\nconv k=3\nconv k=1 p=1")).unit_field(2, [4])
    assert field.interval == ((3, 5),)
    assert input_gradient(x, output, 4) == []
    assert field.clipped == (None,)


def test_ceil_mode_drop_matches_torch():
    # n = 5, k = 2, s = 2, p = 1: the fourth ceil-mode window would start in the
    # padding after the input and is dropped, leaving 3 units.
    x = torch.ones((1, 1, 5), dtype=torch.float64)
    torch_size = functional.max_pool1d(x, 2, 2, 1, ceil_mode=True).shape[-1]

    analysis = analyze(parse_spec("input 5\nmaxpool k=2 s=2 p=1 ceil"))
    assert analysis.layers[0].axes[0].output_size == torch_size == 3


def test_dilated_max_pool_padding_limit_matches_torch():
    # k = 2, d = 3: the window spans 3 * 1 + 1 = 4 pixels, but torch 2.13 limits
    # the padding to half the kernel size without dilation, 2 // 2 = 1.
    x = torch.ones((1, 1, 10), dtype=torch.float64)
    with pytest.raises(RuntimeError, match="half of kernel size"):
        functional.max_pool1d(x, 2, 1, 2, 3)

    with pytest.raises(LayerError, match="at most 1"):
        parse_spec("maxpool k=2 s=1 d=3 p=2")
    assert parse_spec("maxpool k=2 s=1 d=3 p=1").layers[0].axes[0].pad_before == 1
