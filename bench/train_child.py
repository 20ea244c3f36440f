"""The child of ``train_bench.py --only process``: the core training loop in its own process.

It measures what a separate training process would give the Training panel, as issue 14
asks before one is proposed. No Qt here: the child imports torch and gradviz's core only.
It speaks over its stdin and stdout with the app's live-attach framing (a 4-byte length,
then msgpack, NumPy arrays as raw bytes: :mod:`gradviz.core.training.watch.protocol`).
The watch *record* does not fit (it carries no decision boundary, prediction or test
metrics), so a whole :class:`Report` travels, one frame each, as the loop makes them.

In (stdin): ``{"type": "run", "demo", "device", "steps"}``; ``cancel``, ``pause``,
``resume``, ``step`` while a run goes (a thread applies them to the loop's TrainState,
as the panel's buttons do); ``quit``.
Out (stdout): ``ready`` (import time), ``built`` (session build time), ``report`` (a
Report), ``done`` (the RunResult, the child's own wall and CPU time of ``train()``,
the reports sent and the time spent encoding and writing them).
"""

from __future__ import annotations

import time

T_START = time.perf_counter()  # before the heavy imports: their cost is the child's start-up

import dataclasses  # noqa: E402
import os  # noqa: E402
import queue  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402

import torch  # noqa: E402

from gradviz.core.training.config import default_config  # noqa: E402
from gradviz.core.training.loop import MetricOptions, TrainState, train  # noqa: E402
from gradviz.core.training.metrics import ActivationStats, Histogram  # noqa: E402
from gradviz.core.training.report import Report  # noqa: E402
from gradviz.core.training.session import TrainSession  # noqa: E402
from gradviz.core.training.watch import protocol as P  # noqa: E402

T_IMPORTED = time.perf_counter()


# -- a Report on the wire (plain maps; the protocol's codec carries the NumPy arrays) ------


def _plain(obj) -> dict | None:
    return None if obj is None else {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def report_to_wire(r: Report) -> dict:
    d = _plain(r)
    for key in ("weight_hists", "grad_hists"):
        if d[key] is not None:
            d[key] = {name: _plain(h) for name, h in d[key].items()}
    if d["act_stats"] is not None:
        d["act_stats"] = {
            name: {**_plain(s), "histogram": _plain(s.histogram)}
            for name, s in d["act_stats"].items()
        }
    return d


def report_from_wire(d: dict) -> Report:
    for key in ("weight_hists", "grad_hists"):
        if d.get(key) is not None:
            d[key] = {name: Histogram(**h) for name, h in d[key].items()}
    if d.get("act_stats") is not None:
        d["act_stats"] = {
            name: ActivationStats(
                **{**s, "histogram": Histogram(**s["histogram"]) if s["histogram"] else None}
            )
            for name, s in d["act_stats"].items()
        }
    if d.get("boundary_window") is not None:
        d["boundary_window"] = tuple(d["boundary_window"])
    return Report(**d)


# -- the child ------------------------------------------------------------------------------


class Child:
    def __init__(self, out_fd: int) -> None:
        self.out_fd = out_fd
        self.jobs: queue.Queue[dict] = queue.Queue()
        self.state: TrainState | None = None
        self.sent = 0
        self.send_s = 0.0

    def send(self, message: dict) -> None:
        view = memoryview(P.encode(message))
        while view:  # a big frame may go out in parts
            view = view[os.write(self.out_fd, view) :]

    def on_report(self, r: Report) -> None:
        t = time.perf_counter()
        self.send({"type": "report", "report": report_to_wire(r)})
        self.send_s += time.perf_counter() - t
        self.sent += 1

    def read_commands(self) -> None:
        """On its own thread, blocked in read() (no GIL held) but for a command."""
        reader = P.FrameReader()
        while True:
            data = os.read(0, 1 << 16)
            if not data:
                self.jobs.put({"type": "quit"})
                return
            for body in reader.feed(data):
                msg = P.decode(body)
                kind, state = msg["type"], self.state
                if kind in ("run", "quit"):
                    self.jobs.put(msg)
                elif state is not None and kind in ("cancel", "pause", "resume", "step"):
                    getattr(state, kind)()

    def run(self, job: dict) -> None:
        t0 = time.perf_counter()
        config = default_config(job["demo"], device=job["device"])
        session = TrainSession(config.replace(steps=job["steps"], epochs=None))
        self.send({"type": "built", "build_s": time.perf_counter() - t0})
        # the panel's settings: all of its metrics, one intra-op thread, as fast as possible
        self.state = TrainState(on_report=self.on_report, options=MetricOptions(), cpu_threads=1)
        self.sent, self.send_s = 0, 0.0
        c0, t0 = time.process_time(), time.perf_counter()
        result = train(session, self.state)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        self.state = None
        self.send(
            {
                "type": "done",
                "status": result.status,
                "message": result.message,
                "step": result.step,
                "steps_run": result.steps_run,
                "elapsed": result.elapsed,
                "report_seconds": result.report_seconds,
                "wall_s": wall,
                "cpu_s": cpu,
                "reports": self.sent,
                "send_s": self.send_s,
                "last_loss": result.last.train_loss if result.last is not None else None,
            }
        )


def main() -> int:
    out_fd = os.dup(1)  # frames only on the real stdout; stray prints go to stderr
    os.dup2(2, 1)
    torch.set_num_threads(1)
    child = Child(out_fd)
    child.send({"type": "ready", "import_s": T_IMPORTED - T_START})
    threading.Thread(target=child.read_commands, daemon=True).start()
    while (job := child.jobs.get())["type"] != "quit":
        child.run(job)
    return 0


if __name__ == "__main__":
    sys.exit(main())
