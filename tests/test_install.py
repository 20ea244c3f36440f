"""Install: the Qt xcb plugin's missing system libraries become an apt line instead of
Qt's abort, the distribution has a name of its own on PyPI, and --version/--help never
import torch (issue 10)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from gradviz.platform_check import APT_PACKAGES, apt_line, uses_xcb, xcb_problem

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _without(*names: str):
    def load(soname: str) -> None:
        if soname in names:
            raise OSError(f"{soname}: cannot open shared object file")

    return load


def test_a_missing_xcb_library_gives_the_apt_line():
    message = xcb_problem({"DISPLAY": ":0"}, load=_without("libxcb-cursor.so.0"))
    assert message is not None and "sudo apt install libxcb-cursor0" in message
    assert xcb_problem({"DISPLAY": ":0"}, load=_without()) is None
    # offscreen, Wayland and other systems never use the xcb plugin
    assert not uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"})
    assert not uses_xcb({"WAYLAND_DISPLAY": "wayland-0"})
    assert not uses_xcb({"DISPLAY": ":0"}, platform="darwin")
    assert uses_xcb({"DISPLAY": ":0", "WAYLAND_DISPLAY": "w", "QT_QPA_PLATFORM": "xcb"})


def test_gradviz_prints_the_apt_line_instead_of_qts_abort():
    # a loader that cannot find libxcb-cursor, as on a minimal Debian: no QApplication is made
    code = (
        "import ctypes, sys\n"
        "real = ctypes.CDLL\n"
        "def fake(name, *a, **k):\n"
        "    if name == 'libxcb-cursor.so.0': raise OSError(name)\n"
        "    return real(name, *a, **k)\n"
        "ctypes.CDLL = fake\n"
        "from gradviz.cli import main\n"
        "rc = main(['gui'])\n"
        "print('rc', rc, 'qt' if 'PySide6.QtWidgets' in sys.modules else 'no-qt')\n"
    )
    env = _env(DISPLAY=":99")
    env.pop("QT_QPA_PLATFORM", None)
    env.pop("WAYLAND_DISPLAY", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "rc 2 no-qt" in out.stdout, out.stdout + out.stderr
    assert "sudo apt install libxcb-cursor0" in out.stderr


def test_version_and_help_do_not_import_torch_or_qt():
    code = (
        "import sys\n"
        "from gradviz.cli import main\n"
        "for argv in (['--version'], ['--help'], ['train', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('LOADED', sorted(m for m in ('torch', 'PySide6', 'numpy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env())
    assert out.returncode == 0, out.stderr
    assert "LOADED []" in out.stdout, out.stdout


def test_the_distribution_name_is_ours_and_the_readme_uses_it():
    toml = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    name = re.search(r'^name = "([^"]+)"', toml, re.M).group(1)
    assert name != "gradviz"  # taken on PyPI by an unrelated package
    assert 'gradviz = "gradviz.cli:main"' in toml  # the command stays
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"pip install {name}" in readme
    assert f'"{name}[tensorboard]"' in readme
    assert "pip install gradviz\n" not in readme and '"gradviz[' not in readme
    for package in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-xinerama0"):
        assert package in APT_PACKAGES
    assert apt_line(APT_PACKAGES) in readme  # the README's line is the one gradviz knows
    assert "--index-url https://download.pytorch.org/whl/cpu" in readme
