"""MkDocs hook: turn `rf-exercise` fenced blocks into exercises that readers check in the page.

An author writes, in any page:

    ```rf-exercise ask=r layer=pool
    What is the receptive field of `pool`?
    ---
    Add (k - 1) times the jump for each layer.
    ---
    input 8
    conv k=3 name=conv
    maxpool k=2 s=2 name=pool
    ```

The block becomes a numbered exercise with the question and the hint as
Markdown, the spec as a code block (`show=none` hides it), an answer field with
a Check button, and a "Show answer" box. rf_core computes the answer and its
working at build time. The answer field stays hidden until the exercises module
attaches it, because checking runs rf_core in the browser's worker.

A block that rf_core cannot solve, with an unknown option, layer or quantity, a
missing section or an unknown value, fails the build with the page and the line.
This hook runs before the inline values hook, so `{rf ...}` values work in the
question and the hint.
"""

from __future__ import annotations

import html
import json
import logging
import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

# Import the rf_core of this checkout, the same code that the site ships to the browser.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hooks import fences  # noqa: E402 (needs the path set above)

from rf_core.errors import RFError  # noqa: E402 (needs the path set above)
from rf_core.exercises import OPTIONS, Exercise, Solution, answer_html, input_label, parse_block, solve  # noqa: E402

log = logging.getLogger("mkdocs.plugins.rf_lab.exercises")

#: Values of the `show` option: the spec as a code block, or nothing.
SHOW_VALUES = ("spec", "none")

_FENCE_START = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*rf-exercise\b(?P<options>.*)$")


def on_page_markdown(markdown: str, *, page, config, files) -> str:
    """Replace every `rf-exercise` block of a page with its exercise, keeping the page's line count."""
    lines = markdown.split("\n")
    output: list[str] = []
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

        start_line = index + 1
        page_path = page.file.src_uri
        indent, fence = match.group("indent"), match.group("fence")
        body, end = fences.collect_body(lines, index + 1, indent, fence, f"{page_path}:{start_line}", "rf-exercise")
        options, show = _parse_options(match.group("options"), page_path, start_line)
        counter += 1
        rendered = render_exercise("\n".join(body), options, show, counter, page_path, start_line)
        # The hooks after this one name page lines in their errors, so the exercise
        # takes exactly the lines of its block: it never needs more (see exercise_markdown).
        rendered.extend([""] * (end - index - len(rendered)))
        output.extend(indent + line if line else line for line in rendered)
        index = end
    return "\n".join(output)

def _parse_options(text: str, page_path: str, line: int) -> tuple[dict[str, str], str]:
    options: dict[str, str] = {}
    for token in text.split():
        key, has_value, value = token.partition("=")
        if (key != "show" and key not in OPTIONS) or not has_value or not value:
            raise PluginError(
                f"{page_path}:{line}: rf-exercise option {token!r} is invalid; "
                f"use key=value with a key from {', '.join((*OPTIONS, 'show'))}"
            )
        options[key] = value.strip("\"'")
    show = options.pop("show", "spec")
    if show not in SHOW_VALUES:
        raise PluginError(
            f"{page_path}:{line}: rf-exercise option show={show!r} is invalid; use show=spec or show=none"
        )
    if "ask" not in options:
        raise PluginError(f"{page_path}:{line}: rf-exercise block needs ask=QUANTITY, such as ask=r")
    return options, show


def render_exercise(body: str, options: dict[str, str], show: str, number: int, page_path: str, start_line: int) -> list[str]:
    """Return the Markdown lines of exercise `number`, or raise PluginError naming the page and line."""
    try:
        exercise = parse_block(body, options)
        solution = solve(exercise)
    except RFError as error:
        line = start_line + error.line if error.line else start_line
        raise PluginError(f"{page_path}:{line}: rf-exercise block is invalid: {error.message}") from error
    return exercise_markdown(exercise, solution, show, number)


def exercise_markdown(exercise: Exercise, solution: Solution, show: str, number: int) -> list[str]:
    """Return the exercise as lines of HTML with the question and the hint left as Markdown.

    md_in_html renders the Markdown inside the elements marked `markdown="block"`,
    so the question and the hint may contain code, math and inline values. The
    `tip` and `success` classes give the two boxes mkdocs-material's colours for
    those kinds of collapsible admonition. `data-search-exclude` keeps the answer
    and the answer field out of mkdocs-material's search index, so that a search
    result does not show the answer.

    The HTML takes three lines plus one blank line after the question and one after
    the hint, so the result has at most as many lines as the block, whose fences,
    separators and spec take at least five.
    """
    prefix = f"rf-exercise-{number}"
    request = {
        "ask": exercise.ask,
        "layer": exercise.layer,
        "unit": exercise.unit,
        "axis": exercise.axis,
        "input": exercise.input_size,
        "spec": exercise.spec.strip("\n"),
    }
    data = html.escape(json.dumps(request, ensure_ascii=False), quote=True)
    opening = (
        f'<section class="rf-exercise" id="{prefix}" aria-labelledby="{prefix}-title" '
        f'data-rf-exercise="{data}" markdown="block">'
        f'<p class="rf-exercise__title" id="{prefix}-title">Exercise {number}</p>'
        f'<div class="rf-exercise__question" markdown="block">'
    )
    spec = _spec_html(exercise.spec) if show == "spec" else ""
    middle = f'</div>{spec}<details class="rf-exercise__hint tip" markdown="block"><summary>Hint</summary>'
    closing = (
        "</details>"
        f"{_check_html(input_label(solution, exercise.ask), prefix)}"
        f'<p class="rf-exercise__result" id="{prefix}-result" role="status" aria-live="polite"></p>'
        f'<details class="rf-exercise__answer success" data-search-exclude><summary>Show answer</summary>{answer_html(solution)}</details>'
        "</section>"
    )
    return [opening, *exercise.question.split("\n"), "", middle, *exercise.hint.split("\n"), "", closing]


def _spec_html(spec: str) -> str:
    """Return the spec as a code block on one line, as pymdownx.highlight writes a `text` block."""
    code = html.escape(spec.strip("\n") + "\n").replace("\n", "&#10;")
    return f'<div class="highlight"><pre><span></span><code>{code}</code></pre></div>'


def _check_html(label: str, prefix: str) -> str:
    """Return the answer field and the Check button, hidden until the exercises module attaches them."""
    return (
        f'<div class="rf-exercise__check" hidden data-search-exclude>'
        f'<label for="{prefix}-answer">{html.escape(label)}</label>'
        f'<span class="rf-exercise__controls">'
        f'<input id="{prefix}-answer" class="rf-exercise__input" type="text" autocomplete="off" '
        f'autocapitalize="off" spellcheck="false" enterkeyhint="done" aria-describedby="{prefix}-result">'
        f'<button type="button" class="md-button rf-exercise__button">Check</button>'
        f"</span></div>"
    )
