"""gradviz.watch: what a script's run writes, checked against torch by hand; cadence; exit."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap

import pytest
import torch
from torch import nn

import gradviz
from gradviz.core.training.history import RunHistory
from gradviz.core.training.watch import run as W
from gradviz.core.training.watch.record import RecordError, RunReader, to_report

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def tiny():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    x = torch.randn(32, 3)
    return net, x, x.sum(dim=1, keepdim=True)


def layer_norm(module: nn.Module) -> float:
    return math.sqrt(sum(float(p.grad.double().pow(2).sum()) for p in module.parameters()))


def test_every_step_records_match_torch_by_hand(tmp_path):
    net, x, y = tiny()
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    expected = []
    with gradviz.watch(net, opt, name="exact", logdir=tmp_path, every=1, connect=False) as run:
        for _ in range(6):
            loss = nn.functional.mse_loss(net(x), y)
            opt.zero_grad()
            loss.backward()
            before = [p.detach().clone() for p in net[2].parameters()]
            norms = {"0": layer_norm(net[0]), "2": layer_norm(net[2])}
            opt.step()
            after = [p.detach() for p in net[2].parameters()]
            pairs = zip(after, before, strict=True)
            moved = math.sqrt(sum(float((a - b).pow(2).sum()) for a, b in pairs))
            size = math.sqrt(sum(float(b.pow(2).sum()) for b in before))
            expected.append((loss.item(), norms, moved / size))
            run.log(loss=loss, lr=0.05)
    reports = RunReader(tmp_path / "exact").read_new()
    assert [r.step for r in reports[:6]] == [1, 2, 3, 4, 5, 6]
    for r, (loss, norms, ratio) in zip(reports, expected, strict=False):
        assert r.train_loss == pytest.approx(loss, rel=1e-6)
        assert r.grad_norms == pytest.approx(norms, rel=1e-6)
        assert r.update_ratios["2"] == pytest.approx(ratio, rel=1e-5)
        assert r.scalars == {"lr": pytest.approx(0.05)}
    assert reports[-1].status == "finished"
    # histograms come with every 10th sample: the first one has them
    assert set(reports[0].weight_hists) == {"0", "2"}
    counts = reports[0].weight_hists["0"].counts
    assert counts.sum() == pytest.approx(net[0].weight.numel())


def test_activation_statistics_only_when_asked(tmp_path):
    net, x, y = tiny()
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    plain = gradviz.watch(net, opt, name="plain", logdir=tmp_path, every=1, connect=False)
    assert not net[1]._forward_hooks  # no hooks unless asked
    plain.close()
    run = W.watch(net, opt, name="acts", logdir=tmp_path, every=1, activations=True, connect=False)
    out = net(x)
    nn.functional.mse_loss(out, y).backward()
    opt.step()
    run.log(loss=1.0)
    run.close()
    (r, *_rest) = RunReader(tmp_path / "acts").read_new()
    with torch.no_grad():
        hidden = net[1](net[0](x))  # weights moved after the step: recompute from a copy
    assert set(r.act_stats) == {"1"}
    assert 0.0 <= r.act_stats["1"].dead_fraction <= 1.0
    assert math.isfinite(r.act_stats["1"].mean) and hidden.shape == (32, 8)
    assert not net[1]._forward_hooks  # close() removed them


def test_device_metrics_fetch_only_on_sampled_steps(tmp_path, monkeypatch):
    """The CUDA path on the CPU: the loss stays a tensor; transfers only when sampling."""
    net, x, y = tiny()
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    calls: list[int] = []
    real = W.M.to_host
    run = W.watch(
        net, opt, logdir=tmp_path, every=5, histograms=False, connect=False, device_metrics=True
    )
    monkeypatch.setattr(W.M, "to_host", lambda ts: (calls.append(run.step), real(ts))[1])
    for _ in range(20):
        loss = nn.functional.mse_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        run.log(loss=loss)
        if run.step % 5:
            assert isinstance(run._loss_sum, torch.Tensor)  # accumulating on the device
    run.close()
    assert calls and all(step % 5 == 0 for step in calls)
    assert run.samples == 5  # four samples and the final record, whatever was fetched when


def test_device_fetches_are_capped_even_sampling_every_step(tmp_path, monkeypatch):
    net, x, y = tiny()
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    clock = iter(i * 0.001 for i in range(10**6))  # each clock read: 1 ms later
    monkeypatch.setattr(W.time, "perf_counter", lambda: next(clock))
    run = W.watch(
        net, opt, name="cap", logdir=tmp_path, every=1, histograms=False, connect=False,
        device_metrics=True,
    )  # fmt: skip
    losses = []
    for _ in range(300):
        loss = nn.functional.mse_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        run.log(loss=loss)
        losses.append(loss.item())
    elapsed = next(clock)  # simulated seconds since the start
    run.close()
    assert run.fetches <= W.MAX_FETCHES * elapsed + 2  # at most 20 a second
    assert run.fetches < 300 / 5  # many records per transfer
    reports = RunReader(tmp_path / "cap").read_new()
    assert [r.step for r in reports[:300]] == list(range(1, 301))  # every step recorded
    got = [r.train_loss for r in reports[:300]]
    assert got == pytest.approx(losses, rel=1e-6)


def run_clocked(tmp_path, monkeypatch, steps: int, wall_ms: float, cpu_ms: float):
    """``steps`` steps, each taking ``wall_ms`` by the clock and ``cpu_ms`` of the thread's CPU."""
    net, x, y = tiny()
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    now = {"wall": 0.0, "cpu": 0.0}
    monkeypatch.setattr(W.time, "perf_counter", lambda: now["wall"])
    monkeypatch.setattr(W.time, "thread_time", lambda: now["cpu"])
    run = W.watch(net, opt, logdir=tmp_path, histograms=False, connect=False)  # 10 a second
    for _ in range(steps):
        loss = nn.functional.mse_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        now["wall"] += wall_ms / 1000
        now["cpu"] += cpu_ms / 1000
        run.log(loss=loss)
    run.close()
    return run


def test_time_cadence_is_bounded_by_the_rate(tmp_path, monkeypatch):
    run = run_clocked(tmp_path, monkeypatch, 1000, wall_ms=1, cpu_ms=1)  # a quiet machine
    # one second, by both clocks: about 10 samples (and the closing one)
    assert W.RATE == 10 and 9 <= run.samples <= 12


def test_a_busy_machine_does_not_make_samples_more_frequent_per_step(tmp_path, monkeypatch):
    # each step takes 4x its CPU time by the clock (other programs get the core): 4 s by
    # the clock, 1 s of the script's CPU. By the clock alone that would be 40 samples,
    # 4x the cost per step; counted in CPU time it stays about 10
    run = run_clocked(tmp_path, monkeypatch, 4000, wall_ms=1, cpu_ms=0.25)
    assert 9 <= run.samples <= 12


def test_a_script_that_mostly_waits_still_samples_once_a_second(tmp_path, monkeypatch):
    run = run_clocked(tmp_path, monkeypatch, 5000, wall_ms=1, cpu_ms=0)  # 5 s, no CPU
    assert 5 <= run.samples <= 7


def test_run_closes_at_exit_and_opens_into_a_history(tmp_path):
    script = textwrap.dedent(
        f"""
        import torch, gradviz
        from torch import nn
        net = nn.Linear(2, 1)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        run = gradviz.watch(net, opt, name="atexit", logdir={str(tmp_path)!r}, every=2)
        for _ in range(9):
            loss = net(torch.ones(4, 2)).pow(2).mean()
            opt.zero_grad(); loss.backward(); opt.step()
            run.log(loss=loss)
        # no close(): the run closes when the interpreter exits
        """
    )
    env = {"GRADVIZ_CONFIG_DIR": str(tmp_path / "cfg"), "OMP_NUM_THREADS": "1"}
    import os

    subprocess.run(
        [sys.executable, "-c", script], check=True, timeout=120, env={**os.environ, **env}
    )
    meta = json.loads((tmp_path / "atexit" / "meta.json").read_text())
    assert meta["format"] == "gradviz-run" and meta["layers"] == ["model"]
    reports = RunReader(tmp_path / "atexit").read_new()
    assert reports[-1].status == "finished"
    h = RunHistory()
    h.extend(reports)
    assert len(h.series["train_loss"]) >= 4 and len(h.series["grad_norm/model"]) >= 4


def test_reader_skips_bad_lines_and_waits_for_half_written_ones(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "meta.json").write_text('{"format": "gradviz-run", "name": "r"}')
    (folder / "events.jsonl").write_text(
        '{"step": 1, "loss": 0.5}\n{"step": "x"}\nnot json\n{"step": 2, "lo'
    )
    reader = RunReader(folder)
    first = reader.read_new()
    assert [r.step for r in first] == [1] and reader.skipped == 2
    with (folder / "events.jsonl").open("a") as fh:
        fh.write('ss": 0.25}\n')
    assert [(r.step, r.train_loss) for r in reader.read_new()] == [(2, 0.25)]
    with pytest.raises(RecordError, match="not a gradviz run"):
        RunReader(tmp_path)


@pytest.mark.parametrize(
    "record",
    [
        {"step": -1},
        {"step": 1, "grad_norms": {"a": "big"}},
        {"step": 1, "weight_hists": {"a": {"lo": 0, "hi": 1, "counts": [1] * 5000}}},
        {"step": 1, "grad_norms": {"x" * 500: 1.0}},
        [1, 2],
    ],
)
def test_bad_records_are_refused(record):
    with pytest.raises(RecordError):
        to_report(record)


def test_activation_histograms_come_now_and_then_and_the_history_takes_them(tmp_path):
    net, x, y = tiny()
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    with W.watch(
        net, opt, name="h", logdir=tmp_path, every=1, activations=True, connect=False
    ) as run:
        for _ in range(12):
            loss = nn.functional.mse_loss(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            run.log(loss=loss)
    h = RunHistory()
    h.extend(RunReader(tmp_path / "h").read_new())
    assert len(h.series["act_mean/1"]) >= 12  # statistics every sample
    assert len(h.rows["act/1"]) == 2  # histograms with samples 0 and 10 only
