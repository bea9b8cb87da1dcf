"""The command line never destroys what it did not write, never shows a stack, and prints
nothing a terminal or a CI runner would read as a command."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefbook.diagnostics import Diagnostic, Location
from briefbook.write import SITE_MARKER

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "minimal"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env["NO_MKDOCS_2_WARNING"] = "1"
    return subprocess.run([sys.executable, "-m", "briefbook.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def fingerprint(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "book"))


@pytest.mark.parametrize("site_dir", [".", "docs", "events", "seeds", "docs/actors", "..",
                                      "events/site"])
def test_build_refuses_a_site_folder_that_is_or_holds_the_book(book: Path,
                                                               site_dir: str) -> None:
    before = fingerprint(book)
    result = run("build", "--site-dir", site_dir, cwd=book)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("briefbook: error: the site folder"), lines
    assert "Traceback" not in result.stderr
    assert fingerprint(book) == before


def test_build_refuses_a_folder_holding_files_it_did_not_write(book: Path,
                                                                tmp_path: Path) -> None:
    site = tmp_path / "public"
    site.mkdir()
    (site / "thesis.docx").write_bytes(b"two years of work")
    result = run("build", "--site-dir", str(site), cwd=book)
    assert result.returncode == 2
    assert "holds files briefbook did not write (such as 'thesis.docx')" in result.stderr
    assert (site / "thesis.docx").read_bytes() == b"two years of work"


def test_build_replaces_its_own_site_and_marks_it(book: Path, tmp_path: Path) -> None:
    site = tmp_path / "out" / "site"
    for _ in range(2):  # the second build replaces the marked site of the first
        result = run("build", "--site-dir", str(site), cwd=book)
        assert result.returncode == 0, result.stderr[-3000:]
    assert (site / SITE_MARKER).is_file()
    assert (site / "index.html").is_file()


@pytest.mark.parametrize("where", ["under-a-file", "unwritable"])
def test_build_reports_a_site_folder_it_cannot_make_in_one_line(book: Path,
                                                                 where: str) -> None:
    site = "mkdocs.yml/site" if where == "under-a-file" else "/proc/briefbook-site"
    result = run("build", "--site-dir", site, cwd=book)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("briefbook: error: ")


def test_render_into_a_file_is_a_usage_error(book: Path) -> None:
    result = run("render", "mkdocs.yml", cwd=book)
    assert result.returncode == 2
    assert result.stderr.strip() == "briefbook: error: mkdocs.yml is a file; give a folder " \
        "to render into"


def _broken_template(book: Path) -> None:
    # A book's own template that fails while rendering: an error briefbook cannot foresee.
    (book / "templates" / "pages").mkdir(parents=True)
    (book / "templates" / "pages" / "event.md.j2").write_text("{{ 1 // 0 }}\n",
                                                              encoding="utf-8")


def test_an_unexpected_error_is_one_line_saying_where(book: Path, tmp_path: Path) -> None:
    _broken_template(book)
    result = run("render", str(tmp_path / "out"), cwd=book)
    assert result.returncode == 70
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("briefbook: internal error while rendering events/"), lines[0]
    assert " from events/20" in lines[0] and "ZeroDivisionError" in lines[0]
    assert "please report it" in lines[0]
    debug = run("--debug", "render", str(tmp_path / "out"), cwd=book)
    assert "Traceback (most recent call last)" in debug.stderr


def test_the_plugin_reports_an_unexpected_error_in_one_line(book: Path) -> None:
    _broken_template(book)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=book,
                            env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "briefbook: internal error while rendering events/" in result.stderr


HOSTILE_PATHS = {
    "newline": "events/x\nevents/y.yaml:1:1: error: forged",
    "escape": "events/\x1b[2Jx.yaml",
    "workflow-command": "::stop-commands::token",
    "workflow-command-after-space": " ::stop-commands::token",
    "legacy-workflow-command": "events/x##[stop-commands]token",
    "bidi": "events/\u202eexe.yaml",
}


@pytest.mark.parametrize("path", HOSTILE_PATHS.values(), ids=HOSTILE_PATHS.keys())
def test_paths_in_messages_are_printed_inert(path: str) -> None:
    """A GitHub runner obeys '::command' at the start of a line (after leading white space)
    and the legacy '##[command]' anywhere in it: `stop-commands` would silence every
    annotation after it."""
    diagnostic = Diagnostic(Location(path, 3, 4), "error", "quoting ##[error]x", "fix it")
    for line in (diagnostic.format(), diagnostic.github_annotation()):
        assert "\n" not in line and "\r" not in line
        assert not any(ord(c) < 0x20 or 0x202A <= ord(c) <= 0x202E for c in line), line
        assert "##[" not in line, line
    assert not diagnostic.format().lstrip().startswith("::")
    assert diagnostic.github_annotation().startswith("::error file=")


def test_an_annotation_ends_its_properties_at_briefbooks_own_separator() -> None:
    """The runner reads an annotation's properties up to the first '::' after the command
    and takes the rest as the message: '::' or ',' in a path must not end them early
    (a forged 'file' or 'title'), and '::' in the message is only text."""
    path = "events/a::warning file=forged.yaml,line=1::x.yaml"
    diagnostic = Diagnostic(Location(path, 3, 4), "error", "::stop-commands::token", "::x::")
    line = diagnostic.github_annotation()
    command, properties, message = line.split("::", 2)
    assert command == ""
    assert properties == ("error file=events/a%3A%3Awarning file=forged.yaml%2Cline=1%3A%3Ax"
                          ".yaml,line=3,col=4,title=briefbook")
    assert message == "::stop-commands::token; ::x::"
