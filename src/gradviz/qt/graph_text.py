"""All the text of a graph layer in one item: node labels, or edge labels.

Thousands of ``QGraphicsSimpleTextItem``s cost ~12 µs each to create, and a
rebuild would pay that for every node. This item instead keeps plain
``(x, y, text)`` entries in a coarse grid and, when painted, draws only the
entries inside the exposed rectangle: one Python call per frame, whatever the
graph size. Hiding the layer (level of detail) is one ``setVisible``.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

CELL = 256.0  # grid cell size in scene units


class TextLayer(QGraphicsItem):
    def __init__(self, font: QFont, colour: QColor, z: float = 2.0) -> None:
        super().__init__()
        self.font = font
        self.colours: list[QColor] = [colour]
        metrics = QFontMetricsF(font)
        self.ascent = metrics.ascent()
        self.line = metrics.lineSpacing()
        self.char = metrics.horizontalAdvance("M")
        self.entries: list[tuple[float, float, str, int]] = []  # x, baseline y, text, colour
        self.grid: dict[tuple[int, int], list[int]] = {}
        self.by_key: dict[object, list[int]] = {}
        self.cells_of: dict[object, list[tuple[int, int]]] = {}
        self.widest = 0.0
        inf = float("inf")
        self._box = (inf, inf, -inf, -inf)  # x0, y0, x1, y1 of all text
        self.setZValue(z)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    def add(
        self, key: object, x: float, y: float, text: str, colour: QColor | None = None,
        centred: bool = False,
    ) -> None:  # fmt: skip
        """Text with its top-left at (x, y); several lines stack downwards.

        ``centred`` centres each line on the block's middle instead.
        """
        index = 0
        if colour is not None:
            if colour not in self.colours:
                self.colours.append(colour)
            index = self.colours.index(colour)
        lines = text.split("\n")
        width = self.char * max(len(s) for s in lines)
        if width > self.widest:
            self.widest = width
        cell = (int(x // CELL), int(y // CELL))
        bucket = self.grid.setdefault(cell, [])
        self.cells_of.setdefault(key, []).append(cell)
        mine = self.by_key.setdefault(key, [])
        entries = self.entries
        for i, line in enumerate(lines):
            mine.append(len(entries))
            bucket.append(len(entries))
            lx = x + (width - self.char * len(line)) / 2 if centred else x
            entries.append((lx, y + self.ascent + i * self.line, line, index))
        b = self._box
        if x < b[0] or y < b[1] or x + width > b[2] or y + self.line * len(lines) > b[3]:
            if self.scene() is not None:
                self.prepareGeometryChange()
            self._box = (
                min(b[0], x), min(b[1], y),
                max(b[2], x + width), max(b[3], y + self.line * len(lines)),
            )  # fmt: skip

    def remove(self, key: object) -> None:
        """Forget ``key``'s text (a box that moved or left): the other entries keep their
        indexes, so the removed ones stay behind as unreachable tombstones."""
        indexes = self.by_key.pop(key, None)
        if not indexes:
            return
        gone = set(indexes)
        for cell in self.cells_of.pop(key, ()):
            bucket = self.grid.get(cell)
            if bucket:
                self.grid[cell] = [i for i in bucket if i not in gone]
        self.update()

    def rects(self) -> dict[object, tuple[float, float, float, float]]:
        """Each key's text block as (left, top, right, bottom), for placing other labels."""
        out = {}
        entries, ascent, line, char = self.entries, self.ascent, self.line, self.char
        for key, indexes in self.by_key.items():
            boxes = [
                (entries[i][0], entries[i][1] - ascent, entries[i][0] + char * len(entries[i][2]))
                for i in indexes
            ]
            top = min(b[1] for b in boxes)
            bottom = max(b[1] for b in boxes) + line
            out[key] = (min(b[0] for b in boxes), top, max(b[2] for b in boxes), bottom)
        return out

    def text_of(self, key: object) -> list[str]:
        return [self.entries[i][2] for i in self.by_key.get(key, [])]

    def boundingRect(self) -> QRectF:  # noqa: N802
        x0, y0, x1, y1 = self._box
        return QRectF(x0, y0, x1 - x0, y1 - y0) if x1 >= x0 else QRectF()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if option.levelOfDetailFromTransform(painter.worldTransform()) * self.line < 2.0:
            return  # under two pixels a line (an overview): nothing readable to draw
        area = option.exposedRect
        if area.isNull():
            area = self.boundingRect()
        # an entry is filed under its top-left: look a text width to the left, a line above
        x0 = int((area.left() - self.widest) // CELL)
        x1 = int(area.right() // CELL)
        y0 = int((area.top() - 2 * self.line) // CELL)
        y1 = int(area.bottom() // CELL)
        painter.setFont(self.font)
        current = -1
        entries, grid = self.entries, self.grid
        for gx in range(x0, x1 + 1):
            for gy in range(y0, y1 + 1):
                for i in grid.get((gx, gy), ()):
                    x, y, text, colour = entries[i]
                    if colour != current:
                        painter.setPen(self.colours[colour])
                        current = colour
                    painter.drawText(QPointF(x, y), text)
