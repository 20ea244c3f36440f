"""The backward session without Qt: root, v, run, step, external roots, undo, recorded calls."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gradviz.core.backward import trace_backward
from gradviz.core.backward_session import BackwardSession
from gradviz.core.graph import capture_module, function_node_id, tensor_node_id
from gradviz.core.graph_document import GraphDocument
from gradviz.core.workspace import Workspace


def make_ws() -> Workspace:
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    ws.create("w", "tensor", {"data": "[0.5, -1., 2.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    ws.apply("sigmoid", "s", {"input": "x"})
    ws.apply("add", "z", {"a": "y", "b": "s"})
    ws.apply("sum", "loss", {"input": "z"})
    return ws


def reference() -> dict[str, torch.Tensor]:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    ((x * w) + torch.sigmoid(x)).sum().backward()
    return {"x": x.grad, "w": w.grad}


def setup():
    ws = make_ws()
    doc = GraphDocument(ws)
    session = BackwardSession(ws, doc)
    kinds: list[str] = []
    session.subscribe(lambda e: kinds.append(e.kind))
    return ws, doc, session, kinds


def test_step_a_trace_and_the_document_follows():
    ws, doc, session, kinds = setup()
    assert not session.can_run()  # no root until the user picks one
    session.set_root("loss")
    trace = session.run()
    assert trace is not None and {"trace", "position"} <= set(kinds)
    assert doc.current is None and set(doc.notes) == {trace.root_edge}  # the seed waits
    while session.step():
        step = session.replay.current()
        assert doc.current == step.node
        assert doc.done == set(session.replay.done_nodes())
    ref = reference()
    assert torch.equal(ws["x"].grad, ref["x"]) and torch.equal(ws["w"].grad, ref["w"])
    mul = function_node_id(ws["y"].grad_fn)
    x_id = tensor_node_id(ws["x"])
    assert (x_id, mul) in doc.notes  # the gradient x received from x*w is written on its edge
    title, grad = session.edge_gradient(x_id, mul)
    assert title == "gradient MulBackward0 → x" and torch.equal(grad, ws["w"].detach())
    assert session.step_back() and doc.current == session.replay.current().node
    assert session.reset() and doc.current is None


def test_the_root_changes_only_when_set():
    ws, doc, session, _ = setup()
    session.set_root("loss")
    session.run()
    session.step()
    doc.select_name("x")  # reading x elsewhere
    assert session.root_name == "loss" and session.trace is not None
    session.set_root("z")  # an explicit choice: the next Run starts there, the replay stays
    assert session.trace is not None and session.v_text == "[1.0, 1.0, 1.0]"
    ws.delete("z")
    assert session.root_name is None


def test_undo_ends_a_replay_whose_tensors_are_gone():
    ws, doc, session, _ = setup()
    session.set_root("loss")
    session.run()
    session.step()
    ws.undo()  # the tensors are rebuilt: the record is about objects that are gone
    assert session.trace is None and doc.current is None and doc.notes == {}


def test_external_root_sets_grads_aside_and_matches_autograd():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    x, y = torch.randn(5, 3), torch.randn(5, 1)
    graph = capture_module(net, x, loss=lambda out: F.mse_loss(out, y))
    loss = graph.node(graph.roots[0]).ref
    params = {n.name: n.ref for n in graph.nodes if n.kind == "leaf"}
    for p in params.values():
        p.grad = torch.full_like(p, 7.0)  # the model's own gradients, to be kept
    ws, doc, session, kinds = setup()
    doc.show_external(graph, "training batch loss")
    session.set_external_root(loss, "training batch loss", graph)
    assert session.can_run() and session.root_label == "training batch loss"
    trace = session.run()
    assert trace is not None and ws.code_lines() == make_ws().code_lines()  # no code line
    session.run_to_end()
    expected = torch.autograd.grad(loss, list(params.values()), retain_graph=True)
    states = {s.name: s for s in session.replay.leaf_states()}
    for (name, p), g in zip(params.items(), expected, strict=True):
        assert torch.allclose(states[name].final, g, atol=1e-6)
        assert torch.equal(p.grad, torch.full_like(p, 7.0))  # put back as they were
    ws.create("a", "ones", {"size": "2"})  # the workspace changed: it is shown again
    assert session.external is None and session.trace is None and not doc.external


def test_a_recorded_call_loads_without_running_again():
    ws, doc, session, kinds = setup()
    a = torch.tensor([1.0, -2.0], requires_grad=True)
    out = (a * a).sum()
    trace = trace_backward(out, names={"a": a})
    from gradviz.core.graph import capture_graph

    graph = capture_graph(out, names={"a": a})
    session.load_trace(trace, "out.backward()", graph)
    assert doc.external and session.trace is trace
    session.run_to_end()
    assert torch.equal(session.replay.leaf_states()[0].final, 2 * a.detach())


def test_hints_name_non_leaves_and_cuts():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[0., 1., 2.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "x"})
    ws.apply("detach", "u", {"input": "y"})
    ws.apply("mul", "y2", {"a": "u", "b": "x"})
    ws.apply("sum", "out", {"input": "y2"})
    doc = GraphDocument(ws)
    session = BackwardSession(ws, doc)
    session.set_root("out")
    session.run()
    assert session.non_leaf_hints() == ["y2", "out"]  # not y: the detach cut it off
    assert len(session.cut_hints()) == 1 and session.cut_hints()[0].startswith("✂ u")
    assert session.retain_grad("y2") and session.non_leaf_hints() == ["out"]


def test_bad_v_is_one_plain_line_and_changes_nothing():
    ws, doc, session, kinds = setup()
    session.set_root("z")
    session.set_v("")
    assert session.run() is None and "type a gradient v" in session.error
    assert ws["x"].grad is None and session.trace is None and "\n" not in session.error
