"""The op catalog, as data, in one place.

Each :class:`OpSpec` says what the palette shows (group, label, doc, formula),
which inputs and parameters its form asks for, how to call torch, and which
line of PyTorch code does the same. The palette, the code panel, the formula
tooltips and the tests are all driven from :data:`OPS`.

Code templates use ``{param}`` for a rendered value and ``⟦ … ⟧`` for an
optional segment that is left out when every parameter inside it still has
its default (so ``torch.sum(x)`` rather than ``torch.sum(x, dim=None)``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from gradviz.core import literals
from gradviz.core.literals import LiteralError


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()

# Parameter kinds and what the form shows for each:
#   tensor            a workspace tensor (combo box)
#   tensors           several workspace tensors, comma separated (cat, stack, einsum)
#   tensor_or_number  a workspace tensor or a number typed in (x + 2)
#   int, float, number, bool, shape, dims, index, str, choice
PARAM_KINDS = (
    "tensor", "tensors", "tensor_or_number", "int", "float", "number",
    "bool", "shape", "dims", "index", "str", "choice",
)  # fmt: skip


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: Any = REQUIRED
    choices: tuple[str, ...] = ()
    help: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def is_tensor(self) -> bool:
        return self.kind in ("tensor", "tensors", "tensor_or_number")


@dataclass(frozen=True)
class OpSpec:
    name: str  # unique id, also the palette's search key
    group: str
    label: str  # what the palette lists, e.g. "a + b"
    doc: str  # one line: what it does
    formula: str  # the maths, e.g. "out = a ⊙ b"
    params: tuple[Param, ...]
    call: Callable[..., torch.Tensor]  # takes the parsed values as keyword arguments
    code: str  # expression template, see the module docstring
    inplace: str | None = None  # the parameter modified in place (add_, requires_grad_)
    broadcasts: tuple[str, ...] = ()  # tensor params whose shapes broadcast together
    example: dict[str, str] = field(default_factory=dict)  # valid inputs, as typed text
    example_grad: bool = True  # the example's float tensors require grad

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def tensor_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.is_tensor)


# ---------------------------------------------------------------- rendering
def render_value(value: Any) -> str:
    """Python source for a parsed parameter value (tensor names are rendered by the caller)."""
    if isinstance(value, tuple) and len(value) == 1:
        return repr(value[0]) if isinstance(value[0], int) else repr(value)
    if isinstance(value, float):
        if value != value:
            return "float('nan')"
        if value in (float("inf"), float("-inf")):
            return f"float('{value}')"
    return repr(value)


_OPTIONAL = re.compile(r"⟦(.*?)⟧", re.S)
_FIELD = re.compile(r"{(\w+)}")


def render_code(spec: OpSpec, rendered: dict[str, str], defaults: set[str]) -> str:
    """Fill ``spec.code``. ``rendered`` maps each param to its source text;
    ``defaults`` names the params still at their default."""

    def optional(match: re.Match[str]) -> str:
        names = _FIELD.findall(match.group(1))
        if names and all(n in defaults for n in names):
            return ""
        return match.group(1)

    text = _OPTIONAL.sub(optional, spec.code)
    return _FIELD.sub(lambda m: rendered[m.group(1)], text)


# ------------------------------------------------------------------ parsing
def parse_param(param: Param, text: str) -> Any:
    """Parse a non-tensor parameter from typed text; empty text means the default."""
    text = (text or "").strip()
    if not text:
        if param.required:
            raise LiteralError(f"{param.name}: a value is required")
        return param.default
    if text == "None" and not param.required and param.default is None:
        return None
    kind = param.kind
    if kind == "int":
        return literals.parse_int(text, param.name)
    if kind == "float":
        return literals.parse_float(text, param.name)
    if kind == "number":
        value = literals.parse_number(text)
        return value
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise LiteralError(f"{param.name}: expected True or False, got {text!r}")
    if kind == "shape":
        return literals.parse_shape(text, allow_infer=True)
    if kind == "dims":
        return literals.parse_int_list(text, param.name)
    if kind == "index":
        return literals.parse_index(text)
    if kind == "choice":
        if text not in param.choices:
            raise LiteralError(f"{param.name}: expected one of {', '.join(param.choices)}")
        return text
    if kind == "str":
        return text
    raise LiteralError(f"{param.name}: cannot parse a {kind} parameter from text")


# ------------------------------------------------------------------ catalog
T = lambda name, help="": Param(name, "tensor", help=help)  # noqa: E731
TN = lambda name, help="": Param(name, "tensor_or_number", help=help)  # noqa: E731
REDUCTION = Param("reduction", "choice", "mean", ("mean", "sum", "none"), "how the losses are combined")


def _dim(value: tuple[int, ...] | None) -> Any:
    """torch takes an int or a tuple for ``dim``; keep single dims as ints."""
    if value is None:
        return None
    return value[0] if len(value) == 1 else value


def _op(*args: Any, **kwargs: Any) -> OpSpec:
    return OpSpec(*args, **kwargs)


OPS: dict[str, OpSpec] = {}


def register(spec: OpSpec) -> OpSpec:
    if spec.name in OPS:
        raise ValueError(f"duplicate op {spec.name!r}")
    for p in spec.params:
        if p.kind not in PARAM_KINDS:
            raise ValueError(f"{spec.name}.{p.name}: unknown kind {p.kind!r}")
    OPS[spec.name] = spec
    return spec


# Arithmetic -----------------------------------------------------------------
register(_op(
    "add", "Arithmetic", "a + b", "Elementwise sum; shapes broadcast.", "out = a + b",
    (TN("a"), TN("b")), lambda a, b: a + b, "{a} + {b}",
    broadcasts=("a", "b"), example={"a": "[[1., 2.], [3., 4.]]", "b": "[10., 20.]"},
))  # fmt: skip
register(_op(
    "mul", "Arithmetic", "a * b", "Elementwise product; shapes broadcast.", "out = a ⊙ b",
    (TN("a"), TN("b")), lambda a, b: a * b, "{a} * {b}",
    broadcasts=("a", "b"), example={"a": "[1., 2., 3.]", "b": "[4., 5., 6.]"},
))  # fmt: skip
register(_op(
    "add_", "Arithmetic", "a.add_(b)", "In-place sum: overwrites a and bumps its version.",
    "a ← a + b", (T("a"), TN("b")), lambda a, b: a.add_(b), "{a}.add_({b})",
    inplace="a", broadcasts=("a", "b"), example={"a": "[1., 2.]", "b": "[1., 1.]"},
    example_grad=False,
))  # fmt: skip

# Reductions -----------------------------------------------------------------
register(_op(
    "sum", "Reductions", "sum(x, dim)", "Sum of all elements, or along dim.",
    "out = Σᵢ xᵢ", (T("input"), Param("dim", "dims", None), Param("keepdim", "bool", False)),
    lambda input, dim, keepdim: input.sum() if dim is None
    else torch.sum(input, dim=_dim(dim), keepdim=keepdim),
    "torch.sum({input}⟦, dim={dim}⟧⟦, keepdim={keepdim}⟧)",
    example={"input": "[[1., 2.], [3., 4.]]", "dim": "0"},
))  # fmt: skip

# Shape ----------------------------------------------------------------------
register(_op(
    "reshape", "Shape", "x.reshape(shape)", "Same elements in a new shape; a view when it can be.",
    "out[i] = x[i] (row-major order)", (T("input"), Param("shape", "shape")),
    lambda input, shape: input.reshape(shape), "{input}.reshape{shape}",
    example={"input": "[1., 2., 3., 4., 5., 6.]", "shape": "2, 3"},
))  # fmt: skip
register(_op(
    "index", "Shape", "x[index]", "Indexing and slicing: basic slices give a view.",
    "out = x[index]", (T("input"), Param("index", "index")),
    lambda input, index: input[index], "{input}[{index}]",
    example={"input": "[[1., 2., 3.], [4., 5., 6.]]", "index": "0, 1:"},
))  # fmt: skip
register(_op(
    "cat", "Shape", "cat([a, b], dim)", "Join tensors along an existing dim.",
    "out = [a; b]", (Param("tensors", "tensors"), Param("dim", "int", 0)),
    lambda tensors, dim: torch.cat(tensors, dim=dim), "torch.cat({tensors}⟦, dim={dim}⟧)",
    example={"tensors": "[1., 2.]; [3.]"},
))  # fmt: skip

# Linear algebra --------------------------------------------------------------
register(_op(
    "matmul", "Linear algebra", "a @ b", "Matrix product with broadcasting of batch dims.",
    "out_ij = Σₖ a_ik b_kj", (T("a"), T("b")), lambda a, b: a @ b, "{a} @ {b}",
    example={"a": "[[1., 2.], [3., 4.]]", "b": "[[1.], [0.5]]"},
))  # fmt: skip
register(_op(
    "einsum", "Linear algebra", "einsum(eq, ...)", "Einstein summation over named indices.",
    "e.g. 'ij,jk->ik' is a matrix product", (Param("equation", "str"), Param("operands", "tensors")),
    lambda equation, operands: torch.einsum(equation, *operands),
    "torch.einsum({equation}, {operands})",
    example={"equation": "ij,jk->ik", "operands": "[[1., 2.]]; [[3.], [4.]]"},
))  # fmt: skip

# Elementwise functions ---------------------------------------------------------
register(_op(
    "sigmoid", "Functions", "sigmoid(x)", "Squashes to (0, 1).", "σ(x) = 1 / (1 + e^(−x))",
    (T("input"),), lambda input: torch.sigmoid(input), "torch.sigmoid({input})",
    example={"input": "[-2., 0., 2.]"},
))  # fmt: skip

# Losses -------------------------------------------------------------------
register(_op(
    "mse_loss", "Losses", "mse_loss(pred, target)", "Mean squared error.",
    "ℓ = mean((pred − target)²)", (T("input"), T("target"), REDUCTION),
    lambda input, target, reduction: F.mse_loss(input, target, reduction=reduction),
    "F.mse_loss({input}, {target}⟦, reduction={reduction}⟧)",
    example={"input": "[1., 2., 3.]", "target": "[1.5, 2., 2.]"},
))  # fmt: skip

# Autograd -------------------------------------------------------------------
register(_op(
    "detach", "Autograd", "x.detach()", "Same data, cut off from the graph: no grad flows back.",
    "out = x, ∂out/∂x := 0", (T("input"),), lambda input: input.detach(), "{input}.detach()",
    example={"input": "[1., 2.]"},
))  # fmt: skip
register(_op(
    "requires_grad_", "Autograd", "x.requires_grad_()", "Start tracking x: it becomes a leaf that gets .grad.",
    "x.requires_grad ← flag", (T("input"), Param("requires_grad", "bool", True)),
    lambda input, requires_grad: input.requires_grad_(requires_grad),
    "{input}.requires_grad_(⟦{requires_grad}⟧)",
    inplace="input", example={"input": "[1., 2.]"}, example_grad=False,
))  # fmt: skip


def groups() -> dict[str, list[OpSpec]]:
    """Ops by group, in catalog order (the palette's tree)."""
    out: dict[str, list[OpSpec]] = {}
    for spec in OPS.values():
        out.setdefault(spec.group, []).append(spec)
    return out


def search(text: str) -> list[OpSpec]:
    """Ops whose name, label, group or doc contain every word of ``text``."""
    words = text.lower().split()
    hay = lambda s: f"{s.name} {s.label} {s.group} {s.doc}".lower()  # noqa: E731
    return [s for s in OPS.values() if all(w in hay(s) for w in words)]
