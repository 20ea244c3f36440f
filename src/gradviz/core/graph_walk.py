"""The one walk of an autograd graph: from some ``grad_fn`` nodes through ``next_functions``.

Capture (``core.graph``), tracing (``core.backward``), module tagging and the
backward session's hints all reach the graph through :func:`walk_functions`.
It is iterative, so a 100 000-node chain walks without touching Python's
recursion limit.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any


def is_accumulate(fn: Any) -> bool:
    """An ``AccumulateGrad`` node: it stands for a leaf tensor (``fn.variable``)."""
    return hasattr(fn, "variable")


def walk_functions(
    starts: Iterable[Any],
    *,
    seen: set[int] | None = None,
    enter: Callable[[Any], bool] | None = None,
    with_constants: list[Any] | None = None,
) -> list[Any]:
    """Every node reachable from ``starts``, each once, in depth-first pre-order.

    ``seen`` holds ``id()`` of nodes already walked (shared between calls, so
    several roots walk a shared graph once); ``enter(fn)`` False keeps ``fn``
    in the result but does not go past it. ``with_constants`` gets the nodes
    that took a constant input (a None slot in ``next_functions``), in the same walk.
    """
    seen = set() if seen is None else seen
    order: list[Any] = []
    stack = [fn for fn in starts if fn is not None]
    stack.reverse()
    while stack:
        fn = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        order.append(fn)
        if enter is not None and not enter(fn):
            continue
        edges = fn.next_functions
        nexts = [nf for nf, _ in edges if nf is not None and id(nf) not in seen]
        if with_constants is not None and any(nf is None for nf, _ in edges):
            with_constants.append(fn)
        nexts.reverse()
        stack.extend(nexts)
    return order


def leaf_tensors(root: Any) -> list[Any]:
    """The leaves a backward from ``root`` reaches (the tensors of its AccumulateGrad nodes)."""
    if root.grad_fn is None:
        return [root] if root.requires_grad else []
    return [fn.variable for fn in walk_functions([root.grad_fn]) if is_accumulate(fn)]


BIG_STACK = 1 << 30  # bytes of (virtual) stack for releasing a very deep graph


def release_deep(holder: list) -> None:
    """Empty ``holder`` (a list that owns the last references to an autograd graph) on a
    thread with a big stack.

    Once Python has looked at a graph's nodes (any walk does), PyTorch frees a chain of
    them recursively in C++: a chain of ~50 000 nodes overflows the usual 8 MB stack and
    the process dies. A big-stack thread frees the same chain safely.
    """
    old = threading.stack_size()
    threading.stack_size(BIG_STACK)
    try:
        worker = threading.Thread(target=holder.clear, name="gradviz-release", daemon=True)
        worker.start()
    finally:
        threading.stack_size(old)
    worker.join()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: building a 50 000-node graph allocates ~10^6
    objects that are all kept (no cycles to find), and the collector's full passes over
    the growing heap cost about as much as the building itself."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
