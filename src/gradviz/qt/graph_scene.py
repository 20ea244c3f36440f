"""A QGraphicsScene that draws a core Graph at given positions.

The scene is rebuilt from (graph, positions, collapsed groups, saved toggle)
on every change: positions come from the caller, so a rebuild never moves a
node. Level of detail flips two shared layers (node text, edge labels) on and
off instead of touching thousands of items. Annotations (current step, done,
gradient labels on edges, selection) are incremental: an update re-colours
only the nodes whose state changed and adds, moves or removes only the labels
that changed, so one backward step costs the same on 50 nodes as on 5 000.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping

from PySide6.QtCore import QCoreApplication, QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
)

from gradviz.core.graph import Edge, Graph, Node
from gradviz.core.layout import GROUP_PAD, GROUP_TITLE, node_size, route_edges
from gradviz.qt import graph_items as gi
from gradviz.qt.graph_text import TextLayer

# From this many boxes the scene is lazy (culling): it keeps a model of every box, edge and
# frame, filed in a grid of CULL_CELL squares, and makes Qt items only for what the view
# exposes. Below, every item is made at once (cheap, and tests see them all).
LAZY_FROM = 1500
CULL_CELL = 512.0
LONG_CELLS = 400  # a thing spanning more cells than this is tested on each expose instead
SHORT_EDGE = 600.0  # an edge shorter than this is made with its ends' boxes, not filed
EDGE_SLACK = 120.0  # a routed edge bends sideways into gaps: its cells reach this far
OVERVIEW_LIMIT = 4000  # an exposed area holding more than this is drawn as plain boxes
OVERVIEW_ZOOM = 0.15  # and so is one seen at less than this zoom (boxes a few pixels tall)
FAN = 6  # this many edges out of (or into) one node share a bus line
NOTE_SPOTS = (0.5, 0.4, 0.6, 0.3, 0.7)  # where along an edge its label may sit
NOTE_STACK_GAP = 2.0
# heights (from an edge's middle) at which a label that fits nowhere on its edge looks
# sideways for room; rows of boxes leave little height, so small shifts come first
NOTE_SHIFTS = (0.0, -3.0, 3.0, -6.0, 6.0, -10.0, 10.0, -15.0, 15.0, -21.0, 21.0, -28.0, 28.0)
NOTE_SHIFTS += (-36.0, 36.0, -45.0, 45.0, -56.0, 56.0)
NOTE_SHIFT_COST = 2.0  # one unit up or down costs as much as this many sideways
NOTE_REACH = 320.0  # how far sideways a label may go from its edge
NOTE_MARGIN = 2.0  # a gradient label keeps this far from any box


Box = tuple[float, float, float, float]  # left, top, right, bottom


class RectGrid:
    """Rectangles filed in coarse cells, to ask "does this overlap any?" in O(1).

    Plain float tuples, not QRectF: placing thousands of labels asks this
    hundreds of thousands of times, and each Qt call costs a Python-C++ crossing.
    """

    CELL = 128.0

    def __init__(self) -> None:
        self.rects: dict[object, Box] = {}
        self.cells: dict[tuple[int, int], dict[object, Box]] = {}

    def _cells(self, box: Box) -> list[tuple[int, int]]:
        c = self.CELL
        x0, y0, x1, y1 = int(box[0] // c), int(box[1] // c), int(box[2] // c), int(box[3] // c)
        if x0 == x1 and y0 == y1:
            return [(x0, y0)]
        return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]

    def add(self, key: object, rect: QRectF) -> None:
        self.remove(key)
        box = (rect.left(), rect.top(), rect.right(), rect.bottom())
        self.rects[key] = box
        for cell in self._cells(box):
            self.cells.setdefault(cell, {})[key] = box

    def remove(self, key: object) -> None:
        box = self.rects.pop(key, None)
        if box is not None:
            for cell in self._cells(box):
                del self.cells[cell][key]

    def hits(self, box: Box) -> list[Box]:
        """The stored rectangles that overlap ``box`` (touching is not overlapping)."""
        x0, y0, x1, y1 = box
        cells = self.cells
        out = []
        for cell in self._cells(box):
            for r in cells.get(cell, {}).values():
                if r[0] < x1 and x0 < r[2] and r[1] < y1 and y0 < r[3]:
                    out.append(r)
        return out


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _span(r: Box, others: list[Box]) -> Box:
    """The extent of a bus: its node and every box at its other ends."""
    boxes = [r, *others]
    return (
        min(b[0] for b in boxes), min(b[1] for b in boxes),
        max(b[2] for b in boxes), max(b[3] for b in boxes),
    )  # fmt: skip


def _distance(p: QPointF, box: Box) -> float:
    """How far ``p`` is from ``box`` (0 inside it)."""
    dx = max(box[0] - p.x(), 0.0, p.x() - box[2])
    dy = max(box[1] - p.y(), 0.0, p.y() - box[3])
    return (dx * dx + dy * dy) ** 0.5


def group_owner(module: str | None, collapsed: Iterable[str]) -> str | None:
    """The outermost collapsed group that contains ``module``, if any."""
    if not module:
        return None
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        prefix = ".".join(parts[:i])
        if prefix in collapsed:
            return prefix
    return None


class GraphScene(QGraphicsScene):
    """Draws one Graph; ``node_items`` maps node ids (and ``group:PATH``) to boxes."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.graph: Graph | None = None
        self.node_items: dict[str, QGraphicsRectItem] = {}
        self.group_items: dict[str, QGraphicsRectItem] = {}
        self.edges: list[tuple[Edge, QGraphicsPathItem]] = []  # edges drawn, in order
        self.text_layer = TextLayer(gi.font("node"), gi.TEXT)
        self.label_layer = TextLayer(gi.font("edge"), gi.EDGE_TEXT, 1.0)
        self.info: dict[QGraphicsItem, tuple[str, object]] = {}  # item -> (kind, id)
        self.positions: dict[str, tuple[float, float]] = {}
        self.collapsed: set[str] = set()
        self.show_saved = False
        self.show_text = True
        self.show_edge_labels = True
        self.current: str | None = None
        self.done: set[str] = set()
        self.selected: str | None = None
        self.notes: dict[tuple[str, str], tuple[str, str]] = {}
        # (source, target) -> index in self.edges, built with the edges: annotations look
        # edges up by id on every step, a scan would cost O(edges) per label
        self.edge_index: dict[tuple[str, str], int] = {}
        self.note_items: dict[tuple[str, str], QGraphicsRectItem] = {}  # gradient labels drawn
        self.group_titles: dict[str, QRectF] = {}
        self._leaders: dict[tuple[str, str], QGraphicsLineItem] = {}  # label -> its edge
        self._note_grid = RectGrid()
        self._obstacles: RectGrid | None = None
        # the model of the whole drawing (see rebuild) and what of it has items yet
        self.rects: dict[str, Box] = {}  # every box drawn, item made or not
        self.drawn: dict[str, Node | None] = {}  # box id -> its node (None: collapsed group)
        self._bases: set[str] = set()
        self._sizes: dict[str, tuple[Node, tuple[float, float]]] = {}
        self._collapsed_box: dict[str, tuple[str, int]] = {}
        self._cells: dict[tuple[int, int], list[tuple[str, object]]] = {}  # long edges, frames
        self._by_top: list[str] = []  # box ids sorted by their top edge
        self._tops: list[float] = []
        self._tallest = 0.0
        self._long: list[tuple[tuple[str, object], Box]] = []
        self._plan: list[tuple[int, Edge, str, str]] = []  # drawn edges: (index, edge, s, t)
        self._fan_out: dict[str, int] = {}
        self._fan_in: dict[str, int] = {}
        self._frames: dict[str, Box] = {}
        self._touch: dict[str, list[int]] = {}  # box id -> the drawn edges at it
        self._bus_out: dict[str, list[str]] = {}
        self._bus_in: dict[str, list[str]] = {}
        self._agree: dict[str, str | None] = {}
        self._uses: dict[tuple, int] = {}
        self._made_edges: set[int] = set()
        self._made_frames: set[str] = set()
        self._made_buses: set[tuple[str, bool]] = set()
        self._window: QRectF | None = None  # what the view last exposed
        self.lazy = False
        self.items_made = 0  # boxes, edges, buses and frames made since the scene was created
        self._new_note_layer()
        self.theme = gi.theme  # light | dark: the colours of what is drawn on the background
        self.setBackgroundBrush(QBrush(gi.BACKGROUND))

    def set_theme(self, name: str) -> None:
        """Redraw in the colours of ``name`` (light | dark): background, edges, their text
        and module frames. Positions, collapsed groups and annotations stay."""
        gi.use_theme(name)
        if gi.theme == self.theme:
            return
        self.theme = gi.theme
        self.setBackgroundBrush(QBrush(gi.BACKGROUND))
        if self.graph is not None:
            self.rebuild()

    def _new_note_layer(self) -> None:
        """One invisible parent for the gradient labels: level of detail hides them at once."""
        self.note_layer = QGraphicsRectItem()
        self.note_layer.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.note_layer.setZValue(6)  # over boxes, edges and their text
        self.note_layer.setVisible(self.show_text)
        self.addItem(self.note_layer)

    # ------------------------------------------------------------ build
    def set_graph(
        self,
        graph: Graph | None,
        positions: dict[str, tuple[float, float]],
        collapsed: Iterable[str] = (),
        show_saved: bool | None = None,
    ) -> None:
        self.graph = graph
        self.positions = dict(positions)
        self.collapsed = set(collapsed)
        if show_saved is not None:
            self.show_saved = show_saved
        self.rebuild(keep=True)

    def rebuild(self, keep: bool = False) -> None:
        """The drawing model for the whole graph, then items for what is exposed.

        With ``keep``, a box whose node, place and look did not change keeps its item
        (and its text): opening one group re-makes only the boxes that moved.
        """
        old_items, old_nodes, old_rects = self.node_items, self.drawn, self.rects
        old_bases = self._bases
        layer = self.text_layer
        if len(layer.entries) > 20_000 + 4 * len(layer.by_key):
            keep = False  # too many removed texts behind: start the layer afresh
        if keep:
            self._clear_except(old_items, old_nodes)
        else:
            self.clear()
            old_items = {}
            self.text_layer = TextLayer(gi.font("node"), gi.TEXT)
        self.node_items, self.group_items, self.edges, self.info = {}, {}, [], {}
        self.edge_index, self.note_items, self._leaders = {}, {}, {}
        self.group_titles: dict[str, QRectF] = {}  # a frame's title: labels keep off it
        self._note_grid, self._obstacles = RectGrid(), None
        self._made_edges, self._made_frames, self._made_buses = set(), set(), set()
        self._new_note_layer()
        self.label_layer = TextLayer(gi.font("edge"), gi.EDGE_TEXT, 1.0)
        graph = self.graph
        self._model(graph)
        if graph is None:
            self.text_layer = TextLayer(gi.font("node"), gi.TEXT)
            return
        adopted: list[str] = []
        for nid, item in old_items.items():  # kept boxes: unchanged node, rectangle and fill
            node = self.drawn.get(nid)
            if (
                node is not None
                and node is old_nodes.get(nid)
                and self.rects[nid] == old_rects.get(nid)
                and (nid in self._bases) == (nid in old_bases)
            ):
                gi.add_node_text(node, self.positions[nid], self.text_layer)
                self._register_node(nid, item)
                self._restyle(nid)
                self._shape_label(nid)
                adopted.append(nid)
            else:
                self.removeItem(item)
        # the edges at a kept box were removed with the rest: made again (those to boxes
        # that moved have moved ends)
        self._make_edges(
            list(dict.fromkeys(i for nid in adopted for i in self._touch.get(nid, ())))
        )
        self.lazy = len(self.rects) >= LAZY_FROM
        if self.text_layer.scene() is None:
            self.addItem(self.text_layer)
        self.addItem(self.label_layer)
        self.text_layer.setVisible(self.show_text)
        self.label_layer.setVisible(self.show_edge_labels)
        if not self.lazy:
            self._make_all()
        elif self._window is not None:
            self.expose(self._window)
        for key in self.notes:
            self._draw_note(key)
        self.setSceneRect(self._bounds().adjusted(-24, -24, 24, 24))

    def _clear_except(self, keep: Mapping[str, QGraphicsItem], nodes: Mapping) -> None:
        """Remove every item but the node boxes in ``keep`` and the text layer; forget the
        text of the boxes that go."""
        kept = set(keep.values())
        for item in self.items():
            if item.parentItem() is None and item not in kept and item is not self.text_layer:
                self.removeItem(item)
        for nid in keep:
            self.text_layer.remove(nid)  # re-added by _adopt for the boxes that stay

    def _model(self, graph: Graph | None) -> None:
        """Rectangles of every box, the edges to draw and the module frames, filed in a
        coarse grid; no Qt items (those come from :meth:`expose`)."""
        self.rects, self.drawn, self._collapsed_box = {}, {}, {}
        self._cells, self._long, self._plan = {}, [], []
        self._frames, self._bus_out, self._bus_in = {}, {}, {}
        self._touch = {}
        self._agree = {}
        if graph is None:
            self._sizes = {}
            return
        self._bases = {n.base for n in graph.nodes if n.base}
        collapsed, positions, sizes = self.collapsed, self.positions, self._sizes
        kept_sizes: dict[str, tuple[Node, tuple[float, float]]] = {}  # this graph's only
        alias: dict[str, str] = {}
        members: dict[str, list[Node]] = {}
        rects, drawn = self.rects, self.drawn
        hide_saved = not self.show_saved
        for n in graph.nodes:
            if hide_saved and n.kind == "saved":
                continue
            nid = n.id
            pos = positions.get(nid)
            if pos is None:
                continue
            if collapsed:
                owner = group_owner(n.module, collapsed)
                if owner is not None:
                    alias[nid] = f"group:{owner}"
                    members.setdefault(owner, []).append(n)
                    continue
                alias[nid] = nid
            cached = sizes.get(nid)
            if cached is None or cached[0] is not n:
                cached = (n, node_size(n))
            kept_sizes[nid] = cached
            w, h = cached[1]
            x, y = pos
            rects[nid] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            drawn[nid] = n
        self._sizes = kept_sizes  # an old graph's nodes are not kept alive by the cache
        for path, nodes in members.items():
            xs = [positions[n.id][0] for n in nodes]
            ys = [positions[n.id][1] for n in nodes]
            x, y = sum(xs) / len(xs), sum(ys) / len(ys)
            w, h = gi.collapsed_size(path, len(nodes))
            gid = f"group:{path}"
            rects[gid] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            drawn[gid] = None
            self._collapsed_box[gid] = (path, len(nodes))
        # boxes by their top, for the window's rows by bisection (cheaper to build than a grid
        # entry per box: a big graph's model is rebuilt on every open and close)
        order = sorted(rects.items(), key=lambda item: item[1][1])
        self._by_top = [nid for nid, _r in order]
        self._tops = [r[1] for _nid, r in order]
        self._tallest = max((r[3] - r[1] for r in rects.values()), default=0.0)
        self._plan_edges(graph, alias)
        self._plan_frames(graph)

    def _file(self, entry: tuple[str, object], r: Box) -> None:
        c = CULL_CELL
        x0, y0, x1, y1 = int(r[0] // c), int(r[1] // c), int(r[2] // c), int(r[3] // c)
        if x0 == x1 and y0 == y1:  # most boxes and edges: one cell
            bucket = self._cells.get((x0, y0))
            if bucket is None:
                self._cells[(x0, y0)] = [entry]
            else:
                bucket.append(entry)
            return
        if (x1 - x0 + 1) * (y1 - y0 + 1) > LONG_CELLS:
            self._long.append((entry, r))  # checked on every expose instead
            return
        cells = self._cells
        for gx in range(x0, x1 + 1):
            for gy in range(y0, y1 + 1):
                bucket = cells.get((gx, gy))
                if bucket is None:
                    cells[(gx, gy)] = [entry]
                else:
                    bucket.append(entry)

    def _plan_edges(self, graph: Graph, alias: dict[str, str]) -> None:
        """Which edges are drawn (one per pair of boxes and kind), and which share a bus.

        Without buses, a value read by hundreds of nodes (the input of every
        attention head) draws hundreds of long curves across the whole view:
        unreadable, and each frame repaints all of them. With a bus, each edge
        is a short drop, and the bus is one straight line.
        """
        seen: set[tuple[str, str, str]] = set()
        fan_out: dict[str, int] = {}
        fan_in: dict[str, int] = {}
        uses: dict[tuple, int] = {}  # dot(x, x): one drawn edge that carries x twice
        plan, touch, edge_index, rects = self._plan, self._touch, self.edge_index, self.rects
        identity = not self.collapsed  # every drawn box is its own node (the graph view)
        for index, e in enumerate(graph.edges):
            if identity:
                s, t = e.source, e.target
                if s not in rects or t not in rects:
                    continue
            else:
                s, t = alias.get(e.source), alias.get(e.target)
                if s is None or t is None:
                    continue
            if s == t:
                continue
            key = (s, t, e.kind)
            if key in seen:
                uses[key] = uses.get(key, 1) + 1
                continue
            seen.add(key)
            i = len(plan)
            plan.append((index, e, s, t))
            edge_index.setdefault((e.source, e.target), i)
            touch.setdefault(s, []).append(i)  # made with either end's box
            touch.setdefault(t, []).append(i)
            if e.kind == "data":
                fan_out[s] = fan_out.get(s, 0) + 1
                fan_in[t] = fan_in.get(t, 0) + 1
            a, b = rects[s], rects[t]
            if abs(a[1] - b[1]) > SHORT_EDGE or abs(a[0] - b[0]) > SHORT_EDGE:
                # long enough to cross the view with both ends outside it; routed edges
                # bend sideways into gaps, so it is filed a little wider than its ends
                x0, x1 = min(a[0], b[0]), max(a[2], b[2])
                y0, y1 = min(a[1], b[1]), max(a[3], b[3])
                self._file(("e", i), (x0 - EDGE_SLACK, y0, x1 + EDGE_SLACK, y1))
        self._uses, self._fan_out, self._fan_in = uses, fan_out, fan_in
        self.edges = [(p[1], None) for p in plan]
        for s, n in fan_out.items():  # the few boxes with a wide fan-out or fan-in
            if n >= FAN:
                targets = [
                    plan[i][3] for i in touch[s] if plan[i][2] == s and self._style(i) == "drop-out"
                ]
                if targets:
                    self._bus_out[s] = targets
        for t, n in fan_in.items():
            if n >= FAN:
                sources = [
                    plan[i][2] for i in touch[t] if plan[i][3] == t and self._style(i) == "drop-in"
                ]
                if sources:
                    self._bus_in[t] = sources
        for s, targets in self._bus_out.items():
            self._file(("b", (s, True)), _span(rects[s], [rects[t] for t in targets]))
        for t, sources in self._bus_in.items():
            self._file(("b", (t, False)), _span(rects[t], [rects[s] for s in sources]))

    def _style(self, i: int) -> str:
        """How edge ``i`` is drawn: a drop from a fan-out's bus, a drop to a fan-in's bus,
        or a curve of its own."""
        _index, e, s, t = self._plan[i]
        if e.kind == "data":
            a, b = self.rects[s], self.rects[t]
            if b[1] > a[3] + 4:
                if self._fan_out[s] >= FAN:
                    return "drop-out"
                if self._fan_in[t] >= FAN:
                    return "drop-in"
        return "edge"

    def _plan_frames(self, graph: Graph) -> None:
        """One dashed frame per expanded module, around its boxes and its sub-groups."""
        paths = graph.modules()
        if not paths:
            return
        boxes: dict[str, list[Box]] = {}
        rects = self.rects
        for n in graph.nodes:
            if n.module:
                r = rects.get(n.id)
                if r is not None:
                    boxes.setdefault(n.module, []).append(r)
        for gid, (path, _count) in self._collapsed_box.items():
            boxes.setdefault(path, []).append(rects[gid])
        spans: dict[str, Box] = {
            m: (min(r[0] for r in rs), min(r[1] for r in rs), max(r[2] for r in rs),
                max(r[3] for r in rs))
            for m, rs in boxes.items()
        }  # fmt: skip
        collapsed = self.collapsed
        for path in sorted(paths, key=lambda p: -p.count(".")):  # children before parents
            s = spans.get(path)
            if s is None:
                continue
            owner = group_owner(path, collapsed) if collapsed else None
            if owner is not None and owner != path:
                continue  # inside a collapsed group: drawn as part of its box
            if path not in collapsed:  # a collapsed box is its own frame
                s = (s[0] - GROUP_PAD, s[1] - GROUP_PAD - GROUP_TITLE, s[2] + GROUP_PAD,
                     s[3] + GROUP_PAD)  # fmt: skip
                spans[path] = s
            parent = path.rsplit(".", 1)[0] if "." in path else None
            if parent is not None:
                spans[parent] = _union(spans[parent], s) if parent in spans else s
            if path in collapsed:
                continue
            self._frames[path] = s
            self._file(("f", path), self._frames[path])

    # ------------------------------------------------------- culling
    def expose(self, rect: QRectF, zoom: float = 1.0) -> int:
        """Make the items of everything that lies in ``rect`` (scene coordinates) and is not
        made yet; returns how many were made. A small graph has all its items already.
        Seen from far out (``zoom`` under OVERVIEW_ZOOM) nothing is made: drawForeground
        paints the boxes as plain rectangles."""
        self._window = QRectF(rect)
        if not self.lazy or self.graph is None or zoom < OVERVIEW_ZOOM:
            return 0
        box = (rect.left(), rect.top(), rect.right(), rect.bottom())
        entries = self._entries_in(box, OVERVIEW_LIMIT)
        if len(entries) > OVERVIEW_LIMIT:
            return 0  # zoomed far out: drawForeground paints plain boxes instead
        return self._make(entries)

    def materialize_all(self) -> None:
        """Items for the whole graph (an export draws everything)."""
        if self.graph is not None:
            self._make_all()

    def _make_all(self) -> None:
        entries = [("n", nid) for nid in self.rects]
        entries += [("e", i) for i in range(len(self._plan))]  # short ones are not filed
        entries += [("b", (s, True)) for s in self._bus_out]
        entries += [("b", (t, False)) for t in self._bus_in]
        entries += [("f", p) for p in self._frames]
        self._make(entries)

    def _entries_in(self, box: Box, limit: int | None = None) -> list[tuple[str, object]]:
        """What is filed in the cells ``box`` touches (more than ``limit``: stops early)."""
        c = CULL_CELL
        seen: set[tuple[str, object]] = set()
        out: list[tuple[str, object]] = []
        x0, y0, x1, y1 = box
        cx0, cy0, cx1, cy1 = int(x0 // c), int(y0 // c), int(x1 // c), int(y1 // c)
        rects = self.rects
        lo = bisect_left(self._tops, y0 - self._tallest)
        hi = bisect_right(self._tops, y1)
        for nid in self._by_top[lo:hi]:
            r = rects[nid]
            if r[0] < x1 and x0 < r[2] and r[3] > y0:
                out.append(("n", nid))
                if limit is not None and len(out) > limit:
                    return out
        cells = self._cells
        if (cx1 - cx0 + 1) * (cy1 - cy0 + 1) > len(cells):  # zoomed far out: filed cells only
            keys = [k for k in cells if cx0 <= k[0] <= cx1 and cy0 <= k[1] <= cy1]
        else:
            keys = [(gx, gy) for gx in range(cx0, cx1 + 1) for gy in range(cy0, cy1 + 1)]
        for key in keys:
            for entry in cells.get(key, ()):
                if entry not in seen:
                    seen.add(entry)
                    out.append(entry)
            if limit is not None and len(out) > limit:
                return out
        for entry, r in self._long:
            if r[0] < x1 and x0 < r[2] and r[1] < y1 and y0 < r[3] and entry not in seen:
                seen.add(entry)
                out.append(entry)
        return out

    def _make(self, entries: list[tuple[str, object]]) -> int:
        made = 0
        edges = []
        for kind, key in entries:
            if kind == "n" and key not in self.node_items:
                self._make_node(key)
                made += 1
                edges.extend(i for i in self._touch.get(key, ()) if i not in self._made_edges)
            elif kind == "e" and key not in self._made_edges:
                edges.append(key)
            elif kind == "f" and key not in self._made_frames:
                self._make_frame(key)
                made += 1
        for kind, key in entries:  # buses and edges need both their ends' boxes
            if kind == "b" and key not in self._made_buses:
                self._make_bus(*key)
                made += 1
        edges = list(dict.fromkeys(edges))
        if edges:
            self._make_edges(edges)
            made += len(edges)
        self.items_made += made
        return made

    def _register_node(self, nid: str, box: QGraphicsRectItem) -> None:
        self.node_items[nid] = box
        collapsed = self._collapsed_box.get(nid)
        if collapsed is not None:
            self.group_items[collapsed[0]] = box
            self.info[box] = ("group", collapsed[0])
            for t in box.childItems():
                self.info[t] = ("group-title", collapsed[0])
        else:
            self.info[box] = ("node", nid)

    def _make_node(self, nid: str) -> None:
        node = self.drawn[nid]
        collapsed = self._collapsed_box.get(nid)
        if collapsed is not None:
            r = self.rects[nid]
            box, _texts = gi.make_collapsed(*collapsed, ((r[0] + r[2]) / 2, (r[1] + r[3]) / 2))
        else:
            box = gi.make_node(node, self.positions[nid], self.text_layer, nid in self._bases)
        self.addItem(box)
        self._register_node(nid, box)
        if nid in self.done or nid in (self.current, self.selected):
            self._restyle(nid)
        self._shape_label(nid)

    def _edge_text(self, i: int) -> str:
        _index, e, s, t = self._plan[i]
        text = gi.edge_text(e, self.graph._index.get(e.target))
        n = self._uses.get((s, t, e.kind), 1)
        if text and n > 1:  # the same tensor goes in more than once
            text += (
                QCoreApplication.translate("GraphScene", " · used twice")
                if n == 2
                else QCoreApplication.translate("GraphScene", " · used {n}×").format(n=n)
            )
        return text

    def _agrees(self, s: str) -> str | None:
        """The one text all of ``s``'s data edges carry (written once under ``s``), if any."""
        if s not in self._agree:
            plan = self._plan
            texts = {
                self._edge_text(i)
                for i in self._touch.get(s, ())
                if plan[i][2] == s and plan[i][1].kind == "data"
            }
            texts.discard("")
            self._agree[s] = texts.pop() if len(texts) == 1 else None
        return self._agree[s]

    def _shape_label(self, s: str) -> None:
        text = self._agrees(s) if s in self._touch else None
        if text:
            r = self.rects[s]
            self.label_layer.add((s, "*"), (r[0] + r[2]) / 2 + 4, r[3] + 1, text)

    def _qrect(self, nid: str) -> QRectF:
        r = self.rects[nid]
        return QRectF(r[0], r[1], r[2] - r[0], r[3] - r[1])

    def _make_edges(self, todo: list[int]) -> None:
        if not todo:
            return
        plan, rects = self._plan, self.rects
        styles = {i: self._style(i) for i in todo}
        routed = [i for i in todo if styles[i] == "edge"]
        routes: dict[int, list] = {}
        if routed and not self.lazy:
            near = {nid: self.positions[nid] for nid in rects if nid in self.positions}
            routes = route_edges(self.graph, near, only=[plan[i][0] for i in routed])
        elif routed:  # only the boxes in the rows these edges span matter: band by band
            spans = sorted(
                (min(rects[plan[i][2]][1], rects[plan[i][3]][1]),
                 max(rects[plan[i][2]][3], rects[plan[i][3]][3]), i)
                for i in routed
            )  # fmt: skip
            bands: list[list] = []
            for top, bottom, i in spans:  # edges far apart (kept boxes up here, new ones
                if bands and top <= bands[-1][1]:  # down there) are routed apart
                    bands[-1][1] = max(bands[-1][1], bottom)
                    bands[-1][2].append(i)
                else:
                    bands.append([top, bottom, [i]])
            for top, bottom, members in bands:
                lo = bisect_left(self._tops, top - self._tallest)
                hi = bisect_right(self._tops, bottom)
                near = {
                    nid: self.positions[nid]
                    for nid in self._by_top[lo:hi]
                    if rects[nid][3] >= top and nid in self.positions
                }
                only = [plan[i][0] for i in members]
                routes.update(route_edges(self.graph, near, only=only))
        for i in todo:
            index, e, s, t = plan[i]
            style = styles[i]
            a, b = self._qrect(s), self._qrect(t)
            if style == "drop-out":
                item = gi.make_drop(e, b.center().x(), a.bottom() + gi.BUS_GAP, b.top(), True)
            elif style == "drop-in":
                item = gi.make_drop(e, a.center().x(), a.bottom(), b.top() - gi.BUS_GAP, False)
            else:
                item = gi.make_edge(e, a, b, routes.get(index))
            self.addItem(item)
            self._made_edges.add(i)
            self.info[item] = ("edge", i)
            self.edges[i] = (e, item)
            if (e.source, e.target) in self.notes:
                item.setPen(gi.flow_pen())
            text = self._edge_text(i)
            if text and (e.kind != "data" or self._agrees(s) is None):
                colour = gi.CUT if e.kind == "cut" else None
                at = item.path().pointAtPercent(0.4 if e.kind == "data" else 0.5)
                dx = 4 if e.kind == "data" else 8
                self.label_layer.add((e.source, e.target), at.x() + dx, at.y(), text, colour)

    def _make_bus(self, nid: str, out: bool) -> None:
        others = self._bus_out[nid] if out else self._bus_in[nid]
        bus = gi.make_bus(self._qrect(nid), [self._qrect(o) for o in others], out=out)
        self.addItem(bus)
        self._made_buses.add((nid, out))
        self.info[bus] = ("bus", nid)

    def _make_frame(self, path: str) -> None:
        x0, y0, x1, y1 = self._frames[path]
        item, title = gi.make_group(path, QRectF(x0, y0, x1 - x0, y1 - y0))
        self.group_titles[path] = title.mapRectToScene(title.boundingRect())
        item.setZValue(-3 + 0.01 * path.count("."))  # nested frames above their parents
        self.addItem(item)
        self._made_frames.add(path)
        self.group_items[path] = item
        self.info[item] = ("group", path)
        self.info[title] = ("group-title", path)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        """Zoomed far out over a big graph: the boxes not made as items, as plain rectangles
        (no text would be readable), so a frame costs what is in it, not the graph."""
        if not self.lazy or self.graph is None:
            return
        box = (rect.left(), rect.top(), rect.right(), rect.bottom())
        made = self.node_items
        by_fill: dict[str, list[QRectF]] = {}  # the boxes' own colours, as their items have
        lines = []
        todo: set[int] = set()
        for kind, key in self._entries_in(box):
            if kind == "n" and key not in made:
                r = self.rects[key]
                node = self.drawn[key]
                fill = "group" if node is None else gi.fill_key(node, key in self._bases)
                by_fill.setdefault(fill, []).append(QRectF(r[0], r[1], r[2] - r[0], r[3] - r[1]))
                todo.update(self._touch.get(key, ()))
            elif kind == "e":
                todo.add(key)
        for i in todo - self._made_edges:
            _i, _e, s, t = self._plan[i]
            a, b = self.rects[s], self.rects[t]
            lines.append(QLineF((a[0] + a[2]) / 2, a[3], (b[0] + b[2]) / 2, b[1]))
        if lines:
            painter.setPen(QPen(gi.EDGE, 0))
            painter.drawLines(lines)
        painter.setPen(QPen(gi.BORDER, 0))
        for fill, rects in by_fill.items():
            painter.setBrush(gi.brush(fill))
            painter.drawRects(rects)

    def overview(self, painter: QPainter, cell: float) -> None:
        """Every box, as the cells of side ``cell`` it covers (the minimap's picture of a big
        graph: one rectangle per pixel, not per box)."""
        covered: set[tuple[int, int]] = set()
        rects = self.rects.values()
        if len(self.rects) > 2000:  # many boxes: a pixel for each box's centre is enough
            half = 2 * cell
            covered = {(int((r[0] + r[2]) // half), int((r[1] + r[3]) // half)) for r in rects}
            rects = []
        for x0, y0, x1, y1 in rects:
            for gx in range(int(x0 // cell), int(x1 // cell) + 1):
                for gy in range(int(y0 // cell), int(y1 // cell) + 1):
                    covered.add((gx, gy))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(gi.BORDER))
        painter.drawRects([QRectF(gx * cell, gy * cell, cell, cell) for gx, gy in covered])

    def _bounds(self) -> QRectF:
        """The drawing's extent, from the model (every box, made or not, and the frames)."""
        boxes = list(self.rects.values()) + list(self._frames.values())
        if not boxes:
            return QRectF()
        left = min(r[0] for r in boxes)
        top = min(r[1] for r in boxes)
        right = max(r[2] for r in boxes)
        bottom = max(r[3] for r in boxes)
        return QRectF(left, top, right - left, bottom - top + 14)  # + a label under the last

    # ---------------------------------------------------- level of detail
    def set_detail(self, text: bool, edge_labels: bool) -> None:
        if text != self.show_text:
            self.show_text = text
            if self.graph is not None:
                self.text_layer.setVisible(text)
            self.note_layer.setVisible(text)  # labels are unreadable when node text is
        if edge_labels != self.show_edge_labels:
            self.show_edge_labels = edge_labels
            if self.graph is not None:
                self.label_layer.setVisible(edge_labels)

    # ------------------------------------------------------ annotations
    def set_annotations(
        self,
        current: str | None,
        done: Iterable[str],
        notes: Mapping[tuple[str, str], tuple[str, str]],
        selected: str | None,
    ) -> None:
        """Replace every annotation; only what differs from what is drawn is touched."""
        self.set_states(current, done, selected)
        notes = dict(notes)  # a copy: the caller may keep changing its own dict
        old = self.notes
        for key in old.keys() - notes.keys():
            self._drop_note(key)
        self.notes = notes
        for key, note in notes.items():
            if old.get(key) != note:
                self._draw_note(key)

    def set_states(self, current: str | None, done: Iterable[str], selected: str | None) -> None:
        """Re-colour only the nodes whose state (current, selected, done) changed."""
        done = set(done)
        changed = done ^ self.done
        changed.update((self.current, current, self.selected, selected))
        self.current, self.done, self.selected = current, done, selected
        for nid in changed:
            self._restyle(nid)

    def set_note(self, source: str, target: str, text: str, tooltip: str = "") -> None:
        key = (source, target)
        if self.notes.get(key) != (text, tooltip):
            self.notes[key] = (text, tooltip)
            self._draw_note(key)

    def _restyle(self, nid: str | None) -> None:
        box = self.node_items.get(nid) if nid is not None else None
        if box is not None:
            box.setPen(self.pen_for(nid))
            box.setZValue(1 if nid in (self.current, self.selected) else 0)

    def pen_for(self, nid: str) -> QPen:
        if nid == self.current:
            return gi.state_pen("current")
        if nid == self.selected:
            return gi.state_pen("selected")
        if nid in self.done:
            return gi.state_pen("done")
        if nid.startswith("group:"):
            return QPen(gi.GROUP_BORDER, 1.6)
        return gi.base_pen(self.graph.node(nid))

    def _drop_note(self, key: tuple[str, str]) -> None:
        item = self.note_items.pop(key, None)
        if item is None:
            return
        self._note_grid.remove(key)
        edge, line = self.edges[self.info[item][1]]
        line.setPen(gi.edge_pen(edge))
        for part in (item, *item.childItems()):
            self.info.pop(part, None)
        self.removeItem(item)
        leader = self._leaders.pop(key, None)
        if leader is not None:
            self.info.pop(leader, None)
            self.removeItem(leader)

    def _draw_note(self, key: tuple[str, str]) -> None:
        """(Re)draw one edge's label where it overlaps no other label (and no box if it can)."""
        old = self.note_items.get(key)
        prefer = old.pos() if old is not None else None
        self._drop_note(key)
        index = self.edge_index.get(key)
        if index is None or key not in self.notes:
            return  # that edge is not drawn (hidden or inside a collapsed group)
        text, tip = self.notes[key]
        if self.edges[index][1] is None:
            self._make_edges([index])  # a label far from the view still needs its edge
        item = gi.make_note(text, tip)
        size = item.rect().size()
        line = self.edges[index][1]
        line.setPen(gi.flow_pen())  # the gradient crossed this edge: it leads to its label
        path = line.path()
        rect, anchor = self._place(path, size.width(), size.height(), prefer)
        item.setPos(rect.topLeft())
        item.setParentItem(self.note_layer)
        if not self.sceneRect().contains(rect):  # a label pushed aside stays reachable
            self.setSceneRect(self.sceneRect().united(rect.adjusted(-8, -8, 8, 8)))
        self._note_grid.add(key, rect)
        self.note_items[key] = item
        for part in (item, *item.childItems()):
            self.info[part] = ("edge-note", index)
        if anchor is not None:  # moved off its edge: a thin line says which edge it labels
            leader = gi.make_leader(anchor, rect)
            leader.setParentItem(self.note_layer)
            self._leaders[key] = leader
            self.info[leader] = ("edge-note", index)

    def _place(
        self, path: QPainterPath, w: float, h: float, prefer: QPointF | None
    ) -> tuple[QRectF, QPointF | None]:
        """A free spot for a w x h label of the edge ``path``, and where its leader starts
        (None when the label touches its edge).

        Tried in order: where the label was (so a changed text does not jump);
        on the edge, from its middle outwards; beside it; then the nearest free
        spot left or right of its middle, tied to it by a leader line. "Free"
        means over no other label and no box; a spot over a box but no label is
        the fallback, and when even that fails the label is stacked under the
        ones in the way.
        """
        labels, boxes = self._note_grid, self._node_obstacles()
        # fractions of the line itself: the arrowhead's two strokes come last in the path
        length = path.length()
        arrow = gi.ARROW_LEN if gi.has_arrowhead(path) else 0.0
        scale = max(length - arrow, 0.5 * length) / length if length else 0.0
        points: list[QPointF] = []

        def point(i: int) -> QPointF:  # computed only when asked: each costs a curve walk
            while len(points) <= i:
                points.append(path.pointAtPercent(NOTE_SPOTS[len(points)] * scale))
            return points[i]

        def free(x: float, y: float) -> bool:
            box = (x, y, x + w, y + h)
            return not labels.hits(box) and not boxes.hits(box)

        spot = None
        if prefer is not None and free(prefer.x(), prefer.y()):
            spot = prefer.x(), prefer.y()
        for i in range(len(NOTE_SPOTS) if spot is None else 0):  # on the edge
            p = point(i)
            if free(p.x() - w / 2, p.y() - h / 2):
                spot = p.x() - w / 2, p.y() - h / 2
                break
        for i in range(len(NOTE_SPOTS) if spot is None else 0):  # beside it
            p = point(i)
            for x in (p.x() + gi.NOTE_GAP, p.x() - gi.NOTE_GAP - w):
                if spot is None and free(x, p.y() - h / 2):
                    spot = x, p.y() - h / 2
        mid = point(0)
        if spot is None:
            spot = self._nearest_free(mid, w, h, (labels, boxes))
        if spot is None:
            spot = self._nearest_free(mid, w, h, (labels,))
        if spot is None:  # crowded everywhere: stack below whatever label is in the way
            x, y = mid.x() - w / 2, mid.y() - h / 2
            for _ in range(500):
                hits = labels.hits((x, y, x + w, y + h))
                if not hits:
                    break
                y = max(r[3] for r in hits) + NOTE_STACK_GAP
            spot = x, y
        x, y = spot
        box = (x, y, x + w, y + h)
        # the leader starts at the point of the edge nearest to the label, if it is not close
        gap, anchor = min((_distance(p, box), i) for i, p in enumerate(points))
        return QRectF(x, y, w, h), (None if gap <= gi.NOTE_GAP + 1 else points[anchor])

    @staticmethod
    def _nearest_free(
        mid: QPointF, w: float, h: float, grids: tuple[RectGrid, ...]
    ) -> tuple[float, float] | None:
        """The top-left of the free w x h spot nearest to ``mid``, looking left and right
        at a few heights.

        Each look jumps straight past whatever is in the way, so it takes a few
        steps, not one per pixel.
        """
        best, best_cost = None, float("inf")
        cx, cy = mid.x(), mid.y()
        for dy in NOTE_SHIFTS:  # ordered by |dy|: stop once a shift alone costs more
            if NOTE_SHIFT_COST * abs(dy) >= best_cost:
                break
            y = cy + dy - h / 2
            for direction in (1, -1):
                x = cx - w / 2
                while abs(x + w / 2 - cx) + NOTE_SHIFT_COST * abs(dy) < best_cost:
                    if abs(x + w / 2 - cx) > NOTE_REACH:
                        break
                    box = (x, y, x + w, y + h)
                    hits = [r for grid in grids for r in grid.hits(box)]
                    if not hits:
                        best, best_cost = (x, y), abs(x + w / 2 - cx) + NOTE_SHIFT_COST * abs(dy)
                        break
                    if direction > 0:
                        x = max(r[2] for r in hits) + NOTE_STACK_GAP
                    else:
                        x = min(r[0] for r in hits) - w - NOTE_STACK_GAP
        return best

    def _node_obstacles(self) -> RectGrid:
        """The boxes (with a margin, so a label never touches one) and the shape labels, as a
        grid built on the first gradient label after a rebuild."""
        if self._obstacles is None:
            grid = RectGrid()
            m = NOTE_MARGIN
            for nid, (x0, y0, x1, y1) in self.rects.items():
                grid.add(nid, QRectF(x0 - m, y0 - m, x1 - x0 + 2 * m, y1 - y0 + 2 * m))
            for key, (x0, y0, x1, y1) in self.label_layer.rects().items():
                grid.add(("shape", key), QRectF(x0, y0, x1 - x0, y1 - y0))
            for path, rect in self.group_titles.items():
                grid.add(("title", path), rect)
            self._obstacles = grid
        return self._obstacles

    # ----------------------------------------------------------- lookup
    def edge_item(self, source: str, target: str) -> QGraphicsPathItem | None:
        index = self.edge_index.get((source, target))
        return None if index is None else self.edges[index][1]

    def note_rect(self, source: str, target: str) -> QRectF | None:
        """Where an edge's gradient label is drawn (scene coordinates), if it is."""
        item = self.note_items.get((source, target))
        return None if item is None else item.mapRectToScene(item.rect())

    def node_at_item(self, item: QGraphicsItem | None) -> tuple[str, str] | None:
        """(kind, id) of the node, group or edge an item belongs to."""
        return self.info.get(item)

    def node_rect(self, nid: str) -> QRectF | None:
        """Where box ``nid`` is drawn (scene coordinates), whether its item is made or not."""
        return self._qrect(nid) if nid in self.rects else None

    def box_count(self) -> int:
        """Boxes in the drawing (items made or not)."""
        return len(self.rects)

    def visible_text(self, nid: str) -> list[str]:
        return self.text_layer.text_of(nid)
