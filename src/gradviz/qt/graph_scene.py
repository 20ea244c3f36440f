"""A QGraphicsScene that draws a core Graph at given positions.

The scene is rebuilt from (graph, positions, collapsed groups, saved toggle)
on every change: positions come from the caller, so a rebuild never moves a
node. Level of detail flips two shared layers (node text, edge labels) on and
off instead of touching thousands of items, and annotations (current step,
done, edge texts, selection) only change pens.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
)

from gradviz.core.graph import Edge, Graph, Node
from gradviz.core.layout import GROUP_PAD, GROUP_TITLE, route_edges
from gradviz.qt import graph_items as gi
from gradviz.qt.graph_text import TextLayer

BIG = 1500  # from this many nodes, a BSP index costs more than it saves
FAN = 6  # this many edges out of (or into) one node share a bus line


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
        self._note_items: list[QGraphicsItem] = []
        self.setBackgroundBrush(QBrush(QColor("#fbfbfd")))

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
        self._note_items = []
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
            self.edges.append((e, item))
            text = gi.edge_text(e, nodes.get(e.target))
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
        if edge_labels != self.show_edge_labels:
            self.show_edge_labels = edge_labels
            if self.graph is not None:
                self.label_layer.setVisible(edge_labels)

    # ------------------------------------------------------ annotations
    def set_annotations(
        self,
        current: str | None,
        done: Iterable[str],
        notes: dict[tuple[str, str], tuple[str, str]],
        selected: str | None,
    ) -> None:
        self.current, self.done, self.selected = current, set(done), selected
        self.notes = dict(notes)
        if self.graph is not None:
            self._apply_annotations()

    def _apply_annotations(self) -> None:
        for nid, box in self.node_items.items():
            box.setPen(self.pen_for(nid))
            box.setZValue(1 if nid in (self.current, self.selected) else 0)
        for item in self._note_items:
            for part in (item, *item.childItems()):
                self.info.pop(part, None)
            self.removeItem(item)
        self._note_items = []
        for (source, target), (text, tip) in self.notes.items():
            edge_item = self.edge_item(source, target)
            if edge_item is None:
                continue
            self._note_items.append(self._note(text, tip, edge_item))

    def pen_for(self, nid: str) -> QPen:
        if nid == self.current:
            return QPen(gi.CURRENT, 3.0)
        if nid == self.selected:
            return QPen(gi.SELECTED, 3.0)
        if nid in self.done:
            return QPen(gi.DONE, 2.4)
        if nid.startswith("group:"):
            return QPen(gi.GROUP_BORDER, 1.6)
        return gi.base_pen(self.graph.node(nid))

    def _note(self, text: str, tip: str, edge_item: QGraphicsPathItem) -> QGraphicsItem:
        mid = edge_item.path().pointAtPercent(0.5)
        label = QGraphicsSimpleTextItem(text)
        label.setFont(gi.font("note"))
        label.setBrush(QBrush(QColor("#7c2d12")))
        r = label.boundingRect().adjusted(-4, -2, 4, 2)
        back = QGraphicsRectItem(r)
        back.setBrush(QBrush(QColor("#fff7ed")))
        back.setPen(QPen(QColor("#fb923c"), 1.0))
        label.setParentItem(back)
        back.setPos(mid.x() + 6, mid.y() - r.height() / 2)
        back.setZValue(6)
        back.setToolTip(tip or text)
        label.setToolTip(tip or text)
        self.addItem(back)
        self.info[back] = ("edge-note", self.info[edge_item][1])
        self.info[label] = self.info[back]
        return back

    # ----------------------------------------------------------- lookup
    def edge_item(self, source: str, target: str) -> QGraphicsPathItem | None:
        for e, item in self.edges:
            if e.source == source and e.target == target:
                return item
        return None

    def node_at_item(self, item: QGraphicsItem | None) -> tuple[str, str] | None:
        """(kind, id) of the node, group or edge an item belongs to."""
        return self.info.get(item)

    def node_rect(self, nid: str) -> QRectF | None:
        item = self.node_items.get(nid)
        return None if item is None else item.mapRectToScene(item.rect())

    def visible_text(self, nid: str) -> list[str]:
        return self.text_layer.text_of(nid)
