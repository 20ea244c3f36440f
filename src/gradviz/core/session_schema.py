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
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "null" if value is None else f"a {type(value).__name__}"
    )


def _short(text: str) -> str:
    """A name from the file, quoted and cut short: the file may hold anything."""
    return repr(text if len(text) <= 40 else text[:39] + "…")


def _check_text(value: Any, where: str, *, max_len: int = 100_000) -> None:
    if not isinstance(value, str):
        raise SessionFileError(f"{where} must be text, found {_type_name(value)}")
    if len(value) > max_len:
        raise SessionFileError(f"{where} is too long ({len(value):,} characters)")
    try:
        value.encode("utf-8")  # a lone surrogate ("\ud800") would break saving and exporting
    except UnicodeEncodeError:
        raise SessionFileError(f"{where} holds characters that are not valid Unicode") from None


def _check_option(name: Any, value: Any, where: str) -> None:
    if name not in OPTIONS:
        known = ", ".join(OPTIONS)
        raise SessionFileError(f"{where} has an unknown option {_short(name)} (known: {known})")
    allowed = OPTIONS[name]
    # bool is an int in Python: a seed of true is as wrong as a seed of "3"
    if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
        raise SessionFileError(f"{where} option {name!r} cannot be {_type_name(value)}")
    if isinstance(value, str):
        _check_text(value, f"{where} option {name!r}", max_len=100)
    if name == "rng":
        _check_rng(value, where)
    if name == "seed" and value not in SEED_RANGE:
        raise SessionFileError(f"{where} option 'seed' must be from 0 to 2**63 - 1")


def _check_rng(value: dict, where: str) -> None:
    """The recorded RNG states: {"torch": base64, "numpy": [...5], "random": [...3]}."""
    bad = SessionFileError(f"{where} option 'rng' is not a recorded RNG state")
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


def check_action(data: Any, where: str = "an action") -> dict[str, Any]:
    """Return ``data`` as an action's fields if it matches the schema, else raise."""
    if not isinstance(data, dict):
        raise SessionFileError(f"{where} must be an object, found {_type_name(data)}")
    extra = [k for k in data if k not in FIELDS]
    if extra:
        raise SessionFileError(
            f"{where} has an unknown field {_short(extra[0])} (allowed: {', '.join(FIELDS)})"
        )
    kind = data.get("kind")
    _check_text(kind, f"{where} 'kind'", max_len=100)
    if kind not in KINDS:
        raise SessionFileError(
            f"{where} has an unknown kind {_short(kind)} (known: {', '.join(KINDS)})"
        )
    for name in ("target", "op"):
        _check_text(data.get(name, ""), f"{where} {name!r}", max_len=1000)
    args = data.get("args", {})
    if not isinstance(args, dict):
        raise SessionFileError(f"{where} 'args' must be an object, found {_type_name(args)}")
    for key, value in args.items():
        _check_text(key, f"{where} argument name", max_len=100)
        _check_text(value, f"{where} argument {key!r}")
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise SessionFileError(f"{where} 'options' must be an object, found {_type_name(options)}")
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
        raise SessionFileError("not a gradviz session file")
    version = data.get("version")
    if type(version) is not int or version != VERSION:
        shown = version if type(version) is int and abs(version) < 10**6 else _type_name(version)
        raise SessionFileError(f"unsupported session version {shown}")
    actions = data.get("actions")
    if not isinstance(actions, list):
        raise SessionFileError(f"'actions' must be a list, found {_type_name(actions)}")
    if len(actions) > MAX_ACTIONS:
        raise SessionFileError(f"{len(actions):,} actions is more than the {MAX_ACTIONS:,} allowed")
    return [check_action(a, f"action {i}") for i, a in enumerate(actions, start=1)]


def parse_session_text(text: str) -> list[dict[str, Any]]:
    """Parse and check a session document; every failure is a SessionFileError."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionFileError(
            f"not a gradviz session (bad JSON at line {exc.lineno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise SessionFileError("not a gradviz session (bad JSON: nested too deeply)") from None
    except ValueError:  # e.g. an integer of more than 4300 digits
        raise SessionFileError("not a gradviz session (bad JSON: a number is too long)") from None
    return check_session(data)


def read_session_file(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read, parse and check a session file. Errors name the file in one line."""
    source = Path(path)
    try:
        if source.stat().st_size > MAX_FILE_BYTES:
            raise SessionFileError(
                f"{source.name} is too large for a session file (over {MAX_FILE_BYTES:,} bytes)"
            )
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SessionFileError(f"no such file: {source}") from None
    except UnicodeDecodeError:
        raise SessionFileError(f"{source.name} is not a gradviz session (not UTF-8 text)") from None
    except OSError as exc:
        raise SessionFileError(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        return parse_session_text(text)
    except SessionFileError as exc:
        raise SessionFileError(f"{source.name}: {exc}") from None
