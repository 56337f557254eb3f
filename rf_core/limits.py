"""Input limits of rf_core, in one place, so that every input ends in bounded time.

The calculators run rf_core on whatever a reader types or pastes, in the reader's
browser, so a hostile or accidental input must end quickly with an `RFError`
instead of freezing the page. Every limit below is checked where the value is read,
and the error names the value, the limit and the fix.

Two groups:

- Text limits apply to text specs and PyTorch printouts in the calculators
  (`parse_spec` by default, and `spec_from_printout`). The command line,
  `parse_spec(text, text_limits=False)` and networks built from `Layer` objects in
  Python skip them, so scripts and benchmarks can analyse 100,000 layers and more.
- Value and work limits apply to every network, however it was made, because
  they bound the time of a single analysis.
"""

from __future__ import annotations

from rf_core.errors import SpecError

# --- Text specs and printouts ---------------------------------------------------

#: Maximum length of a spec or printout, in characters. The largest built-in
#: network (Inception v3) has about 7,200; a pasted 1 MB file is rejected before
#: it is split into lines.
MAX_SPEC_LENGTH = 200_000

#: Maximum length of one line of a spec or printout, in characters. The longest
#: built-in line, a WaveNet merge of 30 inputs, has about 500.
MAX_LINE_LENGTH = 2_000

#: Maximum number of layers in a text spec. Where a layer reads only padding or
#: leaves pixels unread, the calculator table traces each row's unit back through
#: every layer above it, which costs time quadratic in the layer count. At this
#: limit such a 2-D chain takes about 0.25 s in CPython 3.11 (a shared 2-core
#: machine, measured with `render_calculator`), and Pyodide is slower.
#: ResNet-152, the deepest built-in network, has 208 layers.
MAX_SPEC_LAYERS = 500

#: Maximum length of a JSON request to `rf_core.widget.render_calculator_json`, in
#: characters: room for a spec and a printout at their limits, with JSON escapes.
MAX_REQUEST_LENGTH = 4 * MAX_SPEC_LENGTH + 10_000

# --- Every network --------------------------------------------------------------

#: Largest value of any size or layer parameter, to keep the arithmetic bounded.
MAX_VALUE = 1_000_000_000

#: Maximum number of inputs of a merge layer (add, concat).
MAX_MERGE_INPUTS = 64

#: Longest period, in units, after which a field or window repeats. Transposed
#: convolutions repeat every `stride` units, upsampling every `factor` units and
#: adaptive pooling up to every `output size` units, so those parameters are
#: limited to it too. Analysis time and memory grow with it.
MAX_PERIOD = 100_000

#: Maximum sum, over every layer and axis, of the periods of unevenly spaced
#: fields (those with a period above 1). Every layer after an upsampling walks
#: through one period of its field, so this bounds layers times period: at the
#: limit an analysis takes about 1 s in CPython 3.11. Evenly spaced fields, as in
#: plain conv and pool chains, count nothing.
MAX_PERIODIC_WORK = 300_000



def check_text_size(text: str, text_name: str = "spec") -> None:
    """Raise SpecError when a spec or printout is longer than MAX_SPEC_LENGTH or has a line
    longer than MAX_LINE_LENGTH. The error points at the first character over the limit.
    """
    if len(text) > MAX_SPEC_LENGTH:
        line = text.count("\n", 0, MAX_SPEC_LENGTH) + 1
        column = MAX_SPEC_LENGTH - text.rfind("\n", 0, MAX_SPEC_LENGTH)
        raise SpecError(
            f"the {text_name} has {len(text)} characters, above the limit of {MAX_SPEC_LENGTH}; "
            "shorten it, for example by removing comments or layers",
            line=line,
            column=column,
        )
    for line_number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_LENGTH:
            raise SpecError(
                f"this line of the {text_name} has {len(line)} characters, above the limit of "
                f"{MAX_LINE_LENGTH}; split it into one statement per line",
                line=line_number,
                column=MAX_LINE_LENGTH + 1,
            )


__all__ = [
    "MAX_LINE_LENGTH",
    "MAX_MERGE_INPUTS",
    "MAX_PERIOD",
    "MAX_PERIODIC_WORK",
    "MAX_REQUEST_LENGTH",
    "MAX_SPEC_LAYERS",
    "MAX_SPEC_LENGTH",
    "MAX_VALUE",
    "check_text_size",
]
