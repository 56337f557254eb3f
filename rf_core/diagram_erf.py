"""Effective receptive field: a heatmap of path counts and a profile plot.

The counts come from `diagram_paths.path_counts`. The heatmap shades each input
pixel with the accent colour at an opacity proportional to its count, so the
scale reads on the light and on the dark palette alike. The profile plots the
counts along the width: the whole input for 1-D networks, and for 2-D the row
through the field centre.
"""

from __future__ import annotations

from rf_core.diagram_paths import path_counts
from rf_core.diagram_svg import SvgWriter, figure, join_numbers, label_step, number
from rf_core.diagrams import DiagramRequest
from rf_core.errors import RFError

MARGIN = 12
AXIS = 36
PLOT_HEIGHT = 120
#: Width of the drawing area in viewBox units; cells shrink to fit it.
DRAWING = 480
MAX_CELLS = 96
#: Steps of the colour scale shown in the legend.
LEGEND_STEPS = 5


def render_erf(request: DiagramRequest) -> str:
    """Render the path-count heatmap and profile of the chosen unit.

    Raises:
        RFError: the network has three axes, or its input is too large to draw.
    """
    analysis = request.analysis
    if analysis.num_axes > 2:
        raise RFError("erf diagrams draw 1-D and 2-D networks; this one has 3 axes")
    sizes = analysis.input_size or ()
    if max(sizes) > MAX_CELLS:
        raise RFError(f"erf diagrams draw at most {MAX_CELLS} pixels per axis; use a smaller input size, such as 32")
    counts = path_counts(analysis, request.layer_index, request.unit)
    grid = counts if analysis.num_axes == 2 else [counts]
    rows, columns = len(grid), len(grid[0])
    peak = max(max(row) for row in grid)
    cell = min(24.0, round(DRAWING / columns, 2))
    left = MARGIN + AXIS
    heat_top = MARGIN + 14
    plot_top = heat_top + rows * cell + 36
    width = left + columns * cell + MARGIN
    height = plot_top + PLOT_HEIGHT + 34

    field = analysis.unit_field(request.layer_index, request.unit)
    profile_row = 0
    if analysis.num_axes == 2 and field.centre is not None:
        profile_row = min(max(int(field.centre[0]), 0), rows - 1)
    profile = grid[profile_row]

    body = SvgWriter()
    body.text(MARGIN, MARGIN + 4, "Paths from each input pixel", class_="rf-dg-heading", text_anchor="start")
    body.rect(left, heat_top, columns * cell, rows * cell, "rf-dg-heat-base")
    for row_index, row in enumerate(grid):
        for column, value in enumerate(row):
            if value:
                body.rect(
                    left + column * cell,
                    heat_top + row_index * cell,
                    cell,
                    cell,
                    "rf-dg-heat",
                    fill_opacity=_opacity(value, peak),
                    data_row=row_index,
                    data_column=column,
                    data_count=value,
                )
    if analysis.num_axes == 2:
        body.rect(left, heat_top + profile_row * cell, columns * cell, cell, "rf-dg-profile-row")
    _draw_profile(body, profile, peak, left, plot_top, cell)

    unit_text = ",".join(map(str, request.unit))
    layer = analysis.layers[request.layer_index - 1].layer
    total = sum(sum(row) for row in grid)
    nonzero = [(r, c) for r, row in enumerate(grid) for c, value in enumerate(row) if value]
    description = (
        f"Number of paths from each input pixel to unit {unit_text} of layer {request.layer_index}, {layer.label}, "
        f"with every weight 1: the effective receptive field. {total} paths in all; the maximum is {peak}. "
    )
    if analysis.num_axes == 2 and nonzero:
        peaks = [(r, c) for r, c in nonzero if grid[r][c] == peak]
        description += (
            f"Pixels with paths span rows {min(r for r, _ in nonzero)} to {max(r for r, _ in nonzero)} and columns "
            f"{min(c for _, c in nonzero)} to {max(c for _, c in nonzero)}; the maximum is at row {peaks[0][0]}, column {peaks[0][1]}. "
            f"The profile below is row {profile_row}, through the field centre: "
        )
    else:
        description += f"Pixels with paths: {join_numbers(c for _, c in nonzero)}. Counts from pixel 0: "
    description += ", ".join(map(str, profile)) + "."
    return figure(
        kind="erf",
        diagram_id=request.diagram_id,
        title=f"Effective receptive field of unit {unit_text} of layer {request.layer_index}",
        description=description,
        width=width,
        height=height,
        body=body,
        caption=f"Paths from each input pixel to unit {unit_text} under uniform weights; the stronger the colour, the more paths (maximum {peak}).",
        extra=_legend(peak),
    )


def _opacity(value: int, peak: int) -> str:
    # A floor of 0.12 keeps a pixel with a single path visible next to one with none.
    return number(round(0.12 + 0.88 * value / peak, 3)) if peak else "0"


def _draw_profile(body: SvgWriter, profile: list[int], peak: int, left: float, top: float, cell: float) -> None:
    bottom = top + PLOT_HEIGHT
    body.line(left, bottom, left + len(profile) * cell, bottom, "rf-dg-axis")
    body.line(left, top, left, bottom, "rf-dg-axis")
    body.text(left - 4, top + 4, peak, class_="rf-dg-index", text_anchor="end")
    body.text(left - 4, bottom + 4, 0, class_="rf-dg-index", text_anchor="end")
    label_every = label_step(cell)
    for position, value in enumerate(profile):
        bar = PLOT_HEIGHT * value / peak if peak else 0
        if bar:
            body.rect(left + position * cell + cell * 0.15, bottom - bar, cell * 0.7, bar, "rf-dg-bar")
        if position % label_every == 0:
            body.text(left + (position + 0.5) * cell, bottom + 14, position, class_="rf-dg-index")
    body.text(left, bottom + 28, "input pixel (width)", class_="rf-dg-heading", text_anchor="start")


def _legend(peak: int) -> list[str]:
    # A small peak rounds several steps to one count, such as 2 twice for a peak of 4,
    # so each count is listed once.
    values = sorted({round(peak * (step + 1) / LEGEND_STEPS) for step in range(LEGEND_STEPS)})
    lines = ['<ul class="rf-diagram__legend rf-diagram__legend--scale">']
    for value in values:
        noun = "path" if value == 1 else "paths"
        lines.append(
            '<li><svg class="rf-diagram__swatch" viewBox="0 0 14 14" aria-hidden="true" focusable="false">'
            f'<rect x="1" y="1" width="12" height="12" class="rf-dg-heat-base"/>'
            f'<rect x="1" y="1" width="12" height="12" class="rf-dg-heat" fill-opacity="{_opacity(value, peak)}"/>'
            f"</svg>{value} {noun}</li>"
        )
    lines.append("</ul>")
    return lines
