"""The parts of the Backward panel that only display: the formula card and two tables.

Each takes plain core values (a :class:`~gradviz.core.backward_rules.Card`,
:class:`~gradviz.core.backward.LeafState` rows, a gradient-check result) and
draws them; none of them knows about torch's engine.
"""

from __future__ import annotations

import html

import torch
from PySide6.QtCore import Qt
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
        self.body.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.body)
        self.card: Card | None = None
        self.show_card(None)

    def text(self) -> str:
        """What the card says, as plain text (for tests and copying)."""
        return self.card.text() if self.card is not None else self.body.text()

    def show_card(self, card: Card | None, hint: str = "") -> None:
        self.card = card
        if card is None:
            self.body.setText(
                f"<span style='color: palette(mid)'>{html.escape(hint or 'No step yet.')}</span>"
            )
            return
        e = html.escape
        parts = [f"<b>{e(card.label)}</b>"]
        if card.known:
            parts[0] += f" &nbsp;<span style='color:#6b7280'>backward of</span> {e(card.forward)}"
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
            parts.append(f"<div style='margin-top:4px'>this step:</div><table>{rows}</table>")
        if card.check is True:
            parts.append(
                f"<span style='color:{PASS}'>✓ the rule by hand gives exactly what PyTorch sent"
                "</span>"
            )
        self.body.setText("".join(f"<div>{p}</div>" for p in parts))


def fit_height(table: QTableWidget, max_rows: int = 8) -> None:
    """Size a table to its rows (up to ``max_rows``) so a panel needs no nested scrolling."""
    table.resizeRowsToContents()
    rows = min(table.rowCount(), max_rows)
    height = table.horizontalHeader().height() + 4
    height += sum(table.rowHeight(r) for r in range(rows))
    table.setFixedHeight(max(height, table.horizontalHeader().height() + 24))


class LeafTable(QTableWidget):
    """Each leaf's .grad: before this pass, each contribution so far, and their sum."""

    COLUMNS = ["leaf", ".grad before", "+ contributions so far", "= .grad"]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        self.setObjectName("leaf_table")
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.verticalHeader().hide()
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        for i, mode in enumerate((_FIT, _FIT, _STRETCH, _STRETCH)):
            header.setSectionResizeMode(i, mode)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def show_states(
        self, states: list[LeafState], labels: dict[str, str], retained: dict[str, torch.Tensor]
    ) -> None:
        """``labels`` name the sending nodes; ``retained`` are non-leaves that keep .grad."""
        rows: list[tuple[list[str], list[str]]] = []
        for s in states:
            parts = [f"+{short(g)}  ← {labels.get(src, src)}" for src, g in s.contributions]
            total = s.grad
            now = short(total) if total is not None else "None"
            tip = tensor_text(total, 64)
            if not s.written and s.contributions:
                now += "\n(pending)"
                tip += "\npending: the leaf's AccumulateGrad has not run yet"
            shape = shape_text(s.final) if s.final is not None else "?"
            cells = [s.name, short(s.before), "\n".join(parts) or "—", now]
            rows.append((cells, [f"{s.name}: shape {shape}", "", "", tip]))
        for name, grad in retained.items():
            rows.append(([name, "—", "(non-leaf, retain_grad)", short(grad)], [""] * 4))
        changed = self.rowCount() != len(rows)
        self.setUpdatesEnabled(False)  # one relayout for the whole update, not one per cell
        self.setRowCount(len(rows))
        for r, (cells, tips) in enumerate(rows):
            for c, text in enumerate(cells):
                item = self.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    self.setItem(r, c, item)
                if item.text() != text:  # a step changes a cell or two: touch only those
                    item.setText(text)
                    item.setToolTip(tips[c])
                    changed = True
        self.setUpdatesEnabled(True)
        if changed:
            fit_height(self)

    def row_texts(self) -> dict[str, list[str]]:
        """Leaf name -> the row's cell texts (what the user reads)."""
        out = {}
        for r in range(self.rowCount()):
            cells = [self.item(r, c).text() if self.item(r, c) else "" for c in range(4)]
            out[cells[0]] = cells
        return out


class CheckTable(QTableWidget):
    """The numerical gradient check: max abs and rel error, pass or fail."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setObjectName("check_table")
        self.setHorizontalHeaderLabels(["check", "value", "result"])
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
