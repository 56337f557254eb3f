"""A small writer of SVG elements and the HTML figure that contains a diagram.

Output is deterministic: attributes keep their given order, numbers are written
with at most two decimals, and every text and attribute value is escaped. Colours
never appear here. Elements get `rf-dg-*` classes that rf-diagrams.css styles
with the theme's palette variables, and strokes and text default to
`currentColor`, so both palettes work without JavaScript.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

#: Widths, in viewBox units, that pick a CSS size class (`rf-diagram__svg--w480`).
#: The class caps the drawn width near 1.25 CSS pixels per viewBox unit. It also
#: sets a minimum width near 0.75, so that text stays legible, and a diagram
#: wider than the screen scrolls sideways.
WIDTH_BUCKETS = (240, 360, 480, 640, 800, 960, 1280, 1600, 2400)

SVG_NAMESPACE = "http://www.w3.org/2000/svg"


def escape(text: object) -> str:
    """Escape text for an HTML or SVG text node or a quoted attribute value."""
    return html.escape(str(text), quote=True)


def number(value: float) -> str:
    """Format a coordinate: an int as is, anything else with at most two decimals."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def attributes(pairs: dict[str, object]) -> str:
    """Write attributes in the given order; floats go through `number`, None values are left out."""
    parts = []
    for key, value in pairs.items():
        if value is None:
            continue
        text = number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        parts.append(f' {key}="{escape(text)}"')
    return "".join(parts)


class SvgWriter:
    """Collects SVG elements, one per line."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def element(self, tag: str, text: str | None = None, /, **attrs: object) -> None:
        """Add an element; `text` becomes its escaped content. `class_` is written as `class`."""
        written = attributes({_attribute_name(key): value for key, value in attrs.items()})
        if text is None:
            self.lines.append(f"<{tag}{written}/>")
        else:
            self.lines.append(f"<{tag}{written}>{escape(text)}</{tag}>")

    def rect(self, x: float, y: float, width: float, height: float, class_: str, **attrs: object) -> None:
        """Add a rectangle with a CSS class."""
        self.element("rect", x=x, y=y, width=width, height=height, class_=class_, **attrs)

    def line(self, x1: float, y1: float, x2: float, y2: float, class_: str) -> None:
        """Add a line segment with a CSS class."""
        self.element("line", x1=x1, y1=y1, x2=x2, y2=y2, class_=class_)

    def text(self, x: float, y: float, content: object, class_: str = "rf-dg-label", **attrs: object) -> None:
        """Add a text label, centred on `x` unless `text_anchor` sets another anchor."""
        attrs.setdefault("text_anchor", "middle")
        self.element("text", str(content), x=x, y=y, class_=class_, **attrs)

    def open(self, tag: str, **attrs: object) -> None:
        """Open a container element such as a group; close it with `close`."""
        written = attributes({_attribute_name(key): value for key, value in attrs.items()})
        self.lines.append(f"<{tag}{written}>")

    def close(self, tag: str) -> None:
        """Close the container opened last."""
        self.lines.append(f"</{tag}>")

    def extend(self, lines: Iterable[str]) -> None:
        """Add lines written by another writer."""
        self.lines.extend(lines)


def _attribute_name(key: str) -> str:
    if key == "class_":
        return "class"
    return key.replace("_", "-")


def label_step(cell: float) -> int:
    """Return how many positions apart index labels go, so that labels of narrow cells do not overlap."""
    if cell >= 16:
        return 1
    if cell >= 4:
        return 5
    return 10


def size_class(width: float) -> str:
    """Return the CSS class that sets the drawn size of a diagram `width` viewBox units wide."""
    bucket = next((value for value in WIDTH_BUCKETS if width <= value), WIDTH_BUCKETS[-1])
    return f"rf-diagram__svg--w{bucket}"


def figure(
    *,
    kind: str,
    diagram_id: str,
    title: str,
    description: str,
    width: float,
    height: float,
    body: SvgWriter,
    caption: str,
    extra: Iterable[str] = (),
) -> str:
    """Return the diagram as an HTML figure with an inline SVG, one element per line.

    The SVG is labelled by its `<title>` and described by its `<desc>`, so screen
    readers announce it as one image. `extra` lines (controls, notes) go between
    the SVG and the caption. The result has no blank line, so Markdown keeps it
    as one raw HTML block.
    """
    title_id = f"{diagram_id}-title"
    desc_id = f"{diagram_id}-desc"
    svg_attrs = attributes(
        {
            "xmlns": SVG_NAMESPACE,
            "class": f"rf-diagram__svg {size_class(width)}",
            "viewBox": f"0 0 {number(width)} {number(height)}",
            "width": "100%",
            "font-size": 11,
            "role": "img",
            "aria-labelledby": title_id,
            "aria-describedby": desc_id,
        }
    )
    lines = [
        f'<figure class="rf-diagram rf-diagram--{escape(kind)}" id="{escape(diagram_id)}" data-rf-diagram="{escape(kind)}">',
        '<div class="rf-diagram__scroll">',
        f"<svg{svg_attrs}>",
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        *body.lines,
        "</svg>",
        "</div>",
        *extra,
        f'<figcaption class="rf-diagram__caption">{escape(caption)}</figcaption>',
        "</figure>",
    ]
    return "\n".join(lines)


def join_numbers(values: Iterable[int]) -> str:
    """Write integers as a readable list, folding runs of three or more: [0, 2, 4, 5, 6] gives "0, 2, 4 to 6"."""
    values = sorted(values)
    if not values:
        return "none"
    runs: list[list[int]] = [[values[0], values[0]]]
    for value in values[1:]:
        if value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    parts = []
    for start, end in runs:
        if end - start >= 2:
            parts.append(f"{start} to {end}")
        else:
            parts.extend(str(value) for value in range(start, end + 1))
    return ", ".join(parts)


#: Legend entries: key to (CSS class of the swatch, label).
LEGEND_ENTRIES = {
    "cell": ("rf-dg-cell", "input pixel"),
    "pad": ("rf-dg-pad", "padding"),
    "overhang": ("rf-dg-overhang", "beyond the padding"),
    "read": ("rf-dg-read", "read by the unit"),
    "read-pad": ("rf-dg-read rf-dg-read--pad", "padding read by the unit"),
    "skipped": ("rf-dg-skipped", "skipped by dilation"),
    "hole": ("rf-dg-hole", "hole inside the field"),
    "unread": ("rf-dg-cell rf-dg-unread", "read by no unit"),
    "out": ("rf-dg-out", "the output unit"),
    "dropped": ("rf-dg-dropped", "window dropped by ceil mode"),
    "unit": ("rf-dg-unit", "unit"),
    "field-unclipped": ("rf-dg-field-unclipped", "field, unclipped"),
    "field-clipped": ("rf-dg-field-clipped", "field, clipped to the pixels that reach the unit"),
    "centre": ("rf-dg-centre", "field centre"),
}


def legend(keys: Iterable[str]) -> list[str]:
    """Return an HTML legend with one swatch per key of LEGEND_ENTRIES, in the given order."""
    lines = ['<ul class="rf-diagram__legend">']
    for key in keys:
        css_class, label = LEGEND_ENTRIES[key]
        mark = '<line x1="1" y1="13" x2="13" y2="1" class="rf-dg-unread-mark"/>' if key == "unread" else ""
        lines.append(
            '<li><svg class="rf-diagram__swatch" viewBox="0 0 14 14" aria-hidden="true" focusable="false">'
            f'<rect x="1" y="1" width="12" height="12" class="{css_class}"/>{mark}</svg>{escape(label)}</li>'
        )
    lines.append("</ul>")
    return lines
