"""The lessons run through the console exactly as the script runs, and teach what they say."""

from __future__ import annotations

import math

import pytest
import torch

from gradviz.core.lessons import lesson_files, load_lesson
from gradviz.core.workspace import Workspace
from gradviz.resources import resource_path

LESSONS = lesson_files(resource_path("lessons"))


def test_the_three_lessons_are_there():
    titles = {load_lesson(p).title for p in LESSONS}
    assert {
        "the two-layer net written four ways",
        "linear regression from scratch (d2l 3.2), a hand-written SGD loop",
        "gradients accumulate; zero_() starts again",
    } <= titles


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_step_has_one_line_of_explanation_and_runs(path, one_torch_thread):
    lesson = load_lesson(path)
    assert lesson.steps and lesson.intro
    ws = Workspace()
    for step in lesson.steps:
        assert step.explanation and "\n" not in step.explanation
        ws.run_code(step.code, write=lambda _s: None)
    # the steps together are the script: running the file gives the same tensors
    plain: dict = {"__name__": "__main__"}
    exec(compile(path.read_text(), str(path), "exec"), plain)
    for name in ws.names():
        if isinstance(plain.get(name), torch.Tensor) and name not in {"batch", "X", "y", "l"}:
            assert torch.equal(ws[name].detach(), plain[name].detach()), name


def test_four_ways_agree_and_hand_gradients_match_autograd(one_torch_thread):
    lesson = load_lesson(resource_path("lessons", "four_ways.py"))
    ws = Workspace()
    out: list[str] = []
    for step in lesson.steps:
        ws.run_code(step.code, write=out.append)
    results = ws.namespace["results"]
    assert list(results) == ["numpy by hand", "torch by hand", "autograd", "nn + optim"]
    first = results["numpy by hand"]
    assert all(math.isclose(v, first, rel_tol=1e-9) for v in results.values())
    assert ws.namespace["diff_w1"] < 1e-9 and ws.namespace["diff_w2"] < 1e-9
    assert "max |hand - autograd| gradient" in "".join(out)
    # every autograd and nn step was recorded; the hand-written ways made no backward call
    assert len(ws.backward_calls) == 100 + 100 + 1
