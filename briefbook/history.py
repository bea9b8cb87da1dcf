"""When each record entered the book and when it last changed, from git.

One ``git log`` over the content folders gives every file's first commit (a file moved with
``git mv`` keeps the date it was first added under its old name) and its last one at once.
The answer is a function of the commit checked out, so feeds, calendar stamps and "last
changed" lines are reproducible.
Outside git, or for a file no commit holds yet, the rule is ``fallback_entered``: the last
day the event's date can mean, at midnight UTC.
"""

from __future__ import annotations

import datetime as dt
import html
import shutil
import subprocess
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from briefbook import model
from briefbook.load import DEFAULT_LAYOUT, Layout

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def first_added(root: Path, layout: Layout = DEFAULT_LAYOUT) -> dict[str, dt.datetime]:
    """Repository path (relative to ``root``) to the committer time of the commit that first
    added it; empty when ``root`` is in no git work tree or git is missing."""
    return read_history(root, layout).added


def fallback_entered(event: model.Event) -> dt.datetime:
    """Outside git: the last day the event's date can mean (its first for an open end)."""
    day = event.date.latest if event.date.latest != dt.date.max else event.date.earliest
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def entered_at(entered: Mapping[str, dt.datetime], event: model.Event) -> dt.datetime:
    return entered.get(event.path) or fallback_entered(event)


@dataclass(frozen=True)
class Change:
    """The last commit that changed a file."""

    when: dt.datetime
    """Its committer time, in UTC."""
    commit: str
    repo_path: str
    """The file's path in the repository (the book may sit in a folder of it)."""


@dataclass(frozen=True)
class History:
    """What the book's git history says about its files, from one ``git log``."""

    added: dict[str, dt.datetime]
    """Path (relative to the book's root) to when the file first entered the book (for
    feeds and the calendar)."""
    changes: dict[str, Change]
    """Path to the last commit that changed the file (for a page's "last changed" line)."""


NO_HISTORY = History({}, {})


def read_history(root: Path, layout: Layout = DEFAULT_LAYOUT) -> History:
    """Both answers for every file in the content folders, from one ``git log`` with the
    status of each file and the commit's hash.  A function of the commit checked out,
    never of the working tree's edits or the clock, so two builds of one commit agree.
    Empty outside git or without git."""
    prefix = _git(root, "rev-parse", "--show-prefix")
    if prefix is None:
        return NO_HISTORY
    log = _git(root, "log", "--relative", "--no-ext-diff", "--no-textconv", "-M",
               "--format=%x00%ct %H", "--name-status", "--",
               layout.events, layout.sources, layout.docs)
    return NO_HISTORY if log is None else parse_history(log, prefix.strip())


def _git(root: Path, *args: str) -> str | None:
    """The output of one git command in ``root``, or ``None`` when it fails (no git, not a
    work tree, too slow)."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        result = subprocess.run(
            [git, "-C", str(root), "-c", "core.fsmonitor=false", "-c", "core.quotepath=off",
             *args], capture_output=True, text=True, encoding="utf-8", errors="replace",
            timeout=120, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def parse_history(output: str, prefix: str = "") -> History:
    """Read ``git log -M --format=%x00%ct %H --name-status`` output (newest first)."""
    commits: list[tuple[dt.datetime, str, list[tuple[str, list[str]]]]] = []
    for line in output.splitlines():
        if line.startswith("\0"):
            stamp, _, commit = line[1:].partition(" ")
            commits.append((dt.datetime.fromtimestamp(int(stamp), tz=dt.UTC), commit, []))
        elif line and commits:
            status, *paths = line.split("\t")
            commits[-1][2].append((status, paths))
    changes: dict[str, Change] = {}
    for when, commit, files in commits:  # newest first: a file's first mention is its last
        for _, paths in files:           # change (a move changes both names)
            for path in paths:
                changes.setdefault(path, Change(when, commit, prefix + path))
    added: dict[str, dt.datetime] = {}
    for when, _, files in reversed(commits):  # oldest first; a file moved with `git mv`
        for status, paths in files:            # keeps the date it was first added
            if status.startswith("A") and paths[0] not in added:
                added[paths[0]] = when
            elif status.startswith("R") and len(paths) == 2:
                added.setdefault(paths[1], added.get(paths[0], when))
    return History(added, changes)


def last_changed(root: Path, layout: Layout = DEFAULT_LAYOUT) -> dict[str, Change]:
    """Path (relative to ``root``) to the last commit that changed it, for every file in
    the content folders (see ``read_history``)."""
    return read_history(root, layout).changes


def last_changed_html(change: Change, repo_url: str | None) -> str:
    """'Last changed 2021-03-09 (history)': the date of the file's last commit, and a link
    to the file's history on GitHub up to that commit.  The theme's source-file line shows
    it, from the page's ``git_revision_date_localized``: the plugin sets that field while
    MkDocs builds, ``engine.render_tree`` writes it into the front matter for Zensical."""
    day = change.when.date().isoformat()
    text = f'Last changed <time datetime="{day}">{day}</time>'
    repo = (repo_url or "").rstrip("/")
    if urllib.parse.urlsplit(repo).hostname == "github.com":
        path = urllib.parse.quote(change.repo_path)
        text += (f' (<a href="{html.escape(repo)}/commits/{change.commit}/{path}">'
                 "history on GitHub</a>)")
    # One element: Material lays out the fact's children as spaced flex items.
    return f"<span>{text}</span>"
