"""Run a user's script on purpose (``gradviz graph/backward SCRIPT.py``) and find its tensors.

This executes the file exactly like ``python SCRIPT.py`` would. It is only
ever called from an explicit command; nothing typed into the app goes here.
"""

from __future__ import annotations

import runpy
import sys
import traceback
from pathlib import Path
from typing import Any

import torch


class ScriptError(Exception):
    """The script could not be run, or raised; the message is one clear line."""


def run_script(path: str | Path) -> dict[str, Any]:
    """Run ``path`` as ``__main__`` and return its module-level namespace."""
    script = Path(path)
    if not script.is_file():
        raise ScriptError(f"script not found: {script}")
    old_argv, old_path = sys.argv[:], sys.path[:]
    sys.argv = [str(script)]
    sys.path.insert(0, str(script.resolve().parent))
    try:
        return runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:
        raise ScriptError(f"{script} called exit({exc.code})") from None
    except BaseException as exc:  # the user's code may raise anything
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(script)]
        where = f" at line {frames[-1].lineno}" if frames else ""
        raise ScriptError(
            f"{script} raised {type(exc).__name__}{where}: {exc}".rstrip(": ")
        ) from None
    finally:
        sys.argv, sys.path[:] = old_argv, old_path


def tensors_in(namespace: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The module-level tensors of a namespace, by variable name (private names skipped)."""
    return {
        name: value
        for name, value in namespace.items()
        if isinstance(value, torch.Tensor) and not name.startswith("_")
    }


def pick_tensor(namespace: dict[str, Any], name: str) -> torch.Tensor:
    """The tensor called ``name``, or a ScriptError listing the tensors there are."""
    found = tensors_in(namespace)
    listing = ", ".join(sorted(found)) or "none"
    if name not in namespace:
        raise ScriptError(f"no variable named {name!r} in the script; its tensors are: {listing}")
    if name not in found:
        kind = type(namespace[name]).__name__
        article = "an" if kind[:1].lower() in "aeiou" else "a"
        raise ScriptError(
            f"{name!r} is {article} {kind}, not a tensor; the script's tensors are: {listing}"
        )
    return found[name]
