"""The graph view, the Backward panel and the op palette in Chinese: built after the
language is chosen, driven to what a learner sees (mid-backward, a search that finds
nothing, an op applied), and read back for English prose left untranslated.

Some texts in these panels come from core (the card's rule notes and verdict, the
gradient check's title, a cut tensor's note, the broadcast explanation): core has
catalogs and tests of its own, so here those pieces are taken out of a text before
the rest of it is read.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit
from tests.qt.chinese import CODE, KEEP, english_leftovers, english_prose, visible_texts

from gradviz.core.gradcheck import check_title
from gradviz.core.graph import Edge
from gradviz.core.ops import OPS
from gradviz.core.workspace import Workspace
from gradviz.qt import graph_items as gi
from gradviz.qt.backward_panel import BackwardPanel
from gradviz.qt.graph_view import GraphView
from gradviz.qt.op_palette import OpPalette
from gradviz.qt.workspace_model import WorkspaceModel

# The fields' own hints ("a tensor or a number") are param_fields' words, translated with
# the tensor form; they are read here once that module has its catalog.
FIELD_HINTS_TRANSLATED = (
    Path(__file__).resolve().parents[2] / "resources/translations/zh_CN/qt.param_fields.ts"
).exists()


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def untranslated_words(root, *core_texts: str) -> list[str]:
    """Visible texts made only of English words, even one ("Step", "Fit", "leaf"): the
    prose check wants two in a row, and most buttons and chips say one. Code stays."""
    skip = {t for t in core_texts if t}
    found = []
    for where, text in visible_texts(root):
        if text in skip or has_chinese(text) or ".item" in where:  # combo items: tensor names
            continue
        words = [w for w in CODE.sub(" ", text.replace("&", "")).split() if w not in KEEP]
        if any(re.fullmatch(r"[A-Za-z]{2,}", w) for w in words):
            found.append(f"{where}: {text!r}")
    return found


def without(text: str, *parts: str) -> str:
    """``text`` with the pieces that core wrote taken out (plain and HTML-escaped)."""
    for part in parts:
        if part:
            text = text.replace(html.escape(part), " ").replace(part, " ")
    return text


def leftovers_except(root, *core_texts: str) -> list[str]:
    """english_leftovers(root), less the texts that are core's words as a whole."""
    skip = {t for t in core_texts if t}
    return [line for line in english_leftovers(root) if not any(repr(t) in line for t in skip)]


@pytest.fixture
def ws():
    """x is used three times (its row lists "… 1 more"); d is cut off by detach."""
    w = Workspace()
    w.create("x", "tensor", {"data": "[1., 2., 3.]"}, requires_grad=True)
    w.create("w", "tensor", {"data": "[0.5, -1., 2.]"}, requires_grad=True)
    w.apply("mul", "y", {"a": "x", "b": "w"})
    w.apply("sigmoid", "s", {"input": "x"})
    w.apply("detach", "d", {"input": "x"})
    w.apply("mul", "e", {"a": "d", "b": "x"})
    w.apply("add", "z", {"a": "y", "b": "s"})
    w.apply("add", "u", {"a": "z", "b": "e"})
    w.apply("sum", "loss", {"input": "u"})
    return w


def shown(qtbot, *widgets, size=(640, 720)):
    for widget in widgets:
        qtbot.addWidget(widget)
        widget.resize(*size)
        widget.show()
    qtbot.wait(20)  # let word-wrapped labels and the card take their height


def test_backward_panel_and_graph_mid_backward_are_chinese(qtbot, chinese, ws):
    view = GraphView(ws)
    panel = BackwardPanel(ws, view.document)
    shown(qtbot, view, panel)
    assert english_leftovers(panel) == []  # before any run: the hint in the card

    panel.set_root("loss")
    panel.run_backward()
    assert has_chinese(panel.card.body.text())  # the seed waits: "press Step"
    for _ in range(3):
        panel.step()
    panel.toggle_play()  # playing: the button says Pause
    assert english_prose(panel.play_button.text()) == [] and has_chinese(panel.play_button.text())
    panel.stop()
    session = panel.session
    assert 0 < session.replay.position < len(session.replay)  # mid-backward

    card = panel.card.card
    core_words = (card.note, card.check.text())
    body = without(panel.card.body.text(), *core_words)
    assert english_prose(body) == [], body  # "backward of", "this step:"
    cut_lines = session.cut_hints()
    assert cut_lines and panel.cuts.isVisible()
    assert english_prose(without(panel.cuts.text(), *cut_lines)) == []
    assert panel.hint_box.isVisible() and has_chinese(panel.hint.text())  # not leaves
    core_fed = (panel.card.body.text(), panel.cuts.text())
    assert leftovers_except(panel, *core_fed) == []
    assert untranslated_words(panel, *core_fed) == []  # Reset, Back, Step, End, Play

    # the Leaves table: headers, and a row whose contributions outnumber what is shown
    leaves = panel.leaves
    headers = [leaves.horizontalHeaderItem(c).text() for c in range(leaves.columnCount())]
    assert [h for h in headers if english_prose(h)] == [] and has_chinese(headers[0])
    pending = False
    while True:  # every step to the end: "(pending)" rows on the way, "… 1 more" at the end
        rows, tips = leaves.row_texts(), leaves.row_tips()
        for name in rows:
            for text in rows[name] + tips[name]:
                assert english_prose(text) == [], (name, text)
        for cells in rows.values():
            if len(cells[3].splitlines()) > 1:  # "(pending)" under the value
                pending = True
                assert has_chinese(cells[3].splitlines()[1]), cells[3]
        if not panel.step():
            break
    assert pending
    assert "… " in rows["x"][2] and has_chinese(rows["x"][2])  # … 1 more

    # the numerical check: PASS and the method are ours, its title is core's
    panel.check_leaf.setCurrentText("x")
    panel.check_gradient()
    result_title = panel.check_note.text()
    assert has_chinese(result_title)
    title = check_title("loss", "x", True)
    assert english_prose(without(result_title, title)) == []
    headers = [panel.check_table.horizontalHeaderItem(c).text() for c in range(3)]
    assert all(has_chinese(h) for h in headers)

    # the graph: toolbar, legend, export menu, and the tooltip of every node
    assert english_leftovers(view) == []
    assert untranslated_words(view, view.document.status_text()) == []  # Fit, the legend
    for node in view.document.graph.nodes:
        tip = view.tooltip_for(node.id)
        if node.kind != "function" or OPS.get(node.label) is None:
            tip = without(tip, node.note)  # a constant's note is core's
        assert english_prose(tip) == [], tip
    assert has_chinese(view.tooltip_for(next(n.id for n in view.document.graph.nodes)))


def test_graph_view_states_are_chinese(qtbot, chinese, ws, tmp_path):
    empty = GraphView(Workspace())
    shown(qtbot, empty)
    assert empty.empty_hint.isVisible() and has_chinese(empty.empty_hint.text())
    assert english_leftovers(empty) == []
    assert untranslated_words(empty) == []

    view = GraphView(ws)
    shown(qtbot, view)
    view.search.setText("nothing-by-this-name")
    view.find_next()
    assert has_chinese(view.status.text())  # no node matches
    view.search.setText("loss")
    view.find(view.search.text())
    assert english_prose(view.status.text()) == [] and has_chinese(view.status.text())
    with pytest.raises(ValueError) as failed:
        view.export(tmp_path / "graph.bmp")
    assert has_chinese(str(failed.value))

    # a graph from outside the workspace: the banner and its button
    view.document.show_external(view.document.graph, "")
    assert view.banner.isVisibleTo(view)
    assert english_leftovers(view) == []

    # words drawn in the scene itself
    for kind in ("view", "cut"):
        assert has_chinese(gi.edge_text(Edge("a", "b", kind=kind), None))
    _box, texts = gi.make_collapsed("net.0", 12, (0.0, 0.0))
    assert has_chinese(texts[1].text())


@pytest.mark.filterwarnings("ignore:Using a target size")  # mse_loss of (3,) vs (2, 3)
def test_op_palette_is_chinese(qtbot, chinese):
    model = WorkspaceModel()
    palette = OpPalette(model)
    shown(qtbot, palette, size=(360, 720))
    assert palette.broadcast.text() and has_chinese(palette.broadcast.text())  # no tensors yet
    ws = model.workspace
    ws.create("x", "tensor", {"data": "[[1., 2., 3.], [4., 5., 6.]]"}, requires_grad=True)
    ws.create("b", "tensor", {"data": "[10., 20., 30.]"}, requires_grad=True)
    model.changed.emit(None)  # the model tells the palette, as after a real action

    # the tree: group names translated; op labels are code and stay
    tree = palette.tree
    for g in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(g)
        assert has_chinese(group.text(0)), group.text(0)
        for i in range(group.childCount()):
            _label, doc, _formula = group.child(i).toolTip(0).split("\n", 2)  # label, formula: code
            assert english_prose(doc) == [] and has_chinese(doc), doc

    # every op's form: title, description, formula, field labels and their help
    for name in OPS:
        palette.select_op(name)
        # core's: the broadcast explanation, and the formula (pure maths like
        # "outᵢ = aᵢ if condᵢ else bᵢ" stays; core.ops.po translates those with words)
        others = [palette.broadcast.text(), palette.formula.text()]
        if not FIELD_HINTS_TRANSLATED:
            edits = palette._form_box.findChildren(QLineEdit)
            others += [e.placeholderText() for e in edits if e is not palette.out_name]
        assert leftovers_except(palette, *others) == [], name
        # the formula, the code line and the parameters' names (torch's keywords) stay
        code = [palette.formula.text(), palette.code_preview.text()]
        code += [f.param.name for f in palette.fields]
        assert untranslated_words(palette, *others, *code) == [], name  # Apply
        assert has_chinese(palette.doc.text()), name

    palette.select_op("add")
    palette.field("a").set_text("x")
    palette.field("b").set_text("b")
    messages: list[str] = []
    model.message.connect(messages.append)
    assert palette.apply()
    assert has_chinese(messages[-1]) and english_prose(messages[-1]) == []
    assert messages[-1].startswith("已应用 a + b")

    palette.select_op("add_")  # in place: the result name says what it changes
    assert has_chinese(palette.out_name.placeholderText())

    palette.select_op("add")
    palette.field("a").set_text("2")
    palette.field("b").set_text("3")
    assert not palette.apply()
    assert has_chinese(palette.error.text())  # numbers alone make no tensor

    palette.search_box.setText("zzzz")
    assert has_chinese(palette.error.text())  # no op matches
    palette.search_box.setText("")
    assert palette.error.text() == ""  # the same words clear it in Chinese too
    model.close()
