"""Safe parsing of what users type: tensor literals, shapes, numbers, indices.

Everything goes through :mod:`ast`; nothing typed into a field is ever
``eval``'d. Each parser either returns a plain Python value or raises
:class:`LiteralError` with a message fit for a status bar.
"""

from __future__ import annotations

import ast
import math
import warnings
from typing import Any

from gradviz.core import limits
from gradviz.core.i18n import _

Number = int | float | bool

_MAX_TEXT = 100_000  # refuse absurd inputs before the parser sees them
_MAX_DEPTH = 32


class LiteralError(ValueError):
    """The text is not a valid literal of the expected kind."""


class LiteralSyntaxError(LiteralError):
    """The text is not even Python syntax (told apart by type: the message is translated)."""


def _clip(text: object, limit: int = 80) -> str:
    """Keep messages to a status-bar line, whatever was typed."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse_expr(text: str, what: str) -> ast.expr:
    if not isinstance(text, str):
        raise LiteralError(
            _("{what}: expected text, got {type}").format(what=what, type=type(text).__name__)
        )
    text = text.strip()
    if not text:
        raise LiteralError(_("{what}: empty input").format(what=what))
    if len(text) > _MAX_TEXT:
        raise LiteralError(
            _("{what}: input is too long ({count} characters)").format(what=what, count=len(text))
        )
    try:
        with warnings.catch_warnings():  # "invalid escape sequence" etc. are not for stderr
            warnings.simplefilter("ignore")
            return ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        msg = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        # Python's own "invalid syntax" says nothing more: keep only a reason that adds one
        why = "" if msg.lower().startswith("invalid syntax") else f" ({_clip(msg)})"
        raise LiteralSyntaxError(
            _("{what}: {text!r} is not valid syntax{why}").format(
                what=what, text=text[:60], why=why
            )
        ) from None


def _number(node: ast.expr, what: str) -> Number:
    """A number node: a constant, optionally signed (``-3``, ``--3``), or inf/nan by name."""
    negate = signed = False
    # a loop, not recursion: "-" * 5000 + "1" must not hit the recursion limit
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        negate ^= isinstance(node.op, ast.USub)
        signed = True
        node = node.operand
    value = _unsigned(node, what)
    if signed and isinstance(value, bool):
        raise LiteralError(_("{what}: cannot negate a boolean").format(what=what))
    return -value if negate else value


def _unsigned(node: ast.expr, what: str) -> Number:
    if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float)):
        return node.value
    if isinstance(node, ast.Name) and node.id in ("inf", "nan", "True", "False"):
        return {"inf": math.inf, "nan": math.nan, "True": True, "False": False}[node.id]
    special = _float_call(node)
    if special is not None:
        return special
    if isinstance(node, ast.Constant) and isinstance(node.value, complex):
        raise LiteralError(_("{what}: complex numbers are not supported").format(what=what))
    raise LiteralError(
        _("{what}: expected a number, found {describe}").format(what=what, describe=_describe(node))
    )


_SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "+inf": math.inf, "-inf": -math.inf}


def _float_call(node: ast.expr) -> float | None:
    """``float('nan')`` / ``float('-inf')``, as the code panel writes them (matched, not run)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "float"
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return _SPECIAL_FLOATS.get(node.args[0].value.strip().lower())
    return None


def _describe(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return f"{type(node.value).__name__} {node.value!r}"[:60]
    if isinstance(node, ast.Name):
        return _("the name {id!r}").format(id=node.id)
    if isinstance(node, ast.Call):
        return _("a function call")
    return _("a {lower} expression").format(lower=type(node).__name__.lower())


def parse_number(text: str) -> Number:
    """Parse ``3``, ``-2.5``, ``1e-3``, ``True``, ``inf``, ``nan`` or ``float('nan')``."""
    return _number(_parse_expr(text, "number"), "number")


def _nested(node: ast.expr, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise LiteralError(
            _("tensor literal: nested deeper than {MAX_DEPTH} levels").format(MAX_DEPTH=_MAX_DEPTH)
        )
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_nested(item, depth + 1) for item in node.elts]
    return _number(node, _("tensor literal"))


def _check_rectangular(value: Any, path: str = "") -> list[int]:
    """Return the shape of a nested list, or explain where it is ragged."""
    if not isinstance(value, list):
        return []
    if not value:
        return [0]
    shapes = [_check_rectangular(item, f"{path}[{i}]") for i, item in enumerate(value)]
    first = shapes[0]
    for i, shape in enumerate(shapes[1:], start=1):
        if shape != first:
            where = _(" inside {path}").format(path=path) if path else ""
            raise LiteralError(
                _(
                    "tensor literal is ragged{where}: item 0 has shape {first} "
                    "but item {i} has shape {shape}"
                ).format(where=where, first=tuple(first), i=i, shape=tuple(shape))
            )
    return [len(value), *first]


def parse_tensor_literal(text: str) -> Any:
    """Parse a number or a rectangular nested list of numbers.

    Returns the nested Python list (or a scalar) ready for ``torch.tensor``.
    """
    value = _nested(_parse_expr(text, _("tensor literal")), 0)
    _check_rectangular(value)
    return value


def format_number(value: Number) -> str:
    """Python source for a number; inf and nan become ``float('inf')``, ``float('nan')``."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float('{value}')"
    return repr(value)


def format_tensor_literal(value: Any) -> str:
    """Python source for a value from :func:`parse_tensor_literal` that runs as code.

    Unlike ``repr``, inf and nan come out as ``float('inf')`` / ``float('nan')``.
    """
    if isinstance(value, list):
        return "[" + ", ".join(format_tensor_literal(v) for v in value) + "]"
    return format_number(value)


def literal_shape(value: Any) -> tuple[int, ...]:
    """The shape of a value returned by :func:`parse_tensor_literal`."""
    return tuple(_check_rectangular(value))


def _int(node: ast.expr, what: str) -> int:
    value = _number(node, what)
    if isinstance(value, bool) or not isinstance(value, int):
        raise LiteralError(
            _("{what}: expected a whole number, got {value!r}").format(what=what, value=value)
        )
    return value


def parse_shape(text: str, allow_infer: bool = False) -> tuple[int, ...]:
    """Parse a shape: ``2, 3``, ``(2, 3)``, ``[2, 3]``, ``5`` or ``()``.

    ``allow_infer`` admits a single ``-1`` (as ``view`` and ``reshape`` do). A shape
    with more elements than :func:`gradviz.core.limits.max_elements` is refused.
    """
    node = _parse_expr(text, "shape")
    items = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
    shape = tuple(_int(item, "shape") for item in items)
    if len(shape) > 16:
        raise LiteralError(
            _("shape: {count} dimensions is more than the 16 supported").format(count=len(shape))
        )
    inferred = [d for d in shape if d == -1]
    if any(d < -1 or (d == -1 and not allow_infer) for d in shape):
        raise LiteralError(
            _("shape: sizes must be non-negative, got {clip}").format(clip=_clip(shape))
        )
    if len(inferred) > 1:
        raise LiteralError(
            _("shape: only one size can be -1, got {clip}").format(clip=_clip(shape))
        )
    try:
        limits.check_elements(math.prod(d for d in shape if d != -1), _("shape"))
    except limits.SizeLimitError as exc:
        raise LiteralError(str(exc)) from None
    return shape


def parse_int_list(text: str, what: str = "dims") -> tuple[int, ...]:
    """Parse one or more integers, e.g. dims ``0``, ``(1, 0)`` or ``1, 0``."""
    node = _parse_expr(text, what)
    items = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
    return tuple(_int(item, what) for item in items)


def parse_int(text: str, what: str | None = None) -> int:
    what = _("integer") if what is None else what
    return _int(_parse_expr(text, what), what)


def parse_float(text: str, what: str | None = None) -> float:
    what = _("number") if what is None else what
    try:
        node = _parse_expr(text, what)
    except LiteralSyntaxError:
        # "0.0.1" is a mistyped number, not a syntax lesson
        shown = text.strip()[:60] if isinstance(text, str) else text
        raise LiteralError(
            _("{what}: {shown!r} is not a number (e.g. 0.03 or 1e-4)").format(
                what=what, shown=shown
            )
        ) from None
    value = _number(node, what)
    if isinstance(value, bool):
        raise LiteralError(
            _("{what}: expected a number, got {value!r}").format(what=what, value=value)
        )
    try:
        return float(value)
    except OverflowError:  # an integer literal of 309 digits or more
        digits = int(abs(value).bit_length() * math.log10(2)) + 1
        raise LiteralError(
            _("{what}: a whole number of about {digits:,} digits is too large for a float").format(
                what=what, digits=digits
            )
        ) from None


def _index_item(node: ast.expr) -> Any:
    if isinstance(node, ast.Slice):
        parts = []
        for part in (node.lower, node.upper, node.step):
            parts.append(None if part is None else _int(part, _("index")))
        if parts[2] is not None and parts[2] <= 0:
            raise LiteralError(_("index: slice step must be positive"))
        return slice(*parts)
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return Ellipsis
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    if isinstance(node, ast.List):
        return [_int(item, _("index")) for item in node.elts]
    return _int(node, _("index"))


def parse_index(text: str) -> tuple[Any, ...]:
    """Parse what goes between the brackets of ``x[...]``.

    Accepts integers, slices ``a:b:c``, ``...``, ``None`` and integer lists
    (``[0, 2]``), separated by commas. Returns a tuple usable as an index.
    """
    text = text.strip() if isinstance(text, str) else text
    node = _parse_expr(f"_[{text}]" if isinstance(text, str) and text else "", _("index"))
    if not isinstance(node, ast.Subscript) or not isinstance(node.value, ast.Name):
        raise LiteralError(_("index: not a valid index: {text!r}").format(text=text))
    inner = node.slice
    items = inner.elts if isinstance(inner, ast.Tuple) else [inner]
    return tuple(_index_item(item) for item in items)


def format_index(index: tuple[Any, ...]) -> str:
    """Render an index tuple back to the text between brackets."""

    def one(item: Any) -> str:
        if isinstance(item, slice):
            text = ":".join("" if p is None else str(p) for p in (item.start, item.stop))
            return text + (f":{item.step}" if item.step is not None else "")
        if item is Ellipsis:
            return "..."
        return repr(item)

    return ", ".join(one(item) for item in index)
