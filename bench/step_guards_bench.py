"""What the per-step guards cost, alternating in one process over the same demo:

- none: no cancel hooks and no gradient check (the loop before issue 13);
- app: what the loop does (the gradient check every cpu step; the cancel hooks, a
  forward pre-hook per module and a gradient hook per parameter, only while steps
  take GUARDED_STEP_S or more, so they come off after the first short steps);
- hooks always: the cancel hooks kept on for every step;
- sums check: the app, with the gradient check as it was before issue 14 (a sum per
  gradient, over model.parameters() walked each step) instead of the one fused op.

    python bench/step_guards_bench.py [--steps 2000] [--rounds 5] [--demos spiral,twolayer]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from gradviz.core.training import loop
from gradviz.core.training.config import default_config
from gradviz.core.training.loop import MetricOptions, TrainState, train
from gradviz.core.training.session import TrainSession

QUIET = MetricOptions(
    grad_norms=False, histograms=False, activations=False, boundary=False, evaluate=False
)


def rate(demo: str, steps: int, variant: str) -> float:
    session = TrainSession(default_config(demo, steps=steps))
    timed, check = loop._Run._timed, loop._Run._grads_finite
    if variant == "none":
        loop._Run._timed = lambda self, seconds: self._guard_steps(install=False)
        loop._Run._grads_finite = lambda self: True
    elif variant == "hooks always":
        loop._Run._timed = lambda self, seconds: None
    elif variant == "sums check":
        loop._Run._grads_finite = lambda self: (
            loop._finite_by_sums([p.grad for p in self.s.model.parameters() if p.grad is not None])
            or True
        )
    try:
        # cpu time of this thread (one intra-op thread: all the work is here): on a busy
        # machine, wall time measures the neighbours more than the loop
        t0 = time.thread_time()
        train(session, TrainState(options=QUIET, cpu_threads=1))
        return steps / (time.thread_time() - t0)
    finally:
        loop._Run._timed, loop._Run._grads_finite = timed, check


VARIANTS = ("none", "app", "hooks always", "sums check")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--demos", default="spiral,twolayer,moons")
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(
        f"step guards bench: torch {torch.__version__}, {args.steps} steps, median of "
        f"{args.rounds} rounds, steps per cpu-second of the training thread"
    )
    for demo in args.demos.split(","):
        rate(demo, 200, "app")  # warm up
        rates: dict[str, list[float]] = {v: [] for v in VARIANTS}
        for r in range(args.rounds):
            for v in VARIANTS if r % 2 == 0 else VARIANTS[::-1]:  # no side always first
                rates[v].append(rate(demo, args.steps, v))
        base = rates["none"]
        line = f"  {demo:9s} none {statistics.median(base):7.0f} steps/s"
        for v in VARIANTS[1:]:
            ratio = statistics.median(a / b for a, b in zip(rates[v], base, strict=True))
            line += f" | {v} {statistics.median(rates[v]):7.0f} (ratio {ratio:.3f})"
        print(line)


if __name__ == "__main__":
    main()
