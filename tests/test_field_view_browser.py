"""Drive the field view of the practice page in headless Chromium.

Every expected sentence and rectangle comes from rf_core, computed in this test
process for the block on the page, because the browser only shows what the build
embedded. The fixtures and helpers come from test_browser.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urljoin

import pytest

from rf_core.field_view import FieldView, ViewLayer, describe_unit, prepare
from rf_core.field_view_html import view_data
from test_browser import (  # noqa: F401 (fixtures are used by name)
    Browser,
    _launch,
    browser,
    click_nav_link,
    site_url,
    sync_api,
)
from test_browser_share import AXE_RULES, AXE_RUN, axe_script_path

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[1]
PRACTICE_PAGE = "tutorial/practice/"
FIGURE = "#rf-field-view-1"


def practice_view() -> FieldView:
    """Return rf_core's field view for the first rf-field-view block of the practice page."""
    source = (REPO_ROOT / "docs" / "tutorial" / "practice.md").read_text(encoding="utf-8")
    fence = re.search(r"^```rf-field-view (.*)$", source, re.M)
    assert fence is not None, "the practice page has no rf-field-view block"
    options = dict(token.split("=", 1) for token in fence.group(1).split())
    return prepare("", options)


VIEW = practice_view()


def layer_named(name: str) -> ViewLayer:
    return next(layer for layer in VIEW.layers if layer.name == name)


def nearest(centres: Sequence[float], position: float) -> int:
    return min(range(len(centres)), key=lambda index: (abs(centres[index] - position), index))


@pytest.fixture
def page_errors(browser: Browser) -> Iterator[list[str]]:
    """Collect uncaught exceptions and console errors of the page; the test fails on any."""
    errors: list[str] = []
    browser.page.on("pageerror", lambda error: errors.append(str(error)))
    browser.page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield errors
    assert errors == []


def open_practice(page: sync_api.Page, url: str) -> sync_api.Locator:
    page.goto(url)
    figure = page.locator(FIGURE)
    sync_api.expect(figure).to_have_attribute("data-rf-attached", "true")
    return figure


def click_unit(page: sync_api.Page, figure: sync_api.Locator, layer: ViewLayer, row: int, column: int) -> None:
    """Click the dot of unit (row, column), placed where rf_core puts its centre."""
    figure.locator(".rf-field-view__svg").scroll_into_view_if_needed()
    x = layer.columns.centres[column] + 0.5
    y = layer.rows.centres[row] + 0.5
    point = figure.locator(".rf-field-view__svg").evaluate(
        "(svg, [x, y]) => { const p = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM()); return [p.x, p.y]; }",
        [x, y],
    )
    page.mouse.click(point[0], point[1])


def rect_box(figure: sync_api.Locator, selector: str) -> tuple[int, int, int, int]:
    values = figure.locator(selector).evaluate(
        "rect => ['x', 'y', 'width', 'height'].map(name => Number(rect.getAttribute(name)))"
    )
    return tuple(int(value) for value in values)


def assert_selected(figure: sync_api.Locator, layer: ViewLayer, row: int, column: int) -> None:
    """Check the status sentence and both rectangles against rf_core's intervals."""
    sync_api.expect(figure.locator(".rf-field-view__status")).to_have_text(describe_unit(layer, row, column))

    top, bottom = layer.rows.intervals[row]
    left, right = layer.columns.intervals[column]
    # Pixel p spans [p, p + 1), so the interval [u, v] is v - u + 1 pixels wide.
    assert rect_box(figure, ".rf-field-view__svg .rf-fv-unclipped:not(.rf-fv-unclipped--halo)") == (left, top, right - left + 1, bottom - top + 1)

    clipped_rows, clipped_columns = layer.rows.clipped[row], layer.columns.clipped[column]
    clipped = figure.locator(".rf-field-view__svg .rf-fv-clipped")
    if clipped_rows is None or clipped_columns is None:
        assert clipped.get_attribute("display") == "none"
    else:
        expected = (
            clipped_columns[0],
            clipped_rows[0],
            clipped_columns[1] - clipped_columns[0] + 1,
            clipped_rows[1] - clipped_rows[0] + 1,
        )
        assert rect_box(figure, ".rf-field-view__svg .rf-fv-clipped") == expected
        assert clipped.get_attribute("display") is None


def test_build_time_field_shown(browser: Browser, site_url: str, page_errors: list[str]) -> None:
    figure = open_practice(browser.page, urljoin(site_url, PRACTICE_PAGE))
    layer = VIEW.layers[VIEW.layer]

    assert_selected(figure, layer, *VIEW.unit)
    sync_api.expect(figure.locator(".rf-field-view__controls")).to_be_visible()
    sync_api.expect(figure.locator(".rf-field-view__no-script")).to_be_hidden()


def test_click_selects_unit(browser: Browser, site_url: str, page_errors: list[str]) -> None:
    page = browser.page
    figure = open_practice(page, urljoin(site_url, PRACTICE_PAGE))
    layer = VIEW.layers[VIEW.layer]

    for row, column in [(3, 5), (0, 0), (layer.rows.size - 1, 7)]:
        click_unit(page, figure, layer, row, column)
        assert_selected(figure, layer, row, column)
    assert page.evaluate("document.activeElement.classList.contains('rf-field-view__grid')")


def test_tab_reaches_grid_after_menu(browser: Browser, site_url: str, page_errors: list[str]) -> None:
    page = browser.page
    figure = open_practice(page, urljoin(site_url, PRACTICE_PAGE))

    figure.locator(".rf-field-view__layer").focus()
    page.keyboard.press("Tab")

    assert page.evaluate("document.activeElement.classList.contains('rf-field-view__grid')")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    assert figure.locator(".rf-field-view__grid").get_attribute("aria-describedby") == "rf-field-view-1-help"


def test_arrow_keys_move_selection(browser: Browser, site_url: str, page_errors: list[str]) -> None:
    page = browser.page
    figure = open_practice(page, urljoin(site_url, PRACTICE_PAGE))
    layer = VIEW.layers[VIEW.layer]
    last_row, last_column = layer.rows.size - 1, layer.columns.size - 1
    row, column = VIEW.unit
    figure.locator(".rf-field-view__grid").focus()

    steps = [
        ("ArrowRight", (row, column + 1)),
        ("ArrowDown", (row + 1, column + 1)),
        ("ArrowLeft", (row + 1, column)),
        ("ArrowUp", (row, column)),
        ("Home", (row, 0)),
        ("ArrowLeft", (row, 0)),
        ("End", (row, last_column)),
        ("ArrowRight", (row, last_column)),
        ("Control+Home", (0, 0)),
        ("ArrowUp", (0, 0)),
        ("Control+End", (last_row, last_column)),
        ("ArrowDown", (last_row, last_column)),
    ]
    for key, (expected_row, expected_column) in steps:
        page.keyboard.press(key)
        assert_selected(figure, layer, expected_row, expected_column)


def test_layer_menu_keeps_place(browser: Browser, site_url: str, page_errors: list[str]) -> None:
    page = browser.page
    figure = open_practice(page, urljoin(site_url, PRACTICE_PAGE))
    old = VIEW.layers[VIEW.layer]
    row, column = VIEW.unit
    new = layer_named("features.30")
    built_path = figure.locator(".rf-fv-grid").get_attribute("d")

    figure.locator(".rf-field-view__layer").select_option(label=new.menu_label())

    # The new unit is the one whose centre is nearest to the old unit's centre.
    expected_row = nearest(new.rows.centres, old.rows.centres[row])
    expected_column = nearest(new.columns.centres, old.columns.centres[column])
    assert_selected(figure, new, expected_row, expected_column)
    # Every dot is a zero-length segment, "h0".
    path = figure.locator(".rf-fv-grid").get_attribute("d") or ""
    assert path.count("h0") == new.rows.size * new.columns.size
    # The drawing zooms out to the new layer's fields, some of which reach far beyond the picture.
    box = view_data(VIEW)["layers"][VIEW.layers.index(new)]["view"]
    view_box = figure.locator(".rf-field-view__svg").get_attribute("viewBox") or ""
    assert [float(value) for value in view_box.split()] == box
    assert box[0] < min(interval[0] for interval in new.columns.intervals)

    figure.locator(".rf-field-view__grid").focus()
    page.keyboard.press("Control+Home")
    assert_selected(figure, new, 0, 0)

    # Back on the first layer, the script draws the same grid that the build drew.
    figure.locator(".rf-field-view__layer").select_option(label=old.menu_label())
    assert figure.locator(".rf-fv-grid").get_attribute("d") == built_path


def test_narrow_dark_page_fits(browser: Browser, site_url: str, page_errors: list[str]) -> None:
    page = browser.page
    page.set_viewport_size({"width": 375, "height": 800})
    page.emulate_media(color_scheme="dark")
    figure = open_practice(page, urljoin(site_url, PRACTICE_PAGE))
    layer = VIEW.layers[VIEW.layer]

    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = figure.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 375
    click_unit(page, figure, layer, 2, 4)
    assert_selected(figure, layer, 2, 4)


def test_instant_navigation_attaches(browser: Browser, site_url: str, page_errors: list[str]) -> None:
    page = browser.page
    page.goto(site_url)
    page.evaluate("window.rfFieldViewMarker = 1")

    click_nav_link(page, "Receptive fields in practice")

    figure = page.locator(FIGURE)
    sync_api.expect(figure).to_have_attribute("data-rf-attached", "true")
    assert page.evaluate("window.rfFieldViewMarker") == 1, "the nav link loaded a new document"
    figure.locator(".rf-field-view__grid").focus()
    page.keyboard.press("Control+Home")
    assert_selected(figure, VIEW.layers[VIEW.layer], 0, 0)


def test_works_from_file_url(playwright: sync_api.Playwright, tmp_path: Path, site_url: str, built_site: Path) -> None:
    instance = _launch(playwright, tmp_path / "profile", site_url)
    try:
        page = instance.page
        figure = open_practice(page, (built_site / "tutorial" / "practice" / "index.html").as_uri())
        figure.locator(".rf-field-view__grid").focus()
        page.keyboard.press("ArrowRight")
        row, column = VIEW.unit
        assert_selected(figure, VIEW.layers[VIEW.layer], row, column + 1)
    finally:
        instance.context.close()


def test_without_javascript_shows_field(playwright: sync_api.Playwright, tmp_path: Path, site_url: str) -> None:
    instance = _launch(playwright, tmp_path / "profile", site_url, java_script_enabled=False)
    try:
        page = instance.page
        page.goto(urljoin(site_url, PRACTICE_PAGE))
        figure = page.locator(FIGURE)
        assert_selected(figure, VIEW.layers[VIEW.layer], *VIEW.unit)
        sync_api.expect(figure.locator(".rf-field-view__no-script")).to_be_visible()
        sync_api.expect(figure.locator(".rf-field-view__controls")).to_be_hidden()
        assert figure.locator(".rf-field-view__grid").get_attribute("tabindex") is None
    finally:
        instance.context.close()


#: axe-core rules that apply to the field view: contrast, labels, ARIA use and the
#: SVG's accessible name.
FIELD_VIEW_AXE_RULES = [*AXE_RULES, "aria-allowed-role", "aria-prohibited-attr", "select-name", "svg-img-alt", "nested-interactive"]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_no_violations(playwright: sync_api.Playwright, tmp_path: Path, site_url: str, color_scheme: str) -> None:
    script = axe_script_path()
    # bypass_csp lets the page run the injected axe-core under a strict Content-Security-Policy.
    instance = _launch(playwright, tmp_path / "profile", site_url, color_scheme=color_scheme, bypass_csp=True)
    try:
        page = instance.page
        figure = open_practice(page, urljoin(site_url, PRACTICE_PAGE))
        figure.locator(".rf-field-view__grid").focus()
        page.add_script_tag(path=str(script))
        violations = page.evaluate(AXE_RUN, [figure.element_handle(), FIELD_VIEW_AXE_RULES])
    finally:
        instance.context.close()

    assert violations == [], "\n".join(violations)
