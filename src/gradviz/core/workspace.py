"""The named tensors of a session, the history of actions, undo and redo.

Every change is an :class:`Action`: a small JSON-able record (what the user
typed, never live objects). The workspace state is, by definition, the result
of running the history from an empty workspace. That makes three things
simple and exact:

* undo replays the history minus the last action, so the state after undo is
  precisely the state as if the action never happened (version counters and
  ``.grad`` included);
* a session file is just the history (plain JSON, nothing unpickled);
* the code panel is the history rendered as PyTorch lines.

Random factories always record a seed (chosen when the user gives none), so a
replay rebuilds the same values. Actions that fail change nothing.
"""

from __future__ import annotations

import json
import keyword
import os
import random
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from gradviz.core import limits, literals, session_schema
from gradviz.core.broadcast import BroadcastError, explain_broadcast
from gradviz.core.devices import DeviceError, resolve_device
from gradviz.core.errors import explain, one_line, shorten
from gradviz.core.factories import DTYPES, FACTORIES
from gradviz.core.files import atomic_write
from gradviz.core.i18n import _
from gradviz.core.literals import LiteralError
from gradviz.core.ops import OPS, OpSpec, Param, parse_param, render_code, render_value
from gradviz.core.workspace_code import CODE_HEADER, CodeMixin

SESSION_FORMAT = session_schema.FORMAT
SESSION_VERSION = session_schema.VERSION
# Names the exported code itself uses (modules, the builtins it calls, the number
# words the parser reads): a tensor with one of these names would shadow them.
RESERVED_NAMES = {"torch", "F", "nn", "np", "math", "float", "print", "inf", "nan"}
MAX_NAME_LENGTH = 100


class WorkspaceError(Exception):
    """A user action could not be done; the message is one status-bar line.

    ``field`` names the input at fault (a parameter, or "name" for the new tensor's
    name) when one is, so a form can mark it whatever language the message is in."""

    def __init__(self, message: object = "", field: str | None = None) -> None:
        super().__init__(one_line(message))
        self.field = field


def _q(name: object) -> str:
    """A user's name quoted for a message, shortened: a name can be 100 000 characters."""
    return repr(shorten(name, 40))


class CodeError(WorkspaceError):
    """Console code raised. ``error`` is the original exception, ``lineno``/``line`` where
    in the input it happened, ``text`` the error as Python's console prints it."""

    def __init__(
        self, message: str, error: BaseException, lineno: int, line: str, text: str
    ) -> None:
        super().__init__(message)
        self.error, self.lineno, self.line, self.text = error, lineno, line, text


@dataclass
class Action:
    """One user action, as typed. ``kind`` picks how it runs and how it reads as code."""

    kind: str  # create | apply | edit | delete | backward | zero_grad | retain_grad
    target: str = ""  # the tensor name the action makes or changes
    op: str = ""  # factory or op name
    args: dict[str, str] = field(default_factory=dict)  # typed text per parameter
    options: dict[str, Any] = field(default_factory=dict)  # dtype, device, seed, no_grad, ...

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Action:
        """An action from its JSON form, checked against the session schema."""
        try:
            return cls(**session_schema.check_action(data))
        except session_schema.SessionFileError as exc:
            raise WorkspaceError(_("session file: {exc}").format(exc=exc)) from None


@dataclass(frozen=True)
class Event:
    """What changed: kind is added | changed | removed | reset."""

    kind: str
    names: tuple[str, ...] = ()
    message: str = ""


@dataclass
class _Result:
    message: str = ""
    tensor: torch.Tensor | None = None


def _is_number(text: str) -> bool:
    try:
        literals.parse_number(text)
    except LiteralError:
        return False
    return True


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


def _on_meta(value: Any) -> Any:
    """A shape-only stand-in for a value: tensors move to the meta device (no memory)."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("meta")
    if isinstance(value, list):
        return [_on_meta(v) for v in value]
    return value


def _check_size(
    call: Callable[..., Any], values: dict[str, Any], factory_options: dict | None = None
) -> None:
    """Refuse a call whose result would be over the size limit, before it allocates.

    The call runs first on meta tensors (and a factory with ``device="meta"``), which
    have shapes but no storage. If torch cannot run it there, the real call goes
    ahead: its errors are the real ones.
    """
    meta_kwargs = {}
    if factory_options is not None:
        meta_kwargs = {**factory_options, "device": torch.device("meta")}
    try:
        with torch.no_grad():
            result = call(**{k: _on_meta(v) for k, v in values.items()}, **meta_kwargs)
    except Exception:
        return
    if isinstance(result, torch.Tensor):
        limits.check_elements(result.numel())


class Workspace(CodeMixin):
    """Named tensors plus the history that made them."""

    def __init__(self) -> None:
        self.tensors: dict[str, torch.Tensor] = {}
        self.history: list[Action] = []
        self._redo: list[Action] = []
        self._listeners: list[Callable[[Event], None]] = []
        self._muted = False
        self._init_code()  # the console's namespace and recorded backward calls

    # ------------------------------------------------------------ events
    def subscribe(self, callback: Callable[[Event], None]) -> None:
        self._listeners.append(callback)

    def unsubscribe(self, callback: Callable[[Event], None]) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def _emit(self, kind: str, names: Iterable[str] = (), message: str = "") -> None:
        if self._muted:
            return
        event = Event(kind, tuple(names), message)
        for callback in list(self._listeners):
            callback(event)

    # ----------------------------------------------------------- queries
    def __contains__(self, name: str) -> bool:
        return name in self.tensors

    def __getitem__(self, name: str) -> torch.Tensor:
        try:
            return self.tensors[name]
        except (KeyError, TypeError):  # TypeError: an unhashable "name" from a caller
            raise WorkspaceError(_("no tensor named {name}").format(name=_q(name))) from None

    def names(self) -> list[str]:
        return list(self.tensors)

    def name_of(self, tensor: torch.Tensor) -> str | None:
        for name, value in self.tensors.items():
            if value is tensor:
                return name
        return None

    def new_name(self, prefix: str = "t") -> str:
        """The first free name ``prefix``, ``prefix1``, ``prefix2``, …"""
        if prefix not in self.tensors and self._name_ok(prefix):
            return prefix
        i = 1
        while f"{prefix}{i}" in self.tensors:
            i += 1
        return f"{prefix}{i}"

    @staticmethod
    def _name_ok(name: str) -> bool:
        return (
            isinstance(name, str)
            and len(name) <= MAX_NAME_LENGTH
            and name.isidentifier()
            and not keyword.iskeyword(name)
            and name not in RESERVED_NAMES
            and not (name.startswith("__") and name.endswith("__"))  # __builtins__ & co
            # Python reads identifiers in NFKC form: in code, "𝔵" *is* "x"
            and unicodedata.normalize("NFKC", name) == name
        )

    def _check_new_name(self, name: str) -> None:
        try:
            self._check_name_is_free(name)
        except WorkspaceError as exc:
            exc.field = "name"  # the new tensor's name is at fault
            raise

    def _check_name_is_free(self, name: str) -> None:
        if not isinstance(name, str):
            raise WorkspaceError(
                _("a tensor name must be text, got {type}").format(type=type(name).__name__)
            )
        folded = unicodedata.normalize("NFKC", name)
        if folded != name and folded.isidentifier():
            raise WorkspaceError(
                _(
                    "{name} reads as {folded} in Python code (Unicode NFKC); type {folded} or "
                    "pick another name"
                ).format(name=_q(name), folded=_q(folded))
            )
        if len(name) > MAX_NAME_LENGTH:
            raise WorkspaceError(
                _(
                    "{name} is too long for a name ({count:,} characters; at most "
                    "{MAX_NAME_LENGTH})"
                ).format(name=_q(name), count=len(name), MAX_NAME_LENGTH=MAX_NAME_LENGTH)
            )
        if not self._name_ok(name):
            raise WorkspaceError(
                _(
                    "{name} is not a usable name: use a Python identifier (not a keyword, not "
                    "__special__, not {reserved})"
                ).format(name=_q(name), reserved=", ".join(sorted(RESERVED_NAMES)))
            )
        if name in self.tensors:
            raise WorkspaceError(_("a tensor named {name} already exists").format(name=_q(name)))

    @property
    def can_undo(self) -> bool:
        return bool(self.history)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    # ------------------------------------------------------ user actions
    def create(
        self,
        name: str,
        factory: str,
        args: dict[str, str] | None = None,
        *,
        dtype: str | None = None,
        device: str = "cpu",
        requires_grad: bool = False,
        seed: int | None = None,
    ) -> torch.Tensor:
        """Make a new named tensor with one of :data:`FACTORIES`."""
        spec = FACTORIES.get(factory) if isinstance(factory, str) else None
        if spec is None:
            raise WorkspaceError(_("unknown factory {factory}").format(factory=_q(factory)))
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63
        ):
            raise WorkspaceError(
                _("seed must be a whole number from 0 to 2**63 - 1, got {seed}").format(
                    seed=_q(seed)
                ),
                field="seed",
            )
        if spec.random and seed is None:
            seed = random.randrange(2**31)  # recorded so replay and exported code agree
        options = {"dtype": dtype, "device": device, "requires_grad": bool(requires_grad)}
        if seed is not None:
            options["seed"] = int(seed)
        return self._do(Action("create", name, factory, dict(args or {}), options)).tensor

    def apply(
        self, op: str, out: str | None, args: dict[str, str], *, no_grad: bool = False
    ) -> _Result:
        """Apply a catalog op. Out-of-place ops make tensor ``out``; in-place ops change theirs.

        Returns the result, whose ``message`` explains broadcasting when it happened.
        """
        spec = OPS.get(op) if isinstance(op, str) else None
        if spec is None:
            raise WorkspaceError(_("unknown op {op}").format(op=_q(op)))
        target = args.get(spec.inplace, "") if spec.inplace else (out or "")
        options = {"no_grad": True} if no_grad else {}
        return self._do(Action("apply", target, op, dict(args), options))

    def edit(self, name: str, index: tuple[int, ...], value: str, *, data: bool = False) -> str:
        """Set one element. ``data=True`` writes through ``.data`` (untracked by autograd)."""
        idx = literals.format_index(tuple(index) or (Ellipsis,))  # () is a 0-D tensor's element
        options = {"data": True} if data else {}
        return self._do(Action("edit", name, "", {"index": idx, "value": value}, options)).message

    def delete(self, name: str) -> None:
        self._do(Action("delete", name))

    def backward(
        self,
        root: str,
        grad: str | None = None,
        *,
        retain_graph: bool = False,
        runner: Callable[[torch.Tensor, torch.Tensor | None, bool], Any] | None = None,
    ) -> Any:
        """Run backward from ``root`` (``grad`` is a tensor literal for a non-scalar root).

        ``runner(root, grad, retain_graph)`` does the actual backward; the
        backward panel passes a recorder here. On failure every ``.grad`` is
        restored, so a refused backward leaves nothing half-accumulated.
        """
        action = Action("backward", root, "", {"grad": grad} if grad else {}, {})
        if retain_graph:
            action.options["retain_graph"] = True
        return self._do(action, runner=runner).tensor

    def zero_grad(self, names: Iterable[str] | None = None, *, set_to_none: bool = True) -> None:
        """Clear ``.grad`` of the given leaves (all, by default).

        ``set_to_none`` (PyTorch's own default in ``optimizer.zero_grad``) writes
        ``x.grad = None``; False runs ``x.grad.zero_()``, as the notes do.
        The whole request is checked first: one unknown name changes nothing.
        """
        chosen = (
            list(names)
            if names is not None
            else [
                n
                for n, t in self.tensors.items()
                if (t.is_leaf or t.retains_grad) and t.grad is not None
            ]
        )
        for n in chosen:
            self[n]  # raises for a name that is not a tensor here
        options = {} if set_to_none else {"in_place": True}
        self._do(Action("zero_grad", "", "", {"names": ", ".join(chosen)}, options))

    def retain_grad(self, name: str) -> None:
        self._do(Action("retain_grad", name))

    # --------------------------------------------------------- undo/redo
    def undo(self) -> None:
        job = self.start_undo()  # the GUI runs job.execute() on a worker (console code)
        job.execute()
        self.finish_undo(job)

    def redo(self) -> None:
        """Run the last undone action again; if it fails, the redo stack stays as it was."""
        self._check_idle()
        if not self._redo:
            raise WorkspaceError(_("nothing to redo"))
        action = self._redo[-1]
        result = self.run_action(action)
        self._redo.pop()  # before the event, so listeners read the right can_redo
        self._record(action, result, fresh=False)

    def clear(self) -> None:
        self._check_idle()
        self._clear_code()
        self.tensors.clear()
        self.history.clear()
        self._redo.clear()
        self._emit("reset", message=_("new session"))

    def _rebuild(self, actions: list[Action]) -> None:
        fresh = Workspace()
        for action in actions:
            fresh.run_action(action)
        self.tensors = fresh.tensors
        self._adopt_code_state(fresh)
        self.history = list(actions)

    # ---------------------------------------------------------- running
    def run_action(self, action: Action, runner: Callable | None = None) -> _Result:
        """Run a recorded action on the tensors only: no history entry, no events.

        Replays (undo, numerical checks) use this; errors come back as WorkspaceError.
        """
        try:
            return self._execute(action, runner)
        except WorkspaceError:
            raise
        except (LiteralError, BroadcastError, DeviceError, limits.SizeLimitError) as exc:
            raise WorkspaceError(str(exc)) from None
        except Exception as exc:  # bad input of any kind is a message, never a crash
            raise WorkspaceError(explain(exc)) from None

    def _do(self, action: Action, runner: Callable | None = None) -> _Result:
        self._check_idle()
        result = self.run_action(action, runner)
        self._record(action, result, fresh=True)
        return result

    def _record(self, action: Action, result: _Result, *, fresh: bool) -> None:
        """Add a done action to the history and tell listeners.

        A fresh action makes the undone ones unreachable; a redo keeps the rest
        of the redo stack, and says what it redid.
        """
        self.history.append(action)
        if fresh:
            self._redo.clear()
        kind = {"create": "added", "delete": "removed"}.get(action.kind, "changed")
        if action.kind == "apply" and not OPS[action.op].inplace:
            kind = "added"
        message = result.message
        if not fresh:
            message = _("; ").join(
                filter(
                    None, [_("redid: {describe}").format(describe=self.describe(action)), message]
                )
            )
        self._emit(kind, [action.target] if action.target else self.names(), message)

    def _execute(self, action: Action, runner: Callable | None = None) -> _Result:
        handler = getattr(self, f"_run_{action.kind}", None)
        if handler is None:
            raise WorkspaceError(_("unknown action kind {kind!r}").format(kind=action.kind))
        return handler(action, runner) if action.kind == "backward" else handler(action)

    def _tensor_arg(self, text: str, what: str) -> torch.Tensor:
        name = text.strip()
        if not name:
            raise WorkspaceError(_("{what}: pick a tensor").format(what=what))
        if name.endswith(".grad") and name[:-5] in self.tensors:
            return self._grad_arg(name[:-5], what)  # .grad is a value too
        if name not in self.tensors:
            raise WorkspaceError(
                _("{what}: no tensor named {name}").format(what=what, name=_q(name))
            )
        return self.tensors[name]

    def _tensor_or_number(self, text: str, what: str) -> torch.Tensor | literals.Number:
        if text in self.tensors:
            return self.tensors[text]
        if text.endswith(".grad") and text[:-5] in self.tensors:
            return self._grad_arg(text[:-5], what)
        if not text:
            raise WorkspaceError(_("{what}: pick a tensor or type a number").format(what=what))
        if not _is_number(text) and text.isidentifier():
            raise WorkspaceError(
                _("{what}: no tensor named {text}, and it is not a number").format(
                    what=what, text=_q(text)
                )
            )
        return literals.parse_number(text)

    def _parse_args(self, params: tuple[Param, ...], args: dict[str, str]) -> dict[str, Any]:
        unknown = set(args) - {p.name for p in params}
        if unknown:
            shown = ", ".join(shorten(u, 40) for u in sorted(unknown)[:5])
            raise WorkspaceError(_("unknown parameter(s): {shown}").format(shown=shown))
        values: dict[str, Any] = {}
        for p in params:
            try:
                values[p.name] = self._parse_arg(p, args.get(p.name, ""))
            except WorkspaceError as exc:
                exc.field = exc.field or p.name
                raise
            except LiteralError as exc:
                raise WorkspaceError(str(exc), field=p.name) from None
        return values

    def _parse_arg(self, p: Param, text: str) -> Any:
        if p.kind == "tensor":
            return self._tensor_arg(text, p.name)
        if p.kind == "tensors":
            names = [n for n in text.replace(";", ",").split(",") if n.strip()]
            if not names:
                raise WorkspaceError(_("{p_name}: pick one or more tensors").format(p_name=p.name))
            return [self._tensor_arg(n, p.name) for n in names]
        if p.kind == "tensor_or_number":
            return self._tensor_or_number(text.strip(), p.name)
        if p.kind == "literal":
            return literals.parse_tensor_literal(text)
        return parse_param(p, text)

    def _run_create(self, action: Action) -> _Result:
        self._check_new_name(action.target)
        spec = FACTORIES.get(action.op)
        if spec is None:
            raise WorkspaceError(_("unknown factory {op}").format(op=_q(action.op)))
        values = self._parse_args(spec.params, action.args)
        opts = action.options
        kwargs: dict[str, Any] = {}
        if opts.get("dtype"):
            if opts["dtype"] not in DTYPES:
                raise WorkspaceError(
                    _("unknown dtype {dtype}: use one of {DTYPES}").format(
                        dtype=_q(opts["dtype"]), DTYPES=", ".join(DTYPES)
                    )
                )
            kwargs["dtype"] = DTYPES[opts["dtype"]]
        device = resolve_device(opts.get("device") or "cpu")
        if device.type != "cpu" or not spec.like:
            kwargs["device"] = device
        if opts.get("requires_grad"):
            kwargs["requires_grad"] = True
        _check_size(spec.call, values, {**kwargs, "requires_grad": False})
        if "seed" in opts:
            torch.manual_seed(int(opts["seed"]))
        tensor = spec.call(**values, **kwargs)
        self.tensors[action.target] = tensor
        return _Result(tensor=tensor)

    def _run_apply(self, action: Action) -> _Result:
        spec = OPS.get(action.op)
        if spec is None:
            raise WorkspaceError(_("unknown op {op}").format(op=_q(action.op)))
        if not spec.inplace:
            self._check_new_name(action.target)
        elif action.target != action.args.get(spec.inplace, ""):
            # only a forged session gets here: the target is what the code panel names
            raise WorkspaceError(
                _("{spec_name}: the target must be its {inplace} input").format(
                    spec_name=spec.name, inplace=spec.inplace
                )
            )
        values = self._parse_args(spec.params, action.args)
        tensor_inputs = [p.name for p in spec.tensor_params]
        if tensor_inputs and not any(
            isinstance(values[n], (torch.Tensor, list)) for n in tensor_inputs
        ):
            raise WorkspaceError(
                _(
                    "{label}: at least one of {tensor_inputs} must be a workspace tensor (plain "
                    "numbers are not tensors)"
                ).format(label=spec.label, tensor_inputs=", ".join(tensor_inputs))
            )
        message = self._broadcast_note(spec, values)
        _check_size(spec.call, values)
        if action.options.get("no_grad"):
            with torch.no_grad():
                out = spec.call(**values)
        else:
            out = spec.call(**values)
        if not isinstance(out, torch.Tensor):
            raise WorkspaceError(
                _("{spec_name} did not return a tensor").format(spec_name=spec.name)
            )
        if not spec.inplace:
            self.tensors[action.target] = out
        return _Result(message or "", out)

    @staticmethod
    def _broadcast_note(spec: OpSpec, values: dict[str, Any]) -> str | None:
        shapes = {
            n: tuple(values[n].shape)
            for n in spec.broadcasts
            if isinstance(values[n], torch.Tensor)
        }
        if len(shapes) < 2:
            return None
        return explain_broadcast(shapes)

    def _run_edit(self, action: Action) -> _Result:
        tensor = self[action.target]
        index = literals.parse_index(action.args.get("index", ""))
        raw = literals.parse_number(action.args.get("value", ""))
        try:
            old = tensor.detach()[index]
        except IndexError as exc:
            raise WorkspaceError(
                _("index out of range for shape {shape}: {exc}").format(
                    shape=tuple(tensor.shape), exc=exc
                )
            ) from None
        if old.numel() != 1:
            raise WorkspaceError(
                _("edit one element at a time: the index must pick a single value")
            )
        notes = []
        stored = torch.tensor(raw).to(tensor.dtype).item()
        if stored != raw and raw == raw:  # nan != nan is not a cast
            notes.append(
                _("{dtype_name} tensor: {raw!r} is stored as {stored!r}").format(
                    dtype_name=_dtype_name(tensor.dtype), raw=raw, stored=stored
                )
            )
        before = tensor._version
        if action.options.get("data"):
            tensor.data[index] = raw
            notes.append(_(".data edit: autograd does not see it and the version stays the same"))
        elif tensor.is_leaf and tensor.requires_grad:
            with torch.no_grad():
                tensor[index] = raw
            notes.append(
                _(
                    "PyTorch forbids in-place changes to a leaf that requires grad, so this ran "
                    "under torch.no_grad(); version {before} → {version}: a graph that saved the "
                    "old value will refuse backward"
                ).format(before=before, version=tensor._version)
            )
        else:
            tensor[index] = raw
            if tensor.requires_grad:
                notes.append(
                    _("recorded by autograd (grad_fn is now {type})").format(
                        type=type(tensor.grad_fn).__name__
                    )
                )
        return _Result("; ".join(notes), tensor)

    def _run_delete(self, action: Action) -> _Result:
        self[action.target]
        del self.tensors[action.target]
        return _Result()

    def _run_backward(self, action: Action, runner: Callable | None = None) -> _Result:
        root = self[action.target]
        grad = None
        if action.args.get("grad"):
            value = literals.parse_tensor_literal(action.args["grad"])
            grad = torch.tensor(value, dtype=root.dtype, device=root.device)
            if tuple(grad.shape) != tuple(root.shape):
                raise WorkspaceError(
                    _("the gradient must have the root's shape {shape}, got {shape2}").format(
                        shape=tuple(root.shape), shape2=tuple(grad.shape)
                    )
                )
        retain = bool(action.options.get("retain_graph"))
        # (the .grad object, its values): the engine may add into that same object in place
        saved = {
            n: (t.grad, t.grad.clone() if t.grad is not None else None)
            for n, t in self.tensors.items()
            if t.is_leaf or t.retains_grad  # only these have a .grad to restore
        }
        try:
            if runner is not None:
                out = runner(root, grad, retain)
            else:
                root.backward(grad, retain_graph=retain)
                out = None
        except BaseException:
            for n, (held, values) in saved.items():  # undo any partial accumulation
                if held is not None:
                    with torch.no_grad():
                        held.copy_(values)
                self.tensors[n].grad = held
            raise
        return _Result(tensor=out)

    def _run_zero_grad(self, action: Action) -> _Result:
        names = [n.strip() for n in action.args.get("names", "").split(",") if n.strip()]
        chosen = [self[n] for n in names]  # every name checked before any .grad changes
        for tensor in chosen:
            if not action.options.get("in_place"):
                tensor.grad = None
            elif tensor.grad is not None:
                tensor.grad.zero_()
        return _Result()

    def _run_retain_grad(self, action: Action) -> _Result:
        tensor = self[action.target]
        if not tensor.requires_grad:
            raise WorkspaceError(
                _("{target} does not require grad, so it has no gradient to keep").format(
                    target=shorten(action.target, 40)
                )
            )
        tensor.retain_grad()
        return _Result()

    # ------------------------------------------------------------- code
    def describe(self, action: Action) -> str:
        """The action's code line, short enough for a menu item or the status bar."""
        return shorten(self.code_for(action).splitlines()[-1].strip(), 100)

    def code_for(self, action: Action) -> str:
        """The PyTorch line(s) that do what ``action`` did."""
        return getattr(self, f"_code_{action.kind}")(action)

    def code_lines(self) -> list[str]:
        return [self.code_for(a) for a in self.history]

    def export_code(self, *, printout: bool = False) -> str:
        """The session as runnable code; ``printout`` ends it by printing what it made
        (the exported ``.py`` file does, so running it shows something)."""
        body = "\n".join(self.code_lines())
        return (
            "# Generated by gradviz: the actions of this session as PyTorch code.\n"
            "import torch\nimport torch.nn.functional as F\n"
            + (CODE_HEADER if self.has_code else "")
            + "\n"
            + body
            + ("\n" if body else "")
            + (self._printout() if printout else "")
        )

    def _printout(self) -> str:
        """print() lines for the session's tensors and their gradients."""
        lines = []
        for name, tensor in self.tensors.items():
            lines.append(f"print({(name + ' =')!r}, {name})")
            if (tensor.is_leaf or tensor.retains_grad) and tensor.grad is not None:
                lines.append(f"print({(name + '.grad =')!r}, {name}.grad)")
        if not lines:
            return ""
        return "\n# What the session ends with\n" + "\n".join(lines) + "\n"

    def _render(self, params: tuple[Param, ...], args: dict[str, str]) -> tuple[dict, set]:
        rendered: dict[str, str] = {}
        defaults: set[str] = set()
        for p in params:
            text = (args.get(p.name) or "").strip()
            if p.kind == "tensor":
                rendered[p.name] = text
            elif p.kind == "tensors":
                rendered[p.name] = (
                    "["
                    + ", ".join(n.strip() for n in text.replace(";", ",").split(",") if n.strip())
                    + "]"
                )
            elif p.kind == "tensor_or_number":
                # a typed number may look like a name (inf, nan): only real names stay names
                is_name = text in self.tensors or not _is_number(text)
                rendered[p.name] = text if is_name else render_value(literals.parse_number(text))
            elif p.kind == "literal":
                value = literals.parse_tensor_literal(text)
                rendered[p.name] = literals.format_tensor_literal(value)
            else:
                value = parse_param(p, text)
                if not p.required and (not text or value == p.default):
                    defaults.add(p.name)
                rendered[p.name] = (
                    literals.format_index(value) if p.kind == "index" else render_value(value)
                )
                if p.kind == "shape":
                    rendered[f"{p.name}_unpacked"] = ", ".join(map(str, value))
        return rendered, defaults

    def _code_create(self, action: Action) -> str:
        spec = FACTORIES[action.op]
        rendered, defaults = self._render(spec.params, action.args)
        opts = []
        o = action.options
        if o.get("dtype"):
            opts.append(f"dtype=torch.{o['dtype']}")
        if o.get("device") and o["device"] != "cpu":
            opts.append(f"device={o['device']!r}")
        if o.get("requires_grad"):
            opts.append("requires_grad=True")
        rendered["opts"] = "".join(", " + x for x in opts)
        # a factory's template is rendered like an op's
        fake = OpSpec(spec.name, "", "", "", "", spec.params, spec.call, spec.code)
        line = f"{action.target} = {render_code(fake, rendered, defaults)}"
        line = line.replace("(, ", "(")
        if "seed" in o:
            line = f"torch.manual_seed({o['seed']})\n{line}"
        return line

    def _code_apply(self, action: Action) -> str:
        spec = OPS[action.op]
        rendered, defaults = self._render(spec.params, action.args)
        expr = render_code(spec, rendered, defaults)
        line = expr if spec.inplace else f"{action.target} = {expr}"
        if action.options.get("no_grad"):
            return f"with torch.no_grad():\n    {line}"
        return line

    def _code_edit(self, action: Action) -> str:
        index = action.args["index"]
        # rendered, not copied: typed "nan" must not read as a tensor called nan
        value = literals.format_number(literals.parse_number(action.args["value"]))
        if action.options.get("data"):
            return f"{action.target}.data[{index}] = {value}"
        return f"with torch.no_grad():\n    {action.target}[{index}] = {value}"

    def _code_delete(self, action: Action) -> str:
        return f"del {action.target}"

    def _code_backward(self, action: Action) -> str:
        args = []
        if action.args.get("grad"):
            grad = literals.format_tensor_literal(
                literals.parse_tensor_literal(action.args["grad"])
            )
            args.append(f"torch.tensor({grad})")
        if action.options.get("retain_graph"):
            args.append("retain_graph=True")
        return f"{action.target}.backward({', '.join(args)})"

    def _code_zero_grad(self, action: Action) -> str:
        names = [n.strip() for n in action.args.get("names", "").split(",") if n.strip()]
        line = "{}.grad.zero_()" if action.options.get("in_place") else "{}.grad = None"
        return "\n".join(line.format(n) for n in names) or "pass  # no gradients to clear"

    def _code_retain_grad(self, action: Action) -> str:
        return f"{action.target}.retain_grad()"

    # --------------------------------------------------------- sessions
    def to_json(self) -> dict[str, Any]:
        return {
            "format": SESSION_FORMAT,
            "version": SESSION_VERSION,
            "actions": [a.to_dict() for a in self.history],
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the session atomically: a temporary file, then a rename."""
        target = Path(path)
        text = json.dumps(self.to_json(), indent=1)
        try:
            atomic_write(target, text)
        except OSError as exc:
            raise WorkspaceError(
                _("cannot write {target}: {strerror}").format(
                    target=target, strerror=exc.strerror or exc
                )
            ) from None

    def load(self, path: str | os.PathLike[str], *, run_code: bool = True) -> str | None:
        """Replace this session with the one in ``path``; on any error nothing changes.

        The file is checked against :mod:`session_schema` before anything is replayed.
        A session with console code (see :func:`session_has_code`) runs it only with
        ``run_code``; otherwise the actions before the first input run and the rest
        wait on the redo stack. If an input fails, what ran before it stays open and
        the rest waits on the redo stack; the returned note says which input failed.
        """
        job = self.start_load(path, run_code=run_code)
        try:
            job.execute()
        finally:
            self.running = None
        return self.finish_load(job)

    def start_load(self, path: str | os.PathLike[str], *, run_code: bool = True) -> LoadJob:
        """Read and check ``path`` (raises WorkspaceError); the replay is the job's
        :meth:`~LoadJob.execute`, which may run on a worker thread (the GUI's console
        runs it there: the code in a session may loop for long)."""
        actions = read_session(Path(path))
        self._check_idle()
        job = LoadJob(Path(path), actions, run_code)
        self.running = job  # type: ignore[assignment]  # other actions wait meanwhile
        return job

    def finish_load(self, job: LoadJob) -> str | None:
        """Swap in what the job replayed (GUI thread); a failed job changes nothing."""
        self.running = None
        if job.error is not None:
            raise job.error
        fresh = job.fresh
        self.tensors, self.history, self._redo = fresh.tensors, fresh.history, job.rest
        self._adopt_code_state(fresh)
        self._emit("reset", message=job.note or _("opened {name}").format(name=job.path.name))
        return job.note


class LoadJob:
    """Opening a session file as a job: replay its actions into a fresh workspace.

    :meth:`execute` touches only the fresh workspace, so it may run on any thread.
    If an input fails, what ran before it opens and the rest waits on the redo stack
    (``rest``); ``note`` says so. A palette action that fails is an error (``error``).
    """

    def __init__(self, path: Path, actions: list[Action], run_code: bool) -> None:
        self.path, self.actions, self.run_code = path, actions, run_code
        self.fresh: Workspace = Workspace()
        self.rest: list[Action] = []
        self.note: str | None = None
        self.error: WorkspaceError | None = None

    def execute(self) -> None:
        try:
            self._replay()
        except WorkspaceError as exc:  # rebuilding what ran before a failed input failed
            self.error = exc

    def _replay(self) -> None:
        fresh, name = self.fresh, shorten(self.path.name)
        for i, action in enumerate(self.actions, start=1):
            if action.kind == "code" and not self.run_code:
                self._partial(
                    i, _("opened {name} without running its code: Redo runs it, "
                         "one input at a time").format(name=self.path.name),
                )  # fmt: skip
                return
            try:
                fresh._do(action)
            except WorkspaceError as exc:
                if action.kind != "code" and not fresh.has_code:
                    self.error = WorkspaceError(
                        _("{name}: action {i} failed: {exc}").format(name=name, i=i, exc=exc)
                    )
                    return
                self._partial(
                    i, _("{name}: input {i} failed ({exc}); opened what ran before it")
                    .format(name=name, i=i, exc=exc),
                )  # fmt: skip
                return

    def _partial(self, i: int, note: str) -> None:
        """Open ``actions[:i-1]``; the rest waits on the redo stack."""
        done = self.actions[: i - 1]
        if self.fresh._inputs > sum(a.kind == "code" for a in done):
            self.fresh = Workspace()  # the failed input ran part-way: rebuild without it
            for action in done:
                self.fresh._do(action)
        self.rest = list(reversed(self.actions[i - 1 :]))
        self.note = note


def session_has_code(path: str | os.PathLike[str]) -> bool:
    """True when the session file holds console code (open it only after asking)."""
    return any(a.kind == "code" for a in read_session(Path(path)))


def read_session(source: Path) -> list[Action]:
    """The actions of a session file, checked against :mod:`session_schema`; nothing runs."""
    try:
        return [Action(**fields) for fields in session_schema.read_session_file(source)]
    except session_schema.SessionFileError as exc:
        raise WorkspaceError(str(exc)) from None
