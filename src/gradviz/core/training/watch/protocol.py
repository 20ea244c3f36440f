"""The live-attach wire format and where the app says it listens.

A frame is a 4-byte big-endian length, then that many bytes of msgpack. Payloads are
maps of plain values; a NumPy array travels as ``{"nd": dtype, "shape": [...], "data":
raw bytes}`` with a numeric dtype only, so decoding never builds an arbitrary object
(no pickles, no ext types). Frames larger than ``MAX_FRAME`` are refused unread.

The first frame of a connection is ``{"type": "hello", "token": ..., "run": name,
"folder": path}``; the app drops the connection unless the token matches the one in
the user's config folder (``<config>/gradviz/live.json``, readable by the user only),
which also names the port. The app listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import struct
import sys
from pathlib import Path
from typing import Any

import msgpack
import numpy as np

MAX_FRAME = 8 * 2**20  # bytes; a record with every histogram of a big net is ~100 kB
HEADER = struct.Struct(">I")
DTYPES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"}
HOST = "127.0.0.1"


class ProtocolError(ValueError):
    """A frame that is not well-formed: the reader drops it (and says so in the log)."""


def _default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        if obj.dtype.name not in DTYPES:
            raise TypeError(f"cannot send arrays of {obj.dtype}")
        a = np.ascontiguousarray(obj)  # (this makes a 0-d array 1-d: the shape is obj's)
        return {"nd": a.dtype.name, "shape": list(obj.shape), "data": a.tobytes()}
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot send {type(obj).__name__}")


def _hook(obj: dict) -> Any:
    if "nd" in obj and "data" in obj and len(obj) == 3:
        dtype, shape, data = obj["nd"], obj.get("shape"), obj["data"]
        if dtype not in DTYPES or not isinstance(data, bytes) or not isinstance(shape, list):
            raise ProtocolError("bad array in message")
        if not all(isinstance(d, int) and d >= 0 for d in shape):
            raise ProtocolError("bad array shape in message")
        count = int(np.prod(shape)) if shape else 1
        if count * np.dtype(dtype).itemsize != len(data):
            raise ProtocolError("array size does not match its shape")
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
    return obj


def encode(message: dict) -> bytes:
    body = msgpack.packb(message, default=_default, use_bin_type=True)
    if len(body) > MAX_FRAME:
        raise ProtocolError(f"message of {len(body):,} bytes is over the {MAX_FRAME:,} limit")
    return HEADER.pack(len(body)) + body


def decode(body: bytes) -> dict:
    """One frame's body into a dict, or :class:`ProtocolError` (never anything else)."""
    try:
        obj = msgpack.unpackb(
            body, object_hook=_hook, raw=False, strict_map_key=True, max_bin_len=MAX_FRAME
        )
    except ProtocolError:
        raise
    except Exception as exc:  # msgpack raises several kinds for garbage
        raise ProtocolError(f"not a msgpack message ({type(exc).__name__})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise ProtocolError("message is not a map with a type")
    return obj


class FrameReader:
    """Cuts a byte stream into frames; a too-long frame raises (the caller drops the peer)."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        out = []
        while len(self._buf) >= HEADER.size:
            (n,) = HEADER.unpack_from(self._buf)
            if n > MAX_FRAME:
                raise ProtocolError(f"frame of {n:,} bytes is over the {MAX_FRAME:,} limit")
            if len(self._buf) < HEADER.size + n:
                break
            out.append(bytes(self._buf[HEADER.size : HEADER.size + n]))
            del self._buf[: HEADER.size + n]
        return out


# -- where the app listens ---------------------------------------------------------------


def config_dir() -> Path:
    """The user's gradviz config folder (XDG on Linux, AppData on Windows, ~/Library on macOS)."""
    override = os.environ.get("GRADVIZ_CONFIG_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    return base / "gradviz"


def live_file() -> Path:
    return config_dir() / "live.json"


def publish(port: int) -> str:
    """Write the port and a fresh token for clients (user-only permissions); return the token."""
    token = secrets.token_hex(16)
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = live_file()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"port": port, "token": token, "pid": os.getpid()}, fh)
    os.replace(tmp, path)
    return token


def unpublish(token: str) -> None:
    """Remove the live file if it is still ours (another app may have replaced it)."""
    info = read_live()
    if info is not None and info.get("token") == token:
        with contextlib.suppress(OSError):
            live_file().unlink()


def read_live() -> dict | None:
    """The running app's port and token, or None when no app has published one."""
    try:
        info = json.loads(live_file().read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict):
        return None
    port, token = info.get("port"), info.get("token")
    if not (isinstance(port, int) and 0 < port < 65536 and isinstance(token, str)):
        return None
    return info
