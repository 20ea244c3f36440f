"""Demo datasets, generated with torch from a seed (no downloads).

* ``linreg``: y = X w + b + noise, as in d2l 3.3 (true w = [2, -3.4], b = 4.2).
* ``twolayer``: random x (64 x 1000) and y (64 x 10), the two-layer net of the seed notes.
* ``circles``, ``xor``, ``gauss``, ``spiral``, ``moons``: 2-D classification in the
  style of TensorFlow Playground, scaled to about [-1, 1] so that a small MLP
  trains without input normalisation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from gradviz.core.i18n import _

TRUE_W = (2.0, -3.4)
TRUE_B = 4.2
TWOLAYER_SIZES = {"N": 64, "D_in": 1000, "H": 100, "D_out": 10}
CLASSIFICATION_DEMOS = ("circles", "xor", "gauss", "spiral", "moons")


@dataclass
class Dataset:
    """Train and test tensors of a demo, plus what a plot needs to know about them."""

    name: str
    task: str  # "regression" | "binary" | "multiclass"
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int = 0  # 0 for regression
    meta: dict = field(default_factory=dict)  # e.g. the true w and b of linreg

    @property
    def n_train(self) -> int:
        return int(self.x_train.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.x_test.shape[0])

    @property
    def is_2d(self) -> bool:
        return self.task != "regression" and self.x_train.shape[1] == 2

    def to(self, device: torch.device | str) -> Dataset:
        move = lambda t: t.to(device)
        return Dataset(
            self.name,
            self.task,
            move(self.x_train),
            move(self.y_train),
            move(self.x_test),
            move(self.y_test),
            self.n_classes,
            dict(self.meta),
        )

    def class_labels(self, y: torch.Tensor) -> torch.Tensor:
        """Integer class of each row (for colouring points)."""
        return y.reshape(-1).long()


def _split(x: torch.Tensor, y: torch.Tensor, test_fraction: float, g: torch.Generator):
    n = x.shape[0]
    n_test = int(round(n * test_fraction))
    n_test = min(max(n_test, 0), n - 1)  # always keep at least one training sample
    perm = torch.randperm(n, generator=g)
    test, train = perm[:n_test], perm[n_test:]
    return x[train], y[train], x[test], y[test]


def linreg(seed: int = 0, samples: int = 1000, noise: float = 0.01, test_fraction: float = 0.0):
    """d2l's ``synthetic_data``: X ~ N(0, 1), y = X w + b + N(0, noise)."""
    g = torch.Generator().manual_seed(seed)
    w = torch.tensor(TRUE_W)
    x = torch.normal(0.0, 1.0, (samples, len(TRUE_W)), generator=g)
    y = x @ w + TRUE_B
    y = y + torch.normal(0.0, noise, y.shape, generator=g)
    parts = _split(x, y.reshape(-1, 1), test_fraction, g)
    meta = {"true_w": list(TRUE_W), "true_b": TRUE_B}
    return Dataset("linreg", "regression", *parts, meta=meta)


def twolayer(seed: int = 0) -> Dataset:
    """64 random inputs of 1000 features and 64 random 10-dim targets (no test set)."""
    g = torch.Generator().manual_seed(seed)
    s = TWOLAYER_SIZES
    x = torch.randn(s["N"], s["D_in"], generator=g)
    y = torch.randn(s["N"], s["D_out"], generator=g)
    empty_x, empty_y = x[:0], y[:0]
    return Dataset("twolayer", "regression", x, y, empty_x, empty_y, meta=dict(s))


def _uniform(n: int, lo: float, hi: float, g: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=g)


def _circles(n: int, g: torch.Generator):
    half = n // 2
    r_in = _uniform(half, 0.0, 0.5, g)
    r_out = _uniform(n - half, 0.7, 1.0, g)
    r = torch.cat([r_in, r_out])
    angle = _uniform(n, 0.0, 2 * math.pi, g)
    x = torch.stack([r * torch.sin(angle), r * torch.cos(angle)], dim=1)
    labels = torch.cat([torch.ones(half), torch.zeros(n - half)]).long()
    return x, labels


def _xor(n: int, g: torch.Generator):
    pts = _uniform(2 * n, -1.0, 1.0, g).reshape(n, 2)
    # push points away from the axes, as Playground does, so the classes have a margin
    pts = pts + torch.sign(pts) * 0.06
    labels = (pts[:, 0] * pts[:, 1] >= 0).long()
    return pts, labels


def _gauss(n: int, g: torch.Generator, classes: int):
    labels = torch.arange(n) % classes
    if classes == 2:
        centres = torch.tensor([[0.4, 0.4], [-0.4, -0.4]])
    else:
        angles = torch.arange(classes) * (2 * math.pi / classes)
        centres = 0.55 * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    x = centres[labels] + 0.12 * torch.randn(n, 2, generator=g)
    return x, labels


def _spiral(n: int, g: torch.Generator, classes: int):
    labels = torch.arange(n) % classes
    # position along the arm, 0 (centre) .. 1 (tip); 1.75 turns as in Playground
    t = torch.rand(n, generator=g)
    radius = t
    angle = 1.75 * t * 2 * math.pi + labels * (2 * math.pi / classes)
    x = torch.stack([radius * torch.sin(angle), radius * torch.cos(angle)], dim=1)
    return x, labels


def _moons(n: int, g: torch.Generator):
    half = n // 2
    t_out = _uniform(half, 0.0, math.pi, g)
    t_in = _uniform(n - half, 0.0, math.pi, g)
    outer = torch.stack([torch.cos(t_out), torch.sin(t_out)], dim=1)
    inner = torch.stack([1 - torch.cos(t_in), 0.5 - torch.sin(t_in)], dim=1)
    x = torch.cat([outer, inner]) - torch.tensor([0.5, 0.25])
    labels = torch.cat([torch.zeros(half), torch.ones(n - half)]).long()
    return x / 1.2, labels


def classification(
    name: str,
    seed: int = 0,
    samples: int = 500,
    noise: float = 0.1,
    test_fraction: float = 0.3,
    classes: int = 2,
) -> Dataset:
    """One of the 2-D Playground-style datasets; ``noise`` is the std of a Gaussian jitter."""
    g = torch.Generator().manual_seed(seed)
    if name == "circles":
        x, labels = _circles(samples, g)
    elif name == "xor":
        x, labels = _xor(samples, g)
    elif name == "gauss":
        x, labels = _gauss(samples, g, classes)
    elif name == "spiral":
        x, labels = _spiral(samples, g, classes)
    elif name == "moons":
        x, labels = _moons(samples, g)
    else:
        raise ValueError(_("unknown 2-D dataset {name}").format(name=f"{name!r}"))
    x = x + noise * torch.randn(x.shape, generator=g)
    n_classes = int(labels.max().item()) + 1
    task = "binary" if n_classes == 2 else "multiclass"
    # binary targets are float columns for BCE-with-logits; multiclass ones are class indices
    y = labels.float().reshape(-1, 1) if task == "binary" else labels
    return Dataset(name, task, *_split(x, y, test_fraction, g), n_classes=n_classes)


def make_dataset(config) -> Dataset:
    """The dataset a :class:`~gradviz.core.training.config.TrainConfig` asks for (on cpu)."""
    if config.demo == "linreg":
        return linreg(config.seed, config.samples, config.noise, config.test_fraction)
    if config.demo == "twolayer":
        return twolayer(config.seed)
    return classification(
        config.demo,
        config.seed,
        config.samples,
        config.noise,
        config.test_fraction,
        config.classes,
    )


def bounds(x: torch.Tensor, pad: float = 0.08) -> tuple[float, float, float, float]:
    """A square window around 2-D points, (xmin, xmax, ymin, ymax): the boundary plot's grid."""
    lo = x.min(dim=0).values
    hi = x.max(dim=0).values
    centre = (lo + hi) / 2
    half = float((hi - lo).max()) / 2 * (1 + pad) + 1e-3
    cx, cy = float(centre[0]), float(centre[1])
    return (cx - half, cx + half, cy - half, cy + half)
