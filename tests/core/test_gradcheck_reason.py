"""A numerical-check FAIL at a kink says why in plain words, and the title of a scalar
root's check is ∂s/∂x, not ∂ sum(v·s) (fault 22 of issue 10)."""

from __future__ import annotations

import torch

from gradviz.core.gradcheck import check_gradient, check_title


def test_relu_at_zero_fails_with_a_kink_reason():
    x = torch.tensor([-1.0, 0.0, 2.0])
    result = check_gradient(lambda t: torch.relu(t).sum(), x, run_torch=False)
    assert not result.ok
    reason = result.reason()
    assert "kink" in reason and "element 1" in reason
    # the oracle: the slopes either side of 0 are those of relu, 0 and 1
    left, right = result.kinks[1]
    assert abs(left - 0.0) < 1e-6 and abs(right - 1.0) < 1e-6
    assert list(result.kinks) == [1]  # smooth elsewhere


def test_a_smooth_function_passes_with_no_reason():
    x = torch.tensor([-1.0, 0.5, 2.0])
    result = check_gradient(lambda t: (t.sin() * t).sum(), x, run_torch=False)
    assert result.ok and result.reason() == "" and result.kinks == {}


def test_the_title_of_a_scalar_root_has_no_v():
    assert check_title("s", "x", scalar_root=True) == "∂s / ∂x"
    assert check_title("y", "x", scalar_root=False) == "∂ sum(v·y) / ∂x"
