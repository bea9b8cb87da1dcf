"""Stage 3, index: resolve every cross-reference, check it, and derive what pages show.

Links are kept in both directions (an event's citations and a source's 'cited by'; a
response and the attacks it answered), so each page can be rendered from the index alone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from briefbook import model
from briefbook.diagnostics import Diagnostic, Location, Problems, Suggestions, choice_hint
from briefbook.quotes import Passage, Span


@dataclass(frozen=True, slots=True)
class Quoted:
    """A citation resolved: its source, and the anchor of its passage on the source's page."""

    source: model.Source
    citation: model.Citation
    anchor: str


@dataclass(frozen=True, slots=True)
class Cited:
    """One citation seen from its source: who cites it, and where the quote sits."""

    record: model.Event | model.Option | model.Actor
    quoted: Quoted
    span: Span
    """Where the quote sits in the source's folded text (``Passage.in_text`` maps it back)."""
    role: str
    """What the citation supports: 'event', 'attribution', 'recommends', 'doubts', 'relation'."""


@dataclass
class Index:
    book: model.Book
    tables: dict[str, dict[str, model.RecordLike]] = field(default_factory=dict)
    """Kind name to its records by id."""
    cited_by: dict[str, list[Cited]] = field(default_factory=lambda: defaultdict(list))
    """Source id to its citations, in the order the quotes appear in the text."""
    quoted: dict[model.Citation, Quoted] = field(default_factory=dict)
    """Every citation whose quote was found, resolved."""
    answered_by: dict[str, list[model.Event]] = field(default_factory=lambda: defaultdict(list))
    roles: dict[str, dict[str, dict[str, model.Event]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict)))
    """Actor id to role to the events (by id, in book order) where it plays that role."""
    inverse_relations: dict[str, list[tuple[str, model.Actor]]] = field(
        default_factory=lambda: defaultdict(list))
    concerned: dict[str, dict[str, model.Note | model.Option]] = field(
        default_factory=lambda: defaultdict(dict))
    """'kind:id' to the notes and options that concern it (listed or referenced inline)."""
    place_events: dict[str, list[model.Event]] = field(default_factory=lambda: defaultdict(list))
    passages: dict[str, Passage] = field(default_factory=dict)

    def lookup(self, kind: str) -> dict[str, model.RecordLike]:
        return self.tables.get(kind, {})

    # Typed tables of the built-in kinds, for the checks that treat each in its own way.
    @property
    def events(self) -> dict[str, model.Event]:
        return self.tables["event"]  # type: ignore[return-value]

    @property
    def sources(self) -> dict[str, model.Source]:
        return self.tables["source"]  # type: ignore[return-value]

    @property
    def actors(self) -> dict[str, model.Actor]:
        return self.tables["actor"]  # type: ignore[return-value]

    @property
    def places(self) -> dict[str, model.Place]:
        return self.tables["place"]  # type: ignore[return-value]

    @property
    def options(self) -> dict[str, model.Option]:
        return self.tables["option"]  # type: ignore[return-value]

    def single_source_events(self, source_id: str) -> list[model.Event]:
        return self._single_sourced.get(source_id, [])

    @cached_property
    def _single_sourced(self) -> dict[str, list[model.Event]]:
        by_source: dict[str, list[model.Event]] = defaultdict(list)
        for event in self.book.events:
            sources = {c.source.id for c in event.citations}
            if len(sources) == 1:
                by_source[sources.pop()].append(event)
        return by_source

    @cached_property
    def mentions(self) -> dict[str, list[tuple[model.Source, int]]]:
        """Actor id to the sources that name it under any alias, with how often."""
        # One pass over each text with every name at once; the longest name wins where
        # names overlap ("Kata'ib Hezbollah" before "Hezbollah").
        owners: dict[str, list[str]] = defaultdict(list)
        for actor in self.book.actors:
            for name in {actor.name, *actor.aliases}:
                owners[name].append(actor.id)
        result: dict[str, list[tuple[model.Source, int]]] = {a.id: [] for a in self.book.actors}
        if not owners:
            return result
        pattern = re.compile(r"(?<!\w)" + _trie_pattern(list(owners)) + r"(?!\w)")
        for source in self.book.sources:
            counts: dict[str, int] = defaultdict(int)
            for name in pattern.findall(source.text):
                for actor_id in owners[name]:
                    counts[actor_id] += 1
            for actor_id, count in counts.items():
                result[actor_id].append((source, count))
        return result


_Trie = dict[str, "_Trie"]
"""A character to the names' continuations; the key "" marks the end of a name."""


def _trie_pattern(names: list[str]) -> str:
    """One regular expression for many names, as a trie: at each position of a text the
    match follows one branch per character, instead of trying every name in turn (an
    alternation of 20,000 aliases made finding mentions quadratic).  Optional tails are
    greedy, so the longest name matching at a position wins, as a reader would expect
    ("Kata'ib Hezbollah" before "Kata'ib")."""
    trie: _Trie = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}

    def group(node: _Trie) -> str:
        branches = [re.escape(char) + group(child) for char, child in sorted(node.items())
                    if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return f"(?:{body})?"
        return body

    return group(trie)


def build_index(book: model.Book, known: set[str] | None = None,
                failed: set[str] | None = None) -> tuple[Index, list[Diagnostic]]:
    """Resolve and check every reference of ``book``.

    ``known`` holds the 'kind:id' keys of every content file, including those that failed
    to load, so a reference to them is not reported a second time as unknown; records in
    ``failed`` already have errors and get no warnings.
    """
    index = Index(book, {kind: {record.id: record for record in records}
                         for kind, records in book.records.items()})
    checker = _Checker(index, known or set(), failed or set())
    checker.run()
    return index, checker.problems


class _Checker:
    def __init__(self, index: Index, known: set[str], failed: set[str]) -> None:
        self.index = index
        self.known = known
        self.failed = failed
        self.problems = Problems()
        self.error, self.warn = self.problems.error, self.problems.warn
        self.estimative: tuple[re.Pattern[str], dict[str, str], str] | None = None
        self.suggestions = Suggestions()

    def ref(self, kind: str, ref: model.Ref) -> bool:
        if ref.id in self.index.lookup(kind):
            return True
        if f"{kind}:{ref.id}" not in self.known:
            self.error(ref.at, f"unknown {kind} '{ref.id}'",
                       self.suggestions.hint(kind, ref.id, ref.at.path,
                                    self.index.lookup(kind))
                       or f"create the {kind} or fix the id")
        return False

    def run(self) -> None:
        index = self.index
        book = index.book
        self.estimative = _estimative_table(book.notes)
        tables = [note for note in book.notes if note.estimative_language]
        for extra in tables[1:]:
            self.warn(extra.estimative_at or Location(extra.path),
                      "a second estimative-language table is ignored",
                      f"keep one 'estimative_language' table, in {tables[0].path}")
        for records in book.records.values():
            for record in records:
                # Inline references in a note's or an option's prose make it concern them.
                owner = record if isinstance(record, model.Note | model.Option) else None
                self.prose(record.body, owner)
                for editor_note in record.editor_notes:
                    self.prose(editor_note.text, owner)
        for source in book.sources:
            index.passages[source.id] = Passage(source.text)
            if (source.url is None and source.url_unknown is None
                    and f"source:{source.id}" not in self.failed):
                self.warn(Location(source.path), "source has no 'url'",
                          "add where it was published, or say why it is unknown in "
                          "'url_unknown'")
        for event in book.events:
            self.event(event)
        for actor in book.actors:
            for relation in actor.relations:
                if relation.actor.id == actor.id:
                    self.error(relation.actor.at, "an actor cannot relate to itself")
                elif self.ref("actor", relation.actor):
                    index.inverse_relations[relation.actor.id].append((relation.type, actor))
                if relation.citation:
                    self.citation(actor, relation.citation, "relation")
                elif (relation.basis is None and relation.actor.id != actor.id
                      and f"actor:{actor.id}" not in self.failed):
                    self.warn(relation.at, f"relation '{relation.type} "
                              f"{relation.actor.id}' cites no source",
                              "add 'source:' and 'quote:' with a passage that states the "
                              "relation, or say why the editor asserts it in 'basis:' ("
                              + ", ".join(model.EDITOR_BASES) + ") with a 'note:'")
        for option in book.options:
            for role, stances in (("recommends", option.recommended_by),
                                  ("doubts", option.doubted_by)):
                for stance in stances:
                    self.ref("actor", stance.by)
                    self.citation(option, stance.citation, role)
            self.concerns(option, option.events, "event")
            self.concerns(option, option.actors, "actor")
        for note in book.notes:
            self.concerns(note, note.events, "event")
            self.concerns(note, note.actors, "actor")
            self.concerns(note, note.options, "option")
        for cited in index.cited_by.values():
            cited.sort(key=lambda c: (c.span.start, c.span.end, c.quoted.anchor))

    def event(self, event: model.Event) -> None:
        index = self.index
        if event.place and self.ref("place", event.place):
            index.place_events[event.place.id].append(event)
        for role, refs in (("perpetrator", event.perpetrators), ("target", event.targets)):
            for ref in refs:
                if self.ref("actor", ref):
                    _add_role(index, ref.id, role, event)
        sources = set()
        for citation in event.citations:
            sources.add(citation.source.id)
            self.citation(event, citation, "event")
        if (len(sources) == 1 and event.single_source is None
                and f"event:{event.id}" not in self.failed):
            self.warn(event.citations[0].at, "only one source reports this event",
                      "cite a second source, or say why one must do in 'single_source'")
        for attribution in event.attribution:
            if self.ref("actor", attribution.actor):
                _add_role(index, attribution.actor.id, attribution.status, event)
            self.ref("actor", attribution.by)
            self.citation(event, attribution.citation, "attribution")
        if f"event:{event.id}" not in self.failed:
            self.perpetrators_attributed(event)
            self.confidence_matches_wording(event)
        for ref in event.responds_to:
            if ref.id == event.id:
                self.error(ref.at, "an event cannot respond to itself")
                continue
            if not self.ref("event", ref):
                continue
            earlier = index.events[ref.id]
            if earlier.date.earliest > event.date.latest:
                self.error(ref.at, f"'{ref.id}' ({earlier.date.label}) is later than this "
                           f"event ({event.date.label})",
                           "responds_to lists earlier events; swap the link to the other file")
                continue
            index.answered_by[ref.id].append(event)
            for responder in event.perpetrators:
                _add_role(index, responder.id, "responder", event)

    def perpetrators_attributed(self, event: model.Event) -> None:
        """An attack's perpetrator is a claim of responsibility: an attribution must make it."""
        if event.type not in model.RESPONSIBILITY_TYPES:
            return
        for ref in event.perpetrators:
            if ref.id not in self.index.actors:
                continue  # already reported as unknown
            statuses = {a.status for a in event.attribution if a.actor.id == ref.id}
            if statuses & set(model.PERPETRATOR_STATUSES):
                continue
            found = (f"only a {' and a '.join(sorted(statuses))} attribution"
                     if statuses else "no attribution")
            self.warn(ref.at, f"perpetrator '{ref.id}' has {found} on this event",
                      f"add an 'attribution:' entry for '{ref.id}' with status 'claimed' or "
                      "'officially attributed', or 'assessed' (which supports it only as an "
                      "assessment, with its confidence); otherwise remove it from "
                      "'perpetrators'")

    def confidence_matches_wording(self, event: model.Event) -> None:
        """An assessment's confidence must be the level its quote's wording expresses."""
        if self.estimative is None:
            return
        pattern, levels, note_path = self.estimative
        for a in event.attribution:
            if a.status != "assessed" or a.confidence is None:
                continue
            phrases = [" ".join(m.group(0).casefold().split())
                       for m in pattern.finditer(a.citation.quote)]
            if not phrases:
                continue
            phrase = max(phrases, key=len)  # "highly likely" outranks "likely"
            level = levels[phrase]
            if level != a.confidence:
                self.warn(a.confidence_at or a.at,
                          f"confidence '{a.confidence}' contradicts the quote's "
                          f"\"{phrase}\", which {note_path} rates {level}",
                          f"set 'confidence: {level}', or quote the passage whose wording "
                          f"supports '{a.confidence}'")

    def citation(self, record: model.Event | model.Option | model.Actor,
                 citation: model.Citation, role: str) -> None:
        if not self.ref("source", citation.source):
            return
        source = self.index.sources[citation.source.id]
        passage = self.index.passages[source.id]
        span = passage.find(citation.quote)
        if span is None:
            line, nearest = passage.nearest(citation.quote)
            self.error(citation.at, f"quote not found in source '{source.id}'",
                       f"nearest passage ({source.path}:"
                       f"{source.text_line + line - 1}): \"{nearest}\"")
            return
        quoted = Quoted(source, citation, f"q-{span.start}-{span.end}")
        self.index.quoted[citation] = quoted
        self.index.cited_by[citation.source.id].append(Cited(record, quoted, span, role))

    def concerns(self, record: model.Note | model.Option, refs: tuple[model.Ref, ...],
                 kind: str) -> None:
        for ref in refs:
            if self.ref(kind, ref):
                _add_concern(self.index, f"{kind}:{ref.id}", record)

    def prose(self, prose: model.Prose | None,
              owner: model.Note | model.Option | None = None) -> None:
        if prose is None:
            return
        for inline in prose.refs:
            kind, ref = inline.kind, inline.ref
            if not kind:
                inner = inline.written[2:-2]
                example = re.sub(r"\s+", "", inner.split("|")[0]).lower()
                self.error(ref.at, f"malformed reference '{inline.written}'",
                           f"write it as [[kind:id]] with no spaces, e.g. [[{example}]]")
            elif kind not in self.index.tables:
                self.error(ref.at, f"unknown record kind '{kind}' in reference",
                           choice_hint(kind, self.index.tables))
            elif self.ref(kind, ref) and owner is not None:
                _add_concern(self.index, f"{kind}:{ref.id}", owner)


def _estimative_table(notes: tuple[model.Note, ...],
                      ) -> tuple[re.Pattern[str], dict[str, str], str] | None:
    """The estimative-language table of the first note that has one: a pattern matching
    any of its phrases as whole words, phrase to level, and the note's path."""
    for note in notes:
        if note.estimative_language:
            levels = dict(note.estimative_language)
            words = sorted(levels, key=lambda p: (-len(p), p))
            alternatives = "|".join(r"\s+".join(map(re.escape, p.split())) for p in words)
            pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
            return pattern, levels, note.path
    return None


def lag(earlier: model.Event, later: model.Event) -> tuple[int, int]:
    """Fewest and most days from ``earlier`` to ``later``, given how precise each date is."""
    fewest = max(0, (later.date.earliest - earlier.date.latest).days)
    return fewest, max(fewest, (later.date.latest - earlier.date.earliest).days)


def lag_in_words(days: tuple[int, int]) -> str:
    """A lag as a reader can use it: exact where both dates are days ('same day', '3 days'),
    otherwise an honest bound ('within 2 weeks', 'between 3 days and 2 months'), never
    '0–270 days' arithmetic."""
    fewest, most = days
    if fewest == most:
        return "same day" if most == 0 else f"{most} day{'' if most == 1 else 's'}"
    if fewest == 0:
        return f"within {_duration(most, up=True)}"
    if most <= 13 or most - fewest <= 3:
        return f"{fewest}–{most} days"
    low, high = _duration(fewest, up=False), _duration(most, up=True)
    if low == high:
        return f"about {low}"
    low_amount, low_unit = low.split(" ")
    if high.endswith(low_unit) or high.endswith(low_unit + "s"):
        return f"between {low_amount} and {high}"  # 'between 4 and 9 weeks'
    return f"between {low} and {high}"


def _duration(days: int, *, up: bool) -> str:
    """Days in the coarsest unit that keeps the meaning: rounded outwards (``up`` for an
    upper bound, down for a lower one), so the words never claim more than the dates."""
    def rounded(unit: int) -> int:
        return max(1, -(-days // unit) if up else days // unit)

    if days <= 13:
        amount, unit = days, "day"
    elif days <= 62:
        amount, unit = rounded(7), "week"
    elif days <= 730:
        amount, unit = rounded(30), "month"
    else:
        amount, unit = rounded(365), "year"
    return f"{amount} {unit}{'' if amount == 1 else 's'}"


def _add_role(index: Index, actor_id: str, role: str, event: model.Event) -> None:
    index.roles[actor_id][role].setdefault(event.id, event)


def _add_concern(index: Index, key: str, record: model.Note | model.Option) -> None:
    kind = "note" if isinstance(record, model.Note) else "option"
    index.concerned[key].setdefault(f"{kind}:{record.id}", record)
