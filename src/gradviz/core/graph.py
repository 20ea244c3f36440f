"""The autograd graph behind some tensors, as a neutral model of nodes and edges.

:func:`capture_graph` walks ``grad_fn.next_functions`` from the roots, the way
the engine will during backward, and returns a :class:`Graph` that knows
nothing about drawing. Kinds follow torchviz's colour code:

* ``leaf``      a tensor that requires grad and gets a ``.grad`` (an ``AccumulateGrad``);
* ``function``  a backward function such as ``MulBackward0``;
* ``saved``     a tensor a function saved for backward (only with ``show_saved``);
* ``output``    a root the graph was captured from;
* ``base``      the base tensor of a view that is shown (not a root of its own);
* ``constant``  a named tensor with no history (``detach()``, ``no_grad``, plain data)
                that feeds something shown: autograd treats it as a fixed number.

Edges run in forward data-flow direction, producer -> consumer.
Node ids are identity based, so two captures agree while the objects live;
a Graph keeps a reference to every object it names so its ids stay valid.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from gradviz.core.graph_walk import gc_paused, is_accumulate, walk_functions
from gradviz.core.i18n import N_, _

KINDS = ("leaf", "function", "saved", "output", "base", "constant")


@dataclass
class Node:
    """One box of the graph; ``to_json`` gives exactly the public schema."""

    id: str
    kind: str  # one of KINDS
    label: str  # function: class name; tensor: its name or "tensor"
    name: str | None  # workspace / variable name if known
    shape: list[int] | None
    dtype: str | None
    module: str | None  # module path for capture_module ("net.0"), else None
    ref: object = field(default=None, repr=False, compare=False)  # keeps the id valid
    base: str | None = None  # for a view: the node id of its base tensor
    note: str = ""  # why it looks the way it does, e.g. "cut off from y: ..."
    cut: bool = False  # a constant cut off from a history by detach() / no_grad

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "name": self.name,
            "shape": self.shape,
            "dtype": self.dtype,
            "module": self.module,
        }


@dataclass
class Edge:
    source: str  # producer
    target: str  # consumer
    shape: list[int] | None = None
    dtype: str | None = None
    kind: str = "data"  # data | saved (saved for backward) | view (base -> view) | cut (detach)


def function_node_id(fn: Any) -> str:
    """The id a grad_fn gets; an AccumulateGrad is its tensor's leaf node."""
    variable = getattr(fn, "variable", None)
    if variable is not None:
        return tensor_node_id(variable)
    return f"fn-{id(fn):x}"


def tensor_node_id(tensor: torch.Tensor) -> str:
    return f"t-{id(tensor):x}"


def dtype_name(dtype: torch.dtype | None) -> str | None:
    return None if dtype is None else str(dtype).replace("torch.", "")


def _is_constant(t: torch.Tensor) -> bool:
    return t.grad_fn is None and not t.requires_grad


def _storage_key(t: torch.Tensor) -> tuple:
    """Two tensors with this key hold the same numbers (detach() shares storage)."""
    try:
        ptr = t.untyped_storage().data_ptr()
    except (RuntimeError, NotImplementedError):  # meta / sparse tensors
        return (id(t),)
    return (ptr, t.storage_offset(), tuple(t.shape), t.stride(), t.dtype, t.device)


@functools.cache
def saved_attributes(cls: type) -> tuple[str, ...]:
    """The ``_saved_*`` attribute names of a backward class (cached: dir() is slow)."""
    return tuple(a for a in dir(cls) if a.startswith("_saved_"))


def saved_values(fn: Any) -> list[tuple[str, Any]]:
    """(attribute, value) for every ``_saved_*`` that can still be read.

    After a backward without ``retain_graph`` the buffers are freed and reading
    raises; those are skipped.
    """
    out = []
    for attr in saved_attributes(type(fn)):
        try:
            out.append((attr, getattr(fn, attr)))
        except RuntimeError:
            continue
    return out


# Saved inputs of functions that took a constant (a None slot in next_functions), set aside
# before a backward frees them, so a graph captured afterwards still shows the
# detach()/no_grad cut. Filled by gradviz's backward recorders (console, CLI); bounded.
# An OrderedDict: dropping the oldest note is O(1) (a dict's first key, once many were
# popped from the front, is found by scanning past their holes: ~7 µs a call when full).
_FREED_SAVED: OrderedDict[int, tuple[Any, list[tuple[int, tuple]]]] = OrderedDict()
_FREED_LIMIT = 20_000


def remember_constant_inputs(fns: Any) -> None:
    """Before a backward: note what each function with a constant input saved.

    Only ids and storage keys are kept (no tensor data), plus the function itself
    so that its id stays its own while the note exists.
    """
    for fn in fns:
        if all(nxt is not None for nxt, _nr in fn.next_functions):
            continue
        keys = []
        for _attr, value in saved_values(fn):
            for v in value if isinstance(value, (tuple, list)) else (value,):
                if isinstance(v, torch.Tensor):
                    keys.append((id(v), _storage_key(v)))
        if keys:
            _FREED_SAVED[id(fn)] = (fn, keys)
            _FREED_SAVED.move_to_end(id(fn))
    while len(_FREED_SAVED) > _FREED_LIMIT:  # oldest first
        _FREED_SAVED.popitem(last=False)


def _meta_shape(fn: Any, output_nr: int) -> tuple[list[int] | None, str | None]:
    """Shape and dtype of output ``output_nr`` of the forward op behind ``fn``."""
    try:
        meta = fn._input_metadata[output_nr]
        return list(meta.shape), dtype_name(meta.dtype)
    except (AttributeError, IndexError, RuntimeError, TypeError):
        return None, None


class Graph:
    """Nodes and edges; ``roots`` are the output node ids in the order given."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.roots: list[str] = []
        self.refs: list[Any] = []  # the objects behind the ids, kept alive with the graph
        # module path -> (class name, parameter count), known when captured from nn.Modules
        self.module_info: dict[str, tuple[str, int]] = {}
        self._index: dict[str, Node] = {}

    # -------------------------------------------------------------- build
    def add_node(self, node: Node) -> Node:
        existing = self._index.get(node.id)
        if existing is not None:
            return existing
        self.nodes.append(node)
        self._index[node.id] = node
        return node

    def add_edge(self, edge: Edge) -> None:
        self.edges.append(edge)

    # ------------------------------------------------------------ queries
    def node(self, node_id: str) -> Node:
        return self._index[node_id]

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._index

    def __len__(self) -> int:
        return len(self.nodes)

    def inputs_of(self, node_id: str) -> list[str]:
        return [e.source for e in self.edges if e.target == node_id]

    def outputs_of(self, node_id: str) -> list[str]:
        return [e.target for e in self.edges if e.source == node_id]

    def counts_by_kind(self) -> dict[str, int]:
        return dict(self._cached("counts", self._counts))  # every redraw's status line asks

    def _counts(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for n in self.nodes:
            counts[n.kind] += 1
        return counts

    def _cached(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, remembered while the graph keeps its size (a 50 000-node graph is
        asked for its modules and depth on every redraw)."""
        key = (len(self.nodes), len(self.edges), tuple(n.module for n in self.nodes[:1]))
        cache = self.__dict__.setdefault("_cache", {})
        hit = cache.get(name)
        if hit is None or hit[0] != key:
            hit = cache[name] = (key, compute())
        return hit[1]

    def modules(self) -> list[str]:
        """Every module path that tags a node, with its parents ("net.0" gives "net" too)."""
        return list(self._cached("modules", self._modules))

    def _modules(self) -> list[str]:
        tagged = {n.module for n in self.nodes if n.module}
        paths: set[str] = set()
        for module in tagged:
            parts = module.split(".")
            paths.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        return sorted(paths, key=lambda p: (p.count("."), p))

    def depth(self) -> int:
        """Nodes on the longest data-flow path (0 for an empty graph)."""
        return self._cached("depth", self._depth)

    def _depth(self) -> int:
        # Kahn's order, one pass over the edges: deep chains must not recurse
        index = {n.id: i for i, n in enumerate(self.nodes)}
        succs: list[list[int]] = [[] for _ in self.nodes]
        indeg = [0] * len(self.nodes)
        for e in self.edges:
            s, t = index.get(e.source), index.get(e.target)
            if e.kind == "data" and s is not None and t is not None:
                succs[s].append(t)
                indeg[t] += 1
        level = [1] * len(self.nodes)
        ready = [i for i, d in enumerate(indeg) if d == 0]
        while ready:
            i = ready.pop()
            for j in succs[i]:
                if level[i] + 1 > level[j]:
                    level[j] = level[i] + 1
                indeg[j] -= 1
                if indeg[j] == 0:
                    ready.append(j)
        return max(level, default=0)

    def find(self, text: str) -> list[Node]:
        """Nodes whose name or label contains ``text`` (case-insensitive), exact names first."""
        needle = text.strip().lower()
        if not needle:
            return []
        hits = [
            n for n in self.nodes if needle in (n.name or "").lower() or needle in n.label.lower()
        ]
        return sorted(hits, key=lambda n: ((n.name or n.label).lower() != needle, len(n.label)))

    def summary(self) -> str:
        counts = self.counts_by_kind()
        parts = ", ".join(f"{counts[k]} {k}" for k in KINDS if counts[k])
        return (
            f"{len(self.nodes)} nodes ({parts or 'none'}), {len(self.edges)} edges, "
            f"depth {self.depth()}"
        )

    def subgraph(self, keep: Callable[[Node], bool]) -> Graph:
        """The nodes ``keep`` accepts and the edges between them (same ids, same refs)."""
        sub = Graph()
        for n in self.nodes:
            if keep(n):
                sub.add_node(n)
        sub.edges = [e for e in self.edges if e.source in sub and e.target in sub]
        sub.roots = [r for r in self.roots if r in sub]
        sub.refs = self.refs
        sub.module_info = self.module_info
        return sub

    # ------------------------------------------------------------- export
    def to_json(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_json() for n in self.nodes],
            "edges": [{"source": e.source, "target": e.target} for e in self.edges],
        }

    def to_dot(self) -> str:
        from gradviz.core.graph_export import to_dot

        return to_dot(self)


# ------------------------------------------------------------------ capture
class _Capture:
    def __init__(
        self,
        names: Mapping[str, torch.Tensor] | None,
        show_saved: bool,
        modules: Mapping[str, str] | None,
    ) -> None:
        self.graph = Graph()
        self.show_saved = show_saved
        self.modules = modules or {}
        self.names = {id(t): n for n, t in (names or {}).items() if isinstance(t, torch.Tensor)}
        self.named = {n: t for n, t in (names or {}).items() if isinstance(t, torch.Tensor)}
        # named constants, found by identity or by storage (a saved copy is a new object)
        self.constants = {id(t): t for t in self.named.values() if _is_constant(t)}
        self.constant_keys = {_storage_key(t): t for t in self.constants.values()}
        self.refs: list[Any] = []  # every object an id was made from
        self.with_slots: list[Any] = []  # functions with a None input slot (a constant input)
        self.walked: set[int] = set()  # id() of every grad_fn walked

    # nodes -------------------------------------------------------------
    def tensor_node(self, t: torch.Tensor, kind: str, note: str = "") -> Node:
        nid = tensor_node_id(t)
        if nid in self.graph:
            return self.graph.node(nid)
        name = self.names.get(id(t))
        self.refs.append(t)
        node = Node(
            nid, kind, name or "tensor", name, list(t.shape), dtype_name(t.dtype),
            self.modules.get(nid), t, note=note,
        )  # fmt: skip
        self.graph.add_node(node)
        if t._is_view() and t._base is not None:
            self.add_base(node, t._base)
        return node

    def add_base(self, node: Node, base: torch.Tensor) -> None:
        """torchviz draws a view's base next to it, joined by a dotted edge; so do we."""
        if base.grad_fn is not None:  # only roots are outputs: a base is a kind of its own
            base_node = self.tensor_node(base, "base")
            self.walk(base.grad_fn, base_node.id, list(base.shape), dtype_name(base.dtype))
        elif base.requires_grad:
            base_node = self.tensor_node(base, "leaf")
        else:
            base_node = self.tensor_node(base, "constant", "no history")
        node.base = base_node.id
        self.graph.add_edge(Edge(base_node.id, node.id, list(base.shape), None, "view"))

    def fn_node(self, fn: Any) -> Node:
        variable = getattr(fn, "variable", None)
        if variable is not None:
            self.refs.append(fn)  # keeps the AccumulateGrad and so its hooks' target alive
            return self.tensor_node(variable, "leaf")
        nid = f"fn-{id(fn):x}"
        node = self.graph._index.get(nid)
        if node is None:
            self.refs.append(fn)
            node = self.graph.add_node(
                Node(
                    nid, "function", type(fn).__name__, None, None, None, self.modules.get(nid), fn
                )
            )
        return node

    # walking -----------------------------------------------------------
    def walk(self, start: Any, consumer: str | None = None, shape=None, dtype=None) -> None:
        """Add ``start`` and everything it reaches; an edge start -> consumer if given."""
        graph = self.graph
        index = graph._index
        first = self.fn_node(start)
        if consumer is not None:
            graph.add_edge(Edge(first.id, consumer, shape, dtype))
        if first.kind != "function":
            return
        for fn in walk_functions([start], seen=self.walked, enter=lambda f: not is_accumulate(f)):
            if is_accumulate(fn):
                continue
            nid = f"fn-{id(fn):x}"
            node = index.get(nid) or self.fn_node(fn)
            node.shape, node.dtype = _meta_shape(fn, 0)
            slot_missing = False
            for nf, k in fn.next_functions:
                if nf is None:
                    slot_missing = True
                    continue
                src = self.fn_node(nf)
                shape, dtype = _meta_shape(nf, k)
                graph.add_edge(Edge(src.id, nid, shape, dtype))
            if slot_missing:
                self.with_slots.append(fn)
            if self.show_saved:
                self.add_saved(fn, nid)

    def add_saved(self, fn: Any, nid: str) -> None:
        for attr, value in saved_values(fn):
            items = value if isinstance(value, (tuple, list)) else (value,)
            for i, v in enumerate(items):
                if not isinstance(v, torch.Tensor):
                    continue
                suffix = f"{attr[7:]}[{i}]" if len(items) > 1 else attr[7:]
                sid = f"saved-{nid[3:]}-{suffix}"
                self.refs.append(v)
                name = self.names.get(id(v))
                self.graph.add_node(
                    Node(sid, "saved", suffix, name, list(v.shape), dtype_name(v.dtype),
                         self.graph.node(nid).module, v)
                )  # fmt: skip
                self.graph.add_edge(Edge(sid, nid, list(v.shape), dtype_name(v.dtype), "saved"))

    def add_root(self, t: torch.Tensor) -> None:
        if t.grad_fn is None:
            kind = "output"
            node = self.tensor_node(t, kind)
        else:
            node = self.tensor_node(t, "output")
            node.kind = "output"
            self.walk(t.grad_fn, node.id, list(t.shape), dtype_name(t.dtype))
        if node.id not in self.graph.roots:
            self.graph.roots.append(node.id)

    def add_loose(self, t: torch.Tensor) -> None:
        """A tensor shown even when nothing reached it (a fresh workspace tensor)."""
        if t.grad_fn is not None:
            self.add_root(t)
        elif t.requires_grad:
            self.tensor_node(t, "leaf")
        else:
            self.tensor_node(t, "constant", _(_CUT_NOTE))

    def node_for(self, t: torch.Tensor) -> Node | None:
        """The node that stands for tensor ``t`` in the graph, if any."""
        nid = tensor_node_id(t)
        if nid in self.graph:
            return self.graph.node(nid)
        if t.grad_fn is not None:
            fid = function_node_id(t.grad_fn)
            return self.graph._index.get(fid)
        return None

    def add_use(self, source: torch.Tensor, target: torch.Tensor) -> None:
        """``target`` was computed from ``source`` (known from elsewhere, e.g. a history)."""
        if _is_constant(source) and target.grad_fn is not None:
            consumer = self.graph._index.get(function_node_id(target.grad_fn))
            if consumer is None or consumer.kind != "function":
                return
            const = self.tensor_node(source, "constant", _(_CUT_NOTE))
            if not any(e.source == const.id and e.target == consumer.id for e in self.graph.edges):
                self.graph.add_edge(
                    Edge(const.id, consumer.id, list(source.shape), dtype_name(source.dtype))
                )
        elif _is_constant(target) and not _is_constant(source):
            producer = self.node_for(source)
            const = self.tensor_node(target, "constant", _(_CUT_NOTE))
            src = self.names.get(id(source)) or _("its input")
            const.note = _(
                "cut off: computed from {src} without recording history (detach / no_grad)"
            ).format(src=src)
            const.cut = True
            if producer is not None and not self._has_cut(const.id, producer.id):
                self.graph.add_edge(Edge(producer.id, const.id, list(target.shape), None, "cut"))

    def _has_cut(self, node_id: str, source: str | None = None) -> bool:
        return any(
            e.target == node_id and e.kind == "cut" and source in (None, e.source)
            for e in self.graph.edges
        )

    def match_constants(self) -> None:
        """Named constants that a shown function took as input (found in its saved tensors)."""
        if not self.constants:
            return
        for fn in self.with_slots:
            nid = f"fn-{id(fn):x}"
            keys = []
            for _attr, value in saved_values(fn):
                items = value if isinstance(value, (tuple, list)) else (value,)
                keys += [(id(v), _storage_key(v)) for v in items if isinstance(v, torch.Tensor)]
            noted = _FREED_SAVED.get(id(fn))
            if not keys and noted is not None and noted[0] is fn:
                keys = noted[1]  # freed by a backward since: what was noted before it
            for vid, vkey in keys:
                t = self.constants.get(vid)
                if t is None:
                    t = self.constant_keys.get(vkey)
                if t is None:
                    continue
                const = self.tensor_node(t, "constant", _(_CUT_NOTE))
                if not any(e.source == const.id and e.target == nid for e in self.graph.edges):
                    self.graph.add_edge(Edge(const.id, nid, list(t.shape), dtype_name(t.dtype)))

    def mark_cuts(self) -> None:
        """A shown constant that shares storage with a shown tensor was detached from it."""
        consts = [n for n in self.graph.nodes if n.kind == "constant"]
        if not consts:
            return
        keyed: dict[tuple, torch.Tensor] = {}
        for t in self.named.values():
            if not _is_constant(t):
                keyed.setdefault(_storage_key(t), t)
        for node in consts:
            t = node.ref
            if not isinstance(t, torch.Tensor):
                continue
            origin = keyed.get(_storage_key(t))
            if origin is None:
                continue
            src = self.names.get(id(origin)) or _("a tensor with history")
            node.note = _(
                "cut off from {src}: detach() shares its numbers, not its history"
            ).format(src=src)
            node.cut = True
            producer = self.node_for(origin)
            if producer is not None and not self._has_cut(node.id):
                self.graph.add_edge(Edge(producer.id, node.id, list(t.shape), None, "cut"))


_CUT_NOTE = N_("constant: no history, so autograd treats it as a fixed number")


def capture_graph(
    *roots: torch.Tensor,
    names: Mapping[str, torch.Tensor] | None = None,
    show_saved: bool = False,
    include: Iterable[torch.Tensor] = (),
    uses: Iterable[tuple[torch.Tensor, torch.Tensor]] = (),
    modules: Mapping[str, str] | None = None,
) -> Graph:
    """The autograd graph that ``backward()`` from ``roots`` would walk.

    ``names`` maps a name to a tensor (like torchviz's ``params``): leaves and
    constants get these names. ``include`` adds tensors that should appear even
    when nothing reaches them; ``uses`` gives (input, output) pairs known from
    elsewhere, so detached results and constant inputs get their edges;
    ``modules`` maps node ids to module paths (see :func:`capture_module`).
    """
    for r in roots:
        if not isinstance(r, torch.Tensor):
            raise TypeError(f"capture_graph takes tensors, got {type(r).__name__}")
    cap = _Capture(names, show_saved, modules)
    with gc_paused():
        for r in roots:
            cap.add_root(r)
        for t in include:
            cap.add_loose(t)
        cap.match_constants()
        for source, target in uses:
            cap.add_use(source, target)
        cap.mark_cuts()
    cap.graph.refs = cap.refs
    return cap.graph


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors(v)]
    return []


_CONTAINER_FORWARDS = {torch.nn.Sequential.forward}
MODULE_KEY = "gradviz.module"  # where a grad_fn's metadata names the module that made it


class ModuleTagger:
    """Forward hooks that tag every ``grad_fn`` with the innermost module that created it.

    The tag lives in the node's own ``metadata`` dict, so it dies with the graph: a
    script that trains for hours under the hook keeps no graph alive. Hooks fire
    inner modules first, so a function already tagged belongs to a child; the
    walk from a module's outputs stops at its inputs' functions. With ``thread`` set,
    only forwards on that thread are tagged (a global hook also sees other threads).
    """

    def __init__(self, thread: int | None = None) -> None:
        self.thread = thread

    def after_forward(self, mod: torch.nn.Module, args: Any, output: Any) -> None:
        if self.thread is not None and threading.get_ident() != self.thread:
            return  # e.g. the training panel's worker while console code runs
        if type(mod).forward in _CONTAINER_FORWARDS:
            return  # a Sequential makes nothing itself: its children tag everything inside
        stop = {id(t.grad_fn) for t in _tensors(args) if t.grad_fn is not None}
        starts = [t.grad_fn for t in _tensors(output) if t.grad_fn is not None]
        # everything made between the inputs and the outputs; a child's functions are
        # walked through (its parent's own ops may lie behind them) but keep their tag
        inside = walk_functions(starts, enter=lambda f: id(f) not in stop and not is_accumulate(f))
        for fn in inside:
            if id(fn) in stop or is_accumulate(fn):
                continue
            meta = fn.metadata
            if MODULE_KEY not in meta:
                meta[MODULE_KEY] = mod


def apply_module_tags(graph: Graph, paths: Mapping[torch.nn.Module, str]) -> Graph:
    """Give each node of ``graph`` the path of the module that made it (functions) or holds
    it (parameters), for the modules in ``paths``; and the modules' classes and sizes."""
    holder = {id(p): path for mod, path in paths.items() for p in _own_parameters(mod)}
    saved_by = {e.source: e.target for e in graph.edges if e.kind == "saved"}
    for n in graph.nodes:
        if n.kind == "function" and n.ref is not None:
            mod = getattr(n.ref, "metadata", {}).get(MODULE_KEY)
            n.module = paths.get(mod) if mod is not None else n.module
        elif n.kind == "leaf" and isinstance(n.ref, torch.Tensor):
            n.module = holder.get(id(n.ref), n.module)
    for n in graph.nodes:  # a saved tensor sits with the function that saved it
        if n.kind == "saved" and n.id in saved_by:
            n.module = graph.node(saved_by[n.id]).module
    graph.module_info = module_info(paths)
    graph.__dict__.pop("_cache", None)  # the modules changed
    return graph


def module_info(paths: Mapping[torch.nn.Module, str]) -> dict[str, tuple[str, int]]:
    """Module path -> (class name, parameters it holds, children's included)."""
    own: dict[str, int] = {}
    seen: set[int] = set()
    shared = False
    for m, path in paths.items():
        count = 0
        for p in _own_parameters(m):
            shared = shared or id(p) in seen
            seen.add(id(p))
            count += p.numel()
        own[path] = count
        for child in getattr(m, "_modules", {}).values():  # a child kept under another path
            if child is not None and paths.get(child, "").rpartition(".")[0] != path:
                shared = True
    if shared:  # tied weights or shared modules: parameters() counts each once per module
        return {
            path: (type(m).__name__, sum(p.numel() for p in m.parameters()))
            for m, path in paths.items()
        }
    # children's counts added bottom-up, once each (parameters() per module walks its whole
    # subtree: 10 000 modules cost seconds)
    total = dict(own)
    for path in sorted(own, key=lambda p: -p.count(".")):
        parent = path.rsplit(".", 1)[0] if "." in path else None
        if parent in total:
            total[parent] += total[path]
    return {path: (type(m).__name__, total[path]) for m, path in paths.items()}


def _own_parameters(module: torch.nn.Module) -> list[torch.nn.Parameter]:
    """The parameters a module holds itself (``parameters(recurse=False)``, without the
    generator machinery that costs ~50 µs a module)."""
    params = getattr(module, "_parameters", None)
    if isinstance(params, dict):
        return [p for p in params.values() if p is not None]
    return list(module.parameters(recurse=False))


def module_paths(module: torch.nn.Module, name: str) -> dict[torch.nn.Module, str]:
    return {m: (f"{name}.{p}" if p else name) for p, m in module.named_modules()}


def bound_module_paths(bound: Mapping[str, Any]) -> dict[torch.nn.Module, str]:
    """Every module bound to a variable, and its submodules, by path (``net``, ``net.0``).

    A module reachable under two names (``net`` and ``first = net[0]``) keeps its
    path in the larger module, so a network's layers stay inside its frame.
    """
    mods = [(n, v) for n, v in bound.items() if isinstance(v, torch.nn.Module)]
    mods.sort(key=lambda item: -len(list(item[1].modules())))  # stable: ties keep bind order
    paths: dict[torch.nn.Module, str] = {}
    for name, value in mods:
        for mod, path in module_paths(value, name).items():
            paths.setdefault(mod, path)
    return paths


@contextlib.contextmanager
def tag_modules(
    modules: Iterable[torch.nn.Module] | None = None, thread: int | None = None
) -> Iterator[ModuleTagger]:
    """Tag functions made inside ``modules`` (None: inside any module, e.g. a whole script);
    ``thread``: only on that thread (see :class:`ModuleTagger`)."""
    tagger = ModuleTagger(thread)
    hook = tagger.after_forward
    if modules is not None:
        # one global hook that filters, not a hook per module: 10 000 modules cost ~1 s of
        # handle bookkeeping each capture
        chosen = {id(m) for m in modules}

        def hook(mod: torch.nn.Module, args: Any, output: Any) -> None:
            if id(mod) in chosen:
                tagger.after_forward(mod, args, output)

    handle = torch.nn.modules.module.register_module_forward_hook(hook)
    try:
        yield tagger
    finally:
        handle.remove()


def capture_module(
    module: torch.nn.Module,
    *inputs: Any,
    name: str = "net",
    loss: Any = None,
    show_saved: bool = False,
    names: Mapping[str, torch.Tensor] | None = None,
) -> Graph:
    """Run ``module(*inputs)`` and capture its graph, each node tagged with its module path.

    Paths are ``name`` plus the submodule path (``net.0``, ``net.2``); the
    innermost module that created a function owns it, and a parameter belongs
    to the module that holds it. ``loss(output)``, when given, adds the loss on
    top (its nodes have no module). Inputs are named ``input`` (``input0``, …);
    ``names`` names more tensors (a training batch's ``target``).
    """
    paths = module_paths(module, name)
    with gc_paused(), tag_modules(paths), torch.enable_grad():
        output = module(*inputs)
        result = loss(output) if loss is not None else None
    named: dict[str, torch.Tensor] = {}
    for p, param in module.named_parameters():
        named[f"{name}.{p}"] = param
    tensor_inputs = _tensors(list(inputs))
    for i, t in enumerate(tensor_inputs):
        named["input" if len(tensor_inputs) == 1 else f"input{i}"] = t
    outs = _tensors(output)
    for i, t in enumerate(outs):
        named["output" if len(outs) == 1 else f"output{i}"] = t
    roots = [result] if isinstance(result, torch.Tensor) else outs
    if isinstance(result, torch.Tensor):
        named["loss"] = result
    named.update(names or {})
    with gc_paused():
        graph = capture_graph(*roots, names=named, show_saved=show_saved)
        return apply_module_tags(graph, paths)


def function_details(fn: Any) -> dict[str, Any]:
    """Class, next functions, saved tensors and attributes of a grad_fn (see core.fn_info)."""
    from gradviz.core.fn_info import function_details as details

    return details(fn)
