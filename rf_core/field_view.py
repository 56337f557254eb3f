"""Field view: the field of every unit of chosen layers on a 2-D input.

A field view draws a picture at the network's input size, the grid of unit
centres of one layer over it, and the field of one unit. The browser switches
units and layers by looking up the numbers computed here, so it does no
receptive field arithmetic of its own.

Coordinates are input pixels, zero-indexed, with pixel p at the centre of the
span [p, p + 1) in a drawing. Intervals are inclusive. Axis 0 is the height
(rows), axis 1 the width (columns).

    >>> from rf_core.field_view import prepare, describe_unit
    >>> request = prepare("input 8\\nconv k=3 p=1 name=conv\\nmaxpool k=2 s=2 name=pool", {})
    >>> describe_unit(request.layers[1], 0, 3)
    'Unit (0, 3) of pool sees rows -1 to 2, columns 5 to 8 (clipped: rows 0 to 2, columns 5 to 7), centre (0.5, 6.5).'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rf_core.analysis import Analysis, LayerResult, analyze, broadcast_unit
from rf_core.errors import RFError
from rf_core.presets import get_preset
from rf_core.quantities import find_layer
from rf_core.spec import parse_size, parse_spec
from rf_core.widget import parse_unit

#: Options of a field view, as the block's fence line gives them.
OPTIONS = ("preset", "layers", "layer", "unit", "input", "id")

#: Maximum number of units per axis of a layer in a field view. Beyond it the
#: dots of the grid sit less than 2 pixels apart on a 224-pixel picture.
MAX_UNITS_PER_AXIS = 128

#: Maximum number of layers in a field view's menu.
MAX_LAYERS = 24

Interval = tuple[int, int]

__all__ = ["MAX_LAYERS", "MAX_UNITS_PER_AXIS", "OPTIONS", "AxisUnits", "FieldView", "ViewLayer", "describe_unit", "prepare"]


@dataclass(frozen=True)
class AxisUnits:
    """Every unit of one layer along one axis.

    Attributes:
        intervals: Unclipped field [u, v] of each unit; it may reach outside the input.
        clipped: Span of input pixels that reach each unit along this axis, or
            None for a unit that no input pixel reaches.
        centres: Centre (u + v) / 2 of each unit's field.
    """

    intervals: tuple[Interval, ...]
    clipped: tuple[Interval | None, ...]
    centres: tuple[float, ...]

    @property
    def size(self) -> int:
        """Number of units along the axis."""
        return len(self.intervals)


@dataclass(frozen=True)
class ViewLayer:
    """One layer that the reader can choose, with the field of each of its units.

    The field of unit (i, j) is rows.intervals[i] by columns.intervals[j], and
    its clipped field rows.clipped[i] by columns.clipped[j], empty when either is None.

    Attributes:
        index: 1-based position of the layer in the network.
        name: Layer name, or `layer N` for an unnamed layer.
        kind: Layer kind, such as conv or maxpool.
        receptive_field: Largest field size per axis (rows, columns).
        uniform: Whether every unit's field has the same size.
        rows: The units along the height.
        columns: The units along the width.
    """

    index: int
    name: str
    kind: str
    receptive_field: tuple[int, int]
    uniform: bool
    rows: AxisUnits
    columns: AxisUnits

    def menu_label(self) -> str:
        """Return the layer's entry in the layer menu, such as `pool3 (maxpool): 28 × 28 units, field 44 × 44`."""
        height, width = self.receptive_field
        field = f"field {height} × {width}" if self.uniform else f"fields up to {height} × {width}"
        return f"{self.name} ({self.kind}): {self.rows.size} × {self.columns.size} units, {field}"


@dataclass(frozen=True)
class FieldView:
    """A validated field view: the input size, the layers to choose and the initial choice.

    Attributes:
        input_size: Input (height, width) in pixels.
        layers: The layers of the menu, in menu order.
        layer: Position of the initial layer in `layers`.
        unit: Initial unit (row, column).
        view_id: Id of the figure; ids inside it start with it.
    """

    input_size: tuple[int, int]
    layers: tuple[ViewLayer, ...]
    layer: int
    unit: tuple[int, int]
    view_id: str


def prepare(spec_text: str, options: Mapping[str, str], *, view_id: str = "rf-field-view") -> FieldView:
    """Parse and analyse the network of a field view and compute every unit's field.

    Options are those of OPTIONS except `id`, all strings and all optional.
    `preset` takes a built-in network in place of `spec_text`, which must then
    be empty. `layers` lists the layers of the menu as names or 1-based numbers
    joined by commas (the preset's end-points, or every layer, by default).
    `layer` picks the initial layer from that list (the first by default).
    `unit` is the initial unit, `row,column` or one index for both (the middle
    unit by default). `input` overrides the spec's input size.

    Raises:
        RFError: an option, the spec or a layer is invalid, a layer has more
            than MAX_UNITS_PER_AXIS units per axis, or a unit's field is
            unknown. Spec errors carry the line within `spec_text`.
    """
    for key in options:
        if key not in OPTIONS or key == "id":
            raise RFError(f"field view option {key!r} is unknown; valid options are {', '.join(OPTIONS)}")

    preset_layers: Sequence[str] = ()
    if options.get("preset"):
        if spec_text.strip():
            raise RFError("a field view with preset= takes no layers in its body; remove the body or the preset")
        preset = get_preset(options["preset"])
        spec_text, preset_layers = preset.spec, preset.endpoints

    network = parse_spec(spec_text)
    size = parse_size(options["input"]) if options.get("input") else None
    if network.num_axes > 2:
        raise RFError(f"a field view draws 2-D networks, but this one has {network.num_axes} axes")
    analysis = analyze(network, size, num_axes=2)
    if analysis.input_size is None:
        raise RFError("a field view needs an input size; add an 'input' line such as 'input 224', or the option input=224")
    if not analysis.layers:
        raise RFError("the spec has no layers; add one such as 'conv k=3'")

    references = _split_list(options.get("layers", "")) or list(preset_layers) or [
        str(result.index) for result in analysis.layers
    ]
    results = _menu_layers(analysis, references)
    layers = tuple(view_layer(analysis, result) for result in results)

    layer = 0
    if options.get("layer"):
        chosen = find_layer(analysis, options["layer"].strip())
        positions = [result.index for result in results]
        if chosen.index not in positions:
            names = ", ".join(view.name for view in layers)
            raise RFError(f"layer {options['layer']!r} is not in the menu ({names}); add it to layers= or pick one of these")
        layer = positions.index(chosen.index)

    unit = _initial_unit(layers[layer], options.get("unit", ""))
    height, width = analysis.input_size
    return FieldView((height, width), layers, layer, unit, view_id)


def view_layer(analysis: Analysis, result: LayerResult) -> ViewLayer:
    """Compute the field of every unit of one layer with `Analysis.unit_field`.

    Every unit is computed, and the per-axis tables are checked against each
    unit's own result, so a lookup in the tables gives exactly what
    `unit_field` gives for that unit.

    Raises:
        RFError: a unit's field is unknown, the layer has too many units, or
            the clipped fields do not split into rows and columns (which a
            network with branches can cause).
    """
    name = result.layer.name or f"layer {result.index}"
    sizes = [axis.output_size for axis in result.axes]
    if None in sizes:
        raise RFError(f"the output size of layer {name} is unknown; give the network an input size")
    rows, columns = sizes
    if max(rows, columns) > MAX_UNITS_PER_AXIS:
        raise RFError(
            f"layer {name} has {rows} × {columns} units, more than the field view draws "
            f"({MAX_UNITS_PER_AXIS} per axis); choose a later layer or a smaller input"
        )

    fields = [[analysis.unit_field(result.index, (row, column)) for column in range(columns)] for row in range(rows)]
    if any(field.interval is None or field.clipped is None for line in fields for field in line):
        raise RFError(f"the fields of layer {name} are unknown: their position depends on an unknown padding")

    row_clipped = [_first_known(fields[row][column].clipped[0] for column in range(columns)) for row in range(rows)]
    column_clipped = [_first_known(fields[row][column].clipped[1] for row in range(rows)) for column in range(columns)]
    for row in range(rows):
        for column in range(columns):
            field = fields[row][column]
            span = (row_clipped[row], column_clipped[column])
            expected = span if None not in span else (None, None)
            if field.clipped != expected:
                raise RFError(
                    f"the clipped field of unit ({row}, {column}) of layer {name} does not split into rows and "
                    "columns, so the field view cannot show it; choose another layer"
                )

    row_units = AxisUnits(
        tuple(fields[row][0].interval[0] for row in range(rows)),
        tuple(row_clipped),
        tuple(fields[row][0].centre[0] for row in range(rows)),
    )
    column_units = AxisUnits(
        tuple(fields[0][column].interval[1] for column in range(columns)),
        tuple(column_clipped),
        tuple(fields[0][column].centre[1] for column in range(columns)),
    )
    height, width = (axis.receptive_field for axis in result.axes)
    uniform = all(axis.is_uniform for axis in result.axes)
    return ViewLayer(result.index, name, result.layer.kind, (height, width), uniform, row_units, column_units)


def describe_unit(layer: ViewLayer, row: int, column: int) -> str:
    """Return the sentence that the field view shows for one unit.

    rf-field-view.js writes the same sentence from the same numbers; the browser
    tests compare the two.
    """
    top, bottom = layer.rows.intervals[row]
    left, right = layer.columns.intervals[column]
    clipped_rows, clipped_columns = layer.rows.clipped[row], layer.columns.clipped[column]
    if clipped_rows is None or clipped_columns is None:
        clipped = "no input pixel reaches it"
    else:
        clipped = f"rows {clipped_rows[0]} to {clipped_rows[1]}, columns {clipped_columns[0]} to {clipped_columns[1]}"
    centre = f"({format_number(layer.rows.centres[row])}, {format_number(layer.columns.centres[column])})"
    return (
        f"Unit ({row}, {column}) of {layer.name} sees rows {top} to {bottom}, columns {left} to {right} "
        f"(clipped: {clipped}), centre {centre}."
    )


def format_number(value: float) -> str:
    """Write a centre as JavaScript's String(value) does for halves: 3, 3.5 or -0.5."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _menu_layers(analysis: Analysis, references: Sequence[str]) -> list[LayerResult]:
    if len(references) > MAX_LAYERS:
        raise RFError(f"the field view offers at most {MAX_LAYERS} layers, got {len(references)}; shorten layers=")
    results: list[LayerResult] = []
    for reference in references:
        result = find_layer(analysis, reference)
        if any(result.index == chosen.index for chosen in results):
            raise RFError(f"layer {reference!r} appears twice in layers=; list each layer once")
        results.append(result)
    return results


def _initial_unit(layer: ViewLayer, text: str) -> tuple[int, int]:
    if not text.strip():
        return layer.rows.size // 2, layer.columns.size // 2
    row, column = broadcast_unit(parse_unit(text), 2)
    for index, size, axis in ((row, layer.rows.size, "rows"), (column, layer.columns.size, "columns")):
        if index >= size:
            raise RFError(f"unit {text!r} is out of range for layer {layer.name}, which has {size} {axis}; use 0 to {size - 1}")
    return row, column


def _first_known(spans: Sequence[Interval | None]) -> Interval | None:
    return next((span for span in spans if span is not None), None)
