"""Writing files so that a failure never damages what was there before.

:func:`atomic_write` behaves like ``open(path, "w").write(data)`` as far as the user can
see (a symlink is written through to its target, an existing file keeps its mode and
owner, a new file gets the mode ``open()`` would give it under the umask), but a crash,
a full disk or a read-only folder never leaves half a file behind:

- A plain file is written to a temporary file beside it, fsynced, then renamed over it.
- A file with more than one hard link cannot be renamed over without cutting it off
  from its other names, so it is rewritten in place. A copy of the old content is
  fsynced beside it first (``.NAME.old.*.tmp``, removed on success: after a
  ``kill -9`` mid-write it is still there), and any error while writing puts the old
  content back before the error is raised.
- Anything that is not a regular file (``/dev/null``, ``/dev/full``, a fifo, a folder)
  is refused with :class:`NotARegularFile` and left exactly as it was: a rename would
  turn a device into a plain file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from gradviz.core.i18n import N_, _


class NotARegularFile(OSError):
    """The target exists but is not a regular file; ``strerror`` says what it is."""


_KINDS = (
    (stat.S_ISDIR, N_("a folder")),
    (stat.S_ISCHR, N_("a character device")),
    (stat.S_ISBLK, N_("a block device")),
    (stat.S_ISFIFO, N_("a fifo (named pipe)")),
    (stat.S_ISSOCK, N_("a socket")),
)


def _kind(mode: int) -> str:
    return next((_(name) for test, name in _KINDS if test(mode)), _("not a regular file"))


def resolve_target(path: str | os.PathLike[str]) -> tuple[Path, os.stat_result | None]:
    """The file a write to ``path`` would change (symlinks followed) and its stat, or None
    if it does not exist yet. Raises :class:`NotARegularFile` for a device, fifo or folder
    (nothing is created or changed); other OSErrors (a symlink loop) pass through."""
    target = Path(os.path.realpath(path))
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return target, None
    if not stat.S_ISREG(st.st_mode):
        code = errno.EISDIR if stat.S_ISDIR(st.st_mode) else errno.EINVAL
        raise NotARegularFile(
            code,
            _("it is {kind}, not a regular file; left as it was").format(kind=_kind(st.st_mode)),
            str(path),
        )
    return target, st


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)  # elsewhere: the only portable way is to set it and put it back
    os.umask(old)
    return old


def new_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: 0o666 less the umask."""
    return 0o666 & ~_umask()


def atomic_write(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Write ``data`` to ``path`` (text as UTF-8) so that a failure at any point leaves the
    old file as it was and no temporary file behind. Raises OSError (a
    :class:`NotARegularFile` for a device, fifo or folder)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    target, st = resolve_target(path)
    if st is not None and not os.access(target, os.W_OK):
        # a rename would get round the file's own read-only mode; open() would not
        raise PermissionError(errno.EACCES, _("the file is read-only"), str(path))
    if st is not None and st.st_nlink > 1:
        _rewrite_in_place(target, payload)
    else:
        _replace(target, payload, st)


def _replace(target: Path, payload: bytes, st: os.stat_result | None) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            # mkstemp makes 0600: give the mode (and owner) the file has, or open() would give
            if st is None:
                os.fchmod(fh.fileno(), new_file_mode())
            else:
                _keep_owner(fh.fileno(), st)
                os.fchmod(fh.fileno(), stat.S_IMODE(st.st_mode))
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _keep_owner(fd: int, st: os.stat_result) -> None:
    if (st.st_uid, st.st_gid) == (os.geteuid(), os.getegid()):
        return
    # only root may give a file away; elsewhere the content matters more than the owner
    with contextlib.suppress(PermissionError):
        os.fchown(fd, st.st_uid, st.st_gid)


def _rewrite_in_place(target: Path, payload: bytes) -> None:
    """Hard-linked: overwrite the same inode, with the old content kept safe meanwhile."""
    old = target.read_bytes()
    fd, backup = tempfile.mkstemp(prefix=f".{target.name}.old.", suffix=".tmp", dir=target.parent)
    keep_backup = False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(old)
            fh.flush()
            os.fsync(fh.fileno())
        with open(target, "r+b") as fh:  # r+: nothing is truncated before the new data is in
            try:
                fh.write(payload)
                fh.truncate()
                fh.flush()
                os.fsync(fh.fileno())
            except BaseException:
                keep_backup = not _put_back(fh, old)  # if that failed too, the copy survives
                raise
    finally:
        if not keep_backup:
            Path(backup).unlink(missing_ok=True)


def _put_back(fh, old: bytes) -> bool:
    """Best effort, True when it worked: the old bytes fit in the blocks the file had."""
    try:
        fh.seek(0)
        fh.write(old)
        fh.truncate()
        fh.flush()
    except OSError:
        return False
    return True
