"""The Console panel: a ``>>>`` Python console on the workspace, running off the GUI thread.

Built on Python's own ``code``/``codeop`` semantics (see
:mod:`gradviz.core.console_exec`) rather than qtconsole: qtconsole's in-process
kernel runs code on the GUI thread, so a long loop would freeze the window and
could not be stopped. Here each input runs on a :class:`CodeWorker` thread;
Stop (or Ctrl+C) raises ``KeyboardInterrupt`` in that thread, which breaks even
``while True: pass``. When an input ends, the workspace takes in what it bound
on the GUI thread, and every view refreshes from the workspace's events.
"""

from __future__ import annotations

import keyword
import re
import threading

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QRect,
    QSize,
    QStringListModel,
    Qt,
    QThread,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gradviz.core import console_exec
from gradviz.core.lessons import Lesson
from gradviz.core.workspace import CodeError, LoadJob, WorkspaceError
from gradviz.core.workspace_code import CodeRun, UndoJob
from gradviz.qt import workers
from gradviz.qt.workspace_model import WorkspaceModel

WELCOME = QT_TRANSLATE_NOOP(
    "ConsolePanel",
    "# Python console on the workspace: torch, nn, F, np and every tensor are here.\n"
    "# Enter runs a complete input, Shift+Enter adds a line, Tab completes, Up/Down recall,\n"
    "# Ctrl+C (or Stop) interrupts. Every backward() the code calls is recorded.\n",
)


def _mono() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, builtins, strings, numbers, comments and decorators, from regexes.

    Twenty lines instead of a Pygments dependency: a console line is short and
    only needs to read as Python.
    """

    def __init__(self, document) -> None:
        super().__init__(document)
        builtins = r"\b(print|len|range|enumerate|zip|list|dict|tuple|int|float|abs|sum|min|max)\b"
        rules = [
            (r"\b(" + "|".join(keyword.kwlist) + r")\b", "#a626a4", True),
            (builtins, "#0184bc", False),
            (r"\b(torch|nn|F|np)\b", "#c18401", False),
            (r"\b[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?j?\b", "#986801", False),
            (r"@\w+", "#4078f2", False),
            (r"(\"[^\"\n]*\"|'[^'\n]*')", "#50a14f", False),
            (r"#[^\n]*", "#8a8f98", False),
        ]
        self.rules = []
        for pattern, colour, bold in rules:
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            if bold:
                fmt.setFontWeight(QFont.Weight.Bold)
            self.rules.append((re.compile(pattern), fmt))

    def highlightBlock(self, text: str) -> None:  # noqa: N802
        for pattern, fmt in self.rules:  # later rules (strings, comments) win
            for m in pattern.finditer(text):
                self.setFormat(m.start(), m.end() - m.start(), fmt)


class _PromptMargin(QWidget):
    """Draws ``>>>`` beside the first line of the input and ``...`` beside the others."""

    def __init__(self, editor: ConsoleInput) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.editor.fontMetrics().horizontalAdvance(">>> ") + 4, 0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setPen(QColor("#8a8f98"))
        painter.setFont(self.editor.font())
        block = self.editor.firstVisibleBlock()
        offset = self.editor.contentOffset()
        while block.isValid():
            top = self.editor.blockBoundingGeometry(block).translated(offset).top()
            if top > self.height():
                break
            prompt = ">>>" if block.blockNumber() == 0 else "..."
            h = self.editor.fontMetrics().height()
            rect = QRect(2, int(top), self.width(), h)
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft, prompt)
            block = block.next()


class ConsoleInput(QPlainTextEdit):
    """The input box: Enter runs a complete input, otherwise continues with ``...``."""

    submitted = Signal(str)
    interruptRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("console_input")
        self.setFont(_mono())
        self.setTabChangesFocus(False)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setPlaceholderText(
            self.tr("type Python here, e.g. x = torch.ones(3, requires_grad=True)")
        )
        self.highlighter = PythonHighlighter(self.document())
        self.margin = _PromptMargin(self)
        self.setViewportMargins(self.margin.sizeHint().width(), 0, 0, 0)
        self.updateRequest.connect(lambda *_: self.margin.update())
        self.history: list[str] = []
        self._history_pos = 0
        self.namespace_for_completion = dict
        self.completer = QCompleter(self)
        self.completer.setWidget(self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseSensitive)
        self.completer.activated.connect(self._insert_completion)
        self._completion_prefix = ""

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        rect = self.contentsRect()
        width = self.margin.sizeHint().width()
        self.margin.setGeometry(rect.left(), rect.top(), width, rect.height())

    # ------------------------------------------------------------ keys
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key, mods = event.key(), event.modifiers()
        popup = self.completer.popup()
        if popup.isVisible() and key in (
            Qt.Key.Key_Enter, Qt.Key.Key_Return, Qt.Key.Key_Tab, Qt.Key.Key_Escape,
        ):  # fmt: skip
            event.ignore()  # the completer's popup takes these
            return
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if ctrl and key == Qt.Key.Key_C and not self.textCursor().hasSelection():
            self.interruptRequested.emit()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self._newline()
            else:
                self._enter()
            return
        if key == Qt.Key.Key_Tab:
            self._tab()
            return
        cursor = self.textCursor()
        if key == Qt.Key.Key_Up and cursor.blockNumber() == 0:
            self._recall(-1)
            return
        if key == Qt.Key.Key_Down and cursor.blockNumber() == self.blockCount() - 1:
            self._recall(+1)
            return
        super().keyPressEvent(event)

    def _enter(self) -> None:
        text = self.toPlainText()
        lines = text.split("\n")
        if len(lines) > 1 and not lines[-1].strip():
            self._submit(text.rstrip() + "\n")  # an empty line ends a block, as at >>>
        elif console_exec.is_complete(text):
            self._submit(text)
        else:
            self._newline()

    def _newline(self) -> None:
        line = self.textCursor().block().text()
        indent = len(line) - len(line.lstrip(" "))
        if line.rstrip().endswith(":"):
            indent += 4
        self.textCursor().insertText("\n" + " " * indent)

    def _submit(self, text: str) -> None:
        if not text.strip():
            return
        self.history.append(text.rstrip("\n"))
        self._history_pos = len(self.history)
        self.clear()
        self.submitted.emit(text)

    def _recall(self, step: int) -> None:
        if not self.history:
            return
        self._history_pos = max(0, min(len(self.history), self._history_pos + step))
        text = self.history[self._history_pos] if self._history_pos < len(self.history) else ""
        self.setPlainText(text)
        self.moveCursor(QTextCursor.MoveOperation.End)

    # ----------------------------------------------------- completion
    def _tab(self) -> None:
        cursor = self.textCursor()
        before = cursor.block().text()[: cursor.positionInBlock()]
        if not before.strip():
            cursor.insertText("    ")
            return
        match = re.search(r"[\w.]+$", before)
        if not match:
            return
        word = match.group(0)
        found = console_exec.completions(word, self.namespace_for_completion())
        if not found:
            return
        if len(found) == 1:
            self._replace_word(word, found[0])
            return
        common = _common_prefix(found)
        if len(common) > len(word):
            self._replace_word(word, common)
            word = common
        self._completion_prefix = word
        self.completer.setModel(QStringListModel(found, self.completer))
        self.completer.setCompletionPrefix(word)
        rect = self.cursorRect()
        rect.setWidth(260)
        self.completer.complete(rect)

    def _insert_completion(self, text: str) -> None:
        self._replace_word(self._completion_prefix, text)

    def _replace_word(self, word: str, text: str) -> None:
        cursor = self.textCursor()
        cursor.movePosition(
            QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, len(word)
        )
        cursor.insertText(text)
        self.setTextCursor(cursor)


def _common_prefix(words: list[str]) -> str:
    first, last = min(words), max(words)
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    return first[:i]


class CodeWorker(QThread):
    """Runs one console input (a :class:`CodeRun`) off the GUI thread."""

    output = Signal(str)

    def __init__(self, run: CodeRun, parent=None) -> None:
        super().__init__(parent)
        self.code_run = run
        self.ident: int | None = None
        self._started = threading.Event()

    def run(self) -> None:
        self.ident = threading.get_ident()
        self._started.set()
        try:
            self.code_run.execute(write=self.output.emit)
        except BaseException as exc:  # an interrupt that landed just after the user's code
            self.code_run.outcome = console_exec.Outcome(exc, text=console_exec.format_error(exc))

    def interrupt(self) -> bool:
        """Raise KeyboardInterrupt in the running code (at its next bytecode)."""
        if not self._started.wait(5) or self.ident is None or not self.isRunning():
            return False
        return console_exec.interrupt_thread(self.ident)


class UndoWorker(CodeWorker):
    """Replays a history off the GUI thread (it may hold long loops): an undo or redo
    (:class:`UndoJob`), or opening a session file (:class:`LoadJob`)."""

    def __init__(self, job: UndoJob | LoadJob, parent=None) -> None:
        super().__init__(None, parent)  # type: ignore[arg-type]
        self.job = job

    def run(self) -> None:
        self.ident = threading.get_ident()
        self._started.set()
        try:
            self.job.execute()
        except BaseException as exc:  # an interrupt that landed between replayed inputs
            if isinstance(self.job, LoadJob):
                why = self.tr("opening stopped ({0})").format(type(exc).__name__)
            else:
                why = self.tr("undo stopped ({0})").format(type(exc).__name__)
            self.job.error = WorkspaceError(why)


class ConsolePanel(QWidget):
    """Output above, the ``>>>`` input below, Stop on the right."""

    busyChanged = Signal(bool)
    inputFinished = Signal(bool)  # True when the input ran without an error
    sessionOpened = Signal(object, str)  # the path opened by run_load, its note ("" if none)
    openFailed = Signal(str)  # run_load could not open the file: why (nothing changed)

    def __init__(self, model: WorkspaceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.worker: CodeWorker | None = None
        self.lesson: Lesson | None = None
        self.lesson_step = 0  # the step waiting in the input box
        self._pending: list[str] = []
        self.output = QPlainTextEdit(objectName="console_output", readOnly=True)
        self.output.setFont(_mono())
        self.output.setMaximumBlockCount(20000)  # a print in a long loop cannot eat memory
        self.output.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.input = ConsoleInput()
        self.input.namespace_for_completion = self._completion_namespace
        self.stop_button = QPushButton(self.tr("Stop"), objectName="console_stop")
        self.stop_button.setToolTip(
            self.tr("Interrupt the running code (Ctrl+C): KeyboardInterrupt")
        )
        self.stop_button.setEnabled(False)
        self.state = QLabel(self.tr("ready"), objectName="hint")
        self.clear_button = QPushButton(self.tr("Clear"), objectName="console_clear")
        self.clear_button.setToolTip(self.tr("Clear the output (the workspace stays as it is)"))

        # the state may shrink to nothing: beside the Code panel every pixel of width counts
        self.state.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.output.setMinimumWidth(120)
        self.input.setMinimumWidth(120)
        row = QHBoxLayout()
        row.addWidget(self.state, 1)
        row.addWidget(self.clear_button)
        row.addWidget(self.stop_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.output)
        split.addWidget(self.input)
        split.setSizes([300, 70])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(split)

        self.input.submitted.connect(self.run_source)
        self.input.interruptRequested.connect(self._ctrl_c)
        self.stop_button.clicked.connect(self.interrupt)
        self.clear_button.clicked.connect(self.output.clear)
        self._write(self.tr(WELCOME), "#8a8f98")

    # ---------------------------------------------------------- state
    @property
    def busy(self) -> bool:
        return self.worker is not None

    def text(self) -> str:
        return self.output.toPlainText()

    def _completion_namespace(self) -> dict:
        ws = self.model.workspace
        if ws.running is not None:
            return {}  # the namespace is changing on the worker: complete nothing
        return {**ws.namespace, **ws.tensors}

    def set_source(self, source: str) -> None:
        """Put ``source`` in the input box (a lesson, a paste) without running it."""
        self.input.setPlainText(source.rstrip("\n") + "\n")
        self.input.moveCursor(QTextCursor.MoveOperation.End)

    # -------------------------------------------------------- running
    def run_source(self, source: str) -> bool:
        """Echo ``source`` and run it on a worker thread; False if it cannot start now.

        Input typed while code runs waits its turn, as in a terminal.
        """
        if self.busy:
            self._pending.append(source)
            self.state.setText(
                self.tr("running… ({0} input(s) waiting)").format(len(self._pending))
            )
            return True
        self._echo(source)
        try:
            run = self.model.workspace.start_code(source)
        except WorkspaceError as exc:
            self._write(f"{exc}\n", "#e45649")
            return False
        worker = CodeWorker(run, self)
        worker.output.connect(self._write)
        return self._start(worker)

    def run_undo(self, redo: bool = False) -> bool:
        """Undo (or redo) by replaying the history on a worker thread: the window stays
        live, and Stop abandons it (nothing changes)."""
        if self.busy:
            self.model.message.emit(self.tr("The console is still running: wait, or press Stop"))
            return False
        try:
            job = self.model.workspace.start_undo(redo=redo)
        except WorkspaceError as exc:
            self.model.message.emit(str(exc))
            return False
        if redo:
            note = self.tr("redoing: replaying the history… (Stop abandons it)")
        else:
            note = self.tr("undoing: replaying the history… (Stop abandons it)")
        return self._start(UndoWorker(job, self), note)

    def run_load(self, job: LoadJob) -> bool:
        """Open a session file whose code runs, on a worker thread (the window stays live;
        Stop abandons it and nothing changes). ``sessionOpened`` or ``openFailed`` follows."""
        if self.busy:
            self.model.workspace.running = None  # the job never starts
            self.model.message.emit(self.tr("The console is still running: wait, or press Stop"))
            return False
        note = self.tr("opening {0}: running its code… (Stop abandons it)").format(job.path.name)
        return self._start(UndoWorker(job, self), note)

    def _start(self, worker: CodeWorker, note: str = "") -> bool:
        """Track ``worker``, show the console busy (with ``note``, if any), and start it."""
        workers.track(worker)
        worker.finished.connect(self._finished)
        self.worker = worker
        self._set_busy(True)
        if note:
            self.state.setText(note)
        worker.start()
        return True

    def _finished(self) -> None:
        worker, self.worker = self.worker, None
        if worker is None:
            return
        if isinstance(worker, UndoWorker) and isinstance(worker.job, LoadJob):
            try:
                note = self.model.workspace.finish_load(worker.job)
            except WorkspaceError as exc:
                self.openFailed.emit(str(exc))
            else:
                self.sessionOpened.emit(worker.job.path, note or "")
            worker.deleteLater()
            self._set_busy(False)
            return
        if isinstance(worker, UndoWorker):
            try:
                self.model.workspace.finish_undo(worker.job)
            except WorkspaceError as exc:
                if worker.job.redo:
                    self.model.message.emit(self.tr("Could not redo: {0}").format(exc))
                else:
                    self.model.message.emit(self.tr("Could not undo: {0}").format(exc))
            worker.deleteLater()
            self._set_busy(False)
            return
        ok = True
        try:
            self.model.workspace.finish_code(worker.code_run)  # events: the views refresh
        except CodeError as exc:
            ok = False
            self._write(exc.text or f"{exc}\n", "#e45649")
        worker.deleteLater()
        self._set_busy(False)
        self.inputFinished.emit(ok)
        if self.lesson is not None and ok:
            self._next_lesson_step()
        if self._pending:
            self.run_source(self._pending.pop(0))

    def interrupt(self) -> None:
        self._pending.clear()  # what was typed ahead is dropped, as in a terminal
        if self.worker is not None and self.worker.interrupt():
            self.state.setText(self.tr("interrupting…"))

    def _ctrl_c(self) -> None:
        if self.busy:
            self.interrupt()
        else:  # as at >>>: drop the half-typed input
            if self.input.toPlainText().strip():
                self._write("KeyboardInterrupt\n", "#e45649")
            self.input.clear()

    def _set_busy(self, busy: bool) -> None:
        self.stop_button.setEnabled(busy)
        self.state.setText(
            self.tr("running… (Stop or Ctrl+C interrupts)") if busy else self.tr("ready")
        )
        self.busyChanged.emit(busy)

    def shutdown(self) -> None:
        """Stop running code before the window closes (a thread is interrupted, never killed)."""
        self._pending.clear()
        worker = self.worker
        if worker is None:
            return
        while worker.isRunning():
            worker.interrupt()
            worker.wait(200)
        self._finished()

    # -------------------------------------------------------- lessons
    def start_lesson(self, lesson: Lesson) -> None:
        """Show the lesson's intro and put its first step in the input: Enter runs each step."""
        self.lesson, self.lesson_step = lesson, -1
        self._write(
            self.tr("\n# Lesson: {0}\n# {1}\n").format(lesson.title, lesson.intro), "#8a8f98"
        )
        self._next_lesson_step()

    def _next_lesson_step(self) -> None:
        lesson = self.lesson
        if lesson is None:
            return
        self.lesson_step += 1
        if self.lesson_step >= len(lesson.steps):
            self._write(self.tr("# Lesson done: {0}\n").format(lesson.title), "#8a8f98")
            self.lesson = None
            return
        step = lesson.steps[self.lesson_step]
        n = len(lesson.steps)
        self._write(
            self.tr("# step {0}/{1}: {2}\n").format(self.lesson_step + 1, n, step.explanation),
            "#50a14f",
        )
        self.set_source(step.code)
        self.input.setFocus()

    # -------------------------------------------------------- output
    def _echo(self, source: str) -> None:
        lines = source.rstrip("\n").split("\n")
        shown = "\n".join((">>> " if i == 0 else "... ") + line for i, line in enumerate(lines))
        self._write(shown + "\n", "#4078f2")

    def _write(self, text: str, colour: str | None = None) -> None:
        cursor = self.output.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        fmt = QTextCharFormat()
        if colour:
            fmt.setForeground(QColor(colour))
        cursor.insertText(text, fmt)
        self.output.setTextCursor(cursor)
        self.output.ensureCursorVisible()
