"""``gradviz train --model FILE.py [--data FILE --target COL]``: your model, headless."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gradviz.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

MODEL = """from torch import nn
def model():
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
"""


@pytest.fixture
def files(tmp_path):
    g = np.random.default_rng(1)
    x = g.normal(size=(300, 3))
    y = x @ np.array([0.5, -1.0, 2.0])
    np.savetxt(tmp_path / "d.csv", np.c_[x, y], delimiter=",", header="a,b,c,y", comments="")
    (tmp_path / "net.py").write_text(MODEL)
    return tmp_path


def test_model_and_csv_train_and_write_json(files, capsys):
    out = files / "out.json"
    argv = ["train", "--model", str(files / "net.py"), "--data", str(files / "d.csv")]
    argv += ["--target", "y", "--epochs", "30", "--lr", "0.01", "--json", str(out), "-q"]
    assert main(argv) == 0
    summary = json.loads(out.read_text())
    assert summary["demo"] == "net.py" and summary["train_accuracy"] is None
    # y is an exact linear map of the features: the net gets close (start: var(y) ~ 5)
    assert summary["final_loss"] < 0.2
    assert capsys.readouterr().out.startswith("net.py on cpu:")


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--target", "price"], "d.csv has no column 'price': its columns are a, b, c, y"),
        ([], "--data needs --target COL"),
    ],
)
def test_bad_your_model_arguments_get_one_line(files, capsys, extra, words):
    argv = ["train", "--model", str(files / "net.py"), "--data", str(files / "d.csv"), *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1


def test_model_file_without_model_function(files, capsys):
    (files / "empty.py").write_text("x = 1\n")
    assert main(["train", "--model", str(files / "empty.py"), "-q"]) == 2
    assert "empty.py does not define model()" in capsys.readouterr().err
