"""Discover the devices torch can use here: cpu, each cuda:N, and mps."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gradviz.core.i18n import _


@dataclass(frozen=True)
class DeviceInfo:
    name: str  # what torch.device() takes: "cpu", "cuda:0", "mps"
    label: str  # what a person reads: "cuda:0 — NVIDIA H100 (80.0 GiB)"
    available: bool
    reason: str = ""  # why it is not available
    memory_bytes: int | None = None


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def list_devices() -> list[DeviceInfo]:
    """Every device kind gradviz knows, available or not, with the reason when not."""
    threads = torch.get_num_threads()
    threads_text = _("{n} threads") if threads != 1 else _("{n} thread")
    devices = [DeviceInfo("cpu", "cpu — " + threads_text.format(n=threads), True)]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            devices.append(
                DeviceInfo(
                    f"cuda:{i}",
                    f"cuda:{i} — {props.name} ({_gib(props.total_memory)})",
                    True,
                    memory_bytes=props.total_memory,
                )
            )
    else:
        reason = (
            _("this PyTorch build has no CUDA support")
            if torch.version.cuda is None
            else _("no CUDA GPU or driver was found")
        )
        devices.append(DeviceInfo("cuda", "cuda — " + _("not available"), False, reason))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append(DeviceInfo("mps", "mps — Apple GPU", True))
    else:
        devices.append(
            DeviceInfo(
                "mps", "mps — " + _("not available"), False, _("needs macOS on Apple silicon")
            )
        )
    return devices


class DeviceError(ValueError):
    """The requested device does not exist or is not available here."""


def resolve_device(name: str) -> torch.device:
    """Turn ``cpu``, ``cuda``, ``cuda:N`` or ``mps`` into an available device, or explain."""
    text = (name or "cpu").strip()
    try:
        device = torch.device(text)
    except (RuntimeError, ValueError):
        raise DeviceError(
            _("unknown device {device!r}: use cpu, cuda, cuda:N or mps").format(device=text)
        ) from None
    if device.type == "cpu":
        return device
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(
                _("device {device!r} is not available: no CUDA GPU here").format(device=text)
            )
        index = device.index if device.index is not None else 0
        if index >= torch.cuda.device_count():
            raise DeviceError(
                _("device {device!r} is not available: only {n} CUDA device(s)").format(
                    device=text, n=torch.cuda.device_count()
                )
            )
        return torch.device("cuda", index)
    if device.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise DeviceError(_("device 'mps' is not available: needs macOS on Apple silicon"))
        return device
    raise DeviceError(
        _("device {device!r} is not supported: use cpu, cuda, cuda:N or mps").format(device=text)
    )
