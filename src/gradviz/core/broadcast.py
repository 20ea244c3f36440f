"""Explain broadcasting: the result shape and which axes of which input were expanded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gradviz.core.i18n import _


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
            shown = _(" with ").join(_fmt(s) for s in shapes)
            raise BroadcastError(_("cannot broadcast {inputs}").format(inputs=shown))
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
        # whole sentences, one per case, so a translation can order the words its own way
        values = {
            "name": name,
            "dims": _fmt(shape),
            "padded": _fmt(_padded(shape, len(result))),
            "axes": ", ".join(map(str, axes)),
            "count": added,
        }
        if axes and quiet:
            text = (
                _("{name} {dims} is read as {padded} and expanded along axis {axes}")
                if len(axes) == 1
                else _("{name} {dims} is read as {padded} and expanded along axes {axes}")
            )
        elif axes:
            text = (
                _("{name} {dims} is expanded along axis {axes}")
                if len(axes) == 1
                else _("{name} {dims} is expanded along axes {axes}")
            )
        elif added == 1:
            text = _(
                "{name} {dims} is read as {padded} (a leading size-1 axis; nothing is repeated)"
            )
        elif added:
            text = _(
                "{name} {dims} is read as {padded} "
                "({count} leading size-1 axes; nothing is repeated)"
            )
        else:
            continue
        parts.append(text.format(**values))
    if not parts:
        return None
    return _("Broadcasting: {parts} → result {result}").format(
        parts=_("; ").join(parts), result=_fmt(result)
    )
