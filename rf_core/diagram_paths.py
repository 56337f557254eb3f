"""Path counts: the effective receptive field of a unit under uniform weights.

Luo, Li, Urtasun and Zemel, "Understanding the Effective Receptive Field in Deep
Convolutional Neural Networks" (NeurIPS 2016), measure how much each input pixel
affects a unit through the gradient of that unit with respect to the input. With
every weight set to 1, no bias and no nonlinearity, that gradient at pixel x is
the number of paths from x to the unit through the network's windows, an integer.

`path_counts` computes it exactly by propagating integer gradients backward, one
layer at a time. Every window layer counts as a box of ones over its taps: this
is a convolution with weights 1, and pooling layers are counted the same way
(sum pooling). Padding positions receive no gradient. Merges pass the gradient to
every input, and `concat` counts like `add`, as if the next layer summed over all
channels. Every layer has one channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

from rf_core.analysis import Analysis, LayerResult, analyze, broadcast_unit
from rf_core.diagram_geometry import check_unit, reads
from rf_core.errors import RFError
from rf_core.network import Network

#: Largest number of input pixels whose counts are computed, to bound time and memory.
MAX_INPUT_PIXELS = 1_000_000

Nested = list  # a list of ints for 1-D input, a list of such lists per extra axis


def path_counts(analysis_or_network: Analysis | Network, layer_index: int, unit: int | Sequence[int]) -> Nested:
    """Return the number of paths from every input pixel to one unit, under uniform weights.

    Args:
        analysis_or_network: An analysis, or a network with an input size.
        layer_index: 1-based index of the unit's layer, as in `Analysis.unit_field`.
        unit: The unit's index per axis, or one index for every axis.

    Returns:
        For a 1-D input a list of n ints, for 2-D a list of rows (height first),
        for 3-D a list of such lists. Entry x is the gradient of the unit with
        respect to input pixel x when every weight is 1.

    Raises:
        RFError: the input size is unknown or above MAX_INPUT_PIXELS pixels, or
            the layer or unit does not exist.
    """
    analysis = analysis_or_network if isinstance(analysis_or_network, Analysis) else analyze(analysis_or_network)
    if analysis.input_size is None:
        raise RFError("path counts need an input size; add an 'input' line such as 'input 32'")
    if prod(analysis.input_size) > MAX_INPUT_PIXELS:
        size = "x".join(map(str, analysis.input_size))
        raise RFError(f"input size {size} has more than {MAX_INPUT_PIXELS} pixels; use a smaller input for path counts")
    indices = broadcast_unit([unit] if isinstance(unit, int) else unit, analysis.num_axes)
    for axis, index in enumerate(indices):
        check_unit(analysis, layer_index, index, axis)

    result = analysis.layers[layer_index - 1]
    shape = tuple(axis.output_size or 0 for axis in result.axes)
    flat = [0] * prod(shape)
    flat[_flat_index(indices, shape)] = 1
    gradients: dict[int, tuple[list[int], tuple[int, ...]]] = {layer_index: (flat, shape)}

    for index in range(layer_index, 0, -1):
        if index not in gradients:
            continue
        gradient, shape = gradients.pop(index)
        result = analysis.layers[index - 1]
        source_values, source_shape = gradient, shape
        if not result.layer.is_merge:
            for axis in range(analysis.num_axes):
                source_values, source_shape = _backward_axis(source_values, source_shape, axis, result)
        for source in result.sources:
            _accumulate(gradients, source + 1, source_values, source_shape)

    values, shape = gradients.get(0, ([0] * prod(analysis.input_size), analysis.input_size))
    return _nest(values, shape)


def _backward_axis(
    values: list[int], shape: tuple[int, ...], axis: int, result: LayerResult
) -> tuple[list[int], tuple[int, ...]]:
    """Apply the transpose of one layer's box of ones along `axis` of a flat row-major array."""
    size = result.axes[axis].input_size or 0
    sources = [[position for position in reads(result, axis, unit) if 0 <= position < size] for unit in range(shape[axis])]
    new_shape = shape[:axis] + (size,) + shape[axis + 1 :]
    inner = prod(shape[axis + 1 :])
    outer = prod(shape[:axis])
    output = [0] * prod(new_shape)
    for block in range(outer):
        base_in = block * shape[axis] * inner
        base_out = block * size * inner
        for unit, positions in enumerate(sources):
            row = base_in + unit * inner
            for offset in range(inner):
                value = values[row + offset]
                if value:
                    for position in positions:
                        output[base_out + position * inner + offset] += value
    return output, new_shape


def _accumulate(gradients: dict[int, tuple[list[int], tuple[int, ...]]], index: int, values: list[int], shape: tuple[int, ...]) -> None:
    if index in gradients:
        existing, _ = gradients[index]
        values = [a + b for a, b in zip(existing, values)]
    gradients[index] = (values, shape)


def _flat_index(indices: Sequence[int], shape: Sequence[int]) -> int:
    flat = 0
    for index, size in zip(indices, shape):
        flat = flat * size + index
    return flat


def _nest(values: list[int], shape: Sequence[int]) -> Nested:
    if len(shape) == 1:
        return list(values)
    step = prod(shape[1:])
    return [_nest(values[row * step : (row + 1) * step], shape[1:]) for row in range(shape[0])]
