"""What the Inspector shows about a tensor, computed without Qt."""

from __future__ import annotations

from dataclasses import dataclass

import torch


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

    def rows(self) -> list[tuple[str, str, str]]:
        """(property, value, explanation) rows for a table."""
        share = ", ".join(self.shares_with) or "—"
        return [
            ("shape", str(tuple(self.shape)), "size along each axis"),
            ("dtype", self.dtype, "element type"),
            ("device", self.device, "where the data lives"),
            ("stride", str(self.stride), "elements to skip per step along each axis"),
            ("contiguous", str(self.contiguous), "row-major without gaps; view() needs this"),
            ("is_leaf", str(self.is_leaf), "made by the user, not by an op that autograd recorded"),
            ("requires_grad", str(self.requires_grad), "autograd records ops on it"),
            ("grad_fn", self.grad_fn or "None", "the backward function that made it"),
            (".grad", self.grad or "None", "gradient accumulated by backward()"),
            ("version", str(self.version), "bumped by each in-place change"),
            ("view", "yes" if self.is_view else "no", "a view shares its base's memory"),
            ("shares storage with", share, "changing one changes the others"),
        ]


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
    extra = f", norm {norm:.4g}" if norm is not None else ""
    return f"shape {tuple(t.shape)}{extra}"


def _storage_key(t: torch.Tensor) -> tuple[str, int] | None:
    try:
        return (str(t.device), t.untyped_storage().data_ptr())
    except RuntimeError:
        return None


def describe(name: str, tensors: dict[str, torch.Tensor]) -> TensorInfo:
    """Describe ``tensors[name]``, including which other named tensors share its memory."""
    t = tensors[name]
    key = _storage_key(t)
    shares = tuple(
        other
        for other, o in tensors.items()
        if other != name and key is not None and o.numel() and _storage_key(o) == key
    )
    grad = None
    if t.is_leaf or t.retains_grad:
        grad = short_values(t.grad)
    return TensorInfo(
        shape=tuple(t.shape),
        dtype=str(t.dtype).replace("torch.", ""),
        device=str(t.device),
        stride=tuple(t.stride()),
        is_leaf=t.is_leaf,
        requires_grad=t.requires_grad,
        grad_fn=type(t.grad_fn).__name__ if t.grad_fn is not None else None,
        grad=grad,
        version=t._version,
        contiguous=t.is_contiguous(),
        is_view=t._base is not None,
        shares_with=shares,
    )
