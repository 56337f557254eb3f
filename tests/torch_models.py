"""PyTorch models with the geometry of rf_core's presets, built for gradient measurement.

Every model has the same kernels, strides, paddings and dilations as its preset
and, where torchvision has the network, the same module paths, so that a
preset's layer name finds the module with `named_modules()`. They differ from
the real networks in ways that change no geometry but make gradients a clean
probe of the receptive field:

- One output channel per conv. A concat then has one channel per branch, plus
  the input channels of a pooling branch.
- Every weight is positive and there is no bias, so no gradient cancels out.
  Each weight is 1 / (number of weights of the layer): values neither overflow
  nor underflow in float64.
- Max pooling is replaced by average pooling of the same geometry, because max
  pooling sends the gradient to one input per window only and would hide the
  other pixels of the field.
- ReLU, batch norm and dropout are left out: they change no geometry, and a
  ReLU could zero gradients.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

# The configuration tables are written out again here rather than imported from
# rf_core, so that a mistake in rf_core's tables shows up as a mismatch.

#: torchvision's VGG configurations: a 3x3 conv for each channel count, "M" for a 2x2 max pool.
VGG_CONFIGS = {
    "vgg11": (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
    "vgg16": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"),
    "vgg19": (64, 64, "M", 128, 128, "M") + (256,) * 4 + ("M",) + ((512,) * 4 + ("M",)) * 2,
}

#: Blocks per stage of torchvision's ResNets.
RESNET_BLOCKS = {"resnet18": (2, 2, 2, 2), "resnet50": (3, 4, 6, 3), "resnet152": (3, 8, 36, 3)}

#: torchvision's MobileNetV2 groups: expansion t, output channels c, blocks n, first stride s.
MOBILENET_V2_SETTINGS = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)

#: WaveNet dilations of one cycle, and the number of cycles.
WAVENET_DILATIONS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
WAVENET_CYCLES = 3


def conv(in_channels: int, kernel, stride=1, padding=0, dilation=1, *, dims: int = 2) -> nn.Module:
    """Return a one-output-channel conv with positive weights and no bias."""
    layer_class = nn.Conv2d if dims == 2 else nn.Conv1d
    layer = layer_class(in_channels, 1, kernel, stride, padding, dilation, bias=False)
    _fill_positive(layer)
    return layer


def linear(in_features: int) -> nn.Linear:
    """Return a one-output linear layer with positive weights and no bias."""
    layer = nn.Linear(in_features, 1, bias=False)
    _fill_positive(layer)
    return layer


def _fill_positive(layer: nn.Module) -> None:
    with torch.no_grad():
        layer.weight.fill_(1.0 / layer.weight.numel())


def pool(kernel: int, stride: int, padding: int = 0) -> nn.AvgPool2d:
    """Return the average pool that replaces a max pool of the same geometry."""
    return nn.AvgPool2d(kernel, stride, padding)


def sequential(modules: Sequence[tuple[str, nn.Module]]) -> nn.Sequential:
    """Return an nn.Sequential whose children carry the given names, such as torchvision's indices."""
    return nn.Sequential(OrderedDict(modules))


class AlexNet(nn.Module):
    """torchvision's AlexNet geometry: module paths features.0 to features.12, avgpool, classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.features = sequential(
            [
                ("0", conv(1, 11, 4, 2)),
                ("2", pool(3, 2)),
                ("3", conv(1, 5, 1, 2)),
                ("5", pool(3, 2)),
                ("6", conv(1, 3, 1, 1)),
                ("8", conv(1, 3, 1, 1)),
                ("10", conv(1, 3, 1, 1)),
                ("12", pool(3, 2)),
            ]
        )
        self.avgpool = nn.AdaptiveAvgPool2d(6)
        self.classifier = sequential([("1", linear(36)), ("4", linear(1)), ("6", linear(1))])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class VGG(nn.Module):
    """torchvision's VGG geometry for one of VGG_CONFIGS, without batch norm."""

    def __init__(self, config: str) -> None:
        super().__init__()
        modules = []
        index = 0
        for entry in VGG_CONFIGS[config]:
            if entry == "M":
                modules.append((str(index), pool(2, 2)))
                index += 1
            else:
                modules.append((str(index), conv(1, 3, 1, 1)))
                index += 2
        self.features = sequential(modules)
        self.avgpool = nn.AdaptiveAvgPool2d(7)
        self.classifier = sequential([("0", linear(49)), ("3", linear(1)), ("6", linear(1))])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class ResidualBlock(nn.Module):
    """A ResNet basic block (two 3x3 convs) or bottleneck (1x1, 3x3 with the stride, 1x1)."""

    def __init__(self, bottleneck: bool, stride: int, needs_projection: bool) -> None:
        super().__init__()
        if bottleneck:
            self.conv1 = conv(1, 1)
            self.conv2 = conv(1, 3, stride, 1)
            self.conv3 = conv(1, 1)
        else:
            self.conv1 = conv(1, 3, stride, 1)
            self.conv2 = conv(1, 3, 1, 1)
        self.downsample = sequential([("0", conv(1, 1, stride))]) if needs_projection else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv2(self.conv1(x))
        if hasattr(self, "conv3"):
            out = self.conv3(out)
        shortcut = x if self.downsample is None else self.downsample(x)
        return out + shortcut


class ResNet(nn.Module):
    """torchvision's ResNet geometry for one of RESNET_BLOCKS: conv1, maxpool, layer1 to layer4, avgpool, fc."""

    def __init__(self, depth: str) -> None:
        super().__init__()
        bottleneck = depth not in ("resnet18", "resnet34")
        expansion = 4 if bottleneck else 1
        self.conv1 = conv(1, 7, 2, 3)
        self.maxpool = pool(3, 2, 1)
        channels = 64
        for stage, blocks in enumerate(RESNET_BLOCKS[depth], start=1):
            planes = 64 * 2 ** (stage - 1)
            layers = []
            for block in range(blocks):
                stride = 2 if stage > 1 and block == 0 else 1
                needs_projection = stride != 1 or channels != planes * expansion
                layers.append((str(block), ResidualBlock(bottleneck, stride, needs_projection)))
                channels = planes * expansion
            self.add_module(f"layer{stage}", sequential(layers))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = linear(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.conv1(x))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class InvertedResidual(nn.Module):
    """A MobileNetV2 block with torchvision's paths: conv.0.0 (expansion), conv.1.0 (depthwise), conv.2."""

    def __init__(self, stride: int, expansion: int, residual: bool) -> None:
        super().__init__()
        layers = []
        if expansion != 1:
            layers.append(sequential([("0", conv(1, 1))]))
        # One channel makes the depthwise conv an ordinary one; groups change no geometry.
        layers.append(sequential([("0", conv(1, 3, stride, 1))]))
        layers.append(conv(1, 1))
        self.conv = sequential([(str(index), layer) for index, layer in enumerate(layers)])
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        return x + out if self.residual else out


class MobileNetV2(nn.Module):
    """torchvision's MobileNetV2 geometry: features.0 to features.18 and classifier.1."""

    def __init__(self) -> None:
        super().__init__()
        modules = [("0", sequential([("0", conv(1, 3, 2, 1))]))]
        channels = 32
        for expansion, out_channels, blocks, first_stride in MOBILENET_V2_SETTINGS:
            for block in range(blocks):
                stride = first_stride if block == 0 else 1
                residual = stride == 1 and channels == out_channels
                modules.append((str(len(modules)), InvertedResidual(stride, expansion, residual)))
                channels = out_channels
        modules.append((str(len(modules)), sequential([("0", conv(1, 1))])))
        self.features = sequential(modules)
        self.classifier = sequential([("1", linear(1))])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.adaptive_avg_pool2d(self.features(x), 1)
        return self.classifier(torch.flatten(x, 1))


class BasicConv2d(nn.Module):
    """Inception's conv wrapper, kept so that the conv's path ends in `.conv` as in torchvision."""

    def __init__(self, in_channels: int, kernel, stride=1, padding=0) -> None:
        super().__init__()
        self.conv = conv(in_channels, kernel, stride, padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


def _average_pool_3x3(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, 3, 1, 1)


class InceptionA(nn.Module):
    """Four branches: 1x1; 1x1 then 5x5; 1x1 then two 3x3; 3x3 average pool then 1x1. Output: 4 channels."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 1)
        self.branch5x5_1 = BasicConv2d(in_channels, 1)
        self.branch5x5_2 = BasicConv2d(1, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 1)
        self.branch3x3dbl_2 = BasicConv2d(1, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(1, 3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = [
            self.branch1x1(x),
            self.branch5x5_2(self.branch5x5_1(x)),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            self.branch_pool(_average_pool_3x3(x)),
        ]
        return torch.cat(branches, 1)


class InceptionB(nn.Module):
    """Stride-2 reduction: 3x3 s2; 1x1, 3x3, 3x3 s2; 3x3 s2 pool. Output: 2 + in_channels channels."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 1)
        self.branch3x3dbl_2 = BasicConv2d(1, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(1, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        double = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch3x3(x), double, F.avg_pool2d(x, 3, 2)], 1)


class InceptionC(nn.Module):
    """Branches with factorised 1x7 and 7x1 convs. Output: 4 channels."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        wide = {"kernel": (1, 7), "padding": (0, 3)}
        tall = {"kernel": (7, 1), "padding": (3, 0)}
        self.branch1x1 = BasicConv2d(in_channels, 1)
        self.branch7x7_1 = BasicConv2d(in_channels, 1)
        self.branch7x7_2 = BasicConv2d(1, **wide)
        self.branch7x7_3 = BasicConv2d(1, **tall)
        self.branch7x7dbl_1 = BasicConv2d(in_channels, 1)
        self.branch7x7dbl_2 = BasicConv2d(1, **tall)
        self.branch7x7dbl_3 = BasicConv2d(1, **wide)
        self.branch7x7dbl_4 = BasicConv2d(1, **tall)
        self.branch7x7dbl_5 = BasicConv2d(1, **wide)
        self.branch_pool = BasicConv2d(in_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        single = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        double = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            double = layer(double)
        return torch.cat([self.branch1x1(x), single, double, self.branch_pool(_average_pool_3x3(x))], 1)


class InceptionD(nn.Module):
    """Stride-2 reduction: 1x1, 3x3 s2; 1x1, 1x7, 7x1, 3x3 s2; 3x3 s2 pool. Output: 2 + in_channels channels."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch3x3_1 = BasicConv2d(in_channels, 1)
        self.branch3x3_2 = BasicConv2d(1, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(in_channels, 1)
        self.branch7x7x3_2 = BasicConv2d(1, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(1, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(1, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch3x3 = self.branch3x3_2(self.branch3x3_1(x))
        branch7x7x3 = self.branch7x7x3_1(x)
        for layer in (self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            branch7x7x3 = layer(branch7x7x3)
        return torch.cat([branch3x3, branch7x7x3, F.avg_pool2d(x, 3, 2)], 1)


class InceptionE(nn.Module):
    """Branches that split into parallel 1x3 and 3x1 convs. Output: 6 channels."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 1)
        self.branch3x3_1 = BasicConv2d(in_channels, 1)
        self.branch3x3_2a = BasicConv2d(1, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(1, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 1)
        self.branch3x3dbl_2 = BasicConv2d(1, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(1, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(1, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(in_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        split = self.branch3x3_1(x)
        double = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        branches = [
            self.branch1x1(x),
            torch.cat([self.branch3x3_2a(split), self.branch3x3_2b(split)], 1),
            torch.cat([self.branch3x3dbl_3a(double), self.branch3x3dbl_3b(double)], 1),
            self.branch_pool(_average_pool_3x3(x)),
        ]
        return torch.cat(branches, 1)


class Inception3(nn.Module):
    """torchvision's Inception3 geometry without the auxiliary classifier; input 1 channel."""

    def __init__(self) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(1, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(1, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(1, 3, padding=1)
        self.maxpool1 = pool(3, 2)
        self.Conv2d_3b_1x1 = BasicConv2d(1, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(1, 3)
        self.maxpool2 = pool(3, 2)
        self.Mixed_5b = InceptionA(1)
        self.Mixed_5c = InceptionA(4)
        self.Mixed_5d = InceptionA(4)
        self.Mixed_6a = InceptionB(4)
        self.Mixed_6b = InceptionC(6)
        self.Mixed_6c = InceptionC(4)
        self.Mixed_6d = InceptionC(4)
        self.Mixed_6e = InceptionC(4)
        self.Mixed_7a = InceptionD(4)
        self.Mixed_7b = InceptionE(6)
        self.Mixed_7c = InceptionE(6)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = linear(6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for child in list(self.children())[:-2]:
            x = child(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


class DoubleConv(nn.Module):
    """Two valid 3x3 convs, named conv1 and conv2 as in the U-Net preset."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.conv1 = conv(in_channels, 3)
        self.conv2 = conv(1, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


class UNet(nn.Module):
    """The U-Net preset: enc1 to enc5, pool1 to pool4, up4 to up1 with center crops and concat, dec4 to dec1, out."""

    def __init__(self) -> None:
        super().__init__()
        for level in range(1, 6):
            self.add_module(f"enc{level}", DoubleConv(1))
            if level < 5:
                self.add_module(f"pool{level}", pool(2, 2))
        for level in range(4, 0, -1):
            up = nn.ConvTranspose2d(1, 1, 2, 2, bias=False)
            _fill_positive(up)
            self.add_module(f"up{level}", up)
            self.add_module(f"dec{level}", DoubleConv(2))
        self.out = conv(1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
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


def center_crop(x: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Crop the spatial axes of `x` to `size`, the extra pixel of an odd margin going after."""
    slices = [slice(None), slice(None)]
    for have, want in zip(x.shape[2:], size):
        before = (have - want) // 2
        slices.append(slice(before, before + want))
    return x[tuple(slices)]


class CausalConv1d(nn.Module):
    """A k=2 conv with dilation d that pads d zeros before the signal only, as `p=d:0` in a spec."""

    def __init__(self, dilation: int) -> None:
        super().__init__()
        self.padding = dilation
        self.conv = conv(1, 2, 1, 0, dilation, dims=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, (self.padding, 0)))


class WaveNetLayer(nn.Module):
    """One residual layer. It returns (x + residual, skip), so a forward hook captures the residual sum first."""

    def __init__(self, dilation: int) -> None:
        super().__init__()
        self.dilated = CausalConv1d(dilation)
        self.residual = conv(1, 1, dims=1)
        self.skip = conv(1, 1, dims=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        gated = self.dilated(x)
        return x + self.residual(gated), self.skip(gated)


class WaveNetHead(nn.Module):
    """The two 1x1 convs after the skip sum."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = conv(1, 1, dims=1)
        self.conv2 = conv(1, 1, dims=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


class WaveNet(nn.Module):
    """The WaveNet preset: causal, stacks.<cycle>.<layer> with dilations 1 to 512, skip sum, head."""

    def __init__(self, dilations: Sequence[int], cycles: int) -> None:
        super().__init__()
        self.causal = CausalConv1d(1)
        self.stacks = nn.ModuleList(
            nn.ModuleList(WaveNetLayer(dilation) for dilation in dilations) for _ in range(cycles)
        )
        self.head = WaveNetHead()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.causal(x)
        skip_sum = torch.zeros_like(x)
        for cycle in self.stacks:
            for layer in cycle:
                x, skip = layer(x)
                skip_sum = skip_sum + skip
        return self.head(skip_sum)


def build_model(preset: str) -> nn.Module:
    """Return the float64 model for a preset name from `rf_core.presets.preset_names()`."""
    builders: dict[str, Callable[[], nn.Module]] = {
        "alexnet": AlexNet,
        "vgg11": lambda: VGG("vgg11"),
        "vgg16": lambda: VGG("vgg16"),
        "vgg19": lambda: VGG("vgg19"),
        "resnet18": lambda: ResNet("resnet18"),
        "resnet50": lambda: ResNet("resnet50"),
        "resnet152": lambda: ResNet("resnet152"),
        "mobilenet_v2": MobileNetV2,
        "inception_v3": Inception3,
        "unet": UNet,
        "wavenet": lambda: WaveNet(WAVENET_DILATIONS, WAVENET_CYCLES),
    }
    return builders[preset]().double().eval()


class _StopForward(Exception):
    """Raised by a forward hook to end the forward pass once the requested layer has run."""


def forward_to(model: nn.Module, x: torch.Tensor, layer: str | None = None) -> torch.Tensor:
    """Run `model` on `x` and return the output of the submodule at path `layer`, or of the model.

    A forward hook captures the layer's output and stops the pass there. A
    module that returns a tuple contributes its first element.
    """
    if layer is None:
        return model(x)
    captured: dict[str, torch.Tensor] = {}

    def hook(module: nn.Module, inputs: tuple, output) -> None:
        captured["output"] = output[0] if isinstance(output, tuple) else output
        raise _StopForward

    handle = dict(model.named_modules())[layer].register_forward_hook(hook)
    try:
        model(x)
    except _StopForward:
        pass
    finally:
        handle.remove()
    return captured["output"]


def measure_span(
    module: nn.Module,
    input_shape: Sequence[int],
    output_index: Sequence[int],
    *,
    layer: str | None = None,
) -> list[tuple[int, int] | None]:
    """Back-propagate from one output unit and return, per spatial axis, the first and last
    input index with a nonzero gradient (None when no gradient reaches the input).

    Args:
        module: A float64 model from this file.
        input_shape: (batch, channels, *spatial) of the input, which is all ones.
        output_index: Spatial index of the unit; the gradient flows from the sum
            over its channels, so a concat counts every branch. Give () for a
            flat output such as a linear layer's.
        layer: Path of the submodule whose output contains the unit, or None
            for the model's own output.
    """
    x = torch.ones(tuple(input_shape), dtype=torch.float64, requires_grad=True)
    output = forward_to(module, x, layer)
    unit = output[(0, slice(None), *output_index)]
    unit.sum().backward()

    gradient = x.grad[0].abs().sum(0)
    spans: list[tuple[int, int] | None] = []
    for axis in range(gradient.dim()):
        others = tuple(other for other in range(gradient.dim()) if other != axis)
        profile = gradient.amax(dim=others) if others else gradient
        nonzero = torch.nonzero(profile > 0).flatten()
        spans.append((int(nonzero[0]), int(nonzero[-1])) if len(nonzero) else None)
    return spans
