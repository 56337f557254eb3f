"""Spec generator for a WaveNet-style stack of causal dilated 1-D convolutions.

It follows the structure of van den Oord et al., "WaveNet: A Generative Model
for Raw Audio" (2016): a causal convolution, then residual layers whose
dilations double from 1 to 512 and repeat, skip connections from every layer
summed into a head of two 1x1 convolutions. Causal padding is written as
`p=D:0`: D zeros before the signal and none after, so output t reads inputs up
to t only. The gated activation (tanh times sigmoid) of two dilated
convolutions of the same geometry is written as one `conv`.

There is no reference implementation in torchvision, so the names are this
project's own: `stacks.<s>.<i>` is layer i of dilation cycle s.
"""

from __future__ import annotations

from rf_core.presets_writer import SpecWriter

#: Dilations of one cycle: 1, 2, 4, ..., 512.
DILATIONS = tuple(2**power for power in range(10))

#: Number of times the cycle of dilations repeats.
CYCLES = 3


def wavenet_spec(input_size: int) -> tuple[str, tuple[str, ...]]:
    """Write the WaveNet stack and return the spec text and its endpoints.

    The endpoints are the last residual layer of every cycle and the output.
    Each cycle adds 1 + 2 + ... + 512 = 1023 samples to the field and the
    first causal conv adds 1, so an output unit depends on 1 + 1 + 3 * 1023 = 3071
    samples.
    """
    writer = SpecWriter(input_size)
    writer.conv("causal", k=2, p="1:0")
    skips = []
    endpoints = []
    for cycle in range(CYCLES):
        writer.comment(f"cycle {cycle}: dilations {DILATIONS[0]} to {DILATIONS[-1]}")
        for index, dilation in enumerate(DILATIONS):
            name = f"stacks.{cycle}.{index}"
            layer_input = writer.last
            gated = writer.conv(f"{name}.dilated", k=2, d=dilation, p=f"{dilation}:0")
            residual = writer.conv(f"{name}.residual", k=1)
            skips.append(writer.conv(f"{name}.skip", k=1, source=gated))
            writer.merge("add", name, (residual, layer_input))
        endpoints.append(writer.last)

    writer.merge("add", "skip_sum", skips)
    writer.conv("head.conv1", k=1)
    endpoints.append(writer.conv("head.conv2", k=1))
    return writer.text(), tuple(endpoints)
