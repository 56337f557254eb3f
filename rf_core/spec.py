"""Parse the text spec format into a Network, keeping positions for errors.

One statement per line; `#` starts a comment. An optional first statement
`input N` or `input HxW` gives the input size. Every other statement is a layer:
a kind followed by options, such as `conv k=11 s=4 p=2 name=conv1`.

Options take one value for every axis (`k=3`) or one per axis, height first
(`k=3x5`). Padding also takes `same`, `valid`, or `before:after` per axis
(`p=0:1`, `p=1x0:1`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rf_core.errors import LayerError, SpecError
from rf_core.layers import ALL_KINDS, MAX_VALUE, PASS_THROUGH_KINDS, AxisParams, Layer
from rf_core.network import Network

#: Accepted spellings of each layer kind, lower-cased.
KIND_ALIASES = {
    "conv": "conv",
    "conv1d": "conv",
    "conv2d": "conv",
    "conv3d": "conv",
    "maxpool": "maxpool",
    "maxpool1d": "maxpool",
    "maxpool2d": "maxpool",
    "maxpool3d": "maxpool",
    "avgpool": "avgpool",
    "avgpool1d": "avgpool",
    "avgpool2d": "avgpool",
    "avgpool3d": "avgpool",
    "bn": "batchnorm",
    "batchnorm1d": "batchnorm",
    "batchnorm2d": "batchnorm",
    "batchnorm3d": "batchnorm",
    "leaky_relu": "leakyrelu",
    "dropout2d": "dropout",
    "localresponsenorm": "lrn",
    "convt": "convt",
    "deconv": "convt",
    "convtranspose": "convt",
    "convtranspose1d": "convt",
    "convtranspose2d": "convt",
    "convtranspose3d": "convt",
    "upsample": "upsample",
    "pad": "pad",
    "zeropad": "pad",
    "crop": "crop",
    "globalpool": "globalpool",
    "globalavgpool": "globalpool",
    "globalmaxpool": "globalpool",
    "adaptivepool": "adaptivepool",
    "adaptiveavgpool": "adaptivepool",
    "adaptiveavgpool1d": "adaptivepool",
    "adaptiveavgpool2d": "adaptivepool",
    "adaptivemaxpool": "adaptivepool",
    "adaptivemaxpool1d": "adaptivepool",
    "adaptivemaxpool2d": "adaptivepool",
    "fc": "fc",
    "linear": "fc",
    "dense": "fc",
    "add": "add",
    "sum": "add",
    "concat": "concat",
    "cat": "concat",
    **{kind: kind for kind in PASS_THROUGH_KINDS},
}

#: Option spellings, mapped to the short name used in messages.
OPTION_ALIASES = {
    "k": "k",
    "kernel": "k",
    "s": "s",
    "stride": "s",
    "p": "p",
    "pad": "p",
    "padding": "p",
    "d": "d",
    "dilation": "d",
    "name": "name",
    "ceil": "ceil",
    "from": "from",
    "g": "g",
    "groups": "g",
    "op": "op",
    "output_padding": "op",
    "f": "f",
    "scale": "f",
    "o": "o",
    "output_size": "o",
    "c": "c",
    "crop": "c",
}

VALID_OPTIONS = {
    "conv": ("k", "s", "p", "d", "g", "name", "from"),
    "maxpool": ("k", "s", "p", "d", "ceil", "name", "from"),
    "avgpool": ("k", "s", "p", "ceil", "name", "from"),
    "convt": ("k", "s", "p", "op", "d", "g", "name", "from"),
    "upsample": ("f", "name", "from"),
    "pad": ("p", "name", "from"),
    "crop": ("c", "name", "from"),
    "adaptivepool": ("o", "name", "from"),
}

#: Options of every other kind (pass-through, merge, global pooling, fc).
DEFAULT_OPTIONS = ("name", "from")

_NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_INTEGER_PATTERN = re.compile(r"-?[0-9]+\Z")
# ASCII digits only: str.isdigit() also accepts characters such as '²' that int() rejects.
_DIGITS_PATTERN = re.compile(r"[0-9]+\Z")
_MAX_DIGITS = len(str(MAX_VALUE)) + 1


@dataclass(frozen=True)
class _Token:
    text: str
    column: int


def parse_spec(text: str) -> Network:
    """Parse a spec into a Network.

    Raises:
        SpecError: unknown kind or option, malformed number, misplaced `input`.
        LayerError: a value outside its valid range. Both carry line and column.
    """
    layers: list[Layer] = []
    input_size: tuple[int, ...] | None = None
    input_line: int | None = None
    axes = _AxisCount()
    names: dict[str, int] = {}

    for line_number, raw_line in enumerate(text.splitlines(), start=1):
        tokens = _tokenize(raw_line.split("#", 1)[0])
        if not tokens:
            continue
        head = tokens[0]
        if head.text.lower() == "input":
            if layers or input_size is not None:
                raise SpecError(
                    "'input' must be the first statement and may appear once; move it above the layers",
                    line=line_number,
                    column=head.column,
                )
            input_size = _parse_input(tokens, line_number, axes)
            input_line = line_number
            continue
        layer = _parse_layer(tokens, line_number, axes)
        if layer.name in names:
            column = next(token.column for token in tokens if token.text.lower().startswith("name="))
            raise SpecError(
                f"layer name {layer.name!r} is already used on line {names[layer.name]}; names must be unique",
                line=line_number,
                column=column,
            )
        if layer.name:
            names[layer.name] = line_number
        layers.append(layer)

    layers = _name_layers(layers)
    try:
        return Network(tuple(layers), input_size, input_line)
    except LayerError as error:
        line = error.line if error.line is not None else input_line
        raise LayerError(error.message, option=error.option, line=line, column=error.column) from None


def parse_size(text: str, *, what: str = "input size") -> tuple[int, ...]:
    """Parse a size such as `224` or `224x320` into a tuple of ints.

    Raises:
        SpecError: the text is not 1 to 3 whole numbers from 1 up, joined by `x`.
    """
    parts = text.strip().lower().split("x")
    if not 1 <= len(parts) <= 3 or not all(_DIGITS_PATTERN.match(part) and len(part) <= _MAX_DIGITS for part in parts):
        raise SpecError(f"{what} {text!r} is malformed; write a whole number such as 224, or HxW such as 224x320")
    values = tuple(int(part) for part in parts)
    for value in values:
        if not 1 <= value <= MAX_VALUE:
            raise SpecError(f"{what} {value} is invalid; each size must be from 1 to {MAX_VALUE}")
    return values


def _tokenize(text: str) -> list[_Token]:
    return [_Token(match.group(), match.start() + 1) for match in re.finditer(r"\S+", text)]


class _AxisCount:
    """Tracks the number of per-axis entries so that 2-D and 3-D values are not mixed."""

    def __init__(self) -> None:
        self.count: int | None = None
        self.where = ""

    def check(self, count: int, text: str, line: int, column: int) -> None:
        if count == 1:
            return
        if self.count is None:
            self.count, self.where = count, f"{text!r} on line {line}"
            return
        if count != self.count:
            raise SpecError(
                f"{text!r} has {count} per-axis values but {self.where} has {self.count}; "
                "give every per-axis value the same number of entries",
                line=line,
                column=column,
            )


def _parse_input(tokens: list[_Token], line: int, axes: _AxisCount) -> tuple[int, ...]:
    if len(tokens) != 2:
        column = tokens[2].column if len(tokens) > 2 else tokens[0].column
        raise SpecError(
            "'input' takes one size, such as 'input 224' or 'input 224x320'", line=line, column=column
        )
    token = tokens[1]
    try:
        size = parse_size(token.text)
    except SpecError as error:
        raise SpecError(error.message, line=line, column=token.column) from None
    axes.check(len(size), token.text, line, token.column)
    return size


def _parse_layer(tokens: list[_Token], line: int, axes: _AxisCount) -> Layer:
    head = tokens[0]
    kind = KIND_ALIASES.get(head.text.lower())
    if kind is None:
        raise SpecError(
            f"unknown layer kind {head.text!r}; use one of {', '.join(ALL_KINDS)}",
            line=line,
            column=head.column,
        )

    valid = VALID_OPTIONS.get(kind, DEFAULT_OPTIONS)
    options: dict[str, tuple[str, _Token]] = {}
    for token in tokens[1:]:
        key, has_value, value = token.text.partition("=")
        option = OPTION_ALIASES.get(key.lower())
        if option is None or option not in valid:
            raise SpecError(
                f"unknown option {key!r} for {kind}; valid options are {', '.join(valid)}",
                line=line,
                column=token.column,
            )
        if option in options:
            raise SpecError(f"option {option!r} is given twice; keep one", line=line, column=token.column)
        if option == "ceil":
            if has_value:
                raise SpecError("'ceil' is a flag and takes no value; write just 'ceil'", line=line, column=token.column)
        elif not has_value or not value:
            raise SpecError(f"option {key!r} needs a value, such as {key}=3", line=line, column=token.column)
        options[option] = (value, token)

    if kind in ("upsample", "pad", "crop", "adaptivepool"):
        return _make_layer(kind, options, line, head, _parse_resize(kind, options, line, head, axes), "explicit")
    if kind not in VALID_OPTIONS:
        return _make_layer(kind, options, line, head, (AxisParams(),), "explicit")
    if "k" not in options:
        raise SpecError(f"{kind} needs a kernel size, such as k=3", line=line, column=head.column)

    kernel = _parse_numbers(options, "k", line, axes)
    # PyTorch's pooling layers default the stride to the kernel size.
    default_stride = kernel if kind in ("maxpool", "avgpool") else (1,)
    stride = _parse_numbers(options, "s", line, axes) if "s" in options else default_stride
    dilation = _parse_numbers(options, "d", line, axes) if "d" in options else (1,)
    padding_mode, padding = _parse_padding(options, line, axes)
    output_padding = _parse_numbers(options, "op", line, axes) if "op" in options else (0,)
    if kind == "convt" and padding_mode == "same":
        raise SpecError(
            "convt takes explicit padding, not p=same; give the padding of its PyTorch ConvTranspose, such as p=1",
            line=line,
            column=options["p"][1].column,
        )

    count = max(len(kernel), len(stride), len(dilation), len(padding), len(output_padding))
    params = tuple(
        AxisParams(
            kernel=_pick(kernel, axis),
            stride=_pick(stride, axis),
            dilation=_pick(dilation, axis),
            pad_before=_pick(padding, axis)[0],
            pad_after=_pick(padding, axis)[1],
            output_padding=_pick(output_padding, axis),
        )
        for axis in range(count)
    )
    return _make_layer(kind, options, line, head, params, padding_mode)


def _parse_resize(
    kind: str, options: dict[str, tuple[str, _Token]], line: int, head: _Token, axes: _AxisCount
) -> tuple[AxisParams, ...]:
    """Parse the one option of upsample (f), pad (p), crop (c) and adaptivepool (o)."""
    option = {"upsample": "f", "pad": "p", "crop": "c", "adaptivepool": "o"}[kind]
    example = {"f": "f=2", "p": "p=1 or p=0:1", "c": "c=1 or c=0:1", "o": "o=7"}[option]
    if option not in options:
        raise SpecError(f"{kind} needs {option}, such as {example}", line=line, column=head.column)
    if option in ("p", "c"):
        if option == "c":
            options["p"] = options["c"]
        mode, pads = _parse_padding(options, line, axes)
        if mode != "explicit":
            raise SpecError(f"{kind} takes a number of pixels, such as {example}", line=line, column=options[option][1].column)
        return tuple(AxisParams(pad_before=before, pad_after=after) for before, after in pads)
    values = _parse_numbers(options, option, line, axes)
    if option == "f":
        return tuple(AxisParams(factor=value) for value in values)
    return tuple(AxisParams(output_size=value) for value in values)


def _make_layer(
    kind: str,
    options: dict[str, tuple[str, _Token]],
    line: int,
    head: _Token,
    params: tuple[AxisParams, ...],
    padding_mode: str,
) -> Layer:
    name = ""
    if "name" in options:
        name, token = options["name"]
        if not _NAME_PATTERN.match(name):
            raise SpecError(
                f"layer name {name!r} is invalid; use letters, digits, '_', '.' or '-', starting with a letter",
                line=line,
                column=token.column + len("name="),
            )
    inputs: tuple[str, ...] = ()
    if "from" in options:
        text, token = options["from"]
        inputs = tuple(text.split(","))
        for source in inputs:
            if not _NAME_PATTERN.match(source):
                raise SpecError(
                    f"input name {source!r} in from={text} is invalid; list layer names separated by commas, "
                    "such as from=conv1,shortcut",
                    line=line,
                    column=token.column,
                )
    groups = 1
    if "g" in options:
        groups = _parse_integer(options["g"][0], "g", options["g"][0], line, options["g"][1].column)
    try:
        return Layer(
            kind=kind,
            axes=params,
            padding_mode=padding_mode,
            ceil_mode="ceil" in options,
            name=name,
            inputs=inputs,
            groups=groups,
            line=line,
            column=head.column,
        )
    except LayerError as error:
        token = options.get(error.option or "", (None, head))[1]
        raise LayerError(error.message, option=error.option, line=line, column=token.column) from None


def _pick(values: tuple, axis: int):
    return values[0] if len(values) == 1 else values[axis]


def _parse_numbers(options: dict[str, tuple[str, _Token]], option: str, line: int, axes: _AxisCount) -> tuple[int, ...]:
    text, token = options[option]
    column = token.column + token.text.index("=") + 1
    parts = text.split("x")
    axes.check(len(parts), token.text, line, column)
    return tuple(_parse_integer(part, option, text, line, column) for part in parts)


def _parse_integer(part: str, option: str, whole: str, line: int, column: int) -> int:
    if not _INTEGER_PATTERN.match(part):
        raise SpecError(
            f"malformed number {whole!r} for {option}; write a whole number such as {option}=3, "
            f"or one per axis such as {option}=3x5",
            line=line,
            column=column,
        )
    if len(part.lstrip("-")) > _MAX_DIGITS:
        raise SpecError(f"number {whole!r} for {option} is too large; the limit is {MAX_VALUE}", line=line, column=column)
    return int(part)


def _parse_padding(
    options: dict[str, tuple[str, _Token]], line: int, axes: _AxisCount
) -> tuple[str, tuple[tuple[int, int], ...]]:
    if "p" not in options:
        return "explicit", ((0, 0),)
    text, token = options["p"]
    if text.lower() in ("same", "valid"):
        return text.lower(), ((0, 0),)
    column = token.column + token.text.index("=") + 1
    parts = text.split("x")
    axes.check(len(parts), token.text, line, column)
    pads = []
    for part in parts:
        before, colon, after = part.partition(":")
        first = _parse_integer(before, "p", text, line, column)
        second = _parse_integer(after, "p", text, line, column) if colon else first
        pads.append((first, second))
    return "explicit", tuple(pads)


def _name_layers(layers: list[Layer]) -> list[Layer]:
    """Give unnamed layers a name of kind and count (conv1, relu2), skipping names in use."""
    used = {layer.name: layer.line or 0 for layer in layers if layer.name}

    counters: dict[str, int] = {}
    named = []
    for layer in layers:
        if not layer.name:
            counter = counters.get(layer.kind, 0) + 1
            while f"{layer.kind}{counter}" in used:
                counter += 1
            counters[layer.kind] = counter
            name = f"{layer.kind}{counter}"
            used[name] = layer.line or 0
            layer = replace(layer, name=name)
        named.append(layer)
    return named
