"""EDTF (ISO 8601-2) levels 0 and 1: parse, sort and display dates as people write them.

The ``edtf`` package is the reference implementation and the test suite checks this module
against it, but it takes ~9 ms a date (90 s for a 10,000-event book) and raises a bare
``ValueError`` on some level-1 input, so the build uses this small parser.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

Precision = Literal["day", "month", "season", "year", "decade", "century", "interval"]

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SEASONS = {21: "Spring", 22: "Summer", 23: "Autumn", 24: "Winter"}
"""Level-1 season codes, read as northern-hemisphere meteorological seasons."""

_SEASON_MONTHS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 14)}

# Digits are ASCII only: Python's \d and int() accept any script's digits ("２０２１"),
# which the published JSON Schema (and every other EDTF reader) refuses.
_DATE = re.compile(
    r"(?P<year>[0-9]{4}|[0-9]{3}X|[0-9]{2}XX)"
    r"(?:-(?P<month>[0-9]{2}|XX)(?:-(?P<day>[0-9]{2}|XX))?)?"
    r"(?P<qual>[?~%])?"
)


class EdtfError(ValueError):
    """The text is not an EDTF level 0 or 1 date; the message says why, for a contributor."""


@dataclass(frozen=True, slots=True)
class Edtf:
    """One date, season or interval, with the earliest and latest day it can mean."""

    text: str
    """The date as written, kept for round trips and stable ordering."""
    earliest: dt.date
    latest: dt.date
    precision: Precision
    uncertain: bool = False
    """Marked ``?``: the source is not sure of it."""
    approximate: bool = False
    """Marked ``~``: about this date."""
    label: str = ""
    """How people write it: "15 Feb 2021", "c. June 2020", "Spring 2019", "15–16 Feb 2021"."""

    def sort_key(self) -> tuple[dt.date, dt.date, str]:
        return (self.earliest, self.latest, self.text)

    def __str__(self) -> str:
        return self.label


def parse(text: str) -> Edtf:
    """Parse an EDTF level 0/1 string; raise ``EdtfError`` with a readable reason."""
    text = text.strip()
    if not text:
        raise EdtfError("empty date")
    if "/" in text and not _FOREIGN.fullmatch(text):
        return _parse_interval(text)
    single = _parse_single(text)
    if single is None:
        raise EdtfError(_explain(text))
    return single


def _parse_interval(text: str) -> Edtf:
    start_text, _, end_text = text.partition("/")
    if "/" in end_text:
        raise EdtfError(f"'{text}' has more than one '/'")
    start = _endpoint(start_text, text)
    end = _endpoint(end_text, text)
    if start is None and end is None:
        raise EdtfError(f"'{text}' is open at both ends")
    earliest = start.earliest if start else dt.date.min
    latest = end.latest if end else dt.date.max
    if start and end and start.earliest > end.latest:
        raise EdtfError(f"'{text}' ends before it starts")
    label = _interval_label(start, end)
    return Edtf(
        text, earliest, latest, "interval",
        uncertain=any(e.uncertain for e in (start, end) if e),
        approximate=any(e.approximate for e in (start, end) if e),
        label=label,
    )


def _endpoint(part: str, whole: str) -> Edtf | None:
    if part in ("", ".."):
        return None  # unknown or open end
    single = _parse_single(part)
    if single is None:
        raise EdtfError(f"'{part}' in '{whole}': {_explain(part)}")
    return single


def _parse_single(text: str) -> Edtf | None:
    m = _DATE.fullmatch(text)
    if not m:
        return None
    year_text, month_text, day_text, qual = m.group("year", "month", "day", "qual")
    uncertain = qual in ("?", "%")
    approximate = qual in ("~", "%")
    if "X" in year_text:
        if month_text:
            raise EdtfError(f"'{text}': a year with unknown digits cannot have a month")
        span = 10 ** year_text.count("X")
        first = int(year_text.replace("X", "0"))
        first = max(first, 1)
        last = int(year_text.replace("X", "9"))
        precision: Precision = "decade" if span == 10 else "century"
        label = f"{first // 10 * 10}s" if span == 10 else f"{first // 100 * 100}s"
        return _make(text, dt.date(first, 1, 1), dt.date(last, 12, 31), precision,
                     uncertain, approximate, label)
    year = int(year_text)
    if year == 0:
        raise EdtfError(f"'{text}': year 0000 is not supported")
    if month_text is None or month_text == "XX":
        if day_text not in (None, "XX"):
            raise EdtfError(f"'{text}': a day needs a known month")
        return _make(text, dt.date(year, 1, 1), dt.date(year, 12, 31), "year",
                     uncertain, approximate, str(year))
    month = int(month_text)
    if month in SEASONS:
        if day_text is not None:
            raise EdtfError(f"'{text}': a season has no day")
        if qual:
            raise EdtfError(f"'{text}': EDTF level 1 cannot qualify a season with '{qual}'; "
                            "use an interval of months, e.g. 2019-03/2019-05~")
        first_month, last_month = _SEASON_MONTHS[month]
        last_year = year + (last_month - 1) // 12
        if last_year > dt.MAXYEAR:
            # Winter runs into the next year's February, and dates stop at 9999-12-31.
            raise EdtfError(f"'{text}': winter {year} runs into {last_year}, past the last "
                            f"supported day, 9999-12-31; write {year}-12 for its December")
        last_month = (last_month - 1) % 12 + 1
        end = dt.date(last_year, last_month, calendar.monthrange(last_year, last_month)[1])
        return _make(text, dt.date(year, first_month, 1), end, "season",
                     uncertain, approximate, f"{SEASONS[month]} {year}")
    if not 1 <= month <= 12:
        raise EdtfError(
            f"'{text}': month {month_text} does not exist "
            "(use 01-12, or 21-24 for spring, summer, autumn, winter)"
        )
    days_in_month = calendar.monthrange(year, month)[1]
    month_label = f"{calendar.month_name[month]} {year}"
    if day_text is None or day_text == "XX":
        return _make(text, dt.date(year, month, 1), dt.date(year, month, days_in_month),
                     "month", uncertain, approximate, month_label)
    day = int(day_text)
    if not 1 <= day <= days_in_month:
        raise EdtfError(
            f"'{text}': {calendar.month_name[month]} {year} has {days_in_month} days"
        )
    day_date = dt.date(year, month, day)
    return _make(text, day_date, day_date, "day", uncertain, approximate,
                 f"{day} {MONTHS[month - 1]} {year}")


def _make(text: str, earliest: dt.date, latest: dt.date, precision: Precision,
          uncertain: bool, approximate: bool, label: str) -> Edtf:
    return Edtf(text, earliest, latest, precision, uncertain, approximate,
                _qualify(label, uncertain, approximate))


def _qualify(label: str, uncertain: bool, approximate: bool) -> str:
    if approximate:
        label = f"c. {label}"
    if uncertain:
        label = f"{label}?"
    return label


def _interval_label(start: Edtf | None, end: Edtf | None) -> str:
    if start is None:
        assert end is not None
        return f"until {end.label}"
    if end is None:
        return f"from {start.label}"
    if start.precision == end.precision == "day" and not (start.uncertain or start.approximate):
        # A qualifier on the end date alone qualifies the compact range as a whole.
        a, b = start.earliest, end.earliest
        if (a.year, a.month) == (b.year, b.month):
            label = f"{a.day}–{b.day} {MONTHS[a.month - 1]} {a.year}"
            return _qualify(label, end.uncertain, end.approximate)
        if a.year == b.year:
            label = f"{a.day} {MONTHS[a.month - 1]} – {b.day} {MONTHS[b.month - 1]} {a.year}"
            return _qualify(label, end.uncertain, end.approximate)
    return f"{start.label} – {end.label}"


_FOREIGN = re.compile(r"[0-9]{1,2}[./][0-9]{1,2}[./][0-9]{2,4}")


def _explain(text: str) -> str:
    foreign_digit = next((c for c in text if c.isdigit() and not c.isascii()), None)
    if foreign_digit is not None:
        return (f"'{text}' has the digit '{foreign_digit}' (U+{ord(foreign_digit):04X}); "
                "write dates with the ASCII digits 0-9")
    if _FOREIGN.fullmatch(text):
        return f"'{text}' is not EDTF; write year-month-day, e.g. 2021-02-15"
    if re.fullmatch(r"[0-9]{4}-[0-9]{1,2}(-[0-9]{1,2})?", text):
        return f"'{text}': months and days take two digits, e.g. 2021-02-05"
    if re.search(r"[A-Za-z]", text.replace("X", "")):
        return f"'{text}' is not EDTF; write digits, e.g. 2021-02 for February 2021"
    return (f"'{text}' is not an EDTF level 0 or 1 date (e.g. 2021-02-15, 2020-06, 2019-21, "
            "2021-02-15/2021-02-16, 2020-06~)")
