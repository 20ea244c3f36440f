"""The op catalog, as data, in one place.

Each :class:`OpSpec` says what the palette shows (group, label, doc, formula),
which inputs and parameters its form asks for, how to call torch, and which
line of PyTorch code does the same. The palette, the code panel, the formula
tooltips and the tests are all driven from :data:`OPS`.

Code templates use ``{param}`` for a rendered value and ``⟦ … ⟧`` for an
optional segment that is left out when every parameter inside it still has
its default (so ``torch.sum(x)`` rather than ``torch.sum(x, dim=None)``).
A field can carry one modifier:

* ``{p*}``  a tuple without its parentheses: ``x.view({shape*})`` → ``x.view(2, 3)``;
* ``{p,}``  always a tuple: ``torch.full({size,}, 7)`` → ``torch.full((3,), 7)``;
* ``{p!}``  a string without its quotes: ``torch.{dtype!}`` → ``torch.float64``;
* ``{p?}``  renders nothing, but drops its optional segment while ``p`` is at its
  default: ``⟦{dim?}, keepdim={keepdim}⟧`` only appears when a dim is given;
* ``{p~}``  renders nothing, but keeps its optional segment while ``p`` is not at its
  default: ``torch.arange(⟦{start}, {step~}⟧{end}⟦, {step}⟧)`` writes start when a step is.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from gradviz.core import literals
from gradviz.core.i18n import N_, _
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

# The dtypes a user can pick, by the name that follows ``torch.``.
DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float64": torch.float64,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "int64": torch.int64,
    "int32": torch.int32,
    "int16": torch.int16,
    "int8": torch.int8,
    "uint8": torch.uint8,
    "bool": torch.bool,
}


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
    # the backward classes (grad_fn names) the op can make; each has its own formula card
    backward: tuple[str, ...] = ()

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
_FIELD = re.compile(r"{(\w+)([*,!?~]?)}")


def _source_node(text: str) -> ast.expr | None:
    try:
        return ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError):
        return None


def _modify(text: str, modifier: str) -> str:
    """Apply a field modifier (see the module docstring) to rendered source text."""
    if modifier in ("?", "~"):
        return ""
    node = _source_node(text)
    if modifier == "*":
        if isinstance(node, ast.Tuple) and node.elts and text.startswith("("):
            return text[1:-1].rstrip().rstrip(",")
        return text
    if modifier == ",":
        return text if isinstance(node, ast.Tuple) else f"({text},)"
    if modifier == "!":
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return text
    return text


def render_code(spec: OpSpec, rendered: dict[str, str], defaults: set[str]) -> str:
    """Fill ``spec.code``. ``rendered`` maps each param to its source text;
    ``defaults`` names the params still at their default."""

    def optional(match: re.Match[str]) -> str:
        fields = _FIELD.findall(match.group(1))
        guards = [n for n, mod in fields if mod == "?"]
        names = [n for n, mod in fields if mod != "?"]
        if any(g in defaults for g in guards):
            return ""
        if names and all(n in defaults for n in names):
            return ""
        return match.group(1)

    def fill(match: re.Match[str]) -> str:
        text = _modify(rendered[match.group(1)], match.group(2))
        # -2 ** x is -(2 ** x) in Python: keep a negative base together
        if text.startswith("-") and match.string[match.end() :].lstrip().startswith("**"):
            return f"({text})"
        return text

    text = _OPTIONAL.sub(optional, spec.code)
    return _FIELD.sub(fill, text)


# ------------------------------------------------------------------ parsing
def parse_param(param: Param, text: str) -> Any:
    """Parse a non-tensor parameter from typed text; empty text means the default."""
    text = (text or "").strip()
    if not text:
        if param.required:
            raise LiteralError(_("{param_name}: a value is required").format(param_name=param.name))
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
        raise LiteralError(
            _("{param_name}: expected True or False, got {text!r}").format(
                param_name=param.name, text=text
            )
        )
    if kind == "shape":
        return literals.parse_shape(text, allow_infer=True)
    if kind == "dims":
        return literals.parse_int_list(text, param.name)
    if kind == "index":
        return literals.parse_index(text)
    if kind == "choice":
        if text not in param.choices:
            raise LiteralError(
                _("{param_name}: expected one of {choices}").format(
                    param_name=param.name, choices=", ".join(param.choices)
                )
            )
        return text
    if kind == "str":
        return text
    raise LiteralError(
        _("{param_name}: cannot parse a {kind} parameter from text").format(
            param_name=param.name, kind=kind
        )
    )


# ------------------------------------------------------------------ catalog
T = lambda name, help="": Param(name, "tensor", help=help)  # noqa: E731
TN = lambda name, help="": Param(name, "tensor_or_number", help=help)  # noqa: E731
REDUCTION = Param(
    "reduction", "choice", "mean", ("mean", "sum", "none"), N_("how the losses are combined")
)
DIM = Param("dim", "dims", None, help=N_("one dim or several, e.g. 0 or 0, 1; empty: all"))
DIM1 = Param("dim", "int", None, help=N_("one dim; empty: the whole tensor"))
KEEPDIM = Param("keepdim", "bool", False, help=N_("keep the reduced dims as size 1"))


def _dim(value: tuple[int, ...] | None) -> Any:
    """torch takes an int or a tuple for ``dim``; keep single dims as ints."""
    if value is None:
        return None
    return value[0] if len(value) == 1 else value


def _reduce(fn: Callable[..., Any], *, values: bool = False, multi: bool = True) -> Callable:
    """A reduction that mirrors its code line: no dim → ``fn(x)``, else ``fn(x, dim, keepdim)``.

    ``values`` picks ``.values`` from the (values, indices) pair that max/min return.
    """

    def call(input: torch.Tensor, dim: Any, keepdim: bool) -> torch.Tensor:
        if dim is None:
            return fn(input)
        out = fn(input, dim=_dim(dim) if multi else dim, keepdim=keepdim)
        return out.values if values else out

    return call


def _op(*args: Any, **kwargs: Any) -> OpSpec:
    return OpSpec(*args, **kwargs)


OPS: dict[str, OpSpec] = {}


def register(spec: OpSpec) -> OpSpec:
    if spec.name in OPS:
        raise ValueError(f"duplicate op {spec.name!r}")
    names = {p.name for p in spec.params}
    for p in spec.params:
        if p.kind not in PARAM_KINDS:
            raise ValueError(f"{spec.name}.{p.name}: unknown kind {p.kind!r}")
    for name in (*spec.broadcasts, *spec.example, *([spec.inplace] if spec.inplace else [])):
        if name not in names:
            raise ValueError(f"{spec.name}: {name!r} is not one of its parameters")
    for name, _modifier in _FIELD.findall(spec.code):
        if name not in names:
            raise ValueError(f"{spec.name}: code template uses unknown field {name!r}")
    OPS[spec.name] = spec
    return spec


# Each entry: name, group, label, doc, formula, params, call, code template, extras.
# fmt: off

# Arithmetic -----------------------------------------------------------------
register(_op(
    "add", N_("Arithmetic"), "a + b", N_("Elementwise sum; shapes broadcast."), "out = a + b",
    (TN("a"), TN("b")), lambda a, b: a + b, "{a} + {b}",
    broadcasts=("a", "b"), example={"a": "[[1., 2.], [3., 4.]]", "b": "[10., 20.]"},
    backward=("AddBackward0",),
))
register(_op(
    "sub",
    N_("Arithmetic"), "a - b", N_("Elementwise difference; shapes broadcast."), "out = a − b",
    (TN("a"), TN("b")), lambda a, b: a - b, "{a} - {b}",
    broadcasts=("a", "b"), example={"a": "[[5., 6.], [7., 8.]]", "b": "[1., 2.]"},
    backward=("RsubBackward1", "SubBackward0"),
))
register(_op(
    "mul", N_("Arithmetic"), "a * b", N_("Elementwise product; shapes broadcast."), "out = a ⊙ b",
    (TN("a"), TN("b")), lambda a, b: a * b, "{a} * {b}",
    broadcasts=("a", "b"), example={"a": "[1., 2., 3.]", "b": "[4., 5., 6.]"},
    backward=("MulBackward0",),
))
register(_op(
    "div", N_("Arithmetic"), "a / b",
    N_("Elementwise true division (integers give floats); shapes broadcast."), "out = a ÷ b",
    (TN("a"), TN("b")), lambda a, b: a / b, "{a} / {b}",
    broadcasts=("a", "b"), example={"a": "[[1., 2.], [3., 4.]]", "b": "[[2.], [4.]]"},
    backward=("DivBackward0", "MulBackward0", "ReciprocalBackward0"),
))
register(_op(
    "power", N_("Arithmetic"), "a ** b", N_("Elementwise power; shapes broadcast."), "out = aᵇ",
    (TN("a"), TN("b")), lambda a, b: a**b, "{a} ** {b}",
    broadcasts=("a", "b"), example={"a": "[1., 2., 3.]", "b": "[2., 0.5, 1.]"},
    backward=("PowBackward0", "PowBackward1", "PowBackward2"),
))
register(_op(
    "neg", N_("Arithmetic"), "-x", N_("Elementwise negation."), "out = −x",
    (T("input"),), lambda input: -input, "-{input}", example={"input": "[1., -2., 3.]"},
    backward=("NegBackward0",),
))
register(_op(
    "add_alpha", N_("Arithmetic"), "torch.add(a, b, alpha)",
    N_("Sum with b scaled by alpha, in one call; shapes broadcast."), "out = a + α·b",
    (T("input"), TN("other"), Param("alpha", "number", 1, help=N_("the factor α on other"))),
    lambda input, other, alpha: torch.add(input, other, alpha=alpha),
    "torch.add({input}, {other}⟦, alpha={alpha}⟧)", broadcasts=("input", "other"),
    example={"input": "[1., 2.]", "other": "[10., 20.]", "alpha": "0.5"},
    backward=("AddBackward0",),
))
register(_op(
    "add_", N_("Arithmetic"), "a.add_(b)", N_("In-place sum: overwrites a and bumps its version."),
    "a ← a + b", (T("a"), TN("b")), lambda a, b: a.add_(b), "{a}.add_({b})",
    inplace="a", broadcasts=("a", "b"), example={"a": "[1., 2.]", "b": "[1., 1.]"},
    example_grad=False,
    backward=("AddBackward0",),
))
register(_op(
    "sub_",
    N_("Arithmetic"), "a.sub_(b)", N_("In-place difference: overwrites a and bumps its version."),
    "a ← a − b", (T("a"), TN("b")), lambda a, b: a.sub_(b), "{a}.sub_({b})",
    inplace="a", broadcasts=("a", "b"), example={"a": "[[1., 2.], [3., 4.]]", "b": "[1., 1.]"},
    example_grad=False,
    backward=("SubBackward0",),
))
register(_op(
    "mul_",
    N_("Arithmetic"), "a.mul_(b)", N_("In-place product: overwrites a and bumps its version."),
    "a ← a ⊙ b", (T("a"), TN("b")), lambda a, b: a.mul_(b), "{a}.mul_({b})",
    inplace="a", broadcasts=("a", "b"), example={"a": "[1., 2.]", "b": "3"},
    example_grad=False,
    backward=("MulBackward0",),
))
register(_op(
    "zero_", N_("Arithmetic"), "x.zero_()",
    N_("Fill x with zeros in place (what optimizer.zero_grad does to .grad)."), "x ← 0",
    (T("input"),), lambda input: input.zero_(), "{input}.zero_()",
    inplace="input", example={"input": "[1., 2., 3.]"}, example_grad=False,
    backward=("ZeroBackward0",),
))
register(_op(
    "fill_", N_("Arithmetic"), "x.fill_(value)", N_("Set every element of x to value, in place."),
    "x ← v", (T("input"), Param("value", "number")),
    lambda input, value: input.fill_(value), "{input}.fill_({value})",
    inplace="input", example={"input": "[[1., 2.], [3., 4.]]", "value": "7"}, example_grad=False,
    backward=("FillBackward2",),
))

# Comparison -----------------------------------------------------------------
for _name, _sym, _math, _fn, _says in (
    ("eq", "==", "=", operator.eq,
     N_("True where a equals b (shapes broadcast); a bool tensor, so no gradient flows.")),
    ("ne", "!=", "≠", operator.ne,
     N_("True where a differs from b (shapes broadcast); a bool tensor, so no gradient flows.")),
    ("gt", ">", ">", operator.gt,
     N_("True where a is greater than b (shapes broadcast); a bool tensor, so no gradient flows.")),
    ("lt", "<", "<", operator.lt,
     N_("True where a is less than b (shapes broadcast); a bool tensor, so no gradient flows.")),
    ("ge", ">=", "≥", operator.ge,
     N_("True where a is at least b (shapes broadcast); a bool tensor, so no gradient flows.")),
    ("le", "<=", "≤", operator.le,
     N_("True where a is at most b (shapes broadcast); a bool tensor, so no gradient flows.")),
):
    register(_op(
        _name, N_("Comparison"), f"a {_sym} b",
        _says,
        f"outᵢ = (aᵢ {_math} bᵢ)", (TN("a"), TN("b")),
        (lambda fn: lambda a, b: fn(a, b))(_fn), f"{{a}} {_sym} {{b}}",
        broadcasts=("a", "b"), example={"a": "[[1., 2.], [3., 4.]]", "b": "[3., 2.]"},
    ))
register(_op(
    "where", N_("Comparison"), "where(cond, a, b)",
    N_("Pick from a where cond is True, else from b; shapes broadcast."),
    "outᵢ = aᵢ if condᵢ else bᵢ", (T("condition"), TN("input"), TN("other")),
    lambda condition, input, other: torch.where(condition, input, other),
    "torch.where({condition}, {input}, {other})", broadcasts=("condition", "input", "other"),
    example={"condition": "[True, False, True]", "input": "[1., 2., 3.]", "other": "[[0.], [-1.]]"},
    backward=("WhereBackward0",),
))

# Reductions -----------------------------------------------------------------
register(_op(
    "sum", N_("Reductions"), "sum(x, dim)",
    N_("Sum of all elements, or along dim (keepdim keeps it as size 1)."), "out = Σᵢ xᵢ",
    (T("input"), DIM, KEEPDIM), _reduce(torch.sum),
    "torch.sum({input}⟦, dim={dim}⟧⟦{dim?}, keepdim={keepdim}⟧)",
    example={"input": "[[1., 2.], [3., 4.]]", "dim": "0"},
    backward=("SumBackward0", "SumBackward1"),
))
register(_op(
    "mean", N_("Reductions"), "mean(x, dim)", N_("Average of all elements, or along dim."),
    "out = (1/n) Σᵢ xᵢ", (T("input"), DIM, KEEPDIM), _reduce(torch.mean),
    "torch.mean({input}⟦, dim={dim}⟧⟦{dim?}, keepdim={keepdim}⟧)",
    example={"input": "[[1., 2.], [3., 4.]]", "dim": "1", "keepdim": "True"},
    backward=("MeanBackward0", "MeanBackward1"),
))
register(_op(
    "max", N_("Reductions"), "max(x, dim)",
    N_("Largest element, or the largest along dim: returns the values "
    "(torch.max(x, dim) gives (values, indices); argmax gives the indices)."),
    "out = maxᵢ xᵢ", (T("input"), DIM1, KEEPDIM), _reduce(torch.max, values=True, multi=False),
    "torch.max({input}⟦, dim={dim}⟧⟦{dim?}, keepdim={keepdim}⟧)⟦{dim?}.values⟧",
    example={"input": "[[1., 5.], [3., 4.]]", "dim": "1"},
    backward=("MaxBackward0", "MaxBackward1"),
))
register(_op(
    "min", N_("Reductions"), "min(x, dim)",
    N_("Smallest element, or the smallest along dim: returns the values "
    "(torch.min(x, dim) gives (values, indices); argmin gives the indices)."),
    "out = minᵢ xᵢ", (T("input"), DIM1, KEEPDIM), _reduce(torch.min, values=True, multi=False),
    "torch.min({input}⟦, dim={dim}⟧⟦{dim?}, keepdim={keepdim}⟧)⟦{dim?}.values⟧",
    example={"input": "[[1., 5.], [3., 0.]]", "dim": "0", "keepdim": "True"},
    backward=("MinBackward0", "MinBackward1"),
))
register(_op(
    "argmax", N_("Reductions"), "argmax(x, dim)",
    N_("Index of the largest element (in the flattened tensor, or along dim); int64, no gradient."),
    "out = argmaxᵢ xᵢ", (T("input"), DIM1, KEEPDIM), _reduce(torch.argmax, multi=False),
    "torch.argmax({input}⟦, dim={dim}⟧⟦{dim?}, keepdim={keepdim}⟧)",
    example={"input": "[[1., 5., 2.], [7., 0., 3.]]", "dim": "1"},
))
register(_op(
    "argmin", N_("Reductions"), "argmin(x, dim)",
    N_(
        "Index of the smallest element (in the flattened tensor, or along dim); int64, no gradient."
    ),
    "out = argminᵢ xᵢ", (T("input"), DIM1, KEEPDIM), _reduce(torch.argmin, multi=False),
    "torch.argmin({input}⟦, dim={dim}⟧⟦{dim?}, keepdim={keepdim}⟧)",
    example={"input": "[[1., 5., 2.], [7., 0., 3.]]"},
))
register(_op(
    "cumsum", N_("Reductions"), "cumsum(x, dim)", N_("Running total along dim (same shape as x)."),
    "outᵢ = x₀ + x₁ + … + xᵢ", (T("input"), Param("dim", "int")),
    lambda input, dim: torch.cumsum(input, dim=dim), "torch.cumsum({input}, dim={dim})",
    example={"input": "[[1., 2., 3.], [4., 5., 6.]]", "dim": "1"},
    backward=("CumsumBackward0",),
))
register(_op(
    "norm", N_("Reductions"), "norm(x, p, dim)",
    N_("The p-norm of all elements, or along dim (p = 2: Euclidean length)."),
    "‖x‖ₚ = (Σᵢ |xᵢ|ᵖ)^(1/p)",
    (T("input"), Param("p", "float", 2.0, help=N_("2: Euclidean, 1: sum of |x|, inf: max |x|")),
     DIM, KEEPDIM),
    lambda input, p, dim, keepdim: torch.norm(input, p=p) if dim is None
    else torch.norm(input, p=p, dim=_dim(dim), keepdim=keepdim),
    "torch.norm({input}⟦, p={p}⟧⟦, dim={dim}⟧⟦{dim?}, keepdim={keepdim}⟧)",
    example={"input": "[[3., 4.], [1., -2.]]", "dim": "1"},
    backward=("LinalgVectorNormBackward0",),
))

# Shape ----------------------------------------------------------------------
register(_op(
    "view", N_("Shape"), "x.view(shape)",
    N_("Same storage seen with a new shape: no copy, needs a compatible (contiguous) layout."),
    N_("out[i] = x[i] in row-major order, sharing storage"),
    (T("input"), Param("shape", "shape")),
    lambda input, shape: input.view(shape), "{input}.view({shape*})",
    example={"input": "[1., 2., 3., 4., 5., 6.]", "shape": "3, -1"},
    backward=("ViewBackward0",),
))
register(_op(
    "reshape",
    N_("Shape"), "x.reshape(shape)", N_("Same elements in a new shape; a view when it can be."),
    N_("out[i] = x[i] in row-major order"), (T("input"), Param("shape", "shape")),
    lambda input, shape: input.reshape(shape), "{input}.reshape({shape*})",
    example={"input": "[1., 2., 3., 4., 5., 6.]", "shape": "2, 3"},
    backward=("ViewBackward0",),
))
register(_op(
    "transpose",
    N_("Shape"), "x.transpose(dim0, dim1)", N_("Swap two dims; a view, no data moves."),
    "out[…i…j…] = x[…j…i…]", (T("input"), Param("dim0", "int"), Param("dim1", "int")),
    lambda input, dim0, dim1: input.transpose(dim0, dim1), "{input}.transpose({dim0}, {dim1})",
    example={"input": "[[1., 2., 3.], [4., 5., 6.]]", "dim0": "0", "dim1": "1"},
    backward=("TransposeBackward0",),
))
register(_op(
    "t", N_("Shape"), "x.t()", N_("Transpose of a matrix (at most 2-D); a view."), "outᵢⱼ = xⱼᵢ",
    (T("input"),), lambda input: input.t(), "{input}.t()",
    example={"input": "[[1., 2., 3.], [4., 5., 6.]]"},
    backward=("TBackward0",),
))
register(_op(
    "permute", N_("Shape"), "x.permute(dims)", N_("Reorder all dims; a view."),
    "out.shape = (x.shape[d₀], x.shape[d₁], …)", (T("input"), Param("dims", "dims")),
    lambda input, dims: input.permute(dims), "{input}.permute({dims*})",
    example={"input": "[[[1., 2.], [3., 4.], [5., 6.]]]", "dims": "2, 0, 1"},
    backward=("PermuteBackward0",),
))
register(_op(
    "squeeze", N_("Shape"), "x.squeeze(dim)", N_("Drop dims of size 1: all of them, or just dim."),
    "shape (2, 1, 3) → (2, 3)", (T("input"), DIM1),
    lambda input, dim: input.squeeze() if dim is None else input.squeeze(dim),
    "{input}.squeeze(⟦{dim}⟧)", example={"input": "[[[1., 2.]], [[3., 4.]]]", "dim": "1"},
    backward=("SqueezeBackward0", "SqueezeBackward1"),
))
register(_op(
    "unsqueeze", N_("Shape"), "x.unsqueeze(dim)", N_("Insert a dim of size 1 at position dim."),
    N_("shape (3,) → (1, 3) for dim = 0"), (T("input"), Param("dim", "int")),
    lambda input, dim: input.unsqueeze(dim), "{input}.unsqueeze({dim})",
    example={"input": "[1., 2., 3.]", "dim": "1"},
    backward=("UnsqueezeBackward0",),
))
register(_op(
    "flatten", N_("Shape"), "flatten(x, start_dim, end_dim)",
    N_("Merge dims start_dim … end_dim into one."),
    N_("shape (2, 3, 4) → (2, 12) for start_dim = 1"),
    (T("input"), Param("start_dim", "int", 0), Param("end_dim", "int", -1)),
    lambda input, start_dim, end_dim: torch.flatten(input, start_dim, end_dim),
    "torch.flatten({input}⟦, start_dim={start_dim}⟧⟦, end_dim={end_dim}⟧)",
    example={"input": "[[[1., 2.], [3., 4.]], [[5., 6.], [7., 8.]]]", "start_dim": "1"},
    backward=("ViewBackward0",),
))
register(_op(
    "contiguous", N_("Shape"), "x.contiguous()",
    N_("A row-major copy when x's layout is not (after transpose or permute); x itself otherwise."),
    N_("same values, strides made row-major"), (T("input"),),
    lambda input: input.contiguous(), "{input}.contiguous()",
    example={"input": "[[1., 2.], [3., 4.]]"},
))
register(_op(
    "expand", N_("Shape"), "x.expand(sizes)",
    N_("A view that repeats size-1 dims up to sizes without copying (-1 keeps a size)."),
    "out[i, j] = x[i, 0]", (T("input"), Param("sizes", "shape")),
    lambda input, sizes: input.expand(sizes), "{input}.expand({sizes*})",
    example={"input": "[[1.], [2.]]", "sizes": "2, 3"},
    backward=("ExpandBackward0",),
))
register(_op(
    "repeat",
    N_("Shape"), "x.repeat(repeats)", N_("Tile x: copies the data repeats times along each dim."),
    "shape (a, b) → (r₀·a, r₁·b)", (T("input"), Param("repeats", "shape")),
    lambda input, repeats: input.repeat(repeats), "{input}.repeat({repeats*})",
    example={"input": "[[1., 2.]]", "repeats": "2, 3"},
    backward=("RepeatBackward0",),
))
register(_op(
    "cat", N_("Shape"), "cat([a, b], dim)", N_("Join tensors along an existing dim."),
    "out = [a; b]", (Param("tensors", "tensors"), Param("dim", "int", 0)),
    lambda tensors, dim: torch.cat(tensors, dim=dim), "torch.cat({tensors}⟦, dim={dim}⟧)",
    example={"tensors": "[1., 2.]; [3.]"},
    backward=("CatBackward0",),
))
register(_op(
    "stack", N_("Shape"), "stack([a, b], dim)", N_("Join same-shaped tensors along a new dim."),
    "out[…, k, …] = tensorₖ", (Param("tensors", "tensors"), Param("dim", "int", 0)),
    lambda tensors, dim: torch.stack(tensors, dim=dim), "torch.stack({tensors}⟦, dim={dim}⟧)",
    example={"tensors": "[1., 2.]; [3., 4.]; [5., 6.]", "dim": "1"},
    backward=("StackBackward0",),
))
register(_op(
    "index", N_("Shape"), "x[index]",
    N_("Indexing and slicing: ints and slices give a view, lists of ints a copy."),
    "out = x[index]", (T("input"), Param("index", "index")),
    lambda input, index: input[index], "{input}[{index}]",
    example={"input": "[[1., 2., 3.], [4., 5., 6.]]", "index": "0, 1:"},
    backward=("AliasBackward0", "IndexBackward0", "SelectBackward0", "SliceBackward0"),
))
register(_op(
    "masked_fill", N_("Shape"), "x.masked_fill(mask, value)",
    N_("A copy of x with value wherever the bool mask is True."), "outᵢ = v if maskᵢ else xᵢ",
    (T("input"), T("mask"), Param("value", "number")),
    lambda input, mask, value: input.masked_fill(mask, value),
    "{input}.masked_fill({mask}, {value})",
    example={"input": "[[1., 2.], [3., 4.]]", "mask": "[[True, False], [False, True]]",
             "value": "0"},
    backward=("MaskedFillBackward0",),
))

# Linear algebra --------------------------------------------------------------
register(_op(
    "dot",
    N_("Linear algebra"), "dot(a, b)", N_("Inner product of two 1-D tensors of equal length."),
    "out = Σᵢ aᵢ bᵢ", (T("a"), T("b")), lambda a, b: torch.dot(a, b), "torch.dot({a}, {b})",
    example={"a": "[1., 2., 3.]", "b": "[4., 5., 6.]"},
    backward=("DotBackward0",),
))
register(_op(
    "mv", N_("Linear algebra"), "mv(A, v)", N_("Matrix times vector: (n, m) @ (m,) → (n,)."),
    "outᵢ = Σⱼ Aᵢⱼ vⱼ", (T("input"), T("vec")),
    lambda input, vec: torch.mv(input, vec), "torch.mv({input}, {vec})",
    example={"input": "[[1., 2.], [3., 4.], [5., 6.]]", "vec": "[1., -1.]"},
    backward=("MvBackward0",),
))
register(_op(
    "mm", N_("Linear algebra"), "mm(a, b)",
    N_("Matrix product of two 2-D tensors: (n, m) @ (m, p) → (n, p); no broadcasting."),
    "outᵢⱼ = Σₖ aᵢₖ bₖⱼ", (T("a"), T("b")), lambda a, b: torch.mm(a, b), "torch.mm({a}, {b})",
    example={"a": "[[1., 2., 3.], [4., 5., 6.]]", "b": "[[1., 0.], [0., 1.], [1., 1.]]"},
    backward=("MmBackward0",),
))
register(_op(
    "matmul", N_("Linear algebra"), "a @ b",
    N_("Matrix product (torch.matmul): vectors, matrices and batches, broadcasting batch dims."),
    "outᵢⱼ = Σₖ aᵢₖ bₖⱼ", (T("a"), T("b")), lambda a, b: a @ b, "{a} @ {b}",
    example={"a": "[[1., 2.], [3., 4.]]", "b": "[[1.], [0.5]]"},
    backward=("DotBackward0", "MmBackward0", "MvBackward0",
              "SqueezeBackward1", "UnsafeViewBackward0", "ViewBackward0"),
))
register(_op(
    "bmm", N_("Linear algebra"), "bmm(a, b)",
    N_("Batched matrix product: (B, n, m) @ (B, m, p) → (B, n, p)."),
    N_("out[n] = a[n] @ b[n] for each batch n"),
    (T("a"), T("b")), lambda a, b: torch.bmm(a, b), "torch.bmm({a}, {b})",
    example={"a": "[[[1., 2.]], [[3., 4.]]]", "b": "[[[1.], [2.]], [[0.5], [-1.]]]"},
    backward=("BmmBackward0",),
))
register(_op(
    "einsum", N_("Linear algebra"), "einsum(eq, ...)", N_("Einstein summation over named indices."),
    N_("e.g. 'ij,jk->ik' is a matrix product"),
    (Param("equation", "str"), Param("operands", "tensors")),
    lambda equation, operands: torch.einsum(equation, *operands),
    "torch.einsum({equation}, {operands})",
    example={"equation": "ij,jk->ik", "operands": "[[1., 2.]]; [[3.], [4.]]"},
    backward=("BmmBackward0", "PermuteBackward0", "UnsqueezeBackward0", "ViewBackward0"),
))
register(_op(
    "outer",
    N_("Linear algebra"), "outer(a, b)", N_("Outer product of two vectors: (n,), (m,) → (n, m)."),
    "outᵢⱼ = aᵢ bⱼ", (T("a"), T("b")), lambda a, b: torch.outer(a, b), "torch.outer({a}, {b})",
    example={"a": "[1., 2.]", "b": "[1., 10., 100.]"},
    backward=("MulBackward0", "ViewBackward0"),
))

# Elementwise functions ---------------------------------------------------------
_FUNCTION_BACKWARD = {
    "exp": "ExpBackward0",
    "log": "LogBackward0",
    "sqrt": "SqrtBackward0",
    "square": "PowBackward0",
    "abs": "AbsBackward0",
    "tanh": "TanhBackward0",
    "sigmoid": "SigmoidBackward0",
}
for _name, _doc, _math, _example in (
    ("exp", N_("Exponential, elementwise."), "out = eˣ", "[0., 1., -1.]"),
    ("log", N_("Natural logarithm: −inf at 0, nan below 0."), "out = ln x", "[0.5, 1., 2.]"),
    ("sqrt", N_("Square root: nan below 0."), "out = √x", "[1., 4., 9.]"),
    ("square", N_("Square, elementwise."), "out = x²", "[1., -2., 3.]"),
    ("abs", N_("Absolute value (its gradient at 0 is 0)."), "out = |x|", "[-1.5, 0., 2.]"),
    ("tanh", N_("Squashes to (−1, 1)."), "tanh x = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ)", "[-2., 0., 2.]"),
    ("sigmoid", N_("Squashes to (0, 1)."), "σ(x) = 1 / (1 + e^(−x))", "[-2., 0., 2.]"),
):
    register(_op(
        _name, N_("Functions"), f"{_name}(x)", _doc, _math, (T("input"),),
        (lambda fn: lambda input: fn(input))(getattr(torch, _name)), f"torch.{_name}({{input}})",
        example={"input": _example}, backward=(_FUNCTION_BACKWARD[_name],),
    ))
register(_op(
    "pow", N_("Functions"), "pow(x, exponent)",
    N_("Raise x to exponent (a number or a tensor), elementwise."), "out = xᵉ",
    (T("input"), TN("exponent")), lambda input, exponent: torch.pow(input, exponent),
    "torch.pow({input}, {exponent})", broadcasts=("input", "exponent"),
    example={"input": "[1., 2., 3.]", "exponent": "3"},
    backward=("PowBackward0",),
))
register(_op(
    "clamp", N_("Functions"), "clamp(x, min, max)",
    N_("Limit values to [min, max]; the gradient is 0 where a value was clamped."),
    "out = min(max(x, lo), hi)",
    (T("input"), Param("min", "number", None), Param("max", "number", None)),
    lambda input, min, max: torch.clamp(input, min=min, max=max),
    "torch.clamp({input}⟦, min={min}⟧⟦, max={max}⟧)",
    example={"input": "[-1., 0.5, 2.]", "min": "0", "max": "1"},
    backward=("ClampBackward1",),
))
register(_op(
    "relu", N_("Functions"), "relu(x)", N_("Rectified linear unit: negatives become 0."),
    "out = max(0, x)", (T("input"),), lambda input: F.relu(input), "F.relu({input})",
    example={"input": "[-1., 0.5, 2.]"},
    backward=("ReluBackward0",),
))
register(_op(
    "leaky_relu", N_("Functions"), "leaky_relu(x, slope)",
    N_("Like relu, but negatives are scaled by a small slope instead of zeroed."),
    "out = x if x > 0 else a·x",
    (T("input"), Param("negative_slope", "float", 0.01)),
    lambda input, negative_slope: F.leaky_relu(input, negative_slope),
    "F.leaky_relu({input}⟦, negative_slope={negative_slope}⟧)",
    example={"input": "[-1., 0.5, 2.]", "negative_slope": "0.1"},
    backward=("LeakyReluBackward0",),
))
register(_op(
    "elu",
    N_("Functions"), "elu(x, alpha)", N_("Exponential linear unit: smooth below 0, tends to −α."),
    "out = x if x > 0 else α(eˣ − 1)", (T("input"), Param("alpha", "float", 1.0)),
    lambda input, alpha: F.elu(input, alpha=alpha), "F.elu({input}⟦, alpha={alpha}⟧)",
    example={"input": "[-2., -0.5, 0., 1.]", "alpha": "0.5"},
    backward=("EluBackward0",),
))
register(_op(
    "softmax", N_("Functions"), "softmax(x, dim)",
    N_("Turn scores into probabilities along dim: positive, summing to 1."),
    "outᵢ = e^(xᵢ) / Σⱼ e^(xⱼ)", (T("input"), Param("dim", "int")),
    lambda input, dim: F.softmax(input, dim=dim), "F.softmax({input}, dim={dim})",
    example={"input": "[[1., 2., 3.], [1., 1., 1.]]", "dim": "1"},
    backward=("SoftmaxBackward0",),
))
register(_op(
    "log_softmax", N_("Functions"), "log_softmax(x, dim)",
    N_("Log of softmax along dim, computed stably (pairs with nll_loss)."),
    "outᵢ = xᵢ − log Σⱼ e^(xⱼ)", (T("input"), Param("dim", "int")),
    lambda input, dim: F.log_softmax(input, dim=dim), "F.log_softmax({input}, dim={dim})",
    example={"input": "[[1., 2., 3.], [1., 1., 1.]]", "dim": "1"},
    backward=("LogSoftmaxBackward0",),
))
register(_op(
    "normalize", N_("Functions"), "F.normalize(x, p, dim)",
    N_("Scale each slice along dim to unit p-norm."), N_("out = x / max(‖x‖ₚ, ε) along dim"),
    (T("input"), Param("p", "float", 2.0), Param("dim", "int", 1)),
    lambda input, p, dim: F.normalize(input, p=p, dim=dim),
    "F.normalize({input}⟦, p={p}⟧⟦, dim={dim}⟧)",
    example={"input": "[[3., 4.], [1., 0.]]"},
    backward=("ClampMinBackward0", "DivBackward0", "ExpandBackward0", "LinalgVectorNormBackward0"),
))
register(_op(
    "maximum", N_("Functions"), "maximum(a, b)",
    N_("Elementwise larger of a and b; shapes broadcast."), "outᵢ = max(aᵢ, bᵢ)",
    (T("a"), T("b")), lambda a, b: torch.maximum(a, b), "torch.maximum({a}, {b})",
    broadcasts=("a", "b"), example={"a": "[[1., 5.], [3., 0.]]", "b": "[2., 2.]"},
    backward=("MaximumBackward0",),
))

# Losses -------------------------------------------------------------------
register(_op(
    "mse_loss", N_("Losses"), "mse_loss(pred, target)", N_("Mean squared error."),
    "ℓ = mean((pred − target)²)", (T("input"), T("target"), REDUCTION),
    lambda input, target, reduction: F.mse_loss(input, target, reduction=reduction),
    "F.mse_loss({input}, {target}⟦, reduction={reduction}⟧)",
    example={"input": "[1., 2., 3.]", "target": "[1.5, 2., 2.]"},
    backward=("MseLossBackward0",),
))
register(_op(
    "l1_loss", N_("Losses"), "l1_loss(pred, target)", N_("Mean absolute error."),
    "ℓ = mean(|pred − target|)", (T("input"), T("target"), REDUCTION),
    lambda input, target, reduction: F.l1_loss(input, target, reduction=reduction),
    "F.l1_loss({input}, {target}⟦, reduction={reduction}⟧)",
    example={"input": "[1., 2., 3.]", "target": "[1.5, 2.5, 2.]", "reduction": "sum"},
    backward=("AbsBackward0", "MeanBackward0", "SubBackward0", "SumBackward0"),
))
register(_op(
    "smooth_l1_loss", N_("Losses"), "smooth_l1_loss(pred, target, beta)",
    N_("Squared error for small differences, absolute error beyond beta (Huber-like)."),
    "ℓᵢ = ½dᵢ²/β if |dᵢ| < β else |dᵢ| − ½β, with d = pred − target",
    (T("input"), T("target"), REDUCTION, Param("beta", "float", 1.0)),
    lambda input, target, reduction, beta: F.smooth_l1_loss(
        input, target, reduction=reduction, beta=beta),
    "F.smooth_l1_loss({input}, {target}⟦, reduction={reduction}⟧⟦, beta={beta}⟧)",
    example={"input": "[1., 2., 3.]", "target": "[1.5, 2., 0.]", "reduction": "none"},
    backward=("SmoothL1LossBackward0",),
))
register(_op(
    "cross_entropy", N_("Losses"), "cross_entropy(logits, target)",
    N_("Softmax plus negative log-likelihood of the target class, from raw scores (logits)."),
    "ℓₙ = −log softmax(xₙ)[yₙ]", (T("input", N_("logits (N, C)")),
                                   T("target", N_("class indices (N,), int64")), REDUCTION),
    lambda input, target, reduction: F.cross_entropy(input, target, reduction=reduction),
    "F.cross_entropy({input}, {target}⟦, reduction={reduction}⟧)",
    example={"input": "[[2., 0.5, -1.], [0., 1., 0.]]", "target": "[0, 2]"},
    backward=("LogSoftmaxBackward0", "NllLossBackward0"),
))
register(_op(
    "nll_loss", N_("Losses"), "nll_loss(log_probs, target)",
    N_("Negative log-likelihood from log-probabilities (use after log_softmax)."),
    "ℓₙ = −xₙ[yₙ]", (T("input", N_("log-probabilities (N, C)")),
                      T("target", N_("class indices (N,), int64")), REDUCTION),
    lambda input, target, reduction: F.nll_loss(input, target, reduction=reduction),
    "F.nll_loss({input}, {target}⟦, reduction={reduction}⟧)",
    example={"input": "[[-0.5, -1.2, -2.], [-1., -0.3, -3.]]", "target": "[1, 0]"},
    backward=("NllLossBackward0",),
))
register(_op(
    "binary_cross_entropy", N_("Losses"), "binary_cross_entropy(p, target)",
    N_("Binary cross-entropy on probabilities in [0, 1] (after a sigmoid)."),
    "ℓ = −[y log p + (1 − y) log(1 − p)]", (T("input"), T("target"), REDUCTION),
    lambda input, target, reduction: F.binary_cross_entropy(input, target, reduction=reduction),
    "F.binary_cross_entropy({input}, {target}⟦, reduction={reduction}⟧)",
    example={"input": "[0.2, 0.9, 0.6]", "target": "[0., 1., 1.]"},
    backward=("BinaryCrossEntropyBackward0",),
))
register(_op(
    "binary_cross_entropy_with_logits", N_("Losses"), "bce_with_logits(x, target)",
    N_("Binary cross-entropy from raw scores: the sigmoid is inside, which is numerically stable."),
    "ℓ = −[y log σ(x) + (1 − y) log(1 − σ(x))]", (T("input"), T("target"), REDUCTION),
    lambda input, target, reduction: F.binary_cross_entropy_with_logits(
        input, target, reduction=reduction),
    "F.binary_cross_entropy_with_logits({input}, {target}⟦, reduction={reduction}⟧)",
    example={"input": "[-1., 2., 0.5]", "target": "[0., 1., 1.]", "reduction": "sum"},
    backward=("BinaryCrossEntropyWithLogitsBackward0",),
))

# Autograd -------------------------------------------------------------------
register(_op(
    "detach",
    N_("Autograd"), "x.detach()", N_("Same data, cut off from the graph: no grad flows back."),
    "out = x, ∂out/∂x := 0", (T("input"),), lambda input: input.detach(), "{input}.detach()",
    example={"input": "[1., 2.]"},
))
register(_op(
    "clone", N_("Autograd"), "x.clone()",
    N_("A copy with its own storage; unlike detach, the gradient still flows back to x."),
    N_("out = x (new memory), ∂out/∂x = I"), (T("input"),),
    lambda input: input.clone(), "{input}.clone()", example={"input": "[1., 2.]"},
    backward=("CloneBackward0",),
))
register(_op(
    "requires_grad_", N_("Autograd"), "x.requires_grad_()",
    N_("Start tracking x: it becomes a leaf that gets .grad."), "x.requires_grad ← flag",
    (T("input"), Param("requires_grad", "bool", True)),
    lambda input, requires_grad: input.requires_grad_(requires_grad),
    "{input}.requires_grad_(⟦{requires_grad}⟧)",
    inplace="input", example={"input": "[1., 2.]"}, example_grad=False,
))
register(_op(
    "to", N_("Dtype"), "x.to(dtype)",
    N_(
        "Convert to another dtype (a copy unless it already has it); gradients flow between floats."
    ),
    "out = dtype(x)", (T("input"), Param("dtype", "choice", choices=tuple(DTYPES))),
    lambda input, dtype: input.to(DTYPES[dtype]), "{input}.to(torch.{dtype!})",
    example={"input": "[1.5, 2., -3.]", "dtype": "float64"},
    backward=("ToCopyBackward0",),
))
# fmt: on


def groups() -> dict[str, list[OpSpec]]:
    """Ops by group, in catalog order (the palette's tree)."""
    out: dict[str, list[OpSpec]] = {}
    for spec in OPS.values():
        out.setdefault(spec.group, []).append(spec)
    return out


def search(text: str) -> list[OpSpec]:
    """Ops whose name, label, group, doc or formula contain every word of ``text``."""
    words = text.lower().split()
    hay = lambda s: f"{s.name} {s.label} {s.group} {s.doc} {s.formula}".lower()  # noqa: E731
    return [s for s in OPS.values() if all(w in hay(s) for w in words)]


def catalog_markdown() -> str:
    """The catalog as Markdown tables, one per group (docs/ops.md is this text)."""
    lines = [
        "# Op catalog",
        "",
        "Generated from `gradviz.core.ops.OPS` by `catalog_markdown()`; "
        "a test keeps this file in sync.",
        f"{len(OPS)} ops in {len(groups())} groups.",
    ]
    for group, specs in groups().items():
        lines += [
            "",
            f"## {group}",
            "",
            "| op | code | what it does | formula |",
            "|---|---|---|---|",
        ]
        for s in specs:
            cells = [f"`{s.name}`", f"`{s.label}`", s.doc, s.formula]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
