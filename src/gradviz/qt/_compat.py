"""Guards against known bugs in the Qt bindings, applied once when gradviz.qt is imported."""

from __future__ import annotations

import sys


def keep_none_alive() -> None:
    """Survive PySide6 6.12.0 on Python < 3.12, which drops a reference to ``None``.

    Every void Qt call there (``setText``, ``setPos``, …) returns ``None``
    without taking a reference, so after a few thousand calls the interpreter
    aborts with "none_dealloc". pyproject.toml excludes that release; this
    guard covers an environment where it was installed anyway. Python 3.12
    made ``None`` immortal (PEP 683); this gives it the same kind of huge count.
    """
    if sys.version_info >= (3, 12):
        return
    import PySide6

    if not PySide6.__version__.startswith("6.12.0"):
        return
    import ctypes

    count = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt is PyObject's first field
    if count.value < 1 << 40:
        count.value += 1 << 40
