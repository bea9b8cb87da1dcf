"""The "Last changed" line under every engine: Zensical runs no plugin, so the rendered
tree's front matter carries it, from the same git log as the MkDocs plugin's."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .conftest import briefbook_command, build, build_env
from .test_pages import git, last_changed
from .test_pages import repository as repository  # the fixture: a book in git, two commits


def zensical_build(root: Path, site: Path) -> None:
    result = subprocess.run(
        briefbook_command("build", "--engine", "zensical", "--root", str(root),
                          "--site-dir", str(site)),
        cwd=root, env=build_env(), capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-4000:]


def test_zensical_pages_show_their_files_last_commit_as_mkdocs_does(
        repository: Path, tmp_path: Path) -> None:
    head = git(repository, "rev-parse", "HEAD")
    first = git(repository, "rev-parse", "HEAD~1")
    zensical_build(repository, tmp_path / "zensical")
    build(repository, tmp_path / "mkdocs")
    event = next((repository / "events").rglob("*.yaml"))
    pages = {"actors/iran": ("2023-11-14", f"https://github.com/example/briefs/commits/{head}/"
                             "book/docs/actors/iran.md"),
             f"events/{event.stem}": ("2020-09-13", "https://github.com/example/briefs/commits/"
                                      f"{first}/book/{event.relative_to(repository).as_posix()}")}
    for page, expected in pages.items():
        assert last_changed(tmp_path / "zensical", page) == expected, page
        assert last_changed(tmp_path / "mkdocs", page) == expected, page
    # A hand-written page has one too; a listing, generated from many files, has none.
    assert last_changed(tmp_path / "zensical", "notes/overview") is not None
    assert last_changed(tmp_path / "zensical", "events") is None
    assert last_changed(tmp_path / "mkdocs", "events") is None
