"""Write full-page screenshots of every page of the built site.

Run through `scripts/screenshots`, which installs what this needs into .venv.
The site is built with `mkdocs build --strict` into a temporary folder (or taken
from --site), served on 127.0.0.1 and opened in headless Chromium. Every page of
the sitemap is saved as PAGE-SCHEME-WIDTH.png, for example
calculator-dark-375.png, with the light and the dark palette at 1280 and 375 CSS
pixels wide. The palette follows the browser's colour scheme, as the site's
mkdocs.yml selects it by `prefers-color-scheme`.
"""

from __future__ import annotations

import argparse
import functools
import re
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
    # Every other host resolves to "not found", so nothing leaves the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
SCHEMES = ("light", "dark")
WIDTHS = (1280, 375)
VIEWPORT_HEIGHT = 900
# The calculators' status once the Python runtime has started or failed to start.
RUNTIME_SETTLED = re.compile(r"Ready: results are computed in your browser\.|Recomputing in the browser is unavailable")
RUNTIME_TIMEOUT_MS = 90_000
HEADER_TRANSITION_MS = 500


class SiteRequestHandler(SimpleHTTPRequestHandler):
    """Static file handler with the MIME types that Pyodide needs, and no access log."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


def build_site(site: Path) -> None:
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    completed = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(f"mkdocs build --strict failed:\n{completed.stdout}{completed.stderr}")


def page_paths(site: Path) -> list[str]:
    """Return the path of every page in the sitemap, relative to the site root."""
    locations = re.findall(r"<loc>([^<]+)</loc>", (site / "sitemap.xml").read_text(encoding="utf-8"))
    root = min(locations, key=len)
    return sorted(location.removeprefix(root) for location in locations)


def file_stem(path: str) -> str:
    return path.strip("/").replace("/", "-") or "home"


def wait_for_page(page, url: str) -> None:
    """Open `url` and wait until its calculators, if any, have started the runtime or shown why it failed."""
    page.goto(url, wait_until="load")
    calculators = page.locator(".rf-calculator")
    if calculators.count() > 0:
        first = calculators.first
        expect(first).to_have_attribute("data-rf-attached", "1")
        first.scroll_into_view_if_needed()
        expect(first.locator(".rf-calculator__status")).to_have_text(RUNTIME_SETTLED, timeout=RUNTIME_TIMEOUT_MS)
        page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_load_state("networkidle")
    # mkdocs-material fades the header title between the site name and the page
    # title after scrolling, in 0.4 s (mkdocs-material 9.8.1), so the screenshot waits for it.
    page.wait_for_timeout(HEADER_TRANSITION_MS)


def take_screenshots(site: Path, output: Path) -> int:
    handler = functools.partial(SiteRequestHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, name="site-server", daemon=True).start()
    site_url = f"http://127.0.0.1:{server.server_port}/"
    paths = page_paths(site)
    written = 0
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for scheme in SCHEMES:
                for width in WIDTHS:
                    context = browser.new_context(
                        viewport={"width": width, "height": VIEWPORT_HEIGHT}, color_scheme=scheme
                    )
                    page = context.new_page()
                    for path in paths:
                        target = output / f"{file_stem(path)}-{scheme}-{width}.png"
                        try:
                            wait_for_page(page, urljoin(site_url, path))
                            page.screenshot(path=str(target), full_page=True)
                        except (PlaywrightError, AssertionError) as error:
                            print(f"failed: /{path} ({scheme}, {width} px): {error}", file=sys.stderr)
                            continue
                        written += 1
                        print(target)
                    context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", nargs="?", default="/tmp/rf-screenshots", type=Path, help="folder for the PNG files")
    parser.add_argument("--site", type=Path, help="an already built site folder; without it the site is built first")
    arguments = parser.parse_args()

    arguments.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rf-lab-site-") as temporary:
        site = arguments.site or Path(temporary)
        if arguments.site is None:
            print("building the site…", file=sys.stderr)
            build_site(site)
        expected = len(page_paths(site)) * len(SCHEMES) * len(WIDTHS)
        written = take_screenshots(site, arguments.output)
    print(f"wrote {written} of {expected} screenshots to {arguments.output}", file=sys.stderr)
    if written < expected:
        sys.exit(1)


if __name__ == "__main__":
    main()
