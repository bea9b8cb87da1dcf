"""Which class an event belongs to: one rule for every mark, card, listing and picture.

The rule, in order (the first that applies wins):

1. **U.S. military response**: a U.S. actor is among the perpetrators, and the event is a
   strike (``airstrike`` or ``raid``), or a military move (``shoot-down``, ``force posture
   change``, ``military exercise``) recorded as answering something (``responds_to``).
   U.S. statements and diplomatic steps that answer an attack (a spokesman's warning, the
   closing of a consulate) are *not* military responses: they fall under rules 3 and 4. "U.S. actor"
   is ``united-states`` and every actor that is ``part of`` it, directly or through other
   actors (the Department of Defense, CENTCOM, the Army...), read from the actors' relations.
2. **Attack**: the type is one of ``model.ATTACK_TYPES`` (rocket, missile, drone, IED and
   small-arms attacks), whoever carried it out: mostly Iran-backed militias, also Iran's own
   missile strike of January 2020 and Houthi attacks.
3. **Statement**: ``official statement``.
4. **Diplomacy**: ``diplomatic move``.
5. **Other**: everything else (posture changes, politics, sanctions, exercises, and answers
   by anyone but the United States, such as a parliament's vote).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from briefbook import model

EventClass = Literal["attack", "response", "statement", "diplomacy", "other"]

CLASSES: tuple[tuple[EventClass, str], ...] = (
    ("attack", "Attacks"),
    ("response", "U.S. military responses"),
    ("statement", "Statements"),
    ("diplomacy", "Diplomacy"),
    ("other", "Other"),
)
"""Each class and its legend label, in stacking order (bottom first)."""
LABELS: dict[EventClass, str] = dict(CLASSES)
MARKS: dict[EventClass, str] = {
    "attack": "attack", "response": "U.S. military response", "statement": "statement",
    "diplomacy": "diplomacy", "other": "other"}
"""What one event's mark stands for, in every legend and for screen readers."""

US_ROOT = "united-states"
STRIKE_TYPES = frozenset({"airstrike", "raid"})
MILITARY_MOVES = frozenset({"shoot-down", "force posture change", "military exercise"})


def us_actors(actors: Iterable[model.Actor], root: str = US_ROOT) -> frozenset[str]:
    """``root`` and every actor that is ``part of`` it, however indirectly."""
    parent_of: dict[str, list[str]] = {}
    for actor in actors:
        parent_of[actor.id] = [r.actor.id for r in actor.relations if r.type == "part of"]
    found = {root}
    changed = True
    while changed:  # a fixed point: part-of chains are short, and loops cannot run away
        changed = False
        for actor_id, parents in parent_of.items():
            if actor_id not in found and found.intersection(parents):
                found.add(actor_id)
                changed = True
    return frozenset(found)


def classify(event: model.Event, us: frozenset[str]) -> EventClass:
    by_us = any(p.id in us for p in event.perpetrators)
    if by_us and (event.type in STRIKE_TYPES
                  or (event.responds_to and event.type in MILITARY_MOVES)):
        return "response"
    if event.type in model.ATTACK_TYPES:
        return "attack"
    if event.type == "official statement":
        return "statement"
    if event.type == "diplomatic move":
        return "diplomacy"
    return "other"


USResponse = Literal["military", "diplomatic"]


def us_response(event: model.Event, us: frozenset[str]) -> USResponse | None:
    """Whether the event is a U.S. response, and which kind: a *military* response is rule 1
    above; a *diplomatic* one is a U.S. ``diplomatic move`` recorded as answering something
    (the closing of a consulate over attacks). A U.S. ``official statement`` (a warning, a
    pledge) is no response of either kind, nor is anything a militia or Iran does."""
    if classify(event, us) == "response":
        return "military"
    if (event.type == "diplomatic move" and event.responds_to
            and any(p.id in us for p in event.perpetrators)):
        return "diplomatic"
    return None
