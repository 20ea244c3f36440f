"""Your model: a .py file (and optionally a CSV/NPZ file) trains like a demo; bad input says why."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import torch
from torch import nn

from gradviz.core.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from gradviz.core.training.config import ConfigError, TrainConfig, default_config
from gradviz.core.training.loop import TrainState, evaluate, train
from gradviz.core.training.session import TrainSession
from gradviz.core.training.tabular import TableError, pick, read_table

pytestmark = pytest.mark.usefixtures("one_torch_thread")

XOR_MODEL = """
import torch
from torch import nn

def model():
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))

def data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(300, 2, generator=g)
    return x, (x[:, 0] * x[:, 1] > 0).long()
"""

REGRESSION_MODEL = """
from torch import nn

def model():
    return nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
"""


def write(tmp_path, text: str, name: str = "net.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def config(model_file: str, **kw) -> TrainConfig:
    return default_config("custom", model_file=model_file, **kw).validate()


@pytest.fixture
def table(tmp_path):
    g = np.random.default_rng(0)
    x = g.normal(size=(200, 3))
    y = x @ np.array([1.0, -2.0, 0.5])
    path = tmp_path / "houses.csv"
    np.savetxt(path, np.c_[x, y], delimiter=",", header="f1,f2,f3,price", comments="")
    np.savez(tmp_path / "houses.npz", X=x, price=y, label=(y > 0).astype(np.int64))
    return tmp_path


def test_model_file_with_data_trains_and_its_loss_matches_torch(tmp_path):
    path = write(tmp_path, XOR_MODEL)
    session = TrainSession(config(path, epochs=40, lr=0.01))
    assert session.task == "multiclass" and session.data.n_classes == 2
    assert session.data.n_train == 240 and session.data.n_test == 60  # test split 0.2
    # model() ran under the run's seed: the same weights as torch would draw
    torch.manual_seed(0)
    fresh = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    assert torch.equal(fresh[0].weight, session.model[0].weight)
    result = train(session, TrainState(on_nonfinite="stop"))
    assert result.status == "finished"
    final = evaluate(session)
    with torch.no_grad():
        expected = nn.functional.cross_entropy(
            session.model(session.data.x_train), session.data.y_train
        )
    assert final["train_loss"] == pytest.approx(float(expected), rel=1e-5)
    assert final["test_accuracy"] > 0.85


def test_data_may_be_a_dataset_and_loss_may_be_the_users(tmp_path):
    path = write(
        tmp_path,
        """
        import torch
        from torch import nn
        from torch.utils.data import TensorDataset

        calls = []

        def model():
            return nn.Linear(2, 1)

        def data():
            x = torch.linspace(-1, 1, 50).reshape(25, 2)
            return TensorDataset(x, x.sum(dim=1, keepdim=True))

        def loss(output, target):
            calls.append(1)
            return (output - target).abs().mean()
        """,
    )
    session = TrainSession(config(path, steps=20))
    assert session.data.x_train.shape[1] == 2 and session.task == "regression"
    with torch.no_grad():
        out = session.model(session.data.x_train)
        expected = (out - session.data.y_train).abs().mean()
        got = session.loss_fn(out, session.data.y_train)
    assert float(got) == pytest.approx(float(expected))


def test_csv_regression_and_npz_column_groups(tmp_path, table):
    path = write(tmp_path, REGRESSION_MODEL)
    s = TrainSession(config(path, data_file=str(table / "houses.csv"), target="price"))
    assert s.task == "regression" and s.data.x_train.shape[1] == 3
    raw = np.loadtxt(table / "houses.csv", delimiter=",", skiprows=1)
    # every row of the file is in train or test, features and target side by side
    rows = torch.cat([s.data.x_train, s.data.x_test]).numpy()
    targets = torch.cat([s.data.y_train, s.data.y_test]).numpy().reshape(-1)
    order = np.lexsort(rows.T)
    want = np.lexsort(raw[:, :3].T)
    np.testing.assert_allclose(rows[order], raw[want, :3], rtol=1e-6)
    np.testing.assert_allclose(targets[order], raw[want, 3], rtol=1e-5)
    npz = TrainSession(
        config(path, data_file=str(table / "houses.npz"), target="price", features=("X",))
    )
    assert npz.data.x_train.shape[1] == 3


def test_npz_classification_with_n_classes(tmp_path, table):
    path = write(tmp_path, "from torch import nn\ndef model():\n    return nn.Linear(3, 4)\n")
    s = TrainSession(
        config(
            path,
            data_file=str(table / "houses.npz"),
            target="label",
            features=("X",),
            task="classification",
            n_classes=4,
        )
    )
    assert s.task == "multiclass" and s.data.n_classes == 4


def test_checkpoint_of_your_model_round_trips(tmp_path):
    path = write(tmp_path, XOR_MODEL)
    session = TrainSession(config(path, steps=15))
    train(session, TrainState())
    save_checkpoint(session, tmp_path / "m.pt")
    # rebuilding it runs the file: only when the caller names that very file
    with pytest.raises(CheckpointError, match="built by net.py, which is code"):
        load_checkpoint(tmp_path / "m.pt")
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path / "m.pt", trusted_model_file=str(tmp_path / "other.py"))
    back = load_checkpoint(tmp_path / "m.pt", trusted_model_file=path)
    assert back.config.model_file == path and back.step == 15
    for a, b in zip(session.model.parameters(), back.model.parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize(
    "source, message",
    [
        ("x = 1\n", "net.py does not define model()"),
        (
            "def model():\n    raise ValueError('no weights file')\ndef data():\n"
            "    import torch\n    return torch.zeros(4, 2), torch.zeros(4)\n",
            "model() in net.py raised ValueError: no weights file",
        ),
        ("def model(:\n", "net.py line 1: syntax error"),
        ("raise RuntimeError('boom')\n", "running net.py failed: RuntimeError: boom"),
        ("from torch import nn\ndef model():\n    return nn.Linear(2, 1)\n", "defines no data()"),
        (
            "import torch\nfrom torch import nn\ndef model():\n    return nn.Linear(2, 3)\n"
            "def data():\n    return torch.randn(10, 2), torch.arange(10) % 2\n",
            "the model's output (8, 3) does not fit the loss (cross-entropy over 2 classes)",
        ),
        (
            "import torch\nfrom torch import nn\ndef model():\n    return nn.Linear(2, 3)\n"
            "def data():\n    return torch.randn(10, 2), torch.randn(10, 1)\n",
            "the model's output (8, 3) does not fit the loss (mean squared error)",
        ),
        (
            "import torch\nfrom torch import nn\ndef model():\n    return 42\n"
            "def data():\n    return torch.randn(10, 2), torch.randn(10, 1)\n",
            "model() in net.py returned int, not an nn.Module",
        ),
    ],
)
def test_bad_model_files_get_one_line(tmp_path, source, message):
    path = write(tmp_path, source)
    with pytest.raises(ConfigError) as info:
        TrainSession(config(path))
    text = str(info.value)
    assert message in text and "\n" not in text


def test_bad_tables_get_one_line(tmp_path, table):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,y\n1,2,0\n3,oops,1\n")
    with pytest.raises(TableError, match=r"bad.csv row 3, column 'b': 'oops' is not a number"):
        read_table(bad)
    t = read_table(table / "houses.csv")
    with pytest.raises(TableError, match="has no column 'cost': its columns are f1, f2"):
        pick(t, "cost")
    path = write(tmp_path, REGRESSION_MODEL)
    with pytest.raises(ConfigError, match="has no column 'cost'"):
        TrainSession(config(path, data_file=str(table / "houses.csv"), target="cost"))
    with pytest.raises(TableError, match="class labels must be whole numbers"):
        pick(t, "price", task="classification")
    obj = tmp_path / "obj.npz"
    np.savez(obj, X=np.array([object(), 1], dtype=object))
    with pytest.raises(TableError, match="only numeric arrays"):
        read_table(obj)
