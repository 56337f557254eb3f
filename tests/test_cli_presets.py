"""The presets through the command line: listing, end-points, units, and ResNet-50 against torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rf_core.presets import get_preset, preset_names

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_cli(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rf_core", *arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_presets_lists_every_preset():
    completed = run_cli("presets")

    assert completed.returncode == 0
    for name in preset_names():
        assert f"{name}: {get_preset(name).title}" in completed.stdout


def test_unknown_preset_exits_2():
    completed = run_cli("analyze", "preset:resnet51")

    assert completed.returncode == 2
    assert "resnet50" in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1


def test_unknown_endpoint_exits_2():
    completed = run_cli("analyze", "preset:vgg16", "--endpoint", "pool5")

    assert completed.returncode == 2
    assert "features.30" in completed.stderr


def test_endpoints_and_unit_in_csv():
    completed = run_cli(
        "analyze", "preset:vgg16", "--endpoint", "features.4", "--endpoint", "features.30", "--unit", "3", "--format", "csv"
    )
    lines = completed.stdout.splitlines()

    assert completed.returncode == 0
    assert lines[0].endswith("unit_interval,unit_clipped")
    assert len(lines) == 3
    # features.30 (pool5): r = 212, S = 32, P = 90, so unit 3 covers -90 + 96 = 6 to 6 + 211 = 217.
    assert lines[2].split(",")[4] == "212"
    assert '"[6, 217]"' in lines[2]


@pytest.mark.torch
def test_resnet50_last_stage_matches_torch():
    torch_models = pytest.importorskip("torch_models")
    completed = run_cli(
        "analyze",
        "preset:resnet50",
        "--input-size",
        "491x96",
        "--endpoint",
        "layer4.2",
        "--unit",
        "7,1",
        "--format",
        "json",
    )
    assert completed.returncode == 0, completed.stderr
    layer = json.loads(completed.stdout)["layers"][0]

    # 491 rows leave the central unit's field (r = 427 in torchvision's ResNet-50)
    # inside the input along the height, so the gradient measures r itself there.
    measured = torch_models.measure_span(torch_models.build_model("resnet50"), (1, 1, 491, 96), (7, 1), layer="layer4.2")
    assert [tuple(span) for span in layer["unit"]["clipped"]] == measured
    assert layer["receptive_field"][0] == measured[0][1] - measured[0][0] + 1
    assert layer["effective_stride"] == [32, 32]
