"""The record kinds of a book, each declared once.

One entry says everything the stages need to know of a kind: its record class, where its
files live and how they end, its fields, the site section and template of its pages, and
the view its template lays out.  Load, validate, index, render, the JSON Schema, the
contributor reference and the tests all read this table; adding a kind is one entry here,
one template, and tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from briefbook import model, records, views
from briefbook.fields import Context, Field
from briefbook.index import Index

Rules = Callable[[records.Document, dict[str, Any], Context], dict[str, Any] | None]
"""Checks of a whole record once its fields are converted; returns values to add to the
record, or ``None`` when it cannot be built."""
PageView = Callable[[Index, str, Any], object]
"""What a record's page shows: given the index, the kind's name and the record."""


@dataclass(frozen=True)
class RecordKind:
    name: str
    """How references and messages name the kind: ``[[event:...]]``, 'unknown event'."""
    record: type[Any]
    """The frozen dataclass its records are (see ``model.RecordLike``)."""
    folder: str
    """Where its files live: ``{events}``, ``{sources}`` and ``{docs}`` stand for the book's
    configured folders."""
    suffix: str
    """How its files end: ``.yaml`` files are all fields, ``.md`` files front matter and a
    body."""
    section: str
    """The site folder of its pages (``events/<id>/``) and of its listing (``events/``)."""
    doc: str
    """What a record of the kind is, for the contributor reference."""
    fields: tuple[Field, ...]
    body: str | None = None
    """What the Markdown body below the front matter is, for the reference."""
    verbatim: bool = False
    """The body is a document kept as captured, not analyst Markdown."""
    rules: Rules | None = None
    view: PageView = views.record_page
    listing: Callable[[Index], object] | None = None
    """The view of the kind's listing page (``<section>/index.md``), if it has one."""

    @property
    def template(self) -> str:
        return f"{self.name}.md.j2"

    @property
    def listing_template(self) -> str:
        return f"{self.section}.md.j2"

    @property
    def files(self) -> str:
        """Where its files live in a book laid out as the default, for the reference."""
        return f"`{self.directory('events', 'seeds', 'docs')}/<id>{self.suffix}`"

    def page(self, record_id: str) -> str:
        """The docs path of a record's page."""
        return f"{self.section}/{record_id}.md"

    def directory(self, events: str, sources: str, docs: str) -> str:
        return self.folder.format(events=events, sources=sources, docs=docs)


_BUILT_IN = (
    RecordKind(
        "event", model.Event, "{events}", ".yaml", "events", fields=records.EVENT,
        rules=records.event_rules, view=views.event_page, listing=views.events_listing,
        doc="Something that happened on a date. The id is the file name without `.yaml`: a "
        "slug that starts with the event's date (`2021-02-15-erbil-rocket-attack`, "
        "`2020-06-baghdad-attacks`, `2019-spring-...`); it alone decides the page's URL."),
    RecordKind(
        "source", model.Source, "{sources}", ".md", "sources", fields=records.SOURCE,
        body="the archived text of the document, kept verbatim", verbatim=True,
        rules=records.source_rules,
        view=views.source_page, listing=views.sources_listing,
        doc="An archived document that events cite."),
    RecordKind(
        "actor", model.Actor, "{docs}/actors", ".md", "actors", fields=records.ACTOR,
        body="a profile written from the sources", view=views.actor_page,
        listing=views.actors_listing,
        doc="A state, organ, group, coalition or person that acts in the events."),
    RecordKind(
        "place", model.Place, "{docs}/places", ".md", "places", fields=records.PLACE,
        body="an optional description", view=views.place_page, listing=views.places_overview,
        doc="A location where events happen."),
    RecordKind(
        "option", model.Option, "{docs}/options", ".md", "options", fields=records.OPTION,
        body="the option and the argument over it", view=views.option_page,
        listing=views.options_listing,
        doc="A policy recommendation the sources make or argue against."),
    RecordKind(
        "note", model.Note, "{docs}/notes", ".md", "notes", fields=records.NOTE,
        body="the analysis", rules=records.note_rules, view=views.note_page,
        listing=views.notes_listing,
        doc="Analyst prose: judgements, methodology, commentary."),
)

KINDS: dict[str, RecordKind] = {kind.name: kind for kind in _BUILT_IN}
"""Every record kind by name, in the order pages and the reference list them."""
_BY_CLASS: dict[type[Any], RecordKind] = {kind.record: kind for kind in _BUILT_IN}


def register(kind: RecordKind) -> None:
    """Add a kind (an extension's, or a test's)."""
    KINDS[kind.name] = kind
    _BY_CLASS[kind.record] = kind


def unregister(name: str) -> None:
    kind = KINDS.pop(name)
    del _BY_CLASS[kind.record]


def of(record: object) -> RecordKind:
    """The kind of ``record``."""
    return _BY_CLASS[type(record)]


def key(record: model.RecordLike) -> str:
    """``'event:<id>'``: how a record is named across kinds."""
    return f"{of(record).name}:{record.id}"


def all_kinds() -> Iterator[RecordKind]:
    return iter(tuple(KINDS.values()))
