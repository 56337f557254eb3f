"""Handlers that return the geometry of each supported torch function and tensor method.

Torch is imported inside `function_handlers` only, so `import rf_core` works without it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rf_core.layers import AxisParams
from rf_core.module_kinds import Geometry
from rf_core.torch_geometry import (
    adaptive_geometry,
    convolution_geometry,
    interpolate_geometry,
    linear_geometry,
    pad_geometry,
    pool_geometry,
    reshape_geometry,
    softmax_geometry,
)

if TYPE_CHECKING:
    from torch.fx import Node

    from rf_core.torch_importer import Importer

#: Tensor methods that change only memory layout, dtype or autograd state, so they add no layer.
ALIAS_METHODS = ("contiguous", "clone", "detach", "float", "double", "half", "to", "type_as", "requires_grad_")

#: Handler of a function or method node: returns the node's Geometry, or None when the node is its input unchanged.
NodeHandler = Callable[["Importer", "Node"], "Geometry | None"]


def _reduce(importer: Importer, node: Node) -> Geometry:
    dims = importer.argument(node, 1, "dim")
    rank = len(importer.input_shape(node))
    if dims is None:
        raise importer.unsupported(node, "it reduces every axis, the batch axis too", hint=False)
    reduced = {dim % rank for dim in (dims if isinstance(dims, (tuple, list)) else (dims,))}
    if reduced == set(range(2, rank)):
        return Geometry("globalpool")
    if reduced <= {1}:
        return Geometry("identity")
    raise importer.unsupported(
        node,
        f"it reduces axes {sorted(reduced)}; rf_core imports a reduction over all spatial axes (global pooling) "
        "or over channels only",
        hint=False,
    )


def _getitem(importer: Importer, node: Node) -> Geometry:
    """Return identity for slicing of batch and channels, crop for step-1 slices of the spatial axes."""
    index = importer.argument(node, 1, "index")
    shape = importer.input_shape(node)
    entries = list(index) if isinstance(index, tuple) else [index]
    if Ellipsis in entries and None not in entries:
        position = entries.index(Ellipsis)
        entries[position : position + 1] = [slice(None)] * (len(shape) - len(entries) + 1)
    entries += [slice(None)] * (len(shape) - len(entries))
    crops = []
    for entry, size in zip(entries[2:], shape[2:]):
        if not isinstance(entry, slice) or entry.indices(size)[2] != 1:
            break
        start, stop, _ = entry.indices(size)
        crops.append((start, size - max(stop, start)))
    if len(entries) != len(shape) or not all(isinstance(entry, slice) for entry in entries[:2]) or len(crops) != len(shape) - 2:
        raise importer.unsupported(
            node,
            f"it indexes with {index!r}; rf_core imports slices of the batch and channel axes and step-1 slices "
            "of the spatial axes only",
            hint=False,
        )
    if all(crop == (0, 0) for crop in crops):
        return Geometry("identity")
    return Geometry("crop", tuple(AxisParams(pad_before=before, pad_after=after) for before, after in crops))


def _elementwise(importer: Importer, node: Node) -> Geometry:
    shapes = {importer.record.shapes[item] for item in node.all_input_nodes if importer.sources.get(item)}
    if len(shapes) > 1:
        listing = " and ".join(str(shape) for shape in sorted(shapes))
        raise importer.unsupported(
            node, f"it combines tensors of shapes {listing} by broadcasting; rf_core merges equal shapes only", hint=False
        )
    return Geometry("add")  # rf_core's add is the geometry of every element-wise merge


def _concat(importer: Importer, node: Node) -> Geometry:
    dim = importer.argument(node, 1, "dim", 0)
    rank = len(importer.output_shape(node))
    if dim % rank != 1:
        raise importer.unsupported(
            node, f"it concatenates along dim={dim}; rf_core concatenates channels (dim=1) only", hint=False
        )
    return Geometry("concat")


def _pass_through(kind: str) -> NodeHandler:
    return lambda importer, node: Geometry(kind)


def _alias(importer: Importer, node: Node) -> None:
    return None


@lru_cache(maxsize=1)
def function_handlers() -> dict[Any, NodeHandler]:
    """Return the handler of every supported function, keyed by the function object."""
    import torch
    import torch.nn.functional as F

    def argument(position: int, name: str, default: Any = None) -> Callable[[Importer, Node], Any]:
        return lambda importer, node: importer.argument(node, position, name, default)

    def max_pool(importer: Importer, node: Node) -> Geometry:
        values = [importer.argument(node, *spec) for spec in ((1, "kernel_size"), (2, "stride"), (3, "padding", 0), (4, "dilation", 1), (5, "ceil_mode", False))]
        return pool_geometry(importer, node, "maxpool", *values)

    def avg_pool(importer: Importer, node: Node) -> Geometry:
        values = [importer.argument(node, *spec) for spec in ((1, "kernel_size"), (2, "stride"), (3, "padding", 0), (4, "ceil_mode", False))]
        return pool_geometry(importer, node, "avgpool", values[0], values[1], values[2], 1, values[3])

    def conv(importer: Importer, node: Node) -> Geometry:
        weight = node.args[1] if len(node.args) > 1 else node.kwargs["weight"]
        kernel = importer.record.shapes[weight][2:]
        values = [importer.argument(node, *spec) for spec in ((3, "stride", 1), (4, "padding", 0), (5, "dilation", 1), (6, "groups", 1))]
        return convolution_geometry(importer, node, kernel, *values)

    def interpolate(importer: Importer, node: Node) -> Geometry:
        return interpolate_geometry(importer, node, argument(3, "mode", "nearest")(importer, node), argument(2, "scale_factor")(importer, node))

    def pad(importer: Importer, node: Node) -> Geometry:
        return pad_geometry(importer, node, argument(1, "pad")(importer, node))

    def softmax(importer: Importer, node: Node) -> Geometry:
        return softmax_geometry(importer, node, argument(1, "dim")(importer, node))

    handlers: dict[Any, NodeHandler] = {
        F.max_pool1d: max_pool,
        F.max_pool2d: max_pool,
        F.max_pool3d: max_pool,
        F.avg_pool1d: avg_pool,
        F.avg_pool2d: avg_pool,
        F.avg_pool3d: avg_pool,
        F.conv1d: conv,
        F.conv2d: conv,
        F.conv3d: conv,
        F.interpolate: interpolate,
        F.upsample: interpolate,
        F.upsample_nearest: lambda importer, node: interpolate_geometry(importer, node, "nearest", argument(2, "scale_factor")(importer, node)),
        F.pad: pad,
        F.linear: lambda importer, node: linear_geometry(importer, node),
        F.softmax: softmax,
        F.log_softmax: softmax,
        torch.softmax: softmax,
        torch.cat: _concat,
        torch.concat: _concat,
        torch.concatenate: _concat,
        operator.getitem: _getitem,
    }
    for function in (F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d):
        handlers[function] = lambda importer, node: adaptive_geometry(importer, node)
    for function in (F.adaptive_max_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool3d):
        handlers[function] = lambda importer, node: adaptive_geometry(importer, node)
    for function in (torch.flatten, torch.reshape, torch.squeeze):
        handlers[function] = reshape_geometry
    for function in (torch.mean, torch.sum, torch.amax):
        handlers[function] = _reduce
    for function in (operator.add, operator.iadd, operator.sub, operator.mul, operator.truediv, torch.add, torch.sub, torch.mul, torch.div):
        handlers[function] = _elementwise
    pass_through = {
        "relu": (F.relu, F.relu_, torch.relu, torch.relu_),
        "relu6": (F.relu6,),
        "leakyrelu": (F.leaky_relu, F.leaky_relu_),
        "elu": (F.elu, F.elu_),
        "gelu": (F.gelu,),
        "silu": (F.silu,),
        "sigmoid": (torch.sigmoid, F.sigmoid),
        "tanh": (torch.tanh, F.tanh),
        "batchnorm": (F.batch_norm,),
        "layernorm": (F.layer_norm,),
        "groupnorm": (F.group_norm,),
        "instancenorm": (F.instance_norm,),
        "lrn": (F.local_response_norm,),
        "dropout": (F.dropout, F.dropout1d, F.dropout2d, F.dropout3d, F.alpha_dropout),
        "identity": (F.hardswish, F.hardsigmoid, F.hardtanh, F.mish, F.selu, F.celu, F.softplus, F.prelu),
    }
    for kind, functions in pass_through.items():
        for function in functions:
            handlers[function] = _pass_through(kind)
    return handlers


METHOD_HANDLERS: dict[str, NodeHandler] = {
    **{name: _pass_through(name.rstrip("_")) for name in ("relu", "relu_", "sigmoid", "sigmoid_", "tanh", "tanh_")},
    **{name: _elementwise for name in ("add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_")},
    **{name: reshape_geometry for name in ("view", "reshape", "flatten", "squeeze")},
    **{name: _reduce for name in ("mean", "sum", "amax")},
    **{name: _alias for name in ALIAS_METHODS},
    "softmax": lambda importer, node: softmax_geometry(importer, node, importer.argument(node, 1, "dim")),
    "log_softmax": lambda importer, node: softmax_geometry(importer, node, importer.argument(node, 1, "dim")),
}
