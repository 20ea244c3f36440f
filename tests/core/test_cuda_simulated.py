"""The cuda code paths, run on a machine without a GPU (issue 14): torch's cuda queries
are replaced by a fake pair of GPUs, so device discovery, device choice, the
``gradviz devices`` table and the out-of-memory recovery take their cuda branches.
The training loop's cuda path (metrics kept on the device, no host sync per step) is
simulated with ``device_metrics=True`` in tests/core/test_training.py."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch

from gradviz.core.devices import DeviceError, list_devices, resolve_device

GIB = 2**30


@pytest.fixture
def two_gpus(monkeypatch):
    props = [SimpleNamespace(name="NVIDIA H200", total_memory=141 * GIB)] * 2
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda i: props[i])
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda d=None: "NVIDIA H200")


def test_each_gpu_is_listed_with_its_name_and_memory(two_gpus):
    cuda = [d for d in list_devices() if d.name.startswith("cuda")]
    assert [d.name for d in cuda] == ["cuda:0", "cuda:1"]
    assert all(d.available and d.memory_bytes == 141 * GIB for d in cuda)
    assert cuda[1].label == "cuda:1 — NVIDIA H200 (141.0 GiB)"


def test_cuda_names_resolve_to_an_index_and_a_missing_one_is_refused(two_gpus):
    assert resolve_device("cuda") == torch.device("cuda", 0)
    assert resolve_device(" cuda:1 ") == torch.device("cuda", 1)
    with pytest.raises(DeviceError, match="only 2 CUDA device"):
        resolve_device("cuda:2")


def test_without_a_gpu_cuda_is_refused_with_the_reason(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceError, match="no CUDA GPU here"):
        resolve_device("cuda:0")
    (cuda,) = [d for d in list_devices() if d.name.startswith("cuda")]
    assert not cuda.available and cuda.reason


def test_devices_command_shows_each_gpu(two_gpus, capsys):
    from gradviz.cli import main

    assert main(["devices", "--json"]) == 0
    rows = {r["device"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["cuda:1"]["available"] and rows["cuda:1"]["name"] == "NVIDIA H200"
    assert rows["cuda:1"]["memory_bytes"] == 141 * GIB


def test_out_of_memory_on_cuda_frees_the_cache_and_keeps_the_model(monkeypatch):
    """The loop's recovery on a cuda device: the gradients of the failed step are
    dropped, PyTorch's cached blocks are handed back, and the message names the
    device, the step and what to try."""
    from gradviz.core.training.config import default_config
    from gradviz.core.training.loop import _Run
    from gradviz.core.training.session import TrainSession

    freed = []
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: freed.append(True))
    session = TrainSession(default_config("moons"))
    before = [p.detach().clone() for p in session.model.parameters()]
    x, y = session.next_batch()
    session.loss_fn(session.model(x), y).backward()  # the failed step's gradients
    session.device = torch.device("cuda", 0)  # as a cuda run would have it
    session.step = 41
    run = SimpleNamespace(s=session)
    message = _Run._recover_oom(run, torch.OutOfMemoryError("CUDA out of memory. Tried 2 GiB"))
    assert freed == [True]
    assert all(p.grad is None for p in session.model.parameters())
    assert all(torch.equal(a, p) for a, p in zip(before, session.model.parameters(), strict=True))
    assert "cuda:0" in message and "42" in message and "batch size" in message
    assert "CUDA out of memory" in message
