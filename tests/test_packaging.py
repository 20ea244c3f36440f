"""Packaging: resources ship in the wheel, the core never imports Qt, the README's
commands are the ones CI runs, and the launcher answers without a display."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_core_imports_no_qt():
    code = (
        "import sys, gradviz.core, pkgutil, importlib\n"
        "for m in pkgutil.walk_packages(gradviz.core.__path__, 'gradviz.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph', 'superqt', 'qtpy'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), check=True
    )
    assert out.stdout.strip() == "", f"gradviz.core pulled in Qt modules: {out.stdout}"


def test_version_and_help_need_no_display():
    env = _env()
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("QT_QPA_PLATFORM", None)
    version = subprocess.run(
        [sys.executable, "-m", "gradviz", "--version"], capture_output=True, text=True, env=env
    )
    assert version.returncode == 0
    assert re.fullmatch(r"gradviz \d+\.\d+\.\d+\s*", version.stdout)
    helptext = subprocess.run(
        [sys.executable, "-m", "gradviz", "--help"], capture_output=True, text=True, env=env
    )
    assert helptext.returncode == 0
    for command in ("gui", "graph", "backward", "train", "devices"):
        assert command in helptext.stdout


def test_readme_gives_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", setup)
    assert len(commands) == 2, commands
    launch, test = commands
    assert "pip install" in launch and launch.rstrip().endswith("gradviz")
    assert "pip install" in test and "pytest" in test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines(), "CI must run the README's test command verbatim"
    assert ci.index("torch==2.13.0") < ci.index(test)


@pytest.mark.slow
def test_wheel_contains_resources(tmp_path):
    pytest.importorskip("hatchling")
    out = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), "-q"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    (wheel,) = tmp_path.glob("gradviz_autograd-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "gradviz/resources/icons/gradviz.svg",
        "gradviz/resources/themes/light.qss",
        "gradviz/resources/themes/dark.qss",
        "gradviz/resources/examples/chain_rule.gradviz",
        "gradviz/core/workspace.py",
    ):
        assert expected in names
    # and the installed layout finds them: unpack and resolve from there
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = "from gradviz.resources import resources_dir; print(resources_dir())"
    env = dict(os.environ, PYTHONPATH=str(target))
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()) == target / "gradviz" / "resources"
