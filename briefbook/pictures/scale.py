"""Dates to x positions, lanes for overlapping marks, and the one way an event is drawn.

A day is a width, not a point: day ``d`` occupies ``[x(d), x(d + 1 day))``. An event dated to
a day is drawn at the centre of its day; an event dated more loosely (a month, a season, a
year, an interval) is a bar over its whole possible range ``[earliest, latest + 1 day)``, cut
at the edges of the picture where the range runs past them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from briefbook import model
from briefbook.classes import LABELS, MARKS, EventClass
from briefbook.dates import Edtf
from briefbook.pictures import svg

ONE_DAY = dt.timedelta(days=1)
MARK_SIZE = 9.0
"""Width and height of a day mark, and the height of a bar (viewBox units)."""
CHAR_WIDTH = 6.4
"""Mean advance of a character of 12-unit text, to lay out keys without measuring a font."""


@dataclass(frozen=True, slots=True)
class TimeScale:
    start: dt.date
    """The first day drawn."""
    end: dt.date
    """The day after the last day drawn."""
    left: float
    right: float

    def x(self, day: dt.date) -> float:
        """Where ``day`` begins."""
        days = (self.end - self.start).days
        return self.left + (self.right - self.left) * (day - self.start).days / days

    def span(self, date: Edtf) -> tuple[float, float] | None:
        """The x range of the days ``date`` may mean, cut to the picture; None outside it."""
        first = max(date.earliest, self.start)
        last = min(date.latest, self.end - ONE_DAY)  # also keeps open ends off date.max
        if first > last:
            return None
        return self.x(first), self.x(last + ONE_DAY)


def is_day(date: Edtf) -> bool:
    return date.earliest == date.latest


def year_scale(year: int, left: float, right: float) -> TimeScale:
    return TimeScale(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), left, right)


def pack(spans: list[tuple[float, float]], gap: float = 3.0) -> list[int]:
    """A lane (0, 1, ...) for each span so that spans in one lane keep ``gap`` apart; spans
    are taken in the order given (callers pass them in date order, so lanes are stable)."""
    lane_ends: list[float] = []
    lanes = []
    for start, end in spans:
        for lane, lane_end in enumerate(lane_ends):
            if start >= lane_end + gap:
                lane_ends[lane] = end
                lanes.append(lane)
                break
        else:
            lane_ends.append(end)
            lanes.append(len(lane_ends) - 1)
    return lanes


def lanes(scale: TimeScale, events: list[model.Event]) -> dict[str, int]:
    """Lanes for a strip of events: day marks first (they seldom overlap, so answers and
    the events they answer mostly share the top lane), then the bars of imprecise dates."""
    days = [e for e in events if is_day(e.date)]
    bars = [e for e in events if not is_day(e.date)]
    day_lanes = pack([extent(scale, e.date) or (0.0, 0.0) for e in days], gap=2)
    first_bar_lane = max(day_lanes, default=-1) + 1
    bar_lanes = pack([extent(scale, e.date) or (0.0, 0.0) for e in bars], gap=2)
    found = {e.id: lane for e, lane in zip(days, day_lanes, strict=True)}
    found.update((e.id, first_bar_lane + lane) for e, lane in zip(bars, bar_lanes, strict=True))
    return found


def key(left: float, right: float, y: float) -> tuple[str, float]:
    """What the shapes and bars mean, flowing onto more rows as the width needs; returns the
    markup and the y below it (strips share it)."""
    parts = []
    items: list[tuple[EventClass | None, str]] = [*MARKS.items(), (None, "date range")]
    x = left
    for cls, label in items:
        symbol = 22.0 if cls is None else 12.0
        width = symbol + CHAR_WIDTH * len(label)
        if x > left and x + width > right:
            x, y = left, y + 16
        if cls is None:
            parts.append(svg.empty("rect", class_="bb-pic-bar bb-pic-other", x=x,
                                   y=y - 3, width=18, height=6, rx=2))
        else:
            parts.append(_shape(cls, x + 4, y, MARK_SIZE))
        parts.append(svg.element("text", svg.text(label), class_="bb-pic-legend", x=x + symbol,
                                 y=y + 4))
        x += width + 14
    return svg.element("g", "".join(parts), class_="bb-pic-key"), y + 10


def extent(scale: TimeScale, date: Edtf) -> tuple[float, float] | None:
    """The horizontal room a mark takes: its bar, or a day mark's square around its centre."""
    span = scale.span(date)
    if span is None or not is_day(date):
        return span
    centre = (span[0] + span[1]) / 2
    return centre - MARK_SIZE / 2, centre + MARK_SIZE / 2


def tooltip(event: model.Event, cls: EventClass) -> str:
    return f"{event.date.label}: {event.title} ({event.type}; {LABELS[cls].lower()})"


def event_mark(event: model.Event, cls: EventClass, scale: TimeScale, y: float,
               href: str) -> str:
    """The event as a link: a shape at its day's centre (the shape says its class, so colour
    is not the only cue) or a bar over its range; empty if it lies outside the scale."""
    span = scale.span(event.date)
    if span is None:
        return ""
    start, end = span
    s = MARK_SIZE
    if is_day(event.date):
        cx = (start + end) / 2
        shape = _shape(cls, cx, y, s)
    else:
        cut = event.date.earliest < scale.start or event.date.latest >= scale.end
        shape = svg.empty("rect", class_=f"bb-pic-bar bb-pic-{cls}" + (" bb-pic-cut" if cut
                                                                         else ""),
                          x=start, y=y - s / 3, width=max(end - start, 1.0), height=s * 2 / 3,
                          rx=2)
    return svg.link(href, shape, tooltip(event, cls), class_="bb-pic-mark")


def _shape(cls: EventClass, cx: float, cy: float, s: float) -> str:
    """The class's mark, the same shape as the text's (``.bb-mark`` in briefbook.css):
    attack ▲, U.S. military response ■, statement ●, diplomacy ◆, other ○."""
    css = f"bb-pic-dot bb-pic-{cls}"
    if cls == "attack":
        h = s / 2 + 1
        return svg.empty("polygon", class_=css, points=_points(
            (cx, cy - h), (cx + h, cy + h * 0.8), (cx - h, cy + h * 0.8)))
    if cls == "response":
        return svg.empty("rect", class_=css, x=cx - s / 2, y=cy - s / 2, width=s, height=s)
    if cls == "diplomacy":
        h = s / 2 + 1
        return svg.empty("polygon", class_=css, points=_points(
            (cx, cy - h), (cx + h, cy), (cx, cy + h), (cx - h, cy)))
    return svg.empty("circle", class_=css, cx=cx, cy=cy, r=s / 2 if cls == "statement"
                     else s / 2 - 1)


def _points(*corners: tuple[float, float]) -> str:
    return " ".join(f"{svg.num(x)},{svg.num(y)}" for x, y in corners)


def centre(scale: TimeScale, date: Edtf) -> float | None:
    span = scale.span(date)
    return None if span is None else (span[0] + span[1]) / 2
