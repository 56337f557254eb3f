"""Exercises: a question about one quantity of a network, and the check of a typed answer.

An exercise names a quantity (`ask`, one of `rf_core.quantities.QUANTITIES`), a
layer, and optionally a unit, an axis and an input size. Its answer is computed
by rf_core, never written by an author:

    >>> exercise = Exercise(ask="r", layer="pool", spec="input 8\\nconv k=3\\nmaxpool k=2 s=2 name=pool")
    >>> solve(exercise).text
    '4'
    >>> check(exercise, " 4 ").status
    'correct'

The site's MkDocs hook calls `parse_block` and `answer_html` when it builds a
page, and the browser worker calls `check_answer_json` when a reader presses
Check, so both use the same computation.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from rf_core.analysis import Analysis, LayerResult, analyze, axis_name
from rf_core.answers import AnswerFormatError, TypedNumber, parse_number, parse_pair
from rf_core.errors import RFError
from rf_core.limits import MAX_REQUEST_LENGTH
from rf_core.quantities import QUANTITIES, UNIT_QUANTITIES, Value, find_layer, format_value, parse_axis, quantity
from rf_core.spec import parse_size, parse_spec
from rf_core.workings import common_mistakes, working

#: Options of an exercise, as the fence line of a block names them.
OPTIONS = ("ask", "layer", "unit", "axis", "input")

#: The line that separates the question, the hint and the spec in a block.
SECTION_SEPARATOR = "---"

#: Check outcomes: the answer is right, wrong, or not in the expected form.
CORRECT, NOT_YET, INVALID = "correct", "not_yet", "invalid"

#: Quantities whose value is always a whole number.
_WHOLE_QUANTITIES = frozenset({"r", "r_min", "P", "size", "min_input", "depth"})

#: The expected form of an answer, as the input's label and format messages name it,
#: with candidate examples. `answer_form` takes the first example that is not the answer.
_FORMS = {
    **{name: ("one whole number, such as {}", ("12", "7")) for name in ("r", "r_min", "size", "min_input", "depth")},
    "P": ("one whole number, such as {}", ("2 or -1", "3 or -2")),
    "S": ("a whole number or a fraction, such as {}", ("2 or 1/2", "4 or 1/4")),
    "start": ("one number, such as {}", ("3 or -1.5", "5 or -2.5")),
    "centre": ("one number, such as {}", ("3 or -1.5", "5 or -2.5")),
    "interval": ("two whole numbers, such as {}", ("3, 6", "2, 9")),
    "clipped": ("two whole numbers, such as {}", ("3, 6", "2, 9")),
}

#: What each quantity is, for answers and messages; {layer} and {unit} are filled in.
_DESCRIPTIONS = {
    "r": "the receptive field r of {layer}",
    "r_min": "the smallest receptive field r_min over the units of {layer}",
    "S": "the effective stride S of {layer}",
    "P": "the effective padding P of {layer}",
    "start": "the centre of unit 0's field (start) at {layer}",
    "size": "the output size of {layer}",
    "interval": "the interval of unit {unit} of {layer}",
    "clipped": "the clipped interval of unit {unit} of {layer}",
    "centre": "the centre of unit {unit}'s field at {layer}",
    "min_input": "the smallest input size that gives {layer} an output unit",
    "depth": "the depth of {layer}",
}

#: The nudge after a wrong answer when no common mistake matches; {layer} is filled in.
_NUDGES = {
    "r": "Start from r = 1 and, for each layer up to {layer}, add d·(k \u2212 1) times the jump S of its input.",
    "r_min": "r_min is the size of the smallest field over all units of {layer}.",
    "S": "Multiply the strides of the layers up to {layer}; upsampling by a factor f divides by f.",
    "P": "For each layer up to {layer}, add its padding before the input times the jump S of that input.",
    "start": "start is the centre of unit 0's field: \u2212P + (r \u2212 1)/2.",
    "size": "Apply \u230a(n + p_before + p_after \u2212 K)/s\u230b + 1 layer by layer, with K = d·(k \u2212 1) + 1.",
    "interval": "Unit i's field starts at u = \u2212P + i·S and ends at v = u + r \u2212 1.",
    "clipped": "Start from the unit's interval [u, v] and keep only the input pixels 0 to n \u2212 1 that reach it.",
    "centre": "The centre of a field [u, v] is (u + v)/2.",
    "min_input": "Look for the smallest input size n for which every layer up to {layer} has an output unit.",
    "depth": "Count the layers from the first one to {layer}, both included.",
}

#: The output size nudge when a layer up to the asked one rounds up (ceil mode).
_CEIL_SIZE_NUDGE = (
    _NUDGES["size"] + " A pooling layer in ceil mode rounds up instead, and drops a last window that would "
    "start past its input."
)

#: The reason each whole-number quantity is whole, for the nudge after a fraction.
_WHOLE_REASONS = {
    "r": "r counts input pixels",
    "r_min": "r_min counts input pixels",
    "P": "P counts pixels of padding",
    "size": "The output size counts units",
    "min_input": "The input size counts pixels",
    "depth": "The depth counts layers",
}

_UNIT_PATTERN = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True)
class Exercise:
    """One exercise: what is asked about which network.

    Attributes:
        ask: The quantity asked for, one of QUANTITIES.
        layer: A layer name, a 1-based layer index or `last`.
        spec: The network in the text spec format.
        unit: Unit index as text, needed by interval, clipped and centre; "" for none.
        axis: Axis name (height, width) or 1-based number; "" for the last axis.
        input_size: Input size such as "16" or "16x16", overriding the spec's
            `input` line; "" keeps that line.
        question: The question in Markdown, shown to the reader.
        hint: The hint in Markdown.
        spec_line: 1-based line of the block where the spec starts, so that
            errors in the spec point at the block's line.
    """

    ask: str
    layer: str
    spec: str
    unit: str = ""
    axis: str = ""
    input_size: str = ""
    question: str = ""
    hint: str = ""
    spec_line: int = 1


@dataclass(frozen=True)
class Solution:
    """The answer to an exercise and how it follows from the layers.

    Attributes:
        value: The value rf_core computed.
        text: The value as the site prints it, such as 4, 1/2 or [3, 6].
        description: What the value is, such as "the receptive field r of pool".
        working: One line of plain text that shows how the value follows.
        analysis: The analysis that gave the value.
        result: The asked layer's result.
        axis: The 0-based axis of the value.
        mistakes: Wrong values that typical slips give, each with its nudge.
            They are computed with the answer, so that the site's build runs
            this code for every exercise before a reader's answer needs it.
    """

    value: Value
    text: str
    description: str
    working: str
    analysis: Analysis
    result: LayerResult
    axis: int
    mistakes: dict[Fraction, str]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of checking a typed answer.

    Attributes:
        status: CORRECT, NOT_YET or INVALID.
        message: One or two sentences for the reader, which never state the
            answer unless the status is CORRECT.
    """

    status: str
    message: str

    def to_dict(self) -> dict:
        """Return the reply sent to the browser: {"status", "message"}."""
        return {"status": self.status, "message": self.message}


def parse_block(body: str, options: Mapping[str, str]) -> Exercise:
    """Make an exercise from a block's options and its body.

    The body has three sections separated by lines of `---`: the question, the
    hint and the spec. It does not solve the exercise: `solve` does.

    Raises:
        RFError: an option is unknown or invalid, or a section is missing or
            empty. The line, if any, is the 1-based line of the body.
    """
    for key in options:
        if key not in OPTIONS:
            raise RFError(f"exercise option {key!r} is unknown; valid options are {', '.join(OPTIONS)}")
    lines = body.split("\n")
    separators = [index for index, line in enumerate(lines) if line.strip() == SECTION_SEPARATOR]
    if len(separators) < 2:
        raise RFError(
            f"the exercise has {len(separators) + 1} section{'s' if separators else ''} but needs 3: the question, "
            f"the hint and the spec, separated by lines of {SECTION_SEPARATOR}"
        )
    first, second = separators[0], separators[1]
    question = "\n".join(lines[:first]).strip("\n")
    hint = "\n".join(lines[first + 1 : second]).strip("\n")
    spec = "\n".join(lines[second + 1 :])
    for name, text, line in (("question", question, 1), ("hint", hint, first + 2), ("spec", spec, second + 2)):
        if not text.strip():
            raise RFError(f"the exercise's {name} section is empty; write the {name} there", line=line)
    exercise = Exercise(
        ask=options.get("ask", ""),
        layer=options.get("layer", "last"),
        spec=spec,
        unit=options.get("unit", ""),
        axis=options.get("axis", ""),
        input_size=options.get("input", ""),
        question=question,
        hint=hint,
        spec_line=second + 2,
    )
    validate_options(exercise)
    return exercise


def validate_options(exercise: Exercise) -> None:
    """Check the ask, unit and input options of an exercise without solving it.

    Raises:
        RFError: an option is missing or invalid; the message names the fix.
    """
    if exercise.ask not in QUANTITIES:
        raise RFError(f"ask={exercise.ask!r} is invalid; use one of {', '.join(QUANTITIES)}")
    if not exercise.layer:
        raise RFError("layer= is empty; give a layer name, a 1-based layer number or last")
    if exercise.ask in UNIT_QUANTITIES and not exercise.unit:
        raise RFError(f"ask={exercise.ask} is about one unit; give its index, such as unit=0")
    if exercise.ask not in UNIT_QUANTITIES and exercise.unit:
        raise RFError(
            f"unit={exercise.unit} applies only to {', '.join(sorted(UNIT_QUANTITIES))}; remove it for ask={exercise.ask}"
        )
    if exercise.unit and not _UNIT_PATTERN.fullmatch(exercise.unit):
        raise RFError(f"unit={exercise.unit!r} is invalid; give one unit index from 0, such as unit=3")
    if exercise.input_size:
        parse_size(exercise.input_size)


def solve(exercise: Exercise) -> Solution:
    """Compute the answer to an exercise with rf_core, and its working.

    Raises:
        RFError: an option or the spec is invalid, or rf_core reports the value
            as unknown. Errors in the spec carry the line of the block.
    """
    validate_options(exercise)
    try:
        network = parse_spec(exercise.spec)
        size = parse_size(exercise.input_size) if exercise.input_size else None
        analysis = analyze(network, size)
    except RFError as error:
        if error.line is None:
            raise
        raise RFError(error.message, line=error.line + exercise.spec_line - 1, column=error.column) from error
    if not analysis.layers:
        raise RFError("the exercise's spec has no layers; add one such as 'conv k=3'", line=exercise.spec_line)

    axis = parse_axis(exercise.axis, analysis.num_axes)
    unit = int(exercise.unit) if exercise.unit else None
    value = quantity(analysis, exercise.layer, exercise.ask, unit=unit, axis=axis)
    result = find_layer(analysis, exercise.layer)
    layer_text = result.layer.describe(result.index)
    description = _DESCRIPTIONS[exercise.ask].format(layer=layer_text, unit=unit)
    if analysis.num_axes > 1:
        description += f" along the {axis_name(axis, analysis.num_axes)}"
    return Solution(
        value=value,
        text=format_value(value),
        description=description,
        working=working(analysis, result, exercise.ask, axis, unit, value),
        analysis=analysis,
        result=result,
        axis=axis,
        mistakes=common_mistakes(analysis, result, exercise.ask, axis),
    )


def answer_html(solution: Solution) -> str:
    """Return the answer and its working as HTML, with every text escaped."""
    return (
        f'<p class="rf-exercise__value">Answer: {html.escape(solution.description)} is '
        f"<strong>{html.escape(solution.text)}</strong>.</p>"
        f'<p class="rf-exercise__working">{html.escape(solution.working)}</p>'
    )


def answer_form(solution: Solution, ask: str) -> str:
    """Return the expected form of the answer, with an example that differs from the answer."""
    template, examples = _FORMS[ask]
    answer = solution.text.strip("[]")
    for example in examples:
        if answer not in example.replace(" or ", "|").split("|"):
            return template.format(example)
    return template.format(examples[-1])


def input_label(solution: Solution, ask: str) -> str:
    """Return the label of the answer field, naming the expected form."""
    return f"Your answer ({answer_form(solution, ask)})"


def check(exercise: Exercise, answer: str) -> CheckResult:
    """Check a typed answer against rf_core's value.

    Never raises for the answer: a malformed one gives INVALID with a message
    that quotes it. An exercise that cannot be solved raises RFError, which
    `check_answer_json` turns into a message.
    """
    solution = solve(exercise)
    form = answer_form(solution, exercise.ask)
    layer = solution.result.layer.name
    try:
        if exercise.ask in UNIT_QUANTITIES - {"centre"}:
            verdict = _check_pair(solution, exercise.ask, parse_pair(answer, form))
        else:
            typed = parse_number(answer, form, decimals_expected=exercise.ask not in _WHOLE_QUANTITIES)
            verdict = _check_number(solution, exercise.ask, typed)
    except AnswerFormatError as error:
        return CheckResult(INVALID, error.message)
    if verdict is None:
        return CheckResult(CORRECT, f"Correct: {solution.description} is {solution.text}.")
    return CheckResult(NOT_YET, "Not yet. " + verdict.format(layer=layer))


def _check_number(solution: Solution, ask: str, typed: TypedNumber) -> str | None:
    """Return None for a right answer, else the nudge for a wrong one."""
    expected = Fraction(solution.value)  # type: ignore[arg-type]
    if typed.value == expected:
        return None
    if _rounds_to(typed, expected):
        return None

    if ask in _WHOLE_QUANTITIES and typed.value.denominator != 1:
        return f"{_WHOLE_REASONS[ask]}, so the answer is a whole number."
    if _rounds_to(typed, expected, min_decimals=1):
        return "Give two or more decimals, or type the value as a fraction such as 1/2."
    if ask in ("r", "r_min", "size") and typed.value < 1:
        return f"{_symbol(ask)} is at least 1 here."
    if ask == "min_input":
        return _minimum_input_nudge(solution, typed.value)
    if typed.value in solution.mistakes:
        return solution.mistakes[typed.value]
    if ask == "size" and any(layer.layer.ceil_mode for layer in solution.analysis.layers[: solution.result.index]):
        return _CEIL_SIZE_NUDGE
    return _NUDGES[ask]


def _rounds_to(typed: TypedNumber, expected: Fraction, min_decimals: int = 2) -> bool:
    """Return whether a decimal is `expected` rounded or cut to its number of digits.

    With two or more digits this accepts 0.33, 0.333 and 0.67 (or 0.66) for 1/3
    and 2/3, which have no exact decimal.
    """
    if typed.decimals is None or typed.decimals < min_decimals:
        return False
    scale = 10**typed.decimals
    rounded = Fraction(round(expected * scale), scale)
    cut = Fraction(math.trunc(expected * scale), scale)
    return typed.value in (rounded, cut)


def _minimum_input_nudge(solution: Solution, typed: Fraction) -> str:
    if typed < solution.value:  # type: ignore[operator]
        return "With an input that small, some layer up to {layer} has no output unit."
    return "Every layer up to {layer} still has an output unit with a smaller input; look for the smallest."


def _check_pair(solution: Solution, ask: str, typed: tuple[int, int]) -> str | None:
    expected = solution.value
    assert isinstance(expected, tuple)
    if typed == expected:
        return None
    first, last = typed
    if (last, first) == expected:
        return "Write the first pixel first: an interval [u, v] has u \u2264 v."
    if ask == "clipped" and solution.analysis.input_size is not None:
        last_pixel = solution.analysis.input_size[solution.axis] - 1
        if first < 0 or last > last_pixel:
            # The bounds are not named, because for a large field they are the answer.
            return "A clipped interval contains only input pixels: it starts at pixel 0 or later and ends at the last pixel or earlier."
    if last - first == expected[1] - expected[0]:
        return "The length is right, but the position is not. " + _NUDGES[ask]
    if ask == "interval":
        return "Check the length: the interval [u, v] of a unit has v \u2212 u + 1 = r pixels. " + _NUDGES[ask]
    return _NUDGES[ask]


def _symbol(ask: str) -> str:
    return {"size": "The output size", "min_input": "The input size", "depth": "The depth"}.get(ask, ask)


def check_answer_json(request_json: str) -> str:
    """Run `check` on a JSON request and return the JSON reply; never raises.

    The request is {"ask", "layer", "unit", "axis", "input", "spec", "answer"},
    all strings, with the options as the block's fence line wrote them. The reply
    is {"status": "correct" | "not_yet" | "invalid" | "error", "message": str};
    "error" means the exercise itself is broken, which the site's build rejects.
    """
    try:
        if len(request_json) > MAX_REQUEST_LENGTH:
            raise ValueError(f"the request has {len(request_json)} characters, above the limit of {MAX_REQUEST_LENGTH}")
        request = json.loads(request_json)
        fields = {key: request.get(key, "") or "" for key in ("ask", "layer", "unit", "axis", "input", "spec", "answer")}
        if not all(isinstance(value, str) for value in fields.values()):
            raise TypeError("ask, layer, unit, axis, input, spec and answer must be strings")
    except RecursionError:
        return _error_reply("the request's JSON is nested too deeply")
    except (ValueError, TypeError, AttributeError) as error:
        return _error_reply(str(error))

    exercise = Exercise(
        ask=fields["ask"],
        layer=fields["layer"] or "last",
        spec=fields["spec"],
        unit=fields["unit"],
        axis=fields["axis"],
        input_size=fields["input"],
    )
    try:
        result = check(exercise, fields["answer"])
    except RFError as error:
        return _error_reply(str(error))
    return json.dumps(result.to_dict())


def _error_reply(reason: str) -> str:
    message = f"This exercise cannot be checked: {reason}. Open \u201cShow answer\u201d to compare your answer."
    return json.dumps({"status": "error", "message": message})


__all__ = [
    "CORRECT",
    "INVALID",
    "NOT_YET",
    "OPTIONS",
    "CheckResult",
    "Exercise",
    "Solution",
    "answer_html",
    "check",
    "check_answer_json",
    "answer_form",
    "input_label",
    "parse_block",
    "solve",
]
