"""``briefbook diff`` on a real temporary git repository with known changes: every section
of the summary says what changed, and nothing else."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "minimal"
PREVIEW = "https://preview.example/pr-7/"

MISSILE = "events/2020/2020-01-08-ain-al-asad-missile-strike.yaml"
STRIKES = "events/2021/2021-02-25-us-strikes-in-syria.yaml"
ROCKETS = "events/2021/2021-03-03-ain-al-asad-rockets.yaml"

NEW_EVENT = """\
# yaml-language-server: $schema=../../schema/event.schema.json
title: "Drones on Erbil [see](https://evil.example) *now*"
date: 2021-04-14
type: drone attack
place: ain-al-asad
citations:
  - source: memo-c
    quote: Two drones struck near the base on April 14.
    reports: {drones: 2}
  - source: brief-a
    quote: Over 100 U.S. military personnel suffered traumatic brain injury
    reports: {drones: 3}
"""

MEMO_C = """\
---
title: Memo C
publisher: Policy Institute
published: 2021-04-15
kind: policy memo
url: https://example.org/memo-c
---
Two drones struck near the base on April 14.
"""

OLD_REPORT = """\
---
title: Old report
publisher: Policy Institute
published: 2019-01-01
kind: article
url: https://example.org/old
---
Nothing cites this.
"""


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "Editor", "GIT_AUTHOR_EMAIL": "editor@example.org",
           "GIT_COMMITTER_NAME": "Editor", "GIT_COMMITTER_EMAIL": "editor@example.org"}
    return subprocess.run(["git", "-C", str(repo), *args], env=env, check=True,
                          capture_output=True, text=True).stdout


def diff(repo: Path, *args: str,
         env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "briefbook.cli", "diff", *args], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The minimal book (plus a source nothing cites) committed as 'base', then a commit
    'head' with known changes of every kind the summary reports."""
    book = Path(shutil.copytree(FIXTURE, tmp_path / "book"))
    (book / "seeds" / "old-report.md").write_text(OLD_REPORT, encoding="utf-8")
    git(book, "init", "-q", "-b", "main")
    git(book, "add", "-A")
    git(book, "commit", "-q", "-m", "base")
    git(book, "tag", "base")
    # An event and a source added, the disagreement between their figures new.
    (book / "events" / "2021" / "2021-04-14-drones-on-erbil.yaml").write_text(
        NEW_EVENT, encoding="utf-8")
    (book / "seeds" / "memo-c.md").write_text(MEMO_C, encoding="utf-8")
    # A source removed.
    (book / "seeds" / "old-report.md").unlink()
    # A figure changed so that the sources agree: the disagreement is resolved.
    edit(book / MISSILE, "reports: {wounded: over 100}", "reports: {wounded: over 110}")
    # An attribution's status changed, which also leaves a perpetrator unsupported
    # (a warning introduced).
    edit(book / ROCKETS, "status: officially attributed", "status: suspected")
    # An actor removed: the relation naming it is a broken link and an error.
    (book / "docs" / "actors" / "iran.md").unlink()
    # Lines moved, nothing said differently: no change.
    edit(book / STRIKES, "title:", "# An editor's comment.\n\ntitle:")
    git(book, "add", "-A")
    git(book, "commit", "-q", "-m", "head")
    return book


def sections(summary: str) -> dict[str, list[str]]:
    """Each '### ' section's list items; the headline under '' ."""
    found: dict[str, list[str]] = {"": []}
    current = ""
    for line in summary.splitlines():
        if line.startswith("### "):
            current = line[4:]
            found[current] = []
        elif line.strip() and not line.startswith("## "):
            found[current].append(line)
    return found


def page(path: str, text: str) -> str:
    return f"[{text}]({PREVIEW}{path}/)"


MISSILE_PAGE = page("events/2020-01-08-ain-al-asad-missile-strike",
                    "Iranian missile strike on Ain al&#45;Asad")
ROCKETS_PAGE = page("events/2021-03-03-ain-al-asad-rockets", "Rockets on Ain al&#45;Asad")
# The title's Markdown is inert: every punctuation mark is a character reference.
DRONES_TITLE = ("Drones on Erbil &#91;see&#93;&#40;https&#58;&#47;&#47;evil&#46;example&#41; "
                "&#42;now&#42;")
DRONES = "events/2021-04-14-drones-on-erbil"
DRONES_PAGE = page(DRONES, DRONES_TITLE)


def test_every_section_of_the_summary_says_what_changed(repo: Path) -> None:
    result = diff(repo, "base", "main", "--preview-url", PREVIEW.rstrip("/"))
    assert result.returncode == 0, result.stderr
    base, head = (git(repo, "rev-parse", rev)[:10] for rev in ("base", "main"))
    assert result.stdout.splitlines()[0] == (
        f"## Book diff: base &#40;{base}&#41; → main &#40;{head}&#41;")
    assert sections(result.stdout) == {
        "": ["events: 1 added, 2 changed; sources: 1 added, 1 removed; actors: 1 removed; "
             "1 figure change; 2 disagreement changes; 1 attribution change; 2 cross-link "
             "changes; 1 error and 1 warning introduced."],
        "Events": [
            f"- added: {DRONES_PAGE} (`2021-04-14-drones-on-erbil`)",
            f"- changed: {MISSILE_PAGE}: `citations`",
            f"- changed: {ROCKETS_PAGE}: `attribution`",
            # The strikes' file only moved its lines: not listed.
        ],
        "Sources": [
            f"- added: {page('sources/memo-c', 'Memo C')} (`memo-c`)",
            "- removed: Old report (`old-report`)",  # no page to link to any more
        ],
        "Actors": ["- removed: Iran (`iran`)"],
        "Figures": [
            f"- {MISSILE_PAGE}: `wounded`: brief&#45;a&#58; over 100&#59; memo&#45;b&#58; up to 110"
            " → brief&#45;a&#58; over 110&#59; memo&#45;b&#58; up to 110",
        ],
        "Disagreements between sources": [
            f"- resolved: {MISSILE_PAGE}: `wounded` (brief&#45;a&#58; over 110&#59; memo&#45;b&#58;"
            " up to 110)",
            f"- new: {DRONES_PAGE}: `drones` (memo&#45;c&#58; 2&#59; brief&#45;a&#58; 3)",
        ],
        "Attributions": [
            f"- {ROCKETS_PAGE}: `kataib-hezbollah` by `united-states`: officially attributed"
            " → suspected",
        ],
        "Cross-links": [
            f"- broken: {page('actors/kataib-hezbollah', '`actor:kataib-hezbollah`')}"
            " → `actor:iran`",  # not linked: there is no such page
            f"- added: {page(DRONES, '`event:2021-04-14-drones-on-erbil`')}"
            f" → {page('places/ain-al-asad', '`place:ain-al-asad`')}, "
            f"{page('sources/brief-a', '`source:brief-a`')}, "
            f"{page('sources/memo-c', '`source:memo-c`')}",
        ],
        "Check messages introduced": [
            "- error at `docs/actors/kataib-hezbollah.md:7:12`: unknown actor &#39;iran&#39;; "
            "create the actor or fix the id",
            "- warning at `events/2021/2021-03-03-ain-al-asad-rockets.yaml:6:16`: perpetrator "
            "&#39;kataib&#45;hezbollah&#39; has only a suspected attribution on this event; add"
            " an &#39;attribution&#58;&#39; entry for &#39;kataib&#45;hezbollah&#39; with status"
            " &#39;claimed&#39; or &#39;officially attributed&#39;&#44; or &#39;assessed&#39; "
            "&#40;which supports it only as an assessment&#44; with its confidence&#41;&#59; "
            "otherwise remove it from &#39;perpetrators&#39;",
        ],
    }
    assert "](https://evil" not in result.stdout


def test_without_a_preview_address_nothing_is_linked_and_undoing_reports_the_reverse(
        repo: Path) -> None:
    result = diff(repo, "main", "base")
    assert result.returncode == 0, result.stderr
    summary = sections(result.stdout)
    assert "](" not in result.stdout
    assert summary["Sources"] == ["- added: Old report (`old-report`)",
                                  "- removed: Memo C (`memo-c`)"]
    assert summary["Disagreements between sources"] == [
        "- new: Iranian missile strike on Ain al&#45;Asad: `wounded` (brief&#45;a&#58; over "
        "100&#59; memo&#45;b&#58; up to 110)"]
    assert summary["Attributions"] == [
        "- Rockets on Ain al&#45;Asad: `kataib-hezbollah` by `united-states`: suspected → "
        "officially attributed"]
    assert summary["Cross-links"] == ["- repaired: `actor:kataib-hezbollah` → `actor:iran`"]
    assert "Check messages introduced" not in summary
    assert summary[""][0].endswith("2 check messages fixed.")


def test_head_defaults_to_the_working_tree_with_uncommitted_edits(repo: Path) -> None:
    assert diff(repo, "main").stdout.endswith("\nNo change to the book.\n")
    edit(repo / ROCKETS, "title: Rockets on Ain al-Asad", "title: Rockets on Ayn al-Asad")
    result = diff(repo, "main")
    assert result.returncode == 0, result.stderr
    assert " → the working tree" in result.stdout.splitlines()[0]
    assert sections(result.stdout)["Events"] == [
        "- changed: Rockets on Ayn al&#45;Asad: `title`"]


def test_a_record_whose_file_breaks_is_unreadable_not_removed(repo: Path) -> None:
    edit(repo / ROCKETS, "type: rocket attack", "type: [rocket attack")
    result = diff(repo, "main")
    assert result.returncode == 0, result.stderr
    summary = sections(result.stdout)
    assert summary["Events"] == [
        "- unreadable: Rockets on Ain al&#45;Asad (`2021-03-03-ain-al-asad-rockets`): its file "
        "has errors, see the check messages"]
    assert summary["Check messages introduced"][0].startswith(
        f"- error at `{ROCKETS}:")


@pytest.mark.parametrize("revision", ["no-such-branch", "--output=/tmp/x", "base..main"])
def test_a_revision_that_does_not_exist_is_a_usage_error_in_one_line(repo: Path,
                                                                     revision: str) -> None:
    # After '--' a revision may start with '-': git must still read it as a revision.
    result = diff(repo, "--", "base", revision)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (f"briefbook: error: no such revision: '{revision}'; give a "
                             "commit, branch or tag (e.g. main, HEAD~1, origin/main)\n")


def test_outside_a_git_repository_is_a_usage_error(tmp_path: Path) -> None:
    book = Path(shutil.copytree(FIXTURE, tmp_path / "book"))
    result = diff(book, "HEAD", env_extra={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.startswith("briefbook: error: ")
    assert "is not in a git repository" in result.stderr


def test_a_preview_address_must_be_http(repo: Path) -> None:
    result = diff(repo, "base", "--preview-url", "javascript:alert(1)")
    assert result.returncode == 2
    assert "--preview-url must be an http(s) address" in result.stderr


def test_a_revision_is_read_from_git_not_checked_out(repo: Path) -> None:
    """Content cannot make git run anything: a filter named in .gitattributes is ignored,
    and the revision's symbolic link is judged by the checker as in a checkout."""
    (repo / ".gitattributes").write_text("*.yaml filter=evil\n", encoding="utf-8")
    (repo / "docs" / "notes" / "escape.md").symlink_to("/etc/passwd")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hostile")
    marker = repo.parent / "filter-ran"
    git(repo, "config", "filter.evil.smudge", f"touch {marker}; cat")
    result = diff(repo, "base", "main")
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    introduced = sections(result.stdout)["Check messages introduced"]
    assert [line for line in introduced if "escape.md" in line] == [
        "- error at `docs/notes/escape.md:1:1`: symbolic link points outside the book&#39;s "
        "content folders; replace the link with the file itself"]


def test_a_book_in_a_folder_of_its_repository_is_read_from_that_folder(tmp_path: Path) -> None:
    repository = tmp_path / "repository"
    book = Path(shutil.copytree(FIXTURE, repository / "books" / "iraq"))
    git(repository, "init", "-q", "-b", "main")
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", "base")
    (book / "docs" / "actors" / "iran.md").unlink()
    git(repository, "commit", "-q", "-am", "head")
    result = diff(book, "main~1", "main")
    assert result.returncode == 0, result.stderr
    assert sections(result.stdout)["Actors"] == ["- removed: Iran (`iran`)"]
