"""Pages rendered earlier, reused while what they were made from is unchanged.

A page is a function of its template files, its path, its view (frozen records and the
views made of them) and what every page may show of the book beyond it (``views.book_wide``),
plus one thing outside the view: the title of every record its prose refers to, which the
page records while it renders.  Each view is kept as a fingerprint, a digest of its values
that is the same in every process, so a render reuses the pages of the last rebuild of
`mkdocs serve` (kept in memory) or of the last warm build (kept in the user's cache,
``buildcache``).  An edit re-renders only the pages whose view shows the edited record, or
whose prose names it; every other page is the text the same render would give again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

Dependency = tuple[str, str, str | None]
"""A record a page's prose refers to: its kind, id, and title (``None``: no such record)."""


def _sized(tag: bytes, payload: bytes) -> bytes:
    return tag + len(payload).to_bytes(8, "little") + payload


class Fingerprints:
    """Digests of views by value, the same for equal values in any process: what ``==``
    compares (a dataclass's compared fields, in order), except that the pictures' drawing
    functions (a ``functools.partial`` or a lambda, which ``==`` compares by identity) are
    taken by what they call with what.  Each record is digested once per render: a record
    shown on many pages (an actor on every page of its events) is read once."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[bytes, object]] = {}
        """A record's id to its digest, and the record itself: held, so no id is reused."""
        self._views: dict[int, tuple[bytes, object]] = {}
        """The same for the other dataclasses, while one value is fingerprinted: a page's
        view is made for it, and holding every page's to the end of the render took a
        sixth of the memory of a book of 10,000 events."""

    def of(self, value: object) -> str:
        """The fingerprint of ``value``, as hex."""
        try:
            return hashlib.blake2b(self._encode(value), digest_size=20).hexdigest()
        finally:
            self._views.clear()

    def _encode(self, value: Any) -> bytes:
        # Every encoding is self-delimiting (a tag, then a length or a count), so the
        # encodings of a sequence's items, one after the other, can only be read one way.
        kind: Any = type(value)
        if kind is str:
            return _sized(b"s", value.encode("utf-8", "surrogatepass"))
        if kind is tuple or kind is list:
            return ((b"t" if kind is tuple else b"l") + len(value).to_bytes(8, "little")
                    + b"".join(map(self._encode, value)))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            record = kind.__module__ in RECORD_MODULES and kind.__qualname__ != "Book"
            seen = self._known if record else self._views
            known = seen.get(id(value))
            if known is None:
                if record:
                    # A record holds only plain values, whose generated repr spells them
                    # out unambiguously (and three times faster than the walk below).
                    whole = repr(value).encode("utf-8", "surrogatepass")
                else:
                    parts = [_sized(b"c", f"{kind.__module__}.{kind.__qualname__}".encode())]
                    parts.extend(self._encode(getattr(value, name))
                                 for name in _compared_fields(kind))
                    whole = b"".join(parts)
                digest = hashlib.blake2b(whole, digest_size=20).digest()
                known = seen[id(value)] = (b"D" + digest, value)
            return known[0]
        if kind is bool or value is None:
            return b"b" + repr(value).encode()[:1]  # T, F, N
        tag = _SCALARS.get(kind)
        if tag is not None:
            return _sized(tag, repr(value).encode())
        if kind is bytes:
            return _sized(b"y", value)
        if isinstance(value, dict):
            return (b"m" + len(value).to_bytes(8, "little")
                    + b"".join(self._encode(k) + self._encode(v) for k, v in value.items()))
        if isinstance(value, (set, frozenset)):
            items = sorted(map(self._encode, value))
            return b"e" + len(items).to_bytes(8, "little") + b"".join(items)
        if isinstance(value, functools.partial):
            return b"p" + b"".join(map(self._encode, (value.func, value.args, value.keywords)))
        if isinstance(value, types.FunctionType):  # a drawing's lambda: its code, captures
            return b"f" + b"".join(map(self._encode, (
                value.__module__, value.__qualname__, value.__code__, value.__defaults__,
                value.__kwdefaults__,
                tuple(cell.cell_contents for cell in value.__closure__ or ()))))
        if isinstance(value, types.CodeType):
            return b"x" + b"".join(map(self._encode, (
                value.co_firstlineno, value.co_code, value.co_names, value.co_consts)))
        if isinstance(value, type):
            return _sized(b"g", f"{value.__module__}.{value.__qualname__}".encode())
        if isinstance(value, types.BuiltinFunctionType):
            name = f"{value.__module__}.{value.__qualname__}".encode()
            bound = value.__self__
            if bound is None or isinstance(bound, types.ModuleType):
                return _sized(b"g", name)
            return _sized(b"M", name) + self._encode(bound)  # a method: its object too
        raise TypeError(f"a view holds a {kind.__qualname__}, which has no fingerprint")


RECORD_MODULES = frozenset({"briefbook.model", "briefbook.dates"})
"""Where the records and their parts are defined: dataclasses of strings, numbers, dates,
tuples, mappings and each other, with the repr ``dataclass`` writes (``tests/test_memo.py``
holds them to it).  ``model.Book`` is walked instead: it holds the records of every
registered kind, whose classes may live anywhere."""

_SCALARS = {int: b"i", float: b"r", dt.date: b"a", dt.datetime: b"z"}
"""Values whose ``repr`` is their value, by their tags."""

_FIELDS: dict[type, tuple[str, ...]] = {}


def _compared_fields(kind: Any) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind) if f.compare)
    return names


def fingerprint(value: object) -> str:
    """``Fingerprints.of`` for one value."""
    return Fingerprints().of(value)


def template_stamp(folders: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    """Every template file with its modification time and size: an edited template, macro
    or override changes it."""
    found = []
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    stat = path.stat()
                    found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


@dataclass(frozen=True)
class Rendered:
    key: str
    """The digest of the template, the page's path, the link style, the templates' stamp
    and what every page shows of the book."""
    view: str
    """The fingerprint of the page's view."""
    dependencies: tuple[Dependency, ...]
    text: str
    unsearched: frozenset[str]


class PageMemo:
    """The pages of the last render, by path."""

    def __init__(self, pages: Mapping[str, Rendered] | None = None,
                 parts: Mapping[str, str] | None = None) -> None:
        self._pages: dict[str, Rendered] = dict(pages or {})
        self._parts: dict[str, str] = dict(parts or {})
        """Each event's part of the event exports, by what it was made from (``part``)."""
        self._parts_used: dict[str, str] = {}
        self.parts_made = 0
        self._stamp: tuple[object, ...] = ()
        self._exports: tuple[str, list[Any]] | None = None
        self._prints = Fingerprints()
        self.reused = 0
        self.rendered = 0
        self._dropped = False

    @property
    def pages(self) -> Mapping[str, Rendered]:
        return self._pages

    @property
    def parts(self) -> Mapping[str, str]:
        """The export parts this render used: what the next one may reuse."""
        return self._parts_used or self._parts

    @property
    def changed(self) -> bool:
        """Whether this render rendered or dropped a page."""
        return self.rendered > 0 or self._dropped

    @property
    def parts_changed(self) -> bool:
        """Whether this render made an export part or left one unused."""
        return self.parts_made > 0 or len(self._parts_used) != len(self._parts)

    def let_go_of_parts(self) -> None:
        """Forget the export parts (once recorded: a warm build holds none while it renders)."""
        self._parts, self._parts_used = {}, {}

    def templates_changed(self, stamp: tuple[object, ...]) -> bool:
        """Whether the template files differ from the last render's (then compiled
        templates must go too: an override added beside a cached default is not seen)."""
        changed, self._stamp = stamp != self._stamp, stamp
        return changed

    def start(self) -> None:
        """A new render begins: count afresh."""
        self.reused = self.rendered = 0
        self._dropped = False
        self._prints = Fingerprints()
        self._parts, self._parts_used, self.parts_made = dict(self.parts), {}, 0

    def fingerprint(self, value: object) -> str:
        return self._prints.of(value)

    def find(self, path: str, key: str, view: str,
             title_of: Callable[[str, str], str | None]) -> Rendered | None:
        """The earlier render of ``path``, if it was made with the same ``key`` from a view
        with the fingerprint ``view`` and every record its prose named still has the title
        it had."""
        found = self._pages.get(path)
        if (found is None or found.key != key or found.view != view
                or any(title_of(kind, record_id) != title
                       for kind, record_id, title in found.dependencies)):
            return None
        self.reused += 1
        return found

    def keep(self, path: str, rendered: Rendered) -> None:
        self.rendered += 1
        self._pages[path] = rendered

    def part(self, name: str, made_from: str, make: Callable[[], str]) -> str:
        """A part of an export (``export.Parts``): the last render's, if it was made from
        what has the fingerprint ``made_from``, else ``make()``."""
        key = f"{name}:{made_from}"
        found = self._parts.get(key)
        if found is None:
            found = make()
            self.parts_made += 1
        self._parts_used[key] = found
        return found

    def exports(self, made_from: object, make: Callable[[], list[T]]) -> list[T]:
        """The data exports, made again only when what they are made from (the book, the
        site's address, the history) changed: an edit to a hand-written page leaves them."""
        made = self._prints.of(made_from)
        if self._exports is None or self._exports[0] != made:
            self._exports = (made, list(make()))
        return list(self._exports[1])

    def forget_all_but(self, paths: Iterable[str]) -> None:
        """Drop the pages of records that no longer exist."""
        keep = set(paths)
        kept = {p: r for p, r in self._pages.items() if p in keep}
        self._dropped = self._dropped or len(kept) < len(self._pages)
        self._pages = kept
