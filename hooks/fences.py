"""Fenced blocks in a page's Markdown, as every block hook of the site reads them.

A hook finds its own fences (```` ```rf-diagram ````, ...) and leaves every other
code block as it is, so an example inside a ```` ````markdown ```` block stays code.

Hooks that run earlier change the page's line count: a calculator becomes one line
of HTML, a Markdown table many. Build errors therefore take their line numbers from
the page's source file through `fence_lines`, not from the Markdown a hook receives.
"""

from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

#: The opening line of any fenced code block: its fence and its info string.
ANY_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>.*)$")


def is_closing(line: str, fence: str) -> bool:
    """Return whether `line` closes a block opened with `fence`."""
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]}


def block_end(lines: list[str], index: int, fence: str) -> int:
    """Return the index after the code block opened at `index`, or len(lines) when it is not closed."""
    for end in range(index + 1, len(lines)):
        if is_closing(lines[end], fence):
            return end + 1
    return len(lines)


def collect_body(lines: list[str], index: int, indent: str, fence: str, where: str, kind: str) -> tuple[list[str], int]:
    """Return the body of the `kind` block whose first body line is `index`, and the index after it.

    The fence's indent is removed from every body line.

    Raises:
        PluginError: the block has no closing fence; `where` is the page and line.
    """
    body = []
    while index < len(lines):
        line = lines[index]
        if is_closing(line, fence):
            return body, index + 1
        body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
        index += 1
    raise PluginError(f"{where}: {kind} block is not closed; end it with {fence}")


def fence_lines(page, kind: str) -> list[int]:
    """Return the 1-based source lines of every `kind` fence of the page, in order.

    Code blocks are skipped as the hooks skip them. Without readable source text,
    as for stand-in pages in tests, this returns [], and callers fall back to the
    line in the Markdown they received.
    """
    try:
        source = getattr(getattr(page, "file", None), "content_string", None)
    except OSError:
        return []  # a File whose source is not on disk, as pages made up in tests
    if not isinstance(source, str):
        return []
    kind_pattern = re.compile(rf"{re.escape(kind)}\b")
    lines = source.split("\n")
    found = []
    index = 0
    while index < len(lines):
        match = ANY_FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        if kind_pattern.match(match.group("info")):
            found.append(index + 1)
        index = block_end(lines, index, match.group("fence"))
    return found


def source_line(lines: list[int], ordinal: int, fallback: int) -> int:
    """Return the source line of the `ordinal`-th block (1-based), or `fallback` when unknown."""
    if 1 <= ordinal <= len(lines):
        return lines[ordinal - 1]
    return fallback
