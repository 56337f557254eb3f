"""MkDocs hook: render TeX math to MathML at build time.

pymdownx.arithmatex in generic mode wraps math in `<span class="arithmatex">\\(...\\)</span>`
and `<div class="arithmatex">\\[...\\]</div>`. This hook replaces each with MathML
from latex2mathml, so pages need no math script and no CDN, and formulas show
with JavaScript off.
"""

from __future__ import annotations

import html
import logging
import re

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.plugins.rf_lab.math")

_MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])</(?P=tag)>',
    re.S,
)


def on_page_content(html_text: str, *, page, config, files) -> str:
    """Replace arithmatex's generic math markup with MathML."""

    def replace(match: re.Match) -> str:
        block = match.group("block") is not None
        tex = html.unescape(match.group("block") if block else match.group("inline"))
        try:
            mathml = convert(tex.strip(), display="block" if block else "inline")
        except Exception as error:  # noqa: BLE001 (latex2mathml raises many types for bad TeX)
            raise PluginError(f"{page.file.src_uri}: cannot render math {tex!r} to MathML: {error}") from error
        if block:
            return f'<div class="rf-math">{mathml}</div>'
        return mathml

    return _MATH.sub(replace, html_text)
