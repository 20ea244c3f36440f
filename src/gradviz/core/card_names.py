"""Formula cards in the user's words: operands named after their tensors.

A rule's card names the forward inputs in PyTorch's internal order (``a``,
``b``); for ``y = 2 * d`` PyTorch's first input is ``d``. Where the history
knows which tensor went in, the card says ``d`` instead, and when one tensor
is both inputs (``y * y``) the card says that both gradients go to it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence

import torch

from gradviz.core.backward import ACCUMULATE, Step
from gradviz.core.backward_rules import Card, rule_for
from gradviz.core.graph import function_node_id, tensor_node_id
from gradviz.core.i18n import _

GENERIC = ("a", "b", "c", "d")  # what a card without a rule calls its inputs


def operand_names(step: Step, tensors: Mapping[str, torch.Tensor]) -> list[str | None]:
    """The tensor name behind each forward input of ``step`` (None: a constant, or unknown)."""
    by_node: dict[str, str] = {}
    for name, t in tensors.items():
        if not isinstance(t, torch.Tensor):
            continue
        if t.grad_fn is not None:
            by_node.setdefault(function_node_id(t.grad_fn), name)
        elif t.requires_grad:
            by_node.setdefault(tensor_node_id(t), name)
    if step.label == ACCUMULATE:  # a leaf's own step: the card's x is this leaf
        return [by_node.get(step.node)]
    return [by_node.get(node) if node else None for node in step.inputs]


def _symbol(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])")


def name_operands(card: Card, names: Sequence[str | None]) -> Card:
    """``card`` with each input symbol replaced by its tensor's name where that is clear."""
    rule = rule_for(card.label)
    symbols = ("x",) if card.label == ACCUMULATE else rule.inputs if rule else GENERIC
    pairs = [(s, n) for s, n in zip(symbols, names, strict=False) if n]
    text = " ".join([card.forward, *card.lines, *(k for k, _ in card.numbers)])
    counts: dict[str, list[str]] = {}
    for s, n in pairs:
        counts.setdefault(n, []).append(s)
    rename: dict[str, str] = {}
    notes = []
    for n, syms in counts.items():
        if len(syms) > 1:  # y * y, dot(x, x): one tensor is several inputs
            listed = _(" and ").join(syms)
            notes.append(
                _(
                    "{listed} are both {name}: each gradient goes to {name}, which gets their sum"
                ).format(listed=listed, name=n)
            )
        elif n != syms[0] and not _symbol(n).search(text):  # never clash with a symbol
            rename[syms[0]] = n
    if not rename and not notes:
        return card
    if rename:
        pattern = re.compile(
            "|".join(
                rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])"
                for s in sorted(rename, key=len, reverse=True)
            )
        )

        def sub(value: str) -> str:
            return pattern.sub(lambda m: rename[m.group(0)], value)

    else:

        def sub(value: str) -> str:
            return value

    note = _("; ").join([*notes, *([card.note] if card.note else [])])
    return dataclasses.replace(
        card,
        forward=sub(card.forward),
        lines=[sub(line) for line in card.lines],
        numbers=[(sub(k), v) for k, v in card.numbers],
        note=note,
    )
