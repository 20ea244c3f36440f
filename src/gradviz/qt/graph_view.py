"""The computation-graph view: draws a :class:`~gradviz.core.graph_document.GraphDocument`.

The document owns what is shown (the workspace's live graph or an external
one), positions, collapsed groups and ×N folds, the selection and the
backward annotations; this widget subscribes to its events and redraws, and
turns clicks into actions on it. It never calls another widget.

Mouse: wheel zooms under the cursor, dragging pans, clicking a node emits
``nodeClicked(Node)``, clicking an edge ``edgeClicked(source, target)``; a
collapsed module box opens on a click, a frame's title closes it again.
Text is never drawn below 9 px: "Fit" zooms out only that far, then the view
scrolls and a minimap shows where you are. While stepping backward the view
pans (smoothly, and only when needed) to keep the current node in sight.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Iterable, Mapping
from pathlib import Path

import shiboken6
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QEasingCurve,
    QEvent,
    QPointF,
    QRectF,
    Qt,
    QVariantAnimation,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QFrame,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from gradviz.core.fn_info import catalog_op
from gradviz.core.graph import Graph, Node
from gradviz.core.graph_document import FOLD_PREFIX, GROUP_PREFIX, GraphDocument
from gradviz.core.i18n import _
from gradviz.core.workspace_graph import capture_workspace, workspace_uses  # noqa: F401  (API)
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


MIN_TEXT_PX = 9.0  # no text is ever drawn smaller than this (at 100 % scaling)
NODE_PX, EDGE_PX = 11.0, 9.0  # the node and edge-label fonts (graph_items.font)
TEXT_MIN_SCALE = MIN_TEXT_PX / NODE_PX  # below this zoom node labels give way to plain boxes
EDGE_TEXT_MIN_SCALE = MIN_TEXT_PX / EDGE_PX
FIT_MIN_SCALE = EDGE_TEXT_MIN_SCALE  # "Fit" stops here: every label stays readable
MIN_SCALE, MAX_SCALE = 0.01, 4.0
FIT_MAX_SCALE = 1.25  # a tiny graph is not blown up to fill the window
FOLLOW_MARGIN = 64  # px: a current node closer than this to the edge makes the view pan

_THEME_EVENTS = (
    QEvent.Type.PaletteChange,
    QEvent.Type.ApplicationPaletteChange,
    QEvent.Type.StyleChange,
)

# English here, marked for lupdate; shown through _tr() (the language is chosen after import)
KIND_HELP = {
    "leaf": QT_TRANSLATE_NOOP("GraphView", "leaf tensor: requires grad; backward fills its .grad"),
    "output": QT_TRANSLATE_NOOP("GraphView", "output (root): backward starts here"),
    "base": QT_TRANSLATE_NOOP("GraphView", "base tensor of a view: the view shares its storage"),
    "saved": QT_TRANSLATE_NOOP(
        "GraphView", "saved for backward: the function needs this value to compute its gradient"
    ),
    "constant": QT_TRANSLATE_NOOP(
        "GraphView", "constant: no history, so no gradient flows into it"
    ),
    "cut": QT_TRANSLATE_NOOP(
        "GraphView",
        "cut off: made from a tensor with history by detach() / no_grad; the gradient stops",
    ),
    "group": QT_TRANSLATE_NOOP("GraphView", "a collapsed module: click to open it"),
}
# the node kinds as the status chip's tooltip counts them
KIND_NAMES = {
    "leaf": QT_TRANSLATE_NOOP("GraphView", "leaf"),
    "function": QT_TRANSLATE_NOOP("GraphView", "function"),
    "output": QT_TRANSLATE_NOOP("GraphView", "output"),
    "base": QT_TRANSLATE_NOOP("GraphView", "base"),
    "saved": QT_TRANSLATE_NOOP("GraphView", "saved"),
    "constant": QT_TRANSLATE_NOOP("GraphView", "constant"),
    "group": QT_TRANSLATE_NOOP("GraphView", "module"),
}
EMPTY_HINT = QT_TRANSLATE_NOOP(
    "GraphView",
    "<b>Your graph appears here.</b><br>Create a tensor with requires_grad=True (Ctrl+N), "
    "then apply an op from the palette:<br>each op adds its backward function to this graph.",
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("GraphView", text)


class OverlayLabel(QLabel):
    """A small status chip in the canvas's bottom-left corner: it never takes layout room
    from the graph or the legend, and sizes itself to its text."""

    def setText(self, text: str) -> None:  # noqa: N802
        super().setText(text)
        self.setVisible(bool(text))
        self.adjustSize()
        self.place()

    def place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        area = parent.viewport().geometry() if hasattr(parent, "viewport") else parent.rect()
        width = min(self.sizeHint().width(), max(40, area.width() - 180))
        self.resize(width, self.sizeHint().height())
        self.move(area.left() + 6, area.bottom() - self.height() - 6)


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
        self.owner._stop_pan()
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

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802
        super().scrollContentsBy(dx, dy)
        self.owner._expose()
        self.owner.minimap.viewport().update()

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ToolTip:
            text = self.owner._tooltip_at(self.mapToScene(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)


class Minimap(QGraphicsView):
    """The whole drawing in a corner, with a frame where the main view looks; click to go.

    It shows a picture of the drawing, made once per graph, over an empty scene of its
    own: painting the real scene whole (20 000 items after opening a big fold) on every
    scroll of the main view cost ~300 ms a frame.
    """

    SIZE = (110, 84)

    def __init__(self, owner: GraphView) -> None:
        super().__init__(QGraphicsScene(owner), owner.canvas)
        self.owner = owner
        self.picture: QPixmap | None = None  # the drawing at this size; None: to be made
        self.setObjectName("graph_minimap")
        self.setInteractive(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedSize(*self.SIZE)
        self.setFrameShape(QFrame.Shape.Box)
        self.setToolTip(self.tr("Overview: the frame is what the view shows; click to go there"))
        self.hide()

    def refit(self) -> None:
        rect = self.owner.scene.sceneRect()
        if rect != self.scene().sceneRect():
            self.scene().setSceneRect(rect)
            self.picture = None
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def invalidate(self) -> None:
        """The drawing changed: make the picture anew when next shown."""
        self.picture = None
        self.viewport().update()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        super().drawBackground(painter, rect)
        source = self.owner.scene.sceneRect()
        if source.isEmpty():
            return
        if self.picture is None:
            self.picture = self._render(source)
        painter.drawPixmap(source, self.picture, QRectF(self.picture.rect()))

    def _render(self, source: QRectF) -> QPixmap:
        ratio = self.devicePixelRatioF()
        fit = min(self.SIZE[0] / source.width(), self.SIZE[1] / source.height()) * 2 * ratio
        picture = QPixmap(max(1, round(source.width() * fit)), max(1, round(source.height() * fit)))
        picture.fill(self.owner.scene.backgroundBrush().color())
        painter = QPainter(picture)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        scene = self.owner.scene
        if scene.lazy:  # a big graph: its boxes as plain rectangles, not every item made
            painter.scale(picture.width() / source.width(), picture.height() / source.height())
            painter.translate(-source.left(), -source.top())
            # one picture pixel covers this much of the scene (the longer side decides)
            cell = max(source.width() / picture.width(), source.height() / picture.height())
            scene.overview(painter, cell)
        else:
            scene.render(painter, QRectF(picture.rect()), source)
        painter.end()
        return picture

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        canvas = self.owner.canvas
        seen = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
        painter.setPen(QPen(gi.SELECTED, 0))  # cosmetic: one pixel at any scale
        painter.setBrush(QBrush(QColor(37, 99, 235, 40)))
        painter.drawRect(seen)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.owner.canvas.centerOn(self.mapToScene(event.position().toPoint()))
        self.owner._auto_fit = False
        self.viewport().update()

    def wheelEvent(self, event) -> None:  # noqa: N802
        event.ignore()


class GraphView(QWidget):
    """Draws a GraphDocument; ``GraphView(workspace)`` makes one that follows the workspace."""

    nodeClicked = Signal(object)  # the core Node
    edgeClicked = Signal(str, str)  # source id, target id
    groupToggled = Signal(str, bool)  # module path, collapsed

    def __init__(self, source: object | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if isinstance(source, GraphDocument):
            self.document = source
        else:
            self.document = GraphDocument(source)
        self.workspace = self.document.workspace
        self.scene = GraphScene(self)
        self.canvas = _Canvas(self)
        self._matches: list[str] = []
        self._match_index = -1
        self._fitted = False
        self._auto_fit = True  # refit on resize until the user zooms
        self._pan: QVariantAnimation | None = None
        self._build_ui()
        self.minimap = Minimap(self)
        self._follow_theme()
        self.document.subscribe(self._on_document)
        # a view deleted without close() must not stay subscribed to a live document
        self.destroyed.connect(functools.partial(self.document.unsubscribe, self._on_document))
        self._draw_graph()

    # -------------------------------------------------------------- ui
    def _build_ui(self) -> None:
        self.search = QLineEdit(objectName="graph_search")
        self.search.setPlaceholderText(self.tr("Find a node by name…  (Enter: next)"))
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.find_next)
        self.search.textEdited.connect(lambda text: self.find(text))
        fit = QToolButton(text=self.tr("Fit"), objectName="graph_fit")
        fit.setToolTip(
            self.tr("Fit the graph in view (never so small that its text cannot be read)")
        )
        fit.clicked.connect(self.fit)
        self.expand_button = QToolButton(text=self.tr("Expand all"), objectName="graph_expand_all")
        self.expand_button.setToolTip(self.tr("Open every module group and every ×N fold"))
        self.expand_button.clicked.connect(self.document.expand_all)
        self.collapse_button = QToolButton(
            text=self.tr("Collapse all"), objectName="graph_collapse_all"
        )
        self.collapse_button.setToolTip(self.tr("Show each top-level module as one box"))
        self.collapse_button.clicked.connect(self.document.collapse_all)
        self.saved_box = QCheckBox(self.tr("Saved tensors"), objectName="graph_saved")
        self.saved_box.setToolTip(
            self.tr("Show the tensors each function saved for backward (orange)")
        )
        self.saved_box.toggled.connect(self.set_show_saved)
        export = QToolButton(text=self.tr("Export"), objectName="graph_export")
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        for label, suffix in (
            (self.tr("PNG image…"), ".png"),
            (self.tr("SVG image…"), ".svg"),
            (self.tr("DOT file…"), ".dot"),
        ):
            action = QAction(label, menu)
            action.triggered.connect(lambda _=False, s=suffix: self._export_dialog(s))
            menu.addAction(action)
        export.setMenu(menu)
        self.status = OverlayLabel(self.canvas, objectName="graph_status")
        self.status.setStyleSheet(
            "#graph_status { background: rgba(255, 255, 255, 215); color: #374151;"
            " border: 1px solid #d1d5db; border-radius: 3px; padding: 1px 5px; }"
        )
        self.status.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.search.setMinimumWidth(80)

        # a lasting banner while an external graph (a training batch's) is shown
        self.banner = QFrame(objectName="graph_banner")
        self.banner.setStyleSheet(
            "#graph_banner { background: #fef3c7; border-bottom: 1px solid #d97706; }"
            " #graph_banner QLabel { color: #78350f; }"
        )
        self.banner_text = QLabel(objectName="graph_banner_text", wordWrap=True)
        self.back_button = QPushButton(self.tr("Back to the workspace"), objectName="graph_back")
        self.back_button.setToolTip(self.tr("Show the workspace's own graph again"))
        self.back_button.clicked.connect(self.document.show_workspace)
        row = QHBoxLayout(self.banner)
        row.setContentsMargins(8, 4, 6, 4)
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.back_button)
        self.banner.hide()

        toolbar = QWidget(objectName="graph_toolbar")
        # a narrow window clips the toolbar rather than growing: the graph needs the room
        toolbar.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        bar = QHBoxLayout(toolbar)
        bar.setContentsMargins(4, 4, 4, 2)
        bar.addWidget(self.search, 1)
        bar.addWidget(fit)
        bar.addWidget(self.expand_button)
        bar.addWidget(self.collapse_button)
        bar.addWidget(self.saved_box)
        bar.addWidget(export)
        legend = QHBoxLayout()
        legend.setContentsMargins(6, 0, 4, 4)
        legend.setSpacing(8)
        self.legend: dict[str, QLabel] = {}
        for kind, text in (
            ("leaf", self.tr("leaf")), ("function", self.tr("backward fn")),
            ("saved", self.tr("saved")), ("output", self.tr("output")),
            ("constant", self.tr("constant")), ("cut", self.tr("cut off")),
            ("group", self.tr("module")),
        ):  # fmt: skip
            chip = QLabel(text, objectName=f"legend_{kind}")
            chip.setMinimumWidth(8)
            border = "1px dashed #c2410c" if kind == "cut" else "1px solid #4b5563"
            fill = gi.FILL["constant" if kind == "cut" else kind].name()
            chip.setStyleSheet(
                f"background: {fill}; color: #111827; border: {border};"
                " padding: 0px 5px; font-size: 8pt"
            )
            chip.setToolTip(
                _tr(KIND_HELP[kind])
                if kind in KIND_HELP
                else self.tr("backward function: computes input gradients")
            )
            legend.addWidget(chip)
            self.legend[kind] = chip
        legend.addStretch(1)
        self.empty_hint = QLabel(_tr(EMPTY_HINT), self.canvas, objectName="graph_empty_hint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setStyleSheet("color: #6b7280; padding: 12px")
        self.empty_hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(toolbar)
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
            self.minimap.invalidate()

    # ------------------------------------------------------ document
    def _on_document(self, event) -> None:
        kind = event.kind
        if kind == "graph":
            self._draw_graph()
        elif kind in ("annotations", "selection"):
            self._draw_annotations(follow=kind == "annotations")
        elif kind == "source":
            self._update_banner()
        elif kind == "error":
            self.status.setText(self.document.error)

    def graph(self) -> Graph | None:
        """The graph on screen (real nodes; saved tensors only when the toggle is on)."""
        return self.document.graph

    def show_graph(self, graph: Graph) -> None:
        """Show any graph (e.g. a training batch's loss); the next workspace event
        brings back the workspace's graph."""
        self.document.show_graph(graph)

    def refresh(self) -> None:
        """Recapture the workspace's graph now."""
        self.document.refresh()

    def close_workspace(self) -> None:
        """Stop following the workspace (call before dropping the view)."""
        self.document.close()
        self.workspace = None

    def closeEvent(self, event) -> None:  # noqa: N802
        self._stop_pan()
        super().closeEvent(event)

    @property
    def show_saved(self) -> bool:
        return self.saved_box.isChecked()

    def set_show_saved(self, on: bool) -> None:
        if self.saved_box.isChecked() != on:
            self.saved_box.setChecked(on)  # comes back here through toggled
            return
        self.document.set_show_saved(on)

    def _draw_graph(self) -> None:
        doc = self.document
        center = self.canvas.mapToScene(self.canvas.viewport().rect().center())
        had_nodes = bool(self.scene.rects)
        self.scene.selected = self._visible_selected()
        current, done, notes = doc.visible_annotations()
        self.scene.current, self.scene.done, self.scene.notes = current, done, notes
        self.scene.set_graph(doc.visible, doc.positions, (), doc.show_saved)
        self.minimap.invalidate()
        self._apply_detail()
        if doc.visible is not None and doc.visible.nodes and (not self._fitted or not had_nodes):
            self._fitted = self._auto_fit = True
            self.fit()
        elif self._auto_fit and not self._fits():
            self.fit()  # the user has not taken the camera yet: keep it all in view
        else:
            self.canvas.centerOn(center)  # a rebuild keeps the view where it was
            self._reveal(doc.new_ids)
        self._expose()
        has_groups = bool(doc.groups())
        self.expand_button.setEnabled(has_groups)
        self.collapse_button.setEnabled(has_groups)
        self._update_banner()
        self._update_status()
        self._update_minimap()
        self._keep_current_in_sight(animate=False)

    def _visible_selected(self) -> str | None:
        sel = self.document.selected
        return self.document.unit_of(sel) or sel if sel is not None else None

    def _draw_annotations(self, follow: bool) -> None:
        current, done, notes = self.document.visible_annotations()
        self.scene.set_annotations(current, done, notes, self._visible_selected())
        if follow:
            self._keep_current_in_sight(animate=True)

    def _update_banner(self) -> None:
        doc = self.document
        show = doc.external and doc.workspace is not None
        if show:
            label = doc.external_label or self.tr("a graph from outside the workspace")
            # a graph sent by a live script is plain data: its recorded steps, or its shape
            if doc.graph is not None and doc.graph.refs:
                text = self.tr(
                    "Showing <b>{label}</b>, not the workspace. "
                    "Its .grad values are set aside while you step through it."
                )
            elif doc.external_steps:
                text = self.tr(
                    "Showing <b>{label}</b>, not the workspace. "
                    "It came from a watched script, which recorded its backward: step through it."
                )
            else:
                text = self.tr(
                    "Showing <b>{label}</b>, not the workspace. "
                    "It came from a watched script: its shape only, no values to step."
                )
            self.banner_text.setText(text.format(label=html.escape(label)))
        self.banner.setVisible(show)

    def _fits(self) -> bool:
        visible = self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()
        return visible.contains(self.scene.sceneRect().adjusted(24, 24, -24, -24))

    def _expose(self) -> None:
        """Tell a big graph's scene what is in view (and a screen around it), so it makes
        the items there; a small graph's scene has them all already."""
        if not shiboken6.isValid(self.scene) or not shiboken6.isValid(self.scene.text_layer):
            return  # being torn down: the scene's items are going, a scroll still comes
        if self.scene.lazy:
            seen = self.visible_scene_rect()
            w, h = seen.width(), seen.height()
            self.scene.expose(seen.adjusted(-w / 2, -h / 2, w / 2, h / 2), self.zoom())

    def _reveal(self, node_ids: list[str]) -> None:
        """Scroll just enough to show new nodes that appeared off screen."""
        visible = self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()
        for nid in node_ids:
            rect = self.scene.node_rect(nid)
            if rect is not None and not visible.intersects(rect):
                self.canvas.ensureVisible(rect, 40, 40)
                return

    def _update_status(self) -> None:
        doc = self.document
        if doc.error:
            self.status.setText(doc.error)
            return
        graph = doc.graph
        empty = graph is None or not graph.nodes
        self.empty_hint.setVisible(empty)
        if empty:
            self._place_hint()
            self.status.setText(self.tr("empty graph"))
            self.status.setToolTip(
                self.tr(
                    "Create a tensor with requires_grad=True and apply an op: its graph grows here."
                )
            )
            return
        counts = graph.counts_by_kind()
        self.status.setText(doc.status_text())
        kinds = ", ".join(f"{v} {_tr(KIND_NAMES.get(k, k))}" for k, v in counts.items() if v)
        self.status.setToolTip(f"{doc.status_text()}\n{kinds}")

    def _place_hint(self) -> None:
        vp = self.canvas.viewport().geometry()
        self.empty_hint.setGeometry(vp.adjusted(20, 20, -20, -20))

    # ------------------------------------------------------------ zoom
    def zoom(self) -> float:
        return self.canvas.transform().m11()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        vp = self.canvas.viewport().size()
        # what fits at the smallest readable zoom: a module graph opens at a depth that fits
        self.document.view_size = (vp.width() / FIT_MIN_SCALE, vp.height() / FIT_MIN_SCALE)
        self._place_hint()
        self.status.place()
        if self._auto_fit:
            self.fit()
        self._expose()
        self._update_minimap()

    def zoom_by(self, factor: float, *, user: bool = True) -> None:
        if user:
            self._auto_fit = False
        scale = self.zoom()
        factor = max(MIN_SCALE / scale, min(MAX_SCALE / scale, factor))
        self.canvas.scale(factor, factor)
        self._apply_detail()
        self._update_minimap()

    def set_zoom(self, scale: float) -> None:
        self.zoom_by(scale / self.zoom())

    def fit(self) -> None:
        """The whole graph in view, unless its text would drop below 9 px: then the view
        stops at that zoom, shows the top of the graph (its inputs), and scrolls."""
        if not self.scene.rects:
            return
        rect = self.scene.sceneRect()
        self.canvas.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        scale = self.zoom()
        if scale > FIT_MAX_SCALE or scale < FIT_MIN_SCALE:
            scale = min(max(scale, FIT_MIN_SCALE), FIT_MAX_SCALE)
            self.canvas.resetTransform()
            self.canvas.scale(scale, scale)
            self.canvas.centerOn(rect.center())
            if not self._fits():
                top = self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()
                self.canvas.centerOn(rect.center().x(), rect.top() + top.height() / 2)
        self._apply_detail()
        self._update_minimap()

    def _apply_detail(self) -> None:
        """Labels give way to boxes before they get too small to read."""
        scale = self.zoom()
        self.scene.set_detail(scale >= TEXT_MIN_SCALE - 1e-6, scale >= EDGE_TEXT_MIN_SCALE - 1e-6)
        smooth = scale >= 0.2 or self.scene.box_count() < 1500
        self.canvas.setRenderHint(QPainter.RenderHint.Antialiasing, smooth)
        self._expose()  # a zoom shows more or less of a big graph

    def text_px(self) -> dict[str, float]:
        """The pixel height of each text layer as drawn now (hidden layers left out)."""
        out = {}
        if self.scene.text_layer.isVisible():
            out["node"] = NODE_PX * self.zoom()
        if self.scene.label_layer.isVisible():
            out["edge"] = EDGE_PX * self.zoom()
        return out

    def _update_minimap(self) -> None:
        mm = self.minimap
        need = bool(self.scene.rects) and not self._fits()
        mm.setVisible(need)
        if need:
            vp = self.canvas.viewport().geometry()
            mm.move(vp.right() - mm.width() - 6, vp.bottom() - mm.height() - 6)
            mm.refit()
            mm.raise_()
            mm.viewport().update()

    def center_on(self, node_id: str) -> None:
        rect = self.scene.node_rect(self.document.unit_of(node_id) or node_id)
        if rect is not None:
            if self.zoom() < TEXT_MIN_SCALE:
                self.set_zoom(1.0)
            self.canvas.centerOn(rect.center())

    # ---------------------------------------------------- following
    def visible_scene_rect(self) -> QRectF:
        return self.canvas.mapToScene(self.canvas.viewport().rect()).boundingRect()

    def _keep_current_in_sight(self, animate: bool) -> None:
        """Pan only when the current node would leave the visible area (smoothly on a step)."""
        nid = self.scene.current
        rect = self.scene.node_rect(nid) if nid is not None else None
        if rect is None or self.canvas.viewport().width() < 10:
            return
        m = FOLLOW_MARGIN / max(self.zoom(), 1e-6)
        seen = self.visible_scene_rect()
        if seen.adjusted(m, m, -m, -m).contains(rect):
            return
        start = seen.center()
        # move just enough (plus the margin) on each axis that needs it
        dx = dy = 0.0
        inner = seen.adjusted(m, m, -m, -m)
        if rect.width() > inner.width() or rect.left() < inner.left():
            dx = rect.left() - inner.left()
        elif rect.right() > inner.right():
            dx = rect.right() - inner.right()
        if rect.height() > inner.height() or rect.top() < inner.top():
            dy = rect.top() - inner.top()
        elif rect.bottom() > inner.bottom():
            dy = rect.bottom() - inner.bottom()
        end = QPointF(start.x() + dx, start.y() + dy)
        self._stop_pan()
        if not animate or not self.isVisible():
            self.canvas.centerOn(end)
            return
        anim = QVariantAnimation(self)
        anim.setStartValue(start)
        anim.setEndValue(end)
        anim.setDuration(180)
        anim.setEasingCurve(QEasingCurve.Type.OutCubic)
        anim.valueChanged.connect(self.canvas.centerOn)
        anim.start()
        self._pan = anim

    def _stop_pan(self) -> None:
        if self._pan is not None:
            end = self._pan.endValue()
            self._pan.stop()
            self._pan = None
            self.canvas.centerOn(end)

    def settle(self) -> None:
        """Finish a pan in progress at once (tests, screenshots)."""
        self._stop_pan()

    # ---------------------------------------------------------- groups
    def groups(self) -> list[str]:
        return self.document.groups()

    def is_collapsed(self, path: str) -> bool:
        return self.document.is_collapsed(path)

    def collapse(self, path: str) -> None:
        self._toggle(path, True)

    def expand(self, path: str) -> None:
        self._toggle(path, False)

    def toggle_group(self, path: str) -> None:
        self._toggle(path, not self.document.is_collapsed(path))

    def _toggle(self, path: str, collapsed: bool) -> None:
        doc = self.document
        if path.startswith(FOLD_PREFIX):
            doc.unfold(path)
            return
        if path not in doc.groups() or doc.is_collapsed(path) == collapsed:
            return
        if collapsed:
            doc.collapse(path)
        else:
            doc.expand(path)
        self.groupToggled.emit(path, collapsed)

    # ------------------------------------------------------ selection
    def select(self, node_id: str | None, *, emit: bool = True, center: bool = False) -> None:
        """Highlight a node; with ``emit`` the Inspector (via nodeClicked) follows."""
        doc = self.document
        if node_id is not None and doc.node(node_id) is None:
            return
        if node_id is not None and doc.unit_of(node_id) not in (None, node_id):
            doc.reveal(node_id)  # a node inside a collapsed group: open it to show it
        doc.select(node_id)
        if node_id is None:
            return
        if center:
            self.center_on(node_id)
        if emit:
            self.nodeClicked.emit(doc.node(node_id))

    def selected(self) -> Node | None:
        sel = self.document.selected
        return self.document.node(sel) if sel else None

    def select_name(self, name: str) -> None:
        """Follow a selection made elsewhere (e.g. the Workspace list); emits nothing."""
        self.document.select_name(name)

    def _click_at(self, pos: QPointF) -> None:
        hit = self._hit(pos)
        if hit is None:
            return
        kind, ident = hit
        if kind == "node" and str(ident).startswith(GROUP_PREFIX):
            self._toggle(str(ident)[len(GROUP_PREFIX) :], False)
        elif kind == "node" and str(ident).startswith(FOLD_PREFIX):
            self.document.unfold(str(ident))
        elif kind in ("group", "group-title"):
            if kind == "group-title":
                self.toggle_group(ident)
        elif kind == "node":
            self.select(ident)
        elif kind in ("edge", "edge-note"):
            edge = self.scene.edges[ident][0]
            self.edgeClicked.emit(*self._real_edge(edge.source, edge.target))

    def _real_edge(self, source: str, target: str) -> tuple[str, str]:
        """A drawn edge's real ends (an edge into a collapsed group stands for a real one)."""
        doc = self.document
        if (source, target) in doc.notes or doc.unit_of(source) == source == target:
            return source, target
        for s, t in doc.notes:
            if doc.unit_of(s) == source and doc.unit_of(t) == target:
                return s, t
        return source, target

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
            return self.tr("module <b>{path}</b> (open): click its title to collapse it").format(
                path=html.escape(ident)
            )
        if kind in ("edge", "edge-note"):
            edge = self.scene.edges[ident][0]
            note = self.scene.notes.get((edge.source, edge.target))
            if note:
                return html.escape(note[1] or note[0])
            return gi.edge_text(edge, self.document.node(edge.target)) or edge.kind
        return ""

    def tooltip_for(self, node_id: str) -> str:
        """Rich text for hovering a node: what it is, its shape, and the op's formula."""
        node = self.document.node(node_id)
        if node is None:
            return ""
        if node.kind == "group":
            members = self.document.members_of(node_id)
            return f"<b>{html.escape(node.label)}</b><br>{html.escape(node.note)}<br>" + self.tr(
                "{count} nodes inside · click to open"
            ).format(count=len(members))
        shape = "(" + ", ".join(map(str, node.shape)) + ")" if node.shape is not None else "?"
        lines = []
        if node.kind == "function":
            lines.append(f"<b>{html.escape(node.label)}</b>")
            spec = catalog_op(node.label)
            if spec is not None:
                lines.append(
                    self.tr("backward of <i>{op}</i>: {doc}").format(
                        op=html.escape(spec.label), doc=html.escape(_(spec.doc))
                    )
                )
                lines.append(f"<tt>{html.escape(_(spec.formula))}</tt>")
            lines.append(self.tr("forward output") + f" {shape} {node.dtype or ''}")
        else:
            title = html.escape(node.name or node.label)
            lines.append(f"<b>{title}</b> {shape} {node.dtype or ''}")
            help_key = "cut" if node.cut else node.kind
            help_text = _tr(KIND_HELP[help_key]) if help_key in KIND_HELP else node.kind
            lines.append(html.escape(help_text))
            if node.note and node.kind == "constant":
                lines.append(f"<i>{html.escape(node.note)}</i>")
            base = self.document.node(node.base) if node.base else None
            if base is not None:
                lines.append(
                    self.tr("a view of {base}").format(base=html.escape(base.name or base.label))
                )
        if node.module:
            lines.append(self.tr("module {path}").format(path=html.escape(node.module)))
        return "<br>".join(lines)

    # ------------------------------------------------------------ search
    def find(self, text: str) -> Node | None:
        """Select and centre the best match for ``text``; None (and a note) when nothing matches."""
        graph = self.document.graph
        self._matches = [n.id for n in graph.find(text)] if graph and text else []
        self._match_index = -1
        if not text.strip():
            self.search.setStyleSheet("")
            self._update_status()
            return None
        return self.find_next()

    def find_next(self) -> Node | None:
        text = self.search.text()
        graph = self.document.graph
        if not self._matches and text:
            self._matches = [n.id for n in graph.find(text)] if graph else []
        if not self._matches:
            if text:
                self.status.setText(self.tr("no node matches {text}").format(text=repr(text)))
                self.search.setStyleSheet("QLineEdit { color: #b91c1c; }")
            return None
        self.search.setStyleSheet("")
        self._match_index = (self._match_index + 1) % len(self._matches)
        nid = self._matches[self._match_index]
        self.select(nid, center=True)
        node = self.document.node(nid)
        self.status.setText(
            self.tr("{index} of {count}: {name}").format(
                index=self._match_index + 1, count=len(self._matches), name=node.name or node.label
            )
        )
        return node

    # ------------------------------------------------------ annotations
    # The annotations live in the document; these send them there (the Backward session
    # does the same), and the view redraws from the document's event.
    def set_annotations(
        self,
        current: str | None,
        done: Iterable[str],
        notes: Mapping[tuple[str, str], tuple[str, str]],
    ) -> None:
        """Replace all annotations at once: the node being processed, the finished
        nodes, and the label (text, tooltip) of each edge a gradient crossed."""
        self.document.set_annotations(current, done, notes)

    def set_current(self, node_id: str | None) -> None:
        doc = self.document
        doc.set_annotations(node_id, doc.done, doc.notes)

    def set_done(self, node_ids: Iterable[str]) -> None:
        doc = self.document
        doc.set_annotations(doc.current, node_ids, doc.notes)

    def set_edge_text(self, source: str, target: str, text: str, tooltip: str = "") -> None:
        doc = self.document
        doc.update_annotations(doc.current, doc.done, {(source, target): (text, tooltip)})

    def clear_annotations(self) -> None:
        self.document.clear_annotations()

    def annotations(self) -> tuple[str | None, set[str], dict[tuple[str, str], tuple[str, str]]]:
        """(current, done, notes) as last set (real node ids)."""
        doc = self.document
        return doc.current, set(doc.done), dict(doc.notes)

    def edge_labels(self) -> dict[tuple[str, str], str]:
        """The gradient labels drawn on screen, by edge (labels of hidden edges left out)."""
        return {key: item.childItems()[0].text() for key, item in self.scene.note_items.items()}

    def edge_label_rect(self, source: str, target: str) -> QRectF | None:
        """Where the label of edge source -> target is drawn, in scene coordinates."""
        return self.scene.note_rect(source, target)

    # ------------------------------------------------------------ export
    def export(self, path: str | Path) -> Path:
        """Write the graph as .png / .svg (drawn as on screen) or .dot (torchviz style)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".dot":
            if self.document.graph is None:
                raise ValueError(self.tr("there is no graph to export"))
            path.write_text(self.document.graph.to_dot(), encoding="utf-8")
        elif suffix in (".png", ".svg"):
            export_scene(self.scene, path)
        else:
            raise ValueError(
                self.tr("unknown export format {suffix}: use .png, .svg or .dot").format(
                    suffix=suffix or self.tr("(none)")
                )
            )
        return path

    def _export_dialog(self, suffix: str) -> None:
        kinds = {
            ".png": self.tr("PNG image") + " (*.png)",
            ".svg": self.tr("SVG image") + " (*.svg)",
            ".dot": "DOT (*.dot)",
        }
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export graph"), f"graph{suffix}", kinds[suffix]
        )
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        try:
            self.export(path)
        except (OSError, ValueError) as exc:
            self.status.setText(self.tr("export failed: {error}").format(error=exc))
            return
        self.status.setText(self.tr("exported {file}").format(file=Path(path).name))

    # ------------------------------------------------------- inspection
    def node_count(self) -> int:
        """Boxes drawn (nodes plus collapsed groups), their items made or not."""
        return self.scene.box_count()

    def node_position(self, node_id: str) -> tuple[float, float] | None:
        rect = self.scene.node_rect(node_id)
        return None if rect is None else (rect.center().x(), rect.center().y())

    def node_by_name(self, name: str) -> Node | None:
        graph = self.document.graph
        if graph is None:
            return None
        return next((n for n in graph.nodes if n.name == name and n.kind != "saved"), None)

    def key_of(self, node_id: str) -> str | None:
        return self.document.keys.get(node_id)
