"""MkDocs hook: numbers in the prose, computed by rf_core when the page is built.

A page states a value of a network as

    {rf NETWORK LAYER QUANTITY [unit=I] [axis=height|width] [input=SIZE]}

which becomes the number rf_core computes, so the text cannot drift from the
code. NETWORK is defined on the same page by a hidden block

    ```rf-network name=classic [input=SIZE] [show]
    conv k=3 name=conv
    maxpool k=2 s=2 name=pool
    ```

(`show` also prints the spec as a code block), by `name=NAME` on an
`rf-calculator` fence, or is `preset:NAME` for a built-in network. QUANTITY is
one of `rf_core.quantities.QUANTITIES`. Code spans and fenced code are left as
written, so a page can show the syntax itself.

This hook must run before the calculator hook, which does not know `name=`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import NamedTuple

from mkdocs.exceptions import PluginError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hooks import fences  # noqa: E402 (needs the path set above)

from rf_core.analysis import Analysis, analyze  # noqa: E402 (needs the path set above)
from rf_core.errors import RFError  # noqa: E402
from rf_core.presets import get_preset  # noqa: E402
from rf_core.quantities import format_value, parse_axis, quantity  # noqa: E402
from rf_core.spec import parse_size, parse_spec  # noqa: E402

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>.*)$")
_NETWORK_FENCE = re.compile(r"^rf-network\b(?P<options>.*)$")
_CALCULATOR_NAME = re.compile(r"^(?P<head>rf-calculator\b.*?)\s+name=(?P<name>\S+)(?P<tail>.*)$")
_VALUE = re.compile(r"\{rf[ \t]+(?P<body>[^{}\n]*)\}")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")

_NETWORK_OPTIONS = ("name", "input", "show")
_VALUE_OPTIONS = ("unit", "axis", "input")


class _Definition(NamedTuple):
    spec: str
    input_size: str
    line: int


def on_page_markdown(markdown: str, *, page, config, files) -> str:
    """Remove `rf-network` blocks, note named calculators and replace every inline value."""
    page_path = page.file.src_uri
    lines, networks = _collect_networks(markdown.split("\n"), page_path)
    values = _Values(networks, page_path)
    return "\n".join(values.replace(lines))


def _collect_networks(lines: list[str], page_path: str) -> tuple[list[str], dict[str, _Definition]]:
    """Return the page without `rf-network` blocks and `name=` options, and the named specs."""
    output: list[str] = []
    networks: dict[str, _Definition] = {}
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            output.append(lines[index])
            index += 1
            continue
        indent, fence, info = match.group("indent"), match.group("fence"), match.group("info").strip()
        start = index + 1
        end = fences.block_end(lines, index, fence) - 1  # the closing fence's index
        body = [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in lines[index + 1 : end]]

        network = _NETWORK_FENCE.match(info)
        named_calculator = _CALCULATOR_NAME.match(info)
        if network:
            options = _parse_options(network.group("options"), _NETWORK_OPTIONS, "rf-network", page_path, start)
            _define(networks, options.get("name"), "\n".join(body), options.get("input", ""), page_path, start)
            if "show" in options:
                output.extend([f"{indent}```text", *(indent + line for line in body), f"{indent}```"])
            else:
                # Blank lines keep later line numbers right in error messages.
                output.extend([""] * (end - index + 1))
        elif named_calculator:
            input_option = re.search(r"\binput=(\S+)", info)
            _define(
                networks,
                named_calculator.group("name"),
                "\n".join(body),
                input_option.group(1) if input_option else "",
                page_path,
                start,
            )
            head, tail = named_calculator.group("head"), named_calculator.group("tail")
            output.extend([f"{indent}{fence}{head}{tail}", *lines[index + 1 : end + 1]])
        else:
            output.extend(lines[index : end + 1])
        index = end + 1
    return output, networks


def _define(
    networks: dict[str, _Definition], name: str | None, spec: str, input_size: str, page_path: str, line: int
) -> None:
    if not name or not _NAME.match(name):
        raise PluginError(
            f"{page_path}:{line}: network name {name!r} is invalid; "
            "give name=NAME with a letter first, then letters, digits, - or _"
        )
    if name in networks:
        raise PluginError(
            f"{page_path}:{line}: network {name!r} is already defined on line {networks[name].line}; "
            "give each network its own name"
        )
    networks[name] = _Definition(spec, input_size, line)


def _parse_options(text: str, allowed: tuple[str, ...], what: str, page_path: str, line: int) -> dict[str, str]:
    options = {}
    for token in text.split():
        key, _, value = token.partition("=")
        if key not in allowed:
            raise PluginError(
                f"{page_path}:{line}: {what} option {token!r} is invalid; use {', '.join(allowed)}"
            )
        options[key] = value
    return options


class _Values:
    """Replaces inline values, analysing each network and input size once per page."""

    def __init__(self, networks: dict[str, _Definition], page_path: str) -> None:
        self.networks = networks
        self.page_path = page_path
        self.analyses: dict[tuple[str, str], Analysis] = {}

    def replace(self, lines: list[str]) -> list[str]:
        output = []
        fence = None
        for number, line in enumerate(lines, start=1):
            match = _FENCE.match(line)
            if fence is None and match:
                fence = match.group("fence")
            elif fence is not None and fences.is_closing(line, fence):
                fence = None
            elif fence is None:
                line = self._replace_line(line, number)
            output.append(line)
        return output

    def _replace_line(self, line: str, number: int) -> str:
        # Code spans show the syntax as written, so only the text between them changes.
        pieces = []
        position = 0
        for span in _CODE_SPAN.finditer(line):
            pieces.append(_VALUE.sub(lambda m: self._value(m.group("body"), number), line[position : span.start()]))
            pieces.append(span.group())
            position = span.end()
        pieces.append(_VALUE.sub(lambda m: self._value(m.group("body"), number), line[position:]))
        return "".join(pieces)

    def _value(self, body: str, line: int) -> str:
        where = f"{self.page_path}:{line}"
        words = body.split()
        positional = [word for word in words if "=" not in word]
        options = _parse_options(
            " ".join(word for word in words if "=" in word), _VALUE_OPTIONS, "inline value", self.page_path, line
        )
        if len(positional) != 3:
            raise PluginError(
                f"{where}: inline value {{rf {body}}} is invalid; write {{rf NETWORK LAYER QUANTITY}}, "
                "such as {rf classic pool r}, with options unit=, axis= or input= after it"
            )
        network, layer, name = positional
        try:
            analysis = self._analysis(network, options.get("input", ""), where)
            axis = parse_axis(options.get("axis", ""), analysis.num_axes)
            unit = None
            if "unit" in options:
                if not options["unit"].isdigit():
                    raise RFError(f"unit={options['unit']} is invalid; give a unit index such as unit=0")
                unit = int(options["unit"])
            value = quantity(analysis, layer, name, unit=unit, axis=axis)
        except RFError as error:
            raise PluginError(f"{where}: inline value {{rf {body}}} is invalid: {error}") from error
        return format_value(value)

    def _analysis(self, network: str, input_size: str, where: str) -> Analysis:
        if network.startswith("preset:"):
            spec = get_preset(network.removeprefix("preset:")).spec
        elif network in self.networks:
            definition = self.networks[network]
            spec, input_size = definition.spec, input_size or definition.input_size
        else:
            known = ", ".join(sorted(self.networks)) or "none"
            raise PluginError(
                f"{where}: network {network!r} is not defined on this page (defined: {known}); "
                "define it with an rf-network block or name= on a calculator, or use preset:NAME"
            )
        key = (spec, input_size)
        if key not in self.analyses:
            size = parse_size(input_size) if input_size else None
            try:
                self.analyses[key] = analyze(parse_spec(spec), size)
            except RFError as error:
                if network not in self.networks:
                    raise
                # The fault is in the block that defines the network, so the error points there.
                block_line = self.networks[network].line
                line = block_line + error.line if error.line else block_line
                raise PluginError(
                    f"{self.page_path}:{line}: network {network!r} (the block on line {block_line}) "
                    f"is invalid: {error.message}"
                ) from error
        return self.analyses[key]
