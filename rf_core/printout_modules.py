"""Geometry of each module type in a printout, read from the arguments that `print(model)` shows.

Standard library only, so it runs in Pyodide.
"""

from __future__ import annotations

import re

from rf_core.errors import SpecError
from rf_core.layers import AxisParams
from rf_core.module_kinds import PASS_THROUGH_MODULES, Geometry
from rf_core.printout_tree import PrintedModule

#: The call that imports a model by tracing its forward pass, for messages.
NETWORK_FROM_MODULE = "rf_core.torch_adapter.network_from_module(model, input_shape)"

#: Note for padding that copies input pixels instead of adding zeros.
COPYING_PADDING_NOTE = (
    "its {what} padding is taken as zero padding: sizes and fields are exact, but a clipped field at the "
    "border leaves out the input pixels that the padding copies"
)

_WINDOW_TYPE = re.compile(r"(?P<base>Conv|ConvTranspose|MaxPool|AvgPool|AdaptiveAvgPool|AdaptiveMaxPool)(?P<axes>[123])d\Z")
_PAD_TYPE = re.compile(r"(?P<base>Zero|Constant|Reflection|Replication|Circular)Pad(?P<axes>[123])d\Z")
_MISSING = object()


class _Arguments:
    """The arguments of one printed module, looked up by keyword or position."""

    def __init__(self, module: PrintedModule) -> None:
        self.module = module
        self.positional, self.keywords = module.parse_arguments()

    def get(self, name: str, *, position: int | None = None, default: object = _MISSING) -> object:
        if name in self.keywords:
            return self.keywords[name][0]
        if position is not None and position < len(self.positional):
            return self.positional[position][0]
        if default is _MISSING:
            raise self.error(f"{self.module.type_name} needs {name}, which this line does not give")
        return default

    def has(self, name: str) -> bool:
        return name in self.keywords

    def error(self, message: str, name: str | None = None) -> SpecError:
        """Return a SpecError at the argument `name`, or at the type name."""
        column = self.keywords[name][1] if name in self.keywords else self.module.column
        if name is not None and name not in self.keywords and self.positional:
            column = self.positional[0][1]
        return SpecError(message, line=self.module.line, column=column)

    def per_axis(self, name: str, count: int, *, position: int | None = None, default: object = _MISSING) -> tuple[int, ...]:
        """Return a whole-number argument per axis: an int for every axis or a tuple of `count`."""
        value = self.get(name, position=position, default=default)
        values = value if isinstance(value, (tuple, list)) else (value,) * count
        if len(values) != count or not all(_is_whole(item) for item in values):
            raise self.error(
                f"{name}={value!r} of {self.module.type_name} must be a whole number or a tuple of {count}", name
            )
        return tuple(int(item) for item in values)


def _is_whole(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer()


def module_geometry(module: PrintedModule) -> Geometry:
    """Return the geometry of one leaf module from its type name and arguments.

    Raises:
        SpecError: the type has no known geometry, or an argument is missing or
            has an unsupported value.
    """
    arguments = _Arguments(module)
    type_name = arguments.module.type_name
    if type_name in PASS_THROUGH_MODULES:
        return Geometry(PASS_THROUGH_MODULES[type_name])
    if type_name == "Linear":
        return Geometry("fc")
    if type_name in ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"):
        return _upsample(arguments)
    match = _WINDOW_TYPE.match(type_name)
    if match is not None:
        base, count = match.group("base"), int(match.group("axes"))
        if base in ("Conv", "ConvTranspose"):
            return _convolution(arguments, "conv" if base == "Conv" else "convt", count)
        if base in ("MaxPool", "AvgPool"):
            return _pooling(arguments, base.lower(), count)
        return _adaptive_pooling(arguments, count)
    match = _PAD_TYPE.match(type_name)
    if match is not None:
        return _padding(arguments, match.group("base"), int(match.group("axes")))
    raise arguments.error(
        f"unknown module type {type_name!r}: rf_core does not know its geometry. Replace this line with a "
        "module of the same geometry, such as Identity() for one that keeps every pixel in place, or import "
        f"the model with {NETWORK_FROM_MODULE} and declare the module pass-through"
    )


def _convolution(arguments: _Arguments, kind: str, count: int) -> Geometry:
    kernel = arguments.per_axis("kernel_size", count)
    stride = arguments.per_axis("stride", count, default=1)
    dilation = arguments.per_axis("dilation", count, default=1)
    output_padding = arguments.per_axis("output_padding", count, default=0)
    groups = arguments.get("groups", default=1)
    if not _is_whole(groups):
        raise arguments.error(f"groups={groups!r} must be a whole number", "groups")

    padding_mode = "explicit"
    padding = arguments.get("padding", default=0)
    if padding in ("same", "valid"):
        padding_mode, pads = str(padding), (0,) * count
    else:
        pads = arguments.per_axis("padding", count, default=0)

    note = ""
    copying = arguments.get("padding_mode", default="zeros")
    if copying != "zeros":
        note = COPYING_PADDING_NOTE.format(what=copying)
    axes = tuple(
        AxisParams(kernel=k, stride=s, dilation=d, pad_before=p, pad_after=p, output_padding=op)
        for k, s, d, p, op in zip(kernel, stride, dilation, pads, output_padding)
    )
    return Geometry(kind, axes, padding_mode, groups=int(groups), note=note)  # type: ignore[arg-type]


def _pooling(arguments: _Arguments, kind: str, count: int) -> Geometry:
    kernel = arguments.per_axis("kernel_size", count, position=0)
    stride = kernel if arguments.get("stride", default=None) is None else arguments.per_axis("stride", count)
    padding = arguments.per_axis("padding", count, default=0)
    dilation = arguments.per_axis("dilation", count, default=1) if kind == "maxpool" else (1,) * count
    ceil_mode = arguments.get("ceil_mode", default=False)
    if not isinstance(ceil_mode, bool):
        raise arguments.error(f"ceil_mode={ceil_mode!r} must be True or False", "ceil_mode")
    note = ""
    if not arguments.has("ceil_mode"):
        note = (
            f"print(model) does not show the ceil_mode of {arguments.module.type_name}, so ceil_mode=False "
            "is assumed; add 'ceil' to the line below if the model sets ceil_mode=True"
        )
    axes = tuple(
        AxisParams(kernel=k, stride=s, dilation=d, pad_before=p, pad_after=p)
        for k, s, d, p in zip(kernel, stride, dilation, padding)
    )
    return Geometry(kind, axes, ceil_mode=ceil_mode, note=note)


def _adaptive_pooling(arguments: _Arguments, count: int) -> Geometry:
    value = arguments.get("output_size", position=0)
    if value is None or (isinstance(value, tuple) and None in value):
        raise arguments.error(
            f"output_size={value!r} keeps the input size along an axis, which a printout does not give; "
            "replace None by that size",
            "output_size",
        )
    sizes = arguments.per_axis("output_size", count, position=0)
    if all(size == 1 for size in sizes):
        return Geometry("globalpool")
    return Geometry("adaptivepool", tuple(AxisParams(output_size=size) for size in sizes))


def _upsample(arguments: _Arguments) -> Geometry:
    type_name = arguments.module.type_name
    default_mode = "bilinear" if type_name == "UpsamplingBilinear2d" else "nearest"
    mode = arguments.get("mode", default=default_mode)
    if mode not in ("nearest", "nearest-exact"):
        raise arguments.error(
            f"{type_name} with mode {mode!r} is not supported: rf_core models nearest upsampling only, where "
            f"every output pixel copies one input pixel; {mode} interpolation reads neighbouring pixels too",
            "mode" if arguments.has("mode") else None,
        )
    if arguments.get("size", default=None) is not None:
        raise arguments.error(
            f"{type_name} to a fixed size depends on the input size, which a printout does not give; if the "
            "size is a whole multiple of the input, write scale_factor instead",
            "size",
        )
    factor = arguments.get("scale_factor", default=None)
    factors = factor if isinstance(factor, tuple) else (factor,)
    if factor is None or not all(_is_whole(item) for item in factors):
        raise arguments.error(
            f"scale_factor={factor!r} of {type_name} is not supported; rf_core needs a whole-number scale "
            "factor such as 2.0",
            "scale_factor" if arguments.has("scale_factor") else None,
        )
    return Geometry("upsample", tuple(AxisParams(factor=int(item)) for item in factors))


def _padding(arguments: _Arguments, base: str, count: int) -> Geometry:
    value = arguments.get("padding", position=0)
    flat = value if isinstance(value, tuple) else (value,) * (2 * count)
    if len(flat) != 2 * count or not all(_is_whole(item) for item in flat):
        raise arguments.error(f"padding={value!r} of {arguments.module.type_name} must be {2 * count} whole numbers", "padding")
    # PyTorch lists the padding last axis first: (left, right, top, bottom).
    pairs = [(int(flat[2 * axis]), int(flat[2 * axis + 1])) for axis in reversed(range(count))]
    values = [item for pair in pairs for item in pair]
    if all(item >= 0 for item in values):
        kind, sign = "pad", 1
    elif all(item <= 0 for item in values):
        kind, sign = "crop", -1
    else:
        raise arguments.error(
            f"padding={value!r} pads one side and crops another; rf_core needs a pad and a crop layer for that",
            "padding",
        )
    note = "" if base in ("Zero", "Constant") else COPYING_PADDING_NOTE.format(what=base.lower())
    return Geometry(kind, tuple(AxisParams(pad_before=sign * b, pad_after=sign * a) for b, a in pairs), note=note)
