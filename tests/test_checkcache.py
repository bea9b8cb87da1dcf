"""`briefbook check`'s read cache: the same messages with and without it, edits seen by their
content, and a cache file that is corrupt, hostile or written with another key never trusted."""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
from pathlib import Path

import pytest

from briefbook import checkcache, usercache
from briefbook.checkcache import Store, cached_check
from briefbook.cli import main
from briefbook.pipeline import check
from tests.conftest import copy_book
from tests.test_broken import CASES, expected, prepare

EVENT = "events/2021/2021-03-03-ain-al-asad-rockets.yaml"


@pytest.fixture(autouse=True)
def _owncache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return folder


def cache_file(book: Path) -> Path:
    return usercache.cache_folder() / "check" / f"{usercache.path_digest(book)}.cache"


def messages(book: Path, *options: str, capsys: pytest.CaptureFixture[str]) -> str:
    main(["check", "-q", *options, str(book)])
    return capsys.readouterr().out


def checked_with_store(book: Path) -> tuple[list[str], int]:
    """The messages of a cached check, and how many files it had to read again."""
    store = Store(cache_file(book))
    checked = check(book, read=store.read, known=store.known)
    store.save()
    return [d.format() for d in checked.diagnostics], store.misses


@pytest.mark.parametrize("case", CASES)
def test_golden_messages_are_the_same_with_and_without_the_cache(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = prepare(case, tmp_path)
    want = expected(case)
    assert messages(book, capsys=capsys) == want  # fills the cache
    assert messages(book, capsys=capsys) == want  # read from it
    assert messages(book, "--no-cache", capsys=capsys) == want


def test_the_cache_is_used_and_an_edit_is_seen_by_its_content(minimal_book: Path) -> None:
    clean, read = checked_with_store(minimal_book)
    assert clean == []
    files = read
    assert files > 5
    assert checked_with_store(minimal_book) == ([], 0), "nothing changed, nothing read again"

    event = minimal_book / EVENT
    before = event.stat()
    text = event.read_text(encoding="utf-8")
    # Same length and the same modification time: only the bytes tell the edit apart.
    broken = text.replace("date: 2021-03-03", "date: 2021-13-03")
    assert len(broken) == len(text)
    event.write_text(broken, encoding="utf-8")
    os.utime(event, ns=(before.st_atime_ns, before.st_mtime_ns))
    shown, read = checked_with_store(minimal_book)
    assert read == 1, "only the edited file is read again"
    assert shown == [d.format() for d in check(minimal_book).diagnostics]
    assert any(line.startswith(f"{EVENT}:3:") and "error" in line for line in shown), shown

    event.write_text(text, encoding="utf-8")
    assert checked_with_store(minimal_book) == ([], 1)


def test_a_deleted_file_leaves_the_cache(minimal_book: Path) -> None:
    checked_with_store(minimal_book)
    (minimal_book / "events/2021/2021-02-25-us-strikes-in-syria.yaml").unlink()
    shown, read = checked_with_store(minimal_book)
    assert read == 0
    assert shown == [d.format() for d in check(minimal_book).diagnostics]
    assert "unknown event '2021-02-25-us-strikes-in-syria'" in "\n".join(shown)


@pytest.mark.parametrize("garbage", [
    b"", b"not a cache", b"0" * 64 + b"\x00\x01",
    b"0" * 64 + marshal.dumps(("stamp", [("events/x.yaml", (1, 2, 3))])),
])
def test_a_corrupt_cache_is_a_miss(minimal_book: Path, garbage: bytes,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    cache = cache_file(minimal_book)
    cache.parent.mkdir(parents=True)
    cache.write_bytes(garbage)
    assert messages(minimal_book, capsys=capsys) == ""
    assert checked_with_store(minimal_book) == ([], 0), "the cache was written afresh"


class _Plant:
    """Unpickled, it would run a command: the cache must never unpickle anything."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_a_hostile_cache_runs_nothing_even_with_a_valid_mac(
        minimal_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "ran"
    body = pickle.dumps(_Plant(marker))
    key = usercache.user_key()
    assert key is not None
    cache = cache_file(minimal_book)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(checkcache._mac(key, body).encode() + body)
    assert messages(minimal_book, capsys=capsys) == ""
    assert not marker.exists()


def test_a_cache_made_with_another_key_is_not_trusted(
        minimal_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A forged cache that calls a broken file clean fools only the key it was made with."""
    forger = tmp_path / "forger-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(forger))
    checked_with_store(minimal_book)  # a cache of the clean book, under the forger's key
    event = minimal_book / EVENT
    broken = event.read_bytes().replace(b"date: 2021-03-03", b"date: 2021-13-03")
    event.write_bytes(broken)
    # The forger claims the broken bytes are the clean file: the same entry, the new digest.
    cache = cache_file(minimal_book)
    key = usercache.user_key()
    assert key is not None
    stamp, entries = marshal.loads(cache.read_bytes()[64:])
    forged = [(rel, [hashlib.sha256(broken).hexdigest(), *value[1:]] if rel == EVENT else value)
              for rel, value in entries]
    body = marshal.dumps((stamp, forged), 4)
    cache.write_bytes(checkcache._mac(key, body).encode() + body)
    assert messages(minimal_book, capsys=capsys) == "", "the forger's own key trusts it"

    mine = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(mine))
    planted = cache_file(minimal_book)
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_bytes(cache.read_bytes())
    shown = messages(minimal_book, capsys=capsys)
    assert f"{EVENT}:3:" in shown and "error" in shown
    assert shown == messages(minimal_book, "--no-cache", capsys=capsys)


def test_no_cache_neither_reads_nor_writes_one(minimal_book: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert messages(minimal_book, "--no-cache", capsys=capsys) == ""
    assert not cache_file(minimal_book).exists()
    assert messages(minimal_book, capsys=capsys) == ""
    assert cache_file(minimal_book).is_file()


def test_only_the_books_checked_last_keep_a_cache(minimal_book: Path, tmp_path: Path) -> None:
    books = [copy_book(minimal_book, tmp_path / f"book-{n}") for n in range(usercache.KEPT + 2)]
    for n, book in enumerate(books):
        cached_check(book)
        os.utime(cache_file(book), ns=(n * 10**9, n * 10**9))  # checked in this order
    kept = sorted((usercache.cache_folder() / "check").glob("*.cache"))
    assert kept == sorted(cache_file(b) for b in books[-usercache.KEPT:])
