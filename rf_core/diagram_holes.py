"""Holes strip: the input pixels one unit reads along one axis, and the holes inside its field.

A dilated stack (or a stride larger than the kernel) leaves pixels inside the
field interval [u, v] that no path reaches: the gridding holes. The strip marks
the pixels in the exact tap set of `diagram_geometry.trace_units`, the holes and
the padding that the interval covers.
"""

from __future__ import annotations

from rf_core.analysis import axis_name
from rf_core.diagram_geometry import trace_units
from rf_core.diagram_svg import SvgWriter, figure, join_numbers, label_step, legend
from rf_core.diagrams import DiagramRequest, drawn_axis
from rf_core.errors import RFError

MARGIN = 12
STRIP_TOP = 48
STRIP_HEIGHT = 28
#: Width of the strip in viewBox units; cells shrink to fit it.
STRIP_WIDTH = 640
MAX_POSITIONS = 256


def render_holes(request: DiagramRequest) -> str:
    """Render the holes strip of the chosen unit along the drawn axis.

    Raises:
        RFError: the unit's field is unknown, or it spans too many positions to draw.
    """
    analysis, axis = request.analysis, drawn_axis(request)
    unit = request.unit[axis]
    layer = analysis.layers[request.layer_index - 1]
    trace = trace_units(analysis, request.layer_index, unit, axis)
    interval = layer.axes[axis].interval(unit)
    size = (analysis.input_size or (0,))[axis]
    if interval is None:
        raise RFError(f"unit {unit} of layer {request.layer_index} has no field along the {axis_name(axis, request.analysis.num_axes)}; pick another unit")

    first, last = min(interval[0], 0), max(interval[1], size - 1)
    count = last - first + 1
    if count > MAX_POSITIONS:
        raise RFError(f"holes strips draw at most {MAX_POSITIONS} positions, but this one needs {count}; use a smaller input")
    cell = min(24.0, round(STRIP_WIDTH / count, 2))
    width = 2 * MARGIN + count * cell
    height = STRIP_TOP + STRIP_HEIGHT + 22

    taps = set(trace.units[0])
    holes = [p for p in range(max(interval[0], 0), min(interval[1], size - 1) + 1) if p not in taps]
    padding = [p for p in range(interval[0], interval[1] + 1) if not 0 <= p < size]
    body = SvgWriter()
    label_every = label_step(cell)
    for position in range(first, last + 1):
        x = MARGIN + (position - first) * cell
        if not 0 <= position < size:
            css_class = "rf-dg-pad"
        elif position in taps:
            css_class = "rf-dg-read"
        elif position in holes:
            css_class = "rf-dg-hole"
        else:
            css_class = "rf-dg-cell"
        body.rect(x, STRIP_TOP, cell, STRIP_HEIGHT, css_class, data_position=position)
        if position % label_every == 0:
            body.text(x + cell / 2, STRIP_TOP + STRIP_HEIGHT + 14, position, class_="rf-dg-index")

    left = MARGIN + (interval[0] - first) * cell
    right = MARGIN + (interval[1] - first + 1) * cell
    body.element("path", d=f"M{left:g} {STRIP_TOP - 4} v-10 H{right:g} v10", class_="rf-dg-bracket")
    field_size = interval[1] - interval[0] + 1
    body.text((left + right) / 2, STRIP_TOP - 20, f"field [{interval[0]}, {interval[1]}], r = {field_size}", class_="rf-dg-heading")

    summary = (
        f"Unit {unit} of layer {request.layer_index}, {layer.layer.label}, has the field [{interval[0]}, {interval[1]}] "
        f"of {field_size} positions along the {axis_name(axis, request.analysis.num_axes)}. It reads {len(taps)} input pixels: {join_numbers(taps)}. "
        f"Holes inside the field that no path reaches: {join_numbers(holes)}."
    )
    if padding:
        summary += f" Padding inside the field: {join_numbers(padding)}."
    keys = ["cell", "read", "hole"] + (["pad"] if first < 0 or last >= size else [])
    return figure(
        kind="holes",
        diagram_id=request.diagram_id,
        title=f"Input pixels read by unit {unit} of layer {request.layer_index}, with the holes in its field",
        description=summary,
        width=width,
        height=height,
        body=body,
        caption=summary,
        extra=legend(keys),
    )
