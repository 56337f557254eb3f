"""Render an Analysis as an HTML table, plain text, CSV, Markdown or JSON.

Every renderer works from the same rows (`result_rows`), so the command line and
the site show the same numbers. Per-axis values are joined with `x`, height first.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

from fractions import Fraction

from rf_core.analysis import (
    EFFECTIVE_PADDING,
    EFFECTIVE_STRIDE,
    OUTPUT_SIZE,
    RECEPTIVE_FIELD,
    START,
    Analysis,
    LayerResult,
    broadcast_unit,
)

UNKNOWN = "?"

COLUMNS = (
    ("index", "#"),
    ("name", "Name"),
    ("kind", "Kind"),
    ("output_size", "Output size"),
    ("receptive_field", "Receptive field"),
    ("effective_stride", "Effective stride"),
    ("effective_padding", "Effective padding"),
    ("start", "Start"),
)


@dataclass(frozen=True)
class Row:
    """One layer's results as per-axis lists, None where unknown."""

    index: int
    name: str
    kind: str
    output_size: list[int | None]
    receptive_field: list[int | None]
    effective_stride: list[int | Fraction | None]
    effective_padding: list[int | None]
    start: list[float | None]
    unknown: dict[str, str]
    notes: list[str]


def result_rows(analysis: Analysis) -> list[Row]:
    """Return one Row per layer of an analysis."""
    return [_row(result) for result in analysis.layers]


def _row(result: LayerResult) -> Row:
    unknown: dict[str, str] = {}
    for axis in result.axes:
        for quantity, reason in axis.unknown.items():
            unknown.setdefault(quantity, reason)
    return Row(
        index=result.index,
        name=result.layer.name or result.layer.kind,
        kind=result.layer.kind,
        output_size=[axis.output_size for axis in result.axes],
        receptive_field=[axis.receptive_field for axis in result.axes],
        effective_stride=[axis.effective_stride for axis in result.axes],
        effective_padding=[axis.effective_padding for axis in result.axes],
        start=[axis.start for axis in result.axes],
        unknown=unknown,
        notes=layer_notes(result),
    )


def layer_notes(result: LayerResult) -> list[str]:
    """Return the sentences to show about one layer: misaligned merges, fields that vary."""
    notes = list(result.notes)
    label = f"Layer {result.index} ({result.layer.name or result.layer.kind})"
    for axis in result.axes:
        if axis.receptive_field is not None and axis.receptive_field_min is not None and not axis.is_uniform:
            notes.append(
                f"{label}: the receptive field varies from {axis.receptive_field_min} to {axis.receptive_field} "
                "pixels between units, because its units are unevenly placed over the input; the table shows "
                "the largest, and the unit column gives each unit's exact interval"
            )
            break
    return notes


def format_number(value: float | Fraction | None) -> str:
    """Format a value for display: whole numbers without a decimal point, fractions
    such as 1/2 as written, None as `?`."""
    if value is None:
        return UNKNOWN
    if float(value).is_integer():
        return str(int(value))
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    # repr keeps every digit of a half-pixel value such as 999999.5, which :g would round.
    return repr(float(value))


def format_axes(values: Sequence[float | None]) -> str:
    """Join per-axis values with `x`, height first, such as `55x55`."""
    return "x".join(format_number(value) for value in values)


def _cells(row: Row) -> list[str]:
    return [
        str(row.index),
        row.name,
        row.kind,
        format_axes(row.output_size),
        format_axes(row.receptive_field),
        format_axes(row.effective_stride),
        format_axes(row.effective_padding),
        format_axes(row.start),
    ]


def to_json(analysis: Analysis) -> str:
    """Render as JSON: {"layers": [{"name", "kind", "output_size", ...}]}.

    Each quantity is a list with one entry per axis, null where unknown; `unknown`
    maps each unknown quantity to its reason.
    """
    layers = []
    for row in result_rows(analysis):
        layers.append(
            {
                "name": row.name,
                "kind": row.kind,
                "output_size": row.output_size,
                "receptive_field": row.receptive_field,
                "effective_stride": [_json_number(value) for value in row.effective_stride],
                "effective_padding": row.effective_padding,
                "start": [_json_number(value) for value in row.start],
                "unknown": row.unknown,
                "notes": row.notes,
            }
        )
    document = {"input_size": list(analysis.input_size) if analysis.input_size else None, "layers": layers}
    return json.dumps(document, indent=2)


def _json_number(value: float | Fraction | None) -> float | int | None:
    if value is None:
        return None
    if float(value).is_integer():
        return int(value)
    return float(value)


def to_csv(analysis: Analysis) -> str:
    """Render as CSV with a header row; per-axis values joined with `x`, `?` where unknown."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([key for key, _ in COLUMNS])
    for row in result_rows(analysis):
        writer.writerow(_cells(row))
    return buffer.getvalue()


def to_markdown(analysis: Analysis) -> str:
    """Render as a Markdown table, followed by the reasons for unknown values."""
    lines = ["| " + " | ".join(title for _, title in COLUMNS) + " |"]
    lines.append("|" + "|".join("---" if key in ("name", "kind") else "--:" for key, _ in COLUMNS) + "|")
    for row in result_rows(analysis):
        cells = [cell.replace("|", "\\|") for cell in _cells(row)]
        lines.append("| " + " | ".join(cells) + " |")
    notes = unknown_notes(analysis) + layer_notes_of(analysis)
    if notes:
        lines.append("")
        lines.extend(f"- {note}" for note in notes)
    return "\n".join(lines) + "\n"


def to_text(analysis: Analysis) -> str:
    """Render as an aligned plain-text table for terminals."""
    table = [[title for _, title in COLUMNS]] + [_cells(row) for row in result_rows(analysis)]
    widths = [max(len(line[column]) for line in table) for column in range(len(COLUMNS))]
    lines = []
    for line in table:
        cells = [cell.ljust(width) if index in (1, 2) else cell.rjust(width) for index, (cell, width) in enumerate(zip(line, widths))]
        lines.append("  ".join(cells).rstrip())
    unknown = unknown_notes(analysis)
    others = layer_notes_of(analysis)
    if unknown or others:
        lines.append("")
        lines.extend(f"? {note}" for note in unknown)
        lines.extend(f"- {note}" for note in others)
    return "\n".join(lines) + "\n"


def layer_notes_of(analysis: Analysis) -> list[str]:
    """Return every layer's notes, each ending with a full stop."""
    return [f"{note}." for row in result_rows(analysis) for note in row.notes]


def unknown_notes(analysis: Analysis) -> list[str]:
    """Return one sentence per distinct reason that made a value unknown."""
    notes: dict[str, list[str]] = {}
    names = {
        OUTPUT_SIZE: "output size",
        RECEPTIVE_FIELD: "receptive field",
        EFFECTIVE_STRIDE: "effective stride",
        EFFECTIVE_PADDING: "effective padding",
        START: "start",
    }
    for row in result_rows(analysis):
        for quantity, reason in row.unknown.items():
            quantities = notes.setdefault(reason, [])
            if names[quantity] not in quantities:
                quantities.append(names[quantity])
    return [f"Unknown {' and '.join(quantities)}: {reason}." for reason, quantities in notes.items()]


def to_html(analysis: Analysis, unit: Sequence[int] = (0,)) -> str:
    """Render the per-layer table as HTML, with the field of unit `unit` at every layer.

    All text is escaped. Unknown values show `?` with the reason as a title and
    again in a note below the table.
    """
    indices = broadcast_unit(unit, analysis.num_axes)
    unit_label = ",".join(map(str, indices)) if len(set(indices)) > 1 else str(indices[0])
    titles = [title for _, title in COLUMNS] + [f"Field of unit {unit_label}"]
    parts = ['<table class="rf-table">', "<thead><tr>"]
    parts.extend(f'<th scope="col">{html.escape(title)}</th>' for title in titles)
    parts.append("</tr></thead><tbody>")

    for row, result in zip(result_rows(analysis), analysis.layers):
        cells = _cells(row)
        parts.append("<tr>")
        for (key, _), cell in zip(COLUMNS, cells):
            parts.append(_html_cell(cell, row.unknown.get(key)))
        parts.append(f"<td>{_html_unit_field(analysis, result, indices)}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")

    notes = unknown_notes(analysis) + layer_notes_of(analysis)
    if notes:
        parts.append('<ul class="rf-notes">')
        parts.extend(f"<li>{html.escape(note)}</li>" for note in notes)
        parts.append("</ul>")
    return "".join(parts)


def _html_cell(text: str, reason: str | None) -> str:
    if reason and UNKNOWN in text:
        return f'<td><span class="rf-unknown" title="{html.escape(reason)}">{html.escape(text)}</span></td>'
    return f"<td>{html.escape(text)}</td>"


def _html_unit_field(analysis: Analysis, result: LayerResult, indices: tuple[int, ...]) -> str:
    for index, axis in zip(indices, result.axes):
        if axis.output_size is not None and index >= axis.output_size:
            reason = f"This layer has {format_axes([a.output_size for a in result.axes])} units."
            return f'<span class="rf-none" title="{html.escape(reason)}">-</span>'

    field = analysis.unit_field(result.index, indices)
    if field.interval is None:
        reason = result.axes[0].unknown.get(EFFECTIVE_PADDING) or next(
            (a.unknown.get(EFFECTIVE_PADDING) for a in result.axes if a.unknown.get(EFFECTIVE_PADDING)), ""
        )
        return f'<span class="rf-unknown" title="{html.escape(reason)}">{UNKNOWN}</span>'

    text = format_intervals(field.interval)
    if field.clipped is not None and field.clipped != field.interval:
        clipped = format_intervals(field.clipped)
        text += f'<br><span class="rf-clipped">clipped: {html.escape(clipped)}</span>'
    return text


def format_intervals(intervals: Sequence[tuple[int, int] | None]) -> str:
    """Format per-axis inclusive intervals as `[u, v] x [u, v]`; `none` for an empty one."""
    return " x ".join("none" if interval is None else f"[{interval[0]}, {interval[1]}]" for interval in intervals)
