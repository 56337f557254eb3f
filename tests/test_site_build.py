"""Build the site and inspect the HTML that the hooks wrote."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from rf_core import analyze, parse_spec
from rf_core.widget import render_calculator

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCS = REPO_ROOT / "docs"


class _TableReader(HTMLParser):
    """Collects the cell texts of every `rf-table` row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._in_table = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("class", "rf-table") in attrs:
            self._in_table = True
            self.tables.append([])
        elif self._in_table and tag == "tr":
            self.tables[-1].append([])
        elif self._in_table and tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = False
        elif tag == "td" and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read_tables(html_text: str) -> list[list[list[str]]]:
    reader = _TableReader()
    reader.feed(html_text)
    return [[row for row in table if row] for table in reader.tables]


def test_calculator_page_prerenders_tables(built_site: Path) -> None:
    page = (built_site / "calculator" / "index.html").read_text(encoding="utf-8")
    alexnet, vgg16 = read_tables(page)[:2]

    # Published values: Araujo, Norris and Sim, "Computing Receptive Fields of
    # Convolutional Neural Networks" (Distill, 2019), table of receptive fields:
    # AlexNet r = 195, VGG-16 r = 212, both with effective stride 32.
    assert alexnet[-1][1] == "pool5"
    assert alexnet[-1][4] == "195"
    assert alexnet[-1][5] == "32"
    assert vgg16[-1][1] == "pool5"
    assert vgg16[-1][4] == "212"
    assert vgg16[-1][5] == "32"

    # AlexNet conv1 on 224: floor((224 + 2 + 2 - 11) / 4) + 1 = 55 units.
    assert alexnet[0][3] == "55"
    # VGG-16 pool5 on 224: 224 / 2^5 = 7 units.
    assert vgg16[-1][3] == "7"


def test_calculator_widget_markup(built_site: Path) -> None:
    page = (built_site / "calculator" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="rf-calculator"') == 3
    assert 'id="rf-calc-1-spec"' in page
    assert 'id="rf-calc-2-spec"' in page
    # The third calculator draws a stack diagram under its table.
    assert '<div class="rf-calculator__diagram" data-kind="stack"' in page
    assert 'id="rf-calc-3-diagram"' in page
    # The spec keeps its line breaks inside the textarea.
    textarea = re.search(r'<textarea id="rf-calc-1-spec"[^>]*>(.*?)</textarea>', page, re.S)
    assert textarea is not None
    assert "conv k=11 s=4 p=2 name=conv1&#10;relu" in textarea.group(1)


def test_prerendered_table_equals_rf_core_output(built_site: Path) -> None:
    page = (built_site / "index.html").read_text(encoding="utf-8")
    expected = render_calculator("input 32\nconv k=3 name=conv\nmaxpool k=2 s=2 name=pool")
    assert expected.ok
    assert expected.html in page


def test_error_block_shows_message(built_site: Path) -> None:
    page = (built_site / "spec" / "index.html").read_text(encoding="utf-8")
    error = re.search(r'<p class="rf-calculator__error" role="alert">(.*?)</p>', page, re.S)
    assert error is not None
    # Three 3x3 convolutions on 5 pixels: 5 -> 3 -> 1 -> nothing at layer 3; 7 -> 5 -> 3 -> 1 works.
    assert "layer 3" in error.group(1)
    assert "7" in error.group(1)


def test_math_is_mathml(built_site: Path) -> None:
    page = (built_site / "calculator" / "index.html").read_text(encoding="utf-8")
    assert "<math" in page
    assert 'class="arithmatex"' not in page
    assert "\\(" not in page


def test_runtime_and_package_under_versioned_paths(built_site: Path) -> None:
    runtime = built_site / "assets" / "pyodide" / "314.0.8"
    for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"):
        assert (runtime / name).is_file(), name

    manifest = json.loads((built_site / "assets" / "rf-lab" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pyodide_version"] == "314.0.8"
    assert re.fullmatch(r"rf_core-[0-9a-f]{12}\.zip", manifest["package"])
    assert (built_site / "assets" / "rf-lab" / manifest["package"]).is_file()


def test_cli_output_blocks_match_cli(built_site: Path) -> None:
    page = (built_site / "spec" / "index.html").read_text(encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "rf_core", "analyze", "-", "--format", "csv"],
        input="input 32\nconv k=3 p=1\nmaxpool k=2 s=2\n",
        capture_output=True,
        text=True,
        check=True,
    )
    # The table block lists the same numbers as the CSV output: conv1 keeps 32
    # units with r = 3; maxpool1 has 16 units, r = 3 + (2 - 1) * 1 = 4 and S = 2.
    assert completed.stdout.splitlines()[2] == "2,maxpool1,maxpool,16,4,2,1,0.5"
    text = re.sub(r"<[^>]+>", "", page)
    assert re.search(r"2\s+maxpool1\s+maxpool\s+16\s+4\s+2\s+1\s+0\.5", text)


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda path: path.name)
def test_docs_python_examples_run(page: Path) -> None:
    """Run every `pycon` block of the docs as a doctest, so printed values stay true."""
    text = page.read_text(encoding="utf-8")
    blocks = re.findall(r"```pycon\n(.*?)```", text, re.S)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, block in enumerate(blocks, start=1):
        test = parser.get_doctest(block, {}, f"{page.name} block {number}", str(page), 0)
        runner.run(test)
    assert runner.failures == 0


def test_published_values_from_rf_core() -> None:
    # The same published figures as above, straight from rf_core (Araujo et al., 2019).
    alexnet = analyze(
        parse_spec(
            "input 224\nconv k=11 s=4 p=2\nmaxpool k=3 s=2\nconv k=5 p=2\nmaxpool k=3 s=2\n"
            "conv k=3 p=1\nconv k=3 p=1\nconv k=3 p=1\nmaxpool k=3 s=2"
        )
    )
    assert alexnet.layers[-1].axes[0].receptive_field == 195
    assert alexnet.layers[-1].axes[0].effective_stride == 32
