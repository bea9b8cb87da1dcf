"""Valid and accessible output: axe-core on one page of every kind briefbook generates, the
W3C Nu HTML checker and lychee (links and anchors) over the whole built site."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from .conftest import PREFIX, Site, SiteServer, settle, watched_context

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@dataclass(frozen=True)
class Waiver:
    rule: str
    selector: str
    """A regular expression matched against the node's CSS selector."""
    reason: str


AXE_WAIVERS: tuple[Waiver, ...] = ()
"""Violations that cannot be fixed from templates/theme; none so far.  Material's known
ones are fixed there: the search dialog's name (partials/search.html), the contrast of
.md-copyright and links told apart by colour alone (CSS in main.html)."""


def first(site: Site, section: str) -> str:
    """The first record page of a section, e.g. ``events/1979-.../``."""
    folders = sorted(p.parent for p in (site.directory / section).glob("*/index.html"))
    assert folders, f"no {section} pages were built"
    return folders[0].relative_to(site.directory).as_posix() + "/"


def page_kinds(site: Site) -> dict[str, str]:
    return {
        "home": "",
        "event": first(site, "events"),
        "source": first(site, "sources"),
        "actor": first(site, "actors"),
        "place": first(site, "places"),
        "option": first(site, "options"),
        "note": first(site, "notes"),
        "timeline": "timeline/",
        "responses": "timeline/responses/",
        "events index": "events/",
        "actors index": "actors/",
        "places index": "places/",
        "sources index": "sources/",
        "options index": "options/",
        "notes index": "notes/",
        "reference": "reference/",
        "not found": "no-such-page/",
    }


KINDS = ["home", "event", "source", "actor", "place", "option", "note", "timeline",
         "responses", "events index", "actors index", "places index", "sources index",
         "options index", "notes index", "reference", "not found"]


def waived(rule: str, target: str) -> bool:
    return any(w.rule == rule and re.search(w.selector, target) for w in AXE_WAIVERS)


DARK_KINDS = ["home", "event", "source", "timeline", "events index", "reference"]
"""The dark scheme is checked on the kinds that show briefbook's own styles (highlighted
passages, flags, precision notes, sortable and plain tables); its rules are the same for
the rest."""

AXE_CASES = [(kind, "default") for kind in KINDS] + [(kind, "slate") for kind in DARK_KINDS]


@pytest.mark.browser
@pytest.mark.parametrize(("kind", "scheme"), AXE_CASES,
                         ids=[f"{kind}-{scheme}" for kind, scheme in AXE_CASES])
def test_axe_finds_no_violation(browser: Browser, shipped_server: SiteServer,
                                shipped: Site, axe_js: Path, kind: str,
                                scheme: str) -> None:
    path = page_kinds(shipped)[kind]
    with watched_context(browser, shipped_server, bypass_csp=True) as (context, watch):
        page = watch.attach(context.new_page())
        page.emulate_media(color_scheme="dark" if scheme == "slate" else "light")
        page.goto(path)
        settle(page)
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == scheme
        page.add_script_tag(path=str(axe_js))
        result: dict[str, Any] = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})", AXE_TAGS)
    problems = []
    for violation in result["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            if not waived(violation["id"], target):
                problems.append(f"{violation['id']} ({violation['impact']}): {target}\n"
                                f"    {node['html'][:160]}\n    {node['failureSummary'][:300]}")
    assert not problems, f"{kind} page /{path}:\n" + "\n".join(problems)


def vnu_filtered(message: dict[str, Any]) -> bool:
    """The one known error of stock Material: it marks its drawer, search and TOC toggles
    ``<input type="checkbox" autocomplete="off">`` so that Firefox does not restore their
    state, and HTML allows ``autocomplete`` on text-like inputs only."""
    return (str(message.get("message", "")).startswith(
                "Attribute \u201cautocomplete\u201d is only allowed when the input type is")
            and 'type="checkbox"' in str(message.get("extract", "")))


def test_nu_html_checker_finds_no_error(shipped: Site, vnu: list[str]) -> None:
    result = subprocess.run(
        [*vnu, "--skip-non-html", "--errors-only", "--format", "json",
         str(shipped.directory)],
        capture_output=True, text=True, timeout=600, check=False)
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    errors = [m for m in report["messages"]
              if m.get("type") in ("error", "non-document-error")
              and not vnu_filtered(m)]
    lines = [f"{str(m.get('url', '')).split(str(shipped.directory))[-1]}:"
             f"{m.get('lastLine', '?')}: {m.get('message')} [{m.get('extract', '')!r}]"
             for m in errors]
    assert not lines, f"{len(lines)} error(s):\n" + "\n".join(lines[:60])


@pytest.fixture(scope="session")
def prefixed_site(shipped: Site, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site under a root whose layout mirrors the Pages prefix: <root>/briefbook/..."""
    root = tmp_path_factory.mktemp("prefixed")
    shutil.copytree(shipped.directory, root / PREFIX.strip("/"))
    return root


def run_lychee(lychee: str, root: Path) -> subprocess.CompletedProcess[str]:
    """lychee over ``root``/briefbook, offline, checking fragments, with directory links
    resolved to their index.html (as a web server does) and absolute links under ``root``."""
    return subprocess.run(
        [lychee, "--offline", "--include-fragments", "--no-progress", "--format", "json",
         "--index-files", "index.html", "--root-dir", str(root),
         str(root / PREFIX.strip("/"))],
        capture_output=True, text=True, timeout=300, check=False)


def test_lychee_catches_a_broken_anchor(lychee: str, tmp_path: Path) -> None:
    """Negative control: with these options lychee does look inside index.html for the
    fragment of a directory link, and resolves absolute links under the prefix."""
    site = tmp_path / PREFIX.strip("/")
    (site / "a").mkdir(parents=True)
    (site / "b").mkdir()
    (site / "a" / "index.html").write_text(
        '<a href="../b/#here">ok</a> <a href="../b/#gone">bad anchor</a> '
        '<a href="/briefbook/b/">ok</a> <a href="/briefbook/c/">bad page</a>', "utf-8")
    (site / "b" / "index.html").write_text('<p id="here">b</p>', "utf-8")
    result = run_lychee(lychee, tmp_path)
    report = json.loads(result.stdout)
    broken = sorted(str(item["url"]).removeprefix(tmp_path.as_uri())
                    for items in report.get("error_map", {}).values() for item in items)
    assert result.returncode != 0
    assert broken == ["/briefbook/b#gone", "/briefbook/c"], broken


def test_lychee_finds_no_broken_link_or_anchor(prefixed_site: Path, lychee: str) -> None:
    result = run_lychee(lychee, prefixed_site)
    assert result.stdout.strip(), result.stderr
    report = json.loads(result.stdout)
    broken = [f"{page.split(str(prefixed_site))[-1]}: {item['url']} ({item['status']})"
              for page, items in report.get("error_map", {}).items() for item in items]
    assert report.get("total", 0) > 1000, report
    assert result.returncode == 0 and not broken, "\n".join(broken[:60]) or result.stderr
