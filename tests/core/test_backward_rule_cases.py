"""Every formula card against the real engine, over a table of cases.

Each case runs a small expression under :func:`trace_backward`; every step's
card is then applied by hand (``verify``) and must give exactly what PyTorch
sent. A card with code may never be "not checkable" in these cases: a rule
whose code raises is a failure, not a skip. Cards shown as text only have
their formula written out here, independently, and compared with autograd.
"""

from __future__ import annotations

from collections.abc import Callable
from unittest import mock

import pytest
import torch
import torch.nn.functional as F

from gradviz.core import backward
from gradviz.core.backward import ACCUMULATE, trace_backward
from gradviz.core.backward_rules import (
    AGREES,
    DIFFERS,
    FAILED,
    RULES,
    TEXT_ONLY,
    UNCHECKED,
    card_for,
    recompute,
    rule_for_step,
    verify,
)

D = torch.float64
A = torch.ops.aten  # the overloads that make the number-argument nodes (AddBackward1, …)


def leaf(*shape: int, seed: int = 0, positive: bool = False, low: float = 0.0) -> torch.Tensor:
    t = torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=D)
    if positive:
        t = t.abs() + 0.5 + low
    return t.requires_grad_()


def data(values) -> torch.Tensor:
    return torch.tensor(values, dtype=D, requires_grad=True)


def _x(seed: int = 0) -> torch.Tensor:
    return leaf(3, 4, seed=seed)


WEIGHTS = torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=D)

# name -> a function returning the root (summed to a scalar unless it already is one)
CASES: dict[str, Callable[[], torch.Tensor]] = {
    # elementwise arithmetic, with numbers and with tensors
    "a + b broadcast": lambda: _x() + leaf(4, seed=1),
    "a + 2": lambda: torch.add(_x(), 2),
    "add.Scalar": lambda: A.add.Scalar(_x(), 2, 3),
    "sub.Scalar": lambda: A.sub.Scalar(_x(), 2, 3),
    "mul.Scalar": lambda: A.mul.Scalar(_x(), 2.5),
    "div.Scalar": lambda: A.div.Scalar(_x(), -4),
    "rsub.Scalar": lambda: A.rsub.Scalar(_x(), 2, 0.5),
    "clamp_max scalar": lambda: A.clamp_max(_x(), 0.1),
    "clamp_min scalar": lambda: A.clamp_min(_x(), 0.1),
    "fill.Scalar": lambda: A.fill.Scalar(_x(), 1.0),
    "lift_fresh": lambda: A.lift_fresh(_x() * 1),
    "add alpha": lambda: torch.add(_x(), leaf(3, 1, seed=1), alpha=0.5),
    "a - b": lambda: _x() - leaf(4, seed=1),
    "a - 2 alpha": lambda: torch.sub(_x(), 2, alpha=3),
    "rsub tensor": lambda: torch.rsub(_x(), leaf(4, seed=1), alpha=2),
    "2 - a": lambda: 2 - _x(),
    "a * b": lambda: _x() * leaf(3, 1, seed=1),
    "a * 3 (MulBackward1)": lambda: torch.mul(_x(), 3),
    "a / b": lambda: _x() / leaf(4, seed=1, positive=True),
    "a / 4 (DivBackward1)": lambda: torch.div(_x(), 4),
    "2 / a": lambda: 2 / leaf(3, positive=True),
    "-a": lambda: -_x(),
    "a ** 3": lambda: _x() ** 3,
    "a ** 0": lambda: _x() ** 0,
    "a ** b": lambda: leaf(3, 4, positive=True) ** leaf(4, seed=1),
    "a ** b with zeros": lambda: data([0.0, 2.0, 0.0]) ** data([2.0, 0.5, 0.0]),
    "2 ** a": lambda: 2 ** _x(),
    "exp log sqrt": lambda: leaf(5, positive=True).log().exp().sqrt(),
    "rsqrt": lambda: leaf(5, positive=True).rsqrt(),
    "reciprocal": lambda: leaf(5, positive=True).reciprocal(),
    "abs with a zero": lambda: data([-1.5, 0.0, 2.0]).abs(),
    "sin": lambda: _x().sin(),
    "cos": lambda: _x().cos(),
    "log1p": lambda: leaf(5, positive=True).log1p(),
    "sign": lambda: _x().sign(),
    "round": lambda: _x().round(),
    "floor": lambda: _x().floor(),
    "ceil": lambda: _x().ceil(),
    "trunc": lambda: _x().trunc(),
    # activations
    "sigmoid tanh relu": lambda: _x().sigmoid() + _x(1).tanh() + _x(2).relu(),
    "leaky relu": lambda: F.leaky_relu(_x(), 0.2),
    "elu": lambda: F.elu(_x(), alpha=0.7),
    "selu": lambda: F.selu(_x()),
    "celu": lambda: F.celu(_x(), alpha=1.3),
    "gelu": lambda: F.gelu(_x()),
    "gelu tanh": lambda: F.gelu(_x(), approximate="tanh"),
    "silu": lambda: F.silu(_x()),
    "softplus": lambda: F.softplus(_x()),
    "softplus beta threshold": lambda: F.softplus(_x() * 10, beta=2, threshold=5),
    "clamp both": lambda: _x().clamp(-0.5, 0.5),
    "clamp min": lambda: _x().clamp(min=0.0),
    "clamp max": lambda: _x().clamp(max=0.0),
    "clamp_min tensor": lambda: torch.clamp_min(_x(), torch.tensor(0.1, dtype=D)),
    "clamp_max tensor": lambda: torch.clamp_max(_x(), torch.tensor(0.1, dtype=D)),
    "clamp tensor bounds": lambda: _x().clamp(leaf(4, seed=1) - 1, leaf(4, seed=2) + 1),
    "hardtanh": lambda: F.hardtanh(_x() * 2, -0.5, 1.0),
    "relu6": lambda: F.relu6(_x() * 5),
    # linear algebra
    "mm": lambda: leaf(2, 3) @ leaf(3, 4, seed=1),
    "bmm": lambda: torch.bmm(leaf(2, 3, 4), leaf(2, 4, 5, seed=1)),
    "mv": lambda: torch.mv(leaf(3, 4), leaf(4, seed=1)),
    "dot": lambda: torch.dot(leaf(4), leaf(4, seed=1)),
    "addmm": lambda: torch.addmm(leaf(4), leaf(2, 3, seed=1), leaf(3, 4, seed=2), beta=0.5),
    "linear": lambda: F.linear(leaf(5, 3), leaf(2, 3, seed=1), leaf(2, seed=2)),
    "addmv": lambda: torch.addmv(leaf(3), leaf(3, 4, seed=1), leaf(4, seed=2), alpha=2),
    "baddbmm": lambda: torch.baddbmm(leaf(2, 3, 5), leaf(2, 3, 4, seed=1), leaf(2, 4, 5, seed=2)),
    "addbmm": lambda: torch.addbmm(
        leaf(3, 5), leaf(2, 3, 4, seed=1), leaf(2, 4, 5, seed=2), alpha=0.5, beta=2
    ),
    "trace": lambda: torch.trace(leaf(3, 4)),
    "embedding": lambda: F.embedding(torch.tensor([[0, 2], [2, 1]]), leaf(4, 3)),
    "embedding padding": lambda: F.embedding(torch.tensor([0, 2, 1]), leaf(4, 3), padding_idx=2),
    "matmul 3d @ 2d": lambda: leaf(2, 3, 4) @ leaf(4, 2, seed=1),
    # reductions
    "sum": lambda: _x().sum(),
    "sum dim": lambda: _x().sum(1, keepdim=True),
    "mean": lambda: _x().mean(),
    "mean dims": lambda: leaf(2, 3, 4).mean((0, 2)),
    "max": lambda: _x().max(),
    "min": lambda: _x().min(),
    "max tie": lambda: data([1.0, 3.0, 3.0]).max(),
    "max dim": lambda: _x().max(1).values,
    "min dim keepdim": lambda: _x().min(0, keepdim=True).values,
    "amax": lambda: _x().amax(1),
    "amin": lambda: _x().amin((0, 1)),
    "amin tie": lambda: data([[1.0, 1.0], [0.0, 2.0]]).amin(1),
    "cumsum": lambda: _x().cumsum(1),
    "norm": lambda: _x().norm(),
    "norm dim": lambda: _x().norm(dim=1),
    "norm p=1": lambda: _x().norm(p=1),
    "norm p=3 dim": lambda: torch.linalg.vector_norm(_x(), ord=3, dim=0, keepdim=True),
    "norm p=inf": lambda: torch.linalg.vector_norm(_x(), ord=float("inf")),
    "torch.norm dim p": lambda: torch.norm(_x(), p=2, dim=1),
    "norm.Scalar": lambda: A.norm.Scalar(_x(), 2),
    "norm.ScalarOpt_dim p=1": lambda: A.norm.ScalarOpt_dim(_x(), 1, [1], True),
    "norm.ScalarOpt_dtype p=3": lambda: A.norm.ScalarOpt_dtype(_x(), 3, dtype=D),
    "prod": lambda: _x().prod(),
    "prod with a zero": lambda: data([2.0, 0.0, 3.0]).prod(),
    "prod with two zeros": lambda: data([0.0, 0.0, 3.0]).prod(),
    "prod dim": lambda: _x().prod(1),
    "prod dim zero keepdim": lambda: data([[1.0, 0.0], [2.0, 3.0]]).prod(0, keepdim=True),
    "var": lambda: _x().var(1),
    "std": lambda: _x().std(),
    "var correction 0": lambda: torch.var(_x(), dim=0, correction=0, keepdim=True),
    "var_mean": lambda: sum(torch.var_mean(_x(), 1)),
    "std_mean": lambda: sum(torch.std_mean(_x(), 0)),
    "logsumexp": lambda: _x().logsumexp(1),
    # shape and layout
    "view reshape": lambda: _x().view(2, 6).reshape(12),
    "reshape of t": lambda: _x().t().reshape(-1),
    "_reshape_alias": lambda: A._reshape_alias(_x(), [4, 3], [3, 1]),
    "t": lambda: _x().t(),
    "transpose": lambda: leaf(2, 3, 4).transpose(0, 2),
    "permute": lambda: leaf(2, 3, 4).permute(2, 0, 1),
    "permute negative": lambda: leaf(2, 3, 4).permute(-1, 0, 1),
    "expand": lambda: leaf(3, 1).expand(2, 3, 4),
    "squeeze": lambda: leaf(3, 1, 4).squeeze(),
    "squeeze dim": lambda: leaf(3, 1, 4).squeeze(1),
    "squeeze dims": lambda: leaf(3, 1, 4, 1).squeeze((1, 3)),
    "unsqueeze": lambda: _x().unsqueeze(1),
    "clone": lambda: _x().clone(),
    "alias": lambda: _x()[...],
    "to float32": lambda: _x().to(torch.float32),
    "repeat": lambda: leaf(2, 3).repeat(2, 1, 2),
    "cat": lambda: torch.cat([leaf(2, 3), leaf(1, 3, seed=1)], 0),
    "stack": lambda: torch.stack([leaf(2, 3), leaf(2, 3, seed=1)], 1),
    "unbind": lambda: _x().unbind(0)[0] * 2 + _x().unbind(0)[2],
    "unbind all used": lambda: sum(t * (i + 1) for i, t in enumerate(leaf(3, 2).unbind(1))),
    "split": lambda: _x().split(3, 1)[1],
    "split all": lambda: sum(p.sum() * (i + 1) for i, p in enumerate(leaf(5, 2).split(2, 0))),
    "split sizes": lambda: _x().split([1, 3], 1)[0],
    "select": lambda: _x()[1],
    "slice": lambda: _x()[:, 1:3],
    "slice step": lambda: leaf(7)[1::3],
    "index": lambda: _x()[[0, 2, 0]],
    "index 2d": lambda: _x()[torch.tensor([0, 1]), torch.tensor([3, 3])],
    "gather": lambda: _x().gather(1, torch.tensor([[0, 0], [1, 3], [2, 2]])),
    "masked_fill": lambda: _x().masked_fill(torch.tensor([True, False, True, False]), 0.0),
    "masked_fill tensor": lambda: _x().masked_fill(
        torch.tensor([[True], [False], [True]]), data(2.0)
    ),
    "where": lambda: torch.where(_x(1) > 0, _x(), leaf(4, seed=2)),
    "maximum": lambda: torch.maximum(_x(), leaf(4, seed=1)),
    "maximum tie": lambda: torch.maximum(data([1.0, 2.0]), data([1.0, 3.0])),
    "minimum": lambda: torch.minimum(_x(), leaf(4, seed=1)),
    "minimum tie": lambda: torch.minimum(data([1.0, 2.0]), data([1.0, 3.0])),
    "flip": lambda: leaf(2, 3, 4).flip(0, 2),
    "roll": lambda: leaf(3, 4).roll(1, 0),
    "roll dims": lambda: leaf(3, 4).roll((1, -1), (0, 1)),
    "tril": lambda: _x().tril(),
    "triu diag": lambda: _x().triu(1),
    "pad": lambda: F.pad(_x(), (1, 2, 0, 1)),
    "sort": lambda: _x().sort(1).values,
    "topk": lambda: _x().topk(2, 1).values,
    "dropout": lambda: torch.native_dropout(_x(), 0.3, True)[0],
    "zero_": lambda: (_x() * 1).zero_(),
    "fill_": lambda: (_x() * 1).fill_(2.0),
    "fill_ tensor": lambda: (_x() * 1).fill_(torch.tensor(2.0, dtype=D)),
    # softmax and losses
    "softmax": lambda: _x().softmax(1),
    "log_softmax": lambda: _x().log_softmax(0),
    "cross_entropy": lambda: F.cross_entropy(_x(), torch.tensor([0, 3, 1])),
    "cross_entropy sum": lambda: F.cross_entropy(_x(), torch.tensor([0, 3, 1]), reduction="sum"),
    "nll ignore": lambda: F.nll_loss(_x(), torch.tensor([0, -100, 1])),
    "nll weight": lambda: F.nll_loss(
        _x(), torch.tensor([0, 3, 3]), weight=torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=D)
    ),
    "nll weight none": lambda: F.nll_loss(
        _x(), torch.tensor([0, 3, 3]), weight=WEIGHTS, reduction="none"
    ),
    "nll 1-D": lambda: F.nll_loss(leaf(4), torch.tensor(2)),
    "mse": lambda: F.mse_loss(_x(), leaf(3, 4, seed=1)),
    "mse sum": lambda: F.mse_loss(_x(), torch.zeros(3, 4, dtype=D), reduction="sum"),
    "mse none": lambda: F.mse_loss(_x(), torch.zeros(3, 4, dtype=D), reduction="none"),
    "smooth l1": lambda: F.smooth_l1_loss(_x(), leaf(3, 4, seed=1), beta=0.5),
    "smooth l1 beta 0": lambda: F.smooth_l1_loss(_x(), leaf(3, 4, seed=1), beta=0.0),
    "huber": lambda: F.huber_loss(_x() * 3, leaf(3, 4, seed=1), delta=1.5),
    "huber sum": lambda: F.huber_loss(_x(), leaf(3, 4, seed=1), reduction="sum"),
    "l1": lambda: F.l1_loss(_x(), leaf(3, 4, seed=1)),
    "bce": lambda: F.binary_cross_entropy(_x().sigmoid(), torch.rand(3, 4, dtype=D)),
    "bce weight and target grad": lambda: F.binary_cross_entropy(
        _x().sigmoid(), leaf(3, 4, seed=1).sigmoid(), weight=torch.full((4,), 2.0, dtype=D)
    ),
    "bce logits": lambda: F.binary_cross_entropy_with_logits(_x(), torch.rand(3, 4, dtype=D)),
    "bce logits weights": lambda: F.binary_cross_entropy_with_logits(
        _x(),
        leaf(3, 4, seed=1).sigmoid(),
        weight=torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=D),
        pos_weight=torch.tensor([0.5, 1.0, 2.0, 3.0], dtype=D),
        reduction="sum",
    ),
    "normalize": lambda: F.normalize(_x(), dim=1),
    "layer_norm": lambda: F.layer_norm(_x(), (4,), leaf(4, seed=1), leaf(4, seed=2)),
    "batch_norm": lambda: F.batch_norm(
        leaf(5, 3), None, None, leaf(3, seed=1), leaf(3, seed=2), training=True
    ),
    "conv2d": lambda: F.conv2d(leaf(1, 2, 5, 5), leaf(3, 2, 3, 3, seed=1), leaf(3, seed=2)),
    "max_pool2d": lambda: F.max_pool2d(leaf(1, 2, 4, 4), 2),
    "leaf to leaf": lambda: (leaf(3) * 2).sum(),
}

# Cards with no code: their formula, written out independently, from the node's inputs.
# Each entry: a forward (inputs -> output) and the inputs; and the formula: (grad, *inputs) ->
# the gradient of each input, exactly as the card's text says.
Inputs = Callable[[], tuple[torch.Tensor, ...]]


def _layer_norm_formula(grad, a, gamma, beta):
    mean = a.mean(-1, keepdim=True)
    std = (a.var(-1, unbiased=False, keepdim=True) + 1e-5).sqrt()
    ahat = (a - mean) / std
    gg = gamma * grad
    grad_a = (gg - gg.mean(-1, keepdim=True) - ahat * (gg * ahat).mean(-1, keepdim=True)) / std
    return grad_a, (grad * ahat).sum(0), grad.sum(0)


def _batch_norm_formula(grad, a, gamma, beta):
    mean = a.mean(0, keepdim=True)
    std = (a.var(0, unbiased=False, keepdim=True) + 1e-5).sqrt()
    ahat = (a - mean) / std
    grad_a = (gamma / std) * (
        grad - grad.mean(0, keepdim=True) - ahat * (grad * ahat).mean(0, keepdim=True)
    )
    return grad_a, (grad * ahat).sum(0), grad.sum(0)


def _conv_formula(grad, x, w, b):
    # transposed convolution of grad with W; correlation of x with grad; grad summed
    grad_x = F.conv_transpose2d(grad, w)
    grad_w = F.conv2d(x.transpose(0, 1), grad.transpose(0, 1)).transpose(0, 1)
    return grad_x, grad_w, grad.sum((0, 2, 3))


def _max_pool_formula(grad, a):
    windows = a.unfold(2, 2, 2).unfold(3, 2, 2)  # (N, C, H/2, W/2, 2, 2)
    flat = windows.reshape(*windows.shape[:4], 4)
    hit = flat == flat.amax(-1, keepdim=True)
    first = hit & (hit.cumsum(-1) == 1)  # one maximum per window, like PyTorch's argmax
    spread = (first * grad.unsqueeze(-1)).reshape(windows.shape)
    return (spread.permute(0, 1, 2, 4, 3, 5).reshape(a.shape),)


TEXT_FORMULAS: dict[str, tuple[Callable, Inputs, Callable]] = {
    "LinearBackward0": (
        F.linear,
        lambda: (leaf(5, 3), leaf(2, 3, seed=1), leaf(2, seed=2)),
        lambda g, x, w, b: (g @ w, g.T @ x, g.sum(0)),
    ),
    "NativeLayerNormBackward0": (
        lambda a, gamma, beta: F.layer_norm(a, (4,), gamma, beta),
        lambda: (leaf(3, 4), leaf(4, seed=1), leaf(4, seed=2)),
        _layer_norm_formula,
    ),
    "NativeBatchNormBackward0": (
        lambda a, gamma, beta: F.batch_norm(a, None, None, gamma, beta, training=True),
        lambda: (leaf(5, 3), leaf(3, seed=1), leaf(3, seed=2)),
        _batch_norm_formula,
    ),
    "ConvolutionBackward0": (
        F.conv2d,
        lambda: (leaf(2, 2, 5, 5), leaf(3, 2, 3, 3, seed=1), leaf(3, seed=2)),
        _conv_formula,
    ),
    "MaxPool2DWithIndicesBackward0": (
        lambda a: F.max_pool2d(a, 2),
        lambda: (leaf(2, 2, 4, 4),),
        _max_pool_formula,
    ),
}
# Shares its card (the same Rule object) with a class whose formula is checked above.
CUDA_ONLY = {"CudnnBatchNormBackward0": "NativeBatchNormBackward0"}


def _steps(root: torch.Tensor):
    if root.dim():
        root = root.sum() if root.dtype == D else root.double().sum()
    with mock.patch.object(backward, "SMALL", 10_000):  # keep every saved value
        return trace_backward(root, keep_saved=True).steps


def _verdicts() -> dict[str, list[tuple[str, str, str]]]:
    """case -> [(card key, state, detail)] for every step."""
    out = {}
    for name, build in CASES.items():
        rows = []
        for step in _steps(build()):
            key, r = rule_for_step(step)
            check = verify(step)
            rows.append((key if r is not None else step.label, check.state, check.detail))
        out[name] = rows
    return out


@pytest.fixture(scope="module")
def verdicts():
    return _verdicts()


@pytest.mark.parametrize("name", list(CASES))
def test_every_step_of_the_case_has_a_card_that_agrees(verdicts, name):
    for key, state, detail in verdicts[name]:
        assert key in RULES, f"no card for {key}"
        expected = TEXT_ONLY if RULES[key].compute is None else AGREES
        assert state == expected, f"{key}: {state} {detail}"


def test_every_card_with_code_is_checked_by_some_case(verdicts):
    agreed = {key for rows in verdicts.values() for key, state, _ in rows if state == AGREES}
    with_code = {key for key, r in RULES.items() if r.compute is not None}
    never = with_code - agreed
    assert not never, sorted(never)


def test_every_text_only_card_has_its_formula_checked():
    text_only = {key for key, r in RULES.items() if r.compute is None} - {ACCUMULATE}
    assert text_only == set(TEXT_FORMULAS) | set(CUDA_ONLY)
    for cuda, twin in CUDA_ONLY.items():
        assert RULES[cuda] is RULES[twin]


@pytest.mark.parametrize("label", list(TEXT_FORMULAS))
def test_text_only_formula_matches_autograd(label):
    forward, make, formula = TEXT_FORMULAS[label]
    inputs = make()
    out = forward(*inputs)
    grad = torch.randn(out.shape, generator=torch.Generator().manual_seed(9), dtype=D)
    want = torch.autograd.grad(out, inputs, grad)
    with torch.no_grad():
        got = formula(grad, *(t.detach() for t in inputs))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape and torch.allclose(g, w, rtol=1e-6, atol=1e-8), label
    if label != "LinearBackward0":  # F.linear makes Addmm on the CPU; the rest are real nodes
        assert type(out.grad_fn).__name__ == label


def test_leaf_card_adds_incoming_to_the_old_grad():
    x = data([1.0, 2.0])
    x.grad = torch.tensor([10.0, 20.0], dtype=D)
    steps = _steps((x * 3).sum())
    leaf_step = steps[-1]
    assert leaf_step.label == ACCUMULATE
    incoming = leaf_step.grad_in[0]
    assert torch.equal(x.grad, torch.tensor([10.0, 20.0], dtype=D) + incoming)
    assert card_for(leaf_step).check.state == TEXT_ONLY


# ------------------------------------------------------ what the states mean
def _mul_step():
    a, b = data([1.0, 2.0]), data([3.0, 4.0])
    return next(s for s in _steps(a * b) if s.label == "MulBackward0")


def test_a_rule_whose_code_raises_is_a_failure_not_a_skip(monkeypatch):
    from dataclasses import replace

    def broken(c):
        raise IndexError("tuple index out of range")

    monkeypatch.setitem(RULES, "MulBackward0", replace(RULES["MulBackward0"], compute=broken))
    check = verify(_mul_step())
    assert check.state == FAILED and check.ok is False
    assert "IndexError: tuple index out of range" in check.detail
    assert card_for(_mul_step()).text().splitlines()[-1].startswith("✗ the rule could not")


def test_a_rule_giving_other_numbers_differs(monkeypatch):
    from dataclasses import replace

    wrong = replace(RULES["MulBackward0"], compute=lambda c: [c.grad, c.grad])
    monkeypatch.setitem(RULES, "MulBackward0", wrong)
    check = verify(_mul_step())
    assert check.state == DIFFERS and check.ok is False
    assert check.detail == "input 0: off by up to 3"


def test_a_rule_giving_the_wrong_shape_differs(monkeypatch):
    from dataclasses import replace

    wrong = replace(RULES["MulBackward0"], compute=lambda c: [c.grad.sum(), c.grad])
    monkeypatch.setitem(RULES, "MulBackward0", wrong)
    assert verify(_mul_step()).detail == "input 0: shape (), not (2,)"


def test_a_value_not_kept_is_unchecked_not_failed():
    a = leaf(30)  # 30 elements: more than SMALL, so the saved input is kept as a shape only
    step = next(s for s in trace_backward(a.sin().sum()).steps if s.label == "SinBackward0")
    check = verify(step)
    assert check.state == UNCHECKED and check.ok is None
    assert check.detail == "a was not kept (only small values are copied during the pass)"
    assert card_for(step).text().splitlines()[-1] == f"not re-computed here: {check.detail}"


def test_gelu_tanh_card_shows_the_tanh_formula():
    plain = next(s for s in _steps(F.gelu(_x())) if s.label == "GeluBackward0")
    tanh = next(s for s in _steps(F.gelu(_x(), approximate="tanh")) if s.label == "GeluBackward0")
    assert "Φ" in card_for(plain).forward and "tanh" not in card_for(plain).forward
    card = card_for(tanh)
    assert card.label == "GeluBackward0" and "tanh u" in card.forward
    assert any("tanh" in line for line in card.lines) and not any("Φ" in x for x in card.lines)
    assert card.check.state == AGREES


def test_card_text_reads_in_full():
    a = data([0.0, 1.0])
    step = next(s for s in _steps(a.exp()) if s.label == "ExpBackward0")
    assert card_for(step).text() == (
        "ExpBackward0: backward of out = eᵃ\n"
        "  grad_a = grad ⊙ out\n"
        "  (the derivative of eᵃ is eᵃ itself, so the node reuses its output)\n"
        "this step:\n"
        "  grad = 2 · ‖g‖=1.414\n[1, 1]\n"
        "  out = [1, 2.718]\n"
        "  grad_a = 2 · ‖g‖=2.896\n[1, 2.718]\n"
        "✓ the rule by hand gives exactly what PyTorch sent"
    )


def test_nothing_to_compare_is_unchecked_and_says_why():
    # the 0-"norm" counts non-zeros: PyTorch sends no gradient back at all
    step = _steps(torch.linalg.vector_norm(_x(), ord=0))[0]
    assert step.label == "LinalgVectorNormBackward0" and step.grad_out == [None]
    check = verify(step)
    assert (check.state, check.detail) == (UNCHECKED, "PyTorch sent no gradient to compare with")


def test_recompute_gives_the_rules_own_numbers():
    a, b = data([1.0, 2.0]), data([3.0, 4.0])
    step = next(s for s in _steps(a * b) if s.label == "MulBackward0")
    got = recompute(step)
    assert [g.tolist() for g in got] == [[3.0, 4.0], [1.0, 2.0]]  # grad ⊙ b, grad ⊙ a


def test_a_rule_giving_too_few_gradients_differs(monkeypatch):
    from dataclasses import replace

    short = replace(RULES["MulBackward0"], compute=lambda c: [c.grad * c.t("other")])
    monkeypatch.setitem(RULES, "MulBackward0", short)
    check = verify(_mul_step())
    assert (check.state, check.detail) == (DIFFERS, "1 gradients for 2 inputs")


def test_a_node_without_a_card_has_no_rule_text():
    x = leaf(3)
    step = next(s for s in _steps(torch.special.erfcx(x)) if s.label == "SpecialErfcxBackward0")
    card = card_for(step)
    assert not card.known and card.forward == "" and card.note == ""
    assert card.check.state == "no card" and card.check.ok is None and card.check.text() == ""
