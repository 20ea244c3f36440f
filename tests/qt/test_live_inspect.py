""" "Inspect this step" for a script attached live: the script sends its loss graph."""

from __future__ import annotations

import logging
import threading

import pytest
import torch
from PySide6.QtCore import Qt
from torch import nn

from gradviz.core.graph import capture_module
from gradviz.core.graph_wire import graph_from_wire, graph_to_wire
from gradviz.core.training.watch import run as W
from gradviz.core.training.watch import step_capture as I
from gradviz.qt.main_window import MainWindow

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def quick_reconnect(monkeypatch):
    monkeypatch.setattr(W, "RECONNECT_S", 0.05)
    monkeypatch.setattr(W, "DRAIN_S", 0.02)


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    yield w
    w.training_panel.shutdown()


class Script:
    """A training script that keeps stepping on its own thread until told to stop."""

    def __init__(self, tmp_path) -> None:
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
        self.opt = torch.optim.SGD(self.net.parameters(), lr=0.05)
        self.x = torch.randn(16, 2)
        self.y = self.x.sum(dim=1, keepdim=True)
        self.run = W.watch(self.net, self.opt, name="live", logdir=tmp_path, every=1)
        self.grads: dict[int, dict[str, torch.Tensor]] = {}  # torch's own .grad, by step
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._train)
        self.thread.start()

    def _train(self) -> None:
        try:
            while not self.stop.is_set():
                loss = nn.functional.mse_loss(self.net(self.x), self.y)
                self.opt.zero_grad()
                loss.backward()
                grads = {f"net.{n}": p.grad.clone() for n, p in self.net.named_parameters()}
                self.opt.step()
                self.run.log(loss=loss)
                self.grads[self.run.step] = grads
                self.stop.wait(0.01)
            self.run.close()
        except BaseException as exc:  # the test fails on it below
            self.error = exc

    def end(self) -> None:
        self.stop.set()
        self.thread.join(60)
        assert self.error is None, self.error


def test_inspect_a_live_run_shows_its_loss_graph_by_module(qtbot, window, tmp_path):
    panel = window.training_panel
    window.tabs.setCurrentWidget(panel)
    script = Script(tmp_path)
    try:
        qtbot.waitUntil(
            lambda: any(e.kind == "attached" for e in panel.runs.entries.values()), timeout=20_000
        )
        key = next(k for k, e in panel.runs.entries.items() if e.kind == "attached")
        panel.runs.set_current(key)
        assert panel.inspect_button.isEnabled()
        qtbot.mouseClick(panel.inspect_button, Qt.MouseButton.LeftButton)
        doc = window.graph_document
        qtbot.waitUntil(lambda: doc.external, timeout=20_000)
    finally:
        script.end()
    graph = doc.graph
    # the oracle: the same model captured in this process by the demo's own capture
    expected = capture_module(
        script.net, script.x, loss=lambda out: nn.functional.mse_loss(out, script.y)
    )
    assert set(graph.modules()) == set(expected.modules()) >= {"net.0", "net.2"}
    assert sorted(n.label for n in graph.nodes if n.kind == "function") == sorted(
        n.label for n in expected.nodes if n.kind == "function"
    )
    assert {n.name for n in graph.nodes if n.kind == "leaf"} >= {"net.0.weight", "net.2.bias"}
    assert window.tabs.currentIndex() == 0  # the graph view, with its banner
    banner = window.graph_view.banner_text.text()
    assert "live step" in banner and "recorded its backward" in banner
    notes = {n.module: n.note for n in doc.visible.nodes if n.kind == "group"}
    first = sum(p.numel() for p in script.net[0].parameters())
    assert any(note.startswith(f"{first:,} params") for note in notes.values()), notes
    assert "Backward panel" in panel.message.text()
    window.grab().save(str(tmp_path / "live_inspect.png"))
    panel.grab().save(str(tmp_path / "live_panel.png"))
    # the folder keeps records only: the graph went to the app
    lines = (tmp_path / "live" / "events.jsonl").read_text().splitlines()
    assert lines and all('"type":"record"' in line for line in lines)


def test_a_malformed_graph_is_dropped_with_a_log_line(qtbot, window, caplog):
    server = window.training_panel.server
    shown = []
    server.runGraph.connect(lambda *a: shown.append(a))
    client = type("C", (), {"run_id": "live-9"})()
    with caplog.at_level(logging.WARNING):
        server._message(client, {"type": "graph", "step": 3, "graph": {"nodes": [{"id": 1}]}})
    assert not shown and server.dropped == 1
    assert "dropped a malformed graph" in caplog.text
    assert not window.graph_document.external


def test_graph_wire_round_trip_keeps_modules_and_edges():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    g = capture_module(net, torch.randn(5, 3), loss=lambda out: out.square().mean())
    back = graph_from_wire(graph_to_wire(g))
    assert [n.to_json() for n in back.nodes] == [n.to_json() for n in g.nodes]
    assert [(e.source, e.target, e.kind) for e in back.edges] == [
        (e.source, e.target, e.kind) for e in g.edges
    ]
    assert back.roots == g.roots and back.module_info == g.module_info


def test_a_graph_too_big_to_send_is_refused_in_plain_words(qtbot, window, tmp_path, monkeypatch):
    from gradviz.core.training.watch import protocol as P

    panel = window.training_panel
    script = Script(tmp_path)
    try:
        qtbot.waitUntil(
            lambda: any(e.kind == "attached" for e in panel.runs.entries.values()), timeout=20_000
        )
        key = next(k for k, e in panel.runs.entries.items() if e.kind == "attached")
        panel.runs.set_current(key)
        huge = {"nodes": [], "edges": [], "pad": "x" * (P.MAX_FRAME + 1)}
        monkeypatch.setattr(I, "graph_to_wire", lambda graph: huge)  # over one frame
        panel.inspect()
        qtbot.waitUntil(lambda: "graph too big" in panel.message.text(), timeout=20_000)
    finally:
        script.end()
    assert not window.graph_document.external and script.run.inspected == 1


def test_step_through_a_live_scripts_backward_as_through_a_local_one(qtbot, window, tmp_path):
    """The script records the inspected step's backward; the Backward panel steps through
    it with its own buttons, and every leaf ends with the .grad torch gave in the script."""
    panel = window.training_panel
    bw = window.backward_panel
    window.tabs.setCurrentWidget(panel)
    script = Script(tmp_path)
    try:
        qtbot.waitUntil(
            lambda: any(e.kind == "attached" for e in panel.runs.entries.values()), timeout=20_000
        )
        key = next(k for k, e in panel.runs.entries.items() if e.kind == "attached")
        panel.runs.set_current(key)
        qtbot.mouseClick(panel.inspect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bw.trace is not None, timeout=20_000)
    finally:
        script.end()
    trace = bw.trace
    step = int(panel.message.text().split("step ")[1].split(":")[0].replace(",", ""))
    want = script.grads[step]
    assert {leaf.name for leaf in trace.leaves.values()} == set(want)
    for leaf in trace.leaves.values():
        assert torch.allclose(leaf.after, want[leaf.name], atol=1e-7), leaf.name
    assert not bw.run_button.isEnabled()  # a remote pass: stepped through, not run again
    total = len(trace.steps)
    assert bw.progress.text() == f"step 0 / {total}"
    for _ in range(3):
        qtbot.mouseClick(bw.step_button, Qt.MouseButton.LeftButton)
    assert bw.progress.text().startswith(f"step 3 / {total}: ")
    doc = window.graph_document
    assert doc.current == trace.steps[2].node or doc.unit_of(trace.steps[2].node) == doc.current
    assert doc.notes  # gradients written on the edges they crossed
    qtbot.mouseClick(bw.end_button, Qt.MouseButton.LeftButton)
    rows = bw.leaves.row_texts()
    bias = want["net.2.bias"]
    assert rows["net.2.bias"][3] == f"[{float(bias[0]):.4g}]"
    assert "recorded it" in bw.root_label.text()
    qtbot.wait(200)  # let the leaf table settle its row heights before the picture
    window.grab().save(str(tmp_path / "live_backward.png"))
    bw.grab().save(str(tmp_path / "live_backward_panel.png"))


def test_a_scripts_note_and_a_bad_backward_record_reach_the_user(qtbot, window, caplog):
    """ "The step's graph is gone" arrives as one plain line; a graph whose backward record
    does not decode still shows (shape only), and the bad record is logged and counted."""
    panel = window.training_panel
    server = panel.server
    client = type("C", (), {"run_id": "live-7"})()
    text = "step 4's graph is gone: its backward went around loss.backward(); inspecting the next"
    server._message(client, {"type": "note", "step": 4, "text": text})
    assert panel.message.text().endswith(text)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    graph = capture_module(net, torch.randn(4, 2), loss=lambda out: out.square().mean())
    bad = {"steps": [{"node": 5}], "leaves": []}
    with caplog.at_level(logging.WARNING):
        server._message(
            client, {"type": "graph", "step": 5, "graph": graph_to_wire(graph), "trace": bad}
        )
    assert server.dropped == 1 and "malformed backward record" in caplog.text
    assert window.graph_document.external and window.backward_panel.trace is None
    assert "no values to step" in window.graph_view.banner_text.text()
