"""Stage 2, validate: type each loaded document by the schema and build the records.

Every problem of every file is collected, so one run reports them all.  Checks that need other
records (ids, quotes, ``responds_to``) belong to ``index``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from briefbook import model
from briefbook.diagnostics import Diagnostic, Location
from briefbook.load import Document
from briefbook.schema import (
    PAGE_FIELDS,
    RECORDS,
    SLUG,
    Context,
    convert_fields,
    hidden_reference,
    prose_location,
    prose_problem,
    slugify,
)
from briefbook.yamltree import Mapping

_ID_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?(?:-([0-9]{2}))?-")

Records = dict[str, list[Any]]


def validate(documents: Iterable[Document]) -> tuple[model.Book, list[Diagnostic]]:
    """Build the book's records and collect every message of every file."""
    problems: list[Diagnostic] = []
    records: Records = {kind: [] for kind in model.RECORD_KINDS}
    seen: dict[str, str] = {}
    inputs: dict[str, str] = {}
    for document in documents:
        key = f"{document.kind}:{document.id}"
        ctx = Context(document.path, document.text)
        if document.kind == "page":
            _check_page(document, ctx)
            problems.extend(ctx.problems)
            continue
        if key in seen:
            problems.append(Diagnostic(Location(document.path), "error",
                                       f"duplicate {document.kind} id '{document.id}' "
                                       f"(also {seen[key]})", "rename one of the two files"))
            continue
        seen[key] = document.path
        record = _build(document, ctx)
        problems.extend(ctx.problems)
        # A record with errors in optional parts is still indexed, so its references are
        # checked in the same run; the errors keep it from being published.
        if record is not None:
            records[document.kind].append(record)
            inputs[key] = document.path
    book = model.Book(
        events=_sorted(records["event"]), sources=_sorted(records["source"]),
        actors=_sorted(records["actor"]), places=_sorted(records["place"]),
        options=_sorted(records["option"]), notes=_sorted(records["note"]),
        inputs=inputs,
    )
    return book, problems


def _sorted(records: list[Any]) -> tuple[Any, ...]:
    return tuple(sorted(records, key=lambda r: r.sort_key()))


def _check_page(document: Document, ctx: Context) -> None:
    """A hand-written page is no record: its front matter is allow-listed, and its body is
    checked as prose is (hidden marks, and the bounds that keep Markdown linear: every
    engine renders it with Python-Markdown)."""
    if document.meta is not None:
        convert_fields(document.meta, PAGE_FIELDS, ctx, "a hand-written page")
    _body(document, ctx)


def _build(document: Document, ctx: Context) -> model.Record | None:
    spec = RECORDS[document.kind]
    if not SLUG.fullmatch(document.id):
        ctx.error(Location(document.path), f"file name '{document.id}' is not a valid id",
                  f"rename the file to '{slugify(document.id) or 'my-id'}' plus its suffix: "
                  "lowercase letters, digits and single hyphens")
    elif document.id == "index":
        # Each kind's listing is <kind folder>/index.md: the record's page would replace it.
        ctx.error(Location(document.path), f"the id 'index' belongs to the {document.kind} "
                  "listing page, which would replace this record's page", "rename the file")
    assert document.meta is not None
    values = convert_fields(document.meta, spec.fields, ctx, f"{document.kind} '{document.id}'")
    if values is None:
        return None  # a required field is unusable; the other fields' messages still stand
    common: dict[str, Any] = {"id": document.id, "path": document.path}
    if document.kind == "source":
        return _build_source(document, values, ctx)  # its body is the archive, not prose
    body = _body(document, ctx)
    match document.kind:
        case "event":
            _check_event_id(document, values, ctx)
            return model.Event(**common, **values)
        case "actor":
            return model.Actor(**common, **values, profile=body)
        case "place":
            return model.Place(**common, **values, description=body)
        case "option":
            return model.Option(**common, **values, body=body)
        case "note":
            return model.Note(**common, **values, body=body,
                              estimative_at=_key_at(document, "estimative_language"))
    raise AssertionError(document.kind)


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


def _check_event_id(document: Document, values: dict[str, Any], ctx: Context) -> None:
    date = values["date"]
    if date.earliest == dt.date.min:
        ctx.error(_value_at(document, "date"), "an event's date needs a known start",
                  "give the earliest it can be, e.g. 2021-02/2021-02-20")
        return
    m = _ID_DATE.match(document.id)
    suggestion = f"{date.earliest.isoformat()}-{_strip_date(document.id)}"
    if not m:
        ctx.error(Location(document.path), "event id must start with the event's date",
                  f"rename the file to '{suggestion}.yaml'")
        return
    year, month, day = (int(g) if g else None for g in m.groups())
    e = date.earliest
    contains = year == e.year and month in (None, e.month) and day in (None, e.day)
    if not contains:
        ctx.error(Location(document.path),
                  f"event id starts with {m.group(0)[:-1]} but the event's date is "
                  f"{date.text}", f"rename the file to '{suggestion}.yaml' or fix 'date'")


def _value_at(document: Document, key: str) -> Location:
    assert isinstance(document.meta, Mapping)
    entry = document.meta.entries.get(key)
    return entry[1].at if entry else Location(document.path)


def _key_at(document: Document, key: str) -> Location | None:
    assert isinstance(document.meta, Mapping)
    entry = document.meta.entries.get(key)
    return entry[0].at if entry else None


def _strip_date(record_id: str) -> str:
    return _ID_DATE.sub("", record_id, count=1) or "event"


def _locate(document: Document, passage: str) -> Location:
    """Where a value is written in the front matter, found by its first words."""
    front = document.text[: document.text.find("\n---", 3)]
    at = front.find(passage[:40])
    if at < 0:
        return Location(document.path)
    line_start = front.rfind("\n", 0, at) + 1
    item = front.rfind("- ", line_start, at)
    start = item + 2 if item >= 0 else at
    return Location(document.path, front.count("\n", 0, at) + 1, start - line_start + 1)


def _build_source(document: Document, values: dict[str, Any],
                  ctx: Context) -> model.Source | None:
    text = document.body
    if not text.strip():
        ctx.error(Location(document.path, document.body_line), "source has no archived text",
                  "paste the document's text verbatim below the front matter")
        return None
    for passage in values.get("boilerplate", ()):
        if passage not in text:
            ctx.error(_locate(document, passage), f"boilerplate passage not in the text: "
                      f"'{passage[:60]}'", "copy the passage exactly from the text below")
    stray = text.find("\ufffd")
    if stray >= 0 and not values.get("capture_notes"):
        line = document.body_line + text.count("\n", 0, stray)
        col = stray - (text.rfind("\n", 0, stray) + 1) + 1
        ctx.warn(Location(document.path, line, col), "archived text has a U+FFFD replacement "
                 "character", "keep it, and describe it under 'capture_notes'")
    return model.Source(id=document.id, path=document.path, text=text,
                        text_line=document.body_line, **values)
