"""Render an Analysis as plain text, CSV, Markdown or JSON (HTML is in render_html).

Every renderer works from the same rows (`result_rows`), so the command line and
the site show the same numbers. Per-axis values are joined with `x`, height first.
Every renderer takes `layers`, the names of the layers to keep (all when None),
and `unit`, a unit index whose interval is added for every kept layer.
"""

from __future__ import annotations

import csv
import io
import json
import re
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

QUANTITY_NAMES = {
    OUTPUT_SIZE: "output size",
    RECEPTIVE_FIELD: "receptive field",
    EFFECTIVE_STRIDE: "effective stride",
    EFFECTIVE_PADDING: "effective padding",
    START: "start",
}


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
                "pixels between units, because its units are unevenly placed over the input. The table shows "
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


def format_axes(values: Sequence[float | Fraction | None]) -> str:
    """Join per-axis values with `x`, height first, such as `55x55`."""
    return "x".join(format_number(value) for value in values)


def format_intervals(intervals: Sequence[tuple[int, int] | None]) -> str:
    """Format per-axis inclusive intervals as `[u, v] x [u, v]`; `none` for an empty one."""
    return " x ".join("none" if interval is None else f"[{interval[0]}, {interval[1]}]" for interval in intervals)


def cells(row: Row) -> list[str]:
    """Return the display text of a row, one string per column of COLUMNS."""
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


def unit_in_layer(result: LayerResult, indices: Sequence[int]) -> bool:
    """Return whether a layer has the unit, as far as its output size is known."""
    return all(axis.output_size is None or index < axis.output_size for index, axis in zip(indices, result.axes))


def _selected(analysis: Analysis, layers: Sequence[str] | None) -> list[tuple[Row, LayerResult]]:
    pairs = list(zip(result_rows(analysis), analysis.layers))
    if layers is None:
        return pairs
    return [(row, result) for row, result in pairs if row.name in layers]


def _unit_texts(analysis: Analysis, result: LayerResult, unit: Sequence[int]) -> list[str]:
    indices = broadcast_unit(unit, analysis.num_axes)
    if not unit_in_layer(result, indices):
        return ["-", "-"]
    field = analysis.unit_field(result.index, indices)
    interval = UNKNOWN if field.interval is None else format_intervals(field.interval)
    clipped = UNKNOWN if field.clipped is None else format_intervals(field.clipped)
    return [interval, clipped]


def _table(
    analysis: Analysis, layers: Sequence[str] | None, unit: Sequence[int] | None, *, keys: bool = False
) -> list[list[str]]:
    """Return a header row and one row of cells per kept layer, with unit columns when asked."""
    header = [key if keys else title for key, title in COLUMNS]
    if unit is not None:
        label = ",".join(map(str, unit))
        header += ["unit_interval", "unit_clipped"] if keys else [f"Field of unit {label}", "Clipped"]
    table = [header]
    for row, result in _selected(analysis, layers):
        table.append(cells(row) + (_unit_texts(analysis, result, unit) if unit is not None else []))
    return table


def to_json(analysis: Analysis, *, layers: Sequence[str] | None = None, unit: Sequence[int] | None = None) -> str:
    """Render as JSON: {"input_size", "layers": [{"name", "kind", "output_size", ...}]}.

    Each quantity is a list with one entry per axis, null where unknown. `unknown`
    maps each unknown quantity to its reason and `notes` lists remarks. With
    `unit`, each layer also gets "unit": {"index", "interval", "clipped",
    "centre"}, intervals as [u, v] per axis, or null when the layer lacks the unit.
    """
    entries = []
    for row, result in _selected(analysis, layers):
        entry = {
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
        if unit is not None:
            entry["unit"] = _json_unit(analysis, result, unit)
        entries.append(entry)
    document = {"input_size": list(analysis.input_size) if analysis.input_size else None, "layers": entries}
    return _NUMBER_LIST.sub(_join_number_list, json.dumps(document, indent=2))


# A JSON list of numbers and nulls, spread over lines by json.dumps(indent=2).
_NUMBER_LIST = re.compile(r"\[\s+((?:-?[0-9.e+]+|null)(?:,\s+(?:-?[0-9.e+]+|null))*)\s+\]")


def _join_number_list(match: re.Match) -> str:
    """Put a list of numbers on one line: [224, 224] rather than one number per line."""
    return "[" + ", ".join(item.strip() for item in match.group(1).split(",")) + "]"


def _json_unit(analysis: Analysis, result: LayerResult, unit: Sequence[int]) -> dict | None:
    indices = broadcast_unit(unit, analysis.num_axes)
    if not unit_in_layer(result, indices):
        return None
    field = analysis.unit_field(result.index, indices)
    interval = clipped = centre = None
    if field.interval is not None:
        interval = [list(pair) for pair in field.interval]
    if field.clipped is not None:
        clipped = [None if pair is None else list(pair) for pair in field.clipped]
    if field.centre is not None:
        centre = [_json_number(value) for value in field.centre]
    return {"index": list(indices), "interval": interval, "clipped": clipped, "centre": centre}


def _json_number(value: float | Fraction | None) -> float | int | None:
    if value is None:
        return None
    if float(value).is_integer():
        return int(value)
    return float(value)


def to_csv(analysis: Analysis, *, layers: Sequence[str] | None = None, unit: Sequence[int] | None = None) -> str:
    """Render as CSV with a header row; per-axis values joined with `x`, `?` where unknown."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(_table(analysis, layers, unit, keys=True))
    return buffer.getvalue()


def to_markdown(analysis: Analysis, *, layers: Sequence[str] | None = None, unit: Sequence[int] | None = None) -> str:
    """Render as a Markdown table, followed by the reasons for unknown values and the notes."""
    header, *rows = _table(analysis, layers, unit)
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---" if index in (1, 2) else "--:" for index in range(len(header))) + "|")
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    notes = unknown_notes(analysis, layers) + layer_notes_of(analysis, layers) + unit_notes(analysis, unit, layers)
    if notes:
        lines.append("")
        lines.extend(f"- {note}" for note in notes)
    return "\n".join(lines) + "\n"


def to_text(analysis: Analysis, *, layers: Sequence[str] | None = None, unit: Sequence[int] | None = None) -> str:
    """Render as an aligned plain-text table for terminals, followed by the notes."""
    table = _table(analysis, layers, unit)
    widths = [max(len(line[column]) for line in table) for column in range(len(table[0]))]
    lines = []
    for line in table:
        padded = []
        for index, (cell, width) in enumerate(zip(line, widths)):
            padded.append(cell.ljust(width) if index in (1, 2) else cell.rjust(width))
        lines.append("  ".join(padded).rstrip())
    unknown = unknown_notes(analysis, layers)
    others = layer_notes_of(analysis, layers) + unit_notes(analysis, unit, layers)
    if unknown or others:
        lines.append("")
        lines.extend(f"? {note}" for note in unknown)
        lines.extend(f"- {note}" for note in others)
    return "\n".join(lines) + "\n"


def unit_notes(analysis: Analysis, unit: Sequence[int] | None, layers: Sequence[str] | None = None) -> list[str]:
    """Return a sentence naming the kept layers that do not have the unit, if any."""
    if unit is None:
        return []
    indices = broadcast_unit(unit, analysis.num_axes)
    missing = [result for _, result in _selected(analysis, layers) if not unit_in_layer(result, indices)]
    if not missing:
        return []
    label = ",".join(map(str, indices))
    listed = ", ".join(
        f"{result.layer.name or result.layer.kind} ({format_axes([axis.output_size for axis in result.axes])})"
        for result in missing[:3]
    )
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    verb = "has" if len(missing) == 1 else "have"
    return [
        f"Unit {label} is outside {listed}{more}, which {verb} fewer units (size in brackets), so "
        "- marks its field there. Choose a smaller unit index."
    ]


def layer_notes_of(analysis: Analysis, layers: Sequence[str] | None = None) -> list[str]:
    """Return the notes of every layer, or of the named layers, each ending with a full stop."""
    return [f"{note}." for row, _ in _selected(analysis, layers) for note in row.notes]


def unknown_notes(analysis: Analysis, layers: Sequence[str] | None = None) -> list[str]:
    """Return one sentence per distinct reason that made a value unknown in the kept layers."""
    notes: dict[str, list[str]] = {}
    for row, _ in _selected(analysis, layers):
        for quantity, reason in row.unknown.items():
            quantities = notes.setdefault(reason, [])
            if QUANTITY_NAMES[quantity] not in quantities:
                quantities.append(QUANTITY_NAMES[quantity])
    return [f"Unknown {' and '.join(quantities)}: {reason}." for reason, quantities in notes.items()]


def to_html(analysis: Analysis, unit: Sequence[int] = (0,)) -> str:
    """Render the calculator's HTML table; see `rf_core.render_html.to_html`."""
    # Imported here because render_html builds on this module's helpers.
    from rf_core.render_html import to_html as render_table

    return render_table(analysis, unit)
