"""``gradviz graph``/``backward`` under attack: deep graphs, raising hooks, Ctrl-C.

Each case runs the real command in a subprocess, because what is tested is how
the process ends: its exit status and what reaches stderr.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _gradviz(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "gradviz", *args],
        env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return str(path)


CHAIN = """
    import torch
    x = torch.ones(1, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    loss = y.sum()
"""


@pytest.mark.parametrize("command", ["graph", "backward"])
def test_a_100000_node_chain_exits_cleanly(tmp_path, command):
    """Freeing a deep graph root-first overflows the C stack: exit 139 after the output."""
    out = _gradviz(command, _script(tmp_path, CHAIN), "--tensor", "loss")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "100003 nodes" in out.stdout if command == "graph" else "x  1  [1]" in out.stdout


HOOK_RAISES = """
    import torch
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    def hook(grad):
        raise {error}("the hook refused\\nsecond line of the message")
    y.register_hook(hook)
    loss = y.sum()
"""

FUNCTION_RAISES = """
    import torch
    class Twice(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2
        @staticmethod
        def backward(ctx, grad):
            raise {error}("custom backward failed\\nwith a second line")
    x = torch.ones(3, requires_grad=True)
    loss = Twice.apply(x).sum()
"""


@pytest.mark.parametrize("template", [HOOK_RAISES, FUNCTION_RAISES], ids=["hook", "function"])
@pytest.mark.parametrize("error", ["ValueError", "TypeError", "KeyError", "RuntimeError"])
def test_user_code_raising_during_backward_is_one_line(tmp_path, template, error):
    out = _gradviz("backward", _script(tmp_path, template.format(error=error)), "-t", "loss")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("gradviz backward: error:")
    assert "refused" in lines[0] or "custom backward failed" in lines[0]


def test_a_script_error_with_a_newline_is_one_line(tmp_path):
    script = _script(tmp_path, "raise ValueError('first line\\nsecond line')\n")
    for command in ("graph", "backward"):
        out = _gradviz(command, script, "-t", "loss")
        assert out.returncode == 2
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1, out.stderr
        assert "ValueError at line 1: first line second line" in lines[0]


CTRL_C_IN_SCRIPT = """
    import os, signal, time
    import torch
    x = torch.ones(2, requires_grad=True)
    loss = (x * 2).sum()
    os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C in the terminal sends
    time.sleep(30)
"""

CTRL_C_IN_BACKWARD = """
    import os, signal, time
    import torch
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    def hook(grad):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(30)
        return grad
    y.register_hook(hook)
    loss = y.sum()
"""


@pytest.mark.parametrize(
    ("command", "body"),
    [("graph", CTRL_C_IN_SCRIPT), ("backward", CTRL_C_IN_SCRIPT), ("backward", CTRL_C_IN_BACKWARD)],
)
def test_ctrl_c_exits_130_without_a_traceback(tmp_path, command, body):
    out = _gradviz(command, _script(tmp_path, body), "-t", "loss", timeout=60)
    assert out.returncode == 130, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    assert out.stderr.strip() == f"gradviz {command}: interrupted"


def test_a_huge_tensor_name_is_shortened(tmp_path):
    script = _script(
        tmp_path, "import torch\n" + "".join(f"t{i} = torch.ones(1)\n" for i in range(3000))
    )
    out = _gradviz("graph", script, "-t", "n" * 50_000)
    assert out.returncode == 2
    assert len(out.stderr) < 500 and out.stderr.count("\n") == 1
