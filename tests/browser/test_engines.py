"""The shipped book on the other engines, each built the supported way by ``briefbook build
--engine``: ProperDocs (a MkDocs 1.x fork) runs the plugin unchanged; Zensical runs no
third-party plugin, so it builds the tree ``briefbook render`` writes and ``briefbook finish``
adds the protections.  On each: every record page, the policy on every page, no script the
theme did not produce, no broken link, and a citation that lands on its passage.  Hostile
hand-written pages stay inert under Zensical too."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from .conftest import (
    FIXTURE,
    HANDWRITTEN_DESCRIPTION,
    HANDWRITTEN_TITLE,
    LIVE_DOM_CHECK,
    PREFIX,
    Site,
    briefbook_command,
    build_env,
    copy_book,
    scan_site_page,
    serve,
    settle,
    theme_scripts,
    theme_styles,
    watched_context,
    write_handwritten_page,
)
from .test_validity import run_lychee

REPO = Path(__file__).resolve().parents[2]
ENGINES = ("properdocs", "zensical")


def engine_build(root: Path, site: Path, engine: str) -> None:
    result = subprocess.run(
        briefbook_command("build", "--engine", engine, "--root", str(root),
                          "--site-dir", str(site)),
        cwd=root, env=build_env(), capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    if engine == "properdocs":
        assert "briefbook: checked" in result.stderr, "ProperDocs did not run the plugin"


def shipped_copy(base: Path) -> Path:
    root = copy_book(REPO, base / "book", shipped_theme=False)
    for name in ("site", ".venv", "node_modules", ".git", "artifacts", "tests"):
        shutil.rmtree(root / name, ignore_errors=True)
    return root


@pytest.fixture(scope="module", params=ENGINES)
def engine_sites(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Site, Site]:
    """(engine, the shipped book built with it, the minimal book built with it: the
    baseline of what that engine's theme writes when the content is harmless)."""
    engine = str(request.param)
    base = tmp_path_factory.mktemp(engine)
    shipped = Site(shipped_copy(base), base / "site")
    engine_build(shipped.root, shipped.directory, engine)
    clean = Site(copy_book(FIXTURE, base / "clean-book", shipped_theme=True), base / "clean")
    engine_build(clean.root, clean.directory, engine)
    return engine, shipped, clean


def record_pages(site: Path) -> set[str]:
    return {p.parent.relative_to(site).as_posix() for p in site.glob("*/*/index.html")
            if p.parent.parent.name in ("events", "actors", "places", "sources", "options",
                                        "notes")}


def test_every_record_page_exists(engine_sites: tuple[str, Site, Site], shipped: Site) -> None:
    _, site, _ = engine_sites
    mkdocs_pages = record_pages(shipped.directory)
    assert len(mkdocs_pages) > 150
    assert record_pages(site.directory) == mkdocs_pages


def test_every_page_carries_the_policy(engine_sites: tuple[str, Site, Site]) -> None:
    _, site, _ = engine_sites
    pages = site.pages()
    missing = [p.relative_to(site.directory).as_posix() for p in pages
               if 'http-equiv="Content-Security-Policy"' not in p.read_text(encoding="utf-8")]
    assert len(pages) > 150 and not missing, missing[:20]


def test_every_edit_link_opens_the_file_the_page_came_from(
        engine_sites: tuple[str, Site, Site]) -> None:
    _, site, _ = engine_sites
    edit = re.compile(r'href="https://github\.com/briefbook/briefbook/edit/main/([^"]+)"')
    targets = {page.relative_to(site.directory).as_posix(): edit.findall(page.read_text())
               for page in site.pages()}
    linked = {page: found for page, found in targets.items() if found}
    assert len(linked) > 150, f"only {len(linked)} pages have an edit link"
    missing = [f"{page}: {path}" for page, found in linked.items() for path in found
               if not (site.root / path).is_file()]
    assert not missing, "\n".join(missing[:20])


def test_static_scan_is_clean(engine_sites: tuple[str, Site, Site]) -> None:
    _, site, clean = engine_sites
    allowed = theme_scripts(clean), theme_styles(clean)
    problems = [f"{site.url_path(page)}: {problem}" for page in site.pages()
                for problem in scan_site_page(site, page, *allowed)]
    assert not problems, "\n".join(problems[:40])


def test_no_broken_link_or_anchor(engine_sites: tuple[str, Site, Site], lychee: str,
                                  tmp_path: Path) -> None:
    _, site, _ = engine_sites
    shutil.copytree(site.directory, tmp_path / PREFIX.strip("/"))
    result = run_lychee(lychee, tmp_path)
    report = json.loads(result.stdout)
    broken = [f"{page}: {item['url']}" for page, items in report.get("error_map", {}).items()
              for item in items]
    assert report.get("total", 0) > 1000, report
    assert result.returncode == 0 and not broken, "\n".join(broken[:40])


@pytest.mark.browser
def test_a_citation_lands_on_its_highlighted_passage(engine_sites: tuple[str, Site, Site],
                                                     browser: Browser) -> None:
    _, site, _ = engine_sites
    with serve(site.directory) as server, \
            watched_context(browser, server) as (context, watch):
        page = watch.attach(context.new_page())
        page.goto("events/2021-02-15-erbil-rocket-attack/")
        settle(page)
        link = page.locator("article a[href*='sources/'][href*='#q-']").first
        anchor = (link.get_attribute("href") or "").split("#", 1)[1]
        link.click()
        page.wait_for_url(re.compile(rf"/sources/[^/]+/#{anchor}$"))
        settle(page)
        cites = page.evaluate("""() => {
          const t = document.querySelector(':target');
          const mark = t && (t.matches('mark.bb-cited') ? t : t.nextElementSibling);
          return mark && mark.matches('mark.bb-cited') ? mark.dataset.cites : null;
        }""")
        assert cites is not None and anchor in str(cites).split()
    assert not watch.problems(), "\n".join(watch.problems())


# --- hostile hand-written pages under Zensical ---------------------------------------

@pytest.fixture(scope="module")
def zensical_handwritten(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, Site]:
    """(a book with a hostile hand-written page built by Zensical, its clean baseline)."""
    base = tmp_path_factory.mktemp("zensical-handwritten")
    root = copy_book(FIXTURE, base / "book")
    write_handwritten_page(root)
    engine_build(root, base / "site", "zensical")
    clean = Site(copy_book(FIXTURE, base / "clean-book"), base / "clean")
    engine_build(clean.root, clean.directory, "zensical")
    return Site(root, base / "site"), clean


def test_zensical_handwritten_page_holds_no_script(
        zensical_handwritten: tuple[Site, Site]) -> None:
    site, clean = zensical_handwritten
    allowed = theme_scripts(clean), theme_styles(clean)
    about = site.directory / "about" / "index.html"
    assert about.is_file()
    problems = [f"{site.url_path(page)}: {problem}" for page in site.pages()
                for problem in scan_site_page(site, page, *allowed)]
    assert not problems, "\n".join(problems[:40])


@pytest.mark.browser
def test_zensical_handwritten_page_runs_no_script(zensical_handwritten: tuple[Site, Site],
                                                  browser: Browser) -> None:
    """With the policy bypassed, so the escaping and sanitising are proven on their own."""
    site, _ = zensical_handwritten
    problems: list[str] = []
    with serve(site.directory) as server, \
            watched_context(browser, server, bypass_csp=True) as (context, watch):
        page = watch.attach(context.new_page())
        for path in ("about/", "", "events/2021-03-03-ain-al-asad-rockets/"):
            page.goto(path)
            page.wait_for_load_state("load")
            problems += [f"{path}: {bad}" for bad in page.evaluate(LIVE_DOM_CHECK)["bad"]]
        page.goto("about/")
        assert page.title().startswith(HANDWRITTEN_TITLE), page.title()
        description = page.locator('meta[name="description"]').get_attribute("content")
        assert description == HANDWRITTEN_DESCRIPTION
    assert not watch.dialogs, "script ran:\n" + "\n".join(watch.dialogs)
    assert not problems, "\n".join(problems[:30])
    text = (site.directory / "about" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert('description')" not in text
