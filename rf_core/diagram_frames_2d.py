"""Draw the frames of a layer on a 2-D input: the padded input grid above, the output grid below."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rf_core.diagram_frames_text import frame_caption
from rf_core.diagram_svg import SvgWriter

if TYPE_CHECKING:
    from rf_core.diagram_frames import AxisFrames

CELL = 22
MARGIN = 12
LABEL = 22
GAP = 44
#: Width that the input heading needs at the diagrams' heading font size, an estimate.
HEADING_WIDTH = 230


def draw_2d(rows: AxisFrames, columns: AxisFrames, current: tuple[int, ...]) -> tuple[float, float, SvgWriter, list[str]]:
    """Draw every frame, row-major over the output units; return width, height, body and captions."""
    input_rows = rows.last - rows.first + 1
    input_columns = columns.last - columns.first + 1
    grid_columns = max(input_columns, columns.output_size)
    # Small grids still leave room for the heading, which is left-aligned above them.
    width = max(2 * MARGIN + LABEL + grid_columns * CELL, 2 * MARGIN + HEADING_WIDTH)
    input_top = 20 + LABEL
    output_top = input_top + input_rows * CELL + GAP + LABEL
    height = output_top + rows.output_size * CELL + 12
    input_left = MARGIN + LABEL + (grid_columns - input_columns) * CELL / 2
    output_left = MARGIN + LABEL + (grid_columns - columns.output_size) * CELL / 2

    def input_cell(row: int, column: int) -> tuple[float, float]:
        return input_left + (column - columns.first) * CELL, input_top + (row - rows.first) * CELL

    def output_cell(row: int, column: int) -> tuple[float, float]:
        return output_left + column * CELL, output_top + row * CELL

    body = SvgWriter()
    body.text(MARGIN, 14, "Input (rows down, columns across)", class_="rf-dg-heading", text_anchor="start")
    body.text(MARGIN, output_top - LABEL - 8, "Output units", class_="rf-dg-heading", text_anchor="start")
    _draw_grid(body, rows, columns, input_cell, input_top, input_left)
    for row in range(rows.output_size):
        body.text(output_left - 6, output_top + row * CELL + CELL / 2 + 4, row, class_="rf-dg-index", text_anchor="end")
        for column in range(columns.output_size):
            x, y = output_cell(row, column)
            body.rect(x, y, CELL, CELL, "rf-dg-cell")
    for column in range(columns.output_size):
        body.text(output_left + column * CELL + CELL / 2, output_top - 6, column, class_="rf-dg-index")

    captions = []
    for row in range(rows.output_size):
        for column in range(columns.output_size):
            caption = frame_caption(f"{row},{column}", [("rows", rows, row), ("columns", columns, column)])
            captions.append(caption)
            shown = (row, column) == tuple(current)
            body.open(
                "g",
                class_="rf-dg-frame",
                data_frame=row * columns.output_size + column,
                data_caption=caption,
                display=None if shown else "none",
            )
            _draw_window(body, rows, columns, row, column, input_cell)
            x, y = output_cell(row, column)
            body.rect(x + 2, y + 2, CELL - 4, CELL - 4, "rf-dg-out", data_row=row, data_column=column)
            body.close("g")
    return width, height, body, captions


def _draw_grid(body: SvgWriter, rows: AxisFrames, columns: AxisFrames, input_cell, top: float, left: float) -> None:
    unread_rows, unread_columns = set(rows.unread), set(columns.unread)
    for row in range(rows.first, rows.last + 1):
        body.text(left - 6, top + (row - rows.first) * CELL + CELL / 2 + 4, row, class_="rf-dg-index", text_anchor="end")
        for column in range(columns.first, columns.last + 1):
            x, y = input_cell(row, column)
            kinds = {rows.kind_of(row), columns.kind_of(column)}
            css_class = next((kind for kind in ("rf-dg-overhang", "rf-dg-pad") if kind in kinds), "rf-dg-cell")
            unread = css_class == "rf-dg-cell" and (row in unread_rows or column in unread_columns)
            body.rect(x, y, CELL, CELL, css_class + (" rf-dg-unread" if unread else ""), data_row=row, data_column=column)
            if unread:
                body.line(x, y + CELL, x + CELL, y, "rf-dg-unread-mark")
    for column in range(columns.first, columns.last + 1):
        body.text(input_cell(rows.first, column)[0] + CELL / 2, top - 6, column, class_="rf-dg-index")


def _draw_window(body: SvgWriter, rows: AxisFrames, columns: AxisFrames, row: int, column: int, input_cell) -> None:
    row_span, column_span = rows.spans[row], columns.spans[column]
    if row_span is not None and column_span is not None:
        x, y = input_cell(row_span[0], column_span[0])
        body.rect(
            x - 3,
            y - 3,
            (column_span[1] - column_span[0] + 1) * CELL + 6,
            (row_span[1] - row_span[0] + 1) * CELL + 6,
            "rf-dg-window",
            rx=4,
        )
    row_taps, column_taps = set(rows.taps[row]), set(columns.taps[column])
    for position_row in range(row_span[0], row_span[1] + 1) if row_span else ():
        for position_column in range(column_span[0], column_span[1] + 1) if column_span else ():
            x, y = input_cell(position_row, position_column)
            if position_row in row_taps and position_column in column_taps:
                padding = not (0 <= position_row < rows.size and 0 <= position_column < columns.size)
                css_class = "rf-dg-read rf-dg-read--pad" if padding else "rf-dg-read"
                body.rect(x + 2, y + 2, CELL - 4, CELL - 4, css_class, data_row=position_row, data_column=position_column)
            else:
                body.rect(x + 4, y + 4, CELL - 8, CELL - 8, "rf-dg-skipped", data_row=position_row, data_column=position_column)
