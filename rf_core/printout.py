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

Layers are named after their module path, such as `features.0`, or `0` and
`1.2` for the children of a top-level `Sequential`. Standard library only, so it
runs in Pyodide.
"""

from __future__ import annotations

import re

from rf_core.errors import LayerError, SpecError
from rf_core.layers import Layer
from rf_core.limits import check_text_size
from rf_core.printout_modules import NETWORK_FROM_MODULE, module_geometry
from rf_core.printout_tree import PrintedModule, expanded_keys, parse_printout
from rf_core.spec_writer import collapse_axes, format_layer, layer_name

#: Container types whose children run one after the other in print order.
SEQUENTIAL_TYPES = ("Sequential", "ModuleList")

#: Child names that mean a second path through a block, such as a ResNet shortcut.
BRANCH_CHILD_NAMES = ("downsample", "shortcut", "skip", "residual")

#: Top-level module types whose forward pass joins branches, even when every
#: child printed is a leaf.
BRANCHING_BLOCK_TYPES = ("BasicBlock", "Bottleneck", "InvertedResidual", "Fire")


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
    check_text_size(text, "printout")
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


def _branch_error(module: PrintedModule, reason: str) -> SpecError:
    return SpecError(
        f"{reason}. Print order is not data flow: a printout does not show how the forward pass connects "
        f"branches, such as a residual add or a concatenation. Import the model itself with {NETWORK_FROM_MODULE}, "
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
        leaves.extend((module, _join(path, key)) for key in expanded_keys(module, ""))
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
            leaves.extend((child, _join(path, key)) for key in expanded_keys(child, child.key))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path and key else path or key


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
    geometry = module_geometry(module)
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
