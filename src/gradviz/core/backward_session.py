"""The backward session: one real backward pass, recorded and replayed step by step (no Qt).

It owns
* the root (a workspace tensor, or an external one such as a training batch's
  loss) and the gradient ``v`` a non-scalar root needs;
* the recorded :class:`~gradviz.core.backward.Trace` and the replay position;
* external roots: their leaves' ``.grad`` are set aside during the pass and put
  back after, so the tensors' owner (a model) finds them unchanged;
* retained grads, the non-leaf and cut (detach / no_grad) hints, and gradient checks.

It drives the :class:`~gradviz.core.graph_document.GraphDocument`'s
annotations, so the graph and the panel always agree. A recorded trace made
elsewhere (a console's ``backward()`` call) is loaded with :meth:`load_trace`;
a console's recorded call (core.recording) with :meth:`show_recorded`.

Events: ``root`` (root, v or what Run can do changed), ``trace`` (a new trace,
or none), ``position`` (the replay moved), ``hints``, ``error`` (one plain
line, or "" when cleared), ``message`` (a status line), ``check`` (a gradient
check's result).
"""

from __future__ import annotations

from typing import Any

import torch

from gradviz.core.backward import (
    ACCUMULATE,
    EdgeFlow,
    GradSummary,
    Replay,
    Trace,
    edge_text,
    trace_backward,
)
from gradviz.core.errors import explain
from gradviz.core.events import Emitter
from gradviz.core.gradcheck import GradCheckError, check_workspace_leaf
from gradviz.core.graph import Graph, function_node_id
from gradviz.core.graph_walk import leaf_tensors
from gradviz.core.i18n import _
from gradviz.core.literals import LiteralError, parse_tensor_literal
from gradviz.core.workspace import Workspace, WorkspaceError

MAX_DEFAULT_V = 4096  # prefill v with ones up to this many elements


def ones_literal(shape: tuple[int, ...]) -> str:
    return repr(torch.ones(shape).tolist()) if shape else "1.0"


class ExternalRoot:
    """A root that is not in the workspace: the tensor, what to call it, its graph."""

    def __init__(self, tensor: torch.Tensor, label: str, graph: Graph | None) -> None:
        self.tensor, self.label, self.graph = tensor, label, graph

    def names(self) -> dict[str, torch.Tensor]:
        """Leaf names from the graph (``net.0.weight``), so the leaf table reads well."""
        if self.graph is None:
            return {}
        return {
            n.name: n.ref
            for n in self.graph.nodes
            if n.kind == "leaf" and n.name and isinstance(n.ref, torch.Tensor)
        }


class BackwardSession(Emitter):
    """Root, v, trace and replay position; every change is an event."""

    def __init__(self, workspace: Workspace, document: Any = None) -> None:
        super().__init__()
        self.workspace = workspace
        self.document = document  # a GraphDocument (annotations go there), or None
        self.root_name: str | None = None
        self.external: ExternalRoot | None = None
        self.v_text = ""
        self.retain_graph = False
        self.trace: Trace | None = None
        self.replay: Replay | None = None
        self.traced_name: str | None = None  # the root of the replay on screen
        self.labels: dict[str, str] = {}  # node id -> what the panel calls it
        self.error = ""
        self._running = False
        workspace.subscribe(self._on_workspace)
        if document is not None:
            document.subscribe(self._on_document)

    def close(self) -> None:
        self.workspace.unsubscribe(self._on_workspace)
        if self.document is not None:
            self.document.unsubscribe(self._on_document)

    # ------------------------------------------------------------ root
    def root_tensor(self) -> torch.Tensor | None:
        if self.external is not None:
            return self.external.tensor
        return self.workspace.tensors.get(self.root_name) if self.root_name else None

    @property
    def root_label(self) -> str | None:
        return self.external.label if self.external is not None else self.root_name

    def can_run(self) -> bool:
        t = self.root_tensor()
        return t is not None and t.requires_grad

    def set_root(self, name: str | None) -> None:
        """Make ``name`` the tensor the next backward starts from (an explicit choice).

        A replay on screen stays: the next Run starts from the new root.
        """
        name = name if name and name in self.workspace.tensors else None
        if self.external is not None and name is not None:
            self.leave_external()
        elif name == self.root_name:
            return
        self.root_name = name
        self._default_v()
        self._set_error("")
        self.emit("root")

    def set_v(self, text: str) -> None:
        self.v_text = text

    def fill_ones(self) -> None:
        t = self.root_tensor()
        if t is not None:
            self.v_text = ones_literal(tuple(t.shape))
            self.emit("root")

    def set_retain_graph(self, on: bool) -> None:
        self.retain_graph = bool(on)

    def _default_v(self) -> None:
        t = self.root_tensor()
        small = t is not None and 1 < t.numel() <= MAX_DEFAULT_V
        self.v_text = ones_literal(tuple(t.shape)) if small else ""

    def set_external_root(self, tensor: torch.Tensor, label: str, graph: Graph | None) -> None:
        """Step through backward from a tensor that is not in the workspace (one training
        batch's loss). Run then records no code line and leaves every ``.grad`` as it was."""
        self.external = ExternalRoot(tensor, label, graph)
        self._clear_trace()  # the old replay's ids belong to another graph
        self._default_v()
        self._set_error("")
        self.emit("root")

    def leave_external(self) -> None:
        if self.external is None:
            return
        self.external = None
        self._clear_trace()
        self._default_v()
        self.emit("root")

    # ------------------------------------------------------------- run
    def run(self) -> Trace | None:
        """Run the real backward and start a fresh replay; None (and an error) if refused."""
        if self.external is not None:
            return self._run_external()
        name = self.root_name
        if not name or name not in self.workspace.tensors:
            self._set_error(_("Choose the tensor to start from first."))
            return None
        t = self.workspace.tensors[name]
        grad = self.v_text.strip() if t.numel() != 1 else None
        if t.numel() != 1 and not grad:
            self._set_error(
                _("{name} is not a scalar: type a gradient v of shape {shape}.").format(
                    name=name, shape=tuple(t.shape)
                )
            )
            return None
        names = dict(self.workspace.tensors)
        self._running = True
        try:
            trace = self.workspace.backward(
                name,
                grad,
                retain_graph=self.retain_graph,
                runner=lambda root, g, retain: trace_backward(root, g, retain, names=names),
            )
        except WorkspaceError as exc:
            self._set_error(str(exc))
            self.emit("message", text=_("backward refused: {error}").format(error=exc))
            return None
        finally:
            self._running = False
        self._set_error("")
        self._start(trace, name)
        n = len(trace.steps)
        self.emit(
            "message",
            text=_("backward from {name}: {n} nodes recorded; step through them").format(
                name=name, n=n
            ),
        )
        return trace

    def _run_external(self) -> Trace | None:
        """trace_backward directly: no workspace, no code line; the leaves' .grad are set
        aside first and put back after, so the table shows this pass's gradients alone."""
        ext = self.external
        t = ext.tensor
        grad = None
        if t.numel() != 1:
            try:
                value = parse_tensor_literal(self.v_text.strip())
                grad = torch.as_tensor(value, dtype=t.dtype, device=t.device)
                if tuple(grad.shape) != tuple(t.shape):
                    raise ValueError(
                        _("v has shape {got}, not {want}").format(
                            got=tuple(grad.shape), want=tuple(t.shape)
                        )
                    )
            except (LiteralError, ValueError, TypeError) as exc:
                self._set_error(
                    _("{label}: type a gradient v of shape {shape} ({error})").format(
                        label=ext.label, shape=tuple(t.shape), error=exc
                    )
                )
                return None
        leaves = leaf_tensors(t)
        kept = [(leaf, leaf.grad) for leaf in leaves]
        for leaf in leaves:
            leaf.grad = None
        try:
            trace = trace_backward(t, grad, retain_graph=True, names=ext.names())
        except Exception as exc:  # noqa: BLE001  e.g. the weights were changed in place since
            self._set_error(_("backward failed: {error}").format(error=explain(exc)))
            self.emit("message", text=_("backward refused: {error}").format(error=explain(exc)))
            return None
        finally:
            for leaf, g in kept:
                leaf.grad = g
        self._set_error("")
        self._start(trace, ext.label)
        n = len(trace.steps)
        text = _("backward from the {label}: {n} nodes recorded; step through").format(
            label=ext.label, n=n
        )
        self.emit("message", text=text)
        return trace

    def show_recorded(self, call: Any) -> bool:
        """Step through a backward call that console code made (core.recording's
        RecordedCall: a Trace with its line); False when its steps were not kept."""
        if not getattr(call, "kept", True):
            self._set_error(
                _("{call}: its steps were not kept (memory budget)").format(call=call.summary())
            )
            return False
        label = _("line {line}: {code}").format(line=call.line, code=call.source_line)
        self._set_error("")
        self.load_trace(call, label, call.graph)
        self.emit("root")
        self.emit("message", text=_("{call}: step through it").format(call=call.summary()))
        return True

    def load_trace(self, trace: Trace, label: str, graph: Graph | None = None) -> None:
        """Replay a trace recorded elsewhere (a console's backward() call). With ``graph``
        the graph document shows it; otherwise the workspace graph must hold its nodes."""
        if graph is not None:
            self.external = ExternalRoot(trace.root, label, graph)  # first: the document's
            if self.document is not None:  # "source" event must not end it again
                self.document.show_external(graph, label, steppable=True)
        self._start(trace, label)

    def replay_data(self, trace: Any, graph: Graph, label: str) -> None:
        """Step through a backward recorded elsewhere and sent as plain data (a watched
        script's step, :mod:`gradviz.core.backward_wire`): its steps replay like a local
        trace's; there are no tensors behind it, so Run cannot repeat it."""
        self._set_error("")
        self.load_trace(trace, label, graph)
        self.emit("root")
        text = _("{label}: {n} nodes recorded by the script; step through them")
        self.emit("message", text=text.format(label=label, n=len(trace.steps)))

    def _start(self, trace: Trace, name: str) -> None:
        self.trace = trace
        self.replay = Replay(trace)
        self.traced_name = name
        self.labels = {s.node: s.label for s in trace.steps if s.label != ACCUMULATE}
        self.labels.update({lid: leaf.name for lid, leaf in trace.leaves.items()})
        self.emit("trace")
        self._annotate_all()
        self.emit("hints")
        self.emit("position")

    def _clear_trace(self) -> None:
        had = self.trace is not None
        self.trace = self.replay = self.traced_name = None
        self.labels = {}
        if self.document is not None:
            self.document.clear_annotations()
        if had:
            self.emit("trace")
            self.emit("hints")
            self.emit("position")

    # --------------------------------------------------------- stepping
    def step(self) -> bool:
        if self.replay is None or not self.replay.step_forward():
            return False
        step = self.replay.current()
        if self.document is not None:
            flows: dict[tuple[str, str], list[torch.Tensor]] = {}
            for src, tgt, g in self.replay.step_edges(step):
                flows.setdefault((src, tgt), []).append(g)
            notes = {key: edge_text(EdgeFlow(*key, parts)) for key, parts in flows.items()}
            self.document.update_annotations(step.node, self.replay.done_nodes(), notes)
        self.emit("position")
        return True

    def step_back(self) -> bool:
        return self._move(lambda r: r.step_back())

    def reset(self) -> bool:
        return self._move(lambda r: (r.reset(), True)[1])

    def run_to_end(self) -> bool:
        return self._move(lambda r: (r.run_to_end(), True)[1])

    def seek(self, position: int) -> bool:
        return self._move(lambda r: (r.seek(position), True)[1])

    def _move(self, how) -> bool:
        if self.replay is None or not how(self.replay):
            return False
        self._annotate_all()
        self.emit("position")
        return True

    def _annotate_all(self) -> None:
        replay = self.replay
        if self.document is None or replay is None:
            return
        notes = {key: edge_text(flow) for key, flow in replay.edges().items()}
        current = replay.current()
        self.document.set_annotations(current.node if current else None, replay.done_nodes(), notes)

    @property
    def at_end(self) -> bool:
        return self.replay is not None and self.replay.at_end

    def step_label(self) -> str:
        """What the current step is called: the function's class, or ``x.grad`` for a leaf."""
        step = self.replay.current() if self.replay is not None else None
        if step is None:
            return ""
        where = self.labels.get(step.node, step.label)
        return f"{where}.grad" if step.label == ACCUMULATE else step.label

    # ------------------------------------------------------------ hints
    def retained(self) -> dict[str, torch.Tensor]:
        """Non-leaf tensors of this pass that kept their .grad (retain_grad), once done."""
        if self.trace is None or self.replay is None or not self.replay.at_end:
            return {}
        nodes = {s.node for s in self.trace.steps}
        out = {}
        for name, t in self.workspace.tensors.items():
            kept = t.grad_fn is not None and t.retains_grad and t.grad is not None
            if kept and function_node_id(t.grad_fn) in nodes:
                out[name] = t.grad
        return out

    def non_leaf_hints(self) -> list[str]:
        """Workspace non-leaves this pass ran through whose .grad will stay None."""
        if self.trace is None or self.external is not None:
            return []
        nodes = {s.node for s in self.trace.steps}
        return [
            name
            for name, t in self.workspace.tensors.items()
            if t.grad_fn is not None and not t.retains_grad and function_node_id(t.grad_fn) in nodes
        ]

    def cut_hints(self) -> list[str]:
        """Constants cut off by detach / no_grad that feed a node of this pass."""
        if self.trace is None or self.document is None or self.document.graph is None:
            return []
        nodes = {s.node for s in self.trace.steps}
        graph = self.document.graph
        feeds = {e.source for e in graph.edges if e.target in nodes}
        return [
            f"✂ {n.name or n.label}: {n.note}"
            for n in graph.nodes
            if n.kind == "constant" and n.cut and n.id in feeds
        ]

    def check_leaves(self) -> list[str]:
        """Leaves of this pass that the numerical check can take (workspace tensors)."""
        if self.trace is None or self.external is not None:
            return []
        tensors = self.workspace.tensors
        return [leaf.name for leaf in self.trace.leaves.values() if leaf.name in tensors]

    # ---------------------------------------------------------- actions
    def edge_gradient(self, source: str, target: str) -> tuple[str, torch.Tensor] | None:
        """The full gradient that crossed edge source -> target, with a title."""
        if self.replay is None:
            return None
        flow = self.replay.edges().get((source, target))
        if flow is None:
            return None
        sender = self.labels.get(target, _("the output") if self.trace.root_edge else target)
        receiver = self.labels.get(source, source)
        total = flow.total
        title = _("gradient {sender} → {receiver}").format(sender=sender, receiver=receiver)
        if isinstance(total, GradSummary):  # a watched script sent only its statistics
            self.emit("message", text=f"{title}: {total.text()}")
            return None
        return title, total

    def zero_grads(self, set_to_none: bool = False) -> bool:
        """``x.grad.zero_()`` for every leaf (or ``.grad = None`` with ``set_to_none``)."""
        try:
            self.workspace.zero_grad(set_to_none=set_to_none)
        except WorkspaceError as exc:
            self._set_error(str(exc))
            return False
        done = (
            _("every .grad is None now: the next backward starts from zero")
            if set_to_none
            else _("every .grad is zero (x.grad.zero_()) now: the next backward starts from zero")
        )
        self.emit("message", text=done)
        self.emit("position")
        return True

    def retain_grad(self, name: str) -> bool:
        if not name:
            return False
        try:
            self.workspace.retain_grad(name)
        except WorkspaceError as exc:
            self._set_error(str(exc))
            return False
        self._set_error("")
        self.emit(
            "message",
            text=_("{name}.retain_grad(): its .grad is kept from the next backward").format(
                name=name
            ),
        )
        self.emit("hints")
        return True

    def check_gradient(self, leaf: str) -> Any:
        """Autograd vs central differences for ``leaf``; the result, or None with a reason."""
        root = self.traced_name
        if not leaf or root is None or self.trace is None:
            return None
        try:
            seed = self.trace.seed.detach().double()
            result = check_workspace_leaf(self.workspace, root, leaf, seed)
        except GradCheckError as exc:
            self.emit("check", result=None, reason=str(exc), leaf=leaf, root=root)
            return None
        self.emit("check", result=result, reason="", leaf=leaf, root=root)
        return result

    def _set_error(self, text: str) -> None:
        if text != self.error:
            self.error = text
            self.emit("error", text=text)

    # ----------------------------------------------------------- events
    def _on_document(self, event: Any) -> None:
        if event.kind == "source" and self.external is not None and not self.document.external:
            self.leave_external()  # the graph view shows the workspace again

    def _on_workspace(self, _event: Any) -> None:
        if self._running:
            return  # our own backward: the trace is about to arrive
        if self.external is not None:
            self.leave_external()  # the workspace changed: its graph is shown again
        tensors = self.workspace.tensors
        if self.trace is not None and tensors.get(self.traced_name or "") is not self.trace.root:
            # deleted, or undo / redo rebuilt the tensors: the record is about objects
            # that are gone, and its ids would match nothing on screen
            self._clear_trace()
        if self.root_name is not None and self.root_name not in tensors:
            self.root_name = None
            self._default_v()
        self.emit("root")
