"""Structure of the generated diagrams: well-formed markup, accessible names, and
highlighted cells that equal rf_core's intervals and exact tap sets."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from rf_core import RFError, analyze, parse_spec
from rf_core.diagram_geometry import trace_units
from rf_core.diagrams import KINDS, render

SVG = "{http://www.w3.org/2000/svg}"


def parse(html_text: str) -> ET.Element:
    """Parse a rendered diagram; the whole figure is well-formed XML."""
    return ET.fromstring(html_text)


def svg_of(figure: ET.Element) -> ET.Element:
    svg = figure.find(f".//{SVG}svg")
    assert svg is not None
    return svg


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def frame(figure: ET.Element, number: int) -> ET.Element:
    found = [g for g in svg_of(figure).iter(f"{SVG}g") if g.get("data-frame") == str(number)]
    assert len(found) == 1
    return found[0]


def positions(element: ET.Element, css_class: str) -> list[int]:
    return sorted(int(rect.get("data-position")) for rect in element.iter(f"{SVG}rect") if css_class in classes(rect))


SAMPLES = {
    "frames": ("input 7\nconv k=3 s=2 p=1", {}),
    "stack": ("input 16\nconv k=3 p=1\nconv k=3 s=2 p=1", {"unit": "2"}),
    "overlay": ("input 12x12\nconv k=3 p=1\nconv k=3 s=2 p=1", {"unit": "0,2"}),
    "erf": ("input 12\nconv k=3\nconv k=3", {"unit": "4"}),
    "holes": ("input 16\nconv k=3 d=2\nconv k=3 d=2", {"unit": "2"}),
    "erf-growth": ("input 13\nconv k=3\nconv k=3\nconv k=3", {}),
}


@pytest.mark.parametrize("kind", KINDS)
def test_diagram_is_labelled_image(kind: str) -> None:
    spec, options = SAMPLES[kind]
    figure = parse(render(kind, spec, dict(options, id="sample")))
    svg = svg_of(figure)
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")

    assert figure.get("id") == "sample"
    assert svg.get("role") == "img"
    assert svg.get("width") == "100%"
    assert svg.get("viewBox", "").startswith("0 0 ")
    assert title is not None and title.text
    assert desc is not None and desc.text
    assert svg.get("aria-labelledby") == title.get("id")
    assert svg.get("aria-describedby") == desc.get("id")


@pytest.mark.parametrize("kind", KINDS)
def test_diagram_has_no_fixed_colours(kind: str) -> None:
    spec, options = SAMPLES[kind]
    html_text = render(kind, spec, options)
    for attribute in (' fill="#', ' stroke="#', "black", "white", "style="):
        assert attribute not in html_text


def test_render_is_deterministic() -> None:
    spec, options = SAMPLES["stack"]
    assert render("stack", spec, options) == render("stack", spec, options)


def test_frames_padding_taps() -> None:
    figure = parse(render("frames", "input 7\nconv k=3 s=2 p=1", {"unit": "1"}))
    # Output size floor((7 + 1 + 1 - 3) / 2) + 1 = 4; unit i reads 2i - 1, 2i, 2i + 1.
    assert len(svg_of(figure).findall(f"{SVG}g")) == 4
    for unit in range(4):
        assert positions(frame(figure, unit), "rf-dg-read") == [2 * unit - 1, 2 * unit, 2 * unit + 1]
    # Padding 1 on each side: positions -1 and 7.
    assert positions(svg_of(figure), "rf-dg-pad") == [-1, 7]
    # Only the requested frame is shown without JavaScript.
    assert frame(figure, 1).get("display") is None
    assert frame(figure, 0).get("display") == "none"
    assert frame(figure, 0).get("data-caption") == "Unit 0 reads positions -1 to 1 (padding: -1)."


def test_frames_controls_hidden_without_script() -> None:
    figure = parse(render("frames", "input 7\nconv k=3 s=2 p=1", {"unit": "1", "id": "demo"}))
    controls = figure.find(".//div[@class='rf-diagram__controls']")
    step = figure.find(".//input[@id='demo-step']")

    assert controls is not None and controls.get("hidden") == "hidden"
    assert step is not None
    assert (step.get("min"), step.get("max"), step.get("value")) == ("0", "3", "1")
    assert figure.find(".//p[@class='rf-diagram__note rf-diagram__no-script']") is not None


def test_frames_same_padding_split() -> None:
    figure = parse(render("frames", "input 8\nconv k=3 s=2 p=same", {}))
    # TensorFlow same: ceil(8 / 2) = 4 units, total (4 - 1) 2 + 3 - 8 = 1, so 0 before and 1 after.
    assert positions(svg_of(figure), "rf-dg-pad") == [8]
    assert positions(frame(figure, 3), "rf-dg-read") == [6, 7, 8]


def test_frames_stride_unread_pixels() -> None:
    figure = parse(render("frames", "input 9\nconv k=2 s=3", {}))
    # Windows [0, 1], [3, 4], [6, 7]; floor((9 - 2) / 3) + 1 = 3 units leave 2, 5 and 8 unread.
    assert positions(svg_of(figure), "rf-dg-unread") == [2, 5, 8]


def test_frames_dilation_skipped_cells() -> None:
    figure = parse(render("frames", "input 9\nconv k=3 d=2 p=2", {}))
    # Unit 2's window starts at 2 - 2 = 0 and taps 0, 2, 4, skipping 1 and 3.
    assert positions(frame(figure, 2), "rf-dg-read") == [0, 2, 4]
    assert positions(frame(figure, 2), "rf-dg-skipped") == [1, 3]


def test_frames_ceil_drops_last_window() -> None:
    html_text = render("frames", "input 5\nmaxpool k=2 s=2 p=1 ceil", {})
    figure = parse(html_text)
    # ceil((5 + 1 + 1 - 2) / 2) + 1 = 4, but window 3 starts at 3 * 2 - 1 = 5 >= 5, in the
    # padding after the input, so PyTorch drops it: 3 units.
    assert len(svg_of(figure).findall(f"{SVG}g")) == 3
    dropped = [rect for rect in svg_of(figure).iter(f"{SVG}rect") if "rf-dg-dropped" in classes(rect)]
    assert [rect.get("data-span") for rect in dropped] == ["5 6"]
    assert "window 3 would start at position 5" in html_text


def test_frames_ceil_window_past_padding() -> None:
    figure = parse(render("frames", "input 5\nmaxpool k=2 s=2 ceil", {}))
    # ceil((5 - 2) / 2) + 1 = 3 units; window 2 starts at 4, inside, and reaches 5, beyond.
    assert positions(frame(figure, 2), "rf-dg-read") == [4, 5]
    assert positions(svg_of(figure), "rf-dg-overhang") == [5]


def test_frames_transposed_output_larger() -> None:
    figure = parse(render("frames", "input 5\nconvt k=4 s=2 p=1", {}))
    outputs = [rect for rect in svg_of(figure).iter(f"{SVG}rect") if classes(rect) == {"rf-dg-cell"} and rect.get("data-unit")]
    # (5 - 1) 2 - 1 - 1 + 4 = 10 output units from 5 inputs.
    assert len(outputs) == 10
    # Output o gets input i through tap j when o = 2 i - 1 + j: o = 4 takes i = 2 (j = 1) and i = 1 (j = 3).
    assert positions(frame(figure, 4), "rf-dg-read") == [1, 2]


def test_frames_2d_window_cells() -> None:
    figure = parse(render("frames", "input 5x5\nconv k=3 s=2 p=1", {"unit": "1,2"}))
    shown = frame(figure, 1 * 3 + 2)
    cells = sorted(
        (int(rect.get("data-row")), int(rect.get("data-column")))
        for rect in shown.iter(f"{SVG}rect")
        if "rf-dg-read" in classes(rect)
    )
    # Rows 2 * 1 - 1 .. + 2 = 1..3 and columns 2 * 2 - 1 .. + 2 = 3..5 (5 is padding).
    assert cells == [(row, column) for row in (1, 2, 3) for column in (3, 4, 5)]


def test_stack_highlights_exact_units() -> None:
    spec = "input 16\nconv k=3 p=1\nconv k=3 s=2 p=1\nconv k=3 d=2 p=2"
    analysis = analyze(parse_spec(spec))
    figure = parse(render("stack", spec, {"unit": "2"}))
    highlighted: dict[int, list[int]] = {}
    for circle in svg_of(figure).iter(f"{SVG}circle"):
        if classes(circle) == {"rf-dg-read"}:
            highlighted.setdefault(int(circle.get("data-layer")), []).append(int(circle.get("data-unit")))
    trace = trace_units(analysis, 3, 2)

    # Layer 3 (d=2, p=2) unit 2 reads layer 2 units 0, 2, 4; each reads layer 1 units
    # 2u - 1 .. 2u + 1, so -1 (padding), 0..1, 3..5, 7..9; each reads itself and its neighbours.
    assert highlighted[2] == [0, 2, 4]
    assert highlighted[1] == [0, 1, 3, 4, 5, 7, 8, 9]
    assert highlighted[0] == list(range(0, 11))
    for layer in (0, 1, 2):
        assert highlighted[layer] == list(trace.units[layer])
    assert trace.padding[1] == (-1,)
    # The traced input span equals the clipped interval of the unit.
    assert (min(highlighted[0]), max(highlighted[0])) == analysis.unit_field(3, [2]).clipped[0]


def test_stack_rejects_graphs() -> None:
    spec = "input 8\nconv k=3 p=1 name=a\nconv k=1 from=input name=b\nadd from=a,b"
    with pytest.raises(RFError, match="chains"):
        render("stack", spec, {})


def test_holes_match_tap_set() -> None:
    figure = parse(render("holes", "input 16\nconv k=3 d=2\nconv k=3 d=2", {"unit": "2"}))
    # Two layers with d=2: r = 1 + 4 + 4 = 9, S = 1, P = 0, so unit 2's field is [2, 10].
    # It reads 2 + 2 (t1 + t2) for taps t1, t2 in {0, 1, 2}: the even pixels only.
    assert positions(svg_of(figure), "rf-dg-read") == [2, 4, 6, 8, 10]
    assert positions(svg_of(figure), "rf-dg-hole") == [3, 5, 7, 9]


def test_holes_show_padding_in_field() -> None:
    figure = parse(render("holes", "input 12\nconv k=3 d=2 p=2\nconv k=3 d=2 p=2", {"unit": "0"}))
    # Unit 0's field is [-4, 4]: padding -4..-1, read pixels 0, 2, 4, holes 1 and 3.
    assert positions(svg_of(figure), "rf-dg-pad") == [-4, -3, -2, -1]
    assert positions(svg_of(figure), "rf-dg-read") == [0, 2, 4]
    assert positions(svg_of(figure), "rf-dg-hole") == [1, 3]


def test_overlay_rectangles_equal_unit_field() -> None:
    spec = "input 16x16\nconv k=3 p=1\nconv k=3 s=2 p=1\nconv k=3 p=1\nconv k=3 p=1"
    figure = parse(render("overlay", spec, {"unit": "0,3"}))
    rects = {next(iter(classes(rect))): rect for rect in svg_of(figure).iter(f"{SVG}rect") if rect.get("data-rows")}
    # r = 3, 5, 5 + 2 * 2 = 9, 9 + 2 * 2 = 13; S = 2; P = 1, 2, 2 + 2, 4 + 2 = 6. Unit 3 spans
    # columns -6 + 3 * 2 = 0 to 12 and unit 0 spans rows -6 to 6, clipped to rows 0 to 6.
    assert rects["rf-dg-field-unclipped"].get("data-rows") == "-6 6"
    assert rects["rf-dg-field-unclipped"].get("data-columns") == "0 12"
    assert rects["rf-dg-field-clipped"].get("data-rows") == "0 6"
    assert rects["rf-dg-field-clipped"].get("data-columns") == "0 12"


def test_overlay_rejects_1d() -> None:
    with pytest.raises(RFError, match="2-D"):
        render("overlay", "input 8\nconv k=3", {})


def test_erf_cells_equal_path_counts() -> None:
    figure = parse(render("erf", "input 7\nconv k=3\nconv k=3", {"unit": "2"}))
    counts = {int(rect.get("data-column")): int(rect.get("data-count")) for rect in svg_of(figure).iter(f"{SVG}rect") if rect.get("data-count")}
    # Two 3-wide boxes: counts 1, 2, 3, 2, 1 over pixels 2..6.
    assert counts == {2: 1, 3: 2, 4: 3, 5: 2, 6: 1}


def test_erf_legend_lists_each_count_once() -> None:
    # Windows of 3 every 2 pixels, summed by the global pooling: the peak is 2 x 2 = 4.
    # Five legend steps of 4 / 5 round to 1, 2, 2, 3 and 4, so 2 would appear twice.
    html_text = render("erf", "input 9x9\nconv k=3 s=2\nglobalpool", {"unit": "0,0"})
    legend = html_text[html_text.index("rf-diagram__legend--scale") :]
    items = [item.split("</svg>")[1] for item in legend.split("</li>")[:-1]]

    assert items == ["1 path", "2 paths", "3 paths", "4 paths"]
    assert "the stronger the colour, the more paths (maximum 4)" in html_text


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("pie", {}, "diagram kind 'pie' is unknown"),
        ("frames", {"colour": "red"}, "diagram option 'colour' is unknown"),
        ("frames", {"unit": "9"}, "unit 9 on axis 1 is out of range"),
        ("frames", {"layer": "7"}, "layer 7 does not exist"),
        ("frames", {"axis": "depth"}, "axis 'depth' is invalid"),
        ("frames", {"id": "1bad"}, "diagram id '1bad' is invalid"),
    ],
)
def test_render_rejects_invalid_request(kind: str, options: dict, message: str) -> None:
    with pytest.raises(RFError, match=message):
        render(kind, "input 7\nconv k=3 s=2 p=1", options)


def test_render_needs_input_size() -> None:
    with pytest.raises(RFError, match="input size"):
        render("frames", "conv k=3", {})


def test_frames_reject_merge_layer() -> None:
    spec = "input 8\nconv k=3 p=1 name=a\nadd from=a,input"
    with pytest.raises(RFError, match="merges inputs"):
        render("frames", spec, {})


def test_frames_reject_large_input() -> None:
    with pytest.raises(RFError, match="at most 48 positions"):
        render("frames", "input 100\nconv k=3", {})
