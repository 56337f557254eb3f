"""The calculator hook on small pages, without a full site build."""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from rf_core.diagrams import render

REPO_ROOT = Path(__file__).resolve().parent.parent


def _load_hook():
    spec = importlib.util.spec_from_file_location("rf_lab_calculator_hook", REPO_ROOT / "hooks" / "calculator.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _load_hook()


def _page(path: str = "lesson.md") -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=path))


def _render(markdown: str) -> str:
    return hook.on_page_markdown(markdown, page=_page(), config={}, files=None)


def test_block_becomes_single_line_widget() -> None:
    output = _render("Intro\n\n```rf-calculator\ninput 8\nconv k=3\n```\n\nAfter")
    lines = output.split("\n")
    assert lines[0] == "Intro"
    assert lines[2].startswith('<div class="rf-calculator" data-rf-calculator="1">')
    assert lines[-1] == "After"
    # conv k=3 on 8 pixels: 8 - 3 + 1 = 6 units.
    assert "<td>6</td>" in lines[2]


def test_fence_options_reach_widget() -> None:
    output = _render("```rf-calculator input=10x12 unit=1,2\nconv k=3\n```")
    assert 'value="10x12"' in output
    assert 'value="1,2"' in output
    # conv k=3 on 10x12: 8x10 units; unit (1, 2) covers rows [1, 3] and columns [2, 4].
    assert "<td>8x10</td>" in output
    assert "[1, 3] x [2, 4]" in output


def test_indented_block_in_admonition() -> None:
    output = _render('!!! note\n\n    ```rf-calculator\n    conv k=3\n    ```\n')
    assert '    <div class="rf-calculator"' in output


def test_spec_text_is_escaped() -> None:
    output = _render('```rf-calculator expect=error\nconv k=3 name=<script>\n```')
    assert "<script>" not in output
    assert "&lt;script&gt;" in output


def test_invalid_block_warns_with_page_and_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.rf_lab.calculator"):
        _render("# Title\n\n```rf-calculator\nconv k=3\nconv s=0 k=3\n```\n")
    # The fence opens on page line 3, so spec line 2 is page line 5.
    assert "lesson.md:5" in caplog.text
    assert "stride 0" in caplog.text


def test_expect_error_block_does_not_warn(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.rf_lab.calculator"):
        output = _render("```rf-calculator expect=error\nconv k=0\n```\n")
    assert caplog.text == ""
    assert 'role="alert">kernel size 0' in output


def test_unknown_fence_option_raises_with_page_and_line() -> None:
    with pytest.raises(PluginError, match=r"lesson.md:2: rf-calculator option 'colour=red' is invalid"):
        _render("\n```rf-calculator colour=red\nconv k=3\n```\n")


def test_unclosed_block_raises() -> None:
    with pytest.raises(PluginError, match="not closed"):
        _render("```rf-calculator\nconv k=3\n")


def test_output_block_renders_cli_table() -> None:
    output = _render("```rf-output format=csv\ninput 8\nconv k=3\n```")
    # conv k=3 on 8 pixels: 6 units, r = 3, S = 1, P = 0, start (3 - 1) / 2 = 1.
    assert "1,conv1,conv,6,3,1,0,1" in output
    assert output.startswith("```text")


def test_output_block_with_invalid_spec_raises() -> None:
    with pytest.raises(PluginError, match="lesson.md:1: rf-output block is invalid"):
        _render("```rf-output format=table\nconv k=0\n```")


# --- Diagrams under the table ----------------------------------------------------------

# conv k=3 on 6 pixels: unit 2 reads input 2, 3 and 4.
DIAGRAM_SPEC = "input 6\nconv k=3 name=conv"


def test_diagram_option_draws_under_table() -> None:
    output = _render(f"```rf-calculator unit=2 diagram=stack\n{DIAGRAM_SPEC}\n```")

    expected = render("stack", DIAGRAM_SPEC, {"unit": "2", "id": "rf-calc-1-diagram"})
    assert "\n" not in output
    assert expected.replace("\n", " ") in output
    assert output.index('class="rf-calculator__result"') < output.index('class="rf-calculator__diagram"')
    assert '<div class="rf-calculator__diagram" data-kind="stack" data-layer="" data-axis="" data-id="rf-calc-1-diagram">' in output
    assert "Input pixels that reach unit 2: 2 to 4." in output


def test_diagram_layer_and_axis_reach_box() -> None:
    output = _render("```rf-calculator diagram=holes diagram-layer=2 diagram-axis=width\ninput 8x8\nconv k=3\nconv k=3\n```")

    assert 'data-kind="holes" data-layer="2" data-axis="width"' in output
    assert 'class="rf-diagram rf-diagram--holes" id="rf-calc-1-diagram"' in output


def test_undrawable_diagram_warns_with_page_and_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.rf_lab.calculator"):
        output = _render("Intro\n\n```rf-calculator diagram=stack input=300\ninput 8\nconv k=3\n```\n")

    assert "lesson.md:3: rf-calculator block's diagram cannot be drawn" in caplog.text
    assert "at most 128 input pixels" in caplog.text
    assert '<p class="rf-calculator__diagram-message">No diagram: stack diagrams draw at most 128' in output


def test_unknown_diagram_kind_raises() -> None:
    with pytest.raises(PluginError, match=r"lesson.md:1: rf-calculator option diagram='pie' is invalid; use diagram=KIND"):
        _render("```rf-calculator diagram=pie\nconv k=3\n```")


def test_diagram_options_need_kind() -> None:
    with pytest.raises(PluginError, match=r"lesson.md:1: .*need diagram=KIND"):
        _render("```rf-calculator diagram-layer=1\nconv k=3\n```")


def test_diagram_unit_points_to_unit_option() -> None:
    with pytest.raises(PluginError, match=r"'diagram-unit=2' is invalid; the diagram draws the calculator's unit, so set it with unit=2"):
        _render("```rf-calculator diagram=stack diagram-unit=2\ninput 8\nconv k=3\n```")


def test_block_inside_code_block_stays_code() -> None:
    source = "````markdown\n```rf-calculator\ninput 8\nconv k=3\n```\n````"
    output = _render(source)

    assert output == source


def test_output_endpoints_need_preset() -> None:
    with pytest.raises(PluginError, match="lesson.md:1: rf-output option endpoints needs preset=NAME"):
        _render("```rf-output format=table endpoints\ninput 8\nconv k=3\n```")


def test_output_preset_endpoints_rows() -> None:
    output = _render("```rf-output format=csv preset=alexnet endpoints\n```")

    # AlexNet's end-points are features.0, features.2, features.5 and features.12,
    # one CSV row each under the header.
    rows = output.split("\n")[2:-1]
    assert [row.split(",")[1] for row in rows] == ["features.0", "features.2", "features.5", "features.12"]


VGG11_POOLS = "```rf-output format=markdown preset=vgg11 endpoints stages=pool1,pool2,pool3,pool4,pool5\n```"


def test_output_stages_add_column() -> None:
    lines = _render(VGG11_POOLS).split("\n")
    table = [line for line in lines if line.startswith("|")]

    assert table[0].startswith("| # | Name | Stage | Kind |")
    assert table[1].startswith("|--:|---|---|---|")
    # VGG-11 pool1 (features.2): 3x3 conv then 2x2 pool, r = 3 + 1 = 4, S = 2.
    assert table[2].startswith("| 2 | features.2 | pool1 | maxpool | 112 | 4 | 2 |")
    assert table[-1].startswith("| 13 | features.20 | pool5 | maxpool |")
    assert len(table) == 2 + 5
    # Every row keeps the same number of cells as the header.
    assert {line.count("|") for line in table} == {table[0].count("|")}


def test_output_stages_keep_notes() -> None:
    # Nearest upsampling by 2 maps units 2i and 2i + 1 to pixel i, so a k=2 conv after it
    # reads one pixel (units 0, 2, ...) or two (units 1, 3, ...), and rf_core adds a note.
    block = "```rf-output format=markdown stages=a,b\ninput 8\nupsample f=2 name=up\nconv k=2 name=c\n```"
    lines = _render(block).split("\n")
    rows = [line for line in lines if line.startswith("| ")]
    notes = [line for line in lines if line.startswith("- ")]

    assert rows[1].split(" | ")[2] == "a"
    assert rows[2].split(" | ")[2] == "b"
    assert len(notes) == 1
    assert notes[0].startswith("- Layer 2 (c): the receptive field varies from 1 to 2 pixels")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("format=markdown preset=vgg11 endpoints stages=pool1,pool2", "lists 2 names for a table of 5 rows"),
        ("format=markdown preset=vgg11 endpoints stages=a,b,,d,e", "lists 5 names for a table of 5 rows"),
        ("format=csv preset=vgg11 endpoints stages=a,b,c,d,e", "stages= needs format=markdown, not format=csv"),
        ("format=markdown preset=vgg11 endpoints stages=a,b|c,d,e,f", "stage name 'b|c' is invalid"),
    ],
)
def test_output_stages_invalid(options: str, message: str) -> None:
    with pytest.raises(PluginError, match=rf"lesson.md:1: rf-output .*{re.escape(message)}"):
        _render(f"```rf-output {options}\n```")
