"""`rf_core.widget.export_calculator_json`: the browser's export equals the command line's output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rf_core.widget import export_calculator_json

REPO_ROOT = Path(__file__).resolve().parents[1]

SPEC = "input 32\nconv k=3 s=2 p=1 name=c1\nmaxpool k=2 s=2 name=p1\n"


def export(**request: object) -> dict:
    return json.loads(export_calculator_json(json.dumps(request)))


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


@pytest.mark.parametrize(
    ("export_format", "filename"),
    [("csv", "receptive-fields.csv"), ("json", "receptive-fields.json"), ("markdown", "receptive-fields.md")],
)
def test_export_equals_cli_output(export_format: str, filename: str) -> None:
    reply = export(spec=SPEC, input_size="64", unit="2", format=export_format)

    assert reply["ok"] is True
    assert reply["filename"] == filename
    assert reply["text"] == run_cli(SPEC, "--format", export_format, "--input-size", "64", "--unit", "2")


def test_export_empty_unit_is_unit_zero() -> None:
    reply = export(spec=SPEC, input_size="", unit="", format="csv")

    assert reply["text"] == run_cli(SPEC, "--format", "csv", "--unit", "0")
    # Conv on 32: floor((32 + 2 - 3) / 2) + 1 = 16 units with r = 3; the field of unit 0 is [-1, 1], clipped to [0, 1].
    assert reply["text"].splitlines()[1] == '1,c1,conv,16,3,2,1,0,"[-1, 1]","[0, 1]"'


def test_export_invalid_spec_returns_error() -> None:
    reply = export(spec="conv k=0", format="csv")

    assert reply["ok"] is False
    assert reply["error"]["line"] == 1


def test_export_unknown_format_rejected() -> None:
    reply = export(spec=SPEC, format="table")

    assert reply["ok"] is False
    assert "'table'" in reply["error"]["message"]
    assert "csv, json, markdown" in reply["error"]["message"]


@pytest.mark.parametrize("request_json", ["not json", "[1]", '{"spec": 3}', '{"format": ["csv"]}'])
def test_export_malformed_request_rejected(request_json: str) -> None:
    reply = json.loads(export_calculator_json(request_json))

    assert reply["ok"] is False
    assert reply["error"]["message"].startswith("invalid export request")
