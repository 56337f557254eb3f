"""The built site: `mkdocs build` time, and the calculators in headless Chromium.

The site is built into a temporary folder and served by a thread of this
process on 127.0.0.1. Chromium runs as the browser tests run it (fresh profile
per launch, background networking off, every host but 127.0.0.1 unresolvable),
so no request leaves the machine.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin

from benchmarks.cpython_bench import chain_spec, largest_preset

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
SECOND_PAGE_NAV_LABEL = "Networks with branches"
BARE_PAGE = "rf-bench-bare/"
RUNTIME_PATHS = ("/assets/pyodide/", "/assets/rf-lab/")
BOOT_TIMEOUT_MS = 120_000
BUILD_TIMEOUT_SECONDS = 600

# Records, in page time (milliseconds since navigation start), when the first
# calculator reply arrives: rf-loader.js then sets data-rf-results.
FIRST_RESULT_SCRIPT = """
new MutationObserver((records, observer) => {
  if (records.some((record) => record.target.dataset && record.target.dataset.rfResults)) {
    window.rfBenchFirstResultMs = performance.now();
    observer.disconnect();
  }
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-rf-results"] });
"""

BARE_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pyodide boot only</title>
<script type="module" src="bare.mjs"></script></head>
<body><p id="result">Booting…</p></body></html>
"""

# Starts a module worker, as the calculators do, and records when Python returns.
BARE_PAGE_MODULE = """const worker = new Worker(new URL("./bare-worker.mjs", import.meta.url), { type: "module" });
worker.addEventListener("message", (event) => {
  window.rfBenchBareMs = performance.now();
  window.rfBenchBareReply = event.data;
  document.getElementById("result").textContent = JSON.stringify(event.data);
});
"""

BARE_WORKER_MODULE = """import { loadPyodide } from "../assets/pyodide/{version}/pyodide.mjs";
const indexURL = new URL("../assets/pyodide/{version}/", import.meta.url).href;
const pyodide = await loadPyodide({ indexURL, packageBaseUrl: indexURL });
self.postMessage({ value: pyodide.runPython("6 * 7"), version: pyodide.version });
"""


class _SiteHandler(SimpleHTTPRequestHandler):
    """Static files with the MIME types Pyodide needs, and no access log."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


# --- Build ---------------------------------------------------------------------------


def config_without_hooks(target_dir: Path) -> Path:
    """Write a copy of mkdocs.yml without its `hooks:` list, reading the same docs folder."""
    text = (REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    without_hooks, count = re.subn(r"^hooks:\n(?:[ \t]+- .*\n)+", "", text, flags=re.M)
    if count != 1:
        raise RuntimeError("mkdocs.yml has no `hooks:` list to remove; update config_without_hooks")
    config = target_dir / "mkdocs-no-hooks.yml"
    config.write_text(f"docs_dir: {str(REPO_ROOT / 'docs')!r}\n" + without_hooks, encoding="utf-8")
    return config


def build_site(config: Path, site_dir: Path, site_url: str) -> float:
    """Run `mkdocs build` in a subprocess and return its wall time in seconds."""
    environment = {**os.environ, "RF_LAB_SITE_URL": site_url, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(config), "-d", str(site_dir)],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
    )
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError(f"mkdocs build -f {config} failed:\n{completed.stdout}\n{completed.stderr}")
    return elapsed


def measure_builds(work_dir: Path, site_dir: Path, site_url: str, repeats: int) -> dict:
    """Time builds with and without the hooks, alternating, after one warm-up build with hooks.

    The warm-up fills the Pyodide cache, so no build downloads the runtime. The
    last build with hooks is left in `site_dir` for the browser measurements.
    """
    with_hooks_config = REPO_ROOT / "mkdocs.yml"
    without_hooks_config = config_without_hooks(work_dir)
    build_site(with_hooks_config, site_dir, site_url)

    with_hooks, without_hooks = [], []
    for _ in range(repeats):
        without_hooks.append(build_site(without_hooks_config, work_dir / "site-no-hooks", site_url))
        with_hooks.append(build_site(with_hooks_config, site_dir, site_url))
    return {
        "repeats": repeats,
        "with_hooks_s": with_hooks,
        "without_hooks_s": without_hooks,
        "with_hooks_median_s": statistics.median(with_hooks),
        "without_hooks_median_s": statistics.median(without_hooks),
        "ratio": statistics.median(with_hooks) / statistics.median(without_hooks),
    }


def add_bare_page(site_dir: Path, pyodide_version: str) -> None:
    """Write the page that only boots Pyodide (in a module worker) into the built site."""
    bare_dir = site_dir / BARE_PAGE
    bare_dir.mkdir(exist_ok=True)
    (bare_dir / "index.html").write_text(BARE_HTML, encoding="utf-8")
    (bare_dir / "bare.mjs").write_text(BARE_PAGE_MODULE, encoding="utf-8")
    (bare_dir / "bare-worker.mjs").write_text(BARE_WORKER_MODULE.replace("{version}", pyodide_version), encoding="utf-8")


@contextmanager
def bound_server() -> Iterator[tuple[ThreadingHTTPServer, Path]]:
    """Bind a server on a free 127.0.0.1 port to a new empty folder; start it with `serve`.

    The port is known before the build, so the site is built with its real
    `site_url` and mkdocs-material's instant navigation works without rewriting.
    """
    folder = Path(tempfile.mkdtemp(prefix="rf-bench-site-"))
    handler = functools.partial(_SiteHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    try:
        yield server, folder
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(folder, ignore_errors=True)


def serve(server: ThreadingHTTPServer) -> None:
    threading.Thread(target=server.serve_forever, name="bench-site-server", daemon=True).start()


# --- Browser ---------------------------------------------------------------------------


def chromium_version() -> str:
    completed = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=60)
    match = re.search(r"Chromium [0-9.]+", completed.stdout)
    return match.group() if match else completed.stdout.strip()


@contextmanager
def fresh_browser(playwright) -> Iterator:
    """Launch Chromium with a new, empty profile and yield its first page."""
    profile = Path(tempfile.mkdtemp(prefix="rf-bench-profile-"))
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900},
    )
    try:
        yield context
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


def _first_calculator(page):
    calculator = page.locator(".rf-calculator").first
    calculator.wait_for(state="attached")
    page.wait_for_function(
        "() => document.querySelector('.rf-calculator')?.dataset.rfAttached === '1'", timeout=BOOT_TIMEOUT_MS
    )
    return calculator


def _edit_and_wait(page, calculator, new_spec: str) -> float:
    """Replace the spec, wait for the worker's reply and return its `data-rf-compute-ms`."""
    before = int(calculator.get_attribute("data-rf-results") or 0)
    calculator.locator(".rf-calculator__spec").fill(new_spec)
    page.wait_for_function(
        "expected => Number(document.querySelector('.rf-calculator').dataset.rfResults || 0) >= expected",
        arg=before + 1,
        timeout=BOOT_TIMEOUT_MS,
    )
    return float(calculator.get_attribute("data-rf-compute-ms"))


def time_first_result(playwright, site_url: str) -> float:
    """Return milliseconds from navigation to the first worker reply on the calculator page."""
    with fresh_browser(playwright) as context:
        context.add_init_script(FIRST_RESULT_SCRIPT)
        page = context.pages[0]
        page.goto(urljoin(site_url, CALCULATOR_PAGE), wait_until="domcontentloaded")
        calculator = _first_calculator(page)
        textarea = calculator.locator(".rf-calculator__spec")
        textarea.focus()
        textarea.fill(textarea.input_value() + "\n")
        page.wait_for_function("() => window.rfBenchFirstResultMs !== undefined", timeout=BOOT_TIMEOUT_MS)
        return float(page.evaluate("window.rfBenchFirstResultMs"))


def time_bare_boot(playwright, site_url: str) -> tuple[float, dict]:
    """Return milliseconds from navigation to the bare page's Python reply, and the reply."""
    with fresh_browser(playwright) as context:
        page = context.pages[0]
        page.goto(urljoin(site_url, BARE_PAGE), wait_until="domcontentloaded")
        page.wait_for_function("() => window.rfBenchBareMs !== undefined", timeout=BOOT_TIMEOUT_MS)
        return float(page.evaluate("window.rfBenchBareMs")), page.evaluate("window.rfBenchBareReply")


def measure_first_result(playwright, site_url: str, repeats: int) -> dict:
    """Time the calculator page's first result against the bare Pyodide boot, alternating runs."""
    calculator_ms, bare_ms = [], []
    bare_reply: dict = {}
    for _ in range(repeats):
        calculator_ms.append(time_first_result(playwright, site_url))
        elapsed, bare_reply = time_bare_boot(playwright, site_url)
        bare_ms.append(elapsed)
    if bare_reply.get("value") != 42:
        raise RuntimeError(f"the bare page's Python returned {bare_reply!r}, expected 42")
    return {
        "repeats": repeats,
        "calculator_ms": calculator_ms,
        "bare_pyodide_ms": bare_ms,
        "calculator_median_ms": statistics.median(calculator_ms),
        "bare_pyodide_median_ms": statistics.median(bare_ms),
        "ratio": statistics.median(calculator_ms) / statistics.median(bare_ms),
        "pyodide_version": bare_reply.get("version"),
    }


def percentile(values: list[float], fraction: float) -> float:
    """Return the percentile by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _summary(samples: list[float]) -> dict:
    return {
        "samples_ms": samples,
        "median_ms": statistics.median(samples),
        "p95_ms": percentile(samples, 0.95),
    }


def measure_recalculation(playwright, site_url: str, edits: int, warmup: int = 3) -> dict:
    """Time recalculations after edits (request to reply) for a 50-layer chain and the largest preset.

    Edits alternate the first layer's kernel, so every request computes a new
    table. The first `warmup` replies of each network are not counted.
    """
    preset_name, preset_layers = largest_preset()
    with fresh_browser(playwright) as context:
        page = context.pages[0]
        page.goto(urljoin(site_url, CALCULATOR_PAGE))
        calculator = _first_calculator(page)
        # The spec's own input line gives the size; unit 0.
        calculator.locator(".rf-calculator__input-size").fill("")
        calculator.locator(".rf-calculator__unit").fill("")

        chain_specs = [chain_spec(50, 3), chain_spec(50, 5)]
        chain = [_edit_and_wait(page, calculator, chain_specs[i % 2]) for i in range(warmup + edits)][warmup:]

        before = int(calculator.get_attribute("data-rf-results") or 0)
        calculator.locator(".rf-calculator__preset").select_option(preset_name)
        calculator.locator(".rf-calculator__preset-load").click()
        page.wait_for_function(
            "expected => Number(document.querySelector('.rf-calculator').dataset.rfResults || 0) >= expected",
            arg=before + 1,
            timeout=BOOT_TIMEOUT_MS,
        )
        preset_spec = calculator.locator(".rf-calculator__spec").input_value()
        edited_spec = re.sub(r"\bk=7\b", "k=5", preset_spec, count=1)
        if edited_spec == preset_spec:
            raise RuntimeError(f"preset {preset_name} has no k=7 layer to edit")
        preset_specs = [edited_spec, preset_spec]
        preset = [_edit_and_wait(page, calculator, preset_specs[i % 2]) for i in range(warmup + edits)][warmup:]

    return {
        "edits": edits,
        "chain_50": {"layers": 50, **_summary(chain)},
        "preset": {"name": preset_name, "layers": preset_layers, **_summary(preset)},
    }


def _is_runtime(url: str) -> bool:
    return any(path in url for path in RUNTIME_PATHS)


def _transfer(requests: list) -> dict:
    """Sum response headers and encoded bodies of finished requests, split into runtime and the rest."""
    total = runtime = 0
    for request in requests:
        sizes = request.sizes()
        size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        total += size
        if _is_runtime(request.url):
            runtime += size
    return {
        "requests": len(requests),
        "bytes": total,
        "runtime_bytes": runtime,
        "runtime_requests": sum(1 for request in requests if _is_runtime(request.url)),
    }


def measure_transfer(playwright, site_url: str) -> dict:
    """Count bytes on the calculator page (runtime booted) and on a second calculator page of the visit.

    The second page is opened by clicking its link in the navigation, so
    mkdocs-material's instant navigation replaces the page in the same document.
    """
    with fresh_browser(playwright) as context:
        finished: list = []

        def record(request) -> None:
            finished.append(request)

        context.on("requestfinished", record)
        page = context.pages[0]

        page.goto(urljoin(site_url, CALCULATOR_PAGE))
        calculator = _first_calculator(page)
        _edit_and_wait(page, calculator, calculator.locator(".rf-calculator__spec").input_value() + "\n")
        page.wait_for_load_state("networkidle")
        first_page = list(finished)
        page.evaluate("window.rfBenchSameDocument = true")

        link = page.locator("nav.md-nav--primary a.md-nav__link:visible", has_text=SECOND_PAGE_NAV_LABEL).first
        target = urljoin(page.url, link.get_attribute("href") or "").split("#")[0]
        link.click()
        page.wait_for_url(target)
        calculator = _first_calculator(page)
        _edit_and_wait(page, calculator, calculator.locator(".rf-calculator__spec").input_value() + "\n")
        page.wait_for_load_state("networkidle")
        second_page = finished[len(first_page) :]

        return {
            "first_page": {"url": CALCULATOR_PAGE, **_transfer(first_page)},
            "second_page": {"url": target.removeprefix(site_url), **_transfer(second_page)},
            "same_document": page.evaluate("window.rfBenchSameDocument === true"),
            "boots": int(page.evaluate("document.documentElement.dataset.rfBoots || 0")),
        }
