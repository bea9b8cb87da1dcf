"""The records of a briefing book: frozen, typed, and each able to say where it was written.

Records hold references as ``Ref`` (an id plus where it was written) so that the index stage
can report an unknown id at the exact line.  Nothing here reads files or renders anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from briefbook.dates import Edtf
from briefbook.diagnostics import Location

EVENT_TYPES = (
    "rocket attack", "missile strike", "drone attack", "IED attack", "small-arms attack",
    "airstrike", "raid", "arrest", "protest", "shoot-down", "sanctions",
    "official statement", "diplomatic move", "force posture change", "military exercise",
    "nuclear development", "political development", "other",
)
ATTACK_TYPES = frozenset({
    "rocket attack", "missile strike", "drone attack", "IED attack", "small-arms attack",
})
"""Types that are attacks (the benchmark's synthetic books draw on them)."""

ATTRIBUTION_STATUSES = ("claimed", "denied", "officially attributed", "assessed", "suspected")
CONFIDENCE_LEVELS = ("low", "moderate", "high")
FIGURE_NAMES = ("attacks", "rockets", "missiles", "drones", "strikes", "killed", "wounded")
FIGURE_QUALIFIERS = (
    "at least", "at most", "up to", "over", "more than", "fewer than", "about", "nearly",
    "reportedly",
)
"""'reportedly' is no bound: it keeps a source's second-hand figure ("reportedly killing
two") from reading as firm as a figure the source states as its own."""
SOURCE_KINDS = (
    "policy memo", "article", "newsletter", "intelligence brief", "official statement", "dataset",
)
ACTOR_KINDS = (
    "state", "state organ", "militia", "front group", "person", "government", "coalition",
    "organization",
)
RELATION_TYPES = ("front for", "sponsored by", "part of", "led by")
RELATION_INVERSES = {
    "front for": "has front",
    "sponsored by": "sponsors",
    "part of": "includes",
    "led by": "leads",
}
PLACE_KINDS = ("base", "embassy", "airport", "city", "region", "country", "facility", "site")
PLACE_PRECISIONS = ("site", "locality", "region", "country")
EDITOR_BASES = ("public record", "editor's inference", "identification")
"""Why the editor may say what no cited document says: widely published fact, a conclusion
drawn from the documents, or saying which real-world entity a document's words name."""
RESPONSIBILITY_TYPES = ATTACK_TYPES | {"airstrike", "raid", "shoot-down"}
"""Event types whose perpetrator is a claim of responsibility, which an attribution must
make; the actor of a statement, a diplomatic move or a posture change is simply reported."""
PERPETRATOR_STATUSES = ("claimed", "officially attributed", "assessed")
"""Attribution statuses that support listing an actor as a perpetrator ('assessed' only as
an assessment, with its confidence)."""


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to another record by id, remembering where it was written."""

    id: str
    at: Location


@dataclass(frozen=True, slots=True)
class Figure:
    """A number as a source states it: ``10``, ``at least 10``, ``up to 110``."""

    value: int
    qualifier: str | None = None

    def __str__(self) -> str:
        return f"{self.qualifier} {self.value:,}" if self.qualifier else f"{self.value:,}"


@dataclass(frozen=True, slots=True)
class Citation:
    """A verbatim passage of one source that supports a claim."""

    source: Ref
    quote: str
    at: Location
    """Where the quote is written, for 'quote not found' messages."""
    reports: tuple[tuple[str, Figure], ...] = ()
    """Figures this source reports, in the order of ``FIGURE_NAMES``."""


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who is said to be responsible, by whom, how, and on what evidence."""

    actor: Ref
    status: str
    by: Ref
    citation: Citation
    at: Location
    confidence: str | None = None
    note: str | None = None
    confidence_at: Location | None = None
    """Where 'confidence' is written, for the estimative-language check."""


@dataclass(frozen=True, slots=True)
class Stance:
    """An actor recommending or doubting a policy option, in their own words."""

    by: Ref
    citation: Citation
    at: Location


@dataclass(frozen=True, slots=True)
class Relation:
    """A typed link from one actor to another: 'front for', 'sponsored by', ..."""

    type: str
    actor: Ref
    at: Location
    citation: Citation | None = None
    basis: str | None = None
    """For a relation no quote states: why the editor asserts it (``EDITOR_BASES``)."""
    note: str | None = None


REFERENCE = re.compile(r"\[\[(?P<kind>[a-z]+):(?P<id>[^\]|\s]+)(?:\|(?P<label>[^\]\n]*))?\]\]")
"""Inline reference in prose: ``[[event:2021-02-15-erbil-rocket-attack]]`` or
``[[actor:kataib-hezbollah|Kata'ib Hezbollah]]``."""
_ANY_REFERENCE = re.compile(r"\[\[[^\[\]\n]*\]\]")


@dataclass(frozen=True, slots=True)
class InlineRef:
    """A ``[[...]]`` written in prose; ``kind`` is empty when it is malformed."""

    kind: str
    ref: Ref
    written: str


@dataclass(frozen=True, slots=True)
class Prose:
    """Analyst-written Markdown, which may reference records as ``[[kind:id]]``."""

    text: str
    at: Location
    """Where the text's first line is."""
    refs: tuple[InlineRef, ...] = ()


def prose(text: str, at: Location, raw: str | None = None) -> Prose:
    """Prose with its inline references located in the file.

    ``raw`` is the file's text when ``text`` came out of a YAML scalar, whose folding,
    indentation and quoting move characters: each reference is then found in the file
    itself, from the scalar's position on.
    """
    if "[[" not in text:
        return Prose(text, at)
    refs = []
    lines = raw.split("\n") if raw is not None else None
    search_from = 0
    if lines is not None:
        search_from = sum(len(line) + 1 for line in lines[: at.line - 1]) + at.col - 1
    # Lines are counted from the previous reference on, never from the start: counting from
    # the start for each of 35,000 references in one note took minutes.
    raw_lines = _LineCounter(raw) if raw is not None else None
    text_lines = _LineCounter(text)
    for m in _ANY_REFERENCE.finditer(text):
        strict = REFERENCE.fullmatch(m.group(0))
        kind = strict.group("kind") if strict else ""
        record_id = strict.group("id") if strict else m.group(0)[2:-2]
        where = -1
        if raw is not None:
            prefix = m.group(0).split("|")[0].rstrip("]")
            where = raw.find(prefix, search_from)
        if where >= 0 and raw_lines is not None:
            search_from = where + 1
            line, col = raw_lines.locate(where)
            line, col = line + 1, col + 1
        else:
            line_in_text, col_in_text = text_lines.locate(m.start())
            line = at.line + line_in_text
            col = col_in_text + (at.col if line_in_text == 0 else 1)
        refs.append(InlineRef(kind, Ref(record_id, Location(at.path, line, col)), m.group(0)))
    return Prose(text, at, tuple(refs))


class _LineCounter:
    """Line and column (from 0) of positions in a text, asked in increasing order: each
    question scans only the text since the previous one."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.line = 0
        self.line_start = 0

    def locate(self, position: int) -> tuple[int, int]:
        if position < self.position:  # out of order: start again (never in practice)
            self.position = self.line = self.line_start = 0
        newlines = self.text.count("\n", self.position, position)
        if newlines:
            self.line += newlines
            self.line_start = self.text.rfind("\n", self.position, position) + 1
        self.position = position
        return self.line, position - self.line_start


@dataclass(frozen=True, slots=True)
class EditorNote:
    """What the editor adds from outside the cited documents, with its basis; shown apart
    from the sourced text so a reader can tell who says what."""

    basis: str
    text: Prose
    at: Location


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    path: str
    title: str
    date: Edtf
    type: str
    citations: tuple[Citation, ...]
    date_note: str | None = None
    place: Ref | None = None
    perpetrators: tuple[Ref, ...] = ()
    targets: tuple[Ref, ...] = ()
    attribution: tuple[Attribution, ...] = ()
    responds_to: tuple[Ref, ...] = ()
    tags: tuple[str, ...] = ()
    single_source: str | None = None
    summary: Prose | None = None
    editor_notes: tuple[EditorNote, ...] = ()
    origin: str | None = None
    """Where an imported event came from (file, row), for its reviewer."""

    @property
    def body(self) -> Prose | None:
        return self.summary

    def sort_key(self) -> tuple[object, ...]:
        return (*self.date.sort_key(), self.id)


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    path: str
    title: str
    publisher: str
    published: Edtf
    kind: str
    text: str
    """The archived document, verbatim."""
    text_line: int
    """The file line on which ``text`` starts."""
    authors: tuple[str, ...] = ()
    published_note: str | None = None
    url: str | None = None
    archive_url: str | None = None
    url_unknown: str | None = None
    accessed: Edtf | None = None
    boilerplate: tuple[str, ...] = ()
    capture_notes: tuple[str, ...] = ()
    editor_notes: tuple[EditorNote, ...] = ()

    @property
    def body(self) -> Prose | None:
        return None  # the archived text is the document itself, shown verbatim

    def sort_key(self) -> tuple[object, ...]:
        return (*self.published.sort_key(), self.id)


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    path: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    relations: tuple[Relation, ...] = ()
    body: Prose | None = None
    """The profile written from the sources."""
    editor_notes: tuple[EditorNote, ...] = ()

    @property
    def title(self) -> str:
        return self.name

    def sort_key(self) -> tuple[object, ...]:
        return (self.name.casefold(), self.id)


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    path: str
    name: str
    kind: str
    latitude: float
    longitude: float
    precision: str
    country: str | None = None
    aliases: tuple[str, ...] = ()
    body: Prose | None = None
    """An optional description."""
    editor_notes: tuple[EditorNote, ...] = ()

    @property
    def title(self) -> str:
        return self.name

    def sort_key(self) -> tuple[object, ...]:
        return (self.name.casefold(), self.id)


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    path: str
    title: str
    recommended_by: tuple[Stance, ...] = ()
    doubted_by: tuple[Stance, ...] = ()
    events: tuple[Ref, ...] = ()
    actors: tuple[Ref, ...] = ()
    body: Prose | None = None
    editor_notes: tuple[EditorNote, ...] = ()

    def sort_key(self) -> tuple[object, ...]:
        return (self.title.casefold(), self.id)


@dataclass(frozen=True, slots=True)
class Note:
    id: str
    path: str
    title: str
    author: str
    date: Edtf
    events: tuple[Ref, ...] = ()
    actors: tuple[Ref, ...] = ()
    options: tuple[Ref, ...] = ()
    body: Prose | None = None
    estimative_language: tuple[tuple[str, str], ...] = ()
    """Phrase of estimative language to the confidence level it expresses."""
    estimative_at: Location | None = None
    """Where the table is written."""
    editor_notes: tuple[EditorNote, ...] = ()

    def sort_key(self) -> tuple[object, ...]:
        return (self.title.casefold(), self.id)


Record = Event | Source | Actor | Place | Option | Note


class RecordLike(Protocol):
    """What every record kind answers the same way, whatever its content fields are
    called: a record of a kind registered in ``kinds`` needs no more than this."""

    @property
    def id(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def body(self) -> Prose | None: ...
    @property
    def editor_notes(self) -> tuple[EditorNote, ...]: ...
    def sort_key(self) -> tuple[object, ...]: ...


@dataclass(frozen=True)
class Book:
    """Every record of a book by kind, each kind sorted with stable tie-breakers."""

    records: dict[str, tuple[RecordLike, ...]] = field(default_factory=dict)
    """Kind name ('event') to its records."""
    inputs: dict[str, str] = field(default_factory=dict, compare=False)
    """Record key ('event:<id>') to the repository path it was read from."""

    # Typed views of the built-in kinds, for the stages that treat each kind in its own way.
    @property
    def events(self) -> tuple[Event, ...]:
        return self.records.get("event", ())  # type: ignore[return-value]

    @property
    def sources(self) -> tuple[Source, ...]:
        return self.records.get("source", ())  # type: ignore[return-value]

    @property
    def actors(self) -> tuple[Actor, ...]:
        return self.records.get("actor", ())  # type: ignore[return-value]

    @property
    def places(self) -> tuple[Place, ...]:
        return self.records.get("place", ())  # type: ignore[return-value]

    @property
    def options(self) -> tuple[Option, ...]:
        return self.records.get("option", ())  # type: ignore[return-value]

    @property
    def notes(self) -> tuple[Note, ...]:
        return self.records.get("note", ())  # type: ignore[return-value]
