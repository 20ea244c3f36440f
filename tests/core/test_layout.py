"""layout_graph: layered, no overlaps, and stable when the graph grows."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.core.graph import capture_graph, function_node_id, tensor_node_id
from gradviz.core.layout import layout_graph, node_size, route_edges, stable_keys


def _boxes(graph, pos):
    out = []
    for n in graph.nodes:
        (x, y), (w, h) = pos[n.id], node_size(n)
        out.append((n.id, x - w / 2, x + w / 2, y - h / 2, y + h / 2))
    return out


def assert_no_overlaps(graph, pos):
    boxes = _boxes(graph, pos)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[2] <= b[1] or b[2] <= a[1] or a[4] <= b[3] or b[4] <= a[3]
            assert apart, f"{a[0]} overlaps {b[0]}"


def _mlp(depth: int, width: int = 3):
    torch.manual_seed(0)
    h = torch.randn(2, width)
    names = {}
    for i in range(depth):
        w = torch.randn(width, width, requires_grad=True)
        names[f"w{i}"] = w
        h = torch.tanh(h @ w) + h
    names["out"] = h.sum()
    return names


def test_every_node_placed_inputs_above_consumers():
    names = _mlp(4)
    graph = capture_graph(names["out"], names=names)
    pos = layout_graph(graph)
    assert set(pos) == {n.id for n in graph.nodes}
    for e in graph.edges:
        assert pos[e.source][1] < pos[e.target][1]
    assert_no_overlaps(graph, pos)


def test_empty_graph():
    assert layout_graph(capture_graph()) == {}


def test_adding_nodes_does_not_move_old_ones():
    x = torch.randn(3, requires_grad=True)
    w = torch.randn(3, requires_grad=True)
    y = x * w
    first = capture_graph(y, names={"x": x, "w": w, "y": y})
    pos1 = layout_graph(first)
    z = y.exp() + x
    loss = z.sum()
    second = capture_graph(y, loss, names={"x": x, "w": w, "y": y, "loss": loss})
    pos2 = layout_graph(second, previous=pos1)
    for nid, p in pos1.items():
        assert pos2[nid] == p
    assert len(pos2) > len(pos1)
    assert_no_overlaps(second, pos2)
    # the new ExpBackward0 sits below its input, y's MulBackward0
    exp = function_node_id(z.grad_fn.next_functions[0][0])
    assert pos2[exp][1] > pos2[function_node_id(y.grad_fn)][1]


def test_new_input_goes_above_its_consumer():
    x = torch.randn(3, requires_grad=True)
    y = x.sin()
    pos1 = layout_graph(capture_graph(y, names={"x": x}))
    b = torch.randn(3, requires_grad=True)
    z = y * b
    graph = capture_graph(y, z, names={"x": x, "b": b})
    pos2 = layout_graph(graph, previous=pos1)
    mul = function_node_id(z.grad_fn)
    assert pos2[tensor_node_id(b)][1] < pos2[mul][1]
    assert_no_overlaps(graph, pos2)


def test_unconnected_new_part_goes_to_the_side():
    a = torch.randn(2, requires_grad=True)
    first = capture_graph(a.exp(), names={"a": a})
    pos1 = layout_graph(first)
    b = torch.randn(2, requires_grad=True)
    graph = capture_graph(first.node(first.roots[0]).ref, b.cos(), names={"a": a, "b": b})
    pos2 = layout_graph(graph, previous=pos1)
    right = max(x for x, _ in pos1.values())
    assert pos2[tensor_node_id(b)][0] > right
    assert_no_overlaps(graph, pos2)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.sampled_from("+*")), max_size=25)
)
def test_growing_graph_never_moves_or_overlaps(steps):
    """Random expression DAGs grown one op at a time: old nodes stay, nothing overlaps."""
    values = [torch.randn(2, requires_grad=True) for _ in range(3)]
    names = {f"v{i}": v for i, v in enumerate(values)}
    pos: dict = {}
    for i, j, op in steps:
        a, b = values[i % len(values)], values[j % len(values)]
        values.append(a + b if op == "+" else a * b)
        names[f"v{len(values) - 1}"] = values[-1]
        roots = [v for v in values if v.grad_fn is not None]
        graph = capture_graph(*roots, names=names)
        new = layout_graph(graph, previous=pos)
        for nid, p in pos.items():
            if nid in new:
                assert new[nid] == p
        assert_no_overlaps(graph, new)
        pos = new


def test_long_edges_are_routed_around_boxes():
    x = torch.arange(3.0, requires_grad=True)
    y = x * x
    u = y.detach()
    z = u * x
    names = {"x": x, "y": y, "u": u, "z": z}
    graph = capture_graph(z, y, names=names)
    pos = layout_graph(graph)
    routes = route_edges(graph, pos)
    boxes = _boxes(graph, pos)
    for index, points in routes.items():
        edge = graph.edges[index]
        for px, py in points:
            for nid, x0, x1, y0, y1 in boxes:
                if nid not in (edge.source, edge.target):
                    assert not (x0 < px < x1 and y0 < py < y1)


def test_stable_keys_survive_recreating_the_tensors():
    def build():
        x = torch.ones(3, requires_grad=True)
        w = torch.ones(3, requires_grad=True)
        y = x * w
        z = y * x + w
        names = {"x": x, "w": w, "y": y, "z": z}
        return capture_graph(y, z, names=names)

    g1, g2 = build(), build()
    k1, k2 = stable_keys(g1), stable_keys(g2)
    assert len(set(k1.values())) == len(k1)  # unique
    by_label1 = sorted((g1.node(i).label, k) for i, k in k1.items())
    by_label2 = sorted((g2.node(i).label, k) for i, k in k2.items())
    assert by_label1 == by_label2
    assert {n.id for n in g1.nodes}.isdisjoint({n.id for n in g2.nodes})
