"""The shipped book on another engine: ProperDocs (a MkDocs 1.x fork) runs the briefbook
plugin unchanged, so its site must hold every record page, the policy on every page, no
script the theme did not produce, no broken link, and citations that land on their passage."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from .conftest import (
    PREFIX,
    SOURCE_DATE_EPOCH,
    Site,
    copy_book,
    scan_site_page,
    serve,
    settle,
    theme_scripts,
    theme_styles,
    watched_context,
)
from .test_validity import run_lychee

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def properdocs_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    base = tmp_path_factory.mktemp("properdocs")
    root = copy_book(REPO, base / "book", shipped_theme=False)
    for name in ("site", ".venv", "node_modules", ".git", "artifacts", "tests"):
        shutil.rmtree(root / name, ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    result = subprocess.run(
        [sys.executable, "-m", "properdocs", "build", "--strict", "-d", str(base / "site")],
        cwd=root, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "briefbook: checked" in result.stderr, "ProperDocs did not run the plugin"
    return Site(root, base / "site")


def record_pages(site: Path) -> set[str]:
    return {p.parent.relative_to(site).as_posix() for p in site.glob("*/*/index.html")
            if p.parent.parent.name in ("events", "actors", "places", "sources", "options",
                                        "notes")}


def test_every_record_page_exists(properdocs_site: Site, shipped: Site) -> None:
    mkdocs_pages = record_pages(shipped.directory)
    assert len(mkdocs_pages) > 150
    assert record_pages(properdocs_site.directory) == mkdocs_pages


def test_every_page_carries_the_policy(properdocs_site: Site) -> None:
    pages = properdocs_site.pages()
    missing = [p.relative_to(properdocs_site.directory).as_posix() for p in pages
               if 'http-equiv="Content-Security-Policy"' not in p.read_text(encoding="utf-8")]
    assert len(pages) > 150 and not missing, missing[:20]


def test_static_scan_is_clean(properdocs_site: Site, clean_site: Site) -> None:
    allowed = theme_scripts(clean_site), theme_styles(clean_site)
    problems = [f"{properdocs_site.url_path(page)}: {problem}"
                for page in properdocs_site.pages()
                for problem in scan_site_page(properdocs_site, page, *allowed)]
    assert not problems, "\n".join(problems[:40])


def test_no_broken_link_or_anchor(properdocs_site: Site, lychee: str,
                                  tmp_path: Path) -> None:
    shutil.copytree(properdocs_site.directory, tmp_path / PREFIX.strip("/"))
    result = run_lychee(lychee, tmp_path)
    report = json.loads(result.stdout)
    broken = [f"{page}: {item['url']}" for page, items in report.get("error_map", {}).items()
              for item in items]
    assert report.get("total", 0) > 1000, report
    assert result.returncode == 0 and not broken, "\n".join(broken[:40])


@pytest.mark.browser
def test_a_citation_lands_on_its_highlighted_passage(properdocs_site: Site,
                                                     browser: Browser) -> None:
    with serve(properdocs_site.directory) as server, \
            watched_context(browser, server) as (context, watch):
        page = watch.attach(context.new_page())
        page.goto("events/2021-02-15-erbil-rocket-attack/")
        settle(page)
        link = page.locator("a[href*='sources/'][href*='#q-']").first
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
