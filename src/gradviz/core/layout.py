"""Layered layout of a Graph: inputs at the top, outputs at the bottom, like torchviz.

A full layout is a small Sugiyama pipeline: layers by longest path, then each
node pulled down to just above its first consumer, barycentre ordering sweeps
to cut crossings, then x positions packed per layer without overlaps.

With ``previous`` positions the layout is *incremental*: every node that
already has a place keeps it exactly, and new nodes are put next to their
inputs (below them) or, for a new input, just above its consumer, sliding
sideways to the nearest free spot. That is what keeps a live view from
jumping on every change. Nodes that cannot be anchored to anything placed
are laid out as their own block to the right.

Positions are node centres in scene units (y grows downwards).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradviz.core.graph import Graph, Node

ROW_GAP = 72.0  # vertical distance between layer centres
COL_GAP = 18.0  # free space between neighbours in a layer
CHAR_W = 7.0  # average monospace character width at the view's default font
LINE_H = 15.0
GROUP_PAD = 12.0  # module frame: space around its content
GROUP_TITLE = 18.0  # module frame: room for its title above the content

Pos = tuple[float, float]


def format_bytes(n: float) -> str:
    """1536 -> "1.5 KB"."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def node_lines(node: Node) -> list[str]:
    """The text lines a node shows: functions their class, tensors name and shape."""
    if node.kind == "function":
        return [node.label]
    shape = "(" + ", ".join(map(str, node.shape)) + ")" if node.shape is not None else ""
    if node.kind == "group":  # a collapsed module: path and class, then what it holds
        lines = [node.label]
        if node.note:
            lines.append(node.note)
        if shape:
            lines.append(f"out {shape}")
        return lines
    title = node.name or node.label
    if node.kind == "saved":  # torchviz names saved tensors by attribute: self, other, result
        title = f"{node.label}={node.name}" if node.name else node.label
        ref = node.ref
        if hasattr(ref, "element_size") and hasattr(ref, "numel"):  # what backward keeps alive
            shape = f"{shape} {format_bytes(ref.numel() * ref.element_size())}".strip()
    return [title, shape] if shape else [title]


def node_size(node: Node) -> tuple[float, float]:
    """Width and height of a node's box; the view draws boxes of exactly this size."""
    lines = node_lines(node)
    width = max(56.0, CHAR_W * max(len(s) for s in lines) + 20.0)
    return width, LINE_H * len(lines) + 12.0


def _adjacency(graph: Graph) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    preds: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    succs: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for e in graph.edges:
        if e.source in preds and e.target in preds and e.source != e.target:
            succs[e.source].append(e.target)
            preds[e.target].append(e.source)
    return preds, succs


def _topo_order(ids: list[str], preds: Mapping[str, list[str]], succs) -> list[str]:
    """Kahn's order over ``ids`` (edges to nodes outside ``ids`` ignored); cycles appended."""
    inside = set(ids)
    indeg = {i: sum(1 for p in preds[i] if p in inside) for i in ids}
    ready = [i for i in ids if indeg[i] == 0]
    order: list[str] = []
    while ready:
        nid = ready.pop()
        order.append(nid)
        for s in succs[nid]:
            if s in indeg:
                indeg[s] -= 1
                if indeg[s] == 0:
                    ready.append(s)
    if len(order) < len(ids):  # autograd graphs are acyclic; be safe with hand-made ones
        done = set(order)
        order += [i for i in ids if i not in done]
    return order


def _layers(ids: list[str], preds, succs) -> dict[str, int]:
    order = _topo_order(ids, preds, succs)
    inside = set(ids)
    layer: dict[str, int] = {}
    for nid in order:
        layer[nid] = 1 + max((layer[p] for p in preds[nid] if p in layer), default=-1)
    # then as late as possible: every node moves down to just above its first
    # consumer, so a parameter and its TBackward sit next to the layer that uses them
    for nid in reversed(order):
        below = [layer[s] for s in succs[nid] if s in inside]
        if below:
            layer[nid] = max(layer[nid], min(below) - 1)
    return layer


def _pack(row: list[str], want: dict[str, float], width: Mapping[str, float]) -> dict[str, float]:
    """x for each node of a row, in row order, as near ``want`` as no-overlap allows."""
    xs: dict[str, float] = {}
    right = float("-inf")
    for nid in row:
        half = width[nid] / 2
        x = max(want[nid], right + COL_GAP + half)
        xs[nid] = x
        right = x + half
    # the push only goes right; shift the row back so it is centred on its wishes
    shift = sum(want[n] - xs[n] for n in row) / len(row) if row else 0.0
    return {n: x + shift for n, x in xs.items()}


def _layered(
    units: list[str], preds, succs, size: Mapping[str, tuple[float, float]]
) -> dict[str, Pos]:
    """Centres for ``units`` (nodes or whole module blocks) of the given sizes.

    Rows are as tall as their tallest unit, so a module block spanning many
    rows of its own still sits in one row of its parent's layout.
    """
    if not units:
        return {}
    width = {i: size[i][0] for i in units}
    layer = _layers(units, preds, succs)
    rows: dict[int, list[str]] = {}
    for nid in units:  # graph order keeps the roots' order stable
        rows.setdefault(layer[nid], []).append(nid)
    levels = sorted(rows)
    # barycentre sweeps on ranks: down using preds, up using succs, down again
    rank: dict[str, float] = {}
    for lv in levels:
        for i, nid in enumerate(rows[lv]):
            rank[nid] = float(i)

    def sweep(seq, neighbours):
        for lv in seq:
            row = rows[lv]
            key = {}
            for nid in row:
                ns = [rank[m] for m in neighbours[nid] if m in rank and layer.get(m) != lv]
                key[nid] = sum(ns) / len(ns) if ns else rank[nid]
            row.sort(key=lambda n, key=key: key[n])
            for i, nid in enumerate(row):
                rank[nid] = float(i)

    sweep(levels, preds)
    sweep(reversed(levels), succs)
    sweep(levels, preds)
    # x positions: pack, then pull towards consumers, then towards inputs
    x: dict[str, float] = {}
    for lv in levels:
        want = {}
        cursor = 0.0
        for nid in rows[lv]:
            want[nid] = cursor + width[nid] / 2
            cursor += width[nid] + COL_GAP
        x.update(_pack(rows[lv], want, width))

    def align(seq, neighbours, only_sources: bool = False):
        for lv in seq:
            want = {}
            for nid in rows[lv]:
                ns = [x[m] for m in neighbours[nid] if m in x and layer.get(m) != lv]
                if only_sources and preds[nid]:
                    ns = []
                want[nid] = sum(ns) / len(ns) if ns else x[nid]
            # re-sort by wish first: packing in a stale order pushes nodes far away
            rows[lv].sort(key=lambda n, want=want: want[n])
            x.update(_pack(rows[lv], want, width))

    align(reversed(levels), succs)
    align(levels, preds)
    align(reversed(levels), succs)
    align(levels, preds)
    align(reversed(levels), succs, only_sources=True)  # inputs sit over their consumer
    y: dict[int, float] = {}
    top = 0.0
    for lv in levels:
        tallest = max(size[n][1] for n in rows[lv])
        y[lv] = top + tallest / 2
        top += tallest + ROW_GAP - 2 * LINE_H - 12  # the gap under a two-line tensor box
    return {nid: (x[nid], y[layer[nid]]) for nid in units}


def _scope_of(module: str | None, scope: str | None) -> str | None:
    """The child group of ``scope`` that holds ``module`` (None: a direct member)."""
    if module is None or module == scope:
        return None
    if scope is None:
        return module.split(".", 1)[0]
    if not module.startswith(scope + "."):
        return None
    rest = module[len(scope) + 1 :]
    return f"{scope}.{rest.split('.', 1)[0]}"


def _block_layout(
    ids: list[str], nodes: Mapping[str, Node], preds, succs, scope: str | None
) -> tuple[dict[str, Pos], tuple[float, float, float, float]]:
    """Lay out ``ids`` inside ``scope``: each child module is laid out first, as one
    block, so module frames never overlap. Returns centres and the content box."""
    children: dict[str, list[str]] = {}
    unit_of: dict[str, str] = {}
    for nid in ids:
        child = _scope_of(nodes[nid].module, scope)
        if child is None:
            unit_of[nid] = nid
        else:
            children.setdefault(child, []).append(nid)
            unit_of[nid] = f"\0{child}"
    size: dict[str, tuple[float, float]] = {}
    inner: dict[str, tuple[dict[str, Pos], tuple[float, float, float, float]]] = {}
    for child, members in children.items():
        pos, (x0, y0, x1, y1) = _block_layout(members, nodes, preds, succs, child)
        inner[child] = (pos, (x0, y0, x1, y1))
        size[f"\0{child}"] = (x1 - x0 + 2 * GROUP_PAD, y1 - y0 + 2 * GROUP_PAD + GROUP_TITLE)
    for nid in ids:
        if unit_of[nid] == nid:
            size[nid] = node_size(nodes[nid])
    units = list(dict.fromkeys(unit_of[n] for n in ids))
    if len(units) == len(ids) and not children:
        unit_preds, unit_succs = preds, succs
    else:
        unit_preds = {u: [] for u in units}
        unit_succs = {u: [] for u in units}
        for nid in ids:
            u = unit_of[nid]
            for s in succs[nid]:
                v = unit_of.get(s)
                if v is not None and v != u and v not in unit_succs[u]:
                    unit_succs[u].append(v)
                    unit_preds[v].append(u)
    centres = _layered(units, unit_preds, unit_succs, size)
    out: dict[str, Pos] = {}
    for nid in ids:
        if unit_of[nid] == nid:
            out[nid] = centres[nid]
    for child, (pos, (x0, y0, x1, y1)) in inner.items():
        cx, cy = centres[f"\0{child}"]
        # the block's content is centred in the block, below the frame's title
        dx = cx - (x0 + x1) / 2
        dy = cy + GROUP_TITLE / 2 - (y0 + y1) / 2
        for nid, (px, py) in pos.items():
            out[nid] = (px + dx, py + dy)
    boxes = []
    for u in units:
        (cx, cy), (w, h) = centres[u], size[u]
        boxes.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    box = (
        min(b[0] for b in boxes), min(b[1] for b in boxes),
        max(b[2] for b in boxes), max(b[3] for b in boxes),
    )  # fmt: skip
    return out, box


def _full_layout(ids: list[str], graph: Graph, preds, succs) -> dict[str, Pos]:
    if not ids:
        return {}
    nodes = {n.id: n for n in graph.nodes}
    pos, _ = _block_layout(ids, nodes, preds, succs, None)
    top = min(y for _, y in pos.values())
    left = min(x for x, _ in pos.values())
    return {nid: (x - left, y - top) for nid, (x, y) in pos.items()}


class _Occupancy:
    """Boxes already placed, bucketed by row, for quick overlap tests."""

    def __init__(self) -> None:
        self.rows: dict[int, list[tuple[float, float, float, float]]] = {}

    def _keys(self, y0: float, y1: float) -> range:
        return range(int(y0 // ROW_GAP) - 1, int(y1 // ROW_GAP) + 2)

    def add(self, pos: Pos, size: tuple[float, float]) -> None:
        x, y = pos
        w, h = size
        box = (x - w / 2, x + w / 2, y - h / 2, y + h / 2)
        self.rows.setdefault(int(y // ROW_GAP), []).append(box)

    def free(self, pos: Pos, size: tuple[float, float]) -> bool:
        x, y = pos
        w, h = size
        x0, x1 = x - w / 2 - COL_GAP / 2, x + w / 2 + COL_GAP / 2
        y0, y1 = y - h / 2 - 4, y + h / 2 + 4
        for key in self._keys(y0, y1):
            for bx0, bx1, by0, by1 in self.rows.get(key, ()):
                if x0 < bx1 and bx0 < x1 and y0 < by1 and by0 < y1:
                    return False
        return True

    def nearest_free(self, pos: Pos, size: tuple[float, float]) -> Pos:
        """``pos``, or the closest spot on the same row that is free (right first)."""
        x, y = pos
        step = size[0] / 2 + COL_GAP
        for k in range(0, 2000):
            for dx in (0.0,) if k == 0 else (k * step, -k * step):
                if self.free((x + dx, y), size):
                    return (x + dx, y)
        return (x + 2000 * step, y)


def layout_graph(graph: Graph, previous: Mapping[str, Pos] | None = None) -> dict[str, Pos]:
    """Node id -> centre (x, y). Nodes in ``previous`` keep their positions exactly."""
    ids = [n.id for n in graph.nodes]
    preds, succs = _adjacency(graph)
    if not previous:
        return _full_layout(ids, graph, preds, succs)
    nodes = {n.id: n for n in graph.nodes}
    pos: dict[str, Pos] = {i: tuple(previous[i]) for i in ids if i in previous}  # type: ignore[misc]
    new = [i for i in ids if i not in pos]
    if not new:
        return pos
    occupied = _Occupancy()
    for nid, p in pos.items():
        occupied.add(p, node_size(nodes[nid]))
    order = _topo_order(new, preds, succs)
    stranded: list[str] = []
    progress = True
    pending = order
    while pending and progress:  # a node may become anchorable once a neighbour is placed
        progress = False
        rest = []
        for nid in pending:
            placed_preds = [pos[p] for p in preds[nid] if p in pos]
            placed_succs = [pos[s] for s in succs[nid] if s in pos]
            if placed_preds:
                want = (
                    sum(p[0] for p in placed_preds) / len(placed_preds),
                    max(p[1] for p in placed_preds) + ROW_GAP,
                )
            elif placed_succs and not any(p in new and p not in pos for p in preds[nid]):
                want = (
                    sum(p[0] for p in placed_succs) / len(placed_succs),
                    min(p[1] for p in placed_succs) - ROW_GAP,
                )
            else:
                rest.append(nid)
                continue
            size = node_size(nodes[nid])
            pos[nid] = occupied.nearest_free(want, size)
            occupied.add(pos[nid], size)
            progress = True
        pending = rest
    stranded = pending
    if stranded:
        block = _full_layout(stranded, graph, preds, succs)
        right = max((p[0] + node_size(nodes[i])[0] / 2 for i, p in pos.items()), default=0.0)
        top = min((p[1] for p in pos.values()), default=0.0)
        left = min(p[0] - node_size(nodes[i])[0] / 2 for i, p in block.items())
        dx = right + 3 * COL_GAP - left
        for nid, (bx, by) in block.items():
            pos[nid] = (bx + dx, by + top)
    return pos


def route_edges(
    graph: Graph,
    positions: Mapping[str, Pos],
    margin: float = 8.0,
    only: Iterable[int] | None = None,
) -> dict[int, list[Pos]]:
    """Waypoints for edges that would run through other boxes: edge index -> points.

    An edge that skips rows is bent, row by row, into the nearest gap, so a
    long edge never hides behind the nodes it passes. Edges that run clear
    (most of them) get no entry. ``only``: route just these edge indexes (a view
    that draws a part of a big graph; ``positions`` then need only the boxes
    in the rows those edges span).
    """
    nodes = graph._index
    if len(nodes) != len(graph.nodes):  # a hand-made graph that filled .nodes directly
        nodes = {n.id: n for n in graph.nodes}
    half_h: dict[str, float] = {}
    placed = []
    for nid, (x, y) in positions.items():
        if nid in nodes:
            w, h = node_size(nodes[nid])
            half_h[nid] = h / 2
            placed.append((y, x, w, h, nid))
    placed.sort()
    # rows: boxes whose centres lie close together (an incremental layout is not exact)
    rows: dict[float, _Row] = {}
    row = None
    for y, x, w, h, nid in placed:
        if row is None or y - row.y > ROW_GAP / 3:
            row = rows[y] = _Row(y)
        row.add(x - w / 2, x + w / 2, y, h, nid)
    for row in rows.values():
        row.finish()
    row_ys = sorted(rows)
    routes: dict[int, list[Pos]] = {}
    edges = graph.edges
    chosen = enumerate(edges) if only is None else ((i, edges[i]) for i in only)
    for index, e in chosen:
        if e.source not in half_h or e.target not in half_h:
            continue
        (xa, ya), (xb, yb) = positions[e.source], positions[e.target]
        y0, y1 = ya + half_h[e.source], yb - half_h[e.target]
        lo, hi = bisect_right(row_ys, ya), bisect_left(row_ys, yb)
        if hi <= lo or y1 <= y0:
            continue  # adjacent rows, or not downwards: nothing in between
        crossed = [rows[y] for y in row_ys[lo:hi]]
        points = _route_one(crossed, (xa, y0), (xb, y1), margin, (e.source, e.target))
        if points:
            routes[index] = points
    return routes


class _Row:
    """One row of boxes for the router: its boxes left to right, the heights of their
    centres (one in a full layout, a few in an incremental one) and its vertical band."""

    def __init__(self, y: float) -> None:
        self.y = y
        self.boxes: list[tuple[float, float, str, float]] = []
        self.centres: list[float] = []
        self.top = self.bottom = y

    def add(self, x0: float, x1: float, y: float, h: float, nid: str) -> None:
        self.boxes.append((x0, x1, nid, y))
        self.centres.append(y)
        self.top, self.bottom = min(self.top, y - h / 2), max(self.bottom, y + h / 2)

    def finish(self) -> None:
        self.boxes.sort()
        self.starts = [b[0] for b in self.boxes]
        self.centres = sorted(set(self.centres))

    def pass_at(
        self, line: tuple[Pos, Pos], y_end: float, margin: float, ends: tuple[str, str]
    ) -> float | None:
        """None when ``line`` (extended) clears this row's boxes at their centres above
        ``y_end``; else the x at which to pass straight down through the row."""
        (px, py), (tx, ty) = line
        near = None
        for c in self.centres:
            if not py < c < y_end:
                continue  # a box centred above the line's start or level with its end
            x = px + (tx - px) * (c - py) / (ty - py) if ty != py else tx
            free = _free_x(self.boxes, self.starts, x, margin, ends, at=c)
            if free is not None:
                return free
            if near is None and _free_x(self.boxes, self.starts, x, 4 * margin, ends, at=c):
                near = x  # clear, but close: pass the row straight down so the curve cannot clip
        if near is not None:  # the pass is straight down the whole band: clear of every box
            free = _free_x(self.boxes, self.starts, near, margin, ends)
            return near if free is None else free
        return near


def _route_one(
    crossed: list[_Row], start: Pos, end: Pos, margin: float, ends: tuple[str, str]
) -> list[Pos]:
    """Waypoints for one edge from ``start`` to ``end`` across the rows ``crossed`` (top
    to bottom): a pair (top and bottom of the row's band) in each row it must pass at a
    chosen x, none where the line runs clear."""
    y1 = end[1]
    points: list[Pos] = []
    here = start
    done = 0  # rows before this one are settled: pinned, or cleared by the line from here
    i = 0
    while i < len(crossed):
        row = crossed[i]
        free = row.pass_at((here, end), y1, margin, ends)
        if free is None:
            i += 1
            continue
        top = max(row.top - 2.0, here[1] + 1.0)
        # bending here also moves the line through the clear rows since the last bend:
        # bend instead at the first of them the new line would hit (which moves the line
        # again, so look again), then carry on from there
        blocked = True
        while blocked:
            blocked = False
            for j in range(done, i):
                fj = crossed[j].pass_at((here, (free, top)), y1, margin, ends)
                if fj is not None:
                    i, row, free, blocked = j, crossed[j], fj, True
                    top = max(row.top - 2.0, here[1] + 1.0)
                    break
        # straight down through the gap: the curve bends only between rows
        points.append((free, top))
        points.append((free, min(row.bottom + 2.0, y1 - 1.0)))
        here = points[-1]
        i += 1
        done = i
    return points


def _free_x(
    boxes: list[tuple[float, float, str, float]],
    starts: list[float],
    x: float,
    margin: float,
    ends: tuple[str, str],
    at: float | None = None,
) -> float | None:
    """None when ``x`` is clear of the row's boxes (only those centred at height ``at``,
    if given), else the nearest x clear of them all."""
    i = bisect_right(starts, x + margin) - 1
    hit = None
    for j in (i, i - 1):  # boxes never overlap, so at most these two can contain x
        if 0 <= j < len(boxes):
            x0, x1, nid, cy = boxes[j]
            if x0 - margin < x < x1 + margin and nid not in ends and at in (None, cy):
                hit = j
                break
    if hit is None:
        return None
    # walk outwards over boxes packed too tightly to pass between
    left = hit
    while left > 0 and boxes[left][0] - boxes[left - 1][1] < 2 * margin:
        left -= 1
    right = hit
    while right + 1 < len(boxes) and boxes[right + 1][0] - boxes[right][1] < 2 * margin:
        right += 1
    go_left = boxes[left][0] - margin
    go_right = boxes[right][1] + margin
    if left > 0:  # centre in the gap rather than hugging a box
        go_left = (boxes[left][0] + boxes[left - 1][1]) / 2
    if right + 1 < len(boxes):
        go_right = (boxes[right][1] + boxes[right + 1][0]) / 2
    return go_left if x - go_left <= go_right - x else go_right


def stable_keys(graph: Graph) -> dict[str, str]:
    """A key per node that survives re-creating the tensors (undo replays the history).

    Ids are object identities, so they change when a workspace replays its
    history; these keys do not: named tensors are keyed by name, functions by
    their class and the keys of their inputs (a hash of the structure that
    made them), saved tensors by their function and attribute. A view keeps
    positions by key, so nodes stay put across undo and redo.
    """
    preds: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    succs: dict[str, list[str]] = {n.id: [] for n in graph.nodes}
    for e in graph.edges:
        if e.kind in ("data", "saved") and e.source in preds and e.target in preds:
            preds[e.target].append(e.source)
            succs[e.source].append(e.target)
    nodes = {n.id: n for n in graph.nodes}
    keys: dict[str, str] = {}
    used: dict[str, int] = {}

    def unique(key: str) -> str:
        count = used.get(key, 0)
        used[key] = count + 1
        return key if count == 0 else f"{key}#{count}"

    for nid in _topo_order(list(preds), preds, succs):
        n = nodes[nid]
        if n.kind == "saved":
            continue  # keyed after its function
        if n.kind == "group":
            keys[nid] = unique(f"g:{nid}")
        elif n.name and n.kind != "function":
            keys[nid] = unique(f"t:{n.name}")
        elif n.kind == "function":
            inputs = ",".join(keys.get(p, "?") for p in preds[nid] if nodes[p].kind != "saved")
            digest = hashlib.blake2b(f"{n.label}({inputs})".encode(), digest_size=8).hexdigest()
            keys[nid] = unique(f"f:{n.label}:{digest}")
        else:
            shape = ",".join(map(str, n.shape or ()))
            keys[nid] = unique(f"{n.kind}:({shape})")
    for n in graph.nodes:
        if n.kind == "saved":
            owner = next((keys[s] for s in succs[n.id] if s in keys), "?")
            keys[n.id] = unique(f"s:{owner}:{n.label}")
    return keys
