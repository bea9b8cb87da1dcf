"""Picture 2, a year's timeline strip: each event a mark at its date (a bar over the whole
possible range of an imprecise date), in as many lanes as overlapping marks need, and each
response joined by a curve to the events it answers (from the strip's left edge when the
answered event lies in an earlier year)."""

from __future__ import annotations

from collections.abc import Sequence

from briefbook import model
from briefbook.classes import LABELS, classify
from briefbook.dates import MONTHS
from briefbook.index import lag, lag_in_words
from briefbook.pictures import svg
from briefbook.pictures.scale import (
    MARK_SIZE,
    TimeScale,
    centre,
    event_mark,
    key,
    lanes,
    year_scale,
)

WIDTH = 480.0
LEFT, RIGHT = 8.0, 472.0
LANES_TOP = 52.0
LANE = 15.0


def lag_text(fewest: int, most: int) -> str:
    """The lag in words: exact days, or an honest bound ('within 2 weeks')."""
    return lag_in_words((fewest, most))


def timeline_strip(year: int, events: Sequence[model.Event], link: svg.Link, *,
                   us: frozenset[str]) -> svg.Picture:
    """The strip of ``year``: every event of ``events`` whose range meets the year."""
    scale = year_scale(year, LEFT, RIGHT)
    shown = sorted((e for e in events if scale.span(e.date) is not None),
                   key=model.Event.sort_key)
    by_id = {e.id: e for e in events}
    lane_of = lanes(scale, shown)
    bottom = LANES_TOP + max(lane_of.values(), default=0) * LANE + LANE / 2
    body = [_months(scale, bottom)]
    joins = []
    for event in shown:
        for ref in event.responds_to:
            answered = by_id.get(ref.id)
            if answered is not None:
                joins.append(_join(scale, answered, event, lane_of))
    body.append(svg.element("g", "".join(joins), class_="bb-pic-joins"))
    for event in shown:
        y = LANES_TOP + lane_of[event.id] * LANE
        body.append(event_mark(event, classify(event, us), scale, y, link(event)))
    legend, height = key(LEFT, RIGHT, bottom + 14)
    body.append(legend)
    precise = sum(e.date.earliest == e.date.latest for e in shown)
    description = (f"{len(shown)} events in {year}: {precise} dated to a day (marks at their "
                   f"day), {len(shown) - precise} dated more loosely (bars over their whole "
                   f"possible range); {len(joins)} lines join responses to the events they "
                   "answer.")
    if not shown:
        description = f"No recorded event falls in {year}."
    picture = svg.frame("timeline", WIDTH, height, f"Timeline of {year}", description, body)
    rows = []
    for event in shown:
        answers = [by_id[r.id] for r in event.responds_to if r.id in by_id]
        rows.append([
            svg.text(event.date.label), svg.anchor(link(event), event.title),
            svg.text(LABELS[classify(event, us)]),
            ", ".join(f"{svg.anchor(link(a), a.title)} ({lag_text(*lag(a, event))} before)"
                      for a in answers),
        ])
    table = svg.table(f"Events of {year}", ["Date", "Event", "Class", "Answers"], rows)
    return svg.Picture(picture, table)


def _months(scale: TimeScale, bottom: float) -> str:
    parts = []
    for month in range(1, 13):
        start = scale.x(scale.start.replace(month=month))
        end = scale.x(scale.start.replace(month=month + 1)) if month < 12 else scale.right
        parts.append(svg.empty("line", class_="bb-pic-grid", x1=start, x2=start, y1=18,
                               y2=bottom))
        parts.append(svg.element("text", MONTHS[month - 1], class_="bb-pic-tick",
                                 x=(start + end) / 2, y=14, text_anchor="middle"))
    parts.append(svg.empty("line", class_="bb-pic-grid", x1=scale.right, x2=scale.right,
                           y1=18, y2=bottom))
    return svg.element("g", "".join(parts))


def _join(scale: TimeScale, answered: model.Event, response: model.Event,
          lane_of: dict[str, int]) -> str:
    x1 = centre(scale, response.date)
    assert x1 is not None  # the response is on the strip
    y1 = LANES_TOP + lane_of[response.id] * LANE
    x0 = centre(scale, answered.date)
    if x0 is None or answered.id not in lane_of:  # answered in an earlier year
        x0, y0, css = scale.left, y1, "bb-pic-join bb-pic-join-earlier"
    else:
        y0, css = LANES_TOP + lane_of[answered.id] * LANE, "bb-pic-join"
    lift = MARK_SIZE + min(abs(x1 - x0) / 4, 20)
    top = min(y0, y1) - lift
    path = (f"M{svg.num(x0)} {svg.num(y0)} C{svg.num(x0)} {svg.num(top)} "
            f"{svg.num(x1)} {svg.num(top)} {svg.num(x1)} {svg.num(y1)}")
    label = (f"{response.title} ({response.date.label}) answers {answered.title} "
             f"({answered.date.label}): {lag_text(*lag(answered, response))} later")
    return svg.element("path", svg.tooltip(label), class_=css, d=path)
