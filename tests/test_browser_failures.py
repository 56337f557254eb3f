"""Browser tests of what goes wrong: slow computations, broken runtime files, hostile text.

Each failure must end in a visible message with its reason and its fix, keep the
table that was last valid, and leave the page usable. The fixtures and helpers
come from test_browser.py.
"""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import urljoin

import pytest

from test_browser import (  # noqa: F401 (fixtures are used by name)
    BOOT_TIMEOUT_MS,
    CALCULATOR_PAGE,
    STATUS_COMPUTED,
    STATUS_READY,
    Browser,
    _launch,
    browser,
    open_calculator,
    render_in_cpython,
    site_url,
    sync_api,
    table_rows,
    table_rows_from_html,
    wait_for_status,
)

pytestmark = pytest.mark.browser

# Reading `window.__pwned` after the test shows whether any payload ran.
PAYLOADS = (
    "<img src=x onerror=window.__pwned=1>",
    "<script>window.__pwned=1</script>",
    '"><svg onload=window.__pwned=1>',
    "javascript:window.__pwned=1",
)

# Elements or attributes that only a payload could have put into a calculator. The
# SVG of a diagram that rf_core draws under a calculator's table is expected.
INJECTED_SELECTOR = 'img, script, svg, iframe, [onerror], [onload], a[href^="javascript:"]'
EXPECTED_SVG = "figure.rf-diagram svg:not([onload])"

SHORT_SPEC = "input 32\nconv k=3 s=2 p=1 name=c1\nmaxpool k=2 s=2 name=p1"

# About 1.0 MB of valid layers, as a reader might paste by mistake.
MEGABYTE_SPEC = "input 224\n" + "conv k=3 p=1\n" * 80_000


def set_html_attribute_script(name: str, value: str) -> str:
    """Return an init script that sets an attribute on <html> before the loader module runs.

    Module scripts run after the document is parsed, so the readystatechange to
    "interactive" comes early enough when <html> does not exist yet.
    """
    return f"""
      (() => {{
        const apply = () => document.documentElement.setAttribute({json.dumps(name)}, {json.dumps(value)});
        if (document.documentElement) {{
          apply();
        }} else {{
          document.addEventListener("readystatechange", apply, {{ once: true }});
        }}
      }})();
    """


def main_thread_delay_ms(page: sync_api.Page) -> float:
    """Measure how long the page takes to run a timer callback, in milliseconds."""
    return page.evaluate("() => new Promise((resolve) => { const t = performance.now(); setTimeout(() => resolve(performance.now() - t), 0); })")


def paste_into_spec(calculator: sync_api.Locator, text: str) -> None:
    """Replace the spec as a paste does: one value change and one input event."""
    calculator.locator(".rf-calculator__spec").evaluate(
        "(field, text) => { field.value = text; field.dispatchEvent(new Event('input', { bubbles: true })); }",
        text,
    )


def heavy_spec(layers: int) -> str:
    # Each pad gives a first unit that reads only padding, so rf_core traces every
    # table row back through every layer above it: time grows with layers squared.
    return "input 224x224\n" + "pad p=1:0\nconv k=2\n" * (layers // 2)


# --- Compute timeout ------------------------------------------------------------------


def test_slow_computation_stopped_and_worker_restarted(browser: Browser, site_url: str) -> None:
    # 480 such layers take about 0.4 s in CPython (2 cores) and longer in Pyodide, so
    # a 300 ms timeout stops them, while the calculator's examples take a few ms.
    browser.context.add_init_script(set_html_attribute_script("data-rf-timeout-ms", "300"))
    page = browser.page
    calculator = open_calculator(browser, site_url)
    wait_for_status(page, calculator, STATUS_READY)
    rows_before = table_rows(calculator)

    paste_into_spec(calculator, heavy_spec(480))
    error = calculator.locator(".rf-calculator__error")
    sync_api.expect(error).to_contain_text("took longer than 0.3 s and was stopped", timeout=BOOT_TIMEOUT_MS)
    error_text = error.text_content() or ""
    boots = page.evaluate("document.documentElement.dataset.rfBoots")

    assert "Shorten the spec" in error_text
    assert table_rows(calculator) == rows_before
    assert boots == "2"

    wait_for_status(page, calculator, STATUS_READY)
    calculator.locator(".rf-calculator__spec").fill(SHORT_SPEC)
    calculator.locator(".rf-calculator__input-size").fill("")
    wait_for_status(page, calculator, STATUS_COMPUTED)
    expected = render_in_cpython(SHORT_SPEC, "", calculator.locator(".rf-calculator__unit").input_value())

    assert table_rows(calculator) == table_rows_from_html(expected["html"])
    assert error.is_hidden()
    assert page.evaluate("document.documentElement.dataset.rfBoots") == "2"


def test_megabyte_paste_keeps_page_responsive(browser: Browser, site_url: str) -> None:
    # rf_core may reject the spec quickly or take long enough for the timeout: either
    # way the page must keep reacting to input, and a later edit must compute.
    browser.context.add_init_script(set_html_attribute_script("data-rf-timeout-ms", "3000"))
    page = browser.page
    calculator = open_calculator(browser, site_url)
    wait_for_status(page, calculator, STATUS_READY)
    rows_before = table_rows(calculator)

    paste_into_spec(calculator, MEGABYTE_SPEC)
    # Chromium lays out the 80 000-line text box once, which took about 1.3 s here
    # on the main thread with or without the loader, so timing starts after that.
    page.evaluate("() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))")
    page.wait_for_timeout(500)  # the input debounce is 250 ms, so the worker has the spec now
    delay = main_thread_delay_ms(page)
    started = time.monotonic()
    calculator.locator(".rf-calculator__paste summary").click(timeout=1000)
    sync_api.expect(calculator.locator(".rf-calculator__paste")).to_have_attribute("open", "", timeout=1000)
    click_seconds = time.monotonic() - started

    assert delay < 1000
    assert click_seconds < 1.0

    error = calculator.locator(".rf-calculator__error")
    sync_api.expect(error).to_be_visible(timeout=BOOT_TIMEOUT_MS)
    assert table_rows(calculator) == rows_before
    assert "#rf1=" not in page.url, "a spec over the link limit must not go into the URL"

    # Playwright's fill() stalls on a 1 MB text box, so the spec is replaced as a paste.
    paste_into_spec(calculator, SHORT_SPEC)
    wait_for_status(page, calculator, STATUS_COMPUTED)
    expected = render_in_cpython(SHORT_SPEC, "", calculator.locator(".rf-calculator__unit").input_value())

    assert table_rows(calculator) == table_rows_from_html(expected["html"])


# --- Boot failures --------------------------------------------------------------------


def _not_found(route: sync_api.Route) -> None:
    route.fulfill(status=404, content_type="text/plain", body="not found")


def _wasm_as_octet_stream(route: sync_api.Route) -> None:
    response = route.fetch()
    headers = {**response.headers, "content-type": "application/octet-stream"}
    route.fulfill(response=response, headers=headers)


def _stall(route: sync_api.Route) -> None:
    pass  # the request gets no response, as from a server that hangs


BOOT_FAILURES = {
    "missing-wasm": ("**/pyodide.asm.wasm", _not_found, ["pyodide.asm.wasm", "HTTP 404", "built completely"]),
    "missing-stdlib": ("**/python_stdlib.zip", _not_found, ["python_stdlib.zip", "HTTP 404", "built completely"]),
    "missing-worker": ("**/rf-worker.js", _not_found, ["rf-worker.js", "failed to load", "built completely"]),
    "wasm-mime-type": (
        "**/pyodide.asm.wasm",
        _wasm_as_octet_stream,
        ['"application/octet-stream"', '"application/wasm"', "Configure the web server"],
    ),
    "boot-timeout": ("**/rf-lab/manifest.json", _stall, ["did not start within 1.5 s", "Reload the page"]),
}


@pytest.mark.parametrize("case", sorted(BOOT_FAILURES))
def test_boot_failure_shows_reason_and_fix(browser: Browser, site_url: str, case: str) -> None:
    pattern, handler, expected_parts = BOOT_FAILURES[case]
    browser.context.add_init_script(set_html_attribute_script("data-rf-boot-timeout-ms", "1500"))
    browser.context.route(pattern, handler)
    calculator = open_calculator(browser, site_url)
    rows_before = table_rows(calculator)

    status = calculator.locator(".rf-calculator__status")
    sync_api.expect(status).to_contain_text("Recomputing in the browser is unavailable", timeout=BOOT_TIMEOUT_MS)
    text = status.text_content() or ""

    for part in expected_parts:
        assert part in text
    assert "rf-calculator__status--error" in (status.get_attribute("class") or "")
    assert status.is_visible()
    assert table_rows(calculator) == rows_before


# --- Escaping --------------------------------------------------------------------------


def _assert_nothing_injected(page: sync_api.Page) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined", "a payload ran"
    injected = page.evaluate(
        "([selector, expected]) => [...document.querySelectorAll('.rf-calculator')].flatMap("
        "root => [...root.querySelectorAll(selector)].filter(element => !element.matches(expected))"
        ".map(element => element.outerHTML))",
        [INJECTED_SELECTOR, EXPECTED_SVG],
    )
    assert injected == []


def _encode_state(state: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def test_payloads_in_fields_shown_as_text(browser: Browser, site_url: str) -> None:
    page = browser.page
    calculator = open_calculator(browser, site_url)
    wait_for_status(page, calculator, STATUS_READY)
    spec_field = calculator.locator(".rf-calculator__spec")
    error = calculator.locator(".rf-calculator__error")

    for payload in PAYLOADS:
        cases = [
            (".rf-calculator__spec", f"conv k=3 name={payload.replace(' ', '/')}"),
            (".rf-calculator__spec", f"input 32\nconv k=3 # {payload}\n{payload}"),
            (".rf-calculator__input-size", payload),
            (".rf-calculator__unit", payload),
        ]
        for selector, text in cases:
            spec_field.fill(SHORT_SPEC)
            calculator.locator(".rf-calculator__input-size").fill("")
            calculator.locator(".rf-calculator__unit").fill("")
            wait_for_status(page, calculator, STATUS_COMPUTED)

            calculator.locator(selector).fill(text)
            sync_api.expect(error).to_be_visible(timeout=BOOT_TIMEOUT_MS)
            shown = error.text_content() or ""

            # Every case is invalid, and rf_core quotes the offending token in its message.
            assert payload.split()[0] in shown
            _assert_nothing_injected(page)


def test_payloads_in_printout_shown_as_text(browser: Browser, site_url: str) -> None:
    page = browser.page
    calculator = open_calculator(browser, site_url)
    wait_for_status(page, calculator, STATUS_READY)
    calculator.locator(".rf-calculator__paste summary").click()
    error = calculator.locator(".rf-calculator__error")

    for payload in PAYLOADS:
        printout = f"Sequential(\n  ({payload}): Conv2d(3, 16, kernel_size=(3, 3))\n  {payload}\n)"
        calculator.locator(".rf-calculator__printout").fill(printout)
        calculator.locator(".rf-calculator__convert").click()
        sync_api.expect(error).to_contain_text("Printout line", timeout=BOOT_TIMEOUT_MS)
        _assert_nothing_injected(page)
        calculator.locator(".rf-calculator__spec").fill(SHORT_SPEC)
        wait_for_status(page, calculator, STATUS_COMPUTED)


def test_payloads_in_url_state_shown_as_text(browser: Browser, site_url: str) -> None:
    page = browser.page
    states = [
        {"spec": f"conv k=3 name={PAYLOADS[0].replace(' ', '/')}", "input_size": "", "unit": ""},
        {"spec": PAYLOADS[1], "input_size": PAYLOADS[0], "unit": PAYLOADS[2]},
        {"spec": "conv k=3", "input_size": PAYLOADS[2], "unit": ""},
        {PAYLOADS[0]: PAYLOADS[1]},
        {"spec": [PAYLOADS[3]]},
    ]
    for state in states:
        page.goto("about:blank")
        page.goto(urljoin(site_url, CALCULATOR_PAGE) + "#rf1=" + _encode_state(state))
        calculator = page.locator(".rf-calculator").first
        error = calculator.locator(".rf-calculator__error")
        sync_api.expect(error).to_be_visible(timeout=BOOT_TIMEOUT_MS)
        _assert_nothing_injected(page)

    # A fragment that is not a state at all, with markup in it.
    page.goto("about:blank")
    page.goto(urljoin(site_url, CALCULATOR_PAGE) + "#rf1=" + PAYLOADS[0])
    error = page.locator(".rf-calculator").first.locator(".rf-calculator__error")
    sync_api.expect(error).to_contain_text("characters other than base64url", timeout=BOOT_TIMEOUT_MS)
    _assert_nothing_injected(page)

