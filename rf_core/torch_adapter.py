"""Import a PyTorch module into rf_core by tracing its forward pass with torch.fx.

`network_from_module` traces the module with `torch.fx` and runs the traced
graph once on a zero tensor of the given input shape to learn every tensor's
shape. Each graph node then becomes a layer. Modules are named after their path
(`layer1.0.conv1`), and functional calls after their fx node (`add_1`, `cat`). A
layer that reads anything other than the layer before it lists its inputs, so
residual adds and concatenations become merge layers.

Torch is imported inside the functions only, so `import rf_core` works without
it. NOTE: reflect, replicate and circular padding are imported as zero padding.
Sizes, r, S and P are exact, but a clipped field at the border leaves out the
input pixels that such padding copies.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rf_core.analysis import analyze
from rf_core.errors import RFError
from rf_core.layers import AxisParams, Layer
from rf_core.network import INPUT_NAME, Network
from rf_core.printout import PASS_THROUGH_MODULES, Geometry, collapse_axes, format_layer, layer_name

if TYPE_CHECKING:
    import torch
    from torch.fx import GraphModule, Node

#: Tensor methods that change only memory layout, dtype or autograd state, so they add no layer.
ALIAS_METHODS = ("contiguous", "clone", "detach", "float", "double", "half", "to", "type_as", "requires_grad_")


def network_from_module(
    module: torch.nn.Module,
    input_shape: Sequence[int],
    *,
    pass_through: Iterable[str | type] = (),
) -> Network:
    """Trace `module` with torch.fx and return its layers as a Network.

    Args:
        module: The model. Its training flags are restored after one forward
            pass in eval mode on a zero tensor, which gives every tensor's shape
            and the values that depend on it (such as `x.size(2)`).
        input_shape: (N, C, H, W), (N, C, L) or (N, C, D, H, W). The spatial
            part becomes the network's input size.
        pass_through: Module paths (`"layer1.0.se"`) or module types to import
            as `identity` layers, for modules that rf_core does not know but
            that change no geometry. torch.fx does not trace inside them.

    Raises:
        RFError: the input shape is invalid, tracing or the forward pass fails,
            or a module or function has no known geometry. The message names
            the module path or graph node and, where it helps, how to declare
            it pass-through.
    """
    shape = _checked_input_shape(input_shape)
    paths, types = _pass_through_sets(module, pass_through)
    graph_module = _trace(module, paths, types)
    record = _record_forward(graph_module, module, shape)
    importer = _Importer(graph_module, record, paths, types, len(shape) - 2)
    network = Network(tuple(importer.import_graph()), tuple(shape[2:]))
    _check_output_sizes(network, importer.layer_shapes)
    return network


def spec_from_module(
    module: torch.nn.Module,
    input_shape: Sequence[int],
    *,
    pass_through: Iterable[str | type] = (),
) -> str:
    """Trace `module` like `network_from_module` and return the network as spec text.

    `rf_core.parse_spec` reads the text back into an equal Network.
    """
    network = network_from_module(module, input_shape, pass_through=pass_through)
    size = network.input_size or ()
    lines = [
        f"# {type(module).__name__} traced with torch.fx for input shape {'x'.join(map(str, input_shape))}",
        f"input {'x'.join(map(str, size))}",
    ]
    lines.extend(format_layer(layer) for layer in network.layers)
    return "\n".join(lines) + "\n"


def _checked_input_shape(input_shape: Sequence[int]) -> tuple[int, ...]:
    shape = tuple(input_shape)
    if not 3 <= len(shape) <= 5 or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape):
        raise RFError(
            f"input shape {shape!r} is invalid; give (N, C, H, W), (N, C, L) or (N, C, D, H, W) with whole numbers from 1"
        )
    return shape


def _pass_through_sets(module: torch.nn.Module, pass_through: Iterable[str | type]) -> tuple[set[str], tuple[type, ...]]:
    items = [pass_through] if isinstance(pass_through, (str, type)) else list(pass_through)
    paths = {item for item in items if isinstance(item, str)}
    types = tuple(item for item in items if isinstance(item, type))
    for item in items:
        if not isinstance(item, (str, type)):
            raise RFError(f"pass_through entry {item!r} is invalid; give module paths as strings or module types")
    for path in sorted(paths):
        try:
            module.get_submodule(path)
        except AttributeError:
            raise RFError(
                f"pass_through path {path!r} is not a submodule of {type(module).__name__}; "
                "use a path from model.named_modules(), such as 'layer1.0.conv1'"
            ) from None
    return paths, types


def _trace(module: torch.nn.Module, paths: set[str], types: tuple[type, ...]) -> GraphModule:
    import torch
    import torch.fx

    class PassThroughTracer(torch.fx.Tracer):
        def is_leaf_module(self, submodule: torch.nn.Module, qualified_name: str) -> bool:
            if qualified_name in paths or isinstance(submodule, types):
                return True
            return super().is_leaf_module(submodule, qualified_name)

    tracer = PassThroughTracer()
    if tracer.is_leaf_module(module, ""):
        # fx traces into the root's forward, so a bare Conv2d or the like is traced as the child of a wrapper.
        module = torch.nn.Sequential(module)
    try:
        graph = tracer.trace(module)
    except torch.fx.proxy.TraceError as error:
        raise RFError(
            f"torch.fx cannot trace {type(module).__name__}: {error}. If a submodule's forward branches on "
            "tensor values and changes no geometry, declare it with pass_through={'its.path'}"
        ) from error
    return torch.fx.GraphModule(tracer.root, graph, type(module).__name__)


@dataclass
class _Record:
    """What one forward pass of the traced graph showed, per node.

    Attributes:
        shapes: Shape of every node whose result is a tensor.
        values: Result of every node whose result contains no tensor, such as `x.size(2)`.
        multiple: Nodes whose result is a tuple or list holding tensors.
    """

    shapes: dict[Node, tuple[int, ...]] = field(default_factory=dict)
    values: dict[Node, Any] = field(default_factory=dict)
    multiple: set[Node] = field(default_factory=set)


def _record_forward(graph_module: GraphModule, module: torch.nn.Module, shape: tuple[int, ...]) -> _Record:
    import torch
    import torch.fx

    record = _Record()

    class Recorder(torch.fx.Interpreter):
        def run_node(self, node: Node) -> Any:
            result = super().run_node(node)
            if isinstance(result, torch.Tensor):
                record.shapes[node] = tuple(result.shape)
            elif _holds_tensor(result):
                record.multiple.add(node)
            else:
                record.values[node] = result
            return result

    reference = next((tensor for tensor in module.state_dict().values() if tensor.is_floating_point()), None)
    dtype = reference.dtype if reference is not None else torch.float32
    device = reference.device if reference is not None else torch.device("cpu")
    example = torch.zeros(shape, dtype=dtype, device=device)
    flags = [(submodule, submodule.training) for submodule in module.modules()]
    module.eval()
    try:
        with torch.no_grad():
            Recorder(graph_module).run(example)
    except RuntimeError as error:
        raise RFError(
            f"running {type(module).__name__} on a zero tensor of shape {tuple(shape)} failed: {error}; "
            "check that input_shape matches the model"
        ) from error
    finally:
        for submodule, training in flags:
            submodule.training = training
    return record


def _holds_tensor(value: Any) -> bool:
    import torch

    if isinstance(value, torch.Tensor):
        return True
    if isinstance(value, (tuple, list)):
        return any(_holds_tensor(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_tensor(item) for item in value.values())
    return False


def _check_output_sizes(network: Network, layer_shapes: dict[str, tuple[int, ...]]) -> None:
    """Raise RFError where rf_core's output size differs from the shape torch computed."""
    analysis = analyze(network)
    for result in analysis.layers:
        shape = layer_shapes[result.layer.name]
        if len(shape) != 2 + analysis.num_axes:
            continue
        sizes = tuple(axis.output_size for axis in result.axes)
        if sizes != shape[2:]:
            raise RFError(
                f"layer {result.layer.name!r} ({result.layer.kind}) has output size {_shape_text(sizes)} in rf_core "
                f"but {_shape_text(shape[2:])} in torch; a module declared pass-through must keep the spatial size"
            )


def _shape_text(shape: Sequence[Any]) -> str:
    return "x".join(map(str, shape))


class _Importer:
    """Turns the nodes of a traced graph into layers, in graph order."""

    def __init__(
        self, graph_module: GraphModule, record: _Record, paths: set[str], types: tuple[type, ...], num_axes: int
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
            handler = _module_handler(submodule)
            if handler is None:
                raise self.unsupported(node)
            return handler(self, node, submodule)
        if node.op == "call_function":
            function_handler = _function_handlers().get(node.target)
        else:
            function_handler = _METHOD_HANDLERS.get(str(node.target))
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



# Geometry of each supported module, function and tensor method. Every handler
# returns the node's Geometry, or None when the node is its input unchanged.

ModuleHandler = Callable[[_Importer, "Node", "torch.nn.Module"], "Geometry | None"]
NodeHandler = Callable[[_Importer, "Node"], "Geometry | None"]

_MODULE_TYPE = re.compile(
    r"(?P<base>Conv|ConvTranspose|MaxPool|AvgPool|AdaptiveAvgPool|AdaptiveMaxPool"
    r"|ZeroPad|ConstantPad|ReflectionPad|ReplicationPad|CircularPad)[123]d\Z"
)


def _module_handler(submodule: torch.nn.Module) -> ModuleHandler | None:
    """Return the handler for a torch.nn module type, or None for a type without known geometry."""
    module_type = type(submodule)
    if not module_type.__module__.startswith("torch.nn."):
        return None
    type_name = module_type.__name__
    if type_name == "Flatten":
        return lambda importer, node, _: _reshape(importer, node)
    if type_name in ("Softmax", "LogSoftmax"):
        return lambda importer, node, module: _softmax(importer, node, module.dim)
    if type_name in PASS_THROUGH_MODULES:
        return lambda importer, node, _: Geometry(PASS_THROUGH_MODULES[type_name])
    if type_name == "Linear":
        return lambda importer, node, _: _linear(importer, node)
    if type_name in ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"):
        return lambda importer, node, module: _interpolate(importer, node, module.mode, module.scale_factor)
    match = _MODULE_TYPE.match(type_name)
    if match is None:
        return None
    return {
        "Conv": _conv_module,
        "ConvTranspose": _conv_transpose_module,
        "MaxPool": lambda importer, node, module: _pool(
            importer, node, "maxpool", module.kernel_size, module.stride, module.padding, module.dilation, module.ceil_mode
        ),
        "AvgPool": lambda importer, node, module: _pool(
            importer, node, "avgpool", module.kernel_size, module.stride, module.padding, 1, module.ceil_mode
        ),
        "AdaptiveAvgPool": lambda importer, node, _: _adaptive(importer, node),
        "AdaptiveMaxPool": lambda importer, node, _: _adaptive(importer, node),
    }.get(match.group("base"), lambda importer, node, module: _pad(importer, node, module.padding))


def _window_axes(
    importer: _Importer, node: Node, kernel: Any, stride: Any, padding: Any, dilation: Any, output_padding: Any = 0
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


def _convolution(
    importer: _Importer, node: Node, kernel: Any, stride: Any, padding: Any, dilation: Any, groups: int
) -> Geometry:
    padding_mode = "explicit"
    if isinstance(padding, str):
        # PyTorch allows 'same' with stride 1 only, where it pads as rf_core's `same` does.
        padding_mode, padding = padding, 0
    axes = _window_axes(importer, node, kernel, stride, padding, dilation)
    return Geometry("conv", axes, padding_mode, groups=groups)


def _conv_module(importer: _Importer, node: Node, module: Any) -> Geometry:
    return _convolution(importer, node, module.kernel_size, module.stride, module.padding, module.dilation, module.groups)


def _conv_transpose_module(importer: _Importer, node: Node, module: Any) -> Geometry:
    axes = _window_axes(
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


def _pool(
    importer: _Importer, node: Node, kind: str, kernel: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: Any
) -> Geometry:
    if stride is None or (isinstance(stride, (tuple, list)) and not stride):
        stride = kernel  # PyTorch's default stride is the kernel size
    axes = _window_axes(importer, node, kernel, stride, padding, dilation)
    return Geometry(kind, axes, ceil_mode=bool(ceil_mode))


def _adaptive(importer: _Importer, node: Node) -> Geometry:
    sizes = importer.output_shape(node)[2:]
    if all(size == 1 for size in sizes):
        return Geometry("globalpool")
    return Geometry("adaptivepool", tuple(AxisParams(output_size=size) for size in sizes))


def _interpolate(importer: _Importer, node: Node, mode: Any, scale_factor: Any) -> Geometry:
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


def _pad(importer: _Importer, node: Node, flat: Sequence[int]) -> Geometry:
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


def _linear(importer: _Importer, node: Node) -> Geometry:
    shape = importer.input_shape(node)
    if len(shape) != 2:
        raise importer.unsupported(
            node,
            f"it reads a tensor of shape {shape}; rf_core imports Linear only on (batch, features), after the "
            "spatial axes are flattened, where every output sees the whole input",
            hint=False,
        )
    return Geometry("fc")


def _reshape(importer: _Importer, node: Node) -> Geometry:
    before, after = importer.input_shape(node), importer.output_shape(node)
    if after == before or (len(after) == 2 and after[0] == before[0]):
        return Geometry("identity")
    raise importer.unsupported(
        node,
        f"it reshapes {before} to {after}; rf_core imports a reshape only to (batch, features), as before "
        "fully connected layers",
        hint=False,
    )


def _softmax(importer: _Importer, node: Node, dim: Any) -> Geometry:
    rank = len(importer.input_shape(node))
    if dim is not None and rank > 2 and dim % rank >= 2:
        raise importer.unsupported(
            node, f"softmax over dim={dim} mixes all pixels along a spatial axis", hint=False
        )
    return Geometry("softmax")


def _reduce(importer: _Importer, node: Node) -> Geometry:
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


def _getitem(importer: _Importer, node: Node) -> Geometry:
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


def _elementwise(importer: _Importer, node: Node) -> Geometry:
    shapes = {importer.record.shapes[item] for item in node.all_input_nodes if importer.sources.get(item)}
    if len(shapes) > 1:
        listing = " and ".join(str(shape) for shape in sorted(shapes))
        raise importer.unsupported(
            node, f"it combines tensors of shapes {listing} by broadcasting; rf_core merges equal shapes only", hint=False
        )
    return Geometry("add")  # rf_core's add is the geometry of every element-wise merge


def _concat(importer: _Importer, node: Node) -> Geometry:
    dim = importer.argument(node, 1, "dim", 0)
    rank = len(importer.output_shape(node))
    if dim % rank != 1:
        raise importer.unsupported(
            node, f"it concatenates along dim={dim}; rf_core concatenates channels (dim=1) only", hint=False
        )
    return Geometry("concat")


def _pass_through(kind: str) -> NodeHandler:
    return lambda importer, node: Geometry(kind)


def _alias(importer: _Importer, node: Node) -> None:
    return None


@lru_cache(maxsize=1)
def _function_handlers() -> dict[Any, NodeHandler]:
    """Return the handler of every supported function, keyed by the function object."""
    import torch
    import torch.nn.functional as F

    def argument(position: int, name: str, default: Any = None) -> Callable[[_Importer, Node], Any]:
        return lambda importer, node: importer.argument(node, position, name, default)

    def max_pool(importer: _Importer, node: Node) -> Geometry:
        values = [importer.argument(node, *spec) for spec in ((1, "kernel_size"), (2, "stride"), (3, "padding", 0), (4, "dilation", 1), (5, "ceil_mode", False))]
        return _pool(importer, node, "maxpool", *values)

    def avg_pool(importer: _Importer, node: Node) -> Geometry:
        values = [importer.argument(node, *spec) for spec in ((1, "kernel_size"), (2, "stride"), (3, "padding", 0), (4, "ceil_mode", False))]
        return _pool(importer, node, "avgpool", values[0], values[1], values[2], 1, values[3])

    def conv(importer: _Importer, node: Node) -> Geometry:
        weight = node.args[1] if len(node.args) > 1 else node.kwargs["weight"]
        kernel = importer.record.shapes[weight][2:]
        values = [importer.argument(node, *spec) for spec in ((3, "stride", 1), (4, "padding", 0), (5, "dilation", 1), (6, "groups", 1))]
        return _convolution(importer, node, kernel, *values)

    def interpolate(importer: _Importer, node: Node) -> Geometry:
        return _interpolate(importer, node, argument(3, "mode", "nearest")(importer, node), argument(2, "scale_factor")(importer, node))

    def pad(importer: _Importer, node: Node) -> Geometry:
        return _pad(importer, node, argument(1, "pad")(importer, node))

    def softmax(importer: _Importer, node: Node) -> Geometry:
        return _softmax(importer, node, argument(1, "dim")(importer, node))

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
        F.upsample_nearest: lambda importer, node: _interpolate(importer, node, "nearest", argument(2, "scale_factor")(importer, node)),
        F.pad: pad,
        F.linear: lambda importer, node: _linear(importer, node),
        F.softmax: softmax,
        F.log_softmax: softmax,
        torch.softmax: softmax,
        torch.cat: _concat,
        torch.concat: _concat,
        torch.concatenate: _concat,
        operator.getitem: _getitem,
    }
    for function in (F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d):
        handlers[function] = lambda importer, node: _adaptive(importer, node)
    for function in (F.adaptive_max_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool3d):
        handlers[function] = lambda importer, node: _adaptive(importer, node)
    for function in (torch.flatten, torch.reshape, torch.squeeze):
        handlers[function] = _reshape
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


_METHOD_HANDLERS: dict[str, NodeHandler] = {
    **{name: _pass_through(name.rstrip("_")) for name in ("relu", "relu_", "sigmoid", "sigmoid_", "tanh", "tanh_")},
    **{name: _elementwise for name in ("add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_")},
    **{name: _reshape for name in ("view", "reshape", "flatten", "squeeze")},
    **{name: _reduce for name in ("mean", "sum", "amax")},
    **{name: _alias for name in ALIAS_METHODS},
    "softmax": lambda importer, node: _softmax(importer, node, importer.argument(node, 1, "dim")),
    "log_softmax": lambda importer, node: _softmax(importer, node, importer.argument(node, 1, "dim")),
}
