"""Numbers that the pages state in prose, checked against rf_core and the browser code."""

from __future__ import annotations

import re
from pathlib import Path

from rf_core import analyze, parse_spec

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCS = REPO_ROOT / "docs"
SCRIPTS = DOCS / "assets" / "javascripts"


def js_constant(file_name: str, name: str) -> int:
    text = (SCRIPTS / file_name).read_text(encoding="utf-8")
    match = re.search(rf"\b{name}\s*=\s*([0-9_]+)", text)
    assert match is not None, f"{name} not found in {file_name}"
    return int(match.group(1).replace("_", ""))


def test_growing_merge_example_matches_prose():
    # graphs.md: merged unit i sees pixels i to 2i, because the sampled path reads
    # pixel 2i and the cropped path pixel i.
    page = (DOCS / "graphs.md").read_text(encoding="utf-8")
    spec = re.search(r"```rf-calculator unit=3\n(input 8\nconv k=1 s=2 name=sampled\n.*?)```", page, re.S)
    assert spec is not None
    merge = analyze(parse_spec(spec.group(1))).layer("merge").axes[0]

    for unit in range(4):
        assert merge.interval(unit) == (unit, 2 * unit)


def test_compute_timeout_matches_prose():
    timeout_ms = js_constant("rf-loader.js", "COMPUTE_TIMEOUT_MS")
    page = (DOCS / "calculator.md").read_text(encoding="utf-8")

    assert f"longer than {timeout_ms // 1000} seconds" in page


def test_link_length_matches_prose():
    # base64url turns 3 bytes into 4 characters, so a state of N characters holds
    # 3N / 4 bytes of JSON, a little of which is the field names and quotes.
    max_chars = js_constant("rf-url-state.js", "MAX_STATE_CHARS")
    page = (DOCS / "calculator.md").read_text(encoding="utf-8")
    stated = re.search(r"more than about ([0-9 ,]+) characters is too long", page)
    assert stated is not None
    stated_chars = int(re.sub(r"[ ,]", "", stated.group(1)))

    assert stated_chars <= max_chars * 3 // 4
    assert stated_chars >= max_chars * 3 // 4 - 1_000


def test_asymmetric_padding_example_matches_prose():
    # TensorFlow's same rule at stride 1: total padding k - 1 = 1, the smaller half
    # (0) before the input and 1 after, which spec.md writes as p=0:1.
    page = (DOCS / "spec.md").read_text(encoding="utf-8")
    assert "`p=0:1` pads nothing before and 1 pixel after" in page
    assert "a `k=2` convolution with stride 1" in page

    axis = analyze(parse_spec("input 8\nconv k=2 p=same")).layers[0].axes[0]
    assert (axis.pad_before, axis.pad_after) == (0, 1)
