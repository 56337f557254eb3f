"""The benchmark script's CPython parts and the hook that writes its results into a page.

The script runs with --quick on the CPython parts only, so this stays fast and
needs no browser. No test checks a timing: the numbers depend on the machine.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks import run  # noqa: E402 (needs the path set above)
from benchmarks.cpython_bench import chain_spec, largest_preset  # noqa: E402


def _load_hook():
    spec = importlib.util.spec_from_file_location("benchmarks_page", REPO_ROOT / "hooks" / "benchmarks_page.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


benchmarks_page = _load_hook()


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    folder = tmp_path_factory.mktemp("benchmarks")
    output = folder / "benchmarks-results.json"
    svg = folder / "assets" / "images" / "benchmark-scaling.svg"
    status = run.main(["--quick", "--parts", "cpython,scaling", "--output", str(output), "--svg", str(svg)])
    assert status == 0
    return json.loads(output.read_text(encoding="utf-8")), folder


def _render_page(markdown: str, docs_dir: Path) -> str:
    page = SimpleNamespace(file=SimpleNamespace(src_uri="benchmarks.md"))
    config = SimpleNamespace(docs_dir=str(docs_dir))
    return benchmarks_page.on_page_markdown(markdown, page=page, config=config, files=None)


def test_chain_spec_depth_and_first_kernel() -> None:
    spec = chain_spec(4, first_kernel=5)

    assert spec.splitlines() == ["input 224", "conv k=5 s=1 p=2", *["conv k=3 s=1 p=1"] * 3]


def test_largest_preset_is_resnet152() -> None:
    # ResNet-152: conv1 and maxpool, 50 bottlenecks of 3 convs and an add, 4
    # downsample convs, avgpool and fc: 2 + 200 + 4 + 2 = 208 layers.
    assert largest_preset() == ("resnet152", 208)


def test_quick_run_records_requested_parts(quick_results: tuple[dict, Path]) -> None:
    results, _ = quick_results

    assert results["quick"] is True
    assert results["parts"] == ["cpython", "scaling"]
    assert "browser" not in results
    assert results["cpython"]["chain"]["layers"] == 1000
    assert results["cpython"]["preset"]["name"] == "resnet152"
    assert [point["depth"] for point in results["scaling"]["points"]] == [100, 1000, 10000]
    assert results["scaling"]["fits"]["analyze"]["fitted_depths"] == [1000, 10000]


def test_quick_run_writes_svg_plot(quick_results: tuple[dict, Path]) -> None:
    _, folder = quick_results
    svg = (folder / "assets" / "images" / "benchmark-scaling.svg").read_text(encoding="utf-8")

    assert svg.startswith("<svg ")
    assert "currentColor" in svg
    assert "#" not in svg.replace('id="rf-scaling-title"', ""), "colours must come from currentColor"


def test_hook_renders_results_file(quick_results: tuple[dict, Path]) -> None:
    results, folder = quick_results
    markdown = "\n\n".join(
        f"```rf-benchmarks section={section}\n```" for section in (*benchmarks_page.SECTIONS, "plot")
    )

    page = _render_page(markdown, folder)

    assert "```rf-benchmarks" not in page
    assert results["machine"]["python"] in page
    assert "resnet152 (208 layers)" in page
    assert "Chain of 3x3 convs (1,000 layers)" in page
    assert "| 10,000 |" in page
    assert page.count("Not measured in this run") == 5  # browser (3 sections), build, torch
    assert '<figure class="rf-benchmark-plot"><svg ' in page


def test_hook_reports_missing_part(quick_results: tuple[dict, Path]) -> None:
    _, folder = quick_results

    page = _render_page("```rf-benchmarks section=build\n```", folder)

    assert "its `--parts` left out `build`" in page


def test_hook_rejects_unknown_section(quick_results: tuple[dict, Path]) -> None:
    _, folder = quick_results

    with pytest.raises(PluginError, match="section=speed"):
        _render_page("text\n\n```rf-benchmarks section=speed\n```", folder)


def test_hook_warns_without_results_file(tmp_path: Path) -> None:
    page = _render_page("```rf-benchmarks section=targets\n```", tmp_path)

    assert "No benchmark results" in page
    assert "python benchmarks/run.py" in page


def test_committed_results_render_every_section() -> None:
    docs = REPO_ROOT / "docs"
    markdown = (docs / "benchmarks.md").read_text(encoding="utf-8")

    page = _render_page(markdown, docs)

    assert "```rf-benchmarks" not in page
    assert "No benchmark results" not in page
    assert "Not measured in this run" not in page
