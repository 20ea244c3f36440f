"""Update-to-weight ratios: how far one optimizer step moves each layer, relative to its size.

``‖w_after − w_before‖ / ‖w_before‖`` per layer (all its parameters together). The
rule of thumb (cs231n) is about 1e-3: far below, the layer hardly learns; far above,
it is thrown around. Measuring needs the weights before the step, so the probe
copies them only when armed (once per report), through the optimizer's own step
hooks: training code stays unchanged and unarmed steps pay one flag check.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import torch
from torch import nn

TINY = 1e-30  # a layer whose weights are all zero has ratio inf, not a division error


class UpdateRatioProbe:
    """Arms itself; the next ``optimizer.step()`` leaves per-layer ratios (device tensor)."""

    def __init__(self, optimizer: torch.optim.Optimizer, layers: Sequence[tuple[str, nn.Module]]):
        self.layers = list(layers)
        self.names = [name for name, _m in self.layers]
        self.armed = True
        self._before: list[list[torch.Tensor]] | None = None
        self._pending: torch.Tensor | None = None
        self._handles = [
            optimizer.register_step_pre_hook(self._pre),
            optimizer.register_step_post_hook(self._post),
        ]

    def _pre(self, _opt, _args, _kwargs) -> None:
        if self.armed:
            self._before = [
                [p.detach().clone() for p in m.parameters(recurse=False)] for _n, m in self.layers
            ]

    def _post(self, _opt, _args, _kwargs) -> None:
        before, self._before = self._before, None
        if before is None:
            return
        new = [[p.detach() for p in m.parameters(recurse=False)] for _n, m in self.layers]
        flat_new = [p for group in new for p in group]
        flat_old = [o for group in before for o in group]
        sizes = [len(group) for group in before]
        if not flat_old:
            self._pending = torch.zeros(len(self.layers), dtype=torch.float64)
        else:
            step = layer_norms(torch._foreach_sub(flat_new, flat_old), sizes)
            size = layer_norms(flat_old, sizes)
            self._pending = step / size.clamp_min(TINY)
        self.armed = False

    def take(self) -> torch.Tensor | None:
        """The ratios of the last measured step (on the device), and re-arm; None if none."""
        pending, self._pending = self._pending, None
        self.armed = True
        return pending

    def close(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []


def layer_norms(tensors: Sequence[torch.Tensor], sizes: Sequence[int]) -> torch.Tensor:
    """L2 norm of each layer's tensors together (``sizes[i]`` tensors belong to layer i).

    One fused ``_foreach_norm`` over every tensor, then a per-layer sum of squares in
    float64: a handful of kernels whatever the number of layers, and no float64 copies
    of the tensors themselves.
    """
    if not tensors:
        return torch.zeros(len(sizes), dtype=torch.float64)
    norms = torch._foreach_norm(list(tensors))
    first = norms[0].device
    squares = torch.stack([n.to(first) for n in norms]).double().square()
    total = torch.zeros(len(sizes), dtype=torch.float64, device=first)
    return total.index_add_(0, _owners(tuple(sizes), first), squares).sqrt()


@functools.lru_cache(maxsize=64)
def _owners(sizes: tuple[int, ...], device: torch.device) -> torch.Tensor:
    """Which layer each tensor belongs to (the same every sample: built once)."""
    owner = [i for i, n in enumerate(sizes) for _ in range(n)]
    return torch.tensor(owner, dtype=torch.long, device=device)
