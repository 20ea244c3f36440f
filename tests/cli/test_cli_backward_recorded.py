"""``gradviz backward SCRIPT.py`` without --tensor: the script's own backward calls, recorded."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from gradviz.cli import main

NOTES_SCRIPT = textwrap.dedent(
    """
    import torch
    torch.manual_seed(0)
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)

    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    features = torch.randn(5, 3)
    for step in range(3):
        loss = net(features).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    g, = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
    """
)


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "notes.py"
    path.write_text(NOTES_SCRIPT, encoding="utf-8")
    return path


def _plain_run() -> dict:
    """The oracle: what a plain run of the script leaves."""
    ns: dict = {"__name__": "__main__"}
    exec(compile(NOTES_SCRIPT, "notes.py", "exec"), ns)  # our own test script
    return ns


def test_every_call_is_in_the_json_and_grads_match_a_plain_run(script, tmp_path, capsys):
    out = tmp_path / "calls.json"
    assert main(["backward", str(script), "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    calls = data["calls"]
    assert [(c["root"], c["line"]) for c in calls] == [
        ("y", 9), ("loss", 17), ("loss", 17), ("loss", 17), (None, 19)
    ]  # fmt: skip
    assert all(isinstance(c["steps"], list) and c["steps"] for c in calls)
    plain = _plain_run()
    want = {"x": plain["x"].grad.tolist()}
    for pname, p in plain["net"].named_parameters():
        want[f"net.{pname}"] = p.grad.tolist()
    assert data["grads"] == want
    # the doubling loop's call: its leaf step received exactly the plain run's x.grad
    leaf_step = calls[0]["steps"][-1]
    assert leaf_step["label"] == "AccumulateGrad"
    assert leaf_step["grad_in"][0] == plain["x"].grad.tolist()
    text = capsys.readouterr().out
    assert "made 5 backward call(s)" in text
    assert "call 5: line 19, grad from an unnamed tensor" in text


def test_call_picks_another_call_and_its_steps_match_autograd(script, capsys):
    assert main(["backward", str(script), "--call", "2"]) == 0
    text = capsys.readouterr().out
    assert "call 2: line 17, backward from loss (scalar)" in text
    assert "net.0.weight.grad += incoming" in text
    assert "AddmmBackward0" in text


def test_call_out_of_range_and_script_without_backward(script, tmp_path, capsys):
    assert main(["backward", str(script), "--call", "9"]) != 0
    assert "made 5 backward call(s)" in capsys.readouterr().err
    quiet = tmp_path / "quiet.py"
    quiet.write_text("import torch\nx = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\n")
    assert main(["backward", str(quiet)]) != 0
    assert "made no backward call: give --tensor" in capsys.readouterr().err
    assert main(["backward", str(quiet), "--tensor", "y"]) == 0  # --tensor still works


def test_recorded_run_is_bit_identical_to_plain_python(script, tmp_path):
    """A script that asserts on its own results passes under gradviz too."""
    check = tmp_path / "check.py"
    check.write_text(
        NOTES_SCRIPT
        + "\nexpected = torch.tensor(x.grad.tolist())\n"
        + "x.grad = None\n(y2 := x * 2)\nz = (x * 3).sum()\nz.backward()\n"
        + "assert torch.equal(x.grad, torch.full((3,), 3.0))\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "gradviz", "backward", str(check)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "made 6 backward call(s)" in result.stdout


CUT_SCRIPT = """
import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
c = (x * 3).detach()
y = (x * c).sum()
"""


def _constants(path, tmp_path, capsys) -> set:
    out = tmp_path / f"{path.stem}.json"
    assert main(["graph", str(path), "--tensor", "y", "--out", str(out)]) == 0
    capsys.readouterr()
    data = json.loads(out.read_text())
    return {n["name"] for n in data["nodes"] if n["kind"] == "constant"}


def test_graph_keeps_the_detach_cut_after_the_scripts_own_backward(tmp_path, capsys):
    before = tmp_path / "before.py"
    before.write_text(CUT_SCRIPT)
    after = tmp_path / "after.py"
    after.write_text(CUT_SCRIPT + "y.backward()\n")
    assert _constants(before, tmp_path, capsys) == {"c"}  # the oracle: no backward yet
    assert _constants(after, tmp_path, capsys) == {"c"}


def test_console_graph_keeps_the_cut_after_backward():
    from gradviz.core.graph import capture_graph
    from gradviz.core.workspace import Workspace

    ws = Workspace()
    ws.run_code(CUT_SCRIPT + "y.backward()\n")
    graph = capture_graph(ws["y"], names=ws.tensors)
    assert {n.name for n in graph.nodes if n.kind == "constant"} == {"c"}
