"""Big graphs without Qt: one box opens or closes in place, built from the drawing before it,
and the console recorder reaches the autograd graph through the one walk."""

from __future__ import annotations

import random

import torch
import torch.nn.functional as F
from torch import nn

from gradviz.core import graph_document, local_layout, recording
from gradviz.core.graph import bound_module_paths, capture_module, module_info, module_paths
from gradviz.core.graph_document import GraphDocument
from gradviz.core.layout import node_size
from gradviz.core.local_layout import any_overlap, box_of


class Step(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return torch.tanh(self.fc(x))


class Block(nn.Module):
    """Nested modules: a block holds two heads and a step, so groups open level by level."""

    def __init__(self) -> None:
        super().__init__()
        self.heads = nn.ModuleList(nn.Linear(3, 3) for _ in range(2))
        self.step = Step()

    def forward(self, x):
        return self.step(sum(h(x) for h in self.heads))


def chain_doc(blocks: int = 40) -> tuple[GraphDocument, object]:
    torch.manual_seed(0)
    net = nn.Sequential(*[Step() for _ in range(blocks)])
    graph = capture_module(net, torch.randn(2, 3), loss=lambda out: out.square().mean())
    doc = GraphDocument()
    doc.show_external(graph, "chain")
    return doc, graph


def drawn_boxes(doc: GraphDocument) -> dict[str, tuple[float, float, float, float]]:
    return {n.id: box_of(doc.positions[n.id], node_size(n)) for n in doc.visible.nodes}


def test_opening_one_block_moves_only_what_lies_below_or_beside_it(monkeypatch):
    doc, _graph = chain_doc()
    doc.unfold(next(n.id for n in doc.visible.nodes if n.id.startswith("fold:")))
    before = drawn_boxes(doc)
    opened = before["group:net.20"]
    laid_out = []  # how many boxes each layout call placed

    def spy(real):
        return lambda graph, *a: laid_out.append(len(graph)) or real(graph, *a)

    monkeypatch.setattr(graph_document, "layout_graph", spy(graph_document.layout_graph))
    monkeypatch.setattr(local_layout, "layout_graph", spy(local_layout.layout_graph))
    doc.expand("net.20")
    after = drawn_boxes(doc)
    # only the interior was laid out: the box's own children, not the drawing
    assert laid_out == [len(after) - len(before) + 1]
    assert "group:net.20" not in after and "group:net.20.fc" in after
    above = [i for i, b in before.items() if b[3] <= opened[1]]
    below = [i for i, b in before.items() if b[1] >= opened[3]]
    assert len(above) > 10 and len(below) > 10
    # everything above the box stays exactly where it was
    assert all(after[i] == before[i] for i in above)
    # everything below moves down by one and the same amount: the room the interior took
    shifts = {round(after[i][1] - before[i][1], 6) for i in below}
    assert len(shifts) == 1 and shifts.pop() > 0
    assert all(after[i][0] == before[i][0] for i in below)
    # the interior sits where the box was, and nothing overlaps anywhere
    new = [b for i, b in after.items() if i not in before]
    assert min(b[1] for b in new) >= opened[1]
    assert not any_overlap(after.values())
    # closing it again puts every box back where it was before
    doc.collapse("net.20")
    assert drawn_boxes(doc) == before


def test_a_box_opened_or_closed_in_place_gives_the_graph_built_from_scratch():
    torch.manual_seed(1)
    net = nn.Sequential(*[Block() for _ in range(6)])
    graph = capture_module(net, torch.randn(2, 3), loss=lambda out: F.mse_loss(out, out.detach()))
    doc = GraphDocument()
    doc.show_external(graph, "blocks")
    rng = random.Random(0)
    for _ in range(30):
        boxes = [n.id for n in doc.visible.nodes if n.kind == "group"]
        frames = sorted(p for p in doc.groups() if p not in doc.collapsed)
        if boxes and (not frames or rng.random() < 0.6):
            box = rng.choice(boxes)
            doc.toggle_group(box if box.startswith("fold:") else box[len("group:") :])
        elif frames:
            doc.collapse(rng.choice(frames))
        # the oracle: the visible graph made from every node and edge, as on first opening
        full, unit = doc._visible(doc.graph)
        assert {n.id for n in doc.visible.nodes} == {n.id for n in full.nodes}
        assert {(e.source, e.target, e.kind) for e in doc.visible.edges} == {
            (e.source, e.target, e.kind) for e in full.edges
        }
        assert all(doc.unit_of(n.id) == unit[n.id] for n in graph.nodes)
        for n in full.nodes:
            if n.kind == "group":
                mine = doc.visible.node(n.id)
                assert (mine.label, mine.note, mine.shape) == (n.label, n.note, n.shape)
                assert {m.id for m in mine.ref} == {m.id for m in n.ref}
        assert not any_overlap(drawn_boxes(doc).values())


def test_a_step_into_a_folded_block_opens_it_in_place(monkeypatch):
    doc, graph = chain_doc()
    inner = next(n for n in graph.nodes if n.module == "net.30.fc" and n.kind == "function")
    calls = []
    real = GraphDocument._in_place
    monkeypatch.setattr(
        GraphDocument, "_in_place", lambda self, v, c: calls.append(c) or real(self, v, c)
    )
    events = []
    doc.subscribe(lambda e: events.append(e.kind))
    doc.set_annotations(inner.id, (), {})
    assert doc.unit_of(inner.id) == inner.id  # shown as itself: fold and groups opened
    # the fold, then net.30, then net.30.fc: each opened in place, drawn once at the end
    assert [kind for kind, _box in calls] == ["open", "open", "open"]
    assert events.count("graph") == 1
    assert not any_overlap(drawn_boxes(doc).values())


def test_the_recorder_reaches_the_graph_through_the_one_walk(monkeypatch):
    walked = []
    real = recording.walk_functions

    def spy(starts, **kw):
        found = real(starts, **kw)
        walked.append(found)
        return found

    monkeypatch.setattr(recording, "walk_functions", spy)
    torch.manual_seed(0)
    w = torch.randn(3, 3, requires_grad=True)
    x = torch.randn(2, 3)
    (expected,) = torch.autograd.grad(torch.tanh(x @ w).sum(), w)  # before any recording
    loss = torch.tanh(x @ w).sum()
    calls = []
    with recording.BackwardRecorder(calls.append, names=lambda: {"w": w}):
        loss.backward(retain_graph=True)
    assert len(walked) == 1 and len(calls) == 1
    # the oracle: every node autograd would visit, collected here by a breadth-first search
    seen, todo = {loss.grad_fn}, [loss.grad_fn]
    while todo:
        fn = todo.pop()
        for nxt, _ in fn.next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert {id(f) for f in walked[0]} == {id(f) for f in seen}
    (leaf,) = calls[0].leaves.values()
    assert leaf.name == "w" and torch.equal(leaf.after, expected) and torch.equal(w.grad, expected)


def test_module_sizes_counted_bottom_up_match_torch_parameters():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.Linear(4, 2), nn.Tanh()), Block())
    other = nn.Sequential(net[0], nn.Linear(4, 1))  # a layer shared under two names
    tied = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    tied[1].weight = tied[0].weight  # one weight in two layers
    for paths in (
        module_paths(net, "net"),
        bound_module_paths({"net": net, "other": other}),
        module_paths(tied, "tied"),
    ):
        expected = {
            path: (type(m).__name__, sum(p.numel() for p in m.parameters()))
            for m, path in paths.items()
        }
        assert module_info(paths) == expected
