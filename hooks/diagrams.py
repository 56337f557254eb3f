"""MkDocs hook: turn `rf-diagram` fenced blocks into generated SVG diagrams at build time.

An author writes, in any page:

    ```rf-diagram kind=frames unit=2
    input 7
    conv k=3 s=2 p=1
    ```

The block becomes the HTML that `rf_core.diagrams.render` returns for its kind,
spec and options, so the diagram is in the page with JavaScript off. Options
are `kind` (required) and those of `rf_core.diagrams.OPTIONS`. An invalid block
fails the build with the page path and the line of the error.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

# Import the rf_core of this checkout, the same code that the site ships to the browser.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hooks import fences  # noqa: E402 (needs the path set above)

from rf_core.diagrams import KINDS, OPTIONS, render  # noqa: E402 (needs the path set above)
from rf_core.errors import RFError  # noqa: E402

log = logging.getLogger("mkdocs.plugins.rf_lab.diagrams")

_FENCE_START = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*rf-diagram\b(?P<options>.*)$")


def on_page_markdown(markdown: str, *, page, config, files) -> str:
    """Replace every `rf-diagram` block of a page with its rendered diagram."""
    lines = markdown.split("\n")
    output: list[str] = []
    fence_lines = fences.fence_lines(page, "rf-diagram")
    counter = 0
    index = 0
    while index < len(lines):
        match = _FENCE_START.match(lines[index])
        if not match:
            other = fences.ANY_FENCE.match(lines[index])
            end = fences.block_end(lines, index, other.group("fence")) if other else index + 1
            output.extend(lines[index:end])
            index = end
            continue

        counter += 1
        # Earlier hooks change the line count, so the line comes from the source file.
        start_line = fences.source_line(fence_lines, counter, index + 1)
        page_path = page.file.src_uri
        indent, fence = match.group("indent"), match.group("fence")
        body, index = fences.collect_body(lines, index + 1, indent, fence, f"{page_path}:{start_line}", "rf-diagram")
        kind, options = _parse_options(match.group("options"), page_path, start_line)
        options.setdefault("id", f"rf-diagram-{counter}")
        try:
            rendered = render(kind, "\n".join(body), options)
        except RFError as error:
            spec_line = start_line + error.line if error.line else start_line
            raise PluginError(f"{page_path}:{spec_line}: rf-diagram block is invalid: {error.message}") from error
        output.append("")
        output.extend(indent + line for line in rendered.split("\n"))
        output.append("")
    return "\n".join(output)

def _parse_options(text: str, page_path: str, line: int) -> tuple[str, dict[str, str]]:
    options: dict[str, str] = {}
    for token in text.split():
        key, has_value, value = token.partition("=")
        if (key != "kind" and key not in OPTIONS) or not has_value or not value:
            raise PluginError(
                f"{page_path}:{line}: rf-diagram option {token!r} is invalid; "
                f"use key=value with a key from kind, {', '.join(OPTIONS)}"
            )
        options[key] = value.strip("\"'")
    kind = options.pop("kind", "")
    if kind not in KINDS:
        raise PluginError(f"{page_path}:{line}: rf-diagram block needs kind=KIND with KIND one of {', '.join(KINDS)}; got {kind!r}")
    return kind, options
