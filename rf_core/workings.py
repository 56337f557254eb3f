"""One-line workings that show how a quantity of an exercise follows from the layers.

Each working is plain text (the caller escapes it) built from the same analysis
that gives the answer. Where the textbook recurrence applies, along a chain of
sliding windows, paddings and crops, the working writes out its terms, such as

    r = 1 + (3 − 1)·1 + (2 − 1)·1 = 4

and the recurrence is evaluated and compared with rf_core's value before it is
shown. When it does not apply (transposed convolution, upsampling, merges) or
does not give rf_core's value, the working states the value from the traced
fields instead, so a working never contradicts the answer.

`common_mistakes` returns the values that typical slips give, such as a sum of
(k − 1) without the jumps, so that a check can answer with a matching nudge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from rf_core.analysis import Analysis, LayerResult
from rf_core.layers import PASS_THROUGH_KINDS, UPSAMPLING_KINDS, WINDOW_KINDS
from rf_core.network import Network
from rf_core.propagation import output_sizes
from rf_core.quantities import format_value

MINUS = "\u2212"

#: Kinds whose effect on r, S and P the recurrence describes.
_RECURRENCE_KINDS = (*WINDOW_KINDS, "pad", "crop", *PASS_THROUGH_KINDS)

#: Layer labels listed in a depth working before the middle ones are left out.
_MAX_LISTED_LAYERS = 8


@dataclass(frozen=True)
class _Step:
    """One layer of a chain along one axis, with the jump S of its input."""

    result: LayerResult
    axis: int
    jump_in: int | Fraction

    @property
    def kind(self) -> str:
        return self.result.layer.kind

    @property
    def name(self) -> str:
        return self.result.layer.name or self.kind

    @property
    def params(self):
        return self.result.layer.axis(self.axis)

    @property
    def is_window(self) -> bool:
        return self.kind in WINDOW_KINDS

    def shift(self) -> int | None:
        """Pixels that this layer moves its input's first unit: padding before, or minus a crop."""
        if self.kind == "crop":
            return -self.params.pad_before
        if self.kind == "pad":
            return self.params.pad_before
        return self.result.axes[self.axis].pad_before if self.is_window else 0


def working(analysis: Analysis, result: LayerResult, name: str, axis: int, unit: int | None, value: object) -> str:
    """Return the one-line working of quantity `name` of `result` along `axis`, ending in `value`."""
    builders: dict[str, Callable[[], str]] = {
        "r": lambda: _receptive_field(analysis, result, axis, value),
        "r_min": lambda: _smallest_field(analysis, result, axis, value),
        "S": lambda: _stride(analysis, result, axis, value),
        "P": lambda: _padding(analysis, result, axis, value),
        "start": lambda: _start(result, axis, value),
        "size": lambda: _size(analysis, result, axis),
        "interval": lambda: _interval(result, axis, unit, value),
        "clipped": lambda: _clipped(analysis, result, axis, unit, value),
        "centre": lambda: _centre(result, axis, unit, value),
        "min_input": lambda: _minimum_input(analysis, result, axis, value),
        "depth": lambda: _depth(analysis, result),
    }
    return builders[name]()


def common_mistakes(analysis: Analysis, result: LayerResult, name: str, axis: int) -> dict[Fraction, str]:
    """Return wrong values that typical slips give for quantity `name`, each with a nudge.

    Values that equal the right answer are left out, so a nudge never contradicts it.
    """
    steps = _chain(analysis, result, axis, _RECURRENCE_KINDS)
    mistakes: dict[Fraction, str] = {}
    if name == "r" and steps is not None:
        windows = [step for step in steps if step.is_window]
        mistakes[Fraction(1 + sum(s.params.effective_kernel - 1 for s in windows))] = (
            "Multiply each layer's d·(k \u2212 1) by the jump S of its input: "
            "one step of a later layer spans S input pixels."
        )
        mistakes[Fraction(1 + sum((s.params.kernel - 1) * s.jump_in for s in windows))] = (
            "Include the dilation: a kernel of size k with dilation d spans d·(k \u2212 1) + 1 pixels."
        )
        mistakes[Fraction(sum((s.params.effective_kernel - 1) * s.jump_in for s in windows))] = (
            "Start from r = 1, the single pixel that an input unit sees, before adding the layers."
        )
    if name == "S" and steps is not None:
        strides = [step.params.stride for step in steps if step.is_window]
        if len(strides) > 1:
            mistakes[Fraction(sum(strides))] = "Strides multiply: S is the product of the strides, not their sum."
    if name == "P" and steps is not None:
        shifts = [step.shift() for step in steps]
        if None not in shifts:
            mistakes[Fraction(sum(shift for shift in shifts if shift is not None))] = (
                "Multiply each layer's padding by the jump S of its input: "
                "a padded unit of a later layer spans S input pixels."
            )
    if name == "start":
        axis_result = result.axes[axis]
        if axis_result.effective_padding is not None:
            mistakes[Fraction(-axis_result.effective_padding)] = (
                "\u2212P is the first pixel of unit 0's field; start is the centre of that field."
            )
    if name == "depth":
        counted = [layer for layer in analysis.layers[: result.index] if not layer.layer.is_pass_through]
        mistakes[Fraction(len(counted))] = "Count every layer, activations and normalizations too."
    right = _value_as_fraction(result, name, axis)
    return {value: nudge for value, nudge in mistakes.items() if value != right}


def _value_as_fraction(result: LayerResult, name: str, axis: int) -> Fraction | None:
    axis_result = result.axes[axis]
    value = {
        "r": axis_result.receptive_field,
        "S": axis_result.effective_stride,
        "P": axis_result.effective_padding,
        "start": axis_result.start,
        "depth": result.index,
    }.get(name)
    return None if value is None else Fraction(value)


# --- Chains --------------------------------------------------------------------------


def _chain(analysis: Analysis, result: LayerResult, axis: int, kinds: tuple[str, ...]) -> list[_Step] | None:
    """Return the layers from the input to `result` when each reads only the one before it on the path.

    Returns None when a layer on the path merges inputs or is not one of `kinds`.
    """
    path = _first_source_path(analysis, result)
    if any(step.layer.kind not in kinds or len(step.sources) != 1 for step in path):
        return None

    steps = []
    jump: int | Fraction = 1
    for layer_result in path:
        steps.append(_Step(layer_result, axis, jump))
        jump = layer_result.axes[axis].effective_stride
        if jump is None:
            return None
    return steps


def _first_source_path(analysis: Analysis, result: LayerResult) -> list[LayerResult]:
    """Return the layers from the input to `result`, following each layer's first input."""
    path = [result]
    while path[-1].sources[0] >= 0:
        path.append(analysis.layers[path[-1].sources[0]])
    path.reverse()
    return path


def _number(value: int | Fraction | float) -> str:
    """Format a number for a formula, with a real minus sign."""
    return format_value(value).replace("-", MINUS)


def _operand(value: int | Fraction | float) -> str:
    """Format a number that follows an operator: negatives and fractions in brackets."""
    text = _number(value)
    return f"({text})" if text.startswith(MINUS) or "/" in text else text


def _negated(value: int) -> str:
    """Write −P with P filled in, as the first term of a sum: 0, −1 or 2."""
    return _number(-value)


def _terms_sum(terms: list[str]) -> str:
    return " + ".join(terms)


# --- One builder per quantity ------------------------------------------------------------


def _receptive_field(analysis: Analysis, result: LayerResult, axis: int, value: object) -> str:
    steps = _chain(analysis, result, axis, _RECURRENCE_KINDS)
    if steps is not None:
        windows = [step for step in steps if step.is_window]
        if not windows:
            return f"r = 1: no layer up to {result.layer.name} has a window, so each unit sees one input pixel."
        total = 1 + sum((s.params.effective_kernel - 1) * s.jump_in for s in windows)
        if total == value:
            dilated = any(step.params.dilation != 1 for step in windows)
            terms = [_field_term(step, dilated) for step in windows]
            factor = "d·(k \u2212 1)" if dilated else "(k \u2212 1)"
            return (
                f"r = 1 + {_terms_sum(terms)} = {value}. "
                f"Each layer adds {factor} times the jump S of its input."
            )
    return _traced_sizes(result, axis)


def _field_term(step: _Step, dilated: bool) -> str:
    params = step.params
    core = f"({params.kernel} {MINUS} 1)·{_operand(step.jump_in)}"
    return f"{params.dilation}·{core}" if dilated else core


def _smallest_field(analysis: Analysis, result: LayerResult, axis: int, value: object) -> str:
    axis_result = result.axes[axis]
    if axis_result.receptive_field == value:
        same = _receptive_field(analysis, result, axis, value)
        return f"Every unit of {result.layer.name} has a field of the same size, so r_min = r. {same}"
    return _traced_sizes(result, axis)


def _traced_sizes(result: LayerResult, axis: int) -> str:
    axis_result = result.axes[axis]
    largest, smallest = axis_result.receptive_field, axis_result.receptive_field_min
    if largest == smallest:
        return f"rf_core traced the field of every unit of {result.layer.name} back to the input: each spans {largest} pixels."
    return (
        f"rf_core traced the field of every unit of {result.layer.name} back to the input: "
        f"the largest spans r = {largest} pixels and the smallest r_min = {smallest}."
    )


def _stride(analysis: Analysis, result: LayerResult, axis: int, value: object) -> str:
    steps = _chain(analysis, result, axis, (*_RECURRENCE_KINDS, *UPSAMPLING_KINDS))
    if steps is not None:
        factors: list[tuple[_Step, int | Fraction]] = []
        for step in steps:
            if step.is_window:
                factors.append((step, step.params.stride))
            elif step.kind == "convt":
                factors.append((step, Fraction(1, step.params.stride)))
            elif step.kind == "upsample":
                factors.append((step, Fraction(1, step.params.factor)))
        product = Fraction(1)
        for _, factor in factors:
            product *= factor
        if product == value:
            if not factors:
                return f"S = 1: no layer up to {result.layer.name} has a stride or a scale factor."
            if len(factors) == 1:
                only = factors[0][0]
                source = {"convt": "1 over the stride", "upsample": "1 over the scale factor"}.get(only.kind, "the stride")
                equation = f"S = {_number(product)}, {source} of {only.name}"
                if only.result is not result:
                    equation += f", the only layer up to {result.layer.name} with a stride or a scale factor"
                return equation + "."
            else:
                listing = "·".join(_operand(factor) for _, factor in factors)
                equation = f"S = {listing} = {_number(product)}, the product of the strides up to {result.layer.name}"
            if any(step.kind in UPSAMPLING_KINDS for step in steps):
                return equation + "; upsampling by f and transposed convolution with stride s count as 1/f and 1/s."
            return equation + "."
    pixels = "pixel" if value == 1 else "pixels"
    return (
        f"rf_core traced the fields of the units of {result.layer.name}: "
        f"neighbouring fields lie {_number(value)} input {pixels} apart on average."
    )


def _padding(analysis: Analysis, result: LayerResult, axis: int, value: object) -> str:
    steps = _chain(analysis, result, axis, _RECURRENCE_KINDS)
    if steps is not None:
        shifting = [step for step in steps if step.is_window or step.kind in ("pad", "crop")]
        shifts = [step.shift() for step in shifting]
        if shifting and None not in shifts:
            total = sum((shift or 0) * step.jump_in for shift, step in zip(shifts, shifting))
            if total == value:
                terms = [f"{_operand(shift or 0)}·{_operand(step.jump_in)}" for shift, step in zip(shifts, shifting)]
                cropped = " (a crop counts as negative padding)" if any(step.kind == "crop" for step in steps) else ""
                return (
                    f"P = {_terms_sum(terms)} = {_number(total)}: each layer's padding before its input "
                    f"times the jump S of that input{cropped}."
                )
    first = result.axes[axis].interval(0)
    if first is None:
        return f"P = {_number(value)}."
    return f"Unit 0's field is [{_number(first[0])}, {_number(first[1])}], so P = {MINUS}u = {_number(value)}."


def _start(result: LayerResult, axis: int, value: object) -> str:
    axis_result = result.axes[axis]
    first = axis_result.interval(0)
    padding, field = axis_result.effective_padding, axis_result.receptive_field
    if first is not None and padding is not None and field is not None and first[1] - first[0] + 1 == field:
        return (
            f"start = {MINUS}P + (r {MINUS} 1)/2 = {_negated(padding)} + ({field} {MINUS} 1)/2 = {_number(value)}."
        )
    if first is None:
        return f"start = {_number(value)}."
    return (
        f"Unit 0's field is [u, v] = [{_number(first[0])}, {_number(first[1])}], so "
        f"start = (u + v)/2 = ({_number(first[0])} + {_operand(first[1])})/2 = {_number(value)}."
    )


def _size(analysis: Analysis, result: LayerResult, axis: int) -> str:
    steps = _chain(analysis, result, axis, _RECURRENCE_KINDS)
    if steps is not None:
        parts = [_size_step(step) for step in steps if not step.result.layer.is_pass_through]
        if all(part is not None for part in parts) and parts:
            return "; ".join(part for part in parts if part is not None) + "."
    path = [layer for layer in _first_source_path(analysis, result) if not layer.layer.is_pass_through]
    sizes = [f"input {analysis.input_size[axis] if analysis.input_size else '?'}"] + [
        f"{layer.layer.name} {layer.axes[axis].output_size}" for layer in path
    ]
    return "Output sizes along the layers: " + " \u2192 ".join(sizes) + "."


def _size_step(step: _Step) -> str | None:
    """Write one layer's output size formula, or None when it is not the textbook one."""
    axis_result = step.result.axes[step.axis]
    size_in, size_out = axis_result.input_size, axis_result.output_size
    if size_in is None or size_out is None:
        return None
    params = step.params
    if step.kind in ("pad", "crop"):
        sign = "+" if step.kind == "pad" else MINUS
        computed = size_in + (1 if step.kind == "pad" else -1) * (params.pad_before + params.pad_after)
        if computed != size_out:
            return None
        return f"{step.name}: {size_in} {sign} {params.pad_before} {sign} {params.pad_after} = {size_out}"
    if not step.is_window or axis_result.pad_before is None or axis_result.pad_after is None:
        return None
    before, after = axis_result.pad_before, axis_result.pad_after
    span = size_in + before + after - params.effective_kernel
    computed = (-(-span // params.stride) if step.result.layer.ceil_mode else span // params.stride) + 1
    if computed != size_out:
        return None
    padding = f" + {before} + {after}" if before or after else ""
    opening, closing = ("\u2308", "\u2309") if step.result.layer.ceil_mode else ("\u230a", "\u230b")
    return (
        f"{step.name}: {opening}({size_in}{padding} {MINUS} {params.effective_kernel})/{params.stride}{closing}"
        f" + 1 = {size_out}"
    )


def _unit_interval(result: LayerResult, axis: int, unit: int | None) -> tuple[int, int] | None:
    return None if unit is None else result.axes[axis].interval(unit)


def _interval(result: LayerResult, axis: int, unit: int | None, value: object) -> str:
    axis_result = result.axes[axis]
    padding, stride, field = axis_result.effective_padding, axis_result.effective_stride, axis_result.receptive_field
    interval = _unit_interval(result, axis, unit)
    components = axis_result.components or ()
    evenly_spaced = len(components) == 1 and components[0].period == 1
    if unit is not None and None not in (padding, stride, field) and evenly_spaced and axis_result.is_uniform:
        first = -padding + unit * stride
        if (first, first + field - 1) == value == interval:
            return (
                f"u = {MINUS}P + i·S = {_negated(padding)} + {unit}·{_operand(stride)} = {_number(first)} and "
                f"v = u + r {MINUS} 1 = {_number(first)} + {field} {MINUS} 1 = {_number(first + field - 1)}."
            )
    return f"rf_core traced the field of unit {unit} back through every layer to the input pixels {_pair(value)}."


def _clipped(analysis: Analysis, result: LayerResult, axis: int, unit: int | None, value: object) -> str:
    interval = _unit_interval(result, axis, unit)
    if analysis.input_size is None or interval is None:
        return f"The pixels of the input that reach unit {unit} are {_pair(value)}."
    last_pixel = analysis.input_size[axis] - 1
    clipped = (max(interval[0], 0), min(interval[1], last_pixel))
    if clipped == value:
        return f"The interval {_pair(interval)} clipped to the input pixels [0, {last_pixel}] is {_pair(value)}."
    return (
        f"The interval {_pair(interval)} clipped to [0, {last_pixel}] would be {_pair(clipped)}, but tracing "
        f"unit {unit} back layer by layer, keeping only pixels that some layer reads, leaves {_pair(value)}."
    )


def _centre(result: LayerResult, axis: int, unit: int | None, value: object) -> str:
    interval = _unit_interval(result, axis, unit)
    if interval is None:
        return f"The centre of unit {unit}'s field is {_number(value)}."
    first, last = interval
    return (
        f"Unit {unit}'s field is [u, v] = {_pair(interval)}, so the centre is (u + v)/2 = "
        f"({_number(first)} + {_operand(last)})/2 = {_number(value)}."
    )


def _minimum_input(analysis: Analysis, result: LayerResult, axis: int, value: object) -> str:
    prefix = Network(analysis.network.layers[: result.index])
    names = [layer.name for layer in prefix.layers]
    fitting = output_sizes(prefix, axis, int(value))
    listing = ", ".join(f"{name} {size}" for name, size in zip(names, fitting))
    if value == 1:
        return (
            f"Even an input of 1 pixel gives every layer up to {result.layer.name} an output unit "
            f"(output sizes {listing})."
        )
    smaller = output_sizes(prefix, axis, int(value) - 1)
    failing = next(
        (index for index, size in enumerate(smaller) if size is None or size < 1), len(smaller) - 1
    )
    return (
        f"With an input of {value} the output sizes are {listing}; with {int(value) - 1}, "
        f"{names[failing]} would have no output unit."
    )


def _depth(analysis: Analysis, result: LayerResult) -> str:
    names = [layer.layer.name for layer in analysis.layers[: result.index]]
    if len(names) > _MAX_LISTED_LAYERS:
        names = names[:4] + ["\u2026"] + names[-3:]
    return f"Layers 1 to {result.index} of the spec: {', '.join(names)}."


def _pair(interval: object) -> str:
    first, last = interval  # type: ignore[misc]
    return f"[{_number(first)}, {_number(last)}]"
