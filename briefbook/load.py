"""Stage 1, load: find a book's content files and read each one safely into a located tree.

Content is untrusted: every name in the content folders is held to a safe pattern, links
must stay inside them, files under docs/ are allowed by type (``files``), and files are read
as bytes with a size limit, must be UTF-8, and are parsed by ``yamltree`` which never
constructs objects.  Hand-written pages under docs/ have their front matter read here too,
exactly where MkDocs would find it.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from briefbook import files, kinds, yamltree
from briefbook.diagnostics import Diagnostic, Location, line_col
from briefbook.text import INVISIBLE

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Far above any real event, note or archived article; stops a 10 MB file early."""




@dataclass(frozen=True, slots=True)
class Layout:
    """Where each kind of record lives, relative to the book's root."""

    events: str = "events"
    sources: str = "seeds"
    docs: str = "docs"

    def record_dirs(self) -> tuple[tuple[str, str, str], ...]:
        """(kind, directory, file suffix) for every record kind."""
        return tuple((kind.name, kind.directory(self.events, self.sources, self.docs),
                      kind.suffix) for kind in kinds.all_kinds())


DEFAULT_LAYOUT = Layout()


@dataclass(frozen=True, slots=True)
class Document:
    """One content file, read but not yet typed."""

    kind: str
    id: str
    path: str
    meta: yamltree.Node | None
    """The YAML tree: the whole file for events, the front matter otherwise."""
    body: str
    body_line: int
    """The file line on which ``body`` starts."""
    text: str = ""
    """The whole file, to locate what the tree no longer shows exactly (inside a block)."""


@dataclass(frozen=True, slots=True)
class Loaded:
    documents: list[Document]
    problems: list[Diagnostic]
    attempted: set[str]
    """'kind:id' of every content file found, read or not, so that a reference to a file
    that failed to load is not reported again as unknown."""


ReadCache = dict[str, tuple[tuple[int, int], "Document | None", list[Diagnostic]]]
"""Per file: (modification time, size), the document read from it, and its messages."""


Reader = Callable[[Path, str, str, list[Diagnostic]], "Document | None"]
"""Reads one content file: (path, path relative to the root, kind, messages) -> document."""


def load(root: Path, layout: Layout = DEFAULT_LAYOUT, cache: ReadCache | None = None,
         read: Reader | None = None) -> Loaded:
    """Read every content file under ``root``; return the documents and what went wrong.

    With a ``cache``, a file whose modification time and size are unchanged is not read
    again (the live preview keeps one across rebuilds).  ``read``, if given, reads each
    content file instead (`briefbook check`'s persistent cache, ``checkcache``)."""
    if read is None:
        def read(path: Path, rel: str, kind: str, problems: list[Diagnostic]) -> Document | None:
            return _read_cached(path, rel, kind, problems, cache)
    loaded = Loaded([], [], set())
    problems = loaded.problems
    folders = _content_folders(root, layout, problems)
    record_dirs = layout.record_dirs()
    for folder in folders:
        for path, rel in _walk(root, folder, folders, layout.docs, problems):
            record = next(((kind, suffix) for kind, directory, suffix in record_dirs
                           if rel.startswith(directory + "/")), None)
            if record is not None:
                kind, suffix = record
                if path.suffix == suffix:
                    loaded.attempted.add(f"{kind}:{path.stem}")
                    document = read(path, rel, kind, problems)
                    if document is not None:
                        loaded.documents.append(document)
                    continue
                if suffix == ".yaml" and path.suffix.lower() in (".yaml", ".yml", ".json"):
                    problems.append(Diagnostic(Location(rel), "error",
                                               f"{kind} files end in '{suffix}'",
                                               f"rename to '{path.stem}{suffix}'"))
                    continue
            if not rel.startswith(layout.docs + "/"):
                continue  # other files (a README) may live beside events and sources
            if path.suffix == ".md":
                page = read(path, rel, "page", problems)
                if page is not None:
                    loaded.documents.append(page)
                continue
            # MkDocs copies every other file under docs/ into the site as it is.
            problem = files.docs_file_problem(path, rel, MAX_FILE_BYTES)
            if problem is not None:
                problems.append(problem)
    return loaded


@dataclass(frozen=True, slots=True)
class _Folder:
    """A content folder: its name under the root and where it really is."""

    name: str
    real: Path


def _content_folders(root: Path, layout: Layout, problems: list[Diagnostic]) -> list[_Folder]:
    real_root = root.resolve()
    folders = []
    for name in dict.fromkeys((layout.events, layout.sources, layout.docs)):
        path = root / name
        if not path.is_dir():
            if path.is_symlink():  # a loop or a dangling link: the whole folder is missing
                problems.append(Diagnostic(Location(name), "error",
                                           "symbolic link loop or link to nothing",
                                           "replace the link with the folder itself"))
            continue
        real = path.resolve()
        if not real.is_relative_to(real_root) or _hidden(real, real_root):
            problems.append(Diagnostic(Location(name), "error",
                                       "symbolic link points outside the repository or "
                                       "into a hidden folder",
                                       "replace the link with the folder itself"))
            continue
        folders.append(_Folder(name, real))
    return folders


def _hidden(real: Path, real_root: Path) -> bool:
    """Inside a dot-folder such as .git, which the book never publishes."""
    return real.is_relative_to(real_root) and any(
        part.startswith(".") for part in real.relative_to(real_root).parts)


def _walk(root: Path, folder: _Folder, folders: list[_Folder], docs: str,
          problems: list[Diagnostic]) -> Iterator[tuple[Path, str]]:
    """Every regular file under a content folder, with its path relative to ``root``, after
    refusing unsafe names, links out of the book, link loops, special files and deep nesting.

    Symbolic links are followed where they stay inside the book's content folders (MkDocs
    follows them under docs/, so their targets are checked as if they were there).  The walk
    keeps its own stack, never recursion, and never opens anything but folders."""
    in_docs = folder.name == docs
    docs_real = next((f.real for f in folders if f.name == docs), None)
    # (path, path relative to root, depth below the folder, real folders on the way down)
    stack: list[tuple[str, str, int, tuple[Path, ...]]] = [
        (str(root / folder.name), folder.name, 0, (folder.real,))]
    entries = 0
    while stack:
        here, here_rel, depth, ancestors = stack.pop()
        try:
            with os.scandir(here) as scan:
                listing = sorted(scan, key=lambda entry: entry.name)
        except OSError as exc:
            problems.append(Diagnostic(Location(here_rel), "error",
                                       f"cannot read folder: {exc.strerror}"))
            continue
        entries += len(listing)
        if entries > files.MAX_ENTRIES:
            problems.append(Diagnostic(Location(folder.name), "error",
                                       f"more than {files.MAX_ENTRIES:,} files and folders",
                                       "check for folder links that repeat the book"))
            return
        subfolders = []
        for entry in listing:
            name = entry.name
            if name.startswith("."):
                continue  # dot-files: neither content nor published
            rel = f"{here_rel}/{name}"
            # The folder listing tells each entry's type without a system call; only links
            # and the rare special file are looked at further.
            link = entry.is_symlink()
            try:
                if link:
                    mode = entry.stat().st_mode  # follows it: raises on a loop or dangling link
                elif entry.is_dir(follow_symlinks=False):
                    mode = stat.S_IFDIR
                elif entry.is_file(follow_symlinks=False):
                    mode = stat.S_IFREG
                else:
                    mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                problems.append(_read_problem(exc, rel, link))
                continue
            bad_name = files.name_problem(name, rel, folder=stat.S_ISDIR(mode) and not link)
            if bad_name is not None:
                problems.append(bad_name)
                continue
            if in_docs and depth == 0:
                reserved = files.reserved_problem(name, rel)
                if reserved is not None:
                    problems.append(reserved)
                    continue
            real = None
            if link:
                real = Path(os.path.realpath(entry.path))
                refusal = _link_problem(real, stat.S_ISDIR(mode), ancestors, folders,
                                        docs_real if in_docs else None, root)
                if refusal is not None:
                    problems.append(Diagnostic(Location(rel), "error", *refusal))
                    continue
            special = files.special_problem(mode, rel)
            if special is not None:
                problems.append(special)
            elif stat.S_ISREG(mode):
                yield Path(entry.path), rel
            elif depth + 1 > files.MAX_DEPTH:
                problems.append(Diagnostic(Location(rel), "error",
                                           f"folders nest more than {files.MAX_DEPTH} "
                                           "levels deep here", "flatten the folders"))
            else:
                if name.endswith((".yaml", ".md")):
                    problems.append(Diagnostic(Location(rel), "error",
                                               "a directory is named like a content file",
                                               "rename or remove the directory"))
                subfolders.append((entry.path, rel, depth + 1,
                                   (*ancestors, real or ancestors[-1] / name)))
        stack.extend(reversed(subfolders))


def _read_problem(exc: OSError, rel: str, link: bool) -> Diagnostic:
    if link and exc.errno == errno.ELOOP:
        return Diagnostic(Location(rel), "error", "symbolic link loop: the link leads back "
                          "to itself", "replace the link with the file or folder itself")
    if link and exc.errno == errno.ENOENT:
        return Diagnostic(Location(rel), "error", "symbolic link points to nothing",
                          "remove the link")
    if exc.errno == errno.ENOENT:
        return Diagnostic(Location(rel), "error", "the file disappeared while the book was "
                          "read", "check again once nothing else is changing the book")
    return Diagnostic(Location(rel), "error", f"cannot read: {exc.strerror}")


def _link_problem(real: Path, is_dir: bool, ancestors: tuple[Path, ...],
                  folders: list[_Folder], docs_real: Path | None,
                  root: Path) -> tuple[str, str] | None:
    """Why a symbolic link whose target is ``real`` may not stay, if it may not."""
    hint = f"replace the link with the {'folder' if is_dir else 'file'} itself"
    if not any(real.is_relative_to(f.real) for f in folders) or _hidden(real, root.resolve()):
        return "symbolic link points outside the book's content folders", hint
    if is_dir and docs_real is not None and not real.is_relative_to(docs_real):
        # MkDocs follows folder links under docs/ and publishes whatever they hold.
        return "a folder link under docs/ must point inside docs/", hint
    if is_dir and any(a.is_relative_to(real) for a in ancestors):
        return "symbolic link loop: the folder link leads back to a folder that holds it", hint
    return None


def _read_cached(path: Path, rel: str, kind: str, problems: list[Diagnostic],
                 cache: ReadCache | None) -> Document | None:
    if cache is None:
        return read_document(path, rel, kind, problems)
    try:
        info = path.stat()
    except OSError:
        return read_document(path, rel, kind, problems)
    stamp = (info.st_mtime_ns, info.st_size)
    hit = cache.get(rel)
    if hit is not None and hit[0] == stamp:
        problems.extend(hit[2])
        return hit[1]
    mine: list[Diagnostic] = []
    document = read_document(path, rel, kind, mine)
    cache[rel] = (stamp, document, mine)
    problems.extend(mine)
    return document


def read_document(path: Path, rel: str, kind: str, problems: list[Diagnostic],
                  data: bytes | None = None) -> Document | None:
    """The file at ``path`` read as a ``kind`` document; ``data``: its bytes, when the caller
    read them already (the check cache hashes them)."""
    text = read_text(path, rel, problems, data)
    if text is None:
        return None
    if kind == "page":
        return _read_page(text, rel, problems)
    record_id = path.stem
    if path.suffix == ".yaml":  # all fields; other kinds are front matter and a body
        meta, body, body_line = text, "", 1
        line_offset = 0
    else:
        split = _split_front_matter(text, rel, problems)
        if split is None:
            return None
        meta, body, body_line = split
        line_offset = 1
    try:
        tree = yamltree.parse(meta, rel, line_offset)
    except yamltree.YamlError as exc:
        problems.append(exc.diagnostic)
        return None
    if tree is None:
        problems.append(Diagnostic(Location(rel), "error", "the file has no fields",
                                   "see the contributor reference for the required fields"))
        return None
    return Document(kind, record_id, rel, tree, body, body_line, text)


def read_text(path: Path, rel: str, problems: list[Diagnostic],
              data: bytes | None = None) -> str | None:
    """A content file's text, or ``None`` with a message when it cannot be used; ``data``:
    its first ``MAX_FILE_BYTES + 1`` bytes, when the caller read them already."""
    if data is None or len(data) > MAX_FILE_BYTES:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                problems.append(Diagnostic(
                    Location(rel), "error",
                    f"file is {size / 1048576:.1f} MiB; the limit is "
                    f"{MAX_FILE_BYTES // 1048576} MiB", "split it or trim it"))
                return None
            data = files.read_bytes(path, MAX_FILE_BYTES + 1)
        except OSError as exc:
            problems.append(Diagnostic(Location(rel), "error",
                                       f"cannot read file: {exc.strerror}"))
            return None
    if not data.strip():
        problems.append(Diagnostic(Location(rel), "error", "file is empty",
                                   "add the record's fields or delete the file"))
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(Diagnostic(Location(rel), "warning", "file starts with a byte-order mark",
                                   "save it as UTF-8 without BOM"))
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        col = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        problems.append(Diagnostic(Location(rel, line, col), "error",
                                   f"file is not UTF-8 (byte 0x{data[exc.start]:02x})",
                                   "save the file as UTF-8"))
        return None
    if "\r" in text:
        problems.append(Diagnostic(Location(rel, text.count("\n", 0, text.index("\r")) + 1),
                                   "warning", "file has CRLF (Windows) line endings",
                                   "convert to LF, e.g. git config core.autocrlf input"))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = INVISIBLE.search(text)
    if bad:
        line, col = line_col(text, bad.start())
        problems.append(Diagnostic(Location(rel, line, col), "error",
                                   yamltree.invisible_message(bad.group()),
                                   "delete it; it can hide or reorder text"))
        return None
    return text


# What MkDocs itself takes as a page's meta-data (mkdocs.utils.meta): YAML between '---' and
# '---' or '...', or else MultiMarkdown-style 'key: value' lines at the very top.
_MKDOCS_FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)
_MKDOCS_META_LINE = re.compile(r"[ ]{0,3}([A-Za-z0-9_-]+):")


def _read_page(text: str, rel: str, problems: list[Diagnostic]) -> Document | None:
    """A hand-written page under docs/, its front matter read exactly where MkDocs would
    read it, but safely: MkDocs' own YAML loader expands aliases without bound."""
    found = _MKDOCS_FRONT_MATTER.match(text)
    if found is None:
        line = _MKDOCS_META_LINE.match(text)
        if line is not None:
            problems.append(Diagnostic(
                Location(rel), "error", f"MkDocs would read the first line as a meta-data "
                f"field '{line.group(1).lower()}' and hide it",
                "start with a heading or a blank line, or write front matter between two "
                "'---' lines"))
            return None
        return Document("page", rel, rel, None, text, 1, text)
    try:
        tree = yamltree.parse(found.group(1), rel, 1)
    except yamltree.YamlError as exc:
        problems.append(exc.diagnostic)
        return None
    body_line = text.count("\n", 0, found.end()) + 1
    return Document("page", rel, rel, tree, text[found.end():], body_line, text)


def _split_front_matter(text: str, rel: str,
                        problems: list[Diagnostic]) -> tuple[str, str, int] | None:
    first, newline, rest = text.partition("\n")
    if first.rstrip() == "---" and newline:
        text = "---\n" + rest  # a trailing space after the opening '---' is harmless
    if not text.startswith("---\n"):
        problems.append(Diagnostic(Location(rel), "error",
                                   "the file must start with YAML front matter",
                                   "begin with a line '---', the fields, then another '---'"))
        return None
    end = text.find("\n---\n", 3)
    if end < 0:
        if text.endswith("\n---"):
            end = len(text) - 4
        else:
            problems.append(Diagnostic(Location(rel), "error",
                                       "front matter is not closed",
                                       "add a line '---' after the last field"))
            return None
    meta = text[4 : end + 1]
    body = text[end + 5 :]
    body_line = meta.count("\n") + 3
    return meta, body, body_line
