"""Cancel lands inside a long step (issue 13 fault 4): before the next layer's forward,
or the next parameter's backward, and the step in flight is dropped whole."""

from __future__ import annotations

import threading
import time

import pytest
import torch
from torch import nn

from gradviz.core.training import loop
from gradviz.core.training.config import default_config
from gradviz.core.training.loop import TrainState, train
from gradviz.core.training.session import TrainSession

pytestmark = pytest.mark.usefixtures("one_torch_thread")

WAIT = 30  # seconds; only reached if the code under test hangs


class Gate(nn.Module):
    """Blocks its forward (at one step) until the test lets it go: a layer that takes as
    long as the test wants, without timing anything."""

    def __init__(self, session: TrainSession, at_step: int) -> None:
        super().__init__()
        self.session, self.at_step = session, at_step
        self.entered, self.release = threading.Event(), threading.Event()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        if self.training and self.session.step == self.at_step:
            self.entered.set()
            assert self.release.wait(WAIT)
        return x


class Counter(nn.Module):
    """Counts training forwards (evaluations run in eval mode and are not counted)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x):
        self.calls += self.training
        return x


def _run_in_thread(session, state):
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("result", train(session, state)))
    t.start()
    return t, out


def _params(session):
    return [p.detach().clone() for p in session.model.parameters()]


class Sleepy(nn.Module):
    """Every training step takes ``seconds`` longer: a model slow on every step."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def forward(self, x):
        if self.training:
            time.sleep(self.seconds)
        return x


@pytest.mark.parametrize(
    ("at_step", "slow"),
    [(0, 0.0), (11, 2 * loop.GUARDED_STEP_S)],
    ids=["first-step", "every-step-slow"],
)
def test_cancel_during_a_slow_layer_stops_before_the_next_layer_and_drops_the_step(at_step, slow):
    """The hooks are on from the start, and stay on while steps are long (step 11 starts
    a new epoch: the dropped step must also give back the permutation it drew)."""
    session = TrainSession(default_config("moons", epochs=50))
    gate, after = Gate(session, at_step=at_step), Counter()
    original = session.model
    session.model = nn.Sequential(Sleepy(slow), gate, after, original)
    twin = TrainSession(default_config("moons", epochs=50))  # the oracle: plain steps
    twin.total_steps = at_step
    train(twin, TrainState())

    state = TrainState()
    thread, out = _run_in_thread(session, state)
    assert gate.entered.wait(WAIT)
    before = _params(session)
    calls_before = after.calls
    state.cancel()
    gate.release.set()
    thread.join(WAIT)
    result = out["result"]
    assert result.status == "stopped" and result.step == at_step
    assert after.calls == calls_before  # the layer after the gate never ran
    for p, q in zip(before, session.model.parameters(), strict=True):
        assert torch.equal(p, q)
    # the dropped batch comes again: the next batch is the one the twin takes next
    for p, q in zip(twin.model.parameters(), original.parameters(), strict=True):
        assert torch.equal(p, q)
    session.model = original
    for s in (session, twin):
        s.total_steps = 20
        train(s, TrainState())
    for p, q in zip(twin.model.parameters(), session.model.parameters(), strict=True):
        assert torch.equal(p, q)


class _SlowBackward(torch.autograd.Function):
    gate: Gate

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        gate = _SlowBackward.gate
        gate.entered.set()
        assert gate.release.wait(WAIT)
        return grad


class BackwardGate(nn.Module):
    def forward(self, x):
        return _SlowBackward.apply(x)


def test_cancel_during_a_slow_backward_drops_the_step_before_the_optimizer():
    session = TrainSession(default_config("moons", epochs=50, hidden=(8, 8)))
    gate = Gate(session, at_step=-1)
    _SlowBackward.gate = gate
    m = session.model
    # the gate sits after fc1: its backward runs before fc1's gradients exist
    session.model = nn.Sequential(m.fc1, BackwardGate(), *list(m.children())[1:])
    state = TrainState()
    before = _params(session)
    thread, out = _run_in_thread(session, state)
    assert gate.entered.wait(WAIT)
    state.cancel()
    gate.release.set()
    thread.join(WAIT)
    result = out["result"]
    assert result.status == "stopped" and result.step == 0
    for p, q in zip(before, session.model.parameters(), strict=True):
        assert torch.equal(p, q)  # the optimizer never stepped
    assert all(p.grad is None for p in session.model.parameters())


def test_hooks_are_gone_after_the_run_and_a_copy_of_the_model_runs_freely():
    import copy

    session = TrainSession(default_config("moons", steps=3))
    state = TrainState()
    train(session, state)
    assert all(not m._forward_pre_hooks for m in session.model.modules())
    assert all(not p._backward_hooks for p in session.model.parameters())
    copy.deepcopy(session.model)(session.data.x_train[:4])  # "Inspect this step"
