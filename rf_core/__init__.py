"""rf_core: receptive fields of convolutional networks, in pure Python.

Parse a spec, analyse it and render the result:

    >>> from rf_core import analyze, parse_spec
    >>> result = analyze(parse_spec("input 32\\nconv k=3\\nmaxpool k=2 s=2"))
    >>> result.layers[-1].axes[0].receptive_field
    4

The package uses only the standard library, so it runs in CPython and in Pyodide.
"""

from rf_core.analysis import Analysis, AxisResult, LayerResult, UnitField, analyze, minimum_input_size
from rf_core.errors import LayerError, OutputSizeError, RFError, SpecError
from rf_core.layers import AxisParams, Layer
from rf_core.limits import (
    MAX_LINE_LENGTH,
    MAX_MERGE_INPUTS,
    MAX_PERIOD,
    MAX_PERIODIC_WORK,
    MAX_REQUEST_LENGTH,
    MAX_SPEC_LAYERS,
    MAX_SPEC_LENGTH,
    MAX_VALUE,
)
from rf_core.network import Network
from rf_core.spec import parse_size, parse_spec

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "AxisParams",
    "AxisResult",
    "Layer",
    "LayerError",
    "LayerResult",
    "MAX_LINE_LENGTH",
    "MAX_MERGE_INPUTS",
    "MAX_PERIOD",
    "MAX_PERIODIC_WORK",
    "MAX_REQUEST_LENGTH",
    "MAX_SPEC_LAYERS",
    "MAX_SPEC_LENGTH",
    "MAX_VALUE",
    "Network",
    "OutputSizeError",
    "RFError",
    "SpecError",
    "UnitField",
    "analyze",
    "minimum_input_size",
    "parse_size",
    "parse_spec",
]
