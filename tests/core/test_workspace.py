"""The workspace: actions, undo/redo by replay, code export, sessions, bad input."""

from __future__ import annotations

import json
import runpy

import pytest
import torch

from gradviz.core.workspace import Workspace, WorkspaceError


def _chain(ws: Workspace) -> None:
    ws.create("x", "tensor", {"data": "[[1., 2.], [3., 4.]]"}, requires_grad=True)
    ws.apply("add", "y", {"a": "x", "b": "2"})
    ws.apply("mul", "z", {"a": "y", "b": "y"})
    ws.apply("sum", "s", {"input": "z"})


def _snapshot(ws: Workspace) -> dict:
    return {
        "names": ws.names(),
        "values": {n: t.detach().clone() for n, t in ws.tensors.items()},
        "versions": {n: t._version for n, t in ws.tensors.items()},
        "grads": {
            n: (t.grad.clone() if t.grad is not None else None)
            for n, t in ws.tensors.items()
            if t.is_leaf
        },
        "history": [a.to_dict() for a in ws.history],
    }


def _same(a: dict, b: dict) -> bool:
    if a["names"] != b["names"] or a["history"] != b["history"] or a["versions"] != b["versions"]:
        return False
    for n in a["values"]:
        if not torch.equal(a["values"][n], b["values"][n]):
            return False
    for n, g in a["grads"].items():
        h = b["grads"][n]
        if (g is None) != (h is None) or (g is not None and not torch.equal(g, h)):
            return False
    return True


def test_backward_matches_torch_autograd():
    ws = Workspace()
    _chain(ws)
    ws.backward("s")
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (expected,) = torch.autograd.grad(((x + 2) * (x + 2)).sum(), x)
    assert torch.allclose(ws["x"].grad, expected)


def test_gradients_accumulate_and_zero_grad_clears():
    ws = Workspace()
    _chain(ws)
    ws.backward("s", retain_graph=True)
    first = ws["x"].grad.clone()
    ws.backward("s")
    assert torch.allclose(ws["x"].grad, 2 * first)
    ws.zero_grad()
    assert ws["x"].grad is None
    assert "x.grad = None" in ws.export_code()


def test_second_backward_without_retain_graph_is_explained_and_changes_nothing():
    ws = Workspace()
    _chain(ws)
    ws.backward("s")
    before = _snapshot(ws)
    with pytest.raises(WorkspaceError, match="retain_graph"):
        ws.backward("s")
    assert _same(before, _snapshot(ws))


def test_non_scalar_backward_needs_a_gradient_of_the_right_shape():
    ws = Workspace()
    _chain(ws)
    with pytest.raises(WorkspaceError, match="scalar"):
        ws.backward("z")
    with pytest.raises(WorkspaceError, match=r"shape \(2, 2\)"):
        ws.backward("z", "[1., 1.]")
    ws.backward("z", "[[1., 0.], [0., 1.]]")
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    v = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    ((x + 2) * (x + 2)).backward(v)
    assert torch.allclose(ws["x"].grad, x.grad)


def test_undo_redo_replays_exactly():
    ws = Workspace()
    _chain(ws)
    ws.backward("s")
    after = _snapshot(ws)
    ws.undo()
    assert ws["x"].grad is None
    ws.undo()
    assert "s" not in ws
    ws.redo()
    ws.redo()
    assert _same(after, _snapshot(ws))
    assert not ws.can_redo


def test_new_action_clears_redo():
    ws = Workspace()
    _chain(ws)
    ws.undo()
    assert ws.can_redo
    ws.apply("mul", "w", {"a": "x", "b": "3"})
    assert not ws.can_redo


def test_random_factories_record_a_seed_so_undo_keeps_values():
    ws = Workspace()
    ws.create("r", "randn", {"size": "3, 4"})
    values = ws["r"].clone()
    ws.create("q", "ones", {"size": "2"})
    ws.undo()
    assert torch.equal(ws["r"], values)


def test_edit_leaf_requiring_grad_bumps_version_and_breaks_saved_graph():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "x"})
    ws.apply("sum", "s", {"input": "y"})
    note = ws.edit("x", (0,), "10")
    assert "no_grad" in note and "version 0 → 1" in note
    assert ws["x"][0].item() == 10
    with pytest.raises(WorkspaceError, match="changed in place"):
        ws.backward("s")


def test_edit_through_data_is_invisible_to_autograd():
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    ws.apply("mul", "y", {"a": "x", "b": "x"})
    ws.apply("sum", "s", {"input": "y"})
    note = ws.edit("x", (0,), "10", data=True)
    assert ".data" in note
    assert ws["x"]._version == 0
    ws.backward("s")  # no error: the version did not change
    assert ws["x"].grad[0].item() == pytest.approx(20.0)  # 2·x uses the new value
    assert "x.data[0] = 10" in ws.export_code()


def test_edit_int_tensor_says_how_the_value_is_stored():
    ws = Workspace()
    ws.create("i", "tensor", {"data": "[1, 2, 3]"})
    note = ws.edit("i", (0,), "2.7")
    assert "int64 tensor: 2.7 is stored as 2" in note
    assert ws["i"].tolist() == [2, 2, 3]


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda ws: ws.create("bad", "tensor", {"data": "[[1, 2], [3]]"}), "ragged"),
        (lambda ws: ws.create("bad", "tensor", {"data": "__import__('os')"}), "function call"),
        (lambda ws: ws.create("bad", "zeros", {"size": "2, -3"}), "non-negative"),
        (lambda ws: ws.create("x", "zeros", {"size": "2"}), "already exists"),
        (lambda ws: ws.create("for", "zeros", {"size": "2"}), "not a usable name"),
        (lambda ws: ws.create("c", "zeros", {"size": "2"}, device="cuda:7"), "not available"),
        (lambda ws: ws.create("c", "zeros", {"size": "2"}, dtype="float99"), "unknown dtype"),
        (
            lambda ws: ws.create("c", "ones", {"size": "2"}, dtype="int64", requires_grad=True),
            "floating",
        ),
        (
            lambda ws: ws.apply("add", "o", {"a": "x", "b": "v"}),
            r"cannot broadcast \(2, 3\) with \(4,\)",
        ),
        (
            lambda ws: ws.apply("add", "o", {"a": "x", "b": "nope"}),
            "no tensor named .nope., and it is not a number",
        ),
        (lambda ws: ws.apply("reshape", "o", {"input": "x", "shape": "4, 2"}), "reshape 6"),
        (lambda ws: ws.apply("matmul", "o", {"a": "x", "b": "x"}), "inner sizes"),
        (lambda ws: ws.edit("x", (5, 0), "1"), "out of range"),
        (lambda ws: ws.edit("x", (0, 0), "abc"), "number"),
        (lambda ws: ws.delete("ghost"), "no tensor named"),
        (lambda ws: ws.backward("ghost"), "no tensor named"),
    ],
)
def test_bad_input_is_explained_and_changes_nothing(action, message):
    ws = Workspace()
    ws.create("x", "ones", {"size": "2, 3"}, requires_grad=True)
    ws.create("v", "ones", {"size": "4"})
    before = _snapshot(ws)
    with pytest.raises(WorkspaceError, match=message):
        action(ws)
    assert _same(before, _snapshot(ws))


def test_events_tell_listeners_what_changed():
    ws = Workspace()
    seen = []
    ws.subscribe(seen.append)
    ws.create("x", "ones", {"size": "2"})
    ws.apply("mul", "y", {"a": "x", "b": "2"})
    ws.delete("y")
    ws.undo()
    assert [(e.kind, e.names) for e in seen] == [
        ("added", ("x",)),
        ("added", ("y",)),
        ("removed", ("y",)),
        ("reset", ("y",)),  # undo names the tensor it brought back
    ]


def test_exported_code_rebuilds_the_same_tensors(tmp_path):
    ws = Workspace()
    ws.create("x", "tensor", {"data": "[[1., 2.], [3., 4.]]"}, requires_grad=True)
    ws.create("r", "randn", {"size": "2, 2"}, seed=3)
    ws.create("e", "eye", {"n": "2"}, dtype="float64")
    ws.create("a", "arange", {"end": "4"})
    ws.apply("mul", "y", {"a": "x", "b": "r"})
    ws.apply("detach", "d", {"input": "y"})
    ws.apply("add", "w", {"a": "x", "b": "10"}, no_grad=True)
    ws.apply("sum", "s", {"input": "y"})
    ws.edit("a", (1,), "7")
    ws.backward("s")
    path = tmp_path / "session.py"
    path.write_text(ws.export_code())
    namespace = runpy.run_path(str(path))
    for name, tensor in ws.tensors.items():
        rebuilt = namespace[name]
        assert torch.equal(rebuilt.detach(), tensor.detach()), name
        assert rebuilt.requires_grad == tensor.requires_grad, name
        assert rebuilt.dtype == tensor.dtype, name
    assert torch.equal(namespace["x"].grad, ws["x"].grad)


def test_session_round_trip(tmp_path):
    ws = Workspace()
    _chain(ws)
    ws.backward("s")
    path = tmp_path / "s.gradviz"
    ws.save(path)
    other = Workspace()
    other.load(path)
    assert _same(_snapshot(ws), _snapshot(other))
    assert json.loads(path.read_text())["format"] == "gradviz-session"


@pytest.mark.parametrize(
    "content",
    [
        "not json at all",
        json.dumps({"format": "something-else"}),
        json.dumps({"format": "gradviz-session", "version": 99, "actions": []}),
        json.dumps({"format": "gradviz-session", "version": 1, "actions": [{"kind": "explode"}]}),
        json.dumps(
            {
                "format": "gradviz-session",
                "version": 1,
                "actions": [
                    {"kind": "create", "target": "x", "op": "tensor", "args": {"data": "[1,"}}
                ],
            }
        ),
    ],
)
def test_bad_session_file_is_refused_and_nothing_changes(tmp_path, content):
    ws = Workspace()
    _chain(ws)
    before = _snapshot(ws)
    path = tmp_path / "bad.gradviz"
    path.write_text(content)
    with pytest.raises(WorkspaceError):
        ws.load(path)
    assert _same(before, _snapshot(ws))


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    ws = Workspace()
    _chain(ws)
    path = tmp_path / "s.gradviz"
    ws.save(path)
    original = path.read_text()
    ws.apply("mul", "w", {"a": "x", "b": "3"})

    def boom(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(WorkspaceError, match="No space left"):
        ws.save(path)
    assert path.read_text() == original
    assert [p.name for p in tmp_path.iterdir()] == ["s.gradviz"]  # no temp file left behind


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(WorkspaceError, match="no such file"):
        Workspace().load(tmp_path / "missing.gradviz")


def test_retain_grad_makes_non_leaf_grad_visible():
    ws = Workspace()
    _chain(ws)
    ws.retain_grad("y")
    ws.backward("s")
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x + 2
    (gy,) = torch.autograd.grad((y * y).sum(), y)
    assert torch.allclose(ws["y"].grad, gy)
    assert "y.retain_grad()" in ws.export_code()
