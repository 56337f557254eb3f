"""Compute the site's Content-Security-Policy from the built pages and write it to `csp.txt`.

The site's own scripts are files, but mkdocs-material's base template puts small
inline scripts in every page (the storage scope, the saved palette, the scroll to
the URL's fragment). A policy of `script-src 'self'` blocks them, so this hook hashes
every inline script of every built page and allows exactly those hashes. Markdown
tables with aligned columns carry `style="text-align: ..."` attributes, which are
allowed the same way through `'unsafe-hashes'`. Nothing is allowed with
`'unsafe-inline'`.

The policy depends on the theme version and the pages, so it is computed on every
build: `site/csp.txt` contains it on one line, and the token `RF_LAB_CSP_POLICY` in
a page (the hosting guide) is replaced with it. The token `RF_LAB_RUNTIME_MB` is
replaced with the size of the runtime files in megabytes, which the hosting guide
states, so that its numbers always describe the build they are part of.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

log = logging.getLogger("mkdocs.plugins.rf_lab.csp")

POLICY_FILE = "csp.txt"
POLICY_TOKEN = "RF_LAB_CSP_POLICY"
RUNTIME_SIZE_TOKEN = "RF_LAB_RUNTIME_MB"
RUNTIME_DIR = Path("assets", "pyodide")

# A script element's opening tag and its text. Scripts with a src have no text.
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.IGNORECASE | re.DOTALL)
_STYLE_ATTRIBUTE = re.compile(r"""\sstyle=(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_TYPE_ATTRIBUTE = re.compile(r"""\btype=["']?([^"'\s>]+)""", re.IGNORECASE)
# Types that a browser runs. Others, such as application/json, are data blocks,
# which CSP does not restrict.
_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}


def on_post_build(*, config: MkDocsConfig) -> None:
    """Write `csp.txt` and fill the policy and runtime size into the pages that show them."""
    site_dir = Path(config.site_dir)
    pages = sorted(site_dir.rglob("*.html"))
    policy = build_policy(pages)
    (site_dir / POLICY_FILE).write_text(policy + "\n", encoding="utf-8")

    runtime_mb = f"{runtime_size_bytes(site_dir) / 1e6:.1f}"
    for path in pages + [site_dir / "search" / "search_index.json"]:
        if path.is_file():
            _fill_tokens(path, policy, runtime_mb)
    log.debug("Wrote %s: %s", POLICY_FILE, policy)


def build_policy(pages: list[Path]) -> str:
    """Return the policy that allows the given pages' inline scripts and style attributes."""
    script_hashes: set[str] = set()
    style_hashes: set[str] = set()
    for page in pages:
        text = page.read_text(encoding="utf-8")
        script_hashes.update(inline_script_hashes(text))
        style_hashes.update(style_attribute_hashes(text))

    script_src = ["'self'", "'wasm-unsafe-eval'"] + sorted(script_hashes)
    style_src = ["'self'"] + (["'unsafe-hashes'"] + sorted(style_hashes) if style_hashes else [])
    directives = [
        "default-src 'self'",
        "script-src " + " ".join(script_src),
        "style-src " + " ".join(style_src),
        # The theme's stylesheet draws its icons from data: SVG images.
        "img-src 'self' data:",
    ]
    return "; ".join(directives)


def inline_script_hashes(page_html: str) -> set[str]:
    """Return the CSP source expressions ('sha256-...') of a page's inline scripts."""
    hashes = set()
    for match in _SCRIPT.finditer(page_html):
        attributes, body = match.group(1), match.group(2)
        if re.search(r"\bsrc=", attributes, re.IGNORECASE):
            continue
        type_match = _TYPE_ATTRIBUTE.search(attributes)
        if (type_match.group(1).lower() if type_match else "") not in _SCRIPT_TYPES:
            continue
        hashes.add(_source_hash(body))
    return hashes


def style_attribute_hashes(page_html: str) -> set[str]:
    """Return the CSP source expressions of a page's `style` attribute values."""
    hashes = set()
    for match in _STYLE_ATTRIBUTE.finditer(page_html):
        value = match.group(1) if match.group(1) is not None else match.group(2)
        # The browser hashes the attribute's value after HTML entities are decoded.
        hashes.add(_source_hash(html.unescape(value)))
    return hashes


def runtime_size_bytes(site_dir: Path) -> int:
    """Return the size of the Pyodide runtime and the rf_core archive in the built site."""
    files = [path for path in (site_dir / RUNTIME_DIR).rglob("*") if path.is_file()]
    files += list((site_dir / "assets" / "rf-lab").glob("rf_core-*.zip"))
    return sum(path.stat().st_size for path in files)


def _source_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _fill_tokens(path: Path, policy: str, runtime_mb: str) -> None:
    text = path.read_text(encoding="utf-8")
    if POLICY_TOKEN not in text and RUNTIME_SIZE_TOKEN not in text:
        return
    if path.suffix == ".json":
        # The token sits inside a string of the search index, so escape it as a JSON string body.
        escaped_policy = json.dumps(policy)[1:-1]
    else:
        escaped_policy = html.escape(policy, quote=False)
    text = text.replace(POLICY_TOKEN, escaped_policy).replace(RUNTIME_SIZE_TOKEN, runtime_mb)
    path.write_text(text, encoding="utf-8")
