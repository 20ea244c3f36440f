"""Explain broadcasting: the result shape and which axes of which input were expanded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class BroadcastError(ValueError):
    pass


def _fmt(shape: Sequence[int]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def broadcast_shape(*shapes: Sequence[int]) -> tuple[int, ...]:
    """NumPy/PyTorch broadcasting of shapes; raises a clear BroadcastError."""
    ndim = max((len(s) for s in shapes), default=0)
    out: list[int] = []
    for axis in range(ndim):
        sizes = {s[len(s) - ndim + axis] for s in shapes if len(s) - ndim + axis >= 0}
        sizes.discard(1)
        if len(sizes) > 1:
            raise BroadcastError("cannot broadcast " + " with ".join(_fmt(s) for s in shapes))
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def expanded_axes(shape: Sequence[int], result: Sequence[int]) -> list[int]:
    """Axes of ``result`` along which an input of ``shape`` is repeated (its size changes).

    The input is first read with size-1 axes in front, up to the result's
    rank; an axis counts only when its size then differs from the result's.
    A leading axis that stays size 1 is not an expansion: nothing is repeated.
    """
    padded = _padded(shape, len(result))
    return [i for i, (n, m) in enumerate(zip(padded, result, strict=True)) if n != m]


def _padded(shape: Sequence[int], ndim: int) -> tuple[int, ...]:
    return (1,) * (ndim - len(shape)) + tuple(shape)


def explain_broadcast(shapes: Mapping[str, Sequence[int]]) -> str | None:
    """A sentence such as ``b (3,) is expanded along axis 0 → result (2, 3)``.

    An input that only gains leading size-1 axes is "read as" its padded
    shape, with nothing repeated. Returns None when every shape already
    equals the result (nothing to explain). Raises BroadcastError when the
    shapes are incompatible.
    """
    result = broadcast_shape(*shapes.values())
    parts = []
    for name, shape in shapes.items():
        axes = expanded_axes(shape, result)
        added = len(result) - len(shape)
        # leading axes added but not repeated: say how the input is read
        quiet = [i for i in range(added) if i not in axes]
        read_as = f"is read as {_fmt(_padded(shape, len(result)))}"
        if axes:
            label = "axis" if len(axes) == 1 else "axes"
            where = ", ".join(map(str, axes))
            expanded = f"expanded along {label} {where}"
            text = f"{read_as} and {expanded}" if quiet else f"is {expanded}"
            parts.append(f"{name} {_fmt(shape)} {text}")
        elif added:
            what = "a leading size-1 axis" if added == 1 else f"{added} leading size-1 axes"
            parts.append(f"{name} {_fmt(shape)} {read_as} ({what}; nothing is repeated)")
    if not parts:
        return None
    return "Broadcasting: " + "; ".join(parts) + f" → result {_fmt(result)}"
