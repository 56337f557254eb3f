"""Single-path networks: an ordered chain of layers and an optional input size."""

from __future__ import annotations

from dataclasses import dataclass

from rf_core.errors import LayerError
from rf_core.layers import MAX_VALUE, Layer


@dataclass(frozen=True)
class Network:
    """A chain of layers, each feeding the next.

    Attributes:
        layers: The layers in order.
        input_size: Input size per axis, a single entry for every axis, or None
            when unknown.
        input_line: 1-based spec line of the `input` statement, if any.
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

    @property
    def num_axes(self) -> int:
        """Number of spatial axes. Scalars alone give 1: a square network's results
        are then the same along every axis."""
        counts = [len(layer.axes) for layer in self.layers]
        if self.input_size is not None:
            counts.append(len(self.input_size))
        return max(counts, default=1)


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
