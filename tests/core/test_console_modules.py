"""Console code that runs an nn.Module: its graph is grouped by module path, as capture_module."""

from __future__ import annotations

from collections import Counter

import torch

from gradviz.core.graph import MODULE_KEY, capture_module
from gradviz.core.graph_document import GraphDocument
from gradviz.core.workspace import Workspace
from gradviz.core.workspace_graph import capture_workspace

NET = "net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))\n"


def _tags(graph, kind):
    return Counter((n.label, n.module) for n in graph.nodes if n.kind == kind and n.module)


def test_console_forward_is_grouped_by_module_path():
    ws = Workspace()
    ws.run_code(NET + "y = net(torch.randn(4, 2)).sum()")
    graph = capture_workspace(ws)
    functions = _tags(graph, "function")
    assert functions[("AddmmBackward0", "net.0")] == 1
    assert functions[("AddmmBackward0", "net.2")] == 1
    # the oracle: the same network through capture_module, which tags by its own hooks
    net = ws.namespace["net"]
    expected = capture_module(net, torch.randn(4, 2), name="net")
    assert functions == _tags(expected, "function")
    leaves = {n.name: n.module for n in graph.nodes if n.kind == "leaf" and n.module}
    assert leaves == {
        "net.0.weight": "net.0", "net.0.bias": "net.0",
        "net.2.weight": "net.2", "net.2.bias": "net.2",
    }  # fmt: skip
    sum_node = next(n for n in graph.nodes if n.label == "SumBackward0")
    assert sum_node.module is None  # made outside the network
    doc = GraphDocument(ws)  # the graph view frames the module groups
    assert {"net", "net.0", "net.2"} <= set(doc.groups())


def test_only_the_console_thread_is_tagged():
    ws = Workspace()
    ws.run_code(
        NET + "import threading\nbox = {}\n"
        "worker = threading.Thread(target=lambda: box.setdefault('out', net(torch.ones(1, 2))))\n"
        "worker.start(); worker.join()\n"
        "mine = net(torch.ones(1, 2))"
    )
    theirs = ws.namespace["box"]["out"]
    mine = ws.namespace["mine"]
    assert MODULE_KEY in mine.grad_fn.metadata
    assert MODULE_KEY not in theirs.grad_fn.metadata  # another thread's forward is not ours
    outside = ws.namespace["net"](torch.ones(1, 2))  # after the input: no hook left behind
    assert MODULE_KEY not in outside.grad_fn.metadata
