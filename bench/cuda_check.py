"""The cuda path, checked for real on a GPU machine in one go (issue 14).

    python bench/cuda_check.py            # on a machine with a CUDA GPU

1. Counts host synchronisations per training step with
   ``torch.cuda.set_sync_debug_mode("warn")``: PyTorch warns at every operation that
   makes the host wait for the GPU. Steps that build no report must make none; a
   report (a few a second) may make one.
2. Runs the cuda tests (``pytest -k cuda``, those that skip elsewhere).
3. Runs ``bench/train_bench.py --device cuda --quick``.

Prints ``cuda_syncs_per_unsampled_step``, ``cuda_syncs_per_report`` and the exit codes
as ``name value`` lines. Without a GPU it says so and exits 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from gradviz.core.training.config import default_config  # noqa: E402
from gradviz.core.training.loop import MetricOptions, TrainState, train  # noqa: E402
from gradviz.core.training.session import TrainSession  # noqa: E402


def _syncs(demo: str, steps: int, options: MetricOptions) -> tuple[int, int]:
    """(host syncs PyTorch warned about, reports) over one cuda run of ``steps``."""
    session = TrainSession(default_config(demo, device="cuda").replace(steps=steps, epochs=None))
    reports: list = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            train(session, TrainState(options=options, on_report=reports.append))
        finally:
            torch.cuda.set_sync_debug_mode(0)
    return sum("synchroniz" in str(w.message) for w in caught), len(reports)


def count_syncs(demo: str = "spiral", steps: int = 1000) -> tuple[float, float]:
    """(syncs per step that builds no report, syncs per report).

    Warnings carry no step number, so steps are measured by difference: two runs that
    report only at their start and end, of ``steps`` and ``2 * steps`` steps. Reports
    are then what a run with the app's metrics makes beyond its steps' share.
    """
    never = float("inf")
    quiet = MetricOptions(
        report_interval=never,
        detail_interval=never,
        histogram_interval=never,
        min_reports=1,
        min_details=1,
        min_histograms=1,
    )
    _syncs(demo, 50, quiet)  # warm up: kernels, allocator
    short, _ = _syncs(demo, steps, quiet)
    long, _ = _syncs(demo, 2 * steps, quiet)
    per_step = max(0, long - short) / steps
    full, reports = _syncs(demo, steps, MetricOptions())
    per_report = max(0.0, full - per_step * steps) / max(1, reports)
    return per_step, per_report


def main() -> int:
    if not torch.cuda.is_available():
        print("no CUDA GPU here: nothing to check")
        return 0
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}")
    per_step, per_report = count_syncs()
    print(f"host syncs: {per_step:.3f} per unsampled step, {per_report:.1f} per report")
    root = os.path.join(os.path.dirname(__file__), "..")
    tests = subprocess.call(
        [sys.executable, "-m", "pytest", "-q", "-k", "cuda or gpu", "-p", "no:cacheprovider"],
        cwd=root,
    )
    bench = subprocess.call(
        [sys.executable, os.path.join(root, "bench", "train_bench.py"), "--device", "cuda"]
        + ["--quick", "--only", "throughput"],
        cwd=root,
    )
    print(f"cuda_syncs_per_unsampled_step {per_step:.3f}")
    print(f"cuda_syncs_per_report {per_report:.2f}")
    print(f"cuda_tests_exit {tests}")
    print(f"cuda_train_bench_exit {bench}")
    return 0 if tests == 0 and bench == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
