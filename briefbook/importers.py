"""Importers: start or extend a book from an ACLED-layout CSV or a TimelineJS JSON file.

Each importer turns the rows it can read into event files, plus placeholder actors and
places for the ids the events name, written into a folder for review (laid out like a book:
``events/<year>/<id>.yaml``, ``docs/actors/<id>.md``, ``docs/places/<id>.md``).  It never
overwrites a file; a row it cannot read, or that is likely a duplicate of an event the book
(or this import) already has, is reported with its line and not written.

Neither format carries the verbatim quotes briefbook requires, so every citation gets a
``TODO`` quote (and a source id derived from the source's name where no id is known):
``briefbook check`` reports each one until a reviewer quotes the archived source.  Every
imported event records where it came from in ``origin``.

The CSV importer also reads back briefbook's own ``events.csv``: where its columns (``date``,
``type``, ``perpetrators``, ``figures_by_source``...) are present they are used as written.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import html.parser
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from briefbook import dates, model
from briefbook.diagnostics import Diagnostic, Location, Severity
from briefbook.export import FORMULA_TRIGGERS, ITEM_SEPARATOR, LIST_SEPARATOR
from briefbook.fields import SLUG, slugify
from briefbook.text import INVISIBLE
from briefbook.yamltree import invisible_message

TODO_QUOTE = "TODO: quote the passage of this source that reports the event"
"""Found in no source, so `briefbook check` reports the citation until it is replaced."""
TODO_SOURCE = "todo-add-a-source"
TITLE_SIMILARITY = 0.85
"""SequenceMatcher ratio above which two titles on overlapping dates are one event: the
shipped book's most alike titles of distinct events ('Rocket attack on the U.S. embassy'
in June and in December 2020) reach 0.91, but never on overlapping dates."""
MAX_ID_SLUG = 60
"""Characters of a generated id after its date: enough to tell events apart in a folder."""

# ACLED sub-event type -> briefbook event type (the rest become 'other').
ACLED_SUB_TYPES = {
    "shelling/artillery/missile attack": "rocket attack",
    "air/drone strike": "airstrike",
    "remote explosive/landmine/ied": "IED attack",
    "suicide bomb": "IED attack",
    "grenade": "IED attack",
    "armed clash": "small-arms attack",
    "attack": "small-arms attack",
    "arrests": "arrest",
    "peaceful protest": "protest",
    "protest with intervention": "protest",
    "excessive force against protesters": "protest",
    "violent demonstration": "protest",
    "mob violence": "protest",
    "agreement": "diplomatic move",
    "headquarters or base established": "force posture change",
    "change to group/activity": "political development",
    "disrupted weapons use": "shoot-down",
}
# Within 'Shelling/artillery/missile attack' and 'Air/drone strike', the notes' words say
# which weapon it was.
_WEAPON_WORDS = (("drone", "drone attack"), ("missile", "missile strike"),
                 ("rocket", "rocket attack"))
_ACLED_PRECISION = {"1": "locality", "2": "region", "3": "region"}
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d %b %Y")


class RowError(ValueError):
    """A row that cannot be imported; the message says why."""


def restore_cell(value: str) -> str:
    """Undo `export.neutralise_cell`: the quote it put before a formula trigger."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


@dataclass
class Candidate:
    """An event read from a row, with the placeholders it needs."""

    id: str
    date: dates.Edtf
    title: str
    data: dict[str, Any]
    """The event file's fields, in the schema's order."""
    line: int
    place: dict[str, Any] | None = None
    actors: dict[str, str] = field(default_factory=dict)
    """Actor id to the name the row gives it."""


@dataclass
class Imported:
    """What an import wrote and what it reported."""

    written: list[Path] = field(default_factory=list)
    events: int = 0
    problems: list[Diagnostic] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Known:
    """An event already in the book (or imported earlier in this run), for duplicates."""

    id: str
    date: dates.Edtf
    place: str | None
    title: str


# --- Duplicates ----------------------------------------------------------------------------

def _normal_title(title: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", title.casefold()))


WIDE_DAYS = 400
"""Dates spanning more days than this are compared with every event, not by day."""


class KnownEvents:
    """Events a new one may repeat, indexed by the days their dates cover, so that each
    new event is compared only with those whose dates overlap its own (an ACLED export
    holds tens of thousands of rows; comparing every pair took minutes)."""

    def __init__(self, events: Iterable[Known] = ()) -> None:
        self.ids: dict[str, Known] = {}
        self.by_day: dict[dt.date, list[Known]] = defaultdict(list)
        self.by_place_day: dict[tuple[str, dt.date], Known] = {}
        self.wide: list[Known] = []
        for event in events:
            self.add(event)

    def add(self, event: Known) -> None:
        self.ids.setdefault(event.id, event)
        first, last = event.date.earliest, event.date.latest
        if first == last and event.place:
            self.by_place_day.setdefault((event.place, first), event)
        if (last - first).days > WIDE_DAYS:
            self.wide.append(event)
            return
        for offset in range((last - first).days + 1):
            self.by_day[first + dt.timedelta(days=offset)].append(event)

    def overlapping(self, date: dates.Edtf) -> Iterator[Known]:
        first, last = date.earliest, date.latest
        seen: set[str] = set()
        if (last - first).days > WIDE_DAYS:
            days: Iterable[list[Known]] = self.by_day.values()
        else:
            days = (self.by_day.get(first + dt.timedelta(days=o), [])
                    for o in range((last - first).days + 1))
        for events in (*days, self.wide):
            for event in events:
                if event.id not in seen and (event.date.earliest <= last
                                             and first <= event.date.latest):
                    seen.add(event.id)
                    yield event

    def duplicate_of(self, candidate: Candidate) -> tuple[str, str] | None:
        """(id, why) of a known event this one probably repeats: the same id, the same day
        and place, or a close title on overlapping dates."""
        if candidate.id in self.ids:
            return candidate.id, "the same id"
        place = candidate.data.get("place")
        date = candidate.date
        if place and date.earliest == date.latest:
            same = self.by_place_day.get((place, date.earliest))
            if same is not None:
                return same.id, "the same day and place"
        matcher = difflib.SequenceMatcher(None, b=_normal_title(candidate.title))
        for other in self.overlapping(date):
            matcher.set_seq1(_normal_title(other.title))
            if (matcher.real_quick_ratio() >= TITLE_SIMILARITY
                    and matcher.quick_ratio() >= TITLE_SIMILARITY
                    and matcher.ratio() >= TITLE_SIMILARITY):
                return other.id, "a close title on overlapping dates"
        return None


def known_events(book: model.Book | None) -> KnownEvents:
    if book is None:
        return KnownEvents()
    return KnownEvents(Known(e.id, e.date, e.place.id if e.place else None, e.title)
                       for e in book.events)


# --- Shared row helpers --------------------------------------------------------------------

def _split(value: str, separator: str = LIST_SEPARATOR) -> list[str]:
    return [part.strip() for part in value.split(separator.strip()) if part.strip()]


def _slug(value: str, what: str) -> str:
    value = value.strip()
    if not SLUG.fullmatch(value):
        raise RowError(f"{what} '{value}' is not an id (lowercase letters, digits, hyphens)")
    return value


def _title(text: str) -> str:
    # Titles become page titles, which may not hold angle brackets.
    title = " ".join(text.replace("<", "(").replace(">", ")").split())
    return title[:200].rstrip()


def _event_id(date: dates.Edtf, words: str, taken: set[str], fallback: str) -> str:
    prefix = {"day": date.earliest.isoformat(),
              "month": date.earliest.isoformat()[:7]}.get(date.precision,
                                                           str(date.earliest.year))
    if date.precision == "interval":
        prefix = date.earliest.isoformat()
    slug = slugify(words)[:MAX_ID_SLUG].rstrip("-") or "event"
    candidate = f"{prefix}-{slug}"
    if candidate in taken and slugify(fallback):
        candidate = f"{candidate}-{slugify(fallback)}"
    number = 2
    base = candidate
    while candidate in taken:
        candidate = f"{base}-{number}"
        number += 1
    return candidate


def _number(value: str, what: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise RowError(f"{what} '{value}' is not a number") from None
    if not low <= number <= high:
        raise RowError(f"{what} {value} is out of range ({low:g} to {high:g})")
    return number


def _citation(source: str, reports: dict[str, str] | None = None) -> dict[str, Any]:
    citation: dict[str, Any] = {"source": source, "quote": TODO_QUOTE}
    if reports:
        citation["reports"] = reports
    return citation


def parse_figures(cell: str) -> list[dict[str, Any]]:
    """Read `export.format_figures`: ``src: rockets=10, killed=at least 2 | src2``."""
    citations = []
    for part in _split(cell, ITEM_SEPARATOR):
        source, _, figures = part.partition(":")
        reports: dict[str, str] = {}
        for item in _split(figures, ","):
            name, equals, value = item.partition("=")
            name = name.strip()
            if not equals or name not in model.FIGURE_NAMES:
                raise RowError(f"figure '{item}' is not written as name=number "
                               f"({', '.join(model.FIGURE_NAMES)})")
            reports[name] = value.strip()
        citations.append(_citation(_slug(source, "source"), reports))
    return citations


_ATTRIBUTION = re.compile(r"(?P<actor>[^:]+): (?P<status>[a-z ]+?)(?: \((?P<confidence>[a-z]+)\))?"
                          r" by (?P<by>\S+) in (?P<source>\S+)")


def parse_attribution(cell: str) -> list[dict[str, Any]]:
    """Read `export.format_attribution`: ``actor: status (confidence) by who in source``."""
    tracks = []
    for part in _split(cell, ITEM_SEPARATOR):
        m = _ATTRIBUTION.fullmatch(part)
        if not m or m.group("status") not in model.ATTRIBUTION_STATUSES:
            raise RowError(f"attribution '{part}' is not 'actor: status (confidence) by "
                           "actor in source'")
        track: dict[str, Any] = {"actor": _slug(m.group("actor"), "actor"),
                                 "status": m.group("status"),
                                 "by": _slug(m.group("by"), "actor")}
        if m.group("confidence"):
            track["confidence"] = m.group("confidence")
        track["source"] = _slug(m.group("source"), "source")
        track["quote"] = TODO_QUOTE
        tracks.append(track)
    return tracks


def _event_data(*, title: str, date: dates.Edtf, type_: str, place: str | None,
                perpetrators: Sequence[str], targets: Sequence[str],
                attribution: Sequence[dict[str, Any]], citations: Sequence[dict[str, Any]],
                tags: Sequence[str], summary: str, origin: str) -> dict[str, Any]:
    data: dict[str, Any] = {"title": title, "date": date.text, "type": type_}
    if place:
        data["place"] = place
    if perpetrators:
        data["perpetrators"] = list(dict.fromkeys(perpetrators))
    if targets:
        data["targets"] = list(dict.fromkeys(targets))
    if attribution:
        data["attribution"] = list(attribution)
    data["citations"] = list(citations)
    if tags:
        data["tags"] = list(dict.fromkeys(tags))
    if summary.strip():
        data["summary"] = summary
    data["origin"] = origin
    return data


# --- ACLED CSV -----------------------------------------------------------------------------

def _acled_date(row: dict[str, str]) -> dates.Edtf:
    written = row.get("date", "").strip()
    if written:
        try:
            return dates.parse(written)
        except dates.EdtfError as exc:
            raise RowError(f"date: {exc}") from None
    text = row.get("event_date", "").strip()
    if not text:
        raise RowError("event_date is empty")
    for form in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, form).date()
            break
        except ValueError:
            continue
    else:
        raise RowError(f"event_date '{text}' is not a date like 2021-02-15 or 15 February 2021")
    precision = row.get("time_precision", "1").strip() or "1"
    if precision == "3":
        return dates.parse(day.isoformat()[:7])
    return dates.parse(day.isoformat() + ("~" if precision == "2" else ""))


def _acled_type(row: dict[str, str]) -> str:
    written = row.get("type", "").strip()
    if written:
        if written not in model.EVENT_TYPES:
            raise RowError(f"type '{written}' is not a briefbook event type")
        return written
    sub_type = row.get("sub_event_type", "").strip().casefold()
    mapped = ACLED_SUB_TYPES.get(sub_type, "other")
    if sub_type in ("shelling/artillery/missile attack", "air/drone strike"):
        notes = row.get("notes", "").casefold()
        mapped = next((kind for word, kind in _WEAPON_WORDS if word in notes), mapped)
    return mapped


def _actors(row: dict[str, str], ids_column: str, first: str,
            rest: str) -> tuple[list[str], dict[str, str]]:
    names = [n for n in [row.get(first, "").strip(), *_split(row.get(rest, ""))] if n]
    written = row.get(ids_column, "").strip()
    if written:
        ids = [_slug(i, ids_column.rstrip("s")) for i in _split(written)]
    else:
        ids = [slugify(n) for n in names if slugify(n)]
    return ids, {i: (names[n] if n < len(names) else i) for n, i in enumerate(ids)}


def visible(values: dict[str, str]) -> dict[str, str]:
    """``values`` with line breaks made '\n'; a control character or an invisible mark
    ("Trojan Source") makes the row unreadable, since the book refuses them in any file."""
    cleaned = {}
    for key, value in values.items():
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        m = INVISIBLE.search(value)
        if m:
            raise RowError(f"'{key}' has an {invisible_message(m.group())}")
        cleaned[key] = value
    return cleaned


def acled_candidate(row: dict[str, str], line: int, file_name: str,
                    taken: set[str], reserved: frozenset[str] = frozenset()) -> Candidate:
    """The event of one row; ``taken`` holds the ids in use, ``reserved`` those of them
    the book has (a row naming one of those is kept under it, and found a duplicate)."""
    row = visible({key: restore_cell(value or "") for key, value in row.items()})
    date = _acled_date(row)
    type_ = _acled_type(row)
    location = row.get("location", "").strip()
    sub_type = row.get("sub_event_type", "").strip() or row.get("event_type", "").strip()
    title = _title(row.get("title", "")) or _title(
        f"{sub_type or type_.capitalize()}{' in ' + location if location else ''}")
    written_id = row.get("event_id_cnty", "").strip()
    if (row.get("date", "").strip() and SLUG.fullmatch(written_id)
            and written_id.startswith(str(date.earliest.year))
            and (written_id not in taken or written_id in reserved)):
        event_id = written_id  # briefbook's own export: the id is the file name
    else:
        event_id = _event_id(date, f"{location} {sub_type or type_}", taken, written_id)
    place_id, place = None, None
    latitude, longitude = row.get("latitude", "").strip(), row.get("longitude", "").strip()
    if location or latitude or longitude or row.get("place", "").strip():
        place_id = (_slug(row["place"], "place") if row.get("place", "").strip()
                    else slugify(location))
        if not place_id:
            raise RowError("latitude and longitude are given but no location")
        place = {
            "name": location or place_id,
            "kind": "site",
            "latitude": _number(latitude, "latitude", -90, 90),
            "longitude": _number(longitude, "longitude", -180, 180),
            "precision": _ACLED_PRECISION.get(row.get("geo_precision", "").strip(), "region"),
        }
    perpetrators, perpetrator_names = _actors(row, "perpetrators", "actor1", "assoc_actor_1")
    targets, target_names = _actors(row, "targets", "actor2", "assoc_actor_2")
    if row.get("figures_by_source", "").strip():
        citations = parse_figures(row["figures_by_source"])
    else:
        sources = [slugify(s) for s in _split(row.get("source", "")) if slugify(s)]
        citations = [_citation(s) for s in sources or [TODO_SOURCE]]
        fatalities = row.get("fatalities", "").strip()
        if fatalities not in ("", "0"):
            if not fatalities.isdigit() or not fatalities.isascii():
                raise RowError(f"fatalities '{fatalities}' is not a whole number")
            citations[0]["reports"] = {"killed": fatalities}
    attribution = parse_attribution(row.get("attribution", ""))
    reference = written_id or f"line {line}"
    data = _event_data(
        title=title, date=date, type_=type_, place=place_id, perpetrators=perpetrators,
        targets=targets, attribution=attribution, citations=citations,
        tags=[_slug(t, "tag") for t in _split(row.get("tags", ""))],
        summary=row.get("notes", ""),
        origin=f"ACLED-layout CSV row {reference} ({file_name}, line {line})")
    actors = {**perpetrator_names, **target_names}
    for track in attribution:
        actors.setdefault(track["actor"], track["actor"])
        actors.setdefault(track["by"], track["by"])
    return Candidate(event_id, date, title, data, line,
                     place={"id": place_id, **place} if place and place_id else None,
                     actors=actors)


def read_acled(path: Path, taken: set[str],
               reserved: frozenset[str] = frozenset()) -> tuple[list[Candidate], list[Diagnostic]]:
    """The events of an ACLED-layout CSV file, and a message for each row it cannot read."""
    shown, name = path.as_posix(), path.name
    problems: list[Diagnostic] = []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raw = path.read_bytes()
        line = raw[: exc.start].count(b"\n") + 1
        return [], [_problem(shown, line, "the file is not UTF-8 text",
                             "save it as UTF-8 (CSV UTF-8 in spreadsheet programs)")]
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return [], [_problem(shown, 1, "the file has no header row",
                             "the first line must name the columns, e.g. event_date,...")]
    header = [h.strip().lstrip("\ufeff") for h in header]
    if "event_date" not in header and "date" not in header:
        return [], [_problem(shown, 1, "the header has no 'event_date' column",
                             "is this an ACLED export? its first line names the columns")]
    candidates = []
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(_problem(shown, line, f"unreadable row: {exc}",
                                     "check the row's quotes; the rest was imported"))
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(_problem(shown, line, f"the row has {len(cells)} fields where "
                                     f"the header has {len(header)}",
                                     "quote cells that hold commas; the rest was imported"))
            continue
        try:
            candidate = acled_candidate(dict(zip(header, cells, strict=True)), line, name,
                                        taken, reserved)
        except RowError as exc:
            problems.append(_problem(shown, line, f"unreadable row: {exc}",
                                     "fix the row and import it again; the rest was imported"))
            continue
        taken.add(candidate.id)
        candidates.append(candidate)
    return candidates, problems


# --- TimelineJS JSON -----------------------------------------------------------------------

class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "br", "li", "div"):
            self.parts.append("\n\n" if tag == "p" else "\n")


def plain_text(markup: str) -> str:
    """The text of TimelineJS's HTML: tags dropped, paragraphs kept apart."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    paragraphs = ["".join(p).strip() for p in re.split(r"\n{2,}", "".join(parser.parts))]
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _timeline_date(value: Any, what: str) -> str:
    if not isinstance(value, dict) or "year" not in value:
        raise RowError(f"'{what}' needs at least a year")
    parts = []
    for key, width in (("year", 4), ("month", 2), ("day", 2)):
        item = value.get(key)
        if item in (None, ""):
            break
        text = str(item).strip()
        if not text.isascii() or not text.isdigit():
            raise RowError(f"'{what}' {key} '{text}' is not a number")
        parts.append(text.zfill(width))
    return "-".join(parts)


def timeline_candidate(item: Any, line: int, number: int, file_name: str,
                       taken: set[str]) -> Candidate:
    if not isinstance(item, dict):
        raise RowError("an event must be an object")
    text: dict[str, Any] = item["text"] if isinstance(item.get("text"), dict) else {}
    media: dict[str, Any] = item["media"] if isinstance(item.get("media"), dict) else {}
    fields = visible({
        "text.headline": plain_text(str(text.get("headline") or "")),
        "text.text": plain_text(str(text.get("text") or "")),
        "media.credit": plain_text(str(media.get("credit") or "")),
        "media.url": str(media.get("url") or ""),
        "group": str(item.get("group") or ""),
        "unique_id": str(item.get("unique_id") or ""),
    })
    headline = fields["text.headline"]
    if not headline:
        raise RowError("the event has no text.headline")
    written = _timeline_date(item.get("start_date"), "start_date")
    if item.get("end_date"):
        written += "/" + _timeline_date(item.get("end_date"), "end_date")
    try:
        date = dates.parse(written)
    except dates.EdtfError as exc:
        raise RowError(f"date: {exc}") from None
    credit, url = fields["media.credit"], fields["media.url"]
    host = re.sub(r"^[a-z]+://(www\.)?", "", url).split("/")[0] if "://" in url else ""
    source = slugify(credit) or slugify(host) or TODO_SOURCE
    group = slugify(fields["group"])
    reference = fields["unique_id"] or f"event {number}"
    summary = fields["text.text"]
    if url:
        summary = (summary + "\n\n" if summary else "") + f"Media: <{url}>"
    title = _title(headline)
    event_id = _event_id(date, title, taken, reference)
    data = _event_data(
        title=title, date=date, type_="other", place=None, perpetrators=(), targets=(),
        attribution=(), citations=[_citation(source)], tags=[group] if group else [],
        summary=summary + ("\n" if summary else ""),
        origin=f"TimelineJS event {reference} ({file_name}, line {line})")
    return Candidate(event_id, date, title, data, line)


def _json_members(text: str, start: int) -> Iterator[tuple[str, int, int]]:
    """(key, value start, value end) of the JSON object at ``start``, by raw_decode."""
    decoder = json.JSONDecoder()
    at = _skip(text, start + 1)
    while at < len(text) and text[at] != "}":
        key, at = decoder.raw_decode(text, at)
        at = _skip(text, at)
        at = _skip(text, at + 1)  # the ':'
        _, end = decoder.raw_decode(text, at)
        yield str(key), at, end
        at = _skip(text, end)
        if at < len(text) and text[at] == ",":
            at = _skip(text, at + 1)


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _json_items(text: str, start: int) -> Iterator[tuple[Any, int]]:
    decoder = json.JSONDecoder()
    at = _skip(text, start + 1)
    while at < len(text) and text[at] != "]":
        value, end = decoder.raw_decode(text, at)
        yield value, at
        at = _skip(text, end)
        if at < len(text) and text[at] == ",":
            at = _skip(text, at + 1)


def read_timelinejs(path: Path, taken: set[str]) -> tuple[list[Candidate], list[Diagnostic]]:
    """The events of a TimelineJS JSON file, and a message for each it cannot read."""
    shown, name = path.as_posix(), path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
        document = json.loads(text)
    except UnicodeDecodeError:
        return [], [_problem(shown, 1, "the file is not UTF-8 text", "save it as UTF-8")]
    except json.JSONDecodeError as exc:
        return [], [_problem(shown, exc.lineno, f"not JSON: {exc.msg}",
                             "fix the file's syntax; nothing was imported")]
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        return [], [_problem(shown, 1, "the file has no 'events' list",
                             "a TimelineJS file is an object with an 'events' array")]
    start = _skip(text, 0)
    events_at = next(at for key, at, _ in _json_members(text, start) if key == "events")
    candidates, problems = [], []
    for number, (item, at) in enumerate(_json_items(text, events_at), start=1):
        line = text.count("\n", 0, at) + 1
        try:
            candidate = timeline_candidate(item, line, number, name, taken)
        except RowError as exc:
            problems.append(_problem(shown, line, f"unreadable event {number}: {exc}",
                                     "fix the event and import it again; the rest was "
                                     "imported"))
            continue
        taken.add(candidate.id)
        candidates.append(candidate)
    return candidates, problems


# --- Writing -------------------------------------------------------------------------------

class _Dumper(yaml.CSafeDumper):
    """libyaml's emitter: the pure-Python one took 15 ms an event."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # briefbook's reader refuses anchors and aliases


def _represent_text(dumper: yaml.CSafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _problem(path: str, line: int, message: str, hint: str,
             severity: Severity = "error") -> Diagnostic:
    return Diagnostic(Location(path, line, 1), severity, message, hint)


def _write_new(path: Path, text: str) -> bool:
    """Write ``text`` to a new file; ``False`` if the file exists (it is never replaced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as out:
            out.write(text)
    except FileExistsError:
        return False
    return True


def _front_matter(data: dict[str, Any], body: str) -> str:
    return f"---\n{dump_yaml(data)}---\n{body}\n"


def write_candidates(candidates: Sequence[Candidate], out_dir: Path, source_name: str,
                     book: model.Book | None, imported: Imported) -> None:
    known = known_events(book)
    actors = {a.id for a in book.actors} if book else set()
    places = {p.id for p in book.places} if book else set()
    written_events: list[Candidate] = []
    for candidate in candidates:
        duplicate = known.duplicate_of(candidate)
        if duplicate is not None:
            imported.problems.append(_problem(
                source_name, candidate.line,
                f"likely duplicate of event '{duplicate[0]}' ({duplicate[1]}), not written",
                "compare the two; import the row again only if it is another event",
                "warning"))
            continue
        target = out_dir / "events" / candidate.id[:4] / f"{candidate.id}.yaml"
        text = ("# yaml-language-server: $schema=../../schema/event.schema.json\n"
                + dump_yaml(candidate.data))
        written = _write_new(target, text)
        # Either way the folder now holds the event: later rows are compared with it.
        known.add(Known(candidate.id, candidate.date, candidate.data.get("place"),
                        candidate.title))
        if not written:
            imported.problems.append(_problem(
                source_name, candidate.line,
                f"{target.relative_to(out_dir).as_posix()} exists, not overwritten",
                "import into an empty folder, or remove the file"))
            continue
        imported.written.append(target)
        imported.events += 1
        written_events.append(candidate)
    _write_placeholders(written_events, out_dir, actors, places, imported)


def _write_placeholders(candidates: Sequence[Candidate], out_dir: Path, actors: set[str],
                        places: set[str], imported: Imported) -> None:
    """A placeholder for each actor and place the written events name that neither the book
    nor the folder has, under the fullest name any row gives it."""
    names: dict[str, tuple[str, str]] = {}
    for candidate in candidates:
        for actor_id, name in candidate.actors.items():
            if actor_id not in names or names[actor_id][0] == actor_id != name:
                names[actor_id] = (name, candidate.data["origin"])
    for actor_id, (name, origin) in names.items():
        if actor_id in actors:
            continue
        path = out_dir / "docs" / "actors" / f"{actor_id}.md"
        if _write_new(path, _front_matter(
                {"name": _title(name) or actor_id, "kind": "organization"},
                f"Placeholder written by `briefbook import` for {origin}: check the name "
                "and kind, add aliases, and write a profile from the sources.")):
            imported.written.append(path)
    for candidate in candidates:
        place = candidate.place
        if place is None or place["id"] in places:
            continue
        places.add(place["id"])
        path = out_dir / "docs" / "places" / f"{place['id']}.md"
        front = {k: v for k, v in place.items() if k != "id"}
        if _write_new(path, _front_matter(
                front, f"Placeholder written by `briefbook import` for "
                f"{candidate.data['origin']}: check the kind, the coordinates and their "
                "precision.")):
            imported.written.append(path)


def import_file(kind: str, path: Path, out_dir: Path,
                book: model.Book | None = None) -> Imported:
    """Import ``path`` (``kind``: 'acled' or 'timelinejs') into ``out_dir``; ``book`` is
    the book whose events and records the import is compared with."""
    reserved = frozenset(e.id for e in book.events) if book else frozenset()
    taken = set(reserved)
    if kind == "acled":
        candidates, problems = read_acled(path, taken, reserved)
    else:
        candidates, problems = read_timelinejs(path, taken)
    imported = Imported(problems=problems)
    write_candidates(candidates, out_dir, path.as_posix(), book, imported)
    imported.problems.sort(key=Diagnostic.sort_key)
    return imported
