"""A recorded backward pass (:class:`~gradviz.core.backward.Trace`) as plain data, and back.

Live attach sends the steps of a script's backward to the app this way, so the app
steps through them as through a local trace. Each gradient, saved value and leaf
``.grad`` travels as a NumPy array (raw bytes on the wire) while it is small and the
message's byte budget lasts; a bigger one is sent as a :class:`GradSummary` (shape,
norm, mean, min, max), which the panel shows as such. Decoding checks every field and
raises :class:`ValueError` on anything else, so a bad reply is dropped whole.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from gradviz.core.backward import ACCUMULATE, GradSummary, Leaf, Step

COPY_LIMIT = 65_536  # elements: a tensor up to this size is sent whole (256 kB in float32)
BYTE_BUDGET = 6 * 2**20  # whole tensors in one trace, in bytes (one frame is 8 MiB)
MAX_STEPS = 50_000
MAX_EDGES = 64  # gradients in or out of one step
MAX_TEXT = 200
WIRE_DTYPES = {torch.float16, torch.float32, torch.float64, torch.int64, torch.int32, torch.bool}


class _Budget:
    def __init__(self, nbytes: int) -> None:
        self.left = nbytes

    def take(self, nbytes: int) -> bool:
        if nbytes > self.left:
            return False
        self.left -= nbytes
        return True


def summarise(t: torch.Tensor) -> GradSummary:
    """Shape and statistics of a tensor too big to send (computed where it lives)."""
    t = t.detach()
    if t.numel() == 0 or t.is_complex():
        return GradSummary(tuple(t.shape), str(t.dtype).removeprefix("torch."))
    f = t.float()
    stats = torch.stack([torch.linalg.vector_norm(f), f.mean(), f.min(), f.max()]).tolist()
    return GradSummary(tuple(t.shape), str(t.dtype).removeprefix("torch."), *stats)


def tensor_to_wire(t: Any, budget: _Budget | None = None) -> Any:
    """A tensor as an array (when small, and the budget lasts) or a summary map."""
    if t is None:
        return None
    if isinstance(t, GradSummary):
        return {"summary": t.to_wire()}
    t = t.detach()
    if t.dtype not in WIRE_DTYPES and t.is_floating_point():
        t = t.float()  # bfloat16 and the like: NumPy has no such dtype
    small = t.numel() <= COPY_LIMIT and t.dtype in WIRE_DTYPES and t.layout == torch.strided
    if small and (budget is None or budget.take(t.numel() * t.element_size())):
        return t.cpu().contiguous().numpy()
    return {"summary": summarise(t).to_wire()}


def tensor_from_wire(value: Any) -> torch.Tensor | GradSummary | None:
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if isinstance(value, dict) and set(value) == {"summary"}:
        return GradSummary.from_wire(value["summary"])
    raise ValueError("a gradient is neither an array nor a summary")


def _value_to_wire(value: Any, budget: _Budget) -> Any:
    """A saved value: tensors as tensors, sizes and tuples marked, other objects as text."""
    if isinstance(value, torch.Tensor):
        return {"tensor": tensor_to_wire(value, budget)}
    if isinstance(value, torch.Size):
        return {"size": [int(d) for d in value]}
    if isinstance(value, (list, tuple)):
        return {"tuple" if isinstance(value, tuple) else "list": [
            _value_to_wire(v, budget) for v in value
        ]}  # fmt: skip
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"text": str(value)[:MAX_TEXT]}


def _value_from_wire(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError("bad saved value")
    ((kind, inner),) = value.items()
    if kind == "tensor":
        return tensor_from_wire(inner)
    if kind == "size":
        if not isinstance(inner, list) or not all(isinstance(d, int) and d >= 0 for d in inner):
            raise ValueError("bad saved size")
        return torch.Size(inner)
    if kind in ("tuple", "list") and isinstance(inner, list) and len(inner) <= MAX_EDGES:
        items = [_value_from_wire(v) for v in inner]
        return tuple(items) if kind == "tuple" else items
    if kind == "text" and isinstance(inner, str):
        return inner[:MAX_TEXT]
    raise ValueError("bad saved value")


def trace_to_wire(trace: Any, byte_budget: int = BYTE_BUDGET) -> dict[str, Any]:
    """A recorded trace as plain data: the steps in the order the engine ran them."""
    budget = _Budget(byte_budget)
    steps = []
    for s in trace.steps:
        steps.append(
            {
                "node": s.node,
                "label": s.label,
                "grad_in": [tensor_to_wire(g, budget) for g in s.grad_in],
                "grad_out": [tensor_to_wire(g, budget) for g in s.grad_out],
                "inputs": list(s.inputs),
                "saved": {k: _value_to_wire(v, budget) for k, v in (s.saved or {}).items()},
            }
        )
    leaves = [
        {
            "id": leaf.id,
            "name": leaf.name,
            "before": tensor_to_wire(leaf.before, budget),
            "after": tensor_to_wire(leaf.after, budget),
        }
        for leaf in trace.leaves.values()
    ]
    return {
        "steps": steps,
        "leaves": leaves,
        "seed": tensor_to_wire(trace.seed, budget),
        "root_edge": list(trace.root_edge) if trace.root_edge is not None else None,
        "root_shape": [int(d) for d in trace.root.shape],
    }


class DataTrace:
    """A trace rebuilt from plain data: what :class:`~gradviz.core.backward.Replay` and the
    Backward panel read from a :class:`~gradviz.core.backward.Trace`, with no torch graph
    behind it (so it cannot be run again, only stepped through)."""

    def __init__(
        self,
        steps: list[Step],
        leaves: dict[str, Leaf],
        seed: torch.Tensor | GradSummary | None,
        root_edge: tuple[str, str] | None,
        root_shape: tuple[int, ...],
    ) -> None:
        self.steps = steps
        self.leaves = leaves
        self.seed = seed
        self.root_edge = root_edge
        self.retain_graph = False
        # a stand-in root: its shape for the panel's text; it needs no grad, so Run stays off
        self.root = torch.zeros(root_shape)
        self.graph = None

    def __len__(self) -> int:
        return len(self.steps)

    def leaf_name(self, node_id: str) -> str:
        leaf = self.leaves.get(node_id)
        return leaf.name if leaf else node_id


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueError(f"{what} is not a short string")
    return value


def _grads(value: Any, what: str) -> list:
    if not isinstance(value, list) or len(value) > MAX_EDGES:
        raise ValueError(f"{what} is not a short list")
    return [tensor_from_wire(g) for g in value]


def trace_from_wire(data: Any) -> DataTrace:
    """The trace ``trace_to_wire`` gave, or ValueError (never anything else)."""
    if not isinstance(data, dict):
        raise ValueError("trace is not a map")
    steps_in, leaves_in = data.get("steps"), data.get("leaves")
    if not isinstance(steps_in, list) or not isinstance(leaves_in, list):
        raise ValueError("trace has no step and leaf lists")
    if len(steps_in) > MAX_STEPS or len(leaves_in) > MAX_STEPS:
        raise ValueError(f"trace of {len(steps_in):,} steps is too long")
    steps = []
    for i, s in enumerate(steps_in):
        if not isinstance(s, dict):
            raise ValueError("step is not a map")
        label = _text(s.get("label"), "step label")
        inputs = s.get("inputs")
        if not isinstance(inputs, list) or not all(n is None or isinstance(n, str) for n in inputs):
            raise ValueError("step inputs are not node ids")
        grad_out = _grads(s.get("grad_out"), "grad_out")
        if label != ACCUMULATE and len(inputs) != len(grad_out):
            raise ValueError("a step's inputs and gradients do not pair up")
        saved = s.get("saved", {})
        if not isinstance(saved, dict) or len(saved) > MAX_EDGES:
            raise ValueError("saved values are not a map")
        step = Step(
            i,
            _text(s.get("node"), "step node"),
            label,
            _grads(s.get("grad_in"), "grad_in"),
            grad_out,
            inputs,
            None,
            {_text(k, "saved name"): _value_from_wire(v) for k, v in saved.items()},
        )
        steps.append(step)
    leaves: dict[str, Leaf] = {}
    for leaf in leaves_in:
        if not isinstance(leaf, dict):
            raise ValueError("leaf is not a map")
        lid = _text(leaf.get("id"), "leaf id")
        name = _text(leaf.get("name"), "leaf name")
        before, after = tensor_from_wire(leaf.get("before")), tensor_from_wire(leaf.get("after"))
        leaves[lid] = Leaf(lid, name, None, before, after)
    edge = data.get("root_edge")
    if edge is not None:
        if not (
            isinstance(edge, list) and len(edge) == 2 and all(isinstance(e, str) for e in edge)
        ):
            raise ValueError("bad root edge")
        edge = (edge[0], edge[1])
    shape = data.get("root_shape", [])
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise ValueError("bad root shape")
    if math.prod(shape) > COPY_LIMIT:
        raise ValueError("root too big")
    return DataTrace(steps, leaves, tensor_from_wire(data.get("seed")), edge, tuple(shape))
