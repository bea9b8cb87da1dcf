"""The PDF briefing book of the shipped book, read back with poppler's pdfinfo and pdftotext,
and rendered to PNG (artifacts/pdf/) to be looked at."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
import yaml

from briefbook.pipeline import check

from .conftest import (
    ARTIFACTS,
    CHROMIUM,
    FIXTURE,
    REPO,
    Site,
    briefbook_command,
    build_env,
    copy_book,
    require,
)

EPOCH = 1_700_000_000  # 14 November 2023
OUT = ARTIFACTS / "pdf"


def poppler(tool: str, *args: str) -> str:
    require(tool, shutil.which(tool) is not None, "install it: apt-get install poppler-utils")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True,
                          timeout=120).stdout


def squeeze(text: str) -> str:
    """Text without white space: pdftotext breaks lines where the page did."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def book_pdf(shipped_site: Path, chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf") / "briefing-book.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "briefbook.cli", "pdf", "--site-dir", str(shipped_site),
         "-o", str(out), "--chromium", str(CHROMIUM)],
        env=build_env(SOURCE_DATE_EPOCH=str(EPOCH)), capture_output=True, text=True,
        timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"wrote .*: [0-9]+ pages, [0-9]+ contents entries \([0-9] prints\)\n",
                        result.stderr), result.stderr
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copy(out, OUT / "briefing-book.pdf")
    return out


def page_text(pdf: Path, number: int) -> str:
    return poppler("pdftotext", "-layout", "-f", str(number), "-l", str(number), str(pdf), "-")


def test_page_count_and_metadata(book_pdf: Path) -> None:
    info = dict(line.split(":", 1) for line in poppler("pdfinfo", str(book_pdf)).splitlines()
                if ":" in line)
    book = check(REPO).index.book
    pages = int(info["Pages"])
    # Every event, actor and option starts a page of its own.
    assert pages > len(book.events) + len(book.actors) + len(book.options)
    assert info["Title"].strip() == "Militia attacks on U.S. forces in Iraq, 2018–2021"
    assert "A4" in info["Page size"]


def test_cover(book_pdf: Path) -> None:
    cover = " ".join(page_text(book_pdf, 1).split())
    assert "BRIEFING BOOK" in cover
    assert "Militia attacks on U.S. forces in Iraq, 2018–2021" in cover
    assert "A briefing book on Iran-backed militia rocket attacks" in cover
    assert f"Built {dt.datetime.fromtimestamp(EPOCH, dt.UTC):%-d %B %Y}" in cover
    assert "Page " not in cover  # no running header or page number on the cover


def _contents(pdf: Path) -> dict[str, int]:
    """Each contents line's title and page number."""
    entries: dict[str, int] = {}
    for number in range(2, 8):
        text = page_text(pdf, number)
        if "Contents" not in text and not entries:
            continue
        for line in text.splitlines():
            m = re.match(r"\s*(\S.*?)\s*\.{0,}\s+([0-9]+)$", line)
            if m and "Page" not in line:
                entries[m[1].rstrip(". ")] = int(m[2])
    return entries


def test_contents_entries_give_the_page_their_heading_is_on(book_pdf: Path) -> None:
    contents = _contents(book_pdf)
    assert {"Key judgements", "Timeline", "Events", "Actors", "Options"} <= set(contents)
    first_body = 2  # the cover, then the body's page 1
    for title in ("Key judgements", "Timeline", "Rocket attack on Ain al-Asad air base",
                  "Kata'ib Hezbollah"):
        printed = contents[title]
        page = page_text(book_pdf, first_body + printed - 1)
        assert title in page, title
        # The page says its own number in the running footer.
        assert re.search(rf"Page {printed} of [0-9]+", page), page[-200:]


CHAPTERS = ("Contents", "Key judgements and notes", "Timeline", "Events", "Actors", "Options",
            "Sources")


def test_running_heads_name_the_book_and_the_chapter_and_count_every_page(
        book_pdf: Path) -> None:
    """Every page after the cover: the book's title and its chapter's name at the top, "Page N
    of M" at the foot, N counting the whole body from the contents' first page."""
    sheets = poppler("pdftotext", "-layout", str(book_pdf), "-").split("\f")[:-1]
    body = sheets[1:]
    contents = _contents(book_pdf)
    starts = [1] + [contents[c] for c in CHAPTERS[1:]]
    assert starts == sorted(starts)
    chapter_of = {number: CHAPTERS[sum(start <= number for start in starts) - 1]
                  for number in range(1, len(body) + 1)}
    wrong = []
    for number, sheet in enumerate(body, 1):
        lines = [line.strip() for line in sheet.splitlines() if line.strip()]
        head = re.fullmatch(r"Militia attacks on U\.S\. forces in Iraq, 2018–2021\s{3,}(.+)",
                            lines[0])
        foot = re.fullmatch(rf"Briefing book, built \S+\s{{3,}}Page {number} of {len(body)}",
                            lines[-1])
        if head is None or head[1] != chapter_of[number] or foot is None:
            wrong.append((number, chapter_of[number], lines[0], lines[-1]))
    assert not wrong, wrong[:5]
    assert {chapter_of[n] for n in range(1, len(body) + 1)} == set(CHAPTERS)
    assert "Page" not in sheets[0] and "Contents" not in sheets[0]  # the cover has no heads


def test_every_event_title_is_in_the_book(book_pdf: Path) -> None:
    text = squeeze(poppler("pdftotext", str(book_pdf), "-"))
    missing = [e.title for e in check(REPO).index.book.events
               if squeeze(e.title) not in text]
    assert not missing


def test_a_citation_is_an_endnote_quoting_the_passage(book_pdf: Path) -> None:
    book = check(REPO).index.book
    event = next(e for e in book.events if e.id == "2021-03-03-ain-al-asad-rocket-attack")
    contents = _contents(book_pdf)
    start = 1 + contents[event.title]
    text = squeeze(page_text(book_pdf, start) + page_text(book_pdf, start + 1))
    citation = event.citations[0]
    source = next(s for s in book.sources if s.id == citation.source.id)
    assert "Notes" in text
    # "1. The Soufan Center, 9 Mar 2021, IntelBrief: ...: “On March 3, ...”. https://..."
    note = re.search(re.escape(squeeze(source.title) + ":“") + "(.*?)”", text)
    assert note is not None, text[-1500:]
    assert squeeze(citation.quote)[:40] in note[1]
    assert f"sources/{source.id}/#q-" in text


def test_pages_rendered_for_review(book_pdf: Path) -> None:
    contents = _contents(book_pdf)
    wanted = {"cover": 1, "contents": 2, "key-judgements": 1 + contents["Key judgements"],
              "timeline": 1 + contents["Timeline"],
              "event": 1 + contents["Rocket attack on Ain al-Asad air base"],
              "event-notes": 2 + contents["Rocket attack on Ain al-Asad air base"],
              "actor": 1 + contents["Kata'ib Hezbollah"],
              "option": 1 + min(v for k, v in contents.items() if k == "Options")}
    for name, number in wanted.items():
        poppler("pdftoppm", "-png", "-r", "80", "-singlefile", "-f", str(number), "-l",
                str(number), str(book_pdf), str(OUT / name))
        assert (OUT / f"{name}.png").stat().st_size > 10_000


def test_the_print_document_links_only_inside_itself_or_to_the_site(shipped_site: Path) -> None:
    """Before printing: ids are unique, every in-document link has its target, and no
    relative link is left (it would point into the temporary folder the print is in)."""
    from briefbook.pdf import Book, site_facts

    _title, _scope, site_url = site_facts(shipped_site)
    document = Book(shipped_site, site_url).document(None, "")
    ids = re.findall(r'\bid="([^"]*)"', document)
    assert len(ids) == len(set(ids))
    hrefs = re.findall(r'<a href="([^"]*)"', document)
    internal = [h[1:] for h in hrefs if h.startswith("#")]
    assert internal and not set(internal) - set(ids), sorted(set(internal) - set(ids))[:10]
    assert all(h.startswith(("#", site_url, "https://", "http://", "mailto:")) for h in hrefs), \
        [h for h in hrefs if not h.startswith(("#", "https://", "http://"))][:10]
    assert "../" not in " ".join(re.findall(r'\bsrc="([^"]*)"', document))


def test_without_chromium_one_line_says_so(shipped_site: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "briefbook.cli", "pdf", "--site-dir", str(shipped_site),
         "-o", str(tmp_path / "x.pdf"), "--chromium", str(tmp_path / "no-chromium")],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("briefbook: error: cannot start Chromium (")
    assert result.stderr.count("\n") == 1 and not (tmp_path / "x.pdf").exists()


# --- the PDF published with the site -------------------------------------------------------

_DOWNLOAD = re.compile(r'<a href="([^"]+)" type="application/pdf">Download the briefing book '
                       r"\(PDF(?:, ([0-9]+) pages)?\)</a>")


def build_with_pdf(root: Path, site: Path, name: str,
                   engine: str = "mkdocs") -> subprocess.CompletedProcess[str]:
    """``briefbook build`` as the deploy workflow runs it: the PDF named in the environment."""
    return subprocess.run(
        briefbook_command("build", "--engine", engine, "--root", str(root), "--site-dir",
                          str(site)), cwd=root,
        env=build_env(BRIEFBOOK_PDF=name, BRIEFBOOK_CHROMIUM=str(CHROMIUM)),
        capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
def test_a_build_that_prints_the_pdf_links_it_from_the_home_page(
        engine: str, chromium: Path, tmp_path: Path) -> None:
    """MkDocs runs the plugin, which prints after the pages are written; a Zensical build
    prints before ``finish`` checks the links, the home page's to the PDF among them."""
    root = copy_book(FIXTURE, tmp_path / "book")
    site = tmp_path / "site"
    result = build_with_pdf(root, site, "the-book.pdf", engine)
    assert result.returncode == 0, result.stderr[-3000:]
    links = _DOWNLOAD.findall((site / "index.html").read_text(encoding="utf-8"))
    assert len(links) == 1, links
    href, pages = links[0]
    # The link is relative to the home page, so it works under any /<repository>/ prefix.
    target = site / urllib.parse.urlsplit(urllib.parse.urljoin("/index.html", href)).path[1:]
    assert target == site / "the-book.pdf"
    assert target.read_bytes().startswith(b"%PDF-")
    info = poppler("pdfinfo", str(target))
    assert re.search(rf"^Pages:\s+{pages}$", info, re.MULTILINE), (pages, info)
    assert "briefbook: printed the-book.pdf" in result.stderr
    # The running head names the book once, whichever engine titled the home page.
    title = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))["site_name"]
    head = page_text(target, 2).splitlines()[0]
    assert head.startswith(title) and head.count(title) == 1, head


def test_an_ordinary_build_has_no_pdf_and_no_link(clean_site: Site) -> None:
    assert "Download the briefing book" not in \
        (clean_site.directory / "index.html").read_text(encoding="utf-8")
    assert not list(clean_site.directory.rglob("*.pdf"))


def test_a_pdf_name_that_is_no_plain_file_name_stops_the_build(tmp_path: Path) -> None:
    root = copy_book(FIXTURE, tmp_path / "book")
    result = build_with_pdf(root, tmp_path / "site", "../elsewhere.pdf")
    assert result.returncode != 0
    assert "the PDF's name '../elsewhere.pdf' is not a plain file name ending in .pdf" \
        in result.stderr
    assert not (tmp_path / "site").exists() and not (tmp_path / "elsewhere.pdf").exists()


def test_a_warm_build_prints_the_pdf_again(chromium: Path, tmp_path: Path) -> None:
    """A second build keeps what did not change, but not the home page: its link to the
    PDF gets the page count of the print the build makes (here the home page is outside
    the navigation, which the warm build could otherwise keep)."""
    root = copy_book(FIXTURE, tmp_path / "book")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  - Home: index.md\n", ""),
                      encoding="utf-8")
    site = tmp_path / "site"
    for _ in range(2):
        result = build_with_pdf(root, site, "the-book.pdf")
        assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"briefbook: ([1-9]\d*) of \d+ pages kept", result.stderr), \
        result.stderr[-3000:]
    links = _DOWNLOAD.findall((site / "index.html").read_text(encoding="utf-8"))
    assert len(links) == 1 and links[0][1], links
