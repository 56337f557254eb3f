"""The built site loads nothing from other hosts.

Every address that a browser would load is listed from the built files:

- HTML: `src`, `srcset`, `href` or `data` of script, link, img, source, iframe,
  object, embed, video, audio, and SVG image and use elements, `url(...)` in
  `style` attributes, and the URL of a `<meta http-equiv="refresh">`;
- CSS: `url(...)` and `@import`;
- JavaScript: string literals passed to static and dynamic `import`, `fetch`,
  `new Worker`, `new URL` and `importScripts`, in the site's own scripts, the
  theme's bundles and Pyodide's runtime modules.

Each must be relative, or use a scheme that loads nothing from a host (`data:`,
`blob:`). Ordinary `<a href>` links to other sites (the references, the footer)
are navigation that the reader chooses, not loads, so they are allowed and not
listed. Local references from HTML and CSS must also name files that exist.

The theme and Pyodide contain a few absolute URLs that the site never requests,
because of how it is configured. Those are listed in KNOWN_UNREQUESTED with the
reason, and a URL that is not listed fails the test. The browser tests check the
same at run time: a request to another origin fails them.
"""

from __future__ import annotations

import html.parser
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

LOADING_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "object": ("data",),
    "embed": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
}
# Link relations that load nothing: the browser only shows or follows them on request.
NON_LOADING_RELATIONS = {"canonical", "alternate", "author", "license", "next", "prev", "search"}
LOCAL_SCHEMES = {"data", "blob"}

CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')]*)\1\s*\)""", re.IGNORECASE)
CSS_IMPORT = re.compile(r"""@import\s+(["'])([^"']+)\1""", re.IGNORECASE)
JS_LOADS = re.compile(
    r"""(?:\bimport\s*\(\s*|\bfrom\s*|\bimport\s+|\bfetch\s*\(\s*|\bnew\s+Worker\s*\(\s*|\bnew\s+URL\s*\(\s*|\bimportScripts\s*\(\s*)"""
    r"""(["'`])([^"'`]*)\1"""
)
JS_ABSOLUTE_URL = re.compile(r"""["'`]((?:https?|wss?):)?//[^"'`\s]*["'`]""")

# Absolute URLs in the JavaScript that the site loads, which the site never requests.
# Each pattern is matched against the URL literal, so a new URL fails the test.
KNOWN_UNREQUESTED: dict[str, tuple[str, str]] = {
    # mkdocs-material loads its polyfill only when the browser lacks ResizeObserver,
    # which every browser that runs module workers and WebAssembly has.
    "theme ResizeObserver polyfill": (r"javascripts/bundle\.", r"/resize-observer-polyfill"),
    # The theme loads Mermaid only on pages with Mermaid diagrams; this site has none.
    "theme Mermaid loader": (r"javascripts/bundle\.", r"/mermaid@"),
    # The theme reads repository facts only when mkdocs.yml sets repo_url, which it does not.
    "theme GitHub facts": (r"javascripts/bundle\.", r"^https://api\.github\.com/"),
    "theme GitLab facts": (r"javascripts/bundle\.", r"^https://\$\{e\}/api/v4/"),
    # A link in the clipboard library's error message.
    "theme clipboard message": (r"javascripts/bundle\.", r"^https://clipboardjs\.com/"),
    # Links in lunr's licence text and warnings.
    "search worker comments": (r"workers/search\.", r"^https?://(lunrjs\.com|tartarus\.org|bit\.ly)/?"),
    # Pyodide's fallback package address, used only when packageBaseUrl is unset.
    # rf-worker.js sets packageBaseUrl to this site's runtime folder, and rf_core
    # needs no package beyond the standard library.
    "Pyodide package fallback": (r"pyodide/[^/]+/pyodide\.mjs$", r"^https://[^/]+/pyodide/v\$\{"),
    # Emscripten's socket emulation turns a host name into a URL; rf_core opens no socket.
    "Pyodide socket host": (r"pyodide/[^/]+/pyodide\.asm\.mjs$", r"^https://\$\{t\}$"),
}
# Module specifiers of Node's built-ins: Pyodide imports them only when it runs in
# Node, which it detects before importing. A browser never resolves them.
NODE_SPECIFIER = re.compile(r"^node:[a-z_/]+$")


class _LoadedReferences(html.parser.HTMLParser):
    """Collects every address an HTML page makes the browser load."""

    def __init__(self) -> None:
        super().__init__()
        self.references: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and set(values.get("rel", "").lower().split()) & NON_LOADING_RELATIONS:
            return
        for name in LOADING_ATTRIBUTES.get(tag, ()):
            if name not in values:
                continue
            if name == "srcset":
                for candidate in values[name].split(","):
                    if candidate.strip():
                        self.references.append((f"<{tag} {name}>", candidate.split()[0]))
            else:
                self.references.append((f"<{tag} {name}>", values[name]))
        if "style" in values:
            self.references.extend(("style attribute", match.group(2)) for match in CSS_URL.finditer(values["style"]))
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            match = re.search(r"url\s*=\s*(.+)", values.get("content", ""), re.IGNORECASE)
            if match:
                self.references.append(("<meta refresh>", match.group(1).strip("'\" ")))


def is_outside(url: str) -> bool:
    """Whether a reference loads from another host: an absolute or protocol-relative URL."""
    url = url.strip()
    if url.startswith("//"):
        return True
    scheme = urlsplit(url).scheme.lower()
    return bool(scheme) and scheme not in LOCAL_SCHEMES


def local_target(site: Path, document: Path, url: str) -> Path | None:
    """Return the file a relative or root-relative reference names, or None for data: and the like."""
    if urlsplit(url).scheme or not url.strip():
        return None
    base = "/" + document.relative_to(site).as_posix()
    path = unquote(urlsplit(urljoin(base, url)).path)
    target = site / path.lstrip("/")
    return target / "index.html" if path.endswith("/") else target


@pytest.fixture(scope="module")
def site(built_site: Path) -> Path:
    return built_site


def test_html_loads_only_local_files(site: Path):
    outside = []
    missing = []
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 7

    for page in pages:
        parser = _LoadedReferences()
        parser.feed(page.read_text(encoding="utf-8"))
        for where, url in parser.references:
            if is_outside(url):
                outside.append(f"{page.relative_to(site)} {where}: {url}")
                continue
            target = local_target(site, page, url)
            if target is not None and not target.exists():
                missing.append(f"{page.relative_to(site)} {where}: {url}")

    assert outside == []
    assert missing == []


def test_css_loads_only_local_files(site: Path):
    outside = []
    missing = []
    stylesheets = sorted(site.rglob("*.css"))
    assert stylesheets

    for stylesheet in stylesheets:
        text = stylesheet.read_text(encoding="utf-8")
        urls = [match.group(2) for match in CSS_URL.finditer(text)] + [match.group(2) for match in CSS_IMPORT.finditer(text)]
        for url in urls:
            if is_outside(url):
                outside.append(f"{stylesheet.relative_to(site)}: {url}")
                continue
            target = local_target(site, stylesheet, url)
            if target is not None and not url.startswith("#") and not target.exists():
                missing.append(f"{stylesheet.relative_to(site)}: {url}")

    assert outside == []
    assert missing == []


def _known_unrequested(relative: str, url: str) -> bool:
    return any(
        re.search(file_pattern, relative) and re.search(url_pattern, url)
        for file_pattern, url_pattern in KNOWN_UNREQUESTED.values()
    )


def test_javascript_loads_only_local_files(site: Path):
    outside = []
    scripts = sorted(path for path in site.rglob("*") if path.suffix in (".js", ".mjs"))
    assert any(path.name == "pyodide.mjs" for path in scripts)

    for script in scripts:
        relative = script.relative_to(site).as_posix()
        text = script.read_text(encoding="utf-8", errors="replace")
        for match in JS_LOADS.finditer(text):
            url = match.group(2)
            if NODE_SPECIFIER.match(url) or not is_outside(url) or _known_unrequested(relative, url):
                continue
            outside.append(f"{relative}: {url}")

    assert outside == []


def test_loaded_javascript_has_no_unlisted_urls(site: Path):
    """Every absolute URL literal in the scripts the pages load, used or not, must be listed."""
    loaded = sorted(site.glob("assets/javascripts/*.js")) + sorted(site.glob("assets/javascripts/workers/*.js"))
    loaded += sorted(site.glob("assets/pyodide/*/*.mjs"))
    unlisted = []

    for script in loaded:
        relative = script.relative_to(site).as_posix()
        text = script.read_text(encoding="utf-8", errors="replace")
        for match in JS_ABSOLUTE_URL.finditer(text):
            url = match.group(0)[1:-1]
            # A bare scheme such as "ws://" is a prefix that code completes: Emscripten's
            # socket emulation builds WebSocket URLs from it, and rf_core opens no socket.
            if re.fullmatch(r"(?:[a-z]+:)?//", url) or _known_unrequested(relative, url):
                continue
            unlisted.append(f"{relative}: {url}")

    assert unlisted == []
