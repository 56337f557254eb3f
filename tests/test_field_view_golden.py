"""Golden-file tests: every variant in tests/golden/field_view/manifest.json against its stored HTML.

Each variant names a spec, options and a picture. The test renders it with
`rf_core.field_view_html.render_field_view` and compares the result with
tests/golden/field_view/<name>.html, showing a unified diff on a mismatch.

After an intended change to the field view, rewrite the golden files and review
the diff before committing:

    RF_UPDATE_GOLDEN=1 python -m pytest tests/test_field_view_golden.py

Update mode also writes files for new variants; without it a missing golden
file fails the test.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import pytest

from rf_core.field_view_html import Image, render_field_view

GOLDEN_DIR = Path(__file__).resolve().parent / "golden" / "field_view"
VARIANTS = json.loads((GOLDEN_DIR / "manifest.json").read_text(encoding="utf-8"))
UPDATE = os.environ.get("RF_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("variant", VARIANTS, ids=[variant["name"] for variant in VARIANTS])
def test_field_view_matches_golden_file(variant: dict) -> None:
    image = Image(**variant["image"])
    rendered = render_field_view(variant["spec"], variant["options"], image, view_id=f"golden-{variant['name']}") + "\n"
    path = GOLDEN_DIR / f"{variant['name']}.html"

    if UPDATE:
        path.write_text(rendered, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path.name} is missing; create it with RF_UPDATE_GOLDEN=1 python -m pytest tests/{Path(__file__).name}")
    expected = path.read_text(encoding="utf-8")
    if rendered != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            rendered.splitlines(keepends=True),
            fromfile=f"golden/{path.name}",
            tofile="rendered",
        )
        pytest.fail(
            f"field view differs from {path.name}; if the change is intended, "
            f"run RF_UPDATE_GOLDEN=1 python -m pytest tests/{Path(__file__).name}\n" + "".join(diff)
        )


def test_manifest_names_unique() -> None:
    names = [variant["name"] for variant in VARIANTS]
    assert len(names) == len(set(names))


def test_no_stale_golden_files() -> None:
    names = {f"{variant['name']}.html" for variant in VARIANTS}
    stored = {path.name for path in GOLDEN_DIR.glob("*.html")}
    assert stored <= names, f"golden files without a manifest entry: {sorted(stored - names)}"
