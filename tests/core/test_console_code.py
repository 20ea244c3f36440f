"""Workspace.run_code: the notes' examples give exactly what a plain ``exec`` gives."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from torch import nn

from gradviz.core import console_exec
from gradviz.core.workspace import CodeError, Workspace, WorkspaceError, session_has_code
from gradviz.core.workspace_code import base_namespace

# Each example is a list of console inputs, typed one after the other.
EXAMPLES = {
    "doubling_loop_backward_v": [
        "x = torch.randn(3, requires_grad=True)\ny = x * 2\n"
        "while y.data.norm() < 1000:\n    y = y * 2\n",
        "v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)\ny.backward(v)",
    ],
    "grad_arithmetic_and_zero": [
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)",
        "y.backward()\ng1 = x.grad.clone()\ncheck = x.grad == 4 * x",
        "x.grad.zero_()\ny = x.sum()\ny.backward()\nratio = g1 / (x.grad + 1)",
        "x.grad.data.zero_()\nout3 = (x * x).mean()\nout3.backward()",
    ],
    "reassignment_and_retain_graph": [
        "a = torch.ones(2, 2, requires_grad=True)\nb = a + 2\nb = b * b * 3\nout = b.mean()",
        "out.backward(retain_graph=True)\nfirst = a.grad.clone()\nout.backward()",
    ],
    "accumulation_loop": [
        "w = torch.tensor([1.0, -2.0], requires_grad=True)\nxs = torch.randn(4, 2)",
        "for i in range(4):\n    loss = (xs[i] @ w) ** 2\n    loss.backward()\n",
        "acc = w.grad.clone()\nw.grad.zero_()",
    ],
    "sgd_by_hand": [
        "true_w = torch.tensor([2, -3.4])\ntrue_b = 4.2\n"
        "X = torch.normal(0, 1, (50, 2))\nY = X @ true_w + true_b + torch.normal(0, 0.01, (50,))",
        "w = torch.normal(0, 0.01, size=(2,), requires_grad=True)\n"
        "b = torch.zeros(1, requires_grad=True)\nlr = 0.03",
        "for epoch in range(3):\n"
        "    for i in range(0, 50, 10):\n"
        "        l = ((X[i:i+10] @ w + b - Y[i:i+10]) ** 2 / 2).sum()\n"
        "        l.backward()\n"
        "        with torch.no_grad():\n"
        "            w -= lr * w.grad / 10\n"
        "            b -= lr * b.grad / 10\n"
        "            w.grad.zero_()\n"
        "            b.grad.zero_()\n",
    ],
    "sequential_and_optimizer": [
        "net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))\n"
        "opt = torch.optim.SGD(net.parameters(), lr=0.1)\nfeatures = torch.randn(8, 2)",
        "for step in range(3):\n"
        "    l = net(features).pow(2).mean()\n"
        "    opt.zero_grad()\n"
        "    l.backward()\n"
        "    opt.step()\n",
        "w0 = net[0].weight.detach().clone()",
    ],
    "from_numpy_shares_memory": [
        "arr = np.ones(5)\nt = torch.from_numpy(arr)\nnp.add(arr, 1, out=arr)",
        "back = t.numpy()\nt2 = t * 2",
    ],
    "state_dict_save_load": [
        "m = nn.Linear(3, 2)\nbuf = __import__('io').BytesIO()\ntorch.save(m.state_dict(), buf)",
        "m2 = nn.Linear(3, 2)\nbuf.seek(0)\nm2.load_state_dict(torch.load(buf))\n"
        "same = m2.weight.detach() == m.weight.detach()",
    ],
    "autograd_grad_create_graph": [
        "x = torch.tensor(2.0, requires_grad=True)\ny = x ** 3",
        "g, = torch.autograd.grad(y, x, create_graph=True)\n"
        "g2, = torch.autograd.grad(g, x, retain_graph=True)",
        "z = (x * g).sum()\nz.backward()",
    ],
    "two_layer_autograd": [
        "N, D_in, H, D_out = 8, 20, 10, 3\nx = torch.randn(N, D_in)\ny = torch.randn(N, D_out)\n"
        "w1 = torch.randn(D_in, H, requires_grad=True)\n"
        "w2 = torch.randn(H, D_out, requires_grad=True)\nlearning_rate = 1e-6",
        "for t in range(5):\n"
        "    y_pred = x.mm(w1).clamp(min=0).mm(w2)\n"
        "    loss = (y_pred - y).pow(2).sum()\n"
        "    loss.backward()\n"
        "    with torch.no_grad():\n"
        "        w1 -= learning_rate * w1.grad\n"
        "        w2 -= learning_rate * w2.grad\n"
        "        w1.grad.zero_()\n"
        "        w2.grad.zero_()\n",
    ],
}


def _plain_exec(inputs: list[str]) -> dict:
    """The oracle: the same inputs run by plain exec, from the same RNG state."""
    torch.manual_seed(1234)
    np.random.seed(1234)
    ns = base_namespace()
    for source in inputs:
        exec(compile(source, "<plain>", "exec"), ns)
    return ns


def _ws_run(inputs: list[str]) -> Workspace:
    torch.manual_seed(1234)
    np.random.seed(1234)
    ws = Workspace()
    for source in inputs:
        ws.run_code(source, write=lambda _s: None)
    return ws


def _tensors(ns: dict) -> dict[str, torch.Tensor]:
    return {n: v for n, v in ns.items() if isinstance(v, torch.Tensor) and not n.startswith("_")}


def _assert_same_tensor(a: torch.Tensor, b: torch.Tensor, what: str) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape, what
    assert torch.equal(a.detach(), b.detach()), what
    assert a.requires_grad == b.requires_grad, what
    if a.is_leaf:
        assert (a.grad is None) == (b.grad is None), f"{what}.grad"
        if a.grad is not None:
            assert torch.equal(a.grad, b.grad), f"{what}.grad"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_run_code_matches_plain_exec(name):
    inputs = EXAMPLES[name]
    ws = _ws_run(inputs)
    plain = _plain_exec(inputs)
    expected = _tensors(plain)
    assert sorted(ws.names()) == sorted(expected)
    for n, t in expected.items():
        _assert_same_tensor(ws[n], t, n)
    for n, value in plain.items():  # modules: every parameter and its .grad
        if isinstance(value, nn.Module):
            assert n in ws.objects
            mine = dict(ws.objects[n].named_parameters())
            for pname, p in value.named_parameters():
                _assert_same_tensor(mine[pname], p, f"{n}.{pname}")


def test_every_backward_call_is_listed_in_order():
    ws = _ws_run(EXAMPLES["sgd_by_hand"])
    assert len(ws.backward_calls) == 15
    assert all(c.kind == "backward" and c.root_name == "l" for c in ws.backward_calls)
    assert {c.line for c in ws.backward_calls} == {4}
    assert ws.backward_calls[-1].source_line == "l.backward()"
    ws = _ws_run(EXAMPLES["autograd_grad_create_graph"])
    assert [c.kind for c in ws.backward_calls] == ["grad", "grad", "backward"]
    assert [c.root_name for c in ws.backward_calls] == ["y", "g", "z"]


def _step_for(call, t: torch.Tensor):
    from gradviz.core.graph import function_node_id, tensor_node_id

    node = function_node_id(t.grad_fn) if t.grad_fn is not None else tensor_node_id(t)
    steps = [s for s in call.steps if s.node == node]
    assert len(steps) == 1, f"no single step for {node}"
    return steps[0]


FORWARD = (
    "x = torch.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)\n"
    "w = torch.tensor([0.3, -0.7], requires_grad=True)\n"
    "a = x * w\nb = a.sin()\nc = b * a\nroot = c.sum(dim=1)"
)


@pytest.mark.parametrize(
    "call,seed",
    [
        ("root.backward(v)", [1.0, -0.5]),
        ("torch.autograd.backward([root], [v])", [2.0, 0.25]),
        ("gs = torch.autograd.grad(root, [x, w, a], v, create_graph=True)", [1.0, 1.0]),
    ],
)
def test_step_gradients_match_torch_autograd_grad(call, seed):
    ws = Workspace()
    ws.run_code(FORWARD + f"\nv = torch.tensor({seed})")
    names = ["x", "w", "a", "b", "c"]
    # the oracle: the very same graph, asked through torch.autograd.grad before backward runs
    want = torch.autograd.grad(
        ws["root"], [ws[n] for n in names], ws["v"], retain_graph=True, allow_unused=True
    )
    ws.run_code(call)
    (rec,) = ws.backward_calls
    for n, g in zip(names, want, strict=True):
        t = ws[n]
        if t.is_leaf and rec.kind == "grad":
            continue  # autograd.grad runs no AccumulateGrad for leaves
        step = _step_for(rec, t)
        got = step.grad_in[t.output_nr if t.grad_fn is not None else 0]
        torch.testing.assert_close(got, g, rtol=0, atol=0, msg=n)
    if rec.kind == "grad":
        torch.testing.assert_close(rec.returned["a"], want[2], rtol=0, atol=0)
        assert rec.to_json()["returned"]["x"] == want[0].tolist()
    else:
        for leaf in rec.leaves.values():
            assert torch.equal(leaf.after, leaf.tensor.grad)


def test_calls_in_a_loop_each_match_their_own_oracle():
    ws = Workspace()
    ws.run_code("x = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)")
    ws.run_code("for k in range(1, 4):\n    s = (x ** k).sum()\n    s.backward()\n")
    assert len(ws.backward_calls) == 3
    x0 = ws["x"].detach().clone().requires_grad_()
    for k, rec in enumerate(ws.backward_calls, start=1):
        (want,) = torch.autograd.grad((x0**k).sum(), x0)
        (leaf_step,) = [s for s in rec.steps if s.label == "AccumulateGrad"]
        assert torch.equal(leaf_step.grad_in[0], want)
        assert rec.to_json()["steps"][-1]["grad_in"][0] == want.tolist()


def test_recording_never_changes_a_grad_or_keeps_retain_graph():
    ws = Workspace()
    ws.run_code("x = torch.ones(3, requires_grad=True)\ny = (x * x).sum()\ny.backward()")
    with pytest.raises(CodeError) as info:
        ws.run_code("y.backward()")  # not retained: PyTorch refuses the second pass
    assert "second time" in str(info.value.error)
    assert torch.equal(ws["x"].grad, torch.full((3,), 2.0))


def test_failed_calls_do_not_record_and_errors_carry_the_line():
    ws = Workspace()
    with pytest.raises(CodeError) as info:
        ws.run_code("v = torch.ones(2, requires_grad=True)\nu = v * 2\nu.backward()")
    err = info.value
    assert isinstance(err, WorkspaceError)
    assert isinstance(err.error, RuntimeError)
    assert (err.lineno, err.line) == (3, "u.backward()")
    assert "grad can be implicitly created only for scalar outputs" in err.text
    assert 'File "<console-1>", line 3' in err.text
    assert ws.names() == ["v", "u"]  # what Python leaves: the lines before the error ran
    assert ws.backward_calls == []


def test_syntax_error_runs_nothing_and_stays_out_of_history():
    ws = Workspace()
    with pytest.raises(CodeError) as info:
        ws.run_code("x = torch.ones(2)\ny = (")
    assert isinstance(info.value.error, SyntaxError)
    assert ws.names() == [] and ws.history == []


def test_undo_of_a_console_input_returns_to_the_state_before_it():
    ws = Workspace()
    ws.create("p", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.run_code("q = (p * p).sum()\nq.backward()")
    before_grad = ws["p"].grad.clone()
    ws.run_code("q.backward() if False else None\nwith torch.no_grad():\n    p.mul_(10)\n"
                "p.grad.zero_()\nr = p + 1\ndel q")  # fmt: skip
    assert "q" not in ws.names() and "r" in ws.names()
    ws.undo()
    assert ws.names() == ["p", "q"]
    assert torch.equal(ws["p"].detach(), torch.tensor([1.0, 2.0]))
    assert torch.equal(ws["p"].grad, before_grad)
    assert len(ws.backward_calls) == 1
    ws.redo()
    assert ws.names() == ["p", "r"]
    assert torch.equal(ws["p"].detach(), torch.tensor([10.0, 20.0]))


def test_replay_restores_the_rng_before_each_input():
    ws = Workspace()
    ws.run_code("a = torch.randn(4)\nn = np.random.rand(3)")
    ws.run_code("b = torch.randn(4)\nimport random\nr = torch.tensor(random.random())")
    a, b, n, r = ws["a"].clone(), ws["b"].clone(), ws.objects["n"].copy(), ws["r"].clone()
    ws.undo()
    torch.randn(100)  # the live RNG moves on; replay must not care
    ws.redo()
    assert torch.equal(ws["b"], b) and torch.equal(ws["r"], r)
    ws.undo()
    ws.undo()
    ws.redo()
    assert torch.equal(ws["a"], a) and np.array_equal(ws.objects["n"], n)


def test_entries_follow_bindings():
    ws = Workspace()
    ws.run_code("x = torch.ones(2)\ny = x + 1\nold = y")
    first_y = ws["y"]
    ws.run_code("y = y + x")  # reassignment moves the name
    assert ws["y"] is not first_y and ws["old"] is first_y
    ws.run_code("del old\nmodel = nn.Linear(2, 1)\nopt = torch.optim.SGD(model.parameters(), lr=1)")
    assert ws.names() == ["x", "y"]
    assert set(ws.objects) == {"model", "opt"}
    ws.run_code("arr = x.numpy()\nother = np.zeros(2)\n_hidden = torch.ones(1)")
    assert ws.sharing("arr") == ["x"] and ws.sharing("other") == []
    assert "_hidden" not in ws.names()
    ws.delete("y")  # a palette delete is seen by the next input
    with pytest.raises(CodeError):
        ws.run_code("y")


def test_palette_tensors_are_in_the_console_namespace():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.run_code("y = x * 3")
    ws.apply("sum", "s", {"input": "y"})
    ws.run_code("s.backward()")
    assert torch.equal(ws["x"].grad, torch.tensor([3.0, 3.0]))
    code = ws.export_code()
    ns: dict = {}
    exec(code, ns)
    assert torch.equal(ns["x"].grad, torch.tensor([3.0, 3.0]))


def test_export_keeps_a_failed_input_runnable():
    ws = Workspace()
    ws.run_code("x = torch.ones(2)")
    with pytest.raises(CodeError):
        ws.run_code("y = x * 2\nz = x @ torch.ones(3)")
    ns: dict = {}
    exec(ws.export_code(), ns)
    assert torch.equal(ns["y"], ws["y"])


def test_session_with_code_asks_and_opens_without_running(tmp_path):
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.run_code("y = torch.randn(2) * x")
    ws.run_code("y.sum().backward()")
    path = tmp_path / "s.gradviz"
    ws.save(path)
    assert session_has_code(path)
    other = Workspace()
    note = other.load(path, run_code=False)
    assert "without running" in note
    assert other.names() == ["x"] and other.can_redo
    other.redo()
    other.redo()
    assert torch.equal(other["y"], ws["y"]) and torch.equal(other["x"].grad, ws["x"].grad)
    again = Workspace()
    assert again.load(path) is None
    assert torch.equal(again["y"], ws["y"])
    assert len(again.backward_calls) == 1


def test_session_whose_code_fails_opens_what_ran(tmp_path):
    import json

    ws = Workspace()
    ws.run_code("a = torch.ones(2)")
    ws.run_code("b = a * 2")
    ws.run_code("c = b + 1")
    path = tmp_path / "s.gradviz"
    ws.save(path)
    data = json.loads(path.read_text())
    data["actions"][1]["args"]["source"] = "b = a * 2\nboom = a @ torch.ones(5)"
    path.write_text(json.dumps(data))
    other = Workspace()
    note = other.load(path)
    assert "input 2 failed" in note
    assert other.names() == ["a"] and len(other.history) == 1 and other.can_redo


def test_palette_only_sessions_do_not_count_as_code(tmp_path):
    ws = Workspace()
    ws.create("x", "ones", {"size": "2"})
    path = tmp_path / "p.gradviz"
    ws.save(path)
    assert not session_has_code(path)


def test_interrupt_stops_an_endless_loop_on_another_thread():
    ws = Workspace()
    ws.run_code("n = torch.zeros(1)")
    run = ws.start_code("while True:\n    n += 1\n")
    started = threading.Event()
    ws.namespace["_started"] = started
    run.source = "_started.set()\n" + run.source
    worker = threading.Thread(target=run.execute, kwargs={"write": lambda _s: None})
    worker.start()
    assert started.wait(30)
    with pytest.raises(WorkspaceError):
        ws.create("t", "ones", {"size": "2"})  # the workspace is busy meanwhile
    assert console_exec.interrupt_thread(worker.ident)
    worker.join(30)
    assert not worker.is_alive()
    assert run.outcome.interrupted
    with pytest.raises(CodeError) as info:
        ws.finish_code(run)
    assert isinstance(info.value.error, KeyboardInterrupt)
    assert ws["n"].item() > 0  # the state is what Python left
    assert ws.history[-1].options.get("interrupted")
    ws.run_code("m = n * 0")  # and the workspace goes on
    assert "m" in ws.names()


def test_is_complete_follows_the_interactive_console():
    assert console_exec.is_complete("x = 1")
    assert not console_exec.is_complete("for i in range(3):")
    assert not console_exec.is_complete("for i in range(3):\n    x = i")
    assert console_exec.is_complete("for i in range(3):\n    x = i\n")
    assert console_exec.is_complete("a = 1\nb = 2")  # a pasted block
    assert not console_exec.is_complete("x = (")


def test_call_log_budget_keeps_first_and_last_of_each_input():
    from gradviz.core.recording import CallLog

    ws = Workspace()
    ws._call_log = CallLog(full_calls=3)
    ws.run_code("x = torch.ones(2, requires_grad=True)\nfor i in range(10):\n"
                "    (x * i).sum().backward()\n")  # fmt: skip
    ws.run_code("for i in range(10):\n    (x * i).sum().backward()\n")
    calls = ws.backward_calls
    assert len(calls) == 20
    kept = [i for i, c in enumerate(calls) if c.kept]
    assert {0, 9, 10, 19} <= set(kept)
    assert len(kept) <= 3 + 4
    dropped = calls[5]
    assert not dropped.kept and dropped.n_steps == 3 and dropped.to_json()["steps"] is None


def test_a_recorded_leaf_gradient_survives_a_later_zero_():
    ws = Workspace()
    ws.run_code("x = torch.ones(3, requires_grad=True)\ny = x * 3\ny.backward(torch.ones(3))")
    ws.run_code("x.grad.zero_()", write=lambda _s: None)  # AccumulateGrad may have adopted it
    (rec,) = ws.backward_calls
    assert torch.equal(rec.steps[-1].grad_in[0], torch.full((3,), 3.0))
    assert torch.equal(rec.leaves[next(iter(rec.leaves))].after, torch.full((3,), 3.0))


def test_grad_is_a_value_for_the_palette_and_zero_grad_has_two_modes():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "x"})
    ws.apply("sum", "s", {"input": "y"})
    assert "x.grad" not in ws.input_names()
    with pytest.raises(WorkspaceError, match=r"x.grad is None"):
        ws.apply("mul", "g2", {"a": "x.grad", "b": "2"})
    ws.backward("s")
    assert ws.input_names() == ["x", "y", "s", "x.grad"]
    ws.apply("mul", "g2", {"a": "x.grad", "b": "2"})
    assert torch.equal(ws["g2"], torch.tensor([4.0, 8.0]))
    assert "g2 = x.grad * 2" in ws.export_code()
    grad_before = ws["x"].grad
    ws.zero_grad(set_to_none=False)  # what the notes do: x.grad.zero_()
    assert ws["x"].grad is grad_before and torch.equal(grad_before, torch.zeros(2))
    assert ws.code_for(ws.history[-1]) == "x.grad.zero_()"
    ws.zero_grad(["x"])  # the other choice, with its own line
    assert ws["x"].grad is None and ws.code_for(ws.history[-1]) == "x.grad = None"
    ns: dict = {}
    exec(ws.export_code(), ns)
    assert ns["x"].grad is None and torch.equal(ns["g2"], ws["g2"])


def test_undo_and_redo_as_jobs_give_the_same_state_as_in_place():
    ws = Workspace()
    ws.run_code("a = torch.randn(3)")
    ws.run_code("b = a * torch.randn(3)")
    b = ws["b"].clone()
    job = ws.start_undo()
    with pytest.raises(WorkspaceError, match="running"):
        ws.run_code("c = 1")  # busy while the job runs
    job.execute()
    ws.finish_undo(job)
    assert ws.names() == ["a"] and ws.can_redo
    job = ws.start_undo(redo=True)
    job.execute()
    ws.finish_undo(job)
    assert ws.names() == ["a", "b"] and torch.equal(ws["b"], b) and not ws.can_redo
    assert [a.kind for a in ws.history] == ["code", "code"]


@pytest.mark.parametrize("call", ["root.backward(v)", "g = torch.autograd.grad(root, x, v)"])
def test_recorded_steps_keep_small_saved_values_so_every_card_checks_itself(call):
    """A console call's formula cards re-compute each step from the values saved for backward
    (copied during the pass, as trace_backward does) and agree with what the engine sent."""
    from gradviz.core.backward_rules import AGREES, verify

    ws = Workspace()
    ws.run_code(FORWARD + "\nv = torch.tensor([1.0, -0.5])")
    ws.run_code(call)
    (rec,) = ws.backward_calls
    verdicts = {s.label: verify(s).state for s in rec.steps if s.label != "AccumulateGrad"}
    assert {"MulBackward0", "SinBackward0", "SumBackward1"} <= set(verdicts)
    assert all(state == AGREES for state in verdicts.values()), verdicts


def test_stop_while_opening_a_session_abandons_the_whole_open(tmp_path):
    """Stop lands inside a replayed input's own loop: the open is abandoned (nothing opens),
    not turned into "input 1 failed; opened what ran before it"."""
    from gradviz.core.workspace import LoadJob, read_session

    ws = Workspace()
    ws.run_code("n = torch.zeros(1)")
    ws.history[-1].args["source"] = "_started.set()\nwhile True:\n    pass\n"
    path = tmp_path / "loop.gradviz"
    ws.save(path)
    started = threading.Event()
    job = LoadJob(path, read_session(path), run_code=True)
    job.fresh.namespace["_started"] = started
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            job.execute()
        except BaseException as exc:  # noqa: BLE001 - what the worker thread would see
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(30)
    assert console_exec.interrupt_thread(worker.ident)
    worker.join(30)
    assert not worker.is_alive()
    assert [type(e) for e in outcome] == [KeyboardInterrupt]
    assert job.note is None and job.rest == []


def test_recorded_leaves_of_a_module_are_named_by_parameter_path():
    ws = Workspace()
    ws.run_code(
        "net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))\n"
        "x = torch.randn(4, 2)\nloss = net(x).pow(2).mean()\nloss.backward()"
    )
    (rec,) = ws.backward_calls
    names = sorted(leaf.name for leaf in rec.leaves.values())
    assert names == ["net.0.bias", "net.0.weight", "net.2.bias", "net.2.weight"]
    for leaf in rec.leaves.values():  # each name is the parameter whose .grad it shows
        assert leaf.tensor is ws.namespace["net"].get_parameter(leaf.name[len("net.") :])


def test_a_recorded_calls_graph_is_framed_by_module_path():
    ws = Workspace()
    ws.run_code(
        "net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))\n"
        "loss = net(torch.randn(4, 2)).pow(2).mean()\nloss.backward()"
    )
    (rec,) = ws.backward_calls
    by_label = {n.label: n.module for n in rec.graph.nodes if n.kind == "function"}
    assert by_label["AddmmBackward0"] in {"net.0", "net.2"}
    assert by_label["TanhBackward0"] == "net.1"
    assert by_label["MeanBackward0"] is None  # the loss is outside the net
    leaves = {n.name: n.module for n in rec.graph.nodes if n.kind == "leaf"}
    assert leaves["net.0.weight"] == "net.0" and leaves["net.2.bias"] == "net.2"


def test_a_constant_input_still_shows_after_the_recorded_backward_freed_it():
    # the recorder notes what a function with a constant input saved before the pass
    # frees it, so the graph captured afterwards still draws the constant going in
    from gradviz.core.graph import capture_graph, function_node_id, tensor_node_id

    ws = _ws_run(
        ["c = torch.tensor([2.0, 3.0])\nx = torch.ones(2, requires_grad=True)\n"
         "y = x * c\ny.sum().backward()"]
    )  # fmt: skip
    c, x, y = (ws.namespace[n] for n in ("c", "x", "y"))
    with pytest.raises(RuntimeError):
        _ = y.grad_fn._saved_other  # freed: torch no longer tells what went in
    graph = capture_graph(y, names={"c": c, "x": x})
    mul = function_node_id(y.grad_fn)
    assert any(e.source == tensor_node_id(c) and e.target == mul for e in graph.edges)
    assert torch.equal(x.grad, c)  # and the pass itself is torch's: d(sum(x*c))/dx = c


def test_recording_freezes_the_older_heap_only_while_it_runs_and_keeps_others_freezes():
    import gc

    from gradviz.core.recording import BackwardRecorder

    assert gc.get_freeze_count() == 0
    with BackwardRecorder(lambda _call: None):
        assert gc.get_freeze_count() > 0  # full collections skip what lived before
    assert gc.get_freeze_count() == 0
    gc.freeze()  # someone else's (a big graph on show): not ours to undo
    try:
        n = gc.get_freeze_count()
        with BackwardRecorder(lambda _call: None):
            pass
        assert gc.get_freeze_count() == n
    finally:
        gc.unfreeze()
