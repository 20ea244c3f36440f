"""trace_backward records the real engine: every gradient it shows is torch.autograd's."""

from __future__ import annotations

import json

import pytest
import torch
from backward_cases import ALL_CASES, SEED_CASES, check_trace

import gradviz.core.backward as backward_module
from gradviz.core.backward import (
    ACCUMULATE,
    EdgeFlow,
    Replay,
    edge_text,
    tensor_text,
    trace_backward,
)
from gradviz.core.graph import capture_graph, function_node_id, tensor_node_id


@pytest.mark.parametrize("name", list(ALL_CASES))
def test_every_recorded_gradient_matches_autograd(name):
    trace, compared = check_trace(ALL_CASES[name])
    assert len(trace.steps) >= 2
    assert compared >= 3


def test_seed_cases_give_the_notes_answers():
    x_dot = SEED_CASES["dot(x, x)"]()
    trace_backward(x_dot.root)
    assert x_dot.leaves["x"].grad.tolist() == [0.0, 2.0, 4.0, 6.0]  # 2x

    cut = SEED_CASES["y.detach() * x"]()
    trace = trace_backward(cut.root)
    assert cut.leaves["x"].grad.tolist() == [0.0, 1.0, 4.0, 9.0]  # u = x², not 3x²
    # the cut: no step ever reaches the MulBackward0 of y = x * x
    assert [s.label for s in trace.steps].count("MulBackward0") == 1

    ones = SEED_CASES["ones(2,2); y*y*3; mean"]()
    trace_backward(ones.root)
    assert torch.equal(ones.leaves["x"].grad, torch.full((2, 2), 4.5, dtype=torch.float64))

    wxb = SEED_CASES["w*x + b"]()
    trace_backward(wxb.root)
    assert [wxb.leaves[n].grad.item() for n in ("w", "x", "b")] == [1.0, 2.0, 1.0]

    relu = SEED_CASES["relu, ones_like"]()
    trace_backward(relu.root, relu.grad)
    assert relu.leaves["x"].grad.tolist() == (relu.leaves["x"] > 0).double().tolist()


def test_steps_follow_engine_order_and_capture_graph_ids():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = torch.tensor([0.5, 0.1, 0.2], requires_grad=True)
    y = x * x
    z = (y * w).sum() + x.sum()
    graph = capture_graph(z)
    trace = trace_backward(z, names={"x": x, "w": w})
    ids = {n.id for n in graph.nodes}
    assert all(s.node in ids for s in trace.steps)
    assert trace.steps[0].node == function_node_id(z.grad_fn)  # the root's node runs first
    assert trace.steps[0].label == "AddBackward0"
    # a node runs only after every node that sends it a gradient
    seen: set[str] = set()
    for step in trace.steps:
        senders = {s.node for s in trace.steps if step.node in s.inputs}
        assert senders <= seen, step.label
        seen.add(step.node)
    # the leaves' steps carry the tensor ids and the names given
    leaf_steps = [s for s in trace.steps if s.label == ACCUMULATE]
    assert {s.node for s in leaf_steps} == {tensor_node_id(x), tensor_node_id(w)}
    assert {lf.name for lf in trace.leaves.values()} == {"x", "w"}
    # every edge a gradient crosses is an edge of the captured graph
    replay = Replay(trace)
    replay.run_to_end()
    graph_edges = {(e.source, e.target) for e in trace.graph.edges}
    assert set(replay.edges()) <= graph_edges


def test_to_json_has_the_documented_shape():
    case = SEED_CASES["w*x + b"]()
    trace = trace_backward(case.root, names=case.leaves)
    data = json.loads(json.dumps(trace.to_json()))
    assert set(data) == {"steps", "grads"}
    assert data["grads"] == {"w": 1.0, "x": 2.0, "b": 1.0}
    first = data["steps"][0]
    assert set(first) == {"index", "node", "label", "grad_in", "grad_out"}
    assert first["index"] == 0 and first["label"] == "AddBackward0"
    assert first["grad_in"] == [1.0] and first["grad_out"] == [1.0, 1.0]
    assert [s["index"] for s in data["steps"]] == list(range(len(data["steps"])))


def test_gradients_accumulate_across_calls_and_before_is_kept():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    first = trace_backward(y, retain_graph=True, names={"x": x})
    second = trace_backward(y, retain_graph=True, names={"x": x})
    (leaf,) = second.leaves.values()
    assert first.leaves[leaf.id].before is None
    assert leaf.before.tolist() == [2.0, 4.0]
    assert leaf.after.tolist() == [4.0, 8.0] == x.grad.tolist()
    state = Replay(second)
    state.run_to_end()
    (ls,) = state.leaf_states()
    assert ls.grad.tolist() == [4.0, 8.0] and ls.incoming.tolist() == [2.0, 4.0]


def test_second_backward_without_retain_graph_raises_and_changes_nothing():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    trace = trace_backward(y)
    before = x.grad.clone()
    n_records = len(trace)
    with pytest.raises(RuntimeError, match="second time"):
        trace_backward(y)
    assert torch.equal(x.grad, before)
    # the hooks were removed: a later pass (with a fresh graph) adds no record to the old trace
    (x.exp() * x).sum().backward()
    assert len(trace) == n_records


def test_failed_pass_restores_grads_and_removes_hooks():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    x.grad = torch.tensor([5.0, 5.0])
    y = x * 3
    with pytest.raises(RuntimeError, match="scalar outputs"):
        trace_backward(y)  # non-scalar root without a gradient
    assert x.grad.tolist() == [5.0, 5.0]
    records: list = []
    y.grad_fn.register_hook(lambda gi, go: records.append(gi))
    y.sum().backward()  # works: nothing of ours stayed behind
    assert x.grad.tolist() == [8.0, 8.0] and len(records) == 1


@pytest.mark.parametrize("keep_saved", [True, False])
def test_a_freed_graph_run_again_leaves_the_old_record_alone(monkeypatch, keep_saved):
    # a graph that saved no tensor runs again after a pass without retain_graph: the
    # hooks the first recording left on it must neither write into it nor pile up
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (-(x + 1)).sum()  # add, neg, sum: nothing saved
    first = trace_backward(y, keep_saved=keep_saved)
    n_first = len(first)
    labels = [s.label for s in first.steps]
    second = trace_backward(y, keep_saved=keep_saved)
    third = trace_backward(y, keep_saved=keep_saved)
    assert len(first) == n_first and [s.label for s in first.steps] == labels
    assert [s.label for s in second.steps] == [s.label for s in third.steps] == labels
    plain = torch.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (-(plain + 1)).sum().backward()
    assert torch.equal(x.grad, plain.grad)  # the oracle: three plain passes
    # each left-over hook takes itself off when its graph runs again: after three
    # recordings one (inert) hook per node is left, which the next pass takes off
    removed: list = []
    real_unhook = backward_module._unhook
    monkeypatch.setattr(backward_module, "_unhook", lambda h: removed.append(h) or real_unhook(h))
    y.backward()
    assert len(removed) == sum(s.label != ACCUMULATE for s in third.steps) == 3
    removed.clear()
    y.backward()
    assert removed == []
    assert len(first) == n_first and len(third) == len(second)


def test_a_retained_graph_keeps_no_hook_of_ours(monkeypatch):
    # retain_graph: the graph will run again, so every hook comes off at once
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    trace = trace_backward(y, retain_graph=True)
    n = len(trace)
    removed: list = []
    real_unhook = backward_module._unhook
    monkeypatch.setattr(backward_module, "_unhook", lambda h: removed.append(h) or real_unhook(h))
    y.backward()
    assert removed == [] and len(trace) == n


def test_user_hooks_on_recorded_nodes_work_as_in_plain_torch():
    from torch.utils.hooks import RemovableHandle

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    seen: list = []
    before = y.grad_fn.register_hook(lambda gi, go: seen.append("before"))
    trace_backward(y, retain_graph=True)
    after = y.grad_fn.register_hook(lambda gi, go: seen.append("after"))
    assert isinstance(after, RemovableHandle)  # registered the ordinary way, not ours
    y.backward(retain_graph=True)
    before.remove()
    y.backward()
    assert seen == ["before", "before", "after", "after"]
    plain = torch.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (plain.exp() * plain).sum().backward()
    assert torch.equal(x.grad, plain.grad)


def test_recording_without_the_cheap_registration(monkeypatch):
    # if the self-test fails on some torch, hooks are registered torch's own way
    monkeypatch.setattr(backward_module, "_CHEAP", None)
    monkeypatch.setattr(backward_module, "_self_test", lambda: False)
    if "_register_hook" in torch.autograd.Function.__dict__:  # ours, from an earlier test
        monkeypatch.delattr(torch.autograd.Function, "_register_hook")
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    trace = trace_backward(y)
    assert backward_module._CHEAP is False
    assert "_register_hook" not in torch.autograd.Function.__dict__
    assert [s.label for s in trace.steps] == ["SumBackward0", "MulBackward0", "ExpBackward0",
                                              ACCUMULATE]  # fmt: skip
    assert torch.equal(x.grad, (x.exp() * x + x.exp()).detach())
    monkeypatch.setattr(backward_module, "_CHEAP", None)  # the next test installs it again


def test_the_cheap_registration_checks_itself_unseen_whatever_mode_the_caller_is_in(monkeypatch):
    from gradviz.core.recording import BackwardRecorder

    monkeypatch.setattr(backward_module, "_CHEAP", None)  # the self-test runs again
    calls: list = []
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with BackwardRecorder(calls.append), torch.no_grad():
        y.backward()  # the first recording: the self-test runs inside it, in no_grad
    assert backward_module._CHEAP is True
    assert len(calls) == 1  # the self-test's own passes were not recorded as the code's
    assert [s.label for s in calls[0].steps] == ["SumBackward0", "MulBackward0", ACCUMULATE]
    assert torch.equal(x.grad, 2 * x.detach())


def test_left_over_hooks_do_not_hold_the_record():
    import gc
    import weakref

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    trace = trace_backward(y)
    grad_ref = weakref.ref(trace.steps[1].grad_out[0])
    del trace
    gc.collect()
    assert y.grad_fn is not None  # the graph, and the hooks left on it, live on
    assert grad_ref() is None  # but the gradients went with the trace


def test_root_without_graph_raises_pytorchs_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        trace_backward(torch.ones(2).sum())
    with pytest.raises(TypeError):
        trace_backward([1.0])


def test_leaf_as_root():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    trace = trace_backward(x, torch.tensor([3.0, 4.0]))
    assert [s.label for s in trace.steps] == [ACCUMULATE]
    assert x.grad.tolist() == [3.0, 4.0]
    assert trace.root_edge is None


def test_grad_given_as_a_list_and_the_seed_edge():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    trace = trace_backward(y, [1.0, 0.5])
    assert x.grad.tolist() == [2.0, 1.0]
    replay = Replay(trace)
    flows = replay.edges()  # position 0: only the seed has moved
    assert list(flows) == [trace.root_edge]
    assert flows[trace.root_edge].total.tolist() == [1.0, 0.5]


def test_replay_positions_current_done_and_edges():
    case = SEED_CASES["tensor used twice"]()
    trace = trace_backward(case.root, names=case.leaves)
    replay = Replay(trace)
    assert replay.current() is None and replay.done_nodes() == []
    assert not replay.step_back()
    assert replay.step_forward() and replay.current() is trace.steps[0]
    replay.step_forward()
    assert replay.current() is trace.steps[1]
    assert replay.done_nodes() == [trace.steps[0].node]
    assert replay.step_back() and replay.position == 1
    replay.run_to_end()
    assert replay.at_end and not replay.step_forward()
    assert replay.seek(99) == len(trace.steps) and replay.seek(-3) == 0
    replay.reset()
    assert replay.position == 0
    # edges at step k are exactly those sent by the first k steps (plus the seed)
    for k in range(len(trace.steps) + 1):
        flows = replay.edges(k)
        sent = sum(len(replay.step_edges(s)) for s in trace.steps[:k])
        assert sum(len(f.parts) for f in flows.values()) == sent + 1


def test_leaf_used_twice_shows_each_contribution_and_their_sum():
    case = SEED_CASES["tensor used twice"]()
    x = case.leaves["x"]
    trace = trace_backward(case.root, names=case.leaves)
    replay = Replay(trace)
    replay.run_to_end()
    state = {s.name: s for s in replay.leaf_states()}["x"]
    assert len(state.contributions) == 2  # via x * w and via x.sin()
    senders = {
        trace.steps[[s.node for s in trace.steps].index(n)].label for n, _ in state.contributions
    }
    assert senders == {"MulBackward0", "SinBackward0"}
    w = case.leaves["w"].detach()
    parts = sorted([g.tolist() for _, g in state.contributions])
    assert parts == sorted([w.tolist(), x.detach().cos().tolist()])
    assert torch.allclose(state.grad, x.grad) and state.written
    # half way the leaf has one contribution and is not written yet
    first_contrib = min(
        i for i, s in enumerate(trace.steps) if s.label in ("MulBackward0", "SinBackward0")
    )
    mid = {s.name: s for s in replay.leaf_states(first_contrib + 1)}["x"]
    assert len(mid.contributions) == 1 and not mid.written


def test_same_leaf_twice_in_one_node_labels_both_parts():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    trace = trace_backward((x * x).sum(), names={"x": x})
    replay = Replay(trace)
    replay.run_to_end()
    mul = next(s for s in trace.steps if s.label == "MulBackward0")
    flow = replay.edges()[(tensor_node_id(x), mul.node)]
    assert len(flow.parts) == 2 and flow.total.tolist() == [2.0, 4.0]
    text, tip = edge_text(flow)
    assert "[1, 2] + [1, 2] = [2, 4]" in text and "2 ·" in text
    assert "click" in tip


def test_tensor_text_small_and_big():
    assert tensor_text(torch.tensor([3.0, 4.0])) == "2 · ‖g‖=5\n[3, 4]"
    assert tensor_text(torch.tensor(2.5)) == "scalar · 2.5"  # its norm would repeat it
    big = tensor_text(torch.ones(10, 10))
    assert big == "10×10 · ‖g‖=10"
    assert tensor_text(None) == "None"


def test_saved_values_kept_for_small_graphs_and_read_later_when_retained():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    trace = trace_backward((x * w).sum())
    mul = next(s for s in trace.steps if s.label == "MulBackward0")
    assert mul.saved["self"].tolist() == [1.0, 2.0] and mul.saved["other"].tolist() == [3.0, 4.0]
    # big graph path: not copied during the pass, but readable while retained
    trace = trace_backward((x * w).sum(), retain_graph=True, keep_saved=False)
    mul = next(s for s in trace.steps if s.label == "MulBackward0")
    assert mul.saved["other"].tolist() == [3.0, 4.0]
    # freed graph and nothing kept: the card just has no operand values
    trace = trace_backward((x * w).sum(), keep_saved=False)
    mul = next(s for s in trace.steps if s.label == "MulBackward0")
    assert mul.saved == {}


def test_edge_text_and_tooltip_in_full():
    one = EdgeFlow("a", "b", [torch.tensor([1.0, 2.0])])
    assert edge_text(one) == (  # 4 significant digits, as on the formula card
        "2 · ‖g‖=2.236\n[1, 2]",
        "gradient sent back along this edge:\n2 · ‖g‖=2.236\n[1, 2]\n"
        "(click to inspect the full tensor)",
    )
    two = EdgeFlow("a", "b", [torch.tensor([1.0, 2.0]), torch.tensor([0.5, 0.25])])
    text, tip = edge_text(two)
    assert text == "2 · ‖g‖=2.704 (2 parts)\n[1, 2] + [0.5, 0.25] = [1.5, 2.25]"
    assert tip == (
        "gradient sent back along this edge:\n2 · ‖g‖=2.704\n[1.5, 2.25]\n"
        "part 1: 2 · ‖g‖=2.236\n[1, 2]\npart 2: 2 · ‖g‖=0.559\n[0.5, 0.25]\n"
        "(click to inspect the full tensor)"
    )
    # too long for one line: one line per part (the README promises the parts)
    long = EdgeFlow("a", "b", [torch.arange(6.0), torch.ones(6)])
    text, tip = edge_text(long)
    assert text == "6 · ‖g‖=9.539 (2 parts)\npart 1: [0, 1, 2, 3, 4, 5]\npart 2: [1, 1, 1, 1, 1, 1]"
    assert "part 2: 6 · ‖g‖=2.449\n[1, 1, 1, 1, 1, 1]" in tip
    big = EdgeFlow("a", "b", [torch.ones(10), torch.ones(10)])
    assert edge_text(big)[0] == "10 · ‖g‖=6.325 (2 parts)\npart 1: ‖g‖=3.162\npart 2: ‖g‖=3.162"
    ints = EdgeFlow("a", "b", [torch.tensor([3, 4])])
    assert edge_text(ints)[0] == "2 · ‖g‖=5\n[3, 4]"


def test_a_saved_value_that_cannot_be_read_does_not_hide_the_others():
    from gradviz.core.backward import Step

    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True) * 1
    y = a * b  # MulBackward0 saves other (b) and self (a)
    b.add_(1)  # b changed in place: its saved copy can no longer be read
    saved = Step(0, "n", "MulBackward0", [], [], [], fn=y.grad_fn).saved
    assert "other" not in saved
    assert torch.equal(saved["self"], a.detach())


def test_replay_edges_are_those_crossed_so_far():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    trace = trace_backward((x.exp() * 3).sum(), names={"x": x})
    replay = Replay(trace)
    assert set(replay.edges()) == {trace.root_edge}  # only the seed, before any step
    replay.step_forward()
    after_one = replay.edges()
    assert len(after_one) == 2 and trace.root_edge in after_one
    assert replay.edges(len(trace.steps)) == Replay(trace).edges(len(trace.steps))
    replay.run_to_end()
    # the seed, and one edge from each node but the leaf
    assert len(replay.edges()) == len(trace.steps)


def test_leaf_states_default_to_the_current_step():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    trace = trace_backward((x.exp() * 3).sum(), names={"x": x})
    replay = Replay(trace)
    replay.seek(len(trace.steps) - 1)  # every step but the leaf's own
    (now,) = replay.leaf_states()
    assert now.contributions and not now.written and now.grad is not None
    (start,) = replay.leaf_states(0)
    assert not start.contributions and start.grad is None
    replay.reset()
    (fresh,) = replay.leaf_states()
    assert not fresh.contributions and fresh.grad is None
