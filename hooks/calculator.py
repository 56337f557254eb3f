"""MkDocs hook: turn `rf-calculator` and `rf-output` fenced blocks into HTML at build time.

An author writes, in any page:

    ```rf-calculator input=224 unit=0
    conv k=11 s=4 p=2 name=conv1
    maxpool k=3 s=2
    ```

At build time the block becomes the widget's HTML with the result table that
rf_core computed, so the page is correct with JavaScript off. In the browser the
loader module recomputes the table with the same rf_core function after edits.

`diagram=KIND` (one of `rf_core.diagrams.KINDS`) draws that diagram of the
calculator's spec under its table, with `diagram-layer=` and `diagram-axis=`
passed to `rf_core.diagrams.render` as `layer=` and `axis=`. The diagram draws
the calculator's unit and input size, and the browser redraws it after every edit.

An `rf-output format=table` block (or csv, json) shows what the command line
prints for its spec, computed by rf_core when the page is built; `format=markdown`
puts the table into the page. `preset=NAME` takes a built-in network in place of
the block's spec, and `endpoints` keeps only its end-point layers. With
`format=markdown`, `stages=NAME,NAME,...` adds a Stage column after the layer
names, one entry per row, for the names a paper gives its stages.
"""

from __future__ import annotations

import html
import logging
import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

# Import the rf_core of this checkout, the same code that the site ships to the browser.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hooks import fences  # noqa: E402 (needs the path set above)

from rf_core.cli import FORMATS  # noqa: E402 (needs the path set above)
from rf_core.diagrams import KINDS  # noqa: E402
from rf_core.errors import RFError  # noqa: E402
from rf_core.spec import parse_spec  # noqa: E402
from rf_core.analysis import analyze  # noqa: E402
from rf_core.presets import get_preset, preset_names  # noqa: E402
from rf_core.widget import render_calculator  # noqa: E402

log = logging.getLogger("mkdocs.plugins.rf_lab.calculator")

#: Options on the fence line. `expect=error` marks a block that demonstrates an
#: invalid spec, so its error does not fail a strict build. `preset=NAME` fills
#: an empty block with a built-in network.
FENCE_OPTIONS = ("input", "unit", "rows", "expect", "preset")

#: Options that draw a diagram under the table: `diagram=KIND`, and the layer and
#: axis that `rf_core.diagrams.render` takes. The unit is the calculator's `unit=`.
DIAGRAM_OPTIONS = {"diagram": "kind", "diagram-layer": "layer", "diagram-axis": "axis"}

_FENCE_START = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<kind>rf-calculator|rf-output)\b(?P<options>.*)$"
)

#: Export formats offered by the share bar, as `rf_core.widget.EXPORT_FORMATS` names them.
_EXPORT_FORMATS = (("csv", "CSV"), ("json", "JSON"), ("markdown", "Markdown"))

_STATUS_BUILT = "Computed when the page was built. Edit the layers to recompute in your browser."


def on_page_markdown(markdown: str, *, page, config, files) -> str:
    """Replace every `rf-calculator` block with the widget and every `rf-output` block with its output."""
    lines = markdown.split("\n")
    output: list[str] = []
    counter = 0
    index = 0
    while index < len(lines):
        match = _FENCE_START.match(lines[index])
        if not match:
            # Other code blocks stay code, so a page can show a block's source.
            other = fences.ANY_FENCE.match(lines[index])
            end = fences.block_end(lines, index, other.group("fence")) if other else index + 1
            output.extend(lines[index:end])
            index = end
            continue

        start_line = index + 1
        indent, fence = match.group("indent"), match.group("fence")
        page_path = page.file.src_uri
        body, index = fences.collect_body(lines, index + 1, indent, fence, f"{page_path}:{start_line}", "rf-calculator")
        if match.group("kind") == "rf-output":
            output.extend(indent + line for line in _render_output(body, match.group("options"), page_path, start_line))
            continue
        options = _parse_options(match.group("options"), page_path, start_line)
        counter += 1
        output.append(indent + _render_block(body, options, counter, page_path, start_line))
    return "\n".join(output)


def _parse_options(text: str, page_path: str, line: int) -> dict[str, str]:
    options = {}
    for token in text.split():
        key, has_value, value = token.partition("=")
        if key == "diagram-unit":
            raise PluginError(
                f"{page_path}:{line}: rf-calculator option {token!r} is invalid; the diagram draws the "
                f"calculator's unit, so set it with unit={value}"
            )
        if (key not in FENCE_OPTIONS and key not in DIAGRAM_OPTIONS) or not has_value:
            raise PluginError(
                f"{page_path}:{line}: rf-calculator option {token!r} is invalid; "
                f"use key=value with a key from {', '.join([*FENCE_OPTIONS, *DIAGRAM_OPTIONS])}"
            )
        options[key] = value.strip("\"'")
    if options.get("expect", "error") != "error":
        raise PluginError(f"{page_path}:{line}: rf-calculator option expect={options['expect']!r} is invalid; use expect=error")
    if "rows" in options and not options["rows"].isdigit():
        raise PluginError(f"{page_path}:{line}: rf-calculator option rows={options['rows']!r} must be a whole number")
    if "diagram" in options and options["diagram"] not in KINDS:
        raise PluginError(
            f"{page_path}:{line}: rf-calculator option diagram={options['diagram']!r} is invalid; "
            f"use diagram=KIND with KIND one of {', '.join(KINDS)}"
        )
    if "diagram" not in options and any(key in options for key in DIAGRAM_OPTIONS):
        raise PluginError(
            f"{page_path}:{line}: rf-calculator options diagram-layer= and diagram-axis= need "
            f"diagram=KIND with KIND one of {', '.join(KINDS)}"
        )
    return options


def _render_output(body: list[str], options: str, page_path: str, start_line: int) -> list[str]:
    settings = dict(token.partition("=")[::2] for token in options.split())
    output_format = settings.pop("format", "")
    preset_name = settings.pop("preset", None)
    endpoints_only = "endpoints" in settings
    settings.pop("endpoints", None)
    stages = settings.pop("stages", None)
    if output_format not in FORMATS or settings:
        raise PluginError(
            f"{page_path}:{start_line}: rf-output takes format=FORMAT with FORMAT one of "
            f"{', '.join(sorted(FORMATS))}, and optionally preset=NAME, endpoints and stages=NAME,NAME,...; "
            f"got {options.strip()!r}"
        )
    if stages is not None and output_format != "markdown":
        raise PluginError(
            f"{page_path}:{start_line}: rf-output option stages= needs format=markdown, not format={output_format}"
        )
    if endpoints_only and preset_name is None:
        raise PluginError(
            f"{page_path}:{start_line}: rf-output option endpoints needs preset=NAME, "
            "because only built-in networks have end-points"
        )
    try:
        selection = {}
        if preset_name is not None:
            preset = get_preset(preset_name)
            spec = preset.spec
            if endpoints_only:
                selection["layers"] = list(preset.endpoints)
        else:
            spec = "\n".join(body)
        text = FORMATS[output_format](analyze(parse_spec(spec)), **selection)
    except RFError as error:
        raise PluginError(f"{page_path}:{start_line}: rf-output block is invalid: {error}") from error
    if output_format == "markdown":
        # A Markdown table goes into the page as a table, not as code.
        table = text.rstrip("\n").split("\n")
        if stages is not None:
            table = _add_stage_column(table, stages.split(","), page_path, start_line)
        # The wrapper gives the table the calculators' compact cells (rf-lab.css), so
        # eight or nine columns fit beside the navigation.
        return ["", '<div class="rf-output" markdown>', "", *table, "", "</div>", ""]
    fence_language = {"json": "json"}.get(output_format, "text")
    return ["```" + fence_language, *text.rstrip("\n").split("\n"), "```"]


def _add_stage_column(table: list[str], stages: list[str], page_path: str, start_line: int) -> list[str]:
    """Insert a Stage column after the Name column (the second) of a Markdown table.

    `table` is the output of `rf_core.render.to_markdown`: a header, a separator,
    one line per layer, then optional notes after a blank line.
    """
    rows = table[2:]
    row_count = rows.index("") if "" in rows else len(rows)
    if len(stages) != row_count or not all(stages):
        raise PluginError(
            f"{page_path}:{start_line}: rf-output option stages= lists {len(stages)} names for a table of "
            f"{row_count} rows; give one non-empty name per row, in order, separated by commas"
        )
    for stage in stages:
        if "|" in stage:
            raise PluginError(f"{page_path}:{start_line}: rf-output stage name {stage!r} is invalid; remove the '|'")
    cells = ["Stage", "---", *stages]
    output = []
    for index, line in enumerate(table):
        if index >= row_count + 2:
            output.append(line)
            continue
        # Cells are separated by " | ", or by "|" in the separator line, which also
        # splits off an empty string before its first cell. The first two cells are # and Name.
        separator, position = ("|", 3) if index == 1 else (" | ", 2)
        parts = line.split(separator)
        parts.insert(position, cells[index])
        output.append(separator.join(parts))
    return output


def _render_block(body: list[str], options: dict[str, str], number: int, page_path: str, start_line: int) -> str:
    spec = "\n".join(body).strip("\n")
    if "preset" in options:
        if spec:
            raise PluginError(f"{page_path}:{start_line}: an rf-calculator block with preset= must be empty")
        try:
            spec = get_preset(options["preset"]).spec.strip("\n")
        except RFError as error:
            raise PluginError(f"{page_path}:{start_line}: {error}") from error
    input_size = options.get("input", "")
    unit = options.get("unit", "")
    diagram = None
    if "diagram" in options:
        diagram = {name: options.get(option, "") for option, name in DIAGRAM_OPTIONS.items()}
        diagram["id"] = f"rf-calc-{number}-diagram"
    result = render_calculator(spec, input_size, unit, diagram=diagram)

    if not result.ok and options.get("expect") != "error":
        where = f"line {result.line} of the block" if result.line else "the block options"
        spec_line = start_line + result.line if result.line else start_line
        log.warning(f"{page_path}:{spec_line}: rf-calculator block is invalid ({where}): {result.error}")
    if result.ok and options.get("expect") == "error":
        log.warning(f"{page_path}:{start_line}: rf-calculator block has expect=error but is valid")
    if result.diagram_error is not None:
        log.warning(f"{page_path}:{start_line}: rf-calculator block's diagram cannot be drawn: {result.diagram_error}")

    diagram_box = ""
    if diagram is not None:
        diagram_box = diagram_box_html(diagram, result.diagram_html, result.diagram_error)
    rows = int(options.get("rows", 0))
    return widget_html(spec, input_size, unit, result.html, result.error, number, rows, diagram_box)


def diagram_box_html(diagram: dict[str, str], figure: str | None, error: str | None) -> str:
    """Return the box under the table with the diagram, or with the reason it cannot be drawn.

    The loader module reads the diagram request from the box's data attributes.
    The figure's HTML comes from rf_core, which escapes all text taken from the spec.
    """
    attributes = "".join(f' data-{name}="{html.escape(value)}"' for name, value in diagram.items())
    if figure is not None:
        content = figure
    elif error is not None:
        content = f'<p class="rf-calculator__diagram-message">No diagram: {html.escape(error)}</p>'
    else:
        content = ""  # The spec is invalid, so the table is missing too.
    return f'<div class="rf-calculator__diagram"{attributes}>{content}</div>'


def _preset_options() -> str:
    options = ['<option value="">Choose a network</option>']
    for name in preset_names():
        options.append(f'<option value="{html.escape(name)}">{html.escape(get_preset(name).title)}</option>')
    return "".join(options)


def _share_bar_html(prefix: str) -> str:
    """Return the export and link controls, hidden until the loader module attaches them."""
    formats = "".join(f'<option value="{value}">{label}</option>' for value, label in _EXPORT_FORMATS)
    return (
        f'<div class="rf-calculator__share" hidden>'
        f'<div class="rf-calculator__share-controls">'
        f'<span class="rf-calculator__format-field">'
        f'<label for="{prefix}-format">Export as</label>'
        f'<select id="{prefix}-format" class="rf-calculator__format">{formats}</select></span>'
        f'<button type="button" class="rf-calculator__download md-button">Download</button>'
        f'<button type="button" class="rf-calculator__copy md-button">Copy table</button>'
        f'<button type="button" class="rf-calculator__link md-button">Copy link</button>'
        f"</div>"
        f'<p class="rf-calculator__share-message" role="status" aria-live="polite"></p>'
        f'<div class="rf-calculator__copy-box" hidden>'
        f'<label for="{prefix}-copy">Text to copy</label>'
        f'<textarea id="{prefix}-copy" class="rf-calculator__copy-field" readonly spellcheck="false" rows="2">'
        f"</textarea></div>"
        f"</div>"
    )


def widget_html(
    spec: str,
    input_size: str,
    unit: str,
    table: str,
    error: str | None,
    number: int,
    rows: int = 0,
    diagram_box: str = "",
) -> str:
    """Return the widget as one line of HTML, so Markdown keeps it as a raw block."""
    prefix = f"rf-calc-{number}"
    rows = rows or min(max(spec.count("\n") + 2, 4), 24)
    spec_html = html.escape(spec).replace("\n", "&#10;")
    error_html = html.escape(error) if error else ""
    error_attrs = "" if error else " hidden"
    return (
        f'<div class="rf-calculator" data-rf-calculator="{number}">'
        f'<div class="rf-calculator__inputs">'
        f'<label for="{prefix}-spec">Layers</label>'
        f'<textarea id="{prefix}-spec" class="rf-calculator__spec" spellcheck="false" autocapitalize="off" wrap="off" '
        f'autocomplete="off" rows="{rows}">{spec_html}</textarea>'
        f'<div class="rf-calculator__options">'
        f'<label for="{prefix}-input">Input size</label>'
        f'<input id="{prefix}-input" class="rf-calculator__input-size" type="text" inputmode="numeric" '
        f'placeholder="from spec" value="{html.escape(input_size)}">'
        f'<label for="{prefix}-unit">Unit</label>'
        f'<input id="{prefix}-unit" class="rf-calculator__unit" type="text" inputmode="numeric" '
        f'placeholder="0" value="{html.escape(unit)}">'
        f'<span class="rf-calculator__preset-field" hidden>'
        f'<label for="{prefix}-preset">Built-in network</label>'
        f'<select id="{prefix}-preset" class="rf-calculator__preset">{_preset_options()}</select>'
        # Choosing only selects: the layers are replaced on Load, so arrow keys in
        # the menu do not overwrite what the reader typed.
        f'<button type="button" class="rf-calculator__preset-load md-button">Load</button></span>'
        f"</div></div>"
        f'<p class="rf-calculator__error" role="alert"{error_attrs}>{error_html}</p>'
        f'<p class="rf-calculator__status" role="status" aria-live="polite">{_STATUS_BUILT}</p>'
        f'<div class="rf-calculator__result" aria-live="polite">{table}</div>'
        f"{diagram_box}"
        f"{_share_bar_html(prefix)}"
        f'<details class="rf-calculator__paste" hidden><summary>Paste a PyTorch printout</summary>'
        f'<label for="{prefix}-printout">Output of <code>print(model)</code> for a sequential model</label>'
        f'<textarea id="{prefix}-printout" class="rf-calculator__printout" spellcheck="false" rows="6"></textarea>'
        f'<button type="button" class="rf-calculator__convert md-button">Convert to layers</button>'
        f"</details>"
        f"</div>"
    )
