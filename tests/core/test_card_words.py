"""Formula cards and edge labels in the user's words (faults 4, 5 and 7 of issue 10):
operands named after the user's tensors, a tensor used twice said so with both parts, and
one rounding everywhere. Each expectation is computed with plain torch."""

from __future__ import annotations

import torch

from gradviz.core.backward import ACCUMULATE, EdgeFlow, edge_text, tensor_text, trace_backward
from gradviz.core.backward_rules import card_for
from gradviz.core.card_names import name_operands, operand_names
from gradviz.core.workspace import Workspace


def cards(ws: Workspace, root: str) -> dict[str, object]:
    trace = trace_backward(ws.tensors[root])
    out = {}
    for step in trace.steps:
        card = name_operands(card_for(step), operand_names(step, ws.tensors))
        out.setdefault(step.label, card)
    return out


def test_two_times_d_names_d_not_a():
    ws = Workspace()
    ws.create("d", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "2", "b": "d"})
    ws.apply("sum", "s", {"input": "y"})
    by_label = cards(ws, "s")
    card = by_label["MulBackward0"]
    numbers = dict(card.numbers)
    # the oracle: what torch sends to d for sum(2 * d)
    d = torch.tensor([1.0, 2.0], requires_grad=True)
    (2 * d).sum().backward()
    assert numbers["grad_d"] == tensor_text(d.grad)
    assert "grad_a" not in numbers and "d" in card.forward
    assert any(line.startswith("grad_d") for line in card.lines)
    assert numbers["b"] == "2"  # the constant keeps its symbol
    leaf = by_label[ACCUMULATE]
    assert "d.grad" in " ".join(leaf.lines)


def test_y_times_y_says_both_gradients_go_to_y():
    ws = Workspace()
    ws.create("y", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("mul", "z", {"a": "y", "b": "y"})
    ws.apply("sum", "s", {"input": "z"})
    card = cards(ws, "s")["MulBackward0"]
    assert "a and b are both y" in card.note and "their sum" in card.note


def test_an_edge_crossed_twice_lists_its_parts_and_their_sum():
    x = torch.arange(6.0, requires_grad=True)
    out = torch.dot(x, x)
    parts = [x.detach().clone(), x.detach().clone()]  # dot's two gradients: each the other input
    label, _tip = edge_text(EdgeFlow("x", "dot", parts))
    assert "(2 parts)" in label
    assert "part 1: [0, 1, 2, 3, 4, 5]" in label and "part 2: [0, 1, 2, 3, 4, 5]" in label
    out.backward()
    assert f"‖g‖={float(x.grad.norm()):.4g}" in label  # the sum torch gives x


def test_edges_and_cards_round_alike_and_scalars_say_their_value_once():
    g = torch.tensor([14.9666, 1.0])
    label, _tip = edge_text(EdgeFlow("a", "b", [g]))
    assert label == tensor_text(g)  # the card's text of the same gradient
    assert "14.97" in label
    scalar, _ = edge_text(EdgeFlow("a", "b", [torch.tensor(2.0)]))
    assert scalar == "scalar · 2" and "‖g‖" not in scalar
