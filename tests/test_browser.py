"""Drive the built site in headless Chromium: calculators recompute with Pyodide.

The site is built once per session with `mkdocs build --strict`, served from
127.0.0.1 by a thread of this process, and every browser request is recorded: a
request to any other origin fails the test that made it. Chromium's resolver maps
every other host to "not found", so such a request also never leaves the machine.
"""

from __future__ import annotations

import functools
import html.parser
import json
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[1]
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
CALCULATOR_PAGE = "calculator/"
# Booting Pyodide took about 4 s here (2 cores, warm disk cache). The loader gives up after 60 s.
BOOT_TIMEOUT_MS = 90_000

STATUS_COMPUTED = "Computed in your browser."
STATUS_READY = "Ready: results are computed in your browser."
RECEPTIVE_FIELD_COLUMN = 4
NAVIGATION_RELOADED = (
    "the nav link loaded a new document; mkdocs-material enables instant navigation "
    "only for pages listed in sitemap.xml, which stays empty unless mkdocs.yml sets site_url"
)


# --- Site and server --------------------------------------------------------------


class SiteRequestHandler(SimpleHTTPRequestHandler):
    """Static file handler with the MIME types that Pyodide needs, and no access log."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    handler = functools.partial(SiteRequestHandler, directory=str(built_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class Browser:
    """A fresh Chromium profile and every request it made, as "METHOD URL"."""

    context: sync_api.BrowserContext
    page: sync_api.Page
    origin: str
    requests: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if _origin(url) != self.origin]

    def count_requests(self, suffix: str, method: str = "GET") -> int:
        """Count requests with this method whose URL ends with `suffix`."""
        return sum(
            1
            for entry in self.requests
            if entry.startswith(f"{method} ") and entry.endswith(suffix)
        )


def _origin(url: str) -> str:
    parts = urlsplit(url.split(" ", 1)[-1])
    return f"{parts.scheme}://{parts.netloc}"


def _launch(playwright: sync_api.Playwright, profile_dir: Path, site_url: str, **options) -> Browser:
    context = playwright.chromium.launch_persistent_context(
        str(profile_dir),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900},
        **options,
    )
    page = context.pages[0] if context.pages else context.new_page()
    browser = Browser(context=context, page=page, origin=_origin(site_url))

    def record(request: sync_api.Request) -> None:
        browser.requests.append(f"{request.method} {request.url}")

    context.on("request", record)
    context.route("**/sitemap.xml", functools.partial(_serve_sitemap_for_origin, origin=browser.origin))
    return browser


def _serve_sitemap_for_origin(route: sync_api.Route, *, origin: str) -> None:
    """Rewrite the sitemap's URLs from the configured site_url to the test server.

    mkdocs-material 9.8.1 enables instant navigation only for links listed in
    sitemap.xml, and maps those URLs onto the current protocol and host name but
    keeps their port. On a server with a random port every link would therefore
    load a new document, which a deployment at its site_url never does.
    """
    response = route.fetch()
    sitemap = response.text()
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    site_root = min(locations, key=len) if locations else ""
    rewritten = sitemap.replace(f"<loc>{site_root}", f"<loc>{origin}/") if site_root else sitemap
    route.fulfill(response=response, body=rewritten)


@pytest.fixture
def browser(playwright: sync_api.Playwright, tmp_path: Path, site_url: str) -> Iterator[Browser]:
    instance = _launch(playwright, tmp_path / "profile", site_url)
    try:
        yield instance
    finally:
        instance.context.close()
    assert instance.foreign_requests() == [], "requests left the site's origin"


# --- Page helpers -----------------------------------------------------------------


class _TableCells(html.parser.HTMLParser):
    """Collects the text of every `<td>` of every row that has one."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows_from_html(markup: str) -> list[list[str]]:
    parser = _TableCells()
    parser.feed(markup)
    return [row for row in parser.rows if row]


def table_rows(calculator: sync_api.Locator) -> list[list[str]]:
    return table_rows_from_html(calculator.locator(".rf-calculator__result").inner_html())


def first_int(text: str) -> int:
    match = re.search(r"\d+", text)
    assert match is not None, f"no number in {text!r}"
    return int(match.group())


def wait_for_status(page: sync_api.Page, calculator: sync_api.Locator, expected: str) -> None:
    status = calculator.locator(".rf-calculator__status")
    try:
        sync_api.expect(status).to_have_text(expected, timeout=BOOT_TIMEOUT_MS)
    except AssertionError:
        pytest.fail(f"status is {status.text_content()!r}, expected {expected!r}")


def change_first_kernel(spec: str, new_kernel: int) -> tuple[str, int]:
    """Return the spec with its first kernel size replaced, and the old kernel size."""
    match = re.search(r"\bk=(\d+)", spec)
    assert match is not None, f"no kernel size `k=N` in the spec:\n{spec}"
    edited = spec[: match.start(1)] + str(new_kernel) + spec[match.end(1) :]
    return edited, int(match.group(1))


def render_in_cpython(spec: str, input_size: str, unit: str) -> dict:
    sys.path.insert(0, str(REPO_ROOT))
    try:
        from rf_core.widget import render_calculator_json
    finally:
        sys.path.remove(str(REPO_ROOT))
    request = {"spec": spec, "input_size": input_size, "unit": unit}
    return json.loads(render_calculator_json(json.dumps(request)))


def click_nav_link(page: sync_api.Page, label: str) -> None:
    """Click the visible primary-nav link with this label and wait for its page."""
    link = page.locator("nav.md-nav--primary a.md-nav__link:visible", has_text=label).first
    target = urljoin(page.url, link.get_attribute("href") or "").split("#")[0]
    heading = page.locator("article h1").first.text_content()
    link.click()
    page.wait_for_url(target)
    # Instant navigation changes the URL before it swaps the content, so the click is
    # only done once the old page's heading is gone.
    sync_api.expect(page.locator("article h1").first).not_to_have_text(heading or "")


def open_calculator(browser: Browser, site_url: str) -> sync_api.Locator:
    browser.page.goto(urljoin(site_url, CALCULATOR_PAGE))
    calculator = browser.page.locator(".rf-calculator").first
    sync_api.expect(calculator).to_have_attribute("data-rf-attached", "1")
    return calculator


# --- Tests ------------------------------------------------------------------------


def test_prerendered_table_without_javascript(
    playwright: sync_api.Playwright, tmp_path: Path, site_url: str
) -> None:
    instance = _launch(playwright, tmp_path / "profile", site_url, java_script_enabled=False)
    try:
        instance.page.goto(urljoin(site_url, CALCULATOR_PAGE))
        calculator = instance.page.locator(".rf-calculator").first
        status = calculator.locator(".rf-calculator__status").text_content() or ""
        rows = table_rows(calculator)
        table_visible = calculator.locator("table.rf-table").is_visible()
        wasm_requests = instance.count_requests("/pyodide.asm.wasm")
    finally:
        instance.context.close()

    assert table_visible
    assert len(rows) >= 2, "the build should render one row per layer"
    assert all(len(row) == 9 for row in rows), rows
    assert "built" in status
    assert wasm_requests == 0
    assert instance.foreign_requests() == []


def test_prerendered_table_shown_while_runtime_loads(browser: Browser, site_url: str) -> None:
    # Hold back the worker script, so the page is observed before Pyodide can be ready.
    browser.context.route("**/rf-worker.js", lambda route: None)
    calculator = open_calculator(browser, site_url)

    assert calculator.locator("table.rf-table").is_visible()
    assert len(table_rows(calculator)) >= 2
    assert calculator.locator(".rf-calculator__error").is_hidden()


def test_kernel_edit_recomputed_in_worker(browser: Browser, site_url: str) -> None:
    calculator = open_calculator(browser, site_url)
    wait_for_status(browser.page, calculator, STATUS_READY)
    textarea = calculator.locator(".rf-calculator__spec")
    spec = textarea.input_value()
    input_size = calculator.locator(".rf-calculator__input-size").input_value()
    unit = calculator.locator(".rf-calculator__unit").input_value()
    field_before = first_int(table_rows(calculator)[-1][RECEPTIVE_FIELD_COLUMN])

    edited, old_kernel = change_first_kernel(spec, 9)
    textarea.fill(edited)
    wait_for_status(browser.page, calculator, STATUS_COMPUTED)
    rows = table_rows(calculator)
    field_after = first_int(rows[-1][RECEPTIVE_FIELD_COLUMN])

    # The first layer has effective stride 1, so changing its kernel by d changes the
    # receptive field of every later layer by exactly d. For AlexNet, k=11 -> 9 takes
    # the last pooling layer's field from 195 to 193.
    assert field_after == field_before - (old_kernel - 9)
    expected = render_in_cpython(edited, input_size, unit)
    assert expected["ok"] is True
    assert rows == table_rows_from_html(expected["html"])
    assert browser.page.locator(".rf-calculator__error").first.is_hidden()


def test_invalid_spec_keeps_last_table(browser: Browser, site_url: str) -> None:
    calculator = open_calculator(browser, site_url)
    wait_for_status(browser.page, calculator, STATUS_READY)
    textarea = calculator.locator(".rf-calculator__spec")
    spec = textarea.input_value()
    rows_before = table_rows(calculator)

    invalid = spec.rstrip("\n") + "\nconv k=0"
    expected = render_in_cpython(invalid, "", "")
    assert expected["ok"] is False
    textarea.fill(invalid)

    error = calculator.locator(".rf-calculator__error")
    sync_api.expect(error).to_be_visible(timeout=BOOT_TIMEOUT_MS)
    assert expected["error"]["message"] in (error.text_content() or "")
    assert table_rows(calculator) == rows_before
    # The error sits next to the inputs, before the status line and the table.
    order = calculator.evaluate(
        "root => [...root.children].map(child => child.className.split(' ')[0])"
    )
    assert order.index("rf-calculator__error") == order.index("rf-calculator__inputs") + 1

    textarea.fill(spec)
    wait_for_status(browser.page, calculator, STATUS_COMPUTED)
    assert error.is_hidden()
    assert table_rows(calculator) == rows_before


def test_instant_navigation_keeps_one_worker(browser: Browser, site_url: str) -> None:
    page = browser.page
    calculator = open_calculator(browser, site_url)
    wait_for_status(page, calculator, STATUS_READY)
    # A full page load would drop this property, but instant navigation keeps it.
    page.evaluate("window.rfTestMarker = 'same document'")

    calculator_url = page.url
    click_nav_link(page, "Home")
    assert page.url != calculator_url
    assert page.evaluate("window.rfTestMarker") == "same document", NAVIGATION_RELOADED

    click_nav_link(page, "Calculator")
    page.wait_for_url(calculator_url)
    assert page.evaluate("window.rfTestMarker") == "same document", NAVIGATION_RELOADED

    calculator = page.locator(".rf-calculator").first
    sync_api.expect(calculator).to_have_attribute("data-rf-attached", "1")
    wait_for_status(page, calculator, STATUS_READY)
    textarea = calculator.locator(".rf-calculator__spec")
    edited, _ = change_first_kernel(textarea.input_value(), 7)
    textarea.fill(edited)
    wait_for_status(page, calculator, STATUS_COMPUTED)

    assert page.evaluate("document.documentElement.dataset.rfBoots") == "1"
    assert browser.count_requests("/pyodide.asm.wasm") == 1


def test_no_request_leaves_origin(browser: Browser, site_url: str) -> None:
    calculator = open_calculator(browser, site_url)
    wait_for_status(browser.page, calculator, STATUS_READY)
    textarea = calculator.locator(".rf-calculator__spec")
    textarea.fill(textarea.input_value() + "\n")
    wait_for_status(browser.page, calculator, STATUS_COMPUTED)

    assert any(url.endswith("/pyodide.asm.wasm") for url in browser.requests)
    assert any(re.search(r"/rf_core-[0-9a-f]{12}\.zip$", url) for url in browser.requests)
    assert browser.foreign_requests() == []


def test_file_protocol_shows_serving_hint(
    playwright: sync_api.Playwright, tmp_path: Path, built_site: Path, site_url: str
) -> None:
    # Browsers run no module scripts from file:// pages, so the classic notice script
    # must explain why editing does not recompute, and the built table must stay.
    instance = _launch(playwright, tmp_path / "profile", site_url)
    try:
        instance.page.goto((built_site / "calculator" / "index.html").as_uri())
        calculator = instance.page.locator(".rf-calculator").first
        status = calculator.locator(".rf-calculator__status")
        sync_api.expect(status).to_contain_text("opened from disk")
        status_text = status.text_content() or ""
        rows = table_rows(calculator)
    finally:
        instance.context.close()

    assert "python -m http.server" in status_text
    assert len(rows) >= 2


def test_file_protocol_points_exercises_at_answer(
    playwright: sync_api.Playwright, tmp_path: Path, built_site: Path, site_url: str
) -> None:
    # The exercise module does not run from disk either, so each exercise says
    # why it has no answer field and where the answer is.
    instance = _launch(playwright, tmp_path / "profile", site_url)
    try:
        instance.page.goto((built_site / "tutorial" / "receptive-field" / "index.html").as_uri())
        exercise = instance.page.locator(".rf-exercise").first
        sync_api.expect(exercise.locator(".rf-exercise__result")).to_contain_text("opened from disk")
        check_hidden = exercise.locator(".rf-exercise__check").is_hidden()
        answer_summary = exercise.locator(".rf-exercise__answer summary").text_content()
    finally:
        instance.context.close()

    assert check_hidden
    assert answer_summary == "Show answer"


# --- Presets and pasted printouts ----------------------------------------------------


def _row_named(calculator: sync_api.Locator, name: str) -> list[str]:
    rows = [row for row in table_rows(calculator) if len(row) > 1 and row[1] == name]
    assert len(rows) == 1, f"no single row named {name!r}"
    return rows[0]


def _spans(cell: str) -> list[tuple[int, int]]:
    """Read the clipped spans of a unit cell, such as '[11, 437] x [-213, 213] clipped: ...'."""
    text = cell.split("clipped:")[-1]
    return [(int(first), int(last)) for first, last in re.findall(r"\[(-?\d+), (-?\d+)\]", text)]


@pytest.mark.torch
def test_preset_menu_waits_for_load(browser: Browser, site_url: str) -> None:
    page = browser.page
    calculator = open_calculator(browser, site_url)
    wait_for_status(page, calculator, STATUS_READY)
    typed = "input 32\nconv k=5 name=mine"
    calculator.locator(".rf-calculator__spec").fill(typed)
    wait_for_status(page, calculator, STATUS_COMPUTED)

    # Arrow keys move through the menu; the layers the reader typed stay until Load.
    calculator.locator(".rf-calculator__preset").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(600)  # longer than the loader's input debounce
    assert calculator.locator(".rf-calculator__spec").input_value() == typed

    calculator.locator(".rf-calculator__preset").select_option("vgg16")
    calculator.locator(".rf-calculator__preset-load").click()
    sync_api.expect(calculator.locator(".rf-calculator__spec")).to_have_value(re.compile("name=features.30"))
    wait_for_status(page, calculator, STATUS_COMPUTED)
    # VGG-16's pool5 field is 212 pixels (Araujo et al., Distill 2019, table of networks).
    assert first_int(_row_named(calculator, "features.30")[RECEPTIVE_FIELD_COLUMN]) == 212


def test_resnet50_last_stage_in_browser_matches_torch(browser: Browser, site_url: str) -> None:
    torch_models = pytest.importorskip("torch_models")
    calculator = open_calculator(browser, site_url)
    wait_for_status(browser.page, calculator, STATUS_READY)

    # A tall input keeps the central unit's field inside the input along the height,
    # so the comparison also checks r there: ResNet-50 (torchvision) has r = 427 at
    # layer4, and 427 + 64 = 491 rows leave room on both sides.
    calculator.locator(".rf-calculator__input-size").fill("491x96")
    calculator.locator(".rf-calculator__unit").fill("7,1")
    calculator.locator(".rf-calculator__preset").select_option("resnet50")
    calculator.locator(".rf-calculator__preset-load").click()
    wait_for_status(browser.page, calculator, STATUS_COMPUTED)
    row = _row_named(calculator, "layer4.2")
    browser_spans = _spans(row[-1])

    measured = torch_models.measure_span(
        torch_models.build_model("resnet50"), (1, 1, 491, 96), (7, 1), layer="layer4.2"
    )
    assert browser_spans == measured
    assert first_int(row[RECEPTIVE_FIELD_COLUMN]) == measured[0][1] - measured[0][0] + 1
    assert "conv k=7 s=2 p=3 name=conv1" in calculator.locator(".rf-calculator__spec").input_value()


SEQUENTIAL_PRINTOUT = """Sequential(
  (0): Conv2d(3, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))
  (1): ReLU(inplace=True)
  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
)"""

RESIDUAL_PRINTOUT = """Bottleneck(
  (conv1): Conv2d(64, 64, kernel_size=(1, 1), stride=(1, 1), bias=False)
  (downsample): Sequential(
    (0): Conv2d(64, 256, kernel_size=(1, 1), stride=(1, 1), bias=False)
  )
)"""


def test_pasted_printout_becomes_layers(browser: Browser, site_url: str) -> None:
    calculator = open_calculator(browser, site_url)
    wait_for_status(browser.page, calculator, STATUS_READY)
    calculator.locator(".rf-calculator__paste summary").click()
    calculator.locator(".rf-calculator__printout").fill(SEQUENTIAL_PRINTOUT)
    calculator.locator(".rf-calculator__input-size").fill("32")
    calculator.locator(".rf-calculator__convert").click()
    wait_for_status(browser.page, calculator, STATUS_COMPUTED)

    spec = calculator.locator(".rf-calculator__spec").input_value()
    rows = table_rows(calculator)
    # Conv on 32: floor((32 + 2 - 3) / 2) + 1 = 16 units, r = 3, S = 2.
    # Max pool: 16 / 2 = 8 units, r = 3 + (2 - 1) * 2 = 5, S = 4.
    assert "conv k=3 s=2 p=1" in spec
    assert rows[-1][3] == "8"
    assert rows[-1][RECEPTIVE_FIELD_COLUMN] == "5"


def test_printout_with_branches_rejected(browser: Browser, site_url: str) -> None:
    calculator = open_calculator(browser, site_url)
    wait_for_status(browser.page, calculator, STATUS_READY)
    rows_before = table_rows(calculator)
    calculator.locator(".rf-calculator__paste summary").click()
    calculator.locator(".rf-calculator__printout").fill(RESIDUAL_PRINTOUT)
    calculator.locator(".rf-calculator__convert").click()

    error = calculator.locator(".rf-calculator__error")
    sync_api.expect(error).to_be_visible(timeout=BOOT_TIMEOUT_MS)
    assert "print order is not data flow" in (error.text_content() or "").lower()
    assert table_rows(calculator) == rows_before
