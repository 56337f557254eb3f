"""Render an Analysis as the HTML table that calculators show, on the site and in the browser."""

from __future__ import annotations

import html
from collections.abc import Sequence

from rf_core.analysis import EFFECTIVE_PADDING, Analysis, LayerResult, broadcast_unit
from rf_core.render import (
    COLUMNS,
    UNKNOWN,
    cells,
    format_axes,
    format_intervals,
    layer_notes_of,
    result_rows,
    unit_in_layer,
    unit_notes,
    unknown_notes,
)

#: Layer notes beyond this many are folded into a details element.
MAX_OPEN_NOTES = 3


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
        parts.append("<tr>")
        for (key, _), cell in zip(COLUMNS, cells(row)):
            parts.append(_html_cell(cell, row.unknown.get(key)))
        parts.append(f"<td>{_html_unit_field(analysis, result, indices)}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")

    notes = unknown_notes(analysis) + unit_notes(analysis, indices)
    if notes:
        parts.append('<ul class="rf-notes">')
        parts.extend(f"<li>{html.escape(note)}</li>" for note in notes)
        parts.append("</ul>")

    # Networks with many merges, such as a WaveNet, can have dozens of layer notes.
    layer_notes = layer_notes_of(analysis)
    if len(layer_notes) > MAX_OPEN_NOTES:
        parts.append(f'<details class="rf-notes-more"><summary>{len(layer_notes)} notes about layers</summary>')
    if layer_notes:
        parts.append('<ul class="rf-notes">')
        parts.extend(f"<li>{html.escape(note)}</li>" for note in layer_notes)
        parts.append("</ul>")
    if len(layer_notes) > MAX_OPEN_NOTES:
        parts.append("</details>")
    return "".join(parts)


def _html_cell(text: str, reason: str | None) -> str:
    if reason and UNKNOWN in text:
        return f'<td><span class="rf-unknown" title="{html.escape(reason)}">{html.escape(text)}</span></td>'
    return f"<td>{html.escape(text)}</td>"


def _html_unit_field(analysis: Analysis, result: LayerResult, indices: tuple[int, ...]) -> str:
    if not unit_in_layer(result, indices):
        reason = f"This layer has {format_axes([axis.output_size for axis in result.axes])} units."
        return f'<span class="rf-none" title="{html.escape(reason)}">-</span>'

    field = analysis.unit_field(result.index, indices)
    if field.interval is None:
        reason = next((axis.unknown[EFFECTIVE_PADDING] for axis in result.axes if EFFECTIVE_PADDING in axis.unknown), "")
        return f'<span class="rf-unknown" title="{html.escape(reason)}">{UNKNOWN}</span>'

    text = html.escape(format_intervals(field.interval))
    if field.clipped is not None and field.clipped != field.interval:
        clipped = format_intervals(field.clipped)
        text += f'<br><span class="rf-clipped">clipped: {html.escape(clipped)}</span>'
    return text
