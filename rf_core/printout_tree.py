"""Parse the text of PyTorch's `print(model)` into a tree of modules, without interpreting the types.

Standard library only, so it runs in Pyodide.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from rf_core.errors import SpecError

_MODULE_LINE = re.compile(
    r"(?P<indent>\s*)"
    r"(?:\((?P<key>[^()]*)\):\s*)?"
    r"(?:(?P<count>[0-9]+) x )?"
    r"(?P<type>[A-Za-z_][A-Za-z0-9_]*)\((?P<rest>.*)\Z"
)
_REPEAT_KEY = re.compile(r"(?P<first>[0-9]+)-(?P<last>[0-9]+)\Z")


@dataclass
class PrintedModule:
    """One module of a printout.

    Attributes:
        key: The child name in parentheses, such as `0` or `features`; empty for
            the root.
        type_name: The module type, such as `Conv2d`.
        arguments: Text between the parentheses of a one-line module, or None
            for a module whose children follow on their own lines.
        line: 1-based line of the module in the printout.
        column: 1-based column of the type name.
        arguments_column: 1-based column of the first character of `arguments`.
        count: Number of identical modules on this line, more than 1 for
            PyTorch's compressed form `(0-2): 3 x ReLU()`.
        children: Child modules in print order.
    """

    key: str
    type_name: str
    arguments: str | None
    line: int
    column: int
    arguments_column: int
    count: int = 1
    children: list[PrintedModule] = field(default_factory=list)

    @property
    def is_container(self) -> bool:
        """Whether the module's children follow on their own lines."""
        return self.arguments is None

    def parse_arguments(self) -> tuple[list[tuple[object, int]], dict[str, tuple[object, int]]]:
        """Return the positional and keyword arguments, each with its 1-based column.

        Values are Python literals; a bare word such as `same` in `padding=same`
        is returned as a string.

        Raises:
            SpecError: the arguments are not a comma-separated list of literals.
        """
        text = self.arguments or ""
        try:
            tree = ast.parse(f"f({text})", mode="eval")
        except SyntaxError as error:
            offset = max((error.offset or 3) - 3, 0)
            raise SpecError(
                f"malformed arguments of {self.type_name}: {error.msg}; paste the line as print(model) wrote it",
                line=self.line,
                column=self.arguments_column + offset,
            ) from None
        call = tree.body
        if not isinstance(call, ast.Call) or len(text) + 3 != (call.end_col_offset or 0):
            raise SpecError(
                f"malformed arguments of {self.type_name}; expected a list such as kernel_size=(3, 3), stride=(1, 1)",
                line=self.line,
                column=self.arguments_column,
            )
        positional = [(self._literal(node), self._column(node)) for node in call.args]
        keywords = {keyword.arg or "": (self._literal(keyword.value), self._column(keyword)) for keyword in call.keywords}
        return positional, keywords

    def _column(self, node: ast.AST) -> int:
        return self.arguments_column + getattr(node, "col_offset", 2) - 2

    def _literal(self, node: ast.expr) -> object:
        if isinstance(node, ast.Name):
            return node.id
        try:
            return ast.literal_eval(node)
        except ValueError:
            raise SpecError(
                f"argument of {self.type_name} is not a literal value; paste the line as print(model) wrote it",
                line=self.line,
                column=self._column(node),
            ) from None


def parse_printout(text: str) -> PrintedModule:
    """Parse a printout into its tree of modules, without interpreting the types.

    Raises:
        SpecError: a line is neither a module nor `)`, a parenthesis is left
            open, or text follows the end of the root module.
    """
    root: PrintedModule | None = None
    stack: list[PrintedModule] = []
    last_line = 0
    for number, raw_line in enumerate(text.splitlines(), start=1):
        stripped = raw_line.strip()
        if not stripped:
            continue
        last_line = number
        column = len(raw_line) - len(raw_line.lstrip()) + 1
        if root is not None and not stack:
            raise SpecError(
                f"text after the end of the {root.type_name} printed on line {root.line}; paste one print(model) output",
                line=number,
                column=column,
            )
        if stripped == ")":
            if not stack:
                raise SpecError("')' closes no module; paste the whole print(model) output", line=number, column=column)
            stack.pop()
            continue
        module = _parse_line(raw_line.rstrip(), number, column, is_child=bool(stack))
        if stack:
            stack[-1].children.append(module)
        else:
            root = module
        if module.is_container:
            stack.append(module)

    if root is None:
        raise SpecError("the printout is empty; paste the output of print(model)", line=1, column=1)
    if stack:
        raise SpecError(
            f"{stack[-1].type_name} opened on line {stack[-1].line} is never closed with ')'; "
            "the printout is cut off, so paste all of it",
            line=last_line,
            column=1,
        )
    return root


def _parse_line(line: str, number: int, column: int, *, is_child: bool) -> PrintedModule:
    match = _MODULE_LINE.match(line)
    if match is None:
        raise SpecError(
            "this line is not a module of print(model); expected '(name): Type(...)' or ')'",
            line=number,
            column=column,
        )
    key = match.group("key")
    if is_child and key is None:
        raise SpecError(
            "a child module needs its name in front, as in '(0): Conv2d(...)'", line=number, column=column
        )
    rest = match.group("rest")
    if rest and not rest.endswith(")"):
        raise SpecError(
            f"the line of {match.group('type')} must end with ')' or, when children follow, with '('",
            line=number,
            column=len(line),
        )

    count = int(match.group("count")) if match.group("count") else 1
    repeat = _REPEAT_KEY.match(key or "")
    if count > 1 and (repeat is None or int(repeat.group("last")) - int(repeat.group("first")) + 1 != count):
        raise SpecError(
            f"'{count} x' needs a key covering {count} children, such as (0-{count - 1})",
            line=number,
            column=match.start("count") + 1,
        )
    return PrintedModule(
        key=key or "",
        type_name=match.group("type"),
        arguments=rest[:-1] if rest else None,
        line=number,
        column=match.start("type") + 1,
        arguments_column=match.start("rest") + 1,
        count=count,
    )


def expanded_keys(module: PrintedModule, key: str) -> list[str]:
    """Return the child names of one line: `0-2` stands for 0, 1 and 2."""
    repeat = _REPEAT_KEY.match(key)
    if module.count == 1 or repeat is None:
        return [key]
    return [str(index) for index in range(int(repeat.group("first")), int(repeat.group("last")) + 1)]
