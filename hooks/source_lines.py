"""Line numbers of a page's blocks in its source file, for build error messages.

Hooks that run before another one change the page's line count (a calculator
becomes one line of HTML, a Markdown table many), so a hook cannot count lines
in the Markdown it receives. This module finds the n-th fence of a block kind in
the file as the author wrote it, skipping code blocks as the hooks do, so an
example inside a code block is not counted.

It is imported by file path from the hooks, because MkDocs loads each hook as a
separate module rather than as part of a package.
"""

from __future__ import annotations

import re

_ANY_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>.*)$")


def fence_lines(page, kind: str) -> list[int]:
    """Return the 1-based source lines of every `kind` fence of the page, in order.

    Returns [] when the page has no readable source text, as for stand-in pages
    in tests; callers then fall back to the line in the Markdown they got.
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
        match = _ANY_FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        if kind_pattern.match(match.group("info")):
            found.append(index + 1)
        index = _block_end(lines, index, match.group("fence"))
    return found


def source_line(lines: list[int], ordinal: int, fallback: int) -> int:
    """Return the source line of the `ordinal`-th block (1-based), or `fallback` when unknown."""
    if 1 <= ordinal <= len(lines):
        return lines[ordinal - 1]
    return fallback


def _block_end(lines: list[str], index: int, fence: str) -> int:
    for end in range(index + 1, len(lines)):
        stripped = lines[end].strip()
        if stripped.startswith(fence) and set(stripped) == {fence[0]}:
            return end + 1
    return len(lines)
