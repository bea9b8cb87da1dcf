"""Golden tests over the broken-content corpus in ``tests/broken/``.

Each case is a directory ``tests/broken/<case>/`` holding:

* ``case.txt``: the first line says which mistake the case makes;
* ``expected.txt``: the exact standard output of ``briefbook check -q <book>``;
* ``delete.txt`` (optional): paths relative to the book, one a line, removed from the copy;
* every other file: laid over a copy of ``tests/fixtures/minimal`` at the same relative path
  (a file with the same path replaces the fixture's).

Inputs that cannot or should not live in git (a 10 MB file, a symbolic link out of the
repository, a directory named like a content file) are made by ``GENERATORS``, keyed by case
name.  ``.gitattributes`` marks ``tests/broken/**`` as ``-text`` so git keeps the bytes of the
BOM, CRLF and invalid UTF-8 cases exactly.

The expected exit status follows from ``expected.txt``: 1 when it holds an error; 0 when it
holds only warnings (and then 1 with ``--strict``, which is checked too).

Every ``expected.txt`` was checked by hand: each line and column points at the offending token
and each hint says what to do.  To take the checker's current output as the new golden files,
run::

    BRIEFBOOK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_broken.py

and then read every changed ``expected.txt`` (``git diff tests/broken``) before keeping it:
never accept an output you have not checked by eye.  Some golden files hold the output the
checker *should* give (a better line, column or hint, or a mistake it does not catch yet), so
those cases fail until the checker is fixed; updating blindly would bake the defects in.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from briefbook.cli import main

TESTS = Path(__file__).resolve().parent
CORPUS = TESTS / "broken"
FIXTURE = TESTS / "fixtures" / "minimal"
CONTROL_FILES = frozenset({"case.txt", "expected.txt", "delete.txt"})
UPDATE = os.environ.get("BRIEFBOOK_UPDATE_GOLDEN") == "1"
TIMEOUT = 60.0
"""Seconds any one case may take in a fresh interpreter; the real cost is well under one."""


def _huge_file(book: Path) -> None:
    # 10 MiB of valid YAML comments: only the size is wrong.
    line = b"# " + b"x" * 1021 + b"\n"
    path = book / "events/2021/2021-03-05-huge-file.yaml"
    path.write_bytes(line * (10 * 1024))


def _symlink_outside(book: Path) -> None:
    outside = book.parent / "outside.yaml"
    outside.write_text("title: Outside the repository\n", encoding="utf-8")
    (book / "events/2021/2021-03-05-linked-event.yaml").symlink_to(outside)


def _symlinked_folder_outside(book: Path) -> None:
    outside = book.parent / "outside-events"
    outside.mkdir()
    shutil.copyfile(book / "events/2021/2021-03-03-ain-al-asad-rockets.yaml",
                    outside / "2021-03-03-ain-al-asad-rockets.yaml")
    (book / "events/linked").symlink_to(outside, target_is_directory=True)


def _directory_named_like_file(book: Path) -> None:
    (book / "events/2021/2021-03-05-folder.yaml").mkdir()


MARKUP_FOLDER = 'x"><script>alert(1)<'
MARKUP_FILE = 'script><b x="'


def _folder_name_markup_events(book: Path) -> None:
    folder = book / "events" / MARKUP_FOLDER
    folder.mkdir()
    shutil.copyfile(book / "events/2021/2021-03-03-ain-al-asad-rockets.yaml",
                    folder / f"{MARKUP_FILE}.yaml")


def _folder_name_markup_seeds(book: Path) -> None:
    folder = book / "seeds" / MARKUP_FOLDER
    folder.mkdir()
    shutil.copyfile(book / "seeds/memo-b.md", folder / "memo-c.md")


def _file_name_markup(book: Path) -> None:
    shutil.copyfile(book / "events/2021/2021-03-03-ain-al-asad-rockets.yaml",
                    book / "events/2021" / f"2021-03-05-{MARKUP_FILE}.yaml")
    shutil.copyfile(book / "seeds/memo-b.md", book / "seeds/memo\n2021.md")
    (book / "docs/about\x1b[2J.md").write_text("# About\n", encoding="utf-8")


def _symlink_out_of_docs(book: Path) -> None:
    outside = book.parent / "environment.css"
    outside.write_text("SECRET=1\n", encoding="utf-8")
    (book / "docs/leak.css").symlink_to(outside)
    (book / ".git").mkdir()
    (book / ".git/config").write_text("[remote]\n", encoding="utf-8")
    (book / "docs/git.css").symlink_to("../.git/config")


def _symlink_loop(book: Path) -> None:
    (book / "events/2021/2021-03-05-a.yaml").symlink_to("2021-03-05-b.yaml")
    (book / "events/2021/2021-03-05-b.yaml").symlink_to("2021-03-05-a.yaml")
    (book / "seeds/itself.md").symlink_to("itself.md")
    (book / "docs/images").mkdir()
    (book / "docs/images/up").symlink_to("..", target_is_directory=True)


def _folder_symlink_in_docs(book: Path) -> None:
    (book / "docs/events-copy").symlink_to("../events", target_is_directory=True)


def _special_files(book: Path) -> None:
    os.mkfifo(book / "events/2021/2021-03-05-pipe.yaml")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(book / "docs/socket.md"))
    finally:
        server.close()


DEEP = 1_100


def _deep_folders(book: Path) -> None:
    path = book / "events"
    for _ in range(DEEP):  # os.makedirs recurses once per level, past the recursion limit
        path /= "d"
        path.mkdir()
    DEEP_TREES.append(book / "events/d")


DEEP_TREES: list[Path] = []
"""Trees too deep for shutil.rmtree and pytest's clean-up (both recurse once per level)."""


def _remove_deep(top: Path) -> None:
    leaf = top
    while (leaf / "d").is_dir():
        leaf /= "d"
    while leaf != top.parent:
        leaf.rmdir()
        leaf = leaf.parent


@pytest.fixture(autouse=True)
def _clean_deep_trees() -> Iterator[None]:
    yield
    while DEEP_TREES:
        _remove_deep(DEEP_TREES.pop())


def _dangling_symlink(book: Path) -> None:
    (book / "seeds/gone.md").symlink_to("nowhere.md")


def _note_too_long(book: Path) -> None:
    note = book / "docs/notes/overview.md"
    sentence = "The sources disagree on the number of rockets.\n"
    note.write_text(note.read_text(encoding="utf-8") + sentence * 2500, encoding="utf-8")


GENERATORS: dict[str, Callable[[Path], None]] = {
    "note-too-long": _note_too_long,
    "huge-file": _huge_file,
    "symlink-outside-repository": _symlink_outside,
    "directory-named-like-file": _directory_named_like_file,
    "symlinked-folder-outside-repository": _symlinked_folder_outside,
    "folder-name-markup-events": _folder_name_markup_events,
    "folder-name-markup-seeds": _folder_name_markup_seeds,
    "file-name-markup": _file_name_markup,
    "symlink-out-of-docs": _symlink_out_of_docs,
    "symlink-loop": _symlink_loop,
    "folder-symlink-in-docs": _folder_symlink_in_docs,
    "special-files": _special_files,
    "deep-folders": _deep_folders,
    "dangling-symlink": _dangling_symlink,
}


def _cases() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if (p / "case.txt").is_file())


CASES = _cases()


def prepare(case: str, tmp_path: Path) -> Path:
    """Build the broken book of ``case`` in ``tmp_path/book`` and return its root."""
    book = tmp_path / "book"
    shutil.copytree(FIXTURE, book, symlinks=True)
    source = CORPUS / case
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_dir() or (len(rel.parts) == 1 and rel.name in CONTROL_FILES):
            continue
        target = book / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    delete = source / "delete.txt"
    if delete.is_file():
        for line in delete.read_text(encoding="utf-8").splitlines():
            if line.strip():
                target = book / line.strip()
                if target.is_dir():
                    shutil.rmtree(target)
                else:
                    target.unlink()
    generator = GENERATORS.get(case)
    if generator is not None:
        generator(book)
    return book


def expected(case: str) -> str:
    return (CORPUS / case / "expected.txt").read_text(encoding="utf-8")


def expected_status(text: str) -> int:
    return 1 if re.search(r"^.+?:\d+:\d+: error: ", text, re.MULTILINE) else 0


def _env(github: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if github:
        env["GITHUB_ACTIONS"] = "true"
    return env


def run_cli(*args: str, github: bool = False) -> subprocess.CompletedProcess[str]:
    """``briefbook ARGS`` in a fresh interpreter, killed after ``TIMEOUT`` seconds."""
    return subprocess.run(
        [sys.executable, "-m", "briefbook.cli", *args], capture_output=True, text=True,
        encoding="utf-8", errors="replace", timeout=TIMEOUT, env=_env(github), check=False,
    )


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every entry under ``root`` (tmp_path, so files beside the book count too).

    Walked with a stack, not rglob, which recurses once per level: a case's folders nest
    deeper than the recursion limit."""
    entries: dict[str, tuple[str, int, int]] = {}
    stack = [root]
    while stack:
        for path in sorted(stack.pop().iterdir()):
            info = path.lstat()
            kind = ("link" if stat.S_ISLNK(info.st_mode) else
                    "dir" if stat.S_ISDIR(info.st_mode) else "file")
            entries[path.relative_to(root).as_posix()] = (kind, info.st_size, info.st_mtime_ns)
            if kind == "dir":
                stack.append(path)
    return entries


def test_corpus_is_complete() -> None:
    assert len(CASES) >= 35
    assert set(GENERATORS) <= set(CASES)
    for case in CASES:
        description = (CORPUS / case / "case.txt").read_text(encoding="utf-8")
        assert description.strip(), f"{case}: case.txt needs a one-line description"
        assert (CORPUS / case / "expected.txt").is_file(), f"{case}: no expected.txt"
    assert any(expected_status(expected(c)) == 0 for c in CASES), "no warning-only case"


@pytest.mark.parametrize("case", CASES)
def test_case(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    book = prepare(case, tmp_path)
    status = main(["check", "-q", str(book)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert err == "", "-q prints only problems"
    if UPDATE:
        (CORPUS / case / "expected.txt").write_bytes(out.encode("utf-8"))
        return
    want = expected(case)
    assert out == want
    assert status == expected_status(want)


@pytest.mark.parametrize("case", [c for c in CASES if expected_status(expected(c)) == 0])
def test_warning_only_case_fails_with_strict(case: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert expected(case), f"{case} expects no message at all; it is not a broken case"
    book = prepare(case, tmp_path)
    assert main(["check", "-q", str(book)]) == 0
    normal = capsys.readouterr().out
    assert main(["check", "-q", "--strict", str(book)]) == 1
    strict = capsys.readouterr().out
    assert strict == normal == expected(case)


_DRIVER = """
import contextlib, io, sys, time
from briefbook.cli import main
for book in sys.argv[1:]:
    print(book, end=" ", flush=True)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        main(["check", "-q", book])
    print(f"{time.perf_counter() - started:.3f}", flush=True)
"""


def test_corpus_finishes_in_bounded_time(tmp_path: Path) -> None:
    """Every case in one fresh interpreter, killed after TIMEOUT: a hang (an alias bomb being
    expanded, a runaway regular expression) fails the test and names the case."""
    books = [prepare(case, tmp_path / case) for case in CASES]
    try:
        result = subprocess.run(
            [sys.executable, "-c", _DRIVER, *map(str, books)], capture_output=True, text=True,
            timeout=TIMEOUT, env=_env(), check=False)
    except subprocess.TimeoutExpired as exc:
        done = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        pytest.fail(f"checking the corpus took over {TIMEOUT:.0f} s; stuck at: "
                    f"{done.splitlines()[-1:] or CASES[:1]}")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    times = dict(line.rsplit(" ", 1) for line in result.stdout.splitlines())
    assert len(times) == len(CASES)
    slow = {book: t for book, t in times.items() if float(t) > 5}
    assert not slow, f"cases slower than 5 s: {slow}"


def test_alias_bomb_is_refused_not_expanded(tmp_path: Path) -> None:
    book = prepare("yaml-alias-bomb", tmp_path)
    started = time.monotonic()
    result = run_cli("check", "-q", str(book))
    assert time.monotonic() - started < 10
    assert result.returncode == 1
    assert "YAML anchor '&a' is not allowed" in result.stdout
    assert len(result.stdout) < 1000, "the expansion must never be printed"


@pytest.mark.parametrize("case", CASES)
def test_check_writes_nothing(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    book = prepare(case, tmp_path)
    before = snapshot(tmp_path)
    main(["check", "-q", "--strict", str(book)])
    out, err = capsys.readouterr()
    assert snapshot(tmp_path) == before
    assert "Traceback" not in out + err


def test_fixture_itself_is_clean(tmp_path: Path) -> None:
    result = run_cli("check", "--strict", str(FIXTURE))
    assert (result.returncode, result.stdout) == (0, "")
    assert "0 errors, 0 warnings" in result.stderr


def test_nonexistent_path_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-book"
    result = run_cli("check", str(missing))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("briefbook: error: ") and "no-such-book" in lines[0]


def test_path_outside_any_book_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("check", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "not inside a briefing book" in result.stderr


def test_no_command_is_a_usage_error() -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "usage: briefbook" in result.stderr


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--no-such-option"])
    assert exit_info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("check", "schema", "render", "build"):
        assert re.search(rf"\b{command}\b", result.stdout), command


def test_github_actions_annotations(tmp_path: Path) -> None:
    case = "unknown-event-type"
    book = prepare(case, tmp_path)
    result = run_cli("check", "-q", str(book), github=True)
    assert result.returncode == 1
    plain = expected(case).splitlines()
    lines = result.stdout.splitlines()
    assert lines[: len(plain)] == plain
    annotations = lines[len(plain):]
    assert len(annotations) == len(plain)
    for line, annotation in zip(plain, annotations, strict=True):
        m = re.fullmatch(r"(\S+?):(\d+):(\d+): (error|warning): (.*)", line)
        assert m is not None, line
        path, row, col, severity, text = m.groups()
        prefix = f"::{severity} file={path},line={row},col={col}"
        assert annotation.startswith(prefix), annotation
        assert annotation.endswith(f"::{text}"), annotation
