"""The op catalog: every op applied through a real Workspace, checked against torch.

For each op the example inputs become workspace tensors; the op is applied
through ``Workspace.apply``; the result must equal calling torch directly; the
exported code, run in a fresh namespace, must rebuild every tensor exactly
(which proves the code template does what the call does); and for
differentiable ops the gradients of ``out.sum()`` must equal
``torch.autograd.grad`` on a direct computation.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch

from gradviz.core import literals
from gradviz.core.broadcast import explain_broadcast
from gradviz.core.ops import OPS, REQUIRED, OpSpec, groups, parse_param, render_code, search
from gradviz.core.workspace import Workspace, WorkspaceError

OUT = "out"


def _is_number(text: str) -> bool:
    try:
        literals.parse_number(text)
    except literals.LiteralError:
        return False
    return True


def _float_literal(text: str) -> bool:
    return torch.tensor(literals.parse_tensor_literal(text)).is_floating_point()


def _build(
    spec: OpSpec, tensors: dict[str, str], args: dict[str, str], grad: bool
) -> tuple[Workspace, dict[str, torch.Tensor], dict[str, Any]]:
    """Make the workspace and the direct-torch twin of the same inputs.

    ``tensors`` maps workspace names to literals; ``args`` is what the palette's form
    would send. Returns the workspace, the direct tensors by name, and the direct
    keyword arguments for ``spec.call``.
    """
    ws = Workspace()
    direct: dict[str, torch.Tensor] = {}
    for name, text in tensors.items():
        rg = grad and _float_literal(text)
        ws.create(name, "tensor", {"data": text}, requires_grad=rg)
        direct[name] = torch.tensor(literals.parse_tensor_literal(text), requires_grad=rg)
    kwargs: dict[str, Any] = {}
    for p in spec.params:
        text = args.get(p.name, "")
        if p.kind == "tensor":
            kwargs[p.name] = direct[text]
        elif p.kind == "tensors":
            kwargs[p.name] = [direct[n.strip()] for n in text.replace(";", ",").split(",")]
        elif p.kind == "tensor_or_number":
            kwargs[p.name] = direct[text] if text in direct else literals.parse_number(text)
        else:
            kwargs[p.name] = parse_param(p, text)
    return ws, direct, kwargs


def _example(spec: OpSpec) -> tuple[dict[str, str], dict[str, str]]:
    """The op's example as (tensors to create, typed args)."""
    tensors: dict[str, str] = {}
    args: dict[str, str] = {}
    for p in spec.params:
        if p.name not in spec.example:
            continue
        text = spec.example[p.name]
        if p.kind == "tensors":
            names = []
            for i, lit in enumerate(text.split(";")):
                tensors[f"{p.name}{i}"] = lit.strip()
                names.append(f"{p.name}{i}")
            args[p.name] = ", ".join(names)
        elif p.kind == "tensor" or (p.kind == "tensor_or_number" and not _is_number(text)):
            tensors[p.name] = text
            args[p.name] = p.name
        else:
            args[p.name] = text
    return tensors, args


def _assert_same(actual: torch.Tensor, expected: torch.Tensor, what: str) -> None:
    assert isinstance(actual, torch.Tensor), what
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
    assert actual.requires_grad == expected.requires_grad, f"{what}: requires_grad differs"
    torch.testing.assert_close(actual.detach(), expected.detach(), equal_nan=True, msg=what)


def _run_exported(ws: Workspace) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(ws.export_code(), "<exported>", "exec"), namespace)  # the test runs our output
    return namespace


def _check_exported(ws: Workspace, grads: bool = False) -> None:
    namespace = _run_exported(ws)
    for name, tensor in ws.tensors.items():
        assert name in namespace, f"exported code does not define {name}"
        _assert_same(namespace[name], tensor, f"exported {name}")
        if grads and (tensor.is_leaf or tensor.retains_grad) and tensor.grad is not None:
            _assert_same(namespace[name].grad, tensor.grad, f"exported {name}.grad")


def check_op(
    name: str, tensors: dict[str, str], args: dict[str, str], *, grad: bool = True
) -> Workspace:
    """Apply op ``name`` through a workspace and check value, exported code and gradients."""
    spec = OPS[name]
    ws, direct, kwargs = _build(spec, tensors, args, grad)
    target = args[spec.inplace] if spec.inplace else OUT
    history_before = len(ws.history)

    result = ws.apply(name, None if spec.inplace else OUT, args)
    expected = spec.call(**kwargs)
    expected = direct[target] if spec.inplace else expected

    assert len(ws.history) == history_before + 1
    assert result.tensor is ws[target]
    _assert_same(ws[target], expected, f"{name} result")
    for other, tensor in direct.items():  # inputs (and in-place targets) agree too
        _assert_same(ws[other], tensor, f"{name} input {other}")
    _check_exported(ws)

    out = ws[target]
    if out.requires_grad and out.is_floating_point():
        names = [n for n, t in direct.items() if t.requires_grad]
        assert names, f"{name}: the output requires grad but no input does"
        leaves = [direct[n] for n in names]
        expected_grads = torch.autograd.grad(expected.sum(), leaves, allow_unused=True)
        ws.apply("sum", "total", {"input": target})
        ws.backward("total")
        for n, g in zip(names, expected_grads, strict=True):
            got = ws[n].grad
            if g is None:
                assert got is None, f"{name}: {n}.grad should be None"
            else:
                assert got is not None, f"{name}: {n}.grad missing"
                torch.testing.assert_close(got, g, equal_nan=True, msg=f"{name}: d/d{n}")
        _check_exported(ws, grads=True)
    return ws


# ----------------------------------------------------------- every catalog op
@pytest.mark.parametrize("name", list(OPS))
def test_every_op_matches_torch_code_and_autograd(name):
    spec = OPS[name]
    tensors, args = _example(spec)
    for p in spec.params:
        if p.required:
            assert p.name in args, f"{name}: the example has no value for required {p.name}"
    check_op(name, tensors, args, grad=spec.example_grad)


@pytest.mark.parametrize("name", [n for n, s in OPS.items() if not s.inplace])
def test_every_op_under_no_grad_gives_a_tensor_outside_the_graph(name):
    spec = OPS[name]
    tensors, args = _example(spec)
    ws, _, _ = _build(spec, tensors, args, grad=True)
    ws.apply(name, OUT, args, no_grad=True)
    out = ws[OUT]
    assert out.grad_fn is None
    inputs = [t for n, t in ws.tensors.items() if n != OUT]
    if out._base is not None or any(out is t for t in inputs):
        # PyTorch: a view made under no_grad keeps its base's requires_grad (as a leaf)
        base = out if out._base is None else out._base
        assert out.requires_grad == base.requires_grad and out.is_leaf
    else:
        assert out.requires_grad is False
    line = ws.code_for(ws.history[-1])
    assert line.startswith("with torch.no_grad():\n    out = ")
    _check_exported(ws)


def test_examples_that_differentiate_use_float_inputs():
    """The catalog's examples really exercise autograd for the ops that support it."""
    differentiated = set()
    for name, spec in OPS.items():
        tensors, args = _example(spec)
        if not spec.example_grad:
            continue
        ws, _, _ = _build(spec, tensors, args, grad=True)
        ws.apply(name, OUT, args)
        if ws[OUT].requires_grad:
            differentiated.add(name)
    for name in ("add", "matmul", "mm", "softmax", "cross_entropy", "normalize", "max", "norm"):
        assert name in differentiated
    for name in ("eq", "gt", "argmax", "detach"):  # no gradient by definition
        assert name not in differentiated


# ------------------------------------------------------------- other inputs
# Cases beyond the catalog examples: defaults left out, other parameter paths,
# numbers typed instead of tensors, odd shapes. Each goes through check_op.
X23 = "[[1., -2., 3.], [4., 5., -6.]]"
CASES: list[tuple[str, dict[str, str], dict[str, str]]] = [
    ("sum", {"x": X23}, {"input": "x"}),
    ("sum", {"x": X23}, {"input": "x", "keepdim": "True"}),  # keepdim needs a dim
    ("sum", {"x": X23}, {"input": "x", "dim": "0, 1", "keepdim": "True"}),
    ("sum", {"x": X23}, {"input": "x", "dim": "None"}),
    ("mean", {"x": X23}, {"input": "x", "dim": "-1"}),
    ("max", {"x": X23}, {"input": "x"}),
    ("max", {"x": X23}, {"input": "x", "dim": "0", "keepdim": "True"}),
    ("min", {"x": X23}, {"input": "x"}),
    ("argmax", {"x": X23}, {"input": "x"}),
    ("argmax", {"x": X23}, {"input": "x", "dim": "0", "keepdim": "True"}),
    ("argmin", {"x": X23}, {"input": "x", "dim": "1"}),
    ("norm", {"x": X23}, {"input": "x"}),
    ("norm", {"x": X23}, {"input": "x", "p": "1", "dim": "0", "keepdim": "True"}),
    ("norm", {"x": X23}, {"input": "x", "p": "inf", "dim": "1"}),
    ("cumsum", {"x": X23}, {"input": "x", "dim": "0"}),
    ("view", {"x": X23}, {"input": "x", "shape": "6"}),
    ("view", {"x": X23}, {"input": "x", "shape": "(3, 2)"}),
    ("view", {"x": "[5.]"}, {"input": "x", "shape": "()"}),
    ("reshape", {"x": X23}, {"input": "x", "shape": "[-1]"}),
    ("reshape", {"x": "[[7.]]"}, {"input": "x", "shape": "()"}),
    ("reshape", {"x": X23}, {"input": "x", "shape": "3, 1, 2"}),
    ("expand", {"x": "[1., 2., 3.]"}, {"input": "x", "sizes": "2, -1"}),
    ("expand", {"x": "[[1.], [2.]]"}, {"input": "x", "sizes": "2, 4"}),
    ("repeat", {"x": "[1., 2.]"}, {"input": "x", "repeats": "3"}),
    ("permute", {"x": "[1., 2.]"}, {"input": "x", "dims": "0"}),
    ("permute", {"x": X23}, {"input": "x", "dims": "(1, 0)"}),
    ("transpose", {"x": X23}, {"input": "x", "dim0": "-1", "dim1": "-2"}),
    ("squeeze", {"x": "[[[1., 2.]]]"}, {"input": "x"}),
    ("unsqueeze", {"x": X23}, {"input": "x", "dim": "-1"}),
    ("flatten", {"x": "[[[1., 2.], [3., 4.]]]"}, {"input": "x", "end_dim": "1"}),
    ("flatten", {"x": "[[[1., 2.], [3., 4.]]]"}, {"input": "x"}),
    ("index", {"x": X23}, {"input": "x", "index": "..., -1"}),
    ("index", {"x": X23}, {"input": "x", "index": "[1, 0], ::2"}),
    ("index", {"x": X23}, {"input": "x", "index": "None, 1"}),
    ("index", {"x": X23}, {"input": "x", "index": ":, 0:3:2"}),
    ("cat", {"a": X23, "b": X23}, {"tensors": "a, b", "dim": "1"}),
    ("cat", {"a": X23, "b": "[[0., 0., 0.]]"}, {"tensors": "a; b"}),
    ("stack", {"a": X23, "b": X23}, {"tensors": "a, b", "dim": "-1"}),
    ("einsum", {"a": X23}, {"equation": "ij->ji", "operands": "a"}),
    ("einsum", {"a": "[1., 2.]", "b": "[3., 4.]"}, {"equation": "i,i->", "operands": "a, b"}),
    ("add", {"x": X23}, {"a": "x", "b": "2"}),
    ("add", {"x": X23}, {"a": "2.5", "b": "x"}),
    ("sub", {"x": X23}, {"a": "1", "b": "x"}),
    ("sub", {"x": X23}, {"a": "x", "b": "-1"}),
    ("mul", {"x": X23}, {"a": "-3", "b": "x"}),
    ("div", {"x": X23}, {"a": "1", "b": "x"}),
    ("div", {"i": "[1, 2, 3]"}, {"a": "i", "b": "2"}),  # integers give floats
    ("power", {"x": X23}, {"a": "x", "b": "2"}),
    ("power", {"x": X23}, {"a": "2", "b": "x"}),
    ("power", {"x": X23}, {"a": "-2", "b": "x"}),  # (-2) ** x, not -(2 ** x)
    ("power", {"x": "[1., 2.]"}, {"a": "x", "b": "-1"}),
    ("add_alpha", {"x": X23, "y": "[1., 1., 1.]"}, {"input": "x", "other": "y"}),
    ("add_alpha", {"x": X23}, {"input": "x", "other": "3", "alpha": "-2"}),
    ("pow", {"x": "[1., 2.]", "e": "[[2.], [3.]]"}, {"input": "x", "exponent": "e"}),
    ("pow", {"x": "[1., 4.]"}, {"input": "x", "exponent": "0.5"}),
    ("eq", {"x": X23}, {"a": "x", "b": "-2"}),
    ("gt", {"x": X23}, {"a": "0", "b": "x"}),
    ("le", {"i": "[1, 2, 3]"}, {"a": "i", "b": "2"}),
    (
        "where",
        {"c": "[True, False]", "x": "[1., 2.]"},
        {"condition": "c", "input": "x", "other": "0."},
    ),
    ("clamp", {"x": X23}, {"input": "x", "min": "-1"}),
    ("clamp", {"x": X23}, {"input": "x", "max": "2.5"}),
    ("clamp", {"x": X23}, {"input": "x", "min": "-inf", "max": "inf"}),
    ("normalize", {"x": X23}, {"input": "x", "p": "1", "dim": "0"}),
    ("elu", {"x": X23}, {"input": "x"}),
    ("leaky_relu", {"x": X23}, {"input": "x"}),
    ("softmax", {"x": X23}, {"input": "x", "dim": "0"}),
    ("mse_loss", {"p": X23, "t": X23}, {"input": "p", "target": "t", "reduction": "none"}),
    ("smooth_l1_loss", {"p": X23, "t": X23}, {"input": "p", "target": "t", "beta": "0.5"}),
    ("cross_entropy", {"x": X23, "y": "[2, 0]"}, {"input": "x", "target": "y", "reduction": "sum"}),
    ("nll_loss", {"x": X23, "y": "[2, 0]"}, {"input": "x", "target": "y", "reduction": "none"}),
    ("fill_", {"x": X23}, {"input": "x", "value": "inf"}),
    ("fill_", {"x": "[1, 2]"}, {"input": "x", "value": "-3"}),
    ("add_", {"x": X23}, {"a": "x", "b": "0.5"}),
    ("mul_", {"x": X23, "y": "[[2.], [3.]]"}, {"a": "x", "b": "y"}),
    ("requires_grad_", {"x": X23}, {"input": "x", "requires_grad": "False"}),
    ("requires_grad_", {"x": X23}, {"input": "x", "requires_grad": "True"}),
    ("to", {"x": X23}, {"input": "x", "dtype": "int64"}),
    ("to", {"i": "[1, 2]"}, {"input": "i", "dtype": "float32"}),
    ("to", {"x": X23}, {"input": "x", "dtype": "bool"}),
    ("contiguous", {"x": X23}, {"input": "x"}),
    ("matmul", {"a": "[1., 2.]", "b": "[3., 4.]"}, {"a": "a", "b": "b"}),  # vector · vector
    ("matmul", {"a": "[[[1., 2.]], [[3., 4.]]]", "b": "[[1.], [2.]]"}, {"a": "a", "b": "b"}),
]


@pytest.mark.parametrize(("name", "tensors", "args"), CASES, ids=lambda v: str(v)[:40])
def test_other_inputs_match_torch_code_and_autograd(name, tensors, args):
    grad = not OPS[name].inplace
    check_op(name, tensors, args, grad=grad)


def test_number_like_names_in_exported_code():
    """A typed inf/nan as the number operand must export as runnable code."""
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"})
    ws.apply("mul", "y", {"a": "x", "b": "-inf"})
    _check_exported(ws)


def test_bare_inf_typed_as_a_number_exports_as_runnable_code():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"})
    ws.apply("add", "y", {"a": "x", "b": "inf"})
    _check_exported(ws)


def test_code_lines_read_like_pytorch():
    ws = Workspace()
    ws.create("x", "tensor", {"data": X23}, requires_grad=True)
    ws.create("w", "tensor", {"data": "[[1.], [2.], [3.]]"})
    lines = {
        ("sum", "a", ("input", "x")): "a = torch.sum(x)",
        ("sum", "b", ("input", "x"), ("dim", "1"), ("keepdim", "True")): (
            "b = torch.sum(x, dim=1, keepdim=True)"
        ),
        ("max", "c", ("input", "x"), ("dim", "0")): "c = torch.max(x, dim=0).values",
        ("max", "d", ("input", "x")): "d = torch.max(x)",
        ("view", "e", ("input", "x"), ("shape", "3, 2")): "e = x.view(3, 2)",
        ("view", "f", ("input", "x"), ("shape", "6")): "f = x.view(6)",
        ("permute", "g", ("input", "x"), ("dims", "1, 0")): "g = x.permute(1, 0)",
        ("mm", "h", ("a", "x"), ("b", "w")): "h = torch.mm(x, w)",
        ("power", "i", ("a", "-2"), ("b", "x")): "i = (-2) ** x",
        ("to", "j", ("input", "x"), ("dtype", "float64")): "j = x.to(torch.float64)",
        ("softmax", "k", ("input", "x"), ("dim", "1")): "k = F.softmax(x, dim=1)",
        ("cat", "m", ("tensors", "x, x")): "m = torch.cat([x, x])",
        ("index", "n", ("input", "x"), ("index", "0, 1:")): "n = x[0, 1:]",
        ("clamp", "o", ("input", "x"), ("min", "0")): "o = torch.clamp(x, min=0)",
        ("mse_loss", "p", ("input", "x"), ("target", "x"), ("reduction", "sum")): (
            "p = F.mse_loss(x, x, reduction='sum')"
        ),
        ("norm", "q", ("input", "x"), ("p", "2")): "q = torch.norm(x)",
        ("squeeze", "r", ("input", "x")): "r = x.squeeze()",
    }
    for (op, out, *pairs), expected in lines.items():
        ws.apply(op, out, dict(pairs))
        assert ws.code_for(ws.history[-1]) == expected
    _check_exported(ws)


# ------------------------------------------------------------------ catalog
REQUIRED_BY_ISSUE = {
    "Arithmetic": {"add", "sub", "mul", "div", "power", "add_"},
    "Comparison": {"eq", "gt"},
    "Reductions": {"sum", "mean", "max", "min", "argmax", "cumsum", "norm"},
    "Shape": {
        "view", "reshape", "transpose", "permute", "squeeze", "unsqueeze", "flatten",
        "contiguous", "cat", "stack", "repeat", "index",
    },
    "Linear algebra": {"dot", "mv", "mm", "matmul", "bmm", "einsum"},
    "Functions": {
        "exp", "log", "pow", "clamp", "abs", "relu", "sigmoid", "tanh", "elu", "softmax",
        "log_softmax", "normalize",
    },
    "Losses": {
        "mse_loss", "l1_loss", "smooth_l1_loss", "cross_entropy", "nll_loss",
        "binary_cross_entropy",
    },
    "Autograd": {"detach", "clone", "requires_grad_"},
}  # fmt: skip


def test_catalog_covers_what_the_issue_asks_for():
    by_group = {g: {s.name for s in specs} for g, specs in groups().items()}
    for group, names in REQUIRED_BY_ISSUE.items():
        assert names <= by_group[group], f"{group} lacks {names - by_group[group]}"
    labels = {s.label for s in OPS.values()}
    for operator in ("a + b", "a - b", "a * b", "a / b", "a ** b", "a @ b", "a == b", "a > b"):
        assert operator in labels


@pytest.mark.parametrize("name", list(OPS))
def test_every_op_is_described(name):
    spec = OPS[name]
    assert spec.name == name
    for text in (spec.group, spec.label, spec.doc, spec.formula, spec.code):
        assert text.strip() and "\n" not in text
    assert spec.doc[0].isupper() and spec.doc.endswith("."), spec.doc
    assert spec.example, f"{name} has no example"
    assert len({p.name for p in spec.params}) == len(spec.params)
    for b in spec.broadcasts:
        assert spec.param(b).is_tensor
    if spec.inplace:
        assert spec.param(spec.inplace).kind == "tensor"
    for p in spec.params:  # defaults parse back to themselves through the form's text
        if not p.required and p.default is not None and not p.is_tensor:
            assert parse_param(p, "") == p.default
        if p.kind == "choice":
            assert p.choices and (p.default is REQUIRED or p.default in p.choices)


def test_in_place_ops_bump_the_version_and_make_no_new_name():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"})
    ws.create("y", "tensor", {"data": "[10., 20.]"})
    x = ws["x"]
    for op, args, value in (
        ("add_", {"a": "x", "b": "y"}, [11.0, 22.0]),
        ("sub_", {"a": "x", "b": "1"}, [10.0, 21.0]),
        ("mul_", {"a": "x", "b": "2"}, [20.0, 42.0]),
        ("fill_", {"input": "x", "value": "5"}, [5.0, 5.0]),
        ("zero_", {"input": "x"}, [0.0, 0.0]),
    ):
        names, version = ws.names(), x._version
        result = ws.apply(op, "ignored", args)
        assert ws.names() == names  # no new tensor
        assert ws["x"] is x and result.tensor is x  # the same object, changed
        assert x._version == version + 1
        assert x.tolist() == value
        assert ws.code_for(ws.history[-1]).startswith("x.")
    assert "ignored" not in ws
    _check_exported(ws)


def test_in_place_op_on_a_graph_input_breaks_a_later_backward():
    ws = Workspace()
    ws.create("w", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("exp", "e", {"input": "w"})  # exp saves its output for backward
    ws.apply("sum", "s", {"input": "e"})
    ws.apply("add_", None, {"a": "e", "b": "1"})
    with pytest.raises(WorkspaceError, match="changed in place"):
        ws.backward("s")


def test_no_grad_option_is_a_with_block_and_cuts_the_graph():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "2"}, no_grad=True)
    ws.apply("mul", "z", {"a": "x", "b": "2"})
    assert ws["y"].requires_grad is False and ws["y"].grad_fn is None
    assert ws["z"].requires_grad is True
    assert ws.code_for(ws.history[1]) == "with torch.no_grad():\n    y = x * 2"
    assert ws.code_for(ws.history[2]) == "z = x * 2"
    ns = _run_exported(ws)
    assert ns["y"].requires_grad is False and ns["z"].requires_grad is True
    ws.undo()
    ws.undo()
    ws.redo()
    assert ws["y"].requires_grad is False  # replay keeps the option


def test_broadcasting_is_explained_when_shapes_differ():
    for name, spec in OPS.items():
        if not spec.broadcasts:
            continue
        tensors, args = _example(spec)
        ws, direct, _ = _build(spec, tensors, args, grad=False)
        shapes = {p: tuple(direct[args[p]].shape) for p in spec.broadcasts if args.get(p) in direct}
        note = ws.apply(name, None if spec.inplace else OUT, args).message
        expected = explain_broadcast(shapes) if len(shapes) > 1 else None
        assert note == (expected or ""), name
    ws = Workspace()
    ws.create("m", "tensor", {"data": X23})
    ws.create("v", "tensor", {"data": "[1., 2., 3.]"})
    note = ws.apply("add", "s", {"a": "m", "b": "v"}).message
    assert note == "Broadcasting: b (3,) is expanded along axis 0 → result (2, 3)"


def test_search_and_groups():
    assert [s.name for s in search("")] == list(OPS)
    assert {"softmax", "log_softmax"} <= {s.name for s in search("softmax")}
    assert {s.name for s in groups()["Losses"]} <= {s.name for s in search("loss")}
    assert {s.name for s in search("loss")} - {s.name for s in groups()["Losses"]} == {
        "log_softmax"  # its doc says it pairs with nll_loss
    }
    assert "mm" in {s.name for s in search("MATRIX product")}  # case-insensitive, all words
    assert "matmul" in {s.name for s in search("@")}
    assert search("no such op at all") == []
    grouped = groups()
    assert list(grouped)[:3] == ["Arithmetic", "Comparison", "Reductions"]
    flat = [s.name for specs in grouped.values() for s in specs]
    assert sorted(flat) == sorted(OPS)


def test_render_code_modifiers():
    spec = OPS["sum"]
    fake = OpSpec("f", "", "", "", "", spec.params, spec.call, "f({input}⟦, dim={dim}⟧)")
    assert render_code(fake, {"input": "x", "dim": "None"}, {"dim"}) == "f(x)"
    for template, rendered, expected in (
        ("v({input*})", "(2, 3)", "v(2, 3)"),
        ("v({input*})", "6", "v(6)"),
        ("v({input*})", "()", "v(())"),
        ("t({input,})", "3", "t((3,))"),
        ("t({input,})", "(2, 3)", "t((2, 3))"),
        ("torch.{input!}", "'float64'", "torch.float64"),
        ("{input} ** 2", "-2", "(-2) ** 2"),
        ("2 ** {input}", "-2", "2 ** -2"),
    ):
        fake = OpSpec("f", "", "", "", "", spec.params, spec.call, template)
        assert render_code(fake, {"input": rendered}, set()) == expected


def test_register_refuses_bad_specs():
    from gradviz.core.ops import Param, register

    with pytest.raises(ValueError, match="duplicate"):
        register(OPS["add"])
    bad_kind = OpSpec("zz1", "G", "l", "d.", "f", (Param("x", "nope"),), abs, "{x}")
    with pytest.raises(ValueError, match="unknown kind"):
        register(bad_kind)
    bad_field = OpSpec("zz2", "G", "l", "d.", "f", (Param("x", "tensor"),), abs, "{y}")
    with pytest.raises(ValueError, match="unknown field"):
        register(bad_field)
    assert "zz1" not in OPS and "zz2" not in OPS


@pytest.mark.parametrize("name", list(OPS))
def test_every_op_replays_through_undo_redo_and_a_session_file(name, tmp_path):
    spec = OPS[name]
    tensors, args = _example(spec)
    ws, _, _ = _build(spec, tensors, args, grad=spec.example_grad)
    ws.apply(name, None if spec.inplace else OUT, args)
    target = args[spec.inplace] if spec.inplace else OUT
    after = ws[target].detach().clone()
    ws.undo()
    if not spec.inplace:
        assert OUT not in ws
    ws.redo()
    torch.testing.assert_close(ws[target].detach(), after, equal_nan=True)
    path = tmp_path / "s.gradviz"
    ws.save(path)
    fresh = Workspace()
    fresh.load(path)
    assert fresh.names() == ws.names()
    for n in ws.names():
        _assert_same(fresh[n], ws[n], f"{name}: reopened {n}")


def test_docs_list_every_op():
    from pathlib import Path

    from gradviz.core.ops import catalog_markdown

    text = catalog_markdown()
    for spec in OPS.values():
        assert f"| `{spec.name}` | `{spec.label.replace('|', chr(92) + '|')}` |" in text
    doc = Path(__file__).resolve().parents[2] / "docs" / "ops.md"
    assert doc.read_text(encoding="utf-8") == text, (
        "docs/ops.md is stale: regenerate it with "
        'python -c "from gradviz.core.ops import catalog_markdown as m; '
        "open('docs/ops.md', 'w').write(m())\""
    )
