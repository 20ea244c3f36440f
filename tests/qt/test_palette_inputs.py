"""The palette's proposed inputs stay valid: after an apply it does not propose the fresh
result where the op refuses it, and after a delete it never names the deleted tensor
(fault 19 of issue 10)."""

from __future__ import annotations

import pytest
import torch

from gradviz.core.op_inputs import propose_inputs
from gradviz.core.ops import OPS
from gradviz.qt.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    return w


def proposed_call_runs(window, op: str) -> bool:
    """Run the proposed inputs through torch directly (the oracle), not through the palette."""
    tensors = window.model.workspace.tensors
    a, b = (tensors[window.palette.field(n).text()] for n in ("a", "b"))
    try:
        getattr(torch, op)(a.detach(), b.detach())
    except RuntimeError:
        return False
    return True


def test_after_apply_dot_is_not_offered_the_fresh_scalar(qtbot, window):
    ws = window.model.workspace
    ws.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    ws.create("w", "tensor", {"data": "[4., 5., 6.]"}, requires_grad=True)
    palette = window.palette
    palette.select_op("dot")  # inputs as proposed: the user touches nothing
    palette.out_name.setText("d")
    palette.apply_button.click()
    assert ws.tensors["d"].dim() == 0
    assert window.model.selected == "d"  # the new tensor is the selection
    assert "d" not in (palette.field("a").text(), palette.field("b").text())
    assert proposed_call_runs(window, "dot")
    assert palette.apply()  # and Apply takes it as proposed


def test_after_delete_the_form_never_names_the_deleted_tensor(qtbot, window):
    ws = window.model.workspace
    ws.create("s", "tensor", {"data": "2."})
    ws.create("x", "tensor", {"data": "[1., 2., 3.]"})
    ws.create("w", "tensor", {"data": "[4., 5., 6.]"})
    ws.create("u", "tensor", {"data": "[7., 8., 9.]"})
    palette = window.palette
    for op in ("dot", "mul"):  # a tensor input, and a tensor-or-number input
        palette.select_op(op)
        palette.field("a").set_text("x")  # the user's own picks
        palette.field("b").set_text("u")
        ws.delete("u")
        assert "u" not in (palette.field("a").text(), palette.field("b").text()), op
        assert proposed_call_runs(window, op)
        assert "u" not in palette.code_preview.text()
        ws.undo()  # u is back for the next op
    palette.select_op("cat")
    palette.field("tensors").set_text("x, u, w")
    ws.delete("u")
    assert palette.field("tensors").text().replace(" ", "") == "x,w"


def test_propose_inputs_prefers_the_order_and_checks_shapes():
    tensors = {"m": torch.ones(2, 3), "v": torch.ones(3), "s": torch.tensor(2.0)}
    # preferred order s, m, v: mv needs (matrix, vector), found without touching any data
    assert propose_inputs(OPS["mv"], ["input", "vec"], ["s", "m", "v"], tensors) == ["m", "v"]
    assert propose_inputs(OPS["add"], ["a", "b"], ["s", "m", "v"], tensors) == ["s", "m"]
