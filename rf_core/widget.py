"""The calculator widget's computation, shared by the site build and the browser.

The MkDocs hook calls `render_calculator` when it builds a page, and the browser
worker calls `render_calculator_json` after every edit, so both produce the same
HTML for the same input, including the diagram that a calculator may draw under
its table with `rf_core.diagrams.render`. `export_calculator_json` returns the same text as the
command line's `--format csv|json|markdown` for the browser's export buttons.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from rf_core.analysis import analyze
from rf_core.errors import RFError
from rf_core.limits import MAX_REQUEST_LENGTH
from rf_core.render_html import to_html
from rf_core.spec import parse_size, parse_spec


@dataclass(frozen=True)
class CalculatorResult:
    """Outcome of one calculation.

    Attributes:
        html: The rendered result table when the input was valid, else "".
        error: The error message when the input was invalid, else None.
        line: 1-based line of the error, if it has one.
        column: 1-based column of the error, if it has one.
        spec: The spec converted from a PyTorch printout, when one was given.
        source: Where the error is: "spec" or "printout".
        diagram_html: The rendered diagram on one line, when one was requested
            and could be drawn.
        diagram_error: Why the requested diagram could not be drawn, when the
            table could. The table stays valid in that case.
    """

    html: str
    error: str | None = None
    line: int | None = None
    column: int | None = None
    spec: str | None = None
    source: str = "spec"
    diagram_html: str | None = None
    diagram_error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the input was valid."""
        return self.error is None

    def to_dict(self) -> dict:
        """Return the reply sent to the browser: {"ok", "html"} or {"ok", "error"}.

        A valid reply to a request with a diagram also has "diagram":
        {"html": str} or {"error": str}.
        """
        reply: dict = {"ok": True, "html": self.html} if self.ok else {
            "ok": False,
            "error": {"message": self.error, "line": self.line, "column": self.column, "source": self.source},
        }
        if self.spec is not None:
            reply["spec"] = self.spec
        if self.ok and self.diagram_html is not None:
            reply["diagram"] = {"html": self.diagram_html}
        elif self.ok and self.diagram_error is not None:
            reply["diagram"] = {"error": self.diagram_error}
        return reply


#: Keys of a calculator's diagram request: the kind (one of `rf_core.diagrams.KINDS`),
#: the layer and axis options of `rf_core.diagrams.render`, and the figure's id.
#: The unit and the input size come from the calculator's own fields.
DIAGRAM_KEYS = ("kind", "layer", "axis", "id")


def render_calculator(
    spec: str,
    input_size: str = "",
    unit: str = "",
    printout: str = "",
    preset: str = "",
    diagram: Mapping[str, str] | None = None,
) -> CalculatorResult:
    """Analyse a spec and render the result table, or describe why the input is invalid.

    Args:
        spec: The layer list in the text spec format.
        input_size: Size such as "224" or "224x320". It overrides the spec's
            `input` line; "" keeps that line.
        unit: Unit index such as "3", or one per axis such as "3,4". "" means 0.
        printout: Text of PyTorch's `print(model)` for a sequential model. When
            given, it is converted to a spec that replaces `spec`, and the
            result carries that spec.
        preset: Name of a built-in network whose spec replaces `spec`; the
            result carries that spec.
        diagram: The diagram to draw under the table, with the keys of
            `DIAGRAM_KEYS` ("kind" is required, the others may be ""). It is
            drawn for the same spec, input size and unit as the table.

    Never raises for invalid input: the error is returned instead. A diagram that
    cannot be drawn leaves the table valid and sets `diagram_error`.
    """
    converted = None
    if preset.strip():
        from rf_core.presets import get_preset

        try:
            converted = get_preset(preset.strip()).spec
        except RFError as error:
            return CalculatorResult(html="", error=error.message)
        spec = converted
    elif printout.strip():
        from rf_core.printout import spec_from_printout

        try:
            converted = spec_from_printout(printout)
        except RFError as error:
            return CalculatorResult(html="", error=error.message, line=error.line, column=error.column, source="printout")
        # A printout has no input size, so the layer list's own input line is kept.
        kept_input = re.search(r"^[ \t]*input[ \t]+[^\s#]+", spec, re.MULTILINE | re.IGNORECASE)
        if kept_input and not re.search(r"^[ \t]*input[ \t]", converted, re.MULTILINE | re.IGNORECASE):
            converted = f"{kept_input.group().strip()}\n{converted}"
        spec = converted
    try:
        network = parse_spec(spec)
        size = parse_size(input_size) if input_size.strip() else None
        indices = parse_unit(unit)
        # A unit with one index per axis makes a network written with scalars report that many axes.
        analysis = analyze(network, size, num_axes=len(indices))
        table = to_html(analysis, indices)
    except RFError as error:
        return CalculatorResult(html="", error=error.message, line=error.line, column=error.column, spec=converted)
    if diagram is None:
        return CalculatorResult(html=table, spec=converted)
    diagram_html, diagram_error = _render_diagram(spec, input_size, unit, diagram)
    return CalculatorResult(
        html=table, spec=converted, diagram_html=diagram_html, diagram_error=diagram_error
    )


def _render_diagram(
    spec: str, input_size: str, unit: str, diagram: Mapping[str, str]
) -> tuple[str | None, str | None]:
    """Return the diagram's HTML and None, or None and the reason it cannot be drawn."""
    # Imported here because rf_core.diagrams imports parse_unit from this module.
    from rf_core.diagrams import render

    unknown = sorted(set(diagram) - set(DIAGRAM_KEYS))
    if unknown:
        return None, f"diagram option {unknown[0]!r} is unknown; valid options are {', '.join(DIAGRAM_KEYS)}"
    options = {key: diagram.get(key, "") for key in ("layer", "axis", "id") if diagram.get(key, "")}
    options.update(unit=unit, input=input_size)
    try:
        figure = render(diagram.get("kind", ""), spec, options)
    except RFError as error:
        return None, error.message
    # The widget is one line of Markdown. rf_core.diagrams breaks lines only between
    # elements, where a space means the same.
    return figure.replace("\n", " "), None


def parse_unit(text: str) -> tuple[int, ...]:
    """Parse a unit index such as "3" or "3,4" (one per axis); "" means unit 0.

    Raises:
        RFError: the text is not 1 to 3 whole numbers from 0 up, joined by commas.
    """
    if not text.strip():
        return (0,)
    parts = [part.strip() for part in text.split(",")]
    if not 1 <= len(parts) <= 3 or not all(re.fullmatch(r"[0-9]{1,10}", part) for part in parts):
        raise RFError(f"unit {text!r} is malformed; write an index from 0 such as 3, or one per axis such as 3,4")
    return tuple(int(part) for part in parts)


def render_calculator_json(request_json: str) -> str:
    """Run `render_calculator` on a JSON request and return the JSON reply.

    The request is {"spec": str, "input_size": str, "unit": str} with optional
    "printout" and "preset" strings, and an optional "diagram" object with the
    string fields of `DIAGRAM_KEYS`. The reply is {"ok": true, "html": str} or
    {"ok": false, "error": {"message", "line", "column", "source"}}, plus
    "spec" when a printout was converted or a preset loaded, and "diagram" as
    `CalculatorResult.to_dict` describes it.
    """
    try:
        if len(request_json) > MAX_REQUEST_LENGTH:
            raise ValueError(
                f"the request has {len(request_json)} characters, above the limit of {MAX_REQUEST_LENGTH}; "
                "shorten the spec or the printout"
            )
        request = json.loads(request_json)
        spec = request.get("spec", "")
        input_size = request.get("input_size", "") or ""
        unit = request.get("unit", "") or ""
        printout = request.get("printout", "") or ""
        preset = request.get("preset", "") or ""
        if not all(isinstance(value, str) for value in (spec, input_size, unit, printout, preset)):
            raise TypeError("spec, input_size, unit, printout and preset must be strings")
        diagram = request.get("diagram")
        if diagram is not None and not (
            isinstance(diagram, dict) and all(isinstance(value, str) for value in diagram.values())
        ):
            raise TypeError("diagram must be an object of strings")
    except RecursionError:
        result = CalculatorResult(html="", error="invalid calculator request: JSON nested too deeply")
    except (ValueError, TypeError, AttributeError) as error:
        result = CalculatorResult(html="", error=f"invalid calculator request: {error}")
    else:
        result = render_calculator(spec, input_size, unit, printout, preset, diagram)
    return json.dumps(result.to_dict())


#: Export formats of the browser's export buttons: file suffix and media type. The
#: text comes from the command line's formatter of the same name.
EXPORT_FORMATS = {
    "csv": (".csv", "text/csv"),
    "json": (".json", "application/json"),
    "markdown": (".md", "text/markdown"),
}

EXPORT_FILE_STEM = "receptive-fields"


def export_calculator_json(request_json: str) -> str:
    """Render a calculator's result as CSV, JSON or Markdown and return the JSON reply.

    The request has the fields of `render_calculator_json` (without "printout" and
    "preset") plus "format": "csv", "json" or "markdown". The text equals the output
    of `python -m rf_core analyze SPEC --format FORMAT --unit UNIT`, with
    `--input-size` when "input_size" is not empty. An empty unit exports unit 0,
    because the calculator's table shows unit 0 then. The reply is {"ok": true, "text": str,
    "filename": str, "media_type": str} or the error reply of `render_calculator_json`.
    """
    # Imported here because rf_core.cli imports parse_unit from this module.
    from rf_core.cli import FORMATS

    try:
        request = json.loads(request_json)
        fields = [request.get(key, "") or "" for key in ("spec", "input_size", "unit", "format")]
        if not all(isinstance(value, str) for value in fields):
            raise TypeError("spec, input_size, unit and format must be strings")
    except RecursionError:
        return json.dumps(CalculatorResult(html="", error="invalid export request: JSON nested too deeply").to_dict())
    except (ValueError, TypeError, AttributeError) as error:
        return json.dumps(CalculatorResult(html="", error=f"invalid export request: {error}").to_dict())

    spec, input_size, unit, export_format = fields
    if export_format not in EXPORT_FORMATS:
        message = f"export format {export_format!r} is invalid; use one of {', '.join(EXPORT_FORMATS)}"
        return json.dumps(CalculatorResult(html="", error=message).to_dict())
    try:
        network = parse_spec(spec)
        size = parse_size(input_size) if input_size.strip() else None
        text = FORMATS[export_format](analyze(network, size), unit=parse_unit(unit))
    except RFError as error:
        result = CalculatorResult(html="", error=error.message, line=error.line, column=error.column)
        return json.dumps(result.to_dict())
    suffix, media_type = EXPORT_FORMATS[export_format]
    return json.dumps({"ok": True, "text": text, "filename": EXPORT_FILE_STEM + suffix, "media_type": media_type})
