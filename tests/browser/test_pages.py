"""GitHub Pages: the site under another repository's prefix and at a custom domain, the 404
page, and each page's last change from git."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, expect

from tests.conftest import copy_book as copy_content

from .conftest import ARTIFACTS, FIXTURE, REPO, build, build_env, serve, settle, watched_context

NAME = "another-book"
"""A repository name other than the shipped site_url's, so nothing can pass by matching it."""


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "src" or (name == "href" and tag in ("a", "link"))):
                self.found.append(value)


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.found


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get_content_type()


def set_config(root: Path, **values: object) -> None:
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    for key, value in values.items():
        if key == "briefbook":
            config["plugins"] = [p for p in config["plugins"] if p != "briefbook"]
            config["plugins"].append({"briefbook": value})
        else:
            config[key] = value
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False,
                                                    allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def renamed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped book built for https://example.org/another-book/."""
    base = tmp_path_factory.mktemp("renamed")
    root = copy_content(REPO, base / "book")
    set_config(root, site_url=f"https://example.org/{NAME}/")
    build(root, base / "site")
    return base / "site"


def test_every_link_and_asset_resolves_under_another_prefix(renamed_site: Path) -> None:
    prefix = f"/{NAME}/"
    with serve(renamed_site, prefix) as server:
        start = server.origin + prefix
        # A missing page at any depth gets the 404 page, whose links must work there too.
        missing = [start + "no/such/page/", start + "events/2099-01-01-nothing/"]
        queue, seen, broken, outside = [start, *missing], set(), [], []
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            status, body, kind = fetch(url)
            if status != 200 and url not in missing:
                broken.append(f"{url} {status}")
                continue
            if kind != "text/html":
                continue
            for link in links(body.decode("utf-8")):
                target = urllib.parse.urljoin(url, link)
                parts = urllib.parse.urlsplit(target)
                if parts.scheme not in ("http", "https") or not target.startswith(
                        server.origin):
                    continue
                if not parts.path.startswith(prefix):
                    outside.append(f"{url} -> {link}")
                    continue
                queue.append(urllib.parse.urlunsplit(parts._replace(fragment="")))
        pages = [u for u in seen if u.endswith("/")]
    assert not broken, broken[:20]
    assert not outside, outside[:20]
    events = sum(1 for p in (renamed_site / "events").iterdir() if p.is_dir())
    assert len(pages) > events > 50  # the crawl reached every event page and more


def test_the_404_page_helps_and_carries_the_policy(renamed_site: Path, browser: Browser) -> None:
    page_html = (renamed_site / "404.html").read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in page_html
    with serve(renamed_site, f"/{NAME}/") as server, \
            watched_context(browser, server) as (context, watch):
        page = watch.attach(context.new_page())
        response = page.goto("deep/missing/page/")
        assert response is not None and response.status == 404
        settle(page)
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        expect(page.get_by_text("press / or S")).to_be_visible()
        (ARTIFACTS / "pages").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "pages" / "404.png", full_page=True)
        page.get_by_role("link", name="The timeline").click()
        page.wait_for_url(f"**/{NAME}/timeline/")
        settle(page)
        assert page.title().startswith("Timeline")
        # The page's own 404 status is the one failure: every asset of it loaded.
        missing = f"{server.base_url}deep/missing/page/"
        errors = [e for e in watch.errors if not e.endswith(f"(Not Found) ({missing})")]
        failed = [f for f in watch.failed if not f.endswith(f"{missing} 404")]
        assert not errors and not failed and not watch.external, (errors, failed)


def test_cname_writes_the_custom_domain(tmp_path: Path) -> None:
    root = copy_content(FIXTURE, tmp_path / "book")
    set_config(root, site_url="https://briefing.example.org/",
               briefbook={"cname": "Briefing.example.org"})
    build(root, tmp_path / "site")
    assert (tmp_path / "site" / "CNAME").read_text(encoding="ascii") == "briefing.example.org\n"
    assert 'href="/timeline/"' in (tmp_path / "site" / "404.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("site_url", "cname", "message"), [
    ("https://example.org/book/", "briefing.example.org",
     "cname is 'briefing.example.org' but site_url is 'https://example.org/book/'; set "
     "site_url: https://briefing.example.org/"),
    ("https://x.example.org/", "https://x.example.org/",
     "cname 'https://x.example.org/' is not a host name"),
])
def test_a_cname_that_cannot_work_stops_the_build(tmp_path: Path, site_url: str, cname: str,
                                                  message: str) -> None:
    root = copy_content(FIXTURE, tmp_path / "book")
    set_config(root, site_url=site_url, briefbook={"cname": cname})
    result = build(root, tmp_path / "site", check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert not (tmp_path / "site").exists()


# --- last changed -----------------------------------------------------------------------

def git(root: Path, *args: str, when: int = 0) -> str:
    stamp = f"{when} +0000"
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", "-C", str(root), "-c", "commit.gpgsign=false", *args],
                          check=True, env=env, capture_output=True, text=True).stdout.strip()


_CHANGED = re.compile(r'Last changed <time datetime="([0-9-]+)">[0-9-]+</time>'
                      r'(?: \(<a href="([^"]+)">history on GitHub</a>\))?')


def last_changed(site: Path, page: str) -> tuple[str, str | None] | None:
    m = _CHANGED.search((site / page / "index.html").read_text(encoding="utf-8"))
    return (m[1], m[2]) if m else None


@pytest.fixture
def repository(tmp_path: Path) -> Iterator[Path]:
    """The minimal book in a folder ``book`` of a git repository, committed twice."""
    repo = tmp_path / "repo"
    root = copy_content(FIXTURE, repo / "book")
    set_config(root, repo_url="https://github.com/example/briefs")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first", when=1_600_000_000)  # 2020-09-13
    actor = root / "docs" / "actors" / "iran.md"
    actor.write_text(actor.read_text(encoding="utf-8") + "\nOne more sentence.\n",
                     encoding="utf-8")
    git(repo, "commit", "-q", "-am", "second", when=1_700_000_000)  # 2023-11-14
    yield root


def test_each_page_shows_its_files_last_commit(repository: Path, tmp_path: Path) -> None:
    head = git(repository, "rev-parse", "HEAD")
    first = git(repository, "rev-parse", "HEAD~1")
    build(repository, tmp_path / "site")
    site = tmp_path / "site"
    assert last_changed(site, "actors/iran") == (
        "2023-11-14",
        f"https://github.com/example/briefs/commits/{head}/book/docs/actors/iran.md")
    event = next((repository / "events").rglob("*.yaml"))
    assert last_changed(site, f"events/{event.stem}") == (
        "2020-09-13", f"https://github.com/example/briefs/commits/{first}/book/"
        f"{event.relative_to(repository).as_posix()}")
    assert last_changed(site, "notes/overview") is not None
    # An uncommitted edit changes neither date nor link: the build is the commit's.
    event.write_text(event.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    build(repository, tmp_path / "again")
    assert last_changed(tmp_path / "again", f"events/{event.stem}") == last_changed(
        site, f"events/{event.stem}")


def test_outside_git_no_date_is_invented(tmp_path: Path) -> None:
    root = copy_content(FIXTURE, tmp_path / "book")
    env = build_env(GIT_CEILING_DIRECTORIES=str(tmp_path))
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "briefbook.cli", "build", "--root", str(root),
                    "--site-dir", str(site)], cwd=root, env=env, check=True,
                   capture_output=True, timeout=300)
    assert last_changed(site, "actors/iran") is None
