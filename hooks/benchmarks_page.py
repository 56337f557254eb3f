"""MkDocs hook: write the benchmark results file into a page as tables, at build time.

A fenced block

    ```rf-benchmarks section=recalculation
    ```

becomes the Markdown for one section of the results that `benchmarks/run.py`
wrote to `docs/benchmarks-results.json` (`file=PATH` picks another file, relative
to the docs folder). The page therefore always shows the numbers of the last
run, never hand-copied ones. A section that the run left out is marked
"Not measured".

`section=plot` puts the scaling plot, `assets/images/benchmark-scaling.svg`,
into the page inline: its strokes use `currentColor`, which takes the page's
text colour only in inline SVG, not in an `<img>`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.plugins.rf_lab.benchmarks")

DEFAULT_RESULTS = "benchmarks-results.json"
PLOT = "assets/images/benchmark-scaling.svg"
RUN_COMMAND = "python benchmarks/run.py --output docs/benchmarks-results.json"

_BLOCK = re.compile(r"^```rf-benchmarks(?P<options>[^\n]*)\n```[ \t]*$", re.M)


def on_page_markdown(markdown: str, *, page, config, files) -> str:
    """Replace every `rf-benchmarks` block with the section of the results file it names."""
    if "```rf-benchmarks" not in markdown:
        return markdown
    cache: dict[Path, dict | None] = {}

    def replace(match: re.Match) -> str:
        line = markdown.count("\n", 0, match.start()) + 1
        where = f"{page.file.src_uri}:{line}"
        options = _parse_options(match.group("options"), where)
        if options["section"] == "plot":
            return _inline_plot(Path(config.docs_dir) / PLOT, where)
        path = Path(config.docs_dir) / options.get("file", DEFAULT_RESULTS)
        if path not in cache:
            cache[path] = _load(path, where)
        if cache[path] is None:
            return f'!!! warning "No benchmark results"\n    `{path.name}` was not found. Run `{RUN_COMMAND}`.\n'
        return render_section(cache[path], options["section"], where)

    return _BLOCK.sub(replace, markdown)


def _parse_options(text: str, where: str) -> dict[str, str]:
    options = dict(token.partition("=")[::2] for token in text.split())
    unknown = set(options) - {"section", "file"}
    if unknown or options.get("section") not in (*SECTIONS, "plot"):
        raise PluginError(
            f"{where}: rf-benchmarks block options {text.strip()!r} are invalid; "
            f"use section=NAME with NAME one of {', '.join(SECTIONS)}, plot, and optionally file=PATH"
        )
    return options


def _inline_plot(path: Path, where: str) -> str:
    try:
        svg = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        log.warning(f"{where}: benchmark plot {str(path)!r} not found; run `{RUN_COMMAND}`")
        return f'!!! warning "No benchmark plot"\n    `{PLOT}` was not found. Run `{RUN_COMMAND}`.\n'
    # One line, so that Markdown keeps it as a raw HTML block.
    return '<figure class="rf-benchmark-plot">' + svg.replace("\n", "") + "</figure>\n"


def _load(path: Path, where: str) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        log.warning(f"{where}: benchmark results {str(path)!r} not found; run `{RUN_COMMAND}`")
        return None
    except json.JSONDecodeError as error:
        raise PluginError(f"{where}: benchmark results {str(path)!r} are not valid JSON: {error}") from error


def render_section(results: dict, section: str, where: str = "") -> str:
    """Return the Markdown of one section of a results dict, as `benchmarks/run.py` writes it.

    Raises:
        PluginError: the results lack a field the section needs.
    """
    try:
        return SECTIONS[section](results).rstrip("\n") + "\n"
    except (KeyError, TypeError, IndexError) as error:
        raise PluginError(
            f"{where}: benchmark results lack {error} for section {section!r}; rerun `{RUN_COMMAND}`"
        ) from error


# --- Formatting ------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:,.1f} ms"


def _seconds(value: float) -> str:
    if value < 1:
        return f"{value * 1000:,.1f} ms"
    return f"{value:,.2f} s"


def _bytes(value: int) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:,.2f} MB ({value:,} bytes)"
    return f"{value / 1000:,.1f} kB ({value:,} bytes)"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _missing(part: str) -> str:
    return f"Not measured in this run: its `--parts` left out `{part}`.\n"


def _met(value: float, limit: float) -> str:
    return "met" if value <= limit else "**not met**"


# --- Sections ---------------------------------------------------------------------------


def _targets(results: dict) -> str:
    targets = results["targets"]
    rows = []
    browser = results.get("browser")
    if browser:
        ratio = browser["first_result"]["ratio"]
        rows.append(["First result, calculator page / bare Pyodide boot (medians)", f"≤ {targets['first_result_ratio_max']}", f"{ratio:.2f}", _met(ratio, targets["first_result_ratio_max"])])
        chain = browser["recalculation"]["chain_50"]["median_ms"]
        rows.append(["Recalculation, 50-layer chain (median)", f"≤ {_ms(targets['chain_50_median_ms_max'])}", _ms(chain), _met(chain, targets["chain_50_median_ms_max"])])
        preset = browser["recalculation"]["preset"]
        rows.append([f"Recalculation, {preset['name']} (median)", f"≤ {_ms(targets['preset_median_ms_max'])}", _ms(preset["median_ms"]), _met(preset["median_ms"], targets["preset_median_ms_max"])])
    build = results.get("build")
    if build:
        rows.append(["`mkdocs build` with hooks / without (medians)", f"≤ {targets['build_ratio_max']}", f"{build['ratio']:.2f}", _met(build["ratio"], targets["build_ratio_max"])])
    if not rows:
        return "This run measured no targeted figure.\n"
    not_met = [row[0] for row in rows if row[3] != "met"]
    summary = "All targets are met.\n" if not not_met else "Not met: " + "; ".join(not_met) + ".\n"
    return _table(["Measure", "Target", "Measured", "Result"], rows) + "\n" + summary


def _machine(results: dict) -> str:
    machine = results["machine"]
    rows = [
        ["CPU", f"{machine['cpu_model']}, {machine['logical_cpus']} logical CPUs ({machine['usable_cpus']} usable)"],
        ["Memory", f"{machine['memory_bytes'] / 2**30:.1f} GiB" if machine.get("memory_bytes") else "unknown"],
        ["OS", machine["os"]],
        ["Python", machine["python"]],
    ]
    if results.get("browser"):
        rows.append(["Browser", f"{results['browser']['chromium']}, headless"])
        rows.append(["Pyodide", results["browser"]["pyodide"]])
    load_start = ", ".join(f"{value:.2f}" for value in results["load_average_start"])
    load_end = ", ".join(f"{value:.2f}" for value in results["load_average_end"])
    rows.append(["Load average (1, 5, 15 min)", f"{load_start} at the start; {load_end} at the end"])
    rows.append(["Run", f"`{results['command']}`, started {results['started']}" + (" (quick run)" if results["quick"] else "")])
    return _table(["", ""], rows)


def _first_result(results: dict) -> str:
    if not results.get("browser"):
        return _missing("browser")
    first = results["browser"]["first_result"]
    runs = lambda values: ", ".join(f"{value:,.0f}" for value in values)  # noqa: E731 (local formatter)
    return _table(
        ["Page", "Median", "Runs (ms)"],
        [
            ["Calculator page, navigation to first worker reply", _ms(first["calculator_median_ms"]), runs(first["calculator_ms"])],
            ["Bare page, navigation to Pyodide's first Python result", _ms(first["bare_pyodide_median_ms"]), runs(first["bare_pyodide_ms"])],
        ],
    ) + f"\nRatio of the medians: **{first['ratio']:.2f}**, over {first['repeats']} fresh profiles each.\n"


def _recalculation(results: dict) -> str:
    if not results.get("browser"):
        return _missing("browser")
    recalculation = results["browser"]["recalculation"]
    rows = []
    for key, label in (("chain_50", "50-layer chain"), ("preset", None)):
        entry = recalculation[key]
        rows.append([
            label or f"{entry['name']} ({entry['layers']} layers)",
            _ms(entry["median_ms"]),
            _ms(entry["p95_ms"]),
            f"{_ms(min(entry['samples_ms']))} to {_ms(max(entry['samples_ms']))}",
        ])
    return _table(["Network", "Median", "95th percentile", "Range"], rows) + (
        f"\n{recalculation['edits']} edits each, after three that are not counted.\n"
    )


def _transfer(results: dict) -> str:
    if not results.get("browser"):
        return _missing("browser")
    transfer = results["browser"]["transfer"]
    rows = []
    for key, label in (("first_page", "First page of the visit"), ("second_page", "Second calculator page, by instant navigation")):
        page = transfer[key]
        rows.append([
            f"{label} (`{page['url']}`)",
            str(page["requests"]),
            _bytes(page["bytes"]),
            f"{_bytes(page['runtime_bytes'])} in {page['runtime_requests']} requests",
        ])
    return _table(["Page", "Requests", "Bytes", "Of which runtime and rf_core"], rows) + (
        f"\nWorker boots in the visit (`data-rf-boots`): **{transfer['boots']}**. "
        f"Second page shown in the same document: **{'yes' if transfer['same_document'] else 'no'}**.\n"
    )


def _build(results: dict) -> str:
    build = results.get("build")
    if not build:
        return _missing("build")
    runs = lambda values: ", ".join(f"{value:.2f}" for value in values)  # noqa: E731 (local formatter)
    return _table(
        ["Configuration", "Median", "Runs (s)"],
        [
            ["`mkdocs.yml` with the project's hooks", _seconds(build["with_hooks_median_s"]), runs(build["with_hooks_s"])],
            ["The same without `hooks:`", _seconds(build["without_hooks_median_s"]), runs(build["without_hooks_s"])],
        ],
    ) + f"\nRatio of the medians: **{build['ratio']:.2f}**.\n"


def _network_rows(label: str, entry: dict) -> list[str]:
    cells = [f"{label} ({entry['layers']:,} layers)"]
    for stage in ("parse", "analyze", "render_text", "render_html"):
        timing = entry[stage]
        cells.append("not timed" if timing is None else f"{_seconds(timing['min_s'])} / {_seconds(timing['median_s'])}")
    return cells


def _cpython(results: dict) -> str:
    cpython = results.get("cpython")
    if not cpython:
        return _missing("cpython")
    repeats = cpython["chain"]["parse"]["repeats"]
    return _table(
        ["Network", "Parse", "Analyze", "Text table", "HTML table"],
        [_network_rows("Chain of 3x3 convs", cpython["chain"]), _network_rows(cpython["preset"]["name"], cpython["preset"])],
    ) + f"\nEach cell: minimum / median of {repeats} runs, wall-clock time.\n"


def _torch(results: dict) -> str:
    torch = results.get("torch")
    if not torch:
        return _missing("torch")
    if not torch["available"]:
        return f"Not measured: {torch['reason']}.\n"
    check = torch["resnet50_layer4"]
    torchscan_value = check["torchscan"].get("layer4")
    torchscan_text = "`?` (no value)" if torchscan_value is None else str(torchscan_value)
    timing = _table(
        ["Tool", f"Time on {torch['network']}", "ResNet-50 receptive field at layer4", "Correct"],
        [
            ["rf_core (parse and analyze)", _seconds(torch["rf_core_parse_analyze"]["median_s"]), str(check["rf_core"]), "yes" if check["rf_core_correct"] else "**no**"],
            [f"torchscan {torch['torchscan_version']} (`summary(..., receptive_field=True)`)", _seconds(torch["torchscan_summary"]["median_s"]), torchscan_text, "yes" if check["torchscan_correct"] else "**no**"],
        ],
    )
    leaf = check["torchscan"].get("layer4.2.conv3")
    return timing + (
        f"\nMedians of {torch['torchscan_summary']['repeats']} runs; torch {torch['torch_version']}. "
        f"The field measured by back-propagating from one unit of layer4 in PyTorch is {check['gradient']} "
        f"(expected {check['expected']}). torchscan's column holds each module's own kernel extent: "
        f"{leaf} for the last 1x1 conv `layer4.2.conv3`.\n"
    )


def _scaling(results: dict) -> str:
    scaling = results.get("scaling")
    if not scaling:
        return _missing("scaling")
    rows = [
        [
            f"{point['depth']:,}",
            _seconds(point["parse"]["min_s"]),
            _seconds(point["analyze"]["min_s"]),
            f"{point['analyze']['min_s'] / point['depth'] * 1e6:,.1f} µs",
        ]
        for point in scaling["points"]
    ]
    text = _table(["Layers", "Parse", "Analyze", "Analyze per layer"], rows)
    fits = []
    for stage in ("parse", "analyze"):
        fit = scaling["fits"][stage]
        depths = ", ".join(f"{depth:,}" for depth in fit["fitted_depths"])
        exponent = "n/a" if fit["loglog_exponent"] is None else f"{fit['loglog_exponent']:.2f}"
        fits.append([stage, f"{fit['seconds_per_layer'] * 1e6:,.1f} µs per layer", exponent, depths])
    html = scaling["html"]
    html_rows = [[f"{point['depth']:,}", _seconds(point["render_html"]["min_s"])] for point in html["points"]]
    return (
        text
        + "\n"
        + _table(["Stage", "Fitted slope", "Exponent (log-log)", "Depths fitted"], fits)
        + "\nTimes are the minimum of the runs. An exponent of 1 means time proportional to depth, 2 to its square.\n"
        + "\nThe calculator's HTML table (`rf_core.render_html.to_html`, unit 0) on the same chains:\n\n"
        + _table(["Layers", "HTML table"], html_rows)
        + f"\nFitted exponent (log-log, all depths above): **{html['loglog_exponent']:.2f}**.\n"
    )


def _profile(results: dict) -> str:
    scaling = results.get("scaling")
    if not scaling:
        return _missing("scaling")
    profile = scaling["profile"]
    share = 1 - profile["analyze_gc_disabled_s"] / profile["analyze_gc_enabled_s"]
    rows = [
        ["Analyze, cyclic GC enabled (the default)", _seconds(profile["analyze_gc_enabled_s"])],
        ["Analyze, cyclic GC disabled", _seconds(profile["analyze_gc_disabled_s"])],
        [
            "Time in GC collections, generation 0 / 1 / 2",
            " / ".join(_seconds(profile["gc_seconds"][key]) for key in ("0", "1", "2")),
        ],
        ["Collections, generation 0 / 1 / 2", " / ".join(str(profile["gc_collections"][key]) for key in ("0", "1", "2"))],
    ]
    listing = "\n".join(profile["cprofile_top_tottime"])
    html = scaling["html"]
    html_listing = "\n".join(html["cprofile_top_tottime"])
    return (
        _table([f"Chain of {profile['depth']:,} layers, one run each", ""], rows)
        + f"\nDisabling the cyclic GC saves {share:.0%} of the analysis time.\n"
        + "\ncProfile of one analyze call, the functions with the most own time:\n\n"
        + "```text\n" + listing + "\n```\n"
        + f"\ncProfile of one HTML table of the {html['profile_depth']:,}-layer chain:\n\n"
        + "```text\n" + html_listing + "\n```\n"
    )


SECTIONS: dict[str, Callable[[dict], str]] = {
    "targets": _targets,
    "machine": _machine,
    "first-result": _first_result,
    "recalculation": _recalculation,
    "transfer": _transfer,
    "build": _build,
    "cpython": _cpython,
    "torch": _torch,
    "scaling": _scaling,
    "profile": _profile,
}
