"""The training loop and its parts, with no Qt and no thread."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from gradviz.core.training import metrics as M
from gradviz.core.training.config import DEMOS, ConfigError, TrainConfig, default_config
from gradviz.core.training.datasets import TRUE_B, TRUE_W, make_dataset
from gradviz.core.training.loop import MetricOptions, TrainState, evaluate, train
from gradviz.core.training.report import Report
from gradviz.core.training.session import TrainSession

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run(config: TrainConfig, **state_kw) -> tuple[TrainSession, list[Report], object]:
    session = TrainSession(config)
    reports: list[Report] = []
    state = TrainState(on_report=reports.append, **state_kw)
    result = train(session, state)
    return session, reports, result


def weights(session: TrainSession) -> list[torch.Tensor]:
    return [p.detach().clone() for p in session.model.parameters()]


# -- the demos learn with their defaults -------------------------------------------


def test_linreg_defaults_are_the_d2l_settings():
    c = default_config("linreg")
    assert (c.optimizer, c.lr, c.batch_size, c.epochs, c.samples, c.noise) == (
        "sgd",
        0.03,
        10,
        3,
        1000,
        0.01,
    )
    s = TrainSession(c)
    assert isinstance(s.loss_fn, torch.nn.MSELoss) and s.loss_fn.reduction == "mean"
    assert s.total_steps == 300
    lin = s.model[0]
    assert tuple(lin.weight.shape) == (1, 2) and float(lin.bias.detach()) == 0.0
    assert lin.weight.abs().max() < 0.05  # normal_(0, 0.01)


def test_linreg_learns_true_w_and_b_within_0_01():
    session, reports, result = run(default_config("linreg"))
    assert result.status == "finished" and result.step == 300
    w = session.model[0].weight.detach().reshape(-1)
    b = float(session.model[0].bias.detach())
    assert torch.allclose(w, torch.tensor(TRUE_W), atol=0.01)
    assert abs(b - TRUE_B) < 0.01
    # the reported w and b are the model's
    assert reports[-1].params["w1"] == pytest.approx(float(w[0]))
    assert reports[-1].params["b"] == pytest.approx(b)


def test_twolayer_defaults_fit_the_random_targets():
    c = default_config("twolayer")
    assert (c.optimizer, c.lr, c.steps, c.hidden) == ("adam", 1e-4, 500, (100,))
    session = TrainSession(c)
    assert session.loss_fn.reduction == "sum"
    assert [n for n, _ in session.model.named_children()] == ["linear1", "relu", "linear2"]
    before = evaluate(session)["train_loss"]
    result = train(session, TrainState())
    after = evaluate(session)["train_loss"]
    assert result.step == 500
    assert after < before * 1e-3


@pytest.mark.parametrize("demo", ["circles", "xor", "gauss", "spiral", "moons"])
def test_2d_demos_pass_90_percent_test_accuracy_with_defaults(demo):
    session, _reports, result = run(default_config(demo))
    assert result.status == "finished"
    assert evaluate(session)["test_accuracy"] > 0.9


def test_multiclass_gauss_uses_cross_entropy_and_learns():
    session, reports, _ = run(default_config("gauss", classes=4, epochs=40))
    assert isinstance(session.loss_fn, torch.nn.CrossEntropyLoss)
    assert session.model.out.out_features == 4
    assert reports[-1].boundary.shape == (48, 48, 4)
    assert evaluate(session)["test_accuracy"] > 0.9


# -- reproducibility, cancel, pause and step ---------------------------------------


def test_same_seed_same_run_and_metrics_do_not_change_training():
    quick = default_config("spiral", epochs=3)
    a, ra, _ = run(quick)
    # reports on every step and full detail each time: metrics must not touch the RNG
    busy = MetricOptions(report_interval=0.0, detail_interval=0.0)
    b, rb, _ = run(quick, options=busy)
    for p, q in zip(weights(a), weights(b), strict=True):
        assert torch.equal(p, q)
    assert len(rb) > len(ra)
    c, _, _ = run(quick.replace(seed=1))
    assert not torch.equal(weights(a)[0], weights(c)[0])


def test_cancel_stops_within_one_step():
    session = TrainSession(default_config("spiral", epochs=50))
    state = TrainState(options=MetricOptions(report_interval=0.0, detail_interval=1e9))
    seen = []

    def on_report(r: Report) -> None:
        seen.append(r.step)
        if r.step >= 25:
            state.cancel()

    state.on_report = on_report
    result = train(session, state)
    assert result.status == "stopped"
    assert result.step == 25  # no step ran after the cancel
    assert seen[-1] == 25


def test_pause_then_single_steps_then_cancel_without_threads():
    session = TrainSession(default_config("moons"))
    state = TrainState()
    state.pause()
    events: list[tuple[str, int]] = []

    def on_report(r: Report) -> None:
        events.append((r.status, r.step))
        if r.status == "paused":
            # steer from the report callback: step once, then three more, then stop
            if r.step == 0:
                state.step()
            elif r.step == 1:
                state.step(3)
            elif r.step == 4:
                state.cancel()

    state.on_report = on_report
    result = train(session, state)
    assert result.status == "stopped" and result.step == 4
    paused_at = [step for status, step in events if status == "paused"]
    assert paused_at[0] == 0 and 1 in paused_at and paused_at[-1] == 4
    assert events[-1] == ("stopped", 4)


def test_resume_runs_to_the_end():
    session = TrainSession(default_config("gauss", epochs=2))
    state = TrainState()
    state.pause()
    resumed = []

    def on_report(r: Report) -> None:
        if r.status == "paused" and not resumed:
            resumed.append(r.step)
            state.resume()

    state.on_report = on_report
    result = train(session, state)
    assert resumed == [0]
    assert result.status == "finished" and result.step == session.total_steps


def test_progress_report_fields():
    _, reports, result = run(default_config("linreg"))
    last = reports[-1]
    assert last.status == "finished" and last.step == 300 and last.total_steps == 300
    assert last.epoch == 3 and last.progress == 1.0
    assert last.steps_per_second and last.steps_per_second > 0
    assert result.steps_per_second > 0


# -- non-finite values and out-of-memory -------------------------------------------


def _break_fc1_gradient(session: TrainSession, at_step: int):
    """A backward hook that turns the gradient flowing into fc1 into nan once."""

    def hook(_module, grad_input, _grad_output):
        if session.step == at_step:
            return (torch.full_like(grad_input[0], math.nan),)
        return None

    return session.model.fc2.register_full_backward_hook(hook)


def test_nan_pauses_and_names_the_first_layer_whose_gradient_went_nonfinite():
    session = TrainSession(default_config("spiral", epochs=5))
    _break_fc1_gradient(session, at_step=10)
    state = TrainState()
    nan_reports = []

    def on_report(r: Report) -> None:
        if r.status == "nan":
            nan_reports.append(r)
            state.cancel()

    state.on_report = on_report
    result = train(session, state)
    assert result.status == "stopped"
    assert len(nan_reports) == 1
    r = nan_reports[0]
    assert r.nonfinite_layer == "fc1"
    assert "'fc1'" in r.message and "non-finite" in r.message
    assert "while the loss was finite" in r.message
    # the bad step was not applied: fc1, whose gradient was nan, still holds finite weights
    for name, p in session.model.named_parameters():
        assert torch.isfinite(p).all(), name
    assert result.step == 10 and r.step == 10


def _poison_one_fc1_weight_gradient(session: TrainSession, at_step: int, value: float):
    """A gradient hook that puts ``value`` into one element of fc1.weight's gradient, the
    first time step ``at_step`` runs (the loss stays finite: the forward never sees it)."""
    done = []

    def hook(grad: torch.Tensor) -> torch.Tensor | None:
        if session.step == at_step and not done:
            done.append(True)
            grad = grad.clone()
            grad[3, 1] = value
            return grad
        return None

    return session.model.fc1.weight.register_hook(hook)


@pytest.mark.parametrize("fused", [True, False], ids=["fused check", "sums fallback"])
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_one_nonfinite_gradient_element_behind_a_finite_loss_stops_at_that_step(
    monkeypatch, fused, value
):
    if not fused:  # the private fused op missing: the per-tensor sums must catch it too
        monkeypatch.delattr(torch, "_amp_foreach_non_finite_check_and_unscale_")
    session = TrainSession(default_config("spiral", steps=40))
    _poison_one_fc1_weight_gradient(session, at_step=17, value=value)
    result = train(session, TrainState(on_nonfinite="stop"))
    assert result.status == "nan" and result.step == 17
    assert "while the loss was finite" in result.message
    # the weights are exactly those after 17 good steps: the bad gradient was not applied
    reference = TrainSession(default_config("spiral", steps=17))
    train(reference, TrainState())
    for p, q in zip(weights(reference), weights(session), strict=True):
        assert torch.equal(p, q)


def test_a_run_resumed_after_a_nonfinite_gradient_checks_every_step_again():
    """After a hit the check is ready again: the good steps that follow pass, and a
    second bad gradient in the same run is caught at its own step."""
    session = TrainSession(default_config("spiral", steps=60))
    _poison_one_fc1_weight_gradient(session, at_step=10, value=math.nan)
    _poison_one_fc1_weight_gradient(session, at_step=30, value=math.inf)
    state = TrainState()  # the app's way: pause on a non-finite step
    flagged = []

    def on_report(r: Report) -> None:
        if r.status == "nan":
            flagged.append(r.step)
            state.resume() if len(flagged) == 1 else state.cancel()

    state.on_report = on_report
    result = train(session, state)
    assert flagged == [10, 30]
    assert result.status == "stopped" and result.step == 30


def test_huge_finite_gradients_are_not_mistaken_for_nonfinite():
    """Gradients whose sum overflows float32 are still finite: the run goes on."""
    session = TrainSession(default_config("spiral", steps=3, optimizer="sgd", lr=1e-38))
    session.model.fc1.weight.register_hook(lambda g: torch.full_like(g, 3e38))
    result = train(session, TrainState(on_nonfinite="stop"))
    assert result.status == "finished"


def test_the_loop_trains_bit_identically_to_a_bare_loop():
    """The gradient check multiplies every gradient by 1.0 in place: nothing may change."""
    config = default_config("spiral", steps=50)
    looped = TrainSession(config)
    train(looped, TrainState())
    bare = TrainSession(config)
    for _ in range(50):
        x, y = bare.next_batch()
        loss = bare.loss_fn(bare.model(x), y)
        bare.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        bare.optimizer.step()
    for p, q in zip(weights(bare), weights(looped), strict=True):
        assert torch.equal(p, q)


def test_nan_with_device_side_metrics_is_caught_at_report_time():
    session = TrainSession(default_config("spiral", epochs=5))
    _break_fc1_gradient(session, at_step=10)
    opts = MetricOptions(report_interval=0.0, detail_interval=1e9)
    state = TrainState(options=opts, device_metrics=True, on_nonfinite="stop")
    result = train(session, state)
    assert result.status == "nan"
    assert result.step <= 12  # caught at the first report after the bad step
    assert "fc1" in result.message or "out" in result.message


def test_out_of_memory_stops_with_a_message_and_leaves_the_model_usable():
    session = TrainSession(default_config("moons"))

    def hook(module, _inputs, _output):
        if module.training and session.step == 4:  # the 5th step runs out of memory
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    handle = session.model.fc1.register_forward_hook(hook)
    reports: list[Report] = []
    result = train(session, TrainState(on_report=reports.append))
    assert result.status == "error" and result.step == 4
    assert "out of memory" in result.message and "batch size" in result.message
    assert reports[-1].status == "error" and reports[-1].message == result.message
    # the weights are exactly those after 4 good steps
    reference = TrainSession(default_config("moons", steps=4))
    train(reference, TrainState())
    for p, q in zip(weights(reference), weights(session), strict=True):
        assert torch.equal(p, q)
    # and the model keeps working: it predicts, and training can go on
    handle.remove()
    assert torch.isfinite(session.model(session.data.x_test)).all()
    assert train(session, TrainState()).status == "finished"


def test_a_failing_step_reports_an_error_instead_of_raising():
    session = TrainSession(default_config("moons"))

    def hook(module, _inputs, _output):
        if module.training:
            raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (4x3 and 2x8)")

    session.model.out.register_forward_hook(hook)
    result = train(session, TrainState())
    assert result.status == "error" and "shapes" in result.message


# -- metrics are what autograd says -----------------------------------------------


def test_grad_norms_match_autograd():
    session = TrainSession(default_config("spiral"))
    x, y = session.data.x_train[:32], session.data.y_train[:32]
    loss = session.loss_fn(session.model(x), y)
    params = list(session.model.parameters())
    grads = torch.autograd.grad(loss, params, retain_graph=True)
    loss.backward()
    norms = [float(n) for n in M.layer_grad_norms(session.layers)]
    expected = []
    it = iter(grads)
    for _name, module in session.layers:
        k = len(list(module.parameters(recurse=False)))
        gs = [next(it) for _ in range(k)]
        expected.append(math.sqrt(sum(float((g.double() ** 2).sum()) for g in gs)))
    assert norms == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "elu", "leaky_relu", "gelu", "linear"])
def test_activation_curve_derivative_matches_autograd(name):
    x, f, df = M.activation_curve(name, -3, 3, 61)
    xt = torch.tensor(x, requires_grad=True)
    from gradviz.core.training.models import activation

    fn = activation(name)
    (grad,) = torch.autograd.grad(fn(xt).sum(), xt)
    assert np.allclose(f, fn(xt).detach().numpy())
    assert np.allclose(df, grad.numpy())
    if name == "sigmoid":  # and the textbook formula, sigmoid' = s (1 - s)
        assert np.allclose(df, f * (1 - f))
    if name == "relu":
        assert np.array_equal(df, (x > 0).astype(float))


def test_activation_stats_mean_std_dead_fraction():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())
    with torch.no_grad():
        model[0].bias[:2] = -100.0  # two of four units can never fire: dead
    x = torch.randn(200, 3)
    stats, out = M.activation_stats(model, x, [("relu", model[1])], bins=10)
    direct = model(x).detach()
    st = stats["relu"]
    assert st.dead_fraction == pytest.approx(0.5)
    assert st.mean == pytest.approx(float(direct.mean()), rel=1e-5)
    assert st.std == pytest.approx(float(direct.std(unbiased=False)), rel=1e-5)
    assert st.histogram.counts.sum() == direct.numel()
    assert torch.equal(out, direct)
    # hooks are gone afterwards
    assert not model[1]._forward_hooks


def test_histograms_count_every_value_and_resample_keeps_the_total():
    t = torch.randn(1000)
    h = M.histograms({"t": t}, bins=20)["t"]
    assert h.counts.sum() == 1000
    assert h.lo == pytest.approx(float(t.min())) and h.hi == pytest.approx(float(t.max()))
    ref, _ = np.histogram(t.numpy(), bins=20, range=(h.lo, h.hi))
    assert np.abs(h.counts - ref).sum() <= 2  # only float rounding at bin edges may differ
    wide = np.linspace(h.lo - 1, h.hi + 1, 33)
    assert M.resample_histogram(h, wide).sum() == pytest.approx(1000)
    assert np.allclose(M.resample_histogram(h, h.edges), h.counts)


def test_decision_grid_matches_the_model():
    session = TrainSession(default_config("moons"))
    window = (-1.0, 1.0, -0.5, 0.5)
    grid = M.decision_grid(session.model, window, 5, "binary", session.device)
    with torch.no_grad():
        p = torch.sigmoid(session.model(torch.tensor([[1.0, -0.5], [-1.0, 0.5]])))
    assert grid.shape == (5, 5)
    assert grid[0, 4] == pytest.approx(float(p[0]), rel=1e-5)  # row 0 is ymin, column 4 xmax
    assert grid[4, 0] == pytest.approx(float(p[1]), rel=1e-5)


def _no_tensors(value, path="report"):
    assert not isinstance(value, torch.Tensor), f"{path} is a live tensor"
    if isinstance(value, dict):
        for k, v in value.items():
            _no_tensors(v, f"{path}[{k!r}]")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _no_tensors(v, f"{path}[{i}]")
    elif hasattr(value, "__dataclass_fields__"):
        for k in value.__dataclass_fields__:
            _no_tensors(getattr(value, k), f"{path}.{k}")
    elif isinstance(value, np.ndarray):
        assert value.dtype != object
    else:
        assert value is None or isinstance(value, (int, float, str, bool)), path


def test_reports_carry_only_plain_values_and_numpy():
    for demo in ("linreg", "twolayer", "spiral"):
        _, reports, _ = run(default_config(demo, steps=3))
        assert reports[0].has_detail and reports[-1].has_detail
        for r in reports:
            _no_tensors(r)
    r = reports[-1]
    assert r.weight_hists and r.act_stats and r.boundary is not None


def test_detail_report_has_every_plot_input():
    _, reports, _ = run(default_config("spiral", steps=3))
    r = reports[-1]
    assert set(r.grad_norms) == {"fc1", "fc2", "fc3", "out"}
    assert set(r.weight_hists) == set(r.grad_hists) == {"fc1", "fc2", "fc3", "out"}
    assert set(r.act_stats) == {"tanh1", "tanh2", "tanh3"}
    assert r.boundary.shape == (48, 48) and r.boundary_window is not None
    assert 0 <= r.train_accuracy <= 1 and 0 <= r.test_accuracy <= 1
    _, reports, _ = run(default_config("twolayer", steps=3))
    assert reports[-1].prediction.shape == (64, 10)
    assert not math.isnan(reports[-1].act_stats["relu"].dead_fraction)


def test_device_side_metrics_never_read_the_loss_each_step(monkeypatch):
    """The CUDA path: no host read per step (each would be a GPU synchronisation)."""
    calls = {"item": 0, "to_host": 0}
    original_item, original_to_host = torch.Tensor.item, M.to_host

    def counting_item(self):
        # ours, not the optimizer's: by the caller's module, never by its file path (a
        # virtual environment inside a folder called gradviz holds torch's files too)
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.partition(".")[0] == "gradviz":
            calls["item"] += 1
        return original_item(self)

    def counting_to_host(tensors):
        calls["to_host"] += 1
        return original_to_host(tensors)

    monkeypatch.setattr(torch.Tensor, "item", counting_item)
    monkeypatch.setattr(M, "to_host", counting_to_host)
    # the counter counts a read from a gradviz module, wherever its file lies, and only that
    for module, path, counted in (
        ("gradviz.core.training.probe", "/somewhere/else/probe.py", 1),
        ("torch.optim.probe", "/home/me/gradviz/.venv/lib/torch/optim/probe.py", 0),
    ):
        probe = {"__name__": module}
        exec(compile("def read(t):\n    return t.item()\n", path, "exec"), probe)
        probe["read"](torch.tensor(1.0))
        assert calls["item"] == counted, module
        calls["item"] = 0
    opts = MetricOptions(report_interval=1e9, detail_interval=1e9, histogram_interval=1e9)
    transfers = []
    for steps in (100, 400):
        session = TrainSession(default_config("spiral", steps=steps))
        calls["to_host"] = calls["item"] = 0
        result = train(session, TrainState(options=opts, device_metrics=True))
        assert result.step == steps
        transfers.append(calls["to_host"])
    assert calls["item"] == 0
    # the first and the final report make a handful of transfers; steps add none
    assert transfers[0] == transfers[1] < 20


# -- config, data -------------------------------------------------------------------


def test_every_demo_default_is_valid_and_bad_settings_are_named():
    for demo in DEMOS:
        default_config(demo).validate()
    bad = {
        "lr": (-1.0, "learning rate"),
        "batch_size": (0, "batch size"),
        "optimizer": ("lbfgs", "unknown optimizer"),
        "activation": ("swish", "unknown activation"),
        "hidden": ((16, 0), "hidden size"),
        "test_fraction": (0.99, "test split"),
        "weight_decay": (math.nan, "weight decay"),
    }
    for key, (value, words) in bad.items():
        with pytest.raises(ConfigError, match=words):
            default_config("spiral", **{key: value}).validate()
    with pytest.raises(ConfigError, match="unknown demo"):
        default_config("mnist")
    with pytest.raises(ConfigError, match="either epochs or steps"):
        default_config("spiral").replace(steps=10).validate()
    assert default_config("spiral", steps=10).epochs is None


def test_config_round_trips_through_a_dict_and_rejects_junk():
    c = default_config("spiral", hidden=(8, 4), seed=3)
    assert TrainConfig.from_dict(c.to_dict()) == c
    with pytest.raises(ConfigError, match="unknown setting"):
        TrainConfig.from_dict({**c.to_dict(), "evil": 1})
    with pytest.raises(ConfigError, match="wrong type"):
        TrainConfig.from_dict({**c.to_dict(), "lr": "0.1"})


def test_datasets_are_deterministic_and_split():
    for demo in DEMOS:
        c = default_config(demo)
        a, b = make_dataset(c), make_dataset(c)
        assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_test, b.y_test)
        other = make_dataset(c.replace(seed=5))
        assert not torch.equal(a.x_train, other.x_train)
    d = make_dataset(default_config("spiral", samples=200, test_fraction=0.25))
    assert (d.n_train, d.n_test) == (150, 50)
    assert d.is_2d and d.task == "binary" and d.y_train.shape == (150, 1)
    lin = make_dataset(default_config("linreg"))
    assert lin.n_train == 1000 and lin.n_test == 0
    two = make_dataset(default_config("twolayer"))
    assert tuple(two.x_train.shape) == (64, 1000) and tuple(two.y_train.shape) == (64, 10)


def test_linreg_data_follows_the_true_line():
    d = make_dataset(default_config("linreg"))
    resid = d.y_train.reshape(-1) - (d.x_train @ torch.tensor(TRUE_W) + TRUE_B)
    assert float(resid.std()) == pytest.approx(0.01, rel=0.15)


def test_core_training_does_not_import_qt():
    code = (
        "import sys, gradviz.core.training.loop, gradviz.core.training.checkpoint, "
        "gradviz.core.training.export, gradviz.core.training.history;"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'superqt'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_cuda_run_keeps_metrics_on_device_and_learns():
    session, reports, result = run(default_config("moons", device="cuda"))
    assert session.device.type == "cuda"
    assert result.status == "finished"
    assert evaluate(session)["test_accuracy"] > 0.9
    for r in reports:
        _no_tensors(r)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_cuda_nan_is_detected():
    session = TrainSession(default_config("spiral", device="cuda", epochs=5))
    _break_fc1_gradient(session, at_step=10)
    opts = MetricOptions(report_interval=0.0, detail_interval=1e9)
    result = train(session, TrainState(options=opts, on_nonfinite="stop"))
    assert result.status == "nan"


def test_cpu_threads_apply_during_the_run_and_are_restored():
    torch.set_num_threads(2)
    try:
        seen = []
        state = TrainState(on_report=lambda r: seen.append(torch.get_num_threads()), cpu_threads=1)
        train(TrainSession(default_config("gauss", steps=5)), state)
        assert set(seen) == {1}
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(1)


@pytest.mark.parametrize("device_metrics", [False, True])  # True: the cuda path, on the cpu
def test_steps_per_second_counts_training_steps_not_reports(device_metrics):
    import time

    session = TrainSession(default_config("circles").replace(steps=60, epochs=None))
    slow = 0.02
    reports: list[Report] = []

    def on_report(r: Report) -> None:  # a slow consumer: its time is report time
        reports.append(r)
        time.sleep(slow)

    opts = MetricOptions(min_reports=10, min_details=2, min_histograms=1)
    state = TrainState(on_report=on_report, options=opts, device_metrics=device_metrics)
    result = train(session, state)
    timed = [r for r in reports if r.status == "running"]
    assert result.status == "finished" and result.steps_run == 60
    assert result.report_seconds >= slow * len(timed)
    assert result.train_seconds == pytest.approx(result.elapsed - result.report_seconds)
    assert result.steps_per_second == pytest.approx(60 / result.train_seconds)
