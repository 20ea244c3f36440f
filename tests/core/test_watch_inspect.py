""" "Inspect this step" in a watched script: the next step's backward, recorded as data.

The oracle is torch itself: a twin of the model, run without gradviz, gives the
``.grad`` every recorded leaf must end with, and the script's own ``.grad`` must be
exactly what a plain backward gives.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from gradviz.core.backward import ACCUMULATE, GradSummary, Replay
from gradviz.core.backward_session import BackwardSession
from gradviz.core.backward_wire import trace_from_wire, trace_to_wire
from gradviz.core.graph_document import GraphDocument
from gradviz.core.graph_wire import graph_from_wire
from gradviz.core.training.watch import protocol as P
from gradviz.core.training.watch.step_capture import StepCapture
from gradviz.core.workspace import Workspace

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def make_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))


def data(step: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(step)
    return torch.randn(8, 3, generator=g), torch.randn(8, 2, generator=g)


def train(net, opt, steps, capture_at, log_before, sent):
    """A script's loop; the app's request arrives before step ``capture_at``'s log()."""
    holder = {"capture": None, "step": 0}
    for step in range(1, steps + 1):
        x, y = data(step)
        loss = nn.functional.mse_loss(net(x), y)
        opt.zero_grad()
        if log_before:
            holder["step"] = step
            _log(holder, net, sent, capture_at, loss)
        loss.backward()
        grads = {n: p.grad.clone() for n, p in net.named_parameters()}
        opt.step()
        if not log_before:
            holder["step"] = step
            _log(holder, net, sent, capture_at, loss)
        yield step, grads


def _log(holder, net, sent, capture_at, loss) -> None:
    cap = holder["capture"]
    if cap is not None:
        cap.after_log(loss)
    if holder["step"] == capture_at:
        holder["capture"] = StepCapture(net, sent.append, lambda: holder["step"])


@pytest.mark.parametrize("log_before", [False, True], ids=["log-after", "log-before"])
def test_the_next_steps_backward_is_recorded_and_matches_torch(log_before):
    net = make_net()
    twin = copy.deepcopy(net)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    twin_opt = torch.optim.SGD(twin.parameters(), lr=0.1)
    sent: list[dict] = []
    seen = {}
    for step, grads in train(net, opt, 4, 2, log_before, sent):
        x, y = data(step)  # the twin: the same loop without gradviz
        twin_opt.zero_grad()
        nn.functional.mse_loss(twin(x), y).backward()
        for n, p in twin.named_parameters():
            assert torch.equal(grads[n], p.grad), (step, n)  # training is unchanged
        twin_opt.step()
        seen[step] = {f"net.{n}": p.grad.clone() for n, p in twin.named_parameters()}
    (message,) = sent
    assert message["type"] == "graph" and message["step"] == 3  # the step after the request
    assert torch.Tensor.backward.__name__ == "backward"  # put back
    # through the wire format, as the app gets it
    body = P.encode(message)[P.HEADER.size :]
    back = P.decode(body)
    graph = graph_from_wire(back["graph"])
    trace = trace_from_wire(back["trace"])
    leaves = {leaf.name: leaf for leaf in trace.leaves.values()}
    assert set(leaves) == set(seen[3])
    for name, want in seen[3].items():
        assert torch.allclose(leaves[name].after, want, atol=1e-7), name
    # every node of the graph ran once, in an order where each node comes after its users
    functions = {n.id for n in graph.nodes if n.kind == "function"}
    assert {s.node for s in trace.steps if s.label != ACCUMULATE} == functions
    assert len(trace.steps) == len(functions) + len(leaves)
    # the module tags of that step's forward came along
    assert {"net.0", "net.2"} <= set(graph.modules())
    # the saved values came too: the formula cards re-compute the engine's numbers
    from gradviz.core.backward_rules import AGREES, DIFFERS, FAILED, verify

    checks = [verify(s).state for s in trace.steps]
    assert checks.count(AGREES) >= 3 and DIFFERS not in checks and FAILED not in checks
    # replay: at the end, each leaf's .grad is torch's
    replay = Replay(trace)
    replay.run_to_end()
    for state in replay.leaf_states():
        assert torch.allclose(state.grad, seen[3][state.name], atol=1e-7)


def test_a_backward_the_wrappers_cannot_see_is_said_plainly_then_the_next_step_tried():
    net = make_net()
    sent: list[dict] = []
    holder = {"step": 0}
    cap = None
    for step in range(1, 8):
        x, y = data(step)
        loss = nn.functional.mse_loss(net(x), y)
        params = list(net.parameters())
        for p, g in zip(params, torch.autograd.grad(loss, params), strict=True):
            p.grad = g  # a backward that goes around loss.backward()
        holder["step"] = step
        if cap is not None:
            cap.after_log(loss)
        if step == 1:
            cap = StepCapture(net, sent.append, lambda: holder["step"])
    assert [m["type"] for m in sent] == ["note", "graph"]
    assert "graph is gone" in sent[0]["text"] and "next step" in sent[0]["text"]
    assert "cannot be recorded" in sent[1]["error"]
    assert cap.done and torch.Tensor.backward.__name__ == "backward"


def test_big_gradients_travel_as_summaries_that_the_replay_shows():
    torch.manual_seed(1)
    w = torch.randn(300, 300, requires_grad=True)
    loss = (w.tanh() * 2).sum()
    from gradviz.core.backward import tensor_text, trace_backward

    trace = trace_backward(loss, names={"w": w})
    wire = trace_to_wire(trace, byte_budget=1000)  # nothing big fits
    back = trace_from_wire(P.decode(P.encode({"type": "x", "t": wire})[P.HEADER.size :])["t"])
    (leaf,) = back.leaves.values()
    assert isinstance(leaf.after, GradSummary)
    want = w.grad
    assert leaf.after.norm == pytest.approx(float(want.norm()), rel=1e-5)
    assert leaf.after.lo == pytest.approx(float(want.min()))
    assert tuple(leaf.after.shape) == (300, 300)
    text = tensor_text(leaf.after)
    assert "300×300" in text and "summary" in text
    # the session replays it; clicking an edge says it has a summary only
    session = BackwardSession(Workspace(), GraphDocument())
    graph = trace.graph
    messages = []
    session.subscribe(lambda e: messages.append(e.data.get("text")) if e.kind == "message" else 0)
    session.replay_data(back, graph, "script step 1 loss")
    session.run_to_end()
    flows = session.replay.edges()
    big = [k for k, f in flows.items() if isinstance(f.total, GradSummary)]
    small = [k for k, f in flows.items() if not isinstance(f.total, GradSummary)]
    assert big and small
    assert session.edge_gradient(*big[0]) is None
    assert "too big to send" in messages[-1]
    title, seed = session.edge_gradient(*small[0])  # the seed: 1, a 0-d tensor as sent
    assert seed.shape == () and float(seed) == 1.0
    assert session.document.external_steps


def test_small_values_come_back_exactly():
    t = torch.tensor([[1.5, -2.0], [0.25, 3.0]], dtype=torch.float64)
    from gradviz.core.backward_wire import tensor_from_wire, tensor_to_wire

    arr = tensor_to_wire(t)
    assert isinstance(arr, np.ndarray)
    assert torch.equal(tensor_from_wire(arr), t)


@pytest.mark.parametrize(
    "bad",
    [
        None,
        {"steps": "x", "leaves": []},
        {"steps": [{"node": 1, "label": "X", "inputs": [], "grad_in": [], "grad_out": []}]},
        {"steps": [{"node": "a", "label": "X", "inputs": ["b"], "grad_in": [], "grad_out": []}],
         "leaves": []},
        {"steps": [], "leaves": [{"id": "a", "name": "w", "before": {"pickle": b"x"}}]},
        {"steps": [], "leaves": [], "root_edge": [1, 2]},
    ],
)  # fmt: skip
def test_a_malformed_trace_is_refused_with_a_value_error(bad):
    with pytest.raises(ValueError):
        trace_from_wire(bad)
