"""Random single-path networks for the property tests and the PyTorch cross-check.

A network is drawn as plain per-axis numbers (`LayerDraw`) and written out in the
text spec format, so every test also runs the parser. The draws stay within what
PyTorch 2.13 accepts: pooling padding is symmetric and at most kernel_size // 2,
avgpool has no dilation, and `p=same` is used on convolutions only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from rf_core import minimum_input_size, parse_spec


@dataclass(frozen=True)
class LayerDraw:
    """One window layer of a random network, with one entry per spatial axis.

    Attributes:
        kind: conv, maxpool or avgpool.
        kernel: Kernel size per axis.
        stride: Stride per axis.
        dilation: Dilation per axis.
        padding: Padding (before, after) per axis, or None for `p=same`.
        ceil_mode: Pooling only: PyTorch's ceil_mode=True.
    """

    kind: str
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: tuple[tuple[int, int], ...] | None
    ceil_mode: bool = False

    @property
    def num_axes(self) -> int:
        """Number of spatial axes."""
        return len(self.kernel)

    def effective_kernel(self, axis: int) -> int:
        """Number of input pixels the dilated window spans along `axis`."""
        return self.dilation[axis] * (self.kernel[axis] - 1) + 1

    def spec_line(self) -> str:
        """Write the layer as one spec statement, such as `conv k=3x5 s=1x2 p=0:1x2`."""
        parts = [self.kind, f"k={join_axes(self.kernel)}"]
        # Pooling strides equal to the kernel are left out to exercise the default.
        if self.kind == "conv" or self.stride != self.kernel:
            parts.append(f"s={join_axes(self.stride)}")
        if any(d != 1 for d in self.dilation):
            parts.append(f"d={join_axes(self.dilation)}")
        if self.padding is None:
            parts.append("p=same")
        elif any(pads != (0, 0) for pads in self.padding):
            parts.append("p=" + "x".join(format_pads(before, after) for before, after in self.padding))
        if self.ceil_mode:
            parts.append("ceil")
        return " ".join(parts)


def join_axes(values: tuple[int, ...]) -> str:
    """Join per-axis values with `x`, or write one value when every axis agrees."""
    if len(set(values)) == 1:
        return str(values[0])
    return "x".join(str(value) for value in values)


def format_pads(before: int, after: int) -> str:
    """Write one axis of padding as `p` or `before:after`."""
    return str(before) if before == after else f"{before}:{after}"


def spec_text(input_size: tuple[int, ...] | None, layers: list[LayerDraw]) -> str:
    """Write a whole spec: an optional `input` line, then one line per layer."""
    lines = [] if input_size is None else [f"input {'x'.join(map(str, input_size))}"]
    lines.extend(layer.spec_line() for layer in layers)
    return "\n".join(lines) + "\n"


def tf_same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """Return TensorFlow's `same` padding (before, after), written out independently of rf_core.

    The output size is ceil(n / s), the total padding is whatever the windows need
    to produce it, and the smaller half goes before.
    """
    outputs = -(-size // stride)
    total = max((outputs - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def draw_layer(
    rng: random.Random,
    num_axes: int,
    *,
    no_holes: bool = False,
    allow_padding: bool = True,
    allow_ceil: bool = True,
) -> LayerDraw:
    """Draw one conv, maxpool or avgpool layer that PyTorch 2.13 accepts.

    Args:
        rng: Source of randomness.
        num_axes: Number of spatial axes.
        no_holes: Keep dilation 1 and stride <= kernel, so that the windows of
            neighbouring units touch or overlap and read every pixel between them.
        allow_padding: Whether the layer may pad (including `p=same`).
        allow_ceil: Whether a pooling layer may use ceil mode.
    """
    kind = rng.choices(["conv", "maxpool", "avgpool"], weights=[5, 3, 2])[0]
    max_kernel = 5 if kind == "conv" else 4
    kernel = tuple(rng.randint(1, max_kernel) for _ in range(num_axes))
    if no_holes:
        stride = tuple(rng.randint(1, min(k, 3)) for k in kernel)
        dilation = (1,) * num_axes
    else:
        stride = tuple(rng.randint(1, 3) for _ in range(num_axes))
        max_dilation = {"conv": 3, "maxpool": 2, "avgpool": 1}[kind]
        dilation = tuple(rng.randint(1, max_dilation) for _ in range(num_axes))
    if kind != "conv" and rng.random() < 0.3:
        stride = kernel

    padding: tuple[tuple[int, int], ...] | None
    if not allow_padding:
        padding = ((0, 0),) * num_axes
    elif kind == "conv":
        if rng.random() < 0.2:
            padding = None
        elif rng.random() < 0.5:
            padding = tuple((p, p) for p in (rng.randint(0, 3) for _ in range(num_axes)))
        else:
            padding = tuple((rng.randint(0, 3), rng.randint(0, 3)) for _ in range(num_axes))
    else:
        # PyTorch's pooling pads both sides alike and at most kernel_size // 2.
        padding = tuple((p, p) for p in (rng.randint(0, k // 2) for k in kernel))

    ceil_mode = kind != "conv" and allow_ceil and rng.random() < 0.5
    return LayerDraw(kind, kernel, stride, dilation, padding, ceil_mode)


def draw_network(
    rng: random.Random,
    num_axes: int,
    *,
    max_layers: int = 5,
    max_input: int = 64,
    no_holes: bool = False,
    pad_first_only: bool = False,
) -> tuple[tuple[int, ...], list[LayerDraw]]:
    """Draw a random network and an input size for which every layer has output units.

    Args:
        rng: Source of randomness.
        num_axes: Number of spatial axes.
        max_layers: Largest number of layers.
        max_input: Largest input size per axis. Networks that need more are redrawn.
        no_holes: Passed to `draw_layer` for every layer.
        pad_first_only: Only the first layer may pad or use ceil mode, so every
            later window reads real units of the layer below.

    Returns:
        The input size per axis and the layers.
    """
    while True:
        layers = []
        for index in range(rng.randint(1, max_layers)):
            first = index == 0
            layers.append(
                draw_layer(
                    rng,
                    num_axes,
                    no_holes=no_holes,
                    allow_padding=first or not pad_first_only,
                    allow_ceil=first or not pad_first_only,
                )
            )
        parsed = parse_spec(spec_text(None, layers)).layers
        minimum = [minimum_input_size(parsed, axis) for axis in range(num_axes)]
        if max(minimum) > max_input:
            continue
        size = tuple(rng.randint(m, min(max_input, m + max_input // 2)) for m in minimum)
        return size, layers
