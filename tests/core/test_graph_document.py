"""The graph document without Qt: groups, ×N folds, external graphs, undo, annotations."""

from __future__ import annotations

import sys

import torch
import torch.nn.functional as F
from torch import nn

from gradviz.core.backward import trace_backward
from gradviz.core.graph import capture_graph, capture_module, function_node_id, tensor_node_id
from gradviz.core.graph_document import GraphDocument
from gradviz.core.graph_walk import leaf_tensors, release_deep, walk_functions
from gradviz.core.layout import layout_graph
from gradviz.core.workspace import Workspace


def mlp(blocks: int = 8, width: int = 6) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(*[m for _ in range(blocks) for m in (nn.Linear(width, width), nn.Tanh())])


def mlp_graph(blocks: int = 8):
    net = mlp(blocks)
    x, target = torch.randn(4, 6), torch.randn(4, 6)
    return net, capture_module(net, x, loss=lambda out: F.mse_loss(out, target))


class Events:
    def __init__(self, doc):
        self.kinds: list[str] = []
        doc.subscribe(lambda e: self.kinds.append(e.kind))


def test_a_module_graph_opens_collapsed_with_repeated_blocks_folded():
    net, graph = mlp_graph()
    doc = GraphDocument()
    doc.show_external(graph, "mlp")
    # each Linear and Tanh is one box, and the eight Linear -> Tanh pairs fold into one ×8 box
    assert doc.collapsed == {f"net.{i}" for i in range(16)}
    boxes = [n for n in doc.visible.nodes if n.kind == "group"]
    assert [b.label for b in boxes] == ["net.0…15 Linear→Tanh ×8"]
    assert len(doc.visible) < 12
    params = sum(p.numel() for p in net.parameters())
    assert f"{params:,} params" in boxes[0].note
    assert boxes[0].shape == [4, 6]  # what the last block outputs
    # every real node is drawn by exactly one box, and each edge into the fold is kept
    assert {doc.unit_of(n.id) for n in graph.nodes} == {n.id for n in doc.visible.nodes}
    # opening the fold shows the sixteen blocks, each collapsed: path, class and parameters
    doc.unfold(boxes[0].id)
    labels = sorted(n.label for n in doc.visible.nodes if n.kind == "group")
    assert labels == sorted(f"net.{i} {'Linear' if i % 2 == 0 else 'Tanh'}" for i in range(16))
    linear = doc.visible.node("group:net.0")
    assert linear.note.startswith(f"{6 * 6 + 6} params")
    assert doc.visible.node("group:net.1").note.startswith("no params")
    # a click on one box opens it: its real nodes appear, laid out anew without overlaps
    doc.expand("net.2")
    inside = {n.id for n in graph.nodes if n.module == "net.2"}
    assert inside <= set(doc.positions)
    assert "group:net.2" not in doc.positions
    doc.expand_all()
    assert not doc.collapsed and len(doc.visible) == len(doc.graph)
    doc.collapse_all()
    assert doc.collapsed == {"net"} and [n.id for n in doc.visible.nodes if n.kind == "group"]


def test_collapsed_box_shows_the_bytes_its_nodes_saved_for_backward():
    """The oracle is torch's own saved_tensors_hooks: every tensor saved inside net.0."""
    net = mlp(2)
    x, target = torch.randn(4, 6), torch.randn(4, 6)
    inside, seen = [False], {}
    net[0].register_forward_pre_hook(lambda *_: inside.__setitem__(0, True))
    net[0].register_forward_hook(lambda *_: inside.__setitem__(0, False))

    def pack(t):
        if inside[0]:
            seen[id(t)] = t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        graph = capture_module(net, x, loss=lambda out: F.mse_loss(out, target))
    doc = GraphDocument()
    doc.show_external(graph)
    doc.expand_all()
    doc.collapse("net.0")
    box = doc.visible.node("group:net.0")
    total = sum(seen.values())
    assert total > 0
    assert f"saved {total} B" in box.note or f"saved {total / 1024:.1f} KB" in box.note


def test_a_graph_opens_at_the_deepest_level_that_fits_the_view():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    graph = capture_module(net, torch.randn(2, 3), loss=lambda o: o.sum())
    doc = GraphDocument()
    doc.view_size = (2000.0, 2000.0)  # a big screen: it all fits
    doc.show_external(graph)
    assert doc.collapsed == set()
    doc.view_size = (600.0, 620.0)  # a small one: each layer one box
    doc.show_external(graph)
    assert doc.collapsed == {"net.0", "net.1", "net.2"}
    doc.view_size = (300.0, 150.0)  # tiny: the whole net one box
    doc.show_external(graph)
    assert doc.collapsed == {"net"}
    doc.view_size = (2000.0, 2000.0)
    doc.box_budget = 5  # too many boxes to even try: one level up
    doc.show_external(graph)
    assert doc.collapsed == {"net"}


def test_steps_inside_a_collapsed_group_open_it_and_mark_it_otherwise():
    _, graph = mlp_graph(4)
    doc = GraphDocument()
    doc.box_budget = 12  # a small window: the blocks open collapsed
    doc.show_external(graph)
    events = Events(doc)
    inside = next(n for n in graph.nodes if n.module == "net.4" and n.kind == "function")
    doc.follow_steps = False
    doc.set_annotations(inside.id, [], {})
    current, _, _ = doc.visible_annotations()
    assert current == doc.unit_of(inside.id) != inside.id  # the collapsed box is marked
    doc.follow_steps = True
    doc.set_annotations(inside.id, [], {})
    assert doc.unit_of(inside.id) == inside.id  # the step opened the group (and its fold)
    assert doc.visible_annotations()[0] == inside.id
    assert events.kinds[-2:] == ["graph", "annotations"]


def test_notes_on_hidden_edges_move_onto_the_box_edges():
    _, graph = mlp_graph(4)
    doc = GraphDocument()
    doc.box_budget = 12  # a small window: the blocks open collapsed
    doc.show_external(graph)
    doc.follow_steps = False
    edges = [(e.source, e.target) for e in graph.edges]
    notes = {e: ("g", "") for e in edges}
    doc.set_annotations(None, [n.id for n in graph.nodes], notes)
    current, done, shown = doc.visible_annotations()
    drawn = {(e.source, e.target) for e in doc.visible.edges}
    assert set(shown) <= drawn and shown  # every label sits on a drawn edge
    assert done == {n.id for n in doc.visible.nodes}  # all done: every box is done


def test_workspace_graph_follows_edits_keeps_positions_through_undo():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "x"})
    doc = GraphDocument(ws)
    events = Events(doc)
    before = {doc.keys[nid]: pos for nid, pos in doc.positions.items()}
    ws.apply("sum", "loss", {"input": "y"})
    assert events.kinds == ["graph"] and len(doc.graph) == len(before) + 2
    ws.undo()
    ws.redo()  # the tensors are rebuilt: new ids, same keys, same places
    after = {doc.keys[nid]: pos for nid, pos in doc.positions.items()}
    assert all(after[k] == p for k, p in before.items())
    assert doc.status_text().startswith("5 nodes")


def test_switching_to_an_external_graph_and_back():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    doc = GraphDocument(ws)
    events = Events(doc)
    _, graph = mlp_graph(2)
    doc.show_external(graph, "training batch loss")
    assert doc.external and doc.external_label == "training batch loss"
    assert events.kinds == ["graph", "source"]
    ws.create("a", "ones", {"size": "2"})  # the workspace changed: its graph comes back
    assert not doc.external and doc.graph.find("a")
    assert events.kinds[-1] == "source"
    doc.show_external(graph, "again")
    doc.show_workspace()  # the banner's button
    assert not doc.external and {n.name for n in doc.graph.nodes} == {"x", "a"}


def test_status_text_says_one_node_not_one_nodes():
    ws = Workspace()
    ws.create("x", "ones", {"size": "2"})
    assert GraphDocument(ws).status_text() == "1 node · depth 1"


def test_a_view_of_a_computed_tensor_shows_its_base_as_a_base_not_an_output():
    x = torch.ones(4, requires_grad=True)
    y = x * 2
    v = y[:2]
    graph = capture_graph(v, names={"x": x, "y": y, "v": v})
    kinds = {n.name: n.kind for n in graph.nodes if n.name}
    assert kinds == {"x": "leaf", "y": "base", "v": "output"}
    assert graph.roots == [tensor_node_id(v)]


def _walk_capture_layout_trace(n: int) -> list:
    x = torch.ones(2, requires_grad=True)
    h = x
    for _ in range(n):
        h = h * 1.0
    fns = walk_functions([h.grad_fn])
    assert len(fns) == n + 1 and leaf_tensors(h) == [x]
    graph = capture_graph(h)
    assert len(graph) == n + 2 and graph.depth() == n + 2
    positions = layout_graph(graph)
    ys = [positions[node.id][1] for node in graph.nodes]
    assert len(set(ys)) == len(ys)  # one row per node of the chain
    trace = trace_backward(h, torch.ones(2), names={"x": x})
    assert len(trace) == n + 1
    assert torch.equal(x.grad, torch.ones(2))  # d(x·1·1…)/dx, as torch computes it
    return [h, fns, graph, positions, trace]


def test_a_100k_node_chain_walks_captures_lays_out_and_traces_without_recursion():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # any Python recursion over the chain would fail at once
    try:
        held = _walk_capture_layout_trace(100_000)
    finally:
        sys.setrecursionlimit(old)
    # PyTorch frees a deep chain that Python has walked recursively in C++; gradviz
    # releases such graphs on a big stack (freeing `held` here would kill the process)
    release_deep(held)
    assert held == []


def test_module_tags_put_a_parents_own_ops_in_the_parent():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return self.fc(x * 2) + x  # the mul and the add are the block's own

    net = nn.Sequential(Block(), Block())
    x = torch.randn(2, 3, requires_grad=True)
    out = net(x)
    graph = capture_module(net, x)
    add = graph.node(function_node_id(graph.node(graph.roots[0]).ref.grad_fn))
    assert add.label == "AddBackward0" and add.module == "net.1"
    mul = [n for n in graph.nodes if n.label == "MulBackward0"]
    assert sorted(n.module for n in mul) == ["net.0", "net.1"]  # behind the child's ops
    assert out.shape == (2, 3)


def test_expanding_a_block_opens_one_level_and_repeated_heads_fold():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = nn.ModuleList(nn.Linear(4, 4) for _ in range(5))
            self.out = nn.Linear(4, 4)

        def forward(self, x):
            return self.out(sum(h(x) for h in self.heads))

    torch.manual_seed(0)
    net = nn.Sequential(Block(), Block(), Block())
    graph = capture_module(net, torch.randn(2, 4), loss=lambda o: o.sum())
    doc = GraphDocument()
    doc.view_size = (600.0, 600.0)
    doc.show_external(graph)
    assert [n.label for n in doc.visible.nodes if n.kind == "group"] == ["net.0…2 Block ×3"]
    doc.unfold("fold:net.0")
    doc.expand("net.1")
    groups = sorted(n.label for n in doc.visible.nodes if n.kind == "group")
    # net.1 shows its children as boxes, one level only
    assert groups == ["net.0 Block", "net.1.heads ModuleList", "net.1.out Linear", "net.2 Block"]
    doc.expand("net.1.heads")  # the five identical heads fold into one ×5 box
    assert "net.1.heads.0…4 Linear ×5" in [n.label for n in doc.visible.nodes]
    inner = [n for n in graph.nodes if n.module and n.module.startswith("net.1.heads.")]
    assert all(doc.unit_of(n.id) != n.id for n in inner)  # still inside a box


def distinct_blocks(widths=(6, 7, 8, 9, 5)) -> nn.Sequential:
    """Blocks of different sizes (so none fold), each Linear -> Tanh -> Linear."""
    torch.manual_seed(0)
    return nn.Sequential(
        *[
            nn.Sequential(nn.Linear(a, b), nn.Tanh(), nn.Linear(b, b))
            for a, b in zip(widths, widths[1:], strict=False)
        ]
    )


def _boxes(doc) -> dict[str, tuple[float, float, float, float]]:
    from gradviz.core.layout import node_size

    out = {}
    for n in doc.visible.nodes:
        (x, y), (w, h) = doc.positions[n.id], node_size(n)
        out[n.id] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    return out


def _overlapping(boxes) -> list[tuple[str, str]]:
    items = list(boxes.items())
    return [
        (a, b)
        for i, (a, p) in enumerate(items)
        for b, q in items[i + 1 :]
        if p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]
    ]


def _sign(v: float) -> int:
    return (v > 1e-6) - (v < -1e-6)


def test_expanding_a_group_lays_out_only_its_inside_and_the_rest_makes_room():
    net = distinct_blocks()
    doc = GraphDocument()
    doc.show_external(capture_module(net, torch.randn(3, 6), loss=lambda o: o.pow(2).sum()))
    doc.collapse_all()
    doc.expand("net")
    assert "group:net.1" in doc.visible
    before = dict(doc.positions)
    box = _boxes(doc)["group:net.1"]
    others = [nid for nid in before if nid != "group:net.1"]
    doc.expand("net.1")
    after = doc.positions
    inside = [nid for nid in after if nid not in before]
    assert {"group:net.1.0", "group:net.1.1", "group:net.1.2"} <= set(inside)
    # every other box is still there, in the same order left-right and top-bottom as before
    for i, a in enumerate(others):
        for b in others[i + 1 :]:
            assert _sign(after[a][0] - after[b][0]) == _sign(before[a][0] - before[b][0]), (a, b)
            assert _sign(after[a][1] - after[b][1]) == _sign(before[a][1] - before[b][1]), (a, b)
    # what lies above the opened box did not move at all, what lies below moved straight
    # down, all by the same amount (the inside's extra height)
    above = [n for n in others if before[n][1] < box[1] - 20]
    assert above and all(after[n] == before[n] for n in above)
    below = [n for n in others if before[n][1] > box[3]]
    moves = {(round(after[n][0] - before[n][0], 6), round(after[n][1] - before[n][1], 6))
             for n in below}  # fmt: skip
    assert len(moves) == 1 and next(iter(moves))[0] == 0 and next(iter(moves))[1] > 0
    # the inside sits where the box was (not above it), and nothing overlaps
    assert all(after[n][1] > box[1] for n in inside)
    assert _overlapping(_boxes(doc)) == []
    # closing it again puts everything back
    doc.collapse("net.1")
    assert set(doc.positions) == set(before)
    for nid, (x, y) in before.items():
        assert abs(doc.positions[nid][0] - x) < 1e-6 and abs(doc.positions[nid][1] - y) < 1e-6


def test_opening_a_fold_keeps_the_boxes_around_it_in_order_without_overlaps():
    net, graph = mlp_graph()
    doc = GraphDocument()
    doc.show_external(graph, "mlp")
    fold = next(n.id for n in doc.visible.nodes if n.id.startswith("fold:"))
    before = dict(doc.positions)
    doc.unfold(fold)
    assert _overlapping(_boxes(doc)) == []
    others = [nid for nid in before if nid != fold]
    for i, a in enumerate(others):
        for b in others[i + 1 :]:
            assert _sign(doc.positions[a][1] - doc.positions[b][1]) == _sign(
                before[a][1] - before[b][1]
            )


class TwoBranches(nn.Module):
    """a(x) + b(x): a deep branch and a shallow one side by side."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 4), nn.Sigmoid())
        self.b = nn.Linear(4, 4)

    def forward(self, x):
        return self.a(x) + self.b(x)


def test_expanding_a_branch_moves_the_branch_beside_it_only_sideways():
    doc = GraphDocument()
    doc.show_external(capture_module(TwoBranches(), torch.randn(2, 4)))
    doc.collapse_all()
    doc.expand("net")
    before = dict(doc.positions)
    a, b = _boxes(doc)["group:net.a"], _boxes(doc)["group:net.b"]
    assert a[1] < b[3] and b[1] < a[3]  # the two branches share a row
    doc.expand("net.a")
    after = doc.positions
    assert after["group:net.b"][1] == before["group:net.b"][1]  # stayed in its row
    side = _sign(before["group:net.b"][0] - before["group:net.a"][0])
    assert _sign(after["group:net.b"][0] - before["group:net.b"][0]) in (0, side)  # outwards
    assert _overlapping(_boxes(doc)) == []


def test_select_module_opens_the_fold_around_a_layer_and_selects_its_box():
    net, graph = mlp_graph()
    doc = GraphDocument()
    doc.show_external(graph, "mlp")
    events = Events(doc)
    assert doc.select_module("net.4")  # the Diagnosis tab's layer "4", inside the ×8 fold
    assert doc.selected == "group:net.4" and "selection" in events.kinds
    members = doc.members_of(doc.selected)
    weight = net[4].weight
    assert any(n.kind == "leaf" and n.shape == list(weight.shape) for n in members)
    assert {n.module for n in members} == {"net.4"}
    # a layer this graph does not have: nothing changes
    assert not doc.select_module("net.99") and doc.selected == "group:net.4"
    doc.show_workspace()
    assert not doc.select_module("net.4")
