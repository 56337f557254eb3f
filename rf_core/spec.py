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
from dataclasses import replace

from rf_core.errors import LayerError, SpecError
from rf_core.layers import ALL_KINDS, MAX_VALUE, AxisParams, Layer
from rf_core.limits import MAX_SPEC_LAYERS, check_text_size
from rf_core.network import Network
from rf_core.spec_keywords import DEFAULT_OPTIONS, KIND_ALIASES, OPTION_ALIASES, VALID_OPTIONS
from rf_core.spec_values import (
    MAX_DIGITS,
    AxisCount,
    Token,
    parse_integer,
    parse_numbers,
    parse_padding,
    parse_resize,
)

#: Valid layer names. A name may start with a digit, as torch module paths such as `0.1` do, because
#: names appear only after `name=` and in `from=`, where no number is expected.
NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")
# ASCII digits only: str.isdigit() also accepts characters such as '²' that int() rejects.
_DIGITS_PATTERN = re.compile(r"[0-9]+\Z")


def parse_spec(text: str, *, text_limits: bool = True) -> Network:
    """Parse a spec into a Network.

    Args:
        text: The spec.
        text_limits: Enforce the text length, line length and layer count limits
            of `rf_core.limits`, as the calculators need. The command line and
            scripts pass False to read larger specs; value limits always apply.

    Raises:
        SpecError: unknown kind or option, malformed number, misplaced `input`,
            or a text, line or layer count above the limits in `rf_core.limits`.
        LayerError: a value outside its valid range. Both carry line and column.
    """
    if text_limits:
        check_text_size(text)
    layers: list[Layer] = []
    input_size: tuple[int, ...] | None = None
    input_line: int | None = None
    axes = AxisCount()
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
        if text_limits and len(layers) == MAX_SPEC_LAYERS:
            raise SpecError(
                f"the spec has more than {MAX_SPEC_LAYERS} layers, the limit for calculators; "
                "analyse larger networks with the command line or rf_core.parse_spec(text, text_limits=False)",
                line=line_number,
                column=head.column,
            )
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

    if not layers:
        raise SpecError("the spec has no layers; write one layer per line, such as 'conv k=3'", line=1, column=1)
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
    if not 1 <= len(parts) <= 3 or not all(_DIGITS_PATTERN.match(part) and len(part) <= MAX_DIGITS for part in parts):
        raise SpecError(f"{what} {text!r} is malformed; write a whole number such as 224, or HxW such as 224x320")
    values = tuple(int(part) for part in parts)
    for value in values:
        if not 1 <= value <= MAX_VALUE:
            raise SpecError(f"{what} {value} is invalid; each size must be from 1 to {MAX_VALUE}")
    return values


def _tokenize(text: str) -> list[Token]:
    return [Token(match.group(), match.start() + 1) for match in re.finditer(r"\S+", text)]


def _parse_input(tokens: list[Token], line: int, axes: AxisCount) -> tuple[int, ...]:
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


def _parse_layer(tokens: list[Token], line: int, axes: AxisCount) -> Layer:
    head = tokens[0]
    kind = KIND_ALIASES.get(head.text.lower())
    if kind is None:
        raise SpecError(
            f"unknown layer kind {head.text!r}; use one of {', '.join(ALL_KINDS)}",
            line=line,
            column=head.column,
        )

    valid = VALID_OPTIONS.get(kind, DEFAULT_OPTIONS)
    options: dict[str, tuple[str, Token]] = {}
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
        return _make_layer(kind, options, line, head, parse_resize(kind, options, line, head, axes), "explicit")
    if kind not in VALID_OPTIONS:
        return _make_layer(kind, options, line, head, (AxisParams(),), "explicit")
    if "k" not in options:
        raise SpecError(f"{kind} needs a kernel size, such as k=3", line=line, column=head.column)

    kernel = parse_numbers(options, "k", line, axes)
    # PyTorch's pooling layers default the stride to the kernel size.
    default_stride = kernel if kind in ("maxpool", "avgpool") else (1,)
    stride = parse_numbers(options, "s", line, axes) if "s" in options else default_stride
    dilation = parse_numbers(options, "d", line, axes) if "d" in options else (1,)
    padding_mode, padding = parse_padding(options, line, axes)
    output_padding = parse_numbers(options, "op", line, axes) if "op" in options else (0,)
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


def _make_layer(
    kind: str,
    options: dict[str, tuple[str, Token]],
    line: int,
    head: Token,
    params: tuple[AxisParams, ...],
    padding_mode: str,
) -> Layer:
    name = ""
    if "name" in options:
        name, token = options["name"]
        if not NAME_PATTERN.match(name):
            raise SpecError(
                f"layer name {name!r} is invalid; use letters, digits, '_', '.' or '-', starting with a letter, digit or '_'",
                line=line,
                column=token.column + len("name="),
            )
    inputs: tuple[str, ...] = ()
    if "from" in options:
        text, token = options["from"]
        inputs = tuple(text.split(","))
        for source in inputs:
            if not NAME_PATTERN.match(source):
                raise SpecError(
                    f"input name {source!r} in from={text} is invalid; list layer names separated by commas, "
                    "such as from=conv1,shortcut",
                    line=line,
                    column=token.column,
                )
    groups = 1
    if "g" in options:
        groups = parse_integer(options["g"][0], "g", options["g"][0], line, options["g"][1].column)
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
