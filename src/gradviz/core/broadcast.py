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
    """Axes of ``result`` along which an input of ``shape`` is repeated (or prepended)."""
    offset = len(result) - len(shape)
    axes = [i for i in range(offset)]
    axes += [offset + i for i, size in enumerate(shape) if size == 1 and result[offset + i] != 1]
    return axes


def explain_broadcast(shapes: Mapping[str, Sequence[int]]) -> str | None:
    """A sentence such as ``b (3,) is expanded along axis 0 → result (2, 3)``.

    Returns None when every shape already equals the result (nothing to explain).
    Raises BroadcastError when the shapes are incompatible.
    """
    result = broadcast_shape(*shapes.values())
    parts = []
    for name, shape in shapes.items():
        axes = expanded_axes(shape, result)
        if axes:
            label = "axis" if len(axes) == 1 else "axes"
            where = ", ".join(map(str, axes))
            parts.append(f"{name} {_fmt(shape)} is expanded along {label} {where}")
    if not parts:
        return None
    return "Broadcasting: " + "; ".join(parts) + f" → result {_fmt(result)}"
