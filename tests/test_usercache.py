"""The user's cache folder: what is read back from it is only what this user's briefbook
signed, so a file planted there is never taken."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from briefbook import usercache


def test_a_signed_file_reads_back_and_a_changed_one_does_not(tmp_path: Path) -> None:
    path = tmp_path / "record"
    usercache.write_signed(path, b"body")
    assert usercache.read_signed(path) == b"body"
    mac, _, body = path.read_bytes().partition(b"\n")
    path.write_bytes(mac + b"\n" + body + b"!")
    assert usercache.read_signed(path) is None
    path.write_bytes(b"body")
    assert usercache.read_signed(path) is None
    assert usercache.read_signed(tmp_path / "missing") is None


def test_a_file_written_in_pieces_reads_back_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "record"
    usercache.write_signed(path, iter([b"one\n", b"two\n", b"three"]))
    assert list(usercache.read_signed_lines(path)) == [b"one\n", b"two\n", b"three"]
    assert usercache.read_signed(path) == b"one\ntwo\nthree"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"two", b"TWO"))
    assert list(usercache.read_signed_lines(path)) == []
    assert list(usercache.read_signed_lines(tmp_path / "missing")) == []

    def failing() -> Iterator[bytes]:
        yield b"half"
        raise OSError("disk full")

    path.write_bytes(data)
    usercache.write_signed(path, failing())  # a write that fails leaves the last record
    assert usercache.read_signed(path) == b"one\ntwo\nthree"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record"]
