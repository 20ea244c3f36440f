"""Shared test setup: Qt runs offscreen, and no test may leave a thread running."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # allow running from a checkout without install
    sys.path.insert(0, str(ROOT / "src"))
