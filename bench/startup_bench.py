"""Start-up under a real X server: time until gradviz's window is mapped, against
``python -c "import torch"`` measured in the same run, and print the ratio (target < 1).

    python bench/startup_bench.py            # uses $DISPLAY, or starts its own Xvfb

The window is "mapped" when ``xdotool search --onlyvisible --name gradviz`` finds it
(polled every 10 ms). Each side runs ``RUNS`` times; the medians are compared.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
ROOT = Path(__file__).resolve().parents[1]


def _start_xvfb() -> tuple[str, subprocess.Popen | None]:
    if os.environ.get("DISPLAY"):
        return os.environ["DISPLAY"], None
    if not shutil.which("Xvfb"):
        sys.exit("needs an X display: set DISPLAY or install Xvfb")
    display = f":{random.randint(100, 199)}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x720x24"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)
    return display, xvfb


def _mapped(display: str) -> bool:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", "gradviz"],
        env=dict(os.environ, DISPLAY=display), capture_output=True, text=True,
    )  # fmt: skip
    return bool(found.stdout.strip())


def time_window(display: str) -> float:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", XDG_CONFIG_HOME=home)
        env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
        start = time.perf_counter()
        app = subprocess.Popen(
            [sys.executable, "-m", "gradviz"], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            while not _mapped(display):
                if app.poll() is not None:
                    sys.exit(f"gradviz exited with status {app.returncode} before its window")
                if time.perf_counter() - start > 60:
                    sys.exit("no gradviz window within 60 s")
                time.sleep(0.01)
            return time.perf_counter() - start
        finally:
            app.terminate()
            app.wait(10)


def time_import_torch() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - start


def main() -> None:
    if not shutil.which("xdotool"):
        sys.exit("needs xdotool")
    display, xvfb = _start_xvfb()
    try:
        time_import_torch()  # warm the file cache for both sides alike
        time_window(display)
        window, torch_only = [], []
        for _ in range(RUNS):  # interleaved, so a busy moment hits both sides
            window.append(time_window(display))
            torch_only.append(time_import_torch())
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(10)
    w, t = statistics.median(window), statistics.median(torch_only)
    print(f"window mapped:  median {w:.3f} s  ({', '.join(f'{x:.2f}' for x in window)})")
    print(f"import torch:   median {t:.3f} s  ({', '.join(f'{x:.2f}' for x in torch_only)})")
    print(f"ratio window / import torch = {w / t:.2f}  (target < 1)")


if __name__ == "__main__":
    main()
