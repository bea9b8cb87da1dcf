"""`briefbook check`'s read cache: each content file's record and messages, kept between runs
and reused while the file's bytes are the same.

The cache lives in the user's cache folder (``$XDG_CACHE_HOME/briefbook/check/`` or
``~/.cache/briefbook/check/``), one file per book named by the digest of the book's path, the
few most recently used kept: `briefbook check` writes nothing into the book, and no book can
bring a cache of its own.  A file is reused when the SHA-256 of its bytes, its path and its
kind match the entry: never on its modification time, which a checkout or a copy resets.
What a file's record and messages are depends on its bytes and path alone (``validate``);
everything that spans files (duplicate ids, cross-references, the index) is worked out again
on every run, so the messages are the same with and without the cache.

The cache file is untrusted input all the same (another program may write there, a disk may
corrupt it).  So it is never pickle: its body is authenticated first, by an HMAC whose key
is kept outside the book, in the user's cache folder, and only a body that passes is read, by
``marshal`` (fast, and unlike pickle it runs nothing); what it holds must then be plain
values (strings, numbers, lists, tuples), from which nothing is built but the frozen
dataclasses of the record model, by their constructors.  The body names the format version,
the digest of briefbook's own code, the record kinds and the classes: any mismatch, a
malformed body or a value a constructor refuses makes the whole cache a miss.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import marshal
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import briefbook
from briefbook import dates, diagnostics, files, kinds, model
from briefbook.diagnostics import Diagnostic, Location
from briefbook.load import DEFAULT_LAYOUT, MAX_FILE_BYTES, Document, Layout, read_document
from briefbook.pipeline import Checked, StageObserver, check, collector_paused
from briefbook.usercache import cache_folder, evict, path_digest, user_key
from briefbook.validate import Validated

FORMAT = "briefbook-check-cache"
VERSION = 1



def cached_check(root: Path, layout: Layout = DEFAULT_LAYOUT, *,
                 observe: StageObserver | None = None) -> Checked:
    """``pipeline.check`` of the book at ``root``, parsing and validating again only the
    files whose bytes changed since the last run, and saving the cache for the next one."""
    with collector_paused():  # see there: decoding builds as many objects as reading
        store = Store(cache_folder() / "check" / f"{path_digest(root)}.cache")
        checked = check(root, layout, observe=observe, read=store.read, known=store.known)
        store.save()
    return checked


@dataclasses.dataclass(slots=True)
class _Entry:
    digest: str
    kind: str
    document: tuple[str, str] | None
    """(kind, id) of the document read, or ``None`` when the file could not be read."""
    load_problems: list[Diagnostic]
    validated: tuple[Any, list[Diagnostic]] | None = None
    encoded: Any = None
    """The entry as the cache file held it: written back as it is, for encoding every entry
    again after a one-file edit took longer than the check."""


class Store:
    """The entries of one book's cache file: read once, consulted per file, written back."""

    def __init__(self, path: Path) -> None:
        global _REGISTRY
        _REGISTRY = _registry()  # the kinds registered now
        self.path = path
        self.key = user_key()
        self.old: dict[str, _Entry] = self._load() if self.key is not None else {}
        self.new: dict[str, _Entry] = {}
        self.known: Validated = {}
        self.misses = 0

    # -- reading the book ------------------------------------------------------------------

    def read(self, path: Path, rel: str, kind: str,
             problems: list[Diagnostic]) -> Document | None:
        """``load``'s reader: the cached result when the file's bytes are unchanged."""
        try:
            data = files.read_bytes(path, MAX_FILE_BYTES + 1)
        except OSError:
            return read_document(path, rel, kind, problems)  # its message comes from there
        digest = hashlib.sha256(data).hexdigest()
        entry = self.old.get(rel)
        if entry is not None and entry.digest == digest and entry.kind == kind and (
                entry.document is None or entry.validated is not None):
            self.new[rel] = entry
            problems.extend(entry.load_problems)
            if entry.document is None:
                return None
            assert entry.validated is not None
            self.known[rel] = (entry.validated[0], list(entry.validated[1]))
            # A stand-in: validate takes this path's record and messages from ``known``.
            return Document(entry.document[0], entry.document[1], rel, None, "", 1, "")
        self.misses += 1
        mine: list[Diagnostic] = []
        document = read_document(path, rel, kind, mine, data)
        problems.extend(mine)
        self.new[rel] = _Entry(digest, kind, None if document is None else
                               (document.kind, document.id), mine)
        return document

    # -- the cache file --------------------------------------------------------------------

    def _stamp(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "code": code_digest(),
                "kinds": _kinds_fingerprint(), "classes": list(_REGISTRY.names)}

    def _load(self) -> dict[str, _Entry]:
        try:
            raw = self.path.read_bytes()
        except OSError:
            return {}
        mac, body = raw[:64], raw[64:]
        assert self.key is not None
        # Only a body this user's briefbook wrote is unmarshalled at all.
        if not hmac.compare_digest(mac, _mac(self.key, body).encode()):
            return {}
        try:
            stamp, entries = marshal.loads(body)
            if stamp != json.dumps(self._stamp()):
                return {}
            old = {}
            for rel, value in entries:
                entry = old[rel] = _entry(rel, value)
                entry.encoded = value
            return old
        except (ValueError, TypeError, KeyError, EOFError, RecursionError):
            return {}  # anything unexpected: start afresh

    def save(self) -> None:
        """Write the entries of this run (files gone since are dropped), if anything changed
        and the cache can be kept; a cache that cannot be written is no error."""
        for rel, entry in self.new.items():
            if entry.document is not None and entry.validated is None and rel in self.known:
                entry.validated = self.known[rel]
        if self.key is None:
            return
        if not self.misses and self.new.keys() == self.old.keys():
            with contextlib.suppress(OSError):
                os.utime(self.path)  # used: the last to be evicted
            return
        entries = []
        for rel, entry in self.new.items():
            if entry.document is not None and entry.validated is None:
                continue  # read but never validated (a duplicate id): read again next time
            if entry.encoded is not None:
                entries.append((rel, entry.encoded))
                continue
            try:
                entries.append((rel, _encode([entry.digest, entry.kind, entry.document,
                                              entry.load_problems, entry.validated], rel)))
            except _Unencodable:
                continue
        try:
            body = marshal.dumps((json.dumps(self._stamp()), entries), 4)
        except ValueError:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".check-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(_mac(self.key, body).encode() + body)
                Path(temporary).replace(self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            return
        evict(self.path.parent)


def _entry(rel: Any, value: Any) -> _Entry:
    if type(rel) is not str:
        raise TypeError("malformed entry")
    digest, kind, document, load_problems, validated = _decode(value, rel)
    if not (type(digest) is str and type(kind) is str):
        raise TypeError("malformed entry")
    if document is not None:
        document_kind, document_id = document
        if not (type(document_kind) is str and type(document_id) is str):
            raise TypeError("malformed entry")
        document = (document_kind, document_id)
    if validated is not None:
        record, own = validated
        if not _all_diagnostics(own) or not (record is None or type(record) in _REGISTRY.records):
            raise TypeError("malformed entry")
        validated = (record, list(own))
    if not _all_diagnostics(load_problems):
        raise TypeError("malformed entry")
    return _Entry(digest, kind, document, list(load_problems), validated)


def _all_diagnostics(value: Any) -> bool:
    return isinstance(value, tuple) and all(type(d) is Diagnostic for d in value)


# -- encoding: plain values, sequences and the model's dataclasses -----------------------------
# In the marshalled form a list is a record's tuple (or a list of messages), a tuple is a
# dataclass, (class number, field values...) without the trailing fields that hold their
# default, (-1, ordinal) a date and (-2, line, column) a place in the file itself; nothing
# else but strings, numbers, booleans and None is accepted back.  Ten thousand events make
# some 700,000 values: the short forms halve the time they take to build again.

class _Unencodable(Exception):
    """A value the cache does not know how to write back exactly; the file is not cached."""


_PLAIN = frozenset((str, int, float, bool, type(None)))
_DATE = -1
_HERE = -2
_REQUIRED = object()


def _encode(value: Any, here: str) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is tuple or kind is list:  # leaves are mostly plain: no call for them
        return [item if type(item) in _PLAIN else _encode(item, here) for item in value]
    if kind is dt.date:
        return (_DATE, value.toordinal())
    if kind is Location and value.path == here:
        return (_HERE, value.line, value.col)
    fields = _REGISTRY.by_type.get(kind)
    if fields is None:
        raise _Unencodable(kind.__qualname__)
    number, names, defaults = fields
    values = [getattr(value, name) for name in names]
    while values and _is_default(values[-1], defaults[len(values) - 1]):
        values.pop()
    return (number, *[item if type(item) in _PLAIN else _encode(item, here)
                      for item in values])


def _is_default(value: Any, default: Any) -> bool:
    return default is not _REQUIRED and type(value) is type(default) and value == default


def _decode(value: Any, here: str) -> Any:
    kind = type(value)
    if kind is list:
        return tuple([item if type(item) in _PLAIN else _decode(item, here) for item in value])
    if kind is tuple:
        number = value[0]
        if number == _HERE:
            line, col = value[1:]
            if type(line) is not int or type(col) is not int:
                raise TypeError("malformed location in the cache")
            return Location(here, line, col)
        if number == _DATE and len(value) == 2 and type(value[1]) is int:
            return dt.date.fromordinal(value[1])
        if type(number) is not int or not 0 <= number < len(_REGISTRY.classes):
            raise TypeError("unknown class in the cache")
        return _REGISTRY.classes[number](
            *[item if type(item) in _PLAIN else _decode(item, here) for item in value[1:]])
    if kind in _PLAIN:
        return value
    raise TypeError("unexpected value in the cache")


@dataclasses.dataclass(frozen=True)
class _Registry:
    classes: tuple[type[Any], ...]
    """By the number the cache writes for each."""
    names: tuple[str, ...]
    by_type: dict[type[Any], tuple[int, tuple[str, ...], tuple[Any, ...]]]
    """The number of each class, the fields its constructor takes, in order, and their
    defaults (``_REQUIRED`` for none)."""
    records: frozenset[type[Any]]


def _registry() -> _Registry:
    return _registry_for(_record_classes())


@cache
def _registry_for(record_classes: tuple[type[Any], ...]) -> _Registry:
    """The dataclasses a record and its messages are made of, and nothing else, by the name
    the cache writes for each and the fields its constructor takes, in order."""
    found: dict[str, type[Any]] = {}
    for module in (model, dates, diagnostics):
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value) \
                    and value.__module__ == module.__name__:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    for cls in record_classes:
        found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    names = tuple(sorted(name for name, cls in found.items()
                         if all(field.init for field in dataclasses.fields(cls))))
    classes = tuple(found[name] for name in names)
    return _Registry(classes, names, {
        cls: (number, tuple(field.name for field in dataclasses.fields(cls)),
              tuple(_REQUIRED if field.default is dataclasses.MISSING else field.default
                    for field in dataclasses.fields(cls)))
        for number, cls in enumerate(classes)}, frozenset(record_classes))


def _record_classes() -> tuple[type[Any], ...]:
    return tuple(kind.record for kind in kinds.KINDS.values())


# -- what the cache is valid for -------------------------------------------------------------

@cache
def code_digest(pattern: str = "*.py") -> str:
    """briefbook's own files matching ``pattern`` (its code; ``*`` adds its templates):
    another version may read, check or render a file differently."""
    digest = hashlib.sha256(briefbook.__version__.encode())
    package = Path(briefbook.__file__).parent
    for path in sorted(package.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0"
                          + path.read_bytes())
    return digest.hexdigest()


def _kinds_fingerprint() -> list[str]:
    """Registered kinds can change between runs (a plugin adds one)."""
    return sorted(f"{name}={kind.record.__module__}.{kind.record.__qualname__}"
                  for name, kind in kinds.KINDS.items())


def _mac(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


_REGISTRY = _registry()
