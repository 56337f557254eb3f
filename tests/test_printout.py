"""Tests of `rf_core.printout`: the text of `print(model)` converted into a spec.

The literal printouts below were produced by `print(module)` with torch 2.13,
so the parser is tested where torch is missing. The tests marked `torch` print
modules built here and compare the converted spec's output sizes with torch's.
"""

from __future__ import annotations

import pytest

from rf_core import RFError, analyze, parse_spec
from rf_core.printout import spec_from_printout

ALEXNET_PRINTOUT = """\
AlexNet(
  (features): Sequential(
    (0): Conv2d(3, 64, kernel_size=(11, 11), stride=(4, 4), padding=(2, 2))
    (1): ReLU(inplace=True)
    (2): MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)
    (3): Conv2d(64, 192, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
    (4): ReLU(inplace=True)
    (5): MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)
    (6): Conv2d(192, 384, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    (7): ReLU(inplace=True)
    (8): Conv2d(384, 256, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    (9): ReLU(inplace=True)
    (10): Conv2d(256, 256, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    (11): ReLU(inplace=True)
    (12): MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)
  )
  (avgpool): AdaptiveAvgPool2d(output_size=(6, 6))
  (classifier): Sequential(
    (0): Dropout(p=0.5, inplace=False)
    (1): Linear(in_features=9216, out_features=4096, bias=True)
    (2): ReLU(inplace=True)
    (3): Dropout(p=0.5, inplace=False)
    (4): Linear(in_features=4096, out_features=4096, bias=True)
    (5): ReLU(inplace=True)
    (6): Linear(in_features=4096, out_features=1000, bias=True)
  )
)
"""

BASIC_BLOCK_PRINTOUT = """\
Sequential(
  (0): Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
  (1): BasicBlock(
    (conv1): Conv2d(64, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
    (bn1): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (relu): ReLU(inplace=True)
    (conv2): Conv2d(64, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
    (bn2): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
  )
)
"""

DECODER_PRINTOUT = """\
Sequential(
  (0): ConvTranspose2d(8, 4, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))
  (1): Upsample(scale_factor=2.0, mode='nearest')
  (2): ModuleList(
    (0-1): 2 x ReLU()
  )
  (3): AvgPool2d(kernel_size=2, stride=2, padding=0)
  (4): Conv1d(4, 4, kernel_size=(3,), stride=(1,))
)
"""


def test_alexnet_printout_converts():
    spec = spec_from_printout(ALEXNET_PRINTOUT)
    lines = spec.splitlines()
    assert lines[0].startswith("# Converted from print(model) of AlexNet. Print order is taken as data flow")
    assert "features, avgpool, classifier" in lines[0]
    assert lines[1:5] == [
        "conv k=11 s=4 p=2 name=features.0",
        "relu name=features.1",
        "maxpool k=3 s=2 name=features.2",
        "conv k=5 p=2 name=features.3",
    ]
    assert "adaptivepool o=6 name=avgpool" in lines
    assert lines[-1] == "fc name=classifier.6"


def test_alexnet_printout_analyses():
    # 224 -> conv 11/4 p2: 55 -> pool 3/2: 27 -> conv 5 p2: 27 -> pool: 13 -> 3 convs: 13 -> pool: 6.
    analysis = analyze(parse_spec("input 224\n" + spec_from_printout(ALEXNET_PRINTOUT)))
    assert analysis.layer("features.12").axes[0].output_size == 6
    assert analysis.layer("features.12").axes[0].receptive_field == 195
    assert analysis.layer("classifier.6").axes[0].output_size == 1


def test_sequential_names_are_module_paths():
    spec = spec_from_printout(DECODER_PRINTOUT.replace("  (4): Conv1d(4, 4, kernel_size=(3,), stride=(1,))\n", ""))
    assert spec.splitlines()[0] == "convt k=4 s=2 p=1 op=1 name=0"
    assert "upsample f=2 name=1" in spec.splitlines()
    assert parse_spec(spec).layers[0].name == "0"


def test_repeated_modules_expand():
    spec = spec_from_printout(DECODER_PRINTOUT.replace("  (4): Conv1d(4, 4, kernel_size=(3,), stride=(1,))\n", ""))
    assert "relu name=2.0\nrelu name=2.1\n" in spec


def test_avgpool_ceil_mode_noted():
    spec = spec_from_printout(DECODER_PRINTOUT.replace("  (4): Conv1d(4, 4, kernel_size=(3,), stride=(1,))\n", ""))
    lines = spec.splitlines()
    position = lines.index("avgpool k=2 name=3")
    assert lines[position - 1].startswith("# 3: print(model) does not show the ceil_mode of AvgPool2d")


def test_mixed_axis_counts_rejected():
    with pytest.raises(RFError) as caught:
        spec_from_printout(DECODER_PRINTOUT)
    assert (caught.value.line, caught.value.column) == (8, 8)
    assert "Conv1d has 1 spatial axes but ConvTranspose2d on line 2 has 2" in caught.value.message


def test_residual_printout_rejected():
    with pytest.raises(RFError) as caught:
        spec_from_printout(BASIC_BLOCK_PRINTOUT)
    message = caught.value.message
    assert "Print order is not data flow" in message
    assert "does not show how the forward pass connects branches" in message
    assert "rf_core.torch_adapter.network_from_module" in message
    assert (caught.value.line, caught.value.column) == (3, 8)


@pytest.mark.parametrize(
    "printout, line",
    [
        ("Net(\n  (conv): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))\n  (downsample): Sequential(\n  )\n)\n", 3),
        ("Net(\n  (branch1): Conv2d(3, 8, kernel_size=(1, 1), stride=(1, 1))\n)\n", 2),
        ("BasicBlock(\n  (conv1): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))\n)\n", 1),
        ("InceptionA(\n  (branch1x1): Conv2d(3, 8, kernel_size=(1, 1), stride=(1, 1))\n)\n", 1),
    ],
    ids=["downsample child", "branch child", "BasicBlock root", "Inception root"],
)
def test_branching_printouts_rejected(printout, line):
    with pytest.raises(RFError, match="Print order is not data flow") as caught:
        spec_from_printout(printout)
    assert caught.value.line == line


def test_unknown_leaf_rejected_with_position():
    printout = "Sequential(\n  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))\n  (1): PixelShuffle(upscale_factor=2)\n)\n"
    with pytest.raises(RFError) as caught:
        spec_from_printout(printout)
    assert (caught.value.line, caught.value.column) == (3, 8)
    assert "unknown module type 'PixelShuffle'" in caught.value.message
    assert "Replace this line" in caught.value.message


@pytest.mark.parametrize(
    "printout, line, column, expected",
    [
        ("", 1, 1, "the printout is empty"),
        ("Sequential(\n  (0): ReLU()\n", 2, 1, "never closed"),
        ("Sequential(\n  ReLU()\n)\n", 2, 3, "needs its name in front"),
        ("Sequential(\n  (0): ReLU()\n  hello\n)\n", 3, 3, "not a module of print(model)"),
        ("Sequential(\n  (0): Conv2d(3, 8, kernel_size=(3, 3)\n)\n", 2, 15, "'(' was never closed"),
        ("Sequential(\n  (0): Conv2d(3, 8, kernel_size=3), x\n)\n", 2, 37, "must end with ')'"),
        ("Sequential(\n  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=)\n)\n", 2, 48, "malformed arguments of Conv2d"),
        ("Sequential(\n  (0): Conv2d(3, 8, stride=(1, 1))\n)\n", 2, 8, "Conv2d needs kernel_size"),
        ("Sequential(\n  (0): MaxPool2d(kernel_size=(3, 3, 3))\n)\n", 2, 18, "must be a whole number or a tuple of 2"),
        ("Sequential(\n  (0): Upsample(scale_factor=2.0, mode='bilinear')\n)\n", 2, 35, "nearest upsampling only"),
        ("Sequential(\n  (0): Upsample(scale_factor=1.5, mode='nearest')\n)\n", 2, 17, "scale_factor=1.5"),
        ("Sequential(\n  (0): AdaptiveAvgPool2d(output_size=(None, 7))\n)\n", 2, 26, "output_size=(None, 7)"),
        ("Sequential(\n  (0): ReLU()\n)\n)\n", 4, 1, "text after the end"),
        ("Sequential(\n  (0-2): 2 x ReLU()\n)\n", 2, 10, "needs a key covering 2 children"),
        ("Sequential(\n  (0): MaxPool2d(kernel_size=2, stride=2, padding=3)\n)\n", 2, 8, "padding 3"),
    ],
)
def test_malformed_printout_position(printout, line, column, expected):
    with pytest.raises(RFError) as caught:
        spec_from_printout(printout)
    assert expected in caught.value.message
    assert (caught.value.line, caught.value.column) == (line, column)


def test_padding_modules_convert():
    printout = (
        "Sequential(\n"
        "  (0): ZeroPad2d((1, 2, 0, 1))\n"
        "  (1): ReflectionPad2d((2, 2, 2, 2))\n"
        "  (2): ZeroPad2d((-1, -1, 0, 0))\n"
        "  (3): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=same, padding_mode=reflect)\n"
        ")\n"
    )
    lines = spec_from_printout(printout).splitlines()
    assert lines[0] == "pad p=0:1x1:2 name=0"
    assert lines[1].startswith("# 1: its reflection padding is taken as zero padding")
    assert lines[2] == "pad p=2 name=1"
    assert lines[3] == "crop c=0x1 name=2"
    assert lines[5] == "conv k=3 p=same name=3"


def test_global_pool_and_flatten():
    printout = "Sequential(\n  (0): AdaptiveAvgPool2d(output_size=(1, 1))\n  (1): Flatten(start_dim=1, end_dim=-1)\n)\n"
    assert spec_from_printout(printout) == "globalpool name=0\nidentity name=1\n"


def test_single_leaf_printout():
    assert spec_from_printout("Conv2d(1, 1, kernel_size=(3, 3), stride=(2, 2))\n") == "conv k=3 s=2\n"


# Printouts of modules built in torch.

torch_marks = [pytest.mark.torch]


def torch_modules():
    torch = pytest.importorskip("torch")
    return torch, torch.nn


def leaf_shapes(torch, model, input_shape) -> dict[str, tuple[int, ...]]:
    """Return the output shape of every leaf module's first call, keyed by module path."""
    shapes: dict[str, tuple[int, ...]] = {}

    def record(path: str, output) -> None:
        shapes.setdefault(path, tuple(output.shape))

    hooks = [
        module.register_forward_hook(lambda _module, _inputs, output, path=path: record(path, output))
        for path, module in model.named_modules()
        if path and not list(module.children())
    ]
    with torch.no_grad():
        model.eval()(torch.zeros(input_shape))
    for hook in hooks:
        hook.remove()
    return shapes


def assert_printout_matches_torch(torch, model, input_shape) -> str:
    """Convert `print(model)` and compare every spatial output size with torch's; return the spec."""
    spec = spec_from_printout(str(model))
    spatial = input_shape[2:]
    analysis = analyze(parse_spec(f"input {'x'.join(map(str, spatial))}\n{spec}"))
    for path, shape in leaf_shapes(torch, model, input_shape).items():
        sizes = tuple(axis.output_size for axis in analysis.layer(path).axes)
        if len(shape) == len(input_shape):
            assert sizes == shape[2:], f"{path}: rf_core {sizes}, torch {shape[2:]}"
        elif analysis.layer(path).layer.kind == "fc":
            assert sizes == (1,) * len(spatial), f"{path}: a fully connected layer has one unit per axis"
    return spec


@pytest.mark.torch
def test_alexnet_like_sequential_matches_torch():
    torch, nn = torch_modules()
    model = nn.Sequential(
        nn.Conv2d(3, 8, 11, 4, 2),
        nn.ReLU(inplace=True),
        nn.LocalResponseNorm(5),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(8, 8, 5, padding=2, groups=2),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2, ceil_mode=True),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.AdaptiveAvgPool2d((6, 6)),
        nn.Flatten(),
        nn.Dropout(),
        nn.Linear(8 * 36, 10),
    )
    spec = assert_printout_matches_torch(torch, model, (1, 3, 227, 227))
    assert "conv k=5 p=2 g=2 name=4" in spec.splitlines()
    assert "maxpool k=3 s=2 ceil name=6" in spec.splitlines()


class _VGGLike:
    """Factory for a top-level custom module with features, avgpool and classifier."""

    @staticmethod
    def build(torch, nn):
        class VGGLike(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                layers = []
                channels = 3
                for width in (8, "M", 16, 16, "M", 16, "M"):
                    if width == "M":
                        layers.append(nn.MaxPool2d(2, 2))
                    else:
                        layers += [nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(True)]
                        channels = width
                self.features = nn.Sequential(*layers)
                self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
                self.classifier = nn.Sequential(nn.Linear(16 * 4, 8), nn.ReLU(True), nn.Dropout(), nn.Linear(8, 4))

            def forward(self, x):
                return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

        return VGGLike()


@pytest.mark.torch
def test_vgg_like_custom_module_matches_torch():
    torch, nn = torch_modules()
    model = _VGGLike.build(torch, nn)
    spec = assert_printout_matches_torch(torch, model, (1, 3, 40, 48))
    assert spec.startswith("# Converted from print(model) of VGGLike. Print order is taken as data flow")
    assert "features.0" in spec


@pytest.mark.torch
def test_decoder_sequential_matches_torch():
    torch, nn = torch_modules()
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, 2, 1),
        nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1, dilation=(1, 2)),
        nn.Upsample(scale_factor=2),
        nn.Sequential(nn.Sequential(nn.ZeroPad2d((0, 1, 2, 0)), nn.Conv2d(4, 4, (1, 3)))),
        nn.Upsample(scale_factor=(3, 2), mode="nearest"),
        nn.ReflectionPad2d(1),
    )
    spec = assert_printout_matches_torch(torch, model, (1, 3, 13, 10))
    assert "upsample f=3x2 name=4" in spec.splitlines()


@pytest.mark.torch
def test_conv1d_printout_matches_torch():
    torch, nn = torch_modules()
    model = nn.Sequential(nn.Conv1d(2, 4, 3, dilation=2), nn.MaxPool1d(3, 2, 1), nn.AvgPool1d(2), nn.Conv1d(4, 4, 2, padding="same"))
    assert_printout_matches_torch(torch, model, (1, 2, 41))


@pytest.mark.torch
def test_residual_module_printout_rejected():
    torch, nn = torch_modules()

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(8, 8, 3, padding=1)
            self.conv2 = nn.Conv2d(8, 8, 3, padding=1)

        def forward(self, x):
            return x + self.conv2(torch.relu(self.conv1(x)))

    model = nn.Sequential(nn.Conv2d(3, 8, 3), Block(), Block())
    with pytest.raises(RFError) as caught:
        spec_from_printout(str(model))
    assert "Print order is not data flow" in caught.value.message
    assert "network_from_module" in caught.value.message
    assert caught.value.line == 3


def test_calculator_keeps_input_line_after_paste():
    from rf_core.widget import render_calculator

    printout = "Sequential(\n  (0): Conv2d(3, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))\n)"
    result = render_calculator("input 32\nconv k=5", printout=printout)

    # The printout has no input size, so the layer list's input line stays:
    # floor((32 + 2 - 3) / 2) + 1 = 16 units.
    assert result.ok
    assert result.spec.startswith("input 32\n")
    assert "<td>16</td>" in result.html
