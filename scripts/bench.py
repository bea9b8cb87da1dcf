#!/usr/bin/env python3
"""Benchmark briefbook on a synthetic briefing book of N events.

The script writes a valid book (the same for the same --events and --seed), proves it with
``briefbook check --strict``, then measures each phase once, in a fresh subprocess, recording
wall time and peak resident memory:

  (a) load + validate: the stages in-process, ``briefbook.pipeline.check`` and the
      ``briefbook check`` command;
  (b) index + render of every generated page (``Renderer(root, index).render_all()``);
  (c) ``mkdocs build --strict`` of the book with the briefbook plugin;
  (d) the baseline: plain MkDocs (no plugin) building the same pages, pre-rendered by
      ``briefbook render``, with the same theme, navigation and search;
  (e) edit-to-preview: ``mkdocs serve --livereload``, change one event's title, time until
      the served page shows it, and check the search index still holds every page.

It prints a table and the ratios between phases and writes every number as JSON.  Absolute
seconds vary 10-30 % between runs on one machine: compare only ratios measured in one run.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import hashlib
import http.client
import json
import os
import platform
import pstats
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from briefbook import model

REPO = Path(__file__).resolve().parent.parent
NOTE = ("Absolute seconds vary 10-30 % between runs on one machine; compare only ratios "
        "measured in one run.")
MOUNT = "/bench/"
"""The path of site_url, so the served site lives below a prefix as a published one does."""

_START = time.perf_counter()


class BenchError(Exception):
    """A phase failed; the message says which and shows the end of its log."""


def progress(message: str) -> None:
    print(f"[bench {time.perf_counter() - _START:7.1f}s] {message}", file=sys.stderr, flush=True)


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


# --- Running and measuring children ------------------------------------------------------

def child_env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": "1700000000"}


class Child:
    """A subprocess whose own peak memory is read from ``wait4`` when it is reaped."""

    def __init__(self, name: str, command: Sequence[str], cwd: Path, logs: Path,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log = logs / f"{name}.log"
        self.out = logs / f"{name}.out"
        with self.out.open("wb") as out, self.log.open("wb") as err:
            self.started = time.perf_counter()
            self.process = subprocess.Popen(list(command), cwd=cwd, env=env or child_env(),
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        self.returncode: int | None = None
        self.seconds = 0.0
        self.cpu_s = 0.0
        self.peak_mib = 0.0
        self.timed_out = False
        self._lock = threading.Lock()

    def _reaped(self, status: int, usage: resource.struct_rusage) -> None:
        self.seconds = time.perf_counter() - self.started
        self.returncode = os.waitstatus_to_exitcode(status)
        self.process.returncode = self.returncode
        self.peak_mib = usage.ru_maxrss / 1024  # KiB on Linux
        self.cpu_s = usage.ru_utime + usage.ru_stime

    def poll(self) -> int | None:
        with self._lock:
            if self.returncode is None:
                pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
                if pid:
                    self._reaped(status, usage)
            return self.returncode

    def _kill(self) -> None:
        with self._lock:
            if self.returncode is None:
                self.timed_out = True
                os.kill(self.process.pid, signal.SIGKILL)

    def wait(self, timeout: float) -> int:
        """Wait for the child, killing it after ``timeout`` seconds."""
        if self.returncode is not None:
            return self.returncode
        timer = threading.Timer(timeout, self._kill)
        timer.start()
        try:
            _, status, usage = os.wait4(self.process.pid, 0)
        finally:
            timer.cancel()
        with self._lock:
            self._reaped(status, usage)
        assert self.returncode is not None
        return self.returncode

    def stop(self, grace: float = 20.0) -> None:
        """Interrupt the child (MkDocs cleans up on Ctrl-C); kill it if it lingers."""
        with self._lock:
            if self.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.process.pid, signal.SIGINT)
        self.wait(grace)

    def tail(self, lines: int = 25) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        out = self.out.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join((out + text)[-lines:])

    def stdout(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")


def run(name: str, command: Sequence[str], cwd: Path, logs: Path, timeout: float) -> Child:
    """Run a child to completion; raise with its log if it fails or times out."""
    child = Child(name, command, cwd, logs)
    code = child.wait(timeout)
    if child.timed_out:
        raise BenchError(f"{name}: killed after {timeout:.0f} s\n{child.tail()}")
    if code != 0:
        raise BenchError(f"{name}: exit status {code}\n{child.tail()}")
    return child


def briefbook_command() -> list[str]:
    script = Path(sys.executable).parent / "briefbook"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "briefbook.cli"]


def worker_result(child: Child) -> dict[str, Any]:
    lines = child.stdout().strip().splitlines()
    if not lines:
        raise BenchError(f"{child.name}: no result\n{child.tail()}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


# --- In-process phases (run by a fresh interpreter: bench.py --worker KIND) ---------------

def peak_rss_mib() -> float:
    """This process's peak resident memory so far (VmHWM), in MiB."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


STAGES = ("load", "validate", "build_index")
"""The stage functions ``briefbook.pipeline.check`` calls, timed by wrapping them there, so
the benchmark follows however the pipeline wires them together."""


def worker(kind: str, root: Path, profile_out: Path | None) -> dict[str, Any]:
    """Run one in-process phase and return its numbers (printed as JSON by ``main``)."""
    started = time.perf_counter()
    from briefbook import pipeline
    from briefbook.render import Renderer

    result: dict[str, Any] = {"import_s": time.perf_counter() - started,
                              "import_peak_mib": peak_rss_mib()}
    if kind == "stages":
        for name in STAGES:
            if not callable(getattr(pipeline, name, None)):
                raise SystemExit(f"briefbook.pipeline no longer calls {name}(); update "
                                 "STAGES in scripts/bench.py")
            setattr(pipeline, name, _timed(name, getattr(pipeline, name), result))
    elif kind != "check":
        raise SystemExit(f"unknown worker {kind!r}")
    profiler = cProfile.Profile() if profile_out else None
    if profiler:
        profiler.enable()
    wall, cpu = time.perf_counter(), time.process_time()
    checked = pipeline.check(root)
    result["check_s"] = time.perf_counter() - wall
    result["check_cpu_s"] = time.process_time() - cpu
    result["check_peak_mib"] = peak_rss_mib()
    result["diagnostics"] = [d.format() for d in checked.diagnostics]
    if kind == "stages":
        wall, cpu = time.perf_counter(), time.process_time()
        pages = Renderer(root, checked.index).render_all()
        result["render_s"] = time.perf_counter() - wall
        result["render_cpu_s"] = time.process_time() - cpu
        result["render_peak_mib"] = peak_rss_mib()
        result["pages"] = len(pages)
        result["markdown_bytes"] = sum(len(p.text.encode("utf-8")) for p in pages)
    if profiler and profile_out:
        profiler.disable()
        profiler.dump_stats(str(profile_out))
    return result


def _timed(name: str, function: Callable[..., Any],
           result: dict[str, Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            result[f"{name}_s"] = result.get(f"{name}_s", 0.0) + time.perf_counter() - wall
            result[f"{name}_cpu_s"] = (result.get(f"{name}_cpu_s", 0.0)
                                       + time.process_time() - cpu)
            result[f"{name}_peak_mib"] = peak_rss_mib()

    return timed


# --- Sizes --------------------------------------------------------------------------------

def tree_size(root: Path) -> tuple[int, int, int]:
    """(bytes, files, HTML files) under ``root``."""
    total = files = html = 0
    for path in root.rglob("*"):
        if path.is_file():
            total += path.stat().st_size
            files += 1
            html += path.suffix == ".html"
    return total, files, html


def search_stats(raw: bytes, events: int) -> dict[str, Any]:
    docs = json.loads(raw)["docs"]
    pages = {d["location"].split("#")[0] for d in docs}
    event_bytes = sum(len(json.dumps(d, ensure_ascii=False).encode("utf-8")) for d in docs
                      if d["location"].startswith("events/")
                      and d["location"].split("#")[0] != "events/")
    locations = [d["location"] for d in docs]
    return {"bytes": len(raw), "docs": len(docs), "pages": len(pages),
            "duplicate_entries": len(locations) - len(set(locations)),
            "bytes_per_page": len(raw) / max(1, len(pages)),
            "event_bytes_per_event": event_bytes / max(1, events)}


# --- Edit-to-preview ----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str, timeout: float) -> bytes | None:
    """The body at ``url``, or ``None`` while the server is not there or says 404."""
    try:
        with _OPENER.open(url, timeout=max(0.5, timeout)) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:
        exc.close()
        return None
    except (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException):
        return None


def serve_phase(book: Book, logs: Path, timeout: float, site_pages: int,
                dirty: bool = False) -> dict[str, Any]:
    """Time edit-to-preview under ``mkdocs serve --livereload`` (and ``--dirty``)."""
    event = book.events[len(book.events) // 2 + dirty]
    path = book.root / "events" / str(event.date.earliest.year) / f"{event.id}.yaml"
    original = path.read_text(encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}{MOUNT}"
    page_url = f"{base}events/{event.id}/"
    new_title = f"Preview benchmark edit {os.getpid()} {port}"
    deadline = time.perf_counter() + timeout
    name = "e-mkdocs-serve-dirty" if dirty else "e-mkdocs-serve"
    # MkDocs serves from a temporary folder and the plugin keeps a page cache in another:
    # both go inside the work directory, so they are removed with it.
    tmp = logs.parent / f"tmp-{name}"
    tmp.mkdir()
    child = Child(name, [sys.executable, "-m", "mkdocs", "serve", "--livereload",
                         *(["--dirty"] if dirty else []), "-f", str(book.root / "mkdocs.yml"),
                         "-a", f"127.0.0.1:{port}"], book.root, logs,
                  env={**child_env(), "TMPDIR": str(tmp)})

    def remaining() -> float:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise BenchError(f"mkdocs serve: no result within {timeout:.0f} s\n{child.tail()}")
        if child.poll() is not None:
            raise BenchError(f"mkdocs serve exited ({child.returncode})\n{child.tail()}")
        return left

    result: dict[str, Any] = {"port": port, "event": event.id, "dirty": dirty}
    try:
        while (body := fetch(base, remaining())) is None:
            time.sleep(0.1)
        result["first_build_s"] = time.perf_counter() - child.started
        body = fetch(page_url, remaining())
        if body is None or event.title.encode() not in body:
            raise BenchError(f"mkdocs serve: {page_url} does not show the event's title")
        edited = re.sub(r"^title: .*$", f"title: {new_title}", original, count=1,
                        flags=re.MULTILINE)
        progress(f"(e) editing the title of {path.relative_to(book.root)}")
        edit_time = time.perf_counter()
        path.write_text(edited, encoding="utf-8")
        polls = 0
        while True:
            body = fetch(page_url, remaining())
            polls += 1
            if body is not None and new_title.encode() in body:
                break
            time.sleep(0.05)
        result["edit_to_page_s"] = time.perf_counter() - edit_time
        result["polls"] = polls
        raw = fetch(f"{base}search/search_index.json", remaining())
        if raw is None:
            raise BenchError("mkdocs serve: no search/search_index.json after the rebuild")
        stats = search_stats(raw, len(book.events))
        result["search_index_bytes"] = stats["bytes"]
        result["search_index_docs"] = stats["docs"]
        result["search_index_pages"] = stats["pages"]
        result["search_index_has_edit"] = new_title in raw.decode("utf-8")
        result["search_index_complete"] = stats["pages"] == site_pages
        result["search_index_duplicates"] = stats["duplicate_entries"]
        location = f"events/{event.id}/"
        result["search_index_stale"] = any(
            d["location"] == location and d["title"] != new_title
            for d in json.loads(raw)["docs"])
    finally:
        child.stop()
        path.write_text(original, encoding="utf-8")
    result["peak_mib"] = child.peak_mib
    # MkDocs' own timings separate the build from noticing the change and serving the page.
    built = [float(m) for m in re.findall(r"Documentation built in ([0-9.]+) seconds",
                                          child.log.read_text(encoding="utf-8", errors="replace"))]
    if len(built) >= 2:
        result["first_build_mkdocs_s"], result["rebuild_mkdocs_s"] = built[0], built[1]
        result["rebuilds"] = len(built) - 1
    return result


# --- Profiles -----------------------------------------------------------------------------

def profile_summary(path: Path, top: int) -> dict[str, Any]:
    """Top briefbook functions (and template code) by cumulative time, plus the largest
    self-time functions of all, from a cProfile dump."""
    stats = pstats.Stats(str(path))
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = vars(stats)["stats"]
    total: float = vars(stats)["total_tt"]

    def label(key: tuple[str, int, str]) -> str:
        filename, line, name = key
        short = filename
        for marker in ("/briefbook/", "/site-packages/", "/templates/"):
            if marker in filename:
                short = marker.strip("/") + "/" + filename.split(marker, 1)[1]
                break
        return f"{short}:{line}({name})"

    def row(key: tuple[str, int, str]) -> dict[str, Any]:
        _, calls, tottime, cumtime, _ = raw[key]
        return {"function": label(key), "calls": calls, "tottime_s": round(tottime, 4),
                "cumtime_s": round(cumtime, 4), "cum_pct": round(100 * cumtime / total, 1)}

    ours = [k for k in raw if "/briefbook/" in k[0] or "/templates/pages/" in k[0]]
    ours.sort(key=lambda k: raw[k][3], reverse=True)
    everyone = sorted(raw, key=lambda k: raw[k][2], reverse=True)
    return {"total_s": round(total, 3),
            "briefbook_by_cumulative": [row(k) for k in ours[:top]],
            "all_by_self_time": [row(k) for k in everyone[:top]]}


def print_profile(title: str, summary: dict[str, Any]) -> None:
    print(f"\n{title} (profiled total {summary['total_s']:.2f} s; cProfile inflates times)")
    print(f"  {'cum s':>8} {'cum %':>6} {'self s':>8} {'calls':>9}  briefbook function")
    for r in summary["briefbook_by_cumulative"]:
        print(f"  {r['cumtime_s']:8.3f} {r['cum_pct']:6.1f} {r['tottime_s']:8.3f} "
              f"{r['calls']:9d}  {r['function']}")
    print(f"  {'self s':>8} {'calls':>9}  largest self time, all code")
    for r in summary["all_by_self_time"][:12]:
        print(f"  {r['tottime_s']:8.3f} {r['calls']:9d}  {r['function']}")


# --- The benchmark ------------------------------------------------------------------------

@dataclass
class Phase:
    key: str
    label: str
    seconds: float
    cpu_s: float | None
    """User + system CPU time, less sensitive than wall time to other work on the machine."""
    peak_mib: float
    extra: dict[str, float] = field(default_factory=dict)


def git_state() -> dict[str, Any]:
    """The commit measured, and whether briefbook/ or templates/ had uncommitted changes."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                                  timeout=30, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": git("rev-parse", "HEAD") or None,
            "uncommitted": bool(git("status", "--porcelain", "--", "briefbook", "templates"))}


def source_digest() -> str:
    """A digest of briefbook's code and templates, to notice edits made during a run."""
    digest = hashlib.sha256()
    for folder in ("briefbook", "templates"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(REPO).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("briefbook", "mkdocs", "mkdocs-material", "markdown", "jinja2", "pyyaml", "nh3"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


@contextlib.contextmanager
def workspace(keep: Path | None) -> Iterator[Path]:
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="briefbook-bench-") as tmp:
            yield Path(tmp)
        return
    if keep.exists() and any(keep.iterdir()):
        raise BenchError(f"--keep {keep}: the directory is not empty")
    keep.mkdir(parents=True, exist_ok=True)
    yield keep.resolve()


def benchmark(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    logs = work / "logs"
    logs.mkdir()
    python = sys.executable
    me = str(Path(__file__).resolve())
    timeout: float = args.timeout
    phases: list[Phase] = []
    results: dict[str, Any] = {"meta": {
        "events": args.events, "seed": args.seed, "note": NOTE, "versions": versions(),
        "git": git_state(), "source_digest": source_digest(),
        "platform": platform.platform(), "cpus": os.cpu_count(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "work_dir": str(work) if args.keep else None,
        "load_average_before": os.getloadavg(),
    }}

    progress(f"synthesising a book of {args.events} events (seed {args.seed})")
    t = time.perf_counter()
    book = Synthesiser(args.events, args.seed).write(work / "book")
    results["book"] = {
        "events": len(book.events), "sources": len(book.sources), "actors": len(book.actors),
        "places": len(book.places), "options": book.options, "notes": book.notes,
        "files": book.files, "bytes": book.total_bytes,
        "event_bytes_mean": book.event_bytes / len(book.events),
        "source_bytes_mean": book.source_bytes / len(book.sources),
        "generate_s": time.perf_counter() - t,
    }
    progress(f"  {book.files} files, {book.total_bytes / 1e6:.1f} MB "
             f"(events {book.event_bytes / len(book.events):.0f} B, sources "
             f"{book.source_bytes / len(book.sources):.0f} B on average)")

    progress("checking the book: briefbook check --strict")
    strict = Child("strict-check", [*briefbook_command(), "check", "--strict", str(book.root)],
                   book.root, logs)
    code = strict.wait(timeout)
    if code != 0 or strict.stdout().strip():
        raise BenchError("the synthesised book does not pass 'briefbook check --strict':\n"
                         + strict.tail(40))
    results["strict_check"] = {"passed": True, "seconds": strict.seconds,
                               "peak_mib": strict.peak_mib}

    progress("(a) load + validate, (b) index + render: in-process stages")
    stages = worker_result(run("ab-stages", [python, me, "--worker", "stages",
                                             "--root", str(book.root)], book.root, logs, timeout))
    if stages["diagnostics"]:
        raise BenchError("stages reported diagnostics: " + "\n".join(stages["diagnostics"][:10]))
    phases.append(Phase(
        "a_load_validate", "(a) load + validate, in-process",
        stages["load_s"] + stages["validate_s"], stages["load_cpu_s"] + stages["validate_cpu_s"],
        stages["validate_peak_mib"],
        {"load_s": stages["load_s"], "validate_s": stages["validate_s"]}))
    phases.append(Phase(
        "b_index_render", "(b) index + render all pages, in-process",
        stages["build_index_s"] + stages["render_s"],
        stages["build_index_cpu_s"] + stages["render_cpu_s"], stages["render_peak_mib"],
        {"index_s": stages["build_index_s"], "render_s": stages["render_s"],
         "import_s": stages["import_s"]}))
    progress(f"  load {stages['load_s']:.2f} s, validate {stages['validate_s']:.2f} s, index "
             f"{stages['build_index_s']:.2f} s, render {stages['render_s']:.2f} s "
             f"({stages['pages']} pages)")

    progress("(a) briefbook.pipeline.check, in-process")
    checked = worker_result(run("a-pipeline-check", [python, me, "--worker", "check",
                                                     "--root", str(book.root)],
                                book.root, logs, timeout))
    phases.append(Phase("a_pipeline_check", "(a) pipeline.check(), in-process",
                        checked["check_s"], checked["check_cpu_s"], checked["check_peak_mib"],
                        {"import_s": checked["import_s"]}))

    progress("(a) briefbook check (command)")
    cli = run("a-cli-check", [*briefbook_command(), "check", "--strict", str(book.root)],
              book.root, logs, timeout)
    phases.append(Phase("a_cli_check", "(a) `briefbook check --strict`, wall", cli.seconds,
                        cli.cpu_s, cli.peak_mib))

    progress("(c) mkdocs build with the briefbook plugin")
    site = work / "site-plugin"
    build = run("c-mkdocs-build", [python, "-m", "mkdocs", "build", "--strict", "-f",
                                   str(book.root / "mkdocs.yml"), "-d", str(site)],
                book.root, logs, timeout)
    phases.append(Phase("c_mkdocs_build", "(c) mkdocs build with plugin, wall", build.seconds,
                        build.cpu_s, build.peak_mib))
    progress(f"  {build.seconds:.2f} s, {build.peak_mib:.0f} MiB")

    progress("(d) baseline: briefbook render, then plain mkdocs build")
    baseline = work / "baseline"
    shutil.copytree(book.root / "docs", baseline / "docs")
    render = run("d-briefbook-render", [*briefbook_command(), "render",
                                        str(baseline / "docs"), "--root", str(book.root)],
                 book.root, logs, timeout)
    from briefbook.render import default_templates

    # `briefbook render` writes the pages only; the stylesheet and script they use are copied
    # here, so the baseline site serves the same files as the plugin's.
    shutil.copytree(default_templates() / "assets", baseline / "docs" / "assets" / "briefbook",
                    dirs_exist_ok=True)
    config = MKDOCS_YML.format(n=args.events).replace("  - briefbook\n", "")
    (baseline / "mkdocs.yml").write_text(config, encoding="utf-8")
    base_site = work / "site-baseline"
    plain = run("d-mkdocs-build-baseline", [python, "-m", "mkdocs", "build", "--strict", "-f",
                                            str(baseline / "mkdocs.yml"), "-d", str(base_site)],
                baseline, logs, timeout)
    phases.append(Phase("d_baseline_build", "(d) baseline: plain mkdocs build, wall",
                        plain.seconds, plain.cpu_s, plain.peak_mib,
                        {"render_cli_s": render.seconds, "render_cli_cpu_s": render.cpu_s,
                         "render_cli_peak_mib": render.peak_mib}))
    progress(f"  render {render.seconds:.2f} s; build {plain.seconds:.2f} s, "
             f"{plain.peak_mib:.0f} MiB")

    site_bytes, site_files, site_html = tree_size(site)
    base_bytes, base_files, _ = tree_size(base_site)
    search = search_stats((site / "search" / "search_index.json").read_bytes(), args.events)
    results["site"] = {"bytes": site_bytes, "files": site_files, "html_files": site_html,
                       "baseline_bytes": base_bytes, "baseline_files": base_files,
                       "markdown_bytes": stages["markdown_bytes"], "pages": stages["pages"]}
    results["search_index"] = search

    if args.skip_serve:
        results["serve"] = results["serve_dirty"] = {"skipped": True}
    else:
        for dirty in (False, True):
            mode = "mkdocs serve --livereload" + (" --dirty" if dirty else "")
            progress(f"(e) edit-to-preview: {mode}")
            serve = serve_phase(book, logs, args.serve_timeout, search["pages"], dirty)
            key, tag = ("serve_dirty", "e_dirty_") if dirty else ("serve", "e_")
            label = "(e) serve --dirty: " if dirty else "(e) serve: "
            results[key] = serve
            phases.append(Phase(f"{tag}serve_first_build", f"{label}first build, wall",
                                serve["first_build_s"], None, serve["peak_mib"]))
            phases.append(Phase(f"{tag}edit_to_preview", f"{label}edit -> page updated, wall",
                                serve["edit_to_page_s"], None, serve["peak_mib"]))
            progress(f"  first build {serve['first_build_s']:.2f} s, edit to page "
                     f"{serve['edit_to_page_s']:.2f} s; search index holds "
                     f"{serve['search_index_pages']} of {search['pages']} pages")
            sound = (serve["search_index_complete"] and serve["search_index_has_edit"]
                     and not serve["search_index_duplicates"]
                     and not serve["search_index_stale"])
            problem = (f"after the live rebuild the search index holds "
                       f"{serve['search_index_pages']} of {search['pages']} pages, "
                       f"{serve['search_index_duplicates']} duplicate entries, "
                       f"{'a' if serve['search_index_stale'] else 'no'} stale entry for the "
                       f"edited page, and {'' if serve['search_index_has_edit'] else 'not '}"
                       "the new title")
            if not sound and not dirty:
                raise BenchError(problem)
            if not sound:
                progress(f"  warning: under --dirty, {problem}")

    results["phases"] = {p.key: {"label": p.label, "seconds": p.seconds, "cpu_s": p.cpu_s,
                                 "peak_mib": p.peak_mib, **p.extra} for p in phases}
    a, b = phases[0], phases[1]
    results["ratios"] = {
        "build_vs_baseline": build.seconds / plain.seconds,
        "briefbook_share_of_build_pct": 100 * (a.seconds + b.seconds) / build.seconds,
        "build_vs_baseline_cpu": build.cpu_s / plain.cpu_s,
        "briefbook_share_of_build_cpu_pct": 100 * ((a.cpu_s or 0) + (b.cpu_s or 0))
        / build.cpu_s,
        "plugin_overhead_s": build.seconds - plain.seconds,
        "peak_memory_vs_baseline": build.peak_mib / plain.peak_mib,
        "site_bytes_vs_baseline": site_bytes / base_bytes,
    }
    results["meta"]["load_average_after"] = os.getloadavg()
    results["meta"]["source_digest_after"] = source_digest()
    results["meta"]["code_changed_during_run"] = (
        results["meta"]["source_digest_after"] != results["meta"]["source_digest"])
    if results["meta"]["code_changed_during_run"]:
        progress("warning: briefbook/ or templates/ changed during the run; the phases "
                 "measured different code")
    if max(results["meta"]["load_average_after"][1], results["meta"]["load_average_before"][1]) \
            > (os.cpu_count() or 1):
        progress("warning: the machine was busy (load average above the CPU count); wall "
                 "times are inflated: compare the CPU-time ratios")
    if args.profile:
        try:
            results["profile"] = profiles(book, work, logs, timeout, python, me)
        except BenchError as exc:
            progress(f"profiling failed: {exc}")
            results["profile"] = {"error": str(exc)}
    return results


def profiles(book: Book, work: Path, logs: Path, timeout: float, python: str,
             me: str) -> dict[str, Any]:
    folder = work / "profile"
    folder.mkdir()
    progress("profiling (a)+(b) under cProfile")
    run("profile-ab", [python, me, "--worker", "stages", "--root", str(book.root),
                       "--profile-out", str(folder / "stages.prof")], book.root, logs, timeout)
    progress("profiling (c) mkdocs build under cProfile")
    run("profile-c", [python, "-m", "cProfile", "-o", str(folder / "mkdocs-build.prof"),
                      "-m", "mkdocs", "build", "--strict", "-f", str(book.root / "mkdocs.yml"),
                      "-d", str(work / "site-profile")], book.root, logs, timeout * 3)
    return {"stages": profile_summary(folder / "stages.prof", 25),
            "mkdocs_build": profile_summary(folder / "mkdocs-build.prof", 25),
            "files": [str(folder / "stages.prof"), str(folder / "mkdocs-build.prof")]}


def report(results: dict[str, Any]) -> None:
    b = results["book"]
    print(f"\nbriefbook benchmark: {b['events']} events, {b['sources']} sources, {b['actors']} "
          f"actors, {b['places']} places, {b['options']} options, {b['notes']} notes "
          f"(seed {results['meta']['seed']}); strict check passed")
    git = results["meta"]["git"]
    changed = results["meta"]["code_changed_during_run"]
    print(f"briefbook at {(git['commit'] or 'unknown')[:10]}"
          f"{' with uncommitted changes' if git['uncommitted'] else ''}"
          f"{'; WARNING: its code changed during the run' if changed else ''}")
    print(f"\n{'phase':<46} {'seconds':>9} {'CPU s':>8} {'peak MiB':>9}")
    print("-" * 75)
    for p in results["phases"].values():
        cpu = "-" if p["cpu_s"] is None else f"{p['cpu_s']:.2f}"
        print(f"{p['label']:<46} {p['seconds']:>9.2f} {cpu:>8} {p['peak_mib']:>9.0f}")
    d = results["phases"]["d_baseline_build"]
    print(f"{'    (for d: `briefbook render`, wall)':<46} {d['render_cli_s']:>9.2f} "
          f"{d['render_cli_cpu_s']:>8.2f} {d['render_cli_peak_mib']:>9.0f}")
    r = results["ratios"]
    print("-" * 75)
    print(f"build with plugin / baseline build (c/d):      {r['build_vs_baseline']:.2f}x wall, "
          f"{r['build_vs_baseline_cpu']:.2f}x CPU")
    print(f"briefbook's share of the build ((a+b)/c):      "
          f"{r['briefbook_share_of_build_pct']:.1f} % wall, "
          f"{r['briefbook_share_of_build_cpu_pct']:.1f} % CPU")
    print(f"peak memory, plugin build / baseline build:    {r['peak_memory_vs_baseline']:.2f}x")
    s, i = results["site"], results["search_index"]
    print(f"site: {s['bytes'] / 1e6:.1f} MB in {s['files']} files ({s['html_files']} HTML); "
          f"baseline {s['baseline_bytes'] / 1e6:.1f} MB in {s['baseline_files']} files")
    print(f"search index: {i['bytes'] / 1e6:.2f} MB, {i['docs']} entries for {i['pages']} "
          f"pages; {i['bytes_per_page'] / 1e3:.2f} KB per page, "
          f"{i['event_bytes_per_event'] / 1e3:.2f} KB per event page")
    for key, mode in (("serve", "live rebuild"), ("serve_dirty", "live rebuild, --dirty")):
        serve = results[key]
        if not serve.get("skipped"):
            stale = ", a stale entry for the edited page" if serve["search_index_stale"] else ""
            print(f"{mode}: MkDocs reports {serve.get('rebuild_mkdocs_s', 0):.2f} s of the "
                  f"{serve['edit_to_page_s']:.2f} s; the search index then holds "
                  f"{serve['search_index_pages']} of {i['pages']} pages "
                  f"({serve['search_index_bytes'] / 1e6:.2f} MB, "
                  f"{serve['search_index_duplicates']} duplicate entries"
                  f"{stale})")
    load = results["meta"]
    print(f"load average (1, 5, 15 min) before {fmt_load(load['load_average_before'])}, "
          f"after {fmt_load(load['load_average_after'])} on {load['cpus']} CPUs")
    print(f"note: {NOTE}")
    if "profile" in results and "error" not in results["profile"]:
        print_profile("(a)+(b) in-process stages", results["profile"]["stages"])
        print_profile("(c) mkdocs build with the plugin", results["profile"]["mkdocs_build"])


def fmt_load(values: Sequence[float]) -> str:
    return " ".join(f"{v:.1f}" for v in values)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 10:
        raise argparse.ArgumentTypeError("use at least 10 events")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench.py",
        description="Benchmark briefbook on a synthetic, valid briefing book of N events: "
        "load + validate, index + render, mkdocs build with the plugin, a plain-MkDocs "
        "baseline of the same pages, and edit-to-preview under mkdocs serve. Prints a table "
        "(seconds, peak MiB per phase) and the ratios between phases; writes every number "
        "as JSON. " + NOTE,
        epilog="example: .venv/bin/python scripts/bench.py --events 1000 "
        "--out bench-results/1000.json",
    )
    p.add_argument("--events", type=positive_int, help="number of events to synthesise "
                   "(sources: N/5, options and notes: N/100, 40 actors, 30 places)")
    p.add_argument("--out", type=Path, help="write the results as JSON to this file "
                   "(default: bench-results/bench-N.json in the repository)")
    p.add_argument("--keep", type=Path, metavar="DIR", help="build in DIR (new or empty) and "
                   "keep the book, sites, logs and profiles there")
    p.add_argument("--skip-serve", action="store_true",
                   help="skip phase (e), the mkdocs serve edit-to-preview measurement")
    p.add_argument("--seed", type=int, default=1, help="random seed of the book (default: 1)")
    p.add_argument("--profile", action="store_true",
                   help="also run (a)+(b) and (c) under cProfile (separate runs, not timed in "
                   "the table) and print the top briefbook functions")
    p.add_argument("--timeout", type=float, default=3600,
                   help="seconds any one phase may take (default: 3600)")
    p.add_argument("--serve-timeout", type=float, default=600,
                   help="seconds phase (e) may take in total (default: 600)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.root, args.profile_out)))
        return 0
    if args.events is None:
        parser().error("--events is required")
    out: Path = args.out or REPO / "bench-results" / f"bench-{args.events}.json"
    try:
        with workspace(args.keep) as work:
            results = benchmark(args, work)
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    report(results)
    progress(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
