"""The warm build: `briefbook build` (and `mkdocs build --dirty`) keep the pages an edit did not
touch, and write exactly the files a cold build of the same tree writes."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from briefbook import buildcache, usercache
from tests.conftest import FIXTURES, REPO, copy_book

pytestmark = pytest.mark.slow

EVENT = "events/2021/2021-02-15-erbil-rocket-attack.yaml"
_RENDERED = re.compile(r"briefbook: (\d+) pages rendered, (\d+) unchanged")
_KEPT = re.compile(r"briefbook: (\d+) of (\d+) pages kept from the last build, (\d+) built")


def _git(root: Path, *args: str, date: str = "2026-01-01T00:00:00Z") -> None:
    subprocess.run(["git", "-c", "user.name=Analyst", "-c", "user.email=analyst@example.org",
                    *args], cwd=root, check=True, capture_output=True, timeout=60,
                   env={**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})


def _committed(root: Path) -> Path:
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "the book")
    return root


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """The shipped book: hand-written pages, notes, a navigation of its own."""
    return _committed(copy_book(REPO, tmp_path / "book"))


@pytest.fixture
def small_book(tmp_path: Path) -> Path:
    """The minimal fixture book, for what any book shows (it builds in a quarter of the
    time)."""
    return _committed(copy_book(FIXTURES / "minimal", tmp_path / "book"))


SMALL_EVENT = "events/2021/2021-02-25-us-strikes-in-syria.yaml"


def _env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000"}


def _build(root: Path, *args: str, ok: bool = True) -> str:
    result = subprocess.run([sys.executable, "-m", "briefbook.cli", "build", "--root",
                             str(root), *args], cwd=root, env=_env(), capture_output=True,
                            text=True, timeout=600)
    assert (result.returncode == 0) == ok, result.stderr[-3000:]
    return result.stderr


def _kept(log: str) -> tuple[int, int, int]:
    found = _KEPT.findall(log)
    assert len(found) == 1, log[-3000:]
    kept, total, built = map(int, found[0])
    return kept, total, built


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def _differences(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return [name for name in sorted(a.keys() | b.keys()) if a.get(name) != b.get(name)]


def test_a_warm_build_after_edits_writes_what_a_cold_build_writes(book: Path) -> None:
    first = _build(book)
    assert _kept(first)[0] == 0  # nothing to start from

    # An event retitled and committed (its page's "last changed" line moves too), a note
    # edited by hand, a page of the last site damaged and a stray file left in it.
    event = book / EVENT
    text = event.read_text(encoding="utf-8")
    event.write_text(text.replace("title: ", "title: Retitled ", 1), encoding="utf-8")
    _git(book, "commit", "-q", "-am", "retitle", date="2026-03-04T00:00:00Z")
    note = book / "docs/notes/methodology.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nA sentence added by hand.\n",
                    encoding="utf-8")
    damaged = book / "site/places/basra/index.html"
    damaged.write_bytes(damaged.read_bytes() + b"<!-- damaged -->")
    (book / "site/stray.html").write_text("not the build's", encoding="utf-8")

    warm = _build(book)
    kept, total, built = _kept(warm)
    assert kept > total * 3 // 4, warm[-2000:]  # most pages did not show the edits
    assert built == total - kept
    # briefbook, too, rendered again only the pages whose view shows the edited records
    # (the note is on many), reusing the others from the last build's record.
    rendered, unchanged = map(int, _RENDERED.findall(warm)[0])
    assert rendered > 0 and unchanged > 0, warm[-2000:]

    _build(book, "--no-cache", "--site-dir", "site-cold")
    warm_tree, cold_tree = _tree(book / "site"), _tree(book / "site-cold")
    assert not _differences(warm_tree, cold_tree)
    page = warm_tree["events/2021-02-15-erbil-rocket-attack/index.html"].decode()
    assert "Retitled " in page and "2026-03-04" in page
    assert b"A sentence added by hand." in warm_tree["notes/methodology/index.html"]
    assert "stray.html" not in warm_tree and b"damaged" not in warm_tree[
        "places/basra/index.html"]
    index = json.loads(warm_tree["search/search_index.json"])
    locations = [doc["location"] for doc in index["docs"]]
    assert len(locations) == len(set(locations))  # no page's entries twice


def test_properdocs_builds_warm_too(small_book: Path) -> None:
    """ProperDocs (the MkDocs 1.x fork) runs the plugin unchanged, and logs as 'properdocs'."""
    _build(small_book, "--engine", "properdocs")
    event = small_book / SMALL_EVENT
    event.write_text(event.read_text(encoding="utf-8").replace("title: ", "title: New ", 1),
                     encoding="utf-8")
    kept, total, built = _kept(_build(small_book, "--engine", "properdocs"))
    assert kept > 0 and built < total
    _build(small_book, "--engine", "properdocs", "--no-cache", "--site-dir", "site-cold")
    assert not _differences(_tree(small_book / "site"), _tree(small_book / "site-cold"))


def test_a_failed_build_keeps_the_last_record(small_book: Path) -> None:
    _build(small_book)
    event = small_book / SMALL_EVENT
    good = event.read_text(encoding="utf-8")
    event.write_text(good.replace("title: ", "title: [", 1), encoding="utf-8")
    failed = _build(small_book, ok=False)
    assert "invalid YAML" in failed and "was left as it was" in failed
    event.write_text(good.replace("title: ", "title: Mended ", 1), encoding="utf-8")
    kept, total, built = _kept(_build(small_book))
    assert kept > 0 and built < total


def test_mkdocs_build_dirty_keeps_no_record_of_a_build_with_warnings(small_book: Path) -> None:
    """Without --strict a warning does not stop the build, but its page is built again next
    time, so the warning is given again instead of vanishing behind the kept page."""
    note = small_book / "docs/index.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n[gone](no-such-page.md)\n",
                    encoding="utf-8")
    command = [sys.executable, "-m", "mkdocs", "build", "--dirty", "-d", "out"]
    for _ in range(2):
        result = subprocess.run(command, cwd=small_book, env=_env(), capture_output=True,
                                text=True, timeout=600, check=True)
        assert "no-such-page.md" in result.stderr
        assert _kept(result.stderr)[0] == 0
    assert not buildcache.manifest_for(small_book / "out").exists()
    note.write_text(note.read_text(encoding="utf-8").replace("[gone](no-such-page.md)", ""),
                    encoding="utf-8")
    subprocess.run(command, cwd=small_book, env=_env(), capture_output=True, timeout=600,
                   check=True)
    again = subprocess.run(command, cwd=small_book, env=_env(), capture_output=True, text=True,
                           timeout=600, check=True)
    assert "WARNING" not in again.stderr  # MkDocs' own warning about dirty builds, too
    assert _kept(again.stderr)[0] > 0


def test_a_manifest_is_trusted_only_for_files_as_it_left_them(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / ".kept-dotfile").write_text("not the build's", encoding="utf-8")
    (site / "old.html").write_text("an earlier build's", encoding="utf-8")
    path = tmp_path / "manifest.json"
    page = buildcache.BuiltPage("inputs", "a/index.html", ({"location": "a/"},), ("x",))
    warm = buildcache.WarmBuild(path, site, "site")
    assert not warm.warm  # no manifest: the folder is emptied, as a cold build does
    assert [p.name for p in site.iterdir()] == [".kept-dotfile"]
    (site / "a").mkdir()  # what the build writes
    (site / "a/index.html").write_text("a", encoding="utf-8")
    (site / "b.html").write_text("b", encoding="utf-8")
    warm.navigation = "nav"
    warm.save({"a.md": page}, {})
    (site / "b.html").write_text("B", encoding="utf-8")  # changed since: not trusted
    (site / "c.html").write_text("c", encoding="utf-8")  # not the build's

    again = buildcache.WarmBuild(path, site, "site")
    assert again.warm
    assert sorted(p.name for p in site.rglob("*")) == [".kept-dotfile", "a", "index.html"]
    again.navigation = "nav"
    assert again.reusable("a.md", "a/index.html", "inputs") == page
    assert again.reusable("a.md", "a/index.html", "other inputs") is None
    again.navigation = "another nav"
    assert again.reusable("a.md", "a/index.html", "inputs") is None

    # Another site signature (configuration, theme, code, file list): nothing is kept.
    other = buildcache.WarmBuild(path, site, "another site")
    assert not other.warm and sorted(p.name for p in site.iterdir()) == [".kept-dotfile"]


@pytest.mark.parametrize("body", ["", "{", "[]", '{"format": "briefbook-build-cache"}',
                                  '{"format": "briefbook-build-cache", "version": 1, '
                                  '"site": "s", "navigation": "", "files": {"a": [1]}, '
                                  '"pages": {}, "sources": {}}'])
def test_a_damaged_manifest_is_a_miss(tmp_path: Path, body: str) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(body, encoding="utf-8")
    assert buildcache.load(path) is buildcache.EMPTY
    # Authenticated with the user's key, a malformed body is still a miss.
    key = usercache.user_key()
    assert key is not None
    data = body.encode()
    path.write_bytes(hmac.new(key, data, hashlib.sha256).hexdigest().encode() + b"\n" + data)
    assert buildcache.load(path) is buildcache.EMPTY


def test_a_manifest_not_written_with_the_users_key_is_a_miss(tmp_path: Path) -> None:
    """Its search entries go into the site: one written by anything else is never read."""
    path = tmp_path / "manifest.json"
    entry = {"location": "a/", "title": "<img src=x onerror=alert(1)>", "text": ""}
    page = buildcache.BuiltPage("inputs", "a/index.html", (entry,), ())
    buildcache.save(path, buildcache.Manifest("site", "nav", {}, {"a.md": page}, {}))
    assert buildcache.load(path).pages["a.md"] == page
    mac, _, data = path.read_bytes().partition(b"\n")
    forged = data.replace(b"alert(1)", b"alert(2)")
    path.write_bytes(mac + b"\n" + forged)
    assert buildcache.load(path) is buildcache.EMPTY
    other_key = hmac.new(b"another user", forged, hashlib.sha256).hexdigest().encode()
    path.write_bytes(other_key + b"\n" + forged)
    assert buildcache.load(path) is buildcache.EMPTY


def test_search_entries_keep_a_cold_builds_order() -> None:
    rebuilt = {"b/": [{"location": "b/"}, {"location": "b/#x"}], "c/": []}
    kept = {"a/": ({"location": "a/"},), "c/": ({"location": "c/"},)}
    merged = buildcache.merged_search(["a/", "b/", "c/"], rebuilt, kept)
    assert [e["location"] for e in merged] == ["a/", "b/", "b/#x"]


def _add_pages(book: Path) -> None:
    """Two hand-written pages outside the navigation, one linking to the other's heading."""
    (book / "docs/extra.md").write_text("# Extra\n\nSee [the part](extra2.md#old-heading).\n",
                                        encoding="utf-8")
    (book / "docs/extra2.md").write_text("# Extra two\n\n## Old heading\n\nText.\n",
                                         encoding="utf-8")
    _git(book, "add", "-A")
    _git(book, "commit", "-q", "-m", "pages")


def test_settings_a_page_shows_are_part_of_what_it_is_made_of(small_book: Path) -> None:
    """Each of these changes pages that the edit itself does not touch: every page is built
    again, and the result is a cold build's."""
    _add_pages(small_book)
    config = small_book / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "theme:\n", "theme:\n  custom_dir: overrides\n  icon:\n    edit: custom/pen\n"),
        encoding="utf-8")
    icon = small_book / "overrides/.icons/custom/pen.svg"
    icon.parent.mkdir(parents=True)
    icon.write_text('<svg xmlns="http://www.w3.org/2000/svg"><path d="M1 1h22v22H1z"/></svg>',
                    encoding="utf-8")
    _build(small_book)
    changes: list[Callable[[], object]] = [
        lambda: icon.write_text(icon.read_text(encoding="utf-8").replace("M1 1", "M2 2"),
                                encoding="utf-8"),  # a custom icon, inlined into every page
        lambda: config.write_text(config.read_text(encoding="utf-8").replace(
            "edit_uri: edit/main/docs/", "edit_uri_template: 'blob/trunk/docs/{path}'"),
            encoding="utf-8"),  # any setting, not only a list of known ones
        lambda: config.write_text(config.read_text(encoding="utf-8")
                                  + "exclude_docs: |\n  extra2.md\n", encoding="utf-8"),
    ]
    for change in changes:
        change()
        assert _kept(_build(small_book))[0] == 0
    _build(small_book, "--no-cache", "--site-dir", "site-cold")
    warm, cold = _tree(small_book / "site"), _tree(small_book / "site-cold")
    assert not _differences(warm, cold)
    assert "extra2/index.html" not in warm  # excluded now: gone from the site


def test_a_kept_pages_links_to_anchors_are_still_checked(small_book: Path) -> None:
    _add_pages(small_book)
    _build(small_book)
    target = small_book / "docs/extra2.md"
    target.write_text(target.read_text(encoding="utf-8").replace("Old heading", "New heading"),
                      encoding="utf-8")
    failed = _build(small_book, ok=False)  # as a cold build does, though extra.md is kept
    assert "contains a link 'extra2.md#old-heading'" in failed


def test_an_interrupted_build_records_nothing(small_book: Path) -> None:
    """Ctrl-C is no error to MkDocs, which still runs the plugins' shutdown: a record made
    then would pair the last site's files with the new sources."""
    from mkdocs.commands import build
    from mkdocs.config import load_config

    out = small_book / "out"
    record = buildcache.manifest_for(out)

    def run(interrupt: bool) -> None:
        config = load_config(str(small_book / "mkdocs.yml"), site_dir=str(out))
        config.plugins.on_startup(command="build", dirty=True)

        def stop(**_: object) -> None:
            raise KeyboardInterrupt

        if interrupt:  # once MkDocs has written every page and file
            config.plugins.events["post_build"].insert(0, stop)
        try:
            build.build(config, dirty=True)
        finally:
            config.plugins.on_shutdown()

    run(interrupt=False)
    recorded = record.read_bytes()
    (small_book / "docs/index.md").write_text("# Home, edited\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        run(interrupt=True)
    assert record.read_bytes() == recorded


def test_the_navigations_paths_are_read_as_mkdocs_reads_them() -> None:
    from briefbook.plugin import _nav_paths

    assert _nav_paths(["./about.md", {"A": ["/b/c.md", {"Site": "https://x.org/"}]}]) == {
        "about.md", "b/c.md"}


def test_the_last_site_gives_only_what_its_build_left(tmp_path: Path) -> None:
    site, staging = tmp_path / "site", tmp_path / "staging"
    (site / "places").mkdir(parents=True)
    (site / "places/index.html").write_text("page", encoding="utf-8")
    (site / "places/private.html").write_text("page", encoding="utf-8")
    outside = tmp_path / "outside.html"
    outside.write_text("page", encoding="utf-8")
    (site / "places/link.html").symlink_to(outside)
    os.mkfifo(site / "pipe")
    recorded = {rel: buildcache.stat_of(site / rel) or (0, 0)
                for rel in ("places/index.html", "places/private.html", "pipe", "gone.html")}
    recorded["places/link.html"] = buildcache.stat_of(outside) or (0, 0)
    (site / "places/private.html").chmod(0o600)  # its size and time are as recorded
    manifest = buildcache.Manifest("s", "n", recorded, {}, {})
    # A link, a pipe, a file made private by hand and a file gone are not the build's.
    assert buildcache.as_left(site, manifest) == {"places/index.html"}
    staging.mkdir()
    target = staging / "places/index.html"
    assert buildcache.take(site / "places/index.html", target)
    assert buildcache.stat_of(target) == recorded["places/index.html"]
    assert buildcache.take(site / "places/index.html", target)  # taken already: left as is
    assert not buildcache.take(site / "missing.html", staging / "missing.html")
    assert not (staging / "missing.html").exists()


def test_the_pruning_in_place_leaves_what_a_build_writes(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "places").mkdir(parents=True)
    (site / "empty").mkdir()
    page = site / "places/index.html"
    page.write_text("page", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (site / "places/link").symlink_to(outside)
    (site / ".briefbook-site").write_text("marker", encoding="utf-8")
    manifest = buildcache.Manifest("s", "n", {"places/index.html": buildcache.stat_of(page)
                                              or (0, 0)}, {}, {})
    assert buildcache.prune(site, manifest) == {"places/index.html"}
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == [
        ".briefbook-site", "places", "places/index.html"]


def _inodes(site: Path) -> dict[str, tuple[int, int, bytes]]:
    return {p.relative_to(site).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns,
                                              p.read_bytes())
            for p in sorted(site.rglob("*")) if p.is_file()}


def test_the_last_site_is_never_written(small_book: Path) -> None:
    """The kept files are the last site's, linked: a build that fails after writing every
    page leaves that site's every file, its bytes and times, as they were.  An extra
    template is a file MkDocs copies, then writes again as a template."""
    (small_book / "docs/extra.css").write_text("/* {{ config.site_name }} */\n",
                                               encoding="utf-8")
    config = small_book / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "extra_templates:\n  - extra.css\n",
                      encoding="utf-8")
    _build(small_book)
    before = _inodes(small_book / "site")
    event = small_book / SMALL_EVENT
    event.write_text(event.read_text(encoding="utf-8").replace("title: ", "title: New ", 1),
                     encoding="utf-8")
    page = small_book / "docs/index.md"
    good = page.read_text(encoding="utf-8")
    page.write_text(good + "\n[a link](no-such-page.md)\n", encoding="utf-8")
    failed = _build(small_book, ok=False)  # --strict: the link fails it once it is written
    assert "no-such-page.md" in failed and "was left as it was" in failed
    assert _inodes(small_book / "site") == before
    page.write_text(good, encoding="utf-8")
    kept, total, built = _kept(_build(small_book))
    assert kept > 0 and built < total
    after = _inodes(small_book / "site")
    assert {rel for rel in after if rel in before and after[rel][0] == before[rel][0]}, \
        "the kept pages are the last site's files"
    _build(small_book, "--no-cache", "--site-dir", "site-cold")
    assert not _differences(_tree(small_book / "site"), _tree(small_book / "site-cold"))


def test_stray_entries_of_the_last_site_are_left_behind(small_book: Path) -> None:
    _build(small_book)
    os.mkfifo(small_book / "site/pipe")  # no build writes one
    (small_book / "site/places/index.html").chmod(0o600)
    log = _build(small_book)
    assert _kept(log)[0] > 0
    assert not (small_book / "site/pipe").exists()
    assert (small_book / "site/places/index.html").stat().st_mode & 0o777 != 0o600
    _build(small_book, "--no-cache", "--site-dir", "site-cold")
    assert not _differences(_tree(small_book / "site"), _tree(small_book / "site-cold"))
