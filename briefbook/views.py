"""What each page shows, resolved: the views templates lay out.

The index knows every record and every link between them; a view picks what one page needs
and hands it over resolved (records, not ids), grouped and counted, so a template never
looks anything up, splits an id or counts.  Each function here takes the index and returns
frozen data; nothing here renders text.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from briefbook import classes, model, pictures
from briefbook.dates import MONTHS, Edtf
from briefbook.dates import parse as parse_date
from briefbook.index import Index, Quoted, lag, lag_in_words

Column = TypeVar("Column")

# --- pieces shared by several pages ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lagged:
    """An event seen from another, with the fewest and most days between the two."""

    event: model.Event
    days: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Concern:
    """A note or option that concerns the page's record (lists it, or references it)."""

    kind: str
    record: model.Note | model.Option


def concerns(index: Index, kind: str, record_id: str) -> tuple[Concern, ...]:
    """Notes, then options, each by title."""
    found = [Concern(key.partition(":")[0], record)
             for key, record in index.concerned.get(f"{kind}:{record_id}", {}).items()]
    return tuple(sorted(found, key=lambda c: (c.kind, c.record.sort_key())))


def describe_date(value: Edtf, derived: bool = False) -> str:
    """What a reader should know about a date's precision, or '' for a plain day."""
    parts = []
    if value.precision != "day":
        parts.append({"interval": "a span of days", "season": "season only",
                      "month": "month only", "year": "year only", "decade": "decade only",
                      "century": "century only"}.get(value.precision, value.precision))
    if value.approximate:
        parts.append("approximate")
    if value.uncertain:
        parts.append("uncertain")
    if derived:
        parts.append("derived")
    return ", ".join(parts)


def _actors(index: Index, refs: Iterable[model.Ref]) -> tuple[model.Actor, ...]:
    return tuple(index.actors[ref.id] for ref in refs)


def _events(index: Index, refs: Iterable[model.Ref]) -> tuple[model.Event, ...]:
    return tuple(index.events[ref.id] for ref in refs)


# --- record pages ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordPage:
    """The page of a record kind with no view of its own: the record and what concerns it."""

    record: Any
    concerned: tuple[Concern, ...]


def record_page(index: Index, kind: str, record: model.RecordLike) -> RecordPage:
    return RecordPage(record, concerns(index, kind, record.id))


@dataclass(frozen=True, slots=True)
class Assigned:
    """One attribution: who is said to be responsible, by whom, on what passage."""

    actor: model.Actor
    by: model.Actor
    own_account: bool
    """A claim the actor makes for itself ('by its own account')."""
    confidence: str | None
    quoted: Quoted
    note: str | None


@dataclass(frozen=True, slots=True)
class FigureTable(Generic[Column]):
    """The reported figures: one column per citation that reports figures (a source that
    gives different figures in two passages gets two columns), one row per figure."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[str, tuple[model.Figure | None, ...]], ...]
    disputed: tuple[str, ...]
    """Figures the sources (or passages of one source) report differently."""


@dataclass(frozen=True, slots=True)
class EventPage:
    event: model.Event
    precision: str
    place: model.Place | None
    perpetrators: tuple[model.Actor, ...]
    targets: tuple[model.Actor, ...]
    attribution: tuple[tuple[str, tuple[Assigned, ...]], ...]
    """Attributions by status, in the order of ``ATTRIBUTION_STATUSES``."""
    figures: FigureTable[Quoted]
    citations: tuple[Quoted, ...]
    responds_to: tuple[Lagged, ...]
    answered_by: tuple[Lagged, ...]
    concerned: tuple[Concern, ...]
    glance: Glance | None = None
    """The card the page opens with (see ``glance``)."""


def figure_table(event: model.Event) -> FigureTable[model.Citation]:
    """The event's figure table, from its citations alone (a book with errors has one too)."""
    columns = tuple(c for c in event.citations if c.reports)
    reported = {name for c in columns for name, _ in c.reports}
    names = [n for n in model.FIGURE_NAMES if n in reported]
    rows = tuple((name, tuple(dict(c.reports).get(name) for c in columns)) for name in names)
    disputed = tuple(name for name, row in rows
                     if len({f.value for f in row if f is not None}) > 1)
    return FigureTable(columns, rows, disputed)


def _quoted_columns(index: Index, table: FigureTable[model.Citation]) -> FigureTable[Quoted]:
    return FigureTable(tuple(index.quoted[c] for c in table.columns), table.rows, table.disputed)


def event_page(index: Index, kind: str, event: model.Event) -> EventPage:
    by_status: dict[str, list[Assigned]] = defaultdict(list)
    for a in event.attribution:
        by_status[a.status].append(Assigned(
            index.actors[a.actor.id], index.actors[a.by.id],
            a.status == "claimed" and a.by.id == a.actor.id, a.confidence,
            index.quoted[a.citation], a.note))
    return EventPage(
        event=event,
        precision=describe_date(event.date, event.date_note is not None),
        place=index.places[event.place.id] if event.place else None,
        perpetrators=_actors(index, event.perpetrators),
        targets=_actors(index, event.targets),
        attribution=tuple((status, tuple(by_status[status]))
                          for status in model.ATTRIBUTION_STATUSES if status in by_status),
        figures=_quoted_columns(index, figure_table(event)),
        citations=tuple(index.quoted[c] for c in event.citations),
        responds_to=tuple(Lagged(earlier, lag(earlier, event))
                          for earlier in _events(index, event.responds_to)),
        answered_by=tuple(Lagged(later, lag(event, later))
                          for later in index.answered_by.get(event.id, ())),
        concerned=concerns(index, kind, event.id),
        glance=glance(index, event),
    )


@dataclass(frozen=True, slots=True)
class Related:
    """A relation as the actor's page states it: 'Front for X', or the inverse 'Has front Y'."""

    label: str
    other: model.Actor
    quoted: Quoted | None = None
    basis: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RoleGroup:
    heading: str
    events: tuple[model.Event, ...]

    @property
    def count(self) -> int:
        return len(self.events)


@dataclass(frozen=True, slots=True)
class Mention:
    source: model.Source
    count: int


SEARCH_SEPARATOR = re.compile(r"""[\s\-,:!?=\[\]()"/'’‘“”]+""")
"""Where the reader's search splits words: mkdocs.yml gives Material's search this
``separator``, so that "Iraq's" is the word "Iraq" and "(IRGC)" the word "IRGC". Not ';' or
'&': the index holds HTML, and Material's highlighting would cut an entity such as ``&amp;gt;``."""


def search_words(names: Iterable[str]) -> tuple[str, ...]:
    """A record's names as its page's search tags: every word once, and a name of one word
    twice. Material's search adds up how often the query's words occur in a page's tags
    (there is no phrase match), so the U.S. embassy, with "Baghdad" in two of its names,
    would outrank the page that *is* Baghdad, and "IRGC" would find the Quds Force first."""
    words: dict[str, str] = {}
    single: list[str] = []
    for name in names:
        parts = [part for part in SEARCH_SEPARATOR.split(name) if part]
        for part in parts:
            words.setdefault(part.casefold(), part)
        if len(parts) == 1:
            single.append(parts[0])
    return (*words.values(), *single)


@dataclass(frozen=True, slots=True)
class ActorPage:
    actor: model.Actor
    relations: tuple[Related, ...]
    roles: tuple[RoleGroup, ...]
    mentions: tuple[Mention, ...]
    concerned: tuple[Concern, ...]
    strip: Drawing | None = None
    """The actor's events over time by role; none when no event names it."""

    @property
    def search_words(self) -> tuple[str, ...]:
        return search_words((self.actor.name, *self.actor.aliases))


ROLE_HEADINGS = {
    "perpetrator": "Carried out", "claimed": "Claimed",
    "officially attributed": "Officially attributed to it", "assessed": "Assessed responsible",
    "suspected": "Suspected", "denied": "Denied", "target": "Targeted", "responder": "Responded",
}
"""The roles an actor plays in events, in the order its page lists them."""


def actor_page(index: Index, kind: str, actor: model.Actor) -> ActorPage:
    relations = [Related(r.type.capitalize(), index.actors[r.actor.id],
                         index.quoted[r.citation] if r.citation else None, r.basis, r.note)
                 for r in actor.relations]
    relations += [Related(model.RELATION_INVERSES[type_].capitalize(), other)
                  for type_, other in index.inverse_relations.get(actor.id, ())]
    roles = dict(index.roles.get(actor.id, {}))
    if roles.get("perpetrator"):
        # "Carried out" is a statement of fact: an event whose only basis for naming this
        # actor is a claim or an assessment stays under "Claimed" or "Assessed responsible".
        roles["perpetrator"] = {
            event_id: event for event_id, event in roles["perpetrator"].items()
            if any(p.established and p.actor.id == actor.id
                   for p in perpetrators(index, event))}
    return ActorPage(
        actor=actor,
        relations=tuple(relations),
        roles=tuple(RoleGroup(heading, tuple(roles[role].values()))
                    for role, heading in ROLE_HEADINGS.items() if roles.get(role)),
        mentions=tuple(Mention(source, count)
                       for source, count in index.mentions.get(actor.id, ())),
        concerned=concerns(index, kind, actor.id),
        strip=Drawing(functools.partial(pictures.actor_strip, actor, tuple(
            {e.id: e for events in roles.values() for e in events.values()}.values()),
            us=_us(index))) if roles else None,
    )


@dataclass(frozen=True, slots=True)
class PlacePage:
    place: model.Place
    events: tuple[model.Event, ...]
    locator: Drawing

    @property
    def search_words(self) -> tuple[str, ...]:
        return search_words((self.place.name, *self.place.aliases))


def place_page(index: Index, kind: str, place: model.Place) -> PlacePage:
    events = tuple(index.place_events.get(place.id, ()))
    return PlacePage(place, events, Drawing(
        lambda _link: pictures.locator_map(place, len(events))))


@dataclass(frozen=True, slots=True)
class Stance:
    by: model.Actor
    quoted: Quoted


@dataclass(frozen=True, slots=True)
class OptionPage:
    option: model.Option
    recommended_by: tuple[Stance, ...]
    doubted_by: tuple[Stance, ...]
    events: tuple[model.Event, ...]
    actors: tuple[model.Actor, ...]
    concerned: tuple[Concern, ...]


def _stances(index: Index, stances: Iterable[model.Stance]) -> tuple[Stance, ...]:
    return tuple(Stance(index.actors[s.by.id], index.quoted[s.citation]) for s in stances)


def option_page(index: Index, kind: str, option: model.Option) -> OptionPage:
    return OptionPage(option, _stances(index, option.recommended_by),
                      _stances(index, option.doubted_by), _events(index, option.events),
                      _actors(index, option.actors), concerns(index, kind, option.id))


@dataclass(frozen=True, slots=True)
class NotePage:
    note: model.Note
    events: tuple[model.Event, ...]
    actors: tuple[model.Actor, ...]
    options: tuple[model.Option, ...]


def note_page(index: Index, kind: str, note: model.Note) -> NotePage:
    return NotePage(note, _events(index, note.events), _actors(index, note.actors),
                    tuple(index.options[ref.id] for ref in note.options))


@dataclass(frozen=True, slots=True)
class CitedBy:
    """A citation of the source, seen from the source's page."""

    record: model.Event | model.Option | model.Actor
    role: str
    """What it supports: 'event', 'attribution', 'recommends', 'doubts', 'relation'."""
    quoted: Quoted


@dataclass(frozen=True, slots=True)
class SourcePage:
    source: model.Source
    precision: str
    cited_by: tuple[CitedBy, ...]
    """In the order the quotes appear in the text."""
    citations: int
    sole_source_of: int
    """How many events rest on this source alone."""


def source_page(index: Index, kind: str, source: model.Source) -> SourcePage:
    cited = tuple(CitedBy(c.record, c.role, c.quoted) for c in index.cited_by.get(source.id, ()))
    return SourcePage(source, describe_date(source.published), cited, len(cited),
                      len(index.single_source_events(source.id)))


# --- listings -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventRow:
    event: model.Event
    place: model.Place | None
    sources: int


def events_listing(index: Index) -> tuple[EventRow, ...]:
    return tuple(
        EventRow(e, index.places[e.place.id] if e.place else None,
                 len({c.source.id for c in e.citations}))
        for e in index.book.events)


@dataclass(frozen=True, slots=True)
class Counted:
    """A record with a number a listing shows beside it (its events, its citations)."""

    record: Any
    count: int


def actors_listing(index: Index) -> tuple[tuple[str, tuple[Counted, ...]], ...]:
    """Actors grouped by their kind, in the order of ``ACTOR_KINDS``, each with how many
    events it plays any role in."""
    groups = []
    for actor_kind in model.ACTOR_KINDS:
        rows = tuple(
            Counted(a, len({e for events in index.roles.get(a.id, {}).values() for e in events}))
            for a in index.book.actors if a.kind == actor_kind)
        if rows:
            groups.append((actor_kind, rows))
    return tuple(groups)


def places_listing(index: Index) -> tuple[Counted, ...]:
    return tuple(Counted(p, len(index.place_events.get(p.id, ()))) for p in index.book.places)


def sources_listing(index: Index) -> tuple[Counted, ...]:
    return tuple(Counted(s, len(index.cited_by.get(s.id, ()))) for s in index.book.sources)


@dataclass(frozen=True, slots=True)
class OptionRow:
    option: model.Option
    recommended_by: tuple[model.Actor, ...]
    doubted_by: tuple[model.Actor, ...]
    events: int


def options_listing(index: Index) -> tuple[OptionRow, ...]:
    return tuple(OptionRow(o, tuple(s.by for s in _stances(index, o.recommended_by)),
                           tuple(s.by for s in _stances(index, o.doubted_by)), len(o.events))
                 for o in index.book.options)


def notes_listing(index: Index) -> tuple[model.Note, ...]:
    return index.book.notes


# --- pictures, the timeline, the cycles and the home page ----------------------------------


@dataclass(frozen=True, slots=True)
class Drawing:
    """A picture the view chose, drawn when its page is rendered: the renderer owns the
    links (each page's own relative ``.md`` paths), the view only what to draw."""

    draw: Callable[[pictures.Link], pictures.Picture]


_US_SEEN: dict[int, tuple[tuple[model.Actor, ...], frozenset[str]]] = {}


def _us(index: Index) -> frozenset[str]:
    """The U.S. actors of the book, worked out once per book (every actor page asks)."""
    actors = index.book.actors
    seen = _US_SEEN.get(id(actors))
    if seen is None or seen[0] is not actors:
        _US_SEEN.clear()  # one book at a time; the tuple kept here pins its id
        seen = _US_SEEN[id(actors)] = (actors, classes.us_actors(actors))
    return seen[1]


def book_wide(index: Index) -> tuple[str, ...]:
    """What a page may show of the book beyond its view: the U.S. actors, which decide
    every event's class (``event_class``).  A page is a function of its view and this
    (``memo``)."""
    return tuple(sorted(_us(index)))


def _plain(date: Edtf) -> str:
    """A single date as a reader writes it, without qualifiers: '15 Feb 2021', 'May 2019',
    'spring 2019', '2015', 'the 1980s'."""
    first = date.earliest
    if date.precision == "day":
        return f"{first.day} {MONTHS[first.month - 1]} {first.year}"
    if date.precision == "month":
        return f"{calendar.month_name[first.month]} {first.year}"
    if date.precision == "season":
        return date.label.removeprefix("c. ").rstrip("?").lower()
    if date.precision in ("decade", "century"):
        return f"the {date.label.removeprefix('c. ').rstrip('?')}"
    return str(first.year)


def _qualifiers(*dates: Edtf) -> str:
    words = [w for w, on in (("approximate", any(d.approximate for d in dates)),
                             ("uncertain", any(d.uncertain for d in dates))) if on]
    return f" ({', '.join(words)})" if words else ""


def date_in_words(date: Edtf) -> str:
    """The date as a sentence can carry it, precision included, never a bare '?':
    '15 Feb 2021', 'some time in February 2020', 'some time in 2020',
    'between 1 Jan and 22 Jun 2020', 'between May 2019 and 15 Mar 2020'."""
    if date.precision != "interval":
        words = _plain(date) if date.precision == "day" else f"some time in {_plain(date)}"
        return words + _qualifiers(date)
    start_text, _, end_text = date.text.partition("/")
    ends = [None if part in ("", "..") else parse_date(part)
            for part in (start_text, end_text)]
    start, end = ends
    if start is None and end is None:
        return "date unknown"
    if start is None:
        assert end is not None
        return f"some time up to {_plain(end)}{_qualifiers(end)}"
    if end is None:
        return f"some time from {_plain(start)} on{_qualifiers(start)}"
    first, last = _plain(start), _plain(end)
    if start.precision == "year" and start.earliest.year == end.latest.year:
        return f"some time in {start.earliest.year} up to {last}{_qualifiers(start, end)}"
    if start.precision == end.precision == "day" and start.earliest.year == end.earliest.year:
        a, b = start.earliest, end.earliest
        first = f"{a.day}" if a.month == b.month else f"{a.day} {MONTHS[a.month - 1]}"
    return f"between {first} and {last}{_qualifiers(start, end)}"


CASUALTIES = ("killed", "wounded")


def figures_in_brief(event: model.Event) -> tuple[tuple[str, ...], bool]:
    """The event's figures for one line, casualties first ('killed 1–2', 'wounded 9',
    '14 rockets'): a range where its sources (or passages) differ; and whether they do."""
    table = figure_table(event)
    parts = []
    for name, row in sorted(table.rows, key=lambda r: r[0] not in CASUALTIES):
        reported = [f for f in row if f is not None]
        values = sorted({f.value for f in reported})
        amount = (str(reported[0]) if len(values) == 1
                  else f"{values[0]:,}–{values[-1]:,}")
        parts.append(f"{name} {amount}" if name in CASUALTIES else f"{amount} {name}")
    return tuple(parts), bool(table.disputed)


FOREGROUND_FROM = 2018
"""The timeline opens on this year; earlier years are the book's background, folded."""


@dataclass(frozen=True, slots=True)
class TimelineItem:
    event: model.Event
    mark: str
    """The event's class in the pictures' legend ('attack', 'response', ...)."""
    mark_label: str
    when: str
    """The date in words, the span included ('between 1 Jan and 22 Jun 2020')."""
    derivation: str | None
    """How the date was worked out, where the editors derived it."""
    figures: tuple[str, ...]
    disputed: bool
    place: model.Place | None
    actors: tuple[str, ...]
    """Ids of every actor the event names, for the filter (no repeats)."""
    year: int


@dataclass(frozen=True, slots=True)
class TimelineMonth:
    label: str
    anchor: str
    items: tuple[TimelineItem, ...]


@dataclass(frozen=True, slots=True)
class TimelineYear:
    year: int
    months: tuple[TimelineMonth, ...]
    strip: Drawing | None
    """The year's strip (foreground years only: a background year holds an event or two)."""

    @property
    def count(self) -> int:
        return sum(len(m.items) for m in self.months)


@dataclass(frozen=True, slots=True)
class Timeline:
    background: tuple[TimelineYear, ...]
    """The years before ``FOREGROUND_FROM``: folded by default."""
    foreground: tuple[TimelineYear, ...]
    total: int
    tempo: Drawing
    actors: tuple[model.Actor, ...]
    types: tuple[str, ...]
    places: tuple[model.Place, ...]
    years: tuple[int, ...]
    """What the filters offer: only what some event has."""
    key: tuple[tuple[classes.EventClass, str], ...] = tuple(classes.MARKS.items())
    """Each mark and what it stands for, in the legend's order."""

    @property
    def background_count(self) -> int:
        return sum(y.count for y in self.background)


def placed_on(date: Edtf) -> dt.date:
    """The day an event sits at in the chronology: where its span starts (its end, when the
    start is open)."""
    return date.earliest if date.earliest != dt.date.min else date.latest


def timeline(index: Index) -> Timeline:
    """Every event under the month its date (or span) starts in, months in order, each
    marked with its date in words: a span never leaves the month sequence."""
    us = _us(index)
    months: dict[tuple[int, int], list[TimelineItem]] = defaultdict(list)
    for event in sorted(index.book.events, key=model.Event.sort_key):
        day = placed_on(event.date)
        cls = classes.classify(event, us)
        named = [*event.perpetrators, *event.targets, *(a.actor for a in event.attribution)]
        figures, disputed = figures_in_brief(event)
        months[(day.year, day.month)].append(TimelineItem(
            event, cls, classes.MARKS[cls], date_in_words(event.date), event.date_note, figures,
            disputed, index.places[event.place.id] if event.place else None,
            tuple(dict.fromkeys(ref.id for ref in named)), day.year))
    events = index.book.events
    years: dict[int, list[TimelineMonth]] = defaultdict(list)
    for (year, month), items in sorted(months.items()):
        years[year].append(TimelineMonth(f"{calendar.month_name[month]} {year}",
                                         f"m-{year}-{month:02d}", tuple(items)))
    built = [TimelineYear(year, tuple(ms), Drawing(functools.partial(
        pictures.timeline_strip, year, events, us=us)) if year >= FOREGROUND_FROM else None)
        for year, ms in sorted(years.items())]
    recent = [e for e in events if e.date.latest.year >= FOREGROUND_FROM]
    items = [i for y in built for m in y.months for i in m.items]
    used_actors = {a for i in items for a in i.actors}
    return Timeline(
        background=tuple(y for y in built if y.year < FOREGROUND_FROM),
        foreground=tuple(y for y in built if y.year >= FOREGROUND_FROM),
        total=len(items),
        tempo=Drawing(functools.partial(pictures.tempo_chart, recent, us=us)),
        actors=tuple(sorted((a for a in index.book.actors if a.id in used_actors),
                            key=lambda a: a.name.casefold())),
        types=tuple(t for t in model.EVENT_TYPES if any(i.event.type == t for i in items)),
        places=tuple(sorted((p for p in index.book.places
                             if any(i.place is p for i in items)),
                            key=lambda p: p.name.casefold())),
        years=tuple(y.year for y in built),
    )


@dataclass(frozen=True, slots=True)
class Answered:
    event: model.Event
    lag: str


@dataclass(frozen=True, slots=True)
class Cycle:
    """One U.S. response and everything it answered."""

    response: model.Event
    kind: str
    """'military' or 'diplomatic' (``pictures.classes.us_response``)."""
    responders: tuple[model.Actor, ...]
    answered: tuple[Answered, ...]


@dataclass(frozen=True, slots=True)
class Unanswered:
    attack: model.Event
    previous: model.Event | None
    """The U.S. response that ended last before the attack could have happened."""
    since: str


@dataclass(frozen=True, slots=True)
class Cycles:
    cycles: tuple[Cycle, ...]
    unanswered: tuple[Unanswered, ...]
    other_answers: int
    """Answers that are no U.S. response (militia escalations, statements): not counted."""
    picture: Drawing


def cycles(index: Index) -> Cycles:
    """Each U.S. military or diplomatic response with what it answered, in date order; then
    each attack no U.S. response answers, with the time since the previous U.S. response.
    The rows are the cycles picture's own (``pictures.cycles``), so page and picture agree."""
    us = _us(index)
    events = sorted(index.book.events, key=model.Event.sort_key)
    grouped: dict[str, list[Answered]] = defaultdict(list)
    for row in pictures.cycles.answers(events, us):
        grouped[row.end.id].append(Answered(row.start, lag_in_words(row.days)))
    # A U.S. strike recorded as answering nothing is still a response (of no recorded event).
    responses = {e.id: kind for e in events if (kind := classes.us_response(e, us))}
    found = tuple(Cycle(e, responses[e.id], _actors(index, e.perpetrators),
                        tuple(grouped[e.id])) for e in events if e.id in responses)
    after, before_any = pictures.cycles.silences(events, us)
    unanswered = [Unanswered(row.end, row.start, lag_in_words(row.days)) for row in after]
    unanswered += [Unanswered(attack, None, "") for attack in before_any]
    unanswered.sort(key=lambda u: u.attack.sort_key())
    other = sum(len(e.responds_to) for e in events if e.id not in responses)
    return Cycles(found, tuple(unanswered), other,
                  Drawing(functools.partial(pictures.cycles_chart, events, us=us)))


@dataclass(frozen=True, slots=True)
class SourceFigures:
    """What one source reports, summed over the events it gives figures for."""

    source: model.Source
    events: int
    totals: tuple[tuple[str, int], ...]
    """Figure name to the sum of its lowest reported values, in ``FIGURE_NAMES`` order."""


@dataclass(frozen=True, slots=True)
class Home:
    events: int
    attacks: int
    responses: int
    """U.S. military and diplomatic responses (``pictures.classes.us_response``)."""
    sources: int
    figures: tuple[SourceFigures, ...]
    latest: tuple[TimelineItem, ...]
    judgements: model.Note | None
    judgement_headings: tuple[str, ...]
    tempo: Drawing
    timeline_page: str = "timeline/index.md"
    responses_page: str = "timeline/responses.md"
    pdf: str | None = None
    """The PDF briefing book's file in the site, when the build prints one (``pdf.publish``
    completes the link with the page count once printed)."""


LATEST = 6
JUDGEMENTS_NOTE = "key-judgements"
_HEADING_LINE = re.compile(r"^## +(?:\d+\. +)?(?P<text>.+?) *$", re.MULTILINE)


def home(index: Index, pdf: str | None = None) -> Home:
    """The home page's figures at a glance, and the link to the PDF the build prints when
    ``pdf`` names it; the introduction is the hand-written page."""
    us = _us(index)
    events = index.book.events
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    covered: dict[str, set[str]] = defaultdict(set)
    for event in events:
        # A source quoted twice on one event counts once, with its lowest figure.
        lowest: dict[tuple[str, str], int] = {}
        for citation in event.citations:
            for name, figure in citation.reports:
                key = (citation.source.id, name)
                lowest[key] = min(lowest.get(key, figure.value), figure.value)
        for (source_id, name), value in lowest.items():
            totals[source_id][name] += value
            covered[source_id].add(event.id)
    figures = tuple(
        SourceFigures(s, len(covered[s.id]), tuple((n, totals[s.id][n])
                                                   for n in model.FIGURE_NAMES
                                                   if n in totals[s.id]))
        for s in index.book.sources if covered[s.id])
    shown = timeline(index)
    items = [i for y in shown.foreground for m in y.months for i in m.items]
    note = index.lookup("note").get(JUDGEMENTS_NOTE)
    assert note is None or isinstance(note, model.Note)
    headings = tuple(m["text"] for m in _HEADING_LINE.finditer(note.body.text)) \
        if note is not None and note.body is not None else ()
    recent = [e for e in events if e.date.latest.year >= FOREGROUND_FROM]
    return Home(
        events=len(events),
        attacks=sum(e.type in model.ATTACK_TYPES for e in events),
        responses=sum(classes.us_response(e, us) is not None for e in events),
        sources=len(index.book.sources),
        figures=figures,
        latest=tuple(reversed(items[-LATEST:])),
        judgements=note,
        judgement_headings=headings,
        tempo=Drawing(functools.partial(pictures.tempo_chart, recent, us=us)),
        pdf=pdf,
    )


@dataclass(frozen=True, slots=True)
class PlacesListing:
    rows: tuple[Counted, ...]
    map: Drawing


def places_overview(index: Index) -> PlacesListing:
    """The places listing with its map: every place, sized by its events."""
    return PlacesListing(places_listing(index), Drawing(functools.partial(
        pictures.place_map, index.book.places, index.book.events)))



# --- the reader's book: short source labels, event classes, the "at a glance" card ---------

_KIND_WORDS = {"policy memo": "memo", "intelligence brief": "brief",
               "official statement": "statement"}
"""A source kind as a short label says it ('JINSA memo'); other kinds keep their name."""


def _publisher_short(publisher: str) -> str:
    """'JINSA' for "JINSA's Gemunder Center for ...", 'Soufan Center' for 'The Soufan Center',
    'Rabbit Hole' for 'Rabbit Hole (newsletter)': the name a reader would say."""
    name = publisher.split(" (")[0].strip() or publisher
    first = name.split()[0] if name.split() else name
    possessive = first.removesuffix("'s").removesuffix("’s")
    if possessive != first or (first.isupper() and len(first) > 1):
        return possessive
    return name.removeprefix("The ").strip() or name


def short_date(value: Edtf) -> str:
    """A date as short as a label, with its doubt in words, never a bare '?':
    '15 Feb 2021', 'Feb 2021', 'probably 22–25 Feb 2021', 'about June 2020' (a sentence
    with the whole span is ``date_in_words``)."""
    label = value.label.removeprefix("c. ").removesuffix("?")
    if value.approximate:
        label = f"about {label}"
    if value.uncertain:
        label = f"probably {label}"
    return label


def _month_words(value: Edtf) -> str:
    """The month (or year) a source is from, for its short label: 'Feb 2021', '2019'."""
    first, last = value.earliest, value.latest
    if (first.year, first.month) == (last.year, last.month):
        return f"{calendar.month_abbr[first.month]} {first.year}"
    if first.year == last.year:
        return str(first.year)
    return f"{first.year}–{last.year}"


def source_label(source: model.Source) -> str:
    """The short label a citation shows: 'JINSA memo, Feb 2021'."""
    kind = _KIND_WORDS.get(source.kind, source.kind)
    return f"{_publisher_short(source.publisher)} {kind}, {_month_words(source.published)}"


def source_tooltip(source: model.Source) -> str:
    """What a short label's tooltip says: the full title, publisher and date in words."""
    return f"{source.title} ({source.publisher}, {short_date(source.published)})"


def event_class(index: Index, event: model.Event) -> classes.EventClass:
    """The event's class (``briefbook.classes``), for the book's own U.S. actors: the one
    rule behind every mark, card, listing and picture."""
    return classes.classify(event, _us(index))


def date_precision_words(value: Edtf, derived: bool = False) -> str:
    """How precise a date is, as a sentence a reader needs no glossary for."""
    words = {"day": "the exact day", "interval": "somewhere in this span of days",
             "season": "the season only", "month": "the month only, not the day",
             "year": "the year only", "decade": "the decade only",
             "century": "the century only"}.get(value.precision, value.precision)
    if value.approximate:
        words += ", approximately"
    if value.uncertain:
        words += ", and the source is not sure of it"
    if derived:
        words += "; worked out from the sources' wording (see below)"
    return f"known to {words}"


@dataclass(frozen=True, slots=True)
class FigureRange:
    """One figure across every passage that reports it: 'killed 1–2 · sources disagree'."""

    name: str
    fewest: int
    most: int
    disputed: bool
    qualified: tuple[str, ...]
    """How passages that qualify it word it ('about 14', 'reportedly 2')."""

    @property
    def span(self) -> str:
        return f"{self.fewest}" if self.fewest == self.most else f"{self.fewest}–{self.most}"


@dataclass(frozen=True, slots=True)
class PassageFigures:
    """One passage's figures, one cell per name of ``FigureGrid.names``."""

    quoted: Quoted
    figures: tuple[model.Figure | None, ...]


@dataclass(frozen=True, slots=True)
class FigureGrid:
    """The figure table turned for reading: one row per passage, one column per figure,
    so the passages of one source are told apart by their quote, not a repeated header."""

    names: tuple[str, ...]
    disputed: tuple[str, ...]
    rows: tuple[PassageFigures, ...]


@dataclass(frozen=True, slots=True)
class Blamed:
    actor: model.Actor
    note: str | None


@dataclass(frozen=True, slots=True)
class AttributionGroup:
    """Actors one source holds responsible in one passage, at one confidence: one quote."""

    by: model.Actor
    own_account: bool
    confidence: str | None
    quoted: Quoted
    actors: tuple[Blamed, ...]


@dataclass(frozen=True, slots=True)
class ByWhom:
    """The card's part of a status line: who says it, how confidently, of whom."""

    by: model.Actor
    own_account: bool
    confidence: str | None
    actors: tuple[model.Actor, ...]


@dataclass(frozen=True, slots=True)
class AttributionLine:
    status: str
    groups: tuple[AttributionGroup, ...]
    """Grouped by passage, for 'Who is responsible'."""
    says: tuple[ByWhom, ...]
    """Grouped by who says it and how confidently, for the card."""


@dataclass(frozen=True, slots=True)
class Perpetrator:
    actor: model.Actor
    established: bool
    """Shown as 'Carried out by': the event type needs no attribution (the actor of a
    statement is who the passage names), or an official attribution supports it.  An actor
    resting on a claim or an assessment alone is shown only as claimed or assessed."""


@dataclass(frozen=True, slots=True)
class Glance:
    """What an event page says first: when, where, what, how many, who, and what followed."""

    when: str
    precision: str
    place: model.Place | None
    type: str
    event_class: classes.EventClass
    figures: tuple[FigureRange, ...]
    carried_out_by: tuple[model.Actor, ...]
    attribution: tuple[AttributionLine, ...]
    responds_to: tuple[Lagged, ...]
    answered_by: tuple[Lagged, ...]
    definitions: model.Note | None
    """The note whose estimative-language table defines the confidence words."""
    grid: FigureGrid


def figure_ranges(table: FigureTable[Any]) -> tuple[FigureRange, ...]:
    ranges = []
    for name, cells in table.rows:
        values = [f for f in cells if f is not None]
        ranges.append(FigureRange(name, min(f.value for f in values),
                                  max(f.value for f in values), name in table.disputed,
                                  tuple(dict.fromkeys(str(f) for f in values
                                                      if f.qualifier))))
    return tuple(ranges)


def figure_grid(table: FigureTable[Quoted]) -> FigureGrid:
    names = tuple(name for name, _ in table.rows)
    rows = tuple(PassageFigures(q, tuple(cells[i] for _, cells in table.rows))
                 for i, q in enumerate(table.columns))
    return FigureGrid(names, table.disputed, rows)


def attribution_lines(index: Index, event: model.Event) -> tuple[AttributionLine, ...]:
    by_passage: dict[str, dict[tuple[str, str | None, str, str], list[Blamed]]] = \
        defaultdict(dict)
    quoted: dict[tuple[str, str | None, str, str], Quoted] = {}
    for a in event.attribution:
        key = (a.by.id, a.confidence, a.citation.source.id, a.citation.quote)
        quoted.setdefault(key, index.quoted[a.citation])
        by_passage[a.status].setdefault(key, []).append(Blamed(index.actors[a.actor.id], a.note))
    lines = []
    for status in model.ATTRIBUTION_STATUSES:
        if status not in by_passage:
            continue
        groups = tuple(AttributionGroup(index.actors[by], status == "claimed" and
                                        [b.actor.id for b in blamed] == [by],
                                        confidence, quoted[(by, confidence, s, q)],
                                        tuple(blamed))
                       for (by, confidence, s, q), blamed in by_passage[status].items())
        says: dict[tuple[str, str | None], dict[str, model.Actor]] = defaultdict(dict)
        for g in groups:
            for b in g.actors:
                says[(g.by.id, g.confidence)].setdefault(b.actor.id, b.actor)
        lines.append(AttributionLine(status, groups, tuple(
            ByWhom(index.actors[by], status == "claimed" and list(actors) == [by],
                   confidence, tuple(actors.values()))
            for (by, confidence), actors in says.items())))
    return tuple(lines)


def perpetrators(index: Index, event: model.Event) -> tuple[Perpetrator, ...]:
    official = {a.actor.id for a in event.attribution if a.status == "officially attributed"}
    needs_attribution = event.type in model.RESPONSIBILITY_TYPES
    return tuple(Perpetrator(index.actors[ref.id],
                             not needs_attribution or ref.id in official)
                 for ref in event.perpetrators)


def _definitions(index: Index) -> model.Note | None:
    return next((n for n in index.book.notes if n.estimative_language), None)


def glance(index: Index, event: model.Event) -> Glance:
    table = _quoted_columns(index, figure_table(event))
    return Glance(
        when=short_date(event.date),
        precision=date_precision_words(event.date, event.date_note is not None),
        place=index.places[event.place.id] if event.place else None,
        type=event.type,
        event_class=event_class(index, event),
        figures=figure_ranges(table),
        carried_out_by=tuple(p.actor for p in perpetrators(index, event) if p.established),
        attribution=attribution_lines(index, event),
        responds_to=tuple(Lagged(earlier, lag(earlier, event))
                          for earlier in _events(index, event.responds_to)),
        answered_by=tuple(Lagged(later, lag(event, later))
                          for later in index.answered_by.get(event.id, ())),
        definitions=_definitions(index),
        grid=figure_grid(table),
    )
