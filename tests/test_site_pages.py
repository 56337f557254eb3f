"""Visit every page of the built site in headless Chromium, at desktop and phone width.

Every page listed in the built sitemap or in the navigation is opened with a
full page load, 1280 and 375 CSS pixels wide. A page fails on:

- a console message of type error, or an uncaught exception;
- a failed request, or an HTTP status of 400 or more;
- a link on this site whose page, file or #anchor does not exist;
- an image that does not load;
- at 375 pixels, a document wider than the viewport.

Pages with calculators are watched until the Python runtime has started, so
errors of the worker count too. The fixtures come from test_browser.py.
"""

from __future__ import annotations

import html.parser
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from test_browser import (  # noqa: F401 (fixtures are used by name)
    BOOT_TIMEOUT_MS,
    Browser,
    browser,
    site_url,
    sync_api,
)

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
WIDTHS = (1280, PHONE_WIDTH)
VIEWPORT_HEIGHT = 900
RUNTIME_SETTLED = re.compile(r"Ready: results are computed in your browser\.|Recomputing in the browser is unavailable")
MAX_OFFENDERS = 5


# --- Pages and targets of the built site ---------------------------------------------


class _PageIndex(html.parser.HTMLParser):
    """Collects the ids and anchor names of a page, and the links of its primary navigation."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.nav_links: list[str] = []
        self._nav_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            if values.get(name):
                self.ids.add(values[name])
        classes = (values.get("class") or "").split()
        if tag == "nav" and "md-nav--primary" in classes:
            self._nav_depth = 1
        elif tag == "nav" and self._nav_depth:
            self._nav_depth += 1
        if tag == "a" and self._nav_depth and "md-nav__link" in classes and values.get("href"):
            self.nav_links.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._nav_depth:
            self._nav_depth -= 1


@cache
def _index_file(path: Path) -> _PageIndex:
    parser = _PageIndex()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def site_file(site: Path, url_path: str) -> Path | None:
    """Return the built file that a static server sends for this URL path, or None."""
    relative = unquote(url_path).lstrip("/")
    candidate = site / relative
    if relative == "" or relative.endswith("/") or candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def site_pages(site: Path) -> list[str]:
    """Return the paths, relative to the site root, of every page in the sitemap or the navigation."""
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    root = min(locations, key=len)
    pages = {location.removeprefix(root) for location in locations}
    home = site / "index.html"
    for link in _index_file(home).nav_links:
        parts = urlsplit(urljoin("http://site.invalid/", link))
        if parts.netloc == "site.invalid" and parts.path.endswith("/"):
            pages.add(parts.path.lstrip("/"))
    return sorted(pages)


def link_problem(site: Path, origin: str, page_url: str, href: str) -> str | None:
    """Return why a same-site link is broken, or None when its target exists."""
    target = urlsplit(urljoin(page_url, href))
    if f"{target.scheme}://{target.netloc}" != origin:
        return None
    path = site_file(site, target.path)
    if path is None:
        return f"link {href!r}: {target.path} does not exist"
    if target.fragment and path.suffix == ".html":
        fragment = unquote(target.fragment)
        if fragment not in _index_file(path).ids:
            return f"link {href!r}: {target.path} has no element with id {fragment!r}"
    return None


# --- In the browser -------------------------------------------------------------------

# Returns the outermost visible elements whose right edge lies beyond the viewport
# and that no ancestor clips or scrolls, as "tag#id.class" descriptions.
_OVERFLOWING_ELEMENTS = """
(limit) => {
  const width = document.documentElement.clientWidth;
  const clips = (element) => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(element).overflowX);
  const found = [];
  const walk = (element) => {
    for (const child of element.children) {
      const rect = child.getBoundingClientRect();
      if (rect.width > 0 && rect.right > width + 0.5) {
        const id = child.id ? `#${child.id}` : "";
        const classes = [...child.classList].slice(0, 2).map((name) => `.${name}`).join("");
        found.push(`${child.tagName.toLowerCase()}${id}${classes} (right edge ${Math.round(rect.right)} px)`);
      } else if (!clips(child)) {
        walk(child);
      }
    }
  };
  walk(document.body);
  return found.slice(0, limit);
}
"""

# Loads every img and every SVG <image> again and returns the sources that fail to decode.
_BROKEN_IMAGES = """
async () => {
  const sources = [
    ...[...document.images].map((image) => image.currentSrc || image.src),
    ...[...document.querySelectorAll("svg image")].map((image) =>
      new URL(image.getAttribute("href") || image.getAttribute("xlink:href") || "", document.baseURI).href),
  ];
  const broken = [];
  for (const source of new Set(sources)) {
    const probe = new Image();
    probe.src = source;
    try {
      await probe.decode();
    } catch {
      broken.push(source);
    }
  }
  return broken;
}
"""


@dataclass
class PageProblems:
    """What went wrong while one page was open, by the page's path."""

    current: str = ""
    problems: dict[str, list[str]] = field(default_factory=dict)

    def add(self, message: str, page: str | None = None) -> None:
        self.problems.setdefault(page if page is not None else self.current, []).append(message)

    def report(self) -> str:
        return "\n".join(
            f"/{page}: {message}" for page, messages in sorted(self.problems.items()) for message in messages
        )


def watch(browser: Browser, problems: PageProblems) -> None:
    def on_console(message: sync_api.ConsoleMessage) -> None:
        if message.type == "error":
            problems.add(f"console error: {message.text}")

    def on_failed(request: sync_api.Request) -> None:
        problems.add(f"request failed: {request.method} {request.url} ({request.failure})")

    def on_response(response: sync_api.Response) -> None:
        if response.status >= 400:
            problems.add(f"HTTP {response.status}: {response.request.method} {response.url}")

    browser.page.on("console", on_console)
    browser.page.on("pageerror", lambda error: problems.add(f"uncaught exception: {error}"))
    browser.context.on("requestfailed", on_failed)
    browser.context.on("response", on_response)


def wait_for_runtime(page: sync_api.Page) -> None:
    """Bring the first calculator into view, which starts the worker, and wait until it is ready or failed."""
    calculators = page.locator(".rf-calculator[data-rf-attached]")
    if calculators.count() == 0:
        return
    first = calculators.first
    first.scroll_into_view_if_needed()
    sync_api.expect(first.locator(".rf-calculator__status")).to_have_text(RUNTIME_SETTLED, timeout=BOOT_TIMEOUT_MS)


def check_page(browser: Browser, site: Path, site_url: str, path: str, width: int, problems: PageProblems) -> None:
    page = browser.page
    url = urljoin(site_url, path)
    problems.current = path
    page.goto(url, wait_until="load")
    if page.locator(".rf-calculator").count() > 0:
        sync_api.expect(page.locator(".rf-calculator").first).to_have_attribute("data-rf-attached", "1")
    wait_for_runtime(page)
    page.wait_for_load_state("networkidle")

    hrefs = page.locator("a[href]").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    for href in sorted(set(hrefs)):
        problem = link_problem(site, browser.origin, url, href)
        if problem:
            problems.add(problem)

    for source in page.evaluate(_BROKEN_IMAGES):
        problems.add(f"image does not load: {source}")

    if width == PHONE_WIDTH:
        scroll_width, client_width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if scroll_width > client_width:
            offenders = page.evaluate(_OVERFLOWING_ELEMENTS, MAX_OFFENDERS)
            problems.add(
                f"document is {scroll_width} px wide in a {client_width} px viewport; "
                f"overflowing: {', '.join(offenders) or 'no single element found'}"
            )


# --- Tests ----------------------------------------------------------------------------


def test_site_lists_pages(built_site: Path) -> None:
    pages = site_pages(built_site)

    assert "" in pages, "the home page is missing from the sitemap"
    assert "calculator/" in pages
    for path in pages:
        assert site_file(built_site, path) is not None, f"/{path} is listed but was not built"


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_clean(browser: Browser, built_site: Path, site_url: str, width: int) -> None:
    browser.page.set_viewport_size({"width": width, "height": VIEWPORT_HEIGHT})
    problems = PageProblems()
    watch(browser, problems)

    for path in site_pages(built_site):
        check_page(browser, built_site, site_url, path, width, problems)

    if problems.problems:
        pytest.fail(f"problems at {width} px wide:\n{problems.report()}", pytrace=False)
