"""Does recording every backward() slow down a console loop? (issue 8: must stay under 3×)

    python bench/console_record_bench.py [--calls 1000] [--repeat 5]

Runs the same loop of ``--calls`` backward calls, in one process and
interleaved, two ways:

* plain: ``exec`` of the code in a fresh namespace (what ``python`` does);
* recorded: ``Workspace.run_code`` of the same code (every call hooked and
  recorded, the full-data budget applied);

for three loops from the notes: a tiny scalar chain (the worst case: the
engine's own work is smallest next to the hooks), d2l's hand-written SGD step
on a 10-example batch, and the two-layer net (64×1000 → 100 → 10) by autograd.
Prints medians of the loop's wall time and the ratio recorded / plain.
``floor cpu`` is the cpu ratio of the least any per-node-hook recording can cost: a
no-op hook on every node of every call (walked, registered, called, taken off), nothing
kept. ``--before REV`` adds the recorder of that git revision, timed alongside.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from gradviz.core import workspace_code  # noqa: E402
from gradviz.core.graph_walk import walk_functions  # noqa: E402
from gradviz.core.recording import BackwardRecorder  # noqa: E402
from gradviz.core.workspace import Workspace  # noqa: E402
from gradviz.core.workspace_code import base_namespace  # noqa: E402

SETUP = {
    "tiny chain": "x = torch.tensor(0.5, requires_grad=True)",
    "d2l sgd": (
        "X = torch.randn(1000, 2)\nY = X @ torch.tensor([2, -3.4]) + 4.2\n"
        "w = torch.zeros(2, requires_grad=True)\nb = torch.zeros(1, requires_grad=True)"
    ),
    "two-layer net": (
        "x = torch.randn(64, 1000)\ny = torch.randn(64, 10)\n"
        "w1 = torch.randn(1000, 100, requires_grad=True)\n"
        "w2 = torch.randn(100, 10, requires_grad=True)"
    ),
}
LOOP = {
    "tiny chain": ("for i in range({n}):\n    y = (x * 2).sin() + x\n    y.backward()\n"),
    "d2l sgd": (
        "for i in range({n}):\n"
        "    j = (i * 10) % 1000\n"
        "    l = ((X[j:j+10] @ w + b - Y[j:j+10]) ** 2 / 2).sum()\n"
        "    l.backward()\n"
        "    with torch.no_grad():\n"
        "        w -= 0.03 * w.grad / 10\n        b -= 0.03 * b.grad / 10\n"
        "        w.grad.zero_()\n        b.grad.zero_()\n"
    ),
    "two-layer net": (
        "for t in range({n}):\n"
        "    loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()\n"
        "    loss.backward()\n"
        "    with torch.no_grad():\n"
        "        w1 -= 1e-6 * w1.grad\n        w2 -= 1e-6 * w2.grad\n"
        "        w1.grad.zero_()\n        w2.grad.zero_()\n"
    ),
}


def plain(name: str, n: int) -> tuple[float, float]:
    """Wall and this thread's cpu seconds (the code runs on this thread either way)."""
    ns = base_namespace()
    exec(SETUP[name], ns)
    code = compile(LOOP[name].format(n=n), "<plain>", "exec")
    c0, t0 = time.thread_time(), time.perf_counter()
    exec(code, ns)
    return time.perf_counter() - t0, time.thread_time() - c0


def load_before(rev: str) -> Any:
    """The console recorder as it was at git revision ``rev`` (its recording module, on its
    own backward module), for :func:`recorded` to run in place of today's."""
    from before import module_at

    module_at(rev, "src/gradviz/core/backward.py", "backward_before")
    module_at(rev, "src/gradviz/core/graph.py", "graph_before")  # its constant-input notes
    old = module_at(
        rev,
        "src/gradviz/core/recording.py",
        "recording_before",
        (
            ("from gradviz.core.backward import", "from backward_before import"),
            ("from gradviz.core.graph import", "from graph_before import"),
        ),
    )
    return old.BackwardRecorder


class HooksOnly(BackwardRecorder):
    """The floor of recording each call with Python hooks: walk the graph, a no-op hook on
    every node, the call, the hooks off; nothing kept, no saved values, no notes, no log."""

    def _record(self, kind, roots, seeds, create_graph, inputs, call, retained=True):  # noqa: ANN001, ANN201, ARG002
        starts = [r.grad_fn for r in roots if isinstance(r, torch.Tensor) and r.grad_fn]
        handles = [
            fn.register_prehook(_noop_pre) if hasattr(fn, "variable") else fn.register_hook(_noop)
            for fn in walk_functions(starts)
        ]
        try:
            return self._plain(call)
        finally:
            for h in handles:
                h.remove()


def _noop(_gi: Any, _go: Any) -> None:
    return None


def _noop_pre(_go: Any) -> None:
    return None


def recorded(name: str, n: int, recorder: Any = None) -> tuple[float, float]:
    """``recorder``: another BackwardRecorder class for the workspace to record with."""
    today = workspace_code.BackwardRecorder
    if recorder is not None:
        workspace_code.BackwardRecorder = recorder
    try:
        return _recorded(name, n)
    finally:
        workspace_code.BackwardRecorder = today


def _recorded(name: str, n: int) -> tuple[float, float]:
    ws = Workspace()
    ws.run_code(SETUP[name])
    source = LOOP[name].format(n=n)
    c0, t0 = time.thread_time(), time.perf_counter()
    ws.run_code(source)
    elapsed = time.perf_counter() - t0, time.thread_time() - c0
    assert len(ws.backward_calls) == n or workspace_code.BackwardRecorder is HooksOnly
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--before", metavar="REV", help="also record with the recorder of git revision REV"
    )
    parser.add_argument("--loops", nargs="+", choices=list(SETUP), default=list(SETUP))
    args = parser.parse_args()
    torch.set_num_threads(1)
    old = load_before(args.before) if args.before else None
    print(f"{args.calls} backward calls per loop, median of {args.repeat} (torch threads: 1)")
    head = f"{'loop':<15} {'plain s':>9} {'recorded s':>11} {'ratio':>7} {'cpu ratio':>10}"
    head += f" {'floor cpu':>10}"
    if old is not None:
        head += f" {'before s':>9} {'ratio':>7} {'cpu ratio':>10}"
    print(head)
    ratios = {}
    med = statistics.median
    for name in args.loops:
        plain(name, 20), recorded(name, 20)  # warm up
        if old is not None:
            recorded(name, 20, old)
        p, r, b, f = [], [], [], []
        sides: list[tuple[list, Any]] = [(p, None), (r, None), (f, HooksOnly)]
        if old is not None:
            sides.append((b, old))
        for rep in range(args.repeat):  # interleaved, in a rotating order: noise hits all
            turn = rep % len(sides)
            for out, recorder in sides[turn:] + sides[:turn]:
                if out is p:
                    out.append(plain(name, args.calls))
                else:
                    out.append(recorded(name, args.calls, recorder))
        mp, mr = med(x[0] for x in p), med(x[0] for x in r)
        cpu = med(y[1] / x[1] for x, y in zip(p, r, strict=True))
        line = f"{name:<15} {mp:>9.3f} {mr:>11.3f} {mr / mp:>6.2f}× {cpu:>9.2f}×"
        key = name.replace(" ", "_").replace("-", "_")
        ratios[key] = (mr / mp, cpu)
        cpu_f = med(y[1] / x[1] for x, y in zip(p, f, strict=True))
        line += f" {cpu_f:>9.2f}×"
        ratios[f"{key}_hooks_only_floor"] = (med(x[0] for x in f) / mp, cpu_f)
        if old is not None:
            mb = med(x[0] for x in b)
            cpu_b = med(y[1] / x[1] for x, y in zip(p, b, strict=True))
            line += f" {mb:>9.3f} {mb / mp:>6.2f}× {cpu_b:>9.2f}×"
            ratios[f"{key}_before"] = (mb / mp, cpu_b)
        print(line, flush=True)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for key, (wall, cpu) in ratios.items():  # machine-readable: name value
        print(f"console_{key}_ratio {wall:.3f}")
        print(f"console_{key}_cpu_ratio {cpu:.3f}")


if __name__ == "__main__":
    main()
