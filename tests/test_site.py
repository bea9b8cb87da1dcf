"""Real MkDocs builds of fixture books and of the shipped book, checked in the HTML."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag

from briefbook.cli import main
from briefbook.render import HOME_MARK
from tests.conftest import REPO, assert_clean_build, mkdocs_build

pytestmark = pytest.mark.slow


def soup(site: Path, url_path: str) -> BeautifulSoup:
    return BeautifulSoup((site / url_path / "index.html").read_text(encoding="utf-8"),
                         "html.parser")


def content(page: BeautifulSoup) -> Tag:
    article = page.find("article")
    assert isinstance(article, Tag)
    return article


def resolve(site: Path, page_url: str, href: str) -> tuple[Path, str]:
    """The built file a relative link on ``page_url`` points at, and its fragment."""
    target = urlsplit(urljoin(f"http://book/{page_url}", href))
    path = site / target.path.lstrip("/")
    if target.path.endswith("/"):
        path = path / "index.html"
    return path, target.fragment


def test_every_record_has_its_stable_url(minimal_site: Path) -> None:
    for url in ["events/2021-03-03-ain-al-asad-rockets", "actors/kataib-hezbollah",
                "places/ain-al-asad", "sources/brief-a", "options/strike-back-harder",
                "notes/overview", "timeline", "timeline/responses", "events", "actors",
                "sources", "options", "notes", "places", "reference"]:
        assert (minimal_site / url / "index.html").is_file(), url


def test_disagreeing_sources_are_flagged_with_each_figure(minimal_site: Path) -> None:
    page = content(soup(minimal_site, "events/2020-01-08-ain-al-asad-missile-strike"))
    flag = page.select_one(".bb-disagree")
    assert flag is not None and "Sources disagree" in flag.get_text()
    assert "wounded" in flag.get_text()
    cells = [td.get_text(strip=True) for td in page.select("table td")]
    assert "over 100" in cells and "up to 110" in cells


def test_agreeing_figures_raise_no_flag(minimal_site: Path) -> None:
    page = content(soup(minimal_site, "events/2021-03-03-ain-al-asad-rockets"))
    assert page.select_one(".bb-disagree") is None  # "10" and "at least 10" agree on 10


def test_attribution_tracks_are_kept_apart(minimal_site: Path) -> None:
    page = content(soup(minimal_site, "events/2021-03-03-ain-al-asad-rockets"))
    headings = [h.get_text(strip=True).rstrip("¶") for h in page.find_all("h3")]
    assert headings == ["Officially attributed"]
    assessed = content(soup(minimal_site, "events/2021-02-25-us-strikes-in-syria"))
    text = assessed.get_text(" ", strip=True)
    assert "Assessed" in text and "moderate confidence" in text


def test_responses_link_both_ways_with_lag(minimal_site: Path) -> None:
    attack = content(soup(minimal_site, "events/2021-03-03-ain-al-asad-rockets"))
    strike = content(soup(minimal_site, "events/2021-02-25-us-strikes-in-syria"))
    assert "6 days earlier" in attack.get_text(" ")
    assert "6 days later" in strike.get_text(" ")
    assert strike.find("a", href="../2021-03-03-ain-al-asad-rockets/") is not None
    # The militia's rockets answer the strike, but are no U.S. response: on the cycles page
    # they are an attack no U.S. response answered, 6 days after the previous one.
    responses = content(soup(minimal_site, "timeline/responses"))
    row = [li for li in responses.select("li") if "Rockets on Ain" in li.get_text()]
    assert row and row[0].get_text(" ", strip=True).endswith(
        "since the previous U.S. response, U.S. strikes militia warehouses in Syria : 6 days")


def _quote_links(site: Path) -> list[tuple[str, str]]:
    links = []
    for html_file in sorted((site / "events").glob("*/index.html")):
        page_url = html_file.parent.relative_to(site).as_posix() + "/"
        page = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")
        for a in content(page).select('a[href*="sources/"]'):
            href = str(a["href"])
            if "#q-" in href:
                links.append((page_url, href))
    return links


@pytest.mark.parametrize("site_name", ["minimal_site", "shipped_site"])
def test_every_citation_lands_on_a_highlighted_passage_that_cites_back(
        site_name: str, request: pytest.FixtureRequest) -> None:
    site: Path = request.getfixturevalue(site_name)
    links = _quote_links(site)
    assert links
    pages: dict[Path, BeautifulSoup] = {}
    for page_url, href in links:
        path, fragment = resolve(site, page_url, href)
        page = pages.setdefault(path, BeautifulSoup(path.read_text(encoding="utf-8"),
                                                    "html.parser"))
        anchor = page.find(id=fragment)
        assert isinstance(anchor, Tag), (page_url, href)
        mark = anchor.find_next_sibling(lambda tag: "bb-anchor" not in tag.get("class", []))
        assert isinstance(mark, Tag) and mark.name == "mark", (page_url, href)
        assert fragment in str(mark.get("data-cites", "")).split()
        event_id = page_url.rstrip("/").split("/")[-1]
        cited_by = [str(a["href"]) for a in page.select("article a[href]")]
        assert f"../../events/{event_id}/" in cited_by, (page_url, href)


def test_imprecise_and_derived_dates_show_their_precision(shipped_site: Path) -> None:
    found = {"season only": False, "month only": False, "derived": False}
    for html_file in sorted((shipped_site / "events").glob("*/index.html")):
        text = html_file.read_text(encoding="utf-8")
        for label in found:
            if '<span class="bb-precision">(' in text and label in text:
                found[label] = True
    assert all(found.values()), found


def test_editor_notes_are_boxed_apart_from_the_sourced_text(shipped_site: Path) -> None:
    page = content(soup(shipped_site, "events/2020-01-irgc-shoots-down-civilian-airliner"))
    box = page.select_one("aside.bb-editor-note")
    assert box is not None
    heading = box.find("h2")
    assert heading is not None and "public record" in heading.get_text(" ", strip=True)
    assert "Flight 752" in box.get_text(" ")
    summary = page.select_one(".bb-prose")
    assert summary is not None and summary.find_parent("aside") is None
    assert "Flight 752" not in summary.get_text(" ")  # the outside fact stays in the box
    relation = content(soup(shipped_site, "actors/us-department-of-defense"))
    assert "editor’s note, public record" in relation.get_text(" ")


def test_methodology_shows_the_estimative_table_the_checker_reads(shipped_site: Path) -> None:
    page = content(soup(shipped_site, "notes/methodology"))
    rows = {tuple(td.get_text(strip=True) for td in tr.find_all("td"))
            for tr in page.find_all("tr")}
    assert {("“likely”", "moderate"), ("“little doubt”", "high"),
            ("“highly likely”", "high"), ("“presumably”", "low")} <= rows


def test_timeline_reads_in_month_order_without_javascript(shipped_site: Path) -> None:
    page = content(soup(shipped_site, "timeline"))
    # Every month heading, foreground and folded background alike, in calendar order: an
    # event dated to a span sits at the month its span starts and never breaks the order.
    months = [str(h["id"]) for h in page.select(".bb-tl-month > [id^='m-']")]
    assert months == sorted(months) and len(months) == len(set(months))
    years = [str(s["data-year"]) for s in page.select("section.bb-tl-year")]
    assert years == sorted(years) and {"2019", "2020", "2021"} <= set(years)
    items = page.select("ul.bb-timeline li a")
    events = list((shipped_site / "events").glob("*/index.html"))
    assert len(items) == len(events)
    # The deep background is folded, the rest open; the form waits for the script.
    background = page.select_one("details.bb-tl-background")
    assert background is not None and not background.has_attr("open")
    assert {str(s["data-year"]) for s in background.select("section.bb-tl-year")} == {
        y for y in years if int(y) < 2018}
    form = page.select_one("form.bb-filters")
    assert form is not None and form.has_attr("hidden")
    whens = {li.a.get_text(): li.select(".bb-tl-when")[0].get_text()
             for li in page.select("li.bb-tl-item") if li.a is not None}
    assert whens["U.S. draws down its contingent in Iraq (2020)"] == "some time in 2020"
    assert not any(w.endswith("?") for w in whens.values())


def test_edit_link_opens_the_file_the_page_came_from(minimal_site: Path) -> None:
    event = soup(minimal_site, "events/2021-03-03-ain-al-asad-rockets")
    edit = event.select_one("a.md-content__button[href*='/edit/']")
    assert edit is not None
    assert edit["href"] == ("https://github.com/example/minimal/edit/main/events/2021/"
                            "2021-03-03-ain-al-asad-rockets.yaml")
    actor = soup(minimal_site, "actors/kataib-hezbollah")
    edit = actor.select_one("a.md-content__button[href*='/edit/']")
    assert edit is not None
    assert str(edit["href"]).endswith("/edit/main/docs/actors/kataib-hezbollah.md")
    listing = soup(minimal_site, "timeline")
    assert listing.select_one("a.md-content__button[href*='/edit/']") is None


def test_record_pages_stay_out_of_the_navigation(shipped_site: Path) -> None:
    page = soup(shipped_site, "events/2021-02-15-erbil-rocket-attack")
    nav_links = page.select("nav.md-nav--primary a.md-nav__link")
    assert not [a for a in nav_links if "/events/20" in str(a.get("href", ""))]
    assert len(nav_links) < 30


def test_no_request_leaves_the_site(shipped_site: Path) -> None:
    for html_file in shipped_site.rglob("*.html"):
        text = html_file.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, html_file
        for m in re.finditer(r'<(?:script|img|link|iframe)\b[^>]*\b(?:src|href)="(https?:)?//',
                             text):
            tag = m.group(0)
            assert 'rel="canonical"' in tag or "<link" not in tag or "canonical" in tag, tag


def test_actor_pages_group_events_by_role_and_list_mentions(minimal_site: Path) -> None:
    page = content(soup(minimal_site, "actors/kataib-hezbollah"))
    text = page.get_text(" ", strip=True)
    assert "Carried out (1)" in text and "Officially attributed to it (1)" in text
    assert "Targeted (1)" in text and "Assessed responsible (1)" in text
    assert "Sources that mention it" in text
    iran = content(soup(minimal_site, "actors/iran")).get_text(" ", strip=True)
    assert "Sponsors Kata" in iran  # the relation, seen from the other side


def test_content_errors_stop_the_build_with_the_checkers_message(minimal_book: Path,
                                                                 tmp_path: Path) -> None:
    event = minimal_book / "events/2021/2021-03-03-ain-al-asad-rockets.yaml"
    event.write_text(event.read_text().replace("type: rocket attack", "type: rocket atack"))
    result = mkdocs_build(minimal_book, tmp_path / "site")
    assert result.returncode != 0
    expected = ("events/2021/2021-03-03-ain-al-asad-rockets.yaml:4:7: error: unknown type "
                "'rocket atack'; did you mean 'rocket attack'?")
    assert expected in result.stderr
    assert not (tmp_path / "site" / "index.html").exists()


def test_render_command_writes_the_plugins_pages(minimal_book: Path, tmp_path: Path) -> None:
    from mkdocs.config import load_config
    from mkdocs.structure.files import Files

    config = load_config(str(minimal_book / "mkdocs.yml"))
    config = config.plugins.on_config(config)
    files = config.plugins.on_files(Files([]), config=config)
    from_plugin = {f.src_uri: f.content_string for f in files if f.generated_by}
    out = tmp_path / "rendered"
    assert main(["render", str(out), "--engine", "mkdocs", "--root", str(minimal_book)]) == 0
    # Bytes decoded, not read as text: the CSV and the calendar keep their CRLF line ends.
    from_command = {p.relative_to(out / "docs").as_posix(): p.read_bytes().decode("utf-8")
                    for p in (out / "docs").rglob("*") if p.is_file()}
    assert {path: from_command.get(path) for path in from_plugin} == from_plugin
    assert len([p for p in from_plugin if p.endswith(".md")]) > 15
    assert "assets/briefbook/briefbook.css" in from_command
    # The hand-written page, fenced for `briefbook finish` to sanitise once built.
    # Its generated section follows the fence, as the plugin appends it.
    written, mark, section = from_command["index.md"].rpartition(HOME_MARK)
    assert mark and "## The book at a glance" in section
    fenced = written.rstrip("\n").splitlines()
    assert fenced[0].startswith("<!-- briefbook:handwritten:")
    assert "\n".join(fenced[2:-2]) == (minimal_book / "docs/index.md").read_text().rstrip()


def test_rendered_tree_builds_with_plain_mkdocs(minimal_book: Path, tmp_path: Path) -> None:
    """Another engine's path: the rendered tree holds everything, configuration included."""
    out = tmp_path / "plain"
    assert main(["render", str(out), "--root", str(minimal_book)]) == 0
    import yaml

    config = yaml.safe_load((out / "mkdocs.yml").read_text())
    assert config["plugins"] == ["search"] and config["docs_dir"] == "docs"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"],
                            cwd=out, capture_output=True, text=True,
                            timeout=300, env={"NO_MKDOCS_2_WARNING": "1", "PATH": ""})
    assert_clean_build(result)
    assert (out / "site/events/2021-03-03-ain-al-asad-rockets/index.html").is_file()
    assert main(["render", str(out), "--root", str(minimal_book)]) == 0  # the site stays
    assert (out / "site/events/2021-03-03-ain-al-asad-rockets/index.html").is_file()


def test_render_never_overwrites_a_file_it_did_not_write(minimal_book: Path,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "mixed"
    (out / "docs" / "events").mkdir(parents=True)
    mine = out / "docs" / "events" / "index.md"
    mine.write_bytes(b"# An analyst's own page\n\nnot to be lost\n")
    before = mine.read_bytes()
    assert main(["render", str(out), "--root", str(minimal_book)]) == 2
    assert mine.read_bytes() == before
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == ["index.md"]
    docs = minimal_book / "docs"
    snapshot = {p: p.read_bytes() for p in docs.rglob("*") if p.is_file()}
    assert main(["render", str(docs), "--root", str(minimal_book)]) == 2
    assert {p: p.read_bytes() for p in docs.rglob("*") if p.is_file()} == snapshot


def test_render_never_follows_a_link_out_of_its_folder(minimal_book: Path,
                                                      tmp_path: Path) -> None:
    """A folder of an earlier render replaced by a link elsewhere: the next render must not
    write or delete through it."""
    out = tmp_path / "linked"
    assert main(["render", str(out), "--root", str(minimal_book)]) == 0
    victim = tmp_path / "victim"
    shutil.move(out / "docs" / "events", victim)
    (out / "docs" / "events").symlink_to(victim, target_is_directory=True)
    (victim / "2021-03-03-ain-al-asad-rockets.md").write_text("someone else's\n")
    before = {p.name: p.read_bytes() for p in victim.iterdir()}
    assert main(["render", str(out), "--root", str(minimal_book)]) == 2
    assert {p.name: p.read_bytes() for p in victim.iterdir()} == before


def test_render_again_removes_pages_of_deleted_records(minimal_book: Path,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "again"
    events = minimal_book / "events" / "2021"
    extra = events / "2021-03-03-ain-al-asad-again.yaml"
    extra.write_text((events / "2021-03-03-ain-al-asad-rockets.yaml").read_text()
                     .replace("title: Rockets on Ain al-Asad", "title: Rockets again"))
    assert main(["render", str(out), "--root", str(minimal_book)]) == 0
    page = out / "docs" / "events" / "2021-03-03-ain-al-asad-again.md"
    assert page.is_file()
    extra.unlink()
    assert main(["render", str(out), "--root", str(minimal_book)]) == 0
    assert not page.exists()
    assert (out / "docs" / "events" / "index.md").is_file()


def test_shipped_book_builds_with_zero_warnings(shipped_site: Path) -> None:
    assert (shipped_site / "index.html").is_file()
    assert (shipped_site / "search" / "search_index.json").is_file()


def test_make_site_configuration_reports_broken_links_and_anchors() -> None:
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    for option in ("absolute_links: warn", "unrecognized_links: warn", "anchors: warn"):
        assert option in config


def test_search_indexes_what_readers_look_for_and_skips_repeats(shipped_site: Path) -> None:
    import json

    index = json.loads((shipped_site / "search/search_index.json").read_text(encoding="utf-8"))
    docs = index["docs"]
    titles = {d["title"] for d in docs}
    assert "Cited by" not in titles and "Answered by" not in titles
    assert not [d for d in docs if d["location"].startswith(("timeline/", "events/#"))]
    erbil = [d for d in docs if d["location"].startswith("events/2021-02-15-erbil-rocket-attack/")]
    assert "Summary" in {d["title"] for d in erbil}
    # The card's "Who is blamed" lines keep every attribution track findable, so the
    # section that sets them out again is left out.
    assert "Who is responsible" not in {d["title"] for d in erbil}
    card = next(d["text"] for d in erbil if "#" not in d["location"])
    assert "Claimed by Awliya Al Dam" in card and "Asa'ib Ahl al-Haq" in card
    kh = " ".join(d["text"] for d in docs if d["location"].startswith("actors/kataib-hezbollah/"))
    assert "Katai" in kh  # every spelling the sources use stays findable


def test_a_hostile_first_heading_stays_text_in_title_and_nav(minimal_book: Path,
                                                            tmp_path: Path) -> None:
    """Without briefbook's theme override too: Material's `striptags` revives entities."""
    (minimal_book / "docs/about.md").write_text(
        "# &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;\n\nText.\n")
    config = minimal_book / "mkdocs.yml"
    config.write_text(config.read_text().replace("  - Home: index.md",
                                                 "  - Home: index.md\n  - about.md"))
    result = mkdocs_build(minimal_book, tmp_path / "site")
    assert_clean_build(result)
    page = (tmp_path / "site/about/index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    title = page[page.index("<title>"):page.index("</title>")]
    assert "&lt;script&gt;" in title


def _png() -> bytes:
    """A real one-pixel PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0\x33\x66\x99")) + chunk(b"IEND", b""))


def test_book_images_are_published_and_a_script_file_stops_the_build(minimal_book: Path,
                                                                     tmp_path: Path) -> None:
    from tests.test_loading import CLEAN_SVG

    images = minimal_book / "docs/images"
    images.mkdir()
    (images / "chart.svg").write_text(CLEAN_SVG, encoding="utf-8")
    (images / "dot.png").write_bytes(_png())
    site = tmp_path / "site"
    assert_clean_build(mkdocs_build(minimal_book, site))
    assert (site / "images/chart.svg").read_text(encoding="utf-8") == CLEAN_SVG
    assert (site / "images/dot.png").read_bytes() == _png()

    (minimal_book / "docs/about.html").write_text("<script>alert(1)</script>\n")
    (images / "up").symlink_to("..", target_is_directory=True)  # MkDocs would follow it
    result = mkdocs_build(minimal_book, site)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "docs/about.html:1:1: error: '.html' files are not allowed under docs/" in result.stderr
    assert "docs/images/up:1:1: error: symbolic link loop" in result.stderr
    # Refused before MkDocs cleaned the site folder: the previous site is still whole.
    assert not (site / "about.html").exists()
    assert (site / "images/dot.png").read_bytes() == _png()


def test_the_data_exports_and_feeds_are_published_with_the_site(shipped_site: Path) -> None:
    import json

    import feedparser  # type: ignore[import-untyped]

    data = shipped_site / "data"
    events = json.loads((data / "events.json").read_text(encoding="utf-8"))
    shown = {p.parent.name for p in (shipped_site / "events").glob("*/index.html")}
    assert {e["id"] for e in events["events"]} == shown
    feed = feedparser.parse(str(data / "feeds" / "events.xml"))
    assert not feed.bozo and feed.entries
    # Every page advertises the events feed, an actor's page its own too, and both resolve.
    page = soup(shipped_site, "actors/kataib-hezbollah/")
    hrefs = [str(link["href"]) for link in page.select('head link[rel~="alternate"]')]
    assert len(hrefs) == 2, hrefs
    for href in hrefs:
        target, _ = resolve(shipped_site, "actors/kataib-hezbollah/", href)
        assert target.is_file(), href
        assert not feedparser.parse(str(target)).bozo
    # The data page links each file, relative to itself, so it works offline and under any
    # address the site is served from.
    listed = {str(a["href"]) for a in content(soup(shipped_site, "data/")).select("a[href]")}
    for name in ("events.json", "events.csv", "events.geojson", "events.ics", "actors.json",
                 "sources.json", "events.schema.json"):
        assert any(h.endswith(name) and not h.startswith("http") for h in listed), name
        assert (data / name).is_file()
