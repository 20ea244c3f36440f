"""Tensor factories through a real Workspace: options, seeds, and the code they export."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from gradviz.core.factories import DTYPES, FACTORIES
from gradviz.core.ops import parse_param
from gradviz.core.workspace import Workspace, WorkspaceError

UNINITIALISED = {"empty", "empty_like"}  # their values are whatever memory held
SOURCE = "[[1., 2., 3.], [4., 5., 6.]]"  # the input of the *_like factories


def _args(name: str) -> dict[str, str]:
    spec = FACTORIES[name]
    args = dict(spec.example)
    if spec.like:
        args["input"] = "src"
    return args


def _workspace_with_source() -> Workspace:
    ws = Workspace()
    ws.create("src", "tensor", {"data": SOURCE})
    return ws


def _run_exported(ws: Workspace) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(ws.export_code(), "<exported>", "exec"), namespace)  # the test runs our output
    return namespace


def _assert_rebuilt(ws: Workspace) -> None:
    """The exported code rebuilds every tensor: values, shape, dtype, requires_grad."""
    namespace = _run_exported(ws)
    for action in ws.history:
        name = action.target
        ours, theirs = ws[name], namespace[name]
        assert theirs.shape == ours.shape, name
        assert theirs.dtype == ours.dtype, name
        assert theirs.requires_grad == ours.requires_grad, name
        assert theirs.device == ours.device, name
        if action.op not in UNINITIALISED:
            torch.testing.assert_close(theirs, ours, equal_nan=True, msg=name)


def _direct(name: str, args: dict[str, str], src: torch.Tensor, **options: Any) -> torch.Tensor:
    """The same factory called on torch directly (options as torch keywords)."""
    spec = FACTORIES[name]
    values = {}
    for p in spec.params:
        if p.kind == "tensor":
            values[p.name] = src
        elif p.kind == "literal":
            from gradviz.core.literals import parse_tensor_literal

            values[p.name] = parse_tensor_literal(args[p.name])
        else:
            values[p.name] = parse_param(p, args.get(p.name, ""))
    return spec.call(**values, **options)


OPTIONS = [
    {},
    {"dtype": "float64"},
    {"dtype": "float32", "requires_grad": True},
    {"dtype": "int32"},
    {"device": "cpu", "seed": 7},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "default")
@pytest.mark.parametrize("name", list(FACTORIES))
def test_every_factory_with_options(name, options):
    spec = FACTORIES[name]
    if options.get("dtype", "").startswith("int") and name in (
        "rand",
        "randn",
        "normal",
        "rand_like",
        "randn_like",
    ):
        pytest.skip("random floats have no integer dtype")  # torch refuses, tested below
    ws = _workspace_with_source()
    args = _args(name)
    seed = options.get("seed", 1234)
    ws.create("t", name, args, **{**options, "seed": seed if spec.random else options.get("seed")})
    tensor = ws["t"]

    torch_options: dict[str, Any] = {}
    if "dtype" in options:
        torch_options["dtype"] = DTYPES[options["dtype"]]
    if options.get("requires_grad"):
        torch_options["requires_grad"] = True
    if spec.random:
        torch.manual_seed(seed)
    expected = _direct(name, args, ws["src"], **torch_options)

    assert tensor.shape == expected.shape
    assert tensor.dtype == expected.dtype
    assert tensor.requires_grad == bool(options.get("requires_grad"))
    assert tensor.device.type == "cpu"
    assert tensor.is_leaf
    if name not in UNINITIALISED:
        torch.testing.assert_close(tensor, expected, equal_nan=True)
    if "dtype" in options:
        assert tensor.dtype == DTYPES[options["dtype"]]
    _assert_rebuilt(ws)


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("tensor", {"data": "[[1, 2], [3, 4]]"}, torch.tensor([[1, 2], [3, 4]])),
        ("tensor", {"data": "3.5"}, torch.tensor(3.5)),
        ("tensor", {"data": "[True, False]"}, torch.tensor([True, False])),
        ("zeros", {"size": "2, 3"}, torch.zeros(2, 3)),
        ("zeros", {"size": "()"}, torch.zeros(())),
        ("ones", {"size": "4"}, torch.ones(4)),
        ("ones", {"size": "(2, 0)"}, torch.ones(2, 0)),
        ("full", {"size": "3", "fill_value": "7."}, torch.full((3,), 7.0)),
        ("full", {"size": "2, 2", "fill_value": "-1"}, torch.full((2, 2), -1)),
        ("full", {"size": "2", "fill_value": "inf"}, torch.full((2,), float("inf"))),
        ("eye", {"n": "3"}, torch.eye(3)),
        ("eye", {"n": "2", "m": "3"}, torch.eye(2, 3)),
        ("arange", {"end": "5"}, torch.arange(5)),
        ("arange", {"start": "2", "end": "5"}, torch.arange(2, 5)),
        ("arange", {"end": "10", "step": "3"}, torch.arange(0, 10, 3)),
        ("arange", {"start": "1", "end": "2", "step": "0.25"}, torch.arange(1, 2, 0.25)),
        ("linspace", {"start": "0", "end": "1", "steps": "5"}, torch.linspace(0, 1, 5)),
        ("randperm", {"n": "0"}, torch.randperm(0)),
        ("full_like", {"input": "src", "fill_value": "2"}, torch.full((2, 3), 2.0)),
        ("zeros_like", {"input": "src"}, torch.zeros(2, 3)),
        ("ones_like", {"input": "src"}, torch.ones(2, 3)),
    ],
)
def test_known_values_and_exported_code(name, args, expected):
    ws = _workspace_with_source()
    ws.create("t", name, args)
    if expected is not None:
        assert ws["t"].dtype == expected.dtype
        torch.testing.assert_close(ws["t"], expected)
    _assert_rebuilt(ws)


def test_nan_and_inf_literals_export_as_runnable_code():
    ws = Workspace()
    ws.create("t", "tensor", {"data": "[nan, inf, -inf]"})
    _assert_rebuilt(ws)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("rand", {"size": "3"}),
        ("randn", {"size": "2, 2"}),
        ("randint", {"high": "100", "size": "4"}),
        ("randint", {"low": "-5", "high": "5", "size": "2, 3"}),
        ("randperm", {"n": "8"}),
        ("normal", {"mean": "3", "std": "0.5", "size": "5"}),
        ("rand_like", {"input": "src"}),
        ("randn_like", {"input": "src"}),
    ],
)
def test_a_seed_reproduces_values(name, args):
    ws = _workspace_with_source()
    ws.create("a", name, args, seed=42)
    ws.create("b", name, args, seed=42)
    ws.create("c", name, args, seed=43)
    assert torch.equal(ws["a"], ws["b"])
    assert not torch.equal(ws["a"], ws["c"])
    torch.manual_seed(42)
    assert torch.equal(ws["a"], _direct(name, args, ws["src"]))
    _assert_rebuilt(ws)
    assert "torch.manual_seed(42)" in ws.export_code()


def test_random_factory_without_seed_still_exports_the_same_values():
    ws = Workspace()
    ws.create("a", "randn", {"size": "3, 3"})
    seed = ws.history[-1].options["seed"]  # chosen and recorded by the workspace
    torch.manual_seed(seed)
    assert torch.equal(ws["a"], torch.randn(3, 3))
    torch.manual_seed(0)  # the global RNG state must not matter to the export
    _assert_rebuilt(ws)


def test_randint_values_stay_in_range_and_randperm_is_a_permutation():
    ws = Workspace()
    ws.create("r", "randint", {"low": "3", "high": "6", "size": "50"}, seed=1)
    ws.create("p", "randperm", {"n": "10"}, seed=1)
    assert ws["r"].min() >= 3 and ws["r"].max() < 6 and ws["r"].dtype == torch.int64
    assert sorted(ws["p"].tolist()) == list(range(10))


def test_like_factories_follow_the_source_dtype_unless_told():
    ws = Workspace()
    ws.create("src", "tensor", {"data": "[1, 2, 3]"})  # int64
    ws.create("a", "zeros_like", {"input": "src"})
    ws.create("b", "ones_like", {"input": "src"}, dtype="float64", requires_grad=True)
    assert ws["a"].dtype == torch.int64
    assert ws["b"].dtype == torch.float64 and ws["b"].requires_grad
    _assert_rebuilt(ws)


def test_code_lines_read_like_pytorch():
    ws = Workspace()
    cases = [
        ("a", "zeros", {"size": "2, 3"}, {}, "a = torch.zeros(2, 3)"),
        ("b", "zeros", {"size": "()"}, {}, "b = torch.zeros(())"),
        ("c", "full", {"size": "3", "fill_value": "7."}, {}, "c = torch.full((3,), 7.0)"),
        ("d", "arange", {"end": "5"}, {}, "d = torch.arange(5)"),
        ("e", "arange", {"end": "10", "step": "3"}, {}, "e = torch.arange(0, 10, 3)"),
        ("f", "eye", {"n": "2"}, {"dtype": "float64"}, "f = torch.eye(2, dtype=torch.float64)"),
        ("g", "ones", {"size": "2"}, {"requires_grad": True},
         "g = torch.ones(2, requires_grad=True)"),
        ("h", "tensor", {"data": "[1., 2.]"}, {}, "h = torch.tensor([1.0, 2.0])"),
    ]  # fmt: skip
    for name, factory, args, options, line in cases:
        ws.create(name, factory, args, **options)
        assert ws.code_for(ws.history[-1]) == line
    ws.create("r", "randn", {"size": "2"}, seed=3)
    assert ws.code_for(ws.history[-1]) == "torch.manual_seed(3)\nr = torch.randn(2)"
    _assert_rebuilt(ws)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("name", ["zeros", "randn", "tensor", "zeros_like"])
def test_cuda_device(name):
    ws = _workspace_with_source()
    ws.create("t", name, _args(name), device="cuda", seed=1)
    assert ws["t"].device.type == "cuda"
    assert "device='cuda'" in ws.export_code()
    _assert_rebuilt(ws)


@pytest.mark.parametrize(
    ("name", "args", "options", "words"),
    [
        ("rand", {"size": "2"}, {"dtype": "int64"}, ["int64"]),
        ("randperm", {"n": "3"}, {"requires_grad": True}, ["floating-point"]),
        ("tensor", {"data": "[1, 2]"}, {"requires_grad": True}, ["floating-point"]),
        ("eye", {"n": "-1"}, {}, ["-1"]),
        ("linspace", {"start": "0", "end": "1", "steps": "-2"}, {}, ["steps"]),
        ("arange", {"end": "5", "step": "0"}, {}, ["step"]),
        ("randint", {"low": "5", "high": "2", "size": "2"}, {}, ["RuntimeError"]),
        ("zeros_like", {"input": "nope"}, {}, ["no tensor named 'nope'"]),
        ("zeros", {"size": "2"}, {"device": "cuda:99"}, ["cuda:99"]),
        ("zeros", {"size": "2"}, {"device": "gpu"}, ["unknown device 'gpu'"]),
        ("zeros", {"size": "2"}, {"dtype": "float8"}, ["unknown dtype 'float8'"]),
        ("zeros", {}, {}, ["size", "required"]),
    ],
)
def test_bad_factory_input_is_refused_and_changes_nothing(name, args, options, words):
    ws = _workspace_with_source()
    history = [a.to_dict() for a in ws.history]
    with pytest.raises(WorkspaceError) as info:
        ws.create("t", name, args, **options)
    for word in words:
        assert word in str(info.value), str(info.value)
    assert "t" not in ws and ws.names() == ["src"]
    assert [a.to_dict() for a in ws.history] == history
