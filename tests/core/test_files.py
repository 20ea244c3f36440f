"""Atomic writes: the old file survives any failure and no temp file is left behind."""

from __future__ import annotations

import pytest

from gradviz.core.files import atomic_write


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
