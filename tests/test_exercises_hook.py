"""The exercises hook: blocks become accessible exercise markup, and bad blocks fail the build."""

from __future__ import annotations

import difflib
import importlib.util
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import markdown
import pytest
from mkdocs.exceptions import PluginError

from rf_core.exercises import Exercise, answer_html, check, solve

REPO_ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = Path(__file__).resolve().parent / "golden" / "exercises"
UPDATE = os.environ.get("RF_UPDATE_GOLDEN") == "1"

# The Markdown extensions of mkdocs.yml that exercise markup relies on.
EXTENSIONS = ["md_in_html", "attr_list", "admonition", "pymdownx.details", "pymdownx.highlight", "pymdownx.superfences"]


def _load_hook(name: str):
    spec = importlib.util.spec_from_file_location(f"rf_lab_{name}_hook", REPO_ROOT / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _load_hook("exercises")

SPEC = "input 8\nconv k=3 name=conv\nmaxpool k=2 s=2 name=pool"
BLOCK = f"```rf-exercise ask=r layer=pool\nWhat is **r** of `pool`?\n---\nAdd the layers.\n---\n{SPEC}\n```"


def _page(path: str = "lesson.md") -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=path))


def _render(text: str) -> str:
    return hook.on_page_markdown(text, page=_page(), config={}, files=None)


def _to_html(text: str) -> str:
    return markdown.markdown(_render(text), extensions=EXTENSIONS)


class _Elements(HTMLParser):
    """Records every start tag with its attributes, and the text inside each element by its class or tag name."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.texts: dict[str, list[str]] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        self._open.append(attributes.get("class") or tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag not in ("input",):
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for name in self._open:
            self.texts.setdefault(name, []).append(data)

    def find(self, tag: str, **attributes: str) -> dict[str, str | None]:
        matches = [
            attrs for name, attrs in self.elements
            if name == tag and all(attrs.get(key.rstrip("_").replace("_", "-")) == value for key, value in attributes.items())
        ]
        assert len(matches) == 1, f"expected one <{tag}> with {attributes}, found {len(matches)}"
        return matches[0]

    def text(self, name: str) -> str:
        return " ".join("".join(self.texts.get(name, [])).split())


def _parse(markup: str) -> _Elements:
    parser = _Elements()
    parser.feed(markup)
    return parser


# --- Markup -------------------------------------------------------------------------


def test_block_keeps_line_count() -> None:
    text = f"Intro\n\n{BLOCK}\n\nAfter"
    output = _render(text)
    assert output.count("\n") == text.count("\n")
    assert output.startswith("Intro\n\n<section")
    assert output.endswith("\n\nAfter")


def test_exercise_structure() -> None:
    page = _parse(_to_html(BLOCK))

    section = page.find("section", class_="rf-exercise")
    assert section["id"] == "rf-exercise-1"
    assert section["aria-labelledby"] == "rf-exercise-1-title"
    assert page.find("p", id="rf-exercise-1-title")["class"] == "rf-exercise__title"
    assert page.text("rf-exercise__title") == "Exercise 1"
    assert page.text("rf-exercise__question") == "What is r of pool?"
    assert ("strong", {}) in page.elements

    assert page.text("rf-exercise__hint tip").startswith("Hint")
    label = page.find("label", for_="rf-exercise-1-answer")
    assert label is not None
    field = page.find("input", id="rf-exercise-1-answer")
    assert field["type"] == "text"
    assert field["aria-describedby"] == "rf-exercise-1-result"
    assert page.find("button", class_="md-button rf-exercise__button")["type"] == "button"
    assert page.text("md-button rf-exercise__button") == "Check"
    assert "hidden" in page.find("div", class_="rf-exercise__check")

    result = page.find("p", class_="rf-exercise__result")
    assert result["role"] == "status"
    assert result["aria-live"] == "polite"
    assert page.text("rf-exercise__answer success").startswith("Show answer Answer: the receptive field r of layer 2 (pool) is 4.")


def test_answer_box_is_build_time_answer() -> None:
    expected = answer_html(solve(Exercise(ask="r", layer="pool", spec=SPEC)))
    assert expected in _render(BLOCK)


def test_request_data_for_worker() -> None:
    page = _parse(_to_html(BLOCK))
    data = json.loads(page.find("section", class_="rf-exercise")["data-rf-exercise"] or "")
    assert data == {"ask": "r", "layer": "pool", "unit": "", "axis": "", "input": "", "spec": SPEC}


def test_spec_shown_by_default() -> None:
    page = _parse(_to_html(BLOCK))
    assert "maxpool k=2 s=2 name=pool" in page.text("highlight")


def test_spec_hidden_with_show_none() -> None:
    output = _render(BLOCK.replace("layer=pool", "layer=pool show=none"))
    assert 'class="highlight"' not in output
    assert "maxpool" in output  # still in the data for the worker


def test_exercises_numbered_per_page() -> None:
    output = _render(BLOCK + "\n\n" + BLOCK)
    assert 'id="rf-exercise-1"' in output
    assert 'id="rf-exercise-2"' in output
    assert "Exercise 2</p>" in output


def test_indented_block_inside_admonition() -> None:
    indented = "!!! note\n\n" + "\n".join("    " + line for line in BLOCK.split("\n"))
    html_text = markdown.markdown(_render(indented), extensions=EXTENSIONS)
    assert '<div class="admonition note">' in html_text
    assert 'class="rf-exercise"' in html_text.split('<div class="admonition note">')[1]


def test_example_inside_code_block_stays_code() -> None:
    text = "````markdown\n" + BLOCK + "\n````"
    assert _render(text) == text


def test_inline_values_in_question() -> None:
    values = _load_hook("values")
    network = "```rf-network name=classic\n" + SPEC + "\n```\n"
    block = BLOCK.replace("What is **r** of `pool`?", "The pool has {rf classic pool size} units. What is r?")
    output = values.on_page_markdown(_render(network + block), page=_page(), config={}, files=None)
    # conv leaves 8 - 3 + 1 = 6 units, the pool floor((6 - 2)/2) + 1 = 3.
    assert "The pool has 3 units. What is r?" in output


def test_later_block_error_keeps_page_line() -> None:
    diagrams = _load_hook("diagrams")
    # The exercise takes lines 1-9 and the diagram's fence is line 11, so `conv k=0` is line 13.
    text = BLOCK + "\n\n```rf-diagram kind=frames\ninput 7\nconv k=0\n```"
    with pytest.raises(PluginError, match=r"lesson\.md:13: rf-diagram block is invalid"):
        diagrams.on_page_markdown(_render(text), page=_page(), config={}, files=None)


# --- Build errors name the page and the line ------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BLOCK.replace("ask=r", "ask=rf"), r"lesson\.md:3: rf-exercise block is invalid: ask='rf' is invalid"),
        (BLOCK.replace("ask=r ", ""), r"lesson\.md:3: rf-exercise block needs ask=QUANTITY"),
        (BLOCK.replace("ask=r", "ask=r colour=red"), r"lesson\.md:3: rf-exercise option 'colour=red' is invalid"),
        (BLOCK.replace("ask=r", "ask=r show=yes"), r"lesson\.md:3: rf-exercise option show='yes' is invalid"),
        (BLOCK.replace("layer=pool", "layer=fc"), r"lesson\.md:3: .*layer 'fc' is not in the network"),
        (BLOCK.replace("\n---\nAdd the layers.", ""), r"lesson\.md:3: .*has 2 sections but needs 3"),
        (BLOCK.replace("Add the layers.", ""), r"lesson\.md:6: .*hint section is empty"),
        # The spec starts on page line 8, so `conv k=0` is line 9.
        (BLOCK.replace("conv k=3", "conv k=0"), r"lesson\.md:9: rf-exercise block is invalid: kernel size 0"),
        (BLOCK.replace("ask=r", "ask=interval"), r"lesson\.md:3: .*give its index, such as unit=0"),
        (BLOCK.replace("ask=r", "ask=r unit=1"), r"lesson\.md:3: .*unit=1 applies only to"),
        (BLOCK.replace("ask=r", "ask=r axis=depth"), r"lesson\.md:3: .*axis 'depth' is not an axis"),
        (BLOCK.replace("input 8\n", "").replace("ask=r", "ask=size"), r"lesson\.md:3: .*size of layer pool \(maxpool\) is unknown"),
        (BLOCK.rsplit("```", 1)[0], r"lesson\.md:3: rf-exercise block is not closed"),
    ],
)
def test_bad_block_names_page_line(text, message) -> None:
    with pytest.raises(PluginError, match=message):
        _render("Title\n\n" + text)


# --- Golden files ---------------------------------------------------------------------


VARIANTS = json.loads((GOLDEN_DIR / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("variant", VARIANTS, ids=[variant["name"] for variant in VARIANTS])
def test_exercise_matches_golden_file(variant: dict) -> None:
    """Compare the hook's output with tests/golden/exercises/<name>.md.

    After an intended change, rewrite the files and review the diff:
    RF_UPDATE_GOLDEN=1 python -m pytest tests/test_exercises_hook.py
    """
    block = f"```rf-exercise {variant['options']}\n{variant['body']}\n```"
    rendered = _render(block) + "\n"
    path = GOLDEN_DIR / f"{variant['name']}.md"
    if UPDATE:
        path.write_text(rendered, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path.name} is missing; create it with RF_UPDATE_GOLDEN=1 python -m pytest tests/{Path(__file__).name}")
    expected = path.read_text(encoding="utf-8")
    if rendered != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True), rendered.splitlines(keepends=True), fromfile=f"golden/{path.name}", tofile="rendered"
        )
        pytest.fail(
            f"exercise differs from {path.name}; if the change is intended, "
            f"run RF_UPDATE_GOLDEN=1 python -m pytest tests/{Path(__file__).name}\n" + "".join(diff)
        )


def test_no_stale_golden_files() -> None:
    names = {f"{variant['name']}.md" for variant in VARIANTS}
    stored = {path.name for path in GOLDEN_DIR.glob("*.md")}
    assert stored <= names, f"golden files without a manifest entry: {sorted(stored - names)}"


# --- The teachers page -------------------------------------------------------------------


TEACHERS = (REPO_ROOT / "docs" / "teachers.md").read_text(encoding="utf-8")
DOC_EXAMPLES = re.findall(r"````markdown\n(```rf-exercise.*?\n```)\n````", TEACHERS, re.S)


def test_teachers_examples_render() -> None:
    assert len(DOC_EXAMPLES) == 2
    for example in DOC_EXAMPLES:
        assert 'class="rf-exercise"' in _render(example)


def test_teachers_format_message_matches() -> None:
    demo = re.search(r"```rf-exercise ask=r layer=pool\n.*?\n---\n.*?\n---\n(.*?)\n```", TEACHERS, re.S)
    assert demo is not None
    message = check(Exercise(ask="r", layer="pool", spec=demo.group(1)), "3,6").message
    assert f'"{message}"' in " ".join(TEACHERS.split())


def test_teachers_build_error_matches() -> None:
    # The page's example error comes from a block on line 12 whose layer=fc8 names no layer.
    block = BLOCK.replace("layer=pool", "layer=fc8")
    with pytest.raises(PluginError) as caught:
        _render("\n" * 11 + block)
    assert str(caught.value).startswith("lesson.md:12: ")
    assert f"ERROR   -  {caught.value}" in _unwrapped_code(TEACHERS)


def _unwrapped_code(text: str) -> str:
    """Join the continuation lines of the page's error example, which start with spaces."""
    return re.sub(r"\n {11}", " ", text)


# --- The built site -----------------------------------------------------------------


def test_teachers_page_has_live_exercise(built_site: Path) -> None:
    page_html = (built_site / "teachers" / "index.html").read_text(encoding="utf-8")
    page = _parse(page_html)
    data = json.loads(page.find("section", class_="rf-exercise")["data-rf-exercise"] or "")
    solution = solve(Exercise(ask=data["ask"], layer=data["layer"], spec=data["spec"]))

    # Markdown puts each paragraph of the answer on its own line.
    for paragraph in answer_html(solution).replace("</p><p", "</p>\n<p").split("\n"):
        assert paragraph in page_html
    assert "assets/javascripts/rf-exercises.js" in page_html
    assert "assets/stylesheets/rf-exercises.css" in page_html


def test_search_index_omits_answers(built_site: Path) -> None:
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    section = next(doc for doc in index["docs"] if doc["location"] == "teachers/#exercise-blocks")

    assert "What is the receptive field r of" in section["text"]
    assert "Answer: the receptive field r" not in section["text"]
    assert "Your answer" not in section["text"]
