"""The workspace under attack: sizes, session files, names, messages, redo.

Every refusal must be one WorkspaceError line and leave the workspace exactly as
it was; the oracle for "as it was" is a snapshot of tensors, versions, grads and
history taken before the bad request.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import random

import pytest
import torch

from gradviz.core import limits
from gradviz.core.errors import explain
from gradviz.core.workspace import Workspace, WorkspaceError


def _snapshot(ws: Workspace) -> dict:
    return {
        "names": ws.names(),
        "values": {n: t.detach().clone() for n, t in ws.tensors.items()},
        "versions": {n: t._version for n, t in ws.tensors.items()},
        "grads": {
            n: None if t.grad is None else t.grad.clone()
            for n, t in ws.tensors.items()
            if t.is_leaf or t.retains_grad
        },
        "history": [a.to_dict() for a in ws.history],
        "redo": [a.to_dict() for a in ws._redo],
    }


def _assert_same(a: dict, b: dict) -> None:
    assert a["names"] == b["names"]
    assert a["history"] == b["history"]
    assert a["redo"] == b["redo"]
    assert a["versions"] == b["versions"]
    for n in a["values"]:
        assert torch.equal(a["values"][n], b["values"][n]), n
    for n in a["grads"]:
        g, h = a["grads"][n], b["grads"][n]
        assert (g is None) == (h is None), n
        assert g is None or torch.equal(g, h), n


@pytest.fixture
def small_limit():
    """A limit of 1000 elements, so over-limit requests cost nothing even unfixed."""
    before = limits.max_elements()
    limits.set_max_elements(1000)
    yield 1000
    limits.set_max_elements(before)


def _ws() -> Workspace:
    ws = Workspace()
    ws.create("v", "ones", {"size": "40"}, requires_grad=True)  # 40 elements
    ws.create("col", "ones", {"size": "40, 1"})
    ws.create("row", "ones", {"size": "1, 40"})
    ws.create("one", "ones", {"size": "1"})
    return ws


# ------------------------------------------------------------------ sizes
OVER_LIMIT = [
    (lambda ws: ws.create("a", "arange", {"end": "1001"})),
    (lambda ws: ws.create("a", "arange", {"start": "0", "end": "1", "step": "0.0005"})),
    (lambda ws: ws.create("a", "linspace", {"start": "0", "end": "1", "steps": "2000"})),
    (lambda ws: ws.create("a", "eye", {"n": "32"})),
    (lambda ws: ws.create("a", "eye", {"n": "2", "m": "600"})),
    (lambda ws: ws.create("a", "randperm", {"n": "5000"})),
    (lambda ws: ws.create("a", "zeros", {"size": "10, 101"})),
    (lambda ws: ws.apply("repeat", "a", {"input": "v", "repeats": "30"})),
    (lambda ws: ws.apply("outer", "a", {"a": "v", "b": "v"})),
    (lambda ws: ws.apply("mm", "a", {"a": "col", "b": "row"})),
    (lambda ws: ws.apply("matmul", "a", {"a": "col", "b": "row"})),
    (lambda ws: ws.apply("einsum", "a", {"equation": "i,j->ij", "operands": "v, v"})),
    (lambda ws: ws.apply("cat", "a", {"tensors": ", ".join(["v"] * 30)})),
    (lambda ws: ws.apply("expand", "a", {"input": "one", "sizes": "5000"})),
    (lambda ws: ws.apply("mul", "a", {"a": "col", "b": "row"})),  # broadcasting
]


@pytest.mark.parametrize("request_", OVER_LIMIT)
def test_results_over_the_size_limit_are_refused_before_running(small_limit, request_):
    ws = _ws()
    before = _snapshot(ws)
    with pytest.raises(WorkspaceError, match=r"more than the size limit of 1,000 "):
        request_(ws)
    _assert_same(before, _snapshot(ws))


def test_results_under_the_limit_still_work(small_limit):
    ws = _ws()
    ws.create("a", "arange", {"end": "1000"})  # exactly the limit
    ws.apply("repeat", "r", {"input": "v", "repeats": "25"})
    assert ws["a"].numel() == ws["r"].numel() == 1000


def test_the_default_limit_is_in_the_message_and_applies_to_huge_requests():
    ws = Workspace()
    for make in (
        lambda: ws.create("a", "arange", {"end": "1e12"}),
        lambda: ws.create("e", "eye", {"n": "1000000"}),
        lambda: ws.create("p", "randperm", {"n": "1000000000000"}),
    ):
        with pytest.raises(WorkspaceError, match=r"size limit of 50,000,000 elements"):
            make()
    assert ws.names() == [] and ws.history == []


def test_a_session_file_cannot_allocate_past_the_limit(tmp_path):
    path = tmp_path / "big.gradviz"
    action = {"kind": "create", "target": "a", "op": "arange", "args": {"end": "1e12"}}
    path.write_text(json.dumps({"format": "gradviz-session", "version": 1, "actions": [action]}))
    with pytest.raises(WorkspaceError, match="action 1 failed.*size limit of 50,000,000"):
        Workspace().load(path)


def test_a_lowered_limit_makes_redo_fail_without_losing_the_redo_stack():
    ws = Workspace()
    ws.create("a", "arange", {"end": "5000"})
    ws.apply("mul", "b", {"a": "a", "b": "2"})
    ws.undo()
    ws.undo()
    before = _snapshot(ws)
    old = limits.max_elements()
    limits.set_max_elements(100)
    try:
        with pytest.raises(WorkspaceError, match="size limit of 100 "):
            ws.redo()
    finally:
        limits.set_max_elements(old)
    _assert_same(before, _snapshot(ws))
    assert ws.can_redo
    ws.redo()
    ws.redo()
    assert torch.equal(ws["b"], torch.arange(5000) * 2)


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "100", 2**41])
def test_the_limit_itself_is_checked(bad):
    with pytest.raises(limits.SizeLimitError):
        limits.set_max_elements(bad)


def test_pytorchs_out_of_memory_becomes_a_plain_sentence():
    old = limits.max_elements()
    limits.set_max_elements(limits.LARGEST_MAX_ELEMENTS)  # let the request reach torch
    try:
        with pytest.raises(RuntimeError) as raw:
            torch.empty(2**39, dtype=torch.float64)  # 4.4 TB: no machine has it
        with pytest.raises(WorkspaceError) as caught:
            Workspace().create("a", "zeros", {"size": str(2**39)}, dtype="float64")
    finally:
        limits.set_max_elements(old)
    assert "allocate" in str(raw.value)
    assert explain(raw.value).startswith("There is not enough memory for this result")
    assert "4.4 TB" in explain(raw.value)
    assert str(caught.value).startswith("There is not enough memory")


# ------------------------------------------------------------ session files
def _session(*actions: dict) -> str:
    return json.dumps({"format": "gradviz-session", "version": 1, "actions": list(actions)})


GOOD = {"kind": "create", "target": "x", "op": "ones", "args": {"size": "2"}, "options": {}}
BAD_FILES = {
    "non-string target": _session({**GOOD, "target": ["x"]}),
    "dict target": _session({**GOOD, "target": {"a": 1}}),
    "truthy non-string device": _session({**GOOD, "options": {"device": 1}}),
    "device list": _session({**GOOD, "options": {"device": ["cpu"]}}),
    "dtype number": _session({**GOOD, "options": {"dtype": 7}}),
    "seed true": _session({**GOOD, "op": "randn", "options": {"seed": True}}),
    "seed text": _session({**GOOD, "op": "randn", "options": {"seed": "3"}}),
    "seed huge": _session({**GOOD, "op": "randn", "options": {"seed": 2**64}}),
    "unknown option": _session({**GOOD, "options": {"explode": True}}),
    "args value list": _session({**GOOD, "args": {"size": [2]}}),
    "op number": _session({**GOOD, "op": 3}),
    "kind unknown": _session({**GOOD, "kind": "explode"}),
    "kind number": _session({**GOOD, "kind": 1}),
    "lone surrogate": _session({**GOOD, "target": "\ud800"}),
    "version true": json.dumps({"format": "gradviz-session", "version": True, "actions": []}),
    "nested 100000 deep": '{"format": "gradviz-session", "version": 1, "actions": '
    + "[" * 100_000
    + "]" * 100_000
    + "}",
    "int of 5000 digits": '{"format": "gradviz-session", "version": 1, "actions": [{"kind": '
    '"create", "target": "x", "op": "randn", "args": {"size": "2"}, "options": {"seed": '
    + "9" * 5000
    + "}}]}",
    "in-place target list": _session(
        {**GOOD, "options": {"requires_grad": False}},
        {"kind": "apply", "target": ["x"], "op": "add_", "args": {"a": "x", "b": "1"}},
    ),
    "in-place target elsewhere": _session(
        GOOD,
        {**GOOD, "target": "y"},
        {"kind": "apply", "target": "y", "op": "add_", "args": {"a": "x", "b": "1"}},
    ),
}


@pytest.mark.parametrize("content", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_malformed_session_files_are_one_workspace_error(tmp_path, content):
    ws = Workspace()
    ws.create("keep", "ones", {"size": "3"}, requires_grad=True)
    ws.apply("sum", "s", {"input": "keep"})
    ws.backward("s")
    ws.undo()  # something on the redo stack too
    before = _snapshot(ws)
    path = tmp_path / "bad.gradviz"
    path.write_text(content, encoding="utf-8", errors="surrogatepass")
    with pytest.raises(WorkspaceError) as caught:
        ws.load(path)
    message = str(caught.value)
    assert message.startswith("bad.gradviz") and "\n" not in message and len(message) < 400
    _assert_same(before, _snapshot(ws))
    assert ws.can_undo and ws.can_redo


def _rich_session() -> dict:
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[[1., 2.], [3., 4.]]"}, requires_grad=True)
    ws.create("r", "randn", {"size": "2, 2"}, seed=4)
    ws.create("n", "zeros", {"size": "2, 2"}, dtype="float64")
    ws.apply("mul", "y", {"a": "x", "b": "r"})
    ws.apply("add_", None, {"a": "n", "b": "1"})
    ws.apply("add", "w", {"a": "x", "b": "2"}, no_grad=True)
    ws.edit("n", (0, 1), "7", data=True)
    ws.apply("sum", "s", {"input": "y"})
    ws.retain_grad("y")
    ws.backward("s", retain_graph=True)
    ws.zero_grad(["x"])
    ws.delete("w")
    return ws.to_json()


WRONG_VALUES = [None, True, False, 0, -1, 2**70, 1.5, float("inf"), "", "x", "\u00e9" * 3,
                [], ["x"], {}, {"a": "b"}, [[[]]]]  # fmt: skip


def _mutants(seed: int = 13, count: int = 400):
    """Truncations of a valid session, and a wrong value in every field it has."""
    rng = random.Random(seed)
    good = _rich_session()
    text = json.dumps(good)
    for _ in range(count // 4):
        yield text[: rng.randrange(len(text))]
    paths = [("format",), ("version",), ("actions",)]
    for i, action in enumerate(good["actions"]):
        paths.append(("actions", i))
        for key, value in action.items():
            paths.append(("actions", i, key))
            if isinstance(value, dict):
                paths += [("actions", i, key, sub) for sub in value]
    for _ in range(count - count // 4):
        doc = json.loads(text)
        path = rng.choice(paths)
        holder = doc
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = rng.choice(WRONG_VALUES)
        yield json.dumps(doc)


def test_session_file_fuzzer_only_ever_raises_workspace_error(tmp_path):
    """Fixed seed, bounded count: every mutant loads or fails as one WorkspaceError."""
    ws = Workspace()
    ws.create("keep", "ones", {"size": "3"})
    path = tmp_path / "fuzz.gradviz"
    refused = 0
    for content in _mutants():
        path.write_text(content, encoding="utf-8")
        before = _snapshot(ws)
        try:
            ws.load(path)
        except WorkspaceError as exc:
            refused += 1
            assert "\n" not in str(exc)
            _assert_same(before, _snapshot(ws))
        else:  # a mutant that is still a valid session replaces the workspace; start over
            ws = Workspace()
            ws.create("keep", "ones", {"size": "3"})
    assert refused > 300  # the fuzzer really produced bad files


# ------------------------------------------------------------- zero_grad
def test_zero_grad_checks_every_name_before_clearing_any():
    ws = Workspace()
    ws.create("x", "ones", {"size": "2"}, requires_grad=True)
    ws.apply("sum", "s", {"input": "x"})
    ws.backward("s")
    before = _snapshot(ws)
    with pytest.raises(WorkspaceError, match="no tensor named 'ghost'"):
        ws.zero_grad(["x", "ghost"])
    _assert_same(before, _snapshot(ws))
    assert torch.equal(ws["x"].grad, torch.ones(2))


def test_a_zero_grad_action_from_a_file_is_all_or_nothing():
    ws = Workspace()
    ws.create("x", "ones", {"size": "2"}, requires_grad=True)
    ws.apply("sum", "s", {"input": "x"})
    ws.backward("s")
    from gradviz.core.workspace import Action

    with pytest.raises(WorkspaceError):
        ws.run_action(Action("zero_grad", "", "", {"names": "x, ghost"}))
    assert ws["x"].grad is not None


# ------------------------------------------------------------------ redo
def test_redo_after_undoing_several_actions_keeps_redo_available_to_listeners():
    ws = Workspace()
    ws.create("x", "ones", {"size": "2"})
    ws.apply("mul", "y", {"a": "x", "b": "2"})
    ws.apply("mul", "z", {"a": "y", "b": "3"})
    ws.undo()
    ws.undo()
    seen = []
    ws.subscribe(lambda event: seen.append((ws.can_redo, event.message)))
    ws.redo()
    assert seen == [(True, "redid: y = x * 2")]
    ws.redo()
    assert seen[-1] == (False, "redid: z = y * 3")
    assert torch.equal(ws["z"], torch.full((2,), 6.0))


# --------------------------------------------------------------- names
@pytest.mark.parametrize("name", ["nan", "inf", "float", "torch", "print", "math", "__builtins__"])
def test_names_the_exported_code_needs_are_refused(name):
    ws = Workspace()
    with pytest.raises(WorkspaceError, match="not a usable name"):
        ws.create(name, "ones", {"size": "2"})
    assert ws.names() == []


@pytest.mark.parametrize(("name", "folded"), [("𝔵", "x"), ("ｆｌｏａｔ", "float"), ("ﬁ", "fi")])
def test_names_that_fold_onto_another_name_are_refused(name, folded):
    ws = Workspace()
    ws.create("x", "ones", {"size": "2"})
    with pytest.raises(WorkspaceError, match=f"reads as '{folded}'"):
        ws.create(name, "zeros", {"size": "2"})
    assert ws.names() == ["x"]


def test_exported_code_rebuilds_the_workspace_in_a_fresh_namespace():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., nan, inf, -inf]"}, requires_grad=True)
    ws.create("int_", "ones", {"size": "4"})  # names near builtins are fine
    ws.apply("mul", "y", {"a": "x", "b": "nan"})
    ws.apply("add", "z", {"a": "x", "b": "-inf"})
    ws.edit("int_", (0,), "nan")
    ws.edit("int_", (1,), "-inf")
    ws.edit("int_", (2,), "float('inf')")
    ws.apply("clamp", "c", {"input": "x", "min": "0", "max": "inf"})
    ws.apply("sum", "s", {"input": "c"})
    ws.backward("s")
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(
            compile(ws.export_code(printout=True), "<exported>", "exec"), namespace
        )  # our own output
    for name, tensor in ws.tensors.items():
        torch.testing.assert_close(namespace[name].detach(), tensor.detach(), equal_nan=True)
    torch.testing.assert_close(namespace["x"].grad, ws["x"].grad, equal_nan=True)
    assert math.isnan(namespace["int_"][0]) and namespace["int_"][1] == -math.inf


def test_exported_code_ends_by_printing_the_tensors():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "3"})
    ws.apply("sum", "s", {"input": "y"})
    ws.backward("s")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(ws.export_code(printout=True), "<exported>", "exec"), {})  # our own output
    printed = out.getvalue().splitlines()
    assert printed[0] == "x = tensor([1., 2.], requires_grad=True)"
    assert printed[1] == "x.grad = tensor([3., 3.])"
    assert printed[2].startswith("y = tensor([3., 6.], grad_fn=<MulBackward0>)")
    assert printed[3].startswith("s = tensor(9., grad_fn=<SumBackward0>)")
    assert len(printed) == 4
    assert "print(" not in ws.export_code()  # the Code panel shows the actions only


# ------------------------------------------------------------- messages
LONG = "n" * 100_000
LONG_REQUESTS = [
    lambda ws: ws[LONG],
    lambda ws: ws.delete(LONG),
    lambda ws: ws.backward(LONG),
    lambda ws: ws.retain_grad(LONG),
    lambda ws: ws.zero_grad([LONG]),
    lambda ws: ws.create(LONG, "ones", {"size": "2"}),
    lambda ws: ws.create("x", "ones", {"size": "2"}),  # exists
    lambda ws: ws.create("a", LONG, {}),
    lambda ws: ws.create("a", "ones", {"size": "2"}, dtype=LONG),
    lambda ws: ws.create("a", "ones", {LONG: "2"}),
    lambda ws: ws.create("a", "tensor", {"data": LONG[:99_000]}),
    lambda ws: ws.apply(LONG, "o", {}),
    lambda ws: ws.apply("add", "o", {"a": LONG, "b": "1"}),
    lambda ws: ws.apply("add", "o", {"a": "x", "b": LONG}),
    lambda ws: ws.apply("cat", "o", {"tensors": f"x, {LONG}"}),
    lambda ws: ws.edit(LONG, (0,), "1"),
    lambda ws: ws.edit("x", (0,), LONG[:99_000]),
]


@pytest.mark.parametrize("request_", LONG_REQUESTS)
def test_long_names_are_shortened_in_every_message(request_):
    ws = Workspace()
    ws.create("x", "ones", {"size": "2"})
    before = _snapshot(ws)
    with pytest.raises(WorkspaceError) as caught:
        request_(ws)
    assert len(str(caught.value)) <= 400, len(str(caught.value))
    _assert_same(before, _snapshot(ws))


def test_a_huge_literal_is_shortened_in_undo_and_redo_messages():
    ws = Workspace()
    seen = []
    ws.subscribe(lambda event: seen.append(event.message))
    ws.create("x", "tensor", {"data": "[" + ", ".join(["1."] * 20_000) + "]"})
    ws.undo()
    ws.redo()
    assert seen[1].startswith("undid: x = torch.tensor([1.0, 1.0") and len(seen[1]) <= 120
    assert seen[2].startswith("redid: x = torch.tensor([1.0, 1.0") and len(seen[2]) <= 120
