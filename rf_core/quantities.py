"""Single values from an analysis, looked up by short names.

The site's inline values (`{rf NETWORK LAYER QUANTITY}` in a page) and its
exercises name what they want with these names, so the text of a page and the
check of an exercise read the same number from the same analysis:

    r          largest receptive field size over the layer's units
    r_min      smallest receptive field size over the units
    S          effective stride (a Fraction after upsampling)
    P          effective padding
    start      centre of unit 0's field
    size       output size
    interval   unclipped interval [u, v] of a unit
    clipped    the unit's interval clipped to the input (traced back)
    centre     centre of a unit's field
    min_input  smallest input size for which every layer up to this one has a unit
    depth      number of layers up to and including this one
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from rf_core.analysis import Analysis, LayerResult, axis_name, minimum_input_size
from rf_core.errors import RFError
from rf_core.network import Network

#: Quantity names, in the order the documentation lists them.
QUANTITIES = ("r", "r_min", "S", "P", "start", "size", "interval", "clipped", "centre", "min_input", "depth")

#: Quantities of one unit, which need a unit index.
UNIT_QUANTITIES = frozenset({"interval", "clipped", "centre"})

Value = int | float | Fraction | tuple[int, int]

__all__ = ["QUANTITIES", "UNIT_QUANTITIES", "find_layer", "format_value", "parse_axis", "quantity"]


def find_layer(analysis: Analysis, reference: str) -> LayerResult:
    """Return the layer named by `reference`: a layer name, a 1-based index or `last`.

    Raises:
        RFError: no layer matches; the message lists the names.
    """
    if reference == "last":
        return analysis.layers[-1]
    for result in analysis.layers:
        if result.layer.name == reference:
            return result
    if reference.isdigit() and 1 <= int(reference) <= len(analysis.layers):
        return analysis.layers[int(reference) - 1]
    names = ", ".join(result.layer.name for result in analysis.layers if result.layer.name)
    raise RFError(
        f"layer {reference!r} is not in the network; use a layer name ({names or 'none'}), "
        f"a number from 1 to {len(analysis.layers)}, or last"
    )


def parse_axis(text: str, num_axes: int) -> int:
    """Return the 0-based axis for `text`: an axis name such as `width`, or a 1-based number.

    An empty text selects the last axis (width), which is the only axis of a 1-D network.

    Raises:
        RFError: the text names no axis of the network.
    """
    names = [axis_name(axis, num_axes) for axis in range(num_axes)]
    if not text:
        return num_axes - 1
    if text in names:
        return names.index(text)
    if text.isdigit() and 1 <= int(text) <= num_axes:
        return int(text) - 1
    raise RFError(f"axis {text!r} is not an axis of this network; use {', '.join(names)} or 1 to {num_axes}")


def quantity(analysis: Analysis, layer: str, name: str, *, unit: int | None = None, axis: int = 0) -> Value:
    """Return quantity `name` of one layer along one axis (0-based).

    Raises:
        RFError: the name, layer or unit is invalid, or rf_core cannot know the
            value (the message gives rf_core's reason).
    """
    if name not in QUANTITIES:
        raise RFError(f"quantity {name!r} is unknown; use one of {', '.join(QUANTITIES)}")
    result = find_layer(analysis, layer)
    if name in UNIT_QUANTITIES and unit is None:
        raise RFError(f"quantity {name} is a unit's value; give the unit, such as unit=0")
    if name == "depth":
        return result.index
    if name == "min_input":
        return _minimum_input(analysis, result, axis)

    axis_result = result.axes[axis]
    if name in UNIT_QUANTITIES:
        field = analysis.unit_field(result.index, _unit_indices(unit, axis, analysis.num_axes))
        value = {
            "interval": field.interval[axis] if field.interval else None,
            "clipped": field.clipped[axis] if field.clipped else None,
            "centre": field.centre[axis] if field.centre else None,
        }[name]
        reason = "the unit reads no input pixel, or its position depends on an unknown padding"
    else:
        key, value = {
            "r": ("receptive_field", axis_result.receptive_field),
            "r_min": ("receptive_field", axis_result.receptive_field_min),
            "S": ("effective_stride", axis_result.effective_stride),
            "P": ("effective_padding", axis_result.effective_padding),
            "start": ("start", axis_result.start),
            "size": ("output_size", axis_result.output_size),
        }[name]
        reason = axis_result.unknown.get(key, "rf_core cannot determine it")
    if value is None:
        raise RFError(f"{name} of layer {result.layer.label} is unknown: {reason}")
    return value


def format_value(value: Value) -> str:
    """Format a value as the site prints it: 4, 1/2, 3.5 or [-1, 2]."""
    if isinstance(value, tuple):
        return f"[{value[0]}, {value[1]}]"
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _unit_indices(unit: int, axis: int, num_axes: int) -> Sequence[int]:
    """Put `unit` on `axis` and 0 on the other axes."""
    indices = [0] * num_axes
    indices[axis] = unit
    return indices


def _minimum_input(analysis: Analysis, result: LayerResult, axis: int) -> int:
    # Layers only read layers above them, so the first `index` layers form a network.
    prefix = Network(analysis.network.layers[: result.index])
    size = minimum_input_size(prefix, axis)
    if size is None:
        raise RFError(f"min_input of layer {result.layer.label} is unknown: no input size makes every layer fit")
    return size
