"""The local rule of each backward function, in plain maths, with this step's numbers.

Every node of the graph turns the gradient that reaches it (``grad``) into
the gradients of its inputs. For ``MulBackward0`` (``out = a ⊙ b``) that is
``grad_a = grad ⊙ b`` and ``grad_b = grad ⊙ a``. :data:`RULES` holds such a
card for each backward class the op catalog produces (and many more).

A rule may also carry ``compute``: the same maths written with torch, the
micrograd way, right under its formula. It is used to show "the rule applied
to these numbers gives exactly what PyTorch sent" and, in the tests, to check
each rule against the real engine.

Symbols: ``⊙`` is an elementwise product, ``@`` a matrix product, ``ᵀ`` a
transpose, ``[cond]`` is 1 where cond holds and 0 elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from gradviz.core.backward import (
    ACCUMULATE,
    GradSummary,
    Step,
    shape_text,
    tensor_text,
    values_text,
)
from gradviz.core.i18n import N_, _

Grads = Sequence[torch.Tensor | None]


class _Missing(Exception):
    """A value the rule needs was not kept (too big, or freed): no numeric check then."""


@dataclass
class Ctx:
    """What a rule's ``compute`` sees: incoming grads, saved values, input shapes."""

    grad_in: list[torch.Tensor | None]
    saved: dict[str, Any]
    shapes: list[tuple[int, ...] | None]  # shape of each forward input (each grad_out)

    @property
    def grad(self) -> torch.Tensor:
        g = self.grad_in[0] if self.grad_in else None
        if g is None:
            raise _Missing("grad")
        return g

    def t(self, key: str) -> torch.Tensor:
        value = self.saved.get(key)
        if not isinstance(value, torch.Tensor):
            raise _Missing(key)
        return value

    def v(self, key: str, default: Any = None) -> Any:
        if key not in self.saved:
            if default is None:
                raise _Missing(key)
            return default
        return self.saved[key]

    def needs(self, i: int) -> bool:
        """Does forward input ``i`` want a gradient (is its shape known)?"""
        return i < len(self.shapes) and self.shapes[i] is not None

    def back(self, i: int, make: Callable[[], torch.Tensor]) -> torch.Tensor | None:
        """``make()`` summed back to input ``i``'s shape; None when input ``i`` needs no grad."""
        return sum_to(make(), self.shape(i)) if self.needs(i) else None

    def shape(self, i: int) -> tuple[int, ...]:
        if i >= len(self.shapes) or self.shapes[i] is None:
            raise _Missing(f"shape {i}")
        return tuple(self.shapes[i])


@dataclass(frozen=True)
class Rule:
    """One backward function's card."""

    forward: str  # the forward op, e.g. "out = a ⊙ b"
    lines: tuple[str, ...]  # the rule, e.g. ("grad_a = grad ⊙ b", "grad_b = grad ⊙ a")
    inputs: tuple[str, ...] = ("a",)  # names of the forward inputs, in next_functions order
    values: tuple[tuple[str, str], ...] = ()  # (symbol, saved key) shown with numbers
    note: str = ""
    compute: Callable[[Ctx], Grads] | None = field(default=None, compare=False)


# ------------------------------------------------------------- maths helpers
def sum_to(g: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """Undo broadcasting: sum the dims that were added in front, then the dims that were 1."""
    shape = tuple(shape)
    extra = g.dim() - len(shape)
    if extra > 0:
        g = g.sum(dim=tuple(range(extra)))
    dims = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if dims:
        g = g.sum(dim=dims, keepdim=True)
    return g


def _dims(dim: Any, ndim: int) -> tuple[int, ...]:
    if dim is None or dim == () or dim == []:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    return tuple(sorted(d % ndim for d in dims)) if ndim else ()


def _unreduce(g: torch.Tensor, sizes: tuple[int, ...], dim: Any, keepdim: bool) -> torch.Tensor:
    """Put back the reduced dims (size 1) so ``g`` broadcasts against the input."""
    if not keepdim:
        for d in _dims(dim, len(sizes)):
            g = g.unsqueeze(d)
    return g


def _reduction(code: Any) -> str:
    return {0: "none", 1: "mean", 2: "sum"}.get(code, str(code))


def _loss_scale(ctx: Ctx, n: int) -> float:
    return 1.0 / n if _reduction(ctx.v("reduction")) == "mean" else 1.0


def _dtype(grads: Sequence[torch.Tensor | None]) -> torch.dtype:
    return next((g.dtype for g in grads if g is not None), torch.get_default_dtype())


def _scalar(x: Any) -> Any:
    return x.item() if isinstance(x, torch.Tensor) and x.numel() == 1 else x


# ----------------------------------------------------------------- the rules
RULES: dict[str, Rule] = {}


def rule(
    names: str, forward: str, lines: str, *, inputs: str = "a", values: str = "", note: str = ""
) -> Callable:
    """Register a card for one or more class names; the decorated function is its compute.

    ``lines`` are separated by ``;``, ``inputs`` by spaces, and ``values`` are
    ``symbol=saved_key`` pairs separated by commas.
    """
    pairs = tuple(
        (sym.strip(), key.strip())
        for sym, _eq, key in (v.partition("=") for v in values.split(","))
        if key.strip()
    )

    def deco(fn: Callable[[Ctx], Grads] | None) -> Callable | None:
        r = Rule(
            forward,
            tuple(line.strip() for line in lines.split(";")),
            tuple(inputs.split()),
            pairs,
            note,
            fn,
        )
        for name in names.split():
            RULES[name] = r
        return fn

    return deco


def text_rule(names: str, forward: str, lines: str, **kwargs: str) -> None:
    """A card shown as text only (no numeric re-computation)."""
    rule(names, forward, lines, **kwargs)(None)


BROADCAST = N_("shapes that were broadcast in the forward are summed back to each input's shape")

text_rule(
    ACCUMULATE,
    N_("leaf tensor (requires_grad=True, made by you)"),
    N_("x.grad ← x.grad + incoming"),
    inputs="x",
    note=N_(
        "the gradients from every use of the leaf were summed on the way; a leaf adds "
        "the total to .grad (which is why .grad accumulates across backward calls)"
    ),
)


# elementwise arithmetic ------------------------------------------------------
@rule(
    "AddBackward0",
    "out = a + α·b",
    "grad_a = grad; grad_b = α·grad",
    inputs="a b",
    values="α=alpha",
    note=BROADCAST,
)
def _add(c: Ctx) -> Grads:
    a = c.v("alpha", 1)
    return [c.back(0, lambda: c.grad), c.back(1, lambda: a * c.grad)]


@rule("AddBackward1", N_("out = a + s  (s a number)"), "grad_a = grad")
def _add_scalar(c: Ctx) -> Grads:
    return [c.grad]


@rule(
    "SubBackward0",
    "out = a − α·b",
    "grad_a = grad; grad_b = −α·grad",
    inputs="a b",
    values="α=alpha",
    note=BROADCAST,
)
def _sub(c: Ctx) -> Grads:
    a = c.v("alpha", 1)
    return [c.back(0, lambda: c.grad), c.back(1, lambda: -a * c.grad)]


@rule("SubBackward1", N_("out = a − s  (s a number)"), "grad_a = grad")
def _sub_scalar(c: Ctx) -> Grads:
    return [c.grad]


@rule(
    "RsubBackward0",
    "out = b − α·a  (torch.rsub)",
    "grad_a = −α·grad; grad_b = grad",
    inputs="a b",
    values="α=alpha",
    note=BROADCAST,
)
def _rsub(c: Ctx) -> Grads:
    a = c.v("alpha", 1)
    return [c.back(0, lambda: -a * c.grad), c.back(1, lambda: c.grad)]


@rule("RsubBackward1", N_("out = s − α·a  (s a number)"), "grad_a = −α·grad", values="α=alpha")
def _rsub_scalar(c: Ctx) -> Grads:
    return [-c.v("alpha", 1) * c.grad]


@rule(
    "MulBackward0",
    "out = a ⊙ b",
    "grad_a = grad ⊙ b; grad_b = grad ⊙ a",
    inputs="a b",
    values="a=self, b=other",
    note=BROADCAST,
)
def _mul(c: Ctx) -> Grads:
    return [c.back(0, lambda: c.grad * c.t("other")), c.back(1, lambda: c.grad * c.t("self"))]


@rule("MulBackward1", N_("out = a · s  (s a number)"), "grad_a = grad · s", values="s=other")
def _mul_scalar(c: Ctx) -> Grads:
    return [c.grad * _scalar(c.v("other"))]


@rule(
    "DivBackward0",
    "out = a / b",
    "grad_a = grad / b; grad_b = −grad ⊙ a / b²",
    inputs="a b",
    values="a=self, b=other",
    note=BROADCAST,
)
def _div(c: Ctx) -> Grads:
    return [
        c.back(0, lambda: c.grad / c.t("other")),
        c.back(1, lambda: -c.grad * c.t("self") / c.t("other") ** 2),
    ]


@rule("DivBackward1", N_("out = a / s  (s a number)"), "grad_a = grad / s", values="s=other")
def _div_scalar(c: Ctx) -> Grads:
    return [c.grad / _scalar(c.v("other"))]


@rule("NegBackward0", "out = −a", "grad_a = −grad")
def _neg(c: Ctx) -> Grads:
    return [-c.grad]


@rule(
    "PowBackward0",
    N_("out = aᵖ  (p a number)"),
    "grad_a = grad ⊙ p·aᵖ⁻¹",
    values="a=self, p=exponent",
)
def _pow(c: Ctx) -> Grads:
    p = _scalar(c.v("exponent"))
    a = c.t("self")
    if p == 0:
        return [torch.zeros_like(a)]
    return [c.grad * p * a.pow(p - 1)]


@rule(
    "PowBackward1",
    N_("out = aᵇ  (b a tensor)"),
    "grad_a = grad ⊙ b·aᵇ⁻¹; grad_b = grad ⊙ aᵇ·ln a",
    inputs="a b",
    values="a=self, b=exponent",
    note=BROADCAST,
)
def _pow_tensor(c: Ctx) -> Grads:
    a, b = c.t("self"), c.t("exponent")

    def grad_a() -> torch.Tensor:
        return torch.where(b == 0, torch.zeros_like(a * b), c.grad * b * a.pow(b - 1))

    def grad_b() -> torch.Tensor:
        r = c.t("result")
        return torch.where((a == 0) & (b >= 0), torch.zeros_like(r), c.grad * r * a.log())

    return [c.back(0, grad_a), c.back(1, grad_b)]


@rule(
    "PowBackward2",
    N_("out = sᵇ  (s a number)"),
    "grad_b = grad ⊙ sᵇ·ln s",
    inputs="b",
    values="s=self",
)
def _pow_base(c: Ctx) -> Grads:
    s = _scalar(c.v("self"))
    return [c.grad * c.t("result") * torch.log(torch.tensor(float(s), dtype=c.grad.dtype))]


@rule(
    "ExpBackward0",
    "out = eᵃ",
    "grad_a = grad ⊙ out",
    values="out=result",
    note=N_("the derivative of eᵃ is eᵃ itself, so the node reuses its output"),
)
def _exp(c: Ctx) -> Grads:
    return [c.grad * c.t("result")]


@rule("LogBackward0", "out = ln a", "grad_a = grad / a", values="a=self")
def _log(c: Ctx) -> Grads:
    return [c.grad / c.t("self")]


@rule("SqrtBackward0", "out = √a", "grad_a = grad / (2·out)", values="out=result")
def _sqrt(c: Ctx) -> Grads:
    return [c.grad / (2 * c.t("result"))]


@rule("RsqrtBackward0", "out = 1/√a", "grad_a = −grad ⊙ out³ / 2", values="out=result")
def _rsqrt(c: Ctx) -> Grads:
    return [-0.5 * c.grad * c.t("result") ** 3]


@rule("ReciprocalBackward0", "out = 1/a", "grad_a = −grad ⊙ out²", values="out=result")
def _reciprocal(c: Ctx) -> Grads:
    return [-c.grad * c.t("result") ** 2]


@rule(
    "AbsBackward0",
    "out = |a|",
    "grad_a = grad ⊙ sign(a)",
    values="a=self",
    note=N_("at a = 0 PyTorch uses sign(0) = 0"),
)
def _abs(c: Ctx) -> Grads:
    return [c.grad * c.t("self").sign()]


@rule("SinBackward0", "out = sin a", "grad_a = grad ⊙ cos a", values="a=self")
def _sin(c: Ctx) -> Grads:
    return [c.grad * c.t("self").cos()]


@rule("CosBackward0", "out = cos a", "grad_a = −grad ⊙ sin a", values="a=self")
def _cos(c: Ctx) -> Grads:
    return [-c.grad * c.t("self").sin()]


@rule("Log1PBackward0", "out = ln(1 + a)", "grad_a = grad / (1 + a)", values="a=self")
def _log1p(c: Ctx) -> Grads:
    return [c.grad / (1 + c.t("self"))]


@rule(
    "SignBackward0 RoundBackward0 FloorBackward0 CeilBackward0 TruncBackward0",
    N_("a step function (sign / round / floor / ceil)"),
    "grad_a = 0",
    note=N_("flat almost everywhere: no gradient flows through"),
)
def _step_fn(c: Ctx) -> Grads:
    return [torch.zeros_like(c.grad)]


@rule(
    "ZeroBackward0 FillBackward0 FillBackward2",
    N_("a ← 0 (or a constant), in place"),
    "grad_a = 0",
    note=N_("every old value was overwritten, so none of them affects the result"),
)
def _overwritten(c: Ctx) -> Grads:
    return [torch.zeros_like(c.grad)]


@rule(
    "FillBackward3",
    N_("a ← v everywhere, in place  (v a 0-dim tensor)"),
    "grad_a = 0; grad_v = Σ grad",
    inputs="a v",
    note=N_("every element now holds v, so v collects the whole gradient"),
)
def _fill_tensor(c: Ctx) -> Grads:
    return [c.back(0, lambda: torch.zeros_like(c.grad)), c.back(1, lambda: c.grad.sum())]


# activations -------------------------------------------------------------------
@rule(
    "SigmoidBackward0",
    "out = σ(a) = 1 / (1 + e⁻ᵃ)",
    "grad_a = grad ⊙ out ⊙ (1 − out)",
    values="out=result",
)
def _sigmoid(c: Ctx) -> Grads:
    y = c.t("result")
    return [c.grad * y * (1 - y)]


@rule("TanhBackward0", "out = tanh a", "grad_a = grad ⊙ (1 − out²)", values="out=result")
def _tanh(c: Ctx) -> Grads:
    y = c.t("result")
    return [c.grad * (1 - y * y)]


@rule(
    "ReluBackward0",
    "out = max(a, 0)",
    "grad_a = grad ⊙ [out > 0]",
    values="out=result",
    note=N_("negative inputs get no gradient (a 'dead' unit)"),
)
def _relu(c: Ctx) -> Grads:
    return [c.grad * (c.t("result") > 0)]


@rule(
    "LeakyReluBackward0",
    "out = a if a > 0 else k·a",
    "grad_a = grad ⊙ (1 if a > 0 else k)",
    values="a=self, k=negative_slope",
)
def _leaky(c: Ctx) -> Grads:
    a = c.t("self")
    k = c.v("negative_slope")
    return [c.grad * torch.where(a > 0, torch.ones_like(a), torch.full_like(a, k))]


@rule(
    "EluBackward0",
    "out = a if a > 0 else α·(eᵃ − 1)",
    "grad_a = grad ⊙ (1 if a > 0 else α·eᵃ)",
    values="a=self, α=alpha",
)
def _elu(c: Ctx) -> Grads:
    a, alpha = c.t("self"), c.v("alpha")
    scale, in_scale = c.v("scale", 1), c.v("input_scale", 1)
    neg = scale * alpha * in_scale * torch.exp(a * in_scale)
    return [c.grad * torch.where(a > 0, torch.full_like(a, scale), neg)]


@rule(
    "CeluBackward0",
    "out = a if a > 0 else α·(e^(a/α) − 1)",
    "grad_a = grad ⊙ (1 if a > 0 else e^(a/α))",
    values="a=self, α=alpha",
)
def _celu(c: Ctx) -> Grads:
    a, alpha = c.t("self"), _scalar(c.v("alpha"))
    return [c.grad * torch.where(a > 0, torch.ones_like(a), torch.exp(a / alpha))]


@rule(
    "GeluBackward0",
    N_("out = a·Φ(a)  (Φ the normal CDF)"),
    "grad_a = grad ⊙ (Φ(a) + a·φ(a))",
    values="a=self",
)
def _gelu(c: Ctx) -> Grads:
    if c.v("approximate", "none") != "none":
        raise _Missing("case: " + N_("the tanh approximation (it has its own card)"))
    a = c.t("self")
    cdf = 0.5 * (1 + torch.erf(a / 2**0.5))
    pdf = torch.exp(-0.5 * a * a) / (2 * torch.pi) ** 0.5
    return [c.grad * (cdf + a * pdf)]


@rule(
    "GeluBackward0[tanh]",
    "out = ½a·(1 + tanh u),  u = √(2/π)·(a + 0.044715·a³)  (approximate='tanh')",
    "grad_a = grad ⊙ (½(1 + tanh u) + ½a·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·a²))",
    values="a=self",
)
def _gelu_tanh(c: Ctx) -> Grads:
    a = c.t("self")
    k = (2 / torch.pi) ** 0.5
    t = torch.tanh(k * (a + 0.044715 * a**3))
    return [c.grad * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * k * (1 + 3 * 0.044715 * a * a))]


@rule("SiluBackward0", "out = a·σ(a)", "grad_a = grad ⊙ σ(a)·(1 + a·(1 − σ(a)))", values="a=self")
def _silu(c: Ctx) -> Grads:
    a = c.t("self")
    s = torch.sigmoid(a)
    return [c.grad * s * (1 + a * (1 - s))]


@rule("SoftplusBackward0", "out = ln(1 + eᵃ)", "grad_a = grad ⊙ σ(a)", values="a=self")
def _softplus(c: Ctx) -> Grads:
    a, beta, th = c.t("self"), c.v("beta", 1), c.v("threshold", 20)
    return [torch.where(a * beta > th, c.grad, c.grad * torch.sigmoid(a * beta))]


@rule(
    "ClampBackward1",
    "out = clamp(a, min, max)",
    "grad_a = grad ⊙ [min ≤ a ≤ max]",
    values="a=self, min=min, max=max",
    note=N_("values that were clipped get no gradient"),
)
def _clamp(c: Ctx) -> Grads:
    a = c.t("self")
    keep = torch.ones_like(a, dtype=torch.bool)
    lo, hi = c.saved.get("min"), c.saved.get("max")
    if lo is not None:
        keep &= a >= lo
    if hi is not None:
        keep &= a <= hi
    return [c.grad * keep]


@rule(
    "ClampMinBackward0", "out = max(a, min)", "grad_a = grad ⊙ [a ≥ min]", values="a=self, min=min"
)
def _clamp_min(c: Ctx) -> Grads:
    return [c.grad * (c.t("self") >= _scalar(c.v("min")))]


@rule(
    "ClampMaxBackward0", "out = min(a, max)", "grad_a = grad ⊙ [a ≤ max]", values="a=self, max=max"
)
def _clamp_max(c: Ctx) -> Grads:
    return [c.grad * (c.t("self") <= _scalar(c.v("max")))]


@rule(
    "ClampMinBackward1",
    N_("out = max(a, m)  (m a tensor)"),
    "grad_a = grad ⊙ [a ≥ m]; grad_m = grad ⊙ [a < m]",
    inputs="a m",
    values="a=self, m=min",
    note=BROADCAST,
)
def _clamp_min_tensor(c: Ctx) -> Grads:
    a, m = c.t("self"), c.t("min")
    zero = torch.zeros((), dtype=c.grad.dtype)
    return [
        c.back(0, lambda: torch.where(a >= m, c.grad, zero)),
        c.back(1, lambda: torch.where(a < m, c.grad, zero)),
    ]


@rule(
    "ClampMaxBackward1",
    N_("out = min(a, m)  (m a tensor)"),
    "grad_a = grad ⊙ [a ≤ m]; grad_m = grad ⊙ [a > m]",
    inputs="a m",
    values="a=self, m=max",
    note=BROADCAST,
)
def _clamp_max_tensor(c: Ctx) -> Grads:
    a, m = c.t("self"), c.t("max")
    zero = torch.zeros((), dtype=c.grad.dtype)
    return [
        c.back(0, lambda: torch.where(a <= m, c.grad, zero)),
        c.back(1, lambda: torch.where(a > m, c.grad, zero)),
    ]


@rule(
    "HardtanhBackward0",
    "out = clamp(a, lo, hi)",
    "grad_a = grad ⊙ [lo < a < hi]",
    values="a=self, lo=min_val, hi=max_val",
)
def _hardtanh(c: Ctx) -> Grads:
    a = c.t("self")
    return [c.grad * ((a > c.v("min_val")) & (a < c.v("max_val")))]


@rule(
    "ClampBackward0",
    N_("out = clamp(a, min, max)  (tensor bounds)"),
    N_("grad_a = grad ⊙ [min ≤ a ≤ max]; grad_min, grad_max: the clipped places"),
    inputs="a min max",
)
def _clamp_tensors(c: Ctx) -> Grads:
    a = c.t("self")
    lo, hi = c.saved.get("min"), c.saved.get("max")
    keep = torch.ones_like(a, dtype=torch.bool)
    if isinstance(lo, torch.Tensor):
        keep = keep & (a >= lo)
    if isinstance(hi, torch.Tensor):
        keep = keep & (a <= hi) & ~(isinstance(lo, torch.Tensor) & (lo > hi))
    g = c.grad
    zero = torch.zeros((), dtype=g.dtype)
    out = [torch.where(keep, g, zero)]
    if c.needs(1):
        lo_wins = (a < lo) if not isinstance(hi, torch.Tensor) else (a < lo) & (lo <= hi)
        out.append(sum_to(torch.where(lo_wins, g, zero), c.shape(1)))
    else:
        out.append(None)
    if c.needs(2):
        hi_wins = (a > hi) if not isinstance(lo, torch.Tensor) else (a > hi) | (lo > hi)
        out.append(sum_to(torch.where(hi_wins, g, zero), c.shape(2)))
    else:
        out.append(None)
    return out[: len(c.shapes)]


# linear algebra -------------------------------------------------------------------
@rule(
    "MmBackward0",
    "out = A @ B",
    "grad_A = grad @ Bᵀ; grad_B = Aᵀ @ grad",
    inputs="A B",
    values="A=self, B=mat2",
)
def _mm(c: Ctx) -> Grads:
    return [
        c.back(0, lambda: c.grad @ c.t("mat2").T),
        c.back(1, lambda: c.t("self").T @ c.grad),
    ]


@rule(
    "BmmBackward0",
    N_("out[i] = A[i] @ B[i]  (a batch)"),
    "grad_A[i] = grad[i] @ B[i]ᵀ; grad_B[i] = A[i]ᵀ @ grad[i]",
    inputs="A B",
    values="A=self, B=mat2",
)
def _bmm(c: Ctx) -> Grads:
    return [
        c.back(0, lambda: c.grad @ c.t("mat2").transpose(1, 2)),
        c.back(1, lambda: c.t("self").transpose(1, 2) @ c.grad),
    ]


@rule(
    "MvBackward0",
    "out = A @ v",
    N_("grad_A = grad ⊗ v  (outer product); grad_v = Aᵀ @ grad"),
    inputs="A v",
    values="A=self, v=vec",
)
def _mv(c: Ctx) -> Grads:
    return [
        c.back(0, lambda: torch.outer(c.grad, c.t("vec"))),
        c.back(1, lambda: c.t("self").T @ c.grad),
    ]


@rule(
    "DotBackward0",
    "out = a · b = Σᵢ aᵢbᵢ",
    "grad_a = grad · b; grad_b = grad · a",
    inputs="a b",
    values="a=self, b=tensor",
    note=N_("for dot(x, x) both gradients go to x and add up to 2·grad·x"),
)
def _dot(c: Ctx) -> Grads:
    return [c.grad * c.t("tensor"), c.grad * c.t("self")]


@rule(
    "AddmmBackward0",
    "out = β·c + α·(A @ B)  (nn.Linear: x @ Wᵀ + b)",
    N_("grad_c = β·grad  (summed over the batch); grad_A = α·grad @ Bᵀ; grad_B = α·Aᵀ @ grad"),
    inputs="c A B",
    values="A=mat1, B=mat2, α=alpha, β=beta",
    note=BROADCAST,
)
def _addmm(c: Ctx) -> Grads:
    alpha, beta = c.v("alpha", 1), c.v("beta", 1)
    return [
        c.back(0, lambda: beta * c.grad),
        c.back(1, lambda: alpha * (c.grad @ c.t("mat2").T)),
        c.back(2, lambda: alpha * (c.t("mat1").T @ c.grad)),
    ]


@rule(
    "AddmvBackward0",
    "out = β·c + α·(A @ v)",
    "grad_c = β·grad; grad_A = α·grad ⊗ v; grad_v = α·Aᵀ @ grad",
    inputs="c A v",
)
def _addmv(c: Ctx) -> Grads:
    alpha, beta = c.v("alpha", 1), c.v("beta", 1)
    return [
        c.back(0, lambda: beta * c.grad),
        c.back(1, lambda: alpha * torch.outer(c.grad, c.t("vec"))),
        c.back(2, lambda: alpha * (c.t("mat").T @ c.grad)),
    ]


@rule(
    "AddbmmBackward0 BaddbmmBackward0",
    "out = β·c + α·Σ A[i] @ B[i]",
    "grad_c = β·grad; grad_A[i] = α·grad @ B[i]ᵀ; grad_B[i] = α·A[i]ᵀ @ grad",
    inputs="c A B",
)
def _baddbmm(c: Ctx) -> Grads:
    alpha, beta = c.v("alpha", 1), c.v("beta", 1)
    g = c.grad
    if "batch1_sym_argsize_0" in c.saved:  # addbmm: the batch was summed in the forward
        g = g.unsqueeze(0).expand(c.v("batch1_sym_argsize_0"), *g.shape)
    return [
        c.back(0, lambda: beta * c.grad),
        c.back(1, lambda: alpha * (g @ c.t("batch2").transpose(1, 2))),
        c.back(2, lambda: alpha * (c.t("batch1").transpose(1, 2) @ g)),
    ]


text_rule(
    "LinearBackward0",
    "out = x @ Wᵀ + b",
    "grad_x = grad @ W; grad_W = gradᵀ @ x; grad_b = Σ_batch grad",
    inputs="x W b",
)


@rule("TraceBackward0", "out = Σᵢ aᵢᵢ", N_("grad_a = grad on the diagonal, 0 elsewhere"))
def _trace(c: Ctx) -> Grads:
    sizes = tuple(c.v("self_sym_sizes"))
    g = torch.zeros(sizes, dtype=c.grad.dtype)
    g.diagonal().fill_(c.grad.item())
    return [g]


text_rule(
    "ConvolutionBackward0",
    "out = conv(x, W) + b",
    N_(
        "grad_x = transposed convolution of grad with W"
        "; grad_W = correlation of x with grad; grad_b = grad summed over batch and positions"
    ),
    inputs="x W b",
)


@rule(
    "EmbeddingBackward0",
    "out = W[indices]",
    N_("grad_W[i] = Σ of grad rows whose index is i"),
    inputs="W",
)
def _embedding(c: Ctx) -> Grads:
    idx = c.t("indices").reshape(-1)
    rows = c.v("weight_sym_argsize_0")
    g = c.grad.reshape(idx.numel(), -1)
    pad = c.v("padding_idx", -1)
    if pad >= 2**63:
        pad -= 2**64  # saved as an unsigned number
    if c.v("scale_grad_by_freq", False):
        raise _Missing("case: scale_grad_by_freq")
    keep = idx != pad
    out = torch.zeros(rows, g.shape[1], dtype=g.dtype)
    return [out.index_add(0, idx[keep], g[keep]), None][: len(c.shapes)]


text_rule(
    "NativeLayerNormBackward0",
    N_("out = (a − mean)/std ⊙ γ + β  (per row)"),
    "grad_a = (γ ⊙ grad − mean(γ ⊙ grad) − â·mean(γ ⊙ grad ⊙ â)) / std;"
    " grad_γ = Σ grad ⊙ â; grad_β = Σ grad",
    inputs="a γ β",
    note=N_("â is the normalised input"),
)
text_rule(
    "NativeBatchNormBackward0 CudnnBatchNormBackward0",
    N_("out = (a − batch mean)/batch std ⊙ γ + β"),
    "grad_a = (γ/std)·(grad − mean(grad) − â·mean(grad ⊙ â)); grad_γ = Σ grad ⊙ â; grad_β = Σ grad",
    inputs="a γ β",
)


# reductions -----------------------------------------------------------------------
@rule(
    "SumBackward0",
    "out = Σᵢ aᵢ",
    N_("grad_a = grad, copied to every element"),
    note=N_("every element contributed with weight 1"),
)
def _sum(c: Ctx) -> Grads:
    return [c.grad.expand(c.v("self_sym_sizes")).clone()]


@rule(
    "SumBackward1",
    N_("out = Σ over dim of a"),
    N_("grad_a = grad, copied along dim"),
    values="dim=dim",
)
def _sum_dim(c: Ctx) -> Grads:
    sizes = tuple(c.v("self_sym_sizes"))
    g = _unreduce(c.grad, sizes, c.saved.get("dim"), c.v("keepdim", False))
    return [g.expand(sizes).clone()]


@rule(
    "MeanBackward0",
    "out = (1/n)·Σᵢ aᵢ",
    N_("grad_a = grad / n, copied to every element"),
    values="n=self_sym_numel",
)
def _mean(c: Ctx) -> Grads:
    sizes = tuple(c.v("self_sym_sizes"))
    return [(c.grad / c.v("self_sym_numel")).expand(sizes).clone()]


@rule(
    "MeanBackward1",
    N_("out = mean over dim of a"),
    N_("grad_a = grad / n, copied along dim"),
    values="dim=dim",
    note=N_("n is the number of elements averaged"),
)
def _mean_dim(c: Ctx) -> Grads:
    sizes = tuple(c.v("self_sym_sizes"))
    dims = _dims(c.saved.get("dim"), len(sizes))
    n = 1
    for d in dims:
        n *= sizes[d]
    g = _unreduce(c.grad, sizes, c.saved.get("dim"), c.v("keepdim", False))
    return [(g / n).expand(sizes).clone()]


@rule(
    "MaxBackward1 MinBackward1",
    N_("out = max (or min) of all aᵢ"),
    N_("grad_a = grad at the winning element(s), 0 elsewhere"),
    values="a=self",
    note=N_("ties share the gradient equally"),
)
def _max_all(c: Ctx) -> Grads:
    a, r = c.t("self"), c.t("result")
    mask = (a == r).to(c.grad.dtype)
    return [c.grad * mask / mask.sum()]


@rule(
    "MaxBackward0 MinBackward0",
    N_("out = max (or min) along dim"),
    N_("grad_a = grad at each row's winner (argmax), 0 elsewhere"),
    values="dim=dim, argmax=indices",
)
def _max_dim(c: Ctx) -> Grads:
    sizes = tuple(c.v("self_sym_sizes"))
    dim, keep = c.v("dim"), c.v("keepdim", False)
    idx = c.t("indices")
    g = c.grad
    if not keep:
        g, idx = g.unsqueeze(dim), idx.unsqueeze(dim)
    return [torch.zeros(sizes, dtype=g.dtype).scatter(dim, idx, g)]


@rule(
    "AmaxBackward0 AminBackward0",
    N_("out = max (or min) along dim"),
    N_("grad_a = grad at the winners, shared equally among ties"),
    values="a=self",
)
def _amax(c: Ctx) -> Grads:
    a, r = c.t("self"), c.t("result")
    dim = c.saved.get("dim")
    r = _unreduce(r, tuple(a.shape), dim, c.v("keepdim", False))
    g = _unreduce(c.grad, tuple(a.shape), dim, c.v("keepdim", False))
    mask = (a == r).to(g.dtype)
    return [g * mask / mask.sum(dim=_dims(dim, a.dim()), keepdim=True)]


@rule(
    "CumsumBackward0",
    N_("outᵢ = a₁ + … + aᵢ  (along dim)"),
    N_("grad_aᵢ = gradᵢ + gradᵢ₊₁ + … + gradₙ  (a cumulative sum from the end)"),
    values="dim=dim",
)
def _cumsum(c: Ctx) -> Grads:
    d = c.v("dim")
    return [c.grad.flip(d).cumsum(d).flip(d)]


@rule(
    "LinalgVectorNormBackward0 NormBackward0 NormBackward1 NormBackward2",
    "out = ‖a‖ₚ = (Σ |aᵢ|ᵖ)^(1/p)",
    "grad_a = grad ⊙ sign(a)·|a|ᵖ⁻¹ / ‖a‖ᵖ⁻¹  (p = 2: grad ⊙ a / ‖a‖)",
    values="a=self, ‖a‖=result, p=ord",
    note=N_("p = ∞: the gradient goes to the largest |aᵢ| (shared by ties); p = 0: none"),
)
def _norm(c: Ctx) -> Grads:
    p = float(_scalar(c.saved.get("ord", c.saved.get("p", 2))))
    a, r = c.t("self"), c.t("result")
    dim = c.saved.get("dim")
    keep = c.v("keepdim", False)
    r = _unreduce(r, tuple(a.shape), dim, keep)
    g = _unreduce(c.grad, tuple(a.shape), dim, keep)
    if p == 0:
        return [torch.zeros_like(a)]
    if abs(p) == float("inf"):
        mask = (a.abs() == r).to(a.dtype)
        share = mask / mask.sum(dim=_dims(dim, a.dim()), keepdim=True)
        return [g * a.sign() * share]
    local = a.sign() * a.abs().pow(p - 1) / r.pow(p - 1)
    return [torch.where(r == 0, torch.zeros_like(a), g * local)]


def _others(a: torch.Tensor, dim: int) -> torch.Tensor:
    """Πⱼ≠ᵢ aⱼ along dim for every i, without dividing (so zeros are fine)."""
    ones = torch.ones_like(a.narrow(dim, 0, 1))
    before = torch.cat([ones, a.narrow(dim, 0, a.shape[dim] - 1)], dim).cumprod(dim)
    flipped = a.flip(dim)
    after = torch.cat([ones, flipped.narrow(dim, 0, a.shape[dim] - 1)], dim).cumprod(dim)
    return before * after.flip(dim)


@rule(
    "ProdBackward0",
    N_("out = Πᵢ aᵢ  (all elements)"),
    N_("grad_aᵢ = grad · Πⱼ≠ᵢ aⱼ  (= grad · out / aᵢ when aᵢ ≠ 0)"),
    values="a=self, out=result",
)
def _prod(c: Ctx) -> Grads:
    a = c.t("self")
    if a.numel() == 0:
        return [torch.zeros_like(a)]
    return [c.grad * _others(a.reshape(-1), 0).reshape(a.shape)]


@rule(
    "ProdBackward1",
    N_("out = Π over dim of a"),
    N_("grad_aᵢ = grad · Π of the other elements of aᵢ's slice along dim"),
    values="a=self, dim=dim",
)
def _prod_dim(c: Ctx) -> Grads:
    a = c.t("self")
    d = c.v("dim") % max(a.dim(), 1)
    g = _unreduce(c.grad, tuple(a.shape), d, c.v("keepdim", False))
    if a.dim() == 0:
        return [c.grad.clone()]
    return [g * _others(a, d)]


@rule(
    "VarBackward0 StdBackward0 VarMeanBackward0 StdMeanBackward0",
    "out = var(a) = Σ(aᵢ − mean)² / (n − 1)  (std = √var)",
    N_("grad_a = grad ⊙ 2(a − mean)/(n − 1)  (for std: divided by 2·std)"),
)
def _var(c: Ctx) -> Grads:
    a = c.t("self")
    dim = c.saved.get("dim")
    dims = _dims(dim, a.dim())
    n = 1
    for d in dims:
        n *= a.shape[d]
    corr = c.saved.get("correction")
    corr = 1 if corr is None else _scalar(corr)
    keep = c.v("keepdim", False)
    centred = a - a.mean(dim=dims, keepdim=True)
    g = _unreduce(c.grad, tuple(a.shape), dim, keep)
    local = 2 * centred / max(n - corr, 0)
    std = "result" if "result" in c.saved else "result0" if "result0" in c.saved else None
    if std is not None:  # std = √var: divide by 2·std
        local = local / (2 * _unreduce(c.t(std), tuple(a.shape), dim, keep))
    out = g * local
    if len(c.grad_in) > 1 and c.grad_in[1] is not None:  # var_mean / std_mean: the mean's grad
        out = out + _unreduce(c.grad_in[1], tuple(a.shape), dim, keep) / n
    return [out]


@rule(
    "LogsumexpBackward0",
    N_("out = ln Σ eᵃ  (along dim)"),
    "grad_a = grad ⊙ softmax(a)",
    values="a=self",
)
def _lse(c: Ctx) -> Grads:
    a = c.t("self")
    dim = c.saved.get("dim")
    r = _unreduce(c.t("result"), tuple(a.shape), dim, c.v("keepdim", False))
    g = _unreduce(c.grad, tuple(a.shape), dim, c.v("keepdim", False))
    return [g * torch.exp(a - r)]


# shape and layout --------------------------------------------------------------------
RESHAPE = N_("no arithmetic: the same numbers are only laid out differently")


@rule(
    "ViewBackward0 UnsafeViewBackward0 ReshapeAliasBackward0",
    N_("out = a.view(new shape)"),
    N_("grad_a = grad.view(a's shape)"),
    values="a's shape=self_sym_sizes",
    note=RESHAPE,
)
def _view(c: Ctx) -> Grads:
    return [c.grad.reshape(tuple(c.v("self_sym_sizes")))]


@rule("TBackward0", "out = aᵀ", "grad_a = gradᵀ", note=RESHAPE)
def _t(c: Ctx) -> Grads:
    return [c.grad.t()]


@rule(
    "TransposeBackward0",
    "out = a.transpose(d0, d1)",
    "grad_a = grad.transpose(d0, d1)",
    values="d0=dim0, d1=dim1",
    note=N_("swapping the same two dims undoes the swap"),
)
def _transpose(c: Ctx) -> Grads:
    return [c.grad.transpose(c.v("dim0"), c.v("dim1"))]


@rule(
    "PermuteBackward0",
    "out = a.permute(dims)",
    N_("grad_a = grad.permute(inverse of dims)"),
    values="dims=dims",
    note=RESHAPE,
)
def _permute(c: Ctx) -> Grads:
    dims = [d % c.grad.dim() for d in c.v("dims")]
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return [c.grad.permute(inverse)]


@rule(
    "ExpandBackward0",
    N_("out = a.expand(shape)  (broadcasting)"),
    N_("grad_a = grad summed over every expanded dim"),
    values="a's shape=self_sym_sizes",
    note=N_("broadcasting is undone by summing: each element of a was used once per copy"),
)
def _expand(c: Ctx) -> Grads:
    return [sum_to(c.grad, tuple(c.v("self_sym_sizes")))]


@rule(
    "SqueezeBackward0 SqueezeBackward1 SqueezeBackward2",
    N_("out = a.squeeze(dim)  (drop size-1 dims)"),
    N_("grad_a = grad with the size-1 dims put back"),
    values="a's shape=self_sym_sizes",
    note=RESHAPE,
)
def _squeeze(c: Ctx) -> Grads:
    return [c.grad.reshape(tuple(c.v("self_sym_sizes")))]


@rule(
    "UnsqueezeBackward0",
    "out = a.unsqueeze(dim)",
    "grad_a = grad.squeeze(dim)",
    values="dim=dim",
    note=RESHAPE,
)
def _unsqueeze(c: Ctx) -> Grads:
    return [c.grad.squeeze(c.v("dim"))]


@rule("CloneBackward0 AliasBackward0 LiftFreshBackward0", N_("out = a (a copy)"), "grad_a = grad")
def _clone(c: Ctx) -> Grads:
    return [c.grad]


@rule(
    "ToCopyBackward0",
    "out = a.to(dtype / device)",
    N_("grad_a = grad converted back to a's dtype and device"),
)
def _to(c: Ctx) -> Grads:
    return [c.grad]


@rule(
    "RepeatBackward0",
    N_("out = a.repeat(r)  (tiled copies)"),
    N_("grad_a = sum of grad over all the copies"),
    values="repeats=repeats",
)
def _repeat(c: Ctx) -> Grads:
    sizes = tuple(c.v("self_sym_sizes"))
    reps = tuple(c.v("repeats"))
    g = c.grad
    lead = len(reps) - len(sizes)
    if lead:
        g = g.sum(dim=tuple(range(lead)))
        reps = reps[lead:]
    split: list[int] = []
    for r, s in zip(reps, sizes, strict=True):
        split += [r, s]
    g = g.reshape(split)
    return [g.sum(dim=tuple(range(0, len(split), 2)))]


@rule(
    "CatBackward0",
    "out = cat([a, b, …], dim)",
    N_("grad_a, grad_b, … = grad cut back into the pieces along dim"),
    inputs="a b c d",
    values="dim=dim",
)
def _cat(c: Ctx) -> Grads:
    d = c.v("dim")
    sizes = []
    for i in range(len(c.shapes)):
        s = c.shape(i)
        sizes.append(s[d] if s else 0)
    return list(torch.split(c.grad, sizes, dim=d))


@rule(
    "StackBackward0",
    "out = stack([a, b, …], dim)",
    N_("grad_a, grad_b, … = the slices of grad along the new dim"),
    inputs="a b c d",
    values="dim=dim",
)
def _stack(c: Ctx) -> Grads:
    return list(torch.unbind(c.grad, dim=c.v("dim")))


@rule(
    "UnbindBackward0",
    "a, b, … = unbind(x, dim)",
    N_("grad_x = stack([grad_a, grad_b, …], dim)  (zeros for unused pieces)"),
    inputs="x",
)
def _unbind(c: Ctx) -> Grads:
    ref = next((g for g in c.grad_in if g is not None), None)
    if ref is None:
        raise _Missing("grad")
    parts = [g if g is not None else torch.zeros_like(ref) for g in c.grad_in]
    return [torch.stack(parts, dim=c.v("dim"))]


@rule(
    "SplitBackward0 SplitWithSizesBackward0",
    "a, b, … = split(x, size, dim)",
    N_("grad_x = cat([grad_a, grad_b, …], dim)  (zeros for unused pieces)"),
    inputs="x",
)
def _split(c: Ctx) -> Grads:
    sizes = tuple(c.v("self_sym_sizes"))
    d = c.v("dim") % len(sizes)
    if "split_sizes" in c.saved:
        parts = list(c.v("split_sizes"))
    else:
        step = c.v("split_size")
        parts = [min(step, sizes[d] - i) for i in range(0, sizes[d], step)]
    pieces = []
    for i, n in enumerate(parts):
        g = c.grad_in[i] if i < len(c.grad_in) else None
        shape = sizes[:d] + (n,) + sizes[d + 1 :]
        pieces.append(g if g is not None else torch.zeros(shape, dtype=_dtype(c.grad_in)))
    return [torch.cat(pieces, dim=d)]


@rule(
    "SelectBackward0",
    N_("out = a[…, i, …]  (one index along dim)"),
    N_("grad_a = zeros, with grad written at index i"),
    values="dim=dim, i=index",
    note=N_("every element not picked gets 0"),
)
def _select(c: Ctx) -> Grads:
    g = torch.zeros(tuple(c.v("self_sym_sizes")), dtype=c.grad.dtype)
    g.select(c.v("dim"), c.v("index")).copy_(c.grad)
    return [g]


@rule(
    "SliceBackward0",
    N_("out = a[start:end:step]  (along dim)"),
    N_("grad_a = zeros, with grad written back into the slice"),
    values="dim=dim, start=start, end=end, step=step",
)
def _slice(c: Ctx) -> Grads:
    sizes = tuple(c.v("self_sym_sizes"))
    g = torch.zeros(sizes, dtype=c.grad.dtype)
    d = c.v("dim")
    index = [slice(None)] * len(sizes)
    end = min(c.v("end"), sizes[d])
    index[d] = slice(c.v("start"), end, c.v("step"))
    g[tuple(index)] = c.grad
    return [g]


@rule(
    "IndexBackward0",
    N_("out = a[indices]  (advanced indexing)"),
    N_("grad_a = zeros, with grad added at the indices"),
    note=N_("an index picked twice receives both gradients, added"),
)
def _index(c: Ctx) -> Grads:
    indices = c.v("indices")
    if not all(i is None or isinstance(i, torch.Tensor) for i in indices):
        raise _Missing("indices")
    g = torch.zeros(tuple(c.v("self_sym_sizes")), dtype=c.grad.dtype)
    return [g.index_put(tuple(indices), c.grad, accumulate=True)]


@rule(
    "GatherBackward0",
    "out = a.gather(dim, index)",
    N_("grad_a = zeros, with grad added back at index (scatter_add)"),
)
def _gather(c: Ctx) -> Grads:
    a = c.t("self")
    return [torch.zeros_like(a).scatter_add(c.v("dim"), c.t("index"), c.grad)]


@rule(
    "MaskedFillBackward0",
    N_("out = a with value where mask"),
    "grad_a = grad ⊙ [not mask]",
    values="mask=mask",
    note=N_("the filled places came from a constant, not from a"),
)
def _masked_fill(c: Ctx) -> Grads:
    return [c.back(0, lambda: c.grad * ~c.t("mask"))]


@rule(
    "MaskedFillBackward1",
    N_("out = a with v where mask  (v a 0-dim tensor)"),
    N_("grad_a = grad ⊙ [not mask]; grad_v = Σ of grad where mask"),
    inputs="a v",
)
def _masked_fill_tensor(c: Ctx) -> Grads:
    mask = c.t("mask")
    g = c.grad
    zero = torch.zeros((), dtype=g.dtype)
    return [
        c.back(0, lambda: torch.where(mask, zero, g)),
        c.back(1, lambda: torch.where(mask, g, zero).sum().reshape(c.shape(1))),
    ]


@rule(
    "WhereBackward0",
    "out = where(cond, a, b)",
    "grad_a = grad ⊙ [cond]; grad_b = grad ⊙ [not cond]",
    inputs="a b",
    values="cond=condition",
    note=BROADCAST,
)
def _where(c: Ctx) -> Grads:
    cond = c.t("condition")
    zero = torch.zeros((), dtype=c.grad.dtype)
    return [
        c.back(0, lambda: torch.where(cond, c.grad, zero)),
        c.back(1, lambda: torch.where(cond, zero, c.grad)),
    ]


def _pick(c: Ctx, a_wins: torch.Tensor, b_wins: torch.Tensor, tie: torch.Tensor) -> Grads:
    g = c.grad
    return [
        c.back(0, lambda: g * (a_wins + 0.5 * tie)),
        c.back(1, lambda: g * (b_wins + 0.5 * tie)),
    ]


@rule(
    "MaximumBackward0",
    "out = maximum(a, b)",
    "grad_a = grad ⊙ [a > b]; grad_b = grad ⊙ [b > a]",
    inputs="a b",
    values="a=self, b=other",
    note=N_("ties split the gradient in half"),
)
def _maximum(c: Ctx) -> Grads:
    a, b = c.t("self"), c.t("other")
    return _pick(c, (a > b).to(c.grad.dtype), (b > a).to(c.grad.dtype), (a == b).to(c.grad.dtype))


@rule(
    "MinimumBackward0",
    "out = minimum(a, b)",
    "grad_a = grad ⊙ [a < b]; grad_b = grad ⊙ [b < a]",
    inputs="a b",
    values="a=self, b=other",
    note=N_("ties split the gradient in half"),
)
def _minimum(c: Ctx) -> Grads:
    a, b = c.t("self"), c.t("other")
    return _pick(c, (a < b).to(c.grad.dtype), (b < a).to(c.grad.dtype), (a == b).to(c.grad.dtype))


@rule("FlipBackward0", "out = a.flip(dims)", "grad_a = grad.flip(dims)", note=RESHAPE)
def _flip(c: Ctx) -> Grads:
    return [c.grad.flip(tuple(c.v("dims")))]


@rule("RollBackward0", "out = a.roll(shifts, dims)", "grad_a = grad.roll(−shifts, dims)")
def _roll(c: Ctx) -> Grads:
    shifts = tuple(-(s - 2**64 if s >= 2**63 else s) for s in c.v("shifts"))  # saved unsigned
    return [c.grad.roll(shifts, tuple(c.v("dims")) or None)]


@rule("TrilBackward0", "out = tril(a)", N_("grad_a = tril(grad): the zeroed part gets no gradient"))
def _tril(c: Ctx) -> Grads:
    return [c.grad.tril(c.v("diagonal"))]


@rule("TriuBackward0", "out = triu(a)", N_("grad_a = triu(grad): the zeroed part gets no gradient"))
def _triu(c: Ctx) -> Grads:
    return [c.grad.triu(c.v("diagonal"))]


@rule(
    "ConstantPadNdBackward0",
    N_("out = a padded with constants"),
    N_("grad_a = grad with the padding cut off"),
    values="pad=pad",
)
def _pad(c: Ctx) -> Grads:
    return [F.pad(c.grad, [-p for p in c.v("pad")])]


@rule(
    "SortBackward0 TopkBackward0",
    N_("out = a sorted (or its top k)"),
    N_("grad_a = grad sent back to each value's original place"),
    values="dim=dim",
)
def _sort(c: Ctx) -> Grads:
    g = torch.zeros(tuple(c.v("self_sym_sizes")), dtype=c.grad.dtype)
    return [g.scatter(c.v("dim"), c.t("indices"), c.grad)]


text_rule(
    "MaxPool2DWithIndicesBackward0",
    N_("out = max over each window"),
    N_("grad_a = grad at each window's maximum, 0 elsewhere"),
)


@rule(
    "NativeDropoutBackward0",
    N_("out = a ⊙ mask / (1 − p)  (training only)"),
    "grad_a = grad ⊙ mask / (1 − p)",
    note=N_("dropped units get no gradient"),
)
def _dropout(c: Ctx) -> Grads:
    return [c.grad * c.t("result1") / (1 - c.v("p"))]


# softmax and losses -----------------------------------------------------------------
@rule(
    "SoftmaxBackward0",
    N_("yᵢ = eᵃⁱ / Σⱼ eᵃʲ  (along dim)"),
    "grad_a = y ⊙ (grad − Σⱼ gradⱼ·yⱼ)",
    values="y=result, dim=dim",
    note=N_("the Jacobian diag(y) − y·yᵀ applied to grad"),
)
def _softmax(c: Ctx) -> Grads:
    y, d = c.t("result"), c.v("dim")
    return [y * (c.grad - (c.grad * y).sum(dim=d, keepdim=True))]


@rule(
    "LogSoftmaxBackward0",
    N_("yᵢ = aᵢ − ln Σⱼ eᵃʲ  (along dim)"),
    "grad_a = grad − softmax(a) · Σⱼ gradⱼ",
    values="y=result, dim=dim",
    note=N_("softmax(a) = eʸ, which is why the node saves its output"),
)
def _log_softmax(c: Ctx) -> Grads:
    y, d = c.t("result"), c.v("dim")
    return [c.grad - torch.exp(y) * c.grad.sum(dim=d, keepdim=True)]


@rule(
    "NllLossBackward0",
    N_("ℓ = −mean over rows of a[row, target]"),
    N_("grad_a[row, target] = −grad / N  (−grad for reduction='sum'); 0 everywhere else"),
    inputs="a target",
    values="target=target",
    note=N_("with log_softmax first this is cross-entropy; together they give softmax(z) − onehot"),
)
def _nll(c: Ctx) -> Grads:
    a, target = c.t("self"), c.t("target")
    if a.dim() not in (1, 2):
        raise _Missing("case: " + N_("inputs with more than 2 dims"))
    ignore = c.v("ignore_index", -100)
    if ignore >= 2**63:
        ignore -= 2**64  # saved as an unsigned number
    a2 = a if a.dim() == 2 else a.unsqueeze(0)
    t2 = target.reshape(-1)
    g = torch.zeros_like(a2)
    keep = t2 != ignore
    rows = torch.arange(a2.shape[0])[keep]
    picked = t2[keep]
    w = (
        c.t("weight")[picked].to(a.dtype)
        if c.saved.get("weight") is not None
        else torch.ones(len(picked), dtype=a.dtype)
    )
    red = _reduction(c.v("reduction"))
    grad = c.grad
    if red == "none":
        vals = -grad.reshape(-1)[keep] * w
    else:
        vals = -grad * w / (w.sum() if red == "mean" else 1)
    g[rows, picked] = vals
    return [g if a.dim() == 2 else g[0], None]


@rule(
    "MseLossBackward0",
    "ℓ = mean((a − t)²)",
    "grad_a = grad · 2(a − t)/N; grad_t = −grad_a",
    inputs="a t",
    values="a=self, t=target",
    note=N_("N is the number of elements (mean)"),
)
def _mse(c: Ctx) -> Grads:
    a, t = c.t("self"), c.t("target")
    d = a - t
    g = c.grad * 2 * d * _loss_scale(c, d.numel())
    return [c.back(0, lambda: g), c.back(1, lambda: -g)]


@rule(
    "SmoothL1LossBackward0 HuberLossBackward0",
    "ℓ = mean(½d²/β if |d| < β else |d| − ½β), d = a − t",
    "grad_a = grad · (d/β if |d| < β else sign d) / N; grad_t = −grad_a",
    inputs="a t",
    values="a=self, t=target, β=beta",
)
def _smooth_l1(c: Ctx) -> Grads:
    a, t = c.t("self"), c.t("target")
    beta = c.v("beta", 1.0) if "beta" in c.saved else c.v("delta", 1.0)
    d = a - t
    if "delta" in c.saved:  # Huber: d inside, δ·sign(d) outside
        local = torch.where(d.abs() < beta, d, beta * d.sign())
    else:
        local = torch.where(d.abs() < beta, d / beta, d.sign()) if beta else d.sign()
    g = c.grad * local * _loss_scale(c, d.numel())
    return [g, -g]


@rule(
    "BinaryCrossEntropyBackward0",
    "ℓ = −mean(t·ln p + (1 − t)·ln(1 − p))",
    "grad_p = grad · (p − t) / (p(1 − p)) / N",
    inputs="p t",
    values="p=self, t=target",
)
def _bce(c: Ctx) -> Grads:
    p, t = c.t("self"), c.t("target")
    w = c.t("weight") if c.saved.get("weight") is not None else 1.0
    scale = c.grad * w * _loss_scale(c, p.numel())
    eps = 1e-12
    return [
        c.back(0, lambda: scale * (p - t) / ((1 - p) * p).clamp_min(eps)),
        c.back(1, lambda: scale * (torch.log1p(-p) - torch.log(p))),
    ]


@rule(
    "BinaryCrossEntropyWithLogitsBackward0",
    "ℓ = −mean(t·ln σ(z) + (1 − t)·ln(1 − σ(z)))",
    "grad_z = grad · (σ(z) − t) / N",
    inputs="z t",
    values="z=self, t=target",
    note=N_("σ and the log cancel: the gradient is simply prediction − target"),
)
def _bce_logits(c: Ctx) -> Grads:
    z, t = c.t("self"), c.t("target")
    w = c.t("weight") if c.saved.get("weight") is not None else 1.0
    pw = c.t("pos_weight") if c.saved.get("pos_weight") is not None else 1.0
    scale = c.grad * w * _loss_scale(c, z.numel())
    s = torch.sigmoid(z)
    return [
        c.back(0, lambda: scale * ((pw * t + 1 - t) * s - pw * t)),
        c.back(1, lambda: -scale * (pw * F.logsigmoid(z) - F.logsigmoid(-z))),
    ]


# --------------------------------------------------------------------- lookup
# A class whose maths depends on how the op was called: saved values -> the card's key.
VARIANTS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "GeluBackward0": lambda saved: (
        "GeluBackward0[tanh]" if saved.get("approximate") == "tanh" else None
    ),
}


def rule_for(label: str) -> Rule | None:
    """The card for exactly this backward class name, or None when gradviz has none.

    No guessing from a similar name: ``ProdBackward1`` is not ``ProdBackward0``.
    The op catalog names the classes each op makes, and a test checks that each
    has its card.
    """
    return RULES.get(label)


def rule_for_step(step: Step) -> tuple[str, Rule | None]:
    """The card key and card for one step (a variant when the call's saved values ask for it)."""
    pick = VARIANTS.get(step.label)
    key = pick(step.saved) if pick is not None else None
    if key is not None and key in RULES:
        return key, RULES[key]
    return step.label, rule_for(step.label)


def _shapes(step: Step) -> list[tuple[int, ...] | None]:
    """The shape of each forward input that got a gradient (None: it got none).

    An input that gets no gradient needs none from the rule either, so the
    gradients PyTorch sent tell every shape a rule has to produce.
    """
    return [tuple(g.shape) if g is not None else None for g in step.grad_out]


AGREES = "agrees"  # the rule by hand gives what the engine sent
DIFFERS = "differs"  # it gives other numbers: the card is wrong
FAILED = "failed"  # the rule's own code raised: the card is wrong too
UNCHECKED = "unchecked"  # a value it needs was not kept, or a case it does not cover
TEXT_ONLY = "text only"  # the card has no code to re-compute it
NO_CARD = "no card"


@dataclass(frozen=True)
class Check:
    """Whether a card's rule, applied by hand to this step, gives the engine's numbers."""

    state: str
    detail: str = ""

    @property
    def ok(self) -> bool | None:
        """True: agrees; False: differs or failed; None: nothing was compared."""
        if self.state == AGREES:
            return True
        if self.state in (DIFFERS, FAILED):
            return False
        return None

    def text(self) -> str:
        if self.state == AGREES:
            return _("✓ the rule by hand gives exactly what PyTorch sent")
        if self.state == DIFFERS:
            return _("✗ the rule by hand gives other numbers than PyTorch sent ({detail})").format(
                detail=self.detail
            )
        if self.state == FAILED:
            return _("✗ the rule could not be applied to these numbers ({detail})").format(
                detail=self.detail
            )
        if self.state == TEXT_ONLY:
            return _("the rule is shown as text; gradviz does not re-compute it")
        if self.state == UNCHECKED:
            return _("not re-computed here: {detail}").format(detail=self.detail)
        return ""


def _run(step: Step) -> tuple[list[torch.Tensor | None] | None, Check]:
    key, r = rule_for_step(step)
    if r is None:
        return None, Check(NO_CARD)
    if r.compute is None:
        return None, Check(TEXT_ONLY)
    if any(isinstance(g, GradSummary) for g in (*step.grad_in, *step.grad_out)):
        return None, Check(UNCHECKED, _("a gradient was too big to send: only its summary is here"))
    ctx = Ctx(list(step.grad_in), step.saved, _shapes(step))
    try:
        with torch.no_grad():
            out = list(r.compute(ctx))
    except _Missing as exc:
        return None, Check(UNCHECKED, _missing_text(exc, r))
    except Exception as exc:  # noqa: BLE001 - any error in a rule's code is the card's fault
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return None, Check(FAILED, f"{type(exc).__name__}: {first[:120]}")
    return out, Check(AGREES)


def _missing_text(exc: _Missing, r: Rule) -> str:
    what = str(exc)
    if what.startswith("case:"):
        return _("the card does not cover {case}").format(case=_(what[5:].strip()))
    symbol = next((sym for sym, key in r.values if key == what), what)  # the card's name for it
    return _("{symbol} was not kept (only small values are copied during the pass)").format(
        symbol=symbol
    )


def recompute(step: Step) -> list[torch.Tensor | None] | None:
    """The rule's own maths applied to this step's numbers, or None when it cannot say."""
    return _run(step)[0]


def verify(step: Step, rtol: float = 1e-4, atol: float = 1e-6) -> Check:
    """Apply the step's rule by hand and compare with what the engine sent."""
    mine, check = _run(step)
    if mine is None:
        return check
    n = len(step.grad_out)
    if len(mine) < n or any(g is not None for g in mine[n:]):
        return Check(DIFFERS, _("{got} gradients for {n} inputs").format(got=len(mine), n=n))
    compared = 0
    for i, (got, want) in enumerate(zip(mine, step.grad_out, strict=False)):
        if want is None:
            continue
        if got is None:
            return Check(DIFFERS, _("no gradient for input {i}").format(i=i))
        if tuple(got.shape) != tuple(want.shape):
            return Check(
                DIFFERS,
                _("input {i}: shape {got}, not {want}").format(
                    i=i, got=tuple(got.shape), want=tuple(want.shape)
                ),
            )
        if not torch.allclose(got.to(want.dtype), want, rtol=rtol, atol=atol, equal_nan=True):
            worst = float((got.to(want.dtype) - want).abs().max())
            return Check(
                DIFFERS, _("input {i}: off by up to {worst}").format(i=i, worst=f"{worst:.3g}")
            )
        compared += 1
    if not compared:
        return Check(UNCHECKED, _("PyTorch sent no gradient to compare with"))
    return check


def agrees(step: Step, rtol: float = 1e-4, atol: float = 1e-6) -> bool | None:
    """True: the rule by hand gives what the engine sent; False: it does not, or its code
    failed; None: nothing compared (text-only card, value not kept, no card)."""
    return verify(step, rtol, atol).ok


# ---------------------------------------------------------------------- cards
@dataclass
class Card:
    """What the formula card shows for one step."""

    label: str
    forward: str
    lines: list[str]
    note: str
    numbers: list[tuple[str, str]]  # (symbol, value text) for this step
    known: bool
    check: Check = field(default_factory=lambda: Check(NO_CARD))

    def text(self) -> str:
        parts = [
            _("{label}: backward of {forward}").format(label=self.label, forward=self.forward)
            if self.known
            else self.label
        ]
        parts += [f"  {line}" for line in self.lines]
        if self.note:
            parts.append(f"  ({self.note})")
        if self.numbers:
            parts.append(_("this step:"))
            parts += [f"  {k} = {v}" for k, v in self.numbers]
        verdict = self.check.text()
        if verdict:
            parts.append(verdict)
        return "\n".join(parts)


def _value_text(value: Any, limit: int) -> str:
    if isinstance(value, torch.Tensor):
        shown = values_text(value, limit)
        return shown if shown is not None else _("shape {shape}").format(shape=shape_text(value))
    if isinstance(value, torch.Size):
        if not len(value):
            return _("scalar")
        return _("shape {shape}").format(shape=shape_text(torch.empty(value)))
    return str(value)


def card_for(step: Step, limit: int = 8) -> Card:
    """The formula card of a step: rule, note, and this step's numbers when small."""
    _key, r = rule_for_step(step)
    numbers: list[tuple[str, str]] = []
    incoming = [g for g in step.grad_in if g is not None]
    if len(step.grad_in) == 1 or len(incoming) <= 1:
        numbers.append(("grad", tensor_text(incoming[0], limit) if incoming else "None"))
    else:
        for i, g in enumerate(step.grad_in):
            numbers.append((f"grad_{i}", tensor_text(g, limit)))
    if r is None:
        return Card(
            step.label,
            "",
            [
                _("PyTorch computes {label}'s gradients with its own built-in formula;").format(
                    label=step.label
                ),
                _("gradviz has no card for it yet, but the numbers below are the real ones."),
            ],
            "",
            numbers + _outs(step, ("a", "b", "c", "d"), limit),
            known=False,
        )
    saved = step.saved
    for symbol, key in r.values:
        if key in saved and saved[key] is not None:
            numbers.append((symbol, _value_text(saved[key], limit).replace("\n", " ")))
    numbers += _outs(step, r.inputs, limit)
    return Card(
        step.label,
        _(r.forward),
        _card_lines(r.lines),
        _(r.note) if r.note else "",
        numbers,
        True,
        verify(step),
    )


def _card_lines(lines: tuple[str, ...]) -> list[str]:
    """The rule's lines in the current language: a catalog entry holds them all, ``; `` apart
    (as written in the rule), so each formula and its words are translated together."""
    joined = "; ".join(lines)
    shown = _(joined)
    return list(lines) if shown == joined else [line.strip() for line in shown.split(";")]


def _outs(step: Step, names: tuple[str, ...], limit: int) -> list[tuple[str, str]]:
    out = []
    for i, g in enumerate(step.grad_out):
        name = names[i] if i < len(names) else f"input{i}"
        if g is None:
            out.append((f"grad_{name}", _("None (needs no gradient)")))
        else:
            out.append((f"grad_{name}", tensor_text(g, limit)))
    return out
