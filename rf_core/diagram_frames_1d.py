"""Draw the frames of a layer along one axis: input row above, output row below, taps joined by lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rf_core.diagram_frames_text import frame_caption
from rf_core.diagram_svg import SvgWriter

if TYPE_CHECKING:
    from rf_core.diagram_frames import AxisFrames

CELL = 28
MARGIN = 12
INPUT_TOP = 40
LINK_HEIGHT = 56


def draw_1d(frames: AxisFrames, current: int) -> tuple[float, float, SvgWriter, list[str]]:
    """Draw every frame; return the width, the height, the SVG body and one caption per frame."""
    positions = frames.last - frames.first + 1
    columns = max(positions, frames.output_size)
    width = 2 * MARGIN + columns * CELL
    input_left = MARGIN + (columns - positions) * CELL / 2
    output_left = MARGIN + (columns - frames.output_size) * CELL / 2
    output_top = INPUT_TOP + CELL + LINK_HEIGHT
    height = output_top + CELL + 24

    def input_x(position: int) -> float:
        return input_left + (position - frames.first) * CELL

    def output_x(unit: int) -> float:
        return output_left + unit * CELL

    body = SvgWriter()
    body.text(MARGIN, 14, "Input positions", class_="rf-dg-heading", text_anchor="start")
    body.text(MARGIN, height - 8, "Output units", class_="rf-dg-heading", text_anchor="start")
    unread = set(frames.unread)
    for position in range(frames.first, frames.last + 1):
        x = input_x(position)
        css_class = frames.kind_of(position) + (" rf-dg-unread" if position in unread else "")
        body.text(x + CELL / 2, INPUT_TOP - 6, position, class_="rf-dg-index")
        body.rect(x, INPUT_TOP, CELL, CELL, css_class, data_position=position)
        if position in unread:
            body.line(x, INPUT_TOP + CELL, x + CELL, INPUT_TOP, "rf-dg-unread-mark")
    if frames.dropped is not None:
        first, last = frames.dropped
        body.rect(
            input_x(first) - 3, INPUT_TOP - 3, (last - first + 1) * CELL + 6, CELL + 6, "rf-dg-dropped", rx=4, data_span=f"{first} {last}"
        )
        body.text(input_x(first) + (last - first + 1) * CELL / 2, INPUT_TOP + CELL + 14, "dropped", class_="rf-dg-index")
    for unit in range(frames.output_size):
        body.rect(output_x(unit), output_top, CELL, CELL, "rf-dg-cell", data_unit=unit)
        body.text(output_x(unit) + CELL / 2, output_top + CELL / 2 + 4, unit, class_="rf-dg-index")

    captions = []
    for unit in range(frames.output_size):
        taps = list(frames.taps[unit])
        skipped = frames.skipped(unit)
        caption = frame_caption(str(unit), [("positions", frames, unit)])
        captions.append(caption)
        body.open(
            "g",
            class_="rf-dg-frame",
            data_frame=unit,
            data_caption=caption,
            display=None if unit == current else "none",
        )
        span = frames.spans[unit]
        if span is not None:
            body.rect(input_x(span[0]) - 3, INPUT_TOP - 3, (span[1] - span[0] + 1) * CELL + 6, CELL + 6, "rf-dg-window", rx=4)
        for position in skipped:
            body.rect(input_x(position) + 4, INPUT_TOP + 4, CELL - 8, CELL - 8, "rf-dg-skipped", data_position=position)
        for position in taps:
            padding = not 0 <= position < frames.size
            body.rect(
                input_x(position) + 2,
                INPUT_TOP + 2,
                CELL - 4,
                CELL - 4,
                "rf-dg-read rf-dg-read--pad" if padding else "rf-dg-read",
                data_position=position,
            )
            body.line(input_x(position) + CELL / 2, INPUT_TOP + CELL, output_x(unit) + CELL / 2, output_top, "rf-dg-link")
        body.rect(output_x(unit) + 2, output_top + 2, CELL - 4, CELL - 4, "rf-dg-out", data_unit=unit)
        body.text(output_x(unit) + CELL / 2, output_top + CELL / 2 + 4, unit, class_="rf-dg-index rf-dg-index--on")
        body.close("g")
    return width, height, body, captions
