"""The command line, run as `python -m rf_core analyze` in a child process."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# conv k=3 p=1 on 8x10: out 8x10, r = 3. maxpool k=2 s=2: out 4x5, r = 4, S = 2, start 0.5.
SPEC = "input 8x10\nconv k=3 p=1\nmaxpool k=2 s=2\n"


def run_cli(*arguments: str, stdin: str | bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `python -m rf_core` with the repository on the import path and return the result."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), environment.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "rf_core", *arguments],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=not isinstance(stdin, bytes),
        cwd=cwd or REPO_ROOT,
        env=environment,
        timeout=60,
    )


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "net.txt"
    path.write_text(SPEC, encoding="utf-8")
    return path


def test_file_path_default_table(spec_file):
    completed = run_cli("analyze", str(spec_file))

    assert completed.returncode == 0
    assert completed.stderr == ""
    lines = completed.stdout.splitlines()
    assert lines[0].split()[:3] == ["#", "Name", "Kind"]
    # index, name, kind, output size, r, S, P, start
    assert lines[2].split() == ["2", "maxpool1", "maxpool", "4x5", "4x4", "2x2", "1x1", "0.5x0.5"]


def test_relative_path(spec_file):
    completed = run_cli("analyze", spec_file.name, "--format", "json", cwd=spec_file.parent)

    assert completed.returncode == 0
    assert json.loads(completed.stdout)["input_size"] == [8, 10]


def test_stdin_dash():
    completed = run_cli("analyze", "-", "--format", "json", stdin=SPEC)

    assert completed.returncode == 0
    layers = json.loads(completed.stdout)["layers"]
    assert [layer["name"] for layer in layers] == ["conv1", "maxpool1"]
    assert layers[1]["output_size"] == [4, 5]


def test_input_size_overrides_input_line(spec_file):
    completed = run_cli("analyze", str(spec_file), "--input-size", "224x320", "--format", "json")

    assert completed.returncode == 0
    document = json.loads(completed.stdout)
    assert document["input_size"] == [224, 320]
    # conv k=3 p=1 keeps 224x320, the pool halves it: 112x160.
    assert document["layers"][1]["output_size"] == [112, 160]


@pytest.mark.parametrize("output_format", ["table", "json", "csv", "markdown"])
def test_every_format_succeeds(spec_file, output_format):
    completed = run_cli("analyze", str(spec_file), "--format", output_format)

    assert completed.returncode == 0
    assert completed.stderr == ""
    assert completed.stdout.endswith("\n")
    assert "maxpool1" in completed.stdout


def test_json_format_values(spec_file):
    layers = json.loads(run_cli("analyze", str(spec_file), "--format", "json").stdout)["layers"]

    assert layers[1]["receptive_field"] == [4, 4]
    assert layers[1]["effective_stride"] == [2, 2]
    assert layers[1]["start"] == [0.5, 0.5]


def test_csv_format_values(spec_file):
    rows = list(csv.reader(io.StringIO(run_cli("analyze", str(spec_file), "--format", "csv").stdout)))

    assert rows[0][0] == "index"
    assert rows[2] == ["2", "maxpool1", "maxpool", "4x5", "4x4", "2x2", "1x1", "0.5x0.5"]


def test_markdown_format_values(spec_file):
    lines = run_cli("analyze", str(spec_file), "--format", "markdown").stdout.splitlines()

    assert lines[0].startswith("| # | Name | Kind |")
    assert lines[3] == "| 2 | maxpool1 | maxpool | 4x5 | 4x4 | 2x2 | 1x1 | 0.5x0.5 |"


def test_invalid_spec_exits_2_with_one_line():
    completed = run_cli("analyze", "-", stdin="input 8\nconv k=3 s=0\n")

    assert completed.returncode == 2
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: line 2, column 10: ")
    assert "stride 0" in lines[0]


def test_too_small_input_exits_2():
    completed = run_cli("analyze", "-", stdin="input 5\nconv k=3\nconv k=3\nconv k=3\n")

    assert completed.returncode == 2
    lines = completed.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: line 4, column 1: ")
    assert "is 7" in lines[0]


def test_invalid_input_size_option_exits_2(spec_file):
    completed = run_cli("analyze", str(spec_file), "--input-size", "22x")

    assert completed.returncode == 2
    lines = completed.stderr.splitlines()
    assert len(lines) == 1
    assert "'22x'" in lines[0]


def test_missing_file_exits_2(tmp_path):
    missing = tmp_path / "missing.txt"
    completed = run_cli("analyze", str(missing))

    assert completed.returncode == 2
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1
    assert str(missing) in lines[0]
    assert "No such file" in lines[0]


def test_unknown_format_exits_2(spec_file):
    completed = run_cli("analyze", str(spec_file), "--format", "yaml")

    assert completed.returncode == 2
    assert "invalid choice" in completed.stderr


def test_non_utf8_file_exits_2(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"# caf\xe9\nconv k=3\n")
    completed = run_cli("analyze", str(path))

    assert completed.returncode == 2
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1
    assert "UTF-8" in lines[0]
    assert str(path) in lines[0]
