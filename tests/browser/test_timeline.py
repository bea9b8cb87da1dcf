"""The timeline's filters and the pages that carry pictures, in a real browser: a filtered
view is a link that restores itself, the pictures load with nothing fetched from another
host, every mark leads to a page that exists, and screenshots of each page at desktop and
phone widths in both schemes are kept as artefacts (artifacts/screenshots/pictures/)."""

from __future__ import annotations

import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, expect

from .conftest import Site, SiteServer, artifact_dir, settle, watched_context

pytestmark = pytest.mark.browser

PICTURE_PAGES = {
    "home": "",
    "timeline": "timeline/",
    "responses": "timeline/responses/",
    "places": "places/",
    "place": "places/erbil-air-base/",
    "actor": "actors/kataib-hezbollah/",
}
"""A page of each kind that carries a picture."""


def expected_items(shipped: Site, **wanted: str) -> int:
    """How many timeline entries the built page holds that match ``wanted``, read from
    the HTML a reader without JavaScript gets."""
    html = (shipped.directory / "timeline" / "index.html").read_text(encoding="utf-8")
    items = BeautifulSoup(html, "html.parser").select("li.bb-tl-item")
    return sum(all(str(li.get(f"data-{key}")) == value for key, value in wanted.items())
               for li in items)


def test_a_filtered_timeline_url_restores_the_filter_and_the_count(
        browser: Browser, shipped_server: SiteServer, shipped: Site) -> None:
    total = expected_items(shipped)
    matching = expected_items(shipped, type="rocket attack", year="2020")
    assert 0 < matching < total
    with watched_context(browser, shipped_server) as (context, watch):
        page = watch.attach(context.new_page())
        page.goto("timeline/?type=rocket+attack&year=2020")
        settle(page)
        form = page.locator("form.bb-filters")
        expect(form).to_be_visible()
        expect(form.locator("select[name=type]")).to_have_value("rocket attack")
        expect(form.locator("select[name=year]")).to_have_value("2020")
        expect(form.locator(".bb-filter-count")).to_have_text(f"{matching} of {total} events")
        assert page.locator(".bb-tl-item:visible").count() == matching
        # No heading is left standing over nothing: each visible month holds a visible entry.
        empty = page.evaluate("""() => [...document.querySelectorAll('.bb-tl-month, .bb-tl-year')]
            .filter(s => s.offsetParent !== null && !s.querySelector('.bb-tl-item:not([hidden])'))
            .length""")
        assert empty == 0
        assert page.locator("section.bb-tl-year:visible").count() == 1
        expect(page.locator("details.bb-tl-background")).to_be_hidden()
        expect(page.locator("#y-2020 .bb-tl-count")).to_have_text(f"{matching} events")
        # Another choice is written back into the address, so the view can be shared.
        page.select_option("select[name=year]", "2021")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
        assert query == {"type": ["rocket attack"], "year": ["2021"]}
        in_2021 = expected_items(shipped, type="rocket attack", year="2021")
        expect(form.locator(".bb-filter-count")).to_have_text(f"{in_2021} of {total} events")
        # Reset shows everything again and clears the address.
        form.locator("button[type=reset]").click()
        expect(form.locator(".bb-filter-count")).to_have_text(f"{total} events")
        assert urllib.parse.urlsplit(page.url).query == ""
        # A filter that matches the folded background opens it.
        page.goto("timeline/?year=1983")
        settle(page)
        expect(page.locator("details.bb-tl-background")).to_have_attribute("open", "")
        expect(form.locator(".bb-filter-count")).to_have_text(
            f"{expected_items(shipped, year='1983')} of {total} events")
    assert not watch.problems(), "\n".join(watch.problems())


def test_without_a_filter_the_background_stays_folded(
        browser: Browser, shipped_server: SiteServer) -> None:
    with watched_context(browser, shipped_server) as (context, watch):
        page = watch.attach(context.new_page())
        page.goto("timeline/")
        settle(page)
        background = page.locator("details.bb-tl-background")
        expect(background).to_be_visible()
        assert background.get_attribute("open") is None
        assert page.locator("section.bb-tl-year[data-year='1983']:visible").count() == 0
        expect(page.locator("section.bb-tl-year[data-year='2020']")).to_be_visible()
    assert not watch.problems(), "\n".join(watch.problems())


def test_a_derived_date_says_how_by_keyboard(browser: Browser,
                                             shipped_server: SiteServer) -> None:
    """Not only on hover: a reader on a keyboard or a phone opens the explanation."""
    with watched_context(browser, shipped_server) as (context, watch):
        page = watch.attach(context.new_page())
        page.goto("timeline/")
        settle(page)
        derived = page.locator("section.bb-tl-year[data-year='2021'] details.bb-tl-derived")
        first = derived.first
        explanation = first.locator("span")
        expect(explanation).to_be_hidden()
        summary = first.locator("summary")
        summary.focus()
        expect(summary).to_be_focused()
        page.keyboard.press("Enter")
        expect(explanation).to_be_visible()
        expect(explanation).to_contain_text("how: ")
        assert len(explanation.inner_text()) > 20
    assert not watch.problems(), "\n".join(watch.problems())


def test_paper_prints_the_folded_background_and_every_derivation(
        browser: Browser, shipped_server: SiteServer, tmp_path: Path) -> None:
    with watched_context(browser, shipped_server) as (context, _):
        page = context.new_page()
        page.goto("timeline/")
        settle(page)
        derivations = page.locator("details.bb-tl-derived").count()
        assert derivations > 10
        page.emulate_media(media="print")
        page.pdf(path=str(tmp_path / "timeline.pdf"), format="A4")
    text = subprocess.run(["pdftotext", str(tmp_path / "timeline.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "Founding of the Islamic Republic of Iran" in text  # 1979, folded on screen
    assert text.count("how: ") == derivations


@pytest.mark.parametrize("kind", sorted(PICTURE_PAGES))
def test_pages_with_pictures_load_nothing_from_elsewhere_and_fit_a_phone(
        browser: Browser, shipped_server: SiteServer, kind: str) -> None:
    out = artifact_dir("screenshots", "pictures")
    path = PICTURE_PAGES[kind]
    hrefs: set[str] = set()
    for scheme in ("light", "dark"):
        for width in (1366, 390):
            with watched_context(browser, shipped_server, width=width,
                                 height=900) as (context, watch):
                page = watch.attach(context.new_page())
                page.emulate_media(color_scheme=scheme)
                page.goto(path)
                settle(page)
                pictures = page.locator("svg.bb-pic")
                assert pictures.count() >= 1, f"{kind}: no picture"
                # Every picture fits the screen: it scales down rather than overflowing.
                widest = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
                    'svg.bb-pic')].map(s => s.getBoundingClientRect().right))""")
                assert widest <= width, f"{kind} at {width}px: a picture overflows"
                hrefs.update(page.eval_on_selector_all(
                    "svg.bb-pic a", "links => links.map(a => a.href.baseVal || a.href)"))
                page.screenshot(path=str(out / f"{kind}-{width}-{scheme}.png"), full_page=True)
            assert not watch.problems(), "\n".join(watch.problems())
    # Every mark that stands for a record leads to a page that exists.
    for href in sorted(hrefs):
        with urllib.request.urlopen(urllib.parse.urljoin(shipped_server.base_url + path,
                                                         href), timeout=10) as response:
            assert response.status == 200, href
