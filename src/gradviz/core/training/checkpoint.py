"""Checkpoints: the model's ``state_dict`` plus the config, written atomically.

Saving writes a temporary file next to the target and renames it over the target,
so a crash or a full disk never leaves half a checkpoint. Loading uses
``torch.load(weights_only=True)``: a file that smuggles code in a pickle is refused,
and nothing about the running session changes unless the whole load succeeds.
"""

from __future__ import annotations

import io
import os
import pickle
import warnings
import zipfile
from pathlib import Path

import torch

from gradviz.core.devices import DeviceError
from gradviz.core.files import atomic_write, resolve_target
from gradviz.core.i18n import _
from gradviz.core.training.checkpoint_schema import SchemaError, check_payload
from gradviz.core.training.config import ConfigError, TrainConfig, describe
from gradviz.core.training.session import TrainSession

FORMAT = "gradviz-checkpoint"
VERSION = 1


class CheckpointError(Exception):
    """The checkpoint cannot be written or read; the message says why in one line."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` safely (see :func:`gradviz.core.files.atomic_write`);
    raises :class:`CheckpointError` with one line for any failure."""
    path = Path(path)
    _check_writable(path)
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise CheckpointError(
            _("cannot write {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from None


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise CheckpointError(_("cannot write {path}: it is a folder").format(path=path))
    try:
        # through symlinks, as the write will go; a device or fifo is refused untouched
        real, _st = resolve_target(path)
    except OSError as exc:
        raise CheckpointError(
            _("cannot write {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from None
    parent = real.parent
    if not parent.is_dir():
        raise CheckpointError(
            _("cannot write {path}: folder {folder} does not exist").format(
                path=path, folder=parent
            )
        )
    if not os.access(parent, os.W_OK):
        raise CheckpointError(
            _("cannot write {path}: folder {folder} is not writable").format(
                path=path, folder=parent
            )
        )


def check_writable(path: str | Path) -> None:
    """Raise :class:`CheckpointError` if ``path`` could not be written (nothing is created)."""
    _check_writable(Path(path))


def save_checkpoint(session: TrainSession, path: str | Path) -> None:
    """Save weights, optimizer state, the shuffle position and the config of ``session``."""
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "config": session.config.to_dict(),
        "step": session.step,
        "model": {k: v.detach().cpu() for k, v in session.model.state_dict().items()},
        "optimizer": _to_cpu(session.optimizer.state_dict()),
        "loader": session.loader_state(),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    atomic_write_bytes(Path(path), buffer.getvalue())


def _to_cpu(obj):
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_cpu(v) for v in obj]
    return obj


def read_checkpoint(path: str | Path) -> dict:
    """The raw payload, loaded safely; raises :class:`CheckpointError` with a clear reason."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(_("cannot read {path}: no such file").format(path=path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # protocol notices are noise; the verdict matters
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise CheckpointError(_unpickling_verdict(path, exc)) from None
    except Exception as exc:  # the unpickler is a black box: a lone b"\x80" is an IndexError
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointError(
            _("cannot read {name}: not a checkpoint ({detail})").format(
                name=path.name, detail=first[:120]
            )
        ) from None
    if not isinstance(payload, dict) or not _is(payload.get("format"), FORMAT):
        raise CheckpointError(
            _("cannot read {name}: not a gradviz checkpoint").format(name=path.name)
        )
    if not _is(payload.get("version"), VERSION):
        raise CheckpointError(
            _(
                "cannot read {name}: checkpoint version {version} is not supported "
                "(expected {expected})"
            ).format(name=path.name, version=describe(payload.get("version")), expected=VERSION)
        )
    return payload


def _clip(exc: BaseException, limit: int = 160) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is(value: object, expected: str | int) -> bool:
    """Equality that a tensor or a bool in the file cannot turn into something else."""
    return type(value) is type(expected) and value == expected


def _unpickling_verdict(path: Path, exc: Exception) -> str:
    """One line: refused (it holds code or objects) or simply not a checkpoint."""
    boilerplate = ("Weights only load failed", "Please file", "Check the documentation")
    lines = [ln.strip() for ln in str(exc).splitlines()]
    detail = next(
        (ln for ln in lines if ln and not ln.startswith(boilerplate) and "error:" not in ln),
        "unsupported content",
    )
    with open(path, "rb") as f:
        head = f.read(2)
    looks_like_torch = zipfile.is_zipfile(path) or head[:1] == b"\x80"
    if "GLOBAL" in detail or looks_like_torch:
        return _(
            "refused to load {name}: it holds Python objects or code, not only "
            "tensors and settings, and weights_only loading never runs them ({detail})"
        ).format(name=path.name, detail=detail[:120])
    return _("cannot read {name}: not a checkpoint ({detail})").format(
        name=path.name, detail=detail[:120]
    )


def load_checkpoint(
    path: str | Path,
    device: str | torch.device | None = None,
    trusted_model_file: str | None = None,
) -> TrainSession:
    """A new session restored from ``path``; on any failure raise and change nothing.

    ``device`` overrides the device saved in the config (a checkpoint made on cuda
    can be opened on a machine without one).
    """
    payload = read_checkpoint(path)
    name = Path(path).name
    try:
        config = TrainConfig.from_dict(payload["config"])
    except (ConfigError, KeyError) as exc:
        raise CheckpointError(
            _("cannot read {name}: bad config ({detail})").format(name=name, detail=_clip(exc))
        ) from None
    if config.is_custom and not _same_file(config.model_file, trusted_model_file):
        # rebuilding "your model" runs its .py file: only the file the user chose may run
        raise CheckpointError(
            _(
                "{name} holds a model built by {file}, which is code: "
                "choose Your model with that file first, then load"
            ).format(name=name, file=Path(config.model_file).name)
        )
    if device is not None:
        config = config.replace(device=str(device))
    try:
        session = TrainSession(config)
    except (ConfigError, DeviceError, ValueError) as exc:
        raise CheckpointError(
            _("cannot open {name}: {detail}").format(name=name, detail=_clip(exc))
        ) from None
    try:
        # every tensor and setting against what this model and optimizer expect, before
        # load_state_dict can materialise anything (an expanded tensor, a wrong shape)
        step = check_payload(payload, session)
    except SchemaError as exc:
        raise CheckpointError(
            _("cannot read {name}: {detail}").format(name=name, detail=exc)
        ) from None
    try:
        session.model.load_state_dict(payload["model"])
        session.optimizer.load_state_dict(payload["optimizer"])
        session.load_loader_state(payload["loader"])
    except (KeyError, RuntimeError, ValueError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointError(
            _("cannot read {name}: weights do not fit the model ({detail})").format(
                name=name, detail=first[:160]
            )
        ) from None
    session.step = step
    return session


def _same_file(a: str, b: str | None) -> bool:
    if not b:
        return False
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False
