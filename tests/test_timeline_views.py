"""The reader's views: the timeline, the attack-response cycles and the home page at a glance,
checked against the shipped book's own records, and the words they put dates and lags in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given
from hypothesis import strategies as st

from briefbook import model, views
from briefbook.classes import us_actors, us_response
from briefbook.dates import parse
from briefbook.index import Index, lag, lag_in_words
from briefbook.pipeline import check
from briefbook.render import HOME_MARK
from tests.conftest import REPO, assert_clean_build, mkdocs_build


@pytest.fixture(scope="module")
def index() -> Index:
    result = check(REPO)
    assert not result.errors
    return result.index


@pytest.mark.parametrize(("written", "words"), [
    ("2021-02-15", "15 Feb 2021"),
    ("2021-03-08?", "8 Mar 2021 (uncertain)"),
    ("2020-02", "some time in February 2020"),
    ("2020-06~", "some time in June 2020 (approximate)"),
    ("2019-21", "some time in spring 2019"),
    ("2020", "some time in 2020"),
    ("198X", "some time in the 1980s"),
    ("2020-01-01/2020-06-22", "between 1 Jan and 22 Jun 2020"),
    ("2020-03-02/2020-03-08", "between 2 and 8 Mar 2020"),
    ("2019-12-27/2020-02-29", "between 27 Dec 2019 and 29 Feb 2020"),
    ("2019-05/2020-03-15", "between May 2019 and 15 Mar 2020"),
    ("2018/2018-09-28", "some time in 2018 up to 28 Sep 2018"),
    ("../2021-02-25", "some time up to 25 Feb 2021"),
    ("2021-01-01/..", "some time from 1 Jan 2021 on"),
])
def test_a_date_is_put_in_words_with_its_precision(written: str, words: str) -> None:
    assert views.date_in_words(parse(written)) == words


@pytest.mark.parametrize(("days", "words"), [
    ((0, 0), "same day"), ((1, 1), "1 day"), ((10, 10), "10 days"),
    ((0, 10), "within 10 days"), ((0, 14), "within 2 weeks"), ((0, 270), "within 9 months"),
    ((1, 6), "1–6 days"), ((29, 57), "between 4 and 9 weeks"),
    ((150, 270), "between 5 and 9 months"), ((430, 560), "between 14 and 19 months"),
])
def test_a_lag_is_worded_honestly(days: tuple[int, int], words: str) -> None:
    assert lag_in_words(days) == words


@given(st.integers(0, 5000), st.integers(0, 5000))
def test_no_lag_reads_as_arithmetic_from_zero(a: int, b: int) -> None:
    fewest, most = min(a, b), max(a, b)
    words = lag_in_words((fewest, most))
    assert not words.startswith("0–")
    if fewest == most:
        assert words == ("same day" if most == 0 else f"{most} day{'s' * (most != 1)}")
    numbers = [int(n) for n in re.findall(r"\d+", words)]
    # Rounded outwards: a lower bound never above the fewest days, nor an upper below the most.
    unit = {"day": 1, "week": 7, "month": 30, "year": 365}
    units = [unit[u] for u in re.findall(r"(day|week|month|year)", words)]
    if len(numbers) == 2 and len(units) == 2:
        assert numbers[0] * units[0] <= fewest and numbers[1] * units[1] >= most
    elif len(numbers) == 2:  # 'between 4 and 9 weeks', '1–6 days'
        assert numbers[0] * units[0] <= fewest and numbers[1] * units[0] >= most
    elif words.startswith("within"):
        assert numbers[0] * units[0] >= most


def test_the_timeline_has_every_event_once_in_month_order(index: Index) -> None:
    shown = views.timeline(index)
    years = [*shown.background, *shown.foreground]
    months = [(y.year, m.anchor) for y in years for m in y.months]
    assert [a for _, a in months] == sorted(a for _, a in months)
    items = [i for y in years for m in y.months for i in m.items]
    assert sorted(i.event.id for i in items) == sorted(e.id for e in index.book.events)
    assert shown.total == len(index.book.events)
    for year in years:
        for month in year.months:
            for item in month.items:
                start = views.placed_on(item.event.date)
                # A span sits at the month it starts in.
                assert month.anchor == f"m-{start.year}-{start.month:02d}" == \
                    f"m-{year.year}-{start.month:02d}"
    assert all(y.year < views.FOREGROUND_FROM and y.strip is None for y in shown.background)
    assert all(y.year >= views.FOREGROUND_FROM and y.strip for y in shown.foreground)
    assert {i.event.type for i in items} == set(shown.types)
    assert {a for i in items for a in i.actors} == {a.id for a in shown.actors}
    assert {i.place.id for i in items if i.place} == {p.id for p in shown.places}


def test_a_timeline_entry_carries_its_mark_figures_and_derivation(index: Index) -> None:
    items = {i.event.id: i for y in views.timeline(index).foreground for m in y.months
             for i in m.items}
    erbil = items["2021-02-15-erbil-rocket-attack"]
    assert erbil.mark == "attack"
    assert "killed 1–2" in erbil.figures and erbil.disputed
    strikes = items["2021-02-25-us-strikes-militia-facilities-in-syria"]
    assert strikes.mark == "response"
    derived = [i for i in items.values() if i.event.date_note]
    assert derived and all(i.derivation == i.event.date_note for i in derived)


def test_cycles_count_only_us_responses_and_group_what_each_answered(index: Index) -> None:
    us = us_actors(index.book.actors)
    shown = views.cycles(index)
    responses = [e for e in index.book.events if us_response(e, us)]
    assert [c.response.id for c in shown.cycles] == [
        e.id for e in sorted(responses, key=model.Event.sort_key)]
    for cycle in shown.cycles:
        response = cycle.response
        assert response.type != "official statement"
        assert {a.id for a in cycle.responders} == {p.id for p in response.perpetrators}
        assert {p.id for p in response.perpetrators} & us
        # One row per response, every answered event grouped under it, with its lag.
        assert [a.event.id for a in cycle.answered] == [r.id for r in response.responds_to]
        for answered in cycle.answered:
            assert answered.lag == lag_in_words(lag(answered.event, response))
    statement = next(e for e in index.book.events
                     if e.type == "official statement" and e.responds_to)
    assert statement.id not in {c.response.id for c in shown.cycles}
    answered_ids = {r.id for e in responses for r in e.responds_to}
    unanswered = [e for e in index.book.events
                  if e.type in model.ATTACK_TYPES and e.id not in answered_ids]
    assert sorted(u.attack.id for u in shown.unanswered) == sorted(e.id for e in unanswered)
    for row in shown.unanswered:
        if row.previous is None:
            assert not any(r.date.latest <= row.attack.date.earliest for r in responses)
            continue
        assert row.previous.date.latest <= row.attack.date.earliest
        assert not any(row.previous.date.latest < r.date.latest <= row.attack.date.earliest
                       for r in responses)
        assert row.since == lag_in_words(lag(row.previous, row.attack))


def test_the_home_page_counts_match_the_content(index: Index) -> None:
    home = views.home(index)
    events = index.book.events
    assert home.events == len(events)
    assert home.attacks == sum(e.type in model.ATTACK_TYPES for e in events)
    assert home.responses == len(views.cycles(index).cycles)
    assert home.sources == len(index.book.sources)
    assert home.judgements is not None and len(home.judgement_headings) == 6
    assert home.judgement_headings[0].startswith("The attacks come in cycles")
    latest = [i.event.date.earliest for i in home.latest]
    assert latest == sorted(latest, reverse=True)
    assert max(e.date.earliest for e in events) == latest[0]
    jinsa = next(f for f in home.figures if f.source.id == "jinsa-2021-02-rocket-attacks-continue")
    killed = 0
    for event in events:
        reported = [f.value for c in event.citations if c.source.id == jinsa.source.id
                    for name, f in c.reports if name == "killed"]
        killed += min(reported, default=0)
    assert dict(jinsa.totals)["killed"] == killed


def test_the_home_page_keeps_its_text_sanitised_before_its_generated_section(
        minimal_book: Path, tmp_path: Path) -> None:
    home = minimal_book / "docs/index.md"
    home.write_text(home.read_text() + f"\n\n{HOME_MARK}\n\n<script>alert(1)</script>\n"
                    '<p onclick="x()">written</p>\n', encoding="utf-8")
    result = mkdocs_build(minimal_book, tmp_path / "site")
    assert_clean_build(result)
    page = BeautifulSoup((tmp_path / "site/index.html").read_text(), "html.parser")
    article = page.select_one("article")
    assert article is not None
    assert article.find("script") is None and article.select_one("[onclick]") is None
    assert article.find(string="written") is not None
    glance = article.select_one("dl.bb-counts")
    assert glance is not None
    heading = article.find("h2", id="the-book-at-a-glance")
    assert heading is not None and heading.find_previous(string="written") is not None
    # The section's links were rewritten from .md paths into the site's URLs.
    assert not [a for a in article.select("a[href]")
                if ".md" in str(a["href"]) and "/edit/" not in str(a["href"])]
