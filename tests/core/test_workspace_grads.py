"""A backward that fails half-way leaves every ``.grad`` exactly as it was.

The expression ``b = x.exp(); b.add_(1); loss = b.sum() + (x.detach() * w).sum()``
fails in ExpBackward0 (its saved output was changed in place), but only after
the engine has already run the other branch and accumulated into ``w.grad``.
Plain PyTorch keeps that partial gradient; gradviz must not.
"""

from __future__ import annotations

import pytest
import torch

from gradviz.core.backward import trace_backward
from gradviz.core.workspace import Workspace, WorkspaceError


def _torch_example(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    b = x.exp()
    b.add_(1)
    return b.sum() + (x.detach() * w).sum()


def _leaves(grads: bool):
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, 4.0, 5.0], requires_grad=True)
    if grads:
        x.grad = torch.tensor([0.25, 0.5, 0.75])
        w.grad = torch.tensor([-1.0, -2.0, -3.0])
    return x, w


def _snapshot(*tensors: torch.Tensor) -> list[torch.Tensor | None]:
    return [None if t.grad is None else t.grad.clone() for t in tensors]


def _same(tensors, before) -> bool:
    for t, old in zip(tensors, before, strict=True):
        if (t.grad is None) != (old is None):
            return False
        if old is not None and not (t.grad.dtype == old.dtype and torch.equal(t.grad, old)):
            return False
    return True


@pytest.mark.parametrize("grads", [False, True], ids=["no grad yet", "grads already there"])
def test_plain_torch_really_keeps_a_partial_gradient(grads):
    """The premise: without gradviz, the failed backward changes w.grad."""
    x, w = _leaves(grads)
    before = _snapshot(x, w)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _torch_example(x, w).backward()
    assert _same([x], before[:1]) and not _same([w], before[1:])


@pytest.mark.parametrize("grads", [False, True], ids=["no grad yet", "grads already there"])
def test_trace_backward_restores_every_grad_after_a_failed_pass(grads):
    x, w = _leaves(grads)
    held = w.grad  # a reference the user may hold to the old .grad
    before = _snapshot(x, w)
    loss = _torch_example(x, w)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        trace_backward(loss, names={"x": x, "w": w})
    assert _same([x, w], before)
    if held is not None:
        assert torch.equal(held, before[1])  # not accumulated into behind the user's back


def _session(grads: bool) -> Workspace:
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[0.5, -1.0, 2.0]"}, requires_grad=True)
    ws.create("w", "tensor", {"data": "[3.0, 4.0, 5.0]"}, requires_grad=True)
    if grads:  # a first, successful backward fills both .grad
        ws.apply("mul", "p", {"a": "x", "b": "w"})
        ws.apply("sum", "ps", {"input": "p"})
        ws.backward("ps")
    ws.apply("exp", "b", {"input": "x"})
    ws.apply("add_", "", {"a": "b", "b": "1"})
    ws.apply("detach", "xd", {"input": "x"})
    ws.apply("mul", "m", {"a": "xd", "b": "w"})
    ws.apply("sum", "sb", {"input": "b"})
    ws.apply("sum", "sm", {"input": "m"})
    ws.apply("add", "loss", {"a": "sb", "b": "sm"})
    return ws


@pytest.mark.parametrize("grads", [False, True], ids=["no grad yet", "grads already there"])
@pytest.mark.parametrize("runner", [None, "trace"], ids=["backward()", "recorder"])
def test_workspace_restores_every_grad_after_a_failed_backward(grads, runner):
    ws = _session(grads)
    names = [n for n, t in ws.tensors.items() if t.is_leaf or t.retains_grad]
    tensors = [ws.tensors[n] for n in names]
    before = _snapshot(*tensors)
    held = ws.tensors["w"].grad  # a reference the user may hold to the old .grad
    history = list(ws.history)
    run = None if runner is None else (lambda r, g, keep: trace_backward(r, g, keep))
    with pytest.raises(WorkspaceError, match="in-place|inplace"):
        ws.backward("loss", runner=run)
    assert _same(tensors, before), names
    assert ws.history == history  # a failed action is not recorded
    if grads:
        assert ws.tensors["w"].grad is held  # the same object, not a stand-in
        assert torch.equal(held, before[names.index("w")])  # not accumulated into


def test_a_failed_redo_keeps_the_redo_stack_and_the_state(monkeypatch):
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("exp", "y", {"input": "x"})
    ws.apply("sum", "s", {"input": "y"})
    full = list(ws.history)
    ws.undo()
    ws.undo()  # redo stack: exp, then sum
    before = {n: t.detach().clone() for n, t in ws.tensors.items()}
    history = list(ws.history)
    real = Workspace.run_action

    def refuse(self, action, runner=None):
        if action.op == "exp":
            raise WorkspaceError("device went away")
        return real(self, action, runner)

    monkeypatch.setattr(Workspace, "run_action", refuse)
    with pytest.raises(WorkspaceError, match="device went away"):
        ws.redo()
    assert ws.can_redo and ws.history == history
    assert set(ws.tensors) == set(before)
    assert all(torch.equal(ws.tensors[n].detach(), t) for n, t in before.items())
    monkeypatch.setattr(Workspace, "run_action", real)
    ws.redo()
    ws.redo()  # both actions come back, in their order
    assert ws.history == full and not ws.can_redo
    assert torch.allclose(ws.tensors["s"], torch.tensor([1.0, 2.0]).exp().sum())
