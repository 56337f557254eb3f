"""Stacked diagram: every layer of a chain as a row of units along one axis.

Units are placed at the centre of their field in input pixels, so a unit sits
above the pixels it sees. The units that feed the chosen unit, found exactly by
`diagram_geometry.trace_units`, are highlighted at every layer and joined by a
line to each position they read in the row below, padding included.
"""

from __future__ import annotations

from rf_core.analysis import Analysis
from rf_core.diagram_geometry import Trace, trace_units
from rf_core.diagram_svg import SvgWriter, figure, join_numbers, legend
from rf_core.diagrams import DiagramRequest, drawn_axis
from rf_core.errors import RFError
from rf_core.layers import WINDOW_KINDS

SCALE = 18
ROW = 60
LABEL_WIDTH = 76
MARGIN = 12
#: Limits that keep the drawing readable.
MAX_INPUT = 128
MAX_ROWS = 16


def render_stack(request: DiagramRequest) -> str:
    """Render the stacked diagram of the chosen unit along the drawn axis.

    Raises:
        RFError: the network has branches, or too many layers or pixels to draw.
    """
    analysis, axis = request.analysis, drawn_axis(request)
    if not analysis.network.is_chain:
        raise RFError("stack diagrams draw chains; this network has branches, so draw one unit's field with kind=holes or kind=erf")
    if (analysis.input_size or (0,))[axis] > MAX_INPUT:
        raise RFError(f"stack diagrams draw at most {MAX_INPUT} input pixels; use a smaller input size, such as 32")
    rows = [0] + [index for index in range(1, request.layer_index + 1) if not analysis.layers[index - 1].layer.is_pass_through]
    if len(rows) > MAX_ROWS:
        raise RFError(f"stack diagrams draw at most {MAX_ROWS} rows, but layer {request.layer_index} needs {len(rows)}; pick an earlier layer with layer=")
    unit = request.unit[axis]
    trace = trace_units(analysis, request.layer_index, unit, axis)

    # Pass-through layers read the same unit, so the rows below them carry their trace.
    units_by_row = {row: trace.units.get(row, ()) for row in rows}
    positions = {row: _row_positions(analysis, rows, position, axis) for position, row in enumerate(rows)}
    xs = {row: {j: _centre(analysis, row, j, axis) for j in positions[row]} for row in rows}
    low = min(min(values.values()) for values in xs.values())
    high = max(max(values.values()) for values in xs.values())
    width = LABEL_WIDTH + (high - low) * SCALE + 2 * MARGIN + SCALE
    height = len(rows) * ROW + 2 * MARGIN

    def x_of(row: int, j: int) -> float:
        return LABEL_WIDTH + MARGIN + SCALE / 2 + (xs[row][j] - low) * SCALE

    def y_of(position: int) -> float:
        return height - MARGIN - ROW / 2 - position * ROW

    body = SvgWriter()
    for position, row in enumerate(rows[1:], start=1):
        source = rows[position - 1]
        for j in units_by_row[row]:
            for read in _reads_through(trace, row, j, source):
                body.line(x_of(row, j), y_of(position), x_of(source, read), y_of(position - 1), "rf-dg-link")
    for position, row in enumerate(rows):
        name = "input" if row == 0 else analysis.layers[row - 1].layer.name
        body.text(MARGIN, y_of(position) + 4, _short(name), class_="rf-dg-heading", text_anchor="start")
        radius = _radius(xs[row])
        size = _row_size(analysis, row, axis)
        traced = set(units_by_row[row])
        padding_read = set(trace.padding.get(row, ()))
        for j in positions[row]:
            css_class = _unit_class(j, size, traced, padding_read, row == request.layer_index and j == unit)
            body.element("circle", cx=x_of(row, j), cy=y_of(position), r=radius, class_=css_class, data_layer=row, data_unit=j)

    description = _stack_description(analysis, rows, units_by_row, trace, request, axis)
    title = f"Units that feed unit {unit} of layer {request.layer_index}, {analysis.layers[request.layer_index - 1].layer.label}, at every layer"
    keys = ["unit", "pad", "read", "read-pad", "out"]
    return figure(
        kind="stack",
        diagram_id=request.diagram_id,
        title=title,
        description=description,
        width=width,
        height=height,
        body=body,
        caption=f"Input pixels that reach unit {unit}: {join_numbers(units_by_row[0])}.",
        extra=legend(keys),
    )


def _row_size(analysis: Analysis, row: int, axis: int) -> int:
    if row == 0:
        return (analysis.input_size or (0,))[axis]
    return analysis.layers[row - 1].axes[axis].output_size or 0


def _row_positions(analysis: Analysis, rows: list[int], position: int, axis: int) -> list[int]:
    """Return the positions drawn in a row: its units plus the padding that the next row's layer adds."""
    row = rows[position]
    size = _row_size(analysis, row, axis)
    if position + 1 == len(rows):
        return list(range(size))
    above = analysis.layers[rows[position + 1] - 1]
    window = above.windows[axis]
    before = after = 0
    if window is not None and above.layer.kind in WINDOW_KINDS + ("pad",):
        before, after = window.pad_before or 0, window.pad_after or 0
    return list(range(-before, size + after))


def _centre(analysis: Analysis, row: int, j: int, axis: int) -> float:
    if row == 0:
        return float(j)
    axis_result = analysis.layers[row - 1].axes[axis]
    interval = axis_result.interval(j)
    if interval is None:
        # NOTE: units that read no input (possible after a transposed convolution)
        # have no field. They are placed on a line through unit 0 at the effective stride.
        start = axis_result.start or 0.0
        return start + j * float(axis_result.effective_stride or 1)
    return (interval[0] + interval[1]) / 2


def _reads_through(trace: Trace, row: int, j: int, source: int) -> tuple[int, ...]:
    """Return what unit j of `row` reads in row `source`, following pass-through layers between them."""
    reads = trace.edges.get((row, j), (j,))
    return reads if row - 1 == source else tuple(sorted({r for read in reads for r in _reads_through(trace, row - 1, read, source)}))


def _radius(centres: dict[int, float]) -> float:
    values = sorted(centres.values())
    gaps = [b - a for a, b in zip(values, values[1:]) if b > a]
    spacing = min(gaps, default=1.0) * SCALE
    return max(2.0, min(7.0, round(spacing * 0.42, 2)))


def _unit_class(j: int, size: int, traced: set[int], padding_read: set[int], chosen: bool) -> str:
    if chosen:
        return "rf-dg-out"
    if not 0 <= j < size:
        return "rf-dg-read rf-dg-read--pad" if j in padding_read else "rf-dg-pad"
    return "rf-dg-read" if j in traced else "rf-dg-unit"


def _short(name: str) -> str:
    return name if len(name) <= 11 else name[:10] + "…"


def _stack_description(analysis: Analysis, rows: list[int], units: dict[int, tuple[int, ...]], trace: Trace, request: DiagramRequest, axis: int) -> str:
    parts = [f"Rows from the input at the bottom to layer {request.layer_index} at the top; units sit at the centre of their field."]
    for row in rows:
        name = "Input" if row == 0 else f"Layer {row}, {analysis.layers[row - 1].layer.label}"
        if row == request.layer_index:
            parts.append(f"{name}: unit {request.unit[axis]}, the traced unit.")
            continue
        text = f"{name}: units {join_numbers(units[row])} feed it"
        if trace.padding.get(row):
            text += f", and padding positions {join_numbers(trace.padding[row])} are read"
        parts.append(text + ".")
    return " ".join(parts)
