"""Browser tests of sharing and accessibility: URL state, copy link, export, keyboard, axe-core.

The fixtures and helpers come from test_browser.py.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import urljoin

import pytest

from test_browser import (  # noqa: F401 (fixtures are used by name)
    BOOT_TIMEOUT_MS,
    CALCULATOR_PAGE,
    REPO_ROOT,
    STATUS_COMPUTED,
    STATUS_READY,
    Browser,
    _launch,
    browser,
    change_first_kernel,
    click_nav_link,
    open_calculator,
    site_url,
    sync_api,
    table_rows,
    wait_for_status,
)

pytestmark = pytest.mark.browser

AXE_VERSION = "4.14.1"
AXE_RULES = ["color-contrast", "label", "button-name", "aria-allowed-attr"]
SHARED_SPEC = "input 64\nconv k=5 s=2 p=2 name=stem\nmaxpool k=3 s=2 p=1 name=pool"
INVALID_STATE_MESSAGE = "The link's calculator state is invalid"


def encode_state(state: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def decode_fragment(url: str) -> dict[str, dict]:
    """Return the calculator states in a URL's fragment, by entry name such as "rf1"."""
    fragment = url.partition("#")[2]
    states = {}
    for entry in filter(None, fragment.split("&")):
        name, _, encoded = entry.partition("=")
        padded = encoded + "=" * (-len(encoded) % 4)
        states[name] = json.loads(base64.urlsafe_b64decode(padded))
    return states


def calculator_page_url(site_url: str, fragment: str = "") -> str:
    return urljoin(site_url, CALCULATOR_PAGE) + fragment


def run_cli(spec: str, *arguments: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "rf_core", "analyze", "-", *arguments],
        input=spec,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=True,
    )
    return completed.stdout


def cli_arguments(calculator: sync_api.Locator, export_format: str) -> list[str]:
    """Return the CLI arguments that match the calculator's input size and unit fields."""
    arguments = ["--format", export_format, "--unit", calculator.locator(".rf-calculator__unit").input_value() or "0"]
    input_size = calculator.locator(".rf-calculator__input-size").input_value()
    if input_size:
        arguments += ["--input-size", input_size]
    return arguments


def download_export(page: sync_api.Page, calculator: sync_api.Locator, export_format: str) -> tuple[str, str]:
    """Download the calculator's export in this format and return (file name, text)."""
    calculator.locator(".rf-calculator__format").select_option(export_format)
    with page.expect_download(timeout=BOOT_TIMEOUT_MS) as download_info:
        calculator.locator(".rf-calculator__download").click()
    download = download_info.value
    return download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")


# --- URL state ---------------------------------------------------------------------------


def test_edit_recorded_in_url_fragment(browser: Browser, site_url: str) -> None:
    page = browser.page
    calculator = open_calculator(browser, site_url)
    wait_for_status(page, calculator, STATUS_READY)
    textarea = calculator.locator(".rf-calculator__spec")
    edited, _ = change_first_kernel(textarea.input_value(), 7)
    textarea.fill(edited)
    wait_for_status(page, calculator, STATUS_COMPUTED)
    page.wait_for_url("**#rf1=*")
    rows = table_rows(calculator)

    states = decode_fragment(page.url)
    assert list(states) == ["rf1"]
    assert states["rf1"]["spec"] == edited
    assert states["rf1"]["input_size"] == calculator.locator(".rf-calculator__input-size").input_value()
    assert states["rf1"]["unit"] == calculator.locator(".rf-calculator__unit").input_value()

    # The link reproduces the calculation in a new document.
    shared_url = page.url
    page.goto("about:blank")
    page.goto(shared_url)
    calculator = page.locator(".rf-calculator").first
    wait_for_status(page, calculator, STATUS_COMPUTED)
    assert calculator.locator(".rf-calculator__spec").input_value() == edited
    assert table_rows(calculator) == rows


def test_url_state_applies_to_its_calculator(browser: Browser, site_url: str) -> None:
    page = browser.page
    state = {"spec": SHARED_SPEC, "input_size": "", "unit": "1"}
    page.goto(calculator_page_url(site_url, "#rf2=" + encode_state(state)))
    first, second = page.locator(".rf-calculator").nth(0), page.locator(".rf-calculator").nth(1)
    wait_for_status(page, second, STATUS_COMPUTED)
    rows = table_rows(second)

    assert second.locator(".rf-calculator__spec").input_value() == SHARED_SPEC
    assert second.locator(".rf-calculator__unit").input_value() == "1"
    # Conv on 64: floor((64 + 4 - 5) / 2) + 1 = 32 units, r = 5. Pool: floor((32 + 2 - 3) / 2) + 1 = 16, r = 5 + 2 * 2 = 9.
    assert [row[3] for row in rows] == ["32", "16"]
    assert [row[4] for row in rows] == ["5", "9"]
    assert "conv k=11" in first.locator(".rf-calculator__spec").input_value()


INVALID_STATES = {
    "bad-base64": "!!!",
    "bad-length": "A",
    "not-utf8": base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("="),
    "bad-json": encode_state("x")[:-2] + "Ax",
    "not-object": encode_state(["conv k=3"]),
    "wrong-type": encode_state({"spec": 3}),
    "unknown-field": encode_state({"spec": "conv k=3", "colour": "red"}),
    "missing-spec": encode_state({"unit": "1"}),
    "over-long": encode_state({"spec": "conv k=3\n" * 2000}),
}


@pytest.mark.parametrize("case", sorted(INVALID_STATES))
def test_invalid_url_state_keeps_example(browser: Browser, site_url: str, case: str) -> None:
    page = browser.page
    page.goto(calculator_page_url(site_url))
    calculator = page.locator(".rf-calculator").first
    default_spec = calculator.locator(".rf-calculator__spec").input_value()
    default_rows = table_rows(calculator)

    page.goto("about:blank")
    page.goto(calculator_page_url(site_url, "#rf1=" + INVALID_STATES[case]))
    calculator = page.locator(".rf-calculator").first
    error = calculator.locator(".rf-calculator__error")
    sync_api.expect(error).to_contain_text(INVALID_STATE_MESSAGE)

    assert calculator.locator(".rf-calculator__spec").input_value() == default_spec
    assert table_rows(calculator) == default_rows
    assert "shows its example instead" in (error.text_content() or "")


def test_url_state_with_instant_navigation(browser: Browser, site_url: str) -> None:
    page = browser.page
    calculator = open_calculator(browser, site_url)
    wait_for_status(page, calculator, STATUS_READY)
    page.evaluate("window.rfTestMarker = 'same document'")
    calculator.locator(".rf-calculator__spec").fill(SHARED_SPEC)
    wait_for_status(page, calculator, STATUS_COMPUTED)
    page.wait_for_url("**#rf1=*")

    click_nav_link(page, "Home")
    assert "#rf1=" not in page.url

    page.go_back()
    page.wait_for_url("**#rf1=*")
    calculator = page.locator(".rf-calculator").first
    sync_api.expect(calculator.locator(".rf-calculator__spec")).to_have_value(SHARED_SPEC, timeout=BOOT_TIMEOUT_MS)
    # A reply for the page's own example can arrive before the one for the restored
    # state, so the test waits for the table of the shared spec itself: 32 then 16 units.
    output_sizes = calculator.locator(".rf-calculator__result tbody tr td:nth-child(4)")
    sync_api.expect(output_sizes).to_have_text(["32", "16"], timeout=BOOT_TIMEOUT_MS)

    assert page.evaluate("window.rfTestMarker") == "same document"
    assert [row[3] for row in table_rows(calculator)] == ["32", "16"]


# --- Copy link -----------------------------------------------------------------------------


def test_copy_link_writes_clipboard(browser: Browser, site_url: str) -> None:
    browser.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = browser.page
    calculator = open_calculator(browser, site_url)
    wait_for_status(page, calculator, STATUS_READY)
    calculator.locator(".rf-calculator__spec").fill(SHARED_SPEC)
    wait_for_status(page, calculator, STATUS_COMPUTED)

    calculator.locator(".rf-calculator__link").click()
    message = calculator.locator(".rf-calculator__share-message")
    sync_api.expect(message).to_have_text("Copied a link to this calculation.")
    link = page.evaluate("navigator.clipboard.readText()")

    assert link.startswith(calculator_page_url(site_url, "#rf1="))
    assert decode_fragment(link) == {"rf1": {"spec": SHARED_SPEC, "input_size": "", "unit": "3"}}


def test_copy_link_fallback_selects_field(browser: Browser, site_url: str) -> None:
    browser.context.add_init_script("Object.defineProperty(navigator, 'clipboard', { value: undefined })")
    page = browser.page
    calculator = open_calculator(browser, site_url)

    calculator.locator(".rf-calculator__link").click()
    field = calculator.locator(".rf-calculator__copy-field")
    sync_api.expect(field).to_be_visible()
    value = field.input_value()
    selection = field.evaluate("field => [field.selectionStart, field.selectionEnd, document.activeElement === field]")
    message = calculator.locator(".rf-calculator__share-message").text_content() or ""

    # The example as built is the state, so the link reproduces it.
    assert value.startswith(calculator_page_url(site_url, "#rf1="))
    assert decode_fragment(value)["rf1"]["spec"] == calculator.locator(".rf-calculator__spec").input_value()
    assert selection == [0, len(value), True]
    assert "Ctrl+C" in message or "⌘C" in message
    assert field.get_attribute("readonly") is not None


# --- Export --------------------------------------------------------------------------------


def test_downloads_equal_cli_output(browser: Browser, site_url: str) -> None:
    page = browser.page
    calculator = open_calculator(browser, site_url)
    wait_for_status(page, calculator, STATUS_READY)
    textarea = calculator.locator(".rf-calculator__spec")
    edited, _ = change_first_kernel(textarea.input_value(), 9)
    textarea.fill(edited)
    wait_for_status(page, calculator, STATUS_COMPUTED)

    for export_format, filename in [("csv", "receptive-fields.csv"), ("json", "receptive-fields.json"), ("markdown", "receptive-fields.md")]:
        downloaded_name, text = download_export(page, calculator, export_format)
        assert downloaded_name == filename
        assert text == run_cli(edited, *cli_arguments(calculator, export_format))

    # An invalid edit keeps the last valid table, and the export follows the table.
    textarea.fill(edited + "\nconv k=0")
    sync_api.expect(calculator.locator(".rf-calculator__error")).to_be_visible(timeout=BOOT_TIMEOUT_MS)
    _, text = download_export(page, calculator, "csv")
    assert text == run_cli(edited, *cli_arguments(calculator, "csv"))


def test_copy_table_as_markdown(browser: Browser, site_url: str) -> None:
    browser.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = browser.page
    calculator = open_calculator(browser, site_url)
    wait_for_status(page, calculator, STATUS_READY)
    spec = calculator.locator(".rf-calculator__spec").input_value()

    calculator.locator(".rf-calculator__format").select_option("markdown")
    calculator.locator(".rf-calculator__copy").click()
    sync_api.expect(calculator.locator(".rf-calculator__share-message")).to_have_text(
        "Copied the table as Markdown.", timeout=BOOT_TIMEOUT_MS
    )

    assert page.evaluate("navigator.clipboard.readText()") == run_cli(spec, *cli_arguments(calculator, "markdown"))


# --- Accessibility -------------------------------------------------------------------------


def _focused_class(page: sync_api.Page) -> str:
    return page.evaluate(
        "() => { const element = document.activeElement;"
        " return element.closest('.rf-calculator') === document.querySelector('.rf-calculator')"
        " ? (element.classList[0]?.startsWith('rf-') ? element.classList[0] : element.tagName) : ''; }"
    )


def test_keyboard_reaches_and_uses_controls(browser: Browser, site_url: str) -> None:
    browser.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = browser.page
    calculator = open_calculator(browser, site_url)
    wait_for_status(page, calculator, STATUS_READY)

    # Start at the heading before the first calculator and tab through it.
    page.locator("h2#alexnet a.headerlink").focus()
    reached = []
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = _focused_class(page)
        if focused:
            reached.append(focused)
        elif reached:
            break

    assert reached == [
        "rf-calculator__spec",
        "rf-calculator__input-size",
        "rf-calculator__unit",
        "rf-calculator__preset",
        "rf-calculator__preset-load",
        "rf-calculator__format",
        "rf-calculator__download",
        "rf-calculator__copy",
        "rf-calculator__link",
        "SUMMARY",
    ]

    calculator.locator(".rf-calculator__link").focus()
    page.keyboard.press("Enter")
    sync_api.expect(calculator.locator(".rf-calculator__share-message")).to_have_text("Copied a link to this calculation.")

    calculator.locator(".rf-calculator__download").focus()
    with page.expect_download(timeout=BOOT_TIMEOUT_MS) as download_info:
        page.keyboard.press("Space")
    assert download_info.value.suggested_filename == "receptive-fields.csv"

    calculator.locator(".rf-calculator__paste summary").focus()
    page.keyboard.press("Enter")
    sync_api.expect(calculator.locator(".rf-calculator__paste")).to_have_attribute("open", "")


def test_every_control_has_label(browser: Browser, site_url: str) -> None:
    open_calculator(browser, site_url)
    unlabelled = browser.page.evaluate(
        """() => [...document.querySelectorAll('.rf-calculator input, .rf-calculator textarea, .rf-calculator select')]
          .filter((control) => !control.getAttribute('aria-label')
            && !(control.id && document.querySelector(`label[for="${CSS.escape(control.id)}"]`)))
          .map((control) => control.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []


def test_status_and_result_announced_politely(browser: Browser, site_url: str) -> None:
    calculator = open_calculator(browser, site_url)
    for selector in (".rf-calculator__status", ".rf-calculator__result", ".rf-calculator__share-message"):
        assert calculator.locator(selector).get_attribute("aria-live") == "polite", selector


def test_focus_ring_visible_on_buttons(browser: Browser, site_url: str) -> None:
    page = browser.page
    calculator = open_calculator(browser, site_url)
    calculator.locator(".rf-calculator__unit").focus()
    for selector in (".rf-calculator__preset", ".rf-calculator__format", ".rf-calculator__download"):
        while not calculator.locator(selector).evaluate("element => element === document.activeElement"):
            page.keyboard.press("Tab")
        outline = calculator.locator(selector).evaluate(
            "element => { const style = getComputedStyle(element); return [style.outlineStyle, parseFloat(style.outlineWidth)]; }"
        )
        assert outline[0] != "none", selector
        assert outline[1] >= 2, selector


def axe_script_path() -> Path:
    """Return axe-core's axe.min.js, fetched with `npm pack` into the cache on first use."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rf-lab" / f"axe-core-{AXE_VERSION}"
    script = cache / "axe.min.js"
    if script.is_file():
        return script
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip(f"npm is not on the PATH, so axe-core {AXE_VERSION} cannot be fetched; install Node.js with npm")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", folder],
            check=True,
            capture_output=True,
            timeout=300,
        )
        with tarfile.open(Path(folder) / f"axe-core-{AXE_VERSION}.tgz") as archive:
            member = archive.extractfile("package/axe.min.js")
            assert member is not None, "the axe-core tarball has no package/axe.min.js"
            partial = script.with_suffix(".partial")
            partial.write_bytes(member.read())
    partial.replace(script)
    return script


AXE_RUN = """async ([root, rules]) => {
  const results = await axe.run(root, { runOnly: rules });
  return results.violations.flatMap((violation) =>
    violation.nodes.map((node) => `${violation.id}: ${node.target.join(" ")}: ${node.failureSummary}`));
}"""


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_no_violations(
    playwright: sync_api.Playwright, tmp_path: Path, site_url: str, color_scheme: str
) -> None:
    script = axe_script_path()
    # bypass_csp lets the page run the injected axe-core under a strict Content-Security-Policy.
    instance = _launch(playwright, tmp_path / "profile", site_url, color_scheme=color_scheme, bypass_csp=True)
    instance.context.add_init_script("Object.defineProperty(navigator, 'clipboard', { value: undefined })")
    try:
        page = instance.page
        calculator = open_calculator(instance, site_url)
        wait_for_status(page, calculator, STATUS_READY)
        scheme = page.evaluate("document.body.getAttribute('data-md-color-scheme')")

        # Show the parts that are hidden at first: an error, the share message and the copy field.
        calculator.locator(".rf-calculator__spec").fill("conv k=0")
        sync_api.expect(calculator.locator(".rf-calculator__error")).to_be_visible(timeout=BOOT_TIMEOUT_MS)
        calculator.locator(".rf-calculator__link").click()
        sync_api.expect(calculator.locator(".rf-calculator__copy-field")).to_be_visible()
        calculator.locator(".rf-calculator__paste summary").click()
        page.mouse.move(0, 0)

        page.add_script_tag(path=str(script))
        violations = []
        for index in range(page.locator(".rf-calculator").count()):
            root = page.locator(".rf-calculator").nth(index).element_handle()
            violations += page.evaluate(AXE_RUN, [root, AXE_RULES])
    finally:
        instance.context.close()

    assert scheme == ("slate" if color_scheme == "dark" else "default")
    assert violations == [], "\n".join(violations)
