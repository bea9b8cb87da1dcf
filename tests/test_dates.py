"""EDTF dates: parsing, display, ordering; checked against the `edtf` reference library."""

from __future__ import annotations

import datetime as dt
import itertools
import time

import edtf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefbook.dates import EdtfError, parse


@pytest.mark.parametrize(
    ("text", "label", "earliest", "latest"),
    [
        ("2021-02-15", "15 Feb 2021", "2021-02-15", "2021-02-15"),
        ("2020-06", "June 2020", "2020-06-01", "2020-06-30"),
        ("2020-06~", "c. June 2020", "2020-06-01", "2020-06-30"),
        ("2020?", "2020?", "2020-01-01", "2020-12-31"),
        ("2020-06-18%", "c. 18 Jun 2020?", "2020-06-18", "2020-06-18"),
        ("2019-21", "Spring 2019", "2019-03-01", "2019-05-31"),
        ("2019-24", "Winter 2019", "2019-12-01", "2020-02-29"),
        ("2021-02-15/2021-02-16", "15–16 Feb 2021", "2021-02-15", "2021-02-16"),
        ("2021-02-15/2021-03-02", "15 Feb – 2 Mar 2021", "2021-02-15", "2021-03-02"),
        ("2019-12/2020-01", "December 2019 – January 2020", "2019-12-01", "2020-01-31"),
        ("201X", "2010s", "2010-01-01", "2019-12-31"),
        ("2020-06-XX", "June 2020", "2020-06-01", "2020-06-30"),
        ("2021-02-22/2021-02-25?", "22–25 Feb 2021?", "2021-02-22", "2021-02-25"),
    ],
)
def test_dates_display_as_people_write_them(text: str, label: str, earliest: str,
                                            latest: str) -> None:
    date = parse(text)
    assert (date.label, date.earliest.isoformat(), date.latest.isoformat()) == (
        label, earliest, latest)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2021-02-30", "February 2021 has 28 days"),
        ("2021-13", "month 13 does not exist"),
        ("15/02/2021", "write year-month-day"),
        ("2021-2-5", "two digits"),
        ("2021-03-01/2021-02-01", "ends before it starts"),
        ("spring 2019", "not EDTF"),
        ("", "empty"),
        ("../..", "open at both ends"),
        ("2019-21?", "cannot qualify a season"),
    ],
)
def test_invalid_dates_say_why(text: str, reason: str) -> None:
    with pytest.raises(EdtfError, match=reason):
        parse(text)


def test_imprecise_dates_sort_by_earliest_possible_day_with_stable_ties() -> None:
    texts = ["2020-06-18", "2020-06", "2020", "2019-24", "2020-06-18/2020-06-20", "2020-06~"]
    ordered = sorted((parse(t) for t in texts), key=lambda d: d.sort_key())
    assert [d.text for d in ordered] == [
        "2019-24", "2020", "2020-06", "2020-06~", "2020-06-18", "2020-06-18/2020-06-20"]


years = st.integers(1000, 2999)


@st.composite
def single_dates(draw: st.DrawFn) -> str:
    year = draw(years)
    shape = draw(st.sampled_from(["year", "month", "day", "season"]))
    if shape == "year":
        text = f"{year:04d}"
    elif shape == "season":
        # Winter (24) is left out: the reference library maps it to December alone, while
        # briefbook reads it as December to February.
        return f"{year:04d}-{draw(st.integers(21, 23))}"  # level 1 seasons take no qualifier
    else:
        month = draw(st.integers(1, 12))
        text = f"{year:04d}-{month:02d}"
        if shape == "day":
            text += f"-{draw(st.integers(1, 28)):02d}"
    return text + draw(st.sampled_from(["", "", "?", "~"]))


@st.composite
def edtf_strings(draw: st.DrawFn) -> str:
    first = draw(single_dates())
    if draw(st.booleans()):
        return first
    second = draw(single_dates())
    a, b = parse(first), parse(second)
    return f"{first}/{second}" if a.earliest <= b.latest else f"{second}/{first}"


def _day(value: time.struct_time) -> dt.date:
    return dt.date(value.tm_year, value.tm_mon, value.tm_mday)


@settings(max_examples=300, deadline=None)
@given(edtf_strings())
def test_bounds_agree_with_the_reference_library(text: str) -> None:
    ours = parse(text)
    reference = edtf.parse_edtf(text)
    assert ours.earliest == _day(reference.lower_strict())
    assert ours.latest == _day(reference.upper_strict())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789-/X?~%.", max_size=24))
def test_anything_either_parses_or_raises_edtf_error(text: str) -> None:
    try:
        date = parse(text)
    except EdtfError as exc:
        assert str(exc)
    else:
        assert date.earliest <= date.latest
        assert date.label


@settings(max_examples=200, deadline=None)
@given(st.lists(edtf_strings(), min_size=2, max_size=8))
def test_sorting_is_total_and_deterministic(texts: list[str]) -> None:
    dates = [parse(t) for t in texts]
    forward = sorted(dates, key=lambda d: d.sort_key())
    backward = sorted(list(reversed(dates)), key=lambda d: d.sort_key())  # noqa: C414
    assert [d.text for d in forward] == [d.text for d in backward]
    assert all(a.earliest <= b.earliest for a, b in itertools.pairwise(forward))


@st.composite
def extreme_dates(draw: st.DrawFn) -> str:
    """Dates at the ends of the calendar, where date arithmetic overflows."""
    def single() -> str:
        year = draw(st.sampled_from(["0001", "0009", "9998", "9999", "000X", "999X", "99XX",
                                     "00XX", "2021"]))
        month = draw(st.sampled_from(["", "-01", "-02", "-12", "-21", "-24", "-XX"]))
        day = draw(st.sampled_from(["", "-01", "-28", "-29", "-31", "-XX"])) if month else ""
        return year + month + day + draw(st.sampled_from(["", "?", "~", "%"]))
    shape = draw(st.sampled_from(["single", "interval", "open end", "open start"]))
    if shape == "single":
        return single()
    if shape == "open end":
        return f"{single()}/{draw(st.sampled_from(['..', '']))}"
    if shape == "open start":
        return f"{draw(st.sampled_from(['..', '']))}/{single()}"
    return f"{single()}/{single()}"


@settings(max_examples=400, deadline=None)
@given(st.lists(extreme_dates(), min_size=2, max_size=2))
def test_dates_at_the_ends_of_the_calendar_never_overflow(texts: list[str]) -> None:
    # Whatever the checker accepts, the arithmetic the index and the pages do on it
    # (lags, timeline buckets, ISO sort keys, labels) must not overflow.
    parsed = []
    for text in texts:
        try:
            parsed.append(parse(text))
        except EdtfError as exc:
            assert str(exc)
    for a, b in itertools.product(parsed, repeat=2):
        assert (b.latest - a.earliest).days >= (b.earliest - a.latest).days
        assert a.earliest.isoformat() <= a.latest.isoformat()
        assert a.label


@pytest.mark.parametrize("text", ["２０２１-03-05", "٢٠٢١-03-05", "2021-٠٣-05", "2021-03-0５"])
def test_only_ascii_digits_are_digits(text: str) -> None:
    with pytest.raises(EdtfError, match="ASCII digits 0-9"):
        parse(text)


def test_winter_of_the_last_year_is_refused_with_a_reason() -> None:
    with pytest.raises(EdtfError, match="winter 9999 runs into 10000"):
        parse("9999-24")
    assert parse("9999-23").latest == dt.date(9999, 11, 30)
