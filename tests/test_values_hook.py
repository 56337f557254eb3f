"""The inline values hook: numbers in the prose computed by rf_core at build time."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

REPO_ROOT = Path(__file__).resolve().parent.parent


def _load_hook():
    spec = importlib.util.spec_from_file_location("rf_lab_values_hook", REPO_ROOT / "hooks" / "values.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _load_hook()

NETWORK_BLOCK = "```rf-network name=classic\ninput 8\nconv k=3 name=conv\nmaxpool k=2 s=2 name=pool\n```\n"


def _render(markdown: str) -> str:
    page = SimpleNamespace(file=SimpleNamespace(src_uri="lesson.md"))
    return hook.on_page_markdown(markdown, page=page, config={}, files=None)


def test_value_from_network_block():
    # r = 1 + (3 - 1) + (2 - 1) = 4, S = 2.
    output = _render(NETWORK_BLOCK + "\nThe field is {rf classic pool r} with stride {rf classic pool S}.")
    assert "The field is 4 with stride 2." in output
    assert "conv k=3" not in output


def test_network_block_keeps_line_count():
    markdown = NETWORK_BLOCK + "\nText"
    assert _render(markdown).count("\n") == markdown.count("\n")


def test_shown_network_block_becomes_code():
    output = _render(NETWORK_BLOCK.replace("classic", "classic show") + "\n{rf classic conv size}")
    assert "```text\ninput 8\nconv k=3 name=conv" in output
    assert output.endswith("6")  # 8 - 3 + 1


def test_value_from_named_calculator():
    markdown = "```rf-calculator input=16 name=calc unit=1\nconv k=5 s=2\n```\n\n{rf calc last size}"
    output = _render(markdown)
    # floor((16 - 5) / 2) + 1 = 6; the calculator fence keeps its other options.
    assert output.endswith("\n6")
    assert output.startswith("```rf-calculator input=16 unit=1\n")


def test_unit_options_and_input_override():
    output = _render(NETWORK_BLOCK + "\n{rf classic pool interval unit=2} {rf classic pool size input=12}")
    # Unit 2 of the pool reads conv units 4, 5, hence pixels 4 to 7; on 12 pixels (12 - 2 - 2) / 2 + 1 = 5 units.
    assert output.endswith("[4, 7] 5")


def test_preset_value():
    # VGG-16's pool5 (features.30) field, 212 pixels, as in Araujo et al.'s table (Distill, 2019).
    assert _render("{rf preset:vgg16 features.30 r}") == "212"


def test_code_is_left_as_written():
    markdown = NETWORK_BLOCK + "\nWrite `{rf classic pool r}` to get {rf classic pool r}.\n\n```\n{rf classic pool r}\n```"
    output = _render(markdown)
    assert "Write `{rf classic pool r}` to get 4." in output
    assert output.endswith("```\n{rf classic pool r}\n```")


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ("{rf missing pool r}", r"lesson.md:1: network 'missing' is not defined"),
        (NETWORK_BLOCK + "\n{rf classic pool width}", r"lesson.md:7: .*quantity 'width' is unknown"),
        (NETWORK_BLOCK + "\n{rf classic fc8 r}", r"lesson.md:7: .*layer 'fc8' is not in the network"),
        (NETWORK_BLOCK + "\n{rf classic pool}", r"lesson.md:7: inline value \{rf classic pool\} is invalid"),
        (NETWORK_BLOCK + "\n{rf classic pool r colour=red}", r"lesson.md:7: inline value option 'colour=red'"),
        (NETWORK_BLOCK + "\n{rf classic pool interval}", r"give the unit"),
        (NETWORK_BLOCK + "\n{rf classic pool interval unit=x}", r"unit=x is invalid"),
        # The error points at the spec line inside the block, not at the inline value.
        (
            "```rf-network name=broken\nconv k=0\n```\n{rf broken last r}",
            r"lesson.md:2: network 'broken' \(the block on line 1\) is invalid: .*kernel size 0",
        ),
        ("```rf-network\nconv k=3\n```", r"lesson.md:1: network name None is invalid"),
        (NETWORK_BLOCK + NETWORK_BLOCK, r"lesson.md:6: network 'classic' is already defined on line 1"),
        ("```rf-network name=same\nconv k=3 s=2 p=same\n```\n{rf same last P}", r"P of layer .* is unknown"),
    ],
)
def test_invalid_blocks_name_page_and_line(markdown, message):
    with pytest.raises(PluginError, match=message):
        _render(markdown)
