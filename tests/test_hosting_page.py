"""The hosting guide shows the policy and runtime size of the build it belongs to."""

from __future__ import annotations

import html
import re
from pathlib import Path

RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")


def test_hosting_page_shows_built_policy(built_site: Path):
    policy = (built_site / "csp.txt").read_text(encoding="utf-8").strip()
    page = (built_site / "hosting" / "index.html").read_text(encoding="utf-8")

    assert f"Content-Security-Policy: {policy}" in html.unescape(page)
    assert "RF_LAB_CSP_POLICY" not in page
    assert "RF_LAB_CSP_POLICY" not in (built_site / "search" / "search_index.json").read_text(encoding="utf-8")


def test_hosting_page_shows_runtime_size(built_site: Path):
    runtime_dir = next((built_site / "assets" / "pyodide").iterdir())
    archive = next((built_site / "assets" / "rf-lab").glob("rf_core-*.zip"))
    size = sum((runtime_dir / name).stat().st_size for name in RUNTIME_FILES) + archive.stat().st_size
    page = (built_site / "hosting" / "index.html").read_text(encoding="utf-8")

    stated = re.findall(r"([0-9]+\.[0-9]) MB", page)
    assert stated, "no size in MB on the hosting page"
    assert set(stated) == {f"{size / 1e6:.1f}"}
    assert 5 < size / 1e6 < 50


def test_policy_hashes_every_inline_script(built_site: Path):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hooks"))
    try:
        import csp
    finally:
        sys.path.pop(0)
    policy = (built_site / "csp.txt").read_text(encoding="utf-8")
    for page in built_site.rglob("*.html"):
        for source in csp.inline_script_hashes(page.read_text(encoding="utf-8")):
            assert source in policy, f"{page}: {source}"
