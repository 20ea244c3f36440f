"""The Backward panel: run backward for real, then step through what the engine did.

"Run backward" calls the workspace's backward (so the code panel records
``z.backward(...)``) with :func:`~gradviz.core.backward.trace_backward` as the
runner. ``set_external_root`` steps through a tensor that is not in the workspace
(one training batch's loss): its Run calls ``trace_backward`` directly, records
no code line and leaves the tensors' ``.grad`` as they were.

The record is then replayed by a :class:`~gradviz.core.backward.Replay`:
the graph view highlights the current node, marks the finished ones and
writes on each edge the gradient that crossed it; the formula card shows the
node's local rule with this step's numbers; the leaf table shows each
``.grad`` filling up.
"""

from __future__ import annotations

import html
from typing import Any

import torch
from PySide6.QtCore import Qt, QTimer, Signal
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

from gradviz.core.backward import (
    ACCUMULATE,
    EdgeFlow,
    Replay,
    Trace,
    edge_text,
    shape_text,
    trace_backward,
)
from gradviz.core.backward_rules import card_for
from gradviz.core.errors import explain
from gradviz.core.gradcheck import GradCheckError, check_workspace_leaf
from gradviz.core.graph import Graph, function_node_id
from gradviz.core.literals import LiteralError, parse_tensor_literal
from gradviz.core.workspace import Event, Workspace, WorkspaceError
from gradviz.qt.backward_views import CheckTable, FormulaCard, LeafTable, SteadyText

VJP_NOTE = (
    "{y} is not a scalar, so backward needs a gradient v of its shape: it computes the "
    "vector-Jacobian product vᵀ·J, i.e. the gradient of sum(v * {y})."
)
ZERO_TIP = (
    "x.grad.zero_() for every leaf that has a gradient (they accumulate otherwise); "
    "the arrow offers x.grad = None instead"
)
MAX_DEFAULT_V = 4096  # prefill v with ones up to this many elements


def _ones_literal(shape: tuple[int, ...]) -> str:
    return repr(torch.ones(shape).tolist()) if shape else "1.0"


def _leaf_tensors(root: torch.Tensor) -> list[torch.Tensor]:
    """The leaves a backward from ``root`` reaches (their AccumulateGrad nodes' tensors)."""
    if root.grad_fn is None:
        return [root] if root.requires_grad else []
    seen, stack, leaves = {root.grad_fn}, [root.grad_fn], []
    while stack:
        fn = stack.pop()
        variable = getattr(fn, "variable", None)
        if variable is not None:
            leaves.append(variable)
        for nxt, _ in fn.next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return leaves


class ExternalRoot:
    """A root that is not in the workspace: the tensor, what to call it, its graph."""

    def __init__(self, tensor: torch.Tensor, label: str, graph: Graph | None) -> None:
        self.tensor, self.label, self.graph = tensor, label, graph

    def names(self) -> dict[str, torch.Tensor]:
        """Leaf names from the graph (``net.0.weight``), so the leaf table reads well."""
        if self.graph is None:
            return {}
        return {
            n.name: n.ref
            for n in self.graph.nodes
            if n.kind == "leaf" and n.name and isinstance(n.ref, torch.Tensor)
        }


class BackwardPanel(QWidget):
    """Step through a real backward pass. ``set_root(name)`` follows the selection."""

    tensorRequested = Signal(str, object)  # title, tensor: a gradient to show in the Inspector
    statusMessage = Signal(str)

    def __init__(self, workspace: Any, graph_view: Any = None, parent: QWidget | None = None):
        super().__init__(parent)
        # a WorkspaceModel (Qt bridge) or the Workspace itself
        self.workspace: Workspace = getattr(workspace, "workspace", workspace)
        self.graph_view = graph_view
        self.root_name: str | None = None  # where the next backward starts
        self.external: ExternalRoot | None = None  # a root outside the workspace, if any
        self.traced_name: str | None = None  # the root of the replay on screen
        self.trace: Trace | None = None
        self.replay: Replay | None = None
        self._labels: dict[str, str] = {}
        self._notes: dict[tuple[str, str], tuple[str, str]] = {}  # edge labels on the view
        self._running = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self._build()
        self.workspace.subscribe(self._on_event)
        if graph_view is not None and hasattr(graph_view, "edgeClicked"):
            graph_view.edgeClicked.connect(self.show_edge)
        self.set_root(None)

    # ------------------------------------------------------------------ ui
    def _build(self) -> None:
        self.root_label = QLabel(objectName="bw_root", wordWrap=True)
        self.v_edit = QLineEdit(objectName="bw_v")
        self.v_edit.setPlaceholderText("gradient v, e.g. [1.0, 0.5, 0.0]")
        self.v_ones = QToolButton(text="ones", objectName="bw_v_ones")
        self.v_ones.setToolTip("v = ones: the gradient of y.sum()")
        self.v_ones.clicked.connect(self._fill_ones)
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
        self.retain.setToolTip(
            "Keep the graph's saved tensors after backward, so you can backward through it again"
        )
        self.run_button = QPushButton("Run backward", objectName="bw_run")
        self.run_button.setToolTip("Run root.backward(...) for real and record every node")
        self.run_button.clicked.connect(self.run_backward)
        # x.grad.zero_() as the notes do; setting .grad to None is the menu's separate choice
        self.zero_button = QToolButton(objectName="bw_zero", text="Zero grads")
        self.zero_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.zero_button.setToolTip(ZERO_TIP)
        self.zero_button.clicked.connect(lambda: self.zero_grads(set_to_none=False))
        zero_menu = QMenu(self.zero_button)
        self.none_action = zero_menu.addAction("Set every .grad to None")
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

        def tool(text: str, name: str, tip: str, slot) -> QToolButton:
            b = QToolButton(text=text, objectName=name)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            return b

        self.reset_button = tool("Reset", "bw_reset", "Back to before the first step", self.reset)
        self.back_button = tool("◀ Back", "bw_back", "Step back", self.step_back)
        self.play_button = tool("▶ Play", "bw_play", "Play / pause", self.toggle_play)
        self.step_button = tool("Step ▶", "bw_step", "Step forward: run the next node", self.step)
        self.end_button = tool("End ▶▶", "bw_end", "Run to the end", self.run_to_end)
        self.speed = QSlider(Qt.Orientation.Horizontal, objectName="bw_speed")
        self.speed.setRange(1, 20)
        self.speed.setValue(3)
        self.speed.setFixedWidth(70)
        self.speed.setToolTip("Play speed: steps per second")
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
        self.retain_button.setToolTip("Keep this non-leaf's .grad in the next backward")
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
        self.check_button = QPushButton("Check gradient", objectName="bw_check")
        self.check_button.setToolTip("Compare autograd with central finite differences in float64")
        self.check_button.clicked.connect(self.check_gradient)
        self.check_note = QLabel(objectName="bw_check_note", wordWrap=True)
        self.check_table = CheckTable()
        check_box = QGroupBox("Numerical check")
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
        layout.addWidget(QLabel("<b>Leaves</b> — .grad fills up as the steps run"))
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
        """Make ``name`` the tensor the next backward starts from (follows the selection).

        A replay on screen stays: selecting a tensor to inspect it mid-way through
        the steps loses nothing; the next Run starts from the new root.
        """
        name = name if name and name in self.workspace.tensors else None
        if self.external is not None and name is not None:
            self._leave_external()  # a workspace tensor: back to workspace mode
        elif name == self.root_name:
            return
        self.root_name = name
        self.v_edit.clear()  # a new root has its own shape
        self._show_error("")
        self._update_root()

    def set_external_root(
        self, tensor: torch.Tensor, label: str, graph: Graph | None = None
    ) -> None:
        """Step through backward from a tensor that is not in the workspace (e.g. one
        training batch's loss). ``graph`` is the graph on screen (its leaf names name the
        table's rows). Run backward then records no code line and leaves every ``.grad``
        as it was; selecting a workspace tensor returns to workspace mode."""
        self.stop()
        self.external = ExternalRoot(tensor, label, graph)
        self._clear_trace()  # the old replay's ids belong to another graph
        self.v_edit.clear()
        self._show_error("")
        self.zero_button.setEnabled(False)
        self.zero_button.setToolTip("Runs from here leave every .grad as it was: nothing to zero")
        self.retain.setEnabled(False)  # always retained: Run may be pressed again
        self._update_root()

    def show_recorded(self, call: Any) -> bool:
        """Step through a backward call that console code made (a RecordedCall).

        Like an external root: the call's own record, its graph, its leaves'
        .grad before and after. False when its steps were not kept.
        """
        if not call.kept:
            self._show_error(f"{call.summary()}: its steps were not kept (memory budget)")
            return False
        self.stop()
        label = f"line {call.line}: {call.source_line}"
        self.external = ExternalRoot(call.root, label, call.graph)
        self._clear_trace()
        self._show_error("")
        self.zero_button.setEnabled(False)
        self.retain.setEnabled(False)
        self._update_root()
        if self.graph_view is not None and hasattr(self.graph_view, "show_graph"):
            self.graph_view.show_graph(call.graph)
        self.traced_name = label
        self._start(call)
        self.statusMessage.emit(f"{call.summary()}: step through it")
        return True

    def _leave_external(self, refresh: bool = True) -> None:
        self.stop()
        self.external = None
        self._clear_trace()
        self.zero_button.setEnabled(True)
        self.zero_button.setToolTip(ZERO_TIP)
        self.retain.setEnabled(True)
        redraw = getattr(self.graph_view, "refresh", None)
        if refresh and callable(redraw):
            redraw()  # the batch graph makes way for the workspace's

    def _root_tensor(self) -> torch.Tensor | None:
        if self.external is not None:
            return self.external.tensor
        return self.workspace.tensors.get(self.root_name) if self.root_name else None

    def _update_root(self) -> None:
        name = self.external.label if self.external is not None else self.root_name
        t = self._root_tensor()
        ok = t is not None and t.requires_grad
        self.run_button.setEnabled(ok)
        self.v_box.setVisible(ok and t.numel() != 1)
        if self.external is not None:
            e = html.escape(name)
            shape = "a scalar" if t.numel() == 1 else f"shape {shape_text(t)}"
            self.root_label.setText(
                f"Backward from the <b>{e}</b> ({shape}, not in the workspace): Run records "
                "no code line and leaves every .grad as it was."
            )
            if t.numel() != 1:
                self.v_note.setText(html.escape(VJP_NOTE.format(y=name)))
                if not self.v_edit.text().strip() and t.numel() <= MAX_DEFAULT_V:
                    self.v_edit.setText(_ones_literal(tuple(t.shape)))
        elif t is None:
            self.root_label.setText("Select a tensor: backward starts from it.")
        elif not t.requires_grad:
            self.root_label.setText(
                f"<b>{html.escape(name)}</b> does not require grad: nothing upstream requires "
                "grad (or it was detached / made under no_grad), so there is nothing to "
                "backpropagate."
            )
        elif t.numel() == 1:
            e = html.escape(name)
            self.root_label.setText(
                f"Backward from <b>{e}</b> (a scalar): it starts from the gradient ∂{e}/∂{e} = 1."
            )
        else:
            self.root_label.setText(
                f"Backward from <b>{html.escape(name)}</b>, shape {shape_text(t)}."
            )
            self.v_note.setText(html.escape(VJP_NOTE.format(y=name)))
            if not self.v_edit.text().strip() and t.numel() <= MAX_DEFAULT_V:
                self.v_edit.setText(_ones_literal(tuple(t.shape)))
        self._update_buttons()

    def _fill_ones(self) -> None:
        t = self._root_tensor()
        if t is not None:
            self.v_edit.setText(_ones_literal(tuple(t.shape)))

    # ---------------------------------------------------------------- run
    def run_backward(self) -> Trace | None:
        """Run the real backward through the workspace and start a fresh replay."""
        if self.external is not None:
            return self._run_external()
        name = self.root_name
        if not name or name not in self.workspace.tensors:
            self._show_error("Select a tensor first.")
            return None
        t = self.workspace.tensors[name]
        grad = self.v_edit.text().strip() if t.numel() != 1 else None
        if t.numel() != 1 and not grad:
            self._show_error(
                f"{name} is not a scalar: type a gradient v of shape {tuple(t.shape)}."
            )
            return None
        self.stop()
        names = dict(self.workspace.tensors)
        self._running = True
        try:
            trace = self.workspace.backward(
                name,
                grad,
                retain_graph=self.retain.isChecked(),
                runner=lambda root, g, retain: trace_backward(root, g, retain, names=names),
            )
        except WorkspaceError as exc:
            self._show_error(str(exc))
            self.statusMessage.emit(f"backward refused: {exc}")
            return None
        finally:
            self._running = False
        self._show_error("")
        self.traced_name = name
        self._start(trace)
        n = len(trace.steps)
        self.statusMessage.emit(f"backward from {name}: {n} nodes recorded; step through them")
        return trace

    def _run_external(self) -> Trace | None:
        """Backward from the external root: trace_backward directly, no workspace, no code
        line. The leaves' .grad are set aside first and put back after, so the table shows
        this pass's gradients alone and the tensors' owner (a model) finds them unchanged."""
        ext = self.external
        t = ext.tensor
        grad = None
        if t.numel() != 1:
            text = self.v_edit.text().strip()
            try:
                grad = torch.as_tensor(parse_tensor_literal(text), dtype=t.dtype, device=t.device)
                if tuple(grad.shape) != tuple(t.shape):
                    raise ValueError(f"v has shape {tuple(grad.shape)}, not {tuple(t.shape)}")
            except (LiteralError, ValueError, TypeError) as exc:
                shape = tuple(t.shape)
                self._show_error(f"{ext.label}: type a gradient v of shape {shape} ({exc})")
                return None
        self.stop()
        leaves = _leaf_tensors(t)
        kept = [(leaf, leaf.grad) for leaf in leaves]
        for leaf in leaves:
            leaf.grad = None
        try:
            trace = trace_backward(t, grad, retain_graph=True, names=ext.names())
        except Exception as exc:  # e.g. the graph's weights were changed in place since
            self._show_error(f"backward failed: {explain(exc)}")
            self.statusMessage.emit(f"backward refused: {explain(exc)}")
            return None
        finally:
            for leaf, g in kept:
                leaf.grad = g
        self._show_error("")
        self.traced_name = ext.label
        self._start(trace)
        n = len(trace.steps)
        self.statusMessage.emit(f"backward from the {ext.label}: {n} nodes recorded; step through")
        return trace

    def _start(self, trace: Trace) -> None:
        self.trace = trace
        self.replay = Replay(trace)
        self._labels = {s.node: s.label for s in trace.steps if s.label != ACCUMULATE}
        self._labels.update({lid: leaf.name for lid, leaf in trace.leaves.items()})
        self.check_leaf.clear()
        for leaf in trace.leaves.values():
            if self.external is None and leaf.name in self.workspace.tensors:
                self.check_leaf.addItem(leaf.name)
        self._update_hints()
        self.leaves.clear_rows()  # rows and their cached texts belong to the old trace
        self.card.reset_height()
        self.progress_box.reset()
        self._redraw()

    def _clear_trace(self) -> None:
        self.trace = self.replay = self.traced_name = None
        self._labels, self._notes = {}, {}
        self.check_table.hide()
        self.check_note.setText("")
        self.check_leaf.clear()
        self.leaves.clear_rows()
        self.hint_box.hide()
        self.cuts.hide()
        if self.graph_view is not None:
            self.graph_view.clear_annotations()
        self._redraw()

    # ------------------------------------------------------------ stepping
    def step(self) -> bool:
        if self.replay is None or not self.replay.step_forward():
            self.stop()
            return False
        self._apply_forward_step()
        return True

    def step_back(self) -> None:
        self.stop()
        if self.replay is not None and self.replay.step_back():
            self._redraw()

    def reset(self) -> None:
        self.stop()
        if self.replay is not None:
            self.replay.reset()
            self._redraw()

    def run_to_end(self) -> None:
        self.stop()
        if self.replay is not None:
            self.replay.run_to_end()
            self._redraw()

    def toggle_play(self) -> None:
        if self.timer.isActive():
            self.stop()
            return
        if self.replay is None:
            return
        if self.replay.at_end:
            self.replay.reset()
            self._redraw()
        self.timer.start(int(1000 / self.speed.value()))
        self.play_button.setText("⏸ Pause")

    def stop(self) -> None:
        self.timer.stop()
        self.play_button.setText("▶ Play")

    def _tick(self) -> None:
        if not self.step():
            self.stop()

    def _speed_changed(self, value: int) -> None:
        if self.timer.isActive():
            self.timer.setInterval(int(1000 / value))

    # ------------------------------------------------------------- drawing
    def _redraw(self) -> None:
        """Show the replay's whole state (after reset, step back, run to end)."""
        replay = self.replay
        if replay is not None:
            notes = {key: edge_text(flow) for key, flow in replay.edges().items()}
            current = replay.current()
            self._annotate(current.node if current else None, replay, notes, replace=True)
        self._update_side()

    def _apply_forward_step(self) -> None:
        """One step forward: only what changed (the new node and the edges it sent on)."""
        step = self.replay.current()
        self._annotate(step.node, self.replay, self._step_notes(step), replace=False)
        self._update_side()

    def _step_notes(self, step: Any) -> dict[tuple[str, str], tuple[str, str]]:
        """The labels of the edges a step sent gradients along."""
        flows: dict[tuple[str, str], list[torch.Tensor]] = {}
        for src, tgt, g in self.replay.step_edges(step):
            flows.setdefault((src, tgt), []).append(g)
        return {key: edge_text(EdgeFlow(*key, parts)) for key, parts in flows.items()}

    def _annotate(self, current: str | None, replay: Replay, notes: dict, replace: bool) -> None:
        """Push highlight, done marks and edge labels to the graph view, in as few calls as
        it allows (one, when it offers ``set_annotations``)."""
        view = self.graph_view
        if replace:
            self._notes = dict(notes)
        else:
            self._notes.update(notes)
        if view is None:
            return
        done = replay.done_nodes()
        batch = getattr(view, "set_annotations", None)
        if callable(batch):
            batch(current, done, self._notes)
            return
        if replace:
            view.clear_annotations()
        for (src, tgt), (text, tip) in (self._notes if replace else notes).items():
            view.set_edge_text(src, tgt, text, tip)
        view.set_done(done)
        view.set_current(current)

    def _update_side(self) -> None:
        replay = self.replay
        if replay is None:
            self.card.show_card(None, "Run backward to record the pass, then step through it.")
            self.progress.setText("")
            self._update_buttons()
            return
        step = replay.current()
        total = len(replay)
        if step is None:
            self.card.show_card(
                None,
                f"PyTorch ran the whole pass ({total} nodes) and gradviz recorded it. The seed "
                "gradient waits at the root: press Step ▶.",
            )
            self.progress.setText(f"step 0 / {total}")
        else:
            self.card.show_card(card_for(step))
            where = self._labels.get(step.node, step.label)
            label = f"{where}.grad" if step.label == ACCUMULATE else step.label
            other = self.traced_name if self.traced_name != self.root_name else None
            other = None if self.external is not None else other
            prefix = f"[{other}] " if other else ""
            self.progress.setText(f"{prefix}step {replay.position} / {total}: {label}")
        self.leaves.show_states(replay.leaf_states(), self._labels, self._retained())
        self._update_buttons()

    def _retained(self) -> dict[str, torch.Tensor]:
        """Non-leaf tensors of this pass that kept their .grad (retain_grad), once done."""
        if self.trace is None or self.replay is None or not self.replay.at_end:
            return {}
        nodes = {s.node for s in self.trace.steps}
        out = {}
        for name, t in self.workspace.tensors.items():
            kept = t.grad_fn is not None and t.retains_grad and t.grad is not None
            if kept and function_node_id(t.grad_fn) in nodes:
                out[name] = t.grad
        return out

    def _update_buttons(self) -> None:
        has = self.replay is not None
        pos = self.replay.position if has else 0
        end = has and self.replay.at_end
        self.reset_button.setEnabled(has and pos > 0)
        self.back_button.setEnabled(has and pos > 0)
        self.step_button.setEnabled(has and not end)
        self.end_button.setEnabled(has and not end)
        self.play_button.setEnabled(has)
        self.check_button.setEnabled(self.check_leaf.count() > 0)

    def _update_hints(self) -> None:
        """The notes' semantics: non-leaf .grad stays None; detach / no_grad cut the flow."""
        trace = self.trace
        nodes = {s.node for s in trace.steps}
        non_leaves = [
            name
            for name, t in self.workspace.tensors.items()
            if t.grad_fn is not None and not t.retains_grad and function_node_id(t.grad_fn) in nodes
        ]
        self.retain_pick.clear()
        self.retain_pick.addItems(non_leaves)
        if non_leaves:
            shown = ", ".join(non_leaves[:4]) + (" …" if len(non_leaves) > 4 else "")
            self.hint.setText(
                f"{shown}: not leaves, so their .grad stays None after backward (PyTorch keeps "
                "only the leaves'). Call retain_grad() before backward to keep one."
            )
        self.hint_box.setVisible(bool(non_leaves))
        cuts = []
        graph = self.graph_view.graph() if self.graph_view is not None else None
        if graph is not None:
            for node in graph.nodes:
                if node.kind == "constant" and node.cut:
                    feeds = any(e.source == node.id and e.target in nodes for e in graph.edges)
                    if feeds:
                        cuts.append(f"✂ {node.name or node.label}: {node.note}")
        if cuts:
            self.cuts.setText(
                "Gradient stops here (detach / no_grad):<br>" + "<br>".join(map(html.escape, cuts))
            )
        self.cuts.setVisible(bool(cuts))

    # ------------------------------------------------------------- actions
    def show_edge(self, source: str, target: str) -> None:
        """An edge was clicked: send the full gradient that crossed it to the Inspector."""
        if self.replay is None:
            return
        flow = self.replay.edges().get((source, target))
        if flow is None:
            return
        sender = self._labels.get(target, "the output" if self.trace.root_edge else target)
        receiver = self._labels.get(source, source)
        title = f"gradient {sender} → {receiver}"
        self.tensorRequested.emit(title, flow.total)

    def zero_grads(self, set_to_none: bool = False) -> None:
        try:
            self.workspace.zero_grad(set_to_none=set_to_none)
        except WorkspaceError as exc:
            self._show_error(str(exc))
            return
        done = "is None" if set_to_none else "is zero (x.grad.zero_())"
        self.statusMessage.emit(f"every .grad {done} now: the next backward starts from zero")
        if self.replay is not None:
            self._update_side()

    def retain_grad(self) -> None:
        name = self.retain_pick.currentText()
        if not name:
            return
        try:
            self.workspace.retain_grad(name)
        except WorkspaceError as exc:
            self._show_error(str(exc))
            return
        self.statusMessage.emit(f"{name}.retain_grad(): its .grad is kept from the next backward")
        self._show_error("")
        if self.trace is not None:
            self._update_hints()

    def check_gradient(self) -> None:
        leaf = self.check_leaf.currentText()
        root = self.traced_name
        if not leaf or root is None or self.trace is None:
            return
        try:
            result = check_workspace_leaf(
                self.workspace, root, leaf, self.trace.seed.detach().double()
            )
        except GradCheckError as exc:
            self.check_note.setText(f"cannot check: {exc}")
            self.check_table.hide()
            return
        verdict = "PASS" if result.ok else "FAIL"
        colour = "#15803d" if result.ok else "#b91c1c"
        self.check_note.setText(
            f"<span style='color:{colour}'><b>{verdict}</b></span>: ∂ sum(v·{root}) "
            f"/ ∂{leaf}, autograd vs (f(x+ε) − f(x−ε)) / 2ε in float64"
        )
        self.check_table.show_result(result)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    # -------------------------------------------------------------- events
    def _on_event(self, event: Event) -> None:
        if self._running:
            return  # our own backward: the trace is about to arrive
        if self.external is not None:
            # the graph view shows the workspace again: the external record matches nothing
            self._leave_external(refresh=False)
        tensors = self.workspace.tensors
        if self.trace is not None and tensors.get(self.traced_name or "") is not self.trace.root:
            # deleted, or undo / redo rebuilt the tensors: the record is about objects
            # that are gone, and its ids would match nothing on screen
            self.stop()
            self._clear_trace()
        if self.root_name is not None and self.root_name not in tensors:
            self.root_name = None
        self._update_root()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.stop()
        self.workspace.unsubscribe(self._on_event)
        super().closeEvent(event)
