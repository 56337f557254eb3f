"""Diagrams drawn under a calculator's table by rf_core.widget, at build time and in the browser."""

from __future__ import annotations

import json
import re

from rf_core.diagrams import render
from rf_core.widget import render_calculator, render_calculator_json

# conv k=3 p=1: r = 3, S = 1, P = 1. conv k=3 s=2 p=1: r = 3 + 2 * 1 = 5, S = 2,
# P = 1 + 1 * 1 = 2. conv k=3 d=2 p=2 spans K = 5: r = 5 + 4 * 2 = 13, S = 2,
# P = 2 + 2 * 2 = 6. Unit i of conv3 has the field [-6 + 2i, 6 + 2i].
STACK_SPEC = "input 16\nconv k=3 p=1 name=conv1\nconv k=3 s=2 p=1 name=conv2\nconv k=3 d=2 p=2 name=conv3"
STACK_DIAGRAM = {"kind": "stack", "layer": "", "axis": "", "id": "rf-calc-1-diagram"}


def read_input_units(diagram_html: str) -> list[int]:
    """Return the input positions (not padding) that a stack diagram marks as read."""
    return [int(unit) for unit in re.findall(r'class="rf-dg-read" data-layer="0" data-unit="(\d+)"', diagram_html)]


def input_positions(diagram_html: str) -> list[int]:
    """Return the input positions of a stack diagram, without padding."""
    circles = re.findall(r'<circle [^>]*class="([^"]*)" data-layer="0" data-unit="(-?\d+)"', diagram_html)
    return [int(unit) for classes, unit in circles if "pad" not in classes]


def test_diagram_matches_direct_render() -> None:
    result = render_calculator(STACK_SPEC, "", "2", diagram=STACK_DIAGRAM)

    assert result.ok
    assert result.diagram_error is None
    expected = render("stack", STACK_SPEC, {"unit": "2", "id": "rf-calc-1-diagram"})
    assert "\n" in expected
    assert result.diagram_html == expected.replace("\n", " ")


def test_diagram_draws_calculator_unit() -> None:
    result = render_calculator(STACK_SPEC, "", "5", diagram=STACK_DIAGRAM)

    # Unit 5 of conv3 has the field [4, 16]; input 16 ends at 15, so 4 to 15 are read
    # (the dilation holes of conv3 are filled by conv2 and conv1, whose fields overlap).
    assert read_input_units(result.diagram_html) == list(range(4, 16))


def test_diagram_uses_input_size_field() -> None:
    result = render_calculator(STACK_SPEC, "8", "0", diagram=STACK_DIAGRAM)

    # Input 8 overrides the spec's 16: the input row has positions 0 to 7, then padding.
    assert input_positions(result.diagram_html) == list(range(8))
    expected = render("stack", STACK_SPEC, {"unit": "0", "input": "8", "id": "rf-calc-1-diagram"})
    assert result.diagram_html == expected.replace("\n", " ")


def test_diagram_layer_and_axis_options() -> None:
    diagram = {"kind": "holes", "layer": "conv2", "axis": "height", "id": "d1"}
    result = render_calculator("input 16x12\nconv k=3 name=conv1\nconv k=3 d=2 name=conv2", "", "1", diagram=diagram)

    expected = render("holes", "input 16x12\nconv k=3 name=conv1\nconv k=3 d=2 name=conv2",
                      {"layer": "conv2", "axis": "height", "unit": "1", "id": "d1"})
    assert result.diagram_html == expected.replace("\n", " ")


def test_too_large_input_keeps_table() -> None:
    result = render_calculator(STACK_SPEC, "300", "0", diagram=STACK_DIAGRAM)

    assert result.ok
    # conv1 keeps the size: 300 units.
    assert "<td>300</td>" in result.html
    assert result.diagram_html is None
    assert "at most 128 input pixels" in result.diagram_error


def test_missing_input_size_reported() -> None:
    result = render_calculator("conv k=3\nconv k=3", "", "", diagram=STACK_DIAGRAM)

    assert result.ok
    assert "need an input size" in result.diagram_error


def test_unknown_layer_reported() -> None:
    diagram = {**STACK_DIAGRAM, "layer": "conv9"}
    result = render_calculator(STACK_SPEC, "", "", diagram=diagram)

    assert result.ok
    assert "conv9" in result.diagram_error


def test_invalid_spec_has_no_diagram() -> None:
    result = render_calculator("input 8\nconv k=0", "", "", diagram=STACK_DIAGRAM)

    assert not result.ok
    assert result.diagram_html is None
    assert result.diagram_error is None
    assert "diagram" not in result.to_dict()


def test_no_diagram_without_request() -> None:
    result = render_calculator(STACK_SPEC, "", "2")

    assert result.diagram_html is None
    assert "diagram" not in result.to_dict()


def test_json_reply_carries_diagram() -> None:
    request = {"spec": STACK_SPEC, "input_size": "", "unit": "3", "diagram": STACK_DIAGRAM}
    reply = json.loads(render_calculator_json(json.dumps(request)))

    assert reply["ok"] is True
    expected = render("stack", STACK_SPEC, {"unit": "3", "id": "rf-calc-1-diagram"})
    assert reply["diagram"] == {"html": expected.replace("\n", " ")}


def test_json_reply_carries_diagram_error() -> None:
    request = {"spec": STACK_SPEC, "input_size": "200", "unit": "", "diagram": STACK_DIAGRAM}
    reply = json.loads(render_calculator_json(json.dumps(request)))

    assert reply["ok"] is True
    assert set(reply["diagram"]) == {"error"}
    assert "at most 128 input pixels" in reply["diagram"]["error"]


def test_json_diagram_must_be_object_of_strings() -> None:
    for diagram in ("stack", ["stack"], {"kind": 3}):
        request = {"spec": STACK_SPEC, "diagram": diagram}
        reply = json.loads(render_calculator_json(json.dumps(request)))

        assert reply["ok"] is False
        assert "diagram must be an object of strings" in reply["error"]["message"]


def test_json_unknown_diagram_kind_or_key() -> None:
    bad_kind = json.loads(render_calculator_json(json.dumps({"spec": STACK_SPEC, "diagram": {"kind": "pie"}})))
    bad_key = json.loads(
        render_calculator_json(json.dumps({"spec": STACK_SPEC, "diagram": {"kind": "stack", "colour": "red"}}))
    )

    assert "'pie' is unknown" in bad_kind["diagram"]["error"]
    assert "'colour' is unknown" in bad_key["diagram"]["error"]

