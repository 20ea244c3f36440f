"""The backward calls user code made: record them from a script, and pick one to step through.

:func:`record_script` runs a script (on purpose, from ``gradviz backward``)
with every ``backward``/``autograd.grad`` call recorded, exactly like
``python SCRIPT.py`` otherwise. :class:`RecordedCalls` is the small Qt-free
model the Backward panel draws: the list of calls (source line, root, number
of steps) and which one is picked (by default the newest), with a
:class:`~gradviz.core.backward.Replay` over it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from gradviz.core.backward import Replay
from gradviz.core.i18n import _
from gradviz.core.recording import BackwardRecorder, CallLog, RecordedCall, frame_locator
from gradviz.core.script import ScriptError


def script_names(namespace: dict[str, Any]) -> dict[str, torch.Tensor]:
    """Module-level tensors by name, plus the parameters of module-level nn.Modules."""
    names: dict[str, torch.Tensor] = {}
    modules = []
    # one pass over the namespace: this runs on every recorded backward call
    for n, v in list(namespace.items()):
        if n.startswith("_"):
            continue
        if isinstance(v, torch.Tensor):
            names[n] = v
        elif isinstance(v, torch.nn.Module):
            modules.append((n, v))
    for var, value in modules:  # tensors bound by name come first, parameters after
        for pname, param in value.named_parameters():
            names.setdefault(f"{var}.{pname}", param)
    return names


def record_script(path: str | Path) -> tuple[dict[str, Any], list[RecordedCall]]:
    """Run ``path`` as ``__main__`` with its backward calls recorded; (namespace, calls)."""
    script = Path(path)
    if not script.is_file():
        raise ScriptError(_("script not found: {script}").format(script=script))
    try:
        source = script.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(_("cannot read {script}: {exc}").format(script=script, exc=exc)) from None
    filename = str(script.resolve())
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": filename}
    log = CallLog()
    recorder = BackwardRecorder(
        log.add, lambda: script_names(namespace), frame_locator(lambda f: f == filename)
    )
    old_argv, old_path = sys.argv[:], sys.path[:]
    sys.argv = [str(script)]
    sys.path.insert(0, str(script.resolve().parent))
    try:
        code = compile(source, filename, "exec")
        with recorder:
            exec(code, namespace)
    except SystemExit as exc:
        raise ScriptError(
            _("{script} called exit({code})").format(script=script, code=exc.code)
        ) from None
    except BaseException as exc:  # the user's code may raise anything
        import traceback

        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
        where = _(" at line {lineno}").format(lineno=frames[-1].lineno) if frames else ""
        raise ScriptError(
            _("{script} raised {type}{where}: {exc}")
            .format(script=script, type=type(exc).__name__, where=where, exc=exc)
            .rstrip(": ")
        ) from None
    finally:
        sys.argv, sys.path[:] = old_argv, old_path
    return namespace, log.calls


class RecordedCalls:
    """Which recorded call the Backward panel shows; listeners hear when that changes."""

    def __init__(self, source: Callable[[], list[RecordedCall]]) -> None:
        self._source = source
        self.picked: int | None = None  # None follows the newest call
        self._listeners: list[Callable[[], None]] = []
        self._replay: Replay | None = None
        self._replay_of: RecordedCall | None = None

    def subscribe(self, callback: Callable[[], None]) -> None:
        self._listeners.append(callback)

    @property
    def calls(self) -> list[RecordedCall]:
        return self._source()

    def labels(self) -> list[str]:
        return [f"{i + 1}. {c.summary()}" for i, c in enumerate(self.calls)]

    @property
    def index(self) -> int | None:
        n = len(self.calls)
        if n == 0:
            return None
        return n - 1 if self.picked is None or self.picked >= n else self.picked

    @property
    def current(self) -> RecordedCall | None:
        i = self.index
        return None if i is None else self.calls[i]

    def pick(self, index: int | None) -> None:
        """Pick call ``index`` (0-based); None (or the last index) follows the newest."""
        n = len(self.calls)
        self.picked = None if index is None or index >= n - 1 else max(0, index)
        self.changed()

    def replay(self) -> Replay | None:
        """A Replay over the picked call (the same one while the pick stays), None if dropped."""
        call = self.current
        if call is None or not call.kept:
            return None
        if self._replay_of is not call:
            self._replay, self._replay_of = Replay(call), call
            self._replay.run_to_end()
        return self._replay

    def changed(self) -> None:
        for callback in list(self._listeners):
            callback()
