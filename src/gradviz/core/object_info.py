"""Inspector rows for what console code binds besides tensors: modules, optimizers, arrays."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from gradviz.core.i18n import N_, _

Row = tuple[str, str, str]  # (property, value, explanation)

SHARE_TIP = N_(
    "from torch.from_numpy or .numpy(): one block of memory, so writing either changes both"
)


def arrays_sharing(objects: dict[str, Any], sharing: Any, tensor: str) -> list[str]:
    """The console NumPy arrays (by name) whose memory the tensor ``tensor`` shares.

    ``sharing(name)`` is :meth:`Workspace.sharing` (array name -> tensor names).
    """
    return [n for n, v in objects.items() if isinstance(v, np.ndarray) and tensor in sharing(n)]


def _shape(shape: Any) -> str:
    return "×".join(map(str, shape)) or _("scalar")


def object_rows(value: Any, sharing: list[str]) -> list[Row]:
    """What the Inspector shows for a module, optimizer or array; ``sharing``: for an array,
    the tensors that share its memory."""
    kind = type(value).__name__
    if isinstance(value, torch.nn.Module):
        params = sum(p.numel() for p in value.parameters())
        trainable = sum(p.numel() for p in value.parameters() if p.requires_grad)
        rows: list[Row] = [
            (_("class"), kind, _("an nn.Module bound by console code")),
            (
                _("parameters"),
                f"{params:,}",
                _("elements in all its parameters (children's included)"),
            ),
            (_("trainable"), f"{trainable:,}", _("elements in parameters that require grad")),
            (
                _("mode"),
                _("training") if value.training else _("eval"),
                "module.train() / module.eval()",
            ),
        ]
        for key, t in value.state_dict().items():
            n = t.numel()
            size = (_("{count} element") if n == 1 else _("{count} elements")).format(
                count=f"{n:,}"
            )
            rows.append((key, f"{_shape(t.shape)} · {size}", _("a state_dict entry")))
        return rows
    if isinstance(value, torch.optim.Optimizer):
        rows = [(_("class"), kind, _("an optimizer bound by console code"))]
        for i, group in enumerate(value.param_groups):
            settings = ", ".join(
                f"{k}={v}"
                for k, v in group.items()
                if k != "params" and isinstance(v, (int, float))
            )
            count = _("{count} tensors").format(count=len(group["params"]))
            rows.append((_("group {i}").format(i=i), f"{count} · {settings}", ""))
        return rows
    if isinstance(value, np.ndarray):
        return [
            (_("class"), "numpy.ndarray", _("a NumPy array bound by console code")),
            ("shape", str(tuple(value.shape)), ""),
            ("dtype", str(value.dtype), ""),
            (
                _("shares memory with"),
                ", ".join(sharing) or _("— (its own memory)"),
                _(SHARE_TIP),
            ),
        ]
    return [(_("class"), kind, "")]
