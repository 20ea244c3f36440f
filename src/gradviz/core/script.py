"""Run a user's script on purpose (``gradviz graph/backward SCRIPT.py``) and find its tensors.

This executes the file exactly like ``python SCRIPT.py`` would. It is only
ever called from an explicit command; nothing typed into the app goes here.
"""

from __future__ import annotations

import gc
import runpy
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch

from gradviz.core.errors import one_line, shorten
from gradviz.core.i18n import _


class ScriptError(Exception):
    """The script could not be run, or raised; the message is one clear line."""


def run_script(path: str | Path) -> dict[str, Any]:
    """Run ``path`` as ``__main__`` and return its module-level namespace."""
    script = Path(path)
    if not script.is_file():
        raise ScriptError(_("script not found: {script}").format(script=script))
    old_argv, old_path = sys.argv[:], sys.path[:]
    sys.argv = [str(script)]
    sys.path.insert(0, str(script.resolve().parent))
    try:
        return runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:
        raise ScriptError(
            one_line(_("{script} called exit({code})").format(script=script, code=exc.code))
        ) from None
    except KeyboardInterrupt:
        raise  # Ctrl-C is the user stopping gradviz, not the script failing
    except BaseException as exc:  # the user's code may raise anything
        raise ScriptError(
            describe_error(exc, _("{script} raised").format(script=script), script)
        ) from None
    finally:
        sys.argv, sys.path[:] = old_argv, old_path


def describe_error(exc: BaseException, prefix: str, script: str | Path | None = None) -> str:
    """One line for an exception from the user's code: its type, line and first words."""
    where = ""
    if script is not None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(script)]
        where = _(" at line {lineno}").format(lineno=frames[-1].lineno) if frames else ""
    return one_line(f"{prefix} {type(exc).__name__}{where}: {exc}".rstrip(": "), 300)


def tensors_in(namespace: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The module-level tensors of a namespace, by variable name (private names skipped)."""
    return {
        name: value
        for name, value in namespace.items()
        if isinstance(value, torch.Tensor) and not name.startswith("_")
    }


def pick_tensor(namespace: dict[str, Any], name: str) -> torch.Tensor:
    """The tensor called ``name``, or a ScriptError listing the tensors there are."""
    found = tensors_in(namespace)
    listing = ", ".join(sorted(found)) or _("none")
    shown = repr(shorten(name, 40))
    if name not in namespace:
        raise ScriptError(
            one_line(
                _("no variable named {shown} in the script; its tensors are: {listing}").format(
                    shown=shown, listing=listing
                ),
                300,
            )
        )
    if name not in found:
        kind = type(namespace[name]).__name__
        article = "an" if kind[:1].lower() in "aeiou" else "a"
        raise ScriptError(
            one_line(
                (
                    _("{shown} is an {kind}, not a tensor; the script's tensors are: {listing}")
                    if article == "an"
                    else _("{shown} is a {kind}, not a tensor; the script's tensors are: {listing}")
                ).format(shown=shown, kind=kind, listing=listing),
                300,
            )
        )
    return found[name]


# ------------------------------------------------------------ deep graphs
# PyTorch frees a graph node by freeing its inputs first, recursively, so dropping
# the root of a 100 000-node chain overflows the C stack (a segfault at exit).
# Holding every node and letting go parents before children frees them one by one.


def _tensors_among(values: Iterable[Any]) -> list[torch.Tensor]:
    """Tensors among ``values``, looking one level into lists, tuples and dicts."""
    found: list[torch.Tensor] = []
    for value in values:
        if isinstance(value, torch.Tensor):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            found.extend(v for v in value if isinstance(v, torch.Tensor))
        elif isinstance(value, dict):
            found.extend(v for v in value.values() if isinstance(v, torch.Tensor))
    return found


def graph_nodes(namespace: dict[str, Any]) -> list[Any]:
    """Every autograd node behind the namespace's tensors, parents before their inputs."""
    roots = [t.grad_fn for t in _tensors_among(namespace.values()) if t.grad_fn is not None]
    nodes: dict[int, Any] = {}
    inputs: dict[int, list[Any]] = {}
    stack = list(roots)
    while stack:  # a loop, not recursion: the graph may be 100 000 deep
        node = stack.pop()
        if id(node) in nodes:
            continue
        nodes[id(node)] = node
        inputs[id(node)] = [n for n, _ in getattr(node, "next_functions", ()) if n is not None]
        stack.extend(inputs[id(node)])
    parents = dict.fromkeys(nodes, 0)
    for key in nodes:
        for child in inputs[key]:
            parents[id(child)] += 1
    ready = [key for key, count in parents.items() if count == 0]
    order: list[Any] = []
    while ready:  # Kahn's order: a node comes after every node that feeds it a gradient
        key = ready.pop()
        order.append(nodes[key])
        for child in inputs[key]:
            parents[id(child)] -= 1
            if parents[id(child)] == 0:
                ready.append(id(child))
    return order


def _forget_tracebacks(exc: BaseException | None) -> None:
    """Drop the frames an exception chain keeps alive (they may hold a graph)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc.__traceback__ = None
        exc = exc.__cause__ or exc.__context__


def run_releasing_graphs(body: Callable[[list[Any]], int]) -> int:
    """Run ``body(keep)``; afterwards free the nodes it put in ``keep`` parents first.

    ``body`` adds :func:`graph_nodes` of the script's namespace to ``keep``. When
    it returns or raises, its locals go away while ``keep`` still holds every
    node, so nothing is freed recursively; then ``keep`` lets go, root first.
    """
    keep: list[Any] = []
    failure: BaseException | None = None
    try:
        result = body(keep)
    except BaseException as exc:
        _forget_tracebacks(exc)
        failure = exc
    gc.collect()  # a script's functions and globals form cycles that hold tensors
    keep.reverse()
    while keep:
        keep.pop()
    if failure is not None:
        raise failure
    return result
