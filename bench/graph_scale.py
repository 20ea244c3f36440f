"""Scale part of bench/graph_bench.py (``python bench/graph_bench.py --scale``).

Two 50 000-node module graphs, each measured in this one process both ways:

* collapsed (now): capture_module -> GraphDocument (groups collapsed, ×N folds,
  only the visible boxes laid out) -> GraphView scene (items only near the view)
  -> first paint;
* full (before): capture_module -> layout_graph of every node -> a scene item for
  every node -> first paint (what gradviz did before the graph document).

Then, on the collapsed view: expanding one group (in place: only its boxes rebuilt,
only the items that changed re-made), against the same expand with the visible graph
rebuilt from every node and an item made for every box (as before); and pan / zoom
frames (a synchronous repaint of the viewport), collapsed and again with the ×N fold
opened (thousands of boxes).
Targets: open < 2 s, expand < 100 ms, frame < 16 ms. Medians of --runs.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

from gradviz.core.graph import capture_module
from gradviz.core.graph_document import GraphDocument
from gradviz.core.graph_walk import release_deep
from gradviz.core.layout import layout_graph
from gradviz.qt import graph_scene


class Chain(nn.Module):
    """One step of a deep chain: a Linear and a tanh (5 nodes with its parameters)."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.fc = nn.Linear(width, width)

    def forward(self, x):
        return torch.tanh(self.fc(x))


def deep_chain(nodes: int = 50_000):
    torch.manual_seed(0)
    net = nn.Sequential(*[Chain(4) for _ in range(nodes // 5)])
    return net, torch.randn(2, 4)


class Head(nn.Module):
    def __init__(self, width: int, dim: int) -> None:
        super().__init__()
        self.q, self.k, self.v = (nn.Linear(width, dim) for _ in range(3))

    def forward(self, x):
        q, k, v = self.q(x), self.k(x), self.v(x)
        return torch.softmax(q @ k.transpose(-1, -2) / 2.0, dim=-1) @ v


class Block(nn.Module):
    """A transformer block with explicit heads: about 1 000 nodes at 60 heads."""

    def __init__(self, width: int = 8, heads: int = 60, dim: int = 2) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.heads = nn.ModuleList(Head(width, dim) for _ in range(heads))
        self.proj = nn.Linear(heads * dim, width)
        self.mlp = nn.Sequential(
            nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width)
        )

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.proj(torch.cat([head(h) for head in self.heads], dim=-1))
        return x + self.mlp(self.norm2(x))


def transformer(layers: int = 48):
    torch.manual_seed(0)
    return nn.Sequential(*[Block() for _ in range(layers)]), torch.randn(3, 8)


def _loss(out):
    return F.mse_loss(out, torch.zeros_like(out))


clock = time.perf_counter  # run(cpu=True): this process's CPU time instead


def median(values: list[float]) -> float:
    return statistics.median(values)


def _paint(view, app) -> None:
    app.processEvents()
    view.canvas.viewport().repaint()


def open_collapsed(build, app):
    from gradviz.qt.graph_view import GraphView

    net, x = build()
    t0 = clock()
    graph = capture_module(net, x, loss=_loss)
    t1 = clock()
    doc = GraphDocument()
    view = GraphView(doc)
    view.resize(1280, 720)
    view.show()
    doc.show_external(graph, "bench")
    t2 = clock()
    _paint(view, app)
    t3 = clock()
    return view, doc, graph, {"capture": t1 - t0, "document+scene": t2 - t1, "paint": t3 - t2}


def open_full(build, app):
    from gradviz.qt.graph_view import GraphView

    net, x = build()
    t0 = clock()
    graph = capture_module(net, x, loss=_loss)
    t1 = clock()
    positions = layout_graph(graph)
    t2 = clock()
    view = GraphView()
    view.resize(1280, 720)
    view.show()
    lazy_from, graph_scene.LAZY_FROM = graph_scene.LAZY_FROM, 10**9  # every item, as before
    try:
        view.scene.set_graph(graph, positions)
    finally:
        graph_scene.LAZY_FROM = lazy_from
    view.fit()
    t3 = clock()
    _paint(view, app)
    t4 = clock()
    times = {"capture": t1 - t0, "layout": t2 - t1, "scene": t3 - t2, "paint": t4 - t3}
    return view, graph, times


def frames(view, app, steps: int = 12) -> tuple[float, float]:
    viewport = view.canvas.viewport()
    pans, zooms = [], []
    for i in range(steps):
        t0 = clock()
        bar = view.canvas.verticalScrollBar()
        bar.setValue(bar.value() + (40 if i % 2 == 0 else -40))
        viewport.repaint()
        pans.append(clock() - t0)
        t0 = clock()
        view.zoom_by(1.2 if i % 2 == 0 else 1 / 1.2)
        viewport.repaint()
        zooms.append(clock() - t0)
    return median(pans), median(zooms)


def expand_one(view, doc, app) -> tuple[float, float, float, int]:
    """(opening the ×N fold, expanding one block after that, the same with everything built
    eagerly as before, items made for the expand): medians, drawn included."""

    def timed(action) -> float:
        t0 = clock()
        action()
        _paint(view, app)
        return clock() - t0

    fold = next((n.id for n in doc.visible.nodes if n.id.startswith("fold:")), None)
    unfold = timed(lambda: doc.unfold(fold)) if fold else float("nan")
    groups = [n.id[len("group:") :] for n in doc.visible.nodes if n.id.startswith("group:")]
    if not groups:
        return unfold, float("nan"), float("nan"), 0
    path = groups[len(groups) // 2]

    def expand_times() -> list[float]:
        times = []
        for _ in range(3):
            times.append(timed(lambda p=path: doc.expand(p)))
            timed(lambda p=path: doc.collapse(p))
        return times

    made = view.scene.items_made
    now = expand_times()
    made = (view.scene.items_made - made) // 6
    # before: the visible graph rebuilt from every node, and a scene item for every box
    lazy_from, after = graph_scene.LAZY_FROM, GraphDocument._visible_after
    graph_scene.LAZY_FROM, GraphDocument._visible_after = 10**9, lambda *a: None
    try:
        view.scene.rebuild()
        before = expand_times()
    finally:
        graph_scene.LAZY_FROM, GraphDocument._visible_after = lazy_from, after
        view.scene.rebuild()
    return unfold, median(now), median(before), made


def run(runs: int = 1, cpu: bool = False) -> int:
    """``cpu``: time with this process's CPU time (offscreen, painting is in-process too), so
    that other work on a shared machine does not count."""
    global clock
    clock = time.process_time if cpu else time.perf_counter
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    sys.setrecursionlimit(10_000)
    from gradviz.qt.graph_view import GraphView

    warm = GraphView()  # Qt's one-off start (fonts, styles): the app has its view already
    warm.show()
    _paint(warm, app)
    warm.close()
    what = "CPU seconds of this process" if cpu else "seconds"
    print(f"scale: 50 000-node module graphs, collapsed (now) vs full layout (before), {what}")
    for name, build in (("deep chain", deep_chain), ("48-layer transformer", transformer)):
        now, before = [], []
        for _ in range(runs):
            view, doc, graph, t = open_collapsed(build, app)
            now.append(t)
            n_nodes, n_shown = len(graph), len(doc.visible)
            pan, zoom = frames(view, app)
            unfold, expand, expand_before, made = expand_one(view, doc, app)
            open_pan, open_zoom = frames(view, app)  # the fold open: thousands of boxes
            view.close()
            view.deleteLater()
            app.processEvents()
            release_deep([view, doc, graph])
            del view, doc, graph
            gc.collect()
            fview, fgraph, ft = open_full(build, app)
            before.append(ft)
            fpan, fzoom = frames(fview, app)
            fview.close()
            fview.deleteLater()
            app.processEvents()
            release_deep([fview, fgraph])
            del fview, fgraph
            gc.collect()
        total_now = median([sum(t.values()) for t in now])
        total_before = median([sum(t.values()) for t in before])
        parts_now = ", ".join(f"{k} {median([t[k] for t in now]):.2f}" for k in now[0])
        parts_before = ", ".join(f"{k} {median([t[k] for t in before]):.2f}" for k in before[0])
        print(f"\n{name}: {n_nodes} nodes, {n_shown} boxes shown collapsed")
        print(f"  open, collapsed : {total_now:6.2f} s  ({parts_now})   target < 2 s")
        print(f"  open, full      : {total_before:6.2f} s  ({parts_before})")
        print(f"  ratio full / collapsed: {total_before / total_now:.1f}x")
        print(f"  open the ×N fold: {unfold * 1000:6.1f} ms")
        print(f"  expand one block: {expand * 1000:6.1f} ms   target < 100 ms")
        print(
            f"  expand, eager (before): {expand_before * 1000:6.1f} ms  "
            f"ratio {expand_before / expand:.1f}x; items made per expand now: {made}"
        )
        print(
            f"  frames collapsed: pan {pan * 1000:.1f} ms, zoom {zoom * 1000:.1f} ms   target < 16"
        )
        print(f"  frames, fold open: pan {open_pan * 1000:.1f} ms, zoom {open_zoom * 1000:.1f} ms")
        print(f"  frames full     : pan {fpan * 1000:.1f} ms, zoom {fzoom * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(run())
