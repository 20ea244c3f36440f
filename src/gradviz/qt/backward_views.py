"""The parts of the Backward panel that only display: the formula card and two tables.

Each takes plain core values (a :class:`~gradviz.core.backward_rules.Card`,
:class:`~gradviz.core.backward.LeafState` rows, a gradient-check result) and
draws them; none of them knows about torch's engine.
"""

from __future__ import annotations

import html

import torch
from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QSize, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.backward import LeafState, shape_text, tensor_text, values_text
from gradviz.core.backward_rules import Card
from gradviz.core.gradcheck import GradCheckResult

PASS, FAIL = "#15803d", "#b91c1c"
_FIT = QHeaderView.ResizeMode.ResizeToContents
_STRETCH = QHeaderView.ResizeMode.Stretch


def short(t: torch.Tensor | None, limit: int = 6) -> str:
    """One line: the values when small, else shape and norm."""
    if t is None:
        return "None"
    shown = values_text(t, limit)
    return shown if shown is not None else tensor_text(t, limit).replace("\n", " ")


class SteadyText(QWidget):
    """Holds one word-wrapped label at a height that only grows.

    A label in a layout that changes its text makes the whole panel re-lay out
    (heightForWidth of every rich-text label in it) and paint twice: most of a
    step's cost. Here the label has no layout above it, so a new text only
    re-sizes it inside this box; the panel re-lays out only when the box must
    grow. ``reset()`` lets it shrink again (a new trace). Growing only also
    keeps what is below from jumping while the steps play.
    """

    def __init__(self, label: QLabel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        label.setParent(self)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self._height = 0

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(120, self._height or self.label.sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(60, self.sizeHint().height())

    def reset(self) -> None:
        self._height = 0
        self.refresh()
        self.updateGeometry()

    def refresh(self) -> None:
        """Fit the label to the current width; grow the box if the text needs it."""
        width = self.width()
        if width <= 0:
            return
        label = self.label
        needed = label.heightForWidth(width) if label.wordWrap() else label.sizeHint().height()
        needed = max(needed, label.minimumSizeHint().height() if not label.wordWrap() else 0)
        label.setGeometry(0, 0, width, max(needed, self.height()))
        if needed > self._height:
            self._height = needed
            self.updateGeometry()

    def event(self, event: QEvent) -> bool:
        # the label's new text posts a LayoutRequest here (we have no layout to take it)
        if event.type() == QEvent.Type.LayoutRequest:
            self.refresh()
            return True
        return super().event(event)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.refresh()


class FormulaCard(QFrame):
    """The current node's local rule in plain maths, with this step's numbers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="formula_card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#formula_card { border: 1px solid #f59e0b; border-radius: 6px;"
            " background: palette(base); }"
        )
        self.body = QLabel(objectName="formula_text", wordWrap=True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.box = SteadyText(self.body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.box)
        self.card: Card | None = None
        self.show_card(None)

    def reset_height(self) -> None:
        """Let the card shrink again (a new trace)."""
        self.box.reset()

    def text(self) -> str:
        """What the card says, as plain text (for tests and copying)."""
        return self.card.text() if self.card is not None else self.body.text()

    def show_card(self, card: Card | None, hint: str = "") -> None:
        self.card = card
        if card is None:
            hint = hint or self.tr("No step yet.")
            self.body.setText(f"<span style='color: palette(mid)'>{html.escape(hint)}</span>")
            return
        e = html.escape
        parts = [f"<b>{e(card.label)}</b>"]
        if card.known:
            of = self.tr("backward of")
            parts[0] += f" &nbsp;<span style='color:#6b7280'>{of}</span> {e(card.forward)}"
        rule = "<br>".join(f"<tt><b>{e(line)}</b></tt>" for line in card.lines)
        parts.append(f"<div style='margin:4px 0 4px 8px'>{rule}</div>")
        if card.note:
            parts.append(f"<i style='color:#6b7280'>{e(card.note)}</i>")
        if card.numbers:
            rows = "".join(
                f"<tr><td style='padding-right:8px'><tt>{e(k)}</tt></td>"
                f"<td><tt>{e(v).replace(chr(10), '<br>')}</tt></td></tr>"
                for k, v in card.numbers
            )
            here = self.tr("this step:")
            parts.append(f"<div style='margin-top:4px'>{here}</div><table>{rows}</table>")
        verdict = card.check.text()
        if verdict:  # ✓ agrees, ✗ differs or the rule's code failed, grey: not re-computed
            ok = card.check.ok
            colour = PASS if ok else FAIL if ok is False else "#6b7280"
            parts.append(f"<span style='color:{colour}'>{e(verdict)}</span>")
        self.body.setText("".join(f"<div>{p}</div>" for p in parts))
        self.box.refresh()  # now, not on the next event pass: a taller card shows whole


def fit_height(table: QTableWidget, max_rows: int = 8, max_px: int | None = None) -> None:
    """Size a table to its rows (up to ``max_rows`` rows and ``max_px`` pixels) so a panel
    needs no nested scrolling, or only the table's own when it has to.

    Only a real change of height is applied: setFixedHeight posts a relayout of the whole
    panel, which costs more than the table itself.
    """
    table.resizeRowsToContents()
    rows = min(table.rowCount(), max_rows)
    head = table.horizontalHeader().height()
    height = head + 4 + sum(table.rowHeight(r) for r in range(rows))
    height = max(height, head + 24)
    if max_px is not None:
        height = min(height, max_px)
    if table.height() != height or table.minimumHeight() != table.maximumHeight():
        table.setFixedHeight(height)


class LeafTable(QTableWidget):
    """Each leaf's .grad: before this pass, the latest contributions, and their sum.

    A leaf used many times gets many contributions: the cell lists the last
    ``SHOWN`` ("… k more" above them, the list in the tooltip) and the table keeps
    to ``MAX_PX`` pixels with its own scroll bar, so a step costs the same on a big
    graph as on a small one. Each step redraws only the rows that changed.
    """

    COLUMNS = [  # marked for lupdate, translated when shown
        QT_TRANSLATE_NOOP("LeafTable", "leaf"),
        QT_TRANSLATE_NOOP("LeafTable", ".grad before"),
        QT_TRANSLATE_NOOP("LeafTable", "+ contributions so far"),
        QT_TRANSLATE_NOOP("LeafTable", "= .grad"),
    ]
    SHOWN = 2  # contributions written out in the cell
    TIP_LINES = 40  # contributions listed in the tooltip (the latest)
    MAX_PX = 240

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        self.setObjectName("leaf_table")
        self.setHorizontalHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.verticalHeader().hide()
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        for i, mode in enumerate((_FIT, _FIT, _STRETCH, _STRETCH)):
            header.setSectionResizeMode(i, mode)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QTableWidget.ScrollMode.ScrollPerPixel)
        self._keys: list[tuple] = []  # per row: what its cells were made from
        # (sender, gradient) -> its line: a gradient's text is made once per trace. The
        # tensor is held so its id is not reused while the entry lives.
        self._lines: dict[tuple[str, int], tuple[torch.Tensor, str]] = {}
        fit_height(self, max_px=self.MAX_PX)

    def clear_rows(self) -> None:
        """Forget every row (a new trace, or none)."""
        self.setRowCount(0)
        self._keys = []
        self._lines = {}
        fit_height(self, max_px=self.MAX_PX)

    def _line(self, src: str, g: torch.Tensor, labels: dict[str, str]) -> str:
        key = (src, id(g))
        hit = self._lines.get(key)
        if hit is None or hit[0] is not g:
            hit = (g, f"+{short(g)}  ← {labels.get(src, src)}")
            self._lines[key] = hit
        return hit[1]

    def _leaf_row(self, s: LeafState, labels: dict[str, str]) -> tuple[list[str], list[str]]:
        contribs = s.contributions
        latest = [self._line(src, g, labels) for src, g in contribs[-self.SHOWN :]]
        hidden = len(contribs) - len(latest)
        shown = ([self.tr("… {count} more").format(count=hidden)] if hidden else []) + latest
        if hidden:
            listed = [self._line(src, g, labels) for src, g in contribs[-self.TIP_LINES :]]
            skipped = len(contribs) - len(listed)
            head = [self.tr("{count} contributions").format(count=len(contribs))]
            head += (
                [self.tr("(the first {count} not listed)").format(count=skipped)] if skipped else []
            )
            contrib_tip = "\n".join(head + listed)
        else:
            contrib_tip = ""
        total = s.grad
        now = short(total) if total is not None else "None"
        tip = tensor_text(total, 64)
        if not s.written and contribs:
            now += "\n" + self.tr("(pending)")
            tip += "\n" + self.tr("pending: the leaf's AccumulateGrad has not run yet")
        shape = shape_text(s.final) if s.final is not None else "?"
        cells = [s.name, short(s.before), "\n".join(shown) or "—", now]
        return cells, [
            self.tr("{name}: shape {shape}").format(name=s.name, shape=shape),
            "",
            contrib_tip,
            tip,
        ]

    def show_states(
        self, states: list[LeafState], labels: dict[str, str], retained: dict[str, torch.Tensor]
    ) -> None:
        """``labels`` name the sending nodes; ``retained`` are non-leaves that keep .grad."""
        # A row's cells follow from these; a step changes one or two rows at most.
        keys: list[tuple] = [
            (s.id, s.name, id(s.before), len(s.contributions), s.written, id(s.final))
            + tuple(id(g) for _, g in s.contributions[-1:])
            for s in states
        ]
        keys += [("retained", name, id(grad)) for name, grad in retained.items()]
        if len(self._keys) != len(keys):
            self._keys = self._keys[: len(keys)] + [()] * (len(keys) - len(self._keys))
        changed_rows: list[int] = []
        self.setUpdatesEnabled(False)  # one repaint for the whole update, not one per cell
        resized = self.rowCount() != len(keys)
        self.setRowCount(len(keys))
        for r, key in enumerate(keys):
            if self._keys[r] == key and self.item(r, 0) is not None:
                continue
            self._keys[r] = key
            if r < len(states):
                cells, tips = self._leaf_row(states[r], labels)
            else:
                name, grad = list(retained.items())[r - len(states)]
                cells, tips = [name, "—", self.tr("(non-leaf, retain_grad)"), short(grad)], [""] * 4
            for c, text in enumerate(cells):
                item = self.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    self.setItem(r, c, item)
                if item.text() != text:
                    item.setText(text)
                if item.toolTip() != tips[c]:
                    item.setToolTip(tips[c])
            changed_rows.append(r)
        self.setUpdatesEnabled(True)
        if resized:
            fit_height(self, max_px=self.MAX_PX)
        else:
            before = [self.rowHeight(r) for r in changed_rows]
            for r in changed_rows:
                self.resizeRowToContents(r)
            if before != [self.rowHeight(r) for r in changed_rows]:
                fit_height(self, max_px=self.MAX_PX)

    def row_texts(self) -> dict[str, list[str]]:
        """Leaf name -> the row's cell texts (what the user reads)."""
        out = {}
        for r in range(self.rowCount()):
            cells = [self.item(r, c).text() if self.item(r, c) else "" for c in range(4)]
            out[cells[0]] = cells
        return out

    def row_tips(self) -> dict[str, list[str]]:
        """Leaf name -> the row's tooltips (the full contribution list among them)."""
        out = {}
        for r in range(self.rowCount()):
            tips = [self.item(r, c).toolTip() if self.item(r, c) else "" for c in range(4)]
            out[self.item(r, 0).text() if self.item(r, 0) else ""] = tips
        return out


class CheckTable(QTableWidget):
    """The numerical gradient check: max abs and rel error, pass or fail."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setObjectName("check_table")
        self.setHorizontalHeaderLabels([self.tr("check"), self.tr("value"), self.tr("result")])
        self.verticalHeader().hide()
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.hide()

    def show_result(self, result: GradCheckResult) -> None:
        rows = result.rows()
        self.setRowCount(len(rows))
        for r, (name, value, verdict) in enumerate(rows):
            for c, text in enumerate((name, value, verdict)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if c == 2 and text:
                    item.setForeground(Qt.GlobalColor.darkGreen if text == "pass" else Qt.red)
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.setItem(r, c, item)
        fit_height(self, 8)
        self.show()

    def verdicts(self) -> dict[str, str]:
        return {self.item(r, 0).text(): self.item(r, 2).text() for r in range(self.rowCount())}
