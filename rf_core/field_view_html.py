"""Render a field view as HTML: the picture, the unit grid and one unit's field.

The build writes the whole figure with the initial layer and unit drawn, so the
page shows a correct field without JavaScript. The figure's `data-rf-field-view`
attribute contains every unit's field of every menu layer as JSON, from which
rf-field-view.js redraws the same elements when the reader picks another unit
or layer. The JSON is not in a `<script type="application/json">` element
because mkdocs-material 9.8.1's instant navigation turns every script of the new
page into a classic script, which would run the JSON as JavaScript.

    >>> from rf_core.field_view_html import Image, render_field_view
    >>> image = Image(url="scene.svg", height=8, width=8, alt="A test card")
    >>> html = render_field_view("input 8\\nconv k=3 name=conv", {}, image, view_id="demo")
    >>> html.startswith('<figure class="rf-field-view" id="demo" data-rf-field-view="{&quot;layers&quot;')
    True
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from rf_core.diagram_svg import SVG_NAMESPACE, SvgWriter, escape, number
from rf_core.errors import RFError
from rf_core.field_view import FieldView, ViewLayer, describe_unit, prepare

_ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}\Z")

#: Empty space around the drawing, as a fraction of its longer side.
MARGIN = 0.03
#: Radius of the ring around the selected unit's centre, as a fraction of the longer side.
RING = 0.018
#: Largest dot diameter, as a fraction of the longer side.
MAX_DOT = 0.01
#: Dot diameter as a fraction of the distance between neighbouring centres.
DOT_SPACING = 0.3
#: Diameter of the dark halo under a dot, as a multiple of the dot's.
HALO = 1.8

HELP = (
    "Click a unit, or focus the picture and use the arrow keys. Home and End jump to the ends "
    "of the row, Ctrl+Home and Ctrl+End to the first and last unit."
)
NO_SCRIPT = "Turn on JavaScript to choose other units and layers."

__all__ = ["Image", "render_field_view", "view_data"]


@dataclass(frozen=True)
class Image:
    """The picture under the unit grid.

    Attributes:
        url: Address of the image, relative to the page that shows it.
        height: Height in pixels, or in any unit with the right aspect ratio.
        width: Width in the same unit.
        alt: Text that describes the picture.
    """

    url: str
    height: int
    width: int
    alt: str


@dataclass(frozen=True)
class _Box:
    """The drawing's viewBox, in input pixels."""

    left: float
    top: float
    width: float
    height: float

    @property
    def extent(self) -> float:
        return max(self.width, self.height)


def render_field_view(spec_text: str, options: Mapping[str, str], image: Image, *, view_id: str) -> str:
    """Return the field view's figure as HTML, one element per line and no blank line.

    Raises:
        RFError: as `rf_core.field_view.prepare` does, or the id is invalid, or
            the picture's aspect ratio differs from the input's.
    """
    if not _ID_PATTERN.match(view_id):
        raise RFError(f"field view id {view_id!r} is invalid; start with a letter and use letters, digits, '-' or '_'")
    view = prepare(spec_text, options, view_id=view_id)
    height, width = view.input_size
    if image.width * height != image.height * width:
        raise RFError(
            f"the picture is {image.width} × {image.height} pixels but the input is {width} × {height}; "
            "use a picture with the input's aspect ratio, or set input= to match it"
        )
    layer = view.layers[view.layer]
    data = view_data(view)
    return "\n".join(
        [
            f'<figure class="rf-field-view" id="{escape(view_id)}" data-rf-field-view="{escape(_compact_json(data))}">',
            *_controls(view),
            f'<div class="rf-field-view__grid" role="group" aria-label="Units of the chosen layer over the picture" '
            f'aria-describedby="{escape(view_id)}-help">',
            *_svg(view, image, data["layers"][view.layer]),
            "</div>",
            f'<p class="rf-field-view__help" id="{escape(view_id)}-help" hidden>{escape(HELP)}</p>',
            f'<p class="rf-field-view__status" role="status" aria-live="polite">{escape(describe_unit(layer, *view.unit))}</p>',
            f'<p class="rf-field-view__no-script">{escape(NO_SCRIPT)}</p>',
            *_legend(),
            "</figure>",
        ]
    )


def view_data(view: FieldView) -> dict:
    """Return the numbers that rf-field-view.js looks up, as JSON-ready values.

    For each layer: its name, and per axis (`rows`, `columns`) the unclipped
    interval, the clipped interval (null when no pixel reaches the unit) and
    the centre of every unit. Drawing sizes come with them: the viewBox that
    shows the picture and every unclipped field of the layer, the diameters of
    the dots and their halos, and the radius of the ring at the field centre.
    """
    layers = []
    for layer in view.layers:
        box = _view_box(layer, view.input_size)
        dot = _dot_size(layer, box)
        layers.append(
            {
                "name": layer.name,
                "rows": _axis_data(layer.rows),
                "columns": _axis_data(layer.columns),
                "view": [box.left, box.top, box.width, box.height],
                "dot": dot,
                "halo": round(dot * HALO, 2),
                "ring": round(box.extent * RING, 2),
            }
        )
    return {"layers": layers, "layer": view.layer, "unit": list(view.unit)}


def _axis_data(units) -> dict:
    return {
        "interval": [list(span) for span in units.intervals],
        "clipped": [list(span) if span is not None else None for span in units.clipped],
        "centre": [_json_number(centre) for centre in units.centres],
    }


def _json_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _view_box(layer: ViewLayer, input_size: tuple[int, int]) -> _Box:
    """Return a box that contains the picture and every unclipped field of the layer.

    Each layer gets its own box, so the picture is drawn as large as the
    layer's fields allow, and shrinks when a deep layer's fields reach far
    beyond it.
    """
    height, width = input_size
    top = min(0, *(span[0] for span in layer.rows.intervals))
    bottom = max(height, *(span[1] + 1 for span in layer.rows.intervals))
    left = min(0, *(span[0] for span in layer.columns.intervals))
    right = max(width, *(span[1] + 1 for span in layer.columns.intervals))
    margin = round(max(bottom - top, right - left) * MARGIN, 2)
    return _Box(
        round(left - margin, 2),
        round(top - margin, 2),
        round(right - left + 2 * margin, 2),
        round(bottom - top + 2 * margin, 2),
    )


def _dot_size(layer: ViewLayer, box: _Box) -> float:
    """Return the dot diameter, so that dots with their halos stay apart."""
    gaps = [
        later - earlier
        for centres in (layer.rows.centres, layer.columns.centres)
        for earlier, later in zip(centres, centres[1:])
        if later > earlier
    ]
    spacing = min(gaps) if gaps else box.extent
    return round(min(spacing * DOT_SPACING, box.extent * MAX_DOT), 2)


def _controls(view: FieldView) -> list[str]:
    options = []
    for position, layer in enumerate(view.layers):
        selected = " selected" if position == view.layer else ""
        options.append(f'<option value="{position}"{selected}>{escape(layer.menu_label())}</option>')
    return [
        '<div class="rf-field-view__controls" hidden>',
        f'<label for="{escape(view.view_id)}-layer">Layer</label>',
        f'<select id="{escape(view.view_id)}-layer" class="rf-field-view__layer">{"".join(options)}</select>',
        "</div>",
    ]


def _svg(view: FieldView, image: Image, layer_data: dict) -> list[str]:
    height, width = view.input_size
    layer = view.layers[view.layer]
    row, column = view.unit
    title_id, desc_id = f"{view.view_id}-title", f"{view.view_id}-desc"
    description = (
        f"{image.alt} Dots mark the units of the chosen layer. The selected unit's field is filled where it "
        "covers the picture, its unclipped extent, which can reach beyond the picture, is dashed, and a ring "
        "marks its centre."
    )

    box = _Box(*layer_data["view"])
    body = SvgWriter()
    body.rect(box.left, box.top, box.width, box.height, "rf-fv-outside")
    # Links are written as xlink:href, because mkdocs-material 9.8.1 reassigns the
    # `href` property of every element with an `href` attribute, which throws on
    # SVG elements and stops its instant navigation.
    body.element("image", **{"xlink:href": image.url}, x=0, y=0, width=width, height=height, preserveAspectRatio="none")
    body.rect(0, 0, width, height, "rf-fv-frame")
    # The grid is drawn twice, a wide dark halo under light dots, from one path.
    units_id = f"{view.view_id}-units"
    body.open("defs")
    body.element("path", d=_grid_path(layer), id=units_id, class_="rf-fv-grid")
    body.close("defs")
    body.element("use", **{"xlink:href": f"#{units_id}"}, class_="rf-fv-units rf-fv-units--halo", stroke_width=layer_data["halo"])
    body.element("use", **{"xlink:href": f"#{units_id}"}, class_="rf-fv-units", stroke_width=layer_data["dot"])

    (top, bottom), (left, right) = layer.rows.intervals[row], layer.columns.intervals[column]
    clipped_rows, clipped_columns = layer.rows.clipped[row], layer.columns.clipped[column]
    if clipped_rows is not None and clipped_columns is not None:
        body.rect(*_span_rect(clipped_rows, clipped_columns), "rf-fv-clipped")
    else:
        body.element("rect", x=0, y=0, width=0, height=0, class_="rf-fv-clipped", display="none")
    for css_class in ("rf-fv-unclipped rf-fv-unclipped--halo", "rf-fv-unclipped"):
        body.rect(*_span_rect((top, bottom), (left, right)), css_class)
    centre_x, centre_y = layer.columns.centres[column] + 0.5, layer.rows.centres[row] + 0.5
    for css_class in ("rf-fv-centre rf-fv-centre--halo", "rf-fv-centre"):
        body.element("circle", cx=centre_x, cy=centre_y, r=layer_data["ring"], class_=css_class)

    svg_attributes = (
        f'xmlns="{SVG_NAMESPACE}" class="rf-field-view__svg" '
        f'viewBox="{number(box.left)} {number(box.top)} {number(box.width)} {number(box.height)}" '
        f'role="img" aria-labelledby="{escape(title_id)}" aria-describedby="{escape(desc_id)}"'
    )
    return [
        f"<svg {svg_attributes}>",
        f'<title id="{escape(title_id)}">Unit grid and receptive field on the picture</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
        *body.lines,
        "</svg>",
    ]


def _grid_path(layer: ViewLayer) -> str:
    """Return one path with a zero-length segment at every unit centre; round caps make them dots.

    Each row starts with an absolute move and steps to the next dot with a
    relative one, which keeps the path short for layers with many units.
    """
    columns = layer.columns.centres
    steps = "".join(f"m{number(later - earlier)} 0h0" for earlier, later in zip(columns, columns[1:]))
    return "".join(f"M{number(columns[0] + 0.5)} {number(row + 0.5)}h0{steps}" for row in layer.rows.centres)


def _span_rect(rows: tuple[int, int], columns: tuple[int, int]) -> tuple[int, int, int, int]:
    """Return x, y, width and height of the pixels rows × columns, pixel p spanning [p, p + 1)."""
    return columns[0], rows[0], columns[1] - columns[0] + 1, rows[1] - rows[0] + 1


#: Legend entries: (CSS class of the swatch, drawn as a dot, a box, a dashed box or a ring; label).
_LEGEND = (
    ("rf-fv-units", "dot", "unit centre"),
    ("rf-fv-clipped", "box", "field of the selected unit, on the picture"),
    ("rf-fv-unclipped", "dashed", "field, unclipped"),
    ("rf-fv-centre", "ring", "field centre"),
    ("rf-fv-outside", "box", "outside the picture"),
)


def _legend() -> list[str]:
    lines = ['<ul class="rf-field-view__legend">']
    for css_class, shape, label in _LEGEND:
        if shape == "dot":
            mark = f'<path d="M7 7h0" class="{css_class} rf-fv-units--halo" stroke-width="8"/><path d="M7 7h0" class="{css_class}" stroke-width="5"/>'
        elif shape == "dashed":
            mark = (
                f'<rect x="2" y="2" width="10" height="10" class="{css_class} rf-fv-unclipped--halo"/>'
                f'<rect x="2" y="2" width="10" height="10" class="{css_class}"/>'
            )
        elif shape == "ring":
            mark = f'<circle cx="7" cy="7" r="4.5" class="{css_class} rf-fv-centre--halo"/><circle cx="7" cy="7" r="4.5" class="{css_class}"/>'
        else:
            mark = f'<rect x="1.5" y="1.5" width="11" height="11" class="{css_class}"/>'
        lines.append(
            f'<li><svg class="rf-field-view__swatch" viewBox="0 0 14 14" aria-hidden="true" focusable="false">{mark}</svg>'
            f"{escape(label)}</li>"
        )
    lines.append("</ul>")
    return lines


def _compact_json(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
