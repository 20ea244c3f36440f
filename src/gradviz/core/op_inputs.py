"""Which workspace tensors the op palette proposes as an op's inputs.

The palette proposes the selected tensor first, then the newest others. A plain
proposal can be one the op refuses (``torch.dot(d, x)`` with a scalar ``d`` just
made), so each candidate is tried on shape-only ``meta`` tensors first: no data
is touched and no memory is used, and the first combination the op accepts wins.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import torch

from gradviz.core.literals import LiteralError
from gradviz.core.ops import OpSpec, parse_param

MAX_CANDIDATES = 6  # the newest few tensors: enough for any op, cheap to try


def _shape_only(t: torch.Tensor) -> torch.Tensor:
    return torch.empty(t.shape, dtype=t.dtype, device="meta")


def accepts(
    spec: OpSpec, tensors: Mapping[str, torch.Tensor], picks: Mapping[str, str], args: Mapping
) -> bool | None:
    """Whether ``spec`` runs with ``picks`` (param -> tensor name) and the other ``args`` as
    typed; None when it cannot tell (an argument does not parse, or the op has no meta kernel)."""
    values = {}
    for p in spec.params:
        if p.name in picks:
            values[p.name] = _shape_only(tensors[picks[p.name]])
            continue
        if p.is_tensor:
            return None  # a list of tensors, or a number typed by the user: not judged here
        try:
            values[p.name] = parse_param(p, str(args.get(p.name, "")))
        except (LiteralError, ValueError, TypeError):
            return None
    try:
        spec.call(**values)
    except NotImplementedError:
        return None
    except Exception:  # noqa: BLE001 - any refusal (shape, dtype, rank) means "not this one"
        return False
    return True


def propose_inputs(
    spec: OpSpec,
    fields: Sequence[str],
    preferred: Sequence[str],
    tensors: Mapping[str, torch.Tensor],
    args: Mapping | None = None,
) -> list[str]:
    """A tensor name for each of ``fields`` (the op's tensor inputs), from ``preferred``
    (best first): the first combination the op accepts, distinct names before repeats;
    else the plain order (the palette then says what is wrong when Apply is pressed)."""
    names = [n for n in preferred if isinstance(tensors.get(n), torch.Tensor)]
    if not names or not fields:
        return []
    plain = [names[min(i, len(names) - 1)] for i in range(len(fields))]
    pool = names[:MAX_CANDIDATES]
    combos = sorted(
        itertools.product(range(len(pool)), repeat=len(fields)),
        key=lambda c: (len(c) - len(set(c)), sorted(c), c),
    )
    for combo in combos:
        picks = {f: pool[i] for f, i in zip(fields, combo, strict=True)}
        verdict = accepts(spec, tensors, picks, args or {})
        if verdict is None:
            return plain
        if verdict:
            return [picks[f] for f in fields]
    return plain
