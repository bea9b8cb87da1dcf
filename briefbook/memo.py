"""Pages rendered by an earlier rebuild of `mkdocs serve`, reused while what they were made
from is unchanged.

A page is a function of its template files, its path and its view (frozen records, all
compared by value), plus one thing outside the view: the title of every record its prose
refers to, which the page records while it renders.  An edit re-renders only the pages
whose view shows the edited record, or whose prose names it; every other page is the
text the same render would give again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

Dependency = tuple[str, str, str | None]
"""A record a page's prose refers to: its kind, id, and title (``None``: no such record)."""


class Comparer:
    """Compares views by value (``same``), each pair of records once: a record shown on many
    pages (an actor on every page of its events) is compared with its earlier self once per
    render, not once per page."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, int], tuple[bool, object, object]] = {}
        """Pair of ids to the answer, and the pair itself: held, so no id is reused."""

    def same(self, a: object, b: object) -> bool:
        """Whether two views hold the same values: ``==``, except that the pictures' drawing
        functions (a ``functools.partial`` or a lambda, which ``==`` compares by identity)
        are compared by what they call with what."""
        if a is b:
            return True
        kind: Any = type(a)
        if kind is not type(b):
            return False
        if kind in _PLAIN:
            return a == b
        if isinstance(a, (tuple, list)):
            assert isinstance(b, (tuple, list))
            return len(a) == len(b) and all(map(self.same, a, b))
        if dataclasses.is_dataclass(a) and not isinstance(a, type):
            known = self._known.get((id(a), id(b)))
            if known is None:
                # By the generated ``==`` (fast); where that finds a difference outside a
                # record, field by field, since a drawing compares by identity under ``==``.
                answer = a == b or (kind.__module__ not in RECORD_MODULES and all(
                    self.same(getattr(a, name), getattr(b, name))
                    for name in _compared_fields(kind)))
                known = self._known[id(a), id(b)] = (answer, a, b)
            return known[0]
        if isinstance(a, dict):
            assert isinstance(b, dict)
            return a.keys() == b.keys() and all(self.same(a[k], b[k]) for k in a)
        if isinstance(a, types.FunctionType):  # a drawing's lambda: same code, same captures
            assert isinstance(b, types.FunctionType)
            return (a.__code__ is b.__code__ and a.__defaults__ == b.__defaults__
                    and self.same(tuple(c.cell_contents for c in a.__closure__ or ()),
                                  tuple(c.cell_contents for c in b.__closure__ or ())))
        if isinstance(a, functools.partial):
            assert isinstance(b, functools.partial)
            return (a.func is b.func and self.same(a.args, b.args)
                    and self.same(a.keywords, b.keywords))
        return a == b


_PLAIN = frozenset({str, int, float, bool, type(None), bytes, dt.date, dt.datetime})
"""Values compared with ``==`` alone."""


RECORD_MODULES = frozenset({"briefbook.model", "briefbook.dates"})
"""Where the records and their parts are defined: dataclasses that hold no drawing (no
function), so ``==`` alone says whether they differ."""


_FIELDS: dict[type, tuple[str, ...]] = {}


def _compared_fields(kind: Any) -> tuple[str, ...]:
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind) if f.compare)
    return names


def same(a: object, b: object) -> bool:
    """``Comparer.same`` for one comparison."""
    return Comparer().same(a, b)


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
    key: tuple[object, ...]
    """The template, the page's path, the link style and the templates' stamp."""
    context: Mapping[str, object]
    dependencies: tuple[Dependency, ...]
    text: str
    unsearched: frozenset[str]


class PageMemo:
    """The pages of the last render, by path."""

    def __init__(self) -> None:
        self._pages: dict[str, Rendered] = {}
        self._stamp: tuple[object, ...] = ()
        self._exports: tuple[object, list[Any]] | None = None
        self._comparer = Comparer()
        self.reused = 0
        self.rendered = 0

    def templates_changed(self, stamp: tuple[object, ...]) -> bool:
        """Whether the template files differ from the last render's (then compiled
        templates must go too: an override added beside a cached default is not seen)."""
        changed, self._stamp = stamp != self._stamp, stamp
        return changed

    def start(self) -> None:
        """A new render begins: count afresh."""
        self.reused = self.rendered = 0
        self._comparer = Comparer()

    def find(self, path: str, key: tuple[object, ...], context: Mapping[str, object],
             title_of: Callable[[str, str], str | None]) -> Rendered | None:
        """The earlier render of ``path``, if it was made from the same ``key`` and
        ``context`` and every record its prose named still has the title it had."""
        found = self._pages.get(path)
        if (found is None or found.key != key
                or not self._comparer.same(found.context, context)
                or any(title_of(kind, record_id) != title
                       for kind, record_id, title in found.dependencies)):
            return None
        self.reused += 1
        return found

    def keep(self, path: str, rendered: Rendered) -> None:
        self.rendered += 1
        self._pages[path] = rendered

    def exports(self, made_from: object, make: Callable[[], list[T]]) -> list[T]:
        """The data exports, made again only when what they are made from (the book, the
        site's address, the history) changed: an edit to a hand-written page leaves them."""
        if self._exports is None or not self._comparer.same(self._exports[0], made_from):
            self._exports = (made_from, list(make()))
        return list(self._exports[1])

    def forget_all_but(self, paths: Iterable[str]) -> None:
        """Drop the pages of records that no longer exist."""
        keep = set(paths)
        self._pages = {p: r for p, r in self._pages.items() if p in keep}
