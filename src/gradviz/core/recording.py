"""Record every backward call that user code makes, through the real engine.

While a :class:`BackwardRecorder` is active on a thread, ``Tensor.backward``,
``torch.autograd.backward`` and ``torch.autograd.grad`` called *from that
thread* are recorded the way :func:`gradviz.core.backward.trace_backward`
records a pass: a hook on every node reachable from the roots, then the
original function, called with exactly the arguments the code gave. Nothing
about the call changes, so results are bit-identical to running without
gradviz:

* ``retain_graph``, ``create_graph``, ``inputs``, ``allow_unused`` are passed
  through untouched (the defaults stay PyTorch's defaults);
* no ``.grad`` is written or restored (a call that raises leaves what PyTorch
  leaves);
* the hooks only append to a list and stop before the call returns (taken off,
  or left inert on a graph the call freed: see
  :meth:`~gradviz.core.backward.NodeHooks.close`).

Gradients seen by the hooks are detached (a ``create_graph=True`` record
holds no graph through them); a leaf's summed gradient is cloned because
``AccumulateGrad`` may adopt that very tensor as ``.grad`` and the code may
later ``zero_()`` it.

Memory is bounded by :class:`CallLog`: every call is listed, but full step
data is kept only within a budget (see :data:`FULL_CALLS`, :data:`FULL_BYTES`).
"""

from __future__ import annotations

import gc
import linecache
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import torch

from gradviz.core.backward import SAVED_LIMIT, Leaf, Trace, hook_nodes
from gradviz.core.graph import (
    Graph,
    apply_module_tags,
    bound_module_paths,
    capture_graph,
    remember_constant_inputs,
    tensor_node_id,
)
from gradviz.core.graph_walk import walk_functions
from gradviz.core.i18n import _

# Full step data (gradients, node objects) is kept for at most this many calls,
# and while their gradients total at most this many bytes; the first and the last
# call of every console input are always kept in full. Older calls keep their
# summary (root, line, number of steps, leaf names).
FULL_CALLS = 32
FULL_BYTES = 256 * 2**20

_ORIGINAL_TENSOR_BACKWARD = torch.Tensor.backward
_ORIGINAL_BACKWARD = torch.autograd.backward
_ORIGINAL_GRAD = torch.autograd.grad


class RecordedCall(Trace):
    """One recorded ``backward``/``grad`` call: a :class:`Trace` plus where it came from.

    ``kind`` is ``"backward"`` or ``"grad"``; ``line`` the line of the console
    input (or script) that made the call, ``source_line`` its text; ``root``
    the variable name of the (first) root, or None when it has none;
    ``input_index`` which console input ran it. ``returned`` holds what
    ``autograd.grad`` returned (detached), by input name.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = "backward"
        self.line = 0
        self.filename = ""  # where the call was made; source_line reads it from linecache
        self.root_name: str | None = None
        self.input_index = 0
        self.create_graph = False
        self.returned: dict[str, torch.Tensor | None] = {}
        self.n_steps = len(self._records)
        self.kept = True
        self._nbytes: int | None = None
        # the modules bound when the call ran, by variable name: its graph is framed by them
        self.modules: dict[str, torch.nn.Module] = {}

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            graph = capture_graph(self.root, names=self._names)
            paths = bound_module_paths(self.modules)
            self._graph = apply_module_tags(graph, paths) if paths else graph
        return self._graph

    def __len__(self) -> int:
        return self.n_steps

    @property
    def seed(self) -> torch.Tensor | None:
        """The gradient the pass started from (ones for an implicit scalar seed)."""
        if self._seed is None and isinstance(self.root, torch.Tensor):
            self._seed = torch.ones_like(self.root).detach()
        return self._seed

    @seed.setter
    def seed(self, value: torch.Tensor | None) -> None:
        self._seed = value

    @property
    def source_line(self) -> str:
        return linecache.getline(self.filename, self.line).strip() if self.line else ""

    @property
    def nbytes(self) -> int:
        """Bytes of the gradients this record holds (measured once, when recorded)."""
        if self._nbytes is not None:
            return self._nbytes
        total = 0
        for rec in self._records:
            for group in (rec[1], rec[2]):
                for g in group:
                    if isinstance(g, torch.Tensor):
                        total += g.numel() * g.element_size()
        self._nbytes = total
        return total

    def drop_detail(self) -> None:
        """Forget steps, nodes and leaf tensors; keep the summary."""
        self.kept = False
        self._records, self._fns, self._steps, self._graph = [], [], [], None
        self._names = None
        self.root = None  # type: ignore[assignment]
        self.seed = None
        for leaf in self.leaves.values():
            leaf.tensor = None  # type: ignore[assignment]
            leaf.before = leaf.after = None
        self.returned = {}

    def summary(self) -> str:
        root = self.root_name or _("(unnamed)")
        call = "autograd.grad" if self.kind == "grad" else "backward"
        return _("line {line}: {call} from {root}, {n_steps} steps").format(
            line=self.line, call=call, root=root, n_steps=self.n_steps
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "root": self.root_name,
            "line": self.line,
            "kind": self.kind,
            "source": self.source_line,
            "n_steps": self.n_steps,
            "kept": self.kept,
        }
        if self.kept:
            out.update(super().to_json())
            if self.kind == "grad":
                out["returned"] = {
                    n: (None if g is None else g.tolist()) for n, g in self.returned.items()
                }
        else:
            out["steps"] = None
        return out


class CallLog:
    """The ordered list of recorded calls, with the full-data budget applied.

    Incremental, so a 1 000-call loop costs O(1) per call: the first call of
    each input is never a candidate for dropping, nor is the last call of a
    finished input; the others are dropped oldest first once more than
    ``full_calls`` of them, or more than ``full_bytes`` of gradients, are kept.
    """

    def __init__(self, full_calls: int = FULL_CALLS, full_bytes: int = FULL_BYTES) -> None:
        self.calls: list[RecordedCall] = []
        self.full_calls = full_calls
        self.full_bytes = full_bytes
        self._recent: deque[RecordedCall] = deque()  # kept calls that may be dropped
        self._bytes = 0

    def add(self, call: RecordedCall) -> None:
        previous = self.calls[-1] if self.calls else None
        self.calls.append(call)
        if previous is None or previous.input_index != call.input_index:
            if self._recent and self._recent[-1] is previous:
                self._release(self._recent.pop())  # the last call of a finished input stays
            return  # the first call of an input stays in full
        size = call.nbytes
        self._recent.append(call)
        self._bytes += size
        while len(self._recent) > 1 and (
            len(self._recent) > self.full_calls or self._bytes > self.full_bytes
        ):
            old = self._recent.popleft()
            self._release(old)
            old.drop_detail()

    def _release(self, call: RecordedCall) -> None:
        self._bytes -= call.nbytes


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return list(value)
    return [value]


def _retained(retain_graph: Any, create_graph: Any) -> bool:
    """Whether a call keeps its graph (PyTorch's default: retain_graph = create_graph)."""
    return bool(create_graph if retain_graph is None else retain_graph)


def _start(t: Any) -> Any:
    if not isinstance(t, torch.Tensor) or not t.requires_grad:
        return None
    if t.grad_fn is not None:
        return t.grad_fn
    return torch.autograd.graph.get_gradient_edge(t).node


class ConstantInputKeeper:
    """Context manager: before each backward call on this thread, note the constant inputs
    of its graph (:func:`~gradviz.core.graph.remember_constant_inputs`) and nothing else.

    ``gradviz graph`` runs scripts inside it, so a graph captured after the script's own
    ``backward()`` still shows its ``detach()`` / ``no_grad`` cuts.
    """

    def __enter__(self) -> ConstantInputKeeper:
        self._recorder = BackwardRecorder(lambda _call: None)
        self._recorder._record = self._note  # type: ignore[method-assign]
        self._recorder.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._recorder.__exit__(*exc)

    def _note(
        self, kind: str, roots: list[Any], seeds: list[Any], create_graph: bool,
        inputs: list[Any], call: Callable[[], Any], retained: bool = True,
    ) -> Any:  # fmt: skip
        starts = [s for s in (_start(r) for r in roots) if s is not None]
        remember_constant_inputs(_walk_all(starts)[1])
        return self._recorder._plain(call)


class BackwardRecorder:
    """Context manager: record the backward calls made on this thread while active.

    ``names()`` returns the current variable-name → tensor map (to name roots
    and leaves); ``where()`` returns ``(line, filename)`` of the calling user code;
    each finished call goes to ``on_call``.
    """

    def __init__(
        self,
        on_call: Callable[[RecordedCall], None],
        names: Callable[[], dict[str, Any]] | None = None,
        where: Callable[[], tuple[int, str]] | None = None,
    ) -> None:
        self.on_call = on_call
        self.names = names or dict
        self.where = where or (lambda: (0, ""))
        self._thread = 0
        self._busy = False  # Tensor.backward calls autograd.backward: record once
        self._saved: tuple[Any, Any, Any] | None = None
        self._froze = False

    # ---------------------------------------------------------- patching
    def __enter__(self) -> BackwardRecorder:
        self._thread = threading.get_ident()
        self._saved = (torch.Tensor.backward, torch.autograd.backward, torch.autograd.grad)
        recorder = self

        def tensor_backward(
            self: torch.Tensor,
            gradient: Any = None,
            retain_graph: Any = None,
            create_graph: bool = False,
            inputs: Any = None,
        ) -> None:
            if not recorder._mine():
                return _ORIGINAL_TENSOR_BACKWARD(self, gradient, retain_graph, create_graph, inputs)
            return recorder._record(
                "backward",
                [self],
                _as_list(gradient),
                create_graph,
                _as_list(inputs),
                lambda: _ORIGINAL_TENSOR_BACKWARD(
                    self, gradient, retain_graph, create_graph, inputs
                ),
                _retained(retain_graph, create_graph),
            )

        def autograd_backward(tensors: Any, grad_tensors: Any = None, *args: Any, **kw: Any):
            if not recorder._mine():
                return _ORIGINAL_BACKWARD(tensors, grad_tensors, *args, **kw)
            create = kw.get("create_graph", args[1] if len(args) > 1 else False)
            inputs = kw.get("inputs", args[3] if len(args) > 3 else None)
            retain = kw.get("retain_graph", args[0] if args else None)
            return recorder._record(
                "backward",
                _as_list(tensors),
                _as_list(grad_tensors),
                bool(create),
                _as_list(inputs),
                lambda: _ORIGINAL_BACKWARD(tensors, grad_tensors, *args, **kw),
                _retained(retain, create),
            )

        def autograd_grad(outputs: Any, inputs: Any, grad_outputs: Any = None, *args, **kw):
            if not recorder._mine():
                return _ORIGINAL_GRAD(outputs, inputs, grad_outputs, *args, **kw)
            create = kw.get("create_graph", args[1] if len(args) > 1 else False)
            retain = kw.get("retain_graph", args[0] if args else None)
            return recorder._record(
                "grad",
                _as_list(outputs),
                _as_list(grad_outputs),
                bool(create),
                _as_list(inputs),
                lambda: _ORIGINAL_GRAD(outputs, inputs, grad_outputs, *args, **kw),
                _retained(retain, create),
            )

        torch.Tensor.backward = tensor_backward  # type: ignore[method-assign]
        torch.autograd.backward = autograd_backward
        torch.autograd.grad = autograd_grad
        # Each recorded call keeps objects for a while (the last FULL_CALLS in full), so a
        # loop of calls soon sets off a full collection, which walks the whole heap (torch,
        # the app: 0.1 s measured, a 1 000-call tiny loop is 0.04 s). What lived before the
        # code ran is frozen meanwhile (out of the collector's sight, still freed by
        # reference counting), unless someone froze already (a big graph on show).
        self._froze = gc.get_freeze_count() == 0
        if self._froze:
            gc.freeze()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._saved is not None
        torch.Tensor.backward, torch.autograd.backward, torch.autograd.grad = self._saved
        self._saved = None
        if self._froze:
            gc.unfreeze()
            self._froze = False

    def _mine(self) -> bool:
        return not self._busy and threading.get_ident() == self._thread

    # --------------------------------------------------------- recording
    def _record(
        self,
        kind: str,
        roots: list[Any],
        seeds: list[Any],
        create_graph: bool,
        inputs: list[Any],
        call: Callable[[], Any],
        retained: bool = True,
    ) -> Any:
        starts = [s for s in (_start(r) for r in roots) if s is not None]
        if not starts:  # nothing to hook: let PyTorch answer (usually with an error)
            return self._plain(call)
        fns, with_constants = _walk_all(starts)
        remember_constant_inputs(with_constants)  # a graph captured later keeps its cuts
        names = self.names()
        by_id = {id(t): n for n, t in names.items() if isinstance(t, torch.Tensor)}
        # small graphs copy their small saved values during the pass, as trace_backward does, so
        # the formula cards can re-compute each step; they are gone once the pass frees them.
        # Leaf gradients are cloned: AccumulateGrad may adopt one as .grad, and code may zero_() it
        keep_saved = len(fns) <= SAVED_LIMIT
        hooks = hook_nodes(fns, keep_saved, copy_leaf=True, detach=create_graph)
        leaves: dict[str, Leaf] = {}
        for fn in hooks.accumulators:
            var = fn.variable
            nid = tensor_node_id(var)
            before = var.grad.detach().clone() if var.grad is not None else None
            leaves[nid] = Leaf(nid, by_id.get(id(var), nid), var, before)
        line, filename = self.where()
        try:
            result = self._plain(call)
        except BaseException:
            hooks.close(freed=False)
            raise
        records = hooks.close(freed=not retained)
        for leaf in leaves.values():
            g = leaf.tensor.grad
            leaf.after = g.detach().clone() if g is not None else None
        root = roots[0]
        seed = seeds[0] if seeds and isinstance(seeds[0], torch.Tensor) else None
        rec = RecordedCall(root, seed, records, fns, leaves, True, names)
        rec.retain_graph = None  # type: ignore[assignment]  # whatever the code asked for
        rec.kind, rec.line, rec.filename = kind, line, filename
        rec.root_name = by_id.get(id(root))
        rec.create_graph = create_graph
        if kind == "grad":
            outs = result if isinstance(result, (tuple, list)) else (result,)
            rec.returned = {
                by_id.get(id(t), f"input{i}"): (None if g is None else g.detach().clone())
                for i, (t, g) in enumerate(zip(inputs, outs, strict=False))
            }
        self.on_call(rec)
        return result

    def _plain(self, call: Callable[[], Any]) -> Any:
        self._busy = True
        try:
            return call()
        finally:
            self._busy = False


def _walk_all(starts: list[Any]) -> tuple[list[Any], list[Any]]:
    """Every node reachable from ``starts`` (each once, by the one graph walk of
    :mod:`~gradviz.core.graph_walk`), and those with a constant input (a None slot)."""
    with_constants: list[Any] = []
    return walk_functions(starts, with_constants=with_constants), with_constants


def frame_locator(filenames: Callable[[str], bool]) -> Callable[[], tuple[int, str]]:
    """A ``where()`` for :class:`BackwardRecorder`: line and file of the innermost user frame."""

    def where() -> tuple[int, str]:
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_code.co_filename
            if filenames(name):
                return frame.f_lineno, name
            frame = frame.f_back  # type: ignore[assignment]
        return 0, ""

    return where
