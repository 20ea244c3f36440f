"""``gradviz train`` and ``gradviz devices`` end to end."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
import torch

from gradviz.cli import main
from gradviz.core.training.checkpoint import load_checkpoint

KEYS = {
    "demo",
    "device",
    "status",
    "steps",
    "epochs",
    "final_loss",
    "train_accuracy",
    "test_accuracy",
    "steps_per_second",
    "train_seconds",
    "metrics_seconds",
    "eval_seconds",
    "params",
}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_linreg_json_learns_w_and_b_within_0_01(tmp_path):
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-m", "gradviz", "train", "--demo", "linreg", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "OMP_NUM_THREADS": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert set(data) == KEYS
    assert data["demo"] == "linreg" and data["device"] == "cpu"
    assert data["steps"] == 300 and data["epochs"] == 3
    assert data["train_accuracy"] is None and data["test_accuracy"] is None
    assert abs(data["params"]["w"][0] - 2.0) < 0.01
    assert abs(data["params"]["w"][1] + 3.4) < 0.01
    assert abs(data["params"]["b"] - 4.2) < 0.01
    assert data["final_loss"] < 1e-3 and data["steps_per_second"] > 0
    assert "step 300 / 300" in proc.stderr  # the progress bar went to stderr
    assert "w = [" in proc.stdout


def test_classifier_run_writes_json_csv_and_a_loadable_checkpoint(tmp_path, capsys):
    j, c, k = tmp_path / "m.json", tmp_path / "m.csv", tmp_path / "m.pt"
    argv = ["train", "--demo", "gauss", "--epochs", "5", "--hidden", "4", "--seed", "3"]
    argv += ["--optimizer", "sgd_momentum", "--lr", "0.1", "--batch-size", "16"]
    argv += ["--json", str(j), "--csv", str(c), "--checkpoint", str(k), "-q"]
    assert main(argv) == 0
    data = json.loads(j.read_text())
    assert data["test_accuracy"] > 0.9 and data["params"] is None
    assert data["steps"] == 5 * 22  # 350 training points in batches of 16
    rows = list(csv.reader(c.open()))
    assert rows[0][:3] == ["step", "train_loss", "full_train_loss"]
    assert len(rows) >= 6  # one row at least per epoch
    session = load_checkpoint(k)
    assert session.config.optimizer == "sgd_momentum" and session.config.seed == 3
    assert session.step == data["steps"]
    assert capsys.readouterr().err == ""  # -q: no progress bar


def test_steps_instead_of_epochs(tmp_path, capsys):
    j = tmp_path / "s.json"
    assert main(["train", "--demo", "moons", "--steps", "7", "--json", str(j), "-q"]) == 0
    data = json.loads(j.read_text())
    assert data["steps"] == 7 and data["epochs"] == round(7 / 11, 3)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--demo", "mnist"], "unknown demo 'mnist'"),
        (["--demo", "spiral", "--optimizer", "lbfgs"], "unknown optimizer 'lbfgs'"),
        (["--demo", "spiral", "--activation", "swish"], "unknown activation 'swish'"),
        (["--demo", "spiral", "--device", "tpu"], "unknown device 'tpu'"),
        (["--demo", "spiral", "--lr", "-1"], "learning rate"),
        (["--demo", "spiral", "--hidden", "16,x"], "--hidden"),
        (["--demo", "spiral", "--epochs", "two"], "invalid int value: 'two'"),
        (["--demo", "spiral", "--epochs", "2", "--steps", "3"], "not allowed with"),
        (["--demo", "spiral", "--json", "/no/such/dir/o.json"], "--json: cannot write"),
        (["--demo", "spiral", "--csv", "."], "--csv: cannot write"),
        ([], "--demo is required"),
    ],
)
def test_errors_exit_non_zero_with_one_clear_line(argv, words, capsys):
    assert _exit_code(["train", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("gradviz train: error: ")
    assert words in err


def _exit_code(argv: list[str]) -> int:
    """main's return value, or the code argparse exits with on a malformed option."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_unavailable_cuda_is_refused(capsys, tmp_path):
    out = tmp_path / "o.json"
    assert main(["train", "--demo", "spiral", "--device", "cuda", "--json", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "gradviz train: error: device 'cuda' is not available: no CUDA GPU here"
    assert not out.exists()  # nothing written


def test_nan_run_says_so_and_exits_non_zero(tmp_path, capsys):
    j = tmp_path / "nan.json"
    assert main(["train", "--demo", "linreg", "--lr", "5", "--json", str(j), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "the loss became inf" in err
    assert "'linear'" in err
    assert json.loads(j.read_text())["final_loss"] is None


def test_devices_lists_name_and_memory(capsys):
    assert main(["devices"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("cpu ") and "GiB" in lines[0]
    assert any(line.startswith("cuda") for line in lines)
    assert any(line.startswith("mps") for line in lines)
    assert main(["devices", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    cpu = rows[0]
    assert cpu["device"] == "cpu" and cpu["available"] and cpu["memory_bytes"] > 0
    if not torch.cuda.is_available():
        cuda = next(r for r in rows if r["device"].startswith("cuda"))
        assert not cuda["available"] and "not available" in cuda["name"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_cuda_train_and_devices(tmp_path, capsys):
    j = tmp_path / "cuda.json"
    assert main(["train", "--demo", "moons", "--device", "cuda", "--json", str(j), "-q"]) == 0
    data = json.loads(j.read_text())
    assert data["device"] == "cuda:0" and data["test_accuracy"] > 0.9
    main(["devices"])
    out = capsys.readouterr().out
    assert "cuda:0" in out and torch.cuda.get_device_name(0) in out


def test_the_cli_knows_the_same_demos_as_the_core():
    from gradviz.commands.train import DEMOS as CLI_DEMOS
    from gradviz.core.training.config import DEMOS as CORE_DEMOS

    assert CLI_DEMOS == CORE_DEMOS  # the CLI keeps its own copy so --help needs no torch


# -- outputs: devices refused, links written through, modes kept (issue 13 fault 1) ----


def _private_char_device(tmp_path, name: str, minor: int):
    """As root, never aim at the real /dev/null: an unfixed save would turn it into a file."""
    import os
    import stat

    if os.geteuid() != 0:
        return f"/dev/{name}"
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except OSError as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return str(path)


@pytest.mark.parametrize(
    ("flag", "name", "minor"), [("--checkpoint", "null", 3), ("--csv", "full", 7)]
)
def test_a_device_as_output_is_refused_before_training(tmp_path, capsys, flag, name, minor):
    import os
    import stat

    device = _private_char_device(tmp_path, name, minor)
    assert _exit_code(["train", "--demo", "moons", "--steps", "3", flag, device, "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"{flag}: cannot write" in err and "not a regular file" in err
    assert stat.S_ISCHR(os.stat(device).st_mode)


def test_outputs_go_through_symlinks_and_keep_the_files_mode(tmp_path, capsys):
    import os
    import stat

    real_csv, real_pt = tmp_path / "real.csv", tmp_path / "real.pt"
    real_csv.write_text("old")
    real_csv.chmod(0o644)
    (tmp_path / "m.csv").symlink_to(real_csv)
    (tmp_path / "m.pt").symlink_to(real_pt)  # dangling: the target is created
    argv = ["train", "--demo", "moons", "--steps", "3", "-q"]
    argv += ["--csv", str(tmp_path / "m.csv"), "--checkpoint", str(tmp_path / "m.pt")]
    old = os.umask(0o022)
    try:
        assert main(argv) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "m.csv").is_symlink() and (tmp_path / "m.pt").is_symlink()
    assert real_csv.read_text().startswith("step,")
    assert stat.S_IMODE(real_csv.stat().st_mode) == 0o644
    assert stat.S_IMODE(real_pt.stat().st_mode) == 0o644  # not mkstemp's 0600
    assert load_checkpoint(real_pt).step == 3


# -- Ctrl-C writes what was done (issue 13 fault 13) -------------------------------------


def test_ctrl_c_writes_csv_json_and_checkpoint_for_the_steps_done_and_exits_130(tmp_path):
    import os
    import signal

    j, c, k = tmp_path / "i.json", tmp_path / "i.csv", tmp_path / "i.pt"
    argv = [sys.executable, "-m", "gradviz", "train", "--demo", "spiral", "--steps"]
    argv += ["100000000", "--json", str(j), "--csv", str(c), "--checkpoint", str(k)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    try:
        first = proc.stderr.readline()  # the progress line of the first report: training runs
        assert b"step" in first, first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err.decode()
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith("gradviz train: interrupted after ")
    assert "wrote csv, json, checkpoint" in last
    data = json.loads(j.read_text())
    assert data["status"] == "interrupted"
    steps = data["steps"]
    assert f"after {steps:,} of 100,000,000 steps" in last
    rows = list(csv.reader(c.open()))
    assert rows[0][0] == "step" and int(rows[-1][0]) == steps  # the last report: the stop
    session = load_checkpoint(k)
    assert session.step == steps


def _count_metric_calls(monkeypatch) -> dict[str, int]:
    from gradviz.core.training import metrics as M

    calls = {"loss_and_accuracy": 0, "layer_grad_norms": 0}
    for name in calls:
        real = getattr(M, name)

        def counted(*a, _real=real, _name=name, **k):
            calls[_name] += 1
            return _real(*a, **k)

        monkeypatch.setattr(M, name, counted)
    return calls


def test_without_csv_training_computes_no_metrics_and_times_steps_apart(tmp_path, monkeypatch):
    calls = _count_metric_calls(monkeypatch)
    out = tmp_path / "s.json"
    argv = ["train", "--demo", "spiral", "--hidden", "8", "--steps", "400"]
    assert main([*argv, "--batch-size", "64", "--json", str(out), "-q"]) == 0
    data = json.loads(out.read_text())
    # nothing evaluated during the 400 steps: only the final evaluation (train and test)
    assert calls == {"loss_and_accuracy": 2, "layer_grad_norms": 0}
    assert data["train_seconds"] > 0 and data["metrics_seconds"] >= 0
    assert data["eval_seconds"] > 0
    assert data["steps_per_second"] == pytest.approx(400 / data["train_seconds"], rel=0.01)


def test_with_csv_every_epoch_is_still_evaluated(tmp_path, monkeypatch):
    calls = _count_metric_calls(monkeypatch)
    c = tmp_path / "m.csv"
    argv = ["train", "--demo", "gauss", "--epochs", "4", "--hidden", "4", "--batch-size", "50"]
    assert main([*argv, "--csv", str(c), "-q"]) == 0
    rows = list(csv.DictReader(c.open()))
    evaluated = [r for r in rows if r.get("full_train_loss")]
    assert len(evaluated) >= 4  # at least one evaluation per epoch, as before
    assert calls["layer_grad_norms"] > 0 and "grad_norm/fc1" in rows[0]


@pytest.mark.parametrize("device_metrics", [False, True])  # True: the cuda path, on the cpu
def test_headless_options_report_progress_and_skip_metrics(device_metrics, monkeypatch):
    from gradviz.commands.train import _headless_options
    from gradviz.core.training.config import default_config
    from gradviz.core.training.loop import MetricOptions, TrainState, train
    from gradviz.core.training.session import TrainSession

    calls = _count_metric_calls(monkeypatch)
    session = TrainSession(default_config("spiral").replace(steps=300, epochs=None))
    reports = []
    options = _headless_options(MetricOptions, csv=False, live_bar=False)
    state = TrainState(on_report=reports.append, options=options, device_metrics=device_metrics)
    result = train(session, state)
    assert result.status == "finished" and reports[-1].step == 300
    assert any(r.train_loss is not None for r in reports)  # what the progress bar prints
    assert calls == {"loss_and_accuracy": 0, "layer_grad_norms": 0}
    if not device_metrics:  # by progress on the cpu: a line per 10 % for a log file
        assert len({r.step for r in reports if r.status == "running"}) >= 10
