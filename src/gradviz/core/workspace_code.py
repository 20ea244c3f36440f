"""The console half of the Workspace: run user code in the workspace namespace.

A console input is one more history entry (``Action("code", args={"source":
...})``), so undo, redo, the Code panel, export and session files treat it
like a palette action. The global RNG states are recorded before each input
and restored when it is replayed, so undo (which replays the history from an
empty workspace) rebuilds exactly the same values.

After each input, every public module-level tensor in the namespace is a
workspace tensor under its variable name, and ``nn.Module``s, optimizers and
NumPy arrays are listed as :attr:`objects`. ``backward_calls`` lists every
backward call the code made (see :mod:`gradviz.core.recording`).

Running is split in three so the GUI can run the middle part on a worker
thread: :meth:`start_code` (GUI thread), :meth:`CodeRun.execute` (any
thread), :meth:`finish_code` (GUI thread, emits the events).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from gradviz.core import console_exec
from gradviz.core.graph import tag_modules
from gradviz.core.recorded_calls import script_names
from gradviz.core.recording import BackwardRecorder, CallLog, RecordedCall, frame_locator

ENTRY_TYPES = (nn.Module, torch.optim.Optimizer, np.ndarray)
CODE_HEADER = "import numpy as np\nfrom torch import nn\n"


def base_namespace() -> dict[str, Any]:
    return {"__name__": "__console__", "__builtins__": __builtins__,
            "torch": torch, "nn": nn, "F": F, "np": np}  # fmt: skip


def _public(name: str) -> bool:
    return not name.startswith("_")


def shares_memory(array: np.ndarray, tensors: dict[str, torch.Tensor]) -> list[str]:
    """Names of the CPU tensors whose memory ``array`` shares (``from_numpy``, ``.numpy()``)."""
    out = []
    for name, t in tensors.items():
        if t.device.type != "cpu" or t.numel() == 0 or array.size == 0:
            continue
        try:
            if np.shares_memory(array, t.detach().numpy()):
                out.append(name)
        except (TypeError, RuntimeError):  # a dtype NumPy has no view of
            continue
    return out


def _grad_of(t: torch.Tensor) -> torch.Tensor | None:
    """``t.grad`` without PyTorch's warning for a non-leaf that does not retain its grad."""
    return t.grad if t.is_leaf or t.retains_grad else None


class CodeRun:
    """One console input on its way through: made by start_code, run by execute."""

    def __init__(self, ws: Any, source: str, index: int, rng: dict[str, Any]) -> None:
        self.ws = ws
        self.source = source
        self.index = index
        self.rng = rng
        self.filename = console_exec.console_filename(index)
        self.outcome: console_exec.Outcome | None = None

    def execute(self, write: Callable[[str], Any] | None = None) -> console_exec.Outcome:
        """Run the code (any thread); every backward call it makes is recorded."""
        ns = self.ws.namespace
        log: CallLog = self.ws._call_log

        def on_call(call: RecordedCall) -> None:
            call.input_index = self.index
            call.modules = {n: v for n, v in ns.items() if isinstance(v, nn.Module)}
            log.add(call)

        # tensors by name, and each bound module's parameters as net.0.weight (never an id)
        recorder = BackwardRecorder(
            on_call, lambda: script_names(ns), frame_locator(console_exec.is_console_file)
        )
        # tag what each module's forward makes, so the graph view can frame it by module
        # path (as capture_module does); only this thread's forwards, only while code runs
        with recorder, tag_modules(thread=threading.get_ident()):
            self.outcome = console_exec.execute(self.source, ns, self.filename, write)
        return self.outcome


class UndoJob:
    """Undo (or redo) as a job: rebuild a history in a fresh workspace.

    Undo replays the history minus its last entry; redo the history plus the
    last undone action (the same state a redo in place gives: replay is exact).
    :meth:`execute` may run on any thread (it touches only the fresh workspace);
    :meth:`CodeMixin.finish_undo` then swaps the result in on the GUI thread.
    """

    def __init__(self, ws: Any, redo: bool = False) -> None:
        self.ws = ws
        self.redo = redo
        self.actions = [*ws.history, ws._redo[-1]] if redo else list(ws.history[:-1])
        self.fresh: Any = None
        self.error: Exception | None = None

    def execute(self) -> None:
        from gradviz.core.workspace import Workspace, WorkspaceError

        fresh = Workspace()
        try:
            for action in self.actions:
                fresh.run_action(action)
        except WorkspaceError as exc:
            self.error = exc
            return
        self.fresh = fresh


class CodeMixin:
    """Console code in the Workspace. Mixed into :class:`gradviz.core.workspace.Workspace`."""

    tensors: dict[str, torch.Tensor]
    history: list[Any]

    def _init_code(self) -> None:
        self.namespace: dict[str, Any] = base_namespace()
        self.objects: dict[str, Any] = {}  # modules, optimizers, arrays, by variable name
        self._call_log = CallLog()
        self._inputs = 0  # console inputs run so far (names their code <console-N>)
        self.running: CodeRun | None = None

    # --------------------------------------------------------- queries
    @property
    def backward_calls(self) -> list[RecordedCall]:
        return self._call_log.calls

    @property
    def has_code(self) -> bool:
        return any(a.kind == "code" for a in self.history)

    def input_names(self) -> list[str]:
        """What the palette offers as a tensor input: every tensor, and ``x.grad`` where set."""
        grads = [f"{n}.grad" for n, t in self.tensors.items() if _grad_of(t) is not None]
        return [*self.tensors, *grads]

    def _grad_arg(self, name: str, what: str) -> torch.Tensor:
        from gradviz.core.workspace import WorkspaceError

        grad = _grad_of(self.tensors[name])
        if grad is None:
            raise WorkspaceError(f"{what}: {name}.grad is None: run backward first")
        return grad

    def sharing(self, name: str) -> list[str]:
        """For a listed NumPy array: the tensors that share its memory."""
        value = self.objects.get(name)
        return shares_memory(value, self.tensors) if isinstance(value, np.ndarray) else []

    def _check_idle(self) -> None:
        if self.running is not None:
            from gradviz.core.workspace import WorkspaceError

            raise WorkspaceError("console code is running: wait for it, or press Stop")

    # ---------------------------------------------------------- running
    def run_code(self, source: str, *, write: Callable[[str], Any] | None = None) -> None:
        """Run ``source`` in the workspace namespace, like a ``>>>`` input.

        Raises :class:`~gradviz.core.workspace.CodeError` when the code raises
        (the state is what Python leaves at that point, and the input stays in
        the history so undo can take it back).
        """
        run = self.start_code(source)
        run.execute(write)
        self.finish_code(run)

    def start_code(self, source: str) -> CodeRun:
        self._check_idle()
        self._sync_namespace()
        self._inputs += 1
        run = CodeRun(self, source, self._inputs, console_exec.get_rng_state())
        self.running = run
        return run

    def finish_code(self, run: CodeRun) -> None:
        """Take in what the code bound, record the input, emit; raise CodeError if it failed."""
        from gradviz.core.workspace import Action, CodeError

        self.running = None
        outcome = run.outcome or console_exec.Outcome()
        before = set(self.tensors) | set(self.objects)
        self._adopt_namespace()
        error = outcome.error
        if not isinstance(error, SyntaxError):  # a syntax error ran nothing
            options: dict[str, Any] = {"rng": run.rng}
            if outcome.interrupted:
                options["interrupted"] = True
            elif error is not None:
                options["raised"] = type(error).__name__
            self.history.append(Action("code", "", "", {"source": run.source}, options))
            self._redo.clear()  # type: ignore[attr-defined]
        after = set(self.tensors) | set(self.objects)
        names = [n for n in self.tensors if n in after - before] or list(self.tensors)
        kind = "added" if after - before else "changed"
        message = f"console: {len(self.backward_calls)} backward call(s) recorded so far"
        self._emit(kind, names, message if self.backward_calls else "")  # type: ignore[attr-defined]
        if error is not None:
            where = f"line {outcome.lineno}: " if outcome.lineno else ""
            message = f"{where}{console_exec.explain(error)}"
            raise CodeError(message, error, outcome.lineno, outcome.line, outcome.text)

    def start_undo(self, *, redo: bool = False) -> UndoJob:
        """Begin an undo (or redo) whose replay may run off the GUI thread."""
        from gradviz.core.workspace import WorkspaceError

        self._check_idle()
        if not (self._redo if redo else self.history):  # type: ignore[attr-defined]
            raise WorkspaceError("nothing to redo" if redo else "nothing to undo")
        job = UndoJob(self, redo)
        self.running = job  # type: ignore[assignment]  # other actions wait meanwhile
        return job

    def finish_undo(self, job: UndoJob) -> None:
        """Swap in the replayed state (GUI thread); a failed replay changes nothing."""
        self.running = None
        if job.error is not None:
            raise job.error
        if job.redo:
            action = self._redo.pop()  # type: ignore[attr-defined]
            self.tensors = job.fresh.tensors
            self._adopt_code_state(job.fresh)
            self.history = job.actions
            names = [action.target] if action.target in self.tensors else list(self.tensors)
            self._emit("changed", names, f"redid: {self.describe(action)}")  # type: ignore[attr-defined]
            return
        action = self.history[-1]
        self.tensors = job.fresh.tensors
        self._adopt_code_state(job.fresh)
        self.history = job.actions
        self._redo.append(action)  # type: ignore[attr-defined]
        names = [action.target] if action.target in self.tensors else []
        self._emit("reset", names, message=f"undid: {self.describe(action)}")  # type: ignore[attr-defined]

    def _sync_namespace(self) -> None:
        """Palette actions change ``tensors``: bring the namespace up to date before code runs."""
        ns = self.namespace
        for name in [n for n, v in ns.items() if isinstance(v, torch.Tensor) and _public(n)]:
            if name not in self.tensors:
                del ns[name]  # deleted from the Workspace list (or undone)
        ns.update(self.tensors)

    def _adopt_namespace(self) -> None:
        """Every public tensor/module/optimizer/array bound in the namespace becomes an entry."""
        ns = self.namespace
        tensors = {n: v for n, v in ns.items() if _public(n) and isinstance(v, torch.Tensor)}
        # keep the list's order for names that stay; new names follow in binding order
        ordered = {n: tensors[n] for n in self.tensors if n in tensors}
        ordered.update(tensors)
        self.tensors = ordered
        self.objects = {
            n: v
            for n, v in ns.items()
            if _public(n) and isinstance(v, ENTRY_TYPES) and not isinstance(v, type)
        }

    def _adopt_code_state(self, fresh: CodeMixin) -> None:
        """After a replay into ``fresh``: take its namespace, entries and recorded calls."""
        self.namespace = fresh.namespace
        self.objects = fresh.objects
        self._call_log = fresh._call_log
        self._inputs = fresh._inputs

    def _clear_code(self) -> None:
        self._init_code()

    # ---------------------------------------------------- history hooks
    def _run_code(self, action: Any) -> Any:
        """Replay one recorded input (undo, redo, open): RNG restored, output discarded."""
        from gradviz.core.workspace import WorkspaceError, _Result

        if action.options.get("interrupted"):
            return _Result("an interrupted input is not replayed")
        rng = action.options.get("rng")
        if rng is not None:
            try:
                console_exec.set_rng_state(rng)
            except ValueError as exc:
                raise WorkspaceError(str(exc)) from None
        run = self.start_code(action.args.get("source", ""))
        try:
            outcome = run.execute(write=lambda _text: None)
        finally:
            self.running = None
        if outcome.interrupted:  # Stop while replaying: abandon the whole replay, not this input
            raise KeyboardInterrupt
        self._adopt_namespace()
        expected = action.options.get("raised")
        if outcome.error is not None and type(outcome.error).__name__ != expected:
            where = f" at line {outcome.lineno}" if outcome.lineno else ""
            first = outcome.text.strip().splitlines()[-1] if outcome.text else str(outcome.error)
            raise WorkspaceError(f"console input raised{where}: {first}")
        return _Result()

    def _code_code(self, action: Any) -> str:
        source = action.args.get("source", "").rstrip("\n")
        if action.options.get("interrupted"):
            body = "\n".join(f"# {line}" for line in source.splitlines())
            return f"# this console input was interrupted (Stop), so it stays a comment\n{body}"
        if action.options.get("raised"):
            body = "\n".join(f"    {line}" for line in source.splitlines())
            return (
                f"try:  # this console input raised {action.options['raised']}\n{body}\n"
                "except Exception as exc:\n    print(exc)"
            )
        return source
