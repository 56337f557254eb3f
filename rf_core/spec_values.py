"""Parse the option values of a spec statement: whole numbers, per-axis lists and padding.

Every function raises SpecError with the line and column of the malformed value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rf_core.errors import SpecError
from rf_core.layers import MAX_VALUE, AxisParams

_INTEGER_PATTERN = re.compile(r"-?[0-9]+\Z")
#: Digit count above which a number is rejected as too large before int() reads it.
MAX_DIGITS = len(str(MAX_VALUE)) + 1


@dataclass(frozen=True)
class Token:
    text: str
    column: int


class AxisCount:
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


def parse_resize(
    kind: str, options: dict[str, tuple[str, Token]], line: int, head: Token, axes: AxisCount
) -> tuple[AxisParams, ...]:
    """Parse the one option of upsample (f), pad (p), crop (c) and adaptivepool (o)."""
    option = {"upsample": "f", "pad": "p", "crop": "c", "adaptivepool": "o"}[kind]
    example = {"f": "f=2", "p": "p=1 or p=0:1", "c": "c=1 or c=0:1", "o": "o=7"}[option]
    if option not in options:
        raise SpecError(f"{kind} needs {option}, such as {example}", line=line, column=head.column)
    if option in ("p", "c"):
        if option == "c":
            options["p"] = options["c"]
        mode, pads = parse_padding(options, line, axes)
        if mode != "explicit":
            raise SpecError(f"{kind} takes a number of pixels, such as {example}", line=line, column=options[option][1].column)
        return tuple(AxisParams(pad_before=before, pad_after=after) for before, after in pads)
    values = parse_numbers(options, option, line, axes)
    if option == "f":
        return tuple(AxisParams(factor=value) for value in values)
    return tuple(AxisParams(output_size=value) for value in values)


def parse_numbers(options: dict[str, tuple[str, Token]], option: str, line: int, axes: AxisCount) -> tuple[int, ...]:
    text, token = options[option]
    column = token.column + token.text.index("=") + 1
    parts = text.split("x")
    axes.check(len(parts), token.text, line, column)
    return tuple(parse_integer(part, option, text, line, column) for part in parts)


def parse_integer(part: str, option: str, whole: str, line: int, column: int) -> int:
    if not _INTEGER_PATTERN.match(part):
        raise SpecError(
            f"malformed number {whole!r} for {option}; write a whole number such as {option}=3, "
            f"or one per axis such as {option}=3x5",
            line=line,
            column=column,
        )
    if len(part.lstrip("-")) > MAX_DIGITS:
        raise SpecError(f"number {whole!r} for {option} is too large; the limit is {MAX_VALUE}", line=line, column=column)
    return int(part)


def parse_padding(
    options: dict[str, tuple[str, Token]], line: int, axes: AxisCount
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
        first = parse_integer(before, "p", text, line, column)
        second = parse_integer(after, "p", text, line, column) if colon else first
        pads.append((first, second))
    return "explicit", tuple(pads)
