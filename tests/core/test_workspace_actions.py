"""Workspace actions in detail: the code each one writes, what zero_grad picks, retain_graph.

The expected code lines are written out by hand, and running them must give
what the workspace holds (torch is the oracle for the values).
"""

from __future__ import annotations

import pytest
import torch

from gradviz.core.workspace import Workspace, WorkspaceError


def _session() -> Workspace:
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.create("z", "zeros", {"size": "2"})
    ws.apply("mul", "y", {"a": "x", "b": "x"})
    ws.edit("z", (0,), "5", data=True)
    ws.edit("z", (1,), "6")
    ws.retain_grad("y")
    ws.backward("y", "[1., 0.5]", retain_graph=True)
    ws.backward("y", "[1., 0.5]")
    ws.zero_grad()
    return ws


def test_each_action_writes_its_own_line():
    assert _session().code_lines() == [
        "x = torch.tensor([1.0, 2.0], requires_grad=True)",
        "z = torch.zeros(2)",
        "y = x * x",
        "z.data[0] = 5",
        "with torch.no_grad():\n    z[1] = 6",
        "y.retain_grad()",
        "y.backward(torch.tensor([1.0, 0.5]), retain_graph=True)",
        "y.backward(torch.tensor([1.0, 0.5]))",
        "x.grad = None\ny.grad = None",
    ]


def test_the_code_does_what_the_workspace_did():
    ws = _session()
    ns: dict = {}
    exec(ws.export_code(), ns)
    for name, t in ws.tensors.items():
        assert torch.equal(ns[name].detach(), t.detach()), name
        assert (ns[name].grad is None) == (t.grad is None), name


def test_retain_graph_keeps_the_graph_for_a_second_backward():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("exp", "y", {"input": "x"})
    ws.apply("sum", "s", {"input": "y"})
    ws.backward("s", retain_graph=True)
    ws.backward("s")  # the graph was kept: a second pass works and accumulates
    assert torch.allclose(ws["x"].grad, 2 * torch.tensor([1.0, 2.0]).exp())
    with pytest.raises(WorkspaceError):
        ws.backward("s")  # now it is freed


def test_zero_grad_clears_only_what_has_a_grad_and_says_so():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.create("w", "tensor", {"data": "[3., 4.]"}, requires_grad=True)
    ws.create("c", "tensor", {"data": "[1., 1.]"})
    ws.apply("mul", "y", {"a": "x", "b": "c"})
    ws.apply("sum", "s", {"input": "y"})
    ws.backward("s")
    assert ws["x"].grad is not None and ws["w"].grad is None
    ws.zero_grad()
    assert ws.history[-1].args == {"names": "x"}  # only the leaf that had a gradient
    assert ws.code_lines()[-1] == "x.grad = None"
    assert all(t.grad is None for t in ws.tensors.values() if t.is_leaf)
    ws.zero_grad()  # nothing left to clear
    assert ws.code_lines()[-1] == "pass  # no gradients to clear"


def test_retain_grad_on_a_tensor_without_grad_is_refused():
    ws = Workspace()
    ws.create("c", "tensor", {"data": "[1., 1.]"})
    with pytest.raises(WorkspaceError, match="c does not require grad"):
        ws.retain_grad("c")
    assert ws.history[-1].kind == "create"


def test_undo_takes_back_the_last_action_only():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("exp", "y", {"input": "x"})
    ws.apply("tanh", "z", {"input": "x"})
    ws.undo()
    assert set(ws.tensors) == {"x", "y"} and [a.target for a in ws.history] == ["x", "y"]
    ws.undo()
    assert set(ws.tensors) == {"x"}


def test_backward_runs_through_the_given_runner():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("sum", "s", {"input": "x"})
    calls = []

    def runner(root, grad, retain):
        calls.append((root is ws["s"], grad, retain))
        return "recorded"

    assert ws.backward("s", retain_graph=True, runner=runner) == "recorded"
    assert calls == [(True, None, True)]
    assert ws["x"].grad is None  # the runner did not run backward, so nothing accumulated
    assert ws.history[-1].kind == "backward"


def test_clear_starts_a_new_session_and_says_so():
    ws = Workspace()
    seen = []
    ws.subscribe(seen.append)
    ws.create("x", "ones", {"size": "2"})
    ws.clear()
    assert not ws.tensors and not ws.history and not ws.can_redo
    assert (seen[-1].kind, seen[-1].message) == ("reset", "new session")
