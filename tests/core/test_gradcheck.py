"""The numerical gradient check: finite differences in float64 against autograd."""

from __future__ import annotations

import math

import pytest
import torch

from gradviz.core.gradcheck import (
    GradCheckError,
    check_gradient,
    check_workspace_leaf,
    workspace_function,
)
from gradviz.core.workspace import Workspace


def test_smooth_function_passes_with_tiny_errors():
    x = torch.tensor([0.3, -1.2, 2.0])
    result = check_gradient(lambda t: (t.sin() * t).sum(), x)
    assert result.passed and result.torch_passed and result.ok
    assert result.checked == result.total == 3
    assert result.max_abs < 1e-8 and result.max_rel < 1e-7
    expected = (x.double().cos() * x.double() + x.double().sin()).tolist()
    assert torch.allclose(result.analytic, torch.tensor(expected, dtype=torch.float64))
    assert torch.allclose(result.numeric, result.analytic, atol=1e-8)


def test_vector_output_uses_v_like_backward():
    x = torch.tensor([1.0, 2.0])
    v = torch.tensor([0.5, -1.0])
    result = check_gradient(lambda t: t**3, x, v)
    assert result.ok
    assert torch.allclose(result.analytic, 3 * x.double() ** 2 * v.double())


def test_wrong_gradient_fails():
    class Wrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return g * t  # should be 2·t

    result = check_gradient(lambda t: Wrong.apply(t).sum(), torch.tensor([1.0, 2.0, 3.0]))
    assert not result.passed and result.torch_passed is False and not result.ok
    assert result.max_abs == pytest.approx(3.0, rel=1e-6)
    assert result.max_rel == pytest.approx(0.5, rel=1e-6)
    verdicts = {name: verdict for name, _, verdict in result.rows()}
    assert verdicts["max |autograd − numeric|"] == "FAIL"
    assert "FAIL" in result.text()


def test_kink_at_zero_is_caught():
    # relu has no derivative at 0: autograd uses 0, the central difference sees 0.5
    result = check_gradient(lambda t: torch.relu(t).sum(), torch.tensor([0.0, 1.0]))
    assert not result.passed
    assert result.max_abs == pytest.approx(0.5, abs=1e-6)
    assert torch.allclose(result.numeric, torch.tensor([0.5, 1.0], dtype=torch.float64))


def test_big_leaf_is_sampled_and_uses_fast_mode():
    x = torch.randn(20, 20)
    result = check_gradient(lambda t: (t.tanh() ** 2).sum(), x, max_elements=10)
    assert result.checked == 10 and result.total == 400
    assert result.ok and "fast" in result.torch_note
    assert int((~torch.isnan(result.numeric)).sum()) == 10
    assert "random 10 of 400" in dict((a, b) for a, b, _ in result.rows())["elements checked"]


def test_bad_inputs_are_refused_with_one_line():
    with pytest.raises(GradCheckError, match="floating-point"):
        check_gradient(lambda t: t.sum(), torch.tensor([1, 2]))
    with pytest.raises(GradCheckError, match="give a gradient v"):
        check_gradient(lambda t: t * 2, torch.tensor([1.0, 2.0]))
    with pytest.raises(GradCheckError, match="shape"):
        check_gradient(lambda t: t * 2, torch.tensor([1.0, 2.0]), torch.ones(3))


def _session() -> Workspace:
    ws = Workspace()
    ws.create("x", "randn", {"size": "3"}, requires_grad=True, seed=7)
    ws.create("w", "tensor", {"data": "[0.5, -1.0, 2.0]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "w"})
    ws.apply("sigmoid", "z", {"input": "y"})
    ws.apply("sum", "s", {"input": "z"})
    return ws


def test_workspace_check_matches_autograd_in_the_session():
    ws = _session()
    ws.backward("s")
    result = check_workspace_leaf(ws, "s", "x")
    assert result.ok and result.checked == 3
    # the float64 autograd gradient is the session's float32 .grad, to float32 precision
    assert torch.allclose(result.analytic.float(), ws.tensors["x"].grad, atol=1e-6)
    vec = check_workspace_leaf(ws, "z", "w", torch.tensor([1.0, 0.0, 2.0]))
    assert vec.ok


def test_workspace_function_replays_in_float64_without_touching_the_session():
    ws = _session()
    before = {n: t.detach().clone() for n, t in ws.tensors.items()}
    rng = torch.random.get_rng_state()
    f = workspace_function(ws, "s", "x")
    x = ws.tensors["x"].detach().double()
    out = f(x)
    assert out.dtype == torch.float64
    expected = torch.sigmoid(x * ws.tensors["w"].detach().double()).sum()
    assert math.isclose(out.item(), expected.item(), rel_tol=1e-12)
    check_workspace_leaf(ws, "s", "w")
    assert torch.equal(torch.random.get_rng_state(), rng)
    assert all(torch.equal(before[n], t.detach()) for n, t in ws.tensors.items())
    assert len(ws.history) == 5


def test_workspace_check_errors():
    ws = _session()
    with pytest.raises(GradCheckError, match="no tensor named 'nope'"):
        check_workspace_leaf(ws, "nope", "x")
    with pytest.raises(GradCheckError, match="no tensor named 'q'"):
        check_workspace_leaf(ws, "s", "q")


class _Off(torch.autograd.Function):
    """y = x·k with a backward that says k + by: a gradient off by ``by`` per unit of grad."""

    @staticmethod
    def forward(ctx, t, k, by):
        ctx.k, ctx.by = k, by
        return t * k

    @staticmethod
    def backward(ctx, g):
        return g * (ctx.k + ctx.by), None, None


def _off(k: float, by: float):
    return lambda t: _Off.apply(t, k, by).sum()


def test_default_tolerance_is_tight():
    # the defaults the check promises: 1e-5 absolute + 1e-3 relative, on a 1e-6 step
    result = check_gradient(_off(1.0, 0.0), torch.tensor([1.0]))
    assert (result.eps, result.atol, result.rtol) == (1e-6, 1e-5, 1e-3)
    assert (
        "1e-05 + 0.001·|numeric|"
        in dict((a, b) for a, b, _ in result.rows())["tolerance (eps 1e-06)"]
    )


def test_an_absolute_error_above_atol_fails():
    # true gradient 0, autograd says 1e-4: 10× atol, yet far below a 1000× looser atol (1e-2)
    result = check_gradient(_off(0.0, 1e-4), torch.tensor([1.0, 2.0]))
    assert not result.passed and result.torch_passed is False
    assert result.max_abs == pytest.approx(1e-4, rel=1e-3)


def test_a_relative_error_above_rtol_fails():
    # true gradient 100, off by 1 (1 %): 10× rtol, below a 1000× looser rtol
    result = check_gradient(_off(100.0, 1.0), torch.tensor([1.0, 2.0]))
    assert not result.passed and result.torch_passed is False
    assert result.max_rel == pytest.approx(1 / 101, rel=1e-3)


def test_an_error_inside_the_tolerance_passes():
    # just inside: 0.5 × (atol + rtol·|numeric|) for a gradient of 1
    within = 0.5 * (1e-5 + 1e-3)
    result = check_gradient(_off(1.0, within), torch.tensor([1.0, 2.0]))
    assert result.passed and result.torch_passed and result.ok
