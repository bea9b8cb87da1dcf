"""The briefing book as one PDF, printed from the built site by headless Chromium.

The built pages' articles (the key judgements and other notes, the timeline, every event,
actor and option, the list of sources) are assembled into one print document with its own
print stylesheet: each page's ids are made unique, links between included pages become
links inside the PDF and others absolute links to the site, and every link to a source's
passage becomes an endnote of its page quoting the passage from the source's own page.
Chromium prints it twice: the first print's outline (one entry per heading) gives each
chapter's page, which the second print writes into the table of contents; the cover is
printed apart, without running header or page number, and put in front with pypdf.

The running heads are CSS page-margin boxes, not Playwright's header and footer templates:
those are one template for every page, while each chapter here is a CSS named page whose
header names it beside the book's title (``running_css``).

Playwright and pypdf are the ``pdf`` extra: only this module imports them.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import posixpath
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefbook.diagnostics import UsageProblem

MAX_PASSES = 4
"""Prints until the table of contents' numbers stop moving (they settle on the second)."""
_ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>',
                      re.DOTALL)
_EDIT_BUTTON = re.compile(r'<a href="[^"]*" title="Edit this page" class="md-content__button'
                          r'.*?</a>', re.DOTALL)
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.DOTALL)
_SOURCE_FILE = re.compile(r'<aside class="md-source-file">.*?</aside>', re.DOTALL)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL)
_HEADING = re.compile(r"<(/?)h([1-6])\b")
_ID = re.compile(r'\bid="([^"]*)"')
_LINK = re.compile(r'<a href="([^"]*)"([^>]*)>(.*?)</a>', re.DOTALL)
_SRC = re.compile(r'\bsrc="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")
_MARK = re.compile(r'<mark class="bb-cited" data-cites="([^"]*)">(.*?)</mark>', re.DOTALL)
_FACT = re.compile(r"<li><strong>(Publisher|Published):</strong> (.*?)</li>")


class PdfError(UsageProblem):
    pass


@dataclass(frozen=True)
class Chapter:
    title: str
    pages: tuple[str, ...]
    """Site paths of the pages it holds, in order (``events/<id>/``)."""
    own_page: str | None = None
    """A page whose article opens the chapter itself (the timeline)."""


@dataclass
class Section:
    """One built page in the book: where it comes from and its article, rewritten."""

    path: str
    anchor: str
    title: str = ""
    body: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Printed:
    path: Path
    pages: int
    cover_pages: int
    """Pages before the body's page 1."""
    toc: tuple[tuple[str, int], ...]
    """Each contents entry and the page number it shows."""
    passes: int


def listed_pages(site: Path, listing: str, section: str) -> tuple[str, ...]:
    """The record pages a listing page links to, in its order (its own order: by date for
    events, by name for actors)."""
    text = _article(site, listing)
    found: list[str] = []
    for href, _attrs, _label in _LINK.findall(text):
        target = _resolve(listing, href)
        if target and target.startswith(section + "/") and target.count("/") == 2 \
                and target not in found and (site / target / "index.html").is_file():
            found.append(target)
    return tuple(found)


def chapters(site: Path) -> tuple[Chapter, ...]:
    notes = listed_pages(site, "notes/", "notes")
    first = tuple(p for p in notes if p == "notes/key-judgements/")
    return tuple(c for c in (
        Chapter("Key judgements and notes", first + tuple(p for p in notes if p not in first)),
        Chapter("Timeline", (), own_page="timeline/"),
        Chapter("Events", listed_pages(site, "events/", "events")),
        Chapter("Actors", listed_pages(site, "actors/", "actors")),
        Chapter("Options", listed_pages(site, "options/", "options")),
        Chapter("Sources", (), own_page="sources/"),
    ) if c.pages or (c.own_page and (site / c.own_page / "index.html").is_file()))


def _article(site: Path, page: str) -> str:
    path = site / page / "index.html"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PdfError(f"cannot read {path}: {exc.strerror}; build the site first "
                       "(briefbook build)") from None
    m = _ARTICLE.search(text)
    if m is None:
        raise PdfError(f"{path} has no article; is it a page of a briefbook site?")
    return m.group(1)


def _resolve(page: str, href: str) -> str | None:
    """The site path (``events/x/``) a relative link of ``page`` points to, or None for an
    absolute or in-page link."""
    parts = urllib.parse.urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    target = posixpath.normpath(posixpath.join(page, parts.path))
    if target.startswith(".."):
        return None
    target = "" if target == "." else target
    return target.removesuffix("index.html") if target.endswith("index.html") else (
        target + "/" if target and not posixpath.splitext(target)[1] else target)


def _plain(fragment: str) -> str:
    return html.unescape(_TAG.sub("", fragment)).strip()


class Book:
    """The print document, assembled from a built site."""

    def __init__(self, site: Path, site_url: str) -> None:
        self.site = site
        self.site_url = site_url.rstrip("/") + "/"
        self.chapters = chapters(site)
        self.sections: dict[str, Section] = {}
        for number, page in enumerate(self._all_pages()):
            self.sections[page] = Section(page, f"s{number}")
        self._passages: dict[str, dict[str, str]] = {}
        self._source_titles: dict[str, str] = {}
        own = {c.own_page for c in self.chapters}
        for section in self.sections.values():
            self._rewrite(section, opens_chapter=section.path in own)

    def _all_pages(self) -> Iterator[str]:
        for chapter in self.chapters:
            if chapter.own_page:
                yield chapter.own_page
            yield from chapter.pages

    def entries(self) -> list[tuple[int, str, str]]:
        """The contents: (level, title, anchor) in document order, as the outline of the
        print has them (chapters level 1, their records level 2)."""
        found = []
        for number, chapter in enumerate(self.chapters):
            found.append((1, chapter.title, f"c{number}"))
            found.extend((2, self.sections[p].title, self.sections[p].anchor)
                         for p in chapter.pages)
        return found

    # --- rewriting one page ---------------------------------------------------------

    def _rewrite(self, section: Section, *, opens_chapter: bool) -> None:
        text = _article(self.site, section.path)
        for pattern in (_EDIT_BUTTON, _HEADERLINK, _SOURCE_FILE):
            text = pattern.sub("", text)
        h1 = _H1.search(text)
        section.title = _plain(h1.group(1)) if h1 else section.path
        if opens_chapter:  # the chapter's heading replaces the page's
            text = _H1.sub("", text, count=1)
        # Record pages sit one level under their chapter's heading.
        text = _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 1, 6)}", text)
        prefix = section.anchor
        text = _ID.sub(lambda m: f'id="{prefix}-{m[1]}"', text)
        text = _LINK.sub(lambda m: self._link(section, m), text)
        text = _SRC.sub(lambda m: f'src="{self._asset(section.path, m[1])}"', text)
        section.body = text

    def _link(self, section: Section, m: re.Match[str]) -> str:
        href, attrs, label = m.group(1), m.group(2), m.group(3)
        if href.startswith("#"):
            return f'<a href="#{section.anchor}-{href[1:]}"{attrs}>{label}</a>'
        target = _resolve(section.path, html.unescape(href))
        if target is None:
            return m.group(0)
        fragment = urllib.parse.urlsplit(html.unescape(href)).fragment
        if target.startswith("sources/") and target.count("/") == 2:
            return label + self._note(section, target, fragment, label)
        included = self.sections.get(target)
        if included is not None:
            inner = f"{included.anchor}-{fragment}" if fragment else included.anchor
            return f'<a href="#{inner}"{attrs}>{label}</a>'
        address = html.escape(self.site_url + target + (f"#{fragment}" if fragment else ""))
        return f'<a href="{address}"{attrs}>{label}</a>'

    def _note(self, section: Section, source: str, fragment: str, label: str) -> str:
        """An endnote marker; the note names the source and quotes the passage."""
        title = self._source_title(source)
        passage = self._passages_of(source).get(fragment, "") if fragment else ""
        address = self.site_url + source + (f"#{fragment}" if fragment else "")
        named = label if _plain(label) != title else ""
        note = ((f"{named}, " if named else "") + f"<cite>{html.escape(title)}</cite>"
                + (f": <q>{html.escape(passage)}</q>" if passage else "")
                + f'. <a class="bb-pdf-url" href="{html.escape(address)}">'
                f"{html.escape(address)}</a>")
        if note in section.notes:
            number = section.notes.index(note) + 1
        else:
            section.notes.append(note)
            number = len(section.notes)
        return (f'<sup class="bb-pdf-ref"><a href="#{section.anchor}-n{number}">{number}</a>'
                "</sup>")

    def _source_title(self, source: str) -> str:
        if source not in self._source_titles:
            h1 = _H1.search(_article(self.site, source))
            self._source_titles[source] = _plain(_HEADERLINK.sub("", h1.group(1))) \
                if h1 else source
        return self._source_titles[source]

    def _passages_of(self, source: str) -> dict[str, str]:
        """Each cited passage of a source page by its anchor: the text from the first to
        the last mark citing it (a passage overlapping another is cut into several marks,
        and the white space between them may sit outside both)."""
        if source not in self._passages:
            article = _article(self.site, source)
            spans: dict[str, tuple[int, int]] = {}
            for m in _MARK.finditer(article):
                for anchor in m.group(1).split():
                    start, _end = spans.get(anchor, (m.start(), m.end()))
                    spans[anchor] = (start, m.end())
            self._passages[source] = {a: " ".join(_plain(article[b:e]).split())
                                      for a, (b, e) in spans.items()}
        return self._passages[source]

    def _asset(self, page: str, src: str) -> str:
        target = _resolve(page, html.unescape(src))
        if target is None:
            return src
        return html.escape((self.site / target.rstrip("/")).resolve().as_uri())

    # --- the document ---------------------------------------------------------------

    def document(self, numbers: dict[str, int] | None, css: str) -> str:
        """The body of the book (contents onwards); without ``numbers`` the contents show
        placeholders as wide as real numbers, so the pages fall the same."""
        toc = []
        for level, title, anchor in self.entries():
            shown = str(numbers[anchor]) if numbers else "000"
            toc.append(f'<li class="bb-toc-{level}"><a href="#{anchor}">'
                       f'<span class="bb-toc-title">{html.escape(title)}</span>'
                       f'<span class="bb-toc-page">{shown}</span></a></li>')
        parts = [f"<style>{css}</style>",
                 '<nav class="bb-pdf-toc"><h1 class="bb-pdf-plain">Contents</h1><ol>',
                 *toc, "</ol></nav>"]
        for number, chapter in enumerate(self.chapters):
            parts.append(f'<section class="bb-pdf-chapter bb-pdf-c{number}"><h1 id="c{number}">'
                         f"{html.escape(chapter.title)}</h1>")
            if chapter.own_page:
                own = self.sections[chapter.own_page]
                parts.append(f'<div class="bb-pdf-own">{own.body}{_notes(own)}</div>')
            for page in chapter.pages:
                section = self.sections[page]
                parts.append(f'<article class="bb-pdf-page" id="{section.anchor}">'
                             f"{section.body}{_notes(section)}</article>")
            parts.append("</section>")
        return _page("".join(parts))


    def running_css(self, title: str, built: dt.date) -> str:
        """The running heads and feet: every page of the body carries the book's title and
        the page's number in the whole body ("Page 3 of 250"); each chapter is a named page
        whose header also names the chapter."""
        rules = [
            "@page {",
            f"  @top-left {{ content: {_css_string(title)}; }}",
            f"  @bottom-left {{ content: {_css_string(f'Briefing book, built {built}')}; }}",
            '  @bottom-right { content: "Page " counter(page) " of " counter(pages); } }',
            ".bb-pdf-toc { page: contents; }",
            '@page contents { @top-right { content: "Contents"; } }',
        ]
        for number, chapter in enumerate(self.chapters):
            rules.append(f".bb-pdf-c{number} {{ page: c{number}; }}")
            rules.append(f"@page c{number} {{ @top-right {{ content: "
                         f"{_css_string(chapter.title)}; }} }}")
        return "\n".join(rules) + "\n"


def _css_string(text: str) -> str:
    """A CSS string of any text: every character but letters, digits and plain
    punctuation escaped, so no quote, backslash or '</style' can end it or the element."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.:;'()-")
    return '"' + "".join(c if c in safe else f"\\{ord(c):x} " for c in text) + '"'


def _notes(section: Section) -> str:
    if not section.notes:
        return ""
    items = "".join(f'<li id="{section.anchor}-n{n}">{note}</li>'
                    for n, note in enumerate(section.notes, 1))
    return f'<aside class="bb-pdf-notes"><p>Notes</p><ol>{items}</ol></aside>'


def _page(body: str) -> str:
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Briefing book</title></head>"
            f'<body class="md-typeset">{body}</body></html>')


def cover(title: str, scope: str, built: dt.date, site_url: str, css: str) -> str:
    return _page(
        f"<style>{css}</style>"
        f'<div class="bb-pdf-cover"><p class="bb-pdf-kicker">Briefing book</p>'
        f'<p class="bb-pdf-title">{html.escape(title)}</p>'
        f'<p class="bb-pdf-scope">{html.escape(scope)}</p>'
        f'<p class="bb-pdf-built">Built {built.day} {built:%B} {built.year} from the '
        f'book at <a href="{html.escape(site_url)}">{html.escape(site_url)}</a>. Every '
        "figure and attribution is cited to an archived source; the notes at the end of "
        "each entry quote the passages.</p></div>")


def print_css(site: Path) -> str:
    own = (Path(__file__).parent / "templates" / "pdf" / "print.css").read_text("utf-8")
    # The site's own stylesheets, the pictures' included (without it their SVG shapes
    # print as black bars), then the book's.
    shared = [site / "assets" / "briefbook" / name for name in ("briefbook.css", "pictures.css")]
    return "\n".join([*(p.read_text("utf-8") for p in shared if p.is_file()), own])


# --- printing ----------------------------------------------------------------------------

def chromium_path(given: Path | None) -> str | None:
    if given is not None:
        return str(given)
    configured = os.environ.get("BRIEFBOOK_CHROMIUM")
    return configured or shutil.which("chromium") or shutil.which("chromium-browser")


def build_date() -> dt.date:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.datetime.now(tz=dt.UTC).date()


_META = re.compile(r'<meta name="description" content="([^"]*)"')
_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
_CANONICAL = re.compile(r'<link rel="canonical" href="([^"]*)"')
_SITE_NAME = re.compile(r'<div class="md-header__topic">\s*<span class="md-ellipsis">(.*?)</span>',
                        re.DOTALL)


def site_facts(site: Path) -> tuple[str, str, str]:
    """The book's title, scope and address, as its built home page states them."""
    try:
        home = (site / "index.html").read_text(encoding="utf-8")
    except OSError:
        raise PdfError(f"{site} has no index.html; build the site first (briefbook build)") \
            from None
    # The header's first topic is the site's name under Material and Zensical alike; the
    # home page's <title> is it only under Material (Zensical's is "<page> - <site>").
    title = _SITE_NAME.search(home) or _TITLE.search(home)
    scope, url = _META.search(home), _CANONICAL.search(home)
    return (" ".join(html.unescape(title.group(1)).split()) if title else "Briefing book",
            html.unescape(scope.group(1)) if scope else "",
            html.unescape(url.group(1)) if url else "")


PDF_ENV = "BRIEFBOOK_PDF"
"""The environment variable that names the PDF a build prints into the site, when the
plugin's ``pdf`` option is not set (the deploy workflow sets it; other builds print none)."""
_PDF_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.pdf")


def pdf_name(name: str) -> str:
    """The PDF's file name in the site, checked: a plain name beside the home page, so the
    home page's relative link reaches it under any prefix."""
    if not _PDF_NAME.fullmatch(name) or ".." in name:
        raise PdfError(f"the PDF's name '{name}' is not a plain file name ending in .pdf; "
                       "give one such as 'briefing-book.pdf'")
    return name


def publish(site: Path, name: str, *, chromium: Path | None = None) -> Printed:
    """Print the book into the built ``site`` as ``name``, then give the home page's link to
    it (which the home view rendered as "(PDF)") the page count: "(PDF, 251 pages)"."""
    printed = make_pdf(site, site / pdf_name(name), chromium=chromium)
    home = site / "index.html"
    text = home.read_text(encoding="utf-8")
    # The last such link: the generated section follows the hand-written text.
    link = f'<a href="{name}" type="application/pdf">Download the briefing book (PDF'
    before, found, after = text.rpartition(link + ")</a>")
    if not found:
        raise PdfError(f"{home} has no link to {name}; build the site with the PDF named "
                       f"(the plugin's 'pdf' option or ${PDF_ENV})")
    home.write_text(f"{before}{link}, {printed.pages} pages)</a>{after}", encoding="utf-8")
    return printed


def make_pdf(site: Path, out: Path, *, chromium: Path | None = None) -> Printed:
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
        from pypdf import PdfReader, PdfWriter
        from pypdf.constants import PageLabelStyle
    except ImportError:
        raise PdfError("the PDF needs the 'pdf' extra: pip install 'briefbook[pdf]'") from None
    title, scope, site_url = site_facts(site)
    book = Book(site, site_url)
    css = print_css(site)
    built = build_date()
    running = book.running_css(title, built)
    with tempfile.TemporaryDirectory(prefix="briefbook-pdf-") as tmp, sync_playwright() as pw:
        executable = chromium_path(chromium)
        try:
            browser = pw.chromium.launch(executable_path=executable,
                                         args=["--no-sandbox", "--disable-gpu"])
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no reason"
            raise PdfError(f"cannot start Chromium ({executable or 'Playwright’s own'}): "
                           f"{first}; install it (apt-get install chromium) or give "
                           "--chromium PATH") from None
        try:
            page = browser.new_page()
            # Nothing may leave the machine: the document is local, links are not followed.
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith("file:") else route.abort())

            def print_doc(document: str, name: str) -> bytes:
                path = Path(tmp) / name
                path.write_text(document, encoding="utf-8")
                page.goto(path.as_uri(), wait_until="load")
                # The page size and margins are print.css's @page rules.
                return page.pdf(print_background=True, outline=True, tagged=True,
                                prefer_css_page_size=True)

            numbers: dict[str, int] | None = None
            passes = 0
            while True:
                passes += 1
                body = print_doc(book.document(numbers, css + running), "book.html")
                found = _outline_pages(PdfReader(io.BytesIO(body)), book.entries())
                if found == numbers or passes >= MAX_PASSES:
                    break
                numbers = found
            front = print_doc(cover(title, scope, built, site_url, css), "cover.html")
        finally:
            browser.close()
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(front)), import_outline=False)
    writer.append(PdfReader(io.BytesIO(body)))
    # Viewers then show the numbers printed on the pages (and the contents'): the cover
    # is "Cover", the body counts from 1.
    covers = len(writer.pages) - len(PdfReader(io.BytesIO(body)).pages)
    writer.set_page_label(0, covers - 1, prefix="Cover")
    writer.set_page_label(covers, len(writer.pages) - 1, style=PageLabelStyle.DECIMAL, start=1)
    writer.add_metadata({"/Title": title, "/Subject": scope, "/Creator": "briefbook"})
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:
        writer.write(handle)
    entries = book.entries()
    assert numbers is not None
    return Printed(out, len(writer.pages), covers,
                   tuple((t, numbers[a]) for _level, t, a in entries), passes)


def _outline_pages(reader: object, entries: Sequence[tuple[int, str, str]]) -> dict[str, int]:
    """Each contents entry's page (counting from 1), read from the print's outline (one
    entry per heading, in document order): the entries are found in that order by their
    titles, so headings between them (a record's own sections) are passed over."""
    from pypdf import PdfReader
    from pypdf.generic import Destination

    assert isinstance(reader, PdfReader)
    flat: list[tuple[str, int]] = []

    def walk(items: Sequence[object]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            elif isinstance(item, Destination):
                number = reader.get_destination_page_number(item)
                if number is not None:
                    # Chromium drops the space where a heading's line wraps.
                    flat.append(("".join(str(item.title).split()), number + 1))

    walk(reader.outline)
    found: dict[str, int] = {}
    position = 0
    for _level, title, anchor in entries:
        wanted = "".join(title.split())
        while position < len(flat) and flat[position][0] != wanted:
            position += 1
        if position == len(flat):
            raise PdfError(f"the print's outline has no heading '{title}' where the "
                           "contents expect it")
        found[anchor] = flat[position][1]
        position += 1
    return found
