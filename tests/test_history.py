"""The book's git history: one `git log` says when each file entered the book and when it
last changed."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

from briefbook import history
from briefbook.engine import site_url

EPOCH = dt.datetime.fromtimestamp(1_600_000_000, tz=dt.UTC)


def _git(root: Path, *args: str, when: int = 0) -> str:
    stamp = f"{1_600_000_000 + when} +0000"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", "-C", str(root), "-c", "commit.gpgsign=false", *args],
                          check=True, env=env, capture_output=True, text=True).stdout


def test_one_log_gives_first_added_and_last_changed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    root = repo / "book"  # the book in a folder of its repository
    (root / "events").mkdir(parents=True)
    (root / "docs").mkdir()
    _git(repo, "init", "-q")
    (root / "events" / "a.yaml").write_text("a", encoding="utf-8")
    (root / "docs" / "index.md").write_text("# Home", encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "a", when=0)
    (root / "events" / "b.yaml").write_text("b", encoding="utf-8")
    (root / "events" / "a.yaml").write_text("a changed", encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "b", when=100)
    second = _git(repo, "rev-parse", "HEAD").strip()
    (root / "events" / "2021").mkdir()
    _git(repo, "mv", "book/events/a.yaml", "book/events/2021/a.yaml")
    _git(repo, "commit", "-qm", "move", when=200)
    moved = _git(repo, "rev-parse", "HEAD").strip()
    (root / "events" / "b.yaml").write_text("b edited, not committed", encoding="utf-8")

    log = history.read_history(root)

    later = dt.timedelta(seconds=100)
    assert log.added == {"events/a.yaml": EPOCH, "events/b.yaml": EPOCH + later,
                         "docs/index.md": EPOCH,
                         "events/2021/a.yaml": EPOCH}  # a move keeps the first date
    assert log.changes["events/2021/a.yaml"] == history.Change(
        EPOCH + 2 * later, moved, "book/events/2021/a.yaml")
    # The commit checked out, not the working tree's edit.
    assert log.changes["events/b.yaml"] == history.Change(EPOCH + later, second,
                                                          "book/events/b.yaml")
    assert log.changes["docs/index.md"].when == EPOCH
    assert history.first_added(root) == log.added
    assert history.last_changed(root) == log.changes


def test_outside_git_there_is_no_history(tmp_path: Path) -> None:
    assert history.read_history(tmp_path) == history.NO_HISTORY


def test_site_url_is_read_past_mkdocs_own_tags(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: !ENV [NAME, 'Book']\n"
        "site_url: 'https://example.org/book/'\n"
        "markdown_extensions:\n  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
        encoding="utf-8")
    assert site_url(tmp_path) == "https://example.org/book/"
    (tmp_path / "mkdocs.yml").write_text("site_url: javascript:alert(1)\n", encoding="utf-8")
    assert site_url(tmp_path) == ""
    (tmp_path / "mkdocs.yml").write_text("site_url: [unclosed\n", encoding="utf-8")
    assert site_url(tmp_path) == ""
