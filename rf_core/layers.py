"""Layers as immutable values with per-axis geometry.

A layer stores one `AxisParams` per spatial axis, or a single one that applies to
every axis. Parameters are validated when the layer is made, so an analysis never
sees a stride of 0 or a negative padding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rf_core.errors import LayerError
from rf_core.limits import MAX_MERGE_INPUTS, MAX_PERIOD, MAX_VALUE

#: Layer kinds with a sliding window.
WINDOW_KINDS = ("conv", "maxpool", "avgpool")

#: Layer kinds whose units are unevenly spaced over their input.
UPSAMPLING_KINDS = ("convt", "upsample")

#: Layers that pad or crop their input by a fixed number of pixels.
BORDER_KINDS = ("pad", "crop")

#: Layers whose every unit sees the whole input, or an adaptive share of it.
WHOLE_INPUT_KINDS = ("globalpool", "fc", "adaptivepool")

#: Layers that merge two or more inputs of the same spatial size.
MERGE_KINDS = ("add", "concat")

#: Kinds that change no geometry: activations, normalizations, dropout.
PASS_THROUGH_KINDS = (
    "relu",
    "relu6",
    "leakyrelu",
    "elu",
    "gelu",
    "silu",
    "sigmoid",
    "tanh",
    "softmax",
    "batchnorm",
    "layernorm",
    "groupnorm",
    "instancenorm",
    "lrn",
    "dropout",
    "identity",
)

POOL_KINDS = ("maxpool", "avgpool")

#: Padding modes. `explicit` uses the layer's pad_before and pad_after. `valid`
#: pads nothing. `same` follows TensorFlow: the total padding makes the output
#: size ceil(n / s), and the smaller half goes before.
PADDING_MODES = ("explicit", "same", "valid")


@dataclass(frozen=True)
class AxisParams:
    """Window geometry of a layer along one spatial axis, in input pixels.

    Attributes:
        kernel: Kernel size k, at least 1.
        stride: Stride s, at least 1.
        dilation: Dilation d, at least 1. The window spans d * (k - 1) + 1 pixels.
        pad_before: Zero padding added before the first pixel (top or left). For
            `crop`, the pixels removed there.
        pad_after: Zero padding added after the last pixel (bottom or right). For
            `crop`, the pixels removed there.
        output_padding: `convt` only: extra output units after the last, as in
            PyTorch's ConvTranspose output_padding.
        factor: `upsample` only: integer scale factor.
        output_size: `adaptivepool` only: the output size it pools to.
    """

    kernel: int = 1
    stride: int = 1
    dilation: int = 1
    pad_before: int = 0
    pad_after: int = 0
    output_padding: int = 0
    factor: int = 1
    output_size: int = 0

    @property
    def effective_kernel(self) -> int:
        """Number of input pixels the dilated window spans: d * (k - 1) + 1."""
        return self.dilation * (self.kernel - 1) + 1


@dataclass(frozen=True)
class Layer:
    """One layer of a network.

    Attributes:
        kind: One of WINDOW_KINDS or PASS_THROUGH_KINDS.
        axes: One AxisParams per spatial axis, or a single one for every axis.
            Pass-through layers use the default, an identity window.
        padding_mode: One of PADDING_MODES.
        ceil_mode: Pooling only. Round the output size up, as PyTorch's
            ceil_mode=True does, dropping a last window that would start beyond
            the input and the padding before it.
        name: Layer name shown in results.
        inputs: Names of the layers (or `input`) that feed this one. Empty means
            the layer before it in the network, or the input for the first layer.
            Merge layers need two or more.
        groups: Convolution groups; they change no geometry and are kept for display.
        line: 1-based line in the spec that defined the layer, if any.
        column: 1-based column of the layer kind on that line, if any.

    Raises:
        LayerError: a parameter is outside its valid range. The error's `option`
            attribute names the offending option (k, s, d, p or ceil).
    """

    kind: str
    axes: tuple[AxisParams, ...] = (AxisParams(),)
    padding_mode: str = "explicit"
    ceil_mode: bool = False
    name: str = ""
    inputs: tuple[str, ...] = ()
    groups: int = 1
    line: int | None = field(default=None, compare=False)
    column: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _validate_layer(self)

    @property
    def is_merge(self) -> bool:
        """Whether the layer merges several inputs (add, concat)."""
        return self.kind in MERGE_KINDS

    @property
    def is_pass_through(self) -> bool:
        """Whether the layer leaves the geometry unchanged."""
        return self.kind in PASS_THROUGH_KINDS

    @property
    def label(self) -> str:
        """Short description for messages, such as `conv1 (conv)`."""
        return f"{self.name} ({self.kind})" if self.name else self.kind

    def describe(self, index: int) -> str:
        """Return `layer INDEX (NAME)` for messages; a name that starts with a digit,
        such as PyTorch's `6`, reads `layer 7 (named 6)` so it is not taken for a number."""
        name = self.name or self.kind
        return f"layer {index} (named {name})" if name[0].isdigit() else f"layer {index} ({name})"

    def axis(self, index: int) -> AxisParams:
        """Return the parameters of axis `index`, broadcasting a single entry."""
        return self.axes[0] if len(self.axes) == 1 else self.axes[index]


def _validate_layer(layer: Layer) -> None:
    if layer.kind not in ALL_KINDS:
        raise LayerError(
            f"unknown layer kind {layer.kind!r}; valid kinds are {', '.join(ALL_KINDS)}",
            option="kind",
        )
    if layer.is_merge and len(layer.inputs) < 2:
        raise LayerError(
            f"{layer.kind} layer {layer.label} merges two or more inputs; name them with from=a,b",
            option="from",
        )
    if len(layer.inputs) > MAX_MERGE_INPUTS:
        raise LayerError(
            f"{layer.kind} layer {layer.label} has {len(layer.inputs)} inputs, above the limit of "
            f"{MAX_MERGE_INPUTS}; merge them in stages with several {layer.kind} layers",
            option="from",
        )
    if not layer.is_merge and len(layer.inputs) > 1:
        raise LayerError(
            f"{layer.kind} layer {layer.label} takes one input, got {len(layer.inputs)}; "
            "merge inputs first with add or concat",
            option="from",
        )
    if not isinstance(layer.groups, int) or layer.groups < 1:
        raise LayerError(f"groups {layer.groups!r} of layer {layer.label} must be a whole number from 1", option="g")
    if layer.padding_mode not in PADDING_MODES:
        raise LayerError(
            f"padding mode {layer.padding_mode!r} of layer {layer.label} is invalid; "
            f"use one of {', '.join(PADDING_MODES)}",
            option="p",
        )
    if not 1 <= len(layer.axes) <= 3:
        raise LayerError(
            f"layer {layer.label} has {len(layer.axes)} axes; rf_core supports 1 to 3 spatial axes",
            option="k",
        )
    if layer.ceil_mode and layer.kind not in POOL_KINDS:
        raise LayerError(
            f"ceil mode applies to maxpool and avgpool, not to {layer.kind}; remove 'ceil'",
            option="ceil",
        )
    for params in layer.axes:
        _validate_axis(layer, params)


def _validate_axis(layer: Layer, params: AxisParams) -> None:
    checks = (
        ("k", "kernel size", params.kernel, 1),
        ("s", "stride", params.stride, 1),
        ("d", "dilation", params.dilation, 1),
        ("p", "padding", params.pad_before, 0),
        ("p", "padding", params.pad_after, 0),
        ("op", "output padding", params.output_padding, 0),
        ("f", "scale factor", params.factor, 1),
        ("o", "output size", params.output_size, 0),
    )
    for option, what, value, minimum in checks:
        if not isinstance(value, int) or isinstance(value, bool):
            raise LayerError(
                f"{what} of layer {layer.label} must be a whole number, got {value!r}",
                option=option,
            )
        if value < minimum:
            fix = {
                "k": "a window covers at least one pixel",
                "op": "use 0 for none",
                "f": "use f=2 to double the size",
                "o": "give the size to pool to, such as o=7",
                "s": "use s=1 to move the window one pixel at a time",
                "d": "use d=1 for an undilated kernel",
                "p": "use 0 for no padding",
            }[option]
            raise LayerError(
                f"{what} {value} of layer {layer.label} is invalid; it must be at least {minimum} ({fix})",
                option=option,
            )
        if value > MAX_VALUE:
            raise LayerError(
                f"{what} {value} of layer {layer.label} is too large; the limit is {MAX_VALUE}",
                option=option,
            )

    if (layer.is_pass_through or layer.is_merge) and params != AxisParams():
        raise LayerError(
            f"{layer.kind} changes no geometry and takes no window options", option="k"
        )
    _validate_special_axis(layer, params)

    if layer.kind == "avgpool" and params.dilation != 1:
        raise LayerError(
            f"avgpool has no dilation (PyTorch's AvgPool has none), got d={params.dilation}; "
            "remove d or use maxpool",
            option="d",
        )

    # PyTorch (2.13) rejects pooling padding above half the kernel size, counted
    # without dilation, so that no window lies entirely in the padding.
    if layer.kind in POOL_KINDS:
        limit = params.kernel // 2
        for pad in (params.pad_before, params.pad_after):
            if pad > limit:
                raise LayerError(
                    f"padding {pad} of layer {layer.label} is too large for kernel size {params.kernel}; "
                    f"pooling padding must be at most {limit}, half the kernel size, as in PyTorch",
                    option="p",
                )


ALL_KINDS = WINDOW_KINDS + UPSAMPLING_KINDS + BORDER_KINDS + WHOLE_INPUT_KINDS + MERGE_KINDS + PASS_THROUGH_KINDS


def _validate_special_axis(layer: Layer, params: AxisParams) -> None:
    """Check the options that only some kinds take: output padding, factor, output size."""
    if params.output_padding and layer.kind != "convt":
        raise LayerError(f"output padding applies to convt only, not to {layer.kind}", option="op")
    if params.output_padding >= max(params.stride, params.dilation):
        # PyTorch's rule: output padding must be smaller than the stride or the dilation.
        raise LayerError(
            f"output padding {params.output_padding} of layer {layer.label} must be smaller than its stride "
            f"{params.stride} or its dilation {params.dilation}",
            option="op",
        )
    if params.factor != 1 and layer.kind != "upsample":
        raise LayerError(f"a scale factor applies to upsample only, not to {layer.kind}", option="f")
    if layer.kind == "adaptivepool" and params.output_size < 1:
        raise LayerError(f"adaptivepool layer {layer.label} needs its output size, such as o=7", option="o")
    if params.output_size and layer.kind != "adaptivepool":
        raise LayerError(f"an output size applies to adaptivepool only, not to {layer.kind}", option="o")
    _validate_period(layer, params)


def _validate_period(layer: Layer, params: AxisParams) -> None:
    """Reject parameters that set a window's period above MAX_PERIOD units."""
    periodic = {
        "convt": ("s", "stride", params.stride),
        "upsample": ("f", "scale factor", params.factor),
        "adaptivepool": ("o", "output size", params.output_size),
    }.get(layer.kind)
    if periodic is None:
        return
    option, what, value = periodic
    if value > MAX_PERIOD:
        raise LayerError(
            f"{what} {value} of layer {layer.label} is too large; the limit is {MAX_PERIOD}, "
            "because the layer's units repeat their pattern only every that many units",
            option=option,
        )
