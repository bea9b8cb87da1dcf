"""Exports: the book's data as files other tools read (JSON, CSV, GeoJSON, iCalendar).

Every file is a pure function of the index (and of when each record entered the book, for
the feeds and calendar stamps), so two runs on one commit write identical bytes.  The CSV
uses ACLED's column names wherever a briefbook field maps onto one, then briefbook's own;
`briefbook.importers` reads it back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from briefbook import kinds, model, views
from briefbook.dates import Edtf
from briefbook.index import Index

SCHEMA_VERSION = "1.0.0"
"""Version of the events.json layout: the major number changes when a field is removed or
changes meaning, the minor when one is added."""

FORMATS = ("json", "csv", "geojson", "ics", "actors", "sources", "names", "feeds")
DATA_DIR = "data"
"""Where the site publishes the exports (``/data/``)."""

ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "location", "latitude", "longitude",
    "geo_precision", "source", "notes", "fatalities",
)
OWN_COLUMNS = (
    "title", "type", "date", "date_earliest", "date_latest", "place", "perpetrators",
    "targets", "figures_by_source", "attribution", "tags", "page_url",
)
CSV_COLUMNS = ACLED_COLUMNS + OWN_COLUMNS
COLUMN_DOCS: dict[str, str] = {
    "event_id_cnty": "the event's id (its file name; ACLED's own ids are country-coded)",
    "event_date": "the first day the date can mean, YYYY-MM-DD",
    "year": "the year of event_date",
    "time_precision": "1: a known day; 2: a day marked approximate or uncertain, or a span "
    "of up to a week; 3: a month or longer (ACLED's codes)",
    "event_type": "ACLED's event type the briefbook type falls under",
    "sub_event_type": "ACLED's sub-event type the briefbook type falls under",
    "actor1": "the first perpetrator's name",
    "assoc_actor_1": "the other perpetrators' names, separated by '; '",
    "actor2": "the first target's name",
    "assoc_actor_2": "the other targets' names, separated by '; '",
    "location": "the place's name",
    "latitude": "degrees north (WGS 84)",
    "longitude": "degrees east (WGS 84)",
    "geo_precision": "1: a site or locality; 2: a region; 3: a country (ACLED's codes)",
    "source": "the publishers of the cited sources, separated by '; '",
    "notes": "the event's summary, as Markdown",
    "fatalities": "the lowest 'killed' figure any cited source reports (empty when none does)",
    "title": "the event's title",
    "type": "briefbook's event type",
    "date": "the date as written (EDTF)",
    "date_earliest": "the first day the date can mean",
    "date_latest": "the last day the date can mean (empty when open)",
    "place": "the place's id",
    "perpetrators": "perpetrators' ids, separated by '; '",
    "targets": "targets' ids, separated by '; '",
    "figures_by_source": "each citation as 'source-id: name=figure, ...', separated by "
    "' | ', in the order the event cites them",
    "attribution": "each attribution as 'actor-id: status (confidence) by actor-id in "
    "source-id', separated by ' | '",
    "tags": "tags, separated by '; '",
    "page_url": "the event's page on the site",
}

# briefbook type -> (ACLED event_type, ACLED sub_event_type)
ACLED_TYPES: dict[str, tuple[str, str]] = {
    "rocket attack": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "missile strike": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "drone attack": ("Explosions/Remote violence", "Air/drone strike"),
    "IED attack": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    "small-arms attack": ("Battles", "Armed clash"),
    "airstrike": ("Explosions/Remote violence", "Air/drone strike"),
    "raid": ("Battles", "Armed clash"),
    "arrest": ("Strategic developments", "Arrests"),
    "protest": ("Protests", "Peaceful protest"),
    "shoot-down": ("Strategic developments", "Disrupted weapons use"),
    "sanctions": ("Strategic developments", "Other"),
    "official statement": ("Strategic developments", "Other"),
    "diplomatic move": ("Strategic developments", "Agreement"),
    "force posture change": ("Strategic developments", "Headquarters or base established"),
    "military exercise": ("Strategic developments", "Other"),
    "nuclear development": ("Strategic developments", "Other"),
    "political development": ("Strategic developments", "Change to group/activity"),
    "other": ("Strategic developments", "Other"),
}
GEO_PRECISION = {"site": 1, "locality": 1, "region": 2, "country": 3}

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, CSV Injection)."""
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
LIST_SEPARATOR = "; "
ITEM_SEPARATOR = " | "


def neutralise_cell(value: str) -> str:
    """``value`` made inert for spreadsheets: a cell that starts with a formula trigger gets
    a leading single quote, as OWASP advises (a number such as -33.5 is left alone: a
    spreadsheet reads it as the number it is).  `importers.restore_cell` undoes it."""
    if value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


# --- URLs --------------------------------------------------------------------------------

def page_url(site_url: str, kind: str, record_id: str) -> str:
    """The built URL of a record's page: ``site_url`` plus ``events/<id>/``."""
    path = kinds.KINDS[kind].page(record_id).removesuffix(".md") + "/"
    return join_url(site_url, path)


def join_url(site_url: str, path: str) -> str:
    if not site_url:
        return path
    return site_url.rstrip("/") + "/" + path.lstrip("/")


def site_url_of(root: Path) -> str:
    """``site_url`` from the book's mkdocs.yml (the one reader `briefbook.engine` has);
    empty when not set."""
    from briefbook.engine import site_url  # engine imports this module's users

    return site_url(root)


# --- Resolved records ----------------------------------------------------------------------

def _date(date: Edtf) -> dict[str, Any]:
    return {
        "text": date.text,
        "label": date.label,
        "earliest": date.earliest.isoformat(),
        "latest": None if date.latest == dt.date.max else date.latest.isoformat(),
        "precision": date.precision,
        "uncertain": date.uncertain,
        "approximate": date.approximate,
    }


def _figure(figure: model.Figure) -> dict[str, Any]:
    return {"value": figure.value, "qualifier": figure.qualifier, "text": str(figure)}


def _name(index: Index, kind: str, record_id: str) -> str | None:
    if kind not in kinds.KINDS:
        return None
    record = index.lookup(kind).get(record_id)
    if record is None:
        return None
    return str(getattr(record, "name", None) or getattr(record, "title", None) or record_id)


def _ref(index: Index, kind: str, ref: model.Ref) -> dict[str, Any]:
    return {"id": ref.id, "name": _name(index, kind, ref.id)}


def _prose(text: model.Prose | None) -> str | None:
    return text.text if text is not None else None


def plain_prose(index: Index, text: str) -> str:
    """Prose for readers that show no Markdown (feeds, calendars): each ``[[kind:id]]``
    becomes its label or the record's name."""
    def name(m: re.Match[str]) -> str:
        return m.group("label") or _name(index, m.group("kind"), m.group("id")) or m.group("id")

    return " ".join(model.REFERENCE.sub(name, text).split())


def summary_names(index: Index, event: model.Event) -> tuple[str | None, ...]:
    """The names the event's summary shows for its references (``plain_prose``)."""
    return tuple(_name(index, r.kind, r.ref.id)
                 for r in (event.summary.refs if event.summary else ()))


def _editor_notes(notes: Sequence[model.EditorNote]) -> list[dict[str, Any]]:
    return [{"basis": n.basis, "text": n.text.text} for n in notes]


def event_record(index: Index, event: model.Event, site_url: str) -> dict[str, Any]:
    """One event with its references resolved, as events.json holds it."""
    place = index.places.get(event.place.id) if event.place else None
    return {
        "id": event.id,
        "title": event.title,
        "date": _date(event.date),
        "date_note": event.date_note,
        "type": event.type,
        "place": None if event.place is None else {
            "id": event.place.id,
            "name": place.name if place else None,
            "latitude": place.latitude if place else None,
            "longitude": place.longitude if place else None,
            "precision": place.precision if place else None,
            "country": place.country if place else None,
        },
        "perpetrators": [_ref(index, "actor", r) for r in event.perpetrators],
        "targets": [_ref(index, "actor", r) for r in event.targets],
        "attribution": [{
            "actor": _ref(index, "actor", a.actor),
            "status": a.status,
            "by": _ref(index, "actor", a.by),
            "confidence": a.confidence,
            "note": a.note,
            "source": a.citation.source.id,
            "quote": a.citation.quote,
        } for a in event.attribution],
        "citations": [{
            "source": {
                "id": c.source.id,
                "title": _name(index, "source", c.source.id),
                "publisher": getattr(index.sources.get(c.source.id), "publisher", None),
                "url": getattr(index.sources.get(c.source.id), "url", None),
            },
            "quote": c.quote,
            "figures": {name: _figure(f) for name, f in c.reports},
        } for c in event.citations],
        "disputed_figures": list(views.figure_table(event).disputed),
        "responds_to": [r.id for r in event.responds_to],
        "tags": list(event.tags),
        "single_source": event.single_source,
        "summary": _prose(event.summary),
        "editor_notes": _editor_notes(event.editor_notes),
        "origin": event.origin,
        "url": page_url(site_url, "event", event.id),
    }


def _events_head(site_url: str) -> dict[str, Any]:
    return {"version": SCHEMA_VERSION,
            "$schema": join_url(site_url, f"{DATA_DIR}/events.schema.json")}


def actors_document(index: Index, site_url: str) -> dict[str, Any]:
    from briefbook.feeds import actor_feed_path, site_path

    actors = []
    for actor in index.book.actors:
        actors.append({
            "id": actor.id,
            "name": actor.name,
            "kind": actor.kind,
            "aliases": list(actor.aliases),
            "relations": [{
                "type": r.type,
                "actor": _ref(index, "actor", r.actor),
                "source": r.citation.source.id if r.citation else None,
                "quote": r.citation.quote if r.citation else None,
                "basis": r.basis,
                "note": r.note,
            } for r in actor.relations],
            "events": {role: list(events) for role, events in
                       sorted(index.roles.get(actor.id, {}).items())},
            "profile": _prose(actor.body),
            "editor_notes": _editor_notes(actor.editor_notes),
            "url": page_url(site_url, "actor", actor.id),
            "feed": join_url(site_url, site_path(actor_feed_path(actor.id))),
        })
    return {"version": SCHEMA_VERSION, "actors": actors}


def names_document(index: Index, site_url: str) -> dict[str, Any]:
    """Every name and alias of every actor and place with its page, one entry a name: a
    list for matching names in other texts, and the site search's list of exact names
    (briefbook.js puts the record a query names exactly first)."""
    named: list[tuple[str, str, model.Actor | model.Place]] = [
        (name, kind, record) for kind, records in (("actor", index.book.actors),
                                                   ("place", index.book.places))
        for record in records for name in dict.fromkeys((record.name, *record.aliases))]
    return {"version": SCHEMA_VERSION, "names": [{
        "name": name,
        "kind": kind,
        "id": record.id,
        "path": page_url("", kind, record.id),
        "url": page_url(site_url, kind, record.id),
    } for name, kind, record in sorted(named, key=lambda n: (n[0].casefold(), n[1], n[2].id))]}


def sources_document(index: Index, site_url: str) -> dict[str, Any]:
    sources = []
    for source in index.book.sources:
        cited_by = sorted({c.record.id for c in index.cited_by.get(source.id, [])
                           if isinstance(c.record, model.Event)})
        sources.append({
            "id": source.id,
            "title": source.title,
            "publisher": source.publisher,
            "authors": list(source.authors),
            "published": _date(source.published),
            "kind": source.kind,
            "url": source.url,
            "archive_url": source.archive_url,
            "url_unknown": source.url_unknown,
            "accessed": source.accessed.text if source.accessed else None,
            "cited_by_events": cited_by,
            "url_on_site": page_url(site_url, "source", source.id),
        })
    return {"version": SCHEMA_VERSION, "sources": sources}


def events_schema(site_url: str) -> dict[str, Any]:
    """The published JSON Schema of events.json (see ``SCHEMA_VERSION``)."""
    text = {"type": "string"}
    maybe_text = {"type": ["string", "null"]}
    ref = {"type": "object", "additionalProperties": False, "required": ["id", "name"],
           "properties": {"id": text, "name": maybe_text}}
    day = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    figure = {"type": "object", "additionalProperties": False,
              "required": ["value", "qualifier", "text"],
              "properties": {"value": {"type": "integer", "minimum": 0},
                             "qualifier": {"enum": [*model.FIGURE_QUALIFIERS, None]},
                             "text": text}}
    event = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "title", "date", "type", "citations", "url"],
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
                   "description": "The event's id: its file name, which starts with its date."},
            "title": text,
            "date": {
                "type": "object", "additionalProperties": False,
                "required": ["text", "label", "earliest", "latest", "precision"],
                "properties": {
                    "text": {**text, "description": "The date as written, in EDTF."},
                    "label": {**text, "description": "The date as the site shows it."},
                    "earliest": day,
                    "latest": {"anyOf": [day, {"type": "null"}],
                               "description": "null for an open end."},
                    "precision": {"enum": ["day", "month", "season", "year", "decade",
                                           "century", "interval"]},
                    "uncertain": {"type": "boolean"},
                    "approximate": {"type": "boolean"},
                },
            },
            "date_note": maybe_text,
            "type": {"enum": list(model.EVENT_TYPES)},
            "place": {"anyOf": [{"type": "null"}, {
                "type": "object", "additionalProperties": False, "required": ["id"],
                "properties": {"id": text, "name": maybe_text,
                               "latitude": {"type": ["number", "null"]},
                               "longitude": {"type": ["number", "null"]},
                               "precision": {"enum": [*model.PLACE_PRECISIONS, None]},
                               "country": maybe_text}}]},
            "perpetrators": {"type": "array", "items": ref},
            "targets": {"type": "array", "items": ref},
            "attribution": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["actor", "status", "by", "source", "quote"],
                "properties": {"actor": ref, "status": {"enum": list(model.ATTRIBUTION_STATUSES)},
                               "by": ref,
                               "confidence": {"enum": [*model.CONFIDENCE_LEVELS, None]},
                               "note": maybe_text, "source": text, "quote": text}}},
            "citations": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False,
                "required": ["source", "quote", "figures"],
                "properties": {
                    "source": {"type": "object", "additionalProperties": False,
                               "required": ["id"],
                               "properties": {"id": text, "title": maybe_text,
                                              "publisher": maybe_text, "url": maybe_text}},
                    "quote": {**text, "description": "The verbatim passage of the source."},
                    "figures": {"type": "object", "additionalProperties": False,
                                "properties": dict.fromkeys(model.FIGURE_NAMES, figure)}}}},
            "disputed_figures": {"type": "array",
                                 "items": {"enum": list(model.FIGURE_NAMES)},
                                 "description": "Figures the citations report differently."},
            "responds_to": {"type": "array", "items": text},
            "tags": {"type": "array", "items": text},
            "single_source": maybe_text,
            "summary": {**maybe_text, "description": "Markdown; [[kind:id]] references "
                        "other records."},
            "editor_notes": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["basis", "text"],
                "properties": {"basis": {"enum": list(model.EDITOR_BASES)}, "text": text}}},
            "origin": {**maybe_text, "description": "Where an imported event came from."},
            "url": {**text, "description": "The event's page on the site."},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": join_url(site_url, f"{DATA_DIR}/events.schema.json"),
        "title": "briefbook events export",
        "description": "Every event of a briefing book with its references resolved, its "
        "citations (source, verbatim quote, figures) and attribution tracks.",
        "version": SCHEMA_VERSION,
        "type": "object",
        "additionalProperties": False,
        "required": ["version", "events"],
        "properties": {
            "version": {"const": SCHEMA_VERSION},
            "$schema": text,
            "events": {"type": "array", "items": {"$ref": "#/$defs/event"}},
        },
        "$defs": {"event": event},
    }


# --- CSV -----------------------------------------------------------------------------------

def time_precision(date: Edtf) -> int:
    span = (date.latest - date.earliest).days if date.latest != dt.date.max else 10**6
    if span == 0 and not (date.uncertain or date.approximate):
        return 1
    return 2 if span <= 7 else 3


def format_figures(citations: Iterable[model.Citation]) -> str:
    parts = []
    for c in citations:
        figures = ", ".join(
            f"{name}={f.qualifier + ' ' if f.qualifier else ''}{f.value}" for name, f in c.reports)
        parts.append(f"{c.source.id}: {figures}" if figures else c.source.id)
    return ITEM_SEPARATOR.join(parts)


def format_attribution(attribution: Iterable[model.Attribution]) -> str:
    return ITEM_SEPARATOR.join(
        f"{a.actor.id}: {a.status}{f' ({a.confidence})' if a.confidence else ''} "
        f"by {a.by.id} in {a.citation.source.id}" for a in attribution)


def _names(index: Index, refs: Sequence[model.Ref]) -> list[str]:
    return [_name(index, "actor", r.id) or r.id for r in refs]


def event_row(index: Index, event: model.Event, site_url: str) -> dict[str, str]:
    place = index.places.get(event.place.id) if event.place else None
    perpetrators, targets = _names(index, event.perpetrators), _names(index, event.targets)
    killed = [f.value for c in event.citations for name, f in c.reports if name == "killed"]
    publishers = dict.fromkeys(
        getattr(index.sources.get(c.source.id), "publisher", c.source.id)
        for c in event.citations)
    event_type, sub_event_type = ACLED_TYPES[event.type]
    row = {
        "event_id_cnty": event.id,
        "event_date": event.date.earliest.isoformat(),
        "year": str(event.date.earliest.year),
        "time_precision": str(time_precision(event.date)),
        "event_type": event_type,
        "sub_event_type": sub_event_type,
        "actor1": perpetrators[0] if perpetrators else "",
        "assoc_actor_1": LIST_SEPARATOR.join(perpetrators[1:]),
        "actor2": targets[0] if targets else "",
        "assoc_actor_2": LIST_SEPARATOR.join(targets[1:]),
        "location": place.name if place else "",
        "latitude": _degrees(place.latitude) if place else "",
        "longitude": _degrees(place.longitude) if place else "",
        "geo_precision": str(GEO_PRECISION[place.precision]) if place else "",
        "source": LIST_SEPARATOR.join(publishers),
        "notes": event.summary.text if event.summary else "",
        "fatalities": str(min(killed)) if killed else "",
        "title": event.title,
        "type": event.type,
        "date": event.date.text,
        "date_earliest": event.date.earliest.isoformat(),
        "date_latest": "" if event.date.latest == dt.date.max else event.date.latest.isoformat(),
        "place": event.place.id if event.place else "",
        "perpetrators": LIST_SEPARATOR.join(r.id for r in event.perpetrators),
        "targets": LIST_SEPARATOR.join(r.id for r in event.targets),
        "figures_by_source": format_figures(event.citations),
        "attribution": format_attribution(event.attribution),
        "tags": LIST_SEPARATOR.join(event.tags),
        "page_url": page_url(site_url, "event", event.id),
    }
    return row


def _degrees(value: float) -> str:
    """Six decimals (about 0.1 m), never an exponent: '33.7856', not '3.37856e+01'."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def events_csv(index: Index, site_url: str) -> str:
    out = io.StringIO()
    # QUOTE_ALL: every cell is text to the reader, and a cell's line breaks stay inside it.
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, quoting=csv.QUOTE_ALL,
                            lineterminator="\r\n")
    writer.writeheader()
    for event in index.book.events:
        row = event_row(index, event, site_url)
        writer.writerow({k: neutralise_cell(v) for k, v in row.items()})
    return out.getvalue()


# --- GeoJSON and iCalendar -----------------------------------------------------------------

def event_feature(index: Index, event: model.Event, site_url: str) -> dict[str, Any] | None:
    """The event's GeoJSON feature (RFC 7946: a Point, longitude then latitude), if its
    place is known."""
    place = index.places.get(event.place.id) if event.place else None
    if place is None:
        return None
    return {
        "type": "Feature",
        "id": event.id,
        "geometry": {"type": "Point", "coordinates": [place.longitude, place.latitude]},
        "properties": {
            "title": event.title,
            "date": event.date.text,
            "date_label": event.date.label,
            "date_earliest": event.date.earliest.isoformat(),
            "date_latest": (None if event.date.latest == dt.date.max
                            else event.date.latest.isoformat()),
            "type": event.type,
            "place": place.id,
            "place_name": place.name,
            "geo_precision": place.precision,
            "url": page_url(site_url, "event", event.id),
        },
    }


def calendar_span(date: Edtf) -> tuple[dt.date, dt.date]:
    """All-day DTSTART and the exclusive DTEND: the whole range an imprecise date can mean.
    An open end has no last day (nor has 9999-12-31 a next one), so such an event is shown
    on its first day alone."""
    if date.latest == dt.date.max:
        return date.earliest, date.earliest + dt.timedelta(days=1)
    return date.earliest, date.latest + dt.timedelta(days=1)


CALENDAR_SUMMARY = 300
"""Characters of an event's summary a calendar entry shows (the page URL follows): calendar
apps show a few lines, and icalendar folds long lines a character at a time (a whole
summary made the calendar of 1,000 events take 2.3 s)."""


def _shortened(text: str, limit: int = CALENDAR_SUMMARY) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def _calendar(vevents: Iterable[str]) -> bytes:
    """The calendar holding ``vevents`` (each an event's own iCalendar text), as icalendar
    writes a calendar with those components."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//briefbook//events export//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    head, end, tail = bytes(calendar.to_ical()).rpartition(b"END:VCALENDAR")
    return head + "".join(vevents).encode("utf-8") + end + tail


def event_vevent(index: Index, event: model.Event, site_url: str,
                 entered: Mapping[str, dt.datetime]) -> str:
    """The event as an iCalendar VEVENT."""
    import icalendar

    from briefbook.history import entered_at

    host = re.sub(r"^[a-z]+://", "", site_url).split("/")[0] or "briefbook.invalid"
    start, end = calendar_span(event.date)
    url = page_url(site_url, "event", event.id)
    vevent = icalendar.Event()
    vevent.add("uid", f"{event.id}@{host}")
    # DTSTAMP is required; when the event entered the book keeps it deterministic.
    vevent.add("dtstamp", entered_at(entered, event))
    vevent.add("dtstart", start)
    vevent.add("dtend", end)
    vevent.add("summary", event.title)
    description = [f"Date: {event.date.label} ({event.date.text})"]
    if event.summary:
        description.append(_shortened(plain_prose(index, event.summary.text)))
    description.append(url)
    vevent.add("description", "\n\n".join(description))
    vevent.add("url", url)
    vevent.add("categories", [event.type])
    place = index.places.get(event.place.id) if event.place else None
    if place is not None:
        vevent.add("location", place.name)
        vevent.add("geo", (place.latitude, place.longitude))
    return bytes(vevent.to_ical()).decode("utf-8")


# --- Writing -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ExportFile:
    path: str
    """Relative to the export folder."""
    content: bytes


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _json_text(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _json_listing(head: Mapping[str, Any], key: str, items: Sequence[str]) -> bytes:
    """``_json`` of ``head`` with the list ``key`` added last, from each item's own
    ``_json_text``: nested two levels deep, an item is the same text with each line
    indented by four spaces (a JSON string holds no line break)."""
    if not items:
        return _json({**head, key: []})
    before, marker, after = _json_text({**head, key: [0]}).rpartition("\n    0\n")
    assert marker, "the list is the document's last member"
    nested = ",\n".join("    " + item.replace("\n", "\n    ") for item in items)
    return f"{before}\n{nested}\n{after}\n".encode()


class Parts(Protocol):
    """Where an export keeps each event's part of a file (``memo.PageMemo``): made again
    only when what it is made from changed."""

    def fingerprint(self, value: object) -> str: ...

    def part(self, name: str, made_from: str, make: Callable[[], str]) -> str: ...


def _event_parts(index: Index, site_url: str, entered: Mapping[str, dt.datetime],
                 parts: Parts | None) -> tuple[list[str], list[str], list[str]]:
    """Each event's record, GeoJSON feature (if it has one) and VEVENT, as text.  An
    event's parts are made of the event, the book's actors, places and sources (their
    names), the titles its summary's references show, when it entered the book and the
    site's address: with ``parts``, one made from the same is reused."""
    from briefbook.history import entered_at

    records, features, vevents = [], [], []
    book = index.book
    others = parts.fingerprint((book.actors, book.places, book.sources)) if parts else ""
    for event in book.events:
        def record(event: model.Event = event) -> str:
            return _json_text(event_record(index, event, site_url))

        def feature(event: model.Event = event) -> str:
            made = event_feature(index, event, site_url)
            return "" if made is None else _json_text(made)

        def vevent(event: model.Event = event) -> str:
            return event_vevent(index, event, site_url, entered)

        if parts is None:
            made = (record(), feature(), vevent())
        else:
            key = parts.fingerprint((event, others, summary_names(index, event),
                                     entered_at(entered, event), site_url))
            made = (parts.part("event.json", key, record),
                    parts.part("event.geojson", key, feature),
                    parts.part("event.ics", key, vevent))
        records.append(made[0])
        if made[1]:
            features.append(made[1])
        vevents.append(made[2])
    return records, features, vevents


def export_files(index: Index, site_url: str, formats: Iterable[str] = FORMATS, *,
                 root: Path | None = None,
                 entered: Mapping[str, dt.datetime] | None = None,
                 parts: Parts | None = None) -> list[ExportFile]:
    """The export files for ``formats``, in a fixed order; ``root`` is the book's folder,
    whose git history says when each record entered the book (see `briefbook.history`),
    unless ``entered`` gives it (a build reads the history once for every use); ``parts``
    keeps each event's part of the event files between builds."""
    from briefbook import feeds, history

    wanted = set(formats)
    unknown = wanted - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown export format(s): {', '.join(sorted(unknown))}")
    if entered is None:
        entered = {}
        if wanted & {"ics", "feeds"} and root is not None:
            entered = history.first_added(root)
    files = []
    records, features, vevents = (_event_parts(index, site_url, entered, parts)
                                  if wanted & {"json", "geojson", "ics"} else ([], [], []))
    if "json" in wanted:
        files.append(ExportFile("events.json",
                                _json_listing(_events_head(site_url), "events", records)))
        files.append(ExportFile("events.schema.json", _json(events_schema(site_url))))
    if "csv" in wanted:
        files.append(ExportFile("events.csv", events_csv(index, site_url).encode("utf-8")))
    if "geojson" in wanted:
        files.append(ExportFile("events.geojson", _json_listing(
            {"type": "FeatureCollection"}, "features", features)))
    if "ics" in wanted:
        files.append(ExportFile("events.ics", _calendar(vevents)))
    if "actors" in wanted:
        files.append(ExportFile("actors.json", _json(actors_document(index, site_url))))
    if "sources" in wanted:
        files.append(ExportFile("sources.json", _json(sources_document(index, site_url))))
    if "names" in wanted:
        files.append(ExportFile("names.json", _json(names_document(index, site_url))))
    if "feeds" in wanted:
        files.extend(ExportFile(path, content)
                     for path, content in feeds.feed_files(index, site_url, entered, parts))
    return files


def write_exports(index: Index, out_dir: Path, site_url: str, *,
                  formats: Iterable[str] = FORMATS, root: Path | None = None) -> list[Path]:
    """Write the exports into ``out_dir`` (the plugin calls it at build end with the site's
    ``data/`` folder); return the files written, in a fixed order."""
    written = []
    for file in export_files(index, site_url, formats, root=root):
        target = out_dir / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.content)
        written.append(target)
    return written


# --- The data page -------------------------------------------------------------------------

DATA_PAGE = f"{DATA_DIR}/index.md"
"""Where the data page goes in the docs tree."""
DEFAULT_LICENCE = (
    "The data are the book's own content and are published under the same terms as the "
    "site. Each quotation is a short excerpt of an archived document, reproduced to show "
    "where a statement comes from; the documents remain their publishers'. Events imported "
    "from another dataset (their `origin` says which) remain under that dataset's terms."
)
_FILES = (
    ("events.json", "Every event with its references resolved: date (as written, its "
     "label and its range), type, place with coordinates, perpetrators, targets, attribution "
     "tracks (who, how, by whom, with what confidence, on which quote), citations (source, "
     "verbatim quote, figures), responses, tags, summary and page URL. Described by "
     "[events.schema.json]({schema})."),
    ("events.csv", "One row per event, for spreadsheets: ACLED's column names where a field "
     "maps onto one, then briefbook's own (below). Cells a spreadsheet would run as a "
     "formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) start with a "
     "`'`, as OWASP advises; `briefbook import acled` reads the file back."),
    ("events.geojson", "GeoJSON (RFC 7946): a point for each event with a place, longitude "
     "first, with its title, date, type and page URL."),
    ("events.ics", "iCalendar: an all-day entry for each event, spanning the whole range of "
     "an imprecise date (a month, a season, an interval), with its page URL."),
    ("actors.json", "Every actor: name, kind, aliases, relations (with their quote or "
     "basis), the events in which it plays each role, profile, page and feed URLs."),
    ("sources.json", "Every archived source's bibliographic record: title, publisher, "
     "authors, date, kind, original and archived URLs, and the events that cite it (not its "
     "text, which stays on its page)."),
    ("names.json", "Every name and alias of every actor and place, one entry a name, with "
     "its page: a list for matching the names in other texts (the site's search uses it to "
     "put the record a reader names exactly first)."),
    ("feeds/events.xml", "Atom feed of the newest events, by when each entered the book."),
    ("feeds/actors/<id>.xml", "Atom feed of the events involving one actor (linked from the "
     "actor's page)."),
)


def data_page(site_url: str, licence: str = DEFAULT_LICENCE) -> str:
    """The Markdown of the data page (``DATA_PAGE``): each export, the CSV's columns, the
    schema and the licence.  Links to the files are absolute when the site has a URL, so
    MkDocs does not look for them among the docs (they are written after the build)."""
    def link(name: str) -> str:
        return join_url(site_url, f"{DATA_DIR}/{name}") if site_url else name

    lines = [
        "# Data",
        "",
        "The book's data, for spreadsheets, maps, calendars, feed readers and other trackers. "
        "Every file is rebuilt with the site from the same checked content, and "
        f"`briefbook export --out DIR` writes them locally. The JSON layout is version "
        f"{SCHEMA_VERSION}.",
        "",
        "| File | What it holds |",
        "|---|---|",
    ]
    for name, doc in _FILES:
        shown = f"[`{name}`]({link(name)})" if "<" not in name else f"`{name}`"
        lines.append(f"| {shown} | {_cell(doc.format(schema=link('events.schema.json')))} |")
    lines += ["", "## Columns of events.csv", "", "| Column | Meaning |", "|---|---|"]
    lines += [f"| `{name}` | {_cell(COLUMN_DOCS[name])} |" for name in CSV_COLUMNS]
    lines += ["", "## Licence", "", licence, ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")  # a bare '|' would end the table cell
