"""Each catalog op names the backward classes it makes; running the op must make exactly those.

The formula card is looked up by the exact class name (no guessing from a
similar name), so every class an op really produces needs a card, and every
class the catalog names must be one that torch really has.
"""

from __future__ import annotations

import torch

from gradviz.core.backward_rules import RULES, VARIANTS, rule_for
from gradviz.core.ops import OPS, OpSpec
from gradviz.core.workspace import Workspace, WorkspaceError

# Inputs beyond each op's example (and its example with only the required fields),
# for forms that make other backward classes: a number for a tensor, a list index, …
EXTRA: dict[str, list[dict[str, str]]] = {
    "index": [
        {"input": "[[1., 2., 3.], [4., 5., 6.]]", "index": "[0, 1, 0]"},
        {"input": "[[1., 2., 3.], [4., 5., 6.]]", "index": "..."},
    ],
    "reshape": [{"input": "[[1., 2., 3.], [4., 5., 6.]]", "shape": "6"}],
    "flatten": [{"input": "[[[1., 2.]], [[3., 4.]]]", "start_dim": "0"}],
    "squeeze": [{"input": "[[[1., 2.]], [[3., 4.]]]"}],
    "clamp": [{"input": "[-1., 0.5, 2.]", "min": "0"}, {"input": "[-1., 0.5, 2.]", "max": "1"}],
    "to": [{"input": "[1.5, 2., -3.]", "dtype": "float32"}],
    "norm": [{"input": "[[3., 4.], [1., -2.]]", "p": "1", "dim": "1"}],
    "matmul": [
        {"a": "[1., 2.]", "b": "[3., 4.]"},
        {"a": "[[1., 2.], [3., 4.]]", "b": "[3., 4.]"},
        {"a": "[[[1., 2.], [3., 4.]]]", "b": "[[1.], [0.5]]"},
        {"a": "[[[1., 2.], [3., 4.]], [[0., 1.], [1., 0.]]]", "b": "[[[1.], [0.5]]]"},
    ],
}


def _nodes(fn) -> set:
    """Every backward node reachable from ``fn`` (the objects themselves)."""
    seen: dict[int, object] = {}
    stack = [fn]
    while stack:
        f = stack.pop()
        if f is None or id(f) in seen:
            continue
        seen[id(f)] = f
        stack.extend(nf for nf, _ in f.next_functions)
    return set(seen.values())


def _workspace_for(spec: OpSpec, args: dict[str, str]) -> tuple[Workspace, dict[str, str]]:
    """A workspace holding the op's tensor inputs, float ones requiring grad.

    An in-place op's target is a non-leaf (a clone of a leaf), as an in-place op
    on a leaf that requires grad is refused by PyTorch.
    """
    ws = Workspace()
    call: dict[str, str] = {}
    for p in spec.params:
        text = args.get(p.name, "")
        if p.kind == "tensor" or (p.kind == "tensor_or_number" and "[" in text):
            floating = "." in text and "True" not in text
            if p.name == spec.inplace and spec.name != "requires_grad_":
                ws.create(f"{p.name}_leaf", "tensor", {"data": text}, requires_grad=floating)
                ws.apply("clone", p.name, {"input": f"{p.name}_leaf"})
            else:
                ws.create(p.name, "tensor", {"data": text}, requires_grad=floating)
            call[p.name] = p.name
        elif p.kind == "tensors":
            names = []
            for i, part in enumerate(text.split(";")):
                ws.create(f"{p.name}{i}", "tensor", {"data": part}, requires_grad="." in part)
                names.append(f"{p.name}{i}")
            call[p.name] = ", ".join(names)
        elif text:
            call[p.name] = text
    return ws, call


def _variants(spec: OpSpec) -> list[dict[str, str]]:
    example = dict(spec.example)
    required = {p.name: example[p.name] for p in spec.params if p.required and p.name in example}
    out = [example, required]
    for p in spec.params:  # a number where a tensor may go
        if p.kind == "tensor_or_number":
            out.append({**example, p.name: "2"})
    return out + EXTRA.get(spec.name, [])


def produced_classes(spec: OpSpec) -> set[str]:
    """The backward class names the op really makes, over its example inputs."""
    made: set[str] = set()
    for k, args in enumerate(_variants(spec)):
        ws, call = _workspace_for(spec, args)
        before: set = set()
        for t in ws.tensors.values():
            if t.grad_fn is not None:
                before |= _nodes(t.grad_fn)
        try:
            out = ws.apply(spec.name, None if spec.inplace else "out", call).tensor
        except WorkspaceError:
            if k == 1:
                continue  # the op needs more than its required fields (clamp: min or max)
            raise
        target = ws.tensors[call[spec.inplace]] if spec.inplace else out
        if isinstance(target, torch.Tensor) and target.grad_fn is not None:
            made |= {type(f).__name__ for f in _nodes(target.grad_fn) - before}
    made.discard("AccumulateGrad")
    return made


def test_each_op_names_exactly_the_backward_classes_it_makes():
    wrong = {}
    for spec in OPS.values():
        made = produced_classes(spec)
        if made != set(spec.backward):
            wrong[spec.name] = (sorted(made), sorted(spec.backward))
    assert not wrong, "\n".join(f"{n}: makes {m}, catalog says {c}" for n, (m, c) in wrong.items())


def test_every_class_the_catalog_names_has_its_own_card():
    missing = [
        (spec.name, cls)
        for spec in OPS.values()
        for cls in spec.backward
        if rule_for(cls) is None or cls not in RULES
    ]
    assert not missing


def test_every_card_names_a_class_torch_really_has():
    real = {n for n in dir(torch._C._functions) if "Backward" in n}
    invented = [
        name for name in RULES if name != "AccumulateGrad" and name.partition("[")[0] not in real
    ]
    assert not invented, invented
    # a variant card ("GeluBackward0[tanh]") is reached only through its class's chooser
    for name in RULES:
        if "[" in name:
            assert name.partition("[")[0] in VARIANTS, name


def test_no_card_for_a_class_name_that_only_looks_alike():
    # MulBackward0 has a card; a class name that merely shares its stem gets none
    assert rule_for("MulBackward0") is not None
    assert rule_for("MulBackward7") is None
    assert rule_for("ProdBackward0") is not rule_for("ProdBackward1")
