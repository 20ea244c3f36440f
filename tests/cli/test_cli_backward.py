"""``gradviz backward``: end to end, the happy paths and every refusal."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import torch

from gradviz.cli import main

SCRIPT = textwrap.dedent(
    """
    import torch
    torch.manual_seed(0)
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    b = torch.tensor(0.25, requires_grad=True)
    y = x * w
    loss = y.sum() + (x * x).mean() + b
    vec = x * 2
    plain = torch.ones(3)
    cut = (x * 3).detach()
    big = torch.ones(20, 20, requires_grad=True)
    big_loss = (big * big).sum()
    net = torch.nn.Linear(3, 2)
    out = net(x)
    count = 3
    """
)


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(SCRIPT, encoding="utf-8")
    return path


def _expected(root_name: str, grad=None) -> dict[str, list]:
    """The leaves' .grad from a plain backward() of the same script."""
    ns: dict = {}
    exec(compile(SCRIPT, "model.py", "exec"), ns)  # our own test script, not user input
    ns[root_name].backward(grad)
    names = {k: v for k, v in ns.items() if isinstance(v, torch.Tensor)}
    for pname, p in ns["net"].named_parameters():
        names[f"net.{pname}"] = p
    return {k: v.grad.tolist() for k, v in names.items() if v.is_leaf and v.grad is not None}


def test_scalar_root_prints_steps_and_leaf_grads(script, capsys):
    assert main(["backward", str(script), "--tensor", "loss"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("backward from loss (scalar), starting gradient 1")
    assert "step 1/" in out and "AddBackward0" in out and "MulBackward0" in out
    assert "→ w" in out and "x.grad += incoming" in out
    tail = out.split("leaf gradients (.grad after backward):\n")[1].splitlines()
    shown = {line.split()[0]: line for line in tail}
    assert set(shown) == {"x", "w", "b"}
    exp = _expected("loss")
    assert shown["w"].endswith("[1, 2, 3]") and exp["w"] == [1.0, 2.0, 3.0]
    x = exp["x"]
    assert shown["x"].endswith("[" + ", ".join(f"{v:.4g}" for v in x) + "]")
    assert shown["b"].endswith("scalar  1")


def test_json_output_matches_plain_backward(script, tmp_path, capsys):
    target = tmp_path / "trace.json"
    code = main(
        ["backward", str(script), "-t", "out", "--grad", "[1.0, -2.0]", "--json", str(target)]
    )
    assert code == 0
    data = json.loads(target.read_text(encoding="utf-8"))
    assert set(data) == {"steps", "grads"}
    assert [s["index"] for s in data["steps"]] == list(range(len(data["steps"])))
    assert data["steps"][0]["grad_in"] == [[1.0, -2.0]]
    expected = _expected("out", torch.tensor([1.0, -2.0]))
    assert set(data["grads"]) == {"net.weight", "net.bias", "x"}
    for name, grad in data["grads"].items():
        assert torch.allclose(torch.tensor(grad), torch.tensor(expected[name])), name
    assert f"wrote {target}" in capsys.readouterr().out


def test_big_gradients_print_shape_and_norm(script, capsys):
    assert main(["backward", str(script), "-t", "big_loss"]) == 0
    out = capsys.readouterr().out
    assert "big  20×20  ‖g‖=40" in out  # 2·ones(20, 20) has norm 40


def _error(capsys, *args) -> str:
    code = main(["backward", *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_non_scalar_without_grad_names_the_shape(script, capsys):
    err = _error(capsys, str(script), "-t", "vec")
    assert "vec has shape (3,), not a scalar" in err
    assert "give --grad, a gradient of shape (3,)" in err and "sum(v * vec)" in err


def test_wrong_shape_and_malformed_grads_are_refused(script, capsys):
    err = _error(capsys, str(script), "-t", "vec", "--grad", "[1, 2]")
    assert "--grad has shape (2,) but vec has shape (3,)" in err
    err = _error(capsys, str(script), "-t", "vec", "--grad", "[1, 2")
    assert "--grad: tensor literal: '[1, 2' is not valid syntax" in err
    err = _error(capsys, str(script), "-t", "vec", "--grad", "__import__('os').getcwd()")
    assert "--grad:" in err
    err = _error(capsys, str(script), "-t", "vec", "--grad", "[[1, 2], [3]]")
    assert "ragged" in err


def test_other_refusals(script, tmp_path, capsys):
    assert "no variable named 'nope'" in _error(capsys, str(script), "-t", "nope")
    assert "'count' is an int, not a tensor" in _error(capsys, str(script), "-t", "count")
    assert "plain does not require grad" in _error(capsys, str(script), "-t", "plain")
    assert "cut does not require grad" in _error(capsys, str(script), "-t", "cut")
    assert "script not found" in _error(capsys, str(tmp_path / "missing.py"), "-t", "x")
    err = _error(capsys, str(script), "-t", "loss", "--json", str(tmp_path / "no" / "t.json"))
    assert "folder" in err and "does not exist" in err


def test_second_backward_in_the_script_is_explained(tmp_path, capsys):
    path = tmp_path / "twice.py"
    path.write_text(
        "import torch\nx = torch.ones(2, requires_grad=True)\ny = (x.exp() * x).sum()\n"
        "y.backward()\n",
        encoding="utf-8",
    )
    err = _error(capsys, str(path), "-t", "y")
    assert "retain_graph" in err and "second time" in err


def test_runs_as_a_subprocess(script, tmp_path):
    cmd = [sys.executable, "-m", "gradviz", "backward", str(script), "-t", "vec"]
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "gradviz backward: error: vec has shape (3,)" in proc.stderr
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "gradviz",
            "backward",
            str(script),
            "-t",
            "vec",
            "--grad",
            "[1, 0, 2]",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "x  3  [2, 0, 4]" in proc.stdout
