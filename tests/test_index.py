"""Cross-reference behaviour a reader or contributor notices."""

from __future__ import annotations

from pathlib import Path

from briefbook.dates import parse
from briefbook.index import lag
from briefbook.model import Event
from briefbook.pipeline import check
from briefbook.render import lag as lag_text

EVENT = "events/2021/2021-03-03-ain-al-asad-rockets.yaml"


def _event(date: str) -> Event:
    return Event("x", "x.yaml", "x", parse(date), "other", ())


def test_a_lag_is_a_range_when_a_date_is_imprecise() -> None:
    assert lag(_event("2021-02-25"), _event("2021-03-03")) == (6, 6)
    assert lag(_event("2021-03-03"), _event("2021-03")) == (0, 28)  # never negative
    assert lag_text((6, 6), "later") == "6 days later"
    assert lag_text((0, 28), "later") == "0–28 days later"
    assert lag_text((0, 0), "later") == "same day"


def test_an_unknown_key_does_not_hide_the_records_other_errors(minimal_book: Path) -> None:
    event = minimal_book / EVENT
    event.write_text(event.read_text().replace(
        "title: Rockets on Ain al-Asad", "title: Rockets on Ain al-Asad\nremark: hi").replace(
        "launched ten rockets on Ayn", "launched eleven rockets on Ayn"))
    messages = [d.message for d in check(minimal_book).errors]
    assert any("unknown field 'remark'" in m for m in messages)
    assert any("quote not found" in m for m in messages)


def test_an_event_needs_a_known_start(minimal_book: Path) -> None:
    event = minimal_book / EVENT
    event.write_text(event.read_text().replace("date: 2021-03-03", "date: ../2021-03-03"))
    errors = check(minimal_book).errors
    assert [(e.at.line, e.message) for e in errors] == [(3, "an event's date needs a known start")]
