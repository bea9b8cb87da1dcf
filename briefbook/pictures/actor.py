"""Picture 5, an actor's small multiples: one strip per role the actor plays, on one time
axis, each event a mark at its date (or a bar over its range).

Roles are read from the events themselves: *carried out* (``perpetrators``), the attribution
statuses *claimed*, *officially attributed* and *assessed* (the actor is the one the
attribution names), and *targeted* (``targets``). Only the roles the actor plays get a strip.
The axis runs over whole years, from the year of the earliest event dated to a month or
better to the year of the latest (all events when none is): a founding in 1979 does not
squeeze an actor's three busy years into the last tenth of the strip. A longer range is cut
at the axis's ends; an event wholly outside it is counted under the strip and listed in the
table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from briefbook import model
from briefbook.classes import classify
from briefbook.pictures import svg
from briefbook.pictures.scale import TimeScale, event_mark, key, lanes

WIDTH = 480.0
LEFT, RIGHT = 8.0, 472.0
LANE = 13.0
HEADING = 18.0
ROLES = (("carried out", "perpetrator"), ("claimed", "claimed"),
         ("officially attributed", "officially attributed"), ("assessed", "assessed"),
         ("targeted", "target"))


def roles(actor: model.Actor, events: Sequence[model.Event]) -> list[tuple[str, list[model.Event]]]:
    """Each role the actor plays (in ``ROLES`` order) and its events, in date order."""
    by_role: dict[str, list[model.Event]] = {role: [] for _, role in ROLES}
    for event in events:
        played = {a.status for a in event.attribution if a.actor.id == actor.id}
        if any(r.id == actor.id for r in event.perpetrators):
            played.add("perpetrator")
        if any(r.id == actor.id for r in event.targets):
            played.add("target")
        for role in played & by_role.keys():
            by_role[role].append(event)
    return [(label, sorted(by_role[role], key=model.Event.sort_key))
            for label, role in ROLES if by_role[role]]


def actor_strip(actor: model.Actor, events: Sequence[model.Event], link: svg.Link, *,
                us: frozenset[str]) -> svg.Picture:
    strips = roles(actor, events)
    title = f"{actor.name}: events by role"
    if not strips:
        description = f"No recorded event gives {actor.name} a role."
        return svg.Picture(svg.frame("actor", WIDTH, 30, title, description, [
            svg.element("text", svg.text(description), class_="bb-pic-caption", x=LEFT,
                        y=18)]), "")
    dates = [e.date for _, role_events in strips for e in role_events]
    narrow = [d for d in dates if (d.latest - d.earliest).days <= 31] or dates
    years = [d.year for date in narrow for d in (date.earliest, date.latest)
             if d not in (dt.date.min, dt.date.max)]
    scale = TimeScale(dt.date(min(years), 1, 1), dt.date(max(years) + 1, 1, 1), LEFT, RIGHT)
    outside = {e.id for _, role_events in strips for e in role_events
               if scale.span(e.date) is None}
    body = []
    y = 4.0
    for label, role_events in strips:
        body.append(svg.element("text", svg.text(f"{label} ({len(role_events)})"),
                                class_="bb-pic-heading", x=LEFT, y=y + 12))
        drawn = [e for e in role_events if e.id not in outside]
        lane_of = lanes(scale, drawn) or {"": 0}
        top = y + HEADING + 6
        bottom = top + max(lane_of.values()) * LANE + 8
        body.append(svg.empty("rect", class_="bb-pic-panel", x=LEFT, y=top - 8,
                              width=RIGHT - LEFT, height=bottom - top + 8))
        for event in drawn:
            body.append(event_mark(event, classify(event, us), scale,
                                   top + lane_of[event.id] * LANE, link(event)))
        y = bottom + 4
    body.append(_years(scale, y))
    if outside:
        y += 26
        body.append(svg.element("text", svg.text(
            f"{len(outside)} events outside {scale.start.year}–{scale.end.year - 1} are "
            "listed in the table."), class_="bb-pic-caption", x=LEFT, y=y + 8))
    legend, height = key(LEFT, RIGHT, y + 34)
    body.append(legend)
    description = (f"{actor.name}'s events from {scale.start.year} to {scale.end.year - 1}, "
                   "one strip per role: "
                   + "; ".join(f"{label}, {len(es)}" for label, es in strips) + "."
                   + (f" {len(outside)} events fall outside those years." if outside else ""))
    picture = svg.frame("actor", WIDTH, height, title, description, body)
    rows = [[svg.text(label), svg.text(e.date.label), svg.anchor(link(e), e.title)]
            for label, role_events in strips for e in role_events]
    return svg.Picture(picture, svg.table(f"{actor.name}'s events by role",
                                          ["Role", "Date", "Event"], rows))


def _years(scale: TimeScale, y: float) -> str:
    years = range(scale.start.year, scale.end.year + 1)
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if len(years) / s <= 10)
    parts = [svg.empty("line", class_="bb-pic-axis", x1=scale.left, x2=scale.right, y1=y,
                       y2=y)]
    for year in years:
        x = scale.x(dt.date(year, 1, 1))
        parts.append(svg.empty("line", class_="bb-pic-axis", x1=x, x2=x, y1=y, y2=y + 4))
        if year % step == 0 and year < scale.end.year:
            parts.append(svg.element("text", str(year), class_="bb-pic-tick", x=x + 2,
                                     y=y + 16))
    return svg.element("g", "".join(parts))
