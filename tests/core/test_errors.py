"""Bad input: PyTorch's errors explained in plain words, and a workspace left as it was.

The first half raises real PyTorch errors and checks the plain sentence that
``explain`` gives. The second half makes each kind of mistake through a real
Workspace (malformed literal, wrong shape, rejected dtype, missing device,
incompatible shapes, unknown names) and checks the message names the problem
and that names, values, versions, gradients, history and redo are untouched.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F

from gradviz.core.errors import explain
from gradviz.core.workspace import Workspace, WorkspaceError


def _raise(fn: Callable[[], object]) -> BaseException:
    try:
        fn()
    except Exception as exc:  # the real PyTorch exception
        return exc
    raise AssertionError("expected PyTorch to raise")


def _inplace_after_save() -> None:
    w = torch.ones(2, requires_grad=True)
    e = w.exp()
    e.add_(1)
    e.sum().backward()


def _backward_twice() -> None:
    w = torch.ones(2, requires_grad=True)
    s = (w * w).sum()
    s.backward()
    s.backward()


ONES23 = torch.ones(2, 3)
LONG = torch.ones(2, 3, dtype=torch.long)

# (what PyTorch is asked to do, words the plain sentence must contain)
EXPLAINED: list[tuple[Callable[[], object], list[str]]] = [
    (_inplace_after_save, ["changed in place"]),
    (_backward_twice, ["retain_graph"]),
    (lambda: (torch.ones(2, requires_grad=True) * 2).backward(), ["scalar"]),
    (lambda: torch.ones(2).sum().backward(), ["not part of any graph"]),
    (lambda: torch.ones(2, requires_grad=True).add_(1), ["leaf", "in place"]),
    (lambda: torch.ones(2, requires_grad=True)[0].add_(1), ["view of a leaf"]),
    (lambda: torch.tensor([1, 2], requires_grad=True), ["floating-point"]),
    (lambda: torch.ones(2, dtype=torch.long).requires_grad_(), ["floating-point"]),
    (lambda: torch.ones(2, requires_grad=True).numpy(), [".detach().numpy()"]),
    (lambda: ONES23 + torch.ones(4), ["do not broadcast", "3", "4"]),
    (lambda: torch.ones(3).add_(ONES23), ["cannot change its tensor's shape", "[2, 3]", "[3]"]),
    (lambda: torch.mm(ONES23, ONES23), ["inner sizes", "3 ≠ 2"]),
    (lambda: torch.mv(ONES23, torch.ones(4)), ["vector's length", "3 ≠ 4"]),
    (lambda: torch.dot(torch.ones(3), torch.ones(4)), ["same length", "3 and 4"]),
    (lambda: torch.dot(ONES23, ONES23), ["1-D", "2-D"]),
    (lambda: torch.mm(torch.ones(2), ONES23), ["2-D matrices"]),
    (lambda: torch.bmm(ONES23, ONES23), ["3-D"]),
    (lambda: torch.bmm(torch.ones(2, 2, 3), torch.ones(2, 4, 3)), ["(2, 3)", "(2, 4)"]),
    (lambda: ONES23.view(4, 4), ["Cannot reshape 6 elements into shape (4, 4)"]),
    (lambda: ONES23.t().view(6), ["contiguous"]),
    (lambda: torch.ones(2, 3, 4).t(), ["at most 2 dims", "3"]),
    (lambda: torch.cat([torch.ones(2, 2), torch.ones(3, 3)]), ["except dim 0", "tensor 1"]),
    (lambda: torch.cat([torch.ones(2, 2), torch.ones(2)]), ["same number of dims"]),
    (lambda: torch.stack([torch.ones(2), torch.ones(3)]), ["one shape", "[2]", "[3]"]),
    (lambda: torch.stack([]), ["at least one tensor"]),
    (lambda: ONES23.permute(1, 0, 2), ["one entry per dim", "2 dims", "3"]),
    (lambda: ONES23.repeat(2), ["at least one count per dim"]),
    (lambda: ONES23.expand(3, 3), ["size 1", "dim 0 has size 2", "become 3"]),
    (lambda: ONES23.sum(dim=5), ["dim 5", "-2 to 1"]),
    (lambda: ONES23[5], ["Index 5", "size 2"]),
    (lambda: ONES23[0, 0, 0], ["more entries", "(2)"]),
    (lambda: torch.einsum("ij,jk->ik", torch.ones(2), ONES23), ["operand 0", "1 dims", "2"]),
    (lambda: torch.einsum("ij,jk->ik", ONES23, torch.ones(2, 2)), ["index j", "repeated"]),
    (lambda: torch.einsum("ij,jk->ik", ONES23), ["fewer"]),
    (lambda: F.cross_entropy(ONES23, torch.tensor([0, 1, 2])), ["2 rows", "3 labels"]),
    (lambda: F.cross_entropy(ONES23, torch.tensor([0, 3])), ["Class index 3"]),
    (lambda: F.nll_loss(ONES23, torch.tensor([0.0, 1.0])), ["int64", "float32"]),
    (lambda: F.binary_cross_entropy(torch.tensor([2.0]), torch.tensor([1.0])), ["[0, 1]"]),
    (lambda: F.binary_cross_entropy(torch.tensor([0.5]), torch.tensor([1])), ["int64"]),
    (lambda: torch.mm(LONG, ONES23.t()), ["one dtype", "int64", "float32"]),
    (lambda: torch.dot(torch.ones(3), torch.ones(3, dtype=torch.long)), ["float32", "int64"]),
    (lambda: torch.ones(2, dtype=torch.long).add_(1.5), ["float32", "int64", "downcast"]),
    (lambda: F.softmax(LONG, dim=0), ["dtype int64", ".float()"]),
    (lambda: LONG.mean(), ["floating-point", "int64"]),
    (lambda: torch.norm(LONG), ["floating-point", "int64"]),
    (lambda: ONES23.masked_fill(ONES23, 0), ["bool tensor", "float"]),
    (lambda: torch.where(torch.ones(2), torch.ones(2), torch.ones(2)), ["bool tensor"]),
    (lambda: -torch.tensor([True]), ["Negation", "bool"]),
    (lambda: bool(torch.ones(2)), [".any()", ".all()"]),
    (lambda: torch.ones(2).item(), ["one-element", "2 elements"]),
    (lambda: torch.clamp(ONES23), ["min, a max, or both"]),
]


@pytest.mark.parametrize(("fn", "words"), EXPLAINED, ids=lambda v: "")
def test_pytorch_errors_are_explained(fn, words):
    exc = _raise(fn)
    text = explain(exc)
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    first_line = str(exc).strip().splitlines()[0]
    # the searchable original stays, clipped at a word boundary when long
    quoted = text.split("(PyTorch: ", 1)[1].rstrip(")").removesuffix(" …")
    assert first_line.startswith(quoted) and len(quoted) >= min(len(first_line), 40)
    assert "\n" not in text


def test_unknown_errors_keep_their_type_and_first_line():
    assert explain(KeyError("zap")) == "KeyError: 'zap'"
    assert explain(RuntimeError("first\nsecond")) == "RuntimeError: first"
    assert explain(RuntimeError("")) == "RuntimeError: RuntimeError"


def test_no_cuda_is_explained():
    text = explain(AssertionError("Torch not compiled with CUDA enabled"))
    assert "no usable CUDA GPU" in text


# ------------------------------------------------------ through the workspace
def _workspace() -> Workspace:
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[[1., 2., 3.], [4., 5., 6.]]"}, requires_grad=True)
    ws.create("v", "tensor", {"data": "[1., 2., 3., 4.]"})
    ws.create("i", "tensor", {"data": "[[1, 2], [3, 4], [5, 6]]"})
    ws.create("w", "tensor", {"data": "[[1., 0.], [0., 1.]]"})
    ws.create("p", "tensor", {"data": "[0.5, 2.]"})
    ws.create("k", "tensor", {"data": "[1, 0]"})
    ws.apply("mul", "y", {"a": "x", "b": "2"})
    ws.apply("sum", "s", {"input": "y"})
    ws.backward("s", retain_graph=True)
    ws.apply("add", "tmp", {"a": "v", "b": "1"})
    ws.undo()  # leaves something on the redo stack, which must survive a failure
    return ws


def _snapshot(ws: Workspace) -> dict:
    return {
        "names": ws.names(),
        "objects": {n: id(t) for n, t in ws.tensors.items()},
        "values": {n: t.detach().clone() for n, t in ws.tensors.items()},
        "meta": {
            n: (t.dtype, t.shape, t.requires_grad, t._version, t.is_leaf)
            for n, t in ws.tensors.items()
        },
        "grads": {
            n: None if t.grad is None else t.grad.clone()
            for n, t in ws.tensors.items()
            if t.is_leaf
        },
        "history": [a.to_dict() for a in ws.history],
        "redo": ws.can_redo,
        "code": ws.export_code(),
    }


def _assert_unchanged(before: dict, after: dict) -> None:
    for key in ("names", "objects", "meta", "history", "redo", "code"):
        assert before[key] == after[key], key
    for name, value in before["values"].items():
        assert torch.equal(value, after["values"][name]), name
    for name, grad in before["grads"].items():
        other = after["grads"][name]
        assert (grad is None) == (other is None), name
        assert grad is None or torch.equal(grad, other), name


def _create(name: str, factory: str, args: dict, **options) -> Callable[[Workspace], object]:
    return lambda ws: ws.create(name, factory, args, **options)


def _apply(op: str, out: str | None, args: dict) -> Callable[[Workspace], object]:
    return lambda ws: ws.apply(op, out, args)


# (action, words the status-bar message must contain)
BAD_INPUT: list[tuple[str, Callable[[Workspace], object], list[str]]] = [
    # malformed literals, shapes, numbers
    ("unclosed literal", _create("z", "tensor", {"data": "[1, 2"}), ["tensor literal", "syntax"]),
    ("ragged literal", _create("z", "tensor", {"data": "[[1, 2], [3]]"}), ["ragged", "(2,)"]),
    ("word in literal", _create("z", "tensor", {"data": "[1, two]"}), ["the name 'two'"]),
    (
        "code in literal",
        _create("z", "tensor", {"data": "__import__('os').system('echo hi')"}),
        ["a function call"],
    ),
    ("empty literal", _create("z", "tensor", {"data": ""}), ["empty input"]),
    ("negative size", _create("z", "zeros", {"size": "2, -3"}), ["non-negative", "(2, -3)"]),
    ("float size", _create("z", "ones", {"size": "2.5"}), ["whole number", "2.5"]),
    ("huge size", _create("z", "zeros", {"size": "100000, 100000"}), ["more than"]),
    ("bad number", _create("z", "full", {"size": "2", "fill_value": "seven"}), ["the name"]),
    ("bad dim", _apply("sum", "z", {"input": "x", "dim": "0.5"}), ["dim", "whole number"]),
    ("bad index", _apply("index", "z", {"input": "x", "index": "0, x"}), ["index"]),
    (
        "bad choice",
        _apply("mse_loss", "z", {"input": "x", "target": "x", "reduction": "avg"}),
        ["reduction", "mean, sum, none"],
    ),
    (
        "bad bool",
        _apply("sum", "z", {"input": "x", "dim": "0", "keepdim": "maybe"}),
        ["keepdim", "True or False"],
    ),
    ("missing param", _apply("cumsum", "z", {"input": "x"}), ["dim", "required"]),
    ("unknown param", _apply("exp", "z", {"input": "x", "base": "2"}), ["base"]),
    # wrong shapes for the op
    (
        "reshape size",
        _apply("reshape", "z", {"input": "x", "shape": "4, 4"}),
        ["Cannot reshape 6 elements into shape (4, 4)"],
    ),
    ("view size", _apply("view", "z", {"input": "x", "shape": "5, -1"}), ["6 elements"]),
    ("two -1", _apply("view", "z", {"input": "x", "shape": "-1, -1"}), ["only one size"]),
    ("bad dim index", _apply("softmax", "z", {"input": "x", "dim": "3"}), ["dim 3"]),
    ("permute length", _apply("permute", "z", {"input": "x", "dims": "0"}), ["one entry per"]),
    # dtypes the op rejects
    ("mm int and float", _apply("mm", "z", {"a": "i", "b": "x"}), ["int64", "float32"]),
    (
        "grad on int",
        _create("z", "tensor", {"data": "[1, 2]"}, requires_grad=True),
        ["floating-point"],
    ),
    ("grad on int op", _apply("requires_grad_", None, {"input": "i"}), ["floating-point"]),
    (
        "arange int grad",
        _create("z", "arange", {"end": "5"}, requires_grad=True),
        ["floating-point"],
    ),
    ("softmax of int", _apply("softmax", "z", {"input": "i", "dim": "0"}), ["int64"]),
    ("int target", _apply("binary_cross_entropy", "z", {"input": "p", "target": "k"}), ["int64"]),
    (
        "float class",
        _apply("cross_entropy", "z", {"input": "x", "target": "p"}),
        ["int64", "float32"],
    ),
    ("unknown dtype", _create("z", "zeros", {"size": "2"}, dtype="float128"), ["float128"]),
    ("in-place on leaf", _apply("add_", None, {"a": "x", "b": "1"}), ["leaf"]),
    ("in-place downcast", _apply("add_", None, {"a": "i", "b": "0.5"}), ["downcast"]),
    # devices that are not there
    ("tpu", _create("z", "zeros", {"size": "2"}, device="tpu"), ["unknown device 'tpu'"]),
    ("cuda:99", _create("z", "zeros", {"size": "2"}, device="cuda:99"), ["cuda:99", "available"]),
    # incompatible shapes
    ("broadcast", _apply("add", "z", {"a": "x", "b": "v"}), ["cannot broadcast (2, 3) with (4,)"]),
    (
        "broadcast 3",
        _apply("where", "z", {"condition": "x", "input": "v", "other": "1"}),
        ["cannot broadcast (2, 3) with (4,)"],
    ),
    (
        "in-place grows",
        _apply("add_", None, {"a": "p", "b": "w"}),
        ["cannot change its tensor's shape"],
    ),
    ("mm inner", _apply("mm", "z", {"a": "x", "b": "x"}), ["inner sizes", "3 ≠ 2"]),
    ("matmul inner", _apply("matmul", "z", {"a": "x", "b": "w"}), ["inner sizes", "3 ≠ 2"]),
    ("dot lengths", _apply("dot", "z", {"a": "v", "b": "p"}), ["same length", "4 and 2"]),
    ("cat sizes", _apply("cat", "z", {"tensors": "x, w"}), ["except dim 0"]),
    ("out of range", _apply("index", "z", {"input": "x", "index": "5"}), ["Index 5", "size 2"]),
    # names
    ("unknown tensor", _apply("mm", "z", {"a": "nope", "b": "w"}), ["no tensor named 'nope'"]),
    ("unknown in list", _apply("cat", "z", {"tensors": "x, nope"}), ["no tensor named 'nope'"]),
    ("no tensor picked", _apply("exp", "z", {"input": ""}), ["pick a tensor"]),
    ("unknown op", _apply("frobnicate", "z", {}), ["unknown op 'frobnicate'"]),
    ("unknown factory", _create("z", "zeroes", {"size": "2"}), ["unknown factory 'zeroes'"]),
    ("name taken", _apply("exp", "y", {"input": "x"}), ["'y' already exists"]),
    ("bad name", _apply("exp", "2y", {"input": "x"}), ["not a usable name"]),
    ("reserved name", _create("torch", "zeros", {"size": "2"}), ["not a usable name"]),
    ("delete unknown", lambda ws: ws.delete("nope"), ["no tensor named 'nope'"]),
]


@pytest.mark.parametrize(("what", "action", "words"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_is_explained_and_changes_nothing(what, action, words):
    ws = _workspace()
    events = []
    ws.subscribe(events.append)
    before = _snapshot(ws)
    with pytest.raises(WorkspaceError) as info:
        action(ws)
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "\n" not in message and "Traceback" not in message
    _assert_unchanged(before, _snapshot(ws))
    assert events == []  # listeners hear nothing about a refused action


def test_failed_step_after_a_good_one_keeps_the_good_one_only():
    ws = _workspace()
    ws.apply("t", "xt", {"input": "x"})
    before = _snapshot(ws)
    with pytest.raises(WorkspaceError, match="contiguous"):
        ws.apply("view", "z", {"input": "xt", "shape": "6"})
    _assert_unchanged(before, _snapshot(ws))


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_refused_and_changes_nothing():
    ws = _workspace()
    before = _snapshot(ws)
    with pytest.raises(WorkspaceError, match="'cuda' is not available"):
        ws.create("z", "randn", {"size": "2"}, device="cuda", seed=1)
    _assert_unchanged(before, _snapshot(ws))


def test_a_good_action_after_errors_still_works():
    ws = _workspace()
    for _, action, _ in BAD_INPUT:
        with pytest.raises(WorkspaceError):
            action(ws)
    ws.apply("mm", "z", {"a": "w", "b": "w"})
    assert torch.equal(ws["z"], torch.eye(2))
    ws.apply("sum", "s2", {"input": "x"})
    ws.backward("s2")
    assert torch.equal(ws["x"].grad, torch.full((2, 3), 3.0))  # 2 from s, 1 from s2


@pytest.mark.parametrize(
    ("message", "plain"),
    [
        ("dim 0 appears multiple times in the list of dims", "dim 0 is listed more than once"),
        ("addmv input tensors must have the same dtype, but got Bool", "different dtypes"),
        ("Expected floating point type for target with class probabilities", "float target"),
        ("zeros: Dimension size must be non-negative.", "Sizes must be zero or more"),
        ("step must be nonzero", "step cannot be 0"),
    ],
)
def test_more_errors_read_plainly(message, plain):
    assert plain in explain(RuntimeError(message))


def test_long_pytorch_text_is_clipped_at_a_word():
    text = explain(RuntimeError("Some unknown failure " + "word " * 100))
    assert text.endswith(" …")
    assert not text[:-2].endswith("wor")
