"""The stages run in order: load, validate, index.  Rendering and writing come after."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefbook.diagnostics import Diagnostic
from briefbook.index import Index, build_index
from briefbook.load import DEFAULT_LAYOUT, Layout, load
from briefbook.validate import validate


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


def check(root: Path, layout: Layout = DEFAULT_LAYOUT) -> Checked:
    """Load, validate and index the book at ``root``, collecting every message."""
    documents, problems = load(root, layout)
    book, invalid, known = validate(documents)
    index, unresolved = build_index(book, known)
    diagnostics = sorted([*problems, *invalid, *unresolved], key=Diagnostic.sort_key)
    return Checked(index, diagnostics)
