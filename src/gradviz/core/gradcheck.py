""" "Check gradient": autograd's answer against central finite differences, in float64.

For a function ``y = f(x)`` and a gradient ``v`` of y's shape, backward gives
``∂ sum(v * y) / ∂x``. The numerical check nudges each element of x by ±eps
and measures how ``sum(v * f(x))`` moves:

    numeric_i = (L(x + eps·e_i) − L(x − eps·e_i)) / (2·eps)

Everything runs in float64, where the rounding error of that quotient is far
below the tolerance. :func:`torch.autograd.gradcheck` runs too, as a second
opinion (its fast mode for big inputs).

:func:`workspace_function` turns a workspace into such an ``f``: it replays the
session's history in float64 with the leaf's values replaced by ``x``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from gradviz.core.i18n import _
from gradviz.core.ops import OPS
from gradviz.core.workspace import Action, Workspace, WorkspaceError

EPS = 1e-6
ATOL = 1e-5
RTOL = 1e-3
MAX_ELEMENTS = 64  # bigger leaves are checked on this many elements picked at random


class GradCheckError(Exception):
    """The check could not run (no such tensor, not a float leaf, ...): one clear line."""


@dataclass
class GradCheckResult:
    name: str
    checked: int  # elements compared
    total: int  # elements of the leaf
    max_abs: float  # max |autograd − numeric|
    max_rel: float  # max |autograd − numeric| / max(|autograd|, |numeric|)
    passed: bool  # every element within atol + rtol·|numeric|
    torch_passed: bool | None  # torch.autograd.gradcheck's verdict (None: not run)
    torch_note: str
    eps: float = EPS
    atol: float = ATOL
    rtol: float = RTOL
    analytic: torch.Tensor | None = None
    numeric: torch.Tensor | None = None  # NaN where the element was not checked
    # elements where the slope from the left and from the right differ (relu at 0, abs at 0):
    # flat index -> (left slope, right slope)
    kinks: dict[int, tuple[float, float]] = field(default_factory=dict)

    def reason(self) -> str:
        """Why a FAIL happened, in one plain line ("" when it passed or no reason is known)."""
        if self.ok:
            return ""
        if self.kinks:
            i, (left, right) = next(iter(self.kinks.items()))
            where = _("element {i}").format(i=i) if self.total > 1 else self.name
            return _(
                "a kink: at {where} the function bends (slope {left} from the left, "
                "{right} from the right, like relu or abs at 0), so it has no derivative "
                "there; the finite difference averages the two sides while autograd picks "
                "one. Move the value off the kink and the check passes."
            ).format(where=where, left=f"{left:.4g}", right=f"{right:.4g}")
        if not self.passed and not math.isfinite(self.max_abs):
            return _("the function is not finite near this point (inf or nan), so no slope exists")
        return ""

    @property
    def ok(self) -> bool:
        return self.passed and self.torch_passed is not False

    def rows(self) -> list[tuple[str, str, str]]:
        """(check, value, verdict) rows for a small table."""
        # the verdict stays "pass"/"FAIL": the table colours its cells by that word
        verdict = "pass" if self.passed else "FAIL"
        sample = (
            ""
            if self.checked == self.total
            else " " + _("(random {n} of {total})").format(n=self.checked, total=self.total)
        )
        rows = [
            (_("elements checked"), f"{self.checked}{sample}", ""),
            (_("max |autograd − numeric|"), f"{self.max_abs:.3g}", verdict),
            (_("max relative error"), f"{self.max_rel:.3g}", verdict),
            (
                _("tolerance (eps {eps})").format(eps=f"{self.eps:g}"),
                f"{self.atol:g} + {self.rtol:g}·|numeric|",
                "",
            ),
        ]
        if self.torch_passed is not None:
            rows.append(
                (
                    "torch.autograd.gradcheck",
                    self.torch_note,
                    "pass" if self.torch_passed else "FAIL",
                )
            )
        return rows

    def text(self) -> str:
        head = _("gradient check of {name}: {verdict}").format(
            name=self.name, verdict="PASS" if self.ok else "FAIL"
        )
        return "\n".join([head, *(f"  {a}: {b} {c}".rstrip() for a, b, c in self.rows())])


def _loss(func: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, v: torch.Tensor | None):
    out = func(x)
    if not isinstance(out, torch.Tensor):
        raise GradCheckError(
            _("the function returned {type}, not a tensor").format(type=type(out).__name__)
        )
    out = out.to(torch.float64)
    if v is None:
        if out.numel() != 1:
            raise GradCheckError(
                _("the output has shape {shape}: give a gradient v of that shape").format(
                    shape=tuple(out.shape)
                )
            )
        return out.sum()
    if tuple(v.shape) != tuple(out.shape):
        raise GradCheckError(
            _("v has shape {got} but the output has shape {want}").format(
                got=tuple(v.shape), want=tuple(out.shape)
            )
        )
    return (out * v).sum()


def check_gradient(
    func: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    v: Any = None,
    *,
    name: str = "x",
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
    max_elements: int = MAX_ELEMENTS,
    seed: int = 0,
    run_torch: bool = True,
) -> GradCheckResult:
    """Compare autograd's gradient of ``sum(v * func(x))`` with central differences."""
    if not isinstance(x, torch.Tensor) or not (x.is_floating_point() or x.is_complex()):
        raise GradCheckError(_("{name} must be a floating-point tensor").format(name=name))
    if x.is_complex():
        raise GradCheckError(
            _("{name} is complex: the check supports real tensors").format(name=name)
        )
    x64 = x.detach().to(torch.float64).clone().requires_grad_(True)
    v64 = None if v is None else torch.as_tensor(v, dtype=torch.float64).detach()

    loss = _loss(func, x64, v64)
    if loss.grad_fn is None:
        analytic = torch.zeros_like(x64)  # nothing depends on x: the gradient is 0
    else:
        (g,) = torch.autograd.grad(loss, x64, allow_unused=True)
        analytic = torch.zeros_like(x64) if g is None else g.detach()

    n = x64.numel()
    if n <= max_elements:
        picks = list(range(n))
    else:
        gen = torch.Generator().manual_seed(seed)
        picks = sorted(torch.randperm(n, generator=gen)[:max_elements].tolist())
    numeric = torch.full_like(x64, math.nan)
    flat_num = numeric.view(-1)
    base = x64.detach()
    kinks: dict[int, tuple[float, float]] = {}
    with torch.no_grad():
        here = _loss(func, base, v64).item()
        for i in picks:
            nudged = base.clone()
            nudged.view(-1)[i] += eps
            up = _loss(func, nudged, v64).item()
            nudged.view(-1)[i] -= 2 * eps
            down = _loss(func, nudged, v64).item()
            flat_num[i] = (up - down) / (2 * eps)
            # one-sided slopes: on a smooth function they differ by about f''·eps
            left, right = (here - down) / eps, (up - here) / eps
            if abs(right - left) > atol + rtol * max(abs(left), abs(right)):
                kinks[i] = (left, right)

    a = analytic.reshape(-1)[picks]
    m = flat_num[picks]
    err = (a - m).abs()
    scale = torch.maximum(a.abs(), m.abs()).clamp_min(1e-12)
    finite = bool(torch.isfinite(err).all())
    max_abs = float(err.max()) if len(picks) else 0.0
    max_rel = float((err / scale).max()) if len(picks) else 0.0
    passed = finite and bool((err <= atol + rtol * m.abs()).all())

    torch_passed, note = None, ""
    if run_torch:
        torch_passed, note = _torch_gradcheck(func, x64, v64, eps, atol, rtol, n > max_elements)
    return GradCheckResult(
        name, len(picks), n, max_abs, max_rel, passed, torch_passed, note,
        eps, atol, rtol, analytic, numeric, kinks,
    )  # fmt: skip


def check_title(root: str, leaf: str, scalar_root: bool) -> str:
    """What the check compares: ∂root/∂leaf for a scalar root, else ∂ sum(v·root)/∂leaf."""
    if scalar_root:
        return f"∂{root} / ∂{leaf}"
    return f"∂ sum(v·{root}) / ∂{leaf}"


def _torch_gradcheck(func, x64, v64, eps, atol, rtol, fast) -> tuple[bool | None, str]:
    def scalar(t: torch.Tensor) -> torch.Tensor:
        return _loss(func, t, v64)

    try:
        ok = torch.autograd.gradcheck(
            scalar,
            (x64.detach().clone().requires_grad_(True),),
            eps=eps,
            atol=atol,
            rtol=rtol,
            raise_exception=False,
            fast_mode=fast,
        )
    except (RuntimeError, ValueError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, _("could not run: {error}").format(error=first[:120])
    mode = _("fast mode (random projection)") if fast else _("full Jacobian")
    return bool(ok), mode


# ----------------------------------------------------------------- workspace
_SKIPPED = {"backward", "zero_grad", "retain_grad"}  # they do not change any value


def workspace_function(
    ws: Workspace, root: str, leaf: str
) -> Callable[[torch.Tensor], torch.Tensor]:
    """``x -> root`` as the workspace computes it, replayed in float64 with ``leaf`` := x.

    The replay runs the session's history in a fresh workspace: tensors are
    made float64 as they are created, and the leaf is replaced by ``x`` right
    after the action that made it (later single-element edits of the leaf are
    already in its current value, so they are skipped).
    """
    if root not in ws.tensors:
        raise GradCheckError(_("no tensor named {name!r}").format(name=root))
    if leaf not in ws.tensors:
        raise GradCheckError(_("no tensor named {name!r}").format(name=leaf))
    if not ws.tensors[leaf].is_floating_point():
        raise GradCheckError(_("{name} is not a floating-point tensor").format(name=leaf))
    actions = [a for a in ws.history if a.kind not in _SKIPPED]
    if not any(_makes(a, leaf) for a in actions):
        raise GradCheckError(_("the history does not say how {name} was made").format(name=leaf))

    def f(x: torch.Tensor) -> torch.Tensor:
        fresh = Workspace()
        for action in actions:
            if action.kind == "edit" and action.target == leaf:
                continue
            try:
                fresh.run_action(action)
            except WorkspaceError as exc:
                raise GradCheckError(
                    _("replaying the session failed: {error}").format(error=exc)
                ) from None
            if action.kind == "create":
                t = fresh.tensors[action.target]
                if t.is_floating_point() and t.dtype != torch.float64:
                    fresh.tensors[action.target] = (
                        t.detach().to(torch.float64).requires_grad_(t.requires_grad)
                    )
            if _makes(action, leaf):
                fresh.tensors[leaf] = x
        if root not in fresh.tensors:
            raise GradCheckError(_("replaying the session did not make {name!r}").format(name=root))
        return fresh.tensors[root]

    return f


def _makes(action: Action, name: str) -> bool:
    return (
        action.kind in ("create", "apply")
        and action.target == name
        and (action.kind == "create" or not _inplace(action))
    )


def _inplace(action: Action) -> bool:
    spec = OPS.get(action.op)
    return bool(spec and spec.inplace)


def check_workspace_leaf(
    ws: Workspace, root: str, leaf: str, grad: Any = None, **kwargs: Any
) -> GradCheckResult:
    """The numerical check of ``∂ sum(grad * root) / ∂ leaf`` for a workspace session."""
    f = workspace_function(ws, root, leaf)
    state = torch.random.get_rng_state()  # replays re-seed random factories: put it back
    try:
        return check_gradient(f, ws.tensors[leaf], grad, name=leaf, **kwargs)
    finally:
        torch.random.set_rng_state(state)
