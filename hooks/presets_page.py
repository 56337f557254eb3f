"""MkDocs hook: write the table of built-in networks into a page, computed at build time.

An `rf-presets` fenced block (empty) becomes, for every preset of
`rf_core.presets`, a section with its source, its description and the receptive
field, effective stride and effective padding of its end-points, all computed
by rf_core when the page is built.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rf_core.analysis import analyze  # noqa: E402 (needs the path set above)
from rf_core.errors import RFError  # noqa: E402
from rf_core.presets import get_preset, preset_names  # noqa: E402
from rf_core.render import to_markdown  # noqa: E402
from rf_core.spec import parse_spec  # noqa: E402

_BLOCK = re.compile(r"^```rf-presets[ \t]*\n```[ \t]*$", re.M)


def on_page_markdown(markdown: str, *, page, config, files) -> str:
    """Replace an `rf-presets` block with one section per built-in network."""
    if "```rf-presets" not in markdown:
        return markdown
    try:
        gallery = "\n".join(_preset_section(name) for name in preset_names())
    except RFError as error:
        raise PluginError(f"{page.file.src_uri}: a preset failed to analyse: {error}") from error
    return _BLOCK.sub(lambda _: gallery, markdown)


def _preset_section(name: str) -> str:
    preset = get_preset(name)
    table = to_markdown(analyze(parse_spec(preset.spec)), layers=list(preset.endpoints))
    return "\n".join(
        [
            f"## {preset.title}",
            "",
            f"`preset:{preset.name}`, input {preset.input_size}. Source: {preset.source}.",
            "",
            preset.description,
            "",
            table,
        ]
    )
