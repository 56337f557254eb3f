"""Spec generators for residual networks: torchvision's ResNet and MobileNetV2.

Layer names are torchvision's module paths. A residual block's `add` carries the
block's own path (`layer2.0`, `features.3`), because in torchvision the block
module's output is that sum. Batch norm and ReLU are left out: they change no
geometry.
"""

from __future__ import annotations

from rf_core.presets_writer import SpecWriter

#: Residual blocks per stage (layer1 to layer4) of torchvision's ResNets.
RESNET_BLOCKS = {
    "resnet18": (2, 2, 2, 2),
    "resnet34": (3, 4, 6, 3),
    "resnet50": (3, 4, 6, 3),
    "resnet101": (3, 4, 23, 3),
    "resnet152": (3, 8, 36, 3),
}

#: torchvision's MobileNetV2 settings: expansion factor t, output channels c,
#: number of blocks n and stride s of the first block.
MOBILENET_V2_SETTINGS = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def resnet_spec(depth: str, input_size: int) -> tuple[str, tuple[str, ...]]:
    """Write torchvision's ResNet (`resnet18` to `resnet152`) and return the spec and its endpoints.

    ResNet-18 and -34 use basic blocks (two 3x3 convs), the deeper ones
    bottleneck blocks (1x1, 3x3, 1x1). The endpoints are conv1, maxpool and the
    last block of each stage.
    """
    bottleneck = depth not in ("resnet18", "resnet34")
    expansion = 4 if bottleneck else 1
    writer = SpecWriter(input_size)
    writer.conv("conv1", k=7, s=2, p=3)
    writer.pool("maxpool", "maxpool", k=3, s=2, p=1)
    endpoints = ["conv1", "maxpool"]

    channels = 64
    for stage, blocks in enumerate(RESNET_BLOCKS[depth], start=1):
        planes = 64 * 2 ** (stage - 1)
        writer.comment(f"layer{stage}: {blocks} {'bottleneck' if bottleneck else 'basic'} blocks")
        for block in range(blocks):
            stride = 2 if stage > 1 and block == 0 else 1
            needs_projection = stride != 1 or channels != planes * expansion
            name = f"layer{stage}.{block}"
            if bottleneck:
                _bottleneck_block(writer, name, stride, needs_projection)
            else:
                _basic_block(writer, name, stride, needs_projection)
            channels = planes * expansion
        endpoints.append(writer.last)

    writer.layer("globalpool", "avgpool")
    writer.layer("fc", "fc")
    return writer.text(), tuple(endpoints)


def _basic_block(writer: SpecWriter, name: str, stride: int, needs_projection: bool) -> None:
    block_input = writer.last
    writer.conv(f"{name}.conv1", k=3, s=stride, p=1)
    main = writer.conv(f"{name}.conv2", k=3, p=1)
    shortcut = block_input
    if needs_projection:
        shortcut = writer.conv(f"{name}.downsample.0", k=1, s=stride, source=block_input)
    writer.merge("add", name, (main, shortcut))


def _bottleneck_block(writer: SpecWriter, name: str, stride: int, needs_projection: bool) -> None:
    # ResNet v1.5, as in torchvision: the stride sits in the 3x3 conv, not in the first 1x1.
    block_input = writer.last
    writer.conv(f"{name}.conv1", k=1)
    writer.conv(f"{name}.conv2", k=3, s=stride, p=1)
    main = writer.conv(f"{name}.conv3", k=1)
    shortcut = block_input
    if needs_projection:
        shortcut = writer.conv(f"{name}.downsample.0", k=1, s=stride, source=block_input)
    writer.merge("add", name, (main, shortcut))


def mobilenet_v2_spec(input_size: int) -> tuple[str, tuple[str, ...]]:
    """Write torchvision's MobileNetV2 (width 1.0) and return the spec and its endpoints.

    The endpoints are the last layer at each effective stride: 2, 4, 8, 16 and 32.
    """
    writer = SpecWriter(input_size)
    writer.conv("features.0.0", k=3, s=2, p=1)
    channels = 32
    index = 1
    endpoints = []
    for group, (expansion, out_channels, blocks, first_stride) in enumerate(MOBILENET_V2_SETTINGS):
        for block in range(blocks):
            stride = first_stride if block == 0 else 1
            _inverted_residual(writer, f"features.{index}", channels, out_channels, stride, expansion)
            channels = out_channels
            index += 1
        # A group followed by a stride-2 group ends a stage.
        following = MOBILENET_V2_SETTINGS[group + 1 : group + 2]
        if following and following[0][3] == 2:
            endpoints.append(writer.last)
    endpoints.append(writer.conv(f"features.{index}.0", k=1))
    # torchvision pools with the functional adaptive_avg_pool2d, so the pool has no module path.
    writer.layer("globalpool", "pool")
    writer.layer("fc", "classifier.1")
    return writer.text(), tuple(endpoints)


def _inverted_residual(
    writer: SpecWriter, name: str, in_channels: int, out_channels: int, stride: int, expansion: int
) -> None:
    block_input = writer.last
    hidden = in_channels * expansion
    position = 0
    if expansion != 1:
        writer.conv(f"{name}.conv.0.0", k=1)
        position = 1
    writer.conv(f"{name}.conv.{position}.0", k=3, s=stride, p=1, g=hidden)
    projection = writer.conv(f"{name}.conv.{position + 1}", k=1)
    if stride == 1 and in_channels == out_channels:
        writer.merge("add", name, (projection, block_input))
