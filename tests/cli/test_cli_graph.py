"""``gradviz graph SCRIPT.py --tensor NAME [--out FILE]`` end to end."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from gradviz.cli import main

SCRIPT = """
import torch
x = torch.arange(4.0, requires_grad=True)
w = torch.ones(4, requires_grad=True)
y = x * x
u = y.detach()
z = u * x
loss = (z * w).sum()
count = 3
"""


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "notes.py"
    path.write_text(textwrap.dedent(SCRIPT))
    return path


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "gradviz", "graph", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def test_summary_without_out(script, capsys):
    assert main(["graph", str(script), "--tensor", "loss"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("graph of loss: ")
    assert "leaf      2" in out and "output    1" in out and "constant  1" in out
    assert "function  3" in out and "depth 5" in out


def test_json_output_names_the_leaves(script, tmp_path):
    out = tmp_path / "g.json"
    assert main(["graph", str(script), "--tensor", "loss", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    kinds = {n["name"]: n["kind"] for n in data["nodes"] if n["name"]}
    assert kinds == {"x": "leaf", "w": "leaf", "u": "constant", "loss": "output"}
    labels = sorted(n["label"] for n in data["nodes"] if n["kind"] == "function")
    assert labels == ["MulBackward0", "MulBackward0", "SumBackward0"]
    assert all(set(e) == {"source", "target"} for e in data["edges"])


def test_several_roots(script, tmp_path):
    out = tmp_path / "g.json"
    assert main(["graph", str(script), "-t", "z", "-t", "y", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert sorted(n["name"] for n in data["nodes"] if n["kind"] == "output") == ["y", "z"]


def test_dot_output(script, tmp_path):
    out = tmp_path / "g.dot"
    assert main(["graph", str(script), "--tensor", "loss", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("digraph {") and "MulBackward0" in text and "lightblue" in text


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG\r\n\x1a\n"), (".svg", b"<?xml")])
def test_images_without_graphviz(script, tmp_path, suffix, magic):
    out = tmp_path / f"g{suffix}"
    result = run(script, "--tensor", "loss", "--out", out)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(magic)
    if suffix == ".svg":
        svg = out.read_text()
        assert "MulBackward0" in svg and "<svg" in svg
    else:
        from PySide6.QtGui import QImage

        image = QImage(str(out))
        assert image.width() > 100 and image.height() > 200


def test_script_raises_shows_exception_and_line(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import torch\nx = torch.ones(2)\ny = x @ torch.ones(3)\n")
    result = run(bad, "--tensor", "y")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "RuntimeError" in lines[0] and "line 3" in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_name_lists_the_tensors(script):
    result = run(script, "--tensor", "nope")
    assert result.returncode == 2
    assert "nope" in result.stderr
    assert "loss, u, w, x, y, z" in result.stderr


def test_name_that_is_not_a_tensor(script, capsys):
    assert main(["graph", str(script), "--tensor", "count"]) == 2
    err = capsys.readouterr().err
    assert "'count'" in err and "not a tensor" in err and "loss, u, w, x, y, z" in err


def test_unknown_suffix_is_refused_before_running(tmp_path, capsys):
    marker = tmp_path / "ran"
    script = tmp_path / "s.py"
    script.write_text(f"import torch\nopen({str(marker)!r}, 'w')\nt = torch.ones(1)\n")
    assert main(["graph", str(script), "--tensor", "t", "--out", str(tmp_path / "g.txt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gradviz graph: error: unknown output format '.txt'")
    assert not marker.exists()


def test_module_parameters_get_their_names(tmp_path):
    script = tmp_path / "mlp.py"
    script.write_text(
        "import torch\nnet = torch.nn.Sequential(torch.nn.Linear(3, 2))\n"
        "loss = net(torch.ones(1, 3)).sum()\n"
    )
    out = tmp_path / "g.json"
    assert main(["graph", str(script), "--tensor", "loss", "--out", str(out)]) == 0
    names = {n["name"] for n in json.loads(out.read_text())["nodes"] if n["kind"] == "leaf"}
    assert names == {"net.0.weight", "net.0.bias"}


MLP = """
import torch
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
x = torch.randn(5, 4)
view = x[:2]  # a view of a tensor without history: not a root, not an output
loss = torch.nn.functional.cross_entropy(net(x), torch.tensor([0, 2, 1, 1, 0]))
"""


def test_module_frames_reach_json_dot_and_png(tmp_path):
    """The script's nets group their nodes, in every format (examples/mlp_loss.py promises it)."""
    script = tmp_path / "mlp.py"
    script.write_text(MLP)
    out = tmp_path / "g.json"
    assert main(["graph", str(script), "--tensor", "loss", "--out", str(out)]) == 0
    nodes = json.loads(out.read_text())["nodes"]
    by_module = {}
    for n in nodes:
        by_module.setdefault(n["module"], []).append(n["label"])
    assert sorted(by_module["net.0"]) == [
        "AddmmBackward0",
        "TBackward0",
        "net.0.bias",
        "net.0.weight",
    ]
    assert by_module["net.1"] == ["ReluBackward0"]
    assert "NllLossBackward0" in by_module[None]  # the loss is not the net's
    dot = tmp_path / "g.dot"
    assert main(["graph", str(script), "--tensor", "loss", "--out", str(dot)]) == 0
    text = dot.read_text()
    for path in ("net.0", "net.1", "net.2"):
        assert f'label="{path}"' in text
    png = tmp_path / "g.png"
    assert main(["graph", str(script), "--tensor", "loss", "--out", str(png)]) == 0
    import torch  # the same drawing the PNG was made from has a frame per module

    from gradviz.core.graph import apply_module_tags, capture_graph, module_paths, tag_modules
    from gradviz.core.layout import layout_graph
    from gradviz.qt.graph_scene import GraphScene

    with tag_modules():
        net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU())
        y = net(torch.randn(2, 4)).sum()
    graph = apply_module_tags(capture_graph(y), module_paths(net, "net"))
    scene = GraphScene()
    scene.set_graph(graph, layout_graph(graph))
    assert set(scene.group_items) == {"net", "net.0", "net.1"}


def test_a_view_base_is_not_an_output(tmp_path):
    script = tmp_path / "v.py"
    script.write_text("import torch\nx = torch.ones(4, requires_grad=True)\ny = x * 2\nv = y[:2]\n")
    out = tmp_path / "g.json"
    assert main(["graph", str(script), "--tensor", "v", "--out", str(out)]) == 0
    kinds = {n["name"]: n["kind"] for n in json.loads(out.read_text())["nodes"] if n["name"]}
    assert kinds == {"x": "leaf", "y": "base", "v": "output"}


def test_missing_script(tmp_path, capsys):
    assert main(["graph", str(tmp_path / "none.py"), "--tensor", "t"]) == 2
    assert "script not found" in capsys.readouterr().err


def test_help_says_it_runs_the_script():
    result = run("--help")
    assert result.returncode == 0
    assert "executed" in result.stdout and "--tensor" in result.stdout
