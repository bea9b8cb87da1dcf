"""The warm build: the pages of the last build kept while what they were made from is the same.

Lektor-style, the build records, for every page, a digest of everything its HTML is made of
(its Markdown, the site's configuration, theme, file list and briefbook's own code, its
"last changed" line), with its search entries and anchors, and the size and time of every file
it left in the site folder.  The next build starts from that folder: `briefbook build` builds
into an empty staging folder and takes each file it keeps from the last site (a hard link: the
last site is never written), `mkdocs build --dirty` builds in place.

- a file that is not as the last build left it is not kept (in place, it is deleted), and
  nothing is kept when the configuration, theme, code or file list changed;
- a page is built again unless its digest is the one recorded and its file is as left;
- the navigation, in every page, is made of the titles of the pages in it: those are always
  built, first, and when one of their titles changed, every page is built again.

What a page's HTML is made of beyond that (other pages' addresses, the navigation) is in the
digest of the site, so a warm build writes the same bytes as a cold one.  The manifest is
JSON in the user's cache folder, never in the site (it would be published).  It is untrusted
input all the same, since the search entries it holds go into the site: it is authenticated by
an HMAC with the user's key (the one `briefbook check`'s cache uses) before it is read, and a
damaged, foreign or unauthenticated one is a miss.  What it says of a file is only trusted
while the file has the size and time it recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefbook.memo import PageMemo, Rendered
from briefbook.usercache import (
    cache_folder,
    evict,
    path_digest,
    read_signed,
    read_signed_lines,
    write_signed,
)

FORMAT = "briefbook-build-cache"
VERSION = 1
SUFFIX = ".build.json"
CACHE_ENV = "BRIEFBOOK_BUILD_CACHE"
"""The manifest `briefbook build` names for the build it runs in a staging folder: the one of
the site folder the staging folder will replace."""
LAST_SITE_ENV = "BRIEFBOOK_LAST_SITE"
"""That site folder, from which the build takes the files it keeps."""

Stat = tuple[int, int]
"""A file's size and modification time (ns): copied with the folder, changed by any write."""


def manifest_for(site_dir: Path) -> Path:
    """Where the manifest of the site built into ``site_dir`` is kept."""
    return _record_file(site_dir, SUFFIX)


def _record_file(folder: Path, suffix: str) -> Path:
    """What the warm build keeps about ``folder`` (a site or a book), by ``suffix``."""
    return cache_folder() / "build" / f"{path_digest(folder)}{suffix}"


def digest(*parts: object) -> str:
    """The SHA-256 of ``parts`` as JSON (strings, numbers, lists, mappings)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()


@dataclass(frozen=True)
class BuiltPage:
    inputs: str
    """The digest of what the page was made of."""
    dest: str
    """Its file in the site, relative."""
    search: tuple[Mapping[str, Any], ...]
    """Its entries in the search index, in order."""
    anchors: tuple[str, ...]
    """The anchors it holds, for checking links into it."""
    links: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Its links to anchors of other pages (by source path: anchor to the link as written),
    checked again when it is kept: the heading it points to may be gone."""
    title: str | None = None
    """Its title, for a theme that lists every page."""


@dataclass(frozen=True)
class Manifest:
    site: str
    """The digest of the configuration, theme, code and file list."""
    navigation: str
    """The digest of the navigation's titles and addresses."""
    files: Mapping[str, Stat]
    """Every file the build left in the site folder (top-level dot-files aside)."""
    pages: Mapping[str, BuiltPage]
    """By source path."""
    sources: Mapping[str, Stat]
    """The static files' sources, as they were when copied."""


EMPTY = Manifest("", "", {}, {}, {})


def load(path: Path) -> Manifest:
    """The manifest at ``path``, or ``EMPTY`` when there is none, it cannot be read or it
    fails its HMAC."""
    data = read_signed(path)
    if data is None:
        return EMPTY
    try:
        body = json.loads(data)
        if body.get("format") != FORMAT or body.get("version") != VERSION:
            return EMPTY
        return Manifest(
            site=str(body["site"]), navigation=str(body["navigation"]),
            files={str(k): (int(v[0]), int(v[1])) for k, v in body["files"].items()},
            pages={str(k): BuiltPage(
                str(v["inputs"]), str(v["dest"]), tuple(dict(e) for e in v["search"]),
                tuple(str(a) for a in v["anchors"]),
                {str(t): {str(a): str(link) for a, link in links.items()}
                 for t, links in v["links"].items()},
                None if v["title"] is None else str(v["title"]))
                for k, v in body["pages"].items()},
            sources={str(k): (int(v[0]), int(v[1])) for k, v in body["sources"].items()})
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return EMPTY


def save(path: Path, manifest: Manifest) -> None:
    """Write ``manifest`` atomically (a build interrupted meanwhile leaves the old one)."""
    body = {"format": FORMAT, "version": VERSION, "site": manifest.site,
            "navigation": manifest.navigation,
            "files": {k: list(v) for k, v in sorted(manifest.files.items())},
            "pages": {k: {"inputs": p.inputs, "dest": p.dest, "search": list(p.search),
                          "anchors": list(p.anchors), "links": p.links, "title": p.title}
                      for k, p in sorted(manifest.pages.items())},
            "sources": {k: list(v) for k, v in sorted(manifest.sources.items())}}
    write_signed(path, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
    evict(path.parent, SUFFIX)


PAGES_SUFFIX = ".pages.jsonl"
PARTS_SUFFIX = ".parts.jsonl"


def _record_lines(root: Path, suffix: str, code: str) -> Iterator[dict[str, Any]]:
    """The items of a record ``_save_record`` wrote for the same code, one by one; none
    when it is missing, damaged, not the user's or of other code."""
    with contextlib.closing(read_signed_lines(_record_file(root, suffix))) as lines:
        if json.loads(next(lines, b"null")) != {"code": code}:
            return
        for line in lines:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("not an item")
            yield item


def _save_record(root: Path, suffix: str, code: str, items: Iterable[Mapping[str, Any]]) -> None:
    """Write ``items`` a line each behind the code that made them: a record as large as a
    book's pages is never held whole."""
    def lines() -> Iterator[bytes]:
        yield _line({"code": code})
        for item in items:
            yield _line(item)

    path = _record_file(root, suffix)
    write_signed(path, lines())
    evict(path.parent, suffix)


def load_pages(root: Path, code: str) -> PageMemo:
    """The pages and export parts the last warm build of the book at ``root`` made
    (``memo``), when the same code made them; none when a record is missing, damaged or
    not the user's."""
    try:
        pages = {str(item["page"]): Rendered(
            str(item["key"]), str(item["view"]),
            tuple((str(k), str(i), None if t is None else str(t)) for k, i, t in item["uses"]),
            str(item["text"]), frozenset(str(h) for h in item["unsearched"]))
            for item in _record_lines(root, PAGES_SUFFIX, code)}
        parts = {str(item["part"]): str(item["text"])
                 for item in _record_lines(root, PARTS_SUFFIX, code)}
    except (ValueError, KeyError, TypeError, AttributeError):
        return PageMemo()
    return PageMemo(pages, parts)


def save_pages(root: Path, code: str, memo: PageMemo) -> None:
    """Record the pages of ``memo``."""
    _save_record(root, PAGES_SUFFIX, code, (
        {"page": name, "key": page.key, "view": page.view,
         "uses": [list(d) for d in page.dependencies], "text": page.text,
         "unsearched": sorted(page.unsearched)}
        for name, page in sorted(memo.pages.items())))


def save_parts(root: Path, code: str, memo: PageMemo) -> None:
    """Record the export parts of ``memo``: apart from the pages, so that they can be let
    go of before the pages are rendered (at 10,000 events they are some 60 MB)."""
    _save_record(root, PARTS_SUFFIX, code, (
        {"part": key, "text": text} for key, text in sorted(memo.parts.items())))


def _line(item: Mapping[str, Any]) -> bytes:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def stat_of(path: Path) -> Stat | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def site_files(site: Path) -> dict[str, Stat]:
    """Every file under ``site`` with its size and time, leaving out top-level dot-entries
    (as MkDocs' own cleaning does: they are not the build's)."""
    found: dict[str, Stat] = {}
    if not site.is_dir():
        return found
    for current, dirnames, filenames in os.walk(site):
        top = current == str(site)
        if top:
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if top and name.startswith("."):
                continue
            path = Path(current, name)
            st = stat_of(path)
            if st is not None:
                found[path.relative_to(site).as_posix()] = st
    return found


def clean(site: Path) -> None:
    """Empty ``site`` but its top-level dot-entries, as a cold MkDocs build does."""
    if not site.is_dir():
        return
    for entry in site.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def prune(site: Path, manifest: Manifest) -> set[str]:
    """Delete every file of ``site`` that is not as the last build left it, every symbolic
    link (a build writes none) and every folder left empty (a build makes none); return the
    files that are as it left them."""
    kept: set[str] = set()
    for current, dirnames, filenames in os.walk(site, topdown=False):
        top = current == str(site)
        for name in filenames + dirnames:
            if top and name.startswith("."):
                continue
            path = Path(current, name)
            rel = path.relative_to(site).as_posix()
            if path.is_symlink():
                path.unlink()
            elif name in filenames:
                if manifest.files.get(rel) == stat_of(path):
                    kept.add(rel)
                else:
                    path.unlink(missing_ok=True)
            elif not any(path.iterdir()):
                path.rmdir()
    return kept


def _mode_of_a_new_file() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def as_left(site: Path, manifest: Manifest) -> set[str]:
    """The files of the last site ``site`` that are as its build left them: regular files
    (not links) of the recorded size and time, with the mode a build gives a file."""
    mode = _mode_of_a_new_file()
    kept = set()
    for rel, recorded in manifest.files.items():
        try:
            st = os.lstat(site / rel)
        except OSError:
            continue
        if (stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == mode
                and (st.st_size, st.st_mtime_ns) == recorded):
            kept.add(rel)
    return kept


def take(source: Path, target: Path, *, link: bool = True) -> bool:
    """Put a file of the last site into the new one: as a hard link (the last site is only
    read, never written, and is deleted once the new one is in place), or as a copy with
    its time where no link can be made (another file system) or ``link`` is false (a file
    the build may write again); whether it is there."""
    if os.path.lexists(target):  # taken already: a copy over a link would write the last site
        return True
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if link:
            with contextlib.suppress(OSError):
                os.link(source, target, follow_symlinks=False)
                return True
        shutil.copyfile(source, target, follow_symlinks=False)
        st = source.stat()
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    except OSError:
        with contextlib.suppress(OSError):
            target.unlink()
        return False
    return True


_LIBRARIES = ("mkdocs", "properdocs", "mkdocs-material", "markdown", "pymdown-extensions",
              "jinja2", "nh3", "pyyaml", "icalendar")


def library_versions() -> dict[str, str]:
    """The versions of what renders, converts and sanitises a page: an upgrade of any of
    them (a sanitiser's fix) must not leave pages made by the old one."""
    found = {"python": platform.python_version()}  # its reprs are in the pages' record
    for name in _LIBRARIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = ""
    return found


def merged_search(order: Sequence[str], rebuilt: Mapping[str, Sequence[Mapping[str, Any]]],
                  kept: Mapping[str, Iterable[Mapping[str, Any]]]) -> list[Mapping[str, Any]]:
    """The search index's entries in page order (as a cold build adds them), a page built
    now giving its new entries, a kept page those the manifest holds."""
    entries: list[Mapping[str, Any]] = []
    for page in order:
        entries.extend(rebuilt[page] if page in rebuilt else kept.get(page, ()))
    return entries


class WarmBuild:
    """One build's use of the last build's manifest: what may be kept, and the manifest of
    this build, made as it goes."""

    def __init__(self, manifest_path: Path, site_dir: Path, site: str,
                 last_site: Path | None = None) -> None:
        """``last_site``: where the last build's files are, when not in ``site_dir``
        (``briefbook build`` builds into an empty staging folder beside it)."""
        self.path = manifest_path
        self.site_dir = site_dir
        self.site = site
        last = load(manifest_path)
        self.last = last if last.site == site else EMPTY
        self._from = None if last_site is None or last_site == site_dir else last_site
        if self.last is EMPTY:
            clean(site_dir)
            self.kept: set[str] = set()
        elif self._from is None:
            self.kept = prune(site_dir, self.last)
        else:
            self.kept = as_left(self._from, self.last)
        self.reused: dict[str, BuiltPage] = {}
        self.navigation = ""

    @property
    def warm(self) -> bool:
        return self.last is not EMPTY

    def static_unchanged(self, src_uri: str, dest_uri: str, abs_src_path: str) -> bool:
        """Whether a static file's copy in the site is the one its source makes now."""
        # Copied, never linked: MkDocs may write a static file's path again after copying
        # it (an extra template such as robots.txt, a theme's 404.html or sitemap.xml of the
        # same name, the CNAME), which through a link would write the last site.
        return (self.last.sources.get(src_uri) == stat_of(Path(abs_src_path))
                and self._keep(dest_uri, link=False))

    def _keep(self, dest_uri: str, *, link: bool = True) -> bool:
        """Whether the last build's file ``dest_uri`` is in the site folder, as it left it."""
        if dest_uri not in self.kept:
            return False
        return self._from is None or take(self._from / dest_uri, self.site_dir / dest_uri,
                                          link=link)

    def reusable(self, src_uri: str, dest_uri: str, inputs: str) -> BuiltPage | None:
        """The last build of a page that is not in the navigation, if it was made of the
        same and its file is as it was left."""
        built = self.last.pages.get(src_uri)
        if (built is None or built.inputs != inputs or built.dest != dest_uri
                or self.navigation != self.last.navigation or not self._keep(dest_uri)):
            return None
        self.reused[src_uri] = built
        return built

    def save(self, pages: Mapping[str, BuiltPage], sources: Mapping[str, Stat]) -> None:
        """Record this build: its pages, the static files' sources as they were before they
        were copied (an edit meanwhile is then seen next time) and every file now in the site
        folder."""
        save(self.path, Manifest(self.site, self.navigation, site_files(self.site_dir),
                                 dict(pages), dict(sources)))
