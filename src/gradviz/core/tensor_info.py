"""What the Inspector shows about a tensor, computed without Qt."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gradviz.core.i18n import N_, _

# Why a tensor has no .grad, in the words the notes use.
GRAD_HINT_NON_LEAF = N_("None: non-leaf (retain_grad() keeps it)")
GRAD_HINT_NO_GRAD = N_("None: requires_grad is False, so autograd never computes one")


@dataclass(frozen=True)
class TensorInfo:
    shape: tuple[int, ...]
    dtype: str
    device: str
    stride: tuple[int, ...]
    is_leaf: bool
    requires_grad: bool
    grad_fn: str | None
    grad: str | None  # short text of .grad, or None
    version: int
    contiguous: bool
    is_view: bool
    shares_with: tuple[str, ...]  # other workspace tensors on the same storage
    base: str | None = None  # the workspace name of a view's base, when it has one
    retains_grad: bool = False

    @property
    def grad_text(self) -> str:
        """``.grad`` as shown: the values, or why there are none."""
        if self.grad is not None:
            return self.grad
        if not self.requires_grad:
            return _(GRAD_HINT_NO_GRAD)
        if not self.is_leaf and not self.retains_grad:
            return _(GRAD_HINT_NON_LEAF)
        return _("None (run backward to fill it)")

    def rows(self) -> list[tuple[str, str, str]]:
        """(property, value, explanation) rows for a table."""
        share = ", ".join(self.shares_with) or "—"
        # the storage rows (view, _base, shared memory, version) come early: on a laptop
        # screen they are what a learner looks for, and they stay above the fold.
        # Property names that are PyTorch's own (dtype, grad_fn, .grad…) stay as they are.
        rows = [
            ("shape", str(tuple(self.shape)), _("size along each axis")),
            ("dtype", self.dtype, _("element type")),
            (
                _("view"),
                _("yes") if self.is_view else _("no"),
                _("a view shares its base's memory"),
            ),
        ]
        if self.is_view:
            base = self.base or _("a tensor outside the workspace")
            rows.append(("._base", base, _("the tensor whose memory this view looks at")))
        rows += [
            (_("shares storage with"), share, _("changing one changes the others")),
            (_("version"), str(self.version), _("bumped by each in-place change")),
            ("requires_grad", str(self.requires_grad), _("autograd records ops on it")),
            (
                "is_leaf",
                str(self.is_leaf),
                _("made by the user, not by an op that autograd recorded"),
            ),
            ("grad_fn", self.grad_fn or "None", _("the backward function that made it")),
            (
                ".grad",
                self.grad_text,
                _(
                    "gradient accumulated by backward(). Only leaves keep one: a non-leaf's "
                    "gradient is freed after use unless retain_grad() was called before backward"
                ),
            ),
            ("device", self.device, _("where the data lives")),
            ("stride", str(self.stride), _("elements to skip per step along each axis")),
            (
                "contiguous",
                str(self.contiguous),
                _("row-major without gaps; view() needs this"),
            ),
        ]
        return rows


def short_values(t: torch.Tensor | None, limit: int = 12) -> str | None:
    """A compact one-line rendering of small tensors, else shape and norm."""
    if t is None:
        return None
    t = t.detach()
    if t.numel() <= limit:
        values = t.cpu().flatten().tolist()
        body = ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in values)
        return f"[{body}]" if t.dim() else body
    norm = t.float().norm().item() if t.is_floating_point() or t.is_complex() else None
    if norm is None:
        return _("shape {shape}").format(shape=tuple(t.shape))
    return _("shape {shape}, norm {norm}").format(shape=tuple(t.shape), norm=f"{norm:.4g}")


def _storage_key(t: torch.Tensor) -> tuple[str, int] | None:
    try:
        return (str(t.device), t.untyped_storage().data_ptr())
    except RuntimeError:
        return None


def readable_grad(t: torch.Tensor) -> torch.Tensor | None:
    """``t.grad`` where PyTorch keeps one (leaves, retain_grad); never warns for non-leaves."""
    return t.grad if (t.is_leaf or t.retains_grad) else None


def describe(name: str, tensors: dict[str, torch.Tensor]) -> TensorInfo:
    """Describe ``tensors[name]``, including which other named tensors share its memory."""
    t = tensors[name]
    key = _storage_key(t)
    shares = tuple(
        other
        for other, o in tensors.items()
        if other != name and key is not None and o.numel() and _storage_key(o) == key
    )
    base = None
    if t._base is not None:
        base = next((n for n, o in tensors.items() if o is t._base), None)
    return TensorInfo(
        shape=tuple(t.shape),
        dtype=str(t.dtype).replace("torch.", ""),
        device=str(t.device),
        stride=tuple(t.stride()),
        is_leaf=t.is_leaf,
        requires_grad=t.requires_grad,
        grad_fn=type(t.grad_fn).__name__ if t.grad_fn is not None else None,
        grad=short_values(readable_grad(t)),
        version=t._version,
        contiguous=t.is_contiguous(),
        is_view=t._base is not None,
        shares_with=shares,
        base=base,
        retains_grad=bool(t.retains_grad),
    )
