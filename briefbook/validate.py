"""Stage 2, validate: type each loaded document by the schema and build the records.

Every problem of every file is collected, so one run reports them all.  Checks that need other
records (ids, quotes, ``responds_to``) belong to ``index``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from briefbook import kinds, model
from briefbook.diagnostics import Diagnostic, Location
from briefbook.fields import SLUG, Context, convert_fields, prose_location, slugify
from briefbook.load import Document
from briefbook.records import PAGE_FIELDS
from briefbook.text import hidden_reference, prose_problem

Validated = dict[str, tuple[Any, list[Diagnostic]]]
"""Per file path: the record built from it (``None`` if none) and the file's own messages."""


def validate(documents: Iterable[Document],
             known: Validated | None = None) -> tuple[model.Book, list[Diagnostic]]:
    """Build the book's records and collect every message of every file.

    ``known`` holds files already validated (`briefbook check`'s cache): a document whose path
    is in it is taken from there, and every other one is added to it once validated.  What a
    file's record and messages are depends on that file alone; duplicate ids, which depend on
    the others, are found here on every run."""
    problems: list[Diagnostic] = []
    records: dict[str, list[Any]] = {kind: [] for kind in kinds.KINDS}
    seen: dict[str, str] = {}
    inputs: dict[str, str] = {}
    for document in documents:
        key = f"{document.kind}:{document.id}"
        if document.kind == "page":
            problems.extend(_validated(document, known)[1])
            continue
        if key in seen:
            problems.append(Diagnostic(Location(document.path), "error",
                                       f"duplicate {document.kind} id '{document.id}' "
                                       f"(also {seen[key]})", "rename one of the two files"))
            continue
        seen[key] = document.path
        record, own = _validated(document, known)
        problems.extend(own)
        # A record with errors in optional parts is still indexed, so its references are
        # checked in the same run; the errors keep it from being published.
        if record is not None:
            records[document.kind].append(record)
            inputs[key] = document.path
    book = model.Book({kind: tuple(sorted(found, key=lambda r: r.sort_key()))
                       for kind, found in records.items()}, inputs)
    return book, problems


def _validated(document: Document, known: Validated | None) -> tuple[Any, list[Diagnostic]]:
    if known is not None and document.path in known:
        return known[document.path]
    ctx = Context(document.path, document.text)
    record = None
    if document.kind == "page":
        _check_page(document, ctx)
    else:
        record = _build(kinds.KINDS[document.kind], document, ctx)
    result = (record, list(ctx.problems))
    if known is not None:
        known[document.path] = result
    return result


def _check_page(document: Document, ctx: Context) -> None:
    """A hand-written page is no record: its front matter is allow-listed, and its body is
    checked as prose is (hidden marks, and the bounds that keep Markdown linear: every
    engine renders it with Python-Markdown)."""
    if document.meta is not None:
        convert_fields(document.meta, PAGE_FIELDS, ctx, "a hand-written page")
    _body(document, ctx)


def _build(kind: kinds.RecordKind, document: Document, ctx: Context) -> Any:
    if not SLUG.fullmatch(document.id):
        ctx.error(Location(document.path), f"file name '{document.id}' is not a valid id",
                  f"rename the file to '{slugify(document.id) or 'my-id'}' plus its suffix: "
                  "lowercase letters, digits and single hyphens")
    elif document.id == "index":
        # Each kind's listing is <kind folder>/index.md: the record's page would replace it.
        ctx.error(Location(document.path), f"the id 'index' belongs to the {document.kind} "
                  "listing page, which would replace this record's page", "rename the file")
    assert document.meta is not None
    values = convert_fields(document.meta, kind.fields, ctx, f"{kind.name} '{document.id}'")
    if values is None:
        return None  # a required field is unusable; the other fields' messages still stand
    if kind.body is not None and not kind.verbatim:
        values["body"] = _body(document, ctx)
    if kind.rules is not None:
        extra = kind.rules(document, values, ctx)
        if extra is None:
            return None
        values.update(extra)
    return kind.record(id=document.id, path=document.path, **values)


def _body(document: Document, ctx: Context) -> model.Prose | None:
    if not document.body.strip():
        return None
    first_line = Location(document.path, document.body_line)
    if hidden_reference(document.body):
        ctx.error(first_line, "the text has an invisible control character written as an "
                  "HTML character reference",
                  "delete the reference (e.g. &#x202E;); it can hide or reorder text")
    problem = prose_problem(document.body)
    if problem is not None:
        # Checked before anything reads the text further, and then the text is dropped:
        # the record keeps its other errors, and nothing renders it.
        ctx.error(prose_location(problem, document.body, first_line), problem.message,
                  problem.hint)
        return None
    return model.prose(document.body, first_line)
