"""Importers: the shipped book survives export to CSV and import back; hand-made ACLED and
TimelineJS files with broken rows and duplicates are reported row by row, the rest imported."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from briefbook import export, importers, model
from briefbook.json_schema import kind_schema
from briefbook.pipeline import check

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINIMAL = FIXTURES / "minimal"
ACLED = FIXTURES / "import" / "acled-rows.csv"
TIMELINE = FIXTURES / "import" / "timeline.json"


def carried(event: model.Event) -> dict[str, Any]:
    """Every field of an event that events.csv carries."""
    return {
        "id": event.id,
        "title": event.title,
        "date": event.date.text,
        "type": event.type,
        "place": event.place.id if event.place else None,
        "perpetrators": [r.id for r in event.perpetrators],
        "targets": [r.id for r in event.targets],
        "citations": [(c.source.id, c.reports) for c in event.citations],
        "attribution": [(a.actor.id, a.status, a.confidence, a.by.id, a.citation.source.id)
                        for a in event.attribution],
        "tags": list(event.tags),
        "summary": event.summary.text if event.summary else None,
    }


def test_shipped_book_round_trips_through_csv(tmp_path: Path) -> None:
    index = check(REPO).index
    csv_file = tmp_path / "events.csv"
    csv_file.write_text(export.events_csv(index, "https://example.org/"), encoding="utf-8")
    out = tmp_path / "imported"
    imported = importers.import_file("acled", csv_file, out)
    assert imported.problems == []
    assert imported.events == len(index.book.events)
    reloaded = check(out).index.book
    assert [carried(e) for e in reloaded.events] == [carried(e) for e in index.book.events]
    assert all(e.origin and "events.csv, line" in e.origin for e in reloaded.events)
    # The CSV carries each place's name and coordinates and each actor's name.
    used_places = {e.place.id for e in index.book.events if e.place}
    assert {(p.id, p.name, p.latitude, p.longitude) for p in reloaded.places} == {
        (p.id, p.name, p.latitude, p.longitude) for p in index.book.places
        if p.id in used_places}
    named = {r.id for e in index.book.events for r in (*e.perpetrators, *e.targets)}
    shipped_names = {a.id: a.name for a in index.book.actors}
    assert {a.id: a.name for a in reloaded.actors if a.id in named} == {
        i: shipped_names[i] for i in named}


def test_imported_files_are_valid_against_the_event_schema(tmp_path: Path) -> None:
    importers.import_file("acled", ACLED, tmp_path / "out")
    importers.import_file("timelinejs", TIMELINE, tmp_path / "out")
    schema = kind_schema("event")
    paths = sorted((tmp_path / "out" / "events").rglob("*.yaml"))
    assert paths
    for path in paths:
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)


def test_acled_fixture_reports_broken_rows_and_duplicates_and_imports_the_rest(
        tmp_path: Path) -> None:
    book = check(MINIMAL).index.book
    out = tmp_path / "review"
    imported = importers.import_file("acled", ACLED, out, book)
    reported = [(d.at.line, d.severity, d.message.split(";")[0]) for d in imported.problems]
    assert reported == [
        (3, "error", "unreadable row: event_date '2021-13-45' is not a date like 2021-02-15 "
                     "or 15 February 2021"),
        (4, "warning", "likely duplicate of event '2021-03-03-ain-al-asad-rockets' (the same "
                       "day and place), not written"),
        (5, "error", "the row has 3 fields where the header has 21"),
        (6, "error", "unreadable row: latitude 'north' is not a number"),
        (9, "error", "unreadable row: event_date 'IRQ1007' is not a date like 2021-02-15 or "
                     "15 February 2021"),
        (11, "warning", "likely duplicate of event "
                        "'2021-02-15-erbil-shelling-artillery-missile-attack' (the same day "
                        "and place), not written"),
        (12, "error", "unreadable row: unexpected end of data"),
    ]
    events = sorted(p.name for p in (out / "events").rglob("*.yaml"))
    assert events == ["2021-02-15-erbil-shelling-artillery-missile-attack.yaml",
                      "2021-03-06-baghdad-peaceful-protest.yaml",
                      "2021-03-20-hilla-remote-explosive-landmine-ied.yaml"]
    assert (out / "docs" / "places" / "erbil.md").is_file()
    assert (out / "docs" / "actors" / "unidentified-armed-group-iraq.md").is_file()
    assert not (out / "docs" / "places" / "ain-al-asad.md").exists()  # the book has it

    checked = check(out)
    loaded = {e.id: e for e in checked.index.book.events}
    assert len(loaded) == 3  # every file is a valid event
    erbil = loaded["2021-02-15-erbil-shelling-artillery-missile-attack"]
    assert erbil.type == "rocket attack"  # 'rockets' in the notes
    assert erbil.origin == "ACLED-layout CSV row IRQ1001 (acled-rows.csv, line 2)"
    assert erbil.citations[0].reports == (("killed", model.Figure(1)),)
    protest = loaded["2021-03-06-baghdad-peaceful-protest"]
    assert protest.summary is not None and "\nThey demanded" in protest.summary.text
    assert loaded["2021-03-20-hilla-remote-explosive-landmine-ied"].date.text == "2021-03-20~"
    # ACLED gives no quotes: check reports every citation until a reviewer adds one.
    cited_errors = {d.at.path for d in checked.errors if "source" in d.message}
    assert cited_errors == {e.path for e in loaded.values()}


def test_an_import_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "review"
    importers.import_file("acled", ACLED, out)
    target = out / "events" / "2021" / "2021-03-06-baghdad-peaceful-protest.yaml"
    target.write_text("# edited by a reviewer\n", encoding="utf-8")
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.rglob("*.*")}
    again = importers.import_file("acled", ACLED, out)
    assert again.events == 0
    assert any("exists, not overwritten" in d.message for d in again.problems)
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.rglob("*.*")}
    assert after == before


def test_timelinejs_events_import_with_their_line(tmp_path: Path) -> None:
    out = tmp_path / "review"
    imported = importers.import_file("timelinejs", TIMELINE, out)
    assert [(d.at.line, d.message) for d in imported.problems] == [
        (11, "unreadable event 2: 'start_date' needs at least a year")]
    loaded = {e.id: e for e in check(out).index.book.events}
    assert sorted(loaded) == ["2020-06-01-summer-of-attacks-on-convoys",
                              "2021-02-15-rockets-on-erbil"]
    erbil = loaded["2021-02-15-rockets-on-erbil"]
    assert erbil.title == "Rockets on Erbil"  # markup dropped
    assert erbil.tags == ("erbil",)
    assert erbil.citations[0].source.id == "rudaw"
    assert erbil.origin == "TimelineJS event erbil-rockets (timeline.json, line 4)"
    assert loaded["2020-06-01-summer-of-attacks-on-convoys"].date.text == "2020-06/2020-08"


def test_a_close_title_on_overlapping_dates_is_a_duplicate(tmp_path: Path) -> None:
    book = check(MINIMAL).index.book
    source = tmp_path / "t.json"
    source.write_text('{"events": [{"start_date": {"year": "2021", "month": "3"}, '
                      '"text": {"headline": "Rockets on Ain al-Asad"}}, '
                      '{"start_date": {"year": "2020", "month": "3"}, '
                      '"text": {"headline": "Rockets on Ain al-Asad"}}]}', encoding="utf-8")
    imported = importers.import_file("timelinejs", source, tmp_path / "out", book)
    assert [d.message for d in imported.problems] == [
        "likely duplicate of event '2021-03-03-ain-al-asad-rockets' (a close title on "
        "overlapping dates), not written"]
    assert imported.events == 1  # March 2020 overlaps no event of that title


@pytest.mark.parametrize(("content", "message"), [
    (b"\xff\xfe", "the file is not UTF-8 text"),
    (b"", "the file has no header row"),
    (b"a,b\n1,2\n", "the header has no 'event_date' column"),
])
def test_unreadable_csv_files_are_one_message(tmp_path: Path, content: bytes,
                                             message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    imported = importers.import_file("acled", path, tmp_path / "out")
    assert [d.message for d in imported.problems] == [message]
    assert not (tmp_path / "out").exists()


def test_restore_cell_undoes_neutralising() -> None:
    for value in ("=1+1", "-x", "@a", "\tx", "plain", "-2"):
        assert importers.restore_cell(export.neutralise_cell(value)) == value


def test_import_command_reports_rows_and_exits_1(tmp_path: Path) -> None:
    out = tmp_path / "review"
    result = subprocess.run([sys.executable, "-m", "briefbook.cli", "import", "acled",
                             str(ACLED), "--out", str(out), "--root", str(MINIMAL)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{ACLED.as_posix()}:3:1: error: unreadable row: event_date")
    assert len(lines) == 7
    assert "imported 3 events" in result.stderr
    assert "Traceback" not in result.stderr


def test_control_characters_and_invisible_marks_make_a_row_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "hostile.csv"
    path.write_text("event_id_cnty,event_date,location,latitude,longitude,notes\n"
                    'A1,2021-02-15,"Erbil\x1b[2J",36.2,43.9,fine\n'
                    'A2,2021-02-16,Erbil,36.2,43.9,"reordered \u202e text"\n'
                    'A3,2021-02-17,Erbil,36.2,43.9,"two\r\nlines"\n', encoding="utf-8")
    imported = importers.import_file("acled", path, tmp_path / "out")
    assert [(d.at.line, d.message) for d in imported.problems] == [
        (2, "unreadable row: 'location' has an invisible control character U+001B"),
        (3, "unreadable row: 'notes' has an invisible control character U+202E"),
    ]
    (event,) = check(tmp_path / "out").index.book.events
    assert event.summary is not None and event.summary.text == "two\nlines"


def test_duplicate_search_grows_linearly_with_the_import() -> None:
    """Each row is compared only with events on overlapping days: ten times the rows take
    about ten times as long, not a hundred (generous slack for a loaded machine)."""
    import time

    from briefbook import dates

    def run(n: int) -> float:
        start_day = dates.parse("2001-01-01").earliest
        events = []
        for i in range(n):
            day = (start_day + dt.timedelta(days=i)).isoformat()
            events.append(importers.Candidate(f"{day}-rocket-attack", dates.parse(day),
                                              f"Rocket attack on base number {i}", {}, i))
        started = time.perf_counter()
        known = importers.KnownEvents()
        for event in events:
            assert known.duplicate_of(event) is None
            known.add(importers.Known(event.id, event.date, None, event.title))
        return time.perf_counter() - started

    run(100)  # warm up
    small = min(run(300) for _ in range(3))
    large = min(run(3000) for _ in range(3))
    assert large / small < 40, (small, large)
