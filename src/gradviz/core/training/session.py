"""A training session: the data, model, optimizer and loss of one config, on one device."""

from __future__ import annotations

import torch
from torch import nn

from gradviz.core.devices import resolve_device
from gradviz.core.training.config import TrainConfig
from gradviz.core.training.datasets import Dataset, bounds, make_dataset
from gradviz.core.training.models import (
    activation_layers,
    linreg_model,
    mlp,
    param_layers,
    twolayer_model,
)
from gradviz.core.training.optim import make_optimizer
from gradviz.core.training.update_ratio import UpdateRatioProbe


def build_model(config: TrainConfig, data: Dataset) -> nn.Module:
    """The demo's model, its initial weights drawn from ``config.seed``."""
    with torch.random.fork_rng(devices=[]):  # leave the caller's global RNG untouched
        torch.manual_seed(config.seed)
        if config.demo == "linreg":
            return linreg_model(data.x_train.shape[1])
        if config.demo == "twolayer":
            s = data.meta
            return twolayer_model(s["D_in"], config.hidden[0], s["D_out"], config.activation)
        out = 1 if data.task == "binary" else data.n_classes
        return mlp(data.x_train.shape[1], config.hidden, out, config.activation)


def make_loss(config: TrainConfig, data: Dataset) -> nn.Module:
    if config.demo == "twolayer":
        return nn.MSELoss(reduction="sum")
    if data.task == "regression":
        return nn.MSELoss()
    if data.task == "binary":
        return nn.BCEWithLogitsLoss()
    return nn.CrossEntropyLoss()


class TrainSession:
    """Everything a run needs, built from a validated config. The loop advances ``step``."""

    def __init__(self, config: TrainConfig, device: torch.device | None = None) -> None:
        config.validate()
        self.config = config
        self.device = device if device is not None else resolve_device(config.device)
        if config.is_custom:  # "Your model": runs the user's file (the panel says so first)
            from gradviz.core.training.user_model import build_user_source

            source = build_user_source(config)
            self.data_cpu, model, self.loss_fn = source.data, source.model, source.loss_fn
            self.loss_name = source.loss_name
        else:
            self.data_cpu = make_dataset(config)
            model = build_model(config, self.data_cpu)
            self.loss_fn = make_loss(config, self.data_cpu)
        self.data = self.data_cpu.to(self.device)
        self.model = model.to(self.device)
        self.optimizer = make_optimizer(
            config.optimizer,
            self.model.parameters(),
            config.lr,
            config.weight_decay,
            config.momentum,
        )
        self.layers = param_layers(self.model)
        self.update_probe = UpdateRatioProbe(self.optimizer, self.layers)
        self.act_layers = activation_layers(self.model)
        self.steps_per_epoch = config.steps_per_epoch(self.data.n_train)
        self.total_steps = config.total_steps(self.data.n_train)
        self.step = 0
        # mini-batch order comes from its own generator: metrics never disturb it
        self.generator = torch.Generator().manual_seed(config.seed + 1)
        self._perm: torch.Tensor | None = None
        self._pos = 0
        self.window = bounds(self.data_cpu.x_train) if self.data_cpu.is_2d else None

    @property
    def task(self) -> str:
        return self.data.task

    @property
    def epoch(self) -> float:
        return self.step / self.steps_per_epoch

    @property
    def finished(self) -> bool:
        return self.step >= self.total_steps

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next shuffled mini-batch; a new permutation starts each epoch."""
        n, bs = self.data.n_train, self.config.batch_size
        if bs >= n:  # full batch: every step sees all of the data, as in twolayer
            return self.data.x_train, self.data.y_train
        if self._perm is None or self._pos >= n:
            self._perm = torch.randperm(n, generator=self.generator).to(self.device)
            self._pos = 0
        idx = self._perm[self._pos : self._pos + bs]
        self._pos += bs
        return self.data.x_train[idx], self.data.y_train[idx]

    def batch_mark(self) -> tuple:
        """Where the shuffle stands, to go back to if the step that takes the next batch is
        dropped (a cancel mid-step). The generator's state is copied only when that batch
        starts a new epoch's permutation, so this costs nothing on most steps."""
        n = self.data.n_train
        draws = self.config.batch_size < n and (self._perm is None or self._pos >= n)
        return self._perm, self._pos, self.generator.get_state() if draws else None

    def back_to(self, mark: tuple) -> None:
        self._perm, self._pos, generator = mark
        if generator is not None:
            self.generator.set_state(generator)

    def peek_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The batch the next step would use, without advancing (for "Inspect this step")."""
        n, bs = self.data.n_train, self.config.batch_size
        if bs >= n:
            return self.data.x_train, self.data.y_train
        if self._perm is None or self._pos >= n:
            idx = torch.arange(min(bs, n), device=self.device)
        else:
            idx = self._perm[self._pos : self._pos + bs]
        return self.data.x_train[idx], self.data.y_train[idx]

    def linreg_params(self) -> list[torch.Tensor]:
        lin = self.model[0]
        return [lin.weight.detach().reshape(-1), lin.bias.detach().reshape(-1)]

    # state that a checkpoint needs besides the weights: where the shuffle is
    def loader_state(self) -> dict:
        return {
            "generator": self.generator.get_state(),
            "perm": None if self._perm is None else self._perm.cpu(),
            "pos": self._pos,
        }

    def load_loader_state(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        perm = state.get("perm")
        self._perm = None if perm is None else perm.to(self.device)
        self._pos = int(state.get("pos", 0))
