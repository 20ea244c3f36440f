"""layout_graph: layered, no overlaps, and stable when the graph grows."""

from __future__ import annotations

import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gradviz.core.graph import capture_graph, function_node_id, tensor_node_id
from gradviz.core.layout import (
    GROUP_PAD,
    GROUP_TITLE,
    layout_graph,
    node_size,
    route_edges,
    stable_keys,
)


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


MARGIN = 8.0  # route_edges' default clearance


def _path(graph, pos, routes, index):
    """The polyline the view draws for edge ``index``: bottom of its source, the router's
    waypoints, top of its target."""
    e = graph.edges[index]
    (xa, ya), (xb, yb) = pos[e.source], pos[e.target]
    ha, hb = node_size(graph.node(e.source))[1], node_size(graph.node(e.target))[1]
    return [(xa, ya + ha / 2), *routes.get(index, []), (xb, yb - hb / 2)]


def _x_at(path, y):
    """Where the polyline crosses height y (it only ever heads down)."""
    for (x0, y0), (x1, y1) in zip(path, path[1:], strict=False):
        if y0 <= y <= y1:
            return x0 if y1 == y0 else x0 + (x1 - x0) * (y - y0) / (y1 - y0)
    return None


def _blocked(graph, pos, path, ends, margin=0.0):
    """The boxes (other than the edge's own ends) that the path passes through at their
    centre height: a box there would hide the edge."""
    hits = []
    for nid, x0, x1, y0, y1 in _boxes(graph, pos):
        if nid in ends:
            continue
        cy = (y0 + y1) / 2
        if path[0][1] < cy < path[-1][1]:
            x = _x_at(path, cy)
            if x is not None and x0 - margin < x < x1 + margin:
                hits.append(nid)
    return hits


def assert_routes_are_real(graph, pos, routes):
    """Every downward edge runs clear of every other box; a route exists where needed."""
    for index, e in enumerate(graph.edges):
        if e.source not in pos or e.target not in pos:
            continue
        straight = _path(graph, pos, {}, index)
        path = _path(graph, pos, routes, index)
        if straight[-1][1] <= straight[0][1]:
            assert index not in routes  # not downwards: drawn sideways, never routed
            continue
        ends = (e.source, e.target)
        if _blocked(graph, pos, straight, ends, MARGIN):
            assert index in routes, f"edge {index} runs through a box and has no route"
        if index in routes:
            points = routes[index]
            ys = [y for _, y in path]
            assert ys == sorted(ys) and len(set(ys)) == len(ys)  # one waypoint per row, downwards
            assert all(path[0][1] < y < path[-1][1] for _, y in points)
            # routed only near a box: within 4 margins the edge is passed straight down the
            # gap, so its curve cannot clip the box; an edge far from every box stays plain
            assert _blocked(graph, pos, straight, ends, 4 * MARGIN), "a route for a clear edge"
        assert not _blocked(graph, pos, path, ends), f"edge {index} hides behind a box"


def _skip_graph():
    """x feeds a node four rows down, past a column of nodes right under it."""
    x = torch.arange(3.0, requires_grad=True)
    h = x
    names = {"x": x}
    for i in range(4):
        h = h.sin() if i % 2 else h.exp()
        names[f"h{i}"] = h
    out = h * x  # the long edge from x (top) to the Mul (bottom)
    names["out"] = out
    return capture_graph(out, names=names), x, out


def test_long_edge_past_a_column_of_boxes_gets_a_route_that_clears_them():
    graph, x, out = _skip_graph()
    pos = layout_graph(graph)
    routes = route_edges(graph, pos)
    src, dst = tensor_node_id(x), function_node_id(out.grad_fn)
    index = next(i for i, e in enumerate(graph.edges) if (e.source, e.target) == (src, dst))
    straight = _path(graph, pos, {}, index)
    # the premise: drawn straight, the edge would run behind the chain between
    assert _blocked(graph, pos, straight, (src, dst), MARGIN)
    assert index in routes and len(routes[index]) >= 1
    path = _path(graph, pos, routes, index)
    assert path[0] == (pos[src][0], pos[src][1] + node_size(graph.node(src))[1] / 2)
    assert path[-1] == (pos[dst][0], pos[dst][1] - node_size(graph.node(dst))[1] / 2)
    assert not _blocked(graph, pos, path, (src, dst), MARGIN)
    assert_routes_are_real(graph, pos, routes)


def test_edges_between_neighbouring_rows_get_no_route():
    x = torch.arange(3.0, requires_grad=True)
    graph = capture_graph((x * 2).sum(), names={"x": x})
    pos = layout_graph(graph)
    assert route_edges(graph, pos) == {}


def test_long_edges_are_routed_around_boxes():
    x = torch.arange(3.0, requires_grad=True)
    y = x * x
    u = y.detach()
    z = u * x
    names = {"x": x, "y": y, "u": u, "z": z}
    graph = capture_graph(z, y, names=names)
    pos = layout_graph(graph)
    assert_routes_are_real(graph, pos, route_edges(graph, pos))


def test_route_goes_to_the_nearer_gap_and_centres_in_it():
    """A hand-made row: the edge aims at a box; it bends to the nearer side's gap."""
    graph, x, out = _skip_graph()
    pos = dict(layout_graph(graph))
    src, dst = tensor_node_id(x), function_node_id(out.grad_fn)
    index = next(i for i, e in enumerate(graph.edges) if (e.source, e.target) == (src, dst))
    routes = route_edges(graph, pos)
    for wx, wy in routes[index]:
        row = sorted(b for b in _boxes(graph, pos) if (b[3] + b[4]) / 2 == wy)
        # the waypoint is outside every box of its row, with the margin
        assert all(not (x0 - MARGIN < wx < x1 + MARGIN) for _, x0, x1, _, _ in row)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 30), st.sampled_from("+*e")),
        min_size=3,
        max_size=20,
    )
)
# a bend at a lower row moved the line back into a box of a row it had already cleared
@example(
    steps=[(1, 0, "e"), (2, 0, "e"), (2, 0, "e"), (22, 22, "+"), (0, 0, "+"), (3, 3, "+"),
           (1, 24, "+"), (1, 17, "+"), (16, 30, "+"), (0, 5, "+"), (9, 29, "+"), (0, 4, "+"),
           (2, 12, "+")]
)  # fmt: skip
def test_routes_are_real_on_random_graphs(steps):
    """Random expression DAGs (with long edges): every edge runs clear of other boxes."""
    values = [torch.randn(2, requires_grad=True) for _ in range(3)]
    names = {f"v{i}": v for i, v in enumerate(values)}
    for i, j, op in steps:
        a, b = values[i % len(values)], values[j % len(values)]
        values.append(a + b if op == "+" else a * b if op == "*" else a.exp())
        names[f"v{len(values) - 1}"] = values[-1]
    roots = [v for v in values if v.grad_fn is not None]
    graph = capture_graph(*roots, names=names)
    pos = layout_graph(graph)
    assert_routes_are_real(graph, pos, route_edges(graph, pos))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 30), st.sampled_from("+*e")),
        min_size=3,
        max_size=20,
    )
)
# an incremental layout's rows are ragged: boxes of one row sit at a few heights, so a
# line clear where the row starts can still run through a box centred lower down
@example(
    steps=[(1, 13, "*"), (18, 0, "+"), (14, 26, "*"), (26, 8, "e"), (25, 5, "+"), (16, 15, "*"),
           (2, 7, "e"), (11, 1, "*"), (27, 4, "e"), (11, 12, "*"), (9, 26, "e"), (8, 14, "+"),
           (21, 9, "e"), (11, 4, "*"), (24, 27, "+"), (14, 19, "*"), (1, 18, "+"), (7, 4, "+"),
           (30, 29, "*"), (17, 11, "+"), (10, 21, "e")]
)  # fmt: skip
# ...and a row that holds the target's own row-mates is not one the edge crosses
@example(
    steps=[(24, 28, "*"), (1, 8, "e"), (15, 12, "*"), (30, 15, "*"), (18, 28, "+"), (16, 4, "*"),
           (4, 24, "+"), (19, 25, "*"), (29, 17, "e"), (25, 19, "+")]
)  # fmt: skip
def test_routes_are_real_while_a_graph_grows(steps):
    """The live view lays out incrementally: routes stay real on every step of the growth."""
    values = [torch.randn(2, requires_grad=True) for _ in range(3)]
    names = {f"v{i}": v for i, v in enumerate(values)}
    pos: dict = {}
    for i, j, op in steps:
        a, b = values[i % len(values)], values[j % len(values)]
        values.append(a + b if op == "+" else a * b if op == "*" else a.exp())
        names[f"v{len(values) - 1}"] = values[-1]
        graph = capture_graph(*[v for v in values if v.grad_fn is not None], names=names)
        pos = layout_graph(graph, previous=pos)
        assert_routes_are_real(graph, pos, route_edges(graph, pos))


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


def test_stable_keys_say_what_each_node_is():
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    z = y.exp()
    graph = capture_graph(z, names={"x": x, "y": y, "z": z})
    keys = stable_keys(graph)
    for n in graph.nodes:
        if n.kind == "function":
            assert (
                keys[n.id].startswith(f"f:{n.label}:")
                and len(keys[n.id]) == len(f"f:{n.label}:") + 16
            )  # an 8-byte digest of the structure that made it
        elif n.kind == "saved":
            assert keys[n.id].startswith("s:f:")
        else:
            assert keys[n.id] == f"t:{n.name}"
    # the same structure twice gives the same digest; a different input, another one
    a = torch.ones(2, requires_grad=True)
    twice = capture_graph(a.exp(), a.exp().exp(), names={"x": a})
    digests = {k for k in stable_keys(twice).values() if k.startswith("f:ExpBackward0")}
    assert len(digests) == 3  # exp(x) twice (one gets #1) and exp(exp(x))
    assert any(k.endswith("#1") for k in digests)


def _placed_by_hand(offset: float):
    """The skip graph with every box of the chain at x = 0 and the long edge's two ends at
    ``offset``: the edge runs through the chain's boxes, near one side of them."""
    graph, x, out = _skip_graph()
    pos = layout_graph(graph)
    src, dst = tensor_node_id(x), function_node_id(out.grad_fn)
    ys = sorted({y for _, y in pos.values()})
    hand = {}
    for nid, (_, y) in pos.items():
        hand[nid] = (offset, y) if nid in (src, dst) else (0.0, y)
    index = next(i for i, e in enumerate(graph.edges) if (e.source, e.target) == (src, dst))
    return graph, hand, index, ys


def test_a_route_bends_to_the_nearer_side_of_the_box_in_the_way():
    for offset, side in ((10.0, 1), (-10.0, -1)):
        graph, pos, index, _ = _placed_by_hand(offset)
        routes = route_edges(graph, pos)
        assert index in routes
        for wx, wy in routes[index]:
            blockers = [b for b in _boxes(graph, pos) if (b[3] + b[4]) / 2 == wy]
            for _, x0, x1, _, _ in blockers:
                # beside the box, on the side the edge was nearer to, one margin away
                assert wx == (x1 + MARGIN if side > 0 else x0 - MARGIN)


def test_positions_of_nodes_not_in_the_graph_are_ignored():
    graph, x, out = _skip_graph()
    pos = layout_graph(graph)
    routes = route_edges(graph, pos)
    assert routes
    # a view may still hold the place of a node that has gone: it changes nothing
    assert route_edges(graph, {"gone": (0.0, 0.0), **pos}) == routes
    assert route_edges(graph, {**pos, "gone": (0.0, 0.0)}) == routes


def _frames(graph, pos):
    """Each module's frame as the view draws it: around its own nodes' boxes and its
    children's frames, with padding on every side and room for its title on top."""
    rects: dict[str, tuple[float, float, float, float]] = {}

    def unite(m, box):
        old = rects.get(m, box)
        rects[m] = (min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]),
                    max(old[3], box[3]))  # fmt: skip

    for n in graph.nodes:
        if n.module is not None:
            (x, y), (w, h) = pos[n.id], node_size(n)
            unite(n.module, (x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    for m in graph.modules():  # a module with no node of its own still has children
        parts = m.split(".")
        for k in range(1, len(parts)):
            rects.setdefault(".".join(parts[:k]), rects.get(m, (0.0, 0.0, 0.0, 0.0)))
    frames = {}
    for m in sorted(rects, key=lambda p: -p.count(".")):  # innermost first
        x0, y0, x1, y1 = rects[m]
        frames[m] = (x0 - GROUP_PAD, y0 - GROUP_PAD - GROUP_TITLE, x1 + GROUP_PAD, y1 + GROUP_PAD)
        if "." in m:
            unite(m.rsplit(".", 1)[0], frames[m])
    return frames


def test_module_blocks_never_overlap_and_hold_only_their_own_nodes():
    from torch import nn

    from gradviz.core.graph import capture_module

    torch.manual_seed(0)
    inner = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 3))
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), inner, nn.Linear(3, 2))
    graph = capture_module(net, torch.randn(2, 4))
    pos = layout_graph(graph)
    assert_no_overlaps(graph, pos)
    frames = _frames(graph, pos)
    assert {"net.0", "net.2", "net.2.0", "net.2.2", "net.3"} <= set(frames)
    names = sorted(frames)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if a.startswith(b + "."):
                a, b = b, a
            if b.startswith(a + "."):  # nested: b's whole frame lies inside a's padding
                (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = frames[a], frames[b]
                assert ax0 + GROUP_PAD <= bx0 and bx1 <= ax1 - GROUP_PAD, (a, b)
                assert ay0 + GROUP_PAD + GROUP_TITLE <= by0 and by1 <= ay1 - GROUP_PAD, (a, b)
                continue
            (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = frames[a], frames[b]
            apart = ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0
            assert apart, f"module {a} overlaps module {b}"
    for m, (x0, y0, x1, y1) in frames.items():
        for nid, bx0, bx1, by0, by1 in _boxes(graph, pos):
            node = graph.node(nid)
            inside = not (bx1 <= x0 or x1 <= bx0 or by1 <= y0 or y1 <= by0)  # any overlap
            mine = node.module is not None and (node.module + ".").startswith(m + ".")
            assert mine or not inside, f"{node.label} ({node.module}) inside module {m}"


def test_rows_leave_the_same_clear_gap_two_line_boxes_sit_row_gap_apart():
    from gradviz.core.layout import ROW_GAP

    x = torch.ones(2, requires_grad=True)
    z = x.exp().sin()
    graph = capture_graph(z, names={"x": x, "z": z})
    pos = layout_graph(graph)
    rows: dict[float, float] = {}
    for n in graph.nodes:  # row centre -> its tallest box
        rows[pos[n.id][1]] = max(rows.get(pos[n.id][1], 0.0), node_size(n)[1])
    ys = sorted(rows)
    assert len(ys) == 4  # x, Exp, Sin, z
    two_lines = node_size(graph.node(tensor_node_id(x)))[1]  # "x" and its shape
    gaps = [(b - rows[b] / 2) - (a + rows[a] / 2) for a, b in zip(ys, ys[1:], strict=False)]
    assert gaps == [ROW_GAP - two_lines] * 3
