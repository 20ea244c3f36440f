"""The app's end of live attach: a QTcpServer on 127.0.0.1 that takes watched runs in.

Each connection must open with a hello carrying the token the app wrote to the user's
config folder (:func:`gradviz.core.training.watch.protocol.publish`); anything else
closes it. After that every frame is one record, turned into a
:class:`~gradviz.core.training.report.Report`. A malformed record is dropped with a log
line and the connection goes on; a frame over the size limit, or bytes that cannot be
framed, close that connection (the script keeps training and writing its folder). All of
this runs on the GUI thread and costs microseconds per record: records come a few
times a second.
"""

from __future__ import annotations

import hmac
import logging
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QHostAddress, QTcpServer, QTcpSocket

from gradviz.core.backward_wire import trace_from_wire
from gradviz.core.graph_wire import graph_from_wire
from gradviz.core.training.watch import protocol as P
from gradviz.core.training.watch.record import RecordError, to_report

log = logging.getLogger(__name__)

DEFAULT_PORT = 47300  # fixed, so an SSH tunnel can name it; another free port if taken
MAX_CLIENTS = 64


class _Client:
    def __init__(self, sock: QTcpSocket) -> None:
        self.sock = sock
        self.reader = P.FrameReader()
        self.run_id: str | None = None


class RunServer(QObject):
    runStarted = Signal(str, str, str)  # run id, name, folder (may be "")
    runReport = Signal(str, object)  # run id, Report
    runEnded = Signal(str)  # run id: the script closed the run, or the connection dropped
    # run id, step, Graph, DataTrace or None: the reply to request_inspect (the trace is
    # that step's backward, recorded in the script, for the Backward panel to step through)
    runGraph = Signal(str, int, object, object)
    runNote = Signal(str, str)  # run id, a plain line from the script (e.g. "inspecting the next")
    runGraphFailed = Signal(str, str)  # run id, why (the script could not capture it)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server = QTcpServer(self)
        self._server.newConnection.connect(self._accept)
        self._clients: dict[int, _Client] = {}
        self._token: str | None = None
        self._count = 0
        self.dropped = 0  # messages refused (for tests and the status line)
        self.refused = 0  # connections refused

    @property
    def port(self) -> int:
        return int(self._server.serverPort())

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def start(self, port: int | None = None) -> bool:
        """Listen on 127.0.0.1 and publish the port and a fresh token; False if impossible."""
        if self.listening:
            return True
        wanted = port if port is not None else int(os.environ.get("GRADVIZ_PORT", DEFAULT_PORT))
        local = QHostAddress(QHostAddress.SpecialAddress.LocalHost)
        if not self._server.listen(local, wanted) and not self._server.listen(local, 0):
            log.warning("live attach is off: %s", self._server.errorString())
            return False
        try:
            self._token = P.publish(self.port)
        except OSError as exc:
            log.warning("live attach is off: cannot write %s (%s)", P.live_file(), exc)
            self._server.close()
            return False
        return True

    def stop(self) -> None:
        if self._token is not None:
            P.unpublish(self._token)
            self._token = None
        for client in list(self._clients.values()):
            client.sock.abort()
        self._clients.clear()
        self._server.close()

    def request_inspect(self, run_id: str) -> bool:
        """Ask a live run for its next step's loss graph (it comes as ``runGraph``)."""
        client = next((c for c in self._clients.values() if c.run_id == run_id), None)
        if client is None:
            return False
        return client.sock.write(P.encode({"type": "inspect"})) > 0

    # -- connections ------------------------------------------------------------------
    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            if len(self._clients) >= MAX_CLIENTS:
                log.warning("live attach: too many scripts connected, refusing one")
                self.refused += 1
                sock.abort()
                continue
            client = _Client(sock)
            self._clients[id(sock)] = client
            sock.readyRead.connect(lambda c=client: self._read(c))
            sock.disconnected.connect(lambda c=client: self._gone(c))

    def _gone(self, client: _Client) -> None:
        self._clients.pop(id(client.sock), None)
        if client.run_id is not None:
            self.runEnded.emit(client.run_id)
            client.run_id = None
        client.sock.deleteLater()

    def _drop_connection(self, client: _Client, why: str) -> None:
        log.warning("live attach: closing a connection: %s", why)
        self.refused += 1
        client.sock.abort()

    def _read(self, client: _Client) -> None:
        data = bytes(client.sock.readAll().data())
        try:
            frames = client.reader.feed(data)
        except P.ProtocolError as exc:  # an oversized frame: the stream cannot be resynced
            self.dropped += 1
            self._drop_connection(client, str(exc))
            return
        for body in frames:
            try:
                message = P.decode(body)
            except P.ProtocolError as exc:
                self.dropped += 1
                log.warning("live attach: dropped a malformed message (%s)", exc)
                if client.run_id is None:
                    self._drop_connection(client, "no hello")
                    return
                continue
            if client.run_id is None:
                if not self._hello(client, message):
                    return
                continue
            self._message(client, message)

    def _hello(self, client: _Client, message: dict) -> bool:
        token = message.get("token")
        ok = (
            message.get("type") == "hello"
            and isinstance(token, str)
            and self._token is not None
            and hmac.compare_digest(token.encode(), self._token.encode())
        )
        if not ok:
            self.dropped += 1
            self._drop_connection(client, "no valid token (unauthenticated client refused)")
            return False
        self._count += 1
        name = str(message.get("run") or self.tr("run {0}").format(self._count))[:200]
        folder = message.get("folder")
        client.run_id = f"live-{self._count}"
        self.runStarted.emit(client.run_id, name, folder if isinstance(folder, str) else "")
        return True

    def _message(self, client: _Client, message: dict) -> None:
        kind = message.get("type")
        if kind == "bye":
            run_id, client.run_id = client.run_id, None
            self.runEnded.emit(run_id)
            return
        if kind == "graph":
            self._graph(client, message)
            return
        if kind == "note" and isinstance(message.get("text"), str):
            self.runNote.emit(client.run_id, message["text"][:300])
            return
        if kind != "record":
            self.dropped += 1
            log.warning("live attach: dropped a message of unknown type %r", str(kind)[:40])
            return
        try:
            report = to_report(message)
        except RecordError as exc:
            self.dropped += 1
            log.warning("live attach: dropped a malformed record (%s)", exc)
            return
        self.runReport.emit(client.run_id, report)

    def _graph(self, client: _Client, message: dict) -> None:
        step = message.get("step")
        if isinstance(message.get("error"), str):
            self.runGraphFailed.emit(client.run_id, message["error"][:200])
            return
        try:
            graph = graph_from_wire(message.get("graph"))
        except ValueError as exc:
            self.dropped += 1
            log.warning("live attach: dropped a malformed graph (%s)", exc)
            return
        trace = None
        if message.get("trace") is not None:
            try:
                trace = trace_from_wire(message["trace"])
            except ValueError as exc:  # the graph alone is still worth showing
                self.dropped += 1
                log.warning("live attach: dropped a malformed backward record (%s)", exc)
        self.runGraph.emit(client.run_id, step if isinstance(step, int) else -1, graph, trace)
