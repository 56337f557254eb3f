"""Parse the answers that readers type into exercises.

Readers write the same number in many ways, so the parsers accept surrounding
spaces, a Unicode minus sign, a leading label such as `r =`, a trailing `px`,
fractions (`1/2`), decimals (`0.5`) and, for intervals, brackets and any of the
separators `,`, `;`, spaces, `..` or `to`: `[3, 6]`, `3,6`, `3 6` and `3 to 6`
are the same answer. Text that fits none of these forms raises
`AnswerFormatError`, whose message quotes what was typed and names the form that
was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

#: Answers longer than this are rejected before parsing.
MAX_ANSWER_LENGTH = 100

#: Typed text quoted in messages is cut to this many characters.
MAX_QUOTED_LENGTH = 40

_LABEL = re.compile(r"^[A-Za-z_][A-Za-z_ ]*=\s*")
_UNIT_SUFFIX = re.compile(r"\s*(?:px|pixels?)\.?$", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.(?P<digits>\d*)|\.(?P<only_digits>\d+))")
_FRACTION = re.compile(r"(?P<numerator>[+-]?\d+)\s*/\s*(?P<denominator>[+-]?\d+)")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_PAIR_SEPARATOR = re.compile(r"\s*(?:,|;|\.\.|\bto\b|\u2013|\u2014)\s*|\s+")


class AnswerFormatError(ValueError):
    """A typed answer that is not in the expected form.

    Attributes:
        message: What was typed and the form to type instead, for the reader.
    """

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class TypedNumber:
    """A number as the reader typed it.

    Attributes:
        value: The exact value.
        decimals: Number of digits after the decimal point when it was typed as
            a decimal, such as 2 for `0.33`; None for whole numbers and fractions.
    """

    value: Fraction
    decimals: int | None = None


def quote(text: str) -> str:
    """Return `text` in typographic quotes, cut to MAX_QUOTED_LENGTH characters."""
    shown = " ".join(text.split())
    if len(shown) > MAX_QUOTED_LENGTH:
        shown = shown[: MAX_QUOTED_LENGTH - 1] + "\u2026"
    return f"\u201c{shown}\u201d"


def parse_number(text: str, form: str, *, decimals_expected: bool = False) -> TypedNumber:
    """Parse one number: a whole number, a decimal or a fraction such as `1/2`.

    Args:
        text: The typed answer.
        form: The expected form for messages, such as "one whole number, such as 4".
        decimals_expected: Whether the value may be a decimal, so that `2,5`
            gets a message about the decimal point.

    Raises:
        AnswerFormatError: the text is empty, too long or not one number.
    """
    cleaned = _clean(text, form)
    if _INTEGER.fullmatch(cleaned):
        return TypedNumber(Fraction(int(cleaned)))
    decimal = _DECIMAL.fullmatch(cleaned)
    if decimal:
        digits = decimal.group("digits") if decimal.group("digits") is not None else decimal.group("only_digits")
        return TypedNumber(Fraction(cleaned), len(digits))
    fraction = _FRACTION.fullmatch(cleaned)
    if fraction:
        denominator = int(fraction.group("denominator"))
        if denominator == 0:
            raise AnswerFormatError(f"{quote(text)} divides by zero. Type {form}.")
        return TypedNumber(Fraction(int(fraction.group("numerator")), denominator))

    if decimals_expected and _DECIMAL_COMMA.fullmatch(cleaned):
        raise AnswerFormatError(
            f"{quote(text)} is two numbers, or a decimal written with a comma. "
            f"Type {form}, with a point for decimals."
        )
    count = len(_split_pair(cleaned))
    if count > 1 and all(_INTEGER.fullmatch(part) or _DECIMAL.fullmatch(part) for part in _split_pair(cleaned)):
        raise AnswerFormatError(f"{quote(text)} is {count} numbers. Type {form}.")
    raise AnswerFormatError(f"{quote(text)} is not a number. Type {form}.")


def parse_pair(text: str, form: str) -> tuple[int, int]:
    """Parse two whole numbers, the first and last pixel of an interval.

    Args:
        text: The typed answer, such as `[3, 6]`, `3,6`, `3 6` or `-1 to 2`.
        form: The expected form for messages, such as "two whole numbers, such as 3, 6".

    Raises:
        AnswerFormatError: the text is empty, too long or not two whole numbers.
    """
    cleaned = _clean(text, form)
    if cleaned[:1] in "[(" and cleaned[-1:] in "])":
        cleaned = cleaned[1:-1].strip()
    parts = _split_pair(cleaned)
    if len(parts) == 2 and all(_INTEGER.fullmatch(part) for part in parts):
        return int(parts[0]), int(parts[1])

    if len(parts) == 1 and (_INTEGER.fullmatch(parts[0]) or _DECIMAL.fullmatch(parts[0])):
        raise AnswerFormatError(
            f"{quote(text)} is one number, but an interval has two: its first and its last pixel. Type {form}."
        )
    if len(parts) > 2 and all(_INTEGER.fullmatch(part) for part in parts):
        raise AnswerFormatError(f"{quote(text)} is {len(parts)} numbers. Type {form}.")
    raise AnswerFormatError(f"{quote(text)} is not two whole numbers. Type {form}.")


def _clean(text: str, form: str) -> str:
    """Strip spaces, a leading label and a trailing unit, and normalise minus signs."""
    if len(text) > MAX_ANSWER_LENGTH:
        raise AnswerFormatError(f"The answer has {len(text)} characters, which is too long. Type {form}.")
    cleaned = text.strip().replace("\u2212", "-")
    cleaned = _LABEL.sub("", cleaned)
    cleaned = _UNIT_SUFFIX.sub("", cleaned).strip()
    if not cleaned:
        raise AnswerFormatError(f"Type an answer first: {form}.")
    return cleaned


def _split_pair(text: str) -> list[str]:
    return [part for part in _PAIR_SEPARATOR.split(text) if part]
