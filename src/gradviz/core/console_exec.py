"""Run console code the way Python's ``>>>`` does, on any thread.

Built on Python's own machinery rather than a kernel: ``ast`` + ``compile`` in
``single`` mode (expression statements echo their value through
``sys.displayhook``, as at ``>>>``), ``codeop`` for "is this input complete?",
``traceback`` for errors, ``linecache`` so tracebacks show the typed lines.
Nothing here imports Qt: the GUI runs :func:`execute` on a worker thread and
stops it with :func:`interrupt_thread`.
"""

from __future__ import annotations

import ast
import base64
import codeop
import contextlib
import ctypes
import linecache
import random
import traceback
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType
from typing import Any

import numpy as np
import torch

from gradviz.core.errors import explain
from gradviz.core.i18n import _

FILENAME_PREFIX = "<console-"


def console_filename(index: int) -> str:
    return f"{FILENAME_PREFIX}{index}>"


def is_console_file(filename: str) -> bool:
    return filename.startswith(FILENAME_PREFIX)


def is_complete(source: str) -> bool:
    """True when ``source`` is a whole input (run it), False when ``...`` should ask for more.

    Same rule as Python's interactive console (``codeop``), except that a
    pasted block of several statements counts as complete. A syntax error is
    "complete" too: running it shows the error.
    """
    try:
        return codeop.compile_command(source, "<input>", "single") is not None
    except (SyntaxError, ValueError, OverflowError):
        if source.count("\n") and not source.rstrip("\n").splitlines()[-1][:1].isspace():
            return True  # a pasted block: exec mode decides
        try:
            return codeop.compile_command(source, "<input>", "exec") is not None
        except (SyntaxError, ValueError, OverflowError):
            return True


def compile_input(source: str, filename: str) -> list[CodeType]:
    """Compile an input into code objects to run in order.

    A top-level expression statement echoes its value through ``sys.displayhook``,
    as at ``>>>``; expressions inside loops do not (unlike the bare REPL, so that a
    pasted ``w.grad.zero_()`` in a loop does not print a tensor per iteration, as in
    IPython). The source is registered with ``linecache``, so tracebacks quote its
    lines. Raises SyntaxError, before anything runs, as ``compile`` does.
    """
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    tree = ast.parse(source, filename, "exec")
    codes: list[CodeType] = []
    block: list[ast.stmt] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr):
            if block:
                codes.append(compile(ast.Module(block, []), filename, "exec"))
                block = []
            codes.append(compile(ast.Interactive([stmt]), filename, "single"))
        else:
            block.append(stmt)
    if block:
        codes.append(compile(ast.Module(block, []), filename, "exec"))
    return codes


@dataclass
class Outcome:
    """How an input ended: ``error`` is None when it ran to the end."""

    error: BaseException | None = None
    lineno: int = 0
    line: str = ""
    text: str = ""  # the error as Python prints it, plus a plain sentence when we have one

    @property
    def interrupted(self) -> bool:
        return isinstance(self.error, KeyboardInterrupt)


class _Writer:
    def __init__(self, write: Callable[[str], Any]) -> None:
        self._write = write

    def write(self, text: str) -> int:
        if text:
            self._write(text)
        return len(text)

    def flush(self) -> None:
        pass


def execute(
    source: str,
    namespace: dict[str, Any],
    filename: str,
    write: Callable[[str], Any] | None = None,
) -> Outcome:
    """Run ``source`` in ``namespace``; never raises (the outcome carries the error).

    ``write`` receives what the code prints (and echoed values); None leaves
    stdout alone, and ``False``-y sinks can be passed as ``lambda s: None``.
    """
    out = _Writer(write) if write is not None else None
    redirect = (
        (contextlib.redirect_stdout(out), contextlib.redirect_stderr(out))
        if out is not None
        else (contextlib.nullcontext(), contextlib.nullcontext())
    )
    with redirect[0], redirect[1]:
        try:
            codes = compile_input(source, filename)
        except (SyntaxError, ValueError, OverflowError) as exc:
            return _outcome(exc, filename)
        try:
            for code in codes:
                exec(code, namespace)
        except BaseException as exc:  # the user's code may raise anything, even SystemExit
            return _outcome(exc, filename)
        return Outcome()


def _outcome(exc: BaseException, filename: str) -> Outcome:
    lineno, line = error_location(exc, filename)
    return Outcome(exc, lineno, line, format_error(exc))


def error_location(exc: BaseException, filename: str) -> tuple[int, str]:
    """The line of the input where ``exc`` happened (innermost frame in console code)."""
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        lineno = exc.lineno or 0
    else:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if is_console_file(f.filename)]
        frames = [f for f in frames if f.filename == filename] or frames
        if not frames:
            return 0, ""
        lineno = frames[-1].lineno or 0
    return lineno, linecache.getline(filename, lineno).strip()


def plain_sentence(exc: BaseException) -> str | None:
    """The one plain sentence ``core/errors.py`` has for this error, if any."""
    text = explain(exc)
    if " (PyTorch: " in text:
        return text.split(" (PyTorch: ", 1)[0]
    return None


def format_error(exc: BaseException) -> str:
    """The error as Python's console prints it (user frames only), plus a plain sentence."""
    tb = exc.__traceback__
    while tb is not None and not is_console_file(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next  # drop gradviz's own frames above the user's code
    if isinstance(exc, SyntaxError):
        text = "".join(traceback.format_exception_only(type(exc), exc))
    else:
        text = "".join(traceback.format_exception(type(exc), exc, tb))
    sentence = plain_sentence(exc)
    if sentence:
        text += f"gradviz: {sentence}\n"
    return text


def interrupt_thread(thread_id: int, exc: type[BaseException] = KeyboardInterrupt) -> bool:
    """Raise ``exc`` in the thread ``thread_id`` at its next bytecode.

    This is how the console's Stop works: it breaks ``while True: pass``
    without any tracing cost while code runs. A long single C call (one huge
    matmul) finishes first. Returns False when no such thread exists.
    """
    set_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
    set_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)
    done = set_exc(ctypes.c_ulong(thread_id), ctypes.py_object(exc))
    if done > 1:  # more than one thread hit: undo, as the C API asks
        set_exc(ctypes.c_ulong(thread_id), ctypes.py_object())
        return False
    return done == 1


# ---------------------------------------------------------- RNG state
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def get_rng_state() -> dict[str, Any]:
    """torch's, NumPy's and Python's global RNG states as plain JSON (base64 text)."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return {
        "torch": _b64(torch.get_rng_state().numpy().tobytes()),
        "numpy": [str(kind), _b64(np.asarray(keys, dtype=np.uint32).tobytes()), int(pos),
                  int(has_gauss), float(gauss)],
        "random": [int(version), _b64(array("L", internal).tobytes()), gauss_next],
    }  # fmt: skip


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`get_rng_state` recorded; a malformed record raises ValueError."""
    try:
        raw = base64.b64decode(state["torch"])
        torch.set_rng_state(torch.frombuffer(bytearray(raw), dtype=torch.uint8))
        kind, keys, pos, has_gauss, gauss = state["numpy"]
        np_keys = np.frombuffer(base64.b64decode(keys), dtype=np.uint32)
        np.random.set_state((kind, np_keys, int(pos), int(has_gauss), float(gauss)))
        version, internal, gauss_next = state["random"]
        words = array("L")
        words.frombytes(base64.b64decode(internal))
        random.setstate((int(version), tuple(words), gauss_next))
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(_("bad RNG state record: {exc}").format(exc=exc)) from None


def completions(text: str, namespace: dict[str, Any]) -> list[str]:
    """Names and attributes that complete ``text`` (Python's own ``rlcompleter``).

    Like the ``>>>`` prompt, attribute completion evaluates the dotted name
    before the last dot (``x.grad.`` looks up ``x.grad``), never a call.
    """
    import rlcompleter

    if not text.strip() or "(" in text or "[" in text:
        return []
    completer = rlcompleter.Completer(namespace)
    found: list[str] = []
    for state in range(500):
        try:
            match = completer.complete(text, state)
        except Exception:  # a property that raises while completing: offer nothing more
            break
        if match is None:
            break
        if match not in found:
            found.append(match)
    return found
