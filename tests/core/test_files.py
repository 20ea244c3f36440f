"""Atomic writes: the old file survives any failure and no temp file is left behind."""

from __future__ import annotations

import os
import stat

import pytest

from gradviz.core.files import NotARegularFile, atomic_write


def test_writes_text_and_bytes(tmp_path):
    atomic_write(tmp_path / "a.txt", "héllo")
    atomic_write(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "héllo"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"


def test_failure_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "keep.txt"
    target.write_text("old")

    def boom(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_missing_folder_is_an_oserror(tmp_path):
    with pytest.raises(OSError):
        atomic_write(tmp_path / "nope" / "x.txt", "data")


# -- writing through links, keeping modes, refusing devices (issue 13 fault 1) ----------


def test_a_symlink_is_written_through_to_its_target(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write(link, "new")
    assert link.is_symlink()  # still a link, not a file that replaced it
    assert os.readlink(link) == str(real)
    assert real.read_text() == "new"


def test_a_chain_of_symlinks_and_a_dangling_one_write_to_the_final_target(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    (tmp_path / "b").symlink_to(real)
    (tmp_path / "a").symlink_to(tmp_path / "b")
    atomic_write(tmp_path / "a", "new")
    assert real.read_text() == "new" and (tmp_path / "a").is_symlink()
    (tmp_path / "dangling").symlink_to(tmp_path / "later.txt")
    atomic_write(tmp_path / "dangling", "made")  # as open() would: create the target
    assert (tmp_path / "later.txt").read_text() == "made"
    assert (tmp_path / "dangling").is_symlink()


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o664, 0o600])
def test_an_existing_file_keeps_its_mode(tmp_path, mode):
    target = tmp_path / "f.txt"
    target.write_text("old")
    target.chmod(mode)
    atomic_write(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert target.read_text() == "new"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_mode_open_would_give(tmp_path, umask):
    old = os.umask(umask)
    try:
        with open(tmp_path / "plain.txt", "w") as fh:  # the oracle: what open() does
            fh.write("x")
        atomic_write(tmp_path / "ours.txt", "x")
    finally:
        os.umask(old)
    expected = stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode)
    assert stat.S_IMODE((tmp_path / "ours.txt").stat().st_mode) == expected


def test_a_hard_linked_file_keeps_its_links(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("old")
    a.chmod(0o640)
    b = tmp_path / "b.txt"
    os.link(a, b)
    atomic_write(a, "new and longer")
    assert b.read_text() == "new and longer"  # the other name sees the new content
    assert a.stat().st_ino == b.stat().st_ino and a.stat().st_nlink == 2
    assert stat.S_IMODE(a.stat().st_mode) == 0o640
    atomic_write(b, "s")  # shorter: the tail is cut
    assert a.read_text() == "s"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_a_failed_in_place_write_puts_the_old_content_back(tmp_path, monkeypatch):
    a = tmp_path / "a.txt"
    a.write_text("old content")
    os.link(a, tmp_path / "b.txt")
    real_fsync = os.fsync
    calls = []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 2:  # the backup's fsync works, the target's fails
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr("os.fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        atomic_write(a, "a much longer new content that does not fit")
    assert (tmp_path / "b.txt").read_text() == "old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def _char_device(tmp_path, name: str, minor: int) -> str:
    """A character device to aim at. As root, a private copy made with mknod: a regression
    must never turn the machine's own /dev/null into a plain file (an unfixed atomic_write
    run as root does exactly that). Others cannot replace /dev entries, so use the real one."""
    if os.geteuid() != 0:
        path = f"/dev/{name}"
        if not os.path.exists(path):
            pytest.skip(f"{path} does not exist here")
        return path
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except OSError as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return str(path)


@pytest.mark.parametrize(("name", "minor"), [("null", 3), ("full", 7)])
def test_a_device_is_refused_with_one_line_and_left_a_device(tmp_path, name, minor):
    device = _char_device(tmp_path, name, minor)
    with pytest.raises(NotARegularFile) as info:
        atomic_write(device, "data")
    assert info.value.strerror == "it is a character device, not a regular file; left as it was"
    assert "\n" not in str(info.value)
    assert stat.S_ISCHR(os.stat(device).st_mode)
    link = tmp_path / "link"
    link.symlink_to(device)
    with pytest.raises(NotARegularFile, match="character device"):
        atomic_write(link, "data")
    assert link.is_symlink() and stat.S_ISCHR(os.stat(device).st_mode)


def test_a_fifo_and_a_folder_are_refused_and_left_as_they_were(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFile, match="fifo"):
        atomic_write(fifo, "data")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    folder = tmp_path / "dir"
    folder.mkdir()
    with pytest.raises(NotARegularFile, match="folder"):
        atomic_write(folder, "data")
    assert folder.is_dir() and not any(folder.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "pipe"]  # no temp file left


def test_every_caller_refuses_a_fifo_with_its_own_one_line_error(tmp_path):
    """Sessions, exported code, checkpoints and CSV all go through atomic_write."""
    from gradviz.core.training.checkpoint import CheckpointError, save_checkpoint
    from gradviz.core.training.config import default_config
    from gradviz.core.training.history import RunHistory
    from gradviz.core.training.session import TrainSession
    from gradviz.core.workspace import Workspace, WorkspaceError

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(WorkspaceError) as ws_error:
        Workspace().save(fifo)
    with pytest.raises(CheckpointError) as ck_error:
        save_checkpoint(TrainSession(default_config("moons", steps=1)), fifo)
    with pytest.raises(CheckpointError) as csv_error:
        RunHistory().write_csv(fifo)
    for info in (ws_error, ck_error, csv_error):
        assert str(info.value) == (
            f"cannot write {fifo}: it is a fifo (named pipe), not a regular file; left as it was"
        )
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
