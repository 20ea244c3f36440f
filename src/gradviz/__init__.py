"""gradviz: see PyTorch's autograd at work.

The public Python API is imported lazily so that ``gradviz --version`` and
``gradviz --help`` stay fast and never need torch or Qt.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_API = {
    "capture_graph": "gradviz.core.graph",
    "capture_module": "gradviz.core.graph",
    "Graph": "gradviz.core.graph",
    "layout_graph": "gradviz.core.layout",
    "trace_backward": "gradviz.core.backward",
    "Trace": "gradviz.core.backward",
    "Workspace": "gradviz.core.workspace",
    "OPS": "gradviz.core.ops",
    "list_devices": "gradviz.core.devices",
    "watch": "gradviz.core.training.watch.run",
    "WatchRun": "gradviz.core.training.watch.run",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'gradviz' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
