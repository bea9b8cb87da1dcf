"""Picture 3, attack-response cycles: how long each U.S. response took, and how long each
attack that no U.S. response answers came after the previous U.S. response.

- **Answers**: one row per (answered event, U.S. response) pair, a U.S. response being a
  military or diplomatic one (``classes.us_response``: one rule for the picture and the
  page). Statements, militia escalations and Iran's own retaliation answer events too, but
  are no U.S. response: they are joined on the timeline strips, not here. The row runs from
  the answered event (day 0) to the response; where either date is imprecise the lag is a
  range (``briefbook.index.lag``: fewest to most days), drawn as a bar over it and worded
  as a bound (``briefbook.index.lag_in_words``: "within 2 weeks").
- **Unanswered attacks**: one row per attack (``model.ATTACK_TYPES``) that no U.S. response
  answers, from the previous U.S. response: of those whose whole range ends on or before the
  attack's first possible day, the one that ends last (a year-long interval of strikes that
  may fall after the attack is no "previous" response). Attacks with no such response are
  counted in the description and listed in the table, not drawn.

The two parts have their own day scales: answers take days, silences months.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from briefbook import model
from briefbook.classes import LABELS, classify, us_response
from briefbook.index import lag
from briefbook.pictures import svg
from briefbook.pictures.scale import tooltip
from briefbook.pictures.timeline import lag_text

WIDTH = 480.0
LEFT, RIGHT = 10.0, 420.0
ROW = 34.0
LABEL_CHARS = 74
STEPS = (1, 2, 5, 7, 10, 14, 30, 60, 90, 180, 365, 730)


@dataclass(frozen=True, slots=True)
class Row:
    start: model.Event
    """Day 0: the answered event, or the previous response."""
    end: model.Event
    """The response, or the unanswered attack."""
    days: tuple[int, int]


def answers(events: Sequence[model.Event], us: frozenset[str]) -> list[Row]:
    by_id = {e.id: e for e in events}
    return [Row(by_id[ref.id], e, lag(by_id[ref.id], e))
            for e in sorted(events, key=model.Event.sort_key) for ref in e.responds_to
            if ref.id in by_id and us_response(e, us) is not None]


def silences(events: Sequence[model.Event], us: frozenset[str],
             ) -> tuple[list[Row], list[model.Event]]:
    """Rows for unanswered attacks after a response, and the unanswered attacks before any."""
    answered = {ref.id for e in events if us_response(e, us) is not None
                for ref in e.responds_to}
    # Ordered by when they end, so the previous response is found by bisection.
    responses = sorted((e for e in events if us_response(e, us) is not None),
                       key=lambda r: (r.date.latest, r.date.earliest, r.id))
    ends = [r.date.latest for r in responses]
    rows, before_any = [], []
    for attack in sorted(events, key=model.Event.sort_key):
        if attack.type not in model.ATTACK_TYPES or attack.id in answered:
            continue
        ended = bisect.bisect_right(ends, attack.date.earliest)
        if not ended:
            before_any.append(attack)
            continue
        previous = responses[ended - 1]
        rows.append(Row(previous, attack, lag(previous, attack)))
    return rows, before_any


def day_scale(most: int) -> tuple[float, list[int]]:
    """Units per day and the ticks (in days) of an axis reaching at least ``most`` days."""
    most = max(most, 7)
    step = next((s for s in STEPS if most / s <= 6), STEPS[-1])
    ticks = list(range(0, most + step, step))
    return (RIGHT - LEFT) / ticks[-1], ticks


def cycles_chart(events: Sequence[model.Event], link: svg.Link, *,
                 us: frozenset[str], year: int | None = None) -> svg.Picture:
    """Every cycle of ``events``; with ``year``, only the rows whose response or unanswered
    attack begins in that year (a book of thousands of answers gets one chart a year, the
    answered events and previous responses still found in all of ``events``)."""
    answer_rows = answers(events, us)
    silence_rows, before_any = silences(events, us)
    if year is not None:
        def in_year(event: model.Event) -> bool:
            return event.date.earliest.year == year

        answer_rows = [r for r in answer_rows if in_year(r.end)]
        silence_rows = [r for r in silence_rows if in_year(r.end)]
        before_any = [a for a in before_any if in_year(a)]
    body: list[str] = []
    y = 18.0
    y = _section(body, y, "U.S. responses: days from an event to the response",
                 answer_rows, link, us, "answers")
    y = _section(body, y + 10, "Attacks without a U.S. response: days since the "
                 "previous one", silence_rows, link, us, "since")
    if before_any:
        body.append(svg.element("text", svg.text(
            f"{len(before_any)} unanswered attacks came before any recorded U.S. "
            "response (listed in the table)."), class_="bb-pic-caption", x=LEFT, y=y + 4))
        y += 14
    description = (
        f"{len(answer_rows)} answers, each a line from the answered event (day 0) to the "
        "U.S. military or diplomatic response, with the lag in days (a bound where a date "
        f"is imprecise); {len(silence_rows)} attacks that no U.S. response answers, each a "
        "line from the previous U.S. response to the attack; "
        f"{len(before_any)} unanswered attacks before any recorded U.S. response.")
    title = "Attack-response cycles" + (f" of {year}" if year is not None else "")
    picture = svg.frame("cycles", WIDTH, y + 6, title, description, body)
    return svg.Picture(picture, _tables(answer_rows, silence_rows, before_any, link, us))


def _section(body: list[str], y: float, heading: str, rows: list[Row], link: svg.Link,
             us: frozenset[str], kind: str) -> float:
    body.append(svg.element("text", svg.text(heading), class_="bb-pic-heading", x=LEFT, y=y))
    y += 8
    if not rows:
        body.append(svg.element("text", "none recorded", class_="bb-pic-caption", x=LEFT,
                                y=y + 12))
        return y + 22
    unit, ticks = day_scale(max(r.days[1] for r in rows))
    axis_bottom = y + 16 + len(rows) * ROW
    grid = []
    for tick in ticks:
        x = LEFT + tick * unit
        grid.append(svg.empty("line", class_="bb-pic-grid", x1=x, x2=x, y1=y + 14,
                              y2=axis_bottom))
        grid.append(svg.element("text", str(tick), class_="bb-pic-tick", x=x, y=y + 10,
                                text_anchor="middle"))
    grid.append(svg.element("text", "days", class_="bb-pic-tick", x=RIGHT + 14, y=y + 10))
    body.append(svg.element("g", "".join(grid)))
    y += 16
    for row in rows:
        half = LABEL_CHARS // 2 - 2
        label = (f"{_shorten(row.start.title, half)} → {_shorten(row.end.title, half)}"
                 if kind == "answers"
                 else f"{_shorten(row.end.title, half)} (since {_shorten(row.start.title, half)})")
        body.append(svg.element("text", svg.text(label), class_="bb-pic-label",
                                x=LEFT, y=y + 11))
        line_y = y + 24
        fewest, most = row.days
        x0, x1 = LEFT + fewest * unit, LEFT + most * unit
        start_cls, end_cls = classify(row.start, us), classify(row.end, us)
        body.append(svg.empty("line", class_="bb-pic-wait", x1=LEFT, x2=x0, y1=line_y,
                              y2=line_y))
        body.append(svg.link(link(row.start), svg.empty(
            "circle", class_=f"bb-pic-dot bb-pic-{start_cls}", cx=LEFT, cy=line_y, r=4),
            tooltip(row.start, start_cls), class_="bb-pic-mark"))
        if most > fewest:
            mark = svg.empty("rect", class_=f"bb-pic-bar bb-pic-{end_cls}", x=x0,
                             y=line_y - 4, width=x1 - x0, height=8, rx=2)
        else:
            mark = svg.empty("rect", class_=f"bb-pic-dot bb-pic-{end_cls}", x=x0 - 4,
                             y=line_y - 4, width=8, height=8)
        body.append(svg.link(link(row.end), mark,
                             f"{tooltip(row.end, end_cls)}: {lag_text(*row.days)}",
                             class_="bb-pic-mark"))
        body.append(svg.element("text", svg.text(lag_text(*row.days)), class_="bb-pic-value",
                                x=x1 + 7, y=line_y + 4))
        y += ROW
    return y + 8


def _shorten(label: str, chars: int) -> str:
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def _tables(answer_rows: list[Row], silence_rows: list[Row], before_any: list[model.Event],
            link: svg.Link, us: frozenset[str]) -> str:
    def cell(event: model.Event) -> str:
        return f"{svg.anchor(link(event), event.title)} ({svg.text(event.date.label)})"

    parts = [svg.table("Answers and their lag", ["Answered", "Response", "Class", "Lag"],
                       [[cell(r.start), cell(r.end), svg.text(LABELS[classify(r.end, us)]),
                         svg.text(lag_text(*r.days))] for r in answer_rows])]
    parts.append(svg.table(
        "Attacks without a U.S. response",
        ["Attack", "Previous U.S. response", "Days since"],
        [[cell(r.end), cell(r.start), svg.text(lag_text(*r.days))] for r in silence_rows]
        + [[cell(a), "none recorded before it", ""] for a in before_any]))
    return "".join(parts)
