"""The synthetic book: a valid, warning-free briefing book of N events, the same for the
same seed, with events, sources, actors, places, options, notes and its `mkdocs.yml`."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefbook import model

MOUNT = "/bench/"
"""The path of site_url, so the served site lives below a prefix as a published one does."""

# --- Vocabulary ---------------------------------------------------------------------------
# Fictional groups and people; real countries and places, so coordinates make sense.

ACTORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Iran", "state", ("Islamic Republic of Iran",)),
    ("United States", "state", ("U.S.", "USA")),
    ("Iraq", "state", ("Republic of Iraq",)),
    ("Syria", "state", ()),
    ("Turkey", "state", ("Türkiye",)),
    ("Jordan", "state", ()),
    ("Kuwait", "state", ()),
    ("Saudi Arabia", "state", ("Kingdom of Saudi Arabia",)),
    ("Revolutionary Guard Expeditionary Command", "state organ", ("RGEC",)),
    ("U.S. Central Command", "state organ", ("CENTCOM",)),
    ("Iraqi Security Forces", "state organ", ("ISF",)),
    ("Popular Mobilisation Commission", "state organ", ("PMC",)),
    ("Department of Defense", "state organ", ("Pentagon", "DoD")),
    ("Kata'ib al-Fajr", "militia", ("Kataib al-Fajr", "Kata’ib al-Fajr")),
    ("Asa'ib al-Nasr", "militia", ("Asaib al-Nasr", "AAN")),
    ("Harakat Liwa al-Haqq", "militia", ("Liwa al-Haqq",)),
    ("Saraya al-Thabat", "militia", ()),
    ("Badr al-Janub Organization", "militia", ("Badr al-Janub",)),
    ("Kata'ib Imam al-Rida", "militia", ("KIR",)),
    ("Jund al-Wilaya", "militia", ()),
    ("Liwa Ahl al-Sahil", "militia", ()),
    ("Usbat al-Tha'r", "front group", ("Usbat al-Thar",)),
    ("Ashab al-Rimah", "front group", ()),
    ("Saraya Awliya al-Nahr", "front group", ("SAN",)),
    ("Qasim al-Thawra", "front group", ()),
    ("Islamic Resistance Front", "front group", ("IRF",)),
    ("Rijal al-Lail", "front group", ()),
    ("Abu Karim al-Tamimi", "person", ("Karim al-Tamimi",)),
    ("Hadi Nouri al-Saadi", "person", ("Hadi al-Saadi",)),
    ("Qais Jabbar al-Rubaie", "person", ()),
    ("Mahdi Fadhil al-Khafaji", "person", ("Abu Fadhil",)),
    ("Reza Tavakoli", "person", ("Brig. Gen. Tavakoli",)),
    ("Dana Whitfield", "person", ("Col. Whitfield",)),
    ("Government of Iraq", "government", ("Iraqi government",)),
    ("Kurdistan Regional Government", "government", ("KRG",)),
    ("Coalition Task Force Meridian", "coalition", ("CTF Meridian",)),
    ("Axis of Resistance", "coalition", ()),
    ("Analysis Centre", "organization", ()),
    ("Institute for Conflict Studies", "organization", ("ICS",)),
    ("Regional Monitor", "organization", ()),
)

PLACES: tuple[tuple[str, str, float, float, str, str, tuple[str, ...]], ...] = (
    ("Ain al-Asad Air Base", "base", 33.7856, 42.4412, "site", "IQ", ("Ayn al-Asad", "Al Asad")),
    ("Erbil International Airport", "airport", 36.2376, 43.9632, "site", "IQ", ("Erbil airport",)),
    ("U.S. Embassy Baghdad", "embassy", 33.2985, 44.3955, "site", "IQ", ()),
    ("Baghdad International Airport", "airport", 33.2625, 44.2346, "site", "IQ", ("BIAP",)),
    ("Camp Taji", "base", 33.5306, 44.2567, "site", "IQ", ()),
    ("Balad Air Base", "base", 33.9402, 44.3616, "site", "IQ", ("Joint Base Balad",)),
    ("Al-Tanf Garrison", "base", 33.4894, 38.6183, "site", "SY", ("At-Tanf",)),
    ("Green Village", "base", 35.0021, 40.5532, "site", "SY", ()),
    ("Conoco Gas Field", "facility", 35.2601, 40.3012, "site", "SY", ("Conoco field",)),
    ("Harir Air Base", "base", 36.5403, 44.3589, "site", "IQ", ()),
    ("Baghdad", "city", 33.3152, 44.3661, "locality", "IQ", ()),
    ("Basra", "city", 30.5085, 47.7804, "locality", "IQ", ("Basrah",)),
    ("Erbil", "city", 36.1911, 44.0092, "locality", "IQ", ("Arbil", "Hawler")),
    ("Mosul", "city", 36.3450, 43.1450, "locality", "IQ", ()),
    ("Al-Qaim", "city", 34.3700, 41.0950, "locality", "IQ", ("Qaim",)),
    ("Abu Kamal", "city", 34.4510, 40.9180, "locality", "SY", ("Albu Kamal", "Bukamal")),
    ("Deir ez-Zor", "city", 35.3359, 40.1408, "locality", "SY", ("Deir al-Zour",)),
    ("Kirkuk", "city", 35.4681, 44.3922, "locality", "IQ", ()),
    ("Nasiriyah", "city", 31.0580, 46.2573, "locality", "IQ", ()),
    ("Anbar Province", "region", 33.4000, 42.5000, "region", "IQ", ("Anbar",)),
    ("Diyala Province", "region", 33.9000, 45.0000, "region", "IQ", ("Diyala",)),
    ("Kurdistan Region", "region", 36.4000, 44.4000, "region", "IQ", ()),
    ("Iraq", "country", 33.0000, 44.0000, "country", "IQ", ()),
    ("Syria", "country", 35.0000, 38.5000, "country", "SY", ()),
    ("Tower 22", "base", 33.3200, 38.6900, "site", "JO", ()),
    ("Muwaffaq Salti Air Base", "base", 31.8300, 36.7800, "site", "JO", ()),
    ("Camp Buehring", "base", 29.7000, 47.4200, "site", "KW", ()),
    ("Ali Al Salem Air Base", "base", 29.3500, 47.5200, "site", "KW", ()),
    ("Umm Qasr Port", "facility", 30.0300, 47.9500, "site", "IQ", ()),
    ("Baghdad Diplomatic Support Center", "facility", 33.2600, 44.2500, "site", "IQ", ("BDSC",)),
)

PUBLISHERS: tuple[tuple[str, str], ...] = (
    ("Regional Monitor", "newsletter"), ("Conflict Observatory", "article"),
    ("Gulf Security Review", "policy memo"), ("Defense Daily Wire", "article"),
    ("Baghdad Chronicle", "article"), ("Institute for Conflict Studies", "intelligence brief"),
    ("Levant Analysis Network", "intelligence brief"), ("The Strategic Letter", "newsletter"),
    ("Open Source Tracker", "dataset"), ("Militia Watch", "newsletter"),
    ("Coalition Press Office", "official statement"), ("Policy Forum", "policy memo"),
)
FIRST_NAMES = ("Amal", "Ben", "Claire", "Dalia", "Ehsan", "Farah", "Grace", "Hassan", "Ines",
               "Jonas", "Karim", "Leila", "Marta", "Nadim", "Omar", "Priya", "Rana", "Sami")
LAST_NAMES = ("Haddad", "Keller", "Moreau", "Nasser", "Okafor", "Petrov", "Quinn", "Rahimi",
              "Salem", "Torres", "Umar", "Vance", "Weiss", "Yilmaz", "Zaidi")
OFFICIALS = ("U.S. officials", "Iraqi security officials", "Coalition spokespeople",
             "Kurdish officials", "Defense officials", "A military spokesperson",
             "Two officials familiar with the matter", "Local police")
MUNITIONS = ("rockets", "one-way attack drones", "mortar rounds", "short-range missiles",
             "Katyusha rockets")
EFFECTS = ("damaging a hangar and two vehicles", "causing no casualties",
           "wounding {k} contractors", "lightly injuring {k} service members",
           "setting fire to a fuel depot", "hitting an empty barracks",
           "forcing a temporary halt to flights")
CHANNELS = ("Telegram", "social media", "an affiliated news site", "a messaging app")
WHEN = ("the night of {d} {m}", "{m} {d}", "the morning of {d} {m}", "the evening of {m} {d}",
        "{weekday}", "{d} {m}")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = ("second", "third", "fourth", "fifth", "sixth")
DAMAGE = ("scorch marks on two shelters", "a destroyed radar", "craters near the runway",
          "damage to a storage building", "no visible damage")
INJURIES = ("traumatic brain injury", "concussion symptoms", "minor shrapnel wounds")
REPORT_KINDS = ("weekly update", "incident report", "situation brief", "analysis",
                "what we know")
TAGS = ("escalation", "retaliation", "election-period", "ramadan", "border", "logistics",
        "convoy", "embassy", "ceasefire", "drones", "air-defence", "negotiations")
TEMPLATES = (
    "{actor} claimed responsibility for the {type} near {place} on {when}, in a statement "
    "circulated on {channel}.",
    "{officials} said {num} {munition} struck {place}, {effect}.",
    "Analysts at {org} assessed with {conf} confidence that {actor} carried out the {type} "
    "near {place}.",
    "The {gov} condemned the attack on {place} and said those responsible would be held to "
    "account.",
    "According to {officials_lc}, the {type} on {when} caused {damage} but no fatalities.",
    "{actor} denied any role in the {type} and blamed {actor2} for the escalation around "
    "{place}.",
    "Residents of {place} reported hearing {num} explosions shortly after midnight.",
    "The pattern suggests that {actor} is calibrating its attacks to avoid mass casualties "
    "while keeping pressure on {actor2}.",
    "In response, {actor2} conducted {num} precision strikes on facilities used by {actor} "
    "near {place}.",
    "Security sources said the launchers were found near {place} with {num} unused rockets "
    "still loaded.",
    "{person}, a senior figure close to {actor}, warned that further operations would follow "
    "if {actor2} did not withdraw.",
    "The attack on {when} was the {ordinal} such incident at {place} this month, according to "
    "a tally kept by {org}.",
    "Officials from {actor2} described the strike as a proportionate response to repeated "
    "attacks on {place}.",
    "Satellite imagery reviewed by {org} shows {damage} at {place} after the {type}.",
    "It remains unclear whether the group acted on orders from {actor2} or on its own "
    "initiative.",
    "{officials} declined to comment on reports that {num} personnel were evaluated for "
    "{injury}.",
    "Since {year}, the number of such incidents has risen roughly {num}-fold, with most "
    "launched from rural areas near {place}.",
)
LINK_SENTENCE = "The [full methodology]({url}) explains how incidents are counted."
BOILERPLATE = "Subscribe to our newsletter for weekly analysis of the region."
OPTION_TITLES = (
    "Strike militia logistics near {place}", "Expand air defences at {place}",
    "Open talks with {actor}", "Sanction the leaders of {actor}",
    "Withdraw forces from {place}", "Publish attribution evidence on {actor}",
    "Harden the perimeter of {place}", "Press {actor} to restrain its partners",
)
FIGURE_FOR_TYPE = {"rocket attack": "rockets", "missile strike": "missiles",
                   "drone attack": "drones", "airstrike": "strikes"}

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 .,;()'’/-]*")
_SLUG_WORDS = re.compile(r"[a-z0-9]+")


def slugify(text: str) -> str:
    return "-".join(_SLUG_WORDS.findall(text.lower().replace("’", "").replace("'", "")))


def q(text: str, in_flow: bool = False) -> str:
    """A YAML scalar for ``text``: plain when that is unambiguous, else double-quoted."""
    if _PLAIN.fullmatch(text) and not text.endswith(" ") and not (in_flow and "," in text):
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(ids: Sequence[str]) -> str:
    return "[" + ", ".join(ids) + "]"


# --- Synthesis ----------------------------------------------------------------------------

@dataclass
class Actor:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    relations: list[str] = field(default_factory=list)
    """Relation entries, as YAML lines."""
    events: list[str] = field(default_factory=list)


@dataclass
class Place:
    id: str
    name: str
    kind: str
    lat: float
    lon: float
    precision: str
    country: str
    aliases: tuple[str, ...]


@dataclass
class Source:
    id: str
    title: str
    publisher: str
    kind: str
    published: dt.date
    authors: tuple[str, ...]
    sentences: list[str]
    """Sentences that may be quoted (every sentence of the text without a link)."""
    text: str
    boilerplate: bool


@dataclass
class EventDate:
    text: str
    prefix: str
    """How the id starts: the date as a slug."""
    earliest: dt.date
    latest: dt.date
    note: str | None = None


@dataclass
class Event:
    id: str
    date: EventDate
    type: str
    title: str
    place: Place | None
    perpetrators: list[Actor]
    targets: list[Actor]
    text: str = ""


@dataclass
class Book:
    root: Path
    events: list[Event]
    sources: list[Source]
    actors: list[Actor]
    places: list[Place]
    options: int
    notes: int
    files: int = 0
    total_bytes: int = 0
    event_bytes: int = 0
    source_bytes: int = 0


Put = Callable[[str, str], None]
"""Writes one file of the book: (path relative to the root, text)."""


class Synthesiser:
    """Writes a valid, warning-free book of ``n`` events; the same for the same seed."""

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.actors = [Actor(slugify(name), name, kind, aliases)
                       for name, kind, aliases in ACTORS]
        self.places = [Place(slugify(p[0]), *p) for p in PLACES]
        self.by_kind: dict[str, list[Actor]] = {}
        for actor in self.actors:
            self.by_kind.setdefault(actor.kind, []).append(actor)
        self.armed = self.by_kind["militia"] + self.by_kind["front group"]
        self.states = self.by_kind["state"] + self.by_kind["state organ"]
        self.analysts = self.by_kind["organization"]

    # -- prose ----------------------------------------------------------------------------

    def _name(self, actor: Actor) -> str:
        names = (actor.name, *actor.aliases)
        return names[0] if self.rng.random() < 0.6 else self.rng.choice(names)

    def _place_name(self) -> str:
        place = self.rng.choice(self.places)
        return self.rng.choice((place.name, place.name, *place.aliases))

    def sentence(self, year: int) -> str:
        rng = self.rng
        month = dt.date(2000, rng.randint(1, 12), 1).strftime("%B")
        when = rng.choice(WHEN).format(d=rng.randint(1, 28), m=month,
                                       weekday=rng.choice(WEEKDAYS))
        officials = rng.choice(OFFICIALS)
        values = {
            "actor": self._name(rng.choice(self.armed)),
            "actor2": self._name(rng.choice(self.states + self.armed)),
            "person": self._name(rng.choice(self.by_kind["person"])),
            "gov": rng.choice(("Iraqi government", "Kurdistan Regional Government",
                               "U.S. State Department", "Foreign Ministry")),
            "org": self._name(rng.choice(self.analysts)),
            "place": self._place_name(),
            "type": rng.choice(("rocket attack", "drone attack", "strike", "attack", "IED attack")),
            "when": when,
            "channel": rng.choice(CHANNELS),
            "officials": officials,
            "officials_lc": officials[0].lower() + officials[1:],
            "num": rng.randint(2, 40),
            "munition": rng.choice(MUNITIONS),
            "effect": rng.choice(EFFECTS).format(k=rng.randint(1, 9)),
            "conf": rng.choice(model.CONFIDENCE_LEVELS),
            "damage": rng.choice(DAMAGE),
            "ordinal": rng.choice(ORDINALS),
            "injury": rng.choice(INJURIES),
            "year": year - rng.randint(1, 4),
        }
        return rng.choice(TEMPLATES).format(**values)

    def source_text(self, source_id: str, year: int, boilerplate: bool) -> tuple[str, list[str]]:
        target = self.rng.randint(2000, 5000)
        paragraphs: list[str] = []
        quotable: list[str] = []
        size = 0
        while size < target:
            sentences = []
            for _ in range(self.rng.randint(3, 6)):
                if self.rng.random() < 0.03:
                    sentences.append(LINK_SENTENCE.format(
                        url=f"https://example.org/method/{source_id}"))
                    continue
                s = self.sentence(year)
                sentences.append(s)
                quotable.append(s)
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            size += len(paragraph) + 2
        if boilerplate:
            paragraphs.insert(self.rng.randint(1, len(paragraphs)), BOILERPLATE)
        return "\n\n".join(paragraphs) + "\n", quotable

    # -- records --------------------------------------------------------------------------

    def make_sources(self) -> list[Source]:
        sources = []
        start = dt.date(2015, 1, 1).toordinal()
        span = dt.date(2025, 3, 31).toordinal() - start
        for i in range(max(2, self.n // 5)):
            publisher, kind = self.rng.choice(PUBLISHERS)
            published = dt.date.fromordinal(start + self.rng.randrange(span))
            source_id = f"{slugify(publisher)}-{published.isoformat()}-{i}"
            boiler = self.rng.random() < 0.2
            text, quotable = self.source_text(source_id, published.year, boiler)
            authors = tuple(dict.fromkeys(
                f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
                for _ in range(self.rng.randint(0, 2))))
            title = f"{self._place_name()}: {self.rng.choice(REPORT_KINDS)} no. {i + 1}"
            sources.append(Source(source_id, title, publisher, kind, published, authors,
                                  quotable, text, boiler))
        return sources

    def event_date(self, day: dt.date) -> EventDate:
        r = self.rng.random()
        iso = day.isoformat()
        if r < 0.70:
            return EventDate(iso, iso, day, day)
        if r < 0.78:
            return EventDate(f"{iso}~", iso, day, day)
        if r < 0.81:
            return EventDate(f"{iso}?", iso, day, day,
                             note="Inferred from reports published the next morning.")
        first = day.replace(day=1)
        next_month = (first + dt.timedelta(days=32)).replace(day=1)
        if r < 0.88:
            return EventDate(first.strftime("%Y-%m"), first.strftime("%Y-%m"), first,
                             next_month - dt.timedelta(days=1))
        if r < 0.90:
            return EventDate(first.strftime("%Y-%m") + "~", first.strftime("%Y-%m"), first,
                             next_month - dt.timedelta(days=1))
        if r < 0.94:
            code, name, months = {
                0: (21, "spring", (3, 5)), 1: (22, "summer", (6, 8)),
                2: (23, "autumn", (9, 11)), 3: (24, "winter", (12, 14)),
            }[0 if day.month <= 5 else 1 if day.month <= 8 else 2 if day.month <= 11 else 3]
            earliest = dt.date(day.year, months[0], 1)
            end_year, end_month = day.year + (months[1] - 1) // 12, (months[1] - 1) % 12 + 1
            end_first = dt.date(end_year, end_month, 1)
            latest = (end_first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            return EventDate(f"{day.year}-{code}", f"{day.year}-{name}", earliest, latest)
        end = day + dt.timedelta(days=self.rng.randint(1, 12))
        suffix = "~" if self.rng.random() < 0.2 else ""
        return EventDate(f"{iso}/{end.isoformat()}{suffix}", iso, day, end)

    def make_events(self) -> list[Event]:
        start = dt.date(2015, 1, 1).toordinal()
        span = dt.date(2024, 12, 15).toordinal() - start
        types = list(model.EVENT_TYPES)
        weights = [6.0 if t in model.ATTACK_TYPES else 3.0 if t == "airstrike" else 1.0
                   for t in types]
        events: list[Event] = []
        used: set[str] = set()
        for _ in range(self.n):
            date = self.event_date(dt.date.fromordinal(start + self.rng.randrange(span)))
            kind = self.rng.choices(types, weights)[0]
            place = self.rng.choice(self.places) if self.rng.random() < 0.85 else None
            if kind in model.ATTACK_TYPES:
                perpetrators = self.rng.sample(self.armed, self.rng.choice((1, 1, 1, 2)))
                targets = self.rng.sample(self.states[:3], 1)
            elif kind in ("airstrike", "raid", "sanctions", "arrest"):
                perpetrators = self.rng.sample(self.states, 1)
                targets = self.rng.sample(self.armed, self.rng.choice((1, 2)))
            else:
                perpetrators = self.rng.sample(self.states + self.armed, 1)
                targets = []
            where = place.name if place else "the region"
            what = kind[0].upper() + kind[1:]
            title = self.rng.choice((
                f"{what} on {where}", f"{what} near {where}",
                f"{perpetrators[0].name} {kind} at {where}", f"{what} by {perpetrators[0].name}",
            ))
            base = f"{date.prefix}-{slugify(kind)}" + (f"-{slugify(place.name)}" if place else "")
            event_id, k = base, 2
            while event_id in used:
                event_id, k = f"{base}-{k}", k + 1
            used.add(event_id)
            events.append(Event(event_id, date, kind, title, place, perpetrators, targets))
        events.sort(key=lambda e: (e.date.earliest, e.date.latest, e.date.text, e.id))
        return events

    def citation_lines(self, source: Source, indent: str, figures: str | None) -> list[str]:
        quote = self.rng.choice(source.sentences)
        if self.rng.random() < 0.1:
            quote = quote.replace("’", "'")  # as copied from a page with smart quotes
        lines = [f"{indent}- source: {source.id}", f"{indent}  quote: {q(quote)}"]
        if figures:
            lines.append(f"{indent}  reports: {{{figures}}}")
        return lines

    def figures(self, event: Event, count: int) -> list[str | None]:
        name = FIGURE_FOR_TYPE.get(event.type, "attacks")
        if event.type not in model.ATTACK_TYPES and event.type != "airstrike":
            return [None] * count
        if self.rng.random() < 0.5:
            return [None] * count
        value = self.rng.randint(1, 30)
        out: list[str | None] = [f"{name}: {value}"]
        for _ in range(count - 1):
            r = self.rng.random()
            if r < 0.35:
                out.append(f"{name}: {value + self.rng.randint(1, 8)}")  # the sources disagree
            elif r < 0.6:
                qualifier = self.rng.choice(model.FIGURE_QUALIFIERS)
                out.append(f"{name}: {qualifier} {value}")
            elif r < 0.8:
                out.append(f"{name}: {value}, wounded: {self.rng.randint(0, 12)}")
            else:
                out.append(None)
        return out

    def event_text(self, event: Event, earlier: list[Event], sources: list[Source]) -> str:
        rng = self.rng
        date = event.date
        lines = ["# yaml-language-server: $schema=../../schema/event.schema.json",
                 f"title: {q(event.title)}", f"date: {date.text}"]
        if date.note:
            lines.append(f"date_note: {q(date.note)}")
        lines.append(f"type: {event.type}")
        if event.place:
            lines.append(f"place: {event.place.id}")
        lines.append(f"perpetrators: {flow([a.id for a in event.perpetrators])}")
        if event.targets:
            lines.append(f"targets: {flow([a.id for a in event.targets])}")
        cited = rng.sample(sources, min(len(sources), rng.choice((2, 2, 3))))
        # Every perpetrator of an attack or strike needs an attribution that supports it,
        # or the book would not pass `check --strict`.
        if event.type in model.RESPONSIBILITY_TYPES:
            lines.append("attribution:")
            for perpetrator in event.perpetrators:
                tracks = [("claimed", perpetrator, None),
                          ("officially attributed", rng.choice(self.states), None),
                          ("assessed", rng.choice(self.analysts),
                           rng.choice(model.CONFIDENCE_LEVELS))]
                for status, by, confidence in rng.sample(tracks, rng.randint(1, 3)):
                    source = rng.choice(cited)
                    lines += [f"  - actor: {perpetrator.id}", f"    status: {status}",
                              f"    by: {by.id}"]
                    if confidence:
                        lines.append(f"    confidence: {confidence}")
                    lines += [f"    source: {source.id}",
                              f"    quote: {q(rng.choice(source.sentences))}"]
        lines.append("citations:")
        for source, figures in zip(cited, self.figures(event, len(cited)), strict=True):
            lines += self.citation_lines(source, "  ", figures)
        if earlier and rng.random() < 0.15:
            pool = [e for e in earlier[-40:] if e.date.earliest < event.date.earliest]
            if pool:
                answered = rng.sample(pool, min(len(pool), rng.choice((1, 1, 2))))
                lines.append(f"responds_to: {flow([e.id for e in answered])}")
        tags = rng.sample(TAGS, rng.choice((0, 1, 1, 2, 3)))
        if tags:
            lines.append(f"tags: {flow(tags)}")
        lines.append("summary: |")
        lines += ["  " + line if line else "" for line in self.summary(event, earlier)]
        return "\n".join(lines) + "\n"

    def summary(self, event: Event, earlier: list[Event]) -> list[str]:
        """About 150 words in two paragraphs, with [[actor:...]] and other references."""
        rng = self.rng
        first = (f"[[actor:{event.perpetrators[0].id}]] is reported to have carried out this "
                 f"{event.type}")
        if event.place:
            first += f" at [[place:{event.place.id}]]"
        first += "."
        if event.targets:
            first += (f" The sources describe [[actor:{event.targets[0].id}]] as the target, "
                      "and they differ on the details that matter most for attribution.")
        else:
            first += (f" [[actor:{rng.choice(self.analysts).id}]] notes that the sources "
                      "differ on the details that matter most for attribution.")
        body = [first] + [self.sentence(event.date.earliest.year) for _ in range(3)]
        second = [self.sentence(event.date.earliest.year) for _ in range(3)]
        if earlier and rng.random() < 0.3:
            prior = rng.choice(earlier[-20:])
            second.append(f"It followed [[event:{prior.id}|an earlier incident]] by days, "
                          "and *may* have been a reply to it.")
        return [*textwrap.wrap(" ".join(body), 96), "", *textwrap.wrap(" ".join(second), 96)]

    def stance_lines(self, indent: str, sources: list[Source]) -> list[str]:
        source = self.rng.choice(sources)
        by = self.rng.choice(self.analysts + self.states)
        return [f"{indent}- by: {by.id}", f"{indent}  source: {source.id}",
                f"{indent}  quote: {q(self.rng.choice(source.sentences))}"]

    # -- writing --------------------------------------------------------------------------

    def write(self, root: Path) -> Book:
        rng = self.rng
        sources = self.make_sources()
        events = self.make_events()
        written: list[Path] = []

        def put(rel: str, text: str) -> None:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)

        for source in sources:
            front = [f"title: {q(source.title)}", f"publisher: {q(source.publisher)}"]
            if source.authors:
                front.append(f"authors: {flow([q(a, True) for a in source.authors])}")
            front += [f"published: {source.published.isoformat()}", f"kind: {source.kind}",
                      f"url: https://example.org/{slugify(source.publisher)}/{source.id}"]
            if rng.random() < 0.3:
                front.append(f"archive_url: https://archive.example.org/{source.id}")
            front.append("accessed: 2026-11-21")
            if source.boilerplate:
                front += ["boilerplate:", f"  - {q(BOILERPLATE)}"]
            put(f"seeds/{source.id}.md", "---\n" + "\n".join(front) + "\n---\n" + source.text)
        for i, event in enumerate(events):
            event.text = self.event_text(event, events[max(0, i - 60):i], sources)
            put(f"events/{event.date.earliest.year}/{event.id}.yaml", event.text)
            for actor in event.perpetrators:
                actor.events.append(event.id)
        self.write_actors(put, sources)
        for place in self.places:
            front = [f"name: {q(place.name)}"]
            if place.aliases:
                front.append(f"aliases: {flow([q(a, True) for a in place.aliases])}")
            front += [f"kind: {place.kind}", f"latitude: {place.lat}",
                      f"longitude: {place.lon}", f"precision: {place.precision}",
                      f"country: {place.country}"]
            body = (f"{place.name} appears in reports from {rng.randint(2, 9)} publishers.\n"
                    if rng.random() < 0.5 else "")
            put(f"docs/places/{place.id}.md", "---\n" + "\n".join(front) + "\n---\n" + body)
        options = self.write_options(put, sources, events)
        notes = self.write_notes(put, events, options)
        put("docs/index.md", textwrap.dedent(f"""\
            # Synthetic briefing book

            A generated book of {self.n} events for benchmarking briefbook. Start with the
            [timeline](timeline/index.md), the [list of events](events/index.md) or the
            [actors](actors/index.md); every claim links to the archived
            [sources](sources/index.md).
            """))
        put("mkdocs.yml", MKDOCS_YML.format(n=self.n))
        book = Book(root, events, sources, self.actors, self.places, len(options), notes)
        book.files = len(written)
        for path in written:
            size = path.stat().st_size
            book.total_bytes += size
            if path.suffix == ".yaml":
                book.event_bytes += size
            elif path.parent.name == "seeds":
                book.source_bytes += size
        return book

    def write_actors(self, put: Put, sources: list[Source]) -> None:
        rng = self.rng
        for actor in self.actors:
            others = [a for a in self.actors if a is not actor]
            relation: tuple[str, list[Actor]] | None = {
                "militia": ("sponsored by", self.by_kind["state"][:1] + self.states[8:9]),
                "front group": ("front for", self.by_kind["militia"]),
                "person": ("part of", self.armed),
                "state organ": ("part of", self.by_kind["state"][:4]),
            }.get(actor.kind)
            front = [f"name: {q(actor.name)}", f"kind: {actor.kind}"]
            if actor.aliases:
                front.append(f"aliases: {flow([q(a, True) for a in actor.aliases])}")
            if relation:
                kind, pool = relation
                front.append("relations:")
                for other in rng.sample([a for a in pool if a is not actor], 1):
                    front += [f"  - type: {kind}", f"    actor: {other.id}"]
                    if rng.random() < 0.5:
                        source = rng.choice(sources)
                        front += [f"    source: {source.id}",
                                  f"    quote: {q(rng.choice(source.sentences))}"]
                    else:  # an unsourced relation must say why the editor asserts it
                        front.append("    basis: editor's inference")
            body = f"{actor.name} is a {actor.kind} that the sources discuss"
            if actor.events:
                body += f", for instance over [[event:{rng.choice(actor.events)}]]"
            body += f"; compare [[actor:{rng.choice(others).id}]].\n"
            put(f"docs/actors/{actor.id}.md", "---\n" + "\n".join(front) + "\n---\n" + body)

    def write_options(self, put: Put, sources: list[Source], events: list[Event]) -> list[str]:
        rng = self.rng
        ids = []
        for i in range(max(1, self.n // 100)):
            title = rng.choice(OPTION_TITLES).format(
                place=rng.choice(self.places).name, actor=rng.choice(self.armed).name)
            option_id = f"{slugify(title)}-{i + 1}"
            ids.append(option_id)
            front = [f"title: {q(title)}", "recommended_by:"]
            for _ in range(rng.randint(1, 2)):
                front += self.stance_lines("  ", sources)
            if rng.random() < 0.6:
                front.append("doubted_by:")
                front += self.stance_lines("  ", sources)
            chosen = rng.sample(events, min(len(events), rng.randint(2, 4)))
            front.append(f"events: {flow([e.id for e in chosen])}")
            front.append(f"actors: {flow([a.id for a in rng.sample(self.armed, 2)])}")
            body = (f"The case for this option rests on [[event:{chosen[0].id}]] and the "
                    f"argument in [[source:{rng.choice(sources).id}]].\n\n"
                    f"{self.sentence(2024)} {self.sentence(2024)}\n")
            put(f"docs/options/{option_id}.md", "---\n" + "\n".join(front) + "\n---\n" + body)
        return ids

    def write_notes(self, put: Put, events: list[Event], options: list[str]) -> int:
        rng = self.rng
        count = max(1, self.n // 100)
        for i in range(count):
            chosen = rng.sample(events, min(len(events), rng.randint(1, 4)))
            actors = rng.sample(self.armed, 2)
            front = [f"title: {q(f'Assessment no. {i + 1} of the attack pattern')}",
                     f"author: {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                     f"date: 2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                     f"events: {flow([e.id for e in chosen])}",
                     f"actors: {flow([a.id for a in actors])}",
                     f"options: {flow(rng.sample(options, 1))}"]
            body = "\n".join([
                f"[[actor:{actors[0].id}]] remains the most active group; see "
                f"[[event:{chosen[0].id}]].", "",
                "## Key judgements", "",
                *(f"- {self.sentence(2024)}" for _ in range(3)), "",
                " ".join(self.sentence(2024) for _ in range(4)), "",
            ])
            put(f"docs/notes/assessment-{i + 1}.md", "---\n" + "\n".join(front) + "\n---\n" + body)
        return count


MKDOCS_YML = """\
site_name: Synthetic briefing book ({n} events)
site_url: https://example.org/bench/
repo_url: https://github.com/example/bench
edit_uri: edit/main/docs/
theme:
  name: material
  font: false
plugins:
  - search
  - briefbook
markdown_extensions:
  - tables
  - sane_lists
  - toc:
      permalink: true
validation:
  omitted_files: info
  absolute_links: warn
  unrecognized_links: warn
  anchors: warn
extra_css:
  - assets/briefbook/briefbook.css
extra_javascript:
  - assets/briefbook/briefbook.js
nav:
  - Home: index.md
  - Timeline:
      - timeline/index.md
      - Attacks and responses: timeline/responses.md
  - Events: events/index.md
  - Actors: actors/index.md
  - Places: places/index.md
  - Sources: sources/index.md
  - Options: options/index.md
  - Notes: notes/index.md
  - Reference: reference.md
"""

