"""Step through a frames diagram of the built site in headless Chromium.

The site is served from 127.0.0.1 by a thread of this process; a request to any
other origin fails the test.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
BROWSER_TIMEOUT_SECONDS = 120


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def diagrams_url(built_site: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(built_site)))
    thread = threading.Thread(target=server.serve_forever, name="diagrams-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/diagrams/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def run_in_browser(url: str, check: Callable[[sync_api.Page], None]) -> None:
    """Open `url` in a fresh headless Chromium and run `check` on the page.

    Playwright's sync API refuses to start in a thread that already runs one, as
    the session-wide browser of test_browser.py does, so this runs in a thread
    of its own and re-raises whatever `check` raised.
    """
    requests: list[str] = []
    errors: list[str] = []
    failures: list[BaseException] = []

    def work() -> None:
        try:
            with sync_api.sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 375, "height": 800})
                page.on("request", lambda request: requests.append(request.url))
                page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
                page.goto(url)
                check(page)
                browser.close()
        except BaseException as error:  # noqa: BLE001 (re-raised in the test's thread below)
            failures.append(error)

    thread = threading.Thread(target=work, name="diagrams-browser")
    thread.start()
    thread.join(timeout=BROWSER_TIMEOUT_SECONDS)
    assert not thread.is_alive(), f"the browser did not finish within {BROWSER_TIMEOUT_SECONDS} s"
    if failures:
        raise failures[0]
    origin = url.split("/diagrams/")[0]
    assert [address for address in requests if not address.startswith(origin)] == []
    assert errors == []


def _shown_frames(figure: sync_api.Locator) -> list[str]:
    return figure.locator(".rf-dg-frame").evaluate_all(
        "frames => frames.filter(frame => frame.getAttribute('display') !== 'none').map(frame => frame.dataset.frame)"
    )


def check_step_control(page: sync_api.Page) -> None:
    figure = page.locator("#rf-diagram-1")
    controls = figure.locator(".rf-diagram__controls")
    sync_api.expect(controls).to_be_visible()
    sync_api.expect(figure.locator(".rf-diagram__no-script")).to_be_hidden()
    assert _shown_frames(figure) == ["1"]

    figure.locator(".rf-diagram__next").click()
    assert _shown_frames(figure) == ["2"]
    sync_api.expect(figure.locator(".rf-diagram__status")).to_have_text("Unit 2 reads positions 3 to 5.")
    sync_api.expect(figure.locator(".rf-diagram__value")).to_have_text("3 of 4")

    figure.locator(".rf-diagram__step").fill("0")
    assert _shown_frames(figure) == ["0"]
    sync_api.expect(figure.locator(".rf-diagram__prev")).to_be_disabled()


def check_next_stops_at_end(page: sync_api.Page) -> None:
    figure = page.locator("#rf-diagram-1")
    for _ in range(5):
        if figure.locator(".rf-diagram__next").is_enabled():
            figure.locator(".rf-diagram__next").click()
    assert _shown_frames(figure) == ["3"]
    sync_api.expect(figure.locator(".rf-diagram__next")).to_be_disabled()


def test_step_control_shows_one_frame(diagrams_url: str) -> None:
    run_in_browser(diagrams_url, check_step_control)


def test_next_stops_at_last_frame(diagrams_url: str) -> None:
    run_in_browser(diagrams_url, check_next_stops_at_end)
