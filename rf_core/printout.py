"""Convert the text of PyTorch's `print(model)` into the text spec.

A printout lists a module's children in the order they were assigned in
`__init__`, not in the order the forward pass calls them, and it does not show
how branches are joined. Only printouts whose print order can be the data flow
are accepted: a `Sequential` (nested ones too), a single leaf module, or a
top-level custom module whose children are leaf modules or `Sequential`s, as in
torchvision's AlexNet and VGG. A printout with a nested custom module that has
children, such as a ResNet `BasicBlock`, is rejected, and
`rf_core.torch_adapter.network_from_module` imports such models by tracing the
forward pass instead.

Layers are named after their module path (`features.0`). A path that starts
with a digit, as the children of a top-level `Sequential` do, gets a leading
underscore (`_0`), as in torch.fx node names, because spec names start with a
letter or `_`. Standard library only, so it runs in Pyodide.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from rf_core.errors import LayerError, SpecError
from rf_core.layers import AxisParams, Layer

#: Container types whose children run one after the other in print order.
SEQUENTIAL_TYPES = ("Sequential", "ModuleList")

#: Child names that mean a second path through a block, such as a ResNet shortcut.
BRANCH_CHILD_NAMES = ("downsample", "shortcut", "skip", "residual")

#: Top-level module types whose forward pass joins branches, even when every
#: child printed is a leaf.
BRANCHING_BLOCK_TYPES = ("BasicBlock", "Bottleneck", "InvertedResidual", "Fire")

_MODULE_LINE = re.compile(
    r"(?P<indent>\s*)"
    r"(?:\((?P<key>[^()]*)\):\s*)?"
    r"(?:(?P<count>[0-9]+) x )?"
    r"(?P<type>[A-Za-z_][A-Za-z0-9_]*)\((?P<rest>.*)\Z"
)
_REPEAT_KEY = re.compile(r"(?P<first>[0-9]+)-(?P<last>[0-9]+)\Z")
_NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_NETWORK_FROM_MODULE = "rf_core.torch_adapter.network_from_module(model, input_shape)"


@dataclass
class PrintedModule:
    """One module of a printout.

    Attributes:
        key: The child name in parentheses, such as `0` or `features`; empty for
            the root.
        type_name: The module type, such as `Conv2d`.
        arguments: Text between the parentheses of a one-line module, or None
            for a module whose children follow on their own lines.
        line: 1-based line of the module in the printout.
        column: 1-based column of the type name.
        arguments_column: 1-based column of the first character of `arguments`.
        count: Number of identical modules on this line, more than 1 for
            PyTorch's compressed form `(0-2): 3 x ReLU()`.
        children: Child modules in print order.
    """

    key: str
    type_name: str
    arguments: str | None
    line: int
    column: int
    arguments_column: int
    count: int = 1
    children: list[PrintedModule] = field(default_factory=list)

    @property
    def is_container(self) -> bool:
        """Whether the module's children follow on their own lines."""
        return self.arguments is None

    def parse_arguments(self) -> tuple[list[tuple[object, int]], dict[str, tuple[object, int]]]:
        """Return the positional and keyword arguments, each with its 1-based column.

        Values are Python literals; a bare word such as `same` in `padding=same`
        is returned as a string.

        Raises:
            SpecError: the arguments are not a comma-separated list of literals.
        """
        text = self.arguments or ""
        try:
            tree = ast.parse(f"f({text})", mode="eval")
        except SyntaxError as error:
            offset = max((error.offset or 3) - 3, 0)
            raise SpecError(
                f"malformed arguments of {self.type_name}: {error.msg}; paste the line as print(model) wrote it",
                line=self.line,
                column=self.arguments_column + offset,
            ) from None
        call = tree.body
        if not isinstance(call, ast.Call) or len(text) + 3 != (call.end_col_offset or 0):
            raise SpecError(
                f"malformed arguments of {self.type_name}; expected a list such as kernel_size=(3, 3), stride=(1, 1)",
                line=self.line,
                column=self.arguments_column,
            )
        positional = [(self._literal(node), self._column(node)) for node in call.args]
        keywords = {keyword.arg or "": (self._literal(keyword.value), self._column(keyword)) for keyword in call.keywords}
        return positional, keywords

    def _column(self, node: ast.AST) -> int:
        return self.arguments_column + getattr(node, "col_offset", 2) - 2

    def _literal(self, node: ast.expr) -> object:
        if isinstance(node, ast.Name):
            return node.id
        try:
            return ast.literal_eval(node)
        except ValueError:
            raise SpecError(
                f"argument of {self.type_name} is not a literal value; paste the line as print(model) wrote it",
                line=self.line,
                column=self._column(node),
            ) from None


def spec_from_printout(text: str) -> str:
    """Convert the text of `print(model)` into a spec, one layer per leaf module.

    The spec has no `input` line because a printout does not give the input
    size. `#` comment lines state what the printout could not show, such as the
    print order taken as data flow, or the ceil_mode of AvgPool, which
    `print(model)` omits.

    Raises:
        SpecError: the text is not a printout, contains a branching block (print
            order is not data flow there), or has a module type without known
            geometry. The error carries the printout's line and column.
        LayerError: a module's parameters are outside their valid range.
    """
    root = parse_printout(text)
    lines: list[str] = []
    if root.is_container and root.type_name not in SEQUENTIAL_TYPES:
        _check_no_branches(root)
        children = ", ".join(child.key for child in root.children)
        lines.append(
            f"# Converted from print(model) of {root.type_name}. Print order is taken as data flow: check that "
            f"{root.type_name}.forward calls {children} in this order."
        )

    leaves: list[tuple[PrintedModule, str]] = []
    _collect_leaves(root, root.key, leaves, is_root=True)
    first_with_axes: PrintedModule | None = None
    for module, path in leaves:
        if module.type_name in SEQUENTIAL_TYPES:
            _check_empty_container(module)
            continue
        layer, note = _convert_leaf(module, path)
        if _axis_count(module) is not None:
            first_with_axes = first_with_axes or module
            _check_axis_count(module, first_with_axes)
        if note:
            lines.append(f"# {layer.name or module.type_name}: {note}")
        lines.append(format_layer(layer))
    return "\n".join(lines) + "\n"


def parse_printout(text: str) -> PrintedModule:
    """Parse a printout into its tree of modules, without interpreting the types.

    Raises:
        SpecError: a line is neither a module nor `)`, a parenthesis is left
            open, or text follows the end of the root module.
    """
    root: PrintedModule | None = None
    stack: list[PrintedModule] = []
    last_line = 0
    for number, raw_line in enumerate(text.splitlines(), start=1):
        stripped = raw_line.strip()
        if not stripped:
            continue
        last_line = number
        column = len(raw_line) - len(raw_line.lstrip()) + 1
        if root is not None and not stack:
            raise SpecError(
                f"text after the end of the {root.type_name} printed on line {root.line}; paste one print(model) output",
                line=number,
                column=column,
            )
        if stripped == ")":
            if not stack:
                raise SpecError("')' closes no module; paste the whole print(model) output", line=number, column=column)
            stack.pop()
            continue
        module = _parse_line(raw_line.rstrip(), number, column, is_child=bool(stack))
        if stack:
            stack[-1].children.append(module)
        else:
            root = module
        if module.is_container:
            stack.append(module)

    if root is None:
        raise SpecError("the printout is empty; paste the output of print(model)", line=1, column=1)
    if stack:
        raise SpecError(
            f"{stack[-1].type_name} opened on line {stack[-1].line} is never closed with ')'; "
            "the printout is cut off, so paste all of it",
            line=last_line,
            column=1,
        )
    return root


def _parse_line(line: str, number: int, column: int, *, is_child: bool) -> PrintedModule:
    match = _MODULE_LINE.match(line)
    if match is None:
        raise SpecError(
            "this line is not a module of print(model); expected '(name): Type(...)' or ')'",
            line=number,
            column=column,
        )
    key = match.group("key")
    if is_child and key is None:
        raise SpecError(
            "a child module needs its name in front, as in '(0): Conv2d(...)'", line=number, column=column
        )
    rest = match.group("rest")
    if rest and not rest.endswith(")"):
        raise SpecError(
            f"the line of {match.group('type')} must end with ')' or, when children follow, with '('",
            line=number,
            column=len(line),
        )

    count = int(match.group("count")) if match.group("count") else 1
    repeat = _REPEAT_KEY.match(key or "")
    if count > 1 and (repeat is None or int(repeat.group("last")) - int(repeat.group("first")) + 1 != count):
        raise SpecError(
            f"'{count} x' needs a key covering {count} children, such as (0-{count - 1})",
            line=number,
            column=match.start("count") + 1,
        )
    return PrintedModule(
        key=key or "",
        type_name=match.group("type"),
        arguments=rest[:-1] if rest else None,
        line=number,
        column=match.start("type") + 1,
        arguments_column=match.start("rest") + 1,
        count=count,
    )


def _branch_error(module: PrintedModule, reason: str) -> SpecError:
    return SpecError(
        f"{reason}. Print order is not data flow: a printout does not show how the forward pass connects "
        f"branches, such as a residual add or a concatenation. Import the model itself with {_NETWORK_FROM_MODULE}, "
        "which traces the forward pass",
        line=module.line,
        column=module.column,
    )


def _check_no_branches(root: PrintedModule) -> None:
    """Raise SpecError when a top-level custom module may join branches."""
    if root.type_name in BRANCHING_BLOCK_TYPES or root.type_name.startswith("Inception"):
        raise _branch_error(root, f"{root.type_name} is a block whose forward pass joins branches")
    pending = list(root.children)
    while pending:
        child = pending.pop()
        if child.key in BRANCH_CHILD_NAMES or child.key.startswith("branch"):
            raise _branch_error(child, f"child '{child.key}' of {root.type_name} is a second path through the block")
        pending.extend(child.children)


def _collect_leaves(module: PrintedModule, path: str, leaves: list[tuple[PrintedModule, str]], *, is_root: bool) -> None:
    """Append the leaf modules under `module` in print order, with their module paths."""
    if not module.is_container:
        leaves.extend((module, _join(path, key)) for key in _expanded_keys(module, ""))
        return
    if not is_root and module.type_name not in SEQUENTIAL_TYPES:
        raise _branch_error(
            module,
            f"{module.type_name} on line {module.line} is a custom module with children inside the model, so "
            "its forward pass may join branches",
        )
    for child in module.children:
        if child.is_container:
            _collect_leaves(child, _join(path, child.key), leaves, is_root=False)
        else:
            leaves.extend((child, _join(path, key)) for key in _expanded_keys(child, child.key))


def _expanded_keys(module: PrintedModule, key: str) -> list[str]:
    """Return the child names of one line: `0-2` stands for 0, 1 and 2."""
    repeat = _REPEAT_KEY.match(key)
    if module.count == 1 or repeat is None:
        return [key]
    return [str(index) for index in range(int(repeat.group("first")), int(repeat.group("last")) + 1)]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path and key else path or key


def layer_name(path: str) -> str:
    """Return the spec name for a module path: the path, with `_` before a leading digit."""
    if path[:1].isdigit():
        path = "_" + path
    return path if _NAME_PATTERN.match(path) else re.sub(r"[^A-Za-z0-9_.\-]", "_", path)


def _check_empty_container(module: PrintedModule) -> None:
    if (module.arguments or "").strip():
        raise SpecError(f"{module.type_name} takes no arguments in a printout", line=module.line, column=module.arguments_column)


def _axis_count(module: PrintedModule) -> int | None:
    """Return the number of spatial axes that the type name gives, such as 2 for Conv2d."""
    match = re.search(r"([123])d\Z", module.type_name)
    return int(match.group(1)) if match else None


def _check_axis_count(module: PrintedModule, first: PrintedModule) -> None:
    count, first_count = _axis_count(module), _axis_count(first)
    if count != first_count:
        raise SpecError(
            f"{module.type_name} has {count} spatial axes but {first.type_name} on line {first.line} "
            f"has {first_count}; all layers of a network have the same number of spatial axes",
            line=module.line,
            column=module.column,
        )


def _convert_leaf(module: PrintedModule, path: str) -> tuple[Layer, str]:
    """Return the layer of one leaf module and a note for a `#` comment above it, or ""."""
    geometry = _module_geometry(_Arguments(module))
    try:
        layer = Layer(
            kind=geometry.kind,
            axes=collapse_axes(geometry.axes),
            padding_mode=geometry.padding_mode,
            ceil_mode=geometry.ceil_mode,
            groups=geometry.groups,
            name=layer_name(path) if path else "",
        )
    except LayerError as error:
        raise LayerError(error.message, option=error.option, line=module.line, column=module.column) from None
    return layer, geometry.note


# Module types and the rf_core geometry of each.

#: Module types that change no geometry, and the rf_core kind of each. Element-wise
#: activations without a kind of their own map to `identity`, which has the same
#: geometry.
PASS_THROUGH_MODULES: dict[str, str] = {
    "ReLU": "relu",
    "ReLU6": "relu6",
    "LeakyReLU": "leakyrelu",
    "ELU": "elu",
    "GELU": "gelu",
    "SiLU": "silu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Softmax": "softmax",
    "LogSoftmax": "softmax",
    "Softmax2d": "softmax",
    "BatchNorm1d": "batchnorm",
    "BatchNorm2d": "batchnorm",
    "BatchNorm3d": "batchnorm",
    "SyncBatchNorm": "batchnorm",
    "LayerNorm": "layernorm",
    "GroupNorm": "groupnorm",
    "InstanceNorm1d": "instancenorm",
    "InstanceNorm2d": "instancenorm",
    "InstanceNorm3d": "instancenorm",
    "LocalResponseNorm": "lrn",
    "CrossMapLRN2d": "lrn",
    "Dropout": "dropout",
    "Dropout1d": "dropout",
    "Dropout2d": "dropout",
    "Dropout3d": "dropout",
    "AlphaDropout": "dropout",
    "FeatureAlphaDropout": "dropout",
    "Identity": "identity",
    "Flatten": "identity",
    **{
        name: "identity"
        for name in (
            "Hardswish",
            "Hardsigmoid",
            "Hardtanh",
            "PReLU",
            "RReLU",
            "Mish",
            "SELU",
            "CELU",
            "Softplus",
            "Softsign",
            "LogSigmoid",
            "Tanhshrink",
            "Hardshrink",
            "Softshrink",
            "Threshold",
        )
    },
}

#: Note for padding that copies input pixels instead of adding zeros.
COPYING_PADDING_NOTE = (
    "its {what} padding is taken as zero padding: sizes and fields are exact, but a clipped field at the "
    "border leaves out the input pixels that the padding copies"
)

_WINDOW_TYPE = re.compile(r"(?P<base>Conv|ConvTranspose|MaxPool|AvgPool|AdaptiveAvgPool|AdaptiveMaxPool)(?P<axes>[123])d\Z")
_PAD_TYPE = re.compile(r"(?P<base>Zero|Constant|Reflection|Replication|Circular)Pad(?P<axes>[123])d\Z")
_MISSING = object()


@dataclass(frozen=True)
class Geometry:
    """The rf_core geometry of one module, before it gets a name.

    Attributes:
        kind: rf_core layer kind.
        axes: One AxisParams per spatial axis, or one for every axis.
        padding_mode: `explicit`, `same` or `valid`.
        ceil_mode: Pooling only: PyTorch's ceil_mode.
        groups: Convolution groups.
        note: A sentence on what the conversion assumed, or "".
    """

    kind: str
    axes: tuple[AxisParams, ...] = (AxisParams(),)
    padding_mode: str = "explicit"
    ceil_mode: bool = False
    groups: int = 1
    note: str = ""


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


def _module_geometry(arguments: _Arguments) -> Geometry:
    """Return the geometry of one leaf module from its type name and arguments.

    Raises:
        SpecError: the type has no known geometry, or an argument is missing or
            has an unsupported value.
    """
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
        f"the model with {_NETWORK_FROM_MODULE} and declare the module pass-through"
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


# Writing layers as spec statements.


def format_layer(layer: Layer) -> str:
    """Write a layer as one spec statement, such as `conv k=3 s=2 p=1 name=conv1`.

    Options at their defaults are left out. `parse_spec` reads the statement
    back into an equal layer when the layer has a single AxisParams or axes
    that differ (see `collapse_axes`).
    """
    axes = layer.axes
    parts = [layer.kind]
    if layer.kind in ("conv", "maxpool", "avgpool", "convt"):
        parts.append(f"k={_per_axis([params.kernel for params in axes])}")
        strides = [params.stride for params in axes]
        default_strides = [params.kernel for params in axes] if layer.kind in ("maxpool", "avgpool") else [1] * len(axes)
        if strides != default_strides:
            parts.append(f"s={_per_axis(strides)}")
        if any(params.dilation != 1 for params in axes):
            parts.append(f"d={_per_axis([params.dilation for params in axes])}")
        if layer.padding_mode != "explicit":
            parts.append(f"p={layer.padding_mode}")
        elif any(params.pad_before or params.pad_after for params in axes):
            parts.append(f"p={_pads(axes)}")
        if any(params.output_padding for params in axes):
            parts.append(f"op={_per_axis([params.output_padding for params in axes])}")
        if layer.ceil_mode:
            parts.append("ceil")
        if layer.groups != 1:
            parts.append(f"g={layer.groups}")
    elif layer.kind == "upsample":
        parts.append(f"f={_per_axis([params.factor for params in axes])}")
    elif layer.kind in ("pad", "crop"):
        parts.append(f"{'p' if layer.kind == 'pad' else 'c'}={_pads(axes)}")
    elif layer.kind == "adaptivepool":
        parts.append(f"o={_per_axis([params.output_size for params in axes])}")
    if layer.name:
        parts.append(f"name={layer.name}")
    if layer.inputs:
        parts.append(f"from={','.join(layer.inputs)}")
    return " ".join(parts)


def _per_axis(values: list[int]) -> str:
    return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))


def _pads(axes: tuple[AxisParams, ...]) -> str:
    texts = [str(p.pad_before) if p.pad_before == p.pad_after else f"{p.pad_before}:{p.pad_after}" for p in axes]
    return texts[0] if len(set(texts)) == 1 else "x".join(texts)


def collapse_axes(axes: tuple[AxisParams, ...]) -> tuple[AxisParams, ...]:
    """Return a single AxisParams when every axis has the same geometry, else `axes` unchanged."""
    return axes[:1] if len(set(axes)) == 1 else axes
