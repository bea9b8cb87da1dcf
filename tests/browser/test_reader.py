"""The reader's book in Chromium (issue 10): no page scrolls sideways on a phone, the
event card, "Carried out by" only on an established basis, every alias of every actor and
place ranks its record first in the real search, printed pages carry the book's title,
the page's address and page numbers, and screenshots of every page kind, desktop and
phone, light and dark, are kept as artefacts (artifacts/screenshots/reader/)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, Page, expect

from briefbook import model
from briefbook.pipeline import check

from .conftest import Site, SiteServer, artifact_dir, search, settle, watched_context
from .test_validity import page_kinds

pytestmark = pytest.mark.browser

PHONE = (390, 844)
DESKTOP = (1366, 900)
ERBIL = "events/2021-02-15-erbil-rocket-attack/"
JINSA = "sources/jinsa-2021-02-rocket-attacks-continue/"


def reader_pages(site: Site) -> dict[str, str]:
    """One page of every kind, plus the pages the issue names (Erbil, the JINSA memo)."""
    return {**page_kinds(site), "erbil": ERBIL, "jinsa": JINSA}


def sideways(page: Page) -> dict[str, object]:
    return dict(page.evaluate("""() => {
      const doc = document.documentElement;
      const wide = [...document.querySelectorAll('body *')].filter(e => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.right > doc.clientWidth + 1
               && getComputedStyle(e).position !== 'fixed'
               && !e.closest('.md-sidebar, .md-search, .md-typeset__scrollwrap, table')
               // An SVG clips what it draws to its own box (the map's outlines of the
               // neighbours): only the <svg> itself must fit.
               && !(e instanceof SVGElement && e.ownerSVGElement);
      }).slice(0, 5).map(e => e.tagName + '.' + e.className + ' '
                         + Math.round(e.getBoundingClientRect().right));
      return {scroll: doc.scrollWidth, client: doc.clientWidth, wide: wide};
    }"""))


@pytest.mark.parametrize("kind", ["home", "event", "source", "actor", "place", "option", "note",
                                  "timeline", "responses", "events index", "actors index",
                                  "places index", "sources index", "options index",
                                  "notes index", "reference", "not found", "erbil", "jinsa"])
def test_no_page_kind_scrolls_sideways_on_a_phone(browser: Browser, shipped_server: SiteServer,
                                                  shipped: Site, kind: str) -> None:
    path = reader_pages(shipped)[kind]
    with watched_context(browser, shipped_server, width=PHONE[0], height=PHONE[1]) as (
            context, _):
        page = context.new_page()
        page.goto(path)
        settle(page)
        found = sideways(page)
        assert found["scroll"] == found["client"] and not found["wide"], (
            f"/{path} scrolls sideways at {PHONE[0]}px: {found}")
        # The site title is set in full, not cut with an ellipsis.
        title = page.locator(".md-header__topic").first
        assert title.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), "site title cut"


def test_screenshots_of_every_page_kind(browser: Browser, shipped_server: SiteServer,
                                        shipped: Site) -> None:
    shots = artifact_dir("screenshots", "reader")
    taken = 0
    for scheme in ("light", "dark"):
        for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
            with watched_context(browser, shipped_server, width=width, height=height) as (
                    context, watch):
                page = watch.attach(context.new_page())
                page.emulate_media(color_scheme=scheme)
                for kind, path in reader_pages(shipped).items():
                    page.goto(path)
                    settle(page)
                    name = f"{kind.replace(' ', '-')}-{label}-{scheme}.png"
                    page.screenshot(path=str(shots / name), full_page=False)
                    taken += 1
                assert not watch.external, watch.external
    assert taken == 4 * len(reader_pages(shipped))


def test_the_erbil_card_shows_the_range_and_the_disagreement(
        browser: Browser, shipped_server: SiteServer) -> None:
    with watched_context(browser, shipped_server) as (context, _):
        page = context.new_page()
        page.goto(ERBIL)
        settle(page)
        card = page.locator("section.bb-glance")
        expect(card).to_be_visible()
        figure = card.locator("a.bb-figure", has_text="killed 1–2")
        expect(figure).to_contain_text("sources disagree")
        # Each figure leads to the table.
        figure.click()
        page.wait_for_url(re.compile(r"#reported-figures$"))
        expect(card).to_contain_text("Claimed by Awliya Al Dam")
        expect(card).to_contain_text("(moderate confidence): Kata'ib Hezbollah, Asa'ib Ahl "
                                     "al-Haq, Harakat Hezbollah al-Nujaba")
        confidence = card.locator("a", has_text="moderate confidence")
        assert (confidence.get_attribute("href") or "").endswith("#estimative-language")
        # The card comes before everything else the page says.
        assert page.evaluate("document.querySelector('article h1').nextElementSibling"
                             ".matches('section.bb-glance')")


def test_no_page_says_carried_out_by_on_a_claim_or_an_assessment(shipped: Site) -> None:
    index = check(shipped.root).index
    events = index.events
    shown = 0
    for html in sorted(shipped.directory.glob("events/*/index.html")):
        event = events.get(html.parent.name)
        if event is None:
            continue
        soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        labels = [dt for dt in soup.select("dl.bb-details dt")
                  if dt.get_text(strip=True) == "Carried out by"]
        # The card's label is the only place the words appear.
        assert soup.get_text().count("Carried out by") == len(labels), event.id
        for dt in labels:
            dd = dt.find_next_sibling("dd")
            assert dd is not None
            names = {a.get_text(strip=True) for a in dd.select("a")}
            for ref in event.perpetrators:
                actor = index.actors[ref.id]
                if actor.name not in names or event.type not in model.RESPONSIBILITY_TYPES:
                    continue
                statuses = {a.status for a in event.attribution if a.actor.id == ref.id}
                assert "officially attributed" in statuses, (event.id, actor.name, statuses)
                shown += 1
    erbil = (shipped.directory / ERBIL / "index.html").read_text(encoding="utf-8")
    assert "Carried out by" not in erbil
    assert shown, "no officially attributed perpetrator was found to check"


def aliases(shipped: Site) -> list[tuple[str, frozenset[str]]]:
    """Every alias of every actor and place, with the pages a reader typing it may mean:
    its record's, and any other record's that has the same name or alias ('Baghdad' is a
    place and an alias of Iraq's government)."""
    book = check(shipped.root).index.book
    named: dict[str, set[str]] = {}
    records = [("actors", a.id, a.name, a.aliases) for a in book.actors] + [
        ("places", p.id, p.name, p.aliases) for p in book.places]
    for section, record_id, name, also in records:
        for written in (name, *also):
            named.setdefault(written.casefold(), set()).add(f"/{section}/{record_id}/")
    return [(alias, frozenset(named[alias.casefold()]))
            for _, _, _, also in records for alias in also]


COUNT_SEARCHES = """
// Count the queries the page sends to Material's search worker and the answers it gets, so
// the test reads the ranking once the answer to the last query it typed has come back.
window.bbSearches = {asked: 0, answered: 0};
const PageWorker = window.Worker;
window.Worker = class extends PageWorker {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", ev => {
      if (ev.data && ev.data.type === 3) window.bbSearches.answered++;  // RESULT
    });
  }
  postMessage(message, ...rest) {
    if (message && message.type === 2) window.bbSearches.asked++;  // QUERY
    return super.postMessage(message, ...rest);
  }
};
"""


def test_every_alias_ranks_its_record_first(browser: Browser, shipped_server: SiteServer,
                                            shipped: Site) -> None:
    cases = aliases(shipped)
    assert len(cases) > 50
    wrong = []
    with watched_context(browser, shipped_server) as (context, _):
        context.add_init_script(COUNT_SEARCHES)
        page = context.new_page()
        page.goto("")
        settle(page)
        for alias, targets in cases:
            asked = int(page.evaluate("window.bbSearches.asked"))
            search(page, alias)
            # Each keystroke's query is posted to the worker while the key is handled, so
            # once typing returns the last query is out; answers come back in order, and
            # the ranking is the answer to the last one.
            page.wait_for_function("([s, before]) => s.asked > before && s.answered === s.asked",
                                   arg=[page.evaluate_handle("window.bbSearches"), asked])
            first = page.locator(".md-search-result__list > li").first.locator("a").first
            wanted = re.compile("|".join(re.escape(t) for t in sorted(targets)))
            try:
                expect(first).to_have_attribute("href", wanted)
            except AssertionError:
                wrong.append(f"{alias!r}: first {first.get_attribute('href')}, "
                             f"want {sorted(targets)}")
            page.keyboard.press("Escape")
    assert not wrong, f"{len(wrong)} of {len(cases)}:\n" + "\n".join(wrong)


@pytest.fixture(scope="module")
def pdftotext() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        pytest.skip("pdftotext (poppler-utils) is missing")
    return found


def printed(browser: Browser, server: SiteServer, path: str, pdf: Path,
            pdftotext: str) -> list[str]:
    with watched_context(browser, server) as (context, _):
        page = context.new_page()
        page.goto(path)
        settle(page)
        page.emulate_media(media="print")
        page.pdf(path=str(pdf), format="A4")
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def test_a_printed_event_page_carries_title_address_date_and_page_numbers(
        browser: Browser, shipped_server: SiteServer, pdftotext: str) -> None:
    out = artifact_dir("screenshots", "reader")
    sheets = printed(browser, shipped_server, ERBIL, out / "erbil-print.pdf", pdftotext)
    assert len(sheets) >= 2
    for number, sheet in enumerate(sheets, 1):
        flat = " ".join(sheet.split())
        assert "Militia attacks on U.S. forces in Iraq" in flat, number
        assert "briefbook.github.io/briefbook/events/2021-02-15" in flat.replace(" ", ""), number
        assert re.search(r"Built \d{2} [A-Z][a-z]{2} \d{4}", flat), number
        assert f"Page {number} of {len(sheets)}" in flat, number
    whole = " ".join(" ".join(sheets).split())
    assert "Rocket attack on the U.S. base in Erbil" in whole
    assert "Search" not in whole.split("Rocket attack on the U.S. base in Erbil")[0]


@pytest.mark.parametrize("path", ["", ERBIL, JINSA, "timeline/"])
def test_printed_pages_have_no_blank_sheet(browser: Browser, shipped_server: SiteServer,
                                           pdftotext: str, tmp_path: Path, path: str) -> None:
    sheets = printed(browser, shipped_server, path, tmp_path / "page.pdf", pdftotext)
    furniture = re.compile(r"Militia attacks on U\.S\. forces in Iraq, 2018–2021|Built .*|"
                           r"Page \d+ of \d+|https://\S+")
    for number, sheet in enumerate(sheets, 1):
        body = furniture.sub("", sheet).strip()
        assert len(body) > 40, f"/{path} prints a blank sheet {number}: {sheet!r}"
