"""Trace a PyTorch module with torch.fx and record the shape or value of every node in one forward pass.

Torch is imported inside the functions only, so `import rf_core` works without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rf_core.errors import RFError

if TYPE_CHECKING:
    import torch
    from torch.fx import GraphModule, Node


def trace_module(module: torch.nn.Module, paths: set[str], types: tuple[type, ...]) -> GraphModule:
    """Trace `module` with torch.fx, keeping the submodules at `paths` or of `types` as leaves.

    Raises:
        RFError: torch.fx cannot trace the module.
    """
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
class ForwardRecord:
    """Shapes and values of the nodes of a traced graph, recorded in one forward pass.

    Attributes:
        shapes: Shape of every node whose result is a tensor.
        values: Result of every node whose result contains no tensor, such as `x.size(2)`.
        multiple: Nodes whose result is a tuple or list holding tensors.
    """

    shapes: dict[Node, tuple[int, ...]] = field(default_factory=dict)
    values: dict[Node, Any] = field(default_factory=dict)
    multiple: set[Node] = field(default_factory=set)


def record_forward(graph_module: GraphModule, module: torch.nn.Module, shape: tuple[int, ...]) -> ForwardRecord:
    """Run the traced graph once in eval mode on a zero tensor of `shape` and record every node's result.

    The tensor takes the dtype and device of the module's first floating-point
    state tensor, or float32 on the CPU. The training flags are restored after the run.

    Raises:
        RFError: the forward pass raised a RuntimeError.
    """
    import torch
    import torch.fx

    record = ForwardRecord()

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
