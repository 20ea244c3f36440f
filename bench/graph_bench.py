"""Benchmark: gradviz's graph capture, layout and drawing against torchviz + Graphviz.

Run:  python bench/graph_bench.py [--runs 5] [--sizes 100 500 2000] [--no-dot]

For graphs of about 100, 500 and 2 000 backward-function nodes, in three
shapes (a deep MLP stack, a deep conv stack, a wide attention-like graph with
many heads), it times in this one process, median of ``--runs``:

* gradviz: capture_graph + layout_graph           (target: < 50 ms at 500 nodes)
* gradviz: building the Qt scene offscreen
* torchviz: make_dot, then Graphviz ``dot -Tplain`` (its layout), where dot exists

and prints each pair with its ratio (target: gradviz >= 3x faster). Then it
steps the zoom of a GraphView showing ~5 000 nodes and times each redraw
(target: < 33 ms per step).

``--scale`` runs bench/graph_scale.py instead: 50 000-node module graphs opened
collapsed (the graph document) against the full layout, in the same run; add
``--cpu`` on a busy shared machine to time this process's own CPU.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from gradviz.core.graph import capture_graph  # noqa: E402
from gradviz.core.layout import layout_graph  # noqa: E402

DOT = shutil.which("dot")
sys.setrecursionlimit(100_000)  # torchviz's make_dot recurses once per node of a deep chain


# ------------------------------------------------------------------ graphs
def mlp_stack(functions: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Deep chain: Linear + tanh layers (AddmmBackward0, TBackward0, TanhBackward0)."""
    layers = max(1, functions // 3)
    params: dict[str, torch.Tensor] = {}
    h = torch.randn(2, 8)
    for i in range(layers):
        w = torch.randn(8, 8, requires_grad=True)
        b = torch.zeros(8, requires_grad=True)
        params[f"l{i}.weight"], params[f"l{i}.bias"] = w, b
        h = torch.tanh(F.linear(h, w, b))
    return h.sum(), params


def conv_stack(functions: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Deep chain: conv2d + relu layers (ConvolutionBackward0, ReluBackward0)."""
    layers = max(1, functions // 2)
    params: dict[str, torch.Tensor] = {}
    h = torch.randn(1, 2, 6, 6)
    for i in range(layers):
        w = torch.randn(2, 2, 3, 3, requires_grad=True)
        b = torch.zeros(2, requires_grad=True)
        params[f"c{i}.weight"], params[f"c{i}.bias"] = w, b
        h = torch.relu(F.conv2d(h, w, b, padding=1))
    return h.sum(), params


def attention(functions: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Wide: many attention heads reading the same input, joined at the end."""
    x = torch.randn(4, 8, requires_grad=True)
    params: dict[str, torch.Tensor] = {"x": x}
    heads = []
    per_head = 9  # 3 projections, transpose, scores, scale, softmax, mix, (cat share)
    for i in range(max(1, functions // per_head)):
        wq, wk, wv = (torch.randn(8, 4, requires_grad=True) for _ in range(3))
        params.update({f"h{i}.q": wq, f"h{i}.k": wk, f"h{i}.v": wv})
        q, k, v = x @ wq, x @ wk, x @ wv
        att = torch.softmax(q @ k.transpose(0, 1) / 2.0, dim=-1)
        heads.append(att @ v)
    return torch.cat(heads, dim=1).sum(), params


SHAPES: dict[str, Callable[[int], tuple[torch.Tensor, dict[str, torch.Tensor]]]] = {
    "mlp (deep)": mlp_stack,
    "conv (deep)": conv_stack,
    "attention (wide)": attention,
}


# ------------------------------------------------------------------ timing
def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up: imports, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def gradviz_capture_layout(root, params):
    graph = capture_graph(root, names=params)
    return graph, layout_graph(graph)


def torchviz_dot(root, params) -> None:
    import torchviz

    source = torchviz.make_dot(root, params=params).source
    if DOT:
        subprocess.run([DOT, "-Tplain"], input=source, capture_output=True, text=True, check=True)


def scene_build(graph, positions) -> None:
    from gradviz.qt.graph_scene import GraphScene

    scene = GraphScene()
    scene.set_graph(graph, positions)
    scene.clear()


# ------------------------------------------------------------------ zoom
def zoom_steps(graph, steps: int = 12) -> dict[str, float]:
    """Median redraw time of one wheel step, zooming out from 1:1 and back in."""
    from PySide6.QtWidgets import QApplication

    from gradviz.qt.graph_view import GraphView

    app = QApplication.instance() or QApplication([])
    view = GraphView()
    view.resize(1280, 800)
    view.show()
    app.processEvents()
    view.show_graph(graph)
    app.processEvents()
    viewport = view.canvas.viewport()
    results = {}
    for label, start, factor in (
        ("zoomed in (labels)", 1.0, 1 / 1.2),
        ("mid (boxes)", 0.3, 1 / 1.2),
        ("fit all", None, 1.2),
    ):
        if start is None:
            view.fit()
        else:
            view.set_zoom(start)
            view.center_on(graph.nodes[len(graph.nodes) // 2].id)
        viewport.repaint()
        times = []
        for i in range(steps):
            f = factor if i % 2 == 0 else 1 / factor  # step out and back: same region
            t0 = time.perf_counter()
            view.zoom_by(f)
            viewport.repaint()  # synchronous paint of the whole viewport
            times.append((time.perf_counter() - t0) * 1000)
        results[label] = statistics.median(times)
    view.close()
    view.deleteLater()
    app.processEvents()
    return results


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--zoom-nodes", type=int, default=5000)
    parser.add_argument("--no-dot", action="store_true", help="skip torchviz + Graphviz")
    parser.add_argument(
        "--scale", action="store_true", help="50 000-node graphs, collapsed vs full"
    )
    parser.add_argument(
        "--cpu", action="store_true", help="with --scale: time CPU of this process, not wall"
    )
    args = parser.parse_args(argv)
    if args.scale:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import graph_scale

        return graph_scale.run(max(1, args.runs // 5), cpu=args.cpu)
    torch.manual_seed(0)
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication([])
    print(f"torch {torch.__version__}; Graphviz dot: {DOT or 'not found (make_dot only)'}")
    print(f"medians of {args.runs} runs, milliseconds\n")
    header = (
        f"{'graph':<18} {'fns':>5} {'nodes':>6} | {'capture+layout':>14} {'scene':>8} | "
        f"{'make_dot+dot':>13} {'ratio':>7} {'ratio w/ scene':>15}"
    )
    print(header)
    print("-" * len(header))
    for shape, build in SHAPES.items():
        for size in args.sizes:
            root, params = build(size)
            graph, positions = gradviz_capture_layout(root, params)
            fns = graph.counts_by_kind()["function"]
            ours = median_ms(lambda r=root, p=params: gradviz_capture_layout(r, p), args.runs)
            scene = median_ms(lambda g=graph, p=positions: scene_build(g, p), args.runs)
            if args.no_dot:
                theirs_text = ratio_text = ratio2_text = "-"
            else:
                runs = args.runs if size <= 500 else max(1, args.runs // 2)
                theirs = median_ms(lambda r=root, p=params: torchviz_dot(r, p), runs)
                theirs_text = f"{theirs:13.1f}"
                ratio_text = f"{theirs / ours:6.1f}x"
                ratio2_text = f"{theirs / (ours + scene):14.1f}x"
            print(
                f"{shape:<18} {fns:>5} {len(graph.nodes):>6} | {ours:14.1f} {scene:8.1f} | "
                f"{theirs_text:>13} {ratio_text:>7} {ratio2_text:>15}"
            )
    print()
    for shape in ("mlp (deep)", "attention (wide)"):
        # about zoom_nodes nodes in all (functions are ~60-70% of the nodes)
        root, params = SHAPES[shape](int(args.zoom_nodes * 0.68))
        graph = capture_graph(root, names=params)
        timings = zoom_steps(graph)
        parts = ", ".join(f"{k} {v:.1f} ms" for k, v in timings.items())
        print(f"zoom step, {shape}, {len(graph.nodes)} nodes: {parts}")
    print("\ntargets: capture+layout of ~500 fns < 50 ms; >= 3x torchviz+dot; zoom step < 33 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
