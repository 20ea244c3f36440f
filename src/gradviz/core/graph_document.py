"""The graph document: what the graph view shows, as plain Python (no Qt).

It owns
* the source: the workspace's live graph, or an external one (a training batch's);
* the capture, and the *visible graph* drawn from it: collapsed module groups
  and ×N folds of repeated blocks become one box each (a node of kind ``group``);
* position memory: nodes keep their places across live updates and undo
  (by :func:`~gradviz.core.layout.stable_keys`);
* the selection;
* the backward annotations: the current node, the finished ones and the
  gradient labels on edges, by real node ids; :meth:`visible_annotations`
  maps them onto the boxes drawn.

Views subscribe (:class:`~gradviz.core.events.Emitter`) and redraw; user
actions come back as method calls. Events: ``graph`` (a new visible graph and
its positions), ``annotations`` (current / done / labels changed),
``selection``, ``source`` (workspace <-> external), ``error`` (capture failed).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import torch

from gradviz.core.events import Emitter
from gradviz.core.graph import Edge, Graph, Node, capture_graph, saved_values
from gradviz.core.graph_walk import gc_paused
from gradviz.core.i18n import _
from gradviz.core.layout import (
    GROUP_PAD,
    GROUP_TITLE,
    Pos,
    format_bytes,
    layout_graph,
    node_size,
    stable_keys,
)
from gradviz.core.local_layout import box_of, close_in_place, open_in_place

Notes = dict[tuple[str, str], tuple[str, str]]
GROUP_PREFIX = "group:"
FOLD_PREFIX = "fold:"
BOX_BUDGET = 300  # a level with more boxes than this is too busy to open with (not laid out)
VIEW_SIZE = (800.0, 500.0)  # the graph area at zoom 1, until a view says its own
FRAME_ROOM = 30.0  # module frames and the scene margin around the boxes
FREEZE_FROM = 5_000  # nodes: a graph this big is kept out of the cyclic collector's scans


def group_id(path: str) -> str:
    return f"{GROUP_PREFIX}{path}"


@dataclass
class Fold:
    """Repeated identical sibling blocks drawn as one ×N box."""

    id: str  # "fold:net.0"
    parent: str | None  # the module that holds the blocks
    members: list[list[str]]  # each repeat: its module paths (a period of one or more siblings)

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def paths(self) -> list[str]:
        return [p for block in self.members for p in block]


def path_depth(path: str) -> int:
    return path.count(".") + 1


def ancestors(module: str | None) -> list[str]:
    """``net.0.fc`` -> [net, net.0, net.0.fc]."""
    if not module:
        return []
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _sibling_key(path: str) -> tuple:
    last = path.rsplit(".", 1)[-1]
    return (0, int(last), "") if last.isdigit() else (1, 0, last)


def saved_bytes(fn: object) -> int:
    """Bytes a backward function holds for backward (its readable ``_saved_*`` tensors)."""
    total, seen = 0, set()
    for _attr, value in saved_values(fn):
        for v in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(v, torch.Tensor) and id(v) not in seen:
                seen.add(id(v))
                total += v.numel() * v.element_size()
    return total


class GraphDocument(Emitter):
    """The graph on screen and everything about how it is shown."""

    def __init__(self, workspace: object | None = None) -> None:
        super().__init__()
        self.workspace = workspace
        self.source = "workspace" if workspace is not None else "none"
        self.external_label = ""
        self.external_steps = False  # the external graph's backward can be stepped through
        self.captured: Graph | None = None  # everything captured (saved tensors included)
        self.graph: Graph | None = None  # the real nodes shown (saved filtered unless asked)
        self.visible: Graph | None = None  # what is drawn: groups and folds as single boxes
        self.positions: dict[str, Pos] = {}  # visible node id -> centre
        self._keys: dict[str, str] | None = {}  # None: not worked out for this drawing yet
        self._sizes: dict[str, tuple[Node, tuple[float, float]]] = {}
        self._box_sizes: dict[str, tuple[float, float]] = {}  # of the visible boxes, in step
        self._diff: tuple[list[str], list[str]] | None = None  # boxes gone, boxes new
        self._quiet = False  # several changes in a row: the views redraw after the last
        self._key_pos: dict[str, Pos] = {}
        self.new_ids: list[str] = []  # boxes that appeared with the last change
        self.show_saved = False
        self.collapsed: set[str] = set()
        self.folds: dict[str, Fold] = {}
        self.unfolded: set[str] = set()  # folds the user opened
        self.follow_steps = True  # a step into a collapsed group opens it
        self.box_budget = BOX_BUDGET
        self.view_size = VIEW_SIZE  # set by the view: what fits at a readable zoom
        self.selected: str | None = None
        self.current: str | None = None
        self.done: set[str] = set()
        self.notes: Notes = {}
        self.error = ""
        self._unit: dict[str, str] = {}  # real node id -> visible id
        self._saved_bytes: dict[str, int] = {}
        self._probe: tuple | None = None  # the last visible graph _fits built, for reuse
        self._change: tuple[str, str] | None = None  # ("open" | "close", box id) in progress
        if workspace is not None:
            workspace.subscribe(self._on_workspace)
            self.refresh()

    # ------------------------------------------------------------ source
    def close(self) -> None:
        """Stop following the workspace."""
        if self.workspace is not None:
            self.workspace.unsubscribe(self._on_workspace)
            self.workspace = None

    def _on_workspace(self, _event: object) -> None:
        self.refresh()  # any change: the workspace's graph comes back

    @property
    def external(self) -> bool:
        return self.source == "external"

    def refresh(self) -> None:
        """Recapture the workspace's graph and show it (leaving an external graph)."""
        if self.workspace is None:
            return
        from gradviz.core.workspace_graph import capture_workspace

        try:
            graph = capture_workspace(self.workspace)
        except Exception as exc:  # noqa: BLE001  a view must never break the user's action
            self.error = _("graph not available: {error}").format(error=exc)
            self.emit("error", message=self.error)
            return
        self.error = ""
        was = self.source
        self.source, self.external_label = "workspace", ""
        self._set_graph(graph, fresh=was != "workspace")
        if was != "workspace":
            self.emit("source", source=self.source)

    def show_workspace(self) -> None:
        """Back to the workspace's graph (the banner's button)."""
        if self.workspace is None:
            self.source = "none"
            self._set_graph(Graph(), fresh=True)
            self.emit("source", source=self.source)
            return
        self.refresh()

    def show_external(
        self, graph: Graph, label: str = "graph", steppable: bool | None = None
    ) -> None:
        """Show a graph that is not the workspace's, e.g. one training batch's loss.

        ``steppable``: its backward can be stepped through (default: it holds tensors)."""
        self.source, self.external_label = "external", label
        self.external_steps = bool(graph.refs) if steppable is None else steppable
        self._set_graph(graph, fresh=True)
        self.emit("source", source=self.source)

    def show_graph(self, graph: Graph) -> None:
        """Show a given graph without a label (the next workspace event replaces it)."""
        self.show_external(graph, "")

    def set_show_saved(self, on: bool) -> None:
        if on == self.show_saved:
            return
        self.show_saved = on
        graph = self.captured
        if graph is not None and on and not any(n.kind == "saved" for n in graph.nodes):
            graph = _with_saved(graph)
        if graph is not None:
            self._set_graph(graph, fresh=False, relayout=True)  # a new picture: lay it out anew

    # ------------------------------------------------------------ build
    def _set_graph(self, graph: Graph, fresh: bool, relayout: bool = False) -> None:
        gc.unfreeze()  # what the last graph froze goes back to the collector
        with gc_paused():  # tens of thousands of kept objects: no cycles worth hunting
            self._set_graph_now(graph, fresh, relayout)
        if len(graph) >= FREEZE_FROM:
            # A big graph's objects (millions at 50 000 nodes) live while it is shown; left
            # to the collector, each full pass over them, set off by the next burst of
            # allocations (opening a box), cost 0.2-0.8 s (measured). Frozen, they are
            # still freed by reference counting when the graph goes.
            gc.freeze()

    def _set_graph_now(self, graph: Graph, fresh: bool, relayout: bool) -> None:
        self.captured = graph
        self._sizes, self._box_sizes = {}, {}  # of the last graph's boxes: let them go
        keep_all = self.show_saved or not graph.counts_by_kind()["saved"]
        shown = graph if keep_all else graph.subgraph(lambda n: n.kind != "saved")
        self.graph = shown
        self._saved_bytes = {}
        ids = {n.id for n in shown.nodes}
        if fresh:
            self._key_pos.clear()
            self.folds = self._find_folds(shown)
            self.unfolded = set()
            self.collapsed = self._initial_collapse(shown)
            self.current, self.done, self.notes = None, set(), {}
        else:
            self.collapsed &= set(shown.modules())
        if self.selected is not None and self.selected not in ids:
            self.selected = None
        self._rebuild(relayout=fresh or relayout)

    def _rebuild(self, relayout: bool) -> None:
        """The visible graph from the shown one, and positions for it."""
        with gc_paused():  # the views redraw inside too (on "graph")
            self._rebuild_now(relayout)

    def _rebuild_now(self, relayout: bool) -> None:
        shown = self.graph
        probe, self._probe = self._probe, None
        change, self._change = self._change, None
        built = self._visible_after(change) if relayout and change else None
        if built is not None:
            visible, unit = built  # only the boxes inside the one that opened or closed
        elif probe is not None and probe[0] == (
            frozenset(self.collapsed),
            frozenset(self.unfolded),
        ):
            visible, unit = probe[1], probe[2]  # built while choosing the opening level
        else:
            visible, unit = self._visible(shown)
        local = self._in_place(visible, change) if relayout and change else None
        if local is not None:  # one box opened or closed: the rest only makes room
            # keys (a hash of every node's inputs) are worked out only when next needed
            old = self.positions
            self.new_ids = [n.id for n in visible.nodes if n.id not in old]
            self.visible, self._unit, self.positions = visible, unit, local
            self._keys = None
            if not self._quiet:
                self.emit("graph")
            return
        self._remember_places()
        self._box_sizes, self._diff = {}, None  # worked out anew at the next local change
        keys = stable_keys(visible)
        if relayout:
            for k in keys.values():
                self._key_pos.pop(k, None)
        previous = {nid: self._key_pos[k] for nid, k in keys.items() if k in self._key_pos}
        positions = layout_graph(visible, previous)
        for _try in range(4):  # a remembered place above its producer (a name re-made deeper)
            upward = _upward_targets(visible, positions)
            if not upward:
                break
            previous = {nid: p for nid, p in previous.items() if nid not in upward}
            positions = layout_graph(visible, previous)
        else:
            if _upward_targets(visible, positions):
                previous = {}
                positions = layout_graph(visible)
        self._forget_overlapped(visible, positions, keys)
        for nid, key in keys.items():
            self._key_pos[key] = positions[nid]
        self.new_ids = [nid for nid in keys if nid not in previous]
        self.visible, self._unit, self.positions, self._keys = visible, unit, positions, keys
        if not self._quiet:
            self.emit("graph")

    @property
    def keys(self) -> dict[str, str]:
        """Visible node id -> its stable key (position memory across undo and live updates)."""
        if self._keys is None:
            self._keys = stable_keys(self.visible) if self.visible is not None else {}
        return self._keys

    def _remember_places(self) -> None:
        """Position memory for the drawing shown now. After a box opened or closed in place
        the keys are not worked out (a hash of every node's inputs); this does it, once,
        before anything else needs them."""
        if self._keys is None:
            for nid, key in self.keys.items():
                if nid in self.positions:
                    self._key_pos[key] = self.positions[nid]

    def _size(self, node: Node) -> tuple[float, float]:
        cached = self._sizes.get(node.id)
        if cached is None or cached[0] is not node:
            cached = self._sizes[node.id] = (node, node_size(node))
        return cached[1]

    def _visible_after(self, change: tuple[str, str]) -> tuple[Graph, dict[str, str]] | None:
        """The visible graph after one box opened or closed, made from the one drawn: only
        the real nodes inside that box get new boxes, and only their edges are merged
        again (a full :meth:`_visible` walks every node and edge). None when the change
        is not that simple."""
        before, old_unit, shown = self.visible, self._unit, self.graph
        if before is None or shown is None or not self.collapsed:
            return None
        kind, box = change
        if kind == "open":
            if box not in before or before.node(box).kind != "group":
                return None
            inner = list(before.node(box).ref)
        else:
            inner = self._nodes_under(box)
        if not inner:
            return None
        closed = {
            fid: f
            for fid, f in self.folds.items()
            if fid not in self.unfolded and all(p in self.collapsed for p in f.paths)
        }
        fold_of = {p: fid for fid, f in closed.items() for p in f.paths}
        gone = {old_unit.get(n.id) for n in inner}
        if None in gone or sum(len(self.members_of(u)) for u in gone) != len(inner):
            return None  # the old boxes hold nodes from outside: not a local change
        unit = dict(old_unit)
        members: dict[str, list[Node]] = {}
        new_nodes: list[Node] = []
        cache: dict = {}
        for n in inner:
            owner = _owner(n.module, self.collapsed, cache)
            if owner is None:
                unit[n.id] = n.id
                new_nodes.append(n)
                continue
            uid = fold_of.get(owner) or group_id(owner)
            unit[n.id] = uid
            if uid not in members:
                members[uid] = []
                new_nodes.append(self._group_node(uid, owner, closed.get(uid)))
            members[uid].append(n)
        visible = Graph()
        visible.refs, visible.module_info = shown.refs, shown.module_info
        placed = False
        for n in before.nodes:  # the new boxes where the old ones were, the rest in order
            if n.id in gone:
                if not placed:
                    for m in new_nodes:
                        visible.add_node(m)
                    placed = True
                continue
            visible.add_node(n)
        for e in before.edges:
            if e.source not in gone and e.target not in gone:
                visible.add_edge(e)
        edges, incident = shown.edges, _incident(shown)
        seen: set[tuple[str, str, str]] = set()
        out_shape: dict[str, tuple] = {}
        for index in sorted({i for n in inner for i in incident.get(n.id, ())}):
            e = edges[index]
            s, t = unit[e.source], unit[e.target]
            if s == t or (s, t, e.kind) in seen:
                continue
            seen.add((s, t, e.kind))
            visible.add_edge(Edge(s, t, e.shape, e.dtype, e.kind))
            if s != e.source and e.kind == "data":
                out_shape.setdefault(s, (e.shape, e.dtype))
        visible.roots = list(dict.fromkeys(unit[r] for r in shown.roots if r in unit))
        self._diff = ([n.id for n in before.nodes if n.id in gone], [n.id for n in new_nodes])
        for uid, nodes in members.items():
            node = visible.node(uid)
            node.shape, node.dtype = out_shape.get(uid, (None, None))
            node.ref = nodes
            node.note = self._group_note(uid, nodes)
        return visible, unit

    def _nodes_under(self, box: str) -> list[Node]:
        """The real nodes inside module group ``box`` (group:PATH) or fold ``box``, in graph
        order."""
        if box.startswith(FOLD_PREFIX):
            fold = self.folds.get(box)
            paths = fold.paths if fold is not None else []
        else:
            paths = [box[len(GROUP_PREFIX) :]]
        by_module = _by_module(self.graph)
        found: list[Node] = []
        for module, nodes in by_module.items():
            if module and any(module == p or module.startswith(p + ".") for p in paths):
                found.extend(nodes)
        order = _order(self.graph)
        found.sort(key=lambda n: order[n.id])
        return found

    def _in_place(self, visible: Graph, change: tuple[str, str]) -> dict[str, Pos] | None:
        """Positions after opening or closing the one box ``change`` names, the rest of the
        drawing kept in place (see :mod:`~gradviz.core.local_layout`); None when the change
        is not that simple."""
        before, old = self.visible, self.positions
        if before is None or not old:
            return None
        diff, self._diff = self._diff, None
        if diff is not None:  # from _visible_after: which boxes went and came
            removed, added = diff
            kept = dict(old)
            for nid in removed:
                kept.pop(nid, None)
        else:
            removed = [n.id for n in before.nodes if n.id not in visible]
            added = [n.id for n in visible.nodes if n.id not in before]
            kept = {n.id: old[n.id] for n in visible.nodes if n.id in before and n.id in old}
        if len(kept) + len(added) != len(visible) or not removed or not added:
            return None
        kind, box = change
        sizes = self._box_sizes
        for nid in removed:
            sizes.pop(nid, None)
        for nid in added:
            sizes[nid] = self._size(visible.node(nid))
        if len(sizes) != len(visible):  # not kept in step (a rebuild in between): anew
            sizes = self._box_sizes = {n.id: self._size(n) for n in visible.nodes}
        if kind == "open" and removed == [box]:
            extent = box_of(old[box], self._size(before.node(box)))
            return open_in_place(visible, kept, extent, added, sizes)
        if kind == "close" and added == [box]:
            boxes = [box_of(old[i], self._size(before.node(i))) for i in removed]
            extent = (
                min(b[0] for b in boxes) - GROUP_PAD,
                min(b[1] for b in boxes) - GROUP_PAD - GROUP_TITLE,
                max(b[2] for b in boxes) + GROUP_PAD,
                max(b[3] for b in boxes) + GROUP_PAD,
            )
            return close_in_place(visible, kept, extent, box, sizes)
        return None

    def _forget_overlapped(self, shown: Graph, positions: dict, keys: dict) -> None:
        """Drop remembered places of absent nodes that a present node now covers."""
        present = set(keys.values())
        boxes = []
        for n in shown.nodes:
            (x, y), (w, h) = positions[n.id], node_size(n)
            boxes.append((x - w / 2, y - h / 2, x + w / 2, y + h / 2))
        for key in [k for k in self._key_pos if k not in present]:
            x, y = self._key_pos[key]
            probe = (x - 40, y - 15, x + 40, y + 15)
            if any(b[0] < probe[2] and probe[0] < b[2] and b[1] < probe[3] and probe[1] < b[3]
                   for b in boxes):  # fmt: skip
                del self._key_pos[key]

    # ----------------------------------------------------------- groups
    def groups(self) -> list[str]:
        return self.graph.modules() if self.graph is not None else []

    def is_collapsed(self, path: str) -> bool:
        return path in self.collapsed

    def collapse(self, path: str) -> None:
        self._change = ("close", group_id(path))
        self._set_collapsed({path} | self.collapsed)

    def expand(self, path: str) -> None:
        """Open one level: the module's own children show as collapsed boxes."""
        if path.startswith(FOLD_PREFIX):
            self.unfold(path)
            return
        collapsed = set(self.collapsed)
        self._open(path, collapsed)
        self._change = ("open", group_id(path))
        self._set_collapsed(collapsed)

    def _open(self, path: str, collapsed: set[str]) -> None:
        if path in collapsed:
            collapsed.discard(path)
            collapsed.update(self._children().get(path, ()))

    def _children(self) -> dict[str, list[str]]:
        if self.graph is None:
            return {}
        return self.graph._cached("children", self._find_children)  # 10 000 groups: cache

    def _find_children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {}
        for p in self.groups():
            if "." in p:
                children.setdefault(p.rsplit(".", 1)[0], []).append(p)
        return children

    def toggle_group(self, path: str) -> None:
        if path.startswith(FOLD_PREFIX):
            self.unfold(path)
        elif path in self.collapsed:
            self.expand(path)
        else:
            self.collapse(path)

    def expand_all(self) -> None:
        self.unfolded = set(self.folds)
        self._set_collapsed(set(), force=True)

    def collapse_all(self) -> None:
        """Every top-level module as one box (and repeated blocks folded again)."""
        self.unfolded = set()
        tops = {p for p in self.groups() if "." not in p}
        self._set_collapsed(tops, force=True)

    def unfold(self, fold_id: str) -> None:
        if fold_id in self.folds and fold_id not in self.unfolded:
            self.unfolded.add(fold_id)
            self._change = ("open", fold_id)
            self._rebuild(relayout=True)

    def fold(self, fold_id: str) -> None:
        if fold_id in self.unfolded:
            self.unfolded.discard(fold_id)
            self._change = ("close", fold_id)
            self._rebuild(relayout=True)

    def _set_collapsed(self, collapsed: set[str], force: bool = False) -> None:
        collapsed &= set(self.groups())
        if collapsed == self.collapsed and not force:
            self._change = None
            return
        self.collapsed = collapsed
        self._rebuild(relayout=True)  # boxes change size: the whole drawing is laid out anew

    def reveal(self, node_id: str) -> bool:
        """Open every collapsed group and fold that hides ``node_id``; True if any opened.

        Each box opens in place, one after the other, outer to inner (a step of the
        backward pass entering a block of a 50 000-node graph must not lay out the whole
        drawing again); the views redraw once, at the end."""
        if self.graph is None or node_id not in self.graph:
            return False
        paths = ancestors(self.graph.node(node_id).module)
        steps: list[str] = []
        for fid, fold in self.folds.items():
            if fid not in self.unfolded and any(p in fold.paths for p in paths):
                steps.append(fid)
        collapsed = set(self.collapsed)
        for path in paths:  # outer to inner: each opened level shows its children collapsed
            if path in collapsed:
                steps.append(path)
                self._open(path, collapsed)
        if not steps:
            return False
        self._quiet = True
        try:
            for i, step in enumerate(steps):
                self._quiet = i < len(steps) - 1
                if step.startswith(FOLD_PREFIX):
                    self.unfold(step)
                else:
                    keep = set(self.collapsed)
                    self._open(step, keep)
                    self._change = ("open", group_id(step))
                    self._set_collapsed(keep)
        finally:
            self._quiet = False
        return True

    def _initial_collapse(self, graph: Graph) -> set[str]:
        """The deepest module level whose drawing fits the view at a readable zoom
        (the top level when none does). Levels with more boxes than ``box_budget`` are not
        even laid out."""
        paths = graph.modules()
        if not paths:
            return set()
        deepest = max(path_depth(p) for p in paths)
        best: set[str] = {p for p in paths if path_depth(p) == 1}
        for depth in range(1, deepest + 2):
            collapsed = {p for p in paths if path_depth(p) == depth}
            if self._count_boxes(graph, collapsed) > self.box_budget:
                break
            if not self._fits(graph, collapsed):
                break
            best = collapsed
        return best

    def _fits(self, graph: Graph, collapsed: set[str]) -> bool:
        """Whether the drawing with these groups collapsed fits ``view_size`` at zoom 1."""
        visible, unit = self._visible(graph, collapsed)
        self._probe = ((frozenset(collapsed), frozenset(self.unfolded)), visible, unit)
        positions = layout_graph(visible)
        if not positions:
            return True
        x0 = y0 = float("inf")
        x1 = y1 = float("-inf")
        for n in visible.nodes:
            (x, y), (w, h) = positions[n.id], node_size(n)
            x0, y0 = min(x0, x - w / 2), min(y0, y - h / 2)
            x1, y1 = max(x1, x + w / 2), max(y1, y + h / 2)
        width, height = self.view_size
        return x1 - x0 + 2 * FRAME_ROOM <= width and y1 - y0 + 2 * FRAME_ROOM <= height

    def _count_boxes(self, graph: Graph, collapsed: set[str]) -> int:
        units: set[str] = set()
        loose = 0  # nodes outside every collapsed group: a box each
        for module, nodes in _by_module(graph).items():  # per module, not per node
            owner = _owner(module, collapsed)
            if owner is None:
                loose += len(nodes)
            else:
                units.add(owner)
        folded = 0
        for fold in self.folds.values():
            inside = [p for p in fold.paths if p in collapsed]
            if len(inside) == len(fold.paths):
                folded += len(inside) - 1
        return len(units) + loose - folded

    def _find_folds(self, graph: Graph) -> dict[str, Fold]:
        """Runs of sibling modules whose blocks repeat: the same classes and parameter counts,
        period 1 (twelve identical layers) or more (eight Linear -> Tanh pairs)."""
        info = graph.module_info
        if not info:
            return {}
        children: dict[str | None, list[str]] = {}
        for path in graph.modules():
            parent = path.rsplit(".", 1)[0] if "." in path else None
            children.setdefault(parent, []).append(path)
        folds: dict[str, Fold] = {}
        for kids in children.values():
            kids.sort(key=_sibling_key)
        for parent, kids in children.items():
            sig = [self._signature(graph, p, children) for p in kids]
            i = 0
            while i < len(kids):
                found = None
                for period in range(1, 5):
                    block = sig[i : i + period]
                    if len(block) < period:
                        break
                    reps = 1
                    while sig[i + reps * period : i + (reps + 1) * period] == block:
                        reps += 1
                    if reps >= 3 or (reps >= 2 and period > 1):
                        found = (period, reps)
                        break
                if found is None:
                    i += 1
                    continue
                period, reps = found
                members = [kids[i + r * period : i + (r + 1) * period] for r in range(reps)]
                fid = f"{FOLD_PREFIX}{kids[i]}"
                folds[fid] = Fold(fid, parent, members)
                i += period * reps
        return folds

    @staticmethod
    def _signature(graph: Graph, path: str, children: Mapping[str | None, list[str]]) -> tuple:
        """What makes two blocks the same: class, parameter count, and their children's."""
        info = graph.module_info
        inner = tuple(info.get(p, ("?", 0)) for p in children.get(path, ()))
        return (*info.get(path, ("?", 0)), inner)

    # ---------------------------------------------------- visible graph
    def _visible(
        self, shown: Graph, collapsed: set[str] | None = None
    ) -> tuple[Graph, dict[str, str]]:
        """Each collapsed group and closed fold as one box; edges merged onto the boxes."""
        collapsed = self.collapsed if collapsed is None else collapsed
        closed = {
            fid: f
            for fid, f in self.folds.items()
            if fid not in self.unfolded and all(p in collapsed for p in f.paths)
        }
        fold_of = {p: fid for fid, f in closed.items() for p in f.paths}
        if not collapsed:
            return shown, {n.id: n.id for n in shown.nodes}
        visible = Graph()
        visible.refs, visible.roots, visible.module_info = shown.refs, [], shown.module_info
        unit: dict[str, str] = {}
        members: dict[str, list[Node]] = {}
        owner_of = {m: _owner(m, collapsed) for m in _by_module(shown)}
        for n in shown.nodes:
            owner = owner_of[n.module]
            if owner is None:
                unit[n.id] = n.id
                visible.add_node(n)
                continue
            uid = fold_of.get(owner) or group_id(owner)
            unit[n.id] = uid
            if uid not in members:
                members[uid] = []
                visible.add_node(self._group_node(uid, owner, closed.get(uid)))
            members[uid].append(n)
        seen: set[tuple[str, str, str]] = set()
        out_shape: dict[str, tuple] = {}
        for e in shown.edges:
            s, t = unit[e.source], unit[e.target]
            if s == t or (s, t, e.kind) in seen:
                continue
            seen.add((s, t, e.kind))
            visible.add_edge(Edge(s, t, e.shape, e.dtype, e.kind))
            if s != e.source and e.kind == "data":
                out_shape.setdefault(s, (e.shape, e.dtype))
        visible.roots = list(dict.fromkeys(unit[r] for r in shown.roots if r in unit))
        for uid, nodes in members.items():
            box = visible.node(uid)
            box.shape, box.dtype = out_shape.get(uid, (None, None))
            box.ref = nodes  # the real nodes inside, for tooltips and the Inspector
            box.note = self._group_note(uid, nodes)
        return visible, unit

    def _group_node(self, uid: str, path: str, fold: Fold | None) -> Node:
        info = self.graph.module_info if self.graph is not None else {}
        if fold is not None:
            first, last = fold.members[0][0], fold.members[-1][-1]
            classes = "→".join(info.get(p, ("?", 0))[0] for p in fold.members[0])
            label = f"{first}…{last.rsplit('.', 1)[-1]} {classes} ×{fold.count}"
            module = fold.parent
        else:
            cls = info.get(path, ("", 0))[0]
            label = f"{path} {cls}".strip()
            module = path.rsplit(".", 1)[0] if "." in path else None
        return Node(uid, "group", label, None, None, None, module)

    def _group_note(self, uid: str, nodes: list[Node]) -> str:
        """Second line of a group box: parameters and the bytes its nodes saved for backward."""
        params = sum(
            n.ref.numel() if isinstance(n.ref, torch.Tensor) else math.prod(n.shape or [0])
            for n in nodes
            if n.kind == "leaf" and n.name and (isinstance(n.ref, torch.Tensor) or n.shape)
        )  # a graph a live script sent has shapes but no tensors
        saved = 0
        for n in nodes:
            if n.kind == "function" and n.ref is not None:
                if n.id not in self._saved_bytes:
                    self._saved_bytes[n.id] = saved_bytes(n.ref)
                saved += self._saved_bytes[n.id]
        parts = [_("{n} params").format(n=f"{params:,}") if params else _("no params")]
        if saved:
            parts.append(_("saved {size}").format(size=format_bytes(saved)))
        return " · ".join(parts)

    def unit_of(self, node_id: str) -> str | None:
        """The visible box that stands for real node ``node_id`` (itself, a group or a fold)."""
        return self._unit.get(node_id)

    def members_of(self, visible_id: str) -> list[Node]:
        if self.visible is None or visible_id not in self.visible:
            return []
        node = self.visible.node(visible_id)
        return list(node.ref) if node.kind == "group" else [node]

    # --------------------------------------------------------- selection
    def select(self, node_id: str | None) -> None:
        if node_id is not None and self.node(node_id) is None:
            return
        if node_id == self.selected:
            return
        self.selected = node_id
        self.emit("selection", node=node_id)

    def select_module(self, path: str) -> bool:
        """Select the box of module ``path`` (the Diagnosis tab's layer): its group, with
        the groups and folds around it opened, or its first function if it is open itself.
        False (selection kept) when the graph shown has no such module, e.g. it is another
        model's or the workspace's."""
        if self.graph is None or path not in self.graph.modules():
            return False
        inside = [
            n.id
            for n in self.graph.nodes
            if n.kind == "function" and n.module and (n.module + ".").startswith(path + ".")
        ]
        if not inside:
            return False
        outer = ancestors(path)[:-1]
        opened = False
        for fid, fold in self.folds.items():  # a fold (fc1…fc8 ×8) hides which layer it is
            if fid not in self.unfolded and any(p in fold.paths for p in [*outer, path]):
                self.unfolded.add(fid)
                opened = True
        keep = set(self.collapsed)
        for p in outer:
            self._open(p, keep)
        if keep != self.collapsed:
            self.collapsed, opened = keep, True
        if opened:
            self._rebuild(relayout=True)
        box = group_id(path)
        shown = self.visible is not None and box in self.visible
        self.select(box if shown else (self.unit_of(inside[0]) or inside[0]))
        return True

    def select_name(self, name: str) -> None:
        """Follow a selection made elsewhere (the Workspace list)."""
        if self.graph is None:
            return
        hit = next((n.id for n in self.graph.nodes if n.name == name and n.kind != "saved"), None)
        self.select(hit)

    def tensor_names(self) -> dict[int, str]:
        """``id(tensor)`` -> what the graph shown calls it: a parameter's path
        (``net.0.weight``), ``input``, ``target``, ``loss``; an unnamed leaf by the module
        that holds it. The Inspector names an external graph's tensors with these (the
        workspace does not know them)."""
        graph = self.graph
        if graph is None:
            return {}
        out: dict[int, str] = {}
        for n in graph.nodes:
            if n.kind == "function" or not isinstance(n.ref, torch.Tensor):
                continue
            if n.name:
                out[id(n.ref)] = n.name
            elif n.kind == "leaf" and n.module:
                out[id(n.ref)] = _("a leaf of {module}").format(module=n.module)
        return out

    def node(self, node_id: str) -> Node | None:
        for g in (self.graph, self.visible):
            if g is not None and node_id in g:
                return g.node(node_id)
        return None

    # ------------------------------------------------------- annotations
    def set_annotations(self, current: str | None, done: Iterable[str], notes: Mapping) -> None:
        """Replace the backward annotations (real node ids). A step into a collapsed group
        opens it when ``follow_steps`` is on."""
        self.current, self.done, self.notes = current, set(done), dict(notes)
        hidden = current is not None and self._unit.get(current, current) != current
        if hidden and self.follow_steps:
            self.reveal(current)  # emits "graph": the view redraws with the annotations
        self.emit("annotations", full=True)

    def update_annotations(self, current: str | None, done: Iterable[str], notes: Mapping) -> None:
        """One step forward: the new current node, the done set, and only the new labels."""
        self.notes.update(notes)
        self.set_annotations(current, done, self.notes)

    def clear_annotations(self) -> None:
        self.set_annotations(None, (), {})

    def visible_annotations(self) -> tuple[str | None, set[str], Notes]:
        """The annotations on the boxes drawn: a collapsed group is current while a node
        inside it is, done when all of its nodes are; labels of hidden edges stay unseen."""
        unit = self._unit
        current = unit.get(self.current) if self.current is not None else None
        if current is None and self.current is not None and self.visible is not None:
            current = self.current if self.current in self.visible else None
        done: set[str] = set()
        partial: set[str] = set()
        for nid in self.done:
            u = unit.get(nid, nid)
            (partial if u != nid else done).add(u)
        for u in partial:
            if all(m.id in self.done for m in self.members_of(u)):
                done.add(u)
        notes: Notes = {}
        for (s, t), note in self.notes.items():
            us, ut = unit.get(s, s), unit.get(t, t)
            if us != ut:
                notes[(us, ut)] = note
        return current, done, notes

    # --------------------------------------------------------- status
    def status_text(self) -> str:
        graph = self.graph
        if graph is None or not graph.nodes:
            return _("empty graph")
        n = len(graph.nodes)
        nodes = _("{n} nodes") if n != 1 else _("{n} node")
        text = nodes.format(n=n) + " · " + _("depth {depth}").format(depth=graph.depth())
        if self.visible is not None and len(self.visible) != n:
            text += " · " + _("{n} shown").format(n=len(self.visible))
        return text


def _upward_targets(graph: Graph, positions: Mapping[str, Pos]) -> set[str]:
    """Nodes drawn level with or above a node that feeds them (the arrow would point up)."""
    return {
        e.target
        for e in graph.edges
        if e.kind in ("data", "saved", "view")
        and e.source in positions
        and e.target in positions
        and positions[e.target][1] <= positions[e.source][1]
    }


def _incident(graph: Graph) -> dict[str, list[int]]:
    """Node id -> indexes of the edges that touch it (cached with the graph)."""

    def build() -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for i, e in enumerate(graph.edges):
            out.setdefault(e.source, []).append(i)
            if e.target != e.source:
                out.setdefault(e.target, []).append(i)
        return out

    return graph._cached("incident", build)


def _by_module(graph: Graph) -> dict[str | None, list[Node]]:
    """Module path -> its nodes (cached with the graph)."""

    def build() -> dict[str | None, list[Node]]:
        out: dict[str | None, list[Node]] = {}
        for n in graph.nodes:
            out.setdefault(n.module, []).append(n)
        return out

    return graph._cached("by_module", build)


def _order(graph: Graph) -> dict[str, int]:
    return graph._cached("order", lambda: {n.id: i for i, n in enumerate(graph.nodes)})


def _owner(module: str | None, collapsed: set[str], cache: dict | None = None) -> str | None:
    """The outermost collapsed group that contains ``module`` (``cache``: per module path,
    for one pass over many nodes that share few paths)."""
    if cache is not None and module in cache:
        return cache[module]
    found = next((p for p in ancestors(module) if p in collapsed), None)
    if cache is not None:
        cache[module] = found
    return found


def _with_saved(graph: Graph) -> Graph:
    """Recapture a given graph with its saved tensors (same objects, so same ids)."""
    roots = [graph.node(r).ref for r in graph.roots]
    if not roots or not all(hasattr(r, "grad_fn") for r in roots):
        return graph
    names = {n.name: n.ref for n in graph.nodes if n.name and n.kind != "function"}
    modules = {n.id: n.module for n in graph.nodes if n.module}
    out = capture_graph(*roots, names=names, show_saved=True, modules=modules)
    out.module_info = graph.module_info
    out.refs.extend(graph.refs)
    return out
