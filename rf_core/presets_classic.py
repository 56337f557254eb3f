"""Spec generators for the single-path ImageNet networks: AlexNet and VGG.

Layer names are torchvision's module paths (`features.3`, `classifier.1`).
ReLU and dropout change no geometry and are left out, so the indices in the
names skip the positions those modules take in torchvision's `Sequential`.
"""

from __future__ import annotations

from rf_core.presets_writer import SpecWriter

#: torchvision's VGG configurations: output channels of each 3x3 conv, "M" for a 2x2 max pool.
VGG_CONFIGS = {
    "vgg11": (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
    "vgg16": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"),
    "vgg19": (
        64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
        512, 512, 512, 512, "M", 512, 512, 512, 512, "M",
    ),
}  # fmt: skip


def alexnet_spec(input_size: int) -> tuple[str, tuple[str, ...]]:
    """Write torchvision's AlexNet and return the spec text and its endpoints.

    The endpoints are conv1 and the three max pools.
    """
    writer = SpecWriter(input_size)
    writer.conv("features.0", k=11, s=4, p=2)
    writer.pool("maxpool", "features.2", k=3, s=2)
    writer.conv("features.3", k=5, p=2)
    writer.pool("maxpool", "features.5", k=3, s=2)
    writer.conv("features.6", k=3, p=1)
    writer.conv("features.8", k=3, p=1)
    writer.conv("features.10", k=3, p=1)
    writer.pool("maxpool", "features.12", k=3, s=2)
    writer.layer("adaptivepool", "avgpool", o=6)
    writer.layer("fc", "classifier.1")
    writer.layer("fc", "classifier.4")
    writer.layer("fc", "classifier.6")
    return writer.text(), ("features.0", "features.2", "features.5", "features.12")


def vgg_spec(config: str, input_size: int) -> tuple[str, tuple[str, ...]]:
    """Write torchvision's VGG without batch norm (config `vgg11`, `vgg16` or `vgg19`).

    Returns the spec text and the endpoints, which are the five max pools.
    """
    writer = SpecWriter(input_size)
    pools = []
    index = 0
    for entry in VGG_CONFIGS[config]:
        if entry == "M":
            pools.append(writer.pool("maxpool", f"features.{index}", k=2, s=2))
            index += 1
        else:
            # A conv and its ReLU take two positions in torchvision's `features`.
            writer.conv(f"features.{index}", k=3, p=1)
            index += 2
    writer.layer("adaptivepool", "avgpool", o=7)
    writer.layer("fc", "classifier.0")
    writer.layer("fc", "classifier.3")
    writer.layer("fc", "classifier.6")
    return writer.text(), tuple(pools)
