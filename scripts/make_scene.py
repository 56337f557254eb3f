"""Write docs/assets/images/scene.svg, the picture under the field views.

The scene is drawn here from simple shapes, so the site owns it outright. It
shows sky, sun, clouds, a house, a tree, birds and three cats of different
sizes, so that a page can compare the size of an object with the receptive
field of a layer.
The output is the same on every run; tests/test_scene.py checks that the
committed file matches it. Run from the repository root after a change:

    python scripts/make_scene.py
"""

from __future__ import annotations

import sys
from pathlib import Path

#: Width and height of the picture in pixels, the input size of the field views.
SIZE = 224

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "assets" / "images" / "scene.svg"

#: Cats as (left, top, height) in pixels. The cat symbol is 100 units tall and
#: about 100 wide, so a cat is as wide as it is tall.
CATS = ((146, 140, 72), (100, 160, 36), (112, 129, 18))

#: Birds as (left, top, width) in pixels. The bird symbol is 20 units wide.
BIRDS = ((112, 22, 24), (92, 48, 14), (178, 86, 8))

# Ground level: the sky ends and the grass starts here.
HORIZON = 146

CAT = """<g id="cat" fill="#34343f">
<path d="M86 94C104 88 100 58 88 50" fill="none" stroke="#34343f" stroke-width="8" stroke-linecap="round"/>
<ellipse cx="45" cy="70" rx="28" ry="30"/>
<circle cx="45" cy="32" r="20"/>
<path d="M27 24L29 0L43 14ZM47 14L61 0L63 24Z"/>
<ellipse cx="33" cy="98" rx="9" ry="4"/>
<ellipse cx="57" cy="98" rx="9" ry="4"/>
<circle cx="38" cy="30" r="3.5" fill="#f5d742"/>
<circle cx="52" cy="30" r="3.5" fill="#f5d742"/>
<path d="M42 38L48 38L45 41Z" fill="#e89aa8"/>
</g>"""

BIRD = """<path id="bird" d="M0 5Q5 0 10 5Q15 0 20 5" fill="none" stroke="#2b2b36" stroke-width="2" stroke-linecap="round"/>"""


def sun_rays(cx: int, cy: int, inner: int, outer: int) -> str:
    """Return eight rays around the sun as one path, every 45 degrees."""
    # Unit vectors at 0, 45, ... 315 degrees, rounded to two decimals so that the
    # output does not depend on the platform's floating point formatting.
    directions = ((1, 0), (0.71, 0.71), (0, 1), (-0.71, 0.71), (-1, 0), (-0.71, -0.71), (0, -1), (0.71, -0.71))
    parts = []
    for dx, dy in directions:
        x1, y1 = cx + dx * inner, cy + dy * inner
        x2, y2 = cx + dx * outer, cy + dy * outer
        parts.append(f"M{x1:g} {y1:g}L{x2:g} {y2:g}")
    return f'<path d="{"".join(parts)}" stroke="#e9a100" stroke-width="3" stroke-linecap="round"/>'


def scene_svg() -> str:
    """Return the scene as SVG text."""
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">',
        "<title>A house, a tree, the sun, three birds and three cats of different sizes</title>",
        "<defs>",
        '<linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">'
        '<stop offset="0" stop-color="#74bde8"/><stop offset="1" stop-color="#d4edf9"/></linearGradient>',
        CAT,
        BIRD,
        "</defs>",
        f'<rect width="{SIZE}" height="{HORIZON}" fill="url(#sky)"/>',
        # Sun and clouds.
        '<circle cx="186" cy="38" r="16" fill="#ffcc33"/>',
        sun_rays(186, 38, 21, 28),
        '<g fill="#ffffff"><ellipse cx="52" cy="30" rx="22" ry="9"/><ellipse cx="64" cy="23" rx="13" ry="9"/>'
        '<ellipse cx="42" cy="25" rx="10" ry="7"/></g>',
        # Ground, with a darker hill behind the house.
        f'<path d="M0 {HORIZON - 6}Q60 {HORIZON - 22} 120 {HORIZON}L0 {HORIZON}Z" fill="#5f9f4b"/>',
        f'<rect y="{HORIZON}" width="{SIZE}" height="{SIZE - HORIZON}" fill="#72b85a"/>',
        f'<path d="M0 {SIZE - 20}Q112 {SIZE - 34} {SIZE} {SIZE - 16}L{SIZE} {SIZE}L0 {SIZE}Z" fill="#66a84f"/>',
        # House: walls, roof, chimney, door and two windows.
        '<rect x="80" y="62" width="9" height="20" fill="#8a3a30"/>',
        '<rect x="22" y="92" width="76" height="56" fill="#ecd6b3" stroke="#7a5c3a" stroke-width="1.5"/>',
        '<path d="M15 95L60 58L105 95Z" fill="#b5473a" stroke="#7d2f26" stroke-width="1.5" stroke-linejoin="round"/>',
        '<rect x="52" y="116" width="16" height="32" fill="#7a4a2a"/>',
        '<circle cx="64" cy="133" r="1.5" fill="#f2d27a"/>',
        '<g fill="#bfe3f5" stroke="#7a5c3a" stroke-width="1.5">'
        '<rect x="29" y="102" width="16" height="14"/><rect x="75" y="102" width="16" height="14"/></g>',
        # Tree: trunk and crown.
        '<rect x="131" y="100" width="10" height="48" fill="#7a5230"/>',
        '<g fill="#2f8a3e"><circle cx="136" cy="86" r="24"/><circle cx="120" cy="100" r="14"/>'
        '<circle cx="153" cy="99" r="14"/></g>',
    ]
    for left, top, width in BIRDS:
        lines.append(f'<use xlink:href="#bird" href="#bird" transform="translate({left} {top}) scale({width / 20:g})"/>')
    for left, top, height in CATS:
        lines.append(f'<use xlink:href="#cat" href="#cat" transform="translate({left} {top}) scale({height / 100:g})"/>')
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def main() -> int:
    OUTPUT.write_text(scene_svg(), encoding="utf-8")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
