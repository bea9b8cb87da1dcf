"""The warm build: the pages of the last build kept while what they were made from is the same.

Lektor-style, the build records, for every page, a digest of everything its HTML is made of
(its Markdown, the site's configuration, theme, file list and briefbook's own code, its
"last changed" line), with its search entries and anchors, and the size and time of every file
it left in the site folder.  The next build (`briefbook build`, or `mkdocs build --dirty`)
starts from that folder:

- a file that is not as the last build left it is deleted (so it is written again), and the
  whole folder is emptied when the configuration, theme, code or file list changed;
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
import hmac
import importlib.metadata
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefbook.checkcache import cache_folder, evict, path_digest, user_key

FORMAT = "briefbook-build-cache"
VERSION = 1
SUFFIX = ".build.json"
CACHE_ENV = "BRIEFBOOK_BUILD_CACHE"
"""The manifest `briefbook build` names for the build it runs in a staging folder: the one of
the site folder the staging folder will replace."""

Stat = tuple[int, int]
"""A file's size and modification time (ns): copied with the folder, changed by any write."""


def manifest_for(site_dir: Path) -> Path:
    """Where the manifest of the site built into ``site_dir`` is kept."""
    return cache_folder() / "build" / f"{path_digest(site_dir)}{SUFFIX}"


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


def read_signed(path: Path) -> bytes | None:
    """The body of a file ``write_signed`` wrote with this user's key, or ``None``."""
    key = user_key()
    try:
        mac, _, data = path.read_bytes().partition(b"\n")
    except OSError:
        return None
    if key is None or not hmac.compare_digest(mac, _mac(key, data)):
        return None
    return data


def write_signed(path: Path, data: bytes) -> None:
    """Write ``data`` atomically behind its HMAC with this user's key (nothing without one:
    an unsigned file would never be read)."""
    key = user_key()
    if key is None:
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(_mac(key, data) + b"\n" + data)
        Path(tmp).replace(path)


def _mac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).hexdigest().encode()


def _prose_file(root: Path) -> Path:
    return cache_folder() / "build" / f"{path_digest(root)}.prose.json"


def load_prose(root: Path, code: str) -> dict[str, str]:
    """The prose the last warm build of the book at ``root`` converted (Markdown source to
    sanitised HTML), when the same code converted it: converting it is about a quarter of
    rendering every page."""
    data = read_signed(_prose_file(root))
    try:
        body = json.loads(data) if data is not None else None
        if not isinstance(body, dict) or body.get("code") != code:
            return {}
        return {str(k): str(v) for k, v in body["html"].items()}
    except (ValueError, KeyError, AttributeError):
        return {}


def save_prose(root: Path, code: str, html: Mapping[str, str]) -> None:
    path = _prose_file(root)
    write_signed(path, json.dumps({"code": code, "html": dict(sorted(html.items()))},
                                  ensure_ascii=False).encode())
    evict(path.parent, ".prose.json")


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


def copy_site(site: Path, into: Path) -> None:
    """Copy the site folder into the (empty) staging folder: the warm build's starting point,
    so a failed build leaves ``site`` as it was.  Times are kept (``prune`` compares them);
    modes are not, so a copy's files and folders are made as a build makes them; top-level
    dot-entries and symbolic links are left out."""
    for current, dirnames, filenames in os.walk(site):
        rel = Path(current).relative_to(site)
        if current == str(site):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            filenames = [f for f in filenames if not f.startswith(".")]
        dirnames[:] = [d for d in dirnames if not Path(current, d).is_symlink()]
        for name in dirnames:
            (into / rel / name).mkdir()
        for name in filenames:
            source = Path(current, name)
            if source.is_symlink():
                continue
            target = into / rel / name
            shutil.copyfile(source, target)
            st = source.stat()
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))


_LIBRARIES = ("mkdocs", "properdocs", "mkdocs-material", "markdown", "pymdown-extensions",
              "jinja2", "nh3", "pyyaml", "icalendar")


def library_versions() -> dict[str, str]:
    """The versions of what renders, converts and sanitises a page: an upgrade of any of
    them (a sanitiser's fix) must not leave pages made by the old one."""
    found = {}
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

    def __init__(self, manifest_path: Path, site_dir: Path, site: str) -> None:
        self.path = manifest_path
        self.site_dir = site_dir
        self.site = site
        last = load(manifest_path)
        self.last = last if last.site == site else EMPTY
        if self.last is EMPTY:
            clean(site_dir)
            self.kept: set[str] = set()
        else:
            self.kept = prune(site_dir, self.last)
        self.reused: dict[str, BuiltPage] = {}
        self.navigation = ""

    @property
    def warm(self) -> bool:
        return self.last is not EMPTY

    def static_unchanged(self, src_uri: str, dest_uri: str, abs_src_path: str) -> bool:
        """Whether a static file's copy in the site is the one its source makes now."""
        return (dest_uri in self.kept
                and self.last.sources.get(src_uri) == stat_of(Path(abs_src_path)))

    def reusable(self, src_uri: str, dest_uri: str, inputs: str) -> BuiltPage | None:
        """The last build of a page that is not in the navigation, if it was made of the
        same and its file is as it was left."""
        built = self.last.pages.get(src_uri)
        if (built is None or built.inputs != inputs or built.dest != dest_uri
                or dest_uri not in self.kept or self.navigation != self.last.navigation):
            return None
        self.reused[src_uri] = built
        return built

    def save(self, pages: Mapping[str, BuiltPage], sources: Mapping[str, Stat]) -> None:
        """Record this build: its pages, the static files' sources as they were before they
        were copied (an edit meanwhile is then seen next time) and every file now in the site
        folder."""
        save(self.path, Manifest(self.site, self.navigation, site_files(self.site_dir),
                                 dict(pages), dict(sources)))
