"""When each record entered the book: the commit that first added its file, from git.

One ``git log`` over the content folders gives every file's first commit at once (a file
moved with ``git mv`` keeps the date it was first added under its old name).  The answer is
a function of the commit checked out, so feeds and calendar stamps are reproducible.
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
    git = shutil.which("git")
    if git is None:
        return {}
    folders = [layout.events, layout.sources, layout.docs]
    try:
        result = subprocess.run(
            [git, "-C", str(root), "-c", "core.fsmonitor=false", "-c", "core.quotepath=off",
             "log", "--reverse", "--relative", "--no-ext-diff", "--no-textconv",
             "--format=%x00%ct", "--name-status", "-M", "--diff-filter=AR", "--", *folders],
            capture_output=True, text=True, encoding="utf-8", errors="replace",
            timeout=120, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if result.returncode != 0:
        return {}
    return parse_log(result.stdout)


def parse_log(output: str) -> dict[str, dt.datetime]:
    """Read ``git log --reverse --format=%x00%ct --name-status`` output (oldest first)."""
    added: dict[str, dt.datetime] = {}
    when = EPOCH
    for line in output.splitlines():
        if line.startswith("\0"):
            when = dt.datetime.fromtimestamp(int(line[1:]), tz=dt.UTC)
            continue
        status, _, paths = line.partition("\t")
        if status.startswith("A") and paths not in added:
            added[paths] = when
        elif status.startswith("R"):
            old, _, new = paths.partition("\t")
            added.setdefault(new, added.get(old, when))
    return added


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


def last_changed(root: Path, layout: Layout = DEFAULT_LAYOUT) -> dict[str, Change]:
    """Path (relative to ``root``) to the last commit that changed it, for every file in
    the content folders, from one ``git log`` (newest first: a file's first mention is its
    last change).  A function of the commit checked out, never of the working tree's
    edits or the clock, so two builds of one commit show the same dates.  Empty outside
    git."""
    git = shutil.which("git")
    if git is None:
        return {}
    base = [git, "-C", str(root), "-c", "core.fsmonitor=false", "-c", "core.quotepath=off"]
    folders = [layout.events, layout.sources, layout.docs]
    try:
        prefix = subprocess.run(
            [*base, "rev-parse", "--show-prefix"], capture_output=True, text=True,
            encoding="utf-8", errors="replace", timeout=30, check=False,
            stdin=subprocess.DEVNULL)
        if prefix.returncode != 0:
            return {}
        result = subprocess.run(
            [*base, "log", "--relative", "--no-ext-diff", "--no-textconv", "--no-renames",
             "--format=%x00%ct %H", "--name-only", "--", *folders],
            capture_output=True, text=True, encoding="utf-8", errors="replace",
            timeout=120, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if result.returncode != 0:
        return {}
    return parse_changes(result.stdout, prefix.stdout.strip())


def parse_changes(output: str, prefix: str = "") -> dict[str, Change]:
    """Read ``git log --format=%x00%ct %H --name-only`` output (newest first)."""
    changes: dict[str, Change] = {}
    when, commit = EPOCH, ""
    for line in output.splitlines():
        if line.startswith("\0"):
            stamp, _, commit = line[1:].partition(" ")
            when = dt.datetime.fromtimestamp(int(stamp), tz=dt.UTC)
        elif line and line not in changes:
            changes[line] = Change(when, commit, prefix + line)
    return changes


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
