"""Write the depth-scaling plot as a small, deterministic SVG.

Every stroke and text uses `currentColor`, so the plot takes the page's text
colour in both the light and the dark palette. Each series has its own
marker shape and dash pattern, so none depends on colour.
"""

from __future__ import annotations

import math
from html import escape

WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 80, 40, 40, 60


def _log_ticks(low: float, high: float) -> list[float]:
    return [10.0**power for power in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]


def _format_tick(value: float, unit: str) -> str:
    if unit == "s":
        if value >= 1:
            return f"{value:g} s"
        return f"{value * 1000:g} ms"
    return f"{value:,.0f}"


def scaling_svg(points: list[dict], html_points: list[dict]) -> str:
    """Return an SVG plot, on log axes, of time (minimum wall time) against depth.

    `points` gives parse and analyze times, `html_points` the HTML table's times,
    as `benchmarks.cpython_bench` measures them.
    """
    series = {
        "analyze": [(point["depth"], point["analyze"]["min_s"]) for point in points],
        "parse": [(point["depth"], point["parse"]["min_s"]) for point in points],
        "HTML table": [(point["depth"], point["render_html"]["min_s"]) for point in html_points],
    }
    depths = [depth for values in series.values() for depth, _ in values]
    times = [value for values in series.values() for _, value in values]
    x_ticks = _log_ticks(min(depths), max(depths))
    y_ticks = _log_ticks(min(times), max(times))
    x_low, x_high = math.log10(x_ticks[0]), math.log10(x_ticks[-1])
    y_low, y_high = math.log10(y_ticks[0]), math.log10(y_ticks[-1])

    def x_of(depth: float) -> float:
        return LEFT + (math.log10(depth) - x_low) / (x_high - x_low) * (WIDTH - LEFT - RIGHT)

    def y_of(seconds: float) -> float:
        return HEIGHT - BOTTOM - (math.log10(seconds) - y_low) / (y_high - y_low) * (HEIGHT - TOP - BOTTOM)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        'role="img" aria-labelledby="rf-scaling-title" font-family="sans-serif" font-size="13" fill="currentColor">',
        '<title id="rf-scaling-title">rf_core parse, analyze and HTML table time against chain depth, log-log axes</title>',
    ]

    # Grid and tick labels.
    for tick in x_ticks:
        x = x_of(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{HEIGHT - BOTTOM}" stroke="currentColor" stroke-opacity="0.2"/>'
        )
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{_format_tick(tick, "")}</text>')
    for tick in y_ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="currentColor" stroke-opacity="0.2"/>'
        )
        parts.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{_format_tick(tick, "s")}</text>')
    parts.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" height="{HEIGHT - TOP - BOTTOM}" '
        'fill="none" stroke="currentColor"/>'
    )
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.1f}" y="{HEIGHT - 16}" text-anchor="middle">layers in the chain</text>'
    )
    parts.append(
        f'<text x="18" y="{(TOP + HEIGHT - BOTTOM) / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 18 {(TOP + HEIGHT - BOTTOM) / 2:.1f})">time (minimum of the runs)</text>'
    )

    # One line per series, each with its own dash pattern and marker.
    styles = {
        "analyze": ("", "circle"),
        "parse": (' stroke-dasharray="6 4"', "square"),
        "HTML table": (' stroke-dasharray="1 3" stroke-linecap="round"', "triangle"),
    }
    for name, values in series.items():
        dash, marker = styles[name]
        coordinates = " ".join(f"{x_of(depth):.1f},{y_of(value):.1f}" for depth, value in values)
        parts.append(f'<polyline points="{coordinates}" fill="none" stroke="currentColor" stroke-width="2"{dash}/>')
        for depth, value in values:
            parts.append(_marker(marker, x_of(depth), y_of(value)))

    # A linear-time reference: slope 1 on log-log axes through the largest analyze point.
    last_depth, last_time = series["analyze"][-1]
    first_depth = series["analyze"][0][0]
    reference_start = last_time * first_depth / last_depth
    parts.append(
        f'<line x1="{x_of(first_depth):.1f}" y1="{y_of(reference_start):.1f}" x2="{x_of(last_depth):.1f}" '
        f'y2="{y_of(last_time):.1f}" stroke="currentColor" stroke-opacity="0.45" stroke-dasharray="2 3"/>'
    )

    # Legend, in one row above the plot.
    legend = [
        ("analyze", *styles["analyze"]),
        ("parse", *styles["parse"]),
        ("HTML table", *styles["HTML table"]),
        ("slope 1 (linear)", ' stroke-opacity="0.45" stroke-dasharray="2 3"', None),
    ]
    y = 18
    for column, (label, dash, marker) in enumerate(legend):
        x = LEFT + column * 120
        parts.append(f'<line x1="{x}" y1="{y}" x2="{x + 28}" y2="{y}" stroke="currentColor" stroke-width="2"{dash}/>')
        if marker:
            parts.append(_marker(marker, x + 14, y))
        parts.append(f'<text x="{x + 34}" y="{y + 4}">{escape(label)}</text>')

    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _marker(shape: str, x: float, y: float) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="currentColor"/>'
    if shape == "triangle":
        return f'<path d="M{x:.1f},{y - 5:.1f} L{x + 5:.1f},{y + 4:.1f} L{x - 5:.1f},{y + 4:.1f} Z" fill="currentColor"/>'
    return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="none" stroke="currentColor" stroke-width="1.5"/>'
