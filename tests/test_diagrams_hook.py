"""The diagrams hook on small pages, and the diagrams page of the built site."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from rf_core.diagrams import render

REPO_ROOT = Path(__file__).resolve().parent.parent


def _load_hook():
    spec = importlib.util.spec_from_file_location("rf_lab_diagrams_hook", REPO_ROOT / "hooks" / "diagrams.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _load_hook()


def _render(markdown: str) -> str:
    page = SimpleNamespace(file=SimpleNamespace(src_uri="lesson.md"))
    return hook.on_page_markdown(markdown, page=page, config={}, files=None)


def test_block_becomes_diagram() -> None:
    output = _render("Intro\n\n```rf-diagram kind=frames unit=1\ninput 7\nconv k=3 s=2 p=1\n```\n\nAfter")
    expected = render("frames", "input 7\nconv k=3 s=2 p=1", {"unit": "1", "id": "rf-diagram-1"})

    assert expected in output
    assert output.startswith("Intro\n")
    assert output.endswith("After")
    # Blank lines around the raw HTML keep Markdown from wrapping it in a paragraph.
    assert "\n\n" + expected.split("\n")[0] in output


def test_blocks_get_numbered_ids() -> None:
    block = "```rf-diagram kind=holes\ninput 8\nconv k=3 d=2\n```\n"
    output = _render(block + "\n" + block)
    assert 'id="rf-diagram-1"' in output
    assert 'id="rf-diagram-2"' in output


def test_example_inside_code_block_stays_code() -> None:
    markdown = "````markdown\n```rf-diagram kind=frames\ninput 7\nconv k=3\n```\n````"
    assert _render(markdown) == markdown


def test_spec_error_names_page_and_line() -> None:
    # The fence is on page line 3, so the spec's line 2 is page line 5.
    markdown = "Title\n\n```rf-diagram kind=frames\ninput 7\nconv k=0\n```"
    with pytest.raises(PluginError, match=r"lesson\.md:5: rf-diagram block is invalid: kernel size 0"):
        _render(markdown)


def test_option_error_names_page_and_line() -> None:
    with pytest.raises(PluginError, match=r"lesson\.md:2: rf-diagram block is invalid: unit 9"):
        _render("\n```rf-diagram kind=frames unit=9\ninput 7\nconv k=3\n```")


def test_unknown_option_and_kind_rejected() -> None:
    with pytest.raises(PluginError, match=r"lesson\.md:1: rf-diagram option 'size=3' is invalid"):
        _render("```rf-diagram kind=frames size=3\ninput 7\nconv k=3\n```")
    with pytest.raises(PluginError, match=r"lesson\.md:1: rf-diagram block needs kind=KIND"):
        _render("```rf-diagram\ninput 7\nconv k=3\n```")


def test_unclosed_block_rejected() -> None:
    with pytest.raises(PluginError, match=r"lesson\.md:1: rf-diagram block is not closed"):
        _render("```rf-diagram kind=frames\ninput 7\nconv k=3\n")


def test_built_page_contains_rendered_diagrams(built_site: Path) -> None:
    page = (built_site / "diagrams" / "index.html").read_text(encoding="utf-8")
    expected = render("frames", "input 7\nconv k=3 s=2 p=1", {"unit": "1", "id": "rf-diagram-1"})

    assert expected in page
    for kind in ("frames", "stack", "overlay", "erf", "holes"):
        assert f'data-rf-diagram="{kind}"' in page
    assert "rf-diagrams.js" in page
    assert "rf-diagrams.css" in page
