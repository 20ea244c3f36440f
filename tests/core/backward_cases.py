"""Expressions for the backward tests, and a checker that compares a Trace with torch.autograd.

Each case builds its tensors afresh (seeded), so the same expression can run
once with a plain ``backward()`` (the reference) and once under
:func:`gradviz.core.backward.trace_backward`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from gradviz.core.backward import ACCUMULATE, Trace, trace_backward


@dataclass
class Built:
    root: torch.Tensor
    leaves: dict[str, torch.Tensor]
    grad: torch.Tensor | None = None
    extra: dict[str, torch.Tensor] = field(default_factory=dict)


def _leaf(data, **kw) -> torch.Tensor:
    return torch.tensor(data, dtype=torch.float64, requires_grad=True, **kw)


def dot_xx() -> Built:  # y = dot(x, x); x.grad == 2x
    x = torch.arange(4.0, dtype=torch.float64, requires_grad=True)
    return Built(torch.dot(x, x), {"x": x})


def detach_cut() -> Built:  # y = x*x; u = y.detach(); (u*x).sum(): x.grad == u
    x = torch.arange(4.0, dtype=torch.float64, requires_grad=True)
    y = x * x
    u = y.detach()
    return Built((u * x).sum(), {"x": x}, extra={"u": u})


def no_grad_cut() -> Built:  # the same cut made with torch.no_grad()
    x = torch.arange(4.0, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        y = x * x
    return Built((y * x).sum(), {"x": x}, extra={"y": y})


def relu_ones() -> Built:  # y = relu(x); y.backward(ones_like(x))
    x = torch.arange(-3.0, 3.0, 0.5, dtype=torch.float64, requires_grad=True)
    y = torch.relu(x)
    return Built(y, {"x": x}, torch.ones_like(x))


def sigmoid_ones() -> Built:
    x = torch.arange(-3.0, 3.0, 0.5, dtype=torch.float64, requires_grad=True)
    y = torch.sigmoid(x)
    return Built(y, {"x": x}, torch.ones_like(x))


def ones_mean() -> Built:  # x = ones(2,2); y = x+2; z = y*y*3; out = z.mean(): x.grad == 4.5
    x = torch.ones(2, 2, dtype=torch.float64, requires_grad=True)
    y = x + 2
    z = y * y * 3
    return Built(z.mean(), {"x": x})


def doubling_loop() -> Built:  # y = x*2; while y.norm() < 1000: y = y*2; y.backward(v)
    torch.manual_seed(0)
    x = torch.randn(3, dtype=torch.float64, requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float64)
    return Built(y, {"x": x}, v)


def w_x_b() -> Built:  # y = w*x + b with x=1, w=2, b=3: w.grad=1, x.grad=2, b.grad=1
    x, w, b = _leaf(1.0), _leaf(2.0), _leaf(3.0)
    return Built(w * x + b, {"x": x, "w": w, "b": b})


def softmax_cross_entropy() -> Built:
    torch.manual_seed(1)
    X = torch.randn(4, 3, dtype=torch.float64)
    W = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(5, dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0, 2, 4, 1])
    logits = X @ W + b
    return Built(F.cross_entropy(logits, y), {"W": W, "b": b})


def softmax_by_hand() -> Built:  # the notes' softmax, then -log of the picked probability
    torch.manual_seed(2)
    o = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    e = torch.exp(o)
    p = e / e.sum(1, keepdim=True)
    y = torch.tensor([1, 0, 3])
    return Built(-torch.log(p[torch.arange(3), y]).mean(), {"o": o})


def broadcast_matmul() -> Built:  # (2,3,4) @ (4,2) + (2,) -> batch broadcasting
    torch.manual_seed(3)
    A = torch.randn(2, 3, 4, dtype=torch.float64, requires_grad=True)
    B = torch.randn(4, 2, dtype=torch.float64, requires_grad=True)
    c = torch.randn(2, dtype=torch.float64, requires_grad=True)
    return Built(((A @ B) + c).tanh().sum(), {"A": A, "B": B, "c": c})


def used_twice() -> Built:  # x feeds two branches: its .grad is the sum of both
    x = _leaf([0.5, -1.0, 2.0])
    w = _leaf([1.0, 2.0, 3.0])
    return Built((x * w).sum() + x.sin().sum(), {"x": x, "w": w})


def square_by_mul() -> Built:  # x * x: the same leaf twice in one node
    x = _leaf([1.0, 2.0, 3.0])
    return Built((x * x).sum(), {"x": x})


def mlp() -> Built:  # nn.Linear-style layers (Addmm, T, Relu) and an MSE loss
    torch.manual_seed(4)
    X = torch.randn(5, 3, dtype=torch.float64)
    W1 = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    b1 = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    W2 = torch.randn(1, 4, dtype=torch.float64, requires_grad=True)
    h = F.relu(F.linear(X, W1, b1))
    out = F.linear(h, W2)
    target = torch.ones(5, 1, dtype=torch.float64)
    return Built(F.mse_loss(out, target), {"W1": W1, "b1": b1, "W2": W2})


def shapes_and_reductions() -> Built:
    torch.manual_seed(5)
    x = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    v = torch.randn(3, dtype=torch.float64, requires_grad=True)
    y = torch.cat([x, v.unsqueeze(0)], 0)  # (3, 3)
    z = torch.stack([y.t(), y], 0).permute(1, 0, 2).reshape(3, 6)
    m = z.max(1).values + z.mean(0).sum() + z[:, 1:4].cumsum(1).norm()
    return Built(m.clamp(-5, 5).sum() + x.abs().pow(1.5).sum(), {"x": x, "v": v})


def losses() -> Built:
    torch.manual_seed(6)
    z = torch.randn(4, dtype=torch.float64, requires_grad=True)
    t = torch.tensor([0.0, 1.0, 1.0, 0.0], dtype=torch.float64)
    loss = (
        F.binary_cross_entropy(torch.sigmoid(z), t)
        + F.binary_cross_entropy_with_logits(z, t)
        + F.smooth_l1_loss(z, t)
        + F.l1_loss(z, t)
        + F.nll_loss(F.log_softmax(z.view(2, 2), 1), torch.tensor([1, 0]))
    )
    return Built(loss, {"z": z})


SEED_CASES: dict[str, Callable[[], Built]] = {
    "dot(x, x)": dot_xx,
    "y.detach() * x": detach_cut,
    "no_grad cut": no_grad_cut,
    "relu, ones_like": relu_ones,
    "sigmoid, ones_like": sigmoid_ones,
    "ones(2,2); y*y*3; mean": ones_mean,
    "doubling loop, backward(v)": doubling_loop,
    "w*x + b": w_x_b,
    "softmax + cross-entropy": softmax_cross_entropy,
    "softmax by hand": softmax_by_hand,
    "broadcasting matmul": broadcast_matmul,
    "tensor used twice": used_twice,
}
MORE_CASES: dict[str, Callable[[], Built]] = {
    "x * x": square_by_mul,
    "mlp": mlp,
    "shapes and reductions": shapes_and_reductions,
    "losses": losses,
}
ALL_CASES = {**SEED_CASES, **MORE_CASES}


class ForwardRecorder(TorchFunctionMode):
    """Remembers every op's tensor inputs and its output, to ask autograd about each node."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []  # (func, args, kwargs, output)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        is_getter = getattr(func, "__name__", "") == "__get__"
        if not is_getter and isinstance(out, torch.Tensor) and out.grad_fn is not None:
            self.calls.append((func, args, kwargs, out))
        return out


def _flat(args, kwargs):
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, (list, tuple)):
            yield from a
        else:
            yield a


def _swap(value, fresh: dict[int, torch.Tensor]):
    """``value`` with every tensor that requires grad replaced by its fresh copy."""
    if isinstance(value, torch.Tensor):
        return fresh.get(id(value), value)
    if isinstance(value, (list, tuple)):
        return type(value)(_swap(v, fresh) for v in value)
    if isinstance(value, dict):
        return {k: _swap(v, fresh) for k, v in value.items()}
    return value


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, rtol=1e-10, atol=1e-12)


def check_trace(case: Callable[[], Built]) -> tuple[Trace, int]:
    """Trace ``case`` and compare every recorded gradient with torch.autograd.

    Returns the trace and how many gradients were compared.
    """
    ref = case()
    ref.root.backward(ref.grad)
    expected = {n: t.grad.clone() for n, t in ref.leaves.items()}

    rec = ForwardRecorder()
    with rec:
        built = case()
    trace = trace_backward(built.root, built.grad, retain_graph=True, names=built.leaves)
    seed = built.grad if built.grad is not None else torch.ones_like(built.root)
    by_fn = {step.node: step for step in trace.steps}
    compared = 0

    # 1. the leaves end with exactly what backward() gives
    for name, t in built.leaves.items():
        assert _close(t.grad, expected[name]), name
        compared += 1
    assert {lf.name: lf.after.tolist() for lf in trace.leaves.values()} == {
        n: expected[n].tolist() for n in expected if n in {lf.name for lf in trace.leaves.values()}
    }

    # 2. what reached each node equals autograd's gradient w.r.t. that node's output
    outs = [call[3] for call in rec.calls]
    refs = torch.autograd.grad(built.root, outs, seed, retain_graph=True, allow_unused=True)
    from gradviz.core.graph import function_node_id

    for out, want in zip(outs, refs, strict=True):
        step = by_fn.get(function_node_id(out.grad_fn))
        if want is None or step is None:
            continue
        got = step.grad_in[out.output_nr]
        assert got is not None and _close(got, want), step.label
        compared += 1

    # 3. what each node sent equals autograd's vector-Jacobian product of that one op,
    #    re-run on detached copies of its inputs (so no other path is counted)
    for func, args, kwargs, out in rec.calls:
        step = by_fn.get(function_node_id(out.grad_fn))
        if step is None or len(step.grad_in) != 1 or step.grad_in[0] is None:
            continue
        inputs = [t for t in _flat(args, kwargs) if isinstance(t, torch.Tensor)]
        edges = {}
        for t in inputs:
            if t.requires_grad:
                edge = torch.autograd.graph.get_gradient_edge(t)
                edges[(id(edge.node), edge.output_nr)] = t
        nexts = out.grad_fn.next_functions
        slots = [None if nf is None else edges.get((id(nf), nr)) for nf, nr in nexts]
        if any(nf is not None and s is None for (nf, _), s in zip(nexts, slots, strict=True)):
            continue  # one call made several nodes (e.g. cross_entropy): covered by 2.
        unique = list({id(t): t for t in slots if t is not None}.values())
        if not unique:
            continue
        fresh = {id(t): t.detach().requires_grad_() for t in unique}
        again = func(*_swap(args, fresh), **_swap(kwargs, fresh))
        local = torch.autograd.grad(again, [fresh[id(t)] for t in unique], step.grad_in[0])
        for t, want in zip(unique, local, strict=True):
            parts = [g for s, g in zip(slots, step.grad_out, strict=True) if s is t]
            total = parts[0]
            for p in parts[1:]:
                total = total + p
            assert _close(total, want), step.label
            compared += 1

    # 4. each leaf's contributions add up to what its AccumulateGrad received
    for step in trace.steps:
        if step.label == ACCUMULATE:
            sent = [
                g
                for s in trace.steps
                for src, g in zip(s.inputs, s.grad_out, strict=True)
                if src == step.node and g is not None
            ]
            total = sent[0]
            for g in sent[1:]:
                total = total + g
            assert _close(total, step.grad_in[0])
            compared += 1
    return trace, compared
