"""A small writer of spec text, used by the preset generators in `rf_core.presets_*`.

The writer emits one spec statement per call and remembers the name of the
last layer, so a generator only writes `from=` where a layer reads something
other than the line above it.
"""

from __future__ import annotations

from collections.abc import Sequence

#: A per-axis value as the spec writes it: 3, "1x7" (height first) or "2:0" (before:after).
Value = int | str


class SpecWriter:
    """Collects the statements of one spec.

    Attributes:
        lines: The statements written so far, starting with the `input` line.
        last: Name of the last layer written, or `input` before the first.
    """

    def __init__(self, input_size: int) -> None:
        self.lines: list[str] = [f"input {input_size}"]
        self.last = "input"

    def comment(self, text: str) -> None:
        """Write a `#` comment line, such as the heading of a stage."""
        self.lines.append(f"# {text}")

    def layer(self, kind: str, name: str, *, source: str | None = None, **options: Value | None) -> str:
        """Write one layer and return its name.

        Options whose value is None are left out. `source` names the layer it
        reads. None, or the name of the last layer written, means the line above.
        """
        parts = [kind]
        parts.extend(f"{key}={value}" for key, value in options.items() if value is not None)
        parts.append(f"name={name}")
        if source is not None and source != self.last:
            parts.append(f"from={source}")
        self.lines.append(" ".join(parts))
        self.last = name
        return name

    def conv(
        self,
        name: str,
        k: Value,
        s: Value = 1,
        p: Value = 0,
        *,
        d: Value = 1,
        g: int = 1,
        source: str | None = None,
    ) -> str:
        """Write a convolution, leaving out options at their defaults (s=1, p=0, d=1, g=1)."""
        return self.layer(
            "conv",
            name,
            source=source,
            k=k,
            s=None if s == 1 else s,
            p=None if p == 0 else p,
            d=None if d == 1 else d,
            g=None if g == 1 else g,
        )

    def pool(self, kind: str, name: str, k: Value, s: Value, p: Value = 0, *, source: str | None = None) -> str:
        """Write a maxpool or avgpool layer with its stride, even when the stride equals k."""
        return self.layer(kind, name, source=source, k=k, s=s, p=None if p == 0 else p)

    def merge(self, kind: str, name: str, sources: Sequence[str]) -> str:
        """Write an add or concat layer that reads `sources`."""
        self.lines.append(f"{kind} name={name} from={','.join(sources)}")
        self.last = name
        return name

    def text(self) -> str:
        """Return the spec text, one statement per line, ending with a newline."""
        return "\n".join(self.lines) + "\n"
