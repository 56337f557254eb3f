"""Growth of the effective receptive field with depth, next to the receptive field r.

At every depth l from 1 to the chosen layer, the diagram takes the unit whose
field centre lies nearest the input centre. It counts the paths from each input
pixel to that unit (`diagram_paths.path_counts`, every weight 1) and sums the
counts over the other axes. It then plots, against l:

- r, the receptive field of layer l along the drawn axis;
- the width of the effective receptive field: the fewest neighbouring pixels
  that together carry at least `SHARE` (95 %) of the paths.

The standard deviation of the path counts, read as a distribution over the
pixels, goes into the text description. For n stacked 1-D convolutions with
k = 3 the counts are trinomial coefficients with variance 2n/3, so the width
grows like the square root of n while r = 2n + 1 grows like n.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import ceil, prod, sqrt

from rf_core.analysis import Analysis, axis_name
from rf_core.diagram_paths import path_counts
from rf_core.diagram_svg import SvgWriter, figure, number
from rf_core.diagrams import DiagramRequest, drawn_axis
from rf_core.errors import RFError

#: Share of the paths that the plotted ERF width holds.
SHARE = Fraction(95, 100)
#: Bound on the sum over depths of depth × input pixels, the work of the path counts.
MAX_WORK = 1_000_000

MARGIN = 12
LEFT = 44
PLOT_WIDTH = 320
PLOT_HEIGHT = 180
#: Room on the right for the labels at the ends of the two lines.
RIGHT = 96


@dataclass(frozen=True)
class GrowthRow:
    """The field of one depth's centre unit along the drawn axis.

    Attributes:
        depth: 1-based layer index.
        unit: Index of the unit nearest the input centre, per axis.
        receptive_field: r of the layer along the drawn axis, in pixels.
        paths: Number of paths from the whole input to the unit.
        deviation: Standard deviation of the input position, weighting each
            pixel by its path count, in pixels.
        width: Minimum number of neighbouring pixels that carry at least SHARE of the paths.
    """

    depth: int
    unit: tuple[int, ...]
    receptive_field: int
    paths: int
    deviation: float
    width: int


def growth_rows(analysis: Analysis, last_layer: int, axis: int) -> list[GrowthRow]:
    """Measure r and the ERF of the centre unit of every layer from 1 to `last_layer`.

    Raises:
        RFError: the input size is unknown, the work bound MAX_WORK is exceeded,
            a layer's field is unknown, or a unit has no path from the input.
    """
    if analysis.input_size is None:
        raise RFError("erf-growth diagrams need an input size; add an 'input' line such as 'input 64'")
    work = prod(analysis.input_size) * last_layer * (last_layer + 1) // 2
    if work > MAX_WORK:
        raise RFError(
            f"erf-growth diagrams count paths at every depth, {work} pixel-layers here, above the limit of "
            f"{MAX_WORK}; use a smaller input size, such as 64, or fewer layers"
        )
    rows = []
    for depth in range(1, last_layer + 1):
        result = analysis.layers[depth - 1]
        receptive_field = result.axes[axis].receptive_field
        if receptive_field is None:
            raise RFError(f"the receptive field of layer {depth}, {result.layer.label}, is unknown; erf-growth needs it")
        unit = tuple(_centre_unit(analysis, depth, index) for index in range(analysis.num_axes))
        profile = marginal(path_counts(analysis, depth, unit), analysis.num_axes, axis)
        total = sum(profile)
        if total == 0:
            raise RFError(f"unit {','.join(map(str, unit))} of layer {depth} reads no input pixel; erf-growth cannot measure it")
        rows.append(GrowthRow(depth, unit, receptive_field, total, sqrt(variance(profile)), share_width(profile, SHARE)))
    return rows


def marginal(counts: list, num_axes: int, axis: int) -> list[int]:
    """Sum nested path counts over every axis but `axis`, leaving one count per position along it."""
    if num_axes == 1:
        return list(counts)
    if axis == 0:
        return [sum(_flatten(block)) for block in counts]
    columns = [marginal(block, num_axes - 1, axis - 1) for block in counts]
    return [sum(values) for values in zip(*columns)]


def variance(counts: list[int]) -> Fraction:
    """Return the variance of the position, weighting position x by counts[x], as an exact fraction."""
    total = sum(counts)
    mean = Fraction(sum(x * c for x, c in enumerate(counts)), total)
    return sum((c * (x - mean) ** 2 for x, c in enumerate(counts)), Fraction(0)) / total


def share_width(counts: list[int], share: Fraction) -> int:
    """Return the minimum number of neighbouring positions whose counts sum to at least `share` of the total."""
    total = sum(counts)
    needed = ceil(share * total)
    best = len(counts)
    end = 0
    running = 0
    # Two pointers: for each start, extend the end until the window contains enough paths.
    for start in range(len(counts)):
        while end < len(counts) and running < needed:
            running += counts[end]
            end += 1
        if running < needed:
            break
        best = min(best, end - start)
        running -= counts[start]
    return best


def render_erf_growth(request: DiagramRequest) -> str:
    """Render the plot of r and the ERF width against depth, up to the chosen layer.

    Raises:
        RFError: as `growth_rows` does.
    """
    analysis, axis = request.analysis, drawn_axis(request)
    rows = growth_rows(analysis, request.layer_index, axis)
    top_value = _axis_top(max(row.receptive_field for row in rows))
    depths = len(rows)
    width = MARGIN + LEFT + PLOT_WIDTH + RIGHT
    height = MARGIN + 20 + PLOT_HEIGHT + 44
    top = MARGIN + 20
    bottom = top + PLOT_HEIGHT
    left = MARGIN + LEFT

    def x_of(depth: int) -> float:
        return left + PLOT_WIDTH * (depth - 0.5) / depths

    def y_of(value: float) -> float:
        return bottom - PLOT_HEIGHT * value / top_value

    body = SvgWriter()
    body.text(MARGIN, MARGIN + 6, f"pixels ({axis_name(axis, analysis.num_axes)})", class_="rf-dg-heading", text_anchor="start")
    for tick in _ticks(top_value):
        body.line(left, y_of(tick), left + PLOT_WIDTH, y_of(tick), "rf-dg-grid")
        body.text(left - 6, y_of(tick) + 4, tick, class_="rf-dg-index", text_anchor="end")
    body.line(left, bottom, left + PLOT_WIDTH, bottom, "rf-dg-axis")
    body.line(left, top, left, bottom, "rf-dg-axis")
    step = _depth_step(depths)
    for row in rows:
        if row.depth % step == 0 or row.depth == 1:
            body.text(x_of(row.depth), bottom + 16, row.depth, class_="rf-dg-index")
    body.text(left + PLOT_WIDTH / 2, bottom + 34, "depth: number of layers", class_="rf-dg-heading")

    series = (
        ("r", "rf-dg-growth-r", [row.receptive_field for row in rows]),
        ("ERF", "rf-dg-growth-erf", [row.width for row in rows]),
    )
    for label, css_class, values in series:
        points = " ".join(f"{number(x_of(depth))},{number(y_of(value))}" for depth, value in enumerate(values, start=1))
        body.element("polyline", points=points, class_=css_class)
        for depth, value in enumerate(values, start=1):
            _marker(body, label, x_of(depth), y_of(value), css_class, depth, value)
        body.text(x_of(depths) + 10, y_of(values[-1]) + 4, f"{label} = {values[-1]}", class_="rf-dg-heading", text_anchor="start")

    last = rows[-1]
    description = (
        f"Receptive field r and width of the effective receptive field against depth, layers 1 to {depths}, "
        f"along the {axis_name(axis, analysis.num_axes)}. At each depth the unit nearest the input centre is measured; "
        f"the ERF width is the fewest neighbouring pixels that carry {_percent(SHARE)} of the paths from the input "
        "to that unit, every weight 1. "
        + " ".join(
            f"Depth {row.depth}: r {row.receptive_field}, ERF width {row.width}, standard deviation {row.deviation:.2f}."
            for row in rows
        )
    )
    caption = (
        f"r and the ERF width ({_percent(SHARE)} of the paths) of the centre unit at each depth. At depth {depths} "
        f"r is {last.receptive_field} pixels, the ERF width {last.width} and the standard deviation {last.deviation:.2f}."
    )
    return figure(
        kind="erf-growth",
        diagram_id=request.diagram_id,
        title=f"Receptive field and effective receptive field against depth, layers 1 to {depths}",
        description=description,
        width=width,
        height=height,
        body=body,
        caption=caption,
        extra=_legend(),
    )


def _centre_unit(analysis: Analysis, depth: int, axis: int) -> int:
    """Return the unit of layer `depth` whose field centre is nearest the input centre, the lower on a tie."""
    result = analysis.layers[depth - 1].axes[axis]
    size = (analysis.input_size or ())[axis]
    if result.output_size is None:
        raise RFError(f"the output size of layer {depth} is unknown; erf-growth needs it")
    best, best_distance = 0, None
    for unit in range(result.output_size):
        interval = result.interval(unit)
        if interval is None:
            continue
        # Twice the distance, to stay in integers: centre (u + v) / 2 against (size - 1) / 2.
        distance = abs(interval[0] + interval[1] - (size - 1))
        if best_distance is None or distance < best_distance:
            best, best_distance = unit, distance
    return best


def _flatten(values: list) -> list[int]:
    if values and isinstance(values[0], list):
        return [item for block in values for item in _flatten(block)]
    return values


def _marker(body: SvgWriter, label: str, x: float, y: float, css_class: str, depth: int, value: int) -> None:
    # Circles for r and squares for the ERF, so the lines differ in shape as well as in colour.
    if label == "r":
        body.element("circle", cx=x, cy=y, r=3, class_=css_class + "-mark", data_depth=depth, data_value=value)
    else:
        body.rect(x - 3, y - 3, 6, 6, css_class + "-mark", data_depth=depth, data_value=value)


def _axis_top(largest: int) -> int:
    """Return the top of the value axis: `largest` rounded up to a multiple of a tick step."""
    step = _tick_step(largest)
    return max(step, -(-largest // step) * step)


def _tick_step(largest: int) -> int:
    # Steps of 1, 2 or 5 times a power of ten, giving at most six ticks above 0.
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if largest <= 6 * factor * magnitude:
                return factor * magnitude
        magnitude *= 10


def _ticks(top_value: int) -> list[int]:
    step = _tick_step(top_value)
    return list(range(0, top_value + 1, step))


def _depth_step(depths: int) -> int:
    if depths <= 16:
        return 1
    return 5 if depths <= 80 else 10


def _percent(share: Fraction) -> str:
    return f"{number(float(share * 100))}%"


def _legend() -> list[str]:
    return [
        '<ul class="rf-diagram__legend">',
        '<li><svg class="rf-diagram__swatch" viewBox="0 0 14 14" aria-hidden="true" focusable="false">'
        '<line x1="0" y1="7" x2="14" y2="7" class="rf-dg-growth-r"/><circle cx="7" cy="7" r="3" class="rf-dg-growth-r-mark"/>'
        "</svg>receptive field r</li>",
        '<li><svg class="rf-diagram__swatch" viewBox="0 0 14 14" aria-hidden="true" focusable="false">'
        '<line x1="0" y1="7" x2="14" y2="7" class="rf-dg-growth-erf"/><rect x="4" y="4" width="6" height="6" class="rf-dg-growth-erf-mark"/>'
        f"</svg>ERF width, {_percent(SHARE)} of the paths</li>",
        "</ul>",
    ]
