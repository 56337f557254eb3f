"""Handlers that return the geometry of each supported torch.nn module type."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rf_core.layers import AxisParams
from rf_core.module_kinds import PASS_THROUGH_MODULES, Geometry
from rf_core.torch_geometry import (
    adaptive_geometry,
    convolution_geometry,
    interpolate_geometry,
    linear_geometry,
    pad_geometry,
    pool_geometry,
    reshape_geometry,
    softmax_geometry,
    window_axes,
)

if TYPE_CHECKING:
    import torch
    from torch.fx import Node

    from rf_core.torch_importer import Importer

#: Handler of a module node: returns the node's Geometry, or None when the node is its input unchanged.
ModuleHandler = Callable[["Importer", "Node", "torch.nn.Module"], "Geometry | None"]

_MODULE_TYPE = re.compile(
    r"(?P<base>Conv|ConvTranspose|MaxPool|AvgPool|AdaptiveAvgPool|AdaptiveMaxPool"
    r"|ZeroPad|ConstantPad|ReflectionPad|ReplicationPad|CircularPad)[123]d\Z"
)


def module_handler(submodule: torch.nn.Module) -> ModuleHandler | None:
    """Return the handler for a torch.nn module type, or None for a type without known geometry."""
    module_type = type(submodule)
    if not module_type.__module__.startswith("torch.nn."):
        return None
    type_name = module_type.__name__
    if type_name == "Flatten":
        return lambda importer, node, _: reshape_geometry(importer, node)
    if type_name in ("Softmax", "LogSoftmax"):
        return lambda importer, node, module: softmax_geometry(importer, node, module.dim)
    if type_name in PASS_THROUGH_MODULES:
        return lambda importer, node, _: Geometry(PASS_THROUGH_MODULES[type_name])
    if type_name == "Linear":
        return lambda importer, node, _: linear_geometry(importer, node)
    if type_name in ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"):
        return lambda importer, node, module: interpolate_geometry(importer, node, module.mode, module.scale_factor)
    match = _MODULE_TYPE.match(type_name)
    if match is None:
        return None
    return {
        "Conv": _conv_module,
        "ConvTranspose": _conv_transpose_module,
        "MaxPool": lambda importer, node, module: pool_geometry(
            importer, node, "maxpool", module.kernel_size, module.stride, module.padding, module.dilation, module.ceil_mode
        ),
        "AvgPool": lambda importer, node, module: pool_geometry(
            importer, node, "avgpool", module.kernel_size, module.stride, module.padding, 1, module.ceil_mode
        ),
        "AdaptiveAvgPool": lambda importer, node, _: adaptive_geometry(importer, node),
        "AdaptiveMaxPool": lambda importer, node, _: adaptive_geometry(importer, node),
    }.get(match.group("base"), lambda importer, node, module: pad_geometry(importer, node, module.padding))


def _conv_module(importer: Importer, node: Node, module: Any) -> Geometry:
    return convolution_geometry(importer, node, module.kernel_size, module.stride, module.padding, module.dilation, module.groups)


def _conv_transpose_module(importer: Importer, node: Node, module: Any) -> Geometry:
    axes = window_axes(
        importer, node, module.kernel_size, module.stride, module.padding, module.dilation, module.output_padding
    )
    if len(node.args) > 1 or node.kwargs:
        # forward(x, output_size) picks the output padding that gives that size.
        sizes = zip(importer.input_shape(node)[2:], importer.output_shape(node)[2:])
        axes = tuple(
            AxisParams(
                kernel=params.kernel,
                stride=params.stride,
                dilation=params.dilation,
                pad_before=params.pad_before,
                pad_after=params.pad_after,
                output_padding=size_out - ((size_in - 1) * params.stride - 2 * params.pad_before + params.effective_kernel),
            )
            for params, (size_in, size_out) in zip(axes, sizes)
        )
    return Geometry("convt", axes, groups=module.groups)
