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
import functools
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

Dependency = tuple[str, str, str | None]
"""A record a page's prose refers to: its kind, id, and title (``None``: no such record)."""


def same(a: object, b: object) -> bool:
    """Whether two views hold the same values: ``==``, except that the pictures' drawing
    functions (a ``functools.partial`` or a lambda, which ``==`` compares by identity) are
    compared by what they call with what."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if a == b:
        return True
    if isinstance(a, types.FunctionType):  # a drawing's lambda: same code, same captures
        assert isinstance(b, types.FunctionType)
        return (a.__code__ is b.__code__ and a.__defaults__ == b.__defaults__
                and same(tuple(c.cell_contents for c in a.__closure__ or ()),
                         tuple(c.cell_contents for c in b.__closure__ or ())))
    if isinstance(a, functools.partial):
        assert isinstance(b, functools.partial)
        return a.func is b.func and same(a.args, b.args) and same(a.keywords, b.keywords)
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return all(same(getattr(a, f.name), getattr(b, f.name))
                   for f in dataclasses.fields(a) if f.compare)
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list))
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return False


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

    def find(self, path: str, key: tuple[object, ...], context: Mapping[str, object],
             title_of: Callable[[str, str], str | None]) -> Rendered | None:
        """The earlier render of ``path``, if it was made from the same ``key`` and
        ``context`` and every record its prose named still has the title it had."""
        found = self._pages.get(path)
        if (found is None or found.key != key or not same(found.context, context)
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
        if self._exports is None or not same(self._exports[0], made_from):
            self._exports = (made_from, list(make()))
        return list(self._exports[1])

    def forget_all_but(self, paths: Iterable[str]) -> None:
        """Drop the pages of records that no longer exist."""
        keep = set(paths)
        self._pages = {p: r for p, r in self._pages.items() if p in keep}
