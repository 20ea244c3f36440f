"""What the live plots show, computed on the model's device and handed over as NumPy.

Every function here returns plain floats or NumPy arrays (never live tensors), so
the result can cross to the GUI thread safely. Tensors are gathered and copied to
the host in one transfer where possible: on CUDA each transfer is a synchronisation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from gradviz.core.i18n import _
from gradviz.core.training.models import ACTIVATIONS


@dataclass(frozen=True)
class Histogram:
    """Counts of ``bins`` equal bins spanning [lo, hi]."""

    lo: float
    hi: float
    counts: np.ndarray  # float64, shape (bins,)

    @property
    def edges(self) -> np.ndarray:
        return np.linspace(self.lo, self.hi, len(self.counts) + 1)


@dataclass(frozen=True)
class ActivationStats:
    """One activation layer's outputs on a probe batch."""

    mean: float
    std: float
    dead_fraction: float  # units that output 0 for every probe sample (ReLU only; else nan)
    histogram: Histogram | None  # None: a watched run's sample without histograms
    # outputs in the flat tails (tanh: |y| > 0.99; sigmoid: y < 0.01 or y > 0.99; else nan)
    saturated_fraction: float = math.nan


def to_host(tensors: Sequence[torch.Tensor]) -> np.ndarray:
    """Flatten and concatenate ``tensors`` on their device, then copy once to the host."""
    if not tensors:
        return np.zeros(0)
    flat = torch.cat([t.detach().reshape(-1).to(torch.float64) for t in tensors])
    return flat.cpu().numpy()


HIST_SAMPLE = 16_384  # histograms of bigger tensors count a strided sample of this size


def _histograms(flats: Sequence[torch.Tensor], bins: int) -> list[Histogram]:
    """Histograms of flat tensors, each over its own [min, max]: two host transfers in all.

    First every tensor's range (one transfer), then ``histc`` counts on the device (one
    more). A tensor holding nan or inf is binned over its finite values (a rare, slow path).
    """
    live = [f for f in flats if f.numel()]
    ranges = to_host([torch.stack(torch.aminmax(f)) for f in live]).reshape(-1, 2)
    counts, spans = [], []
    it = iter(ranges.tolist())
    for f in flats:
        if not f.numel():
            spans.append((0.0, 0.0))
            counts.append(torch.zeros(bins, dtype=torch.float64, device=f.device))
            continue
        lo, hi = next(it)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            f = f[torch.isfinite(f)]
            lo, hi = (float(f.min()), float(f.max())) if f.numel() else (0.0, 0.0)
        if hi <= lo:  # a constant tensor: give histc a range to work with
            hi = lo + max(abs(lo), 1.0) * 1e-6
        spans.append((lo, hi))
        if not f.numel():
            counts.append(f.new_zeros(bins, dtype=torch.float64))
            continue
        # a strided sample of big tensors is plenty for a 48-bin plot, and keeps this cheap
        stride = max(1, f.numel() // HIST_SAMPLE)
        sample = f[::stride] if stride > 1 else f
        scale = f.numel() / sample.numel()
        counts.append(torch.histc(sample, bins, min=lo, max=hi).double() * scale)
    packed = to_host(counts).reshape(len(flats), bins)
    return [Histogram(lo, hi, row.copy()) for (lo, hi), row in zip(spans, packed, strict=True)]


def _flat(t: torch.Tensor) -> torch.Tensor:
    return t.detach().reshape(-1).float()


def histograms(tensors: dict[str, torch.Tensor], bins: int = 48) -> dict[str, Histogram]:
    """Histogram of each tensor, each over its own [min, max]."""
    if not tensors:
        return {}
    names = list(tensors)
    hists = _histograms([_flat(tensors[n]) for n in names], bins)
    return dict(zip(names, hists, strict=True))


def resample_histogram(hist: Histogram, edges: np.ndarray) -> np.ndarray:
    """Re-bin ``hist`` onto ``edges`` (assuming counts spread evenly inside each bin).

    Histograms taken at different times have different ranges; a heatmap over time
    needs them on one common grid.
    """
    if hist.hi <= hist.lo:
        out = np.zeros(len(edges) - 1)
        k = np.searchsorted(edges, hist.lo, side="right") - 1
        if 0 <= k < len(out):
            out[k] = hist.counts.sum()
        return out
    cdf = np.concatenate([[0.0], np.cumsum(hist.counts)])
    at = np.interp(edges, hist.edges, cdf, left=0.0, right=cdf[-1])
    return np.diff(at)


def layer_grad_norms(layers: Sequence[tuple[str, nn.Module]]) -> list[torch.Tensor]:
    """The L2 norm of each layer's gradient (all its parameters together), on the device."""
    norms = []
    for _name, module in layers:
        grads = [p.grad for p in module.parameters(recurse=False) if p.grad is not None]
        if not grads:
            norms.append(torch.zeros((), dtype=torch.float64))
            continue
        squares = torch.stack([torch.linalg.vector_norm(g.detach().double()) ** 2 for g in grads])
        norms.append(squares.sum().sqrt())
    return norms


def _finite(t: torch.Tensor) -> bool:
    return bool(torch.isfinite(t.detach()).all())


def diagnose_nonfinite(layers: Sequence[tuple[str, nn.Module]]) -> tuple[str | None, str]:
    """Name the first layer (in backward order) whose gradient went non-finite, and how.

    Backward reaches the layers from the output towards the input, so the last layer
    in forward order comes first. The check runs after a non-finite loss was seen:

    * weights that are already nan/inf were made so by a non-finite gradient that the
      optimizer applied one step earlier (on CUDA, up to one report interval earlier);
    * otherwise the current gradients are checked;
    * if every gradient is still finite (the loss overflowed on its own), the layer
      with the largest gradient is named, since it is about to overflow.
    """
    backward = list(reversed(list(layers)))
    kind = lambda m: type(m).__name__
    for name, module in backward:
        if not all(_finite(p) for p in module.parameters(recurse=False)):
            return name, _(
                "the gradient of layer '{name}' ({kind}) went non-finite first "
                "(backward order) and the optimizer wrote it into its weights"
            ).format(name=name, kind=kind(module))
    for name, module in backward:
        grads = [p.grad for p in module.parameters(recurse=False) if p.grad is not None]
        if not all(_finite(g) for g in grads):
            return name, _(
                "the first non-finite gradient (backward order) is in layer '{name}' ({kind})"
            ).format(name=name, kind=kind(module))
    norms = [float(n) for n in layer_grad_norms(layers)]
    if not norms:
        return None, _("no layer has a gradient yet")
    i = max(range(len(norms)), key=norms.__getitem__)
    name, module = list(layers)[i]
    return name, _(
        "gradients are still finite; the largest is in layer '{name}' ({kind}), norm {norm}"
    ).format(name=name, kind=kind(module), norm=f"{norms[i]:.3g}")


def activation_stats(
    model: nn.Module,
    x: torch.Tensor,
    layers: Sequence[tuple[str, nn.Module]],
    bins: int = 48,
) -> tuple[dict[str, ActivationStats], torch.Tensor]:
    """Run ``model(x)`` once with forward hooks on ``layers``; return their stats and the output.

    The hooks live only for this probe pass, so training steps pay nothing for them.
    """
    captured: dict[str, torch.Tensor] = {}

    def hook_for(name: str) -> Callable:
        def hook(_module, _inputs, output):
            captured[name] = output.detach()

        return hook

    handles = [m.register_forward_hook(hook_for(name)) for name, m in layers]
    try:
        with torch.no_grad():
            output = model(x)
    finally:
        for h in handles:
            h.remove()
    if not captured:
        return {}, output
    names = [n for n, _ in layers if n in captured]
    relu_like = {n for n, m in layers if isinstance(m, nn.ReLU)}
    kinds = {n: m for n, m in layers}
    parts, flats = [], []
    for n in names:
        out = captured[n].reshape(captured[n].shape[0], -1).float()
        dead = (out <= 0).all(dim=0).float().mean() if n in relu_like else out.new_tensor(math.nan)
        parts.append(
            torch.stack([out.mean(), out.std(unbiased=False), dead, saturation(kinds[n], out)])
        )
        flats.append(out.reshape(-1))
    moments = to_host(parts).reshape(len(names), 4)
    hists = _histograms(flats, bins)
    stats = {
        n: ActivationStats(float(m[0]), float(m[1]), float(m[2]), h, float(m[3]))
        for n, m, h in zip(names, moments, hists, strict=True)
    }
    return stats, output


SATURATION_EDGE = 0.01  # how close to an asymptote counts as saturated (see doctor.THRESHOLDS)


def saturation(module: nn.Module, out: torch.Tensor) -> torch.Tensor:
    """Fraction of outputs in the flat tails of a tanh or sigmoid (nan for other layers).

    There the derivative is below about 0.02, so almost no gradient flows back through.
    """
    if isinstance(module, nn.Tanh):
        return (out.abs() > 1 - SATURATION_EDGE).float().mean()
    if isinstance(module, nn.Sigmoid):
        return ((out < SATURATION_EDGE) | (out > 1 - SATURATION_EDGE)).float().mean()
    return out.new_tensor(math.nan)


def loss_and_accuracy(
    output: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module, task: str
) -> list[torch.Tensor]:
    """[loss] for regression, [loss, accuracy] for classifiers; device tensors."""
    loss = loss_fn(output, y).detach()
    if task == "binary":
        acc = ((output > 0).float() == y).float().mean()
        return [loss, acc]
    if task == "multiclass":
        acc = (output.argmax(dim=1) == y).float().mean()
        return [loss, acc]
    return [loss]


def decision_grid(
    model: nn.Module,
    window: tuple[float, float, float, float],
    resolution: int,
    task: str,
    device: torch.device,
) -> np.ndarray:
    """Class probabilities over a grid: (res, res) p(class 1), or (res, res, C) for C classes.

    Row i is y = ymin + i * dy, column j is x = xmin + j * dx.
    """
    xmin, xmax, ymin, ymax = window
    xs = torch.linspace(xmin, xmax, resolution, device=device)
    ys = torch.linspace(ymin, ymax, resolution, device=device)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    points = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    with torch.no_grad():
        logits = model(points)
    if task == "multiclass":
        probs = torch.softmax(logits, dim=1)
        return probs.reshape(resolution, resolution, -1).cpu().numpy().astype(np.float32)
    return torch.sigmoid(logits).reshape(resolution, resolution).cpu().numpy().astype(np.float32)


def activation_curve(
    name: str, lo: float = -4.0, hi: float = 4.0, n: int = 401
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, f(x) and f'(x) for an activation, the derivative taken with autograd.

    As the seed notes do for ReLU: ``y.backward(torch.ones_like(x))`` gives dy/dx
    elementwise, because each y_i depends only on x_i.
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}")
    x = torch.linspace(lo, hi, n, dtype=torch.float64, requires_grad=True)
    y = ACTIVATIONS[name]()(x)
    y.backward(torch.ones_like(x))
    return (
        x.detach().numpy().copy(),
        y.detach().numpy().copy(),
        x.grad.detach().numpy().copy(),
    )
