"""The gradient doctor: real nets flagged (and not flagged), and each rule at its threshold."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from gradviz.core.training import doctor as D
from gradviz.core.training.config import DEMOS, default_config
from gradviz.core.training.loop import MetricOptions, TrainState, train
from gradviz.core.training.metrics import ActivationStats, Histogram, activation_stats
from gradviz.core.training.report import Report
from gradviz.core.training.session import TrainSession
from gradviz.core.training.update_ratio import UpdateRatioProbe

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def diagnose(config, tweak=None) -> list[D.Verdict]:
    session = TrainSession(config.validate())
    if tweak is not None:
        tweak(session)
    doc = D.Doctor()
    state = TrainState(
        on_report=doc.observe, options=MetricOptions(boundary=False), on_nonfinite="stop"
    )
    train(session, state)
    return doc.verdicts()


def kinds(verdicts) -> set[tuple[str, str]]:
    return {(v.kind, v.layer) for v in verdicts}


@pytest.mark.parametrize("demo", DEMOS)
def test_default_demos_get_a_clean_bill(demo):
    assert diagnose(default_config(demo)) == []


def test_ten_layer_sigmoid_mlp_is_flagged_vanishing_at_the_first_layers():
    config = default_config("spiral", hidden=(32,) * 9, activation="sigmoid", epochs=5)
    verdicts = diagnose(config)
    found = kinds(verdicts)
    assert ("vanishing", "fc1") in found and ("vanishing", "fc2") in found
    assert ("vanishing", "out") not in found  # the reference layer itself
    v = next(v for v in verdicts if (v.kind, v.layer) == ("vanishing", "fc1"))
    assert v.value < D.VANISHING_RATIO
    assert "fc1" in v.sentence and v.threshold == D.RULES["vanishing"][1]


def test_huge_learning_rate_is_flagged_exploding():
    verdicts = diagnose(default_config("linreg", lr=1.5))
    assert ("exploding", "linear") in kinds(verdicts)


def test_nonfinite_names_the_first_layer_in_backward_order():
    verdicts = diagnose(default_config("twolayer", optimizer="sgd", lr=1e-2))
    first = verdicts[0]
    assert first.kind == "nonfinite" and first.layer == "linear2"


def test_relu_net_with_large_negative_bias_is_flagged_dead():
    def negative_bias(session):
        with torch.no_grad():
            for _name, m in session.layers[:-1]:
                m.bias.fill_(-5.0)

    config = default_config("spiral", activation="relu", epochs=5)
    found = kinds(diagnose(config, negative_bias))
    assert {("dead", "relu1"), ("dead", "relu2"), ("dead", "relu3")} <= found


# -- each rule on both sides of its threshold, from synthetic reports ------------------------


def feed(reports) -> set[tuple[str, str]]:
    doc = D.Doctor()
    for r in reports:
        doc.observe(r)
    return kinds(doc.verdicts())


def rep(step, **kw) -> Report:
    return Report(step=step, total_steps=100, steps_per_epoch=10, **kw)


@pytest.mark.parametrize("ratio, flagged", [(2e-3, False), (5e-4, True)])
def test_vanishing_threshold(ratio, flagged):
    found = feed(rep(i, grad_norms={"a": ratio, "b": 1.0}) for i in range(5))
    assert (("vanishing", "a") in found) == flagged


@pytest.mark.parametrize("growth, flagged", [(50.0, False), (200.0, True)])
def test_exploding_threshold(growth, flagged):
    norms = [1.0] * 3 + [growth] * 8
    found = feed(rep(i, grad_norms={"a": n, "b": 1.0}) for i, n in enumerate(norms))
    assert (("exploding", "a") in found) == flagged


def act(dead=math.nan, saturated=math.nan) -> ActivationStats:
    return ActivationStats(0.0, 1.0, dead, Histogram(0.0, 1.0, torch.zeros(4).numpy()), saturated)


@pytest.mark.parametrize("frac, flagged", [(0.4, False), (0.6, True)])
def test_dead_threshold(frac, flagged):
    found = feed(rep(i, act_stats={"relu1": act(dead=frac)}) for i in range(4))
    assert (("dead", "relu1") in found) == flagged


def test_dead_means_never_active_over_the_window():
    fracs = [0.9, 0.9, 0.1, 0.9]  # once, most units fired: they are not dead
    found = feed(rep(i, act_stats={"relu1": act(dead=f)}) for i, f in enumerate(fracs))
    assert ("dead", "relu1") not in found


@pytest.mark.parametrize("frac, flagged", [(0.9, False), (0.99, True)])
def test_saturation_threshold(frac, flagged):
    found = feed(rep(i, act_stats={"tanh1": act(saturated=frac)}) for i in range(4))
    assert (("saturated", "tanh1") in found) == flagged


@pytest.mark.parametrize("ratio, kind", [(1e-3, None), (0.5, "update_high"), (1e-7, "update_low")])
def test_update_ratio_thresholds(ratio, kind):
    found = feed(rep(i, update_ratios={"a": ratio}, train_loss=1.0) for i in range(4))
    assert {k for k, _l in found} == ({kind} if kind else set())


def test_tiny_updates_are_fine_once_the_loss_has_converged():
    losses = [10.0, 10.0, 10.0, 1e-3, 1e-3, 1e-3, 1e-3]
    found = feed(
        rep(i, update_ratios={"a": 1e-7}, train_loss=loss) for i, loss in enumerate(losses)
    )
    assert ("update_low", "a") not in found


def test_verdict_keeps_the_step_its_streak_began_and_clears_when_healed():
    doc = D.Doctor()
    for i in range(3):
        doc.observe(rep(10 + i, grad_norms={"a": 1.0, "b": 1.0}))
    for i in range(8):
        doc.observe(rep(20 + i, grad_norms={"a": 1e-6, "b": 1.0}))
    (v,) = doc.verdicts()
    assert v.kind == "vanishing" and 20 <= v.since_step <= 27
    for i in range(8):
        doc.observe(rep(40 + i, grad_norms={"a": 1.0, "b": 1.0}))
    assert doc.verdicts() == []


# -- the measurements the doctor reads, against torch by hand --------------------------------


def test_update_ratio_probe_matches_a_hand_computed_step():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    layers = [("0", net[0]), ("2", net[2])]
    probe = UpdateRatioProbe(opt, layers)
    before = [[p.detach().clone() for p in m.parameters()] for _n, m in layers]
    net(torch.randn(8, 3)).pow(2).mean().backward()
    opt.step()
    expected = []
    with torch.no_grad():
        for (_n, m), old in zip(layers, before, strict=True):
            new = list(m.parameters())
            step = sum(float((a - b).pow(2).sum()) for a, b in zip(new, old, strict=True))
            size = sum(float(b.pow(2).sum()) for b in old)
            expected.append(math.sqrt(step) / math.sqrt(size))
    # disarmed after one measurement: a second step leaves the first one's ratios alone
    opt.step()
    assert probe.take().tolist() == pytest.approx(expected, rel=1e-5)
    assert probe.take() is None  # re-armed, but no step since
    probe.close()


def test_saturated_fraction_counts_outputs_on_the_tails():
    x = torch.tensor([[-10.0, 0.0, 10.0, 0.5]])
    for module, expected in ((nn.Tanh(), 0.5), (nn.Sigmoid(), 0.5), (nn.ReLU(), math.nan)):
        net = nn.Sequential(module)
        stats, _out = activation_stats(net, x, [("0", module)])
        got = stats["0"].saturated_fraction
        assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)
