"""The record-kind registry: every stage reads it, and templates only lay out.

A toy kind added here touches only the registry and a template, as a book's extension
would, and still gets its files loaded, checked, cross-referenced and rendered."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from briefbook import kinds, model, views
from briefbook.book import produce
from briefbook.fields import Text
from briefbook.render import default_templates

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "minimal"
PAGES = default_templates() / "pages"


@dataclass(frozen=True, slots=True)
class Briefing:
    """A toy record: a dated briefing, with a title and prose."""

    id: str
    path: str
    title: str
    audience: str
    body: model.Prose | None = None
    editor_notes: tuple[model.EditorNote, ...] = ()

    def sort_key(self) -> tuple[object, ...]:
        return (self.title.casefold(), self.id)


BRIEFING = kinds.RecordKind(
    "briefing", Briefing, "{docs}/briefings", ".md", "briefings",
    doc="A briefing given to a named audience.",
    fields=(Text("title", "What it is called.", True, title=True),
            Text("audience", "Who it was given to.", True)),
    body="what was said")

TEMPLATE = """# {{ page.record.title|md }}

Given to {{ page.record.audience|md }}.

{{ prose(page.record.body) }}
"""


@pytest.fixture
def toy_book(tmp_path: Path) -> Iterator[Path]:
    book = tmp_path / "book"
    shutil.copytree(FIXTURE, book)
    (book / "templates" / "pages").mkdir(parents=True)
    (book / "templates" / "pages" / "briefing.md.j2").write_text(TEMPLATE, encoding="utf-8")
    folder = book / "docs" / "briefings"
    folder.mkdir(parents=True)
    event = next(p.stem for p in sorted((book / "events").rglob("*.yaml")))
    (folder / "to-the-committee.md").write_text(
        "---\ntitle: To the committee\naudience: The oversight committee\n---\n"
        f"It covered [[event:{event}]].\n", encoding="utf-8")
    (folder / "broken.md").write_text("---\ntitle: Broken\n---\nSee [[briefing:nowhere]].\n",
                                      encoding="utf-8")
    kinds.register(BRIEFING)
    try:
        yield book
    finally:
        kinds.unregister("briefing")


def test_a_registered_kind_is_loaded_checked_and_rendered(toy_book: Path) -> None:
    broken = produce(toy_book)
    messages = [d.format() for d in broken.checked.errors]
    assert messages == [
        "docs/briefings/broken.md:2:1: error: missing required field 'audience' in briefing "
        "'broken'; add 'audience:' (one line of text)",
    ]

    (toy_book / "docs" / "briefings" / "broken.md").unlink()
    produced = produce(toy_book)
    assert not produced.checked.errors, [d.format() for d in produced.checked.errors]
    assert [b.id for b in produced.checked.index.book.records["briefing"]] == [
        "to-the-committee"]
    page = next(p for p in produced.pages if p.path == "briefings/to-the-committee.md")
    assert page.edit_path == "docs/briefings/to-the-committee.md"
    assert "Given to The oversight committee." in page.text
    # Its inline reference is resolved to the event's page like any other kind's.
    assert re.search(r'<a href="\.\./events/[a-z0-9-]+\.md">', page.text), page.text


def test_an_unknown_reference_to_a_registered_kind_is_reported(toy_book: Path) -> None:
    (toy_book / "docs" / "briefings" / "broken.md").write_text(
        "---\ntitle: Broken\naudience: Nobody\n---\nSee [[briefing:nowhere]].\n",
        encoding="utf-8")
    messages = [d.format() for d in produce(toy_book).checked.errors]
    assert len(messages) == 1 and "unknown briefing 'nowhere'" in messages[0], messages
    assert messages[0].startswith("docs/briefings/broken.md:5:5: error:"), messages


def test_the_reference_page_lists_every_registered_kind(toy_book: Path) -> None:
    (toy_book / "docs" / "briefings" / "broken.md").unlink()
    produced = produce(toy_book)
    reference = next(p for p in produced.pages if p.path == "reference.md")
    assert "## Briefing" in reference.text
    assert "`docs/briefings/<id>.md`" in reference.text
    assert "| `audience` | yes |" in reference.text


def test_every_stage_reads_the_registry_for_the_built_in_kinds() -> None:
    produced = produce(FIXTURE)
    assert not produced.checked.errors
    paths = {p.path for p in produced.pages}
    for kind in kinds.all_kinds():
        for record in produced.checked.index.book.records[kind.name]:
            assert kind.page(record.id) in paths
            assert kinds.of(record) is kind
            assert produced.checked.index.lookup(kind.name)[record.id] is record
        if kind.listing is not None:
            assert f"{kind.section}/index.md" in paths


@pytest.mark.parametrize("template", sorted(PAGES.glob("*.j2")), ids=lambda p: p.name)
def test_no_template_looks_a_record_up_or_splits_an_id(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert not re.search(r"\bindex\s*\.", text), "templates get resolved views, not the index"
    assert not re.search(r"\bindex\s*\[", text)
    assert 'split(":")' not in text and "split(':')" not in text
    assert not re.search(r"\bname\(", text), "records carry their own title"


def test_the_template_grep_catches_a_lookup() -> None:
    # The patterns above must match what they forbid, or the test could never fail.
    lookup = '{{ index.events[ref.id].title }} {{ key.split(":")[0] }}'
    assert re.search(r"\bindex\s*\.", lookup)
    assert 'split(":")' in lookup


def test_views_resolve_records_not_ids() -> None:
    produced = produce(REPO)
    index = produced.checked.index
    erbil = index.events["2021-02-15-erbil-rocket-attack"]
    page = views.event_page(index, "event", erbil)
    assert page.place is not None and page.place.id == erbil.place.id  # type: ignore[union-attr]
    assert dict(page.attribution)["claimed"][0].own_account
    assessed = dict(page.attribution)["assessed"]
    assert [(a.actor.id, a.confidence) for a in assessed] == [
        (a.actor.id, a.confidence) for a in erbil.attribution if a.status == "assessed"]
    assert all(q.anchor.startswith("q-") and q.source.id == q.citation.source.id
               for q in page.citations)
    assert "killed" in page.figures.disputed
    # An attack's answers come with the lag in days, fewest and most.
    assert page.answered_by
    for lagged in page.answered_by:
        assert erbil.id in {ref.id for ref in lagged.event.responds_to}
        assert 0 <= lagged.days[0] <= lagged.days[1]
