"""`mkdocs serve` re-renders only the pages an edit touches: every page it reuses is the page
a fresh render of the edited book gives."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from briefbook.book import produce
from briefbook.memo import PageMemo, same
from briefbook.render import Templates

ROCKETS = "events/2021/2021-03-03-ain-al-asad-rockets.yaml"
STRIKES = "events/2021/2021-02-25-us-strikes-in-syria.yaml"
PLACE = "docs/places/ain-al-asad.md"


def _pages(root: Path, memo: PageMemo | None = None,
           templates: Templates | None = None) -> dict[str, str]:
    produced = produce(root, memo=memo, templates=templates, site_url="")
    assert not produced.checked.errors
    return {page.path: page.text for page in produced.pages} | {"index.md": produced.home}


def _edit(root: Path, path: str, old: str, new: str) -> None:
    file = root / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(("path", "old", "new"), [
    # Shown on the event's page, the listings, the timeline and the pages it responds to.
    (STRIKES, "title: U.S. strikes", "title: American strikes"),
    # A place's name: its page, the events there, and prose naming it ([[place:...]]).
    (PLACE, "name: Ain al-Asad Air Base", "name: Al-Asad Airbase"),
    # Prose only on the event's own page.
    (ROCKETS, "Rockets struck", "Several rockets struck"),
])
def test_pages_reused_after_an_edit_are_those_a_fresh_render_gives(
        minimal_book: Path, path: str, old: str, new: str) -> None:
    memo, templates = PageMemo(), Templates(minimal_book, watch=True)
    before = _pages(minimal_book, memo, templates)
    assert memo.rendered > 0 and memo.reused == 0
    pages = memo.rendered  # the generated pages and the home page's section
    memo.start()
    assert _pages(minimal_book, memo, templates) == before
    assert (memo.rendered, memo.reused) == (0, pages)  # nothing changed: nothing rendered

    _edit(minimal_book, path, old, new)
    memo.start()
    after = _pages(minimal_book, memo, templates)
    assert after == _pages(minimal_book)  # the same as a render without the memo
    changed = {p for p in after if after[p] != before.get(p)}
    assert changed, "the edit shows somewhere"
    assert 0 < memo.reused < pages
    assert memo.rendered + memo.reused == pages


def test_an_edited_template_re_renders_its_pages(minimal_book: Path) -> None:
    memo, templates = PageMemo(), Templates(minimal_book, watch=True)
    _pages(minimal_book, memo, templates)
    override = minimal_book / "templates" / "pages" / "place.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text("# Overridden {{ page.place.name }}\n", encoding="utf-8")
    memo.start()
    after = _pages(minimal_book, memo, templates)
    assert after["places/ain-al-asad.md"] == "# Overridden Ain al-Asad Air Base\n"
    assert after == _pages(minimal_book)


def _draw(x: int, y: int = 0) -> int:
    return x + y


def test_drawings_compare_by_what_they_draw() -> None:
    assert same((functools.partial(_draw, 1, y=2),), (functools.partial(_draw, 1, y=2),))
    assert not same(functools.partial(_draw, 1), functools.partial(_draw, 2))
    assert not same(functools.partial(_draw, 1), functools.partial(max, 1))

    def drawing(n: int) -> object:
        return lambda _link: _draw(n)

    assert same(drawing(3), drawing(3))
    assert not same(drawing(3), drawing(4))
    assert not same(drawing(3), lambda _link: _draw(3))  # other code


def test_exports_are_made_again_only_when_the_book_changed(minimal_book: Path) -> None:
    memo = PageMemo()
    calls: list[int] = []

    def exports() -> list[int]:
        calls.append(1)
        return [len(calls)]

    book = produce(minimal_book).checked.index.book
    assert memo.exports((book, ""), exports) == [1]
    _edit(minimal_book, "docs/index.md", "#", "# Edited:")  # no record: the same book
    again = produce(minimal_book).checked.index.book
    assert again is not book
    assert memo.exports((again, ""), exports) == [1]
    assert memo.exports((again, "https://example.org/"), exports) == [2]
    _edit(minimal_book, STRIKES, "title: U.S. strikes", "title: American strikes")
    edited = produce(minimal_book).checked.index.book
    assert memo.exports((edited, "https://example.org/"), exports) == [3]


def test_exports_of_a_preview_are_those_of_a_fresh_build(minimal_book: Path) -> None:
    memo, templates = PageMemo(), Templates(minimal_book, watch=True)

    def data(memo: PageMemo | None) -> dict[str, str]:
        pages = produce(minimal_book, memo=memo, templates=templates, site_url="").pages
        return {p.path: p.text for p in pages if p.path.startswith("data/")}

    data(memo)
    _edit(minimal_book, STRIKES, "title: U.S. strikes", "title: American strikes")
    edited = data(memo)
    assert "American strikes" in edited["data/events.json"]
    assert edited == data(None)
