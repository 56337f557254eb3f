"""Check answers to the teachers page's exercise in headless Chromium, with rf_core in Pyodide.

The fixtures and helpers come from test_browser.py: the site is built once, served
from 127.0.0.1, and a request to any other origin fails the test that made it.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin

import pytest

from rf_core.exercises import check_answer_json
from test_browser import (  # noqa: F401 (fixtures are used by name)
    BOOT_TIMEOUT_MS,
    NAVIGATION_RELOADED,
    Browser,
    _launch,
    browser,
    click_nav_link,
    site_url,
    sync_api,
)

pytestmark = pytest.mark.browser

TEACHERS_PAGE = "teachers/"
BOOTING = "Loading the Python runtime to check your answer…"

# Reading `window.__pwned` after the test shows whether any payload ran.
PAYLOADS = (
    "<img src=x onerror=window.__pwned=1>",
    "<script>window.__pwned=1</script>",
    '"><svg onload=window.__pwned=1>',
)
INJECTED_SELECTOR = "img, script, svg, iframe, [onerror], [onload]"


def open_exercise(browser: Browser, site_url: str) -> sync_api.Locator:
    browser.page.goto(urljoin(site_url, TEACHERS_PAGE))
    exercise = browser.page.locator(".rf-exercise").first
    sync_api.expect(exercise).to_have_attribute("data-rf-attached", "1")
    return exercise


def expected_reply(exercise: sync_api.Locator, answer: str) -> dict:
    """Return what rf_core in CPython replies to `answer`, from the exercise's own data."""
    request = json.loads(exercise.get_attribute("data-rf-exercise") or "")
    return json.loads(check_answer_json(json.dumps({**request, "answer": answer})))


def wait_for_result(exercise: sync_api.Locator, status: str) -> str:
    """Wait until the result line shows `status`, and return its text."""
    sync_api.expect(exercise).to_have_attribute("data-rf-status", status, timeout=BOOT_TIMEOUT_MS)
    return exercise.locator(".rf-exercise__result").text_content() or ""


def submit(exercise: sync_api.Locator, answer: str) -> None:
    exercise.locator(".rf-exercise__input").fill(answer)
    exercise.locator(".rf-exercise__button").click()


# --- Checking ---------------------------------------------------------------------


def test_right_answer_correct(browser: Browser, site_url: str) -> None:
    exercise = open_exercise(browser, site_url)
    submit(exercise, " 4 ")
    text = wait_for_result(exercise, "correct")

    # The exercise asks for r of conv k=3 then maxpool k=2 s=2: 1 + 2·1 + 1·1 = 4.
    assert text == expected_reply(exercise, " 4 ")["message"]
    assert text.startswith("Correct:")


def test_wrong_answer_not_yet(browser: Browser, site_url: str) -> None:
    exercise = open_exercise(browser, site_url)
    submit(exercise, "5")
    text = wait_for_result(exercise, "not_yet")

    assert text == expected_reply(exercise, "5")["message"]
    assert text.startswith("Not yet.")
    assert "4" not in text


def test_malformed_answer_format_message(browser: Browser, site_url: str) -> None:
    exercise = open_exercise(browser, site_url)
    submit(exercise, "3,6")
    text = wait_for_result(exercise, "invalid")

    assert text == "\u201c3,6\u201d is 2 numbers. Type one whole number, such as 12."
    assert text == expected_reply(exercise, "3,6")["message"]


def test_later_answer_replaces_result(browser: Browser, site_url: str) -> None:
    exercise = open_exercise(browser, site_url)
    submit(exercise, "5")
    wait_for_result(exercise, "not_yet")
    submit(exercise, "4")
    wait_for_result(exercise, "correct")

    assert exercise.locator(".rf-exercise__result").text_content().startswith("Correct:")


def test_markup_answer_shown_as_text(browser: Browser, site_url: str) -> None:
    page = browser.page
    exercise = open_exercise(browser, site_url)
    result = exercise.locator(".rf-exercise__result")
    for payload in PAYLOADS:
        submit(exercise, payload)
        sync_api.expect(result).to_contain_text(payload, timeout=BOOT_TIMEOUT_MS)

        assert exercise.get_attribute("data-rf-status") == "invalid"
        assert result.evaluate("element => element.children.length") == 0
        assert exercise.locator(INJECTED_SELECTOR).count() == 0
    assert page.evaluate("window.__pwned") is None


# --- Keyboard ----------------------------------------------------------------------


def test_keyboard_only_check(browser: Browser, site_url: str) -> None:
    page = browser.page
    exercise = open_exercise(browser, site_url)
    field = exercise.locator(".rf-exercise__input")
    button = exercise.locator(".rf-exercise__button")

    # Tab goes from the hint to the answer field; Enter there checks.
    exercise.locator(".rf-exercise__hint summary").focus()
    page.keyboard.press("Tab")
    sync_api.expect(field).to_be_focused()
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    wait_for_result(exercise, "not_yet")

    # Tab goes on to the Check button, which Enter presses.
    page.keyboard.press("Tab")
    sync_api.expect(button).to_be_focused()
    page.keyboard.press("Shift+Tab")
    sync_api.expect(field).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("4")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    wait_for_result(exercise, "correct")

    # Tab reaches "Show answer", which Enter opens.
    page.keyboard.press("Tab")
    sync_api.expect(exercise.locator(".rf-exercise__answer summary")).to_be_focused()
    page.keyboard.press("Enter")
    sync_api.expect(exercise.locator(".rf-exercise__answer")).to_have_attribute("open", "")


# --- Runtime states -----------------------------------------------------------------


def test_check_waits_for_runtime(browser: Browser, site_url: str) -> None:
    held_routes: list[sync_api.Route] = []
    browser.context.route("**/rf-lab/manifest.json", lambda route: held_routes.append(route))
    exercise = open_exercise(browser, site_url)
    submit(exercise, "4")

    result = exercise.locator(".rf-exercise__result")
    sync_api.expect(result).to_have_text(BOOTING)
    assert exercise.get_attribute("data-rf-status") == "pending"

    for route in held_routes:
        route.continue_()
    wait_for_result(exercise, "correct")


def test_failed_runtime_points_to_answer(browser: Browser, site_url: str) -> None:
    browser.context.route(
        "**/pyodide.asm.wasm", lambda route: route.fulfill(status=404, content_type="text/plain", body="not found")
    )
    exercise = open_exercise(browser, site_url)
    submit(exercise, "4")
    text = wait_for_result(exercise, "error")

    assert text.startswith("Checking needs the Python runtime, which failed to start.")
    assert "HTTP 404" in text
    assert text.endswith("Open \u201cShow answer\u201d below to compare your answer.")

    # A second check after the failure shows the same message at once.
    submit(exercise, "5")
    assert wait_for_result(exercise, "error") == text


def test_instant_navigation_reattaches(browser: Browser, site_url: str) -> None:
    page = browser.page
    exercise = open_exercise(browser, site_url)
    submit(exercise, "4")
    wait_for_result(exercise, "correct")
    page.evaluate("window.rfTestMarker = 'same document'")

    click_nav_link(page, "Home")
    click_nav_link(page, "For teachers")
    assert page.evaluate("window.rfTestMarker") == "same document", NAVIGATION_RELOADED

    exercise = page.locator(".rf-exercise").first
    sync_api.expect(exercise).to_have_attribute("data-rf-attached", "1")
    submit(exercise, "5")
    wait_for_result(exercise, "not_yet")
    assert page.evaluate("document.documentElement.dataset.rfBoots") == "1"


def test_without_javascript_answer_still_shown(
    playwright: sync_api.Playwright, tmp_path: Path, site_url: str
) -> None:
    instance = _launch(playwright, tmp_path / "profile", site_url, java_script_enabled=False)
    try:
        instance.page.goto(urljoin(site_url, TEACHERS_PAGE))
        exercise = instance.page.locator(".rf-exercise").first
        controls_hidden = exercise.locator(".rf-exercise__check").is_hidden()
        exercise.locator(".rf-exercise__answer summary").click()
        answer = exercise.locator(".rf-exercise__value").text_content() or ""
    finally:
        instance.context.close()

    assert controls_hidden
    assert answer == "Answer: the receptive field r of layer 2 (pool) is 4."
    assert instance.foreign_requests() == []
