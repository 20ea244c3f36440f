"""A refused action names the input at fault, in any language (forms mark it by this)."""

from __future__ import annotations

import pytest

from gradviz.core.workspace import Workspace, WorkspaceError


@pytest.mark.parametrize("language", ["en", "zh_CN"])
@pytest.mark.parametrize(
    ("action", "field"),
    [
        (lambda ws: ws.create("t", "tensor", {"data": "[[1, 2], [3]]"}), "data"),
        (lambda ws: ws.create("t", "zeros", {"size": "2, -3"}), "size"),
        (lambda ws: ws.create("x", "zeros", {"size": "2"}), "name"),  # taken
        (lambda ws: ws.create("2x", "zeros", {"size": "2"}), "name"),  # not an identifier
        (lambda ws: ws.create("t", "randn", {"size": "2"}, seed=-1), "seed"),
        (lambda ws: ws.apply("mul", "y", {"a": "nope", "b": "x"}), "a"),
        (lambda ws: ws.apply("mul", "x", {"a": "x", "b": "2"}), "name"),  # out name taken
    ],
)
def test_the_error_names_its_field(action, field, language, request):
    if language == "zh_CN":
        request.getfixturevalue("chinese")
    ws = Workspace()
    ws.create("x", "ones", {"size": "3"})
    before = dict(ws.tensors)
    with pytest.raises(WorkspaceError) as err:
        action(ws)
    assert err.value.field == field, str(err.value)
    assert ws.tensors == before  # nothing changed


def test_an_error_about_no_single_input_names_none():
    ws = Workspace()
    ws.create("a", "ones", {"size": "3"})
    ws.create("b", "ones", {"size": "4"})
    with pytest.raises(WorkspaceError) as err:
        ws.apply("add", "c", {"a": "a", "b": "b"})  # the shapes don't broadcast: both at fault
    assert err.value.field is None
