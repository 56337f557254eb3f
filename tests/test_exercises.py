"""Exercises: answers solved for hand-worked networks, typed answers parsed and checked."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import draw_network, spec_text
from rf_core import analyze, parse_spec
from rf_core.answers import MAX_ANSWER_LENGTH, AnswerFormatError, parse_number, parse_pair
from rf_core.errors import RFError
from rf_core.exercises import (
    CORRECT,
    INVALID,
    NOT_YET,
    Exercise,
    answer_html,
    check,
    check_answer_json,
    input_label,
    parse_block,
    solve,
)
from rf_core.quantities import QUANTITIES, UNIT_QUANTITIES, format_value, quantity

# conv k=3 then maxpool k=2 s=2 on 8 pixels:
#   r = 1 + (3 - 1)·1 + (2 - 1)·1 = 4, S = 1·2 = 2, P = 0, start = -0 + (4 - 1)/2 = 1.5,
#   sizes floor((8 - 3)/1) + 1 = 6 and floor((6 - 2)/2) + 1 = 3,
#   unit 2 of pool: u = 0 + 2·2 = 4, v = 4 + 4 - 1 = 7, centre 5.5,
#   the smallest input: pool needs 2 conv units, conv gives n - 2, so n = 4.
CLASSIC = "input 8\nconv k=3 name=conv\nmaxpool k=2 s=2 name=pool"

# Dilation 2 with padding 2, then stride 2 with padding 1, then a ceil-mode pool:
#   K = 2·(3 - 1) + 1 = 5, 3, 3; jumps into the layers 1, 1, 2.
#   r = 1 + 2·(3 - 1)·1 + 1·(3 - 1)·1 + 1·(3 - 1)·2 = 1 + 4 + 2 + 4 = 11
#   S = 1·2·2 = 4, P = 2·1 + 1·1 + 0·2 = 3, start = -3 + (11 - 1)/2 = 2
#   sizes: floor((16 + 4 - 5)/1) + 1 = 16, floor((16 + 2 - 3)/2) + 1 = 8,
#   ceil((8 - 3)/2) + 1 = 4 (the last window starts at 6 < 8, so it stays).
DILATED = "input 16\nconv k=3 d=2 p=2 name=a\nconv k=3 s=2 p=1 name=b\nmaxpool k=3 s=2 ceil name=c"

# Floor mode leaves pixel 9 unread: c1 has floor((10 - 3)/2) + 1 = 4 units over pixels 0..8.
#   b: r = 1 + 2·1 + 2·2 = 7, S = 2, P = 0·1 + 1·2 = 2; unit 3: u = -2 + 3·2 = 4, v = 10.
#   Clipping [4, 10] to [0, 9] gives [4, 9], but unit 3 reads c1 units 2 and 3 and
#   the padding, so only pixels 4..8 reach it.
FLOOR = "input 10\nconv k=3 s=2 name=c1\nconv k=3 p=1 name=b"

# 2-D: height k=3 s=2 p=1 on 16, width k=5 s=2 p=2 on 12.
#   height: r = 3, P = 1, size floor((16 + 2 - 3)/2) + 1 = 8
#   width:  r = 5, P = 2, size floor((12 + 4 - 5)/2) + 1 = 6
TWO_D = "input 16x12\nconv k=3x5 s=2 p=1x2 name=a"

# Upsampling by 3 after a stride-1 layer: S = 1·(1/3) = 1/3.
THIRDS = "input 8\nconv k=3 name=c\nupsample f=3 name=up"

# Three typical slips give three different wrong values here:
#   r = 1 + 3·(3 - 1)·1 + (3 - 1)·1 + (3 - 1)·2 = 1 + 6 + 2 + 4 = 13
#   without jumps:   1 + 6 + 2 + 2 = 11
#   without dilation: 1 + 2 + 2 + 4 = 9
#   without the 1:   6 + 2 + 4 = 12
MISTAKES = "input 32\nconv k=3 d=3 name=a\nconv k=3 s=2 name=b\nconv k=3 name=c"


def _solve(ask: str, spec: str, layer: str = "last", **options: str):
    return solve(Exercise(ask=ask, layer=layer, spec=spec, **options))


# --- Solving ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ask", "layer", "unit", "expected"),
    [
        ("r", "pool", "", 4),
        ("r_min", "pool", "", 4),
        ("S", "pool", "", 2),
        ("P", "pool", "", 0),
        ("start", "pool", "", 1.5),
        ("size", "pool", "", 3),
        ("size", "conv", "", 6),
        ("interval", "pool", "2", (4, 7)),
        ("clipped", "pool", "2", (4, 7)),
        ("centre", "pool", "2", 5.5),
        ("min_input", "pool", "", 4),
        ("depth", "pool", "", 2),
        ("depth", "1", "", 1),
    ],
)
def test_classic_answers(ask, layer, unit, expected) -> None:
    assert _solve(ask, CLASSIC, layer, unit=unit).value == expected


@pytest.mark.parametrize(
    ("ask", "expected"), [("r", 11), ("S", 4), ("P", 3), ("start", 2), ("size", 4)]
)
def test_dilated_padded_answers(ask, expected) -> None:
    assert _solve(ask, DILATED).value == expected


def test_dilated_workings_show_recurrence() -> None:
    assert _solve("r", DILATED).working.startswith(
        "r = 1 + 2·(3 \u2212 1)·1 + 1·(3 \u2212 1)·1 + 1·(3 \u2212 1)·2 = 11."
    )
    assert _solve("S", DILATED).working.startswith("S = 1·2·2 = 4")
    assert _solve("P", DILATED).working.startswith("P = 2·1 + 1·1 + 0·2 = 3")
    assert _solve("start", DILATED).working == "start = \u2212P + (r \u2212 1)/2 = \u22123 + (11 \u2212 1)/2 = 2."
    assert _solve("size", DILATED).working == (
        "a: \u230a(16 + 2 + 2 \u2212 5)/1\u230b + 1 = 16; b: \u230a(16 + 1 + 1 \u2212 3)/2\u230b + 1 = 8; "
        "c: \u2308(8 \u2212 3)/2\u2309 + 1 = 4."
    )


def test_classic_working_matches_example() -> None:
    solution = _solve("r", CLASSIC, "pool")
    assert solution.working.startswith("r = 1 + (3 \u2212 1)·1 + (2 \u2212 1)·1 = 4.")
    assert solution.text == "4"
    assert solution.description == "the receptive field r of layer 2 (pool)"


def test_interval_working_uses_unit() -> None:
    working = _solve("interval", CLASSIC, "pool", unit="2").working
    assert working == "u = \u2212P + i·S = 0 + 2·2 = 4 and v = u + r \u2212 1 = 4 + 4 \u2212 1 = 7."


def test_clipped_narrower_than_interval() -> None:
    assert _solve("interval", FLOOR, unit="3").value == (4, 10)
    solution = _solve("clipped", FLOOR, unit="3")
    assert solution.value == (4, 8)
    assert "would be [4, 9]" in solution.working
    assert solution.working.endswith("leaves [4, 8].")


def test_two_d_axis_choice() -> None:
    assert _solve("r", TWO_D, axis="height").value == 3
    assert _solve("r", TWO_D, axis="width").value == 5
    # Without axis= the width, the last axis, is asked.
    assert _solve("r", TWO_D).value == 5
    assert _solve("size", TWO_D, axis="height").value == 8
    assert _solve("P", TWO_D).value == 2
    assert _solve("r", TWO_D, axis="height").description.endswith("along the height")


def test_input_option_overrides_spec() -> None:
    # conv k=3 on 20 pixels gives 18 units, and the pool floor((18 - 2)/2) + 1 = 9.
    assert _solve("size", CLASSIC, "pool", input_size="20").value == 9


def test_fraction_stride_and_traced_working() -> None:
    solution = _solve("S", THIRDS)
    assert solution.value == Fraction(1, 3)
    assert solution.text == "1/3"
    assert solution.working.startswith("S = 1·(1/3) = 1/3")


def test_graph_falls_back_to_traced_fields() -> None:
    # a: r = 3, P = 1; c (k=1) keeps a's field; the add of a and c has r = 3.
    spec = "input 16\nconv k=3 p=1 name=a\nconv k=1 name=c from=a\nadd from=a,c name=m"
    solution = _solve("r", spec)
    assert solution.value == 3
    assert solution.working == "rf_core traced the field of every unit of m back to the input: each spans 3 pixels."


def test_minimum_input_working() -> None:
    working = _solve("min_input", CLASSIC, "pool").working
    assert working == "With an input of 4 the output sizes are conv 2, pool 1; with 3, pool would have no output unit."


# --- Parsing blocks ------------------------------------------------------------------


BODY = "What is r?\n---\nAdd the layers.\n---\n" + CLASSIC


def test_block_sections_parsed() -> None:
    exercise = parse_block(BODY, {"ask": "r", "layer": "pool"})
    assert exercise.question == "What is r?"
    assert exercise.hint == "Add the layers."
    assert exercise.spec.startswith("input 8")
    assert exercise.spec_line == 5
    assert exercise.layer == "pool"


def test_block_layer_defaults_to_last() -> None:
    assert parse_block(BODY, {"ask": "r"}).layer == "last"


def test_block_missing_section_rejected() -> None:
    with pytest.raises(RFError, match="has 2 sections but needs 3"):
        parse_block("What is r?\n---\n" + CLASSIC, {"ask": "r"})


def test_block_empty_hint_names_line() -> None:
    with pytest.raises(RFError, match="hint section is empty") as caught:
        parse_block("What is r?\n---\n\n---\n" + CLASSIC, {"ask": "r"})
    assert caught.value.line == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"ask": "rf"}, "ask='rf' is invalid; use one of r, r_min"),
        ({"ask": "r", "colour": "red"}, "exercise option 'colour' is unknown"),
        ({"ask": "interval"}, "give its index, such as unit=0"),
        ({"ask": "r", "unit": "2"}, "unit=2 applies only to"),
        ({"ask": "centre", "unit": "x"}, "unit='x' is invalid"),
        ({"ask": "r", "input": "0"}, "input size 0 is invalid"),
    ],
)
def test_block_invalid_options_rejected(options, message) -> None:
    with pytest.raises(RFError, match=message.replace("(", r"\(")):
        parse_block(BODY, options)


def test_unknown_layer_rejected() -> None:
    with pytest.raises(RFError, match="layer 'fc' is not in the network"):
        _solve("r", CLASSIC, "fc")


def test_spec_error_line_offset() -> None:
    # The spec starts on body line 5, so its line 2 is body line 6.
    exercise = parse_block("Q\n---\nH\n---\ninput 8\nconv k=0", {"ask": "r"})
    with pytest.raises(RFError, match="kernel size 0") as caught:
        solve(exercise)
    assert caught.value.line == 6


def test_unknown_value_rejected() -> None:
    # `same` padding with stride 2 depends on the input size, which is not given.
    with pytest.raises(RFError, match="P of layer a \\(conv\\) is unknown"):
        _solve("P", "conv k=3 s=2 p=same name=a")


# --- Parsing typed answers --------------------------------------------------------------


WHOLE = "one whole number, such as 12"
PAIR = "two whole numbers, such as 3, 6"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("4", Fraction(4)),
        (" 4 ", Fraction(4)),
        ("-1", Fraction(-1)),
        ("\u22121", Fraction(-1)),
        ("+3", Fraction(3)),
        ("1/2", Fraction(1, 2)),
        ("1 / 2", Fraction(1, 2)),
        ("0.5", Fraction(1, 2)),
        (".5", Fraction(1, 2)),
        ("4.0", Fraction(4)),
        ("r = 4", Fraction(4)),
        ("S=1/2", Fraction(1, 2)),
        ("4 px", Fraction(4)),
        ("4 pixels", Fraction(4)),
    ],
)
def test_number_forms_accepted(typed, expected) -> None:
    assert parse_number(typed, WHOLE).value == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("[3, 6]", (3, 6)),
        ("3,6", (3, 6)),
        ("3 6", (3, 6)),
        ("(3; 6)", (3, 6)),
        ("3 to 6", (3, 6)),
        ("3..6", (3, 6)),
        ("3\u20136", (3, 6)),
        ("[-1, 2]", (-1, 2)),
        ("\u22121, 2", (-1, 2)),
        (" [ 3 , 6 ] ", (3, 6)),
    ],
)
def test_pair_forms_accepted(typed, expected) -> None:
    assert parse_pair(typed, PAIR) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type an answer first: one whole number, such as 12."),
        ("   ", "Type an answer first: one whole number, such as 12."),
        ("abc", "\u201cabc\u201d is not a number. Type one whole number, such as 12."),
        ("3, 6", "\u201c3, 6\u201d is 2 numbers. Type one whole number, such as 12."),
        ("1/0", "\u201c1/0\u201d divides by zero. Type one whole number, such as 12."),
        ("4..", "\u201c4..\u201d is not a number. Type one whole number, such as 12."),
        ("x" * (MAX_ANSWER_LENGTH + 1), "The answer has 101 characters, which is too long."),
    ],
)
def test_malformed_number_messages(typed, message) -> None:
    with pytest.raises(AnswerFormatError) as caught:
        parse_number(typed, WHOLE)
    assert caught.value.message.startswith(message)


def test_decimal_comma_message() -> None:
    with pytest.raises(AnswerFormatError, match="with a point for decimals"):
        parse_number("2,5", "one number, such as 3 or -1.5", decimals_expected=True)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("5", "\u201c5\u201d is one number, but an interval has two"),
        ("1, 2, 3", "\u201c1, 2, 3\u201d is 3 numbers. Type two whole numbers, such as 3, 6."),
        ("3.5, 6", "\u201c3.5, 6\u201d is not two whole numbers. Type two whole numbers, such as 3, 6."),
        ("[3,", "\u201c[3,\u201d is not two whole numbers."),
        ("three, six", "is not two whole numbers"),
        ("", "Type an answer first: two whole numbers, such as 3, 6."),
    ],
)
def test_malformed_pair_messages(typed, message) -> None:
    with pytest.raises(AnswerFormatError) as caught:
        parse_pair(typed, PAIR)
    assert message in caught.value.message


def test_long_typed_text_cut_in_message() -> None:
    with pytest.raises(AnswerFormatError) as caught:
        parse_number("y" * 60, WHOLE)
    assert "y" * 39 + "\u2026\u201d" in caught.value.message
    assert "y" * 40 not in caught.value.message


@given(st.text(max_size=120))
def test_parsers_raise_only_format_errors(text) -> None:
    for parser, form in ((parse_number, WHOLE), (parse_pair, PAIR)):
        try:
            parser(text, form)
        except AnswerFormatError as error:
            assert error.message.endswith(".")


# --- Checking -----------------------------------------------------------------------


def _check(ask: str, spec: str, answer: str, layer: str = "last", **options: str):
    return check(Exercise(ask=ask, layer=layer, spec=spec, **options), answer)


@pytest.mark.parametrize("typed", ["4", " 4 ", "4.0", "r = 4", "4 px", "8/2"])
def test_right_number_correct(typed) -> None:
    result = _check("r", CLASSIC, typed, "pool")
    assert result.status == CORRECT
    assert result.message == "Correct: the receptive field r of layer 2 (pool) is 4."


@pytest.mark.parametrize("typed", ["[4, 7]", "4,7", "4 7", "4 to 7"])
def test_right_interval_correct(typed) -> None:
    assert _check("interval", CLASSIC, typed, "pool", unit="2").status == CORRECT


@pytest.mark.parametrize("typed", ["1/3", "2/6", "0.33", "0.333", "0.3333"])
def test_fraction_decimals_correct(typed) -> None:
    assert _check("S", THIRDS, typed).status == CORRECT


@pytest.mark.parametrize("typed", ["0.5", "1/2", "2/4"])
def test_half_stride_forms_correct(typed) -> None:
    # upsample f=2 on its own: S = 1/2.
    assert _check("S", "input 8\nupsample f=2 name=up", typed).status == CORRECT


@pytest.mark.parametrize("typed", ["1.5", "3/2", "1.50"])
def test_half_pixel_start_correct(typed) -> None:
    assert _check("start", CLASSIC, typed, "pool").status == CORRECT


def test_wrong_answer_never_states_value() -> None:
    for wrong in ("5", "2", "100", "-3"):
        result = _check("r", CLASSIC, wrong, "pool")
        assert result.status == NOT_YET
        assert result.message.startswith("Not yet.")
        assert " 4" not in result.message


@pytest.mark.parametrize(
    ("typed", "nudge"),
    [
        ("11", "Multiply each layer's d·(k \u2212 1) by the jump S of its input"),
        ("9", "Include the dilation"),
        ("12", "Start from r = 1"),
        ("13.5", "r counts input pixels, so the answer is a whole number."),
        ("0", "r is at least 1 here."),
    ],
)
def test_common_mistakes_nudged(typed, nudge) -> None:
    result = _check("r", MISTAKES, typed)
    assert result.status == NOT_YET
    assert nudge in result.message


def test_stride_sum_nudged() -> None:
    # Strides 1, 2, 2 of DILATED multiply to 4; their sum is 5.
    assert "Strides multiply" in _check("S", DILATED, "5").message


def test_depth_without_activations_nudged() -> None:
    # Three layers, one of them a ReLU; counting only conv and pool gives 2.
    spec = "input 8\nconv k=3\nrelu\nmaxpool k=2 s=2 name=pool"
    assert _check("depth", spec, "3").status == CORRECT
    assert "activations and normalizations too" in _check("depth", spec, "2").message


def test_size_nudge_names_ceil_mode() -> None:
    # DILATED's pool c is in ceil mode: 4 units, where floor((8 - 3)/2) + 1 = 3.
    # CLASSIC has no ceil-mode layer, so its nudge gives only the floor formula.
    assert _check("size", DILATED, "4", "c").status == CORRECT
    assert "ceil mode rounds up instead" in _check("size", DILATED, "3", "c").message
    assert "ceil mode" not in _check("size", CLASSIC, "4", "pool").message


def test_minimum_input_direction_nudged() -> None:
    assert "has no output unit" in _check("min_input", CLASSIC, "3", "pool").message
    assert "look for the smallest" in _check("min_input", CLASSIC, "6", "pool").message


def test_interval_nudges() -> None:
    assert "Write the first pixel first" in _check("interval", CLASSIC, "7, 4", "pool", unit="2").message
    assert "The length is right" in _check("interval", CLASSIC, "5, 8", "pool", unit="2").message
    assert "Check the length" in _check("interval", CLASSIC, "4, 9", "pool", unit="2").message
    assert "contains only input pixels" in _check("clipped", FLOOR, "4, 10", unit="3").message


def test_clipped_nudge_hides_input_bounds() -> None:
    # k=7 p=3 on 4 pixels: unit 0 covers [-3, 3], so its clipped interval is the whole input [0, 3].
    result = _check("clipped", "input 4\nconv k=7 p=3 name=a", "-3, 3", unit="0")
    assert result.status == NOT_YET
    assert "3" not in result.message.removeprefix("Not yet.")


def test_too_coarse_decimal_nudged() -> None:
    result = _check("S", THIRDS, "0.3")
    assert result.status == NOT_YET
    assert "two or more decimals" in result.message


def test_malformed_answer_invalid() -> None:
    result = _check("interval", CLASSIC, "4", "pool", unit="2")
    assert result.status == INVALID
    assert result.message.startswith("\u201c4\u201d is one number")


def test_form_example_differs_from_answer() -> None:
    # The classic answer for r is 4, so the label may say 12; for an answer of 12, it says 7.
    assert input_label(_solve("r", CLASSIC), "r") == "Your answer (one whole number, such as 12)"
    twelve = "input 32\nconv k=12 name=a"
    assert input_label(_solve("r", twelve), "r") == "Your answer (one whole number, such as 7)"
    assert "such as 2, 9" in input_label(_solve("interval", "input 8\nconv k=4", unit="3"), "interval")


def test_answer_html_states_value_and_working() -> None:
    markup = answer_html(_solve("r", CLASSIC, "pool"))
    assert markup.startswith(
        '<p class="rf-exercise__value">Answer: the receptive field r of layer 2 (pool) is <strong>4</strong>.</p>'
    )
    assert '<p class="rf-exercise__working">r = 1 + (3 \u2212 1)·1 + (2 \u2212 1)·1 = 4.' in markup


# --- JSON interface of the browser worker ----------------------------------------------------


def _request(**fields: str) -> str:
    base = {"ask": "r", "layer": "pool", "unit": "", "axis": "", "input": "", "spec": CLASSIC, "answer": "4"}
    return json.dumps({**base, **fields})


def test_json_check_correct() -> None:
    reply = json.loads(check_answer_json(_request()))
    assert reply == {"status": "correct", "message": "Correct: the receptive field r of layer 2 (pool) is 4."}


def test_json_check_escapes_nothing_itself() -> None:
    # The reply is text; the page puts it in with textContent, so markup stays text.
    reply = json.loads(check_answer_json(_request(answer="<img src=x onerror=alert(1)>")))
    assert reply["status"] == "invalid"
    assert "\u201c<img src=x onerror=alert(1)>\u201d is not a number" in reply["message"]


@pytest.mark.parametrize(
    "request_json",
    ["", "[", "null", "[1, 2]", '{"ask": 3}', '{"answer": ["4"]}', "[" * 5000 + "]" * 5000],
)
def test_json_malformed_request_error(request_json) -> None:
    reply = json.loads(check_answer_json(request_json))
    assert reply["status"] == "error"
    assert reply["message"].startswith("This exercise cannot be checked: ")
    assert "Show answer" in reply["message"]


def test_json_broken_exercise_error() -> None:
    reply = json.loads(check_answer_json(_request(layer="fc")))
    assert reply["status"] == "error"
    assert "layer 'fc' is not in the network" in reply["message"]


@given(st.text(max_size=200))
def test_json_check_never_raises(answer) -> None:
    reply = json.loads(check_answer_json(_request(answer=answer)))
    assert reply["status"] in ("correct", "not_yet", "invalid")


# --- Random networks -----------------------------------------------------------------------


def _numbers_in(value) -> list[str]:
    """Format each number of a value as workings write it, with a real minus sign."""
    parts = value if isinstance(value, tuple) else (value,)
    return [format_value(part).replace("-", "\u2212") for part in parts]


@pytest.mark.parametrize("seed", range(40))
def test_random_networks_solved_and_checked(seed) -> None:
    rng = random.Random(seed)
    num_axes = rng.choice((1, 2))
    size, layers = draw_network(rng, num_axes)
    spec = spec_text(size, layers)
    analysis = analyze(parse_spec(spec))
    axis = rng.randrange(num_axes)
    axis_text = ("height", "width")[axis] if num_axes == 2 else ""

    for ask in QUANTITIES:
        unit = None
        if ask in UNIT_QUANTITIES:
            unit = rng.randrange(analysis.layers[-1].axes[axis].output_size)
        exercise = Exercise(ask=ask, layer="last", spec=spec, unit="" if unit is None else str(unit), axis=axis_text)
        try:
            expected = quantity(analysis, "last", ask, unit=unit, axis=axis)
        except RFError:
            # Such as the clipped interval of a unit that reads only padding.
            with pytest.raises(RFError):
                solve(exercise)
            continue
        solution = solve(exercise)

        assert solution.value == expected
        for number in _numbers_in(solution.value):
            assert number in solution.working, (ask, solution.working)
        assert check(exercise, solution.text).status == CORRECT
        wrong = (solution.value[0] - 1, solution.value[1]) if isinstance(solution.value, tuple) else solution.value + 1
        assert check(exercise, format_value(wrong)).status == NOT_YET
