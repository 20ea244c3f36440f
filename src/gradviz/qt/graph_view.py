"""The live computation-graph view.

``GraphView(workspace)`` follows the workspace: every event recaptures the
autograd graph of all named tensors and redraws it. Positions are kept by
:func:`~gradviz.core.layout.stable_keys` (names for tensors, structure for
functions), which survive undo replaying the history, so nodes already on
screen never move; new ones are placed next to their inputs.

Mouse: wheel zooms under the cursor, dragging pans, clicking a node emits
``nodeClicked(Node)``, clicking an edge ``edgeClicked(source, target)``,
clicking a module frame's title collapses or expands it. Hovering a node
shows what it is, with the op's formula from the catalog.

Stepping through backward annotates the view: ``set_annotations(current,
done, notes)`` replaces the highlighted node, the finished nodes and the
gradient labels of edges in one update that touches only what changed (the
per-item calls ``set_current`` / ``set_done`` / ``set_edge_text`` /
``clear_annotations`` go through the same incremental path).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Mapping
from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QPainter, QPalette, QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.fn_info import catalog_op
from gradviz.core.graph import Graph, Node, capture_graph
from gradviz.core.layout import layout_graph, node_size, stable_keys
from gradviz.core.ops import OPS
from gradviz.core.workspace import Event, Workspace
from gradviz.qt import graph_items as gi
from gradviz.qt.graph_export import export_scene
from gradviz.qt.graph_scene import GraphScene
from gradviz.qt.theme import is_dark


def theme_is_dark() -> bool:
    """The app's theme: what apply_theme set, else what its palette looks like."""
    app = QApplication.instance()
    if app is None:
        return False
    if app.property("gradviz_theme") in ("light", "dark"):
        return is_dark(app)
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


TEXT_MIN_SCALE = 0.45  # below this zoom node labels give way to plain boxes
EDGE_TEXT_MIN_SCALE = 0.6
MIN_SCALE, MAX_SCALE = 0.01, 4.0
FIT_MAX_SCALE = 1.25  # a tiny graph is not blown up to fill the window

_THEME_EVENTS = (
    QEvent.Type.PaletteChange,
    QEvent.Type.ApplicationPaletteChange,
    QEvent.Type.StyleChange,
)

KIND_HELP = {
    "leaf": "leaf tensor: requires grad; backward fills its .grad",
    "output": "output (root): backward starts here",
    "saved": "saved for backward: the function needs this value to compute its gradient",
    "constant": "constant: no history, so no gradient flows into it",
}


def workspace_uses(ws: Workspace) -> list[tuple[object, object]]:
    """(input, output) tensor pairs from the history, for the names that still mean them.

    A name re-made later (deleted and created again) no longer stands for the
    old tensor, so pairs are kept only while both names keep their generation.
    """
    generation: dict[str, int] = {}
    pairs: list[tuple[str, int, str, int]] = []
    for action in ws.history:
        if action.kind in ("create", "apply", "delete") and action.target:
            spec = OPS.get(action.op) if action.kind == "apply" else None
            makes_new = action.kind == "create" or (spec is not None and not spec.inplace)
            if makes_new or action.kind == "delete":
                generation[action.target] = generation.get(action.target, 0) + 1
            if spec is None:
                continue
            for p in spec.params:
                if not p.is_tensor:
                    continue
                for name in action.args.get(p.name, "").replace(";", ",").split(","):
                    name = name.strip()
                    if name and name in generation and name != action.target:
                        pairs.append(
                            (name, generation[name], action.target, generation[action.target])
                        )
    tensors = ws.tensors
    return [
        (tensors[a], tensors[b])
        for a, ga, b, gb in pairs
        if a in tensors and b in tensors and generation[a] == ga and generation[b] == gb
    ]


def capture_workspace(ws: Workspace) -> Graph:
    """The graph of every named tensor: non-leaves as roots, leaves and constants included."""
    tensors = ws.tensors
    roots = [t for t in tensors.values() if t.grad_fn is not None]
    loose = [t for t in tensors.values() if t.grad_fn is None]
    return capture_graph(
        *roots, names=tensors, show_saved=True, include=loose, uses=workspace_uses(ws)
    )


class _Canvas(QGraphicsView):
    """The zoomable, pannable surface; reports clicks and hovers to its GraphView."""

    def __init__(self, owner: GraphView) -> None:
        super().__init__(owner.scene)
        self.owner = owner
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setMouseTracking(True)
        self._press: QPointF | None = None

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.owner.zoom_by(1.2**steps)
        event.accept()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self._press = event.position()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        super().mouseReleaseEvent(event)
        press, self._press = self._press, None
        if press is None or event.button() != Qt.MouseButton.LeftButton:
            return
        if (event.position() - press).manhattanLength() > 4:
            self.owner._auto_fit = False  # the user moved the camera: stop refitting
            return  # that was a pan, not a click
        self.owner._click_at(self.mapToScene(event.position().toPoint()))

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ToolTip:
            text = self.owner._tooltip_at(self.mapToScene(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)


class GraphView(QWidget):
    """The graph of a workspace (live) or of any Graph given to :meth:`show_graph`."""

    nodeClicked = Signal(object)  # the core Node
    edgeClicked = Signal(str, str)  # source id, target id
    groupToggled = Signal(str, bool)  # module path, collapsed

    def __init__(self, workspace: Workspace | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.scene = GraphScene(self)
        self.canvas = _Canvas(self)
        self._graph: Graph | None = None  # everything captured (saved tensors included)
        self._shown: Graph | None = None  # what is drawn (saved filtered out unless asked)
        self._external = False  # showing a graph given to show_graph, not the workspace's
        self._key_pos: dict[str, tuple[float, float]] = {}
        self._keys: dict[str, str] = {}
        self._collapsed: set[str] = set()
        self._selected: str | None = None
        self._matches: list[str] = []
        self._match_index = -1
        self._fitted = False
        self._auto_fit = True  # refit on resize until the user zooms
        self._build_ui()
        self._follow_theme()
        if workspace is not None:
            workspace.subscribe(self._on_event)
            # a view deleted without close() must not stay subscribed to a live workspace
            self.destroyed.connect(functools.partial(workspace.unsubscribe, self._on_event))
            self.refresh()
        else:
            self._update_status()

    # -------------------------------------------------------------- ui
    def _build_ui(self) -> None:
        self.search = QLineEdit(objectName="graph_search")
        self.search.setPlaceholderText("Find a node by name…  (Enter: next)")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.find_next)
        self.search.textEdited.connect(lambda text: self.find(text))
        fit = QToolButton(text="Fit", objectName="graph_fit")
        fit.setToolTip("Fit the whole graph in view")
        fit.clicked.connect(self.fit)
        self.saved_box = QCheckBox("Saved tensors", objectName="graph_saved")
        self.saved_box.setToolTip("Show the tensors each function saved for backward (orange)")
        self.saved_box.toggled.connect(self.set_show_saved)
        export = QToolButton(text="Export", objectName="graph_export")
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        for label, suffix in (
            ("PNG image…", ".png"),
            ("SVG image…", ".svg"),
            ("DOT file…", ".dot"),
        ):
            action = QAction(label, menu)
            action.triggered.connect(lambda _=False, s=suffix: self._export_dialog(s))
            menu.addAction(action)
        export.setMenu(menu)
        self.status = QLabel(objectName="graph_status")
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # the legend and status may be clipped in a narrow window; the graph must not be
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.search.setMinimumWidth(80)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 4, 4, 2)
        bar.addWidget(self.search, 1)
        bar.addWidget(fit)
        bar.addWidget(self.saved_box)
        bar.addWidget(export)
        legend = QHBoxLayout()
        legend.setContentsMargins(6, 0, 4, 4)
        legend.setSpacing(10)
        for kind, text in (
            ("leaf", "leaf"), ("function", "backward fn"), ("saved", "saved"),
            ("output", "output"), ("constant", "constant (cut off)"),
        ):  # fmt: skip
            chip = QLabel(text)
            chip.setMinimumWidth(8)
            border = "1px dashed #c2410c" if kind == "constant" else "1px solid #4b5563"
            chip.setStyleSheet(
                f"background: {gi.FILL[kind].name()}; color: #111827; border: {border};"
                " padding: 0px 5px; font-size: 8pt"
            )
            chip.setToolTip(KIND_HELP.get(kind, "backward function: computes input gradients"))
            legend.addWidget(chip)
        legend.addStretch(1)
        legend.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(legend)

    # ----------------------------------------------------------- theme
    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        # apply_theme sets the app's "gradviz_theme" property, then its palette and style
        if event.type() in _THEME_EVENTS:
            self._follow_theme()
        super().changeEvent(event)

    def _follow_theme(self) -> None:
        """Draw the scene in the app's theme (light boxes stay: only their surroundings)."""
        name = "dark" if theme_is_dark() else "light"
        if name != self.scene.theme:
            self.scene.set_theme(name)
            self.canvas.resetCachedContent()  # the cached background is the old colour

    # ----------------------------------------------------------- graph
    def graph(self) -> Graph | None:
        """The graph on screen (saved tensors only when the toggle is on)."""
        return self._shown

    def show_graph(self, graph: Graph) -> None:
        """Show any graph (e.g. a training batch's loss). The next workspace event
        brings back the workspace's graph."""
        self._external = True
        self._set_graph(graph)

    def refresh(self) -> None:
        """Recapture the workspace's graph now."""
        if self.workspace is None:
            return
        self._external = False
        try:
            graph = capture_workspace(self.workspace)
        except Exception as exc:  # noqa: BLE001  a view must never break the user's action
            self.status.setText(f"graph not available: {exc}")
            return
        self._set_graph(graph)

    def _on_event(self, _event: Event) -> None:
        self.refresh()

    def close_workspace(self) -> None:
        """Stop following the workspace (call before dropping the view)."""
        if self.workspace is not None:
            self.workspace.unsubscribe(self._on_event)
            self.workspace = None

    def closeEvent(self, event) -> None:  # noqa: N802
        self.close_workspace()
        super().closeEvent(event)

    @property
    def show_saved(self) -> bool:
        return self.saved_box.isChecked()

    def set_show_saved(self, on: bool) -> None:
        if self.saved_box.isChecked() != on:
            self.saved_box.setChecked(on)  # comes back here through toggled
            return
        graph = self._graph
        if graph is not None and on and not any(n.kind == "saved" for n in graph.nodes):
            graph = self._with_saved(graph)
        if graph is not None:
            self._set_graph(graph)

    @staticmethod
    def _with_saved(graph: Graph) -> Graph:
        """Recapture a given graph with its saved tensors (same objects, so same ids)."""
        roots = [graph.node(r).ref for r in graph.roots]
        if not roots or not all(hasattr(r, "grad_fn") for r in roots):
            return graph
        names = {n.name: n.ref for n in graph.nodes if n.name and n.kind != "function"}
        modules = {n.id: n.module for n in graph.nodes if n.module}
        return capture_graph(*roots, names=names, show_saved=True, modules=modules)

    def _set_graph(self, graph: Graph) -> None:
        center = self.canvas.mapToScene(self.canvas.viewport().rect().center())
        had_nodes = bool(self._shown and self._shown.nodes)
        self._graph = graph
        show_saved = self.show_saved
        shown = graph if show_saved else graph.subgraph(lambda n: n.kind != "saved")
        keys = stable_keys(shown)
        previous = {nid: self._key_pos[k] for nid, k in keys.items() if k in self._key_pos}
        positions = layout_graph(shown, previous)
        self._forget_overlapped(shown, positions, keys)
        for nid, key in keys.items():
            self._key_pos[key] = positions[nid]
        new_ids = [nid for nid in keys if nid not in previous]
        self._shown, self._keys = shown, keys
        self._collapsed &= set(shown.modules())
        if self._selected not in positions:
            self._selected = None
        self.scene.selected = self._selected  # annotations live in the scene: drawn on rebuild
        self.scene.set_graph(shown, positions, self._collapsed, show_saved)
        self._apply_detail()
        if shown.nodes and (not self._fitted or not had_nodes):
            self._fitted = self._auto_fit = True
            self.fit()
        elif self._auto_fit and not self._fits():
            self.fit()  # the user has not taken the camera yet: keep it all in view
        else:
            self.canvas.centerOn(center)  # a rebuild keeps the view where it was
            self._reveal(new_ids)
        self._update_status()

    def _forget_overlapped(self, shown: Graph, positions: dict, keys: dict) -> None:
        """Drop remembered places of absent nodes that a present node now covers."""
        present = set(keys.values())
        boxes = []
        for n in shown.nodes:
            (x, y), (w, h) = positions[n.id], node_size(n)
            boxes.append(QRectF(x - w / 2, y - h / 2, w, h))
        for key in [k for k in self._key_pos if k not in present]:
            x, y = self._key_pos[key]
            probe = QRectF(x - 40, y - 15, 80, 30)
            if any(b.intersects(probe) for b in boxes):
                del self._key_pos[key]

    def _fits(self) -> bool:
        visible = self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()
        return visible.contains(self.scene.itemsBoundingRect())

    def _reveal(self, node_ids: list[str]) -> None:
        """Scroll just enough to show new nodes that appeared off screen."""
        visible = self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()
        for nid in node_ids:
            rect = self.scene.node_rect(nid)
            if rect is not None and not visible.intersects(rect):
                self.canvas.ensureVisible(rect, 40, 40)
                return

    def _update_status(self) -> None:
        graph = self._shown
        if graph is None or not graph.nodes:
            self.status.setText("empty graph")
            self.status.setToolTip(
                "Create a tensor with requires_grad=True and apply an op: its graph grows here."
            )
            return
        counts = graph.counts_by_kind()
        self.status.setText(f"{len(graph.nodes)} nodes · depth {graph.depth()}")
        self.status.setToolTip(", ".join(f"{v} {k}" for k, v in counts.items() if v))

    # ------------------------------------------------------------ zoom
    def zoom(self) -> float:
        return self.canvas.transform().m11()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit()

    def zoom_by(self, factor: float, *, user: bool = True) -> None:
        if user:
            self._auto_fit = False
        scale = self.zoom()
        factor = max(MIN_SCALE / scale, min(MAX_SCALE / scale, factor))
        self.canvas.scale(factor, factor)
        self._apply_detail()

    def set_zoom(self, scale: float) -> None:
        self.zoom_by(scale / self.zoom())

    def fit(self) -> None:
        if not self.scene.node_items:
            return
        rect = self.scene.sceneRect()
        self.canvas.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > FIT_MAX_SCALE:
            self.canvas.resetTransform()
            self.canvas.scale(FIT_MAX_SCALE, FIT_MAX_SCALE)
            self.canvas.centerOn(rect.center())
        self._apply_detail()

    def _apply_detail(self) -> None:
        """Labels give way to boxes when zoomed out (and antialiasing, on huge graphs)."""
        scale = self.zoom()
        self.scene.set_detail(scale >= TEXT_MIN_SCALE, scale >= EDGE_TEXT_MIN_SCALE)
        smooth = scale >= 0.2 or len(self.scene.node_items) < 1500
        self.canvas.setRenderHint(QPainter.RenderHint.Antialiasing, smooth)

    def center_on(self, node_id: str) -> None:
        rect = self.scene.node_rect(node_id)
        if rect is not None:
            if self.zoom() < TEXT_MIN_SCALE:
                self.set_zoom(1.0)
            self.canvas.centerOn(rect.center())

    # ---------------------------------------------------------- groups
    def groups(self) -> list[str]:
        return self._shown.modules() if self._shown is not None else []

    def is_collapsed(self, path: str) -> bool:
        return path in self._collapsed

    def collapse(self, path: str) -> None:
        self._set_collapsed(path, True)

    def expand(self, path: str) -> None:
        self._set_collapsed(path, False)

    def toggle_group(self, path: str) -> None:
        self._set_collapsed(path, path not in self._collapsed)

    def _set_collapsed(self, path: str, collapsed: bool) -> None:
        if path not in self.groups() or (path in self._collapsed) == collapsed:
            return
        if collapsed:
            self._collapsed.add(path)
        else:
            self._collapsed.discard(path)
        self.scene.set_graph(self._shown, self.scene.positions, self._collapsed)
        self._apply_detail()
        self.groupToggled.emit(path, collapsed)

    # ------------------------------------------------------ selection
    def select(self, node_id: str | None, *, emit: bool = True, center: bool = False) -> None:
        """Highlight a node; with ``emit`` the Inspector (via nodeClicked) follows."""
        if node_id is not None and (self._shown is None or node_id not in self._shown):
            return
        self._selected = node_id
        self._push_annotations()
        if node_id is None:
            return
        if center:
            self.center_on(node_id)
        if emit:
            self.nodeClicked.emit(self._shown.node(node_id))

    def selected(self) -> Node | None:
        return self._shown.node(self._selected) if self._selected and self._shown else None

    def select_name(self, name: str) -> None:
        """Follow a selection made elsewhere (e.g. the Workspace list); emits nothing."""
        if self._shown is None:
            return
        hit = next((n.id for n in self._shown.nodes if n.name == name and n.kind != "saved"), None)
        self.select(hit, emit=False)

    def _click_at(self, pos: QPointF) -> None:
        hit = self._hit(pos)
        if hit is None:
            return
        kind, ident = hit
        if kind in ("group", "group-title"):
            if kind == "group-title" or ident in self._collapsed:
                self.toggle_group(ident)
        elif kind == "node":
            self.select(ident)
        elif kind in ("edge", "edge-note"):
            edge = self.scene.edges[ident][0]
            self.edgeClicked.emit(edge.source, edge.target)

    def _hit(self, pos: QPointF) -> tuple[str, object] | None:
        """What is under a scene point: nodes win over group titles, then edges, then frames."""
        near = QRectF(pos.x() - 4, pos.y() - 4, 8, 8)
        found: dict[str, object] = {}
        for item in self.scene.items(near):
            hit = self.scene.node_at_item(item)
            if hit is not None:
                found.setdefault(hit[0], hit[1])
        for kind in ("node", "group-title", "edge-note", "edge", "group"):
            if kind in found:
                return kind, found[kind]
        return None

    # --------------------------------------------------------- tooltips
    def _tooltip_at(self, pos: QPointF) -> str:
        hit = self._hit(pos)
        if hit is None:
            return ""
        kind, ident = hit
        if kind == "node":
            return self.tooltip_for(ident)
        if kind in ("group", "group-title"):
            state = "collapsed" if ident in self._collapsed else "expanded"
            return f"module <b>{html.escape(ident)}</b> ({state}): click its title to toggle"
        if kind in ("edge", "edge-note"):
            edge = self.scene.edges[ident][0]
            note = self.scene.notes.get((edge.source, edge.target))
            if note:
                return html.escape(note[1] or note[0])
            return gi.edge_text(edge, self._shown.node(edge.target)) or edge.kind
        return ""

    def tooltip_for(self, node_id: str) -> str:
        """Rich text for hovering a node: what it is, its shape, and the op's formula."""
        if node_id.startswith("group:"):
            return f"collapsed module <b>{html.escape(node_id[6:])}</b>: click to expand"
        node = self._shown.node(node_id)
        shape = "(" + ", ".join(map(str, node.shape)) + ")" if node.shape is not None else "?"
        lines = []
        if node.kind == "function":
            lines.append(f"<b>{html.escape(node.label)}</b>")
            spec = catalog_op(node.label)
            if spec is not None:
                lines.append(
                    f"backward of <i>{html.escape(spec.label)}</i>: {html.escape(spec.doc)}"
                )
                lines.append(f"<tt>{html.escape(spec.formula)}</tt>")
            lines.append(f"forward output {shape} {node.dtype or ''}")
        else:
            title = html.escape(node.name or node.label)
            lines.append(f"<b>{title}</b> {shape} {node.dtype or ''}")
            lines.append(html.escape(KIND_HELP.get(node.kind, node.kind)))
            if node.note and node.kind == "constant":
                lines.append(f"<i>{html.escape(node.note)}</i>")
            if node.base:
                base = self._shown.node(node.base) if node.base in self._shown else None
                if base is not None:
                    lines.append(f"a view of {html.escape(base.name or base.label)}")
        if node.module:
            lines.append(f"module {html.escape(node.module)}")
        return "<br>".join(lines)

    # ------------------------------------------------------------ search
    def find(self, text: str) -> Node | None:
        """Select and centre the best match for ``text``; None (and a note) when nothing matches."""
        self._matches = [n.id for n in self._shown.find(text)] if self._shown and text else []
        self._match_index = -1
        if not text.strip():
            self.search.setStyleSheet("")
            self._update_status()
            return None
        return self.find_next()

    def find_next(self) -> Node | None:
        text = self.search.text()
        if not self._matches and text:
            self._matches = [n.id for n in self._shown.find(text)] if self._shown else []
        if not self._matches:
            if text:
                self.status.setText(f"no node matches {text!r}")
                self.search.setStyleSheet("QLineEdit { color: #b91c1c; }")
            return None
        self.search.setStyleSheet("")
        self._match_index = (self._match_index + 1) % len(self._matches)
        nid = self._matches[self._match_index]
        self.select(nid, center=True)
        node = self._shown.node(nid)
        self.status.setText(
            f"{self._match_index + 1} of {len(self._matches)}: {node.name or node.label}"
        )
        return node

    # ------------------------------------------------------ annotations
    # Stepping through backward: one call per step (set_annotations) or the per-item calls.
    # Both go through the scene's incremental update, so a step touches only what changed.
    def set_annotations(
        self,
        current: str | None,
        done: Iterable[str],
        notes: Mapping[tuple[str, str], tuple[str, str]],
    ) -> None:
        """Replace all annotations at once: the node being processed, the finished
        nodes, and the label (text, tooltip) of each edge a gradient crossed."""
        self.scene.set_annotations(current, done, notes, self._selected)

    def set_current(self, node_id: str | None) -> None:
        """Highlight the node being processed (None: no node)."""
        self.scene.set_states(node_id, self.scene.done, self._selected)

    def set_done(self, node_ids: Iterable[str]) -> None:
        """Mark these nodes (and only these) as processed."""
        self.scene.set_states(self.scene.current, node_ids, self._selected)

    def set_edge_text(self, source: str, target: str, text: str, tooltip: str = "") -> None:
        """Label the edge source -> target (e.g. with the gradient that crossed it)."""
        self.scene.set_note(source, target, text, tooltip)

    def clear_annotations(self) -> None:
        self.scene.set_annotations(None, (), {}, self._selected)

    def annotations(self) -> tuple[str | None, set[str], dict[tuple[str, str], tuple[str, str]]]:
        """(current, done, notes) as last set."""
        return self.scene.current, set(self.scene.done), dict(self.scene.notes)

    def edge_labels(self) -> dict[tuple[str, str], str]:
        """The gradient labels drawn on screen, by edge (labels of hidden edges left out)."""
        return {key: item.childItems()[0].text() for key, item in self.scene.note_items.items()}

    def edge_label_rect(self, source: str, target: str) -> QRectF | None:
        """Where the label of edge source -> target is drawn, in scene coordinates."""
        return self.scene.note_rect(source, target)

    def _push_annotations(self) -> None:
        self.scene.set_states(self.scene.current, self.scene.done, self._selected)

    # ------------------------------------------------------------ export
    def export(self, path: str | Path) -> Path:
        """Write the graph as .png / .svg (drawn as on screen) or .dot (torchviz style)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".dot":
            if self._shown is None:
                raise ValueError("there is no graph to export")
            path.write_text(self._shown.to_dot(), encoding="utf-8")
        elif suffix in (".png", ".svg"):
            export_scene(self.scene, path)
        else:
            raise ValueError(f"unknown export format {suffix or '(none)'}: use .png, .svg or .dot")
        return path

    def _export_dialog(self, suffix: str) -> None:
        kinds = {".png": "PNG image (*.png)", ".svg": "SVG image (*.svg)", ".dot": "DOT (*.dot)"}
        path, _ = QFileDialog.getSaveFileName(self, "Export graph", f"graph{suffix}", kinds[suffix])
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        try:
            self.export(path)
        except (OSError, ValueError) as exc:
            self.status.setText(f"export failed: {exc}")
            return
        self.status.setText(f"exported {Path(path).name}")

    # ------------------------------------------------------- inspection
    def node_count(self) -> int:
        """Boxes drawn (nodes plus collapsed groups)."""
        return len(self.scene.node_items)

    def node_position(self, node_id: str) -> tuple[float, float] | None:
        rect = self.scene.node_rect(node_id)
        return None if rect is None else (rect.center().x(), rect.center().y())

    def node_by_name(self, name: str) -> Node | None:
        if self._shown is None:
            return None
        return next((n for n in self._shown.nodes if n.name == name and n.kind != "saved"), None)

    def key_of(self, node_id: str) -> str | None:
        return self._keys.get(node_id)
