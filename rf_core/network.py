"""Networks: layers in spec order, each fed by the layer before it or by named inputs."""

from __future__ import annotations

from dataclasses import dataclass

from rf_core.errors import LayerError
from rf_core.layers import MAX_VALUE, Layer

#: Name that refers to the network input in a layer's `inputs`.
INPUT_NAME = "input"


@dataclass(frozen=True)
class Network:
    """Layers in order. A layer without `inputs` reads the layer before it, so a
    plain list of layers is a chain; named inputs and merge layers make a graph.

    Attributes:
        layers: The layers in order. A layer may only read layers above it.
        input_size: Input size per axis, a single entry for every axis, or None
            when unknown.
        input_line: 1-based spec line of the `input` statement, if any.

    Raises:
        LayerError: axes of different counts are mixed, an input name is not
            defined above the layer, or the input size is invalid.
    """

    layers: tuple[Layer, ...]
    input_size: tuple[int, ...] | None = None
    input_line: int | None = None

    def __post_init__(self) -> None:
        if self.input_size is not None:
            validate_input_size(self.input_size, line=self.input_line)
        counts = {len(layer.axes) for layer in self.layers if len(layer.axes) > 1}
        if self.input_size is not None and len(self.input_size) > 1:
            counts.add(len(self.input_size))
        if len(counts) > 1:
            raise LayerError(
                f"the network mixes {' and '.join(str(c) for c in sorted(counts))} spatial axes; "
                "give every per-axis value the same number of entries, such as 3x3 for 2-D"
            )
        self.sources()

    @property
    def num_axes(self) -> int:
        """Number of spatial axes. Scalars alone give 1: a square network's results
        are then the same along every axis."""
        counts = [len(layer.axes) for layer in self.layers]
        if self.input_size is not None:
            counts.append(len(self.input_size))
        return max(counts, default=1)

    @property
    def is_chain(self) -> bool:
        """Whether every layer reads the layer directly before it."""
        return all(sources == (index - 1,) for index, sources in enumerate(self.sources()))

    def sources(self) -> list[tuple[int, ...]]:
        """Return, per layer, the 0-based indices of the layers it reads; -1 is the input.

        Raises:
            LayerError: an input name is not the name of a layer above, nor `input`.
        """
        positions: dict[str, int] = {INPUT_NAME: -1}
        result = []
        for index, layer in enumerate(self.layers):
            if not layer.inputs:
                result.append((index - 1,))
            else:
                missing = [name for name in layer.inputs if name not in positions]
                if missing:
                    raise LayerError(
                        f"layer {layer.label} reads {missing[0]!r}, which is not a layer above it; "
                        f"use the name of an earlier layer or {INPUT_NAME!r}",
                        option="from",
                        line=layer.line,
                        column=layer.column,
                    )
                result.append(tuple(positions[name] for name in layer.inputs))
            if layer.name:
                positions[layer.name] = index
        return result


def validate_input_size(size: tuple[int, ...], *, line: int | None = None) -> None:
    """Raise LayerError unless every entry of an input size is in [1, MAX_VALUE]."""
    if not 1 <= len(size) <= 3:
        raise LayerError(f"input size {size!r} has {len(size)} axes; give 1 to 3 sizes, such as 224x224", line=line)
    for value in size:
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_VALUE:
            raise LayerError(
                f"input size {value!r} is invalid; it must be a whole number from 1 to {MAX_VALUE}",
                line=line,
            )
