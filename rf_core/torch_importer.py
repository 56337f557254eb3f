"""Turn the nodes of a traced torch.fx graph into rf_core layers.

Torch is imported inside the functions only, so `import rf_core` works without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rf_core.errors import RFError
from rf_core.layers import Layer
from rf_core.module_kinds import Geometry
from rf_core.network import INPUT_NAME
from rf_core.spec_writer import collapse_axes, layer_name
from rf_core.torch_functions import METHOD_HANDLERS, function_handlers
from rf_core.torch_modules import module_handler
from rf_core.torch_trace import ForwardRecord

if TYPE_CHECKING:
    from torch.fx import GraphModule, Node


class Importer:
    """Turns the nodes of a traced graph into layers, in graph order."""

    def __init__(
        self, graph_module: GraphModule, record: ForwardRecord, paths: set[str], types: tuple[type, ...], num_axes: int
    ) -> None:
        self.graph_module = graph_module
        self.record = record
        self.paths = paths
        self.types = types
        self.num_axes = num_axes
        self.layers: list[Layer] = []
        self.layer_shapes: dict[str, tuple[int, ...]] = {}
        # Layer whose output each node is, `input`, or None for values not computed from the input.
        self.sources: dict[Node, str | None] = {}
        self.used_names = {INPUT_NAME}
        self.named_modules: set[str] = set()

    def import_graph(self) -> list[Layer]:
        for node in self.graph_module.graph.nodes:
            self.sources[node] = self._visit(node)
        return self.layers

    def _visit(self, node: Node) -> str | None:
        if node.op == "placeholder":
            if INPUT_NAME not in self.sources.values():
                return INPUT_NAME
            if node.args:
                return None  # an argument with a default value, such as mask=None
            raise RFError(f"the forward pass takes a second tensor argument {node.name!r}; rf_core imports one input")
        if node.op in ("get_attr", "output"):
            return None

        if _is_shape_only(node):
            return None  # such as torch.zeros_like(x): a tensor that depends on no input value
        inputs = [node_input for node_input in node.all_input_nodes if self.sources.get(node_input)]
        names = list(dict.fromkeys(self.sources[node_input] for node_input in inputs))
        if not names:
            return None
        if node in self.record.multiple:
            raise self.unsupported(node, "it returns several tensors, as return_indices=True or torch.split do")
        if node not in self.record.shapes:
            return None  # a size, a shape or another value that is not a tensor

        geometry = self._geometry(node, inputs)
        if geometry is None:
            return names[0]
        if geometry.kind in ("add", "concat") and len(names) < 2:
            geometry = Geometry("identity")
        if geometry.kind not in ("add", "concat") and len(names) > 1:
            raise self.unsupported(node, f"it reads {len(names)} tensors computed from the input, but only add and concat merge paths")
        return self._add_layer(node, geometry, tuple(names))

    def _add_layer(self, node: Node, geometry: Geometry, names: tuple[str, ...]) -> str:
        name = self._unique_name(node)
        previous = self.layers[-1].name if self.layers else INPUT_NAME
        inputs = () if names == (previous,) else names
        self.layers.append(
            Layer(
                kind=geometry.kind,
                axes=collapse_axes(geometry.axes),
                padding_mode=geometry.padding_mode,
                ceil_mode=geometry.ceil_mode,
                name=name,
                inputs=inputs,
                groups=geometry.groups,
            )
        )
        self.layer_shapes[name] = self.record.shapes[node]
        return name

    def _unique_name(self, node: Node) -> str:
        candidate = node.name
        if node.op == "call_module" and node.target not in self.named_modules:
            self.named_modules.add(str(node.target))
            candidate = layer_name(str(node.target))
        name, count = candidate, 2
        while name in self.used_names:
            name, count = f"{candidate}-{count}", count + 1
        self.used_names.add(name)
        return name

    def _geometry(self, node: Node, inputs: list[Node]) -> Geometry | None:
        if node.op == "call_module":
            submodule = self.graph_module.get_submodule(str(node.target))
            if node.target in self.paths or isinstance(submodule, self.types):
                return Geometry("identity")
            handler = module_handler(submodule)
            if handler is None:
                raise self.unsupported(node)
            return handler(self, node, submodule)
        if node.op == "call_function":
            function_handler = function_handlers().get(node.target)
        else:
            function_handler = METHOD_HANDLERS.get(str(node.target))
        if function_handler is None:
            raise self.unsupported(node)
        return function_handler(self, node)

    # Access to arguments and shapes.

    def argument(self, node: Node, position: int, name: str, default: Any = None) -> Any:
        """Return an argument with every node in it replaced by the value it had in the forward pass."""
        import torch.fx

        if position < len(node.args):
            value = node.args[position]
        else:
            value = node.kwargs.get(name, default)

        def concrete(argument_node: Node) -> Any:
            if argument_node not in self.record.values:
                raise self.unsupported(node, f"its argument {name!r} is a tensor, not a value known from the input shape")
            return self.record.values[argument_node]

        return torch.fx.node.map_arg(value, concrete)

    def input_shape(self, node: Node) -> tuple[int, ...]:
        """Return the shape of the first argument computed from the network input."""
        first = next(node_input for node_input in node.all_input_nodes if self.sources.get(node_input))
        return self.record.shapes[first]

    def output_shape(self, node: Node) -> tuple[int, ...]:
        return self.record.shapes[node]

    def per_axis(self, value: Any, node: Node, what: str) -> tuple[int, ...]:
        """Return an int or a tuple of ints as one entry per spatial axis."""
        values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
        if len(values) == 1:
            values = values * self.num_axes
        if len(values) != self.num_axes or not all(isinstance(item, int) for item in values):
            raise self.unsupported(
                node, f"{what}={value!r} does not fit an input with {self.num_axes} spatial axes", hint=False
            )
        return values

    def describe(self, node: Node) -> str:
        """Return a description of a node for messages, naming its module path or function."""
        if node.op == "call_module":
            submodule = self.graph_module.get_submodule(str(node.target))
            return f"module {node.target!r} of type {_type_name(type(submodule))}"
        if node.op == "call_function":
            what = f"function {getattr(node.target, '__name__', node.target)}"
        else:
            what = f"tensor method .{node.target}()"
        return f"{what} at graph node {node.name!r}{self._location(node)}"

    def _location(self, node: Node) -> str:
        stack = node.meta.get("nn_module_stack") or {}
        if not stack:
            return ""
        path, module_type = list(stack.values())[-1]
        return f" in module {path!r} ({_type_name(module_type)})"

    def unsupported(self, node: Node, problem: str = "", *, hint: bool = True) -> RFError:
        """Return the RFError for a node that cannot be imported.

        `problem` states what is wrong. By default the message also explains how
        to declare the module pass-through; pass hint=False where `problem`
        already gives the fix.
        """
        message = f"{self.describe(node)} is not supported: {problem or 'rf_core does not know its geometry'}"
        if not hint:
            return RFError(message)
        if node.op == "call_module":
            submodule = self.graph_module.get_submodule(str(node.target))
            advice = (
                "If it changes no geometry (every output pixel depends only on the input pixel at its position, "
                f"as in an activation), declare it pass-through with pass_through={{{str(node.target)!r}}} or "
                f"pass_through={{{_type_name(type(submodule))}}}"
            )
        elif node.meta.get("nn_module_stack"):
            path, _ = list(node.meta["nn_module_stack"].values())[-1]
            advice = (
                f"If module {path!r} keeps the spatial size and changes no geometry, declare it pass-through "
                f"with pass_through={{{path!r}}}"
            )
        else:
            advice = "Rewrite forward with supported layers, or write the spec by hand"
        return RFError(f"{message}. {advice}")


#: Functions and tensor methods whose result depends on the shape of their tensor argument only.
SHAPE_ONLY_FUNCTIONS = ("zeros_like", "ones_like", "empty_like", "full_like", "rand_like", "randn_like")
SHAPE_ONLY_METHODS = ("new_zeros", "new_ones", "new_empty", "new_full")


def _is_shape_only(node: Node) -> bool:
    import torch

    if node.op == "call_method":
        return node.target in SHAPE_ONLY_METHODS
    return node.op == "call_function" and any(node.target is getattr(torch, name) for name in SHAPE_ONLY_FUNCTIONS)


def _type_name(module_type: type) -> str:
    module_name = module_type.__module__
    if module_name.startswith("torch.nn"):
        return f"nn.{module_type.__qualname__}"
    return f"{module_name}.{module_type.__qualname__}"
