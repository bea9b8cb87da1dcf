"""Picture 1, the tempo chart: events per month, stacked by class, lulls shaded, notable
events numbered, and the events dated more loosely than a month drawn as bars beneath.

Rules the picture follows (a reader of the chart can rely on them):

- **Counted in a month**: an event whose whole possible range lies in one calendar month
  (a day, a month, or an interval inside one month). Each such event is one block of its
  month's stack, linking to its page. Nothing is spread over months by guesswork.
- **Loosely dated**: every other event whose range meets the chart's months is a bar over its
  whole range below the chart, so it is shown but never counted in a month.
- **Months shown**: from the first to the last month that holds a counted event.
- **Lull**: two or more consecutive months that no attack's range touches (a loosely dated
  attack that may fall in a month keeps that month out of a lull).
- **Notable**: an event that a source reports killed anyone in, or that two or more recorded
  events answer (``responds_to``); numbered in date order, the numbers explained in the list
  next to the picture.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence

from briefbook import model
from briefbook.classes import CLASSES, LABELS, EventClass, classify
from briefbook.dates import MONTHS
from briefbook.pictures import svg
from briefbook.pictures.scale import CHAR_WIDTH, TimeScale, pack, tooltip

WIDTH = 480.0
LEFT, RIGHT = 26.0, 472.0
PLOT_TOP, PLOT_HEIGHT = 56.0, 150.0
BASELINE = PLOT_TOP + PLOT_HEIGHT
LANE = 11.0
LULL_MONTHS = 2

Month = tuple[int, int]


def month_of(event: model.Event) -> Month | None:
    """The calendar month an event's whole range lies in, or None if it spans more."""
    first, last = event.date.earliest, event.date.latest
    if (first.year, first.month) == (last.year, last.month):
        return first.year, first.month
    return None


def killed(event: model.Event) -> int:
    """The largest number killed that any cited source reports (0 if none says)."""
    return max((f.value for c in event.citations for name, f in c.reports if name == "killed"),
               default=0)


def answer_counts(events: Sequence[model.Event]) -> Counter[str]:
    return Counter(ref.id for e in events for ref in e.responds_to)


def notable(event: model.Event, answers: Counter[str]) -> bool:
    return killed(event) > 0 or answers[event.id] >= 2


def _months(first: Month, last: Month) -> list[Month]:
    months = []
    year, month = first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _first_day(month: Month) -> dt.date:
    return dt.date(month[0], month[1], 1)


def _next(month: Month) -> dt.date:
    year, m = month
    return dt.date(year + 1, 1, 1) if m == 12 else dt.date(year, m + 1, 1)


def month_label(month: Month) -> str:
    return f"{MONTHS[month[1] - 1]} {month[0]}"


def tempo_chart(events: Sequence[model.Event], link: svg.Link, *,
                us: frozenset[str]) -> svg.Picture:
    """The tempo chart of ``events`` (in book order); ``us`` from ``classes.us_actors``."""
    events = sorted(events, key=model.Event.sort_key)
    classes = {e.id: classify(e, us) for e in events}
    by_month: dict[Month, list[model.Event]] = defaultdict(list)
    for event in events:
        month = month_of(event)
        if month is not None:
            by_month[month].append(event)
    title = "Tempo: events per month"
    if not by_month:
        description = "No event is dated to a month or a day, so there is nothing to count."
        return svg.Picture(svg.frame("tempo", WIDTH, 40, title, description,
                                     [_note(20, description)]), "")
    months = _months(min(by_month), max(by_month))
    scale = TimeScale(_first_day(months[0]), _next(months[-1]), LEFT, RIGHT)
    loose = [e for e in events if month_of(e) is None and scale.span(e.date) is not None]
    answers = answer_counts(events)
    numbered = [e for e in events if (month_of(e) in by_month or e in loose)
                and notable(e, answers)]
    numbers = {e.id: i for i, e in enumerate(numbered, 1)}
    tallest = max(len(v) for v in by_month.values())
    top = max(2, tallest + tallest % 2)  # an even top keeps the middle grid line whole
    unit = PLOT_HEIGHT / top
    lulls = _lulls(months, [e for e in events if classes[e.id] == "attack"])

    body = [_legend()]
    for run in lulls:
        x0, x1 = scale.x(_first_day(run[0])), scale.x(_next(run[-1]))
        label = (f"No attack recorded, {month_label(run[0])} – {month_label(run[-1])} "
                 f"({len(run)} months)")
        body.append(svg.element("rect", svg.tooltip(label), class_="bb-pic-lull", x=x0,
                                y=PLOT_TOP, width=x1 - x0, height=PLOT_HEIGHT))
        if len(run) >= 3:
            body.append(svg.element("text", "lull", class_="bb-pic-lull-label",
                                    x=(x0 + x1) / 2, y=PLOT_TOP + 12, text_anchor="middle"))
    body.append(_grid(top))
    order = {cls: i for i, (cls, _) in enumerate(CLASSES)}
    for month in months:
        stack = sorted(by_month.get(month, []),
                       key=lambda e: (order[classes[e.id]], e.sort_key()))
        x0, x1 = scale.x(_first_day(month)), scale.x(_next(month))
        for level, event in enumerate(stack):
            cls = classes[event.id]
            block = svg.empty("rect", class_=f"bb-pic-block bb-pic-{cls}", x=x0 + 1,
                              y=BASELINE - (level + 1) * unit + 0.5,
                              width=max(x1 - x0 - 2, 1.0), height=max(unit - 1, 1.0))
            body.append(svg.link(link(event), block, tooltip(event, cls),
                                 class_="bb-pic-mark"))
        badges = [e for e in stack if e.id in numbers]
        for i, event in enumerate(sorted(badges, key=model.Event.sort_key)):
            y = BASELINE - len(stack) * unit - 10 - i * 17
            body.append(_badge(link(event), numbers[event.id], event, (x0 + x1) / 2, y))
    body.append(_axis(months, scale))
    lanes_top = BASELINE + 44
    if loose:
        body.append(svg.element("text", svg.text("Dated more loosely than a month (bars over "
                                                 "each event's possible range):"),
                                class_="bb-pic-caption", x=LEFT, y=lanes_top - 8))
    spans = [scale.span(e.date) or (0.0, 0.0) for e in loose]
    lanes = pack(spans, gap=2)
    for event, lane, (x0, x1) in zip(loose, lanes, spans, strict=True):
        cls = classes[event.id]
        y = lanes_top + lane * LANE
        cut = event.date.earliest < scale.start or event.date.latest >= scale.end
        bar = svg.empty("rect", class_=f"bb-pic-bar bb-pic-{cls}" + (" bb-pic-cut" * cut),
                        x=x0, y=y, width=max(x1 - x0, 1.0), height=LANE - 4, rx=2)
        body.append(svg.link(link(event), bar, tooltip(event, cls), class_="bb-pic-mark"))
        if event.id in numbers:
            body.append(_badge(link(event), numbers[event.id], event, max(x0 - 9, 8),
                               y + (LANE - 4) / 2))
    height = lanes_top + (max(lanes) + 1) * LANE + 6 if loose else BASELINE + 36
    counted = sum(len(v) for v in by_month.values())
    description = (
        f"{counted} events dated to a month or a day, per month from "
        f"{month_label(months[0])} to {month_label(months[-1])}, stacked by class "
        f"({', '.join(label.lower() for _, label in CLASSES)}); the busiest month has "
        f"{tallest}. {len(loose)} events dated more loosely are bars over their whole "
        f"range below the chart. "
        + (f"Lulls without any attack: {'; '.join(_run_text(r) for r in lulls)}. " if lulls
           else "No lull of two months or more without an attack. ")
        + (f"{len(numbered)} notable events are numbered: "
           + "; ".join(f"{numbers[e.id]}. {e.title} ({e.date.label})" for e in numbered)
           + "." if numbered else "")
    )
    picture = svg.frame("tempo", WIDTH, height, title, description, body)
    return svg.Picture(picture, _table(months, by_month, loose, numbered, classes, link))


def _lulls(months: list[Month], attacks: list[model.Event]) -> list[list[Month]]:
    quiet = [m for m in months
             if not any(a.date.earliest < _next(m) and a.date.latest >= _first_day(m)
                        for a in attacks)]
    runs: list[list[Month]] = []
    for month in quiet:
        if runs and _next(runs[-1][-1]) == _first_day(month):
            runs[-1].append(month)
        else:
            runs.append([month])
    return [r for r in runs if len(r) >= LULL_MONTHS]


def _run_text(run: list[Month]) -> str:
    return f"{month_label(run[0])} – {month_label(run[-1])} ({len(run)} months)"


def _legend() -> str:
    """The key, flowing onto a second row where the picture is too narrow for one."""
    items = [(f"bb-pic-block bb-pic-{cls}", label) for cls, label in CLASSES]
    items.append(("bb-pic-lull", "lull: 2+ months, no attack"))
    parts = []
    x, y = LEFT, 8.0
    for css, label in items:
        width = 16 + CHAR_WIDTH * len(label)
        if x > LEFT and x + width > RIGHT:
            x, y = LEFT, y + 18
        parts.append(svg.empty("rect", class_=css, x=x, y=y, width=12, height=12))
        parts.append(svg.element("text", svg.text(label), class_="bb-pic-legend", x=x + 16,
                                 y=y + 10))
        x += width + 12
    return svg.element("g", "".join(parts), class_="bb-pic-key")


def _grid(top: int) -> str:
    parts = []
    for value in (0, top // 2, top):
        y = BASELINE - value * PLOT_HEIGHT / top
        parts.append(svg.empty("line", class_="bb-pic-grid", x1=LEFT, x2=RIGHT, y1=y, y2=y))
        parts.append(svg.element("text", str(value), class_="bb-pic-tick", x=LEFT - 4,
                                 y=y + 4, text_anchor="end"))
    return svg.element("g", "".join(parts))


def _axis(months: list[Month], scale: TimeScale) -> str:
    parts = [svg.empty("line", class_="bb-pic-axis", x1=LEFT, x2=RIGHT, y1=BASELINE,
                       y2=BASELINE)]
    for i, month in enumerate(months):
        x = scale.x(_first_day(month))
        if month[1] in (1, 4, 7, 10) or i == 0:
            long = month[1] == 1 or i == 0
            parts.append(svg.empty("line", class_="bb-pic-axis", x1=x, x2=x, y1=BASELINE,
                                   y2=BASELINE + (8 if long else 4)))
        if month[1] == 1 or (i == 0 and month[1] <= 9):
            parts.append(svg.element("text", str(month[0]), class_="bb-pic-tick", x=x + 2,
                                     y=BASELINE + 20))
    return svg.element("g", "".join(parts))


def _badge(href: str, number: int, event: model.Event, x: float, y: float) -> str:
    body = (svg.empty("circle", class_="bb-pic-badge", cx=x, cy=y, r=8)
            + svg.element("text", str(number), class_="bb-pic-badge-text", x=x, y=y + 4,
                          text_anchor="middle"))
    return svg.link(href, body, f"{number}. {event.date.label}: {event.title}",
                    class_="bb-pic-mark")


def _note(y: float, message: str) -> str:
    return svg.element("text", svg.text(message), class_="bb-pic-caption", x=LEFT, y=y)


def _table(months: list[Month], by_month: dict[Month, list[model.Event]],
           loose: list[model.Event], numbered: list[model.Event],
           classes: dict[str, EventClass], link: svg.Link) -> str:
    parts = []
    if numbered:
        items = "".join(f"<li>{svg.anchor(link(e), e.title)} ({svg.text(e.date.label)})</li>"
                        for e in numbered)
        parts.append(f'<p>Notable events (numbered on the chart):</p><ol class="bb-pic-notable">'
                     f"{items}</ol>")
    rows = []
    for month in months:
        stack = by_month.get(month, [])
        counts = Counter(classes[e.id] for e in stack)
        rows.append([svg.text(month_label(month)),
                     *(str(counts[cls]) for cls, _ in CLASSES),
                     ", ".join(svg.anchor(link(e), e.title) for e in stack)])
    parts.append(svg.table("Events per month, by class",
                           ["Month", *(label for _, label in CLASSES), "Events"], rows))
    if loose:
        parts.append(svg.table(
            "Events dated more loosely than a month",
            ["Dates", "Class", "Event"],
            [[svg.text(e.date.label), svg.text(LABELS[classes[e.id]]),
              svg.anchor(link(e), e.title)] for e in loose]))
    return "".join(parts)

