"""Hostile content: every payload of hostile/payloads.json, in every free-text field and
prose body of every kind of record, is either refused by ``briefbook check`` with a clear
message or built into pages where it is inert text.

Inertness is verified twice: statically (every built page is parsed; any script the theme did
not produce, any ``on*=`` attribute, any ``javascript:``/``data:``/``vbscript:`` URL, any
evaluated template syntax fails) and in Chromium (every page is loaded with a ``dialog``
canary and console-error listener; negative controls prove both detectors fire).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, expect

from briefbook.diagnostics import Diagnostic
from briefbook.pipeline import check

from .conftest import (
    FIXTURE,
    HANDWRITTEN_DESCRIPTION,
    HANDWRITTEN_TITLE,
    PAYLOADS,
    HostileBook,
    HostileSite,
    Payload,
    Site,
    SiteServer,
    Visit,
    Watch,
    briefbook_command,
    build,
    build_env,
    copy_book,
    record_url,
    scan_site_page,
    search,
    serve,
    settle,
    theme_scripts,
    theme_styles,
    visit_all,
    watched_context,
    write_handwritten_page,
    write_hostile_book,
)

CONSEQUENCES = (
    # Refusing a relation's quote leaves its source alone; the checker says so.
    re.compile(r"citation needs both 'source' and 'quote'"),
)
"""Errors that follow from a refused value in the same file and need no payload of their own."""

LINE = re.compile(r"^[^\s:][^:]*:\d+:\d+: (error|warning): \S.*$")
"""One diagnostic as `briefbook check` documents it: ``path:line:col: severity: message``."""


# --- refused: `briefbook check` -----------------------------------------------------------

@dataclass(frozen=True)
class Refusals:
    book: HostileBook
    errors: list[Diagnostic]


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> Refusals:
    """Every payload planted everywhere, including where the schema must refuse it."""
    book = write_hostile_book(tmp_path_factory.mktemp("refused") / "book", PAYLOADS,
                              accepted_only=False)
    checked = check(book.root)
    return Refusals(book, [d for d in checked.diagnostics if d.severity == "error"])


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.id for p in PAYLOADS])
def test_payload_refused_with_clear_message_or_accepted(refusals: Refusals,
                                                        payload: Payload) -> None:
    """Each refused value gets exactly the error its rule promises, in the file it is
    written in; an accepted value causes no error at all."""
    plants = [p for p in refusals.book.plants if p.payload is payload]
    files = {p.file for p in plants}
    expected: Counter[tuple[str, str]] = Counter(
        (p.file, p.error) for p in plants if p.error is not None)
    if plants and plants[0].payload.reject:
        # Refused as a whole file: one message per file, at the offending character.
        expected = Counter(dict.fromkeys(expected, 1))
    errors = [d for d in refusals.errors if d.at.path in files]
    explained: set[int] = set()
    problems: list[str] = []
    for (file, pattern), count in sorted(expected.items()):
        found = [d for d in errors if d.at.path == file and re.search(pattern, d.message)]
        explained.update(id(d) for d in found)
        if len(found) != count:
            problems.append(f"{file}: expected {count} error(s) matching /{pattern}/, "
                            f"got {len(found)}")
    refused_files = {file for file, _ in expected}
    for d in errors:
        if id(d) in explained:
            continue
        if d.at.path in refused_files and any(c.search(d.message) for c in CONSEQUENCES):
            continue
        problems.append(f"unexpected: {d.format()}")
    assert not problems, "\n".join(problems)


def test_check_command_reports_one_line_per_problem(refusals: Refusals) -> None:
    """`briefbook check` exits 1 and prints each problem on one line in the documented
    ``path:line:col: severity: message`` form.  A message that echoes a refused value
    verbatim lets content forge extra lines (or terminal escapes) in CI logs."""
    result = subprocess.run(briefbook_command("check", str(refusals.book.root), "--quiet"),
                            env=build_env(), capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert len([ln for ln in lines if ": error: " in ln]) >= len(refusals.errors)
    malformed = [ln for ln in lines if not LINE.match(ln)]
    assert not malformed, (
        f"{len(malformed)} output line(s) are not 'path:line:col: severity: message' "
        "(a message echoes a multi-line value):\n" + "\n".join(malformed[:10]))


ESCAPED_INVISIBLES = {
    # Written as YAML escapes, the characters never appear in the file's raw text.
    "yaml-escape-rlo": ('title: "Rockets on \\u202eAin al-Asad"', "U+202E"),
    "yaml-escape-esc": ('date_note: "derived \\x1b[2J\\x1b[31mfrom the brief"', "U+001B"),
    "yaml-escape-bell": ('date_note: "bell \\a here"', "U+0007"),
    "yaml-escape-c1-csi": ('date_note: "c1 \\x9b2J here"', "U+009B"),
}


@pytest.mark.parametrize("line,code", ESCAPED_INVISIBLES.values(), ids=ESCAPED_INVISIBLES.keys())
def test_invisible_characters_refused_when_escaped(tmp_path: Path, line: str,
                                                   code: str) -> None:
    """The loader refuses control and bidirectional-override characters ("they can hide or
    reorder text"), but it looks only at a file's raw text: the same characters written as
    YAML escapes must be refused too."""
    root = copy_book(FIXTURE, tmp_path / "book", shipped_theme=False)
    event = root / "events" / "2021" / "2021-03-03-ain-al-asad-rockets.yaml"
    text = event.read_text(encoding="utf-8")
    key = line.split(":", 1)[0]
    text = re.sub(rf"^{key}:.*$", "", text, flags=re.MULTILINE) + line + "\n"
    event.write_text(text, encoding="utf-8")
    errors = [d for d in check(root).diagnostics if d.severity == "error"]
    assert any(f"invisible control character {code}" in d.message for d in errors), (
        f"{line!r} was accepted; errors: {[d.format() for d in errors]}")


@pytest.mark.parametrize("reference", ["&#x202E;", "&#8238;", "&#27;"])
def test_invisible_characters_refused_as_character_references(tmp_path: Path,
                                                              reference: str) -> None:
    """Prose is Markdown, where a character reference is the character: ``&#x202E;`` in a
    note reorders the text after it exactly as a raw U+202E would."""
    root = copy_book(FIXTURE, tmp_path / "book", shipped_theme=False)
    note = root / "docs" / "notes" / "overview.md"
    note.write_text(note.read_text(encoding="utf-8") + f"\nSee invoice{reference}gpj.exe\n",
                    encoding="utf-8")
    errors = [d for d in check(root).diagnostics if d.severity == "error"]
    assert any("invisible control character" in d.message for d in errors), (
        f"{reference} in a note was accepted")


# --- accepted: built, scanned, loaded ----------------------------------------------------

@pytest.fixture(scope="session")
def allowed(clean_site: Site) -> tuple[set[str], set[str]]:
    """Scripts and style attributes the theme produces for harmless content."""
    return theme_scripts(clean_site), theme_styles(clean_site)


def test_hostile_book_covers_every_text_field(hostile_site: HostileSite) -> None:
    """The generator planted an accepted payload in a text field of every kind of record,
    and in every prose body."""
    accepted = hostile_site.book.accepted()
    kinds = {p.kind for p in accepted}
    assert kinds == {"event", "source", "actor", "place", "option", "note"}
    prose = {p.kind for p in accepted if p.prose}
    assert prose == {"event", "actor", "place", "option", "note"}
    payloads = {p.payload.id for p in accepted}
    assert payloads == {p.id for p in PAYLOADS if not p.reject}


def test_hostile_pages_hold_no_script(hostile_site: HostileSite,
                                      allowed: tuple[set[str], set[str]]) -> None:
    """(a) Static scan of every built page."""
    site = hostile_site.site
    scripts, styles = allowed
    problems = [f"{site.url_path(page)}: {problem}" for page in site.pages()
                for problem in scan_site_page(site, page, scripts, styles)]
    groups = {p.record_id for p in hostile_site.book.plants if p.kind == "event"}
    assert len(site.pages()) > 6 * len(groups)
    assert not problems, "\n".join(problems[:50])


def test_shipped_pages_hold_no_script(shipped: Site,
                                      allowed: tuple[set[str], set[str]]) -> None:
    """The same scan over the shipped book."""
    problems = [f"{shipped.url_path(page)}: {problem}" for page in shipped.pages()
                for problem in scan_site_page(shipped, page, *allowed)]
    assert len(shipped.pages()) > 100
    assert not problems, "\n".join(problems[:50])


def test_scanner_flags_injected_markup(clean_site: Site, allowed: tuple[set[str], set[str]],
                                       tmp_path: Path) -> None:
    """Negative control of the static scan: markup written straight into a page is found."""
    site = Site(clean_site.root, tmp_path / "site")
    shutil.copytree(clean_site.directory, site.directory)
    page = site.directory / "events" / "2021-03-03-ain-al-asad-rockets" / "index.html"
    injected = ('<img src=x onerror=alert(1)><script>alert(2)</script>'
                '<a href=" JaVa&#x09;ScRiPt:alert(3)">x</a><p style="position:fixed">'
                '{{ 7*7 }} 1337000</p><iframe src="https://evil.example/"></iframe>')
    text = page.read_text(encoding="utf-8").replace("</article>", injected + "</article>", 1)
    page.write_text(text, encoding="utf-8")
    problems = "\n".join(scan_site_page(site, page, *allowed))
    for expected in ("event handler onerror", "script not produced by the theme",
                     "href=", "style attribute", "template syntax was evaluated",
                     "forbidden element <iframe>"):
        assert expected in problems, f"the scan missed {expected!r}:\n{problems}"


@dataclass(frozen=True)
class Sweep:
    watch: Watch
    visits: dict[str, Visit]


def sweep(browser: Browser, server: SiteServer, site: Site) -> Sweep:
    """Every page of ``site`` at a phone's width (the narrowest layout a reader gets)."""
    with watched_context(browser, server, width=375, height=812,
                         bypass_csp=True) as (context, watch):
        visits = visit_all(context, watch, site)
    return Sweep(watch, visits)


@pytest.fixture(scope="session")
def hostile_sweep(browser: Browser, hostile_server: SiteServer,
                  hostile_site: HostileSite) -> Sweep:
    """(b) Every generated page of the hostile book, loaded in Chromium once."""
    return sweep(browser, hostile_server, hostile_site.site)


@pytest.mark.browser
def test_hostile_pages_run_no_script_in_browser(hostile_sweep: Sweep) -> None:
    watch = hostile_sweep.watch
    live = [f"{v.path}: {b}" for v in hostile_sweep.visits.values() for b in v.live_problems]
    assert not watch.dialogs, "script ran:\n" + "\n".join(watch.dialogs)
    assert not live, "script-capable attributes in the live DOM:\n" + "\n".join(live[:30])
    assert not watch.external, "requests left the site:\n" + "\n".join(watch.external[:30])


@pytest.mark.browser
def test_hostile_pages_log_no_console_error(hostile_sweep: Sweep) -> None:
    problems = hostile_sweep.watch.errors + hostile_sweep.watch.failed
    assert not problems, "\n".join(problems[:30])


@pytest.mark.browser
def test_accepted_payloads_visible_as_text(hostile_site: HostileSite,
                                           hostile_sweep: Sweep) -> None:
    """Where a payload was accepted as text it is shown literally on its record's page,
    neither interpreted nor lost."""
    missing: dict[str, list[str]] = defaultdict(list)
    for plant in hostile_site.book.accepted():
        if plant.prose:
            continue  # analyst Markdown: rendered, checked for safety above
        visit = hostile_sweep.visits.get(record_url(plant.kind, plant.record_id))
        if visit is None:
            missing[plant.record_id].append("(page not built)")
        elif plant.shown not in visit.text:
            missing[f"{plant.kind} {plant.record_id}"].append(plant.field)
    report = [f"{record}: {', '.join(fields)}" for record, fields in sorted(missing.items())]
    assert not report, "accepted text not shown literally on its page:\n" + "\n".join(report)


SEARCHES = {
    "onerror": "<img src=x onerror=alert(1)>",
    "javascript": "<a href=\"javascript:alert(1)\">",
    "title": "&lt;/title&gt;&lt;script&gt;",
}
"""A query and payload text its results must show literally."""


@pytest.mark.browser
def test_hostile_pages_fit_a_phone(hostile_sweep: Sweep) -> None:
    """Long names and unbroken strings the schema accepts (titles up to 200 characters)
    wrap or scroll inside their box; the page itself never scrolls sideways."""
    wide = [f"{v.path}: {v.overflow}px too wide: {'; '.join(v.wide)}"
            for v in hostile_sweep.visits.values() if v.overflow > 0]
    assert not wide, "\n".join(wide)


@pytest.mark.browser
def test_search_renders_payloads_as_text(browser: Browser, hostile_server: SiteServer) -> None:
    """Material renders search results from the index as HTML: searching words of the
    payloads must list them, as text."""
    with watched_context(browser, hostile_server, bypass_csp=True) as (context, watch):
        page = watch.attach(context.new_page())
        page.goto("")
        settle(page)
        for query, shown in SEARCHES.items():
            search(page, query)
            results = page.locator(".md-search-result__item")
            expect(results.first).to_be_visible(timeout=15_000)
            texts = " ".join(" ".join(t.split()) for t in results.all_inner_texts())
            assert shown in texts, f"searching {query!r} shows no {shown!r} as text"
            page.keyboard.press("Escape")
        assert not watch.dialogs, "\n".join(watch.dialogs)
        assert not watch.errors, "\n".join(watch.errors)


@pytest.fixture
def canary_site(clean_site: Site, tmp_path: Path) -> Iterator[tuple[Site, SiteServer]]:
    site = Site(clean_site.root, tmp_path / "site")
    shutil.copytree(clean_site.directory, site.directory)
    page = site.directory / "events" / "2021-03-03-ain-al-asad-rockets" / "index.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</article>", "<img src=x onerror=alert(1)></article>", 1),
                    encoding="utf-8")
    with serve(site.directory) as server:
        yield site, server


@pytest.mark.browser
def test_canary_fires_on_injected_handler(browser: Browser,
                                          canary_site: tuple[Site, SiteServer]) -> None:
    """Negative control: the same sweep over a site with ``<img src=x onerror=alert(1)>``
    written into one page sees the dialog on that page and the handler in its DOM."""
    site, server = canary_site
    result = sweep(browser, server, site)
    target = "events/2021-03-03-ain-al-asad-rockets/"
    assert len(result.watch.dialogs) == 1, result.watch.dialogs
    assert target in result.watch.dialogs[0] and "alert '1'" in result.watch.dialogs[0]
    assert any("onerror" in b for b in result.visits[target].live_problems)
    assert any("/briefbook/events/2021-03-03-ain-al-asad-rockets/x" in f
               for f in result.watch.failed + result.watch.errors), (
        "the listener for failed requests missed the broken image")


# --- hand-written pages ------------------------------------------------------------------

@pytest.fixture(scope="session")
def handwritten_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A hand-written page (not a record) with a hostile front-matter title and the
    payloads in its body, linked from the navigation."""
    base = tmp_path_factory.mktemp("handwritten")
    root = copy_book(FIXTURE, base / "book")
    write_handwritten_page(root)
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    config["nav"].append("about.md")
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False),
                                     encoding="utf-8")
    build(root, base / "site")
    return Site(root, base / "site")


def test_handwritten_page_holds_no_script(handwritten_site: Site,
                                          allowed: tuple[set[str], set[str]]) -> None:
    """Hand-written pages in docs/ come from the same pull requests as records; MkDocs
    passes their raw HTML and ``javascript:`` links through unless briefbook sanitises
    them."""
    site = handwritten_site
    problems = [f"{site.url_path(page)}: {problem}" for page in site.pages()
                for problem in scan_site_page(site, page, *allowed)]
    assert not problems, "\n".join(problems[:40])


@pytest.mark.browser
def test_handwritten_page_runs_no_script(browser: Browser, handwritten_site: Site) -> None:
    with serve(handwritten_site.directory) as server:
        result = sweep(browser, server, handwritten_site)
    live = [f"{v.path}: {b}" for v in result.visits.values() for b in v.live_problems]
    assert not result.watch.dialogs, "script ran:\n" + "\n".join(result.watch.dialogs)
    assert not live, "script-capable attributes in the live DOM:\n" + "\n".join(live[:30])


@pytest.mark.browser
def test_handwritten_page_title_is_text(browser: Browser, handwritten_site: Site) -> None:
    """A front-matter title is plain text: shown literally in the tab and the navigation."""
    with serve(handwritten_site.directory) as server, \
            watched_context(browser, server, bypass_csp=True) as (context, watch):
        page = watch.attach(context.new_page())
        page.goto("about/")
        page.wait_for_load_state("load")
        assert page.title().startswith(HANDWRITTEN_TITLE), page.title()
        nav = page.locator(".md-nav__link--active").first.inner_text()
        assert nav.strip() == HANDWRITTEN_TITLE
        description = page.locator('meta[name="description"]').get_attribute("content")
        assert description == HANDWRITTEN_DESCRIPTION


# --- the second layer: Content-Security-Policy ------------------------------------------

@pytest.mark.browser
def test_policy_alone_stops_injected_script(browser: Browser, clean_site: Site,
                                            tmp_path: Path) -> None:
    """Were escaping ever to fail, the page's own policy still refuses to run what was
    injected (an inline script and an event handler), while the theme's scripts run."""
    site = Site(clean_site.root, tmp_path / "site")
    shutil.copytree(clean_site.directory, site.directory)
    page_file = site.directory / "events" / "2021-03-03-ain-al-asad-rockets" / "index.html"
    text = page_file.read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in text
    injected = "<script>alert('inline')</script><img src=x onerror=alert('handler')>"
    text = text.replace("</article>", injected + "</article>", 1)
    # Outside the page's content too, where a front-matter field lands: the policy knows the
    # theme's scripts from its templates, not from where a script sits.
    text = text.replace("</head>", "<script>alert('head')</script></head>", 1)
    page_file.write_text(text, encoding="utf-8")
    with serve(site.directory) as server, \
            watched_context(browser, server) as (context, watch):
        page = watch.attach(context.new_page())
        page.goto("events/2021-03-03-ain-al-asad-rockets/")
        settle(page)
        # The theme ran: Material marks the document as scripted and builds its search box.
        assert page.evaluate("document.body.dataset.mdColorScheme !== undefined")
        assert page.locator("[data-md-component=search-query]").count() == 1
    assert watch.dialogs == []
    assert any("Content Security Policy" in e for e in watch.errors), watch.errors
