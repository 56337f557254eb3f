"""Rendering of analyses (JSON, CSV, Markdown, text, HTML) and the calculator widget's replies."""

from __future__ import annotations

import csv
import html
import io
import json

import pytest

from rf_core import AxisParams, Layer, Network, analyze, parse_spec
from rf_core.render import to_csv, to_html, to_json, to_markdown, to_text
from rf_core.widget import render_calculator, render_calculator_json

# conv k=3 p=1 on 8x10: out 8x10, r = 3, S = 1, P = 1, start = -1 + (3 - 1) / 2 = 0.
# maxpool k=2 s=2: out 4x5, r = 3 + 1 * 1 = 4, S = 2, P = 1 + 0 = 1,
# start = -1 + (4 - 1) / 2 = 0.5.
SMALL_SPEC = "input 8x10\nconv k=3 p=1\nmaxpool k=2 s=2"

# Stride-2 `same` padding without an input size leaves P and start unknown.
UNKNOWN_SPEC = "conv k=3 s=2 p=same\nconv k=3"

LAYER_KEYS = {
    "name",
    "kind",
    "output_size",
    "receptive_field",
    "effective_stride",
    "effective_padding",
    "start",
    "unknown",
    "notes",
}


def render_json(spec: str) -> dict:
    return json.loads(to_json(analyze(parse_spec(spec))))


def test_json_document_shape():
    document = render_json(SMALL_SPEC)

    # Besides "layers", to_json also writes "input_size" and a per-layer
    # "unknown" map of reasons, and this test pins both.
    assert set(document) == {"input_size", "layers"}
    assert document["input_size"] == [8, 10]
    assert len(document["layers"]) == 2
    for layer in document["layers"]:
        assert set(layer) == LAYER_KEYS


def test_json_values_per_axis():
    conv, pool = render_json(SMALL_SPEC)["layers"]

    assert conv == {
        "name": "conv1",
        "kind": "conv",
        "output_size": [8, 10],
        "receptive_field": [3, 3],
        "effective_stride": [1, 1],
        "effective_padding": [1, 1],
        "start": [0, 0],
        "unknown": {},
        "notes": [],
    }
    assert pool == {
        "name": "maxpool1",
        "kind": "maxpool",
        "output_size": [4, 5],
        "receptive_field": [4, 4],
        "effective_stride": [2, 2],
        "effective_padding": [1, 1],
        "start": [0.5, 0.5],
        "unknown": {},
        "notes": [],
    }


def test_json_whole_start_is_integer():
    conv = render_json(SMALL_SPEC)["layers"][0]

    assert all(isinstance(value, int) for value in conv["start"])


def test_json_null_where_unknown():
    document = render_json(UNKNOWN_SPEC)
    first, second = document["layers"]

    assert document["input_size"] is None
    assert first["output_size"] == [None]
    assert first["effective_padding"] == [None]
    assert first["start"] == [None]
    # r = 3, then 3 + (3 - 1) * 2 = 7, and S = 2 for both.
    assert first["receptive_field"] == [3]
    assert second["receptive_field"] == [7]
    assert second["effective_stride"] == [2]
    assert set(second["unknown"]) == {"output_size", "effective_padding", "start"}
    assert "layer 1 (conv1)" in second["unknown"]["start"]


def expected_cells(layer: dict) -> list[str]:
    """Return a JSON layer's numbers as the text formats should show them."""

    def number(value) -> str:
        return "?" if value is None else str(value)

    keys = ("output_size", "receptive_field", "effective_stride", "effective_padding", "start")
    return [layer["name"], layer["kind"]] + ["x".join(number(value) for value in layer[key]) for key in keys]


def csv_rows(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "index",
        "name",
        "kind",
        "output_size",
        "receptive_field",
        "effective_stride",
        "effective_padding",
        "start",
    ]
    return [row[1:] for row in rows[1:]]


def markdown_rows(text: str) -> list[list[str]]:
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert set(lines[1]) == set("|-:")
    return [[cell.strip() for cell in line.strip("|").split("|")][1:] for line in lines[2:]]


def table_rows(text: str, count: int) -> list[list[str]]:
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["#", "Name", "Kind"]
    return [line.split()[1:] for line in lines[1 : 1 + count]]


FORMAT_SPECS = [
    SMALL_SPEC,
    UNKNOWN_SPEC,
    "input 31\nconv k=7 s=2 p=3\nmaxpool k=3 s=2 p=1 ceil\nconv k=3 d=2",
    "input 100x200\nconv k=3x1 s=2x1\nrelu\nconv k=3",
]


@pytest.mark.parametrize("spec", FORMAT_SPECS)
def test_text_formats_agree_with_json(spec):
    analysis = analyze(parse_spec(spec))
    expected = [expected_cells(layer) for layer in json.loads(to_json(analysis))["layers"]]

    assert csv_rows(to_csv(analysis)) == expected
    assert markdown_rows(to_markdown(analysis)) == expected
    assert table_rows(to_text(analysis), len(expected)) == expected


def test_text_formats_keep_large_half_pixel_start():
    # r = 2000000, P = 0: start = (2000000 - 1) / 2 = 999999.5
    analysis = analyze(parse_spec("conv k=2000000"))
    expected = [expected_cells(layer) for layer in json.loads(to_json(analysis))["layers"]]

    assert expected[0][-1] == "999999.5"
    assert csv_rows(to_csv(analysis)) == expected
    assert markdown_rows(to_markdown(analysis)) == expected
    assert table_rows(to_text(analysis), 1) == expected


def test_unknown_reasons_listed_in_text_formats():
    analysis = analyze(parse_spec(UNKNOWN_SPEC))

    assert "p=same with stride 2" in to_markdown(analysis)
    assert "p=same with stride 2" in to_text(analysis)


def test_markdown_escapes_pipe_in_name():
    network = Network((Layer("conv", (AxisParams(kernel=3),), name="a|b"),), (8,))

    row = to_markdown(analyze(network)).splitlines()[2]
    assert "a\\|b" in row


def test_csv_quotes_comma_in_name():
    network = Network((Layer("conv", (AxisParams(kernel=3),), name="a,b"),), (8,))

    assert csv_rows(to_csv(analyze(network)))[0][0] == "a,b"


def test_html_table_values_and_unit_field():
    page = to_html(analyze(parse_spec(SMALL_SPEC)))

    assert page.startswith('<table class="rf-table">')
    assert "<td>4x5</td>" in page
    assert "<td>0.5x0.5</td>" in page
    # Unit 0 of the conv: u = -1, v = 1 on both axes, clipped to 0..1.
    assert "[-1, 1] x [-1, 1]" in page
    assert "clipped: [0, 1] x [0, 1]" in page
    # Unit 0 of the pool: u = -1 + 0 = -1, v = -1 + 4 - 1 = 2.
    assert "[-1, 2] x [-1, 2]" in page


def test_html_unit_out_of_range_shows_dash():
    # Unit 6 exists in the 8x10 conv but not in the 4x5 pool.
    page = to_html(analyze(parse_spec(SMALL_SPEC)), (6,))

    assert "Field of unit 6" in page
    assert '<span class="rf-none" title="This layer has 4x5 units.">-</span>' in page


def test_html_unknown_values_carry_escaped_reason():
    analysis = analyze(parse_spec(UNKNOWN_SPEC))
    page = to_html(analysis)
    reason = analysis.layers[0].axes[0].unknown["output_size"]

    assert "'input'" in reason
    assert f'title="{html.escape(reason)}"' in page
    assert '<ul class="rf-notes">' in page


def test_html_escapes_layer_name():
    name = '<img src=x onerror="alert(1)">'
    network = Network((Layer("conv", (AxisParams(kernel=3, stride=2),), padding_mode="same", name=name),))
    page = to_html(analyze(network))

    # The name appears in its own cell and inside the unknown-padding reason.
    assert "<img" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_calculator_matches_direct_render():
    result = render_calculator(SMALL_SPEC, "", "1")

    assert result.ok
    assert result.html == to_html(analyze(parse_spec(SMALL_SPEC)), (1,))


def test_calculator_json_valid_request():
    request = json.dumps({"spec": SMALL_SPEC, "input_size": "16x16", "unit": "1,2"})
    reply = json.loads(render_calculator_json(request))

    assert reply["ok"] is True
    assert set(reply) == {"ok", "html"}
    assert "Field of unit 1,2" in reply["html"]
    # 16x16 overrides 8x10: conv out 16x16, pool 8x8.
    assert "<td>8x8</td>" in reply["html"]


def test_calculator_json_spec_error():
    request = json.dumps({"spec": "input 8\nconv k=3 s=0"})
    reply = json.loads(render_calculator_json(request))

    assert reply["ok"] is False
    assert reply["error"]["line"] == 2
    assert reply["error"]["column"] == 10
    assert "stride 0" in reply["error"]["message"]


def test_calculator_json_output_size_error():
    reply = json.loads(render_calculator_json(json.dumps({"spec": "input 5\nconv k=3\nconv k=3\nconv k=3"})))

    assert reply["ok"] is False
    assert reply["error"]["line"] == 4
    assert "7" in reply["error"]["message"]


@pytest.mark.parametrize(
    "request_json",
    [
        json.dumps({"spec": "conv k=3", "unit": "x"}),
        json.dumps({"spec": "conv k=3", "unit": "1,2,3,4"}),
        json.dumps({"spec": "conv k=3", "input_size": "0"}),
        json.dumps({"spec": "conv k=3x3", "unit": "1,2,3"}),
    ],
)
def test_calculator_json_invalid_unit_or_size(request_json):
    reply = json.loads(render_calculator_json(request_json))

    assert reply["ok"] is False
    assert reply["error"]["message"]


@pytest.mark.parametrize(
    "request_json",
    [
        "",
        "{",
        "null",
        "[]",
        "42",
        '"spec"',
        "NaN",
        '{"spec": 3}',
        '{"spec": null}',
        '{"spec": ["conv k=3"]}',
        '{"spec": "conv k=3", "unit": 5}',
        '{"spec": "conv k=3", "input_size": [224]}',
        "\udcff",
        "\x00\x01",
    ],
)
def test_calculator_json_garbage_never_raises(request_json):
    reply = json.loads(render_calculator_json(request_json))

    assert reply["ok"] is False
    assert "invalid calculator request" in reply["error"]["message"]
    assert reply["error"]["line"] is None


def test_calculator_json_unit_beyond_layer():
    # The conv has 8 - 3 + 1 = 6 units, so unit 9 has no field there and shows a dash.
    reply = json.loads(render_calculator_json(json.dumps({"spec": "input 8\nconv k=3", "unit": "9"})))

    assert reply["ok"] is True
    assert '<span class="rf-none" title="This layer has 6 units.">-</span>' in reply["html"]


def test_calculator_json_empty_request_object():
    # Every field defaults to "", and a spec without layers is an error, not an empty table.
    reply = json.loads(render_calculator_json("{}"))

    assert reply["ok"] is False
    assert "no layers" in reply["error"]["message"]


def test_calculator_json_deep_nesting():
    reply = json.loads(render_calculator_json("[" * 100_000))

    assert reply["ok"] is False
    assert "invalid calculator request" in reply["error"]["message"]


# str.isdigit() is true for '²' and for Arabic-Indic digits, which int() rejects or reads.
@pytest.mark.parametrize("field", ["unit", "input_size"])
@pytest.mark.parametrize("text", ["²", "\u0663", "\uff13"])
def test_calculator_json_non_ascii_digit(field, text):
    reply = json.loads(render_calculator_json(json.dumps({"spec": "conv k=3", field: text})))

    assert reply["ok"] is False
    assert "malformed" in reply["error"]["message"]
