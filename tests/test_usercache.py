"""The user's cache folder: what is read back from it is only what this user's briefbook
signed, so a file planted there is never taken, least of all compiled code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jinja2

from briefbook import usercache
from briefbook.render import TemplateCache


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


def _env(folder: Path) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)),
                              bytecode_cache=TemplateCache())


def test_templates_are_compiled_once_and_planted_code_never_runs(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.j2").write_text("page {{ 1 + 1 }}", encoding="utf-8")
    (folder / "other.j2").write_text("planted", encoding="utf-8")
    assert _env(folder).get_template("page.j2").render() == "page 2"
    cached = sorted(TemplateCache().folder.glob("*.jinja"))
    assert len(cached) == 1  # compiled once, kept
    assert _env(folder).get_template("page.j2").render() == "page 2"  # read back

    # Another template's code under the page's source checksum, which Jinja alone would
    # take, planted unsigned in the page's file: compiled from source instead.
    env = _env(folder)
    planted = env.compile((folder / "other.j2").read_text(encoding="utf-8"), "other.j2")
    cache = TemplateCache()
    bucket = cache.get_bucket(env, "page.j2", str(folder / "page.j2"),
                              (folder / "page.j2").read_text(encoding="utf-8"))
    bucket.code = planted
    forged = bucket.bytecode_to_string()
    cached[0].write_bytes(b"0" * 64 + b"\n" + forged)
    assert _env(folder).get_template("page.j2").render() == "page 2"
    # The same bytes signed with the user's key are taken: the check above is the HMAC's.
    usercache.write_signed(cached[0], forged)
    assert _env(folder).get_template("page.j2").render() == "planted"
