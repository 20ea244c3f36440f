"""capture_graph against a direct walk of grad_fn.next_functions, over many expressions."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter

import pytest
import torch
import torch.nn.functional as F

from gradviz.core.fn_info import backward_stem, catalog_op, function_details
from gradviz.core.graph import (
    KINDS,
    capture_graph,
    function_node_id,
    tensor_node_id,
)


def reference_walk(*roots: torch.Tensor) -> tuple[set[str], Counter, set[str]]:
    """Function ids, edge multiset and leaf ids, written independently of gradviz."""
    functions: set[str] = set()
    leaves: set[str] = set()
    edges: Counter = Counter()
    stack = [r.grad_fn for r in roots if r.grad_fn is not None]
    seen: set[int] = set()

    def node_id(fn) -> str:
        if type(fn).__name__ == "AccumulateGrad":
            return f"t-{id(fn.variable):x}"
        return f"fn-{id(fn):x}"

    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        if type(fn).__name__ == "AccumulateGrad":
            leaves.add(node_id(fn))
            continue
        functions.add(node_id(fn))
        for nxt, _ in fn.next_functions:
            if nxt is not None:
                edges[(node_id(nxt), node_id(fn))] += 1
                stack.append(nxt)
    for r in roots:
        if r.grad_fn is not None:
            edges[(node_id(r.grad_fn), f"t-{id(r):x}")] += 1
    return functions, edges, leaves


def _seed_detach():
    x = torch.arange(4.0, requires_grad=True)
    y = x * x
    u = y.detach()
    z = u * x
    return {"x": x, "y": y, "u": u, "z": z}, ["z"]


def _seed_no_grad():
    x = torch.arange(4.0, requires_grad=True)
    with torch.no_grad():
        y = x * x
    y2 = y * x
    return {"x": x, "y": y, "y2": y2, "s": y2.sum()}, ["s"]


def _seed_cube():
    x = torch.arange(4.0, requires_grad=True)
    y = x * x
    y1 = y * x
    return {"x": x, "y": y, "y1": y1, "s": y1.sum()}, ["s"]


def _seed_mean():
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    return {"x": x, "y": y, "z": z, "out": out}, ["out"]


def _seed_requires_grad_():
    a = torch.randn(2, 2)
    a = (a * 3) / (a - 1)
    a.requires_grad_(True)
    b = (a * a).sum()
    return {"a": a, "b": b}, ["b"]


def _seed_dot():
    x = torch.arange(4.0, requires_grad=True)
    return {"x": x, "y": torch.dot(x, x)}, ["y"]


def _seed_data_edit():
    x = torch.ones(1, requires_grad=True)
    y = 2 * x
    x.data *= 100
    return {"x": x, "y": y}, ["y"]


def _mlp():
    torch.manual_seed(0)
    w1 = torch.randn(4, 3, requires_grad=True)
    b1 = torch.zeros(4, requires_grad=True)
    w2 = torch.randn(1, 4, requires_grad=True)
    x = torch.randn(5, 3)
    h = torch.relu(F.linear(x, w1, b1))
    loss = F.mse_loss(F.linear(h, w2), torch.zeros(5, 1))
    return {"w1": w1, "b1": b1, "w2": w2, "x": x, "loss": loss}, ["loss"]


def _shared_and_multi_root():
    a = torch.randn(3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    c = a * b
    d = c.exp() + c.sin()
    e = (c * a).sum()
    return {"a": a, "b": b, "c": c, "d": d, "e": e}, ["d", "e"]


def _views_and_cat():
    x = torch.randn(2, 3, requires_grad=True)
    v = x.view(3, 2)
    s = x[0, 1:]
    t = x.t()
    out = torch.cat([v.reshape(-1), s, t.reshape(-1)]).sum()
    return {"x": x, "v": v, "s": s, "t": t, "out": out}, ["out", "v"]


def _matmul_softmax():
    q = torch.randn(2, 4, 8, requires_grad=True)
    k = torch.randn(2, 4, 8, requires_grad=True)
    att = torch.softmax(q @ k.transpose(-1, -2) / 8**0.5, dim=-1)
    return {"q": q, "k": k, "att": att, "out": (att @ k).pow(2).mean()}, ["out"]


def _custom_function():
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = torch.randn(3, requires_grad=True)
    return {"x": x, "y": Square.apply(x).sum()}, ["y"]


def _dtype_change():
    x = torch.randn(3, dtype=torch.float64, requires_grad=True)
    y = x.float() * 2
    return {"x": x, "y": y}, ["y"]


def _leaf_root():
    x = torch.randn(3, requires_grad=True)
    return {"x": x}, ["x"]


EXPRESSIONS = [
    _seed_detach, _seed_no_grad, _seed_cube, _seed_mean, _seed_requires_grad_, _seed_dot,
    _seed_data_edit, _mlp, _shared_and_multi_root, _views_and_cat, _matmul_softmax,
    _custom_function, _dtype_change, _leaf_root,
]  # fmt: skip


@pytest.mark.parametrize("make", EXPRESSIONS, ids=lambda f: f.__name__.strip("_"))
def test_graph_matches_a_direct_walk_of_next_functions(make):
    tensors, root_names = make()
    roots = [tensors[n] for n in root_names]
    graph = capture_graph(*roots, names=tensors)
    functions, edges, leaves = reference_walk(*roots)

    assert {n.id for n in graph.nodes if n.kind == "function"} == functions
    assert {n.id for n in graph.nodes if n.kind == "leaf"} == leaves
    data_edges = Counter(
        (e.source, e.target)
        for e in graph.edges
        if e.kind == "data" and graph.node(e.source).kind != "constant"
    )
    assert data_edges == edges
    # every function node is labelled with its class; no AccumulateGrad ever shows
    for n in graph.nodes:
        if n.kind == "function":
            assert n.label == type(n.ref).__name__ != "AccumulateGrad"
    # each root is one output node (a leaf root stays one node, shown as the output)
    for r, name in zip(roots, root_names, strict=True):
        node = graph.node(tensor_node_id(r))
        assert node.kind == "output" and node.name == name
    assert graph.roots == [tensor_node_id(r) for r in roots]
    # leaves carry the names they were given
    by_id = {tensor_node_id(t): name for name, t in tensors.items()}
    for n in graph.nodes:
        if n.kind == "leaf" and n.id in by_id:
            assert n.name == by_id[n.id] == n.label
        if n.kind == "leaf":
            assert n.ref.requires_grad and n.ref.is_leaf


def test_detached_tensor_is_a_constant_marked_cut_off_never_a_leaf():
    tensors, _ = _seed_detach()
    graph = capture_graph(tensors["z"], tensors["y"], names=tensors)
    u = graph.node(tensor_node_id(tensors["u"]))
    assert u.kind == "constant" and u.name == "u" and u.cut
    assert "detach" in u.note
    # it feeds z's MulBackward0, and a dashed "cut" edge comes from y, whose history it lost
    mul_z = function_node_id(tensors["z"].grad_fn)
    assert any(e.source == u.id and e.target == mul_z for e in graph.edges)
    cuts = [e for e in graph.edges if e.kind == "cut"]
    assert [(e.source, e.target) for e in cuts] == [(tensor_node_id(tensors["y"]), u.id)]
    # backward agrees: nothing flows into u, x gets only u (= x²), not 3x²
    tensors["z"].sum().backward()
    assert torch.equal(tensors["x"].grad, tensors["u"])


def test_no_grad_result_is_a_constant():
    tensors, roots = _seed_no_grad()
    graph = capture_graph(*(tensors[r] for r in roots), names=tensors)
    y = graph.node(tensor_node_id(tensors["y"]))
    assert y.kind == "constant"
    assert not any(n.kind == "leaf" and n.name == "y" for n in graph.nodes)


def test_uses_mark_a_no_grad_result_as_cut_from_its_input():
    x = torch.arange(3.0, requires_grad=True)
    with torch.no_grad():
        w = x * 2
    graph = capture_graph(names={"x": x, "w": w}, include=[x, w], uses=[(x, w)])
    w_node = graph.node(tensor_node_id(w))
    assert w_node.kind == "constant" and w_node.cut and "x" in w_node.note
    assert [(e.source, e.target, e.kind) for e in graph.edges] == [
        (tensor_node_id(x), w_node.id, "cut")
    ]


def test_plain_constant_input_is_not_marked_cut():
    w = torch.randn(3, requires_grad=True)
    c = torch.ones(3)
    graph = capture_graph(w * c, names={"w": w, "c": c})
    node = graph.node(tensor_node_id(c))
    assert node.kind == "constant" and not node.cut


def test_view_shows_its_base():
    x = torch.randn(2, 3, requires_grad=True)
    v = x.view(3, 2)
    graph = capture_graph(v, names={"x": x, "v": v})
    out = graph.node(tensor_node_id(v))
    assert out.base == tensor_node_id(x)
    assert any(
        e.kind == "view" and e.source == out.base and e.target == out.id for e in graph.edges
    )


def test_ids_agree_between_two_captures():
    tensors, roots = _shared_and_multi_root()
    a = capture_graph(*(tensors[r] for r in roots), names=tensors)
    b = capture_graph(tensors["e"])
    assert {n.id for n in b.nodes} <= {n.id for n in a.nodes}
    assert function_node_id(tensors["e"].grad_fn) in a


def test_edges_carry_shape_and_dtype():
    tensors, _ = _dtype_change()
    graph = capture_graph(tensors["y"], names=tensors)
    x_edge = next(e for e in graph.edges if e.source == tensor_node_id(tensors["x"]))
    assert x_edge.shape == [3] and x_edge.dtype == "float64"
    copy = graph.node(x_edge.target)
    assert copy.label == "ToCopyBackward0" and copy.dtype == "float32"


def test_saved_tensors_only_when_asked():
    x = torch.randn(3, requires_grad=True)
    y = x.exp() * x
    plain = capture_graph(y)
    assert not [n for n in plain.nodes if n.kind == "saved"]
    graph = capture_graph(y, names={"x": x}, show_saved=True)
    saved = [n for n in graph.nodes if n.kind == "saved"]
    labels = sorted(n.label for n in saved)
    assert labels == ["other", "result", "self"]  # mul saves self and other, exp its result
    for n in saved:
        edge = next(e for e in graph.edges if e.source == n.id)
        assert edge.kind == "saved" and graph.node(edge.target).kind == "function"
    assert {n.name for n in saved if n.label == "other"} == {"x"}


def test_to_json_has_exactly_the_documented_schema():
    tensors, roots = _mlp()
    data = capture_graph(*(tensors[r] for r in roots), names=tensors).to_json()
    assert set(data) == {"nodes", "edges"}
    for node in data["nodes"]:
        assert set(node) == {"id", "kind", "label", "name", "shape", "dtype", "module"}
        assert isinstance(node["id"], str) and node["kind"] in KINDS
        assert isinstance(node["label"], str)
        assert node["name"] is None or isinstance(node["name"], str)
        assert node["shape"] is None or all(isinstance(v, int) for v in node["shape"])
        assert node["dtype"] is None or isinstance(node["dtype"], str)
    ids = {n["id"] for n in data["nodes"]}
    for edge in data["edges"]:
        assert set(edge) == {"source", "target"}
        assert edge["source"] in ids and edge["target"] in ids
    import json

    assert json.loads(json.dumps(data)) == data


def _torchviz_nodes(dot_source: str) -> dict[str, str]:
    """node id -> label from DOT text (torchviz's and ours share the format)."""
    found = {}
    for m in re.finditer(
        r'^\s*(\S+) \[label=(?:"((?:[^"\\]|\\.)*)"|(\S+?))[\s\]]', dot_source, re.M
    ):
        label = m.group(2) if m.group(2) is not None else m.group(3)
        found[m.group(1)] = label.replace("\n", "\\n")  # graphviz keeps real newlines
    return found


@pytest.mark.parametrize("make", [_mlp, _seed_cube, _shared_and_multi_root, _matmul_softmax])
def test_to_dot_matches_torchviz_node_set(make):
    torchviz = pytest.importorskip("torchviz")
    tensors, roots = make()
    root = tensors[roots[0]]
    params = {n: t for n, t in tensors.items() if t.requires_grad and t.is_leaf}
    theirs = _torchviz_nodes(torchviz.make_dot(root, params=params).source)
    ours = _torchviz_nodes(capture_graph(root, names=params).to_dot())
    # torchviz draws AccumulateGrad and its tensor; gradviz folds both into the leaf
    theirs = {k: v for k, v in theirs.items() if v != "AccumulateGrad"}
    assert set(ours) == set(theirs)
    for node_id, label in theirs.items():
        if label.endswith("Backward0") or "Backward" in label:
            assert ours[node_id] == label
        else:  # tensors: "name\n (sizes)"
            assert ours[node_id].split("\\n")[1:2] == label.split("\\n")[1:2]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
def test_to_dot_is_valid_graphviz(tmp_path):
    tensors, roots = _seed_detach()
    text = capture_graph(tensors["z"], tensors["y"], names=tensors).to_dot()
    result = subprocess.run(["dot", "-Tplain"], input=text, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\nnode ") == text.count("[label=")


def test_counts_depth_and_summary():
    tensors, roots = _seed_mean()
    graph = capture_graph(tensors["out"], names=tensors)
    counts = graph.counts_by_kind()
    assert counts["leaf"] == 1 and counts["output"] == 1
    # x -> Add -> Mul(y*y) -> Mul(*3) -> Mean -> out
    assert counts["function"] == 4 and graph.depth() == 6
    assert "depth 6" in graph.summary()


def test_find_by_name_and_label():
    tensors, roots = _mlp()
    graph = capture_graph(tensors["loss"], names=tensors)
    assert graph.find("w2")[0].name == "w2"
    assert graph.find("mseloss")[0].label == "MseLossBackward0"
    assert graph.find("nothing-like-this") == []


def test_capture_rejects_non_tensors():
    with pytest.raises(TypeError, match="tensors"):
        capture_graph([1, 2])


def test_function_details_reads_saved_tensors_and_attributes():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum(dim=0)
    mul = y.grad_fn.next_functions[0][0]
    details = function_details(mul)
    assert details["label"] == "MulBackward0" and details["op"] == "mul"
    assert details["formula"]
    assert [n["id"] for n in details["next_functions"]] == [tensor_node_id(x)] * 2
    assert details["saved_tensors"]["_saved_self"]["values"] == [1.0, 2.0, 3.0]
    assert details["saved_tensors"]["_saved_self"]["shape"] == [3]
    summed = function_details(y.grad_fn)
    assert summed["attributes"]["_saved_self_sym_sizes"]["value"] == [3]
    y.backward()  # frees the saved tensors: details say so instead of failing
    assert function_details(mul)["saved_tensors"]["_saved_self"]["type"] == "freed"


def test_catalog_op_maps_backward_classes():
    assert backward_stem("MseLossBackward0") == "mse_loss"
    assert catalog_op("MulBackward0").name == "mul"
    assert catalog_op("SumBackward1").name == "sum"
    assert catalog_op("ViewBackward0").name in ("view", "reshape")
    assert catalog_op("AddmmBackward0").name == "matmul"
    assert catalog_op("NoSuchThingBackward0") is None


def test_constant_notes_outlive_backward_and_the_oldest_go_first(monkeypatch):
    from collections import OrderedDict

    import gradviz.core.graph as graph_module

    monkeypatch.setattr(graph_module, "_FREED_LIMIT", 2)
    monkeypatch.setattr(graph_module, "_FREED_SAVED", OrderedDict())
    c = torch.tensor([2.0, 3.0])
    xs = [torch.ones(2, requires_grad=True) for _ in range(3)]
    ys = [x * c for x in xs]  # each MulBackward0 saved c, a constant input
    for i in (0, 1, 0, 2):  # noted again, y0 moves past y1: y1 is the oldest
        graph_module.remember_constant_inputs([ys[i].grad_fn])
    for y in ys:
        y.sum().backward()  # frees the saved c: only the notes still know it
    shown = []
    for x, y in zip(xs, ys, strict=True):
        graph = capture_graph(y, names={"x": x, "c": c})
        mul = function_node_id(y.grad_fn)
        shown.append(any(e.source == tensor_node_id(c) and e.target == mul for e in graph.edges))
    assert shown == [True, False, True]
