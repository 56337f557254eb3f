"""Calculators with diagram=KIND in headless Chromium: the diagram follows every edit.

The fixtures and helpers come from test_browser.py. Each expected diagram is the
HTML that rf_core.diagrams.render returns for the edited spec, parsed by the
page itself, so the comparison ignores only how the browser serialises HTML.
"""

from __future__ import annotations

import sys
from urllib.parse import urljoin

import pytest

from test_browser import (  # noqa: F401 (fixtures are used by name)
    BOOT_TIMEOUT_MS,
    REPO_ROOT,
    STATUS_COMPUTED,
    STATUS_READY,
    Browser,
    browser,
    site_url,
    sync_api,
    table_rows,
    wait_for_status,
)

pytestmark = pytest.mark.browser

TEACHERS_PAGE = "teachers/"
CALCULATOR_PAGE = "calculator/"

# The example on the calculator page: conv1 k=3 p=1, conv2 k=3 s=2 p=1 and conv3
# k=3 d=2 p=2 on 16 pixels, drawn for unit 2 of conv3.
STACK_SPEC = "input 16\nconv k=3 p=1 name=conv1\nconv k=3 s=2 p=1 name=conv2\nconv k=3 d=2 p=2 name=conv3"


def render_diagram(kind: str, spec: str, options: dict[str, str]) -> str:
    sys.path.insert(0, str(REPO_ROOT))
    try:
        from rf_core.diagrams import render
    finally:
        sys.path.remove(str(REPO_ROOT))
    # The widget gets the diagram on one line; rf_core breaks lines only between elements.
    return render(kind, spec, options).replace("\n", " ")


def diagram_calculator(page: sync_api.Page, kind: str) -> sync_api.Locator:
    calculator = page.locator(".rf-calculator", has=page.locator(f'.rf-calculator__diagram[data-kind="{kind}"]')).first
    sync_api.expect(calculator).to_have_attribute("data-rf-attached", "1")
    return calculator


def figure_matches(calculator: sync_api.Locator, expected_html: str) -> bool:
    """Whether the calculator's figure is the same DOM tree as `expected_html` parsed by the page."""
    return calculator.locator(".rf-calculator__diagram").evaluate(
        """(box, expected) => {
            const template = document.createElement("template");
            template.innerHTML = expected;
            const figure = box.querySelector("figure.rf-diagram");
            return figure !== null && figure.isEqualNode(template.content.querySelector("figure"));
        }""",
        expected_html,
    )


def read_input_units(calculator: sync_api.Locator) -> list[int]:
    """Return the input positions, not padding, that the stack diagram marks as read."""
    units = calculator.locator('circle.rf-dg-read[data-layer="0"]:not(.rf-dg-read--pad)').evaluate_all(
        "circles => circles.map(circle => Number(circle.dataset.unit))"
    )
    return sorted(units)


def edit_and_wait(page: sync_api.Page, calculator: sync_api.Locator, field: str, value: str) -> None:
    results = calculator.get_attribute("data-rf-results") or "0"
    calculator.locator(field).fill(value)
    sync_api.expect(calculator).not_to_have_attribute("data-rf-results", results, timeout=BOOT_TIMEOUT_MS)
    wait_for_status(page, calculator, STATUS_COMPUTED)


def test_stack_diagram_follows_edits(browser: Browser, site_url: str) -> None:
    page = browser.page
    page.goto(urljoin(site_url, CALCULATOR_PAGE))
    calculator = diagram_calculator(page, "stack")
    diagram_id = calculator.locator(".rf-calculator__diagram").get_attribute("data-id")
    assert calculator.locator(".rf-calculator__spec").input_value() == STACK_SPEC
    assert figure_matches(calculator, render_diagram("stack", STACK_SPEC, {"unit": "2", "id": diagram_id}))
    wait_for_status(page, calculator, STATUS_READY)

    # Unit 5 of conv3: conv3 reads conv2 units 3, 5, 7; they read conv1 units 5-7,
    # 9-11, 13-15; those read input 4 to 16, and 16 is padding. So input 4 to 15.
    edit_and_wait(page, calculator, ".rf-calculator__unit", "5")
    assert read_input_units(calculator) == list(range(4, 16))
    assert figure_matches(calculator, render_diagram("stack", STACK_SPEC, {"unit": "5", "id": diagram_id}))

    # With conv3's dilation 1 it spans 3 positions and pads 1: P = 2 + 1 * 2 = 4 and
    # r = 5 + 2 * 2 = 9, so unit 5 reads input -4 + 2 * 5 = 6 to 14.
    edited = STACK_SPEC.replace("conv k=3 d=2 p=2", "conv k=3 p=1")
    edit_and_wait(page, calculator, ".rf-calculator__spec", edited)
    assert read_input_units(calculator) == list(range(6, 15))
    assert figure_matches(calculator, render_diagram("stack", edited, {"unit": "5", "id": diagram_id}))

    edit_and_wait(page, calculator, ".rf-calculator__input-size", "12")
    assert figure_matches(calculator, render_diagram("stack", edited, {"unit": "5", "input": "12", "id": diagram_id}))


def test_undrawable_input_shows_message(browser: Browser, site_url: str) -> None:
    page = browser.page
    page.goto(urljoin(site_url, CALCULATOR_PAGE))
    calculator = diagram_calculator(page, "stack")
    wait_for_status(page, calculator, STATUS_READY)

    edit_and_wait(page, calculator, ".rf-calculator__input-size", "300")
    message = calculator.locator(".rf-calculator__diagram-message")
    sync_api.expect(message).to_contain_text("No diagram: stack diagrams draw at most 128 input pixels")
    assert calculator.locator(".rf-calculator__diagram svg.rf-diagram__svg").count() == 0
    # conv1 keeps the size with p=1: 300 units. The table updated, the diagram did not.
    assert table_rows(calculator)[0][3] == "300"

    edit_and_wait(page, calculator, ".rf-calculator__input-size", "")
    sync_api.expect(calculator.locator(".rf-calculator__diagram svg.rf-diagram__svg")).to_have_count(1)
    assert message.count() == 0


def test_invalid_spec_keeps_last_diagram(browser: Browser, site_url: str) -> None:
    page = browser.page
    page.goto(urljoin(site_url, CALCULATOR_PAGE))
    calculator = diagram_calculator(page, "stack")
    wait_for_status(page, calculator, STATUS_READY)
    before = calculator.locator(".rf-calculator__diagram").inner_html()

    calculator.locator(".rf-calculator__spec").fill(STACK_SPEC + "\nconv k=0")
    sync_api.expect(calculator.locator(".rf-calculator__error")).to_be_visible(timeout=BOOT_TIMEOUT_MS)

    assert calculator.locator(".rf-calculator__diagram").inner_html() == before


def test_redrawn_frames_keep_step_control(browser: Browser, site_url: str) -> None:
    page = browser.page
    page.goto(urljoin(site_url, TEACHERS_PAGE))
    calculator = diagram_calculator(page, "frames")
    figure = calculator.locator("figure.rf-diagram")
    sync_api.expect(figure.locator(".rf-diagram__controls")).to_be_visible()
    wait_for_status(page, calculator, STATUS_READY)

    # conv2 (k=3 s=2 p=1) on the 9 units of conv1 has (9 + 2 - 3) // 2 + 1 = 5 units;
    # with stride 1 it has 9 + 2 - 3 + 1 = 9.
    spec = calculator.locator(".rf-calculator__spec").input_value()
    edit_and_wait(page, calculator, ".rf-calculator__spec", spec.replace("s=2 p=1 name=conv2", "p=1 name=conv2"))
    sync_api.expect(figure.locator(".rf-diagram__controls")).to_be_visible()
    sync_api.expect(figure.locator(".rf-diagram__no-script")).to_be_hidden()
    sync_api.expect(figure.locator(".rf-diagram__value")).to_have_text("2 of 9")

    figure.locator(".rf-diagram__next").click()
    sync_api.expect(figure.locator(".rf-diagram__value")).to_have_text("3 of 9")
    # Unit 2 of a k=3 p=1 stride-1 layer reads conv1's positions 1 to 3.
    sync_api.expect(figure.locator(".rf-diagram__status")).to_have_text("Unit 2 reads positions 1 to 3.")
    shown = figure.locator(".rf-dg-frame").evaluate_all(
        "frames => frames.filter(frame => frame.getAttribute('display') !== 'none').map(frame => frame.dataset.frame)"
    )
    assert shown == ["2"]
