""" "Inspect this step" in a watched script: the next step's loss graph and its backward.

The app asks; at the script's next ``run.log()`` the forward of that step is over, so
the capture starts with the step after it:

* its forward runs under module tags (each node knows its module path);
* its ``loss.backward()`` (or ``torch.autograd.backward(loss)``) is recorded: the graph
  is captured *before* the engine runs, then :func:`~gradviz.core.backward.trace_backward`
  runs the real backward with a hook on every node. The script gets exactly the
  ``.grad`` a plain backward gives; the app gets the graph and the steps as plain data.

That works whether ``run.log(loss=...)`` comes before or after ``backward``. Only the
one backward is recorded: the two functions are wrapped from the first forward of the
inspected step to its backward (on the script's thread only), and put back right after.
A backward that goes around them (``torch.autograd.grad``, a C++ loop) is not seen:
after two ``log()`` calls without one, the app is told in plain words that the step's
graph is gone (freed by that backward), and the next step is tried the same way once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from gradviz.core import graph as G
from gradviz.core.backward import trace_backward
from gradviz.core.backward_wire import trace_to_wire
from gradviz.core.graph_wire import graph_to_wire
from gradviz.core.i18n import N_, _

log = logging.getLogger(__name__)

GONE = N_(
    "step {step}'s graph is gone: its backward did not go through loss.backward(), so "
    "it was freed before gradviz could record it; inspecting the next step"
)
NEVER = N_(
    "the script's backward does not go through loss.backward() or "
    "torch.autograd.backward(), so its steps cannot be recorded"
)
GIVE_UP_AFTER = 2  # log() calls after the inspected forward without a recorded backward


class StepCapture:
    """One "Inspect this step" request, from the log() that saw it to the message sent."""

    def __init__(
        self, model: nn.Module, send: Callable[[dict], None], step: Callable[[], int]
    ) -> None:
        self.model = model
        self.send = send
        self.step = step  # the run's step counter, read when the message is made
        self.thread = threading.get_ident()
        self.done = False
        self.retried = False
        self.forward_seen = False
        self._logs_since_forward = 0
        self._busy = False  # inside our own trace_backward: its backward is the real one
        self._tags = contextlib.ExitStack()
        self._tags.enter_context(G.tag_modules(list(model.modules()), thread=self.thread))
        self._pre = model.register_forward_pre_hook(self._on_forward)
        self._orig_tensor_backward = torch.Tensor.backward
        self._orig_backward = torch.autograd.backward
        # plain functions (a bound method would not bind the tensor as a Tensor method)
        self._tensor_fn = lambda t, *a, **k: self._tensor_backward(t, *a, **k)
        self._autograd_fn = lambda *a, **k: self._autograd_backward(*a, **k)
        torch.Tensor.backward = self._tensor_fn  # type: ignore[method-assign]
        torch.autograd.backward = self._autograd_fn

    # -- what the script calls ---------------------------------------------------------------
    def _on_forward(self, _module: nn.Module, _args: Any) -> None:
        if threading.get_ident() == self.thread:
            self.forward_seen = True

    def _wanted(self, tensor: Any, create_graph: bool, inputs: Any) -> bool:
        return (
            not self._busy
            and not self.done
            and self.forward_seen
            and threading.get_ident() == self.thread
            and isinstance(tensor, torch.Tensor)
            and tensor.grad_fn is not None
            and not create_graph
            and inputs is None
        )

    def _tensor_backward(
        self,
        tensor: torch.Tensor,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        if not self._wanted(tensor, create_graph, inputs):
            return self._orig_tensor_backward(tensor, gradient, retain_graph, create_graph, inputs)
        self._record(tensor, gradient, retain_graph)
        return None

    def _autograd_backward(
        self,
        tensors: Any,
        grad_tensors: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        grad_variables: Any = None,
        inputs: Any = None,
    ) -> None:
        one = tensors[0] if isinstance(tensors, (list, tuple)) and len(tensors) == 1 else tensors
        grad = grad_tensors
        if isinstance(grad, (list, tuple)) and len(grad) == 1:
            grad = grad[0]
        if grad_variables is not None or not self._wanted(one, create_graph, inputs):
            return self._orig_backward(
                tensors, grad_tensors, retain_graph, create_graph, grad_variables, inputs
            )
        self._record(one, grad, retain_graph)
        return None

    def after_log(self, loss: Any) -> None:
        """The script's run.log() of a later step: give up on a backward we cannot see."""
        if self.done or not self.forward_seen:
            return
        self._tags.close()  # the inspected forward is over either way
        self._logs_since_forward += 1
        if self._logs_since_forward < GIVE_UP_AFTER:
            return  # run.log before backward: the backward comes next
        if self.retried:
            self._finish({"type": "graph", "step": self.step(), "error": _(NEVER)})
            return
        # say so, and try the next step once more (its forward may take the usual path)
        self.send({"type": "note", "step": self.step(), "text": _(GONE).format(step=self.step())})
        self.retried = True
        self.forward_seen = False
        self._logs_since_forward = 0
        self._tags = contextlib.ExitStack()
        self._tags.enter_context(G.tag_modules(list(self.model.modules()), thread=self.thread))

    # -- recording ----------------------------------------------------------------------------
    def _record(self, loss: torch.Tensor, gradient: Any, retain_graph: bool | None) -> None:
        """The inspected backward: capture the graph first, then run and record it."""
        self._tags.close()
        names = {f"net.{p}": t for p, t in self.model.named_parameters()}
        names["loss"] = loss
        # run.log(loss) before backward has counted this step already; after, not yet
        step = self.step() + (0 if self._logs_since_forward else 1)
        message: dict[str, Any] = {"type": "graph", "step": step}
        try:
            graph = G.capture_graph(loss, names=names)
            G.apply_module_tags(graph, G.module_paths(self.model, "net"))
            message["graph"] = graph_to_wire(graph)
        except Exception as exc:  # never fail the script for the app's sake
            log.info("gradviz.watch: cannot capture the loss graph (%s)", exc)
            message["error"] = N_("capture failed")
        self._busy = True
        try:
            trace = trace_backward(
                loss, gradient, retain_graph=bool(retain_graph), names=names, keep_saved=True
            )
        except BaseException:
            self._finish({"type": "graph", "step": message["step"], "error": N_("backward failed")})
            raise  # the script sees the error a plain backward would raise
        finally:
            self._busy = False
        if "graph" in message:
            try:
                message["trace"] = trace_to_wire(trace)
            except Exception as exc:  # the graph alone is still worth showing
                log.info("gradviz.watch: cannot send the backward's steps (%s)", exc)
        self._finish(message)

    def _finish(self, message: dict) -> None:
        self.close()
        self.send(message)

    def close(self) -> None:
        """Put everything back (idempotent): the wrapped functions, the hooks, the tags."""
        if self.done:
            return
        self.done = True
        self._tags.close()
        self._pre.remove()
        if torch.Tensor.backward is self._tensor_fn:
            torch.Tensor.backward = self._orig_tensor_backward  # type: ignore[method-assign]
        if torch.autograd.backward is self._autograd_fn:
            torch.autograd.backward = self._orig_backward
