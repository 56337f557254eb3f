"""MkDocs hook: turn `rf-field-view` fenced blocks into field views at build time.

An author writes, in any page:

    ```rf-field-view preset=vgg16 layers=features.16,features.23 unit=3,4
    ```

or a spec in the body in place of `preset=`. The block becomes the figure that
`rf_core.field_view_html.render_field_view` returns: the picture with the unit
grid of the first layer and the field of one unit drawn, and every unit's field
of every listed layer as JSON for rf-field-view.js. Options are those of
`rf_core.field_view.OPTIONS` plus `image` (a PNG or SVG file under docs/,
`assets/images/scene.svg` by default) and `alt` (its description, needed for
any other image). An invalid block fails the build with the page path and the
line of the error.
"""

from __future__ import annotations

import logging
import re
import shlex
import struct
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

# Import the rf_core of this checkout, the same code that the site ships to the browser.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hooks import fences  # noqa: E402 (needs the path set above)

from rf_core.errors import RFError  # noqa: E402 (needs the path set above)
from rf_core.field_view import OPTIONS  # noqa: E402
from rf_core.field_view_html import Image, render_field_view  # noqa: E402

log = logging.getLogger("mkdocs.plugins.rf_lab.field_view")

DEFAULT_IMAGE = "assets/images/scene.svg"
DEFAULT_ALT = (
    "A drawn scene: sky with the sun, a cloud and three birds, a house with a red roof, "
    "a tree, and three dark grey cats on the grass, a large one in front, a middle-sized one "
    "and a small one near the tree."
)
HOOK_OPTIONS = ("image", "alt")

_FENCE_START = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*rf-field-view\b(?P<options>.*)$")
_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE)
_SVG_LENGTH = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(?:px)?\s*\Z")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def on_page_markdown(markdown: str, *, page, config, files) -> str:
    """Replace every `rf-field-view` block of a page with its figure."""
    lines = markdown.split("\n")
    output: list[str] = []
    fence_lines = fences.fence_lines(page, "rf-field-view")
    counter = 0
    index = 0
    while index < len(lines):
        match = _FENCE_START.match(lines[index])
        if not match:
            other = fences.ANY_FENCE.match(lines[index])
            end = fences.block_end(lines, index, other.group("fence")) if other else index + 1
            output.extend(lines[index:end])
            index = end
            continue

        counter += 1
        # Earlier hooks change the line count, so the line comes from the source file.
        start_line = fences.source_line(fence_lines, counter, index + 1)
        where = f"{page.file.src_uri}:{start_line}"
        indent, fence = match.group("indent"), match.group("fence")
        body, index = fences.collect_body(lines, index + 1, indent, fence, where, "rf-field-view")
        options = _parse_options(match.group("options"), where)
        view_id = options.pop("id", f"rf-field-view-{counter}")
        image = _image(options.pop("image", DEFAULT_IMAGE), options.pop("alt", None), page, files, where)
        try:
            rendered = render_field_view("\n".join(body), options, image, view_id=view_id)
        except RFError as error:
            # Spec errors carry their line in the body; a preset's lines are not on the page.
            line = start_line + error.line if error.line and "preset" not in options else start_line
            raise PluginError(f"{page.file.src_uri}:{line}: rf-field-view block is invalid: {error.message}") from error
        output.append("")
        output.extend(indent + line for line in rendered.split("\n"))
        output.append("")
    return "\n".join(output)


def _parse_options(text: str, where: str) -> dict[str, str]:
    try:
        tokens = shlex.split(text)
    except ValueError as error:
        raise PluginError(f"{where}: rf-field-view options are malformed ({error}); close every quote") from error
    options: dict[str, str] = {}
    for token in tokens:
        key, has_value, value = token.partition("=")
        if key not in OPTIONS + HOOK_OPTIONS or not has_value or not value:
            raise PluginError(
                f"{where}: rf-field-view option {token!r} is invalid; "
                f"use key=value with a key from {', '.join(OPTIONS + HOOK_OPTIONS)}"
            )
        if key in options:
            raise PluginError(f"{where}: rf-field-view option {key} is given twice; keep one")
        options[key] = value
    return options


def _image(path: str, alt: str | None, page, files, where: str) -> Image:
    """Find the picture among the site's files and read its size."""
    image_file = files.get_file_from_path(path) if files is not None else None
    if image_file is None:
        raise PluginError(f"{where}: rf-field-view image {path!r} is not a file under docs/; give its path from docs/")
    if alt is None:
        if path != DEFAULT_IMAGE:
            raise PluginError(f"{where}: rf-field-view image {path!r} needs alt=\"...\" describing the picture")
        alt = DEFAULT_ALT
    try:
        height, width = image_size(Path(image_file.abs_src_path).read_bytes())
    except ValueError as error:
        raise PluginError(f"{where}: rf-field-view image {path!r} is unusable: {error}") from error
    return Image(url=image_file.url_relative_to(page.file), height=height, width=width, alt=alt)


def image_size(data: bytes) -> tuple[int, int]:
    """Return (height, width) of a PNG, or of an SVG from its width and height or its viewBox.

    Raises:
        ValueError: the data is neither, or its size is missing or not positive.
    """
    if data.startswith(_PNG_SIGNATURE):
        # The IHDR chunk comes first: length, type, then width and height as big-endian uint32.
        width, height = struct.unpack(">II", data[16:24])
    else:
        tag = _SVG_TAG.search(data)
        if tag is None:
            raise ValueError("it is neither a PNG nor an SVG file")
        attributes = dict(re.findall(r'([A-Za-z:-]+)\s*=\s*"([^"]*)"', tag.group().decode("utf-8", "replace")))
        width_match = _SVG_LENGTH.match(attributes.get("width", ""))
        height_match = _SVG_LENGTH.match(attributes.get("height", ""))
        if width_match and height_match:
            width, height = float(width_match.group(1)), float(height_match.group(1))
        else:
            box = attributes.get("viewBox", "").replace(",", " ").split()
            if len(box) != 4:
                raise ValueError('its <svg> element has no width and height in pixels and no viewBox; add width="..." height="..."')
            width, height = float(box[2]), float(box[3])
        if not (width.is_integer() and height.is_integer()):
            raise ValueError(f"its size {width:g} × {height:g} is not in whole pixels")
        width, height = int(width), int(height)
    if width <= 0 or height <= 0:
        raise ValueError(f"its size {width} × {height} is empty")
    return height, width
