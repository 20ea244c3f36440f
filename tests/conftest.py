"""Shared test setup: Qt runs offscreen, and no test may leave a thread running."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")
# The suite reads English words unless a test asks for Chinese (a developer's LANG=zh_CN
# must not change what the tests see).
os.environ["GRADVIZ_LANG"] = "en"

# Property tests draw the same examples on every run, so a CI run never fails at random on
# an example nobody can find again. HYPOTHESIS_PROFILE=explore draws fresh ones each run;
# add what it finds as an @example on the test.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # allow running from a checkout without install
    sys.path.insert(0, str(ROOT / "src"))


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny training nets gain nothing from intra-op threads, and on a busy 2-core machine
    OpenMP's spinning workers make them many times slower; restore the setting afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _isolated_live_attach(tmp_path, monkeypatch):
    """Live attach writes its port and token to the user's config folder: use a temp one,
    and an ephemeral port, so tests never touch a real app or each other."""
    monkeypatch.setenv("GRADVIZ_CONFIG_DIR", str(tmp_path / "gradviz-config"))
    monkeypatch.setenv("GRADVIZ_PORT", "0")


@pytest.fixture
def chinese():
    """Core's and the CLI's messages in Chinese for this test, then English again.
    (tests/qt/conftest.py has its own, which also installs Qt's translators.)"""
    from gradviz.core import i18n

    i18n.set_language("zh_CN")
    try:
        yield
    finally:
        i18n.set_language("en")
