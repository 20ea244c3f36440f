"""Inspector rows for what console code binds besides tensors: modules, optimizers, arrays."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

Row = tuple[str, str, str]  # (property, value, explanation)

SHARE_TIP = "from torch.from_numpy or .numpy(): one block of memory, so writing either changes both"


def arrays_sharing(objects: dict[str, Any], sharing: Any, tensor: str) -> list[str]:
    """The console NumPy arrays (by name) whose memory the tensor ``tensor`` shares.

    ``sharing(name)`` is :meth:`Workspace.sharing` (array name -> tensor names).
    """
    return [n for n, v in objects.items() if isinstance(v, np.ndarray) and tensor in sharing(n)]


def _shape(shape: Any) -> str:
    return "×".join(map(str, shape)) or "scalar"


def object_rows(value: Any, sharing: list[str]) -> list[Row]:
    """What the Inspector shows for a module, optimizer or array; ``sharing``: for an array,
    the tensors that share its memory."""
    kind = type(value).__name__
    if isinstance(value, torch.nn.Module):
        params = sum(p.numel() for p in value.parameters())
        trainable = sum(p.numel() for p in value.parameters() if p.requires_grad)
        rows: list[Row] = [
            ("class", kind, "an nn.Module bound by console code"),
            ("parameters", f"{params:,}", "elements in all its parameters (children's included)"),
            ("trainable", f"{trainable:,}", "elements in parameters that require grad"),
            ("mode", "training" if value.training else "eval", "module.train() / module.eval()"),
        ]
        for key, t in value.state_dict().items():
            size = f"{t.numel():,} element{'s' * (t.numel() != 1)}"
            rows.append((key, f"{_shape(t.shape)} · {size}", "a state_dict entry"))
        return rows
    if isinstance(value, torch.optim.Optimizer):
        rows = [("class", kind, "an optimizer bound by console code")]
        for i, group in enumerate(value.param_groups):
            settings = ", ".join(
                f"{k}={v}"
                for k, v in group.items()
                if k != "params" and isinstance(v, (int, float))
            )
            rows.append((f"group {i}", f"{len(group['params'])} tensors · {settings}", ""))
        return rows
    if isinstance(value, np.ndarray):
        return [
            ("class", "numpy.ndarray", "a NumPy array bound by console code"),
            ("shape", str(tuple(value.shape)), ""),
            ("dtype", str(value.dtype), ""),
            ("shares memory with", ", ".join(sharing) or "— (its own memory)", SHARE_TIP),
        ]
    return [("class", kind, "")]
