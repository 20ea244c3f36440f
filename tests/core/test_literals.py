"""Safe parsing of typed text: unit tests plus hypothesis fuzzing.

Two promises are checked: any text at all either parses or raises
LiteralError (nothing else escapes), and valid text parses to exactly the
value it spells. Nothing is ever evaluated.
"""

from __future__ import annotations

import builtins
import math
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradviz.core import literals
from gradviz.core.literals import (
    LiteralError,
    format_index,
    format_number,
    format_tensor_literal,
    literal_shape,
    parse_float,
    parse_index,
    parse_int,
    parse_int_list,
    parse_number,
    parse_shape,
    parse_tensor_literal,
)

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PARSERS = [
    parse_tensor_literal,
    parse_number,
    parse_shape,
    lambda t: parse_shape(t, allow_infer=True),
    parse_index,
    parse_int_list,
    parse_int,
    parse_float,
]

# Text built from the characters these parsers care about reaches deeper paths
# than st.text() alone.
LITERALISH = st.text(alphabet="[](),:;.-+e0123456789 _infaTrueFlsNo.j'\"\\\n\t", max_size=60)


def _same(a: Any, b: Any) -> bool:
    """Equality that treats nan as equal to nan and keeps int/float/bool apart."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


# ------------------------------------------------------------------ fuzzing
@pytest.mark.parametrize("parse", PARSERS)
@FUZZ
@given(text=st.one_of(st.text(), LITERALISH))
def test_any_text_parses_or_raises_literal_error(parse, text):
    try:
        parse(text)
    except LiteralError as exc:
        assert str(exc)  # a message for the status bar, never empty


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize(
    "text",
    [
        "-" * 1200 + "1",  # deeper than Python's recursion limit, as signs
        "-" * 20_000 + "1",
        "[" * 5000 + "]" * 5000,
        "(" * 300 + "1" + ")" * 300,
        "[" * 40 + "1" + "]" * 40,  # nested deeper than allowed
        "1" * 5000,  # more digits than Python converts
        "\x00",
        "\ud800",
        "x" * 200_000,
        "1e999999",
        "0x" + "f" * 100,
    ],
    ids=lambda t: repr(t[:12]),
)
def test_hostile_text_raises_only_literal_error(parse, text):
    try:
        parse(text)
    except LiteralError as exc:
        assert len(str(exc)) < 300  # a short status-bar line, not the whole input


def test_many_signs_still_parse_correctly():
    assert parse_number("-" * 1501 + "2") == -2
    assert parse_number("-" * 1500 + "2") == 2
    assert parse_number("+-+-3.5") == 3.5
    assert parse_tensor_literal("[" + "-" * 2001 + "1]") == [-1]


# --------------------------------------------------------------- round trips
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)


@st.composite
def nested(draw: Any) -> Any:
    """A rectangular nested list of one kind of number, or a scalar."""
    shape = draw(st.lists(st.integers(0, 3), max_size=4))
    kind = draw(
        st.sampled_from(
            [
                st.integers(-1000, 1000),
                st.floats(allow_nan=True, allow_infinity=True, width=32),
                st.booleans(),
            ]
        )
    )

    def build(dims: list[int]) -> Any:
        if not dims:
            return draw(kind)
        return [build(dims[1:]) for _ in range(dims[0])]

    return build(shape)


@FUZZ
@given(value=nested(), spaced=st.booleans(), tuples=st.booleans(), code=st.booleans())
def test_tensor_literal_round_trip(value, spaced, tuples, code):
    text = format_tensor_literal(value) if code else _typed(value)
    if tuples:  # tuples are accepted too: (1, 2) is a row
        text = text.replace("[", "(").replace("]", ",)").replace("(,)", "()")
    if spaced:
        text = f"  {text}\n"
    parsed = parse_tensor_literal(text)
    assert _same(parsed, value)
    tensor = torch.tensor(parsed) if parsed != [] else torch.tensor([])
    assert tuple(tensor.shape) == literal_shape(parsed)


def _typed(value: Any) -> str:
    """How a person types a value: repr, with nan and inf as bare names."""
    if isinstance(value, list):
        return "[" + ", ".join(_typed(v) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # 'nan', 'inf', '-inf'
    return repr(value)


@FUZZ
@given(value=NUMBERS)
def test_number_round_trip(value):
    assert _same(parse_number(_typed(value)), value)
    assert _same(parse_number(format_number(value)), value)  # the code form reads back too


@FUZZ
@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_float_round_trip(value):
    parsed = parse_float(repr(value))
    assert parsed == value and isinstance(parsed, float)


@FUZZ
@given(
    dims=st.lists(st.integers(0, 6), max_size=6),
    style=st.sampled_from(["{}", "({})", "[{}]"]),
)
def test_shape_round_trip(dims, style):
    body = ", ".join(map(str, dims))
    if style == "({})" and len(dims) == 1:
        body += ","
    shape = parse_shape(style.format(body)) if dims or style != "{}" else ()
    assert shape == tuple(dims)
    assert torch.zeros(shape).shape == tuple(dims)


@FUZZ
@given(dims=st.lists(st.integers(1, 5), min_size=1, max_size=4), where=st.integers(0, 3))
def test_shape_with_one_inferred_size_matches_torch(dims, where):
    numel = math.prod(dims)
    spec = list(dims)
    spec[where % len(spec)] = -1
    shape = parse_shape(", ".join(map(str, spec)), allow_infer=True)
    assert torch.arange(numel).reshape(shape).shape == tuple(dims)
    with pytest.raises(LiteralError, match="non-negative"):
        parse_shape(", ".join(map(str, spec)))


@FUZZ
@given(items=st.lists(st.integers(-100, 100), max_size=6), brackets=st.booleans())
def test_int_list_round_trip(items, brackets):
    text = ", ".join(map(str, items))
    if brackets:
        text = f"[{text}]"
    if not items and not brackets:
        with pytest.raises(LiteralError, match="empty"):
            parse_int_list(text)
    else:
        assert parse_int_list(text) == tuple(items)


SLICE_PART = st.one_of(st.none(), st.integers(-5, 5))
INDEX_ITEM = st.one_of(
    st.integers(-3, 2),
    st.builds(slice, SLICE_PART, SLICE_PART, st.one_of(st.none(), st.integers(1, 3))),
    st.just(Ellipsis),
    st.none(),
    st.lists(st.integers(-3, 2), min_size=1, max_size=3),
)


@FUZZ
@given(index=st.lists(INDEX_ITEM, min_size=1, max_size=4))
def test_index_round_trip_and_torch_agrees(index):
    index = tuple(index)
    parsed = parse_index(format_index(index))
    assert parsed == index
    x = torch.arange(3 * 4 * 5).reshape(3, 4, 5)
    try:
        expected = x[index]
    except (IndexError, RuntimeError, TypeError, ValueError):
        return  # not a valid index for this tensor; the parse round trip is what matters
    assert torch.equal(x[parsed], expected)


# --------------------------------------------------------------- unit tests
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("-2.5", -2.5),
        ("1e-3", 0.001),
        ("1_000", 1000),
        ("0x10", 16),
        ("True", True),
        ("inf", math.inf),
        ("-inf", -math.inf),
        ("float('nan')", math.nan),
        ("[float('-inf'), 1]", [-math.inf, 1]),
        ("[1, 2.5]", [1, 2.5]),
        ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
        ("((1, 2), (3, 4))", [[1, 2], [3, 4]]),
        ("[True, False]", [True, False]),
        ("[]", []),
        ("[[], []]", [[], []]),
        ("  [1,\n 2]  ", [1, 2]),
    ],
)
def test_tensor_literal_values(text, value):
    assert _same(parse_tensor_literal(text), value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2", "not valid syntax"),
        ("[[1, 2], [3]]", "ragged"),
        ("[[1, 2], 3]", "ragged"),
        ("[1, x]", "the name 'x'"),
        ("[1, 'a']", "str 'a'"),
        ("1j", "complex"),
        ("[1, 2 + 3]", "binop"),
        ("-True", "negate a boolean"),
        ("{1: 2}", "dict"),
        ("float('1.5')", "a function call"),
        ("float(x='nan')", "a function call"),
        ("int('nan')", "a function call"),
        ("", "empty input"),
        ("[" * 40 + "]" * 40, "nested deeper"),
        ("x" * 100_001, "too long"),
    ],
)
def test_tensor_literal_errors(text, message):
    with pytest.raises(LiteralError, match=message):
        parse_tensor_literal(text)


def test_nan_literal_and_its_code_form():
    value = parse_tensor_literal("[nan, -inf, 1.5]")
    assert math.isnan(value[0]) and value[1] == -math.inf
    code = format_tensor_literal(value)
    assert code == "[float('nan'), float('-inf'), 1.5]"
    assert _same(eval(code, {"__builtins__": {"float": float}}), value)  # the code runs


@pytest.mark.parametrize(
    ("text", "shape"),
    [("2, 3", (2, 3)), ("(2, 3)", (2, 3)), ("[2, 3]", (2, 3)), ("5", (5,)), ("()", ()),
     ("(4,)", (4,)), ("0", (0,))],
)  # fmt: skip
def test_shapes(text, shape):
    assert parse_shape(text) == shape


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("2, -1", {}, "non-negative"),
        ("-1, -1", {"allow_infer": True}, "only one size"),
        ("2.5", {}, "whole number"),
        ("True", {}, "whole number"),
        ("(2, (3,))", {}, "expected a number"),
        ("10000, 10000", {}, "more than"),
        ("1, " * 17 + "1", {}, "16 supported"),
    ],
)
def test_shape_errors(text, kwargs, message):
    with pytest.raises(LiteralError, match=message):
        parse_shape(text, **kwargs)


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("0", (0,)),
        ("0, 1:", (0, slice(1, None))),
        ("..., -1", (Ellipsis, -1)),
        ("::2", (slice(None, None, 2),)),
        ("None, :", (None, slice(None))),
        ("[0, 2], 1", ([0, 2], 1)),
    ],
)
def test_indices(text, index):
    assert parse_index(text) == index
    assert parse_index(format_index(index)) == index


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("::0", "step must be positive"),
        ("::-1", "step must be positive"),
        ("1.5", "whole number"),
        ("x", "the name 'x'"),
        ("0], __import__('os').system('echo hi'), _[0", "not a valid index"),
        ("[[0]]", "expected a number"),
        ("", "empty"),
    ],
)
def test_index_errors(text, message):
    with pytest.raises(LiteralError, match=message):
        parse_index(text)


def test_ints_and_floats():
    assert parse_int("-7") == -7
    assert parse_float("3") == 3.0 and isinstance(parse_float("3"), float)
    with pytest.raises(LiteralError, match="whole number"):
        parse_int("7.0")
    with pytest.raises(LiteralError, match="expected a number"):
        parse_float("True")
    with pytest.raises(LiteralError, match="expected text"):
        parse_number(3)  # type: ignore[arg-type]


# ------------------------------------------------------------- nothing eval'd
ATTACKS = [
    "__import__('os').system('echo hi')",
    "open('{path}', 'w').write('x')",
    "[open('{path}', 'w')]",
    "(lambda: open('{path}', 'w'))()",
    "[x for x in [open('{path}', 'w')]]",
    "0], open('{path}', 'w'), _[0",
]


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize("attack", ATTACKS)
def test_code_is_refused_and_never_run(parse, attack, tmp_path, monkeypatch):
    target = tmp_path / "pwned"
    text = attack.format(path=target)

    def refuse(*args, **kwargs):
        raise AssertionError("a parser called eval/exec/compile on user text")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    with pytest.raises(LiteralError):
        parse(text)
    assert not Path(target).exists()


def test_parsers_do_not_call_eval_even_on_good_text(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("eval called")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    assert parse_tensor_literal("[[1, 2], [3, 4]]") == [[1, 2], [3, 4]]
    assert parse_shape("2, 3") == (2, 3)
    assert parse_index("0, 1:") == (0, slice(1, None))
    assert literals.parse_number("-1e3") == -1000.0


@pytest.mark.parametrize("text", ["1" + "0" * 399, "-" + "9" * 400, "2" * 4000])
def test_parse_float_refuses_an_integer_too_large_for_a_float_with_its_own_error(text):
    with pytest.raises(LiteralError, match="too large for a float") as info:
        parse_float(text, "learning rate")
    assert str(info.value).startswith("learning rate: ")
    assert len(str(info.value)) < 100
