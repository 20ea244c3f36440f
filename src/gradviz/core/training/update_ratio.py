"""Update-to-weight ratios: how far one optimizer step moves each layer, relative to its size.

``‖w_after − w_before‖ / ‖w_before‖`` per layer (all its parameters together). The
rule of thumb (cs231n) is about 1e-3: far below, the layer hardly learns; far above,
it is thrown around. Measuring needs the weights before the step, so the probe
copies them only when armed (once per report), through the optimizer's own step
hooks: training code stays unchanged and unarmed steps pay one flag check.
"""

from __future__ import annotations

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
        ratios = []
        for (_n, m), old in zip(self.layers, before, strict=True):
            new = list(m.parameters(recurse=False))
            if not new:
                ratios.append(torch.zeros((), dtype=torch.float64))
                continue
            dev = new[0].device
            step = sum(
                torch.linalg.vector_norm((p.detach() - o).double()) ** 2
                for p, o in zip(new, old, strict=True)
            )
            size = sum(torch.linalg.vector_norm(o.double()) ** 2 for o in old)
            ratios.append((step.sqrt() / size.sqrt().clamp_min(TINY)).to(dev))
        devices = {r.device for r in ratios}
        if len(devices) > 1:  # a model spread over devices: gather on the first
            first = ratios[0].device
            ratios = [r.to(first) for r in ratios]
        self._pending = torch.stack(ratios)
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
