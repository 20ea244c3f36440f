"""Your model: a .py file defining ``model()`` (and optionally ``data()`` and ``loss()``).

The file is Python code and this module runs it, as ``gradviz train --model`` and the
Training panel's "Your model" say before they do (it runs as a module named
``gradviz_user_model``, so an ``if __name__ == "__main__":`` block stays quiet).

* ``model()`` returns an ``nn.Module``; its initial weights are drawn from the run's seed.
* ``data()`` returns ``(X, y)`` (tensors or arrays) or a ``torch.utils.data.Dataset``;
  a CSV or NPZ file picked in the panel (or ``--data``) takes its place.
* ``loss(output, target)`` returns a scalar tensor. Without it: mean squared error for
  regression, cross-entropy for classes (BCE-with-logits for one output and 2 classes).

Every failure is a :class:`UserModelError` with one line naming the problem; nothing
is kept from a failed build.
"""

from __future__ import annotations

import runpy
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from gradviz.core.i18n import _
from gradviz.core.training.config import ConfigError, TrainConfig
from gradviz.core.training.datasets import Dataset
from gradviz.core.training.tabular import TableError, class_labels, pick, read_table

MAX_ROWS = 10_000_000  # data() items are stacked into tensors: refuse absurd sizes first
TRIAL_ROWS = 8  # the output/loss fit is checked on this many samples before training


class UserModelError(ConfigError):
    """The model file or its data cannot be used; one line says which and why."""


@dataclass
class UserSource:
    data: Dataset
    model: nn.Module
    loss_fn: Callable
    loss_name: str


def run_model_file(path: str | Path) -> dict:
    """Run the file and return its globals; a SyntaxError or a raise becomes one line."""
    p = Path(path)
    if not p.is_file():
        raise UserModelError(_("model file {p} does not exist").format(p=p))
    try:
        return runpy.run_path(str(p), run_name="gradviz_user_model")
    except SyntaxError as exc:
        raise UserModelError(
            _("{name} line {lineno}: syntax error: {msg}").format(
                name=p.name, lineno=exc.lineno, msg=exc.msg
            )
        ) from None
    except SystemExit:
        raise UserModelError(_("running {name} called exit()").format(name=p.name)) from None
    except Exception as exc:
        raise UserModelError(
            _("running {name} failed: {value}").format(name=p.name, value=_one_line(exc))
        ) from None


def _one_line(exc: BaseException) -> str:
    from gradviz.core.errors import explain

    return explain(exc)


def build_user_source(config: TrainConfig) -> UserSource:
    """Data, model and loss of a "Your model" config, checked to fit together."""
    name = Path(config.model_file).name
    ns = run_model_file(config.model_file)
    make_model = ns.get("model")
    if not callable(make_model):
        raise UserModelError(_("{name} does not define model()").format(name=name))
    x, y, task, n_classes, data_name = _data(config, ns, name)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        try:
            model = make_model()
        except Exception as exc:
            raise UserModelError(
                _("model() in {name} raised {value}").format(name=name, value=_one_line(exc))
            ) from None
    if not isinstance(model, nn.Module):
        raise UserModelError(
            _("model() in {name} returned {kind}, not an nn.Module").format(
                name=name, kind=type(model).__name__
            )
        )
    user_loss = ns.get("loss")
    if user_loss is not None and not callable(user_loss):
        raise UserModelError(_("loss in {name} is not a function").format(name=name))
    kind, y, loss_fn, loss_name = _loss_for(model, x, y, task, n_classes, user_loss, name)
    data = _split(data_name, kind, x, y, n_classes, config)
    return UserSource(data, model, loss_fn, loss_name)


def _data(config: TrainConfig, ns: dict, name: str):
    if config.data_file:
        try:
            table = read_table(config.data_file)
            picked = pick(table, config.target, config.features, config.task, config.n_classes)
        except TableError as exc:
            raise UserModelError(str(exc)) from None
        x = torch.from_numpy(picked.x)
        y = torch.from_numpy(picked.y)
        return x, y, picked.task, picked.n_classes, Path(config.data_file).stem
    make_data = ns.get("data")
    if make_data is None:
        raise UserModelError(
            _("{name} defines no data(): add one, or pick a CSV or NPZ file").format(name=name)
        )
    if not callable(make_data):
        raise UserModelError(_("data in {name} is not a function").format(name=name))
    try:
        got = make_data()
    except Exception as exc:
        raise UserModelError(
            _("data() in {name} raised {value}").format(name=name, value=_one_line(exc))
        ) from None
    x, y = _as_tensors(got, name)
    task = config.task
    if task == "auto":
        task = "regression" if y.is_floating_point() else "classification"
    n_classes = 0
    if task == "classification":
        try:
            labels = class_labels(y.numpy().astype(np.float64), config.n_classes, name, "y")
        except TableError as exc:
            raise UserModelError(str(exc)) from None
        y = torch.from_numpy(labels)
        n_classes = config.n_classes or int(labels.max()) + 1
    else:
        y = y.float()
    return x, y, task, n_classes, Path(config.model_file).stem


def _as_tensors(got, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    if isinstance(got, torch.utils.data.Dataset) and not isinstance(got, (tuple, list)):
        try:
            n = len(got)  # type: ignore[arg-type]
        except TypeError:
            raise UserModelError(
                _("data() in {name} returned a Dataset without len()").format(name=name)
            ) from None
        if not 1 <= n <= MAX_ROWS:
            raise UserModelError(
                _("data() in {name}: {n} samples (1 to {MAX_ROWS} allowed)").format(
                    name=name, n=f"{n:,}", MAX_ROWS=f"{MAX_ROWS:,}"
                )
            )
        try:
            items = [got[i] for i in range(n)]
            x = torch.stack([torch.as_tensor(it[0]) for it in items])
            y = torch.stack([torch.as_tensor(it[1]) for it in items])
        except Exception as exc:
            raise UserModelError(
                _(
                    "data() in {name}: its items must be (x, y) pairs of equal shapes ({value})"
                ).format(name=name, value=_one_line(exc))
            ) from None
        return _check_xy(x, y, name)
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise UserModelError(
            _("data() in {name} must return (X, y) or a Dataset, not {kind}").format(
                name=name, kind=type(got).__name__
            )
        )
    try:
        x, y = (torch.as_tensor(np.asarray(v)) if not torch.is_tensor(v) else v for v in got)
    except Exception as exc:
        raise UserModelError(
            _("data() in {name}: X and y must be numeric ({exc})").format(name=name, exc=exc)
        ) from None
    return _check_xy(x.detach(), y.detach(), name)


def _check_xy(x: torch.Tensor, y: torch.Tensor, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    if x.ndim == 0 or y.ndim == 0:
        raise UserModelError(
            _("data() in {name}: X and y need one row per sample").format(name=name)
        )
    if x.shape[0] != y.shape[0]:
        raise UserModelError(
            _("data() in {name}: X has {value} rows but y has {value2}").format(
                name=name, value=f"{x.shape[0]:,}", value2=f"{y.shape[0]:,}"
            )
        )
    if x.shape[0] < 2:
        raise UserModelError(_("data() in {name}: at least 2 samples are needed").format(name=name))
    if not (x.is_floating_point() or x.dtype in (torch.int64, torch.int32, torch.uint8)):
        raise UserModelError(
            _("data() in {name}: X is {dtype}, not numbers").format(name=name, dtype=x.dtype)
        )
    return (x.float() if not x.is_floating_point() else x), y


def _loss_for(model, x, y, task, n_classes, user_loss, name):
    """The loss, the Dataset task, and y in the form that loss takes; checked on a few rows."""
    try:
        with torch.no_grad():
            out = model(x[:TRIAL_ROWS])
    except Exception as exc:
        raise UserModelError(
            _("model from {name} cannot take inputs of shape {value}: {value2}").format(
                name=name, value=_shape(x[:TRIAL_ROWS]), value2=_one_line(exc)
            )
        ) from None
    if not torch.is_tensor(out):
        raise UserModelError(
            _("model from {name} returned {kind}, not a tensor").format(
                name=name, kind=type(out).__name__
            )
        )
    kind = "regression"
    if task == "classification":
        if out.ndim == 2 and out.shape[1] == 1 and n_classes == 2:
            kind, y = "binary", y.float().reshape(-1, 1)
            default, loss_name = nn.BCEWithLogitsLoss(), _("BCE with logits")
        else:
            kind = "multiclass"
            default = nn.CrossEntropyLoss()
            loss_name = _("cross-entropy over {n} classes").format(n=n_classes)
            if (out.ndim != 2 or out.shape[1] != n_classes) and user_loss is None:
                raise UserModelError(
                    _(
                        "the model's output {value} does not fit the loss ({loss_name}): it needs "
                        "shape (N, {n_classes})"
                    ).format(value=_shape(out), loss_name=loss_name, n_classes=n_classes)
                )
    else:
        if y.ndim == 1 and out.ndim == 2 and out.shape[1] == 1:
            y = y.reshape(-1, 1)  # one target column, as MSE against an (N, 1) output needs
        default, loss_name = nn.MSELoss(), _("mean squared error")
        if user_loss is None and tuple(out.shape[1:]) != tuple(y.shape[1:]):
            raise UserModelError(
                _(
                    "the model's output {value} does not fit the loss ({loss_name}) for targets "
                    "{value2}"
                ).format(value=_shape(out), loss_name=loss_name, value2=_shape(y[:TRIAL_ROWS]))
            )
    loss_fn = user_loss if user_loss is not None else default
    if user_loss is not None:
        loss_name = _("loss() from {name}").format(name=name)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # MSE's broadcasting warning
            value = loss_fn(out, y[:TRIAL_ROWS])
    except Exception as exc:
        raise UserModelError(
            _(
                "the model's output {value} does not fit the loss ({loss_name}) for targets "
                "{value2}: {value3}"
            ).format(
                value=_shape(out),
                loss_name=loss_name,
                value2=_shape(y[:TRIAL_ROWS]),
                value3=_one_line(exc),
            )
        ) from None
    if not (torch.is_tensor(value) and value.numel() == 1):
        raise UserModelError(
            _("{loss_name} must return a single-number tensor").format(loss_name=loss_name)
        )
    return kind, y, loss_fn, loss_name


def _shape(t: torch.Tensor) -> str:
    return "(" + ", ".join(str(d) for d in t.shape) + ")"


def _split(name, kind, x, y, n_classes, config: TrainConfig) -> Dataset:
    g = torch.Generator().manual_seed(config.seed)
    n = x.shape[0]
    n_test = min(max(int(round(n * config.test_fraction)), 0), n - 1)
    perm = torch.randperm(n, generator=g)
    test, train = perm[:n_test], perm[n_test:]
    return Dataset(
        name,
        kind,
        x[train],
        y[train],
        x[test],
        y[test],
        n_classes=n_classes if kind != "regression" else 0,
    )
