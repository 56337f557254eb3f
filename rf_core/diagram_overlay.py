"""2-D field overlay: the input grid with one unit's field drawn on it.

Pixel p covers [p, p + 1) in the drawing. The unclipped interval of
`Analysis.unit_field` is drawn dashed (it may reach into the padding, outside the
input), the clipped span solid, and the field centre as a cross.
"""

from __future__ import annotations

from math import ceil

from rf_core.diagram_svg import SvgWriter, figure, legend, number
from rf_core.diagrams import DiagramRequest
from rf_core.errors import RFError

MARGIN = 28
#: Target size of the longer side of the drawing, in viewBox units.
DRAWING = 360
#: Up to this many pixels per axis every pixel is a cell; beyond, tiles of pixels.
MAX_CELLS = 32


def render_overlay(request: DiagramRequest) -> str:
    """Render the overlay of the chosen unit's field on a 2-D input.

    Raises:
        RFError: the network does not have two axes, or the unit's field is unknown.
    """
    analysis = request.analysis
    if analysis.num_axes != 2:
        raise RFError(f"overlay diagrams draw 2-D networks, but this one has {analysis.num_axes} axis; use kind=holes or kind=stack for 1-D")
    height_px, width_px = analysis.input_size or (0, 0)
    field = analysis.unit_field(request.layer_index, request.unit)
    if field.interval is None or field.centre is None:
        raise RFError(f"the field of unit {','.join(map(str, request.unit))} is unknown; pick another unit or layer")
    (top, bottom), (left, right) = field.interval

    view_top, view_bottom = min(top, 0), max(bottom + 1, height_px)
    view_left, view_right = min(left, 0), max(right + 1, width_px)
    scale = min(24.0, max(1.0, round(DRAWING / max(view_bottom - view_top, view_right - view_left), 2)))
    width = 2 * MARGIN + (view_right - view_left) * scale
    height = 2 * MARGIN + (view_bottom - view_top) * scale

    def x_of(column: float) -> float:
        return MARGIN + (column - view_left) * scale

    def y_of(row: float) -> float:
        return MARGIN + (row - view_top) * scale

    body = SvgWriter()
    padded = (view_top, view_left, view_bottom, view_right) != (0, 0, height_px, width_px)
    if padded:
        body.rect(x_of(view_left), y_of(view_top), (view_right - view_left) * scale, (view_bottom - view_top) * scale, "rf-dg-pad")
    tile = max(1, ceil(max(height_px, width_px) / MAX_CELLS))
    for row in range(0, height_px, tile):
        for column in range(0, width_px, tile):
            alternate = (row // tile + column // tile) % 2
            css_class = "rf-dg-cell rf-dg-cell--alt" if alternate else "rf-dg-cell"
            body.rect(x_of(column), y_of(row), min(tile, width_px - column) * scale, min(tile, height_px - row) * scale, css_class)
    body.rect(x_of(0), y_of(0), width_px * scale, height_px * scale, "rf-dg-frame-outline")
    for value, position in ((0, 0), (width_px - 1, width_px - 1)):
        body.text(x_of(position + 0.5), MARGIN - 8, value, class_="rf-dg-index")
    for value, position in ((0, 0), (height_px - 1, height_px - 1)):
        body.text(MARGIN - 6, y_of(position + 0.5) + 4, value, class_="rf-dg-index", text_anchor="end")

    body.rect(x_of(left), y_of(top), (right - left + 1) * scale, (bottom - top + 1) * scale, "rf-dg-field-unclipped", data_rows=f"{top} {bottom}", data_columns=f"{left} {right}")
    clipped = field.clipped
    if clipped is not None and all(span is not None for span in clipped):
        (clip_top, clip_bottom), (clip_left, clip_right) = clipped  # type: ignore[misc]
        body.rect(
            x_of(clip_left),
            y_of(clip_top),
            (clip_right - clip_left + 1) * scale,
            (clip_bottom - clip_top + 1) * scale,
            "rf-dg-field-clipped",
            data_rows=f"{clip_top} {clip_bottom}",
            data_columns=f"{clip_left} {clip_right}",
        )
    centre_x, centre_y = x_of(field.centre[1] + 0.5), y_of(field.centre[0] + 0.5)
    arm = 6
    body.element(
        "path",
        d=f"M{number(centre_x - arm)} {number(centre_y)} H{number(centre_x + arm)} M{number(centre_x)} {number(centre_y - arm)} V{number(centre_y + arm)}",
        class_="rf-dg-centre",
    )

    unit_text = ",".join(map(str, field.unit))
    layer = analysis.layers[request.layer_index - 1].layer
    clipped_text = "none of the input" if clipped is None or any(span is None for span in clipped) else (
        f"rows {clipped[0][0]} to {clipped[0][1]} and columns {clipped[1][0]} to {clipped[1][1]}"  # type: ignore[index]
    )
    description = (
        f"Input of {height_px} by {width_px} pixels. Unit {unit_text} of layer {request.layer_index}, {layer.label}, "
        f"has the unclipped field rows {top} to {bottom} and columns {left} to {right} (dashed), "
        f"which covers {clipped_text} once clipped to the pixels that reach it (solid). "
        f"Its centre is at row {number(field.centre[0])}, column {number(field.centre[1])} (cross)."
    )
    if tile > 1:
        description += f" The checkerboard tiles are {tile} by {tile} pixels."
    keys = ["cell"] + (["pad"] if padded else []) + ["field-unclipped", "field-clipped", "centre"]
    return figure(
        kind="overlay",
        diagram_id=request.diagram_id,
        title=f"Field of unit {unit_text} of layer {request.layer_index} on the input",
        description=description,
        width=width,
        height=height,
        body=body,
        caption=description,
        extra=legend(keys),
    )
