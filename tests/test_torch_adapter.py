"""Cross-check `rf_core.torch_adapter` against PyTorch on small hand-built modules.

Each module is imported with `network_from_module` and checked two ways:

- every leaf module's output shape in a torch forward pass equals rf_core's
  output size for the layer named after that module's path;
- the input pixels that reach one output unit, measured as the non-zero input
  gradient, span rf_core's clipped interval for that unit. For the gradient the
  model runs in float64 with positive weights, zero biases and a positive input,
  so no contribution cancels. Average pooling replaces max pooling because it
  has the same geometry but sends gradient to every input of a window.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rf_core import RFError, analyze, parse_spec
from rf_core.spec_writer import layer_name

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

from rf_core.torch_adapter import network_from_module, spec_from_module  # noqa: E402

pytestmark = pytest.mark.torch


def leaf_output_shapes(model, input_shape) -> dict[str, tuple[int, ...]]:
    """Return the output shape of every leaf module's first call, keyed by module path."""
    shapes: dict[str, tuple[int, ...]] = {}

    def record(path: str, output) -> None:
        shapes.setdefault(path, tuple(output.shape))

    hooks = []
    for path, module in model.named_modules():
        if path and not list(module.children()):
            hooks.append(module.register_forward_hook(lambda _module, _inputs, output, path=path: record(path, output)))
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(input_shape))
    finally:
        for hook in hooks:
            hook.remove()
    return shapes


def assert_sizes_match_torch(model, input_shape, analysis) -> None:
    """Check rf_core's output size of every leaf module against torch's output shape."""
    shapes = leaf_output_shapes(model, input_shape)
    assert shapes, "the model has no leaf modules"
    spatial_axes = len(input_shape) - 2
    for path, shape in shapes.items():
        if len(shape) != 2 + spatial_axes:
            continue  # a flattened tensor has no spatial size
        result = analysis.layer(layer_name(path))
        sizes = tuple(axis.output_size for axis in result.axes)
        assert sizes == shape[2:], f"{path}: rf_core {sizes}, torch {shape[2:]}"


def prepare_for_gradient(model):
    """Return the model in float64 eval mode with positive weights and zero biases."""
    model = model.double().eval()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("bias"):
                parameter.zero_()
            else:
                parameter.copy_(torch.rand(parameter.shape, generator=generator, dtype=torch.float64) * 0.9 + 0.1)
    return model


def gradient_span(model, input_shape, unit: tuple[int, ...]) -> tuple[tuple[int, int] | None, ...]:
    """Return, per spatial axis, the first and last input position whose gradient is non-zero."""
    generator = torch.Generator().manual_seed(1)
    x = (torch.rand(input_shape, generator=generator, dtype=torch.float64) + 0.5).requires_grad_()
    output = model(x)
    output[(0, slice(None), *unit)].sum().backward()
    reached = x.grad[0].abs().sum(dim=0) != 0
    spans = []
    for axis in range(reached.dim()):
        other_axes = [dim for dim in range(reached.dim()) if dim != axis]
        positions = torch.nonzero(reached.any(dim=other_axes[0]) if other_axes else reached).flatten().tolist()
        if len(other_axes) > 1:
            positions = torch.nonzero(reached.amax(dim=tuple(other_axes))).flatten().tolist()
        spans.append((positions[0], positions[-1]) if positions else None)
    return tuple(spans)


def assert_field_matches_gradient(model, input_shape, unit=None, *, layer=None) -> None:
    """Compare rf_core's clipped field of one output unit with the torch gradient.

    `unit` defaults to the central unit of the last layer's output.
    """
    analysis = analyze(network_from_module(model, input_shape))
    result = analysis.layers[-1] if layer is None else analysis.layer(layer)
    if unit is None:
        unit = tuple(axis.output_size // 2 for axis in result.axes)
    field = analysis.unit_field(result.index, unit)
    measured = gradient_span(prepare_for_gradient(model), input_shape, unit)
    assert field.clipped == measured, f"unit {unit}: rf_core {field.clipped}, torch gradient {measured}"


# Hand-built modules.


def chain(pool=nn.MaxPool2d):
    return nn.Sequential(
        nn.Conv2d(3, 4, 5, stride=2, padding=2),
        nn.BatchNorm2d(4),
        nn.ReLU(inplace=True),
        pool(3, 2, 1),
        nn.Conv2d(4, 6, 3, padding=2, dilation=2),
        nn.ReLU(),
        nn.Conv2d(6, 6, (1, 3), stride=(1, 2), padding=(0, 1)),
        nn.Dropout(0.1),
        nn.Identity(),
    )


class BasicBlock(nn.Module):
    """A ResNet basic block: two 3x3 convolutions plus a shortcut, joined by `+=`."""

    def __init__(self, channels_in: int, channels_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels_out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels_out)
        self.downsample = None
        if stride != 1:
            self.downsample = nn.Sequential(
                nn.Conv2d(channels_in, channels_out, 1, stride, bias=False), nn.BatchNorm2d(channels_out)
            )

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class ResidualNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 7, 2, 3, bias=False)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(8, 8, 1), BasicBlock(8, 16, 2))

    def forward(self, x):
        return self.layer1(self.maxpool(self.conv1(x)))


class InceptionBlock(nn.Module):
    """Four branches joined along channels, after a stride-2 stem."""

    def __init__(self, pool=nn.MaxPool2d) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, 2, 1)
        self.branch1x1 = nn.Conv2d(8, 4, 1)
        self.branch3x3 = nn.Sequential(nn.Conv2d(8, 4, 1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1))
        self.branch5x5 = nn.Sequential(nn.Conv2d(8, 4, 1), nn.Conv2d(4, 4, (1, 5), padding=(0, 2)), nn.Conv2d(4, 4, (5, 1), padding=(2, 0)))
        self.branch_pool = nn.Sequential(pool(3, 1, 1), nn.Conv2d(8, 4, 1))

    def forward(self, x):
        x = F.relu(self.stem(x))
        branches = [self.branch1x1(x), self.branch3x3(x), self.branch5x5(x), self.branch_pool(x)]
        return torch.cat(branches, 1)


def nested(pool=nn.MaxPool2d):
    return nn.Sequential(
        nn.Sequential(nn.Conv2d(3, 4, 3, 2), nn.ReLU()),
        nn.Sequential(nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), pool(2, 2)), nn.ReLU()),
        nn.Conv2d(4, 4, 3),
    )


class Functional(nn.Module):
    """Functional calls: relu, pooling, pad, cat, scaling, view and a Linear head."""

    def __init__(self, use_max_pool: bool = True) -> None:
        super().__init__()
        self.use_max_pool = use_max_pool
        self.conv = nn.Conv2d(3, 4, 3)
        self.side = nn.Conv2d(3, 4, 1, 2)
        self.head = nn.Linear(8 * 16 * 18, 5)

    def features(self, x):
        y = F.relu(self.conv(x))
        y = F.max_pool2d(y, 2, ceil_mode=True) if self.use_max_pool else F.avg_pool2d(y, 2, ceil_mode=True)
        y = F.pad(y, (1, 2, 0, 1))
        side = F.pad(self.side(x), [0, 2, 0, 0])
        return torch.cat([y * 0.5, side], dim=1)

    def forward(self, x):
        y = self.features(x)
        return self.head(y.view(y.size(0), -1))


# Chains and graphs.


def test_chain_sizes_match_torch():
    model = chain()
    analysis = analyze(network_from_module(model, (1, 3, 37, 41)))
    assert_sizes_match_torch(model, (1, 3, 37, 41), analysis)


def test_chain_field_matches_gradient():
    assert_field_matches_gradient(chain(nn.AvgPool2d), (1, 3, 37, 41))


def test_chain_matches_hand_written_spec():
    network = network_from_module(chain(), (1, 3, 37, 41))
    spec = """
        input 37x41
        conv k=5 s=2 p=2
        maxpool k=3 s=2 p=1
        conv k=3 p=2 d=2
        conv k=1x3 s=1x2 p=0x1
    """
    expected = analyze(parse_spec(spec)).layers[-1].axes
    actual = analyze(network).layers[-1].axes
    for axis_expected, axis_actual in zip(expected, actual):
        assert axis_actual.receptive_field == axis_expected.receptive_field
        assert axis_actual.effective_stride == axis_expected.effective_stride
        assert axis_actual.effective_padding == axis_expected.effective_padding
        assert axis_actual.output_size == axis_expected.output_size


def test_chain_layer_kinds_and_names():
    network = network_from_module(chain(), (1, 3, 37, 41))
    kinds = [(layer.name, layer.kind) for layer in network.layers]
    assert kinds == [
        ("0", "conv"),
        ("1", "batchnorm"),
        ("2", "relu"),
        ("3", "maxpool"),
        ("4", "conv"),
        ("5", "relu"),
        ("6", "conv"),
        ("7", "dropout"),
        ("8", "identity"),
    ]
    assert all(layer.inputs == () for layer in network.layers)
    assert network.input_size == (37, 41)


def test_residual_sizes_match_torch():
    model = ResidualNet()
    analysis = analyze(network_from_module(model, (1, 3, 40, 40)))
    assert_sizes_match_torch(model, (1, 3, 40, 40), analysis)


def test_residual_adds_read_both_paths():
    network = network_from_module(ResidualNet(), (1, 3, 40, 40))
    adds = [layer for layer in network.layers if layer.kind == "add"]
    assert [layer.inputs for layer in adds] == [
        ("layer1.0.bn2", "maxpool"),
        ("layer1.1.bn2", "layer1.1.downsample.1"),
    ]
    layers = {layer.name: layer for layer in network.layers}
    # Block 2 runs its shortcut first, so its main path reads the first block's
    # output again: the ReLU module called a second time, named after its fx node.
    assert layers["layer1.1.downsample.0"].inputs == ()
    assert layers["layer1.1.conv1"].inputs == ("layer1_0_relu_1",)


def test_residual_field_matches_gradient():
    # Replace the max pool by an average pool of the same geometry.
    model = ResidualNet()
    model.maxpool = nn.AvgPool2d(3, 2, 1)
    assert_field_matches_gradient(model, (1, 3, 40, 40))
    assert_field_matches_gradient(model, (1, 3, 40, 40), (0, 0))


def test_inception_sizes_match_torch():
    model = InceptionBlock()
    analysis = analyze(network_from_module(model, (1, 3, 29, 33)))
    assert_sizes_match_torch(model, (1, 3, 29, 33), analysis)


def test_inception_concat_reads_four_branches():
    network = network_from_module(InceptionBlock(), (1, 3, 29, 33))
    concat = network.layers[-1]
    assert concat.kind == "concat"
    assert concat.inputs == ("branch1x1", "branch3x3.2", "branch5x5.2", "branch_pool.1")


def test_inception_field_matches_gradient():
    model = InceptionBlock(nn.AvgPool2d)
    assert_field_matches_gradient(model, (1, 3, 29, 33))
    assert_field_matches_gradient(model, (1, 3, 29, 33), (0, 16))


def test_nested_sequentials_use_module_paths():
    network = network_from_module(nested(), (1, 3, 33, 33))
    assert [layer.name for layer in network.layers] == ["0.0", "0.1", "1.0.0", "1.0.1", "1.1", "2"]


def test_nested_sequentials_match_torch():
    model = nested()
    assert_sizes_match_torch(model, (1, 3, 33, 33), analyze(network_from_module(model, (1, 3, 33, 33))))
    assert_field_matches_gradient(nested(nn.AvgPool2d), (1, 3, 33, 33))


def test_functional_calls_become_layers():
    network = network_from_module(Functional(), (1, 3, 32, 32))
    described = [(layer.name, layer.kind, layer.inputs) for layer in network.layers]
    assert described == [
        ("conv", "conv", ()),
        ("relu", "relu", ()),
        ("max_pool2d", "maxpool", ()),
        ("pad", "pad", ()),
        ("side", "conv", ("input",)),
        ("pad_1", "pad", ()),
        ("mul", "identity", ("pad",)),
        ("cat", "concat", ("mul", "pad_1")),
        ("view", "identity", ()),
        ("head", "fc", ()),
    ]
    pool = network.layers[2]
    assert pool.ceil_mode
    # F.pad lists (left, right, top, bottom); rf_core's axes are height first.
    assert [(axis.pad_before, axis.pad_after) for axis in network.layers[3].axes] == [(0, 1), (1, 2)]


def test_functional_matches_torch():
    model = Functional()
    network = network_from_module(model, (1, 3, 32, 32))
    analysis = analyze(network)
    with torch.no_grad():
        features = model.features(torch.zeros(1, 3, 32, 32))
    assert tuple(axis.output_size for axis in analysis.layer("cat").axes) == tuple(features.shape[2:])
    assert tuple(axis.output_size for axis in analysis.layer("head").axes) == (1, 1)

    model = Functional(use_max_pool=False)
    model.forward = model.features
    assert_field_matches_gradient(model, (1, 3, 32, 32), layer="cat")
    assert_field_matches_gradient(model, (1, 3, 32, 32), (14, 10), layer="cat")


class PaddedMerge(nn.Module):
    """Two paths whose unit (0, 0) lies in the padding of one path along the width only."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 1, (3, 1), padding=(1, 0))

    def forward(self, x):
        return F.pad(self.conv(x), (1, 0)) + F.pad(x, (0, 1))


def test_merge_with_field_in_padding():
    # Unit (0, 0) reads rows 0..1 through the conv path, but that path's column
    # is padding, so only pixel (0, 0) reaches it, through the second path.
    # rf_core must not widen the merged rows by the empty path.
    assert_field_matches_gradient(PaddedMerge(), (1, 1, 4, 4), (0, 0))


def test_fc_after_flatten_sees_whole_input():
    analysis = analyze(network_from_module(Functional(), (1, 3, 32, 32)))
    head = analysis.layer("head")
    assert analysis.unit_field(head.index, (0, 0)).clipped == ((0, 31), (0, 31))


# Adaptive pooling, upsampling and transposed convolution, unit by unit.


class AdaptiveNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d((3, 5))

    def forward(self, x):
        return self.pool(self.conv(x))


def test_adaptive_pool_every_unit_matches_gradient():
    model = AdaptiveNet()
    network = network_from_module(model, (1, 3, 11, 13))
    assert network.layers[-1].kind == "adaptivepool"
    for row in range(3):
        for column in range(5):
            assert_field_matches_gradient(AdaptiveNet(), (1, 3, 11, 13), (row, column))


def test_adaptive_pool_to_one_is_globalpool():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveMaxPool2d((1, 1)))
    assert network_from_module(model, (1, 3, 9, 9)).layers[-1].kind == "globalpool"


def test_functional_adaptive_pool_keeps_none_axis():
    class Model(nn.Module):
        def forward(self, x):
            return F.adaptive_avg_pool2d(x, (2, None))

    network = network_from_module(Model(), (1, 3, 7, 6))
    assert [axis.output_size for axis in network.layers[-1].axes] == [2, 6]


class Decoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Conv2d(3, 4, 3, 2, 1)
        self.up = nn.ConvTranspose2d(4, 4, (4, 3), stride=2, padding=1, output_padding=1, groups=2)
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")

    def forward(self, x):
        x = self.up(self.down(x))
        x = F.interpolate(x, scale_factor=3)
        return self.upsample(x)


def test_decoder_sizes_match_torch():
    model = Decoder()
    analysis = analyze(network_from_module(model, (1, 3, 9, 10)))
    assert_sizes_match_torch(model, (1, 3, 9, 10), analysis)
    assert [layer.kind for layer in analysis.network.layers] == ["conv", "convt", "upsample", "upsample"]


@pytest.mark.parametrize("unit", [(0, 0), (5, 7), (30, 41), (65, 59), (33, 30)])
def test_decoder_fields_match_gradient(unit):
    assert_field_matches_gradient(Decoder(), (1, 3, 9, 10), unit)


def test_conv_transpose_unit_without_input():
    # Output unit o reads input i where o = 2 i - 1: unit 0 reads none, unit 1 reads pixel 1,
    # and unit 1 still has its interval although unit 0 has none.
    model = nn.Sequential(nn.ConvTranspose1d(1, 1, 1, stride=2, padding=1))
    assert_field_matches_gradient(model, (1, 1, 3), (1,))


def test_conv_transpose_with_output_size():
    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.up = nn.ConvTranspose2d(3, 3, 3, stride=2, padding=1)

        def forward(self, x):
            return self.up(x, output_size=(2 * x.size(2), 2 * x.size(3)))

    network = network_from_module(Model(), (1, 3, 5, 6))
    assert [axis.output_padding for axis in network.layers[0].axes] == [1]
    assert [axis.output_size for axis in analyze(network).layers[0].axes] == [10, 12]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
def test_conv_padding_same_and_valid():
    model = nn.Sequential(nn.Conv2d(3, 4, 4, padding="same"), nn.Conv2d(4, 4, (2, 3), padding="valid", dilation=2))
    network = network_from_module(model, (1, 3, 12, 12))
    assert [layer.padding_mode for layer in network.layers] == ["same", "valid"]
    assert_sizes_match_torch(model, (1, 3, 12, 12), analyze(network))
    assert_field_matches_gradient(model, (1, 3, 12, 12), (0, 0))
    assert_field_matches_gradient(model, (1, 3, 12, 12))


class CausalNet(nn.Module):
    """A WaveNet-like 1-D stack: causal dilated convolutions with residual adds."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Conv1d(2, 2, 2, dilation=dilation) for dilation in (1, 2, 4))

    def forward(self, x):
        for layer in self.layers:
            x = x + layer(F.pad(x, (layer.dilation[0], 0)))
        return x


def test_causal_1d_stack_matches_torch():
    model = CausalNet()
    network = network_from_module(model, (1, 2, 20))
    analysis = analyze(network)
    assert network.input_size == (20,)
    assert [axis.receptive_field for axis in analysis.layers[-1].axes] == [8]
    assert_sizes_match_torch(model, (1, 2, 20), analysis)
    for unit in [(0,), (3,), (19,)]:
        assert_field_matches_gradient(CausalNet(), (1, 2, 20), unit)


# Unknown modules, pass-through declarations and rejected calls.


def with_pixel_shuffle():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.PixelShuffle(1), nn.Conv2d(4, 4, 3))


def test_unknown_module_names_path_and_type():
    with pytest.raises(RFError) as caught:
        network_from_module(with_pixel_shuffle(), (1, 3, 16, 16))
    message = caught.value.message
    assert "module '2'" in message
    assert "nn.PixelShuffle" in message
    assert "pass_through={'2'}" in message
    assert "pass_through={nn.PixelShuffle}" in message


@pytest.mark.parametrize("declared", [{"2"}, {nn.PixelShuffle}, ["2"], "2"])
def test_declared_pass_through_is_identity(declared):
    network = network_from_module(with_pixel_shuffle(), (1, 3, 16, 16), pass_through=declared)
    assert network.layers[2].kind == "identity"
    assert network.layers[2].name == "2"


def test_pass_through_unknown_path_rejected():
    with pytest.raises(RFError, match="'body' is not a submodule"):
        network_from_module(with_pixel_shuffle(), (1, 3, 16, 16), pass_through={"body"})


class DataDependent(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return x


class Gated(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3)
        self.gate = DataDependent()

    def forward(self, x):
        return self.gate(self.conv(x))


def test_untraceable_module_declared_pass_through():
    with pytest.raises(RFError, match="torch.fx cannot trace Gated"):
        network_from_module(Gated(), (1, 3, 8, 8))
    network = network_from_module(Gated(), (1, 3, 8, 8), pass_through={DataDependent})
    assert [(layer.name, layer.kind) for layer in network.layers] == [("conv", "conv"), ("gate", "identity")]


def test_pass_through_that_changes_size_rejected():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.PixelShuffle(2))
    with pytest.raises(RFError, match="must keep the spatial size"):
        network_from_module(model, (1, 3, 10, 10), pass_through={nn.PixelShuffle})


class Unsupported(nn.Module):
    def __init__(self, operation: str) -> None:
        super().__init__()
        self.operation = operation
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x):
        y = self.conv(x)
        if self.operation == "bilinear":
            return F.interpolate(y, scale_factor=2, mode="bilinear")
        if self.operation == "fractional":
            return F.interpolate(y, scale_factor=1.5)
        if self.operation == "cat_height":
            return torch.cat([y, y * 2], dim=2)
        if self.operation == "broadcast":
            return y * y.mean((2, 3), keepdim=True)
        if self.operation == "linear_on_pixels":
            return nn.functional.linear(y, torch.ones(3, 8))
        if self.operation == "reshape":
            return y.view(y.size(0), y.size(1), -1)
        return torch.roll(y, 1, 2)


@pytest.mark.parametrize(
    "operation, expected",
    [
        ("bilinear", "mode 'bilinear' reads neighbouring pixels"),
        ("fractional", "scale_factor=1.5 is not a whole number"),
        ("cat_height", "concatenates along dim=2"),
        ("broadcast", "by broadcasting"),
        ("linear_on_pixels", "rf_core imports Linear only on (batch, features)"),
        ("reshape", "reshapes (1, 4, 8, 8) to (1, 4, 64)"),
        ("roll", "function roll at graph node 'roll'"),
    ],
)
def test_unsupported_call_rejected(operation, expected):
    with pytest.raises(RFError) as caught:
        network_from_module(Unsupported(operation), (1, 3, 8, 8))
    assert expected in caught.value.message


def test_invalid_input_shape_rejected():
    with pytest.raises(RFError, match="input shape"):
        network_from_module(chain(), (3, 32))
    with pytest.raises(RFError, match="check that input_shape matches"):
        network_from_module(chain(), (1, 5, 32, 32))


def test_leaf_module_as_model():
    network = network_from_module(nn.Conv1d(1, 1, 3, stride=2), (1, 1, 9))
    assert [(layer.name, layer.kind) for layer in network.layers] == [("0", "conv")]


def test_training_flags_restored():
    model = ResidualNet().train()
    model.layer1[0].bn1.eval()
    network_from_module(model, (1, 3, 32, 32))
    assert model.training
    assert not model.layer1[0].bn1.training
    assert model.layer1[1].bn2.training


# Spec text.


@pytest.mark.parametrize(
    "model, input_shape",
    [
        (chain(), (1, 3, 37, 41)),
        (ResidualNet(), (1, 3, 40, 40)),
        (InceptionBlock(), (1, 3, 29, 33)),
        (Functional(), (1, 3, 32, 32)),
        (Decoder(), (1, 3, 9, 10)),
        (CausalNet(), (1, 2, 20)),
    ],
    ids=["chain", "residual", "inception", "functional", "decoder", "causal"],
)
def test_spec_round_trips(model, input_shape):
    network = network_from_module(model, input_shape)
    parsed = parse_spec(spec_from_module(model, input_shape))
    assert parsed.layers == network.layers
    assert parsed.input_size == network.input_size


def test_spec_writes_merges():
    spec = spec_from_module(ResidualNet(), (1, 3, 40, 40))
    assert "add name=add from=layer1.0.bn2,maxpool" in spec.splitlines()
    assert spec.splitlines()[1] == "input 40x40"


# The preset networks, built by hand in torch.

TORCH_MODELS = Path(__file__).with_name("torch_models.py")


def traceable_unet(torch_models):
    """Return the U-Net with a crop that torch.fx can trace.

    torch_models.center_crop iterates over `x.shape`, which symbolic tracing
    cannot do; this crop indexes the shape instead and slices the same pixels.
    """

    def center_crop(x, size):
        top = (x.shape[2] - size[0]) // 2
        left = (x.shape[3] - size[1]) // 2
        return x[:, :, top : top + size[0], left : left + size[1]]

    class TraceableUNet(torch_models.UNet):
        def forward(self, x):
            skips = []
            for level in range(1, 6):
                if level > 1:
                    x = getattr(self, f"pool{level - 1}")(x)
                x = getattr(self, f"enc{level}")(x)
                skips.append(x)
            for level in range(4, 0, -1):
                x = getattr(self, f"up{level}")(x)
                x = torch.cat([center_crop(skips[level - 1], x.shape[2:]), x], 1)
                x = getattr(self, f"dec{level}")(x)
            return self.out(x)

    return TraceableUNet().double().eval()


def output_layer_of(model, network, path: str) -> str:
    """Return the name of the imported layer that produces the output of the module at `path`.

    For a module with children this is the first node inside it, in graph
    order, whose result is used outside it.
    """
    graph = torch.fx.symbolic_trace(model).graph
    names = {layer.name for layer in network.layers}

    def inside(node) -> bool:
        stack = node.meta.get("nn_module_stack") or {}
        return any(entry[0] == path for entry in stack.values())

    for node in graph.nodes:
        if node.op == "call_module" and node.target == path:
            return node.name if node.name in names else layer_name(path)
        if inside(node) and any(not inside(user) for user in node.users):
            return node.name if node.name in names else layer_name(str(node.target))
    raise AssertionError(f"no node computes the output of {path!r}")


def preset_cases() -> list[str]:
    if not TORCH_MODELS.exists():
        return []
    from rf_core.presets import preset_names

    return list(preset_names())


@pytest.mark.skipif(not TORCH_MODELS.exists(), reason="tests/torch_models.py with the preset modules is missing")
@pytest.mark.parametrize("name", preset_cases())
def test_preset_module_matches_preset_spec(name):
    import torch_models
    from rf_core.presets import get_preset

    preset = get_preset(name)
    model = traceable_unet(torch_models) if name == "unet" else torch_models.build_model(name)
    spatial = (preset.input_size,) if name == "wavenet" else (preset.input_size, preset.input_size)
    network = network_from_module(model, (1, 1, *spatial))
    imported = analyze(network)
    expected = analyze(parse_spec(preset.spec))

    pairs = [(endpoint, output_layer_of(model, network, endpoint)) for endpoint in preset.endpoints]
    pairs.append((expected.layers[-1].layer.name, imported.layers[-1].layer.name))
    for endpoint, layer in pairs:
        for axis_expected, axis_imported in zip(expected.layer(endpoint).axes, imported.layer(layer).axes):
            where = f"{name} {endpoint} (imported as {layer})"
            assert axis_imported.receptive_field == axis_expected.receptive_field, where
            assert axis_imported.effective_stride == axis_expected.effective_stride, where
            assert axis_imported.output_size == axis_expected.output_size, where
