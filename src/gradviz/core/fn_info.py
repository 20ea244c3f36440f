"""What a backward function holds, for the Inspector and the graph's tooltips.

:func:`function_details` reads a ``grad_fn`` the way torchviz's
``show_attrs``/``show_saved`` do: the functions it passes gradients to, the
tensors it saved for backward (``_saved_*``) and its other attributes.
:func:`catalog_op` maps a class name such as ``MulBackward0`` to the op of
the catalog that creates it, so a tooltip can show the op's formula.
"""

from __future__ import annotations

import re
from typing import Any

import torch

from gradviz.core.graph import function_node_id, saved_attributes

# backward class stems whose catalog op has another name
_ALIASES = {
    "mm": "matmul",
    "bmm": "matmul",
    "addmm": "matmul",
    "mv": "matmul",
    "dot": "matmul",
    "unsafe_view": "reshape",
    "view": "reshape",
    "select": "index",
    "slice": "index",
    "index": "index",
    "mse_loss": "mse_loss",
    "sub": "sub",
    "rsub": "sub",
    "div": "div",
    "pow": "pow",
    "t": "transpose",
    "permute": "permute",
    "expand": "expand",
    "squeeze": "squeeze",
    "unsqueeze": "unsqueeze",
    "nll_loss": "cross_entropy",
    "log_softmax": "log_softmax",
    "clamp_min": "relu",
    "threshold": "relu",
}

_MAX_VALUES = 64  # elements shown for a saved tensor; more is just a shape


def backward_stem(label: str) -> str:
    """``MulBackward0`` -> ``mul``, ``MseLossBackward0`` -> ``mse_loss``."""
    stem = re.sub(r"Backward\d*$", "", label)
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", stem).lower()


def catalog_op(label: str, ops: dict[str, Any] | None = None) -> Any | None:
    """The catalog OpSpec behind a backward class name, or None."""
    if ops is None:
        from gradviz.core.ops import OPS

        ops = OPS
    stem = backward_stem(label)
    for candidate in (stem, _ALIASES.get(stem), stem.rstrip("_")):
        if candidate and candidate in ops:
            return ops[candidate]
    return None


def _describe_value(value: Any) -> dict[str, Any]:
    if isinstance(value, torch.Tensor):
        info: dict[str, Any] = {
            "type": "tensor",
            "shape": list(value.shape),
            "dtype": str(value.dtype).replace("torch.", ""),
            "device": str(value.device),
        }
        if value.numel() <= _MAX_VALUES and value.device.type != "meta":
            info["values"] = value.detach().cpu().tolist()
        return info
    if isinstance(value, (tuple, list)) and any(isinstance(v, torch.Tensor) for v in value):
        return {"type": "tensors", "items": [_describe_value(v) for v in value]}
    if isinstance(value, (bool, int, float, str, type(None))):
        return {"type": type(value).__name__, "value": value}
    if isinstance(value, (tuple, list)):
        return {"type": type(value).__name__, "value": list(value)}
    return {"type": type(value).__name__, "value": repr(value)}


def function_details(fn: Any) -> dict[str, Any]:
    """Class name, next functions, saved tensors and other attributes of a grad_fn.

    Reading a saved tensor after a backward without ``retain_graph`` raises in
    PyTorch; such entries say ``"freed"`` instead of failing.
    """
    label = type(fn).__name__
    nexts = []
    for nf, k in getattr(fn, "next_functions", ()):
        if nf is None:
            nexts.append({"id": None, "label": None, "output_nr": k})
        else:
            nexts.append({"id": function_node_id(nf), "label": type(nf).__name__, "output_nr": k})
    saved: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for attr in saved_attributes(type(fn)):
        try:
            value = getattr(fn, attr)
        except RuntimeError as exc:  # freed by backward
            saved[attr] = {"type": "freed", "value": str(exc).split(".")[0]}
            continue
        described = _describe_value(value)
        target = saved if described["type"] in ("tensor", "tensors") else attributes
        target[attr] = described
    op = catalog_op(label)
    details: dict[str, Any] = {
        "id": function_node_id(fn),
        "label": label,
        "next_functions": nexts,
        "saved_tensors": saved,
        "attributes": attributes,
        "op": op.name if op is not None else None,
        "formula": op.formula if op is not None else None,
    }
    variable = getattr(fn, "variable", None)
    if isinstance(variable, torch.Tensor):
        details["variable"] = _describe_value(variable)
    return details
