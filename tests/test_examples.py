"""Every example script runs as a plain Python program and prints what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


# what each example must print: the numbers the notes derive by hand
EXPECTED = {
    "chain_rule.py": "4.5000",
    "detach_cut.py": "x.grad == u: True",
    "vector_backward.py": "x.grad =",
    "mlp_loss.py": "0.weight",
    "linear_regression.py": "w = [1.99",
}


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script):
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert EXPECTED.get(script.name, "") in out.stdout
    assert out.stdout.strip()


def test_examples_exist():
    assert len(EXAMPLES) >= 4
