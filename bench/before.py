"""Load a module as it was at another git revision, next to today's, for before/after rows.

    module_at("1a45cf9", "src/gradviz/core/backward.py", "backward_before")

The old source runs against today's other modules (its ``gradviz.*`` imports are
today's), so it suits modules whose neighbours kept their interface. ``replace``
rewrites import lines, e.g. to point an old module at another old one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import types

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def module_at(
    rev: str, path: str, name: str, replace: tuple[tuple[str, str], ...] = ()
) -> types.ModuleType:
    source = subprocess.check_output(["git", "show", f"{rev}:{path}"], cwd=ROOT, text=True)
    for old, new in replace:
        source = source.replace(old, new)
    module = types.ModuleType(name)
    module.__file__ = f"{rev}:{path}"
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module
