"""The shape a session file must have, checked before anything is replayed.

A session file is JSON written by :meth:`Workspace.save`; a damaged or forged
one must fail with one clear line (:class:`SessionFileError`), never as an
AttributeError or RecursionError deep inside a replay. This module is plain
Python (no torch), so ``gradviz gui FILE`` can check a file before Qt starts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from gradviz.core.i18n import _

FORMAT = "gradviz-session"
VERSION = 1
MAX_FILE_BYTES = 20_000_000  # a session is a list of typed actions: megabytes at most
MAX_ACTIONS = 100_000

# The action kinds a session may hold, and the fields of an action.
KINDS = ("create", "apply", "edit", "delete", "backward", "zero_grad", "retain_grad", "code")
FIELDS = ("kind", "target", "op", "args", "options")

# Each option a session may carry: its type (None allowed where the tuple says so).
OPTIONS: dict[str, tuple[type | None, ...]] = {
    "dtype": (str, type(None)),
    "device": (str, type(None)),
    "requires_grad": (bool,),
    "seed": (int,),
    "no_grad": (bool,),
    "data": (bool,),
    "retain_graph": (bool,),
    "in_place": (bool,),  # zero_grad: x.grad.zero_() rather than x.grad = None
    # a console input ("code"): the RNG states before it, and how it ended
    "rng": (dict,),
    "raised": (str,),
    "interrupted": (bool,),
}
SEED_RANGE = range(0, 2**63)


class SessionFileError(ValueError):
    """The file is not a valid session; the message is one line naming the problem."""


def _type_name(value: Any) -> str:
    words = {dict: _("an object"), list: _("a list"), str: _("text"), bool: "true/false"}
    return words.get(
        type(value),
        "null" if value is None else _("a {type}").format(type=type(value).__name__),
    )


def _short(text: str) -> str:
    """A name from the file, quoted and cut short: the file may hold anything."""
    return repr(text if len(text) <= 40 else text[:39] + "…")


def _check_text(value: Any, where: str, *, max_len: int = 100_000) -> None:
    if not isinstance(value, str):
        raise SessionFileError(
            _("{where} must be text, found {type_name}").format(
                where=where, type_name=_type_name(value)
            )
        )
    if len(value) > max_len:
        raise SessionFileError(
            _("{where} is too long ({count:,} characters)").format(where=where, count=len(value))
        )
    try:
        value.encode("utf-8")  # a lone surrogate ("\ud800") would break saving and exporting
    except UnicodeEncodeError:
        raise SessionFileError(
            _("{where} holds characters that are not valid Unicode").format(where=where)
        ) from None


def _check_option(name: Any, value: Any, where: str) -> None:
    if name not in OPTIONS:
        known = ", ".join(OPTIONS)
        raise SessionFileError(
            _("{where} has an unknown option {name} (known: {known})").format(
                where=where, name=_short(name), known=known
            )
        )
    allowed = OPTIONS[name]
    # bool is an int in Python: a seed of true is as wrong as a seed of "3"
    if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
        raise SessionFileError(
            _("{where} option {name!r} cannot be {type_name}").format(
                where=where, name=name, type_name=_type_name(value)
            )
        )
    if isinstance(value, str):
        _check_text(value, _("{where} option {name!r}").format(where=where, name=name), max_len=100)
    if name == "rng":
        _check_rng(value, where)
    if name == "seed" and value not in SEED_RANGE:
        raise SessionFileError(
            _("{where} option 'seed' must be from 0 to 2**63 - 1").format(where=where)
        )


def _check_rng(value: dict, where: str) -> None:
    """The recorded RNG states: {"torch": base64, "numpy": [...5], "random": [...3]}."""
    bad = SessionFileError(
        _("{where} option 'rng' is not a recorded RNG state").format(where=where)
    )
    if set(value) != {"torch", "numpy", "random"}:
        raise bad
    torch_state, numpy_state, random_state = value["torch"], value["numpy"], value["random"]
    if not isinstance(torch_state, str) or len(torch_state) > 100_000:
        raise bad
    if not (isinstance(numpy_state, list) and len(numpy_state) == 5):
        raise bad
    if not (isinstance(random_state, list) and len(random_state) == 3):
        raise bad
    if not all(isinstance(v, str) and len(v) <= 100_000 for v in (numpy_state[1], random_state[1])):
        raise bad


def check_action(data: Any, where: str | None = None) -> dict[str, Any]:
    """Return ``data`` as an action's fields if it matches the schema, else raise."""
    where = _("an action") if where is None else where
    if not isinstance(data, dict):
        raise SessionFileError(
            _("{where} must be an object, found {type_name}").format(
                where=where, type_name=_type_name(data)
            )
        )
    extra = [k for k in data if k not in FIELDS]
    if extra:
        raise SessionFileError(
            _("{where} has an unknown field {extra} (allowed: {FIELDS})").format(
                where=where, extra=_short(extra[0]), FIELDS=", ".join(FIELDS)
            )
        )
    kind = data.get("kind")
    _check_text(kind, _("{where} 'kind'").format(where=where), max_len=100)
    if kind not in KINDS:
        raise SessionFileError(
            _("{where} has an unknown kind {kind} (known: {KINDS})").format(
                where=where, kind=_short(kind), KINDS=", ".join(KINDS)
            )
        )
    for name in ("target", "op"):
        _check_text(data.get(name, ""), f"{where} {name!r}", max_len=1000)
    args = data.get("args", {})
    if not isinstance(args, dict):
        raise SessionFileError(
            _("{where} 'args' must be an object, found {type_name}").format(
                where=where, type_name=_type_name(args)
            )
        )
    for key, value in args.items():
        _check_text(key, _("{where} argument name").format(where=where), max_len=100)
        _check_text(value, _("{where} argument {key!r}").format(where=where, key=key))
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise SessionFileError(
            _("{where} 'options' must be an object, found {type_name}").format(
                where=where, type_name=_type_name(options)
            )
        )
    for name, value in options.items():
        _check_option(name, value, where)
    return {
        "kind": kind,
        "target": data.get("target", ""),
        "op": data.get("op", ""),
        "args": dict(args),
        "options": dict(options),
    }


def check_session(data: Any) -> list[dict[str, Any]]:
    """The actions of a parsed session document, each checked by :func:`check_action`."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SessionFileError(_("not a gradviz session file"))
    version = data.get("version")
    if type(version) is not int or version != VERSION:
        shown = version if type(version) is int and abs(version) < 10**6 else _type_name(version)
        raise SessionFileError(_("unsupported session version {shown}").format(shown=shown))
    actions = data.get("actions")
    if not isinstance(actions, list):
        raise SessionFileError(
            _("'actions' must be a list, found {type_name}").format(type_name=_type_name(actions))
        )
    if len(actions) > MAX_ACTIONS:
        raise SessionFileError(
            _("{count:,} actions is more than the {MAX_ACTIONS:,} allowed").format(
                count=len(actions), MAX_ACTIONS=MAX_ACTIONS
            )
        )
    return [check_action(a, _("action {i}").format(i=i)) for i, a in enumerate(actions, start=1)]


def parse_session_text(text: str) -> list[dict[str, Any]]:
    """Parse and check a session document; every failure is a SessionFileError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionFileError(
            _("not a gradviz session (bad JSON at line {lineno}: {msg})").format(
                lineno=exc.lineno, msg=exc.msg
            )
        ) from None
    except RecursionError:
        raise SessionFileError(_("not a gradviz session (bad JSON: nested too deeply)")) from None
    except ValueError:  # e.g. an integer of more than 4300 digits
        raise SessionFileError(
            _("not a gradviz session (bad JSON: a number is too long)")
        ) from None
    return check_session(data)


def read_session_file(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read, parse and check a session file. Errors name the file in one line."""
    source = Path(path)
    try:
        if source.stat().st_size > MAX_FILE_BYTES:
            raise SessionFileError(
                _("{name} is too large for a session file (over {MAX_FILE_BYTES:,} bytes)").format(
                    name=source.name, MAX_FILE_BYTES=MAX_FILE_BYTES
                )
            )
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SessionFileError(_("no such file: {source}").format(source=source)) from None
    except UnicodeDecodeError:
        raise SessionFileError(
            _("{name} is not a gradviz session (not UTF-8 text)").format(name=source.name)
        ) from None
    except OSError as exc:
        raise SessionFileError(
            _("cannot read {source}: {strerror}").format(
                source=source, strerror=exc.strerror or exc
            )
        ) from None
    try:
        return parse_session_text(text)
    except SessionFileError as exc:
        raise SessionFileError(_("{name}: {exc}").format(name=source.name, exc=exc)) from None
