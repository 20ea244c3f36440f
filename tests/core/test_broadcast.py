"""Broadcasting explained: checked against torch.broadcast_shapes and torch's expand."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.core.broadcast import (
    BroadcastError,
    broadcast_shape,
    expanded_axes,
    explain_broadcast,
)

FUZZ = settings(max_examples=200, deadline=None)

# Small sizes with plenty of 1s and 0s, so both compatible and incompatible sets come up.
SHAPE = st.lists(st.sampled_from([0, 1, 1, 2, 3]), max_size=4).map(tuple)
SHAPES = st.lists(SHAPE, min_size=1, max_size=4)


def _torch_result(shapes: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    try:
        return tuple(torch.broadcast_shapes(*shapes))
    except RuntimeError:
        return None


@FUZZ
@given(shapes=SHAPES)
def test_broadcast_shape_agrees_with_torch(shapes):
    expected = _torch_result(shapes)
    if expected is None:
        with pytest.raises(BroadcastError) as info:
            broadcast_shape(*shapes)
        message = str(info.value)
        assert message.startswith("cannot broadcast ")
        for shape in shapes:  # every input shape is named
            assert str(shape) in message
    else:
        assert broadcast_shape(*shapes) == expected


@FUZZ
@given(shapes=SHAPES)
def test_expanded_axes_are_exactly_the_ones_torch_repeats(shapes):
    result = _torch_result(shapes)
    if result is None:
        return
    for shape in shapes:
        axes = expanded_axes(shape, result)
        offset = len(result) - len(shape)
        padded = (1,) * offset + tuple(shape)
        # repeating only the listed axes must rebuild exactly what expand() gives
        reps = tuple(result[i] if i in axes else 1 for i in range(len(result)))
        x = torch.arange(max(1, torch.Size(shape).numel()))[: torch.Size(shape).numel()]
        x = x.reshape(shape)
        rebuilt = x.reshape(padded).repeat(reps)
        assert rebuilt.shape == result
        assert torch.equal(rebuilt, x.expand(result))
        assert all(i < offset or shape[i - offset] == 1 for i in axes)


@FUZZ
@given(shapes=SHAPES)
def test_explanation_names_each_expanded_input_and_the_result(shapes):
    named = {f"t{i}": s for i, s in enumerate(shapes)}
    result = _torch_result(shapes)
    if result is None:
        with pytest.raises(BroadcastError):
            explain_broadcast(named)
        return
    text = explain_broadcast(named)
    needs = {n for n, s in named.items() if expanded_axes(s, result)}
    if not needs:
        assert text is None  # nothing was expanded: nothing to explain
        return
    assert text.startswith("Broadcasting: ")
    assert text.endswith(f"→ result {_fmt(result)}")
    for name, shape in named.items():
        assert (f"{name} {_fmt(shape)} is expanded" in text) == (name in needs)


def _fmt(shape):
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def test_examples():
    assert broadcast_shape((2, 3), (3,)) == (2, 3)
    assert broadcast_shape() == ()
    with pytest.raises(BroadcastError, match=r"^cannot broadcast \(2, 3\) with \(4,\)$"):
        broadcast_shape((2, 3), (4,))
    assert (
        explain_broadcast({"a": (2, 3), "b": (3,)})
        == "Broadcasting: b (3,) is expanded along axis 0 → result (2, 3)"
    )
    assert explain_broadcast({"a": (2, 1), "b": (1, 3)}) == (
        "Broadcasting: a (2, 1) is expanded along axis 1; "
        "b (1, 3) is expanded along axis 0 → result (2, 3)"
    )
    assert explain_broadcast({"a": (), "b": (2, 2)}) == (
        "Broadcasting: a () is expanded along axes 0, 1 → result (2, 2)"
    )
    assert explain_broadcast({"a": (2, 2), "b": (2, 2)}) is None
