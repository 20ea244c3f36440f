"""How much does recording backward cost, and how fast is one UI step?

    python bench/backward_bench.py [--sizes 100 500 2000] [--repeat 15] [--no-ui | --ui-only]

For graphs of about 100, 500 and 2000 nodes (a chain of elementwise ops over
ten leaves) it times, in one process and interleaved:

* a plain ``root.backward()``;
* ``trace_backward(root)`` (the recording: hooks on every node, the real pass);
* the same plus what the panel then reads (Step objects and the captured graph);

each on a freshly built graph (so without retain_graph), and prints medians
and the ratio to the plain pass. Two tensor sizes show both ends: 8 elements
(the engine's per-node overhead dominates: the worst case for hooks) and
64×64. Then, offscreen, it times one UI step of the Backward panel on that
graph: highlight the node, mark the done ones, label the new edges, and
update the formula card and the leaf table.

``--before REV`` adds trace_backward as it was at that git revision, timed in the same
processes (the before/after of a change). Targets on 500 nodes: recording ≤ 1.5× the
plain backward at 8 elements and ≤ 2× at 4 096 (issue 14); one UI step < 16 ms. Each row
also gives this thread's cpu time, less noisy on a shared machine, and the floors: a
no-op Python hook on every node (walk, register, call; taken off, or left on the freed
graph as trace_backward now does; registered the ordinary way, or as hook_nodes does,
without torch's per-hook OrderedDict and RemovableHandle), and a C++ capture of every
node's gradient (``autograd.grad`` with GradientEdge inputs: no Python per node, but no
engine order and no parts of a sum either).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from torch.autograd.graph import GradientEdge  # noqa: E402

from gradviz.core import backward  # noqa: E402
from gradviz.core.backward import _walk, trace_backward  # noqa: E402
from gradviz.core.graph import capture_graph  # noqa: E402

LEAVES = 10
WARMUP = 5


def build(nodes: int, numel: int) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """A graph of exactly ``nodes`` nodes: LEAVES leaves, one output, the rest functions."""
    g = torch.Generator().manual_seed(0)
    side = (numel,) if numel <= 64 else (int(numel**0.5),) * 2
    leaves = [(torch.randn(side, generator=g) * 0.1).requires_grad_() for _ in range(LEAVES)]
    y = leaves[0]
    binary = (torch.mul, torch.add, torch.sub)
    used = 0
    for i in range(nodes - LEAVES - 2):  # minus the leaves, the final sum and the output
        if i % 4 == 3:
            y = torch.tanh(y) if i % 8 == 3 else torch.sigmoid(y)
        else:
            used += 1
            y = binary[i % 3](y, leaves[used % LEAVES])
    return y.sum(), leaves


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


def _noop_hooks(root: torch.Tensor, remove_all: bool = True, cheap: bool = False) -> None:
    """The floor of any recording with Python hooks: the walk, one no-op hook per node,
    the pass, and the hooks taken off (``remove_all``; else only the leaves' hooks, as
    trace_backward does on a graph the pass frees). ``cheap``: registered as hook_nodes
    does, without torch's per-hook OrderedDict and RemovableHandle."""
    handles, leaf_handles = [], []
    backward._LOCAL.cheap = cheap and backward._cheap_registration()
    try:
        for fn in _walk(root.grad_fn):
            if type(fn).__name__ == "AccumulateGrad":
                leaf_handles.append(fn.register_prehook(lambda go, i=0: None))
            else:
                handles.append(fn.register_hook(lambda gi, go, i=0: None))
    finally:
        backward._LOCAL.cheap = False
    root.backward()
    for h in leaf_handles + (handles if remove_all else []):
        backward._unhook(h)


def _capture(root: torch.Tensor) -> None:
    """The floor of recording without Python per node (issue 14, option 1): the walk, then
    one engine pass that captures in C++ the gradient arriving at every node's input slot
    (``autograd.grad`` with GradientEdge inputs). It gives neither the order the nodes ran
    in nor the parts of a sum, and no leaf's ``.grad`` is written."""
    edges = [
        GradientEdge(fn, i) for fn in _walk(root.grad_fn) for i in range(len(fn._input_metadata))
    ]
    torch.autograd.grad(root, edges, allow_unused=True)


def _drop(_record: tuple) -> None:
    return None


def time_backward(nodes: int, numel: int, repeat: int, before: Any = None) -> dict[str, float]:
    """Medians in ms, of wall time and of this thread's cpu time (on a shared machine the
    wall clock also counts the neighbours; one intra-op thread: the pass runs here).
    ``before``: trace_backward of an older gradviz, timed alongside (``--before REV``)."""
    kinds = ["plain", "noop", "noop_kept", "noop_cheap", "capture", "record", "full"]
    if before is not None:
        kinds.append("before")
    wall: dict[str, list[float]] = {k: [] for k in kinds}
    cpu: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(WARMUP):  # the allocator grows its pools on the first runs: not timed
        for kind in ("plain", "record", "before"):
            if kind == "before" and before is None:
                continue
            root, _ = build(nodes, numel)
            if kind == "plain":
                root.backward()
            else:
                (trace_backward if kind == "record" else before)(root)
            del root
    for rep in range(repeat):  # interleaved, so drift on a noisy machine hits all alike
        # and in a rotating order: a kind that runs right after one that held every
        # gradient finds the allocator in another state (measured: 2.2x vs 3.2x at 4 096)
        turn = rep % len(kinds)
        for kind in kinds[turn:] + kinds[:turn]:
            root, leaves = build(nodes, numel)
            gc.collect()
            c0, t0 = time.thread_time(), time.perf_counter()
            result = None
            if kind == "plain":
                root.backward()
            elif kind == "noop":
                _noop_hooks(root)
            elif kind == "noop_kept":
                _noop_hooks(root, remove_all=False)
            elif kind == "noop_cheap":
                _noop_hooks(root, remove_all=False, cheap=True)
            elif kind == "capture":
                _capture(root)
            elif kind == "before":
                result = before(root)
            else:
                result = trace_backward(root)
                if kind == "full":
                    _ = result.steps, result.graph
            wall[kind].append(time.perf_counter() - t0)
            cpu[kind].append(time.thread_time() - c0)
            # free the graph (and the record) outside the timed part, for both sides alike
            del root, leaves, result
    out = {k: median_ms(v) for k, v in wall.items()}
    out.update({f"cpu_{k}": median_ms(v) for k, v in cpu.items()})
    return out


def _hooked(root: torch.Tensor, on_node) -> None:
    """A backward pass with ``on_node(fn)``'s hook on every node (removed afterwards)."""
    handles = []
    for fn in _walk(root.grad_fn):
        if type(fn).__name__ == "AccumulateGrad":
            handles.append(fn.register_prehook(on_node(fn, True)))
        else:
            handles.append(fn.register_hook(on_node(fn, False)))
    root.backward()
    for h in handles:
        h.remove()


def _grads(gi, go):
    return [g for g in (*gi, *go) if g is not None]


def _stats(g: torch.Tensor) -> torch.Tensor:
    flat = g.detach().reshape(-1)
    step = max(1, flat.numel() // 8)
    return torch.cat([torch.linalg.vector_norm(flat).reshape(1), torch.aminmax(flat)[0].reshape(1),
                      torch.aminmax(flat)[1].reshape(1), flat[::step][:8]])  # fmt: skip


def option_noop(fn, leaf):
    return (lambda go: None) if leaf else (lambda gi, go: None)


def option_hold(records):
    def make(fn, leaf):
        if leaf:
            return lambda go: records.append((fn, go))
        return lambda gi, go: records.append((fn, go, gi))

    return make


def option_copy(records):
    def make(fn, leaf):
        if leaf:
            return lambda go: records.append((fn, [g.clone() for g in go if g is not None]))
        return lambda gi, go: records.append((fn, [g.clone() for g in _grads(gi, go)]))

    return make


def option_stats(records):
    def make(fn, leaf):
        if leaf:
            return lambda go: records.append((fn, [_stats(g) for g in go if g is not None]))
        return lambda gi, go: records.append((fn, [_stats(g) for g in _grads(gi, go)]))

    return make


def time_options(nodes: int, numel: int, repeat: int) -> dict[str, float]:
    """What each way of recording costs: the floor of a no-op Python hook on every node,
    holding the gradients (what trace_backward does), copying them, or keeping statistics
    (norm, min, max, 8 samples) instead of them."""
    options = {
        "plain": None,
        "no-op hooks": lambda recs: option_noop,
        "hold refs": option_hold,
        "copy all": option_copy,
        "stats only": option_stats,
        "trace_backward": "trace",
    }
    times: dict[str, list[float]] = {k: [] for k in options}
    names = list(options)
    for i in range(WARMUP + repeat):
        turn = i % len(names)  # a rotating order, as in time_backward
        for name in names[turn:] + names[:turn]:
            opt = options[name]
            root, leaves = build(nodes, numel)
            records: list = []
            gc.collect()
            t0 = time.perf_counter()
            if opt is None:
                root.backward()
            elif opt == "trace":
                records.append(trace_backward(root))
            else:
                _hooked(root, opt(records))
            if i >= WARMUP:
                times[name].append(time.perf_counter() - t0)
            del root, leaves, records
    return {k: median_ms(v) for k, v in times.items()}


def settle(app) -> None:
    """Run the event loop until the last repaint is done: a widget that changes its size
    posts a layout request whose relayout and repaint come one pass later."""
    for _ in range(3):
        app.processEvents()


def time_ui_step(nodes: int, repeat: int, zoom: float | None = None) -> dict[str, float]:
    """Median ms of one panel step (and of the view's share), at fit zoom or at ``zoom``
    (centred on the step's node: where the gradient labels are readable and drawn)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gradviz.core.workspace import Workspace
    from gradviz.qt.backward_panel import BackwardPanel
    from gradviz.qt.graph_view import GraphView

    app = QApplication.instance() or QApplication([])
    root, leaves = build(nodes, 8)
    trace = trace_backward(root, names={f"w{i}": t for i, t in enumerate(leaves)})
    view = GraphView()
    view.resize(1000, 800)
    view.show_graph(trace.graph)
    view.show()
    panel = BackwardPanel(Workspace(), view)
    panel.resize(500, 800)
    panel.show()
    app.processEvents()
    panel._start(trace)  # the same state a Run gives, without re-running the pass
    app.processEvents()
    total = len(trace.steps)
    # steps spread over the pass: later ones have more labels on screen. Getting there
    # (seek + full redraw) is not timed; the step after it is, painting included.
    view_times, step_times = [], []
    for fraction in (0.25, 0.5, 0.75):
        panel.replay.seek(int(total * fraction))
        panel._redraw()
        if zoom is not None:
            view.set_zoom(zoom)
            view.center_on(panel.replay.current().node)
        app.processEvents()
        settle(app)
        for _ in range(max(1, repeat // 5)):
            t0 = time.perf_counter()
            panel.step()
            settle(app)
            step_times.append(time.perf_counter() - t0)
            # the view's share alone, on the next step: highlight, done marks and the new
            # edge labels, painted (the panel's label texts are made before the clock starts,
            # and its side widgets catch up after it stops)
            if not panel.replay.step_forward():
                break
            step = panel.replay.current()
            notes = panel._step_notes(step)
            t0 = time.perf_counter()
            panel._annotate(step.node, panel.replay, notes, replace=False)
            settle(app)
            view_times.append(time.perf_counter() - t0)
            panel._update_side()
            settle(app)
    panel.close()
    view.close()
    return {
        "step": median_ms(step_times),
        "view": median_ms(view_times),
        "max": max(step_times) * 1e3,
    }


def _row(nodes: int, numel: int, repeat: int, before_rev: str | None = None) -> str:
    assert len(capture_graph(build(nodes, numel)[0]).nodes) == nodes
    before = None
    if before_rev:
        from before import module_at

        before = module_at(before_rev, "src/gradviz/core/backward.py", "backward_before")
        before = before.trace_backward
    r = time_backward(nodes, numel, repeat, before)
    wall = (
        f"{nodes:>6} {numel:>6} {r['plain']:>9.3f} {r['record']:>10.3f}"
        f" {r['record'] / r['plain']:>5.2f}x {r['full']:>16.3f} {r['full'] / r['plain']:>5.2f}x"
    )
    p = r["cpu_plain"]
    cpu = (
        f"   cpu: plain {p:.3f} ms, record {r['cpu_record'] / p:.2f}x, "
        f"+steps+graph {r['cpu_full'] / p:.2f}x; load {os.getloadavg()[0]:.2f}\n"
        f"   floors (cpu): no-op hooks removed {r['cpu_noop'] / p:.2f}x, "
        f"no-op hooks left on the freed graph {r['cpu_noop_kept'] / p:.2f}x, "
        f"the same registered as hook_nodes does {r['cpu_noop_cheap'] / p:.2f}x, "
        f"C++ capture of every node's gradient (no order, no parts) {r['cpu_capture'] / p:.2f}x"
    )
    # machine-readable: name value
    key = f"backward_{nodes}n_{numel}e"
    lines = [
        f"{key}_ratio {r['record'] / r['plain']:.3f}",
        f"{key}_cpu_ratio {r['cpu_record'] / p:.3f}",
        f"{key}_noop_floor_cpu_ratio {r['cpu_noop'] / p:.3f}",
        f"{key}_noop_kept_floor_cpu_ratio {r['cpu_noop_kept'] / p:.3f}",
        f"{key}_noop_cheap_floor_cpu_ratio {r['cpu_noop_cheap'] / p:.3f}",
        f"{key}_capture_floor_cpu_ratio {r['cpu_capture'] / p:.3f}",
    ]
    if before is not None:
        cpu += (
            f"\n   before ({before_rev}): record {r['before'] / r['plain']:.2f}x wall, "
            f"{r['cpu_before'] / p:.2f}x cpu"
        )
        lines += [
            f"{key}_before_ratio {r['before'] / r['plain']:.3f}",
            f"{key}_before_cpu_ratio {r['cpu_before'] / p:.3f}",
        ]
    return "\n".join([wall, cpu, *lines])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-ui", action="store_true", help="skip the Qt step timing")
    parser.add_argument("--ui-only", action="store_true", help="only the Qt step timing")
    parser.add_argument(
        "--before",
        metavar="REV",
        help="also time trace_backward as it was at git revision REV, in the same processes",
    )
    parser.add_argument(
        "--one", type=int, nargs=2, metavar=("NODES", "ELEMS"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--options",
        action="store_true",
        help="compare ways of recording (no-op hooks, hold, copy, statistics) at 500 nodes",
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.one:  # one configuration, in a process of its own
        print(_row(*args.one, args.repeat, args.before), flush=True)
        return
    if args.options:
        print("ways of recording, 500 nodes, ms (ratio to plain backward); medians, interleaved")
        for numel in (8, 4096):
            r = time_options(500, numel, args.repeat)
            cells = "  ".join(f"{k} {v:.2f} ({v / r['plain']:.2f}x)" for k, v in r.items())
            print(f"  {numel:>5} elements: {cells}", flush=True)
        return
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs; medians of {args.repeat} runs")
    if not args.ui_only:
        time_recording(args)
    if not args.no_ui:
        time_ui(args)


def time_recording(args: argparse.Namespace) -> None:
    print("recording vs plain backward (fresh graph each run, no retain_graph;")
    print("each configuration in a fresh process, both sides interleaved in it):")
    print(f"{'nodes':>6} {'elems':>6} {'plain ms':>9} {'record ms':>10} {'ratio':>6}"
          f" {'+steps+graph ms':>16} {'ratio':>6}")  # fmt: skip
    for nodes in args.sizes:
        for numel in (8, 4096):
            # a fresh process: the allocator's state left by another size does not leak in
            cmd = [sys.executable, __file__, "--one", str(nodes), str(numel)]
            extra = ["--before", args.before] if args.before else []
            subprocess.run([*cmd, "--repeat", str(args.repeat), *extra], check=True)


def time_ui(args: argparse.Namespace) -> None:
    print("one UI step of the Backward panel (offscreen, painted), with the whole graph")
    print("fitted in a 1000x800 view, and at zoom 1 (where the gradient labels are drawn):")
    print(f"{'nodes':>6} {'zoom':>5} {'step ms':>8} {'max ms':>8} {'view part ms':>13}")
    for nodes in args.sizes:
        for zoom in (None, 1.0):
            r = time_ui_step(nodes, args.repeat, zoom)
            print(
                f"{nodes:>6} {zoom or 'fit':>5} {r['step']:>8.2f} {r['max']:>8.2f}"
                f" {r['view']:>13.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
