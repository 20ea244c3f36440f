"""Say which other tensors an in-place change reached: views share their base's memory.

``t.add_(100)`` changes every view of ``t`` too, and an edit through a view
changes its base; PyTorch does it silently. These notes name them.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from gradviz.core.i18n import _
from gradviz.core.tensor_info import describe


def also_changed(name: str, tensors: Mapping[str, torch.Tensor]) -> str:
    """A short note naming the tensors that share ``name``'s memory ("" when none do)."""
    info = describe(name, dict(tensors))
    others = [o for o in info.shares_with if o != name]
    if not others:
        return ""
    t = tensors[name]
    bases = [o for o in others if tensors[o] is t._base]
    rest = [o for o in others if o not in bases]
    parts = []
    if bases:
        parts.append(_("its base {names} changed too").format(names=", ".join(bases)))
    if rest:
        views = all(tensors[o]._base is (t._base if t._base is not None else t) for o in rest)
        names = ", ".join(rest)
        if views and t._base is None:
            text = (
                _("its view {names} changed too")
                if len(rest) == 1
                else _("its views {names} changed too")
            )
        else:
            text = _("tensors that share its storage {names} changed too")
        parts.append(text.format(names=names))
    return _("{notes} (same memory)").format(notes=_("; ").join(parts))
