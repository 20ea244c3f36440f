"""Checkpoints: atomic save, safe load, and a round trip that continues identically."""

from __future__ import annotations

import os
import pickle

import pytest
import torch

from gradviz.core.training.checkpoint import (
    CheckpointError,
    load_checkpoint,
    read_checkpoint,
    save_checkpoint,
)
from gradviz.core.training.config import default_config
from gradviz.core.training.loop import TrainState, train
from gradviz.core.training.session import TrainSession

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _steps(config, n):
    session = TrainSession(config)
    session.total_steps = n
    train(session, TrainState())
    return session


def test_round_trip_restores_weights_config_step_and_continues_identically(tmp_path):
    config = default_config("spiral", epochs=4)
    a = _steps(config, 20)
    path = tmp_path / "run.pt"
    save_checkpoint(a, path)
    b = load_checkpoint(path)
    assert b.config == a.config and b.step == 20
    for (ka, va), (kb, vb) in zip(
        a.model.state_dict().items(), b.model.state_dict().items(), strict=True
    ):
        assert ka == kb and torch.equal(va, vb)
    # both go on for 15 more steps: same batches, same optimizer moments, same weights
    for s in (a, b):
        s.total_steps = 35
        train(s, TrainState())
    for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True):
        assert torch.equal(p, q)


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    session = _steps(default_config("moons"), 3)
    path = tmp_path / "model.pt"
    save_checkpoint(session, path)
    before = path.read_bytes()
    session.total_steps = 6
    train(session, TrainState())

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(CheckpointError, match="No space left"):
        save_checkpoint(session, path)
    assert path.read_bytes() == before  # the old checkpoint is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]


def test_unwritable_places_are_refused_with_a_clear_message(tmp_path):
    session = TrainSession(default_config("moons"))
    with pytest.raises(CheckpointError, match="does not exist"):
        save_checkpoint(session, tmp_path / "missing" / "x.pt")
    with pytest.raises(CheckpointError, match="is a folder"):
        save_checkpoint(session, tmp_path)


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch pwned_marker",))


def test_a_pickle_with_code_in_it_is_refused_and_never_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    session = TrainSession(default_config("moons"))
    path = tmp_path / "evil.pt"
    good = {
        "format": "gradviz-checkpoint",
        "version": 1,
        "config": session.config.to_dict(),
        "step": 0,
        "model": session.model.state_dict(),
        "optimizer": session.optimizer.state_dict(),
        "loader": session.loader_state(),
        "payload": _Evil(),
    }
    torch.save(good, path)
    with pytest.raises(CheckpointError, match="refused to load evil.pt"):
        load_checkpoint(path)
    assert not (tmp_path / "pwned_marker").exists()
    # a plain pickle.dump of the same object is refused as well
    with open(path, "wb") as f:
        pickle.dump(_Evil(), f)
    with pytest.raises(CheckpointError):
        read_checkpoint(path)
    assert not (tmp_path / "pwned_marker").exists()


def test_wrong_files_get_one_line_reasons(tmp_path):
    missing = tmp_path / "nope.pt"
    with pytest.raises(CheckpointError, match="no such file"):
        load_checkpoint(missing)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        load_checkpoint(junk)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(CheckpointError, match="not a gradviz checkpoint"):
        load_checkpoint(other)


def test_weights_that_do_not_fit_the_config_are_refused(tmp_path):
    session = TrainSession(default_config("spiral"))
    path = tmp_path / "bad.pt"
    save_checkpoint(session, path)
    payload = torch.load(path, weights_only=True)
    payload["config"]["hidden"] = [3]  # the saved weights are for (16, 16, 16)
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="do not fit"):
        load_checkpoint(path)
    payload["config"]["hidden"] = [16, 16, 16]
    payload["config"]["lr"] = -5
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="learning rate"):
        load_checkpoint(path)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_cuda_checkpoint_opens_on_cpu(tmp_path):
    session = _steps(default_config("moons", device="cuda"), 5)
    path = tmp_path / "gpu.pt"
    save_checkpoint(session, path)
    cpu = load_checkpoint(path, device="cpu")
    assert cpu.device.type == "cpu"
    for p, q in zip(session.model.parameters(), cpu.model.parameters(), strict=True):
        assert torch.equal(p.detach().cpu(), q.detach())
