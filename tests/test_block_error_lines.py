"""Build errors name the line of the broken block in the page's source file.

Hooks that run earlier change the line count of the Markdown (a calculator becomes
one line of HTML, a diagram many), so every hook must report source lines.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from test_teachers_examples import block_hooks, site_files

CALCULATOR = "```rf-calculator unit=1\ninput 8\nconv k=3\nmaxpool k=2 s=2\n```\n"
DIAGRAM = "```rf-diagram kind=stack\ninput 8\nconv k=3\n```\n"
BROKEN_DIAGRAM = "```rf-diagram kind=stack layer=conv9\ninput 8\nconv k=3\n```\n"
FIELD_VIEW = "```rf-field-view input=224 {options}\nconv k=3 s=2 p=1 name=conv1\nconv k=3 s=2 p=1 name=conv2\n```\n"


def build(markdown: str, tmp_path: Path) -> str:
    files = site_files(tmp_path)
    source = File("lesson.md", str(tmp_path / "docs"), str(tmp_path / "site"), use_directory_urls=True)
    source.content_string = markdown  # the page as the author wrote it
    page = SimpleNamespace(file=source)
    for hook in block_hooks():
        markdown = hook.on_page_markdown(markdown, page=page, config={}, files=files)
    return markdown


def line_of(markdown: str, text: str) -> int:
    return markdown.split("\n").index(text) + 1


def test_diagram_error_after_calculator(tmp_path: Path) -> None:
    markdown = "# Lesson\n\n" + CALCULATOR + "\nText.\n\n" + BROKEN_DIAGRAM
    expected = line_of(markdown, "```rf-diagram kind=stack layer=conv9")  # line 11

    with pytest.raises(PluginError, match=rf"^lesson\.md:{expected}: rf-diagram block is invalid"):
        build(markdown, tmp_path)


def test_field_view_error_after_diagram(tmp_path: Path) -> None:
    broken = FIELD_VIEW.format(options="unit=500,4")
    markdown = "# Lesson\n\n" + CALCULATOR + "\n" + DIAGRAM + "\nText.\n\n" + broken
    expected = line_of(markdown, "```rf-field-view input=224 unit=500,4")  # line 16

    with pytest.raises(PluginError, match=rf"^lesson\.md:{expected}: rf-field-view block is invalid"):
        build(markdown, tmp_path)


def test_example_inside_code_block_not_counted(tmp_path: Path) -> None:
    # The first rf-diagram fence is an example inside a code block, so the broken
    # block is the first one the hook renders but the second fence in the file.
    example = "````markdown\n" + DIAGRAM + "````\n"
    markdown = example + "\n" + CALCULATOR + "\n" + BROKEN_DIAGRAM
    expected = line_of(markdown, "```rf-diagram kind=stack layer=conv9")

    with pytest.raises(PluginError, match=rf"^lesson\.md:{expected}: "):
        build(markdown, tmp_path)
