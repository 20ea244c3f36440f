"""The Backward panel: draws a :class:`~gradviz.core.backward_session.BackwardSession`.

The session runs backward for real and records every node; this panel shows
its root and ``v``, the replay controls, the formula card of the current step,
the leaves' ``.grad`` filling up, the hints and the numerical check, and sends
each click to the session as an action. The graph follows the same session
through the graph document: the panel never touches the graph view.

The root changes only when the user picks it here ("Backward from"): clicking a
tensor elsewhere to read it never re-targets a replay.
"""

from __future__ import annotations

import html
from typing import Any

import torch
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.backward import Trace, shape_text
from gradviz.core.backward_rules import card_for
from gradviz.core.backward_session import (  # noqa: F401  (re-exported for callers)
    MAX_DEFAULT_V,
    BackwardSession,
    ExternalRoot,
    ones_literal,
)
from gradviz.core.card_names import name_operands, operand_names
from gradviz.core.gradcheck import check_title
from gradviz.core.graph import Graph
from gradviz.qt.backward_views import CheckTable, FormulaCard, LeafTable, SteadyText
from gradviz.qt.icons import icon

# marked for lupdate; shown through tr() (the language is chosen after import)
VJP_NOTE = QT_TRANSLATE_NOOP(
    "BackwardPanel",
    "{y} is not a scalar, so backward needs a gradient v of its shape: it computes the "
    "vector-Jacobian product vᵀ·J, i.e. the gradient of sum(v * {y}).",
)
NO_TENSORS = QT_TRANSLATE_NOOP(
    "BackwardPanel",
    "No tensors yet: create one with requires_grad=True (Ctrl+N), apply an op, then "
    "pick the result here to step backward through it.",
)
PICK = QT_TRANSLATE_NOOP("BackwardPanel", "(choose a tensor)")
ZERO_TIP = QT_TRANSLATE_NOOP(
    "BackwardPanel",
    "x.grad.zero_() for every leaf that has a gradient (they accumulate otherwise); "
    "the arrow offers x.grad = None instead",
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("BackwardPanel", text)


class BackwardPanel(QWidget):
    """Step through a real backward pass recorded by a BackwardSession."""

    tensorRequested = Signal(str, object)  # title, tensor: a gradient to show in the Inspector
    statusMessage = Signal(str)

    def __init__(self, session: Any, document: Any = None, parent: QWidget | None = None):
        super().__init__(parent)
        if not isinstance(session, BackwardSession):
            # a Workspace (or its Qt model) and a graph document: make the session here
            workspace = getattr(session, "workspace", session)
            session = BackwardSession(workspace, document)
        self.session = session
        self.workspace = session.workspace
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self._build()
        session.subscribe(self._on_session)
        self.destroyed.connect(lambda *_: session.unsubscribe(self._on_session))
        self._update_root()
        self._update_side()

    # the session's state, read where tests and callers used to find it on the panel
    @property
    def trace(self) -> Trace | None:
        return self.session.trace

    @property
    def replay(self):
        return self.session.replay

    @property
    def root_name(self) -> str | None:
        return self.session.root_name

    @property
    def external(self) -> ExternalRoot | None:
        return self.session.external

    @property
    def traced_name(self) -> str | None:
        return self.session.traced_name

    # ------------------------------------------------------------------ ui
    def _build(self) -> None:
        self.root_label = QLabel(objectName="bw_root", wordWrap=True)
        self.root_pick = QComboBox(objectName="bw_root_pick")
        self.root_pick.setToolTip(
            self.tr("The tensor backward starts from (clicking tensors elsewhere never changes it)")
        )
        self.root_pick.activated.connect(self._root_picked)
        pick_row = QHBoxLayout()
        pick_row.addWidget(QLabel(self.tr("Backward from")))
        pick_row.addWidget(self.root_pick, 1)
        self.v_edit = QLineEdit(objectName="bw_v")
        self.v_edit.setPlaceholderText(self.tr("gradient v, e.g. [1.0, 0.5, 0.0]"))
        self.v_edit.textEdited.connect(self.session.set_v)
        self.v_ones = QToolButton(text=self.tr("ones"), objectName="bw_v_ones")
        self.v_ones.setToolTip(self.tr("v = ones: the gradient of y.sum()"))
        self.v_ones.clicked.connect(self.session.fill_ones)
        self.v_note = QLabel(objectName="bw_v_note", wordWrap=True)
        self.v_note.setStyleSheet("color: #6b7280")
        v_row = QHBoxLayout()
        v_row.addWidget(QLabel("v ="))
        v_row.addWidget(self.v_edit, 1)
        v_row.addWidget(self.v_ones)
        self.v_box = QWidget()
        v_layout = QVBoxLayout(self.v_box)
        v_layout.setContentsMargins(0, 0, 0, 0)
        v_layout.addLayout(v_row)
        v_layout.addWidget(self.v_note)

        self.retain = QCheckBox("retain_graph", objectName="bw_retain")
        self.retain.toggled.connect(self.session.set_retain_graph)
        self.retain.setToolTip(
            self.tr(
                "Keep the graph's saved tensors after backward, "
                "so you can backward through it again"
            )
        )
        self.run_button = QPushButton(self.tr("Run backward"), objectName="bw_run")
        self.run_button.setToolTip(self.tr("Run root.backward(...) for real and record every node"))
        self.run_button.clicked.connect(self.run_backward)
        # x.grad.zero_() as the notes do; setting .grad to None is the menu's separate choice
        self.zero_button = QToolButton(objectName="bw_zero", text=self.tr("Zero grads"))
        self.zero_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.zero_button.setToolTip(_tr(ZERO_TIP))
        self.zero_button.clicked.connect(lambda: self.zero_grads(set_to_none=False))
        zero_menu = QMenu(self.zero_button)
        self.none_action = zero_menu.addAction(self.tr("Set every .grad to None"))
        self.none_action.triggered.connect(lambda: self.zero_grads(set_to_none=True))
        self.zero_button.setMenu(zero_menu)
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.retain)
        run_row.addStretch(1)
        run_row.addWidget(self.zero_button)

        self.error = QLabel(objectName="bw_error", wordWrap=True)
        self.error.setStyleSheet("color: #b91c1c")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()

        def tool(text: str, name: str, tip: str, slot, glyph: str) -> QToolButton:
            b = QToolButton(text=text, objectName=name)
            b.setIcon(icon(glyph, self))  # an icon, never a glyph: glyphs render as boxes
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            return b

        self.reset_button = tool(
            self.tr("Reset"),
            "bw_reset",
            self.tr("Back to before the first step"),
            self.reset,
            "reset",
        )
        self.back_button = tool(
            self.tr("Back"), "bw_back", self.tr("Step back"), self.step_back, "back"
        )
        self.play_button = tool(
            self.tr("Play"), "bw_play", self.tr("Play / pause"), self.toggle_play, "play"
        )
        self.step_button = tool(
            self.tr("Step"),
            "bw_step",
            self.tr("Step forward: run the next node"),
            self.step,
            "step",
        )
        self.end_button = tool(
            self.tr("End"), "bw_end", self.tr("Run to the end"), self.run_to_end, "end"
        )
        self.speed = QSlider(Qt.Orientation.Horizontal, objectName="bw_speed")
        self.speed.setRange(1, 20)
        self.speed.setValue(3)
        self.speed.setFixedWidth(70)
        self.speed.setToolTip(self.tr("Play speed: steps per second"))
        self.speed.valueChanged.connect(self._speed_changed)
        self.progress = QLabel(objectName="bw_progress")
        self.progress.setWordWrap(True)
        step_row = QHBoxLayout()  # two short rows, so a narrow dock needs no sideways scrolling
        for w in (self.reset_button, self.back_button, self.step_button, self.end_button):
            step_row.addWidget(w)
        step_row.addStretch(1)
        play_row = QHBoxLayout()
        play_row.addWidget(self.play_button)
        play_row.addWidget(self.speed)
        self.progress_box = SteadyText(self.progress)  # a new text each step: no relayout
        play_row.addWidget(self.progress_box, 1)

        self.card = FormulaCard()
        self.leaves = LeafTable()
        self.cuts = QLabel(objectName="bw_cuts", wordWrap=True)
        self.cuts.setStyleSheet("color: #9a3412")
        self.cuts.hide()
        self.hint = QLabel(objectName="bw_hint", wordWrap=True)
        self.hint.setStyleSheet("color: #6b7280")
        self.retain_pick = QComboBox(objectName="bw_retain_pick")
        self.retain_button = QPushButton("retain_grad()", objectName="bw_retain_grad")
        self.retain_button.setToolTip(self.tr("Keep this non-leaf's .grad in the next backward"))
        self.retain_button.clicked.connect(self.retain_grad)
        hint_row = QHBoxLayout()
        hint_row.addWidget(self.retain_pick, 1)
        hint_row.addWidget(self.retain_button)
        self.hint_box = QWidget()
        hint_layout = QVBoxLayout(self.hint_box)
        hint_layout.setContentsMargins(0, 0, 0, 0)
        hint_layout.addWidget(self.hint)
        hint_layout.addLayout(hint_row)
        self.hint_box.hide()

        self.check_leaf = QComboBox(objectName="bw_check_leaf")
        self.check_button = QPushButton(self.tr("Check gradient"), objectName="bw_check")
        self.check_button.setToolTip(
            self.tr("Compare autograd with central finite differences in float64")
        )
        self.check_button.clicked.connect(self.check_gradient)
        self.check_note = QLabel(objectName="bw_check_note", wordWrap=True)
        self.check_table = CheckTable()
        check_box = QGroupBox(self.tr("Numerical check"))
        check_layout = QVBoxLayout(check_box)
        row = QHBoxLayout()
        row.addWidget(self.check_leaf, 1)
        row.addWidget(self.check_button)
        check_layout.addLayout(row)
        check_layout.addWidget(self.check_note)
        check_layout.addWidget(self.check_table)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(pick_row)
        layout.addWidget(self.root_label)
        layout.addWidget(self.v_box)
        layout.addLayout(run_row)
        layout.addWidget(self.error)
        line = QFrame(frameShape=QFrame.Shape.HLine)
        line.setStyleSheet("color: palette(mid)")
        layout.addWidget(line)
        layout.addLayout(step_row)
        layout.addLayout(play_row)
        layout.addWidget(self.card)
        layout.addWidget(QLabel(self.tr("<b>Leaves</b> — .grad fills up as the steps run")))
        layout.addWidget(self.leaves)
        layout.addWidget(self.cuts)
        layout.addWidget(self.hint_box)
        layout.addWidget(check_box)
        layout.addStretch(1)
        scroll = QScrollArea(objectName="bw_scroll")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    # ---------------------------------------------------------------- root
    def set_root(self, name: str | None) -> None:
        """Pick the tensor the next backward starts from (what the "Backward from" box does)."""
        self.session.set_root(name)

    def _root_picked(self, index: int) -> None:
        name = self.root_pick.itemData(index)
        self.session.set_root(name)

    def set_external_root(
        self, tensor: torch.Tensor, label: str, graph: Graph | None = None
    ) -> None:
        self.stop()
        self.session.set_external_root(tensor, label, graph)

    def _fill_root_pick(self) -> None:
        s = self.session
        names = list(self.workspace.tensors)
        items = [(_tr(PICK), None)] + [(n, n) for n in names]
        if s.external is not None:
            items = [(s.external.label, "\0external"), *items[1:]]
        current = [
            (self.root_pick.itemText(i), self.root_pick.itemData(i))
            for i in range(self.root_pick.count())
        ]
        if current != items:
            self.root_pick.blockSignals(True)
            self.root_pick.clear()
            for text, data in items:
                self.root_pick.addItem(text, data)
            self.root_pick.blockSignals(False)
        want = "\0external" if s.external is not None else s.root_name
        self.root_pick.setCurrentIndex(max(0, self.root_pick.findData(want)))
        self.root_pick.setEnabled(bool(names) or s.external is not None)

    def _update_root(self) -> None:
        s = self.session
        self._fill_root_pick()
        name = s.root_label
        t = s.root_tensor()
        ok = s.can_run()
        self.run_button.setEnabled(ok)
        self.v_box.setVisible(ok and t.numel() != 1)
        if self.v_edit.text() != s.v_text:
            self.v_edit.setText(s.v_text)
        if t is not None and t.numel() != 1:
            self.v_note.setText(html.escape(_tr(VJP_NOTE).format(y=name)))
        external = s.external is not None
        self.zero_button.setEnabled(not external and bool(self.workspace.tensors))
        self.zero_button.setToolTip(
            self.tr("Runs from here leave every .grad as it was: nothing to zero")
            if external
            else _tr(ZERO_TIP)
        )
        self.retain.setEnabled(not external)  # external runs always retain the graph
        if external and not ok:  # a pass recorded elsewhere (a watched script), sent as data
            e = html.escape(name)
            self.root_label.setText(
                self.tr(
                    "Backward from the <b>{e}</b>: the watched script ran and recorded it. Step "
                    "through it here; its tensors stay in the script, so it cannot be run again."
                ).format(e=e)
            )
        elif external:
            e = html.escape(name)
            shape = (
                self.tr("a scalar")
                if t.numel() == 1
                else self.tr("shape {shape}").format(shape=shape_text(t))
            )
            self.root_label.setText(
                self.tr(
                    "Backward from the <b>{name}</b> ({size}, not in the workspace): Run records "
                    "no code line and leaves every .grad as it was."
                ).format(name=e, size=shape)
            )
        elif not self.workspace.tensors:
            self.root_label.setText(_tr(NO_TENSORS))
        elif t is None:
            self.root_label.setText(
                self.tr("Pick the tensor backward starts from (usually the loss).")
            )
        elif not t.requires_grad:
            self.root_label.setText(
                self.tr(
                    "<b>{name}</b> does not require grad: nothing upstream requires "
                    "grad (or it was detached / made under no_grad), so there is nothing to "
                    "backpropagate."
                ).format(name=html.escape(name))
            )
        elif t.numel() == 1:
            e = html.escape(name)
            self.root_label.setText(
                self.tr(
                    "Backward from <b>{name}</b> (a scalar): it starts from the gradient "
                    "∂{name}/∂{name} = 1."
                ).format(name=e)
            )
        else:
            self.root_label.setText(
                self.tr("Backward from <b>{name}</b>, shape {shape}.").format(
                    name=html.escape(name), shape=shape_text(t)
                )
            )
        self._update_buttons()

    # ---------------------------------------------------------------- run
    def run_backward(self) -> Trace | None:
        """Run the real backward and start a fresh replay."""
        self.stop()
        self.session.set_v(self.v_edit.text())
        return self.session.run()

    # ------------------------------------------------------------ stepping
    def step(self) -> bool:
        if not self.session.step():
            self.stop()
            return False
        return True

    def step_back(self) -> None:
        self.stop()
        self.session.step_back()

    def reset(self) -> None:
        self.stop()
        self.session.reset()

    def run_to_end(self) -> None:
        self.stop()
        self.session.run_to_end()

    def toggle_play(self) -> None:
        if self.timer.isActive():
            self.stop()
            return
        if self.session.replay is None:
            return
        if self.session.at_end:
            self.session.reset()
        self.timer.start(int(1000 / self.speed.value()))
        self.play_button.setText(self.tr("Pause"))
        self.play_button.setIcon(icon("pause", self))

    def stop(self) -> None:
        self.timer.stop()
        self.play_button.setText(self.tr("Play"))
        self.play_button.setIcon(icon("play", self))

    def _tick(self) -> None:
        if not self.step():
            self.stop()

    def _speed_changed(self, value: int) -> None:
        if self.timer.isActive():
            self.timer.setInterval(int(1000 / value))

    # ------------------------------------------------------------- drawing
    def _on_session(self, event: Any) -> None:
        kind = event.kind
        if kind == "root":
            self._update_root()
        elif kind == "trace":
            if self.session.trace is None:
                self.stop()
            self._new_trace()
        elif kind == "position":
            self._update_side()
        elif kind == "hints":
            self._update_hints()
        elif kind == "error":
            self._show_error(event.data.get("text", ""))
        elif kind == "message":
            self.statusMessage.emit(event.data.get("text", ""))
        elif kind == "check":
            self._show_check(event.data)

    def _new_trace(self) -> None:
        self.check_leaf.clear()
        self.check_leaf.addItems(self.session.check_leaves())
        self.check_table.hide()
        self.check_note.setText("")
        self.leaves.clear_rows()  # rows and their cached texts belong to the old trace
        self.card.reset_height()
        self.progress_box.reset()
        self._update_root()

    def _update_side(self) -> None:
        s = self.session
        replay = s.replay
        if replay is None:
            self.card.show_card(
                None, self.tr("Run backward to record the pass, then step through it.")
            )
            self.progress.setText("")
            self._update_buttons()
            return
        step = replay.current()
        total = len(replay)
        if step is None:
            self.card.show_card(
                None,
                self.tr(
                    "PyTorch ran the whole pass ({total} nodes) and gradviz recorded it. The seed "
                    "gradient waits at the root: press Step."
                ).format(total=total),
            )
            self.progress.setText(self.tr("step 0 / {total}").format(total=total))
        else:
            names = s.external.names() if s.external else s.workspace.tensors
            self.card.show_card(name_operands(card_for(step), operand_names(step, names)))
            other = s.traced_name if s.traced_name != s.root_name else None
            other = None if s.external is not None else other
            prefix = f"[{other}] " if other else ""
            self.progress.setText(
                prefix
                + self.tr("step {position} / {total}: {label}").format(
                    position=replay.position, total=total, label=s.step_label()
                )
            )
        self.leaves.show_states(replay.leaf_states(), s.labels, s.retained())
        self._update_buttons()

    def _update_buttons(self) -> None:
        replay = self.session.replay
        has = replay is not None
        pos = replay.position if has else 0
        end = has and replay.at_end
        self.reset_button.setEnabled(has and pos > 0)
        self.back_button.setEnabled(has and pos > 0)
        self.step_button.setEnabled(has and not end)
        self.end_button.setEnabled(has and not end)
        self.play_button.setEnabled(has)
        self.speed.setEnabled(has)
        self.check_button.setEnabled(has and self.check_leaf.count() > 0)
        self.check_leaf.setEnabled(self.check_leaf.count() > 0)

    def _update_hints(self) -> None:
        """The notes' semantics: non-leaf .grad stays None; detach / no_grad cut the flow."""
        non_leaves = self.session.non_leaf_hints()
        self.retain_pick.clear()
        self.retain_pick.addItems(non_leaves)
        if non_leaves:
            shown = ", ".join(non_leaves[:4]) + (" …" if len(non_leaves) > 4 else "")
            self.hint.setText(
                self.tr(
                    "{names}: not leaves, so their .grad stays None after backward (PyTorch keeps "
                    "only the leaves'). Call retain_grad() before backward to keep one."
                ).format(names=shown)
            )
        self.hint_box.setVisible(bool(non_leaves))
        cuts = self.session.cut_hints()
        if cuts:
            self.cuts.setText(
                self.tr("Gradient stops here (detach / no_grad):")
                + "<br>"
                + "<br>".join(map(html.escape, cuts))
            )
        self.cuts.setVisible(bool(cuts))

    # ------------------------------------------------------------- actions
    def show_edge(self, source: str, target: str) -> None:
        """An edge was clicked: send the full gradient that crossed it to the Inspector."""
        found = self.session.edge_gradient(source, target)
        if found is not None:
            self.tensorRequested.emit(*found)

    def zero_grads(self, set_to_none: bool = False) -> None:
        self.session.zero_grads(set_to_none=set_to_none)

    def show_recorded(self, call: Any) -> bool:
        """Step through a backward call that console code made (a recorded call)."""
        self.stop()
        return self.session.show_recorded(call)

    def retain_grad(self) -> None:
        self.session.retain_grad(self.retain_pick.currentText())

    def check_gradient(self) -> None:
        self.session.check_gradient(self.check_leaf.currentText())

    def _show_check(self, data: dict) -> None:
        result, leaf, root = data["result"], data["leaf"], data["root"]
        if result is None:
            self.check_note.setText(self.tr("cannot check: {reason}").format(reason=data["reason"]))
            self.check_table.hide()
            return
        verdict = self.tr("PASS") if result.ok else self.tr("FAIL")
        colour = "#15803d" if result.ok else "#b91c1c"
        title = check_title(root, leaf, self.trace.seed.dim() == 0)
        why = f"<br>{html.escape(result.reason())}" if result.reason() else ""
        self.check_note.setText(
            self.tr("{verdict}: {title}, autograd vs (f(x+ε) − f(x−ε)) / 2ε in float64").format(
                verdict=f"<span style='color:{colour}'><b>{verdict}</b></span>",
                title=html.escape(title),
            )
            + why
        )
        self.check_table.show_result(result)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def closeEvent(self, event) -> None:  # noqa: N802
        self.stop()
        super().closeEvent(event)
