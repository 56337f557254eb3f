"""Every block example that the teachers page shows as source must build without errors.

The page shows examples as Markdown inside four-backtick code blocks, which the
hooks leave as code. This test runs each example through every hook of mkdocs.yml
that rewrites a page's Markdown, in order, and fails on an error or a warning.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import sys
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.structure.files import File, Files

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = REPO_ROOT / "docs"
TEACHERS_PAGE = DOCS_DIR / "teachers.md"
# The hook files of mkdocs.yml, in order. Its `!ENV` tags keep it from loading as plain YAML.
HOOK_PATHS = re.findall(r"^  - (hooks/\w+\.py)$", (REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.MULTILINE)
EXAMPLE = re.compile(r"^````markdown\n(?P<body>.*?)\n````$", re.MULTILINE | re.DOTALL)


def _load_hook(path: str):
    spec = importlib.util.spec_from_file_location(f"rf_lab_{Path(path).stem}_hook", REPO_ROOT / path)
    module = importlib.util.module_from_spec(spec)
    # Dataclasses in a hook look their module up in sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@cache
def block_hooks() -> list:
    """Return the hooks of mkdocs.yml that rewrite a page's Markdown, in their order."""
    hooks = [_load_hook(path) for path in HOOK_PATHS]
    return [hook for hook in hooks if hasattr(hook, "on_page_markdown")]


def examples() -> list[str]:
    return [match.group("body") for match in EXAMPLE.finditer(TEACHERS_PAGE.read_text(encoding="utf-8"))]


def test_page_has_examples_of_every_block() -> None:
    text = "\n".join(examples())

    for block in ("```rf-calculator", "```rf-output", "```rf-diagram", "```rf-exercise", "```rf-field-view"):
        assert block in text


def site_files(site_dir: Path) -> Files:
    """Return the files of docs/ as the build sees them, for hooks that look up pictures."""
    return Files(
        [
            File(path.relative_to(DOCS_DIR).as_posix(), str(DOCS_DIR), str(site_dir), use_directory_urls=True)
            for path in DOCS_DIR.rglob("*")
            if path.is_file()
        ]
    )


@pytest.mark.parametrize("example", examples(), ids=lambda example: example.split("\n")[0])
def test_example_builds(example: str, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    files = site_files(tmp_path)
    page = SimpleNamespace(file=files.get_file_from_path("teachers.md"))
    markdown = example
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins"):
        for hook in block_hooks():
            markdown = hook.on_page_markdown(markdown, page=page, config={}, files=files)

    assert caplog.text == ""
    assert "```rf-" not in markdown, "a block was left unrendered"
    assert "{rf " not in markdown, "an inline value was left unreplaced"
