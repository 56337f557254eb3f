"""Every block example that the teachers page shows as source must build without errors.

The page shows examples as Markdown inside four-backtick code blocks, which the
hooks leave as code. This test runs each example through the hooks that turn blocks
into HTML, in the order of mkdocs.yml, and fails on an error or a warning.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TEACHERS_PAGE = REPO_ROOT / "docs" / "teachers.md"
HOOKS = ("exercises", "values", "calculator", "diagrams")
EXAMPLE = re.compile(r"^````markdown\n(?P<body>.*?)\n````$", re.MULTILINE | re.DOTALL)


def _load_hook(name: str):
    spec = importlib.util.spec_from_file_location(f"rf_lab_{name}_hook", REPO_ROOT / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def examples() -> list[str]:
    return [match.group("body") for match in EXAMPLE.finditer(TEACHERS_PAGE.read_text(encoding="utf-8"))]


def test_page_has_examples_of_every_block() -> None:
    text = "\n".join(examples())

    for block in ("```rf-calculator", "```rf-output", "```rf-diagram", "```rf-exercise"):
        assert block in text


@pytest.mark.parametrize("example", examples(), ids=lambda example: example.split("\n")[0])
def test_example_builds(example: str, caplog: pytest.LogCaptureFixture) -> None:
    page = SimpleNamespace(file=SimpleNamespace(src_uri="teachers-example.md"))
    markdown = example
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins"):
        for name in HOOKS:
            markdown = _load_hook(name).on_page_markdown(markdown, page=page, config={}, files=None)

    assert caplog.text == ""
    assert "```rf-" not in markdown, "a block was left unrendered"
    assert "{rf " not in markdown, "an inline value was left unreplaced"
