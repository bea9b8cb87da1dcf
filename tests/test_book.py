"""The shipped briefing book: complete, clean, and every claim sourced."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import jsonschema
import pytest
import yaml

from briefbook import views
from briefbook.cli import main
from briefbook.pipeline import Checked, check
from tests.conftest import REPO

CHRONOLOGY = Path(__file__).resolve().parent / "expected_chronology.txt"


@pytest.fixture(scope="module")
def book() -> Checked:
    return check(REPO)


def expected_chronology() -> dict[str, list[str]]:
    """Event ids each source's own chronology contains, from expected_chronology.txt."""
    by_source: dict[str, list[str]] = defaultdict(list)
    source = ""
    for line in CHRONOLOGY.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#"):
            source = line.lstrip("# ").split()[0] if line.lstrip("# ") else source
        elif line:
            by_source[source].append(line)
    return dict(by_source)


def test_book_is_clean_under_strict_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--strict", str(REPO)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "0 errors, 0 warnings" in err


def test_book_totals(book: Checked, capsys: pytest.CaptureFixture[str]) -> None:
    b = book.index.book
    citations = sum(len(e.citations) for e in b.events)
    attributions = sum(len(e.attribution) for e in b.events)
    with capsys.disabled():
        print(f"\nbook totals: {len(b.events)} events, {len(b.actors)} actors, "
              f"{len(b.places)} places, {len(b.options)} options, {len(b.notes)} notes, "
              f"{len(b.sources)} sources, {citations} citations, {attributions} attributions")
    assert len(b.sources) == 5
    assert len(b.events) > 40
    assert len(b.notes) >= 2 and {"key-judgements", "methodology"} <= {n.id for n in b.notes}


def test_every_chronology_event_of_every_source_is_present(book: Checked) -> None:
    events = book.index.events
    expected = expected_chronology()
    assert set(expected) == {s.id for s in book.index.book.sources}
    for source_id, ids in expected.items():
        missing = [i for i in ids if i not in events]
        assert not missing, f"{source_id}: missing {missing}"
        for event_id in ids:
            cited = {c.source.id for c in events[event_id].citations}
            assert source_id in cited, f"{event_id} does not cite {source_id}"


def test_every_event_figure_and_attribution_rests_on_a_verified_quote(book: Checked) -> None:
    found = book.index.quoted
    for event in book.index.book.events:
        assert event.citations, event.id
        for citation in event.citations:
            assert citation in found, (event.id, citation.quote)
        for attribution in event.attribution:
            assert attribution.citation in found, (event.id, attribution.citation.quote)


def test_tracks_are_all_used(book: Checked) -> None:
    statuses = {a.status for e in book.index.book.events for a in e.attribution}
    assert {"claimed", "officially attributed", "assessed"} <= statuses


def test_some_sources_disagree_and_the_book_shows_it(book: Checked) -> None:
    disputed = [e.id for e in book.index.book.events if views.figure_table(e).disputed]
    assert disputed


def test_a_reported_figure_keeps_its_qualifier_and_still_disagrees(book: Checked) -> None:
    # JINSA's "reportedly killing two" must not read as firm as the one killed it and
    # Foreign Policy state as their own, yet the two counts still differ.
    table = views.figure_table(book.index.events["2021-02-15-erbil-rocket-attack"])
    killed = [str(f) if f else None for f in dict(table.rows)["killed"]]
    assert killed == ["reportedly 2", "1", None, "1"]
    assert "killed" in table.disputed


def test_responses_link_to_attacks(book: Checked) -> None:
    cycles = views.cycles(book.index).cycles
    assert sum(len(c.answered) for c in cycles) >= 5


def test_event_files_validate_against_the_published_json_schema() -> None:
    schema = json.loads((REPO / "schema/event.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((REPO / "events").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema=../../schema/event.schema.json")
        # Editors read YAML 1.2 (no timestamps or sexagesimals): BaseLoader keeps strings,
        # then the numbers an editor would type as numbers are restored for figures.
        data = yaml.load(text, Loader=yaml.CSafeLoader)
        for key in ("date",):
            data[key] = str(data[key])
        errors = sorted(validator.iter_errors(data), key=str)
        assert not errors, f"{path}: {errors[0].message}"
