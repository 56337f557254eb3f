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

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rf_core.analysis import analyze
from rf_core.errors import RFError
from rf_core.network import Network
from rf_core.spec_writer import format_layer
from rf_core.torch_importer import Importer
from rf_core.torch_trace import record_forward, trace_module

if TYPE_CHECKING:
    import torch


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
    graph_module = trace_module(module, paths, types)
    record = record_forward(graph_module, module, shape)
    importer = Importer(graph_module, record, paths, types, len(shape) - 2)
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
