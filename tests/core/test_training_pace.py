"""A watchable pace: the loop waits on its condition with a timeout between steps, it never
spins; pause, cancel and a new pace wake it at once; "until paused" is an open-ended run."""

from __future__ import annotations

import threading

import pytest

from gradviz.core.training.config import UNTIL_PAUSED, default_config
from gradviz.core.training.loop import MetricOptions, TrainState, train
from gradviz.core.training.report import progress_text
from gradviz.core.training.session import TrainSession

pytestmark = pytest.mark.usefixtures("one_torch_thread")
QUIET = MetricOptions(
    report_interval=0.0, histograms=False, activations=False, boundary=False, evaluate=False
)


class FakeClock:
    """Time that moves only when the loop waits: a wait of t seconds advances it by t."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now


class CountingCondition:
    """A condition whose timed wait returns at once, advancing the fake clock instead."""

    def __init__(self, clock: FakeClock) -> None:
        self._real = threading.Condition()
        self.clock = clock
        self.waits: list[float] = []

    def __enter__(self):
        return self._real.__enter__()

    def __exit__(self, *exc):
        return self._real.__exit__(*exc)

    def notify_all(self) -> None:
        self._real.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None and timeout > 0, "the paced loop must sleep, not spin"
        self.waits.append(timeout)
        self.clock.now += timeout
        return False


def test_a_paced_run_sleeps_once_per_step_for_the_pace_interval():
    steps, pace = 30, 20.0
    session = TrainSession(default_config("moons", steps=steps))
    clock = FakeClock()
    state = TrainState(options=QUIET, pace=pace, clock=clock)
    cond = state._cond = CountingCondition(clock)
    start = clock.now
    result = train(session, state)
    assert result.status == "finished" and result.step == steps
    # one sleep between consecutive steps, each the whole interval: no polling loop
    assert len(cond.waits) == steps - 1
    assert all(w == pytest.approx(1 / pace) for w in cond.waits)
    assert clock.now - start == pytest.approx((steps - 1) / pace)
    assert clock.reads <= 3 * steps  # the clock is read a few times a step, not in a spin


def test_as_fast_as_possible_never_waits():
    session = TrainSession(default_config("moons", steps=20))
    clock = FakeClock()
    state = TrainState(options=QUIET, pace=None, clock=clock)
    cond = state._cond = CountingCondition(clock)
    assert train(session, state).step == 20
    assert cond.waits == []


def _run_in_thread(session: TrainSession, state: TrainState) -> threading.Thread:
    thread = threading.Thread(target=train, args=(session, state), daemon=True)
    thread.start()
    return thread


def test_cancel_and_a_new_pace_wake_a_waiting_step():
    session = TrainSession(default_config("moons", steps=5))
    first = threading.Event()
    state = TrainState(
        options=QUIET,
        pace=1e-6,  # one step every 11 days: only a wake-up can move it on
        on_report=lambda r: first.set() if r.step >= 1 else None,
    )
    thread = _run_in_thread(session, state)
    assert first.wait(30)
    state.set_pace(None)  # as fast as possible: the waiting step goes now
    thread.join(30)
    assert not thread.is_alive() and session.step == 5

    session = TrainSession(default_config("moons", steps=5))
    first.clear()
    state = TrainState(
        options=QUIET, pace=1e-6, on_report=lambda r: first.set() if r.step >= 1 else None
    )
    thread = _run_in_thread(session, state)
    assert first.wait(30)
    state.cancel()
    thread.join(30)
    assert not thread.is_alive() and session.step == 1


def test_until_paused_is_open_ended_and_only_for_2d_demos():
    config = default_config("spiral", steps=UNTIL_PAUSED).validate()
    assert config.until_paused
    session = TrainSession(config)
    reports = []
    state = TrainState(options=QUIET, on_report=reports.append)
    state.step(3)  # three granted steps, then it waits paused
    thread = _run_in_thread(session, state)
    thread.join(0)
    state.cancel()
    thread.join(30)
    text = progress_text(reports[-1])
    assert "until paused" in text and f"{UNTIL_PAUSED:,}" not in text
