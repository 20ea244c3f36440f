"""The layering contract: core never imports qt or commands (nor Qt), qt never imports commands.

The contracts live in pyproject.toml ([tool.importlinter]); this runs them, so the suite
(and CI, which runs it) fails on an import that breaks the layering.
"""

from __future__ import annotations

from pathlib import Path

import pytest

importlinter_cli = pytest.importorskip("importlinter.cli")

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    code = importlinter_cli.lint_imports(
        config_filename=str(ROOT / "pyproject.toml"), no_cache=True
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2 kept, 0 broken" in out
