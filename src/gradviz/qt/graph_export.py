"""PNG and SVG of a graph, drawn by gradviz itself (no Graphviz needed).

Used by the view's Export menu and by ``gradviz graph --out x.svg``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QGraphicsScene

from gradviz.core.graph import Graph

PNG_SCALE = 2.0  # pixels per scene unit: crisp on high-DPI screens and in docs
MAX_PNG_SIDE = 16000  # beyond this a PNG is too big to be useful; scale down


def render_png(scene: QGraphicsScene, path: str | Path, scale: float = PNG_SCALE) -> None:
    source = scene.sceneRect()
    side = max(source.width(), source.height()) * scale
    if side > MAX_PNG_SIDE:
        scale *= MAX_PNG_SIDE / side
    size = QSize(max(1, int(source.width() * scale)), max(1, int(source.height() * scale)))
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(0, 0, size.width(), size.height()), source)
    painter.end()
    if not image.save(str(path), "PNG"):
        raise OSError(
            QCoreApplication.translate("GraphExport", "could not write PNG to {path}").format(
                path=path
            )
        )


def render_svg(scene: QGraphicsScene, path: str | Path, title: str = "gradviz graph") -> None:
    from PySide6.QtSvg import QSvgGenerator

    source = scene.sceneRect()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(int(source.width()), int(source.height())))
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle(title)
    generator.setDescription("autograd graph exported by gradviz")
    painter = QPainter(generator)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    scene.render(painter, QRectF(0, 0, source.width(), source.height()), source,
                 Qt.AspectRatioMode.IgnoreAspectRatio)  # fmt: skip
    painter.end()
    if not Path(path).is_file():
        raise OSError(
            QCoreApplication.translate("GraphExport", "could not write SVG to {path}").format(
                path=path
            )
        )


def export_scene(scene: QGraphicsScene, path: str | Path) -> None:
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(
            QCoreApplication.translate(
                "GraphExport", "unknown image format {suffix}: use .png or .svg"
            ).format(suffix=repr(suffix))
        )
    # the file is drawn at full detail, whatever the zoom on screen hides (text, labels)
    detail = getattr(scene, "set_detail", None)
    shown = (getattr(scene, "show_text", True), getattr(scene, "show_edge_labels", True))
    if detail is not None:
        detail(True, True)
    make_all = getattr(scene, "materialize_all", None)
    if make_all is not None:
        make_all()  # a big graph's scene makes items only near the view: the file shows all
    try:
        (render_png if suffix == ".png" else render_svg)(scene, path)
    finally:
        if detail is not None:
            detail(*shown)


def export_graph_image(graph: Graph, path: str | Path, show_saved: bool = True) -> None:
    """Lay out and draw ``graph`` offscreen, then write it as PNG or SVG."""
    from gradviz.core.layout import layout_graph
    from gradviz.qt.graph_scene import GraphScene

    app = QApplication.instance() or QApplication([])  # noqa: F841  (items need an app)
    scene = GraphScene()
    scene.set_graph(graph, layout_graph(graph), show_saved=show_saved)
    export_scene(scene, path)
