"""Command-line entry point: `python -m rf_core analyze SPEC` and `python -m rf_core presets`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rf_core import render
from rf_core.analysis import analyze
from rf_core.errors import RFError
from rf_core.spec import parse_size, parse_spec
from rf_core.widget import parse_unit

FORMATS = {
    "table": render.to_text,
    "json": lambda analysis, **options: render.to_json(analysis, **options) + "\n",
    "csv": render.to_csv,
    "markdown": render.to_markdown,
}

#: Exit status for invalid input, as argparse uses for usage errors.
EXIT_INVALID = 2

PRESET_PREFIX = "preset:"


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the `rf_core` command."""
    parser = argparse.ArgumentParser(
        prog="python -m rf_core",
        description="Receptive field, effective stride and effective padding of a convolutional network.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    analyze_parser = commands.add_parser(
        "analyze",
        help="analyse a network spec or a preset",
        description="Print per-layer output size, receptive field, effective stride, "
        "effective padding and start for a network spec.",
    )
    analyze_parser.add_argument(
        "spec", help="spec file path, - to read standard input, or preset:NAME for a built-in network"
    )
    analyze_parser.add_argument(
        "--input-size",
        metavar="N|HxW",
        help="input size in pixels, such as 224 or 224x320; overrides the spec's input line",
    )
    analyze_parser.add_argument("--format", choices=sorted(FORMATS), default="table", help="output format (default: table)")
    analyze_parser.add_argument(
        "--endpoint",
        metavar="NAME",
        action="append",
        help="report only the layer with this name; repeat for several",
    )
    analyze_parser.add_argument(
        "--unit",
        metavar="I[,J]",
        help="also report the input interval of this unit, one index for every axis or one per axis",
    )
    commands.add_parser("presets", help="list the built-in networks", description="List the built-in networks.")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status: 0, or 2 for invalid input."""
    arguments = build_parser().parse_args(argv)
    try:
        if arguments.command == "presets":
            sys.stdout.write(_preset_listing())
            return 0
        output = _analyze(arguments)
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
    sys.stdout.write(output)
    return 0


def _analyze(arguments: argparse.Namespace) -> str:
    # The text limits protect the calculators in the browser; a terminal user can stop a long run.
    network = parse_spec(_read_spec(arguments.spec), text_limits=False)
    size = parse_size(arguments.input_size) if arguments.input_size is not None else None
    unit = parse_unit(arguments.unit) if arguments.unit is not None else None
    # A unit with one index per axis makes a network written with scalars report that many axes.
    analysis = analyze(network, size, num_axes=len(unit) if unit else None)
    options: dict = {}
    if arguments.endpoint:
        for name in arguments.endpoint:
            analysis.layer(name)
        options["layers"] = arguments.endpoint
    if unit is not None:
        options["unit"] = unit
    return FORMATS[arguments.format](analysis, **options)


def _read_spec(path: str) -> str:
    if path.startswith(PRESET_PREFIX):
        from rf_core.presets import get_preset

        return get_preset(path[len(PRESET_PREFIX) :]).spec
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as file:
        return file.read()


def _preset_listing() -> str:
    from rf_core.presets import get_preset, preset_names

    lines = []
    for name in preset_names():
        preset = get_preset(name)
        size = "x".join(map(str, preset.input_size)) if not isinstance(preset.input_size, int) else str(preset.input_size)
        lines.append(f"{name}: {preset.title} (input {size})")
        lines.append(f"    end-points: {', '.join(preset.endpoints)}")
        lines.append(f"    source: {preset.source}")
    return "\n".join(lines) + "\n"
