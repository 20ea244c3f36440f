"""Optimizers by name: sgd, sgd_momentum, adam, adamw, rmsprop."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from gradviz.core.i18n import _
from gradviz.core.training.config import OPTIMIZERS, ConfigError


def make_optimizer(
    name: str,
    params: Iterable[torch.nn.Parameter],
    lr: float,
    weight_decay: float = 0.0,
    momentum: float = 0.9,
) -> torch.optim.Optimizer:
    params = list(params)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=weight_decay)
    if name == "sgd_momentum":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=weight_decay)
    raise ConfigError(
        _("unknown optimizer {name}: choose one of {choices}").format(
            name=repr(name), choices=", ".join(OPTIMIZERS)
        )
    )
