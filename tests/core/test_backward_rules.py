"""Formula cards: every rule, applied by hand, gives what the real engine sent."""

from __future__ import annotations

from unittest import mock

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

from gradviz.core import backward
from gradviz.core.backward import ACCUMULATE, trace_backward
from gradviz.core.backward_rules import (
    AGREES,
    TEXT_ONLY,
    card_for,
    recompute,
    rule_for,
    rule_for_step,
    sum_to,
    verify,
)
from gradviz.core.ops import OPS
from gradviz.core.workspace import Workspace

FAST = settings(max_examples=40, deadline=None)


def _trace(root: torch.Tensor, grad=None):
    with mock.patch.object(backward, "SMALL", 10_000):  # keep every saved value, however big
        return trace_backward(root, grad, keep_saved=True)


def _rand(shape, seed=0, positive=False):
    g = torch.Generator().manual_seed(seed)
    t = torch.randn(tuple(shape), generator=g, dtype=torch.float64)
    if positive:
        t = t.abs() + 0.5
    return t.requires_grad_()


def _checked(root, grad=None) -> dict[str, int]:
    """Trace, check every rule that can be checked, and count them by label."""
    trace = _trace(root, grad)
    counts: dict[str, int] = {}
    for step in trace.steps:
        check = verify(step)
        assert _expected(step) == check.state, f"{step.label}: {check}, {recompute(step)}"
        if check.state == AGREES:
            counts[step.label] = counts.get(step.label, 0) + 1
    return counts


def _expected(step) -> str:
    """A card with code must agree with the engine; only a card without code may not check."""
    _, r = rule_for_step(step)
    assert r is not None, f"no card for {step.label}"
    return TEXT_ONLY if r.compute is None else AGREES


# ------------------------------------------------------------ broadcasting
@FAST
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
    op=st.sampled_from(["add", "sub", "mul", "div", "maximum", "where"]),
    seed=st.integers(0, 1000),
)
def test_broadcasting_rules_sum_back_to_each_input(shapes, op, seed):
    (sa, sb), out_shape = shapes
    a, b = _rand(sa, seed), _rand(sb, seed + 1, positive=(op == "div"))
    out = {
        "add": lambda: a + b,
        "sub": lambda: a - b,
        "mul": lambda: a * b,
        "div": lambda: a / b,
        "maximum": lambda: torch.maximum(a, b),
        "where": lambda: torch.where(a.detach() > 0, a, b),
    }[op]()
    v = _rand(out_shape, seed + 2).detach()
    counts = _checked(out, v)
    label = type(out.grad_fn).__name__
    assert counts.get(label) == 1  # the op's own rule was checked, not skipped
    assert a.grad.shape == a.shape and b.grad.shape == b.shape


@FAST
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=1, max_dims=4, max_side=3),
    seed=st.integers(0, 1000),
)
def test_expand_rule_is_sum_over_expanded_dims(shapes, seed):
    (small,), _ = shapes
    a = _rand(small, seed)
    target = tuple(s if s != 1 else 3 for s in small)
    target = (2, *target)  # one more leading dim
    out = a.expand(target)
    counts = _checked(out, _rand(target, seed + 1).detach())
    assert counts.get("ExpandBackward0") == 1
    assert torch.allclose(a.grad, sum_to(_rand(target, seed + 1).detach(), tuple(small)))


@FAST
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4), seed=st.integers()
)
def test_sum_to_matches_torch(shapes, seed):
    (small, _), big = shapes
    g = torch.randn(big, generator=torch.Generator().manual_seed(seed % 2**31))
    if len(small) <= len(big):
        assert torch.allclose(sum_to(g, small), g.sum_to_size(small) if small else g.sum())


# ------------------------------------------------------------ reductions
@st.composite
def shape_and_dims(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    dims = draw(
        st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True)
    )
    return shape, tuple(dims), draw(st.booleans())


@FAST
@given(
    case=shape_and_dims(),
    op=st.sampled_from(["sum", "mean", "amax", "norm", "logsumexp", "sum_all", "mean_all"]),
    seed=st.integers(0, 1000),
)
def test_reduction_rules(case, op, seed):
    shape, dims, keep = case
    a = _rand(shape, seed)
    out = {
        "sum": lambda: a.sum(dims, keepdim=keep),
        "mean": lambda: a.mean(dims, keepdim=keep),
        "amax": lambda: a.amax(dims, keepdim=keep),
        "norm": lambda: torch.linalg.vector_norm(a, dim=dims, keepdim=keep),
        "logsumexp": lambda: a.logsumexp(dims, keepdim=keep),
        "sum_all": lambda: a.sum(),
        "mean_all": lambda: a.mean(),
    }[op]()
    counts = _checked(out, _rand(out.shape, seed + 1).detach())
    assert counts.get(type(out.grad_fn).__name__) == 1


@FAST
@given(
    shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
    op=st.sampled_from(["max", "min", "cumsum", "softmax", "log_softmax"]),
    data=st.data(),
)
def test_along_dim_rules(shape, op, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    a = _rand(shape, data.draw(st.integers(0, 1000)))
    out = {
        "max": lambda: a.max(dim).values,
        "min": lambda: a.min(dim, keepdim=True).values,
        "cumsum": lambda: a.cumsum(dim),
        "softmax": lambda: a.softmax(dim),
        "log_softmax": lambda: a.log_softmax(dim),
    }[op]()
    counts = _checked(out, _rand(out.shape, 7).detach())
    assert counts.get(type(out.grad_fn).__name__) == 1


# ---------------------------------------------------- the op catalog is covered
def _catalog_roots():
    """Run every op of the catalog on its example, as the app would, and yield its output."""
    for spec in OPS.values():
        ws = Workspace()
        args: dict[str, str] = {}
        for p in spec.params:
            text = spec.example.get(p.name, "")
            grad = spec.example_grad
            if p.kind == "tensor" or (p.kind == "tensor_or_number" and "[" in text):
                ws.create(p.name, "tensor", {"data": text}, requires_grad=grad and "." in text)
                args[p.name] = p.name
            elif p.kind == "tensors":
                names = []
                for i, part in enumerate(text.split(";")):
                    ws.create(f"{p.name}{i}", "tensor", {"data": part}, requires_grad=grad)
                    names.append(f"{p.name}{i}")
                args[p.name] = ", ".join(names)
            elif text:
                args[p.name] = text
        out = ws.apply(spec.name, None if spec.inplace else "out", args).tensor
        if isinstance(out, torch.Tensor) and out.grad_fn is not None:
            yield spec.name, out


def test_every_catalog_op_has_a_card_that_agrees_with_the_engine():
    seen = set()
    for name, out in _catalog_roots():
        grad = torch.ones_like(out) if out.dim() else None
        trace = _trace(out, grad)
        for step in trace.steps:
            seen.add(step.label)
            card = card_for(step)
            assert card.known, f"{name}: no card for {step.label}"
            assert card.lines and card.forward
            assert verify(step).state == _expected(step), f"{name}: {step.label}"
    # the catalog reaches a good spread of node types, each with its card
    assert {"MulBackward0", "MmBackward0", "SoftmaxBackward0", "NllLossBackward0"} <= seen
    assert len(seen) >= 40


VARIANTS = {
    "sum()": lambda x: x.sum(),
    "mean()": lambda x: x.mean(),
    "max()": lambda x: x.max(),
    "min()": lambda x: x.min(),
    "squeeze()": lambda x: x.unsqueeze(0).squeeze(),
    "clamp(min=)": lambda x: x.clamp(min=0.0),
    "clamp(max=)": lambda x: x.clamp(max=0.0),
    "reshape of t()": lambda x: x.t().reshape(-1),
    "x[[0, 1]]": lambda x: x[[0, 1, 0]],
    "2 ** x": lambda x: 2**x,
    "x ** y": lambda x: x.abs().add(1) ** x,
    "x * 3": lambda x: x * 3,
    "x / 3": lambda x: x / 3,
    "1 - x": lambda x: 1 - x,
    "x @ x.t() (matmul)": lambda x: x @ x.t(),
    "linear": lambda x: F.linear(x, x, x[0]),
    "matmul broadcast": lambda x: x.unsqueeze(0).expand(2, 2, 2) @ x,
    "mv": lambda x: x @ x[0],
    "dot": lambda x: x[0] @ x[1],
    "norm(dim)": lambda x: x.norm(dim=1),
    "masked_fill": lambda x: x.masked_fill(x > 0, 0.0),
    "cross_entropy": lambda x: F.cross_entropy(x, torch.tensor([0, 1])),
    "mse sum": lambda x: F.mse_loss(x, torch.zeros(2, 2), reduction="sum"),
    "bce": lambda x: F.binary_cross_entropy(x.sigmoid(), torch.ones(2, 2)),
    "bce logits": lambda x: F.binary_cross_entropy_with_logits(x, torch.ones(2, 2)),
    "smooth l1": lambda x: F.smooth_l1_loss(x, torch.zeros(2, 2)),
    "elu": lambda x: F.elu(x),
    "leaky": lambda x: F.leaky_relu(x, 0.2),
    "normalize": lambda x: F.normalize(x, dim=1),
    "repeat": lambda x: x.repeat(2, 1),
    "cumsum": lambda x: x.cumsum(0),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_other_forms_of_catalog_ops_have_checked_cards(name):
    x = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    out = VARIANTS[name](x)
    trace = _trace(out, torch.ones_like(out) if out.dim() else None)
    for step in trace.steps:
        assert rule_for(step.label) is not None, step.label
        assert verify(step).state == _expected(step), (step.label, verify(step))


# ------------------------------------------------------------------ cards
def test_mul_card_shows_rule_and_this_steps_numbers():
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = torch.tensor([0.5, 0.1, 0.2], requires_grad=True)
    trace = trace_backward((a * b).sum())
    mul = next(s for s in trace.steps if s.label == "MulBackward0")
    card = card_for(mul)
    assert card.lines == ["grad_a = grad ⊙ b", "grad_b = grad ⊙ a"]
    numbers = dict(card.numbers)
    assert numbers["a"] == "[1, 2, 3]" and numbers["b"] == "[0.5, 0.1, 0.2]"
    assert numbers["grad"].endswith("[1, 1, 1]")
    assert numbers["grad_a"].endswith("[0.5, 0.1, 0.2]")
    assert numbers["grad_b"].endswith("[1, 2, 3]")
    assert card.check.state == AGREES and card.check.ok is True
    text = card.text()
    assert "MulBackward0: backward of out = a ⊙ b" in text and "✓" in text


def test_big_values_show_shape_not_numbers():
    a = torch.randn(20, 20, requires_grad=True)
    trace = trace_backward(a.exp().sum())
    exp = next(s for s in trace.steps if s.label == "ExpBackward0")
    numbers = dict(card_for(exp).numbers)
    assert numbers["out"] == "shape 20×20"
    assert numbers["grad_a"].startswith("20×20 · ‖g‖=") and "\n" not in numbers["grad_a"]


def test_unknown_node_says_its_name_and_that_pytorch_computes_it():
    x = torch.randn(3, requires_grad=True)
    trace = trace_backward(torch.special.erfcx(x).sum())
    step = next(s for s in trace.steps if s.label not in ("SumBackward0", ACCUMULATE))
    assert rule_for(step.label) is None
    card = card_for(step)
    assert not card.known and card.label == step.label
    assert f"PyTorch computes {step.label}" in card.text()
    assert dict(card.numbers)["grad_a"].startswith("3 ·")


def test_leaf_card():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    trace = trace_backward((x * 2).sum())
    leaf = trace.steps[-1]
    card = card_for(leaf)
    assert leaf.label == ACCUMULATE and card.known
    assert "x.grad ← x.grad + incoming" in card.lines
    assert dict(card.numbers)["grad"].endswith("[2, 2]")
