"""Stage 1, load: find a book's content files and read each one safely into a located tree.

Content is untrusted: files are read as bytes with a size limit, must be UTF-8, must stay
inside the repository, and are parsed by ``yamltree`` which never constructs objects.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from briefbook import yamltree
from briefbook.diagnostics import Diagnostic, Location

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
        return (
            ("event", self.events, ".yaml"),
            ("source", self.sources, ".md"),
            ("actor", f"{self.docs}/actors", ".md"),
            ("place", f"{self.docs}/places", ".md"),
            ("option", f"{self.docs}/options", ".md"),
            ("note", f"{self.docs}/notes", ".md"),
        )


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


def load(root: Path, layout: Layout = DEFAULT_LAYOUT, cache: ReadCache | None = None) -> Loaded:
    """Read every content file under ``root``; return the documents and what went wrong.

    With a ``cache``, a file whose modification time and size are unchanged is not read
    again (the live preview keeps one across rebuilds)."""
    loaded = Loaded([], [], set())
    problems = loaded.problems
    real_root = root.resolve()
    for kind, directory, suffix in layout.record_dirs():
        for path in _walk(root / directory, real_root, problems, root):
            rel = path.relative_to(root).as_posix()
            if path.suffix != suffix:
                if kind != "event" or path.suffix.lower() not in (".yaml", ".yml", ".json"):
                    continue  # other files (images, README) may live beside records
                problems.append(Diagnostic(Location(rel), "error",
                                           f"event files end in '{suffix}'",
                                           f"rename to '{path.stem}{suffix}'"))
                continue
            loaded.attempted.add(f"{kind}:{path.stem}")
            document = _read_cached(path, rel, kind, problems, cache)
            if document is not None:
                loaded.documents.append(document)
    return loaded


def _walk(directory: Path, real_root: Path, problems: list[Diagnostic],
          root: Path) -> Iterator[Path]:
    if not directory.is_dir():
        return
    for current, dirnames, filenames in os.walk(directory, followlinks=False):
        here = Path(current)
        for name in sorted(dirnames):
            folder = here / name
            if folder.is_symlink() and not folder.resolve().is_relative_to(real_root):
                problems.append(Diagnostic(Location(folder.relative_to(root).as_posix()),
                                           "error", "symbolic link points outside the "
                                           "repository", "replace the link with the folder "
                                           "itself"))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in dirnames:
            if name.endswith((".yaml", ".md")):
                rel = (here / name).relative_to(root).as_posix()
                problems.append(Diagnostic(Location(rel), "error",
                                           "a directory is named like a content file",
                                           "rename or remove the directory"))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = here / name
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(real_root):
                    rel = path.relative_to(root).as_posix()
                    problems.append(Diagnostic(Location(rel), "error",
                                               "symbolic link points outside the repository",
                                               "replace the link with the file itself"))
                    continue
                if not target.is_file():
                    continue
            yield path


def _read_cached(path: Path, rel: str, kind: str, problems: list[Diagnostic],
                 cache: ReadCache | None) -> Document | None:
    if cache is None:
        return read_document(path, rel, kind, problems)
    try:
        stat = path.stat()
    except OSError:
        return read_document(path, rel, kind, problems)
    stamp = (stat.st_mtime_ns, stat.st_size)
    hit = cache.get(rel)
    if hit is not None and hit[0] == stamp:
        problems.extend(hit[2])
        return hit[1]
    mine: list[Diagnostic] = []
    document = read_document(path, rel, kind, mine)
    cache[rel] = (stamp, document, mine)
    problems.extend(mine)
    return document


def read_document(path: Path, rel: str, kind: str,
                  problems: list[Diagnostic]) -> Document | None:
    text = read_text(path, rel, problems)
    if text is None:
        return None
    record_id = path.stem
    if kind == "event":
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


def read_text(path: Path, rel: str, problems: list[Diagnostic]) -> str | None:
    """A content file's text, or ``None`` with a message when it cannot be used."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(Diagnostic(
                Location(rel), "error",
                f"file is {size / 1048576:.1f} MiB; the limit is "
                f"{MAX_FILE_BYTES // 1048576} MiB", "split it or trim it"))
            return None
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Diagnostic(Location(rel), "error", f"cannot read file: {exc.strerror}"))
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
    bad = yamltree.INVISIBLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        problems.append(Diagnostic(Location(rel, line, col), "error",
                                   yamltree.invisible_message(bad.group()),
                                   "delete it; it can hide or reorder text"))
        return None
    return text


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
