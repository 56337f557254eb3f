"""The field view hook on small pages, and the field view of the built tutorial page."""

from __future__ import annotations

import html
import importlib.util
import json
import re
import struct
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from rf_core.field_view import MAX_LAYERS, MAX_UNITS_PER_AXIS, OPTIONS, prepare
from rf_core.field_view_html import Image, render_field_view, view_data

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENE = REPO_ROOT / "docs" / "assets" / "images" / "scene.svg"
TWO_LAYERS = "input 8\nconv k=3 p=1 name=conv\nmaxpool k=2 s=2 name=pool"


def _load_hook():
    spec = importlib.util.spec_from_file_location("rf_lab_field_view_hook", REPO_ROOT / "hooks" / "field_view.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hook = _load_hook()


def png_bytes(width: int, height: int) -> bytes:
    """Return a valid grey PNG of this size, written with zlib."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
def site(tmp_path: Path) -> SimpleNamespace:
    """A docs folder with the scene, a wide PNG and a page at tutorial/lesson.md."""
    docs = tmp_path / "docs"
    (docs / "assets" / "images").mkdir(parents=True)
    (docs / "tutorial").mkdir()
    (docs / "assets" / "images" / "scene.svg").write_bytes(SCENE.read_bytes())
    (docs / "assets" / "images" / "wide.png").write_bytes(png_bytes(16, 8))
    (docs / "notes.txt").write_text("not a picture", encoding="utf-8")
    paths = ["assets/images/scene.svg", "assets/images/wide.png", "notes.txt", "tutorial/lesson.md"]
    files = Files([File(path, str(docs), str(tmp_path / "site"), use_directory_urls=True) for path in paths])
    page = SimpleNamespace(file=files.get_file_from_path("tutorial/lesson.md"))
    return SimpleNamespace(files=files, page=page)


def _render(site: SimpleNamespace, markdown: str) -> str:
    return hook.on_page_markdown(markdown, page=site.page, config={}, files=site.files)


def test_block_becomes_field_view(site: SimpleNamespace) -> None:
    output = _render(site, f"Intro\n\n```rf-field-view unit=1,2\n{TWO_LAYERS}\n```\n\nAfter")
    # The page is served at tutorial/lesson/, two folders below the site root.
    image = Image("../../assets/images/scene.svg", 224, 224, hook.DEFAULT_ALT)
    expected = render_field_view(TWO_LAYERS, {"unit": "1,2"}, image, view_id="rf-field-view-1")

    assert "\n\n" + expected + "\n\n" in output
    assert output.startswith("Intro\n")
    assert output.endswith("After")


def test_blocks_get_numbered_ids(site: SimpleNamespace) -> None:
    block = f"```rf-field-view\n{TWO_LAYERS}\n```\n"
    output = _render(site, block + "\n" + block + "\n```rf-field-view id=mine\n" + TWO_LAYERS + "\n```")
    assert 'id="rf-field-view-1"' in output
    assert 'id="rf-field-view-2"' in output
    assert 'id="mine"' in output


def test_png_image_with_alt(site: SimpleNamespace) -> None:
    # wide.png is 16 by 8 pixels, the aspect ratio of an 8 by 16 input.
    markdown = '```rf-field-view image=assets/images/wide.png alt="A grey field, twice as wide as high."\ninput 8x16\nconv k=3\n```'
    output = _render(site, markdown)
    assert 'xlink:href="../../assets/images/wide.png"' in output
    assert "A grey field, twice as wide as high." in output


def test_example_inside_code_block_stays_code(site: SimpleNamespace) -> None:
    markdown = "````markdown\n```rf-field-view\ninput 8\nconv k=3\n```\n````"
    assert _render(site, markdown) == markdown


def test_spec_error_names_page_and_line(site: SimpleNamespace) -> None:
    # The fence is on page line 3, so the spec's line 2 is page line 5.
    markdown = "Title\n\n```rf-field-view\ninput 8\nconv k=0\n```"
    with pytest.raises(PluginError, match=r"tutorial/lesson\.md:5: rf-field-view block is invalid: kernel size 0"):
        _render(site, markdown)


@pytest.mark.parametrize(
    ("fence", "message"),
    [
        ("```rf-field-view unit=9", r"lesson\.md:2: rf-field-view block is invalid: unit '9' is out of range"),
        ("```rf-field-view layers=conv,fc", r"lesson\.md:2: rf-field-view block is invalid: layer 'fc' is not in the network"),
        ("```rf-field-view size=3", r"lesson\.md:2: rf-field-view option 'size=3' is invalid"),
        ("```rf-field-view unit", r"lesson\.md:2: rf-field-view option 'unit' is invalid"),
        ("```rf-field-view unit=1 unit=2", r"lesson\.md:2: rf-field-view option unit is given twice"),
        ('```rf-field-view alt="open', r"lesson\.md:2: rf-field-view options are malformed"),
        ("```rf-field-view id=9lives", r"lesson\.md:2: rf-field-view block is invalid: field view id '9lives' is invalid"),
        ("```rf-field-view image=missing.png alt=x", r"lesson\.md:2: rf-field-view image 'missing.png' is not a file under docs/"),
        ("```rf-field-view image=assets/images/wide.png", r"lesson\.md:2: rf-field-view image 'assets/images/wide.png' needs alt="),
        ("```rf-field-view image=notes.txt alt=x", r"lesson\.md:2: rf-field-view image 'notes.txt' is unusable: it is neither a PNG nor an SVG"),
        (
            "```rf-field-view image=assets/images/wide.png alt=x",
            r"lesson\.md:2: rf-field-view block is invalid: the picture is 16 × 8 pixels but the input is 8 × 8",
        ),
    ],
)
def test_block_error_names_page_and_line(site: SimpleNamespace, fence: str, message: str) -> None:
    with pytest.raises(PluginError, match=message):
        _render(site, f"\n{fence}\n{TWO_LAYERS}\n```")


def test_preset_error_names_fence_line(site: SimpleNamespace) -> None:
    # A preset's spec is not on the page, so errors point at the fence.
    with pytest.raises(PluginError, match=r"lesson\.md:3: rf-field-view block is invalid: layer 'pool9'"):
        _render(site, "\n\n```rf-field-view preset=vgg16 layers=pool9\n```")


def test_unclosed_block_rejected(site: SimpleNamespace) -> None:
    with pytest.raises(PluginError, match=r"lesson\.md:1: rf-field-view block is not closed"):
        _render(site, "```rf-field-view\ninput 8\nconv k=3\n")


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (png_bytes(30, 20), (20, 30)),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="224" height="160">', (160, 224)),
        (b'<svg width="64px" height="32px" viewBox="0 0 10 10">', (32, 64)),
        (b'<svg viewBox="0 0 300 200">', (200, 300)),
        (b'<svg width="100%" height="100%" viewBox="0,0,40,20">', (20, 40)),
    ],
)
def test_image_size_read(data: bytes, size: tuple[int, int]) -> None:
    assert hook.image_size(data) == size


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a", "neither a PNG nor an SVG"),
        (b'<svg width="10">', "no width and height in pixels and no viewBox"),
        (b'<svg viewBox="0 0 10.5 10">', "not in whole pixels"),
        (b'<svg width="0" height="10">', "is empty"),
    ],
)
def test_image_size_rejected(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        hook.image_size(data)


def test_scene_size_matches_practice_input() -> None:
    assert hook.image_size(SCENE.read_bytes()) == (224, 224)


def test_practice_page_embeds_rf_core_data(built_site: Path) -> None:
    page = (built_site / "tutorial" / "practice" / "index.html").read_text(encoding="utf-8")
    source = (REPO_ROOT / "docs" / "tutorial" / "practice.md").read_text(encoding="utf-8")
    fence = re.search(r"^```rf-field-view (.*)$", source, re.M)
    assert fence is not None, "the practice page has no rf-field-view block"
    options = dict(token.split("=", 1) for token in fence.group(1).split())
    figure = re.search(r'<figure class="rf-field-view" id="(rf-field-view-1)" data-rf-field-view="([^"]*)">.*?</figure>', page, re.S)
    assert figure is not None

    expected = view_data(prepare("", options, view_id=figure.group(1)))
    assert json.loads(html.unescape(figure.group(2))) == json.loads(json.dumps(expected))
    assert len(expected["layers"]) >= 3
    assert 'xlink:href="../../assets/images/scene.svg"' in figure.group()
    assert (built_site / "assets" / "images" / "scene.svg").is_file()
    assert "rf-field-view.js" in page
    assert "rf-field-view.css" in page


def test_teachers_page_states_limits() -> None:
    page = " ".join((REPO_ROOT / "docs" / "teachers.md").read_text(encoding="utf-8").split())
    assert f"at most {MAX_LAYERS} layers, each with at most {MAX_UNITS_PER_AXIS} units per axis" in page


def test_teachers_page_lists_every_option() -> None:
    page = (REPO_ROOT / "docs" / "teachers.md").read_text(encoding="utf-8")
    section = page.split("## Field view blocks", 1)[1].split("\n## ", 1)[0]
    for option in OPTIONS + hook.HOOK_OPTIONS:
        assert f"| `{option}` |" in section, f"option {option} has no row in the table"
        assert f" {option}=" in section, f"option {option} has no example"


def test_teachers_page_renders_field_views(built_site: Path) -> None:
    page = (built_site / "teachers" / "index.html").read_text(encoding="utf-8")
    assert page.count('<figure class="rf-field-view"') == 4
    assert 'id="own-picture"' in page
