"""Spec generator for the U-Net of Ronneberger, Fischer and Brox (2015).

The network follows "U-Net: Convolutional Networks for Biomedical Image
Segmentation" (MICCAI 2015). Every convolution is 3x3 without padding. The
contracting path halves the size with 2x2 max pooling. The expanding path
doubles it with 2x2 up-convolutions (stride 2) and concatenates the cropped
feature map of the same level. With input 572 the output is 388.

torchvision has no U-Net, so the names are this project's own: `enc1` to
`enc5` down the contracting path, `dec4` to `dec1` up the expanding one.
"""

from __future__ import annotations

from rf_core.errors import RFError
from rf_core.presets_writer import SpecWriter

#: Number of resolution levels, including the bottom one (enc5).
LEVELS = 5

#: Smallest input size for which every layer has an output pixel: the output is then 4 pixels.
MINIMUM_INPUT = 188


def unet_spec(input_size: int) -> tuple[str, tuple[str, ...]]:
    """Write the U-Net and return the spec text and its endpoints (the last conv of every level).

    Every max pool reads an even size, and every layer keeps at least one
    pixel, exactly for input sizes 16 m + 12 from 188 up (188, 204, ..., 572).
    The crops are the same for all of them, so the spec fits each of these sizes.

    Raises:
        RFError: a max pool would read an odd size, or a layer would have no
            pixels left.
    """
    writer = SpecWriter(input_size)
    size = input_size
    skips: list[tuple[str, int]] = []

    for level in range(1, LEVELS + 1):
        writer.comment(f"contracting level {level}")
        if level > 1:
            if size % 2:
                raise RFError(
                    f"U-Net input {input_size} is invalid: pool{level - 1} would read an odd size {size}; "
                    f"use an input size of 16 m + 12 from {MINIMUM_INPUT} up, such as 572"
                )
            size //= 2
            writer.pool("maxpool", f"pool{level - 1}", k=2, s=2)
        writer.conv(f"enc{level}.conv1", k=3)
        writer.conv(f"enc{level}.conv2", k=3)
        size -= 4
        _check_size(input_size, size, f"enc{level}.conv2")
        skips.append((writer.last, size))

    for level in range(LEVELS - 1, 0, -1):
        writer.comment(f"expanding level {level}")
        up = writer.layer("convt", f"up{level}", k=2, s=2)
        size *= 2
        skip, skip_size = skips[level - 1]
        margin = skip_size - size
        crop = f"{margin // 2}:{margin - margin // 2}" if margin % 2 else margin // 2
        cropped = writer.layer("crop", f"crop{level}", source=skip, c=crop)
        writer.merge("concat", f"cat{level}", (cropped, up))
        writer.conv(f"dec{level}.conv1", k=3)
        writer.conv(f"dec{level}.conv2", k=3)
        size -= 4
        _check_size(input_size, size, f"dec{level}.conv2")

    writer.conv("out", k=1)
    endpoints = [f"enc{level}.conv2" for level in range(1, LEVELS + 1)]
    endpoints += [f"dec{level}.conv2" for level in range(LEVELS - 1, 0, -1)]
    return writer.text(), tuple(endpoints)


def _check_size(input_size: int, size: int, layer: str) -> None:
    if size < 1:
        raise RFError(
            f"U-Net input {input_size} is too small: {layer} has no pixels left; "
            f"use an input size of 16 m + 12 from {MINIMUM_INPUT} up, such as 572"
        )
