"""Run the built site under its Content-Security-Policy in headless Chromium.

The site is served from 127.0.0.1 with the header from `site/csp.txt`, which the
`hooks/csp.py` hook writes. Every page is visited, and an init script records
every `securitypolicyviolation` event. Console errors are recorded too, because
a violation inside the Pyodide worker fires no event in the page.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
REQUIRED_POLICY_START = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"
BOOT_TIMEOUT_MS = 90_000
STATUS_READY = "Ready: results are computed in your browser."
STATUS_COMPUTED = "Computed in your browser."

RECORD_VIOLATIONS = """
window.rfCspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.rfCspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


def make_handler(directory: Path, policy: str) -> type[SimpleHTTPRequestHandler]:
    """Return a static file handler that sends `policy` as Content-Security-Policy on every response."""

    class PolicyHandler(SimpleHTTPRequestHandler):
        extensions_map = {
            **SimpleHTTPRequestHandler.extensions_map,
            ".wasm": "application/wasm",
            ".mjs": "text/javascript",
            ".js": "text/javascript",
            ".json": "application/json",
        }

        def end_headers(self) -> None:
            self.send_header("Content-Security-Policy", policy)
            super().end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return functools.partial(PolicyHandler, directory=str(directory))


@pytest.fixture(scope="module")
def policy(built_site: Path) -> str:
    return (built_site / "csp.txt").read_text(encoding="utf-8").strip()


@pytest.fixture(scope="module")
def strict_site_url(built_site: Path, policy: str) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(built_site, policy))
    thread = threading.Thread(target=server.serve_forever, name="csp-site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class StrictBrowser:
    """A Chromium page and the console errors it logged."""

    context: sync_api.BrowserContext
    page: sync_api.Page
    console_errors: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        return self.page.evaluate("window.rfCspViolations || []")


@pytest.fixture
def strict_browser(playwright: sync_api.Playwright, tmp_path: Path) -> Iterator[StrictBrowser]:
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900},
    )
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.pages[0] if context.pages else context.new_page()
    browser = StrictBrowser(context, page)

    def record(message: sync_api.ConsoleMessage) -> None:
        if message.type == "error":
            browser.console_errors.append(message.text)

    page.on("console", record)
    page.on("worker", lambda worker: worker.on("console", record))
    try:
        yield browser
    finally:
        context.close()


def site_pages(built_site: Path) -> list[str]:
    """Return the site-relative URL of every page, such as `calculator/`."""
    pages = []
    for path in sorted(built_site.rglob("index.html")):
        relative = path.parent.relative_to(built_site).as_posix()
        pages.append("" if relative == "." else relative + "/")
    return pages


def test_policy_is_strict(policy: str):
    assert policy.startswith(REQUIRED_POLICY_START)
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "*" not in policy


def test_every_page_without_violations(strict_browser: StrictBrowser, strict_site_url: str, built_site: Path):
    pages = site_pages(built_site)
    assert "hosting/" in pages

    violations = {}
    for relative in pages:
        strict_browser.page.goto(urljoin(strict_site_url, relative))
        strict_browser.page.wait_for_load_state("load")
        found = strict_browser.violations()
        if found:
            violations[relative] = found

    assert violations == {}
    assert strict_browser.console_errors == []


def test_palette_toggle_under_policy(strict_browser: StrictBrowser, strict_site_url: str):
    page = strict_browser.page
    page.goto(strict_site_url)
    before = page.evaluate("document.body.getAttribute('data-md-color-scheme')")

    page.locator("form[data-md-component=palette] label:visible").first.click()
    page.wait_for_function(
        "before => document.body.getAttribute('data-md-color-scheme') !== before", arg=before
    )

    assert strict_browser.violations() == []
    assert strict_browser.console_errors == []


def test_search_under_policy(strict_browser: StrictBrowser, strict_site_url: str):
    page = strict_browser.page
    page.goto(strict_site_url)
    search = page.locator("input.md-search__input")
    search.click()
    # The theme searches on key events, which fill() does not send.
    search.press_sequentially("stride", delay=50)

    results = page.locator(".md-search-result__item")
    sync_api.expect(results.first).to_be_visible(timeout=30_000)
    assert strict_browser.violations() == []
    assert strict_browser.console_errors == []


def test_calculator_computes_under_policy(strict_browser: StrictBrowser, strict_site_url: str):
    page = strict_browser.page
    page.goto(urljoin(strict_site_url, "calculator/"))
    calculator = page.locator(".rf-calculator").first
    status = calculator.locator(".rf-calculator__status")
    sync_api.expect(status).to_have_text(STATUS_READY, timeout=BOOT_TIMEOUT_MS)

    textarea = calculator.locator(".rf-calculator__spec")
    textarea.fill(textarea.input_value() + "\nconv k=3")
    sync_api.expect(status).to_have_text(STATUS_COMPUTED, timeout=BOOT_TIMEOUT_MS)

    assert strict_browser.violations() == []
    assert strict_browser.console_errors == []
