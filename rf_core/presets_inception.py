"""Spec generator for torchvision's Inception3 (Inception-v3), without the auxiliary classifier.

Convolutions are named by the path of their Conv2d module, such as
`Mixed_5b.branch5x5_2.conv`, because torchvision wraps each one with its batch
norm in a `BasicConv2d`. Each block's concat carries the block's own name
(`Mixed_5b`). torchvision pools inside the blocks with functional calls
(`F.avg_pool2d`, `F.max_pool2d`) that have no module path, so those layers are
named `<block>.pool`. Per-axis kernels are written height first: `k=1x7`
is torchvision's `kernel_size=(1, 7)`.
"""

from __future__ import annotations

from rf_core.presets_writer import SpecWriter, Value

#: The InceptionC blocks. Their channel counts differ (c7 = 128, 160, 160, 192)
#: but channels change no geometry, so all four have the same spec.
INCEPTION_C_BLOCKS = ("Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e")


def inception_v3_spec(input_size: int) -> tuple[str, tuple[str, ...]]:
    """Write torchvision's Inception3 and return the spec text and its endpoints.

    The endpoints are the two stem pools and every Mixed block.
    """
    writer = SpecWriter(input_size)
    writer.conv("Conv2d_1a_3x3.conv", k=3, s=2)
    writer.conv("Conv2d_2a_3x3.conv", k=3)
    writer.conv("Conv2d_2b_3x3.conv", k=3, p=1)
    writer.pool("maxpool", "maxpool1", k=3, s=2)
    writer.conv("Conv2d_3b_1x1.conv", k=1)
    writer.conv("Conv2d_4a_3x3.conv", k=3)
    writer.pool("maxpool", "maxpool2", k=3, s=2)
    endpoints = ["maxpool1", "maxpool2"]

    for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d"):
        endpoints.append(_inception_a(writer, name))
    endpoints.append(_inception_b(writer, "Mixed_6a"))
    for name in INCEPTION_C_BLOCKS:
        endpoints.append(_inception_c(writer, name))
    endpoints.append(_inception_d(writer, "Mixed_7a"))
    for name in ("Mixed_7b", "Mixed_7c"):
        endpoints.append(_inception_e(writer, name))

    writer.layer("globalpool", "avgpool")
    writer.layer("fc", "fc")
    return writer.text(), tuple(endpoints)


def _chain(writer: SpecWriter, block_input: str, convs: list[tuple[str, Value, Value]]) -> str:
    """Write a branch of convs (name, kernel, padding), the first reading `block_input`."""
    source: str | None = block_input
    for name, kernel, padding in convs:
        writer.conv(f"{name}.conv", k=kernel, p=padding, source=source)
        source = None
    return writer.last


def _pool_branch(writer: SpecWriter, block: str, block_input: str) -> str:
    """Write the 3x3 stride-1 average pool and 1x1 conv branch of blocks A, C and E."""
    writer.pool("avgpool", f"{block}.pool", k=3, s=1, p=1, source=block_input)
    return writer.conv(f"{block}.branch_pool.conv", k=1)


def _inception_a(writer: SpecWriter, block: str) -> str:
    writer.comment(f"{block}: InceptionA")
    block_input = writer.last
    branches = [
        _chain(writer, block_input, [(f"{block}.branch1x1", 1, 0)]),
        _chain(writer, block_input, [(f"{block}.branch5x5_1", 1, 0), (f"{block}.branch5x5_2", 5, 2)]),
        _chain(
            writer,
            block_input,
            [
                (f"{block}.branch3x3dbl_1", 1, 0),
                (f"{block}.branch3x3dbl_2", 3, 1),
                (f"{block}.branch3x3dbl_3", 3, 1),
            ],
        ),
        _pool_branch(writer, block, block_input),
    ]
    return writer.merge("concat", block, branches)


def _inception_b(writer: SpecWriter, block: str) -> str:
    writer.comment(f"{block}: InceptionB, stride 2")
    block_input = writer.last
    branch3x3 = writer.conv(f"{block}.branch3x3.conv", k=3, s=2)
    _chain(writer, block_input, [(f"{block}.branch3x3dbl_1", 1, 0), (f"{block}.branch3x3dbl_2", 3, 1)])
    double = writer.conv(f"{block}.branch3x3dbl_3.conv", k=3, s=2)
    pool = writer.pool("maxpool", f"{block}.pool", k=3, s=2, source=block_input)
    return writer.merge("concat", block, (branch3x3, double, pool))


def _inception_c(writer: SpecWriter, block: str) -> str:
    writer.comment(f"{block}: InceptionC with 1x7 and 7x1 convs")
    block_input = writer.last
    wide, tall = ("1x7", "0x3"), ("7x1", "3x0")
    branches = [
        _chain(writer, block_input, [(f"{block}.branch1x1", 1, 0)]),
        _chain(
            writer,
            block_input,
            [(f"{block}.branch7x7_1", 1, 0), (f"{block}.branch7x7_2", *wide), (f"{block}.branch7x7_3", *tall)],
        ),
        _chain(
            writer,
            block_input,
            [
                (f"{block}.branch7x7dbl_1", 1, 0),
                (f"{block}.branch7x7dbl_2", *tall),
                (f"{block}.branch7x7dbl_3", *wide),
                (f"{block}.branch7x7dbl_4", *tall),
                (f"{block}.branch7x7dbl_5", *wide),
            ],
        ),
        _pool_branch(writer, block, block_input),
    ]
    return writer.merge("concat", block, branches)


def _inception_d(writer: SpecWriter, block: str) -> str:
    writer.comment(f"{block}: InceptionD, stride 2")
    block_input = writer.last
    _chain(writer, block_input, [(f"{block}.branch3x3_1", 1, 0)])
    branch3x3 = writer.conv(f"{block}.branch3x3_2.conv", k=3, s=2)
    _chain(
        writer,
        block_input,
        [
            (f"{block}.branch7x7x3_1", 1, 0),
            (f"{block}.branch7x7x3_2", "1x7", "0x3"),
            (f"{block}.branch7x7x3_3", "7x1", "3x0"),
        ],
    )
    branch7x7x3 = writer.conv(f"{block}.branch7x7x3_4.conv", k=3, s=2)
    pool = writer.pool("maxpool", f"{block}.pool", k=3, s=2, source=block_input)
    return writer.merge("concat", block, (branch3x3, branch7x7x3, pool))


def _inception_e(writer: SpecWriter, block: str) -> str:
    # torchvision concatenates the 1x3 and 3x1 outputs of each split branch first and
    # then all branches. One concat over all six outputs has the same field.
    writer.comment(f"{block}: InceptionE with split 1x3 and 3x1 convs")
    block_input = writer.last
    branch1x1 = _chain(writer, block_input, [(f"{block}.branch1x1", 1, 0)])
    split = _chain(writer, block_input, [(f"{block}.branch3x3_1", 1, 0)])
    split_wide = writer.conv(f"{block}.branch3x3_2a.conv", k="1x3", p="0x1", source=split)
    split_tall = writer.conv(f"{block}.branch3x3_2b.conv", k="3x1", p="1x0", source=split)
    double = _chain(writer, block_input, [(f"{block}.branch3x3dbl_1", 1, 0), (f"{block}.branch3x3dbl_2", 3, 1)])
    double_wide = writer.conv(f"{block}.branch3x3dbl_3a.conv", k="1x3", p="0x1", source=double)
    double_tall = writer.conv(f"{block}.branch3x3dbl_3b.conv", k="3x1", p="1x0", source=double)
    pool = _pool_branch(writer, block, block_input)
    return writer.merge("concat", block, (branch1x1, split_wide, split_tall, double_wide, double_tall, pool))
