"""Random and malformed input: every spec ends in a result or an RFError, quickly.

The calculators run rf_core on whatever a reader types, so no input may raise any
other exception or run for long. A SpecError from the parser must carry its line
and column. Each example has a hypothesis deadline, and a SIGALRM guard fails a
test that hangs inside a single call, which a deadline alone cannot interrupt.
"""

from __future__ import annotations

import json
import signal
import string
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rf_core import (
    MAX_LINE_LENGTH,
    MAX_MERGE_INPUTS,
    MAX_PERIOD,
    MAX_SPEC_LAYERS,
    MAX_SPEC_LENGTH,
    MAX_VALUE,
    LayerError,
    RFError,
    SpecError,
    analyze,
    parse_spec,
)
from rf_core.render_html import to_html
from rf_core.widget import render_calculator, render_calculator_json

FAST = settings(
    max_examples=120,
    deadline=timedelta(milliseconds=400),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Periods near MAX_PERIOD cost about 0.1 s per layer (each example runs twice), and specs near the layer
# limit render in about 1 s, so these get looser bounds.
PERIODIC = settings(
    max_examples=60, deadline=timedelta(seconds=3), suppress_health_check=[HealthCheck.too_slow]
)
LARGE = settings(max_examples=8, deadline=timedelta(seconds=4), suppress_health_check=[HealthCheck.too_slow])
MAX_SECONDS_PER_INPUT = 4.0
WALL_CLOCK_SECONDS_PER_TEST = 40

KINDS = [
    "conv", "maxpool", "avgpool", "convt", "upsample", "pad", "crop", "adaptivepool",
    "globalpool", "fc", "add", "concat", "relu", "bn", "input", "Conv2d", "deconv", "bogus",
]
OPTIONS = ["k", "s", "p", "d", "g", "op", "f", "o", "c", "name", "from", "ceil", "kernel", "stride", "x"]
NUMBERS = st.one_of(
    st.integers(-3, 12),
    st.sampled_from([0, 1, MAX_PERIOD, MAX_PERIOD + 1, MAX_VALUE, MAX_VALUE + 1, 10**30]),
)


@pytest.fixture(autouse=True)
def wall_clock_guard() -> Iterator[None]:
    """Fail a test whose examples together run longer than WALL_CLOCK_SECONDS_PER_TEST."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"test ran longer than {WALL_CLOCK_SECONDS_PER_TEST} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(WALL_CLOCK_SECONDS_PER_TEST)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_spec(text: str, input_size: str = "", unit: str = "") -> None:
    """Parse, analyse and render a spec; allow only results and RFErrors, within the time bound."""
    start = time.perf_counter()
    try:
        network = parse_spec(text)
    except SpecError as error:
        assert error.line is not None, f"SpecError without a line: {error}"
        assert error.column is not None, f"SpecError without a column: {error}"
    except LayerError:
        pass
    else:
        try:
            to_html(analyze(network))
        except RFError:
            pass
    result = render_calculator(text, input_size, unit)
    assert result.ok or result.error
    elapsed = time.perf_counter() - start
    assert elapsed < MAX_SECONDS_PER_INPUT, f"took {elapsed:.1f} s"


# --- Strategies -------------------------------------------------------------------


def axis_values(values: st.SearchStrategy) -> st.SearchStrategy[str]:
    """Write one value or up to four per-axis values joined with `x` (four is one too many)."""
    return st.lists(values.map(str), min_size=1, max_size=4).map("x".join)


def padding_values() -> st.SearchStrategy[str]:
    pair = st.tuples(NUMBERS, NUMBERS).map(lambda pair: f"{pair[0]}:{pair[1]}")
    return st.one_of(axis_values(NUMBERS), st.lists(pair, min_size=1, max_size=3).map("x".join), st.sampled_from(["same", "valid", "SAME", ":", "1:"]))


@st.composite
def statements(draw, names: list[str] | None = None) -> str:
    """Draw one statement from real and bogus kinds and options, with random values."""
    kind = draw(st.sampled_from(KINDS))
    parts = [kind]
    for _ in range(draw(st.integers(0, 4))):
        option = draw(st.sampled_from(OPTIONS))
        if option == "ceil":
            parts.append(draw(st.sampled_from(["ceil", "ceil=1"])))
        elif option == "name":
            parts.append("name=" + draw(st.sampled_from(["a", "b", "c", "input", "1.2", "-x", "a b"])))
        elif option == "from":
            pool = (names or []) + ["input", "missing", "a", "b"]
            sources = draw(st.lists(st.sampled_from(pool), min_size=0, max_size=4))
            parts.append("from=" + ",".join(sources))
        elif option == "p":
            parts.append("p=" + draw(padding_values()))
        else:
            parts.append(f"{option}=" + draw(axis_values(NUMBERS)))
    return " ".join(parts)


@st.composite
def token_specs(draw) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append("input " + draw(axis_values(st.integers(-1, 300))))
    lines.extend(draw(st.lists(statements(), max_size=8)))
    return "\n".join(lines)


@st.composite
def graph_specs(draw) -> str:
    """Draw a graph: named layers that read earlier layers, unknown names or duplicates."""
    size = draw(st.integers(1, 80))
    lines = [f"input {size}"]
    names: list[str] = []
    for index in range(draw(st.integers(1, 10))):
        name = f"n{index}"
        pool = names + ["input", "ghost"]
        if names and draw(st.booleans()):
            sources = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4))
            kind = draw(st.sampled_from(["add", "concat"]))
            lines.append(f"{kind} from={','.join(sources)} name={name}")
        else:
            source = draw(st.sampled_from(pool))
            kernel = draw(st.integers(1, 5))
            stride = draw(st.integers(1, 3))
            lines.append(f"conv k={kernel} s={stride} p={kernel // 2} from={source} name={name}")
        names.append(name)
    return "\n".join(lines)


@st.composite
def resize_specs(draw) -> str:
    """Draw chains of convt, upsample, crop, pad and adaptivepool with random values."""
    lines = ["input " + draw(axis_values(st.integers(1, 200)).filter(lambda text: text.count("x") < 3))]
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["convt", "upsample", "crop", "pad", "adaptivepool", "conv", "maxpool"]))
        value = st.one_of(st.integers(0, 9), st.sampled_from([MAX_PERIOD, MAX_PERIOD + 1, 99991, 65536]))
        if kind == "convt":
            lines.append(
                f"convt k={draw(value)} s={draw(value)} p={draw(value)} op={draw(st.integers(0, 3))} d={draw(value)}"
            )
        elif kind == "upsample":
            lines.append(f"upsample f={draw(value)}")
        elif kind in ("crop", "pad"):
            option = "c" if kind == "crop" else "p"
            lines.append(f"{kind} {option}={draw(value)}:{draw(value)}")
        elif kind == "adaptivepool":
            lines.append(f"adaptivepool o={draw(value)}")
        else:
            lines.append(f"{kind} k={draw(st.integers(1, 9))} s={draw(st.integers(1, 4))}")
    return "\n".join(lines)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
REQUEST_KEYS = ["spec", "input_size", "unit", "printout", "preset"]


# --- Tests ------------------------------------------------------------------------


@FAST
@given(token_specs())
def test_random_tokens_end_cleanly(text):
    check_spec(text)


@FAST
@given(st.text(max_size=300))
def test_random_unicode_ends_cleanly(text):
    check_spec(text)


@FAST
@given(st.text(alphabet=string.printable, max_size=300), st.text(max_size=12), st.text(max_size=12))
def test_random_inputs_and_units(text, input_size, unit):
    check_spec(text, input_size, unit)


@FAST
@given(graph_specs())
def test_random_graphs_end_cleanly(text):
    check_spec(text)


@PERIODIC
@given(resize_specs(), st.sampled_from(["", "0", "5", "3,4"]))
def test_resizing_layers_end_cleanly(text, unit):
    check_spec(text, unit=unit)


@FAST
@given(st.integers(MAX_VALUE + 1, 10**400), st.sampled_from(["k", "s", "p", "d", "input"]))
def test_huge_numbers_rejected_with_position(number, option):
    text = f"input {number}" if option == "input" else f"input 32\nconv k=3 {option}={number}"
    # One digit above MAX_VALUE's is a LayerError from range checking, more digits a SpecError.
    with pytest.raises(RFError) as raised:
        parse_spec(text)
    assert raised.value.line is not None
    assert raised.value.column is not None


def test_megabyte_spec_rejected_at_once():
    text = "conv k=3\n" * (1_000_000 // 9)
    start = time.perf_counter()
    with pytest.raises(SpecError) as raised:
        parse_spec(text)
    elapsed = time.perf_counter() - start

    assert "limit of 200000" in raised.value.message
    assert raised.value.line == MAX_SPEC_LENGTH // 9 + 1
    assert elapsed < 0.5


@LARGE
@given(st.integers(MAX_LINE_LENGTH + 1, 5 * MAX_LINE_LENGTH), st.integers(1, 5))
def test_long_line_rejected_with_position(length, line):
    text = "conv k=3\n" * (line - 1) + "conv k=3 " + "#" * length
    with pytest.raises(SpecError) as raised:
        parse_spec(text)
    assert raised.value.line == line
    assert raised.value.column == MAX_LINE_LENGTH + 1


@LARGE
@given(st.integers(MAX_SPEC_LAYERS - 2, MAX_SPEC_LAYERS + 50), st.sampled_from(["conv k=3 p=1", "relu", "convt k=2 s=2"]))
def test_many_layers_bounded(count, statement):
    text = "input 16x16\n" + f"{statement}\n" * count
    check_spec(text, unit="1,2")
    if count > MAX_SPEC_LAYERS:
        with pytest.raises(SpecError) as raised:
            parse_spec(text)
        assert raised.value.line == MAX_SPEC_LAYERS + 2


def test_merge_input_limit_named():
    names = [f"b{index}" for index in range(MAX_MERGE_INPUTS + 1)]
    text = "input 8\n" + "".join(f"relu name={name}\n" for name in names) + f"add from={','.join(names)}\n"
    with pytest.raises(LayerError) as raised:
        parse_spec(text)
    assert str(MAX_MERGE_INPUTS) in raised.value.message
    assert raised.value.line == len(names) + 2


def test_merge_duplicate_and_unknown_inputs():
    check_spec("input 8\nconv k=3 name=a\nadd from=a,a")
    with pytest.raises(LayerError) as raised:
        parse_spec("input 8\nconv k=3 name=a\nadd from=a,ghost")
    assert "ghost" in raised.value.message
    assert raised.value.line == 3


@pytest.mark.parametrize(
    "text",
    [
        "input 10\nglobalpool\nconv k=3",
        "input 10\nadaptivepool o=1\nconv k=3",
        f"input 10\nconvt k=3 s={MAX_VALUE}",
        f"input 10\nupsample f={MAX_VALUE}",
        "input 10\nadaptivepool o=999999937",
        "input 1000000000\nupsample f=99991\nupsample f=99989\nconv k=3",
        "input 4\nconvt k=1 s=100000\nconv k=50000\nconv k=3\nconv k=3\nconv k=3",
        "input 8\nupsample f=1000\n" + "relu\n" * 400,
    ],
)
def test_former_hangs_end_with_error(text):
    start = time.perf_counter()
    result = render_calculator(text)
    elapsed = time.perf_counter() - start

    assert not result.ok
    assert result.line is not None, result.error
    assert elapsed < 2.0


@FAST
@given(st.dictionaries(st.sampled_from(REQUEST_KEYS + ["other"]), JSON_VALUES, max_size=6))
def test_calculator_json_random_objects(request):
    reply = json.loads(render_calculator_json(json.dumps(request)))
    assert reply["ok"] in (True, False)
    if not reply["ok"]:
        assert isinstance(reply["error"]["message"], str)


@FAST
@given(JSON_VALUES)
def test_calculator_json_random_values(value):
    reply = json.loads(render_calculator_json(json.dumps(value)))
    assert reply["ok"] in (True, False)


@FAST
@given(st.text(max_size=200))
def test_calculator_json_malformed_text(text):
    reply = json.loads(render_calculator_json(text))
    assert reply["ok"] in (True, False)


def test_calculator_json_oversized_request():
    request = json.dumps({"spec": "relu\n" * 300_000})
    reply = json.loads(render_calculator_json(request))
    assert reply["ok"] is False
    assert "above the limit" in reply["error"]["message"]


def test_calculator_json_deep_nesting():
    reply = json.loads(render_calculator_json("[" * 100_000 + "]" * 100_000))
    assert reply["ok"] is False
