#!/usr/bin/env python3
"""Measure the site and rf_core on this machine and write the results as JSON.

    python benchmarks/run.py --output docs/benchmarks-results.json

runs every part: the calculator page in headless Chromium (first result, recalculation
latency, bytes per page), `mkdocs build` with and without the hooks, rf_core under
CPython next to torchscan, and rf_core's time against chain depth, whose plot goes
to docs/assets/images/benchmark-scaling.svg. `--quick` runs each part briefly and
on smaller chains, for a smoke test. `--parts` picks parts. The page
docs/benchmarks.md shows the results file through hooks/benchmarks_page.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks import cpython_bench  # noqa: E402 (needs the path set above)
from benchmarks.svg_plot import scaling_svg  # noqa: E402

PARTS = ("browser", "build", "cpython", "torch", "scaling")
DEFAULT_OUTPUT = REPO_ROOT / "docs" / "benchmarks-results.json"
DEFAULT_SVG = REPO_ROOT / "docs" / "assets" / "images" / "benchmark-scaling.svg"

#: Targets that docs/benchmarks.md compares against.
TARGETS = {
    "first_result_ratio_max": 1.15,
    "chain_50_median_ms_max": 16.0,
    "preset_median_ms_max": 50.0,
    "build_ratio_max": 1.5,
}

#: Repetitions and sizes for a full run and for --quick.
SETTINGS = {
    "full": {
        "boot_repeats": 5,
        "edits": 40,
        "build_repeats": 5,
        "chain_depth": 10_000,
        "cpython_repeats": 5,
        "torch_repeats": 3,
        "scaling_depths": [100, 1_000, 10_000, 100_000],
        "html_depths": [100, 1_000, 10_000],
        "scaling_repeats": 3,
    },
    "quick": {
        "boot_repeats": 1,
        "edits": 5,
        "build_repeats": 1,
        "chain_depth": 1_000,
        "cpython_repeats": 1,
        "torch_repeats": 1,
        "scaling_depths": [100, 1_000, 10_000],
        "html_depths": [100, 200, 400],
        "scaling_repeats": 1,
    },
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repetition of each part and smaller chains")
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"comma-separated parts to run, from {', '.join(PARTS)} (default: all)",
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help=f"results JSON file (default: {DEFAULT_OUTPUT.relative_to(REPO_ROOT)})"
    )
    parser.add_argument(
        "--svg",
        type=Path,
        default=DEFAULT_SVG,
        help=f"scaling plot written by the scaling part (default: {DEFAULT_SVG.relative_to(REPO_ROOT)})",
    )
    return parser


def machine() -> dict:
    """Describe the CPU, memory, OS and Python of this machine."""
    cpu_model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        pass
    return {
        "cpu_model": cpu_model,
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_bytes": memory,
        "os": os_name,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }


def run_site_parts(parts: set[str], settings: dict, results: dict) -> None:
    """Build the site (timed when "build" is requested) and run the browser parts on it."""
    from benchmarks import site_bench

    with tempfile.TemporaryDirectory(prefix="rf-bench-") as work, site_bench.bound_server() as (server, site_dir):
        work_dir = Path(work)
        site_url = f"http://127.0.0.1:{server.server_port}/"
        if "build" in parts:
            print("Timing mkdocs build with and without hooks", flush=True)
            results["build"] = site_bench.measure_builds(work_dir, site_dir, site_url, settings["build_repeats"])
        else:
            site_bench.build_site(REPO_ROOT / "mkdocs.yml", site_dir, site_url)
        if "browser" not in parts:
            return

        manifest = json.loads((site_dir / "assets" / "rf-lab" / "manifest.json").read_text(encoding="utf-8"))
        site_bench.add_bare_page(site_dir, manifest["pyodide_version"])
        site_bench.serve(server)

        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            print("Timing the first result against a bare Pyodide boot", flush=True)
            first = site_bench.measure_first_result(playwright, site_url, settings["boot_repeats"])
            print("Timing recalculations", flush=True)
            recalculation = site_bench.measure_recalculation(playwright, site_url, settings["edits"])
            print("Counting bytes per page", flush=True)
            transfer = site_bench.measure_transfer(playwright, site_url)
        results["browser"] = {
            "chromium": site_bench.chromium_version(),
            "pyodide": manifest["pyodide_version"],
            "first_result": first,
            "recalculation": recalculation,
            "transfer": transfer,
        }


def run_cpython_parts(parts: set[str], settings: dict, results: dict, svg_path: Path) -> None:
    if "cpython" in parts:
        print("Timing rf_core under CPython", flush=True)
        results["cpython"] = cpython_bench.measure_cpython(settings["chain_depth"], settings["cpython_repeats"])
    if "torch" in parts:
        print("Comparing with torchscan", flush=True)
        results["torch"] = cpython_bench.compare_torchscan(settings["torch_repeats"])
    if "scaling" in parts:
        print("Timing depth scaling", flush=True)
        scaling = cpython_bench.measure_scaling(settings["scaling_depths"], settings["scaling_repeats"])
        scaling["profile"] = cpython_bench.profile_analysis(max(settings["scaling_depths"]))
        scaling["html"] = cpython_bench.measure_html_scaling(settings["html_depths"], settings["scaling_repeats"])
        results["scaling"] = scaling
        svg_path.parent.mkdir(parents=True, exist_ok=True)
        svg_path.write_text(scaling_svg(scaling["points"], scaling["html"]["points"]), encoding="utf-8")
        results["scaling"]["svg"] = _display_path(svg_path)


def _display_path(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(REPO_ROOT)) if resolved.is_relative_to(REPO_ROOT) else str(resolved)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    parts = {part.strip() for part in arguments.parts.split(",") if part.strip()}
    unknown = parts - set(PARTS)
    if unknown:
        print(f"error: unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}", file=sys.stderr)
        return 2

    settings = SETTINGS["quick" if arguments.quick else "full"]
    command = ["python", "benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]
    results: dict = {
        "schema": 1,
        "command": shlex.join(command),
        "quick": arguments.quick,
        "parts": [part for part in PARTS if part in parts],
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "load_average_start": list(os.getloadavg()),
        "targets": TARGETS,
    }

    if parts & {"build", "browser"}:
        run_site_parts(parts, settings, results)
    run_cpython_parts(parts, settings, results, arguments.svg)

    results["load_average_end"] = list(os.getloadavg())
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {_display_path(arguments.output)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
