"""`mkdocs serve` re-renders only the pages an edit touches: every page it reuses is the page
a fresh render of the edited book gives."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefbook import dates, diagnostics, model
from briefbook.book import produce
from briefbook.memo import RECORD_MODULES, PageMemo, fingerprint
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


def _same(a: object, b: object) -> bool:
    return fingerprint(a) == fingerprint(b)


def test_drawings_compare_by_what_they_draw() -> None:
    assert _same((functools.partial(_draw, 1, y=2),), (functools.partial(_draw, 1, y=2),))
    assert not _same(functools.partial(_draw, 1), functools.partial(_draw, 2))
    assert not _same(functools.partial(_draw, 1), functools.partial(max, 1))

    def drawing(n: int) -> object:
        return lambda _link: _draw(n)

    assert _same(drawing(3), drawing(3))
    assert not _same(drawing(3), drawing(4))
    assert not _same(drawing(3), lambda _link: _draw(3))  # other code
    assert not _same("a".upper, "b".upper)  # a method, by its object too
    assert _same("a".upper, "a".upper) and not _same(max, min)


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
    made = memo.parts_made  # every event's record, feature and calendar entry; every feed
    assert made == len(memo.parts) > 10
    memo.start()
    _edit(minimal_book, STRIKES, "title: U.S. strikes", "title: American strikes")
    edited = data(memo)
    assert "American strikes" in edited["data/events.json"]
    assert edited == data(None)
    # Only the parts of the edited event (and of those whose summary names it) and the
    # feeds it is in are new.
    assert 3 <= memo.parts_made < made


def test_fingerprints_tell_values_apart() -> None:
    values = ["1", 1, 1.0, True, None, b"1", ("1",), ["1"], {"1": 1}, {"1"}, ("1", "1"),
              ("11",), (("1",),), model.Figure(1), model.Figure(2), model.Figure(1, "over")]
    prints = [fingerprint(v) for v in values]
    assert len(set(prints)) == len(values)
    assert fingerprint(model.Figure(1)) == fingerprint(model.Figure(1))
    with pytest.raises(TypeError, match="has no fingerprint"):
        fingerprint(object())


def test_records_are_plain_values_with_the_generated_repr() -> None:
    """Records are fingerprinted by their repr, which must spell out every value they
    compare by (a location, from diagnostics, is part of many): no record defines its own,
    hides a field from it, or holds a set (whose order is a process's own)."""
    records = [k for m in (model, dates, diagnostics)
               for _, k in inspect.getmembers(m, inspect.isclass)
               if dataclasses.is_dataclass(k) and k.__module__ == m.__name__]
    assert {m.__name__ for m in (model, dates)} == RECORD_MODULES
    assert len(records) > 10
    for kind in records:
        assert "def __repr__" not in inspect.getsource(kind), kind
        for field in dataclasses.fields(kind):
            assert field.repr or not field.compare, (kind, field.name)
            assert "set" not in str(field.type).lower(), (kind, field.name)


_PRINTS = """
import json, sys
from pathlib import Path
from briefbook import kinds
from briefbook.memo import Fingerprints
from briefbook.pipeline import check
index = check(Path(sys.argv[1])).index
prints = Fingerprints()
print(json.dumps({kind.page(r.id): prints.of(kind.view(index, kind.name, r))
                  for kind in kinds.all_kinds()
                  for r in index.book.records.get(kind.name, ())}))
"""


def test_a_views_fingerprint_is_the_same_in_every_process(minimal_book: Path) -> None:
    """The warm build reuses pages by fingerprints another process took."""
    found = []
    for seed in ("1", "2"):
        result = subprocess.run([sys.executable, "-c", _PRINTS, str(minimal_book)],
                                capture_output=True, text=True, check=True, timeout=120,
                                env={**os.environ, "PYTHONHASHSEED": seed})
        found.append(json.loads(result.stdout))
    assert found[0] == found[1] and len(found[0]) > 10
    assert len(set(found[0].values())) == len(found[0])  # no two pages alike
