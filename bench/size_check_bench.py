"""What does the size check cost an action?

    python bench/size_check_bench.py [--repeat 400]

Every create and apply first runs its call on meta tensors to learn the result's
size (see ``Workspace._check_size``). This times, in one process and
interleaved, the same small actions with the check as shipped and with the
check replaced by a no-op, and prints the medians and their ratio. Small
tensors are the worst case: the meta run costs about what the real one does.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from gradviz.core import workspace as ws_module
from gradviz.core.workspace import Workspace

ACTIONS = [
    ("create", ("a", "randn", {"size": "8, 8"})),
    ("apply", ("mul", "b", {"a": "a", "b": "2"})),
    ("apply", ("matmul", "c", {"a": "a", "b": "b"})),
    ("apply", ("sum", "s", {"input": "c"})),
]


def _one_session() -> float:
    ws = Workspace()
    start = time.perf_counter()
    for kind, args in ACTIONS:
        if kind == "create":
            ws.create(*args, seed=0)
        else:
            ws.apply(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=400)
    args = parser.parse_args()
    torch.set_num_threads(1)
    shipped = ws_module._check_size
    with_check, without = [], []
    for _ in range(args.repeat):
        ws_module._check_size = shipped
        with_check.append(_one_session())
        ws_module._check_size = lambda *a, **k: None
        without.append(_one_session())
    ws_module._check_size = shipped
    a, b = statistics.median(with_check), statistics.median(without)
    per_action = (a - b) / len(ACTIONS) * 1e6
    print(f"4 small actions: with check {a * 1e3:.3f} ms, without {b * 1e3:.3f} ms")
    print(f"ratio {a / b:.2f}×, about {per_action:.0f} µs per action")


if __name__ == "__main__":
    main()
