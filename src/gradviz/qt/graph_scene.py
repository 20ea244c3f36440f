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

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QCoreApplication, QPointF, QRectF
from PySide6.QtGui import QBrush, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
)

from gradviz.core.graph import Edge, Graph, Node
from gradviz.core.layout import GROUP_PAD, GROUP_TITLE, route_edges
from gradviz.qt import graph_items as gi
from gradviz.qt.graph_text import TextLayer

# From this many nodes, no BSP index. Measured (2 CPUs, offscreen): at 5 000 nodes the index
# adds nothing to the build or the first paint, while without it every small repaint (one
# backward step's highlight and labels) walks all items: 7 ms instead of 0.3 ms at 2 000.
BIG = 1500
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
        self.rebuild()

    def rebuild(self) -> None:
        self.clear()
        self.node_items, self.group_items, self.edges, self.info = {}, {}, [], {}
        self.edge_index, self.note_items, self._leaders = {}, {}, {}
        self.group_titles: dict[str, QRectF] = {}  # a frame's title: labels keep off it
        self._note_grid, self._obstacles = RectGrid(), None
        self._new_note_layer()
        graph = self.graph
        if graph is None:
            return
        self.setItemIndexMethod(
            QGraphicsScene.ItemIndexMethod.NoIndex
            if len(graph.nodes) >= BIG
            else QGraphicsScene.ItemIndexMethod.BspTreeIndex
        )
        self.text_layer = TextLayer(gi.font("node"), gi.TEXT)
        self.label_layer = TextLayer(gi.font("edge"), gi.EDGE_TEXT, 1.0)
        bases = {n.base for n in graph.nodes if n.base}
        collapsed = self.collapsed
        alias: dict[str, str] = {}  # node id -> id drawn (itself or its collapsed group)
        members: dict[str, list[Node]] = {}
        for n in graph.nodes:
            if n.kind == "saved" and not self.show_saved:
                continue
            if n.id not in self.positions:
                continue
            owner = group_owner(n.module, collapsed)
            if owner is not None:
                alias[n.id] = f"group:{owner}"
                members.setdefault(owner, []).append(n)
                continue
            alias[n.id] = n.id
            box = gi.make_node(n, self.positions[n.id], self.text_layer, n.id in bases)
            self.addItem(box)
            self.node_items[n.id] = box
            self.info[box] = ("node", n.id)
        for path, nodes in members.items():
            xs = [self.positions[n.id][0] for n in nodes]
            ys = [self.positions[n.id][1] for n in nodes]
            centre = (sum(xs) / len(xs), sum(ys) / len(ys))
            box, texts = gi.make_collapsed(path, len(nodes), centre)
            self.addItem(box)
            self.node_items[f"group:{path}"] = box
            self.group_items[path] = box
            self.info[box] = ("group", path)
            for t in texts:
                self.info[t] = ("group-title", path)
        self._add_edges(graph, alias)
        self._add_group_frames(graph)
        self.addItem(self.text_layer)
        self.addItem(self.label_layer)
        self.text_layer.setVisible(self.show_text)
        self.label_layer.setVisible(self.show_edge_labels)
        self._apply_annotations()
        self.setSceneRect(self._bounds().adjusted(-24, -24, 24, 24))

    def _bounds(self) -> QRectF:
        """The drawing's extent, from the boxes (cheaper than itemsBoundingRect)."""
        rects = [b.rect() for b in self.node_items.values()]
        rects += [g.rect() for g in self.group_items.values()]
        if not rects:
            return QRectF()
        left = min(r.left() for r in rects)
        top = min(r.top() for r in rects)
        right = max(r.right() for r in rects)
        bottom = max(r.bottom() for r in rects)
        return QRectF(left, top, right - left, bottom - top + 14)  # + a label under the last

    def _add_edges(self, graph: Graph, alias: dict[str, str]) -> None:
        """One item per edge; a wide fan-out or fan-in shares one bus line.

        Without buses, a value read by hundreds of nodes (the input of every
        attention head) draws hundreds of long curves across the whole view:
        unreadable, and each frame repaints all of them. With a bus, each edge
        is a short drop, and the bus is one straight line.
        """
        seen: set[tuple[str, str, str]] = set()
        nodes = graph._index
        drawn = {nid: self.positions[nid] for nid in self.node_items if nid in self.positions}
        routes = route_edges(graph, drawn)
        todo: list[tuple[int, Edge, str, str]] = []
        fan_out: dict[str, int] = {}
        fan_in: dict[str, int] = {}
        uses: dict[tuple, int] = {}  # dot(x, x): one drawn edge that carries x twice
        for e in graph.edges:
            key = (alias.get(e.source), alias.get(e.target), e.kind)
            uses[key] = uses.get(key, 0) + 1
        for index, e in enumerate(graph.edges):
            s, t = alias.get(e.source), alias.get(e.target)
            if s is None or t is None or s == t or (s, t, e.kind) in seen:
                continue
            seen.add((s, t, e.kind))
            todo.append((index, e, s, t))
            if e.kind == "data":
                fan_out[s] = fan_out.get(s, 0) + 1
                fan_in[t] = fan_in.get(t, 0) + 1
        buses_out: dict[str, list[QRectF]] = {}
        buses_in: dict[str, list[QRectF]] = {}
        by_source: dict[str, list[tuple[str, QGraphicsPathItem, Edge]]] = {}
        for index, e, s, t in todo:
            a, b = self.node_items[s].rect(), self.node_items[t].rect()
            below = b.top() > a.bottom() + 4
            if e.kind == "data" and below and fan_out[s] >= FAN:
                item = gi.make_drop(e, b.center().x(), a.bottom() + gi.BUS_GAP, b.top(), True)
                buses_out.setdefault(s, []).append(b)
            elif e.kind == "data" and below and fan_in[t] >= FAN:
                item = gi.make_drop(e, a.center().x(), a.bottom(), b.top() - gi.BUS_GAP, False)
                buses_in.setdefault(t, []).append(a)
            else:
                item = gi.make_edge(e, a, b, routes.get(index))
            self.addItem(item)
            self.info[item] = ("edge", len(self.edges))
            self.edge_index.setdefault((e.source, e.target), len(self.edges))
            self.edges.append((e, item))
            text = gi.edge_text(e, nodes.get(e.target))
            if text and uses[(s, t, e.kind)] > 1:
                n = uses[(s, t, e.kind)]  # the same tensor goes in more than once
                text += (
                    QCoreApplication.translate("GraphScene", " · used twice")
                    if n == 2
                    else QCoreApplication.translate("GraphScene", " · used {n}×").format(n=n)
                )
            if text:
                by_source.setdefault(s, []).append((text, item, e))
        for s, targets in buses_out.items():
            bus = gi.make_bus(self.node_items[s].rect(), targets, out=True)
            self.addItem(bus)
            self.info[bus] = ("bus", s)
        for t, sources in buses_in.items():
            bus = gi.make_bus(self.node_items[t].rect(), sources, out=False)
            self.addItem(bus)
            self.info[bus] = ("bus", t)
        # a value's shape is written once under its producer when all its edges agree
        for s, items in by_source.items():
            plain = [(t, i) for t, i, e in items if e.kind == "data"]
            texts = {t for t, _ in plain}
            if len(texts) == 1:
                r = self.node_items[s].rect()
                self.label_layer.add((s, "*"), r.center().x() + 4, r.bottom() + 1, texts.pop())
                rest = [(t, i, e) for t, i, e in items if e.kind != "data"]
            else:
                rest = items
            for text, item, e in rest:
                colour = gi.CUT if e.kind == "cut" else None
                at = item.path().pointAtPercent(0.4 if e.kind == "data" else 0.5)
                dx = 4 if e.kind == "data" else 8
                self.label_layer.add((e.source, e.target), at.x() + dx, at.y(), text, colour)

    def _add_group_frames(self, graph: Graph) -> None:
        """One dashed frame per expanded module, around its nodes and its sub-groups."""
        paths = graph.modules()
        if not paths:
            return
        rects: dict[str, QRectF] = {}
        for n in graph.nodes:
            item = self.node_items.get(n.id)
            if item is None or not n.module:
                continue
            r = item.mapRectToScene(item.rect())
            rects[n.module] = rects[n.module].united(r) if n.module in rects else r
        for path, box in self.group_items.items():
            r = box.mapRectToScene(box.rect())
            rects[path] = rects[path].united(r) if path in rects else r
        for path in sorted(paths, key=lambda p: -p.count(".")):  # children before parents
            if path not in rects:
                continue
            owner = group_owner(path, self.collapsed)
            if owner is not None and owner != path:
                continue  # inside a collapsed group: drawn as part of its box
            frame = rects[path]
            if path not in self.collapsed:  # a collapsed box is its own frame
                frame = frame.adjusted(-GROUP_PAD, -GROUP_PAD - GROUP_TITLE, GROUP_PAD, GROUP_PAD)
            rects[path] = frame
            parent = path.rsplit(".", 1)[0] if "." in path else None
            if parent is not None:
                rects[parent] = rects[parent].united(frame) if parent in rects else frame
            if path in self.collapsed:
                continue
            item, title = gi.make_group(path, frame)
            self.group_titles[path] = title.mapRectToScene(title.boundingRect())
            item.setZValue(-3 + 0.01 * path.count("."))  # nested frames above their parents
            self.addItem(item)
            self.group_items[path] = item
            self.info[item] = ("group", path)
            self.info[title] = ("group-title", path)

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

    def _apply_annotations(self) -> None:
        """After a rebuild: every node's state and every label, drawn afresh."""
        for nid in self.node_items:
            if nid in self.done or nid in (self.current, self.selected):
                self._restyle(nid)
        for key in self.notes:
            self._draw_note(key)

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
            for nid, box in self.node_items.items():
                grid.add(nid, box.rect().adjusted(-m, -m, m, m))
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
        item = self.node_items.get(nid)
        return None if item is None else item.mapRectToScene(item.rect())

    def visible_text(self, nid: str) -> list[str]:
        return self.text_layer.text_of(nid)
