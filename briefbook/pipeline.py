"""The stages run in order: load, validate, index.  Rendering and writing come after."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from briefbook.diagnostics import Diagnostic, working_on
from briefbook.index import Index, build_index
from briefbook.load import DEFAULT_LAYOUT, Layout, ReadCache, Reader, load
from briefbook.validate import Validated, validate

StageObserver = Callable[[str, float], None]
"""Told, as each stage of `check` ends, its name (``load``, ``validate``, ``index``, in that
order) and the wall seconds it took.  Time the observer itself spends is charged to no stage."""


@dataclass(frozen=True)
class Checked:
    index: Index
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]


def check(root: Path, layout: Layout = DEFAULT_LAYOUT, cache: ReadCache | None = None, *,
          observe: StageObserver | None = None, read: Reader | None = None,
          known: Validated | None = None) -> Checked:
    """Load, validate and index the book at ``root``, collecting every message.

    ``cache`` (kept by `mkdocs serve` across rebuilds) spares re-reading unchanged files.
    ``observe`` is told how long each stage took (the benchmark uses it); without it nothing
    is timed.  ``read`` and ``known`` are `briefbook check`'s persistent cache
    (``checkcache``): how each file is read, and the files already validated.
    """
    with collector_paused():
        return _check(root, layout, cache, observe, read, known)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: the stages build hundreds of thousands of
    small objects without cycles, and the collector rescanning them took 30-45 % of the
    time of checking 10,000 events.  Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check(root: Path, layout: Layout, cache: ReadCache | None,
           observe: StageObserver | None, read: Reader | None = None,
           known: Validated | None = None) -> Checked:
    started = time.perf_counter() if observe else 0.0
    loaded = load(root, layout, cache, read)
    if observe:
        started = _report(observe, "load", started)
    working_on("validating the records")
    book, invalid = validate(loaded.documents, known)
    if observe:
        started = _report(observe, "validate", started)
    # Files that failed to load or validate already have their errors: references to them
    # are not reported as unknown, and their records get no warnings on top.
    paths_with_errors = {p.at.path for p in invalid if p.severity == "error"}
    failed = loaded.attempted - set(book.inputs) | {
        f"{d.kind}:{d.id}" for d in loaded.documents if d.path in paths_with_errors}
    working_on("resolving cross-references")
    index, unresolved = build_index(book, known=loaded.attempted, failed=failed)
    if observe:
        _report(observe, "index", started)
    diagnostics = sorted([*loaded.problems, *invalid, *unresolved], key=Diagnostic.sort_key)
    return Checked(index, diagnostics)


def _report(observe: StageObserver, stage: str, started: float) -> float:
    """Tell ``observe`` how long ``stage`` took; return the clock at which the next one starts,
    read after the observer returns so that its own work is not counted."""
    observe(stage, time.perf_counter() - started)
    return time.perf_counter()
