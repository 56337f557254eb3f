"""Geometry of the operations that torch modules and functions share: windows, pooling, resizing.

Each function returns the Geometry of one graph node from the values of its
module attributes or function arguments, and raises the Importer's RFError for
a value that rf_core cannot model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rf_core.layers import AxisParams
from rf_core.module_kinds import Geometry

if TYPE_CHECKING:
    from torch.fx import Node

    from rf_core.torch_importer import Importer


def window_axes(
    importer: Importer, node: Node, kernel: Any, stride: Any, padding: Any, dilation: Any, output_padding: Any = 0
) -> tuple[AxisParams, ...]:
    values = [
        importer.per_axis(value, node, what)
        for value, what in (
            (kernel, "kernel_size"),
            (stride, "stride"),
            (padding, "padding"),
            (dilation, "dilation"),
            (output_padding, "output_padding"),
        )
    ]
    return tuple(
        AxisParams(kernel=k, stride=s, dilation=d, pad_before=p, pad_after=p, output_padding=op)
        for k, s, p, d, op in zip(*values)
    )


def convolution_geometry(
    importer: Importer, node: Node, kernel: Any, stride: Any, padding: Any, dilation: Any, groups: int
) -> Geometry:
    padding_mode = "explicit"
    if isinstance(padding, str):
        # PyTorch allows 'same' with stride 1 only, where it pads as rf_core's `same` does.
        padding_mode, padding = padding, 0
    axes = window_axes(importer, node, kernel, stride, padding, dilation)
    return Geometry("conv", axes, padding_mode, groups=groups)


def pool_geometry(
    importer: Importer, node: Node, kind: str, kernel: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: Any
) -> Geometry:
    if stride is None or (isinstance(stride, (tuple, list)) and not stride):
        stride = kernel  # PyTorch's default stride is the kernel size
    axes = window_axes(importer, node, kernel, stride, padding, dilation)
    return Geometry(kind, axes, ceil_mode=bool(ceil_mode))


def adaptive_geometry(importer: Importer, node: Node) -> Geometry:
    sizes = importer.output_shape(node)[2:]
    if all(size == 1 for size in sizes):
        return Geometry("globalpool")
    return Geometry("adaptivepool", tuple(AxisParams(output_size=size) for size in sizes))


def interpolate_geometry(importer: Importer, node: Node, mode: Any, scale_factor: Any) -> Geometry:
    if mode not in ("nearest", "nearest-exact"):
        raise importer.unsupported(
            node,
            f"mode {mode!r} reads neighbouring pixels, and rf_core models nearest upsampling only, where every "
            "output pixel copies one input pixel; use mode='nearest' in the model you analyse",
            hint=False,
        )
    sizes = list(zip(importer.input_shape(node)[2:], importer.output_shape(node)[2:]))
    if scale_factor is not None:
        factors = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * len(sizes)
        if not all(float(factor).is_integer() and factor >= 1 for factor in factors):
            raise importer.unsupported(
                node, f"scale_factor={scale_factor!r} is not a whole number; rf_core upsamples by whole factors", hint=False
            )
    for size_in, size_out in sizes:
        if size_out % size_in:
            raise importer.unsupported(
                node,
                f"its output size {size_out} is not a whole multiple of its input size {size_in}; "
                "rf_core upsamples by whole factors",
                hint=False,
            )
    return Geometry("upsample", tuple(AxisParams(factor=size_out // size_in) for size_in, size_out in sizes))


def pad_geometry(importer: Importer, node: Node, flat: Sequence[int]) -> Geometry:
    """Return pad or crop geometry from PyTorch's padding list, last axis first: (left, right, top, bottom)."""
    pairs = [(0, 0)] * importer.num_axes
    for index in range(len(flat) // 2):
        axis = importer.num_axes - 1 - index
        if axis >= 0:  # entries beyond the spatial axes pad channels, which changes no geometry
            pairs[axis] = (int(flat[2 * index]), int(flat[2 * index + 1]))
    values = [value for pair in pairs for value in pair]
    if all(value >= 0 for value in values):
        return Geometry("pad", tuple(AxisParams(pad_before=before, pad_after=after) for before, after in pairs))
    if all(value <= 0 for value in values):
        return Geometry("crop", tuple(AxisParams(pad_before=-before, pad_after=-after) for before, after in pairs))
    raise importer.unsupported(
        node, f"padding {tuple(flat)!r} pads one side and crops another; split it into two F.pad calls", hint=False
    )


def linear_geometry(importer: Importer, node: Node) -> Geometry:
    shape = importer.input_shape(node)
    if len(shape) != 2:
        raise importer.unsupported(
            node,
            f"it reads a tensor of shape {shape}; rf_core imports Linear only on (batch, features), after the "
            "spatial axes are flattened, where every output sees the whole input",
            hint=False,
        )
    return Geometry("fc")


def reshape_geometry(importer: Importer, node: Node) -> Geometry:
    before, after = importer.input_shape(node), importer.output_shape(node)
    if after == before or (len(after) == 2 and after[0] == before[0]):
        return Geometry("identity")
    raise importer.unsupported(
        node,
        f"it reshapes {before} to {after}; rf_core imports a reshape only to (batch, features), as before "
        "fully connected layers",
        hint=False,
    )


def softmax_geometry(importer: Importer, node: Node, dim: Any) -> Geometry:
    rank = len(importer.input_shape(node))
    if dim is not None and rank > 2 and dim % rank >= 2:
        raise importer.unsupported(
            node, f"softmax over dim={dim} mixes all pixels along a spatial axis", hint=False
        )
    return Geometry("softmax")
