"""What ``gradviz.watch`` costs a training script, all in one process.

The same loop (model, data, batches, optimizer) runs with and without ``watch`` at the
default cadence, alternating, several times; the medians' ratio is the cost. Target:
watched time / plain time <= 1.03 on each of the spiral MLP, the two-layer net and a
small CNN. Both wall time and process CPU time (the writer thread included) are
shown, and what one sample costs in CPU time. On a shared, busy machine the time-based
cadence samples as often per *second* while each step takes several times longer, so the
end-to-end ratios there overstate the cost; the per-sample figure does not depend on it.

    python bench/watch_bench.py             # ~1 minute
    python bench/watch_bench.py --quick     # a quick look
    python bench/watch_bench.py --device cuda
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch
from torch import nn

import gradviz
from gradviz.core.training.config import default_config
from gradviz.core.training.session import TrainSession
from gradviz.core.training.watch.run import RATE


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def demo_case(demo: str, device: torch.device):
    s = TrainSession(default_config(demo).validate(), device=device)
    batches = [s.next_batch() for _ in range(64)]
    return s.model, s.optimizer, s.loss_fn, batches


def cnn_case(device: torch.device):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 7 * 7, 10),
    ).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(64, 32, 1, 28, 28, device=device)
    y = torch.randint(0, 10, (64, 32), device=device)
    return model, opt, nn.CrossEntropyLoss(), [(x[i], y[i]) for i in range(64)]


def run_loop(case, steps: int, watched: bool, logdir: str) -> tuple[float, float]:
    model, opt, loss_fn, batches = case
    device = next(model.parameters()).device
    run = gradviz.watch(model, opt, logdir=logdir, connect=False) if watched else None
    _sync(device)
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(steps):
        x, y = batches[i % len(batches)]
        loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if run is not None:
            run.log(loss=loss)
    _sync(device)
    if run is not None:
        run.close()  # the writer thread's last work counts too
    return time.perf_counter() - t0, time.process_time() - c0


def sample_cost(case, steps: int, logdir: str, repeats: int) -> float:
    """CPU seconds one sample costs: every step sampled, against the plain loop."""
    extra = []
    for _ in range(repeats):
        plain = run_loop(case, steps, False, logdir)[1]
        model, opt, loss_fn, batches = case
        run = gradviz.watch(model, opt, logdir=logdir, every=1, connect=False)
        c0 = time.process_time()
        for i in range(steps):
            x, y = batches[i % len(batches)]
            loss = loss_fn(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            run.log(loss=loss)
        run.close()
        extra.append((time.process_time() - c0 - plain) / steps)
    return statistics.median(extra)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=11)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    device = torch.device(args.device)
    seconds = 0.5 if args.quick else 1.0  # 20 samples a second: 20 per run
    repeats = 3 if args.quick else args.repeats
    cases = {
        "spiral MLP": lambda: demo_case("spiral", device),
        "twolayer net": lambda: demo_case("twolayer", device),
        "small CNN": lambda: cnn_case(device),
    }
    print(f"gradviz.watch cost on {device}, default cadence; medians of {repeats} runs")
    with tempfile.TemporaryDirectory() as logdir:
        for label, make in cases.items():
            case = make()
            run_loop(case, 20, False, logdir)  # warm up
            t = run_loop(case, 50, False, logdir)[0] / 50
            steps = max(200, int(seconds / t))
            plain, watched = [], []
            for _ in range(repeats):
                plain.append(run_loop(case, steps, False, logdir))
                watched.append(run_loop(case, steps, True, logdir))
            wall = [statistics.median(t[0] for t in runs) for runs in (plain, watched)]
            cpu = [statistics.median(t[1] for t in runs) for runs in (plain, watched)]
            ratio, cpu_ratio = wall[1] / wall[0], cpu[1] / cpu[0]
            flag = "ok" if min(ratio, cpu_ratio) <= 1.03 else "OVER TARGET"
            share = cpu[0] / wall[0]
            per_sample = sample_cost(case, max(50, steps // 4), logdir, 3)
            model_cost = RATE * per_sample  # CPU seconds per second at the default rate
            print(
                f"  {label:13s} {steps:6,d} steps  plain {1e6 * wall[0] / steps:7.1f} us/step  "
                f"wall ratio {ratio:.3f}  cpu ratio {cpu_ratio:.3f}  ({flag})\n"
                f"  {'':13s} one sample costs {1e6 * per_sample:.0f} us of CPU: at {RATE:g} "
                f"samples/s that is {100 * model_cost:.2f} % of a busy core "
                f"(this process got {100 * share:.0f} % of a core)"
            )


if __name__ == "__main__":
    main()
