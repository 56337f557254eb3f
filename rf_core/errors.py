"""The exception family of rf_core.

Every error that rf_core raises for bad input is an `RFError`. It carries the
position of the offending text (1-based line and column) when the input came from
a text spec, so that editors, the command line and the site can point at it.
"""

from __future__ import annotations


class RFError(ValueError):
    """Invalid input to rf_core: a spec, a layer parameter or an input size.

    Attributes:
        message: What is wrong, naming the value, the valid range and the fix.
        line: 1-based line of the offending text, or None when not from a spec.
        column: 1-based column of the offending text, or None.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        self.message = message
        self.line = line
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        if self.column is None:
            return f"line {self.line}: {self.message}"
        return f"line {self.line}, column {self.column}: {self.message}"


class SpecError(RFError):
    """A spec that cannot be parsed: unknown layer kind or option, malformed number."""


class LayerError(RFError):
    """A layer parameter outside its valid range, such as stride 0 or negative padding.

    Attributes:
        option: The spec option at fault (`kind`, `k`, `s`, `d`, `p` or `ceil`),
            so a parser can point at its column.
    """

    def __init__(
        self,
        message: str,
        *,
        option: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.option = option
        super().__init__(message, line=line, column=column)


class OutputSizeError(RFError):
    """A layer whose output would have fewer than one unit for the given input size.

    Attributes:
        layer_index: 1-based index of the failing layer in the network.
        minimum_input_size: Smallest input size, per axis, for which every layer
            has at least one output unit. Empty when no input size up to
            MAX_VALUE works, as after a global pooling.
    """

    def __init__(
        self,
        message: str,
        *,
        layer_index: int,
        minimum_input_size: tuple[int, ...],
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.layer_index = layer_index
        self.minimum_input_size = minimum_input_size
        super().__init__(message, line=line, column=column)
