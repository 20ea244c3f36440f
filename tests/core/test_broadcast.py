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


def _torch_facts(shape: tuple[int, ...], result: tuple[int, ...]) -> tuple[list[int], int]:
    """From torch alone: the axes whose size expand() changes, and how many axes it adds.

    The input is a real tensor; torch pads it with leading axes (``x[None]``)
    and expands it to the result. Nothing here calls gradviz.
    """
    x = torch.zeros(shape)
    added = len(result) - x.dim()
    padded = x[(None,) * added] if added else x
    grown = padded.expand(result)
    assert grown.shape == torch.Size(result)
    return [i for i in range(len(result)) if padded.shape[i] != grown.shape[i]], added


@FUZZ
@given(shapes=SHAPES)
def test_expanded_axes_are_exactly_the_ones_torch_expand_changes(shapes):
    result = _torch_result(shapes)
    if result is None:
        return
    for shape in shapes:
        axes, _ = _torch_facts(shape, result)
        assert expanded_axes(shape, result) == axes
        # and repeating only those axes rebuilds exactly what expand() gives
        x = torch.arange(torch.Size(shape).numel()).reshape(shape)
        padded = x.reshape((1,) * (len(result) - len(shape)) + tuple(shape))
        reps = tuple(result[i] if i in axes else 1 for i in range(len(result)))
        if all(n > 0 for n in padded.shape):
            assert torch.equal(padded.repeat(reps), x.expand(result))


def _expected_text(named: dict[str, tuple[int, ...]], result: tuple[int, ...]) -> str | None:
    parts = []
    for name, shape in named.items():
        axes, added = _torch_facts(shape, result)
        quiet = [i for i in range(added) if i not in axes]
        padded = _fmt((1,) * added + tuple(shape))
        where = ("axis " if len(axes) == 1 else "axes ") + ", ".join(map(str, axes))
        if axes and quiet:
            parts.append(f"{name} {_fmt(shape)} is read as {padded} and expanded along {where}")
        elif axes:
            parts.append(f"{name} {_fmt(shape)} is expanded along {where}")
        elif added:
            what = "a leading size-1 axis" if added == 1 else f"{added} leading size-1 axes"
            parts.append(f"{name} {_fmt(shape)} is read as {padded} ({what}; nothing is repeated)")
    if not parts:
        return None
    return "Broadcasting: " + "; ".join(parts) + f" → result {_fmt(result)}"


@FUZZ
@given(shapes=SHAPES)
def test_explanation_says_what_torch_does_to_each_input(shapes):
    named = {f"t{i}": s for i, s in enumerate(shapes)}
    result = _torch_result(shapes)
    if result is None:
        with pytest.raises(BroadcastError):
            explain_broadcast(named)
        return
    assert explain_broadcast(named) == _expected_text(named, result)


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


def test_a_leading_size_one_axis_is_not_an_expansion():
    # b (3,) with a (1, 3): b is only read as (1, 3); nothing is repeated
    assert expanded_axes((3,), (1, 3)) == []
    assert explain_broadcast({"a": (1, 3), "b": (3,)}) == (
        "Broadcasting: b (3,) is read as (1, 3) (a leading size-1 axis; nothing is repeated)"
        " → result (1, 3)"
    )
    assert explain_broadcast({"a": (1, 1, 3), "b": (3,)}) == (
        "Broadcasting: b (3,) is read as (1, 1, 3) (2 leading size-1 axes; nothing is repeated)"
        " → result (1, 1, 3)"
    )
    # added axes of which only some are repeated
    assert explain_broadcast({"a": (2, 1, 3), "b": (3,)}) == (
        "Broadcasting: b (3,) is read as (1, 1, 3) and expanded along axis 0 → result (2, 1, 3)"
    )
    # a size-1 axis grown to 0 changes size too: torch's expand does it
    assert expanded_axes((1,), (0,)) == [0]
