"""The shipped book in a real browser, served as GitHub Pages serves it: under /briefbook/,
missing paths answered with 404.html and status 404, every request leaving 127.0.0.1 aborted
and recorded."""

from __future__ import annotations

import re
import urllib.request
from urllib.error import HTTPError

import pytest
import yaml
from playwright.sync_api import Browser, BrowserContext, Locator, expect

from .conftest import (
    REPO,
    Site,
    SiteServer,
    Watch,
    artifact_dir,
    search,
    settle,
    watched_context,
)

pytestmark = pytest.mark.browser

PHONE = (375, 812)
DESKTOP = (1280, 800)


def assert_clean(watch: Watch) -> None:
    assert not watch.external, "requests left the site:\n" + "\n".join(watch.external)
    assert not watch.errors, "console errors:\n" + "\n".join(watch.errors)
    assert not watch.failed, "failed requests:\n" + "\n".join(watch.failed)
    assert not watch.dialogs, "\n".join(watch.dialogs)


def test_home_page_loads_cleanly(shipped_context: tuple[BrowserContext, Watch]) -> None:
    context, watch = shipped_context
    page = watch.attach(context.new_page())
    response = page.goto("")
    assert response is not None and response.status == 200
    settle(page)
    expect(page.locator("h1").first).to_be_visible()
    # Material's search worker loads the index after the page: give it time to ask.
    page.wait_for_function("() => document.querySelector('.md-search-result__meta')"
                           " && !/Initializing/i.test("
                           "document.querySelector('.md-search-result__meta').textContent)",
                           timeout=15_000)
    assert_clean(watch)


def test_missing_page_is_the_404_page(shipped_context: tuple[BrowserContext, Watch],
                                      shipped_server: SiteServer) -> None:
    """GitHub Pages answers a missing path with 404.html, whose links and assets are
    absolute under the site prefix; it must render styled and without errors."""
    with pytest.raises(HTTPError) as raised:
        urllib.request.urlopen(shipped_server.base_url + "events/no-such-event/", timeout=10)
    assert raised.value.code == 404
    raised.value.close()
    context, watch = shipped_context
    page = watch.attach(context.new_page())
    response = page.goto("events/no-such-event/")
    assert response is not None and response.status == 404
    settle(page)
    expect(page.locator("h1")).to_have_text("Page not found")
    home = page.evaluate("document.querySelector('a.md-header__button.md-logo').href")
    assert home in (shipped_server.base_url, shipped_server.base_url + ".")
    # The page's own 404 status is reported (console, response); nothing else may be.
    watch.errors = [e for e in watch.errors if "/events/no-such-event/" not in e]
    watch.failed = [f for f in watch.failed if not f.endswith("/events/no-such-event/ 404")]
    assert_clean(watch)


def alias_of(actor_id: str, pattern: str) -> str:
    text = (REPO / "docs" / "actors" / f"{actor_id}.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(text.split("---\n")[1])
    aliases = [str(a) for a in meta.get("aliases", [])]
    matching = [a for a in aliases if re.search(pattern, a)]
    assert matching, f"{actor_id} has no alias matching {pattern!r}: {aliases}"
    return matching[0]


@pytest.mark.parametrize(("actor_id", "pattern"), [
    ("kataib-hezbollah", r"^Katai'ib"),
    ("kataib-hezbollah", r"Hizballah"),
])
def test_search_finds_actor_by_alias(shipped_context: tuple[BrowserContext, Watch],
                                     actor_id: str, pattern: str) -> None:
    context, watch = shipped_context
    alias = alias_of(actor_id, pattern)
    page = watch.attach(context.new_page())
    page.goto("")
    settle(page)
    search(page, alias)
    hit = page.locator(f".md-search-result__item a[href*='/actors/{actor_id}/']").first
    expect(hit).to_be_visible(timeout=15_000)
    hit.click()
    page.wait_for_url(re.compile(rf"/briefbook/actors/{actor_id}/"))
    expect(page.locator("article")).to_contain_text(alias)
    assert_clean(watch)


def test_citation_trail(shipped_context: tuple[BrowserContext, Watch]) -> None:
    """Timeline -> an event -> a citation -> the source page with the cited passage
    highlighted and targeted -> its "Cited by" entry -> back to the event."""
    context, watch = shipped_context
    page = watch.attach(context.new_page())
    page.goto("timeline/")
    settle(page)
    # The first entry a reader sees (the deep background is folded).
    event_link = page.locator("ul.bb-timeline a[href*='events/']:visible").first
    event_title = event_link.inner_text().strip()
    event_link.click()
    page.wait_for_load_state("load")
    event_url = page.url
    assert "/briefbook/events/" in event_url
    expect(page.locator("h1")).to_contain_text(event_title)

    sources = page.locator("h2#sources + ol a[href*='sources/'][href*='#q-']")
    expect(sources.first).to_be_visible()
    href = sources.first.get_attribute("href") or ""
    anchor = href.split("#", 1)[1]
    sources.first.click()
    page.wait_for_url(re.compile(rf"/briefbook/sources/[^/]+/#{anchor}$"))
    settle(page)

    targeted = page.evaluate("""() => {
      const t = document.querySelector(':target');
      if (!t) return null;
      const mark = t.matches('mark.bb-cited') ? t : t.nextElementSibling;
      const r = mark ? mark.getBoundingClientRect() : null;
      return {id: t.id, mark: !!mark && mark.matches('mark.bb-cited'),
              cites: mark ? mark.dataset.cites : '', top: r ? r.top : -1,
              height: window.innerHeight, outline: mark ? getComputedStyle(mark).outlineStyle : ''};
    }""")
    assert targeted is not None, f"nothing on the page has id {anchor!r}"
    assert targeted["id"] == anchor
    assert targeted["mark"], "the targeted anchor is not followed by mark.bb-cited"
    assert anchor in str(targeted["cites"]).split()
    assert 0 <= float(targeted["top"]) < float(targeted["height"]), "passage not scrolled to"
    assert targeted["outline"] != "none", "the targeted passage is not outlined"

    # "Cited by" sits below the document, folded.
    page.locator("h2#cited-by ~ details.bb-fold > summary").first.click()
    back = page.locator(f"h2#cited-by ~ details ul a[href$='#{anchor}']")
    expect(back.first).to_be_visible()
    entry = back.first.locator("xpath=..")
    event_path = event_url.split("/briefbook/", 1)[1]
    link = entry.locator(f"a[href$='{event_path.split('/')[-2]}/']").first
    expect(link).to_have_text(event_title)
    link.click()
    page.wait_for_url(event_url)
    assert_clean(watch)


def on_top(locator: Locator) -> bool:
    """Whether a click at the element's centre reaches it (nothing covers it)."""
    return bool(locator.evaluate("""e => {
      const r = e.getBoundingClientRect();
      const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return r.width > 0 && !!hit && e.contains(hit);
    }"""))


LAYOUT_PAGES = {
    "home": "",
    "timeline": "timeline/",
    "events": "events/",
    "event": "events/2021-02-15-erbil-rocket-attack/",
    "source": "sources/jinsa-2021-02-rocket-attacks-continue/",
}


@pytest.mark.parametrize("name", LAYOUT_PAGES)
@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_layout_usable(browser: Browser, shipped_server: SiteServer, shipped: Site,
                       size: tuple[int, int], name: str) -> None:
    path = LAYOUT_PAGES[name]
    if not (shipped.directory / path / "index.html").is_file():
        pytest.fail(f"/{path} was not built; update LAYOUT_PAGES")
    width, height = size
    with watched_context(browser, shipped_server, width=width, height=height) as (
            context, watch):
        page = watch.attach(context.new_page())
        page.goto(path)
        settle(page)
        overflow = page.evaluate("""() => {
          const doc = document.documentElement;
          const wide = [...document.querySelectorAll('body *')].filter(e => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && r.right > doc.clientWidth + 1
                   && getComputedStyle(e).position !== 'fixed'
                   && !e.closest('.md-sidebar, .md-search, .md-typeset__scrollwrap');
          }).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(
            e.getBoundingClientRect().right));
          return {scroll: doc.scrollWidth, client: doc.clientWidth, wide: wide};
        }""")
        shots = artifact_dir("screenshots")
        label = f"{'phone' if size == PHONE else 'desktop'}-{name}"
        page.screenshot(path=str(shots / f"{label}.png"), full_page=False)
        assert overflow["scroll"] <= overflow["client"], (
            f"/{path} scrolls sideways at {width}px: {overflow}")

        if size == PHONE:
            menu = page.locator("label.md-header__button[for='__drawer']")
            expect(menu).to_be_visible()
            menu.click()
            drawer = page.locator(".md-sidebar--primary")
            events = drawer.locator("a.md-nav__link", has_text=re.compile(r"^\s*Events\s*$"))
            expect(events.first).to_be_visible()
            page.wait_for_timeout(300)  # let the drawer finish sliding in
            if not on_top(events.first):
                # A page in a section opens the drawer on that section: go up a level.
                drawer.locator("label.md-nav__title[for^='__nav_']:visible").first.click()
                page.wait_for_timeout(300)
            assert on_top(events.first), "the drawer's 'Events' link cannot be reached"
            page.screenshot(path=str(shots / f"{label}-menu.png"))
            events.first.click()
        else:
            tab = page.locator(".md-tabs__link", has_text="Events")
            expect(tab.first).to_be_visible()
            tab.first.click()
        page.wait_for_url(re.compile(r"/briefbook/events/$"))
        assert_clean(watch)

