"""The generated picture under the field views, and the sizes the tutorial states about it."""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from rf_core import analyze, parse_spec
from rf_core.presets import get_preset

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENE = REPO_ROOT / "docs" / "assets" / "images" / "scene.svg"
PRACTICE = REPO_ROOT / "docs" / "tutorial" / "practice.md"
MAX_BYTES = 60_000


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_scene", REPO_ROOT / "scripts" / "make_scene.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generator = _load_generator()


def test_committed_scene_matches_generator() -> None:
    assert SCENE.read_text(encoding="utf-8") == generator.scene_svg(), "run python scripts/make_scene.py"


def test_scene_small_and_well_formed() -> None:
    root = ElementTree.fromstring(SCENE.read_bytes())

    assert SCENE.stat().st_size < MAX_BYTES
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == ("224", "224")
    assert root.find("{http://www.w3.org/2000/svg}title") is not None


def test_scene_has_preset_input_size() -> None:
    # The practice page draws VGG-16 at its preset input size over the picture.
    analysis = analyze(parse_spec(get_preset("vgg16").spec))
    assert analysis.input_size == (generator.SIZE,)
    assert f"{generator.SIZE} by {generator.SIZE}" in PRACTICE.read_text(encoding="utf-8")


def test_cats_inside_picture() -> None:
    # The cat symbol is 100 units tall and at most 104 wide (its tail).
    for left, top, height in generator.CATS:
        assert left >= 0
        assert left + height * 1.04 <= generator.SIZE
        assert top >= 0
        assert top + height <= generator.SIZE


def test_practice_states_cat_sizes() -> None:
    page = " ".join(PRACTICE.read_text(encoding="utf-8").split())
    heights = sorted((height for _, _, height in generator.CATS), reverse=True)
    stated = re.search(r"The cats in the picture are (\d+), (\d+) and (\d+) pixels tall", page)

    assert stated is not None
    assert [int(value) for value in stated.groups()] == heights


def test_practice_halved_picture_numbers() -> None:
    page = " ".join(PRACTICE.read_text(encoding="utf-8").split())
    largest = max(height for _, _, height in generator.CATS)
    half = generator.SIZE // 2

    assert f"Halve the picture to {half} by {half} and the large cat is {largest // 2} pixels tall" in page
