"""Command-line entry point: `python -m rf_core analyze SPEC`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rf_core import render
from rf_core.analysis import analyze
from rf_core.errors import RFError
from rf_core.spec import parse_size, parse_spec

FORMATS = {
    "table": render.to_text,
    "json": lambda analysis: render.to_json(analysis) + "\n",
    "csv": render.to_csv,
    "markdown": render.to_markdown,
}

#: Exit status for invalid input, as argparse uses for usage errors.
EXIT_INVALID = 2


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the `rf_core` command."""
    parser = argparse.ArgumentParser(
        prog="python -m rf_core",
        description="Receptive field, effective stride and effective padding of a convolutional network.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    analyze_parser = commands.add_parser(
        "analyze",
        help="analyse a network spec",
        description="Print per-layer output size, receptive field, effective stride, "
        "effective padding and start for a network spec.",
    )
    analyze_parser.add_argument("spec", help="spec file path, or - to read standard input")
    analyze_parser.add_argument(
        "--input-size",
        metavar="N|HxW",
        help="input size in pixels, such as 224 or 224x320; overrides the spec's input line",
    )
    analyze_parser.add_argument("--format", choices=sorted(FORMATS), default="table", help="output format (default: table)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status: 0, or 2 for invalid input."""
    arguments = build_parser().parse_args(argv)
    try:
        text = _read_spec(arguments.spec)
        network = parse_spec(text)
        size = parse_size(arguments.input_size) if arguments.input_size is not None else None
        analysis = analyze(network, size)
    except RFError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as error:
        print(f"error: cannot read spec {arguments.spec!r}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
    except UnicodeDecodeError as error:
        print(
            f"error: spec {arguments.spec!r} is not UTF-8 text (byte {error.start}); save it as UTF-8",
            file=sys.stderr,
        )
        return EXIT_INVALID
    sys.stdout.write(FORMATS[arguments.format](analysis))
    return 0


def _read_spec(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as file:
        return file.read()
