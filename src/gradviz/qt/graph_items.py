"""The drawing pieces of the graph view: colours, fonts and item factories.

Every item is a stock C++ item (rect, simple text, path), never a Python
subclass with its own ``paint``: with 5 000 nodes on screen a Python call per
item per frame would cost more than the whole frame budget. Pens, brushes and
fonts are shared. The scene keeps its own map from item to node, rather than
``QGraphicsItem.setData``, which costs a Python-level conversion per call.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
)

from gradviz.core.graph import Edge, Node
from gradviz.core.layout import CHAR_W, LINE_H, node_lines, node_size
from gradviz.qt.graph_text import TextLayer

# torchviz's Graphviz colours (X11 names), so the graph reads the way PyTorch users expect
FILL = {
    "leaf": QColor("#add8e6"),  # lightblue
    "function": QColor("#d3d3d3"),  # lightgrey, Graphviz's default fill
    "saved": QColor("#ffa500"),  # orange
    "output": QColor("#caff70"),  # darkolivegreen1
    "base": QColor("#a2cd5a"),  # darkolivegreen3: a view's base
    "constant": QColor("#ececec"),  # ours: a cut-off constant
    "group": QColor("#dbe4f0"),  # a collapsed module box
}
BORDER = QColor("#4b5563")
TEXT = QColor("#111827")  # on the light fills, so in both themes
CURRENT = QColor("#dc2626")
DONE = QColor("#16a34a")
SELECTED = QColor("#2563eb")

# What is drawn on the scene's background follows the app's theme; the boxes keep
# torchviz's light fills (with dark text) in both, and read well on a dark background.
THEMES = {
    "light": {
        "BACKGROUND": "#fbfbfd", "EDGE": "#6b7280", "EDGE_TEXT": "#4b5563", "CUT": "#c2410c",
        "GROUP_BORDER": "#64748b", "GROUP_FILL": "#eef2f7", "GROUP_TITLE": "#334155",
    },
    "dark": {
        "BACKGROUND": "#17191e", "EDGE": "#9ca3af", "EDGE_TEXT": "#b4bcc8", "CUT": "#fb923c",
        "GROUP_BORDER": "#8b9bb0", "GROUP_FILL": "#252a33", "GROUP_TITLE": "#cbd5e1",
    },
}  # fmt: skip
theme = "light"
BACKGROUND = QColor(THEMES["light"]["BACKGROUND"])
EDGE = QColor(THEMES["light"]["EDGE"])
EDGE_TEXT = QColor(THEMES["light"]["EDGE_TEXT"])
CUT = QColor(THEMES["light"]["CUT"])
GROUP_BORDER = QColor(THEMES["light"]["GROUP_BORDER"])
GROUP_FILL = QColor(THEMES["light"]["GROUP_FILL"])
GROUP_TITLE = QColor(THEMES["light"]["GROUP_TITLE"])

_FONTS: dict[str, QFont] = {}
_BRUSHES: dict[str, QBrush] = {}
_PENS: dict[str, QPen] = {}


def use_theme(name: str) -> bool:
    """Make new items use the colours of ``name`` (light | dark); True if that changed.

    Items already drawn keep theirs: the scene rebuilds (see GraphScene.set_theme).
    """
    global theme
    name = name if name in THEMES else "light"
    if name == theme:
        return False
    theme = name
    for key, value in THEMES[name].items():
        globals()[key] = QColor(value)
    _PENS.clear()  # shared pens carry the old colours
    return True


def font(kind: str = "node") -> QFont:
    """A monospace pixel-sized font, so text width matches the core layout's estimate."""
    if kind not in _FONTS:
        f = QFont("DejaVu Sans Mono")
        f.setStyleHint(QFont.StyleHint.Monospace)
        f.setPixelSize({"node": 11, "edge": 9, "group": 11, "note": 10}[kind])
        if kind == "group":
            f.setBold(True)
        _FONTS[kind] = f
    return _FONTS[kind]


def brush(key: str) -> QBrush:
    """Shared brushes: thousands of items, a handful of colours."""
    if key not in _BRUSHES:
        _BRUSHES[key] = QBrush(FILL.get(key, FILL["function"]))
    return _BRUSHES[key]


def base_pen(node: Node) -> QPen:
    key = ("cut" if node.cut else "constant") if node.kind == "constant" else "plain"
    if key not in _PENS:
        if key == "plain":
            _PENS[key] = QPen(BORDER, 1.0)
        else:
            _PENS[key] = QPen(CUT if key == "cut" else BORDER, 1.4, Qt.PenStyle.DashLine)
    return _PENS[key]


def fill_key(node: Node, is_base: bool = False) -> str:
    if is_base and node.kind not in ("leaf", "constant"):
        return "base"
    return node.kind


def make_node(
    node: Node, pos: tuple[float, float], texts: TextLayer, is_base: bool = False
) -> QGraphicsRectItem:
    """A box for ``node`` centred at ``pos``; its label goes into the shared text layer."""
    w, h = node_size(node)
    x, y = pos
    box = QGraphicsRectItem(x - w / 2, y - h / 2, w, h)
    box.setBrush(brush(fill_key(node, is_base)))
    box.setPen(base_pen(node))
    add_node_text(node, pos, texts)
    return box


def add_node_text(node: Node, pos: tuple[float, float], texts: TextLayer) -> None:
    """A box's label lines, centred on ``pos``, into the shared text layer."""
    x, y = pos
    lines = node_lines(node)
    widest = texts.char * max(len(s) for s in lines)
    top = y - texts.line * len(lines) / 2
    texts.add(node.id, x - widest / 2, top, "\n".join(lines), centred=node.kind != "function")


def edge_path(a: QRectF, b: QRectF, via: list[tuple[float, float]] | None = None) -> QPainterPath:
    """A smooth curve from the bottom of box ``a`` to the top of box ``b``, with an arrowhead.

    ``via`` are waypoints (from the core router) that keep a long edge out of
    the boxes it passes. When the target is not below the source (incremental
    positions) the curve leaves and enters sideways instead.
    """
    path = QPainterPath()
    if b.top() > a.bottom() + 4:
        points = [(a.center().x(), a.bottom()), *(via or ()), (b.center().x(), b.top())]
        px, py = points[0]
        path.moveTo(px, py)
        for qx, qy in points[1:]:
            bend = max(12.0, (qy - py) * 0.45)
            path.cubicTo(px, py + bend, qx, qy - bend, qx, qy)
            px, py = qx, qy
        tip, direction = (px, py), math.pi / 2  # arrives straight down
    else:
        left_to_right = b.center().x() >= a.center().x()
        sx, sy = (a.right() if left_to_right else a.left()), a.center().y()
        ex, ey = (b.left() if left_to_right else b.right()), b.center().y()
        bend = max(18.0, abs(ex - sx) * 0.45) * (1 if left_to_right else -1)
        path.moveTo(sx, sy)
        path.cubicTo(sx + bend, sy, ex - bend, ey, ex, ey)
        tip, direction = (ex, ey), (0.0 if left_to_right else math.pi)
    _arrowhead(path, tip, direction)
    return path


ARROW_SIZE = 7.0
ARROW_LEN = 2 * ARROW_SIZE  # what an arrowhead's two strokes add to a path's length()


def _arrowhead(
    path: QPainterPath, tip: tuple[float, float], angle: float, size: float = ARROW_SIZE
) -> None:
    x, y = tip
    for side in (-0.42, 0.42):
        path.moveTo(x - size * math.cos(angle + side), y - size * math.sin(angle + side))
        path.lineTo(x, y)


def has_arrowhead(path: QPainterPath) -> bool:
    """Whether ``path`` ends with an arrowhead: its two strokes are subpaths of their own."""
    moves = sum(path.elementAt(i).isMoveTo() for i in range(path.elementCount()))
    return moves >= 3


BUS_GAP = 16.0  # distance between a node and its bus line


def make_drop(edge: Edge, x: float, y0: float, y1: float, arrow: bool) -> QGraphicsPathItem:
    """One edge of a bus: a straight vertical piece, with the arrowhead if it ends at the node."""
    path = QPainterPath()
    path.moveTo(x, y0)
    path.lineTo(x, y1)
    if arrow:
        _arrowhead(path, (x, y1), math.pi / 2)
    item = QGraphicsPathItem(path)
    item.setPen(edge_pen(edge))
    item.setZValue(-1)
    return item


def make_bus(node: QRectF, others: list[QRectF], out: bool) -> QGraphicsPathItem:
    """The shared line of a fan-out (under ``node``) or a fan-in (over it), with its stem."""
    x = node.center().x()
    xs = [r.center().x() for r in others] + [x]
    path = QPainterPath()
    if out:
        y = node.bottom() + BUS_GAP
        path.moveTo(x, node.bottom())
        path.lineTo(x, y)
    else:
        y = node.top() - BUS_GAP
        path.moveTo(x, y)
        path.lineTo(x, node.top())
        _arrowhead(path, (x, node.top()), math.pi / 2)
    path.moveTo(min(xs), y)
    path.lineTo(max(xs), y)
    item = QGraphicsPathItem(path)
    pen = QPen(EDGE, 1.6)
    item.setPen(pen)
    item.setZValue(-1)
    return item


def edge_pen(edge: Edge) -> QPen:
    if edge.kind not in _PENS:
        if edge.kind == "cut":
            pen = QPen(CUT, 1.4, Qt.PenStyle.DashLine)
        elif edge.kind == "view":
            pen = QPen(EDGE, 1.2, Qt.PenStyle.DotLine)
        elif edge.kind == "saved":
            pen = QPen(QColor("#d97706"), 1.0, Qt.PenStyle.DashDotLine)
        else:
            pen = QPen(EDGE, 1.2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        _PENS[edge.kind] = pen
    return _PENS[edge.kind]


def make_edge(
    edge: Edge, a: QRectF, b: QRectF, via: list[tuple[float, float]] | None = None
) -> QGraphicsPathItem:
    item = QGraphicsPathItem(edge_path(a, b, via))
    item.setPen(edge_pen(edge))
    item.setZValue(-1)
    return item


def edge_text(edge: Edge, target: Node | None) -> str:
    """Shape on every data edge; the dtype too where it differs from the consumer's."""
    if edge.kind == "cut":
        return QCoreApplication.translate("GraphItems", "detached")
    if edge.kind == "view":
        return QCoreApplication.translate("GraphItems", "view of")
    if edge.shape is None:
        return ""
    text = "(" + ", ".join(map(str, edge.shape)) + ")"
    if edge.dtype and target is not None and target.dtype and target.dtype != edge.dtype:
        text += f" {edge.dtype}"
    return text


NOTE_TEXT = QColor("#7c2d12")
NOTE_FILL = QColor("#fff7ed")
NOTE_BORDER = QColor("#fb923c")
NOTE_GAP = 6.0  # between an edge and the side of its label


def make_note(text: str, tip: str = "") -> QGraphicsRectItem:
    """A gradient label for an edge: a framed text whose top-left is the item's position.

    The caller places it (see GraphScene's note placement), so the frame's rect
    starts at (0, 0): the item's position is its scene top-left corner.
    """
    label = QGraphicsSimpleTextItem(text)
    label.setFont(font("note"))
    label.setBrush(QBrush(NOTE_TEXT))
    r = label.boundingRect()
    back = QGraphicsRectItem(0, 0, r.width() + 8, r.height() + 4)
    back.setBrush(QBrush(NOTE_FILL))
    back.setPen(QPen(NOTE_BORDER, 1.0))
    label.setParentItem(back)
    label.setPos(4, 2)
    back.setZValue(6)
    back.setToolTip(tip or text)
    label.setToolTip(tip or text)
    return back


def flow_pen() -> QPen:
    """An edge a gradient has crossed (it carries a label), in the labels' colour."""
    if "flow" not in _PENS:
        pen = QPen(NOTE_BORDER, 1.8)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        _PENS["flow"] = pen
    return _PENS["flow"]


def make_leader(anchor: QPointF, rect: QRectF) -> QGraphicsLineItem:
    """A thin dotted line from a point on an edge to the nearest point of its label."""
    x = min(max(anchor.x(), rect.left()), rect.right())
    y = min(max(anchor.y(), rect.top()), rect.bottom())
    item = QGraphicsLineItem(anchor.x(), anchor.y(), x, y)
    if "leader" not in _PENS:
        _PENS["leader"] = QPen(NOTE_BORDER, 1.0, Qt.PenStyle.DotLine)
    item.setPen(_PENS["leader"])
    item.setZValue(-1)  # under the labels (it shares their layer)
    return item


def state_pen(state: str) -> QPen:
    """The border of a node being processed, selected, or done (shared pens)."""
    key = "state-" + state
    if key not in _PENS:
        colour, width = {"current": (CURRENT, 3.0), "selected": (SELECTED, 3.0)}.get(
            state, (DONE, 2.4)
        )
        _PENS[key] = QPen(colour, width)
    return _PENS[key]


def make_group(path: str, rect: QRectF) -> tuple[QGraphicsRectItem, QGraphicsSimpleTextItem]:
    """The dashed frame of a module group, with its path as a clickable title."""
    item = QGraphicsRectItem(rect)
    fill = QColor(GROUP_FILL)
    fill.setAlpha(150)
    item.setBrush(QBrush(fill))
    item.setPen(QPen(GROUP_BORDER, 1.0, Qt.PenStyle.DashLine))
    item.setZValue(-3)
    title = QGraphicsSimpleTextItem(f"▾ {path}", item)
    title.setFont(font("group"))
    title.setBrush(QBrush(GROUP_TITLE))
    title.setPos(rect.left() + 6, rect.top() + 3)
    return item, title


def collapsed_size(path: str, count: int) -> tuple[float, float]:
    """Width and height of :func:`make_collapsed`'s box."""
    return max(90.0, CHAR_W * max(len(f"▸ {path}"), len(f"{count} nodes")) + 24), 2 * LINE_H + 12


def make_collapsed(
    path: str, count: int, pos: tuple[float, float]
) -> tuple[QGraphicsRectItem, list[QGraphicsSimpleTextItem]]:
    """One box standing for a collapsed module group."""
    text = f"▸ {path}"
    sub = QCoreApplication.translate("GraphItems", "{count} nodes").format(count=count)
    w, h = collapsed_size(path, count)
    rect = QRectF(pos[0] - w / 2, pos[1] - h / 2, w, h)
    item = QGraphicsRectItem(rect)
    item.setBrush(QBrush(QColor("#dbe4f0")))
    item.setPen(QPen(GROUP_BORDER, 1.6))
    texts = []
    for i, line in enumerate((text, sub)):
        t = QGraphicsSimpleTextItem(line, item)
        t.setFont(font("group" if i == 0 else "note"))
        t.setBrush(QBrush(QColor("#1e293b")))
        t.setPos(rect.left() + 10, rect.top() + 6 + LINE_H * i)
        texts.append(t)
    return item, texts
