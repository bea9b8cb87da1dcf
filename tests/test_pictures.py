"""The pictures: geometry recomputed from dates and coordinates, counts recomputed from the
shipped book, links, escaping of hostile text, and output a browser may load offline.

Positions are recomputed here from the documented geometry (the plot's left and right ends,
the projection's formula), never read back from the code under test.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from briefbook import model
from briefbook.classes import classify, us_actors, us_response
from briefbook.dates import parse
from briefbook.index import lag_in_words
from briefbook.pictures import (
    Picture,
    actor_strip,
    cycles_chart,
    locator_map,
    maps,
    place_map,
    tempo,
    tempo_chart,
    timeline,
    timeline_strip,
)
from briefbook.pictures import actor as actor_module
from briefbook.pipeline import Checked, check
from briefbook.render import record_page
from tests.conftest import REPO

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "</title><script>alert(1)</script>"


def link(record: model.Event | model.Place) -> str:
    kind = "event" if isinstance(record, model.Event) else "place"
    # The built URL of a record page: events/<id>.md is served at events/<id>/.
    return "/" + record_page(kind, record.id).removesuffix(".md") + "/"


@pytest.fixture(scope="module")
def checked() -> Checked:
    result = check(REPO)
    assert not result.errors
    return result


@pytest.fixture(scope="module")
def book(checked: Checked) -> model.Book:
    return checked.index.book


@pytest.fixture(scope="module")
def us(book: model.Book) -> frozenset[str]:
    return us_actors(book.actors)


def all_pictures(checked: Checked, us: frozenset[str]) -> dict[str, Picture]:
    book = checked.index.book
    pictures = {
        "tempo": tempo_chart(book.events, link, us=us),
        "cycles": cycles_chart(book.events, link, us=us),
        "map": place_map(book.places, book.events, link),
    }
    for year in range(2018, 2022):
        pictures[f"timeline {year}"] = timeline_strip(year, book.events, link, us=us)
    for place in book.places:
        pictures[f"locator {place.id}"] = locator_map(
            place, len(checked.index.place_events.get(place.id, [])))
    for actor in book.actors:
        pictures[f"actor {actor.id}"] = actor_strip(actor, book.events, link, us=us)
    return pictures


def parsed(picture: Picture) -> ET.Element:
    return ET.fromstring(picture.svg)


def marks(root: ET.Element) -> dict[str, list[ET.Element]]:
    """href to the shapes of the links with that href."""
    found: dict[str, list[ET.Element]] = {}
    for a in root.iter(f"{SVG}a"):
        shapes = [child for child in a if child.tag != f"{SVG}title"]
        found.setdefault(a.attrib["href"], []).extend(shapes)
    return found


def centre_x(shape: ET.Element) -> float:
    if shape.tag == f"{SVG}circle":
        return float(shape.attrib["cx"])
    if shape.tag == f"{SVG}rect":
        return float(shape.attrib["x"]) + float(shape.attrib["width"]) / 2
    xs = [float(p.split(",")[0]) for p in shape.attrib["points"].split()]
    return (min(xs) + max(xs)) / 2


def x_of(day: dt.date, left: float, right: float, start: dt.date, end: dt.date) -> float:
    return left + (right - left) * (day - start).days / (end - start).days


def event(book: model.Book, event_id: str) -> model.Event:
    return next(e for e in book.events if e.id == event_id)


# Every picture: well-formed, named, described, scalable, self-contained.

def test_every_picture_is_safe_self_contained_svg(checked: Checked,
                                                  us: frozenset[str]) -> None:
    for name, picture in all_pictures(checked, us).items():
        root = parsed(picture)
        assert root.tag == f"{SVG}svg", name
        # A picture of links is a group: an img's links would be hidden from screen readers.
        has_links = root.find(f".//{SVG}a") is not None
        assert root.attrib["role"] == ("group" if has_links else "img"), name
        assert "width" not in root.attrib and re.fullmatch(
            r"0 0 [0-9.]+ [0-9.]+", root.attrib["viewBox"]), name
        title, desc = root[0], root[1]
        assert title.tag == f"{SVG}title" and title.text, name
        assert desc.tag == f"{SVG}desc" and desc.text, name
        assert root.attrib["aria-labelledby"] == title.attrib["id"]
        for element in root.iter():
            assert element.tag.removeprefix(SVG) not in ("script", "foreignObject", "style",
                                                         "image", "use"), name
            assert "style" not in element.attrib, name
            assert not any(a.startswith("on") for a in element.attrib), name
            for value in element.attrib.values():
                assert "url(" not in value and "javascript:" not in value, name
        assert "<script" not in picture.table_html


def test_output_is_deterministic(checked: Checked, us: frozenset[str]) -> None:
    assert all_pictures(checked, us) == all_pictures(checked, us)


def test_every_event_mark_links_to_a_record_page(checked: Checked, us: frozenset[str]) -> None:
    book = checked.index.book
    pages = {link(e) for e in book.events} | {link(p) for p in book.places}
    for name, picture in all_pictures(checked, us).items():
        root = parsed(picture)
        for a in root.iter(f"{SVG}a"):
            assert a.attrib["href"] in pages, name
            tip = a.find(f"{SVG}title")
            assert tip is not None and tip.text, f"{name}: a mark without a tooltip"


# The timeline strip: x from the date, bars over the whole range.

def test_a_day_mark_sits_at_the_centre_of_its_day(book: model.Book,
                                                  us: frozenset[str]) -> None:
    drawn = marks(parsed(timeline_strip(2020, book.events, link, us=us)))
    start, end = dt.date(2020, 1, 1), dt.date(2021, 1, 1)
    day_events = [e for e in book.events
                  if e.date.earliest == e.date.latest and e.date.earliest.year == 2020]
    assert len(day_events) > 10
    for e in day_events:
        day = e.date.earliest
        expected = (x_of(day, timeline.LEFT, timeline.RIGHT, start, end)
                    + x_of(day + dt.timedelta(1), timeline.LEFT, timeline.RIGHT, start, end)) / 2
        (shape,) = drawn[link(e)]
        assert centre_x(shape) == pytest.approx(expected, abs=0.01), e.id


@pytest.mark.parametrize(("event_id", "first", "last"), [
    ("2020-02-k1-air-base-rocket-attack", dt.date(2020, 2, 1), dt.date(2020, 2, 29)),
    ("2019-militia-rocket-attacks-escalate", dt.date(2019, 3, 1), dt.date(2019, 5, 31)),
    ("2020-06-08-spate-of-rocket-attacks", dt.date(2020, 6, 8), dt.date(2020, 6, 18)),
    # A year-long interval is cut at the end of the strip's year.
    ("2020-03-us-and-israeli-strikes-on-iran-and-its-allies", dt.date(2020, 3, 1),
     dt.date(2020, 12, 31)),
])
def test_an_imprecise_date_is_a_bar_over_its_whole_range(
        book: model.Book, us: frozenset[str], event_id: str, first: dt.date,
        last: dt.date) -> None:
    year = first.year
    drawn = marks(parsed(timeline_strip(year, book.events, link, us=us)))
    (bar,) = drawn[link(event(book, event_id))]
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    assert bar.tag == f"{SVG}rect"
    assert float(bar.attrib["x"]) == pytest.approx(
        x_of(first, timeline.LEFT, timeline.RIGHT, start, end), abs=0.01)
    assert float(bar.attrib["x"]) + float(bar.attrib["width"]) == pytest.approx(
        x_of(last + dt.timedelta(1), timeline.LEFT, timeline.RIGHT, start, end), abs=0.02)


def test_a_strip_shows_exactly_the_events_of_its_year(book: model.Book,
                                                      us: frozenset[str]) -> None:
    for year in (2019, 2020, 2021):
        drawn = marks(parsed(timeline_strip(year, book.events, link, us=us)))
        expected = {link(e) for e in book.events
                    if e.date.earliest.year <= year <= e.date.latest.year}
        assert set(drawn) == expected


def test_responses_are_joined_to_what_they_answer(book: model.Book,
                                                  us: frozenset[str]) -> None:
    root = parsed(timeline_strip(2020, book.events, link, us=us))
    joins = [p for p in root.iter(f"{SVG}path") if "bb-pic-join" in p.attrib["class"]]
    by_id = {e.id: e for e in book.events}
    expected = [(e, by_id[r.id]) for e in book.events if e.date.earliest.year <= 2020
                <= e.date.latest.year for r in e.responds_to]
    assert len(joins) == len(expected)
    tips = {j[0].text for j in joins}
    taji = event(book, "2020-03-11-camp-taji-rocket-attack")
    strikes = event(book, "2020-03-13-us-airstrikes-on-kataib-hezbollah")
    assert (f"{strikes.title} (13 Mar 2020) answers {taji.title} (11 Mar 2020): 2 days later"
            in tips)


# The tempo chart: counts per month, lulls, notable events.

def test_each_month_stacks_one_block_per_event_dated_within_it(
        book: model.Book, us: frozenset[str]) -> None:
    root = parsed(tempo_chart(book.events, link, us=us))
    blocks = [(a.attrib["href"], shape) for a in root.iter(f"{SVG}a")
              for shape in a if "bb-pic-block" in shape.attrib.get("class", "")]
    within_a_month = [e for e in book.events
                      if (e.date.earliest.year, e.date.earliest.month)
                      == (e.date.latest.year, e.date.latest.month)]
    assert sorted(href for href, _ in blocks) == sorted(link(e) for e in within_a_month)
    # The first month shown is that of the earliest such event: Sep 2018.
    start = dt.date(2018, 9, 1)
    last = max(e.date.latest for e in within_a_month)
    end = dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)
    june = [shape for _, shape in blocks
            if float(shape.attrib["x"]) - 1 == pytest.approx(
                x_of(dt.date(2020, 6, 1), tempo.LEFT, tempo.RIGHT, start, end), abs=0.01)]
    assert len(june) == sum(e.date.earliest.strftime("%Y-%m") == "2020-06"
                            for e in within_a_month) == 10
    counted = Counter(classify(e, us) for e in within_a_month)
    classes = Counter(next(c for c in ("attack", "response", "statement", "diplomacy", "other")
                           if f"bb-pic-{c}" in shape.attrib["class"]) for _, shape in blocks)
    assert classes == counted


def test_a_lull_holds_no_attack_and_lasts_two_months(book: model.Book,
                                                     us: frozenset[str]) -> None:
    root = parsed(tempo_chart(book.events, link, us=us))
    lulls = [r for r in root.iter(f"{SVG}rect") if r.attrib.get("class") == "bb-pic-lull"
             and r.find(f"{SVG}title") is not None]
    attacks = [e for e in book.events if e.type in model.ATTACK_TYPES]
    months = {m: i for i, m in enumerate(calendar.month_abbr) if m}
    seen = []
    for rect in lulls:
        tip = rect.find(f"{SVG}title")
        assert tip is not None and tip.text is not None
        m = re.fullmatch(r"No attack recorded, (\w+) (\d+) – (\w+) (\d+) \((\d+) months\)",
                         tip.text)
        assert m, tip.text
        first = dt.date(int(m[2]), months[m[1]], 1)
        last_month = dt.date(int(m[4]), months[m[3]], 1)
        last = last_month.replace(day=calendar.monthrange(last_month.year,
                                                          last_month.month)[1])
        assert int(m[5]) >= 2
        assert not [a.id for a in attacks if a.date.earliest <= last and a.date.latest >= first]
        seen.append(tip.text)
    # After the June 2020 attacks the militias held off until 19 November.
    assert "No attack recorded, Jul 2020 – Oct 2020 (4 months)" in seen


def test_notable_events_are_numbered(book: model.Book, us: frozenset[str]) -> None:
    picture = tempo_chart(book.events, link, us=us)
    answered = Counter(r.id for e in book.events for r in e.responds_to)
    expected = [e for e in book.events if answered[e.id] >= 2 or any(
        f.value > 0 for c in e.citations for name, f in c.reports if name == "killed")]
    badges = [a for a in parsed(picture).iter(f"{SVG}a")
              if any(s.attrib.get("class") == "bb-pic-badge" for s in a)]
    assert sorted(a.attrib["href"] for a in badges) == sorted(link(e) for e in expected)
    assert "2020-01-03-us-strike-kills-soleimani-and-muhandis" in {e.id for e in expected}
    for number, e in enumerate(sorted(expected, key=model.Event.sort_key), 1):
        assert f"<li>{link_html(e)} ({e.date.label})</li>" in picture.table_html, number


def link_html(e: model.Event) -> str:
    return f'<a href="{link(e)}">{e.title}</a>'


# Classes.

def test_us_military_responses_follow_the_stated_rule(book: model.Book,
                                                      us: frozenset[str]) -> None:
    assert {"united-states", "centcom", "us-department-of-defense", "us-army"} <= us
    assert "iran" not in us
    assert classify(event(book, "2020-01-03-us-strike-kills-soleimani-and-muhandis"),
                    us) == "response"
    assert classify(event(book, "2021-03-04-b-52-overflight-of-the-gulf"), us) == "response"
    # Answers that are not military: a warning and a closed consulate.
    assert classify(event(book, "2021-03-03-kirby-says-us-will-not-shy-away"),
                    us) == "statement"
    assert classify(event(book, "2018-09-28-us-closes-basra-consulate"), us) == "diplomacy"
    assert classify(event(book, "2020-us-drawdown-in-iraq"), us) == "other"
    # Iran's own missile strike is an attack, not a response of the United States.
    assert classify(event(book, "2020-01-08-iranian-ballistic-missile-strike-on-ain-al-asad"),
                    us) == "attack"


# Cycles.

def test_each_answer_row_shows_its_lag(book: model.Book, us: frozenset[str]) -> None:
    picture = cycles_chart(book.events, link, us=us)
    by_id = {e.id: e for e in book.events}
    pairs = [(by_id[r.id], e) for e in sorted(book.events, key=model.Event.sort_key)
             for r in e.responds_to if us_response(e, us) is not None]
    values = [t.text for t in parsed(picture).iter(f"{SVG}text")
              if t.attrib.get("class") == "bb-pic-value"]
    answered_rows = values[:len(pairs)]
    expected = []
    for answered, response in pairs:
        fewest = max(0, (response.date.earliest - answered.date.latest).days)
        most = max(fewest, (response.date.latest - answered.date.earliest).days)
        expected.append(lag_in_words((fewest, most)))
    assert answered_rows == expected
    # Only U.S. military and diplomatic responses are answers here: no statement.
    assert all(us_response(response, us) for _, response in pairs)
    assert not any(response.type == "official statement" for _, response in pairs)
    erbil = event(book, "2021-02-15-erbil-rocket-attack")
    strike = event(book, "2021-02-25-us-strikes-militia-facilities-in-syria")
    assert (f"{erbil.title}</a> (15 Feb 2021)</td><td>{link_html(strike)} (25 Feb 2021)"
            f"</td><td>U.S. military responses</td><td>10 days</td>") in picture.table_html


def test_an_unanswered_attack_counts_days_since_the_previous_response(
        book: model.Book, us: frozenset[str]) -> None:
    picture = cycles_chart(book.events, link, us=us)
    resumed = event(book, "2020-11-19-militias-resume-attacks-on-green-zone")
    previous = event(book, "2020-03-13-us-airstrikes-on-kataib-hezbollah")
    days = (resumed.date.earliest - previous.date.earliest).days
    assert days == 251
    assert (f"<td>{link_html(resumed)} (19 Nov 2020)</td><td>{link_html(previous)} "
            f"(13 Mar 2020)</td><td>{days} days</td>") in picture.table_html
    answered = {r.id for e in book.events if us_response(e, us) for r in e.responds_to}
    unanswered = [e for e in book.events
                  if e.type in model.ATTACK_TYPES and e.id not in answered]
    desc = parsed(picture)[1].text or ""
    drawn = int(re.search(r"(\d+) attacks that no U.S. response answers", desc)[1])  # type: ignore[index]
    before = int(re.search(r"(\d+) unanswered attacks before", desc)[1])  # type: ignore[index]
    assert drawn + before == len(unanswered)


# Maps.

def test_a_marker_sits_where_the_projection_puts_its_coordinates(
        book: model.Book) -> None:
    frame = maps.REGION
    lat0 = math.radians((frame.south + frame.north) / 2)
    k = frame.width / ((frame.east - frame.west) * math.cos(lat0))
    drawn = marks(parsed(place_map(book.places, book.events, link)))
    for place in book.places:
        shape = drawn[link(place)][0]
        assert float(shape.attrib["cx"]) == pytest.approx(
            (place.longitude - frame.west) * math.cos(lat0) * k, abs=0.01), place.id
        assert float(shape.attrib["cy"]) == pytest.approx(
            (frame.north - place.latitude) * k, abs=0.01), place.id
    # Baghdad is east of Ain al-Asad and south of Erbil, as on any map.
    baghdad = float(drawn[link(book_place(book, "baghdad"))][0].attrib["cx"])
    assert baghdad > float(drawn[link(book_place(book, "ain-al-asad"))][0].attrib["cx"])


def book_place(book: model.Book, place_id: str) -> model.Place:
    return next(p for p in book.places if p.id == place_id)


def test_a_marker_is_sized_by_its_events_and_areas_are_rings(book: model.Book) -> None:
    drawn = marks(parsed(place_map(book.places, book.events, link)))
    counts = Counter(e.place.id for e in book.events if e.place)
    for place in book.places:
        shape = drawn[link(place)][0]
        if place.precision in ("region", "country"):
            assert shape.attrib["class"] == "bb-pic-area", place.id
        else:
            assert float(shape.attrib["r"]) == pytest.approx(
                3 + 2.2 * math.sqrt(counts[place.id]), abs=0.01), place.id
    assert counts["green-zone"] == 4


def test_places_outside_the_frame_and_events_without_a_place_are_said(
        book: model.Book) -> None:
    london = replace(book.places[0], id="london", name="London", latitude=51.5,
                     longitude=-0.12, precision="locality", country="GB")
    picture = place_map([*book.places, london], book.events, link)
    (arrow,) = marks(parsed(picture))[link(london)]
    assert arrow.tag == f"{SVG}polygon" and arrow.attrib["class"] == "bb-pic-offmap"
    # It points north-west from the frame's centre.
    xs = [float(p.split(",")[0]) for p in arrow.attrib["points"].split()]
    assert max(xs) < maps.REGION.width / 2
    assert "(outside the map)" in picture.table_html
    unplaced = sum(e.place is None for e in book.events)
    assert f"{unplaced} events name no place" in (parsed(picture)[1].text or "")


def test_a_locator_map_centres_its_place(book: model.Book) -> None:
    for place in book.places:
        picture = locator_map(place, 1)
        root = parsed(picture)
        width, height = map(float, root.attrib["viewBox"].split()[2:])
        circle = next(c for c in root.iter(f"{SVG}circle"))
        assert float(circle.attrib["cx"]) == pytest.approx(width / 2, abs=0.01)
        assert float(circle.attrib["cy"]) == pytest.approx(height / 2, abs=0.01)
        assert not list(root.iter(f"{SVG}a"))  # its own page: nothing to link to
        assert root.find(f"{SVG}path") is not None, f"{place.id}: no outline drawn"


# The actor strip.

def test_an_actors_strips_count_its_roles(book: model.Book, us: frozenset[str]) -> None:
    actor = next(a for a in book.actors if a.id == "kataib-hezbollah")
    root = parsed(actor_strip(actor, book.events, link, us=us))
    headings = [t.text for t in root.iter(f"{SVG}text")
                if t.attrib.get("class") == "bb-pic-heading"]
    targeted = sum(any(r.id == actor.id for r in e.targets) for e in book.events)
    claimed = sum(any(a.actor.id == actor.id and a.status == "claimed" for a in e.attribution)
                  for e in book.events)
    assert f"targeted ({targeted})" in headings
    assert claimed == 0 and not any(h and h.startswith("claimed") for h in headings)
    assert [label for label, _ in actor_module.roles(actor, book.events)] == [
        h.split(" (")[0] for h in headings if h]


# Hostile text stays text.

def test_hostile_titles_stay_text(book: model.Book, us: frozenset[str]) -> None:
    base = event(book, "2020-03-11-camp-taji-rocket-attack")
    hostile = replace(base, id="2020-03-11-hostile", title=HOSTILE,
                      date=parse("2020-03-11"), responds_to=())
    answer = replace(event(book, "2020-03-13-us-airstrikes-on-kataib-hezbollah"),
                     id="2020-03-13-hostile-answer", title=f'"><a href="x">{HOSTILE}',
                     responds_to=(model.Ref(hostile.id, base.citations[0].at),))
    place = replace(book.places[0], name=HOSTILE)
    actor = replace(book.actors[0], name=HOSTILE)
    events = [hostile, answer]
    pictures = [tempo_chart(events, link, us=us), timeline_strip(2020, events, link, us=us),
                cycles_chart(events, link, us=us), place_map([place], events, link),
                locator_map(place, 1),
                actor_strip(actor, [replace(hostile, perpetrators=(model.Ref(
                    actor.id, base.citations[0].at),))], link, us=us)]
    for picture in pictures:
        root = parsed(picture)
        assert not [e for e in root.iter() if e.tag in (f"{SVG}script", "script")]
        texts = "".join(root.itertext())
        assert HOSTILE in texts
        hrefs = {a.attrib["href"] for a in root.iter(f"{SVG}a")}
        assert hrefs <= {link(hostile), link(answer), link(place)}
        tags = _html_tags(picture.table_html)
        assert "script" not in tags
        assert tags.count("a") == picture.table_html.count("</a>")


def _html_tags(markup: str) -> list[str]:
    tags: list[str] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append(tag)

    Collect().feed(markup)
    return tags


def test_no_event_dated_to_a_month_gives_an_empty_chart_not_an_error(
        us: frozenset[str]) -> None:
    picture = tempo_chart([], link, us=us)
    assert "nothing to count" in (parsed(picture)[1].text or "")


def test_an_open_ended_interval_is_cut_at_the_edges(book: model.Book,
                                                    us: frozenset[str]) -> None:
    base = event(book, "2020-06-13-camp-taji-rocket-attack")
    open_end = replace(base, id="2020-06-open", date=parse("2020-06/.."))
    events = [*book.events, open_end]
    (bar,) = marks(parsed(timeline_strip(2020, events, link, us=us)))[link(open_end)]
    assert "bb-pic-cut" in bar.attrib["class"]
    assert float(bar.attrib["x"]) + float(bar.attrib["width"]) == pytest.approx(timeline.RIGHT)
    assert link(open_end) in marks(parsed(tempo_chart(events, link, us=us)))
    actor = next(a for a in book.actors if a.id == "iran-backed-militias")
    strip = parsed(actor_strip(actor, events, link, us=us))
    assert link(open_end) in marks(strip)


def test_cycles_of_one_year_keep_their_answers_to_earlier_events(
        book: model.Book, us: frozenset[str]) -> None:
    whole = cycles_chart(book.events, link, us=us)
    of_2021 = cycles_chart(book.events, link, us=us, year=2021)
    hrefs = set(marks(parsed(of_2021)))
    assert link(event(book, "2021-02-25-us-strikes-militia-facilities-in-syria")) in hrefs
    # The answer of March 2020 to the attack on Camp Taji is another year's row...
    assert link(event(book, "2020-03-11-camp-taji-rocket-attack")) not in hrefs
    assert set(marks(parsed(whole))) > hrefs
    # ...but that strike is still the previous response an unanswered attack of 2021 counts
    # from.
    balad = event(book, "2021-02-20-balad-air-base-rocket-attack")
    strikes = event(book, "2020-03-13-us-airstrikes-on-kataib-hezbollah")
    assert (f"<td>{link_html(balad)} (20 Feb 2021)</td><td>{link_html(strikes)} (13 Mar 2020)"
            in of_2021.table_html)
