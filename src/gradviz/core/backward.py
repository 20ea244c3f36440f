"""Record PyTorch's own backward pass, node by node, and replay it.

:func:`trace_backward` does not re-implement autograd. It puts a hook on every
node reachable from the root, calls the real ``torch.autograd.backward`` and
writes down, in the order the engine ran them, what each node received and
what it sent on. The leaves end with exactly the ``.grad`` that
``root.backward(grad)`` gives, because that is what ran.

:class:`Replay` steps through such a record without touching torch's engine
again: which node is current, which are done, what each edge carries and how
each leaf's ``.grad`` fills up, as of any step. The Qt panel is a thin view
over it.
"""

from __future__ import annotations

import functools
import gc
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from gradviz.core.graph import (
    Graph,
    capture_graph,
    function_node_id,
    saved_attributes,
    tensor_node_id,
)
from gradviz.core.graph_walk import walk_functions
from gradviz.core.i18n import _

ACCUMULATE = "AccumulateGrad"
SMALL = 16  # saved tensors up to this many elements are copied for the formula card
SAVED_LIMIT = 300  # graphs up to this many nodes copy saved values during the pass
# the class of a leaf's node (hooks are chosen per node: an `is` test is the cheapest)
_ACCUMULATE_TYPE = type(
    torch.autograd.graph.get_gradient_edge(torch.zeros(1).requires_grad_()).node
)


class Step:
    """One node the engine ran.

    ``grad_in`` are the gradients that arrived (one per forward output of the
    node, None where none came); ``grad_out`` the gradients it sent on, one per
    forward input, and ``inputs`` the node each of them went to (None where
    that input needs no gradient). A leaf's step (label ``AccumulateGrad``)
    receives the summed gradient and sends nothing.
    """

    __slots__ = ("index", "node", "label", "grad_in", "grad_out", "inputs", "_fn", "_saved")

    def __init__(
        self,
        index: int,
        node: str,
        label: str,
        grad_in: list[torch.Tensor | None],
        grad_out: list[torch.Tensor | None],
        inputs: list[str | None],
        fn: Any = None,
        saved: dict[str, Any] | None = None,
    ) -> None:
        self.index, self.node, self.label = index, node, label
        self.grad_in, self.grad_out, self.inputs = grad_in, grad_out, inputs
        self._fn, self._saved = fn, saved

    def __repr__(self) -> str:
        return f"Step({self.index}, {self.label}, node={self.node!r})"

    @property
    def fn(self) -> Any:
        """The backward function object (the ``grad_fn``; AccumulateGrad for a leaf)."""
        return self._fn

    @property
    def saved(self) -> dict[str, Any]:
        """What the node saved for backward (``_saved_*`` without the prefix), as far as known.

        Small tensors are copies, bigger ones only their shape. Copied during
        the pass for small graphs; otherwise read now, which works only while
        the graph is retained.
        """
        if self._saved is None:
            self._saved = grab_saved(self._fn) if self._fn is not None else {}
        return self._saved

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "node": self.node,
            "label": self.label,
            "grad_in": [_plain(g) for g in self.grad_in],
            "grad_out": [_plain(g) for g in self.grad_out],
        }


@dataclass
class Leaf:
    """A leaf that the backward pass reached: its ``.grad`` before and after."""

    id: str
    name: str
    tensor: torch.Tensor = field(repr=False)
    before: torch.Tensor | None  # a copy of .grad before this backward
    after: torch.Tensor | None = None  # a copy of .grad after it


class Trace:
    """The record of one real backward pass.

    ``steps`` are in the order the engine ran the nodes; node ids are those of
    ``capture_graph(root)``, which ``graph`` returns. Steps are built and the
    graph is captured on first use, so that recording stays close to the cost
    of a plain backward.
    """

    def __init__(
        self,
        root: torch.Tensor,
        seed: torch.Tensor | None,
        records: list[tuple],
        fns: list[Any],  # records name their node by its index here
        leaves: dict[str, Leaf],
        retain_graph: bool,
        names: dict[str, torch.Tensor] | None,
    ) -> None:
        self.root = root
        self.seed = seed  # the gradient the pass started from (1 for a scalar root)
        self.leaves = leaves  # by node id, in the order the graph walk met them
        self.retain_graph = retain_graph
        self._records = records
        self._fns = fns  # keeps every node, hence every id, alive
        self._names = names
        self._steps: list[Step] | None = None
        self._graph: Graph | None = None
        self.root_edge: tuple[str, str] | None = None  # (root's grad_fn, output node)
        if root.grad_fn is not None:
            self.root_edge = (function_node_id(root.grad_fn), tensor_node_id(root))

    @property
    def steps(self) -> list[Step]:
        if self._steps is None:
            fns = self._fns
            self._steps = [_make_step(i, fns[rec[0]], rec) for i, rec in enumerate(self._records)]
        return self._steps

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            self._graph = capture_graph(self.root, names=self._names)
        return self._graph

    def __len__(self) -> int:
        return len(self._records)

    def leaf_name(self, node_id: str) -> str:
        leaf = self.leaves.get(node_id)
        return leaf.name if leaf else node_id

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": [s.to_json() for s in self.steps],
            "grads": {leaf.name: _plain(leaf.after) for leaf in self.leaves.values()},
        }


def _make_step(index: int, fn: Any, record: tuple) -> Step:
    _node, grad_in, grad_out, saved = record
    if type(fn) is _ACCUMULATE_TYPE:
        return Step(index, tensor_node_id(fn.variable), ACCUMULATE, list(grad_in), [], [], fn, {})
    inputs = [None if f is None else function_node_id(f) for f, _ in fn.next_functions]
    return Step(
        index, function_node_id(fn), type(fn).__name__, list(grad_in), list(grad_out), inputs,
        fn, saved,
    )  # fmt: skip


def _plain(t: torch.Tensor | None) -> Any:
    return None if t is None else t.detach().cpu().tolist()


def _start_node(root: torch.Tensor) -> Any:
    if root.grad_fn is not None:
        return root.grad_fn
    if root.requires_grad:  # a leaf as root: its own AccumulateGrad is the whole graph
        return torch.autograd.graph.get_gradient_edge(root).node
    return None


@functools.cache
def _saved_keys(cls: type) -> tuple[tuple[str, str], ...]:
    """(attribute, key) for each ``_saved_*`` of a backward class: ``_saved_self`` → ``self``."""
    return tuple((attr, attr[7:]) for attr in saved_attributes(cls))


def grab_saved(fn: Any, detach: bool = True) -> dict[str, Any]:
    """A node's saved values for the formula card: small tensors copied, big ones by shape.

    ``detach=False`` inside a pass without ``create_graph``: grad mode is off there,
    so a plain copy records no history either."""
    out: dict[str, Any] = {}
    for attr, key in _saved_keys(type(fn)):
        try:
            value = getattr(fn, attr)
        except RuntimeError:  # freed by a backward without retain_graph, or changed in place
            continue
        if isinstance(value, torch.Tensor):
            if value.numel() > SMALL:
                out[key] = value.shape
            else:
                out[key] = value.detach().clone() if detach else value.clone()
        elif not isinstance(value, (list, tuple)) or len(value) <= SMALL:
            out[key] = value
    return out


# Registering a hook on a node costs more than calling it: torch makes an OrderedDict and a
# RemovableHandle (a weakref, a class counter) in Python for each one (~0.8 µs of the
# ~2.5 µs). Our hooks need neither: while hook_nodes registers, on its thread only, the
# static method torch's C++ calls for that stores the hook under itself and hands back
# (dict, hook), which _unhook takes off. Used only after a self-test passed on this torch.
_LOCAL = threading.local()
_CHEAP: bool | None = None  # None: not tried yet
_TORCH_REGISTER: Any = getattr(torch.autograd.function, "_HookMixin", None)
_TORCH_BACKWARD = torch.autograd.backward  # as imported: recorders replace it while they run


def _register(hooks_dict: Any, hook: Any) -> tuple[Any, Any]:
    if not getattr(_LOCAL, "cheap", False):  # another thread, or not ours: torch's own way
        return _TORCH_REGISTER._register_hook(hooks_dict, hook)
    if hooks_dict is None:
        hooks_dict = OrderedDict()  # weakly referable: a user hook added later needs that
    hooks_dict[hook] = hook
    return hooks_dict, (hooks_dict, hook)


def _unhook(handle: Any) -> None:
    if type(handle) is tuple:
        handle[0].pop(handle[1], None)
    else:  # a RemovableHandle: registered the ordinary way
        handle.remove()


def _cheap_registration() -> bool:
    """Install :func:`_register` where torch's C++ looks for it, once, if it works here."""
    global _CHEAP
    if _CHEAP is None:
        function = torch.autograd.Function
        current = function.__dict__.get("_register_hook")
        ours = getattr(current, "__func__", None) is _register
        if _TORCH_REGISTER is None or (current is not None and not ours):
            _CHEAP = False  # an older torch, or someone else's replacement: leave it be
        else:
            if not ours:
                function._register_hook = staticmethod(_register)  # type: ignore[attr-defined]
            _CHEAP = _self_test()
            if not _CHEAP:
                del function._register_hook  # type: ignore[attr-defined]
    return _CHEAP


def _self_test() -> bool:
    """A hook and a pre-hook registered the cheap way run, and come off again."""
    fired: list[str] = []
    try:
        with torch.inference_mode(False), torch.enable_grad():  # whatever the caller is in
            return _run_self_test(fired)
    except Exception:  # any surprise: torch's own way, as before
        return False


def _run_self_test(fired: list[str]) -> bool:
    x = torch.zeros(2, requires_grad=True)
    y = (x * 2.0).sum()
    acc = torch.autograd.graph.get_gradient_edge(x).node
    _LOCAL.cheap = True
    try:
        post = y.grad_fn.register_hook(lambda gi, go: fired.append("post"))
        pre = acc.register_prehook(lambda go: fired.append("pre"))
    finally:
        _LOCAL.cheap = False
    _TORCH_BACKWARD(y, retain_graph=True)  # not Tensor.backward: a recorder may watch it
    _unhook(post)
    _unhook(pre)
    _TORCH_BACKWARD(y)
    return type(post) is tuple and type(pre) is tuple and fired == ["post", "pre"]


class NodeHooks:
    """The hooks of one recording (:func:`hook_nodes`): what they wrote, and how to stop them.

    ``records`` gets ``(index, received, sent, saved)`` per node run, in engine order;
    ``index`` points into the ``fns`` hooked (a hook never holds its node: a node whose
    hook holds it is a cycle through C++ that Python's collector may never free).
    """

    __slots__ = ("records", "accumulators", "_close")

    def __init__(self, records: list[tuple], close: Callable[[bool], None]) -> None:
        self.records = records
        self.accumulators: list[Any] = []
        self._close = close

    def close(self, freed: bool) -> list[tuple]:
        """Stop recording; returns the records.

        The leaves' hooks always come off (an AccumulateGrad outlives its graph: the
        next graph through that leaf reaches it). So do the others of a graph that
        may run again; on a graph the pass ``freed`` they stay, inert: taking off
        hundreds of hooks costs a tenth of the pass, and a freed graph rarely runs
        again (one that saved no tensors can: each such hook then takes itself off).
        """
        self._close(freed)
        return self.records


def hook_nodes(
    fns: list[Any],
    keep_saved: bool = False,
    *,
    copy_leaf: bool = False,
    detach: bool = False,
) -> NodeHooks:
    """One hook on every node of ``fns``, registered in one pass (the recording's only
    per-node cost besides the walk); :meth:`NodeHooks.close` stops them.

    Each hook appends ``(index, received, sent, saved)`` and nothing else: it runs inside
    the engine, on every node, so it is a plain closure that holds what it is handed
    (no copy, no Python work the stepper may never show). A leaf's pre-hook sees the
    summed gradient before AccumulateGrad may steal it; ``copy_leaf`` clones it (the
    console's code may ``zero_()`` the very tensor that became ``.grad``). ``detach``
    holds detached gradients (a ``create_graph`` pass: no graph kept through them);
    ``keep_saved`` adds each node's small saved values (:func:`grab_saved`).
    """
    records: list[tuple] = []
    # the hooks' shared cells: close() rebinds them, which every hook sees at once
    append: Callable[[tuple], Any] = records.append
    nodes: list[Any] | None = fns
    handles: list[Any] = []  # one per node of fns (None for a leaf's)
    leaf_handles: list[Any] = []

    def stale(record: tuple) -> None:  # a hook left on a freed graph that ran again
        _unhook(handles[record[0]])

    def close(freed: bool) -> None:
        nonlocal append, nodes
        append, nodes = stale, None
        for handle in leaf_handles:
            _unhook(handle)
        leaf_handles.clear()
        if not freed:
            for handle in handles:
                if handle is not None:
                    _unhook(handle)

    hooks = NodeHooks(records, close)
    accumulators = hooks.accumulators
    plain = not (keep_saved or detach)
    _LOCAL.cheap = _cheap_registration()  # for the registrations below, on this thread
    try:
        for i, fn in enumerate(fns):
            if type(fn) is _ACCUMULATE_TYPE:
                accumulators.append(fn)
                if copy_leaf:
                    hook = fn.register_prehook(lambda go, i=i: append((i, _copies(go), (), {})))
                else:
                    hook = fn.register_prehook(lambda go, i=i: append((i, go, (), {})))
                leaf_handles.append(hook)
                handles.append(None)
            elif plain:
                handles.append(fn.register_hook(lambda gi, go, i=i: append((i, go, gi, None))))
            else:

                def post(gi: tuple, go: tuple, i: int = i) -> None:
                    if nodes is None:
                        _unhook(handles[i])
                        return
                    saved = grab_saved(nodes[i], detach) if keep_saved else None
                    if detach:
                        append((i, _detach(go), _detach(gi), saved))
                    else:
                        append((i, go, gi, saved))

                handles.append(fn.register_hook(post))
    finally:
        _LOCAL.cheap = False
    return hooks


def _detach(group: tuple) -> tuple:
    return tuple(g.detach() if isinstance(g, torch.Tensor) else g for g in group)


def _copies(group: tuple) -> tuple:
    if len(group) == 1 and isinstance(group[0], torch.Tensor):  # a leaf's one gradient
        return (group[0].detach().clone(),)
    return tuple(g.detach().clone() if isinstance(g, torch.Tensor) else g for g in group)


def _walk(start: Any) -> list[Any]:
    """Every node reachable from ``start`` through next_functions, each once (the one walk)."""
    return walk_functions([start])


def trace_backward(
    root: torch.Tensor,
    grad: Any = None,
    retain_graph: bool = False,
    *,
    names: dict[str, torch.Tensor] | None = None,
    keep_saved: bool | None = None,
) -> Trace:
    """Run ``root.backward(grad, retain_graph=...)`` for real and record every node it runs.

    ``names`` maps variable names to tensors, to name the leaves (and the
    graph's nodes). ``keep_saved`` copies each node's small saved values
    during the pass, for the formula card; by default it does so for graphs of
    at most ``SAVED_LIMIT`` nodes (a retained graph's values are read later).
    Raises what ``backward`` raises (e.g. a non-scalar root without ``grad``);
    then every ``.grad`` is as it was and no hook stays behind.
    """
    if not isinstance(root, torch.Tensor):
        raise TypeError(f"trace_backward needs a tensor, got {type(root).__name__}")
    start = _start_node(root)
    if start is None:  # not part of any graph: let PyTorch say so, in its own words
        root.backward(grad, retain_graph=retain_graph)
    if grad is not None and not isinstance(grad, torch.Tensor):
        grad = torch.as_tensor(grad, dtype=root.dtype, device=root.device)
    fns = _walk(start)
    if keep_saved is None:
        keep_saved = len(fns) <= SAVED_LIMIT and not retain_graph
    by_id = {id(t): n for n, t in (names or {}).items() if isinstance(t, torch.Tensor)}

    hooks: NodeHooks | None = None
    leaves: dict[str, Leaf] = {}
    held: dict[str, torch.Tensor] = {}  # each leaf's .grad object, which the engine may add into
    gc_was_on = gc.isenabled()
    gc.disable()  # many tiny objects at once: a collection in the middle costs more than the pass
    try:
        hooks = hook_nodes(fns, keep_saved)
        for fn in hooks.accumulators:
            var = fn.variable
            nid = tensor_node_id(var)
            before = var.grad.detach().clone() if var.grad is not None else None
            leaves[nid] = Leaf(nid, by_id.get(id(var), nid), var, before)
            if var.grad is not None:
                held[nid] = var.grad
        torch.autograd.backward(root, grad, retain_graph=retain_graph)
    except BaseException:
        for nid, leaf in leaves.items():  # a failed pass leaves every .grad as it was
            old = held.get(nid)
            if old is not None:  # the same object, with its old values (it may have been added to)
                with torch.no_grad():
                    old.copy_(leaf.before)
            leaf.tensor.grad = old if old is not None else leaf.before
        if hooks is not None:
            hooks.close(freed=False)  # the pass stopped part-way: the rest may run again
        raise
    finally:
        if gc_was_on:
            gc.enable()
    records = hooks.close(freed=not retain_graph)
    for leaf in leaves.values():
        g = leaf.tensor.grad
        leaf.after = g.detach().clone() if g is not None else None
    seed = grad.detach() if grad is not None else torch.ones_like(root).detach()
    return Trace(root, seed, records, fns, leaves, retain_graph, names)


class GradSummary:
    """A gradient too big to send whole (live attach): its shape and a few statistics.

    It stands where a tensor would in a replay: its shape is real, its values are not
    here. Adding summaries (an edge crossed twice, a leaf's ``.grad``) keeps the shape;
    the statistics of a sum are unknown (nan).
    """

    def __init__(
        self,
        shape: tuple[int, ...],
        dtype: str = "float32",
        norm: float = math.nan,
        mean: float = math.nan,
        lo: float = math.nan,
        hi: float = math.nan,
    ) -> None:
        self.shape = torch.Size(shape)
        self.dtype = dtype
        self.norm, self.mean, self.lo, self.hi = norm, mean, lo, hi

    def numel(self) -> int:
        return math.prod(self.shape)

    def dim(self) -> int:
        return len(self.shape)

    def detach(self) -> GradSummary:
        return self

    def __add__(self, other: Any) -> GradSummary:
        return GradSummary(tuple(self.shape), self.dtype)

    __radd__ = __add__

    def __repr__(self) -> str:
        return f"GradSummary({tuple(self.shape)}, norm={self.norm:.4g})"

    def text(self, digits: int = 4) -> str:
        """What the panel shows: the statistics, and that the values stayed in the script."""
        if math.isnan(self.norm):
            return _("values not sent (too big)")
        return _("mean {mean}, min {lo}, max {hi} (too big to send: a summary)").format(
            mean=f"{self.mean:.{digits}g}", lo=f"{self.lo:.{digits}g}", hi=f"{self.hi:.{digits}g}"
        )

    def to_wire(self) -> dict[str, Any]:
        return {
            "shape": list(self.shape),
            "dtype": self.dtype,
            "stats": [
                None if math.isnan(v) else v for v in (self.norm, self.mean, self.lo, self.hi)
            ],
        }

    @classmethod
    def from_wire(cls, data: Any) -> GradSummary:
        """ValueError unless ``data`` is what :meth:`to_wire` gives."""
        if not isinstance(data, dict):
            raise ValueError("summary is not a map")
        shape, dtype, stats = data.get("shape"), data.get("dtype"), data.get("stats")
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise ValueError("bad summary shape")
        if not isinstance(dtype, str) or len(dtype) > 20:
            raise ValueError("bad summary dtype")
        ok = isinstance(stats, list) and len(stats) == 4
        if not ok or not all(v is None or isinstance(v, (int, float)) for v in stats):
            raise ValueError("bad summary statistics")
        values = [math.nan if v is None else float(v) for v in stats]
        return cls(tuple(shape), dtype, *values)


# --------------------------------------------------------------- replay
@dataclass
class EdgeFlow:
    """What crossed one graph edge (forward direction source -> target) so far.

    ``parts`` has one gradient per crossing: a node that uses the same input
    twice (``x * x``) sends two along the same edge.
    """

    source: str
    target: str
    parts: list[torch.Tensor] = field(default_factory=list)

    @property
    def total(self) -> torch.Tensor:
        total = self.parts[0]
        for p in self.parts[1:]:
            total = total + p
        return total


@dataclass
class LeafState:
    """A leaf's ``.grad`` as of some step: before + each contribution so far."""

    id: str
    name: str
    before: torch.Tensor | None
    contributions: list[tuple[str, torch.Tensor]]  # (sending node id, gradient)
    written: bool  # its AccumulateGrad has run, so .grad really holds the sum now
    final: torch.Tensor | None

    @property
    def incoming(self) -> torch.Tensor | None:
        """The sum of the contributions (what AccumulateGrad receives)."""
        if not self.contributions:
            return None
        total = self.contributions[0][1]
        for _who, g in self.contributions[1:]:
            total = total + g
        return total

    @property
    def grad(self) -> torch.Tensor | None:
        """``.grad`` once every contribution so far is added: before + incoming."""
        incoming = self.incoming
        if incoming is None:
            return self.before
        return incoming if self.before is None else self.before + incoming


class Replay:
    """Steps through a :class:`Trace`. ``position`` is how many steps have run (0..len)."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.position = 0

    def __len__(self) -> int:
        return len(self.trace.steps)

    @property
    def at_end(self) -> bool:
        return self.position >= len(self)

    def seek(self, position: int) -> int:
        self.position = max(0, min(len(self), int(position)))
        return self.position

    def step_forward(self) -> bool:
        if self.at_end:
            return False
        self.position += 1
        return True

    def step_back(self) -> bool:
        if self.position == 0:
            return False
        self.position -= 1
        return True

    def run_to_end(self) -> None:
        self.position = len(self)

    def reset(self) -> None:
        self.position = 0

    def current(self) -> Step | None:
        """The step just run (highlighted), or None before the first."""
        return self.trace.steps[self.position - 1] if self.position else None

    def done_nodes(self, position: int | None = None) -> list[str]:
        """Nodes finished before the current one."""
        k = self.position if position is None else position
        return [s.node for s in self.trace.steps[: max(0, k - 1)]]

    def step_edges(self, step: Step) -> list[tuple[str, str, torch.Tensor]]:
        """The (source, target, gradient) crossings a step makes."""
        return [
            (src, step.node, g)
            for src, g in zip(step.inputs, step.grad_out, strict=False)
            if src is not None and g is not None
        ]

    def edges(self, position: int | None = None) -> dict[tuple[str, str], EdgeFlow]:
        """Every edge a gradient has crossed as of ``position``, the seed edge included."""
        k = self.position if position is None else position
        flows: dict[tuple[str, str], EdgeFlow] = {}
        t = self.trace
        if t.root_edge is not None and t.seed is not None:
            flows[t.root_edge] = EdgeFlow(*t.root_edge, [t.seed])
        for step in t.steps[:k]:
            for src, tgt, g in self.step_edges(step):
                flows.setdefault((src, tgt), EdgeFlow(src, tgt)).parts.append(g)
        return flows

    def leaf_states(self, position: int | None = None) -> list[LeafState]:
        k = self.position if position is None else position
        t = self.trace
        contributions: dict[str, list[tuple[str, torch.Tensor]]] = {lid: [] for lid in t.leaves}
        written: set[str] = set()
        for step in t.steps[:k]:
            if step.label == ACCUMULATE:
                written.add(step.node)
            for src, tgt, g in self.step_edges(step):
                if src in contributions:
                    contributions[src].append((tgt, g))
        return [
            LeafState(lid, leaf.name, leaf.before, contributions[lid], lid in written, leaf.after)
            for lid, leaf in t.leaves.items()
        ]


# ------------------------------------------------------------ rendering
def shape_text(t: torch.Tensor) -> str:
    return _("scalar") if t.dim() == 0 else "×".join(str(s) for s in t.shape)


def values_text(t: torch.Tensor, limit: int = 8, digits: int = 4) -> str | None:
    """The values of a small tensor on one line (nested like the tensor), else None."""
    if t.numel() > limit or isinstance(t, GradSummary):
        return None
    values = t.detach().cpu()
    if values.is_floating_point():
        values = values.double()

    def fmt(v: Any) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(fmt(x) for x in v) + "]"
        return f"{v:.{digits}g}" if isinstance(v, float) else str(v)

    return fmt(values.tolist())


def norm_of(t: torch.Tensor) -> float:
    if isinstance(t, GradSummary):
        return t.norm
    t = t.detach()
    if not (t.is_floating_point() or t.is_complex()):
        t = t.double()
    return float(torch.linalg.vector_norm(t))


# significant digits of every gradient shown (edge labels, cards, tables): one rounding
# everywhere, so an edge never says ‖g‖=15 where the card says 14.97
DIGITS = 4


def tensor_text(t: torch.Tensor | None, limit: int = 8, digits: int = DIGITS) -> str:
    """shape · ‖norm‖ and the values when small, on one or two lines.

    One value is shown once (``scalar · 2``): its norm would only repeat it."""
    if t is None:
        return "None"
    values = values_text(t, limit, digits)
    if t.numel() == 1 and values is not None:
        return f"{shape_text(t)} · {values}"
    head = f"{shape_text(t)} · ‖g‖={norm_of(t):.{digits}g}"
    if isinstance(t, GradSummary):
        return f"{head}\n{t.text(digits)}"
    return f"{head}\n{values}" if values is not None else head


def parts_text(parts: list[torch.Tensor], limit: int = 6, digits: int = DIGITS) -> str:
    """An edge crossed more than once (``y * y``, ``dot(x, x)``): each part and the sum.

    ``a + b = sum`` on one line when it is short, else one line per part."""
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    shown = [values_text(p, limit, digits) for p in parts]
    summed = values_text(total, limit, digits)
    n_parts = _("({n} parts)").format(n=len(parts))
    head = f"{shape_text(total)} · ‖g‖={norm_of(total):.{digits}g} {n_parts}"
    if total.numel() == 1 and summed is not None:
        head = f"{shape_text(total)} · {summed} {n_parts}"
    line = " + ".join(s or "…" for s in shown) + f" = {summed}"
    if all(shown) and summed is not None and len(line) <= 40:
        return f"{head}\n{line}"
    rows = [
        _("part {i}: {value}").format(
            i=i + 1, value=v if v is not None else f"‖g‖={norm_of(p):.{digits}g}"
        )
        for i, (p, v) in enumerate(zip(parts, shown, strict=True))
    ]
    return "\n".join([head, *rows])


def edge_text(flow: EdgeFlow, limit: int = 6) -> tuple[str, str]:
    """The label an edge shows, and its tooltip."""
    total = flow.total
    text = tensor_text(total, limit) if len(flow.parts) == 1 else parts_text(flow.parts, limit)
    full = tensor_text(total, 64)
    if len(flow.parts) > 1:
        full += "".join(
            "\n" + _("part {i}: {value}").format(i=i + 1, value=tensor_text(p, 64))
            for i, p in enumerate(flow.parts)
        )
    tip = _(
        "gradient sent back along this edge:\n{full}\n(click to inspect the full tensor)"
    ).format(full=full)
    return text, tip
