"""Stage 4, render: turn the index into Markdown pages through Jinja templates.

Content is untrusted, and the pages are Markdown that MkDocs turns into HTML, so every value
a template inserts goes through one of two doors:

* ``md`` escapes every ASCII punctuation character to a character reference: the text can
  neither start Markdown syntax (headings, tables, links, attribute lists) nor HTML.
* ``prose`` renders analyst Markdown with its own converter, resolves ``[[kind:id]]``
  references, and sanitises the HTML with an allow-list (nh3), so links can only be http(s),
  mailto or relative, and no script, handler or style survives.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import re
import string
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import markdown
import nh3

from briefbook import kinds, model, views
from briefbook.diagnostics import working_on
from briefbook.index import Index, Quoted
from briefbook.memo import Dependency, PageMemo, Rendered, template_stamp
from briefbook.model import REFERENCE
from briefbook.pipeline import collector_paused
from briefbook.quotes import Span
from briefbook.text import INVISIBLE, PROSE_RULES

_MD_ESCAPES = str.maketrans({c: f"&#{ord(c)};" for c in string.punctuation})
_PROSE_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "em", "strong", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "sup", "sub", "abbr", "del", "ins", "dl", "dt", "dd",
}
_PROSE_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"},
                     "td": {"align"}, "ol": {"start"}}
# Hand-written pages go through MkDocs' own Markdown (with headings' ids and permalinks),
# so they keep a wider but still script-free allow-list.
_PAGE_TAGS = _PROSE_TAGS | {"h1", "div", "span", "img", "figure", "figcaption", "caption",
                            "tfoot", "colgroup", "col", "details", "summary", "mark", "s",
                            "small", "kbd", "var", "samp", "cite", "q", "b", "i", "u"}
_PAGE_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang"},
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "col": {"span"},
    "details": {"open"},
}


def _same_site_images(tag: str, attribute: str, value: str) -> str | None:
    # An image from another host is a request that tells it who reads the book.
    if tag == "img" and attribute == "src":
        return same_site_url(value)
    return value


_URL_TRIM = "".join(map(chr, range(0x21)))
_URL_DROPPED = str.maketrans("", "", "\t\n\r")


def same_site_url(value: str) -> str | None:
    """``value`` as a browser reads it, if it stays on this site; ``None`` otherwise.

    Browsers strip leading and trailing control characters and spaces from a URL, drop tabs
    and newlines anywhere in it and read a backslash as a slash, so ``/\\host``, ``\\\\host``,
    `` //host`` and ``/<tab>/host`` all name another host; the value is judged (and kept) in
    that normal form."""
    url = value.strip(_URL_TRIM).translate(_URL_DROPPED).replace("\\", "/")
    head = re.split(r"[/?#]", url, maxsplit=1)[0]
    if url.startswith("//") or ":" in head:
        return None
    return url


def sanitize_page(html: str) -> str:
    """Sanitise the HTML of a hand-written page: no script, handler, style or dangerous URL,
    and images only from the site itself."""
    clean = nh3.clean(html, tags=_PAGE_TAGS, attributes=_PAGE_ATTRIBUTES,
                      attribute_filter=_same_site_images,
                      url_schemes={"http", "https", "mailto"}, link_rel=None)
    return INVISIBLE.sub("", clean)


MAX_META_DEPTH = 32


def escape_meta(value: object, depth: int = 0) -> object:
    """``value`` with every string in it HTML-escaped (safe in text and in attributes),
    lists and mappings walked: themes print front-matter fields raw (a description into an
    attribute, icons, subtitles), and some engines print the title raw too."""
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if depth > MAX_META_DEPTH:  # the check stage bounds nesting; this only guards bugs
        raise ValueError("front matter nested too deeply")
    if isinstance(value, list):
        return [escape_meta(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {key: escape_meta(item, depth + 1) for key, item in value.items()}
    return value


def md(value: object) -> str:
    """Escape text for inline Markdown and HTML: one line, every punctuation mark inert."""
    return " ".join(str(value).split()).translate(_MD_ESCAPES)


@dataclass(frozen=True, slots=True)
class Page:
    """A generated page: where it goes, its Markdown, and the inputs it was made from."""

    path: str
    """Docs-relative path, e.g. ``events/2021-02-15-erbil-rocket-attack.md``."""
    text: str
    edit_path: str | None = None
    """Repository path of the file a reader should edit to correct this page."""
    unsearched: frozenset[str] = frozenset()
    """Headings whose sections only repeat other pages (citation lists, back-links): left
    out of the search index, which every reader downloads."""


def record_page(kind: str, record_id: str) -> str:
    """The docs path of a record's page: ``events/<id>.md``."""
    return kinds.KINDS[kind].page(record_id)


def default_templates() -> Path:
    """The templates briefbook ships: ``pages/`` (Jinja to Markdown), ``assets/`` (the pages'
    stylesheet and script) and ``theme/`` (overrides of Material for MkDocs)."""
    return Path(__file__).resolve().parent / "templates"


def theme_overrides() -> Path:
    return default_templates() / "theme"


class Templates:
    """The Jinja environment and the prose converter: independent of the book's content,
    so `mkdocs serve` keeps one across rebuilds and compiles each template once."""

    def __init__(self, root: Path, *, watch: bool = False) -> None:
        search = [root / "templates", default_templates()]
        self.env = jinja2.Environment(
            # Missing folders are skipped at lookup time, so an override added while
            # `mkdocs serve` runs is found without a restart.
            loader=jinja2.FileSystemLoader([str(p / "pages") for p in search]),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # output is Markdown: values are escaped by `md` and `prose`
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=watch,  # under serve, an edited template is recompiled
        )
        self.env.filters.update(md=md, urlsafe=urlsafe, lag=lag)
        # The reader's labels, derived from the record alone (views.py).
        self.env.filters.update(source_label=views.source_label,
                                source_tooltip=views.source_tooltip,
                                date_words=views.short_date)
        self.markdown = markdown.Markdown(extensions=["tables", "sane_lists", "fenced_code"])
        self.prose_html: dict[str, str] = {}
        """Sanitised HTML by Markdown source (references already resolved to links)."""

    def prose_to_html(self, source: str) -> str:
        cached = self.prose_html.get(source)
        if cached is None:
            html = self.markdown.reset().convert(source)
            html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
            cached = nh3.clean(html, tags=_PROSE_TAGS, attributes=_PROSE_ATTRIBUTES,
                               url_schemes={"http", "https", "mailto"}, link_rel=None)
            # The checker refuses these; stripping them again costs nothing.
            cached = INVISIBLE.sub("", cached)
            self.prose_html[source] = cached
        return cached


class Renderer:
    def __init__(self, root: Path, index: Index, *, directory_urls: bool = True,
                 templates: Templates | None = None, memo: PageMemo | None = None) -> None:
        self.index = index
        self.directory_urls = directory_urls
        self.templates = templates or Templates(root)
        self.memo = memo
        """Pages of an earlier render, reused where nothing they show changed (serve)."""
        self._stamp = (template_stamp([root / "templates" / "pages",
                                       default_templates() / "pages"])
                       if memo is not None else ())
        self._made_with = json.dumps([self._stamp, directory_urls, views.book_wide(index)])
        """What every page is made with beside its template, path and view (``memo``)."""
        cache = self.templates.env.cache
        if memo is not None and memo.templates_changed(self._stamp) and cache is not None:
            cache.clear()  # compiled templates too: a new override hides a cached default

    # --- pages ---------------------------------------------------------------------------

    def render_all(self) -> list[Page]:
        with collector_paused():
            pages = [self.render_record(kind, record)
                     for kind in kinds.all_kinds()
                     for record in self.index.book.records.get(kind.name, ())]
            pages.extend(self.render_listing(kind) for kind in kinds.all_kinds()
                         if kind.listing is not None)
            pages.extend(self.render_page(path, template, view)
                         for path, (template, view) in PAGES.items())
        if self.memo is not None:
            self.memo.forget_all_but([*(p.path for p in pages), "index.md"])
        return sorted(pages, key=lambda p: p.path)

    def render_home(self, pdf: str | None = None) -> str:
        """The home page's generated section, Markdown laid out for ``index.md``: the book
        at a glance, which the hand-written home page's text is followed by (``HOME_MARK``);
        with a link to the PDF ``pdf`` when the build prints one."""
        with collector_paused():
            working_on("rendering the home page's section")
            text, _ = self._render("home.md.j2", "index.md",
                                   {"page": views.home(self.index, pdf)})
        return text

    def render_record(self, kind: kinds.RecordKind, record: model.RecordLike) -> Page:
        path = kind.page(record.id)
        working_on(f"rendering {path} from {record.path}")
        context: dict[str, Any] = {"page": kind.view(self.index, kind.name, record)}
        if isinstance(record, model.Source):
            context["archive"] = self.archive_html(record)
        text, unsearched = self._render(kind.template, path, context)
        return Page(path, text, record.path, unsearched)

    def render_listing(self, kind: kinds.RecordKind) -> Page:
        assert kind.listing is not None
        return self.render_page(f"{kind.section}/index.md", kind.listing_template,
                                kind.listing)

    def render_page(self, path: str, template: str, view: Callable[[Index], object]) -> Page:
        working_on(f"rendering {path}")
        text, unsearched = self._render(template, path, {"page": view(self.index)})
        return Page(path, text, None, unsearched)

    def _render(self, template: str, path: str,
                context: dict[str, Any]) -> tuple[str, frozenset[str]]:
        memo = self.memo
        if memo is not None:
            key = hashlib.blake2b(f"{template}\0{path}\0{self._made_with}".encode(),
                                  digest_size=20).hexdigest()
            view = memo.fingerprint(context)
            found = memo.find(path, key, view, self._title_of)
            if found is not None:
                return found.text, found.unsearched
        helpers = _PageHelpers(self, path)
        text = self.templates.env.get_template(template).render(
            **context, link=helpers.link, prose=helpers.prose,
            quote_link=helpers.quote_link, unsearched=helpers.unsearched,
            picture=helpers.picture, event_class=helpers.event_class,
        )
        unsearched = frozenset(helpers.unsearched_headings)
        if memo is not None:
            memo.keep(path, Rendered(key, view, tuple(helpers.dependencies), text, unsearched))
        return text, unsearched

    def _title_of(self, kind: str, record_id: str) -> str | None:
        record = self.index.lookup(kind).get(record_id)
        return None if record is None else str(record.title)

    # --- shared helpers ------------------------------------------------------------------

    def archive_html(self, source: model.Source) -> str:
        """The archived text, escaped, with cited passages marked and anchored and
        boilerplate de-emphasised."""
        text = source.text
        cited = self.index.cited_by.get(source.id, [])
        passage = self.index.passages[source.id]
        marks: list[tuple[Span, str]] = [(passage.in_text(c.span), c.quoted.anchor)
                                         for c in cited]
        boiler = [Span(i, i + len(p)) for p in source.boilerplate
                  for i in _find_all(text, p)]
        page = kinds.of(source).page(source.id)
        citers: dict[str, list[Citer]] = defaultdict(list)
        for c in cited:
            if c.role in ("event", "attribution"):
                citers[c.quoted.anchor].append(Citer(
                    str(getattr(c.record, "title", c.record.id)),
                    relative(kinds.of(c.record).page(c.record.id), page)))
        return document_html(text, marks, boiler, citers)


@dataclass(frozen=True)
class Reference:
    """The contributor reference: every kind's fields, from the registry."""

    kinds: tuple[kinds.RecordKind, ...]
    prose_rules: str


HOME_MARK = "<!-- briefbook:home-section -->"
"""Where the hand-written home page ends and its generated section begins: everything before
the last occurrence is sanitised as hand-written; a contributor who writes the mark only
moves more of their own text into the sanitised part."""


PAGES: dict[str, tuple[str, Callable[[Index], object]]] = {
    "timeline/index.md": ("timeline.md.j2", views.timeline),
    "timeline/responses.md": ("responses.md.j2", views.cycles),
    # Every book has these two, so a navigation can name them whatever the book holds.
    "contribute.md": ("contribute.md.j2", lambda _index: None),
    "reference.md": ("reference.md.j2",
                     lambda _index: Reference(tuple(kinds.all_kinds()), PROSE_RULES)),
}
"""Pages that belong to no record kind: their path, template and view."""


class _PageHelpers:
    """Link and prose helpers bound to the page being rendered."""

    def __init__(self, renderer: Renderer, page_path: str) -> None:
        self.renderer = renderer
        self.page_path = page_path
        self.unsearched_headings: set[str] = set()
        self.dependencies: list[Dependency] = []
        """The records the page's prose named, with the titles it showed (``memo``)."""

    def unsearched(self, heading: str) -> str:
        """Mark a heading's section as left out of search; returns the heading."""
        self.unsearched_headings.add(heading)
        return heading

    def link(self, record: model.RecordLike, anchor: str = "") -> str:
        """A link target to ``record``'s page: its ``.md`` path, relative to this page, which
        every engine resolves, in Markdown links and in raw HTML alike (Zensical rewrites
        ``.md`` hrefs in raw HTML itself, the plugin does it for MkDocs:
        ``rewrite_md_links``)."""
        rel = relative(kinds.of(record).page(record.id), self.page_path)
        return f"{rel}#{anchor}" if anchor else rel

    def picture(self, drawing: views.Drawing) -> str:
        """The picture and its text alternative as one raw HTML block, drawn with this
        page's links: one line, so Markdown passes it through untouched."""
        drawn = drawing.draw(self.link)
        data = drawn.table_html
        if data and not data.startswith("<details"):
            # The page around a picture says what it shows; its data stays one click away.
            data = (f'<details class="bb-pic-data"><summary>The picture as a table</summary>'
                    f"{data}</details>")
        return f'<div class="bb-figure">{drawn.svg}{data}</div>'

    def event_class(self, event: model.Event) -> str:
        """The event's class, which its colour and mark show (``briefbook.classes``)."""
        return views.event_class(self.renderer.index, event)

    def quote_link(self, quoted: Quoted) -> str:
        """A link to the quoted passage, highlighted on its source's page."""
        return self.link(quoted.source, quoted.anchor)

    def prose(self, prose: model.Prose | None) -> str:
        if prose is None or not prose.text.strip():
            return ""
        lookup = self.renderer.index.lookup

        def resolve(m: Any) -> str:
            kind, record_id, label = m.group("kind", "id", "label")
            record = lookup(kind).get(record_id)
            self.dependencies.append(
                (kind, record_id, None if record is None else str(record.title)))
            if record is None:
                return md(m.group(0))  # the checker reports it; never guess a target
            return f"[{md(label or record.title)}]({self.link(record)})"

        # References are resolved first, so the cached HTML can never show a stale name.
        source = REFERENCE.sub(resolve, prose.text)
        clean = self.renderer.templates.prose_to_html(source)
        return f'<div class="bb-prose">\n{clean}\n</div>'


_MD_HREF = re.compile(r'href="(?P<path>[^"#:?]+\.md)(?P<fragment>#[^"]*)?"')


def rewrite_md_links(html: str, resolve: Callable[[str], str | None]) -> str:
    """Turn ``href="x.md#f"`` in ``html`` into the URL ``resolve`` gives for the docs path
    ``x.md`` (relative to the page); an unknown target is left for link checking to find."""

    def rewrite(m: re.Match[str]) -> str:
        url = resolve(m["path"])
        return m.group(0) if url is None else f'href="{url}{m["fragment"] or ""}"'

    return _MD_HREF.sub(rewrite, html)


def relative(target: str, page_path: str) -> str:
    """``target`` relative to the folder of ``page_path`` (both relative to the docs root).

    posixpath.relpath does the same through abspath() and takes a quarter of the render
    time of a large book; these paths are always clean and relative."""
    here = page_path.split("/")[:-1]
    there = target.split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    parts = [".."] * (len(here) - common) + there[common:]
    return "/".join(parts) or "."


def _find_all(text: str, passage: str) -> Iterable[int]:
    start = text.find(passage)
    while start >= 0 and passage:
        yield start
        start = text.find(passage, start + len(passage))


def archive_html(text: str, marks: list[tuple[Span, str]], boilerplate: list[Span]) -> str:
    """Escape ``text`` line by line into paragraphs, wrapping cited spans in ``<mark>`` and
    boilerplate in a de-emphasised span.  Overlapping citations are handled by cutting the
    text at every boundary, so each piece knows which citations cover it.

    One sweep over the cuts keeps the spans open at each piece (testing every span for
    every piece was quadratic: a one-letter boilerplate passage on 600 KB took 145 s)."""
    opening: dict[int, list[int]] = defaultdict(list)
    closing: dict[int, list[int]] = defaultdict(list)
    for number, (span, _) in enumerate(marks):
        opening[span.start].append(number)
        closing[span.end].append(number)
    boiler_change: dict[int, int] = defaultdict(int)
    for span in boilerplate:
        if span.start < span.end:
            boiler_change[span.start] += 1
            boiler_change[span.end] -= 1
    points = sorted({0, len(text), *opening, *closing, *boiler_change})
    open_marks: set[int] = set()
    open_boiler = 0
    paragraphs: list[str] = []
    current: list[str] = []
    for a, b in itertools.pairwise(points):
        open_marks.difference_update(closing.get(a, ()))
        open_marks.update(n for n in opening.get(a, ()) if marks[n][0].end > a)
        open_boiler += boiler_change.get(a, 0)
        for anchor in dict.fromkeys(marks[n][1] for n in opening.get(a, ())):
            current.append(f'<span class="bb-anchor" id="{anchor}"></span>')
        covering = [marks[n][1] for n in sorted(open_marks)]
        lines = text[a:b].split("\n")
        for i, line in enumerate(lines):
            if i:
                paragraphs.append("".join(current))
                current = []
            if not line:
                continue
            piece = _escape_html(line).replace(
                "\ufffd", '<span class="bb-defect" title="replacement character in the '
                'captured text">\ufffd</span>')
            if open_boiler:
                piece = f'<span class="bb-boilerplate">{piece}</span>'
            if covering:
                piece = f'<mark class="bb-cited" data-cites="{" ".join(covering)}">{piece}</mark>'
            current.append(piece)
    paragraphs.append("".join(current))
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs if p.strip())
    return f'<div class="bb-archive">\n{body}\n</div>'


def _escape_html(text: str) -> str:
    # Markdown's own escapes do not apply inside a raw HTML block, but character
    # references do: escaping ASCII punctuation keeps MkDocs from reading any of it.
    return text.translate(_MD_ESCAPES)


def lag(days: tuple[int, int], direction: str = "") -> str:
    """'same day', '1 day later', '10 days earlier', '0–29 days later' for imprecise dates."""
    fewest, most = days
    if most == 0:
        return "same day"
    span = f"{fewest}" if fewest == most else f"{fewest}–{most}"
    return f"{span} day{'' if span == '1' else 's'} {direction}".rstrip()


def urlsafe(url: str) -> str:
    """Percent-encode what could end a Markdown autolink or start markup inside it."""
    return urllib.parse.quote(url, safe=":/?#@!$&+,;=%-._~")


def assets(root: Path) -> list[Page]:
    """The stylesheet and script the pages use, from the book's templates or the defaults."""
    found: dict[str, Page] = {}
    for base in (default_templates(), root / "templates"):
        folder = base / "assets"
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix in (".css", ".js"):
                    name = f"assets/briefbook/{path.name}"
                    found[name] = Page(name, path.read_text(encoding="utf-8"))
    return [found[name] for name in sorted(found)]


# --- the archived text as the document it is ------------------------------------------------

_HEADING_LINE = re.compile(r"[ \t]*(#{1,6})[ \t]+")
_ITEM_LINE = re.compile(r"([ \t]*)(?:[-*+•]|[0-9]{1,3}[.)])[ \t]+")
_LINK = re.compile(r"\[([^\[\]\n]*)\]\(([^()\s]*)\)")
_EMPHASIS = re.compile(r"(\*\*|\*)(?=[^\s*])([^*\n]*?[^\s*])\1")


@dataclass(frozen=True, slots=True)
class _Line:
    kind: str
    """'p', 'h2'..'h6' or 'li'."""
    depth: int = 0
    """A list item's nesting, from its indentation."""


def _document_syntax(text: str) -> tuple[list[_Line], list[Span], list[Span], list[Span]]:
    """Read the Markdown of a captured page, line by line: each line's block kind, and the
    spans of syntax to hide (markers, link brackets and targets), of emphasis and of strong
    emphasis.  Regular expressions per line, no nesting: linear in the text."""
    lines: list[_Line] = []
    hidden: list[Span] = []
    em: list[Span] = []
    strong: list[Span] = []
    indents: list[int] = []
    offset = 0
    for line in text.split("\n"):
        heading = _HEADING_LINE.match(line)
        item = None if heading else _ITEM_LINE.match(line)
        if heading:
            # Level 1 is the page's own title: the document's headings start at h2.
            lines.append(_Line(f"h{min(6, len(heading.group(1)) + 1)}"))
            hidden.append(Span(offset, offset + heading.end()))
            indents = []
        elif item:
            indent = len(item.group(1).expandtabs(4))
            while indents and indents[-1] > indent:
                indents.pop()
            if not indents or indents[-1] < indent:
                indents.append(indent)
            lines.append(_Line("li", len(indents) - 1))
            hidden.append(Span(offset, offset + item.end()))
        else:
            lines.append(_Line("p"))
            if line.strip():
                indents = []
        for m in _LINK.finditer(line):
            hidden.append(Span(offset + m.start(), offset + m.start(1)))
            hidden.append(Span(offset + m.end(1), offset + m.end()))
        for m in _EMPHASIS.finditer(line):
            marker = len(m.group(1))
            hidden.append(Span(offset + m.start(), offset + m.start() + marker))
            hidden.append(Span(offset + m.end() - marker, offset + m.end()))
            (strong if marker == 2 else em).append(
                Span(offset + m.start() + marker, offset + m.end() - marker))
        offset += len(line) + 1
    return lines, hidden, em, strong


@dataclass(frozen=True, slots=True)
class Citer:
    """A record citing a passage, as the passage's marker links to it."""

    title: str
    href: str


def document_html(text: str, marks: list[tuple[Span, str]], boilerplate: list[Span],
                  citers: dict[str, list[Citer]] | None = None) -> str:
    """The archived ``text`` as the formatted document it is (headings, lists, emphasis,
    links as their text), escaped, with cited spans marked and anchored, each passage
    followed by a marker linking to the records that cite it, and boilerplate dimmed.

    The bytes of the archive are never changed: syntax is hidden at render time, and the
    cut points are swept once, as in ``archive_html``."""
    lines, hidden, em, strong = _document_syntax(text)
    opening: dict[int, list[int]] = defaultdict(list)
    closing: dict[int, list[int]] = defaultdict(list)
    for number, (span, _) in enumerate(marks):
        opening[span.start].append(number)
        closing[span.end].append(number)
    changes: dict[str, dict[int, int]] = {}
    for name, spans in (("boiler", boilerplate), ("hidden", hidden), ("em", em),
                        ("strong", strong)):
        change: dict[int, int] = defaultdict(int)
        for span in spans:
            if span.start < span.end:
                change[span.start] += 1
                change[span.end] -= 1
        changes[name] = change
    points = sorted({0, len(text), *opening, *closing,
                     *(p for change in changes.values() for p in change)})
    depth = dict.fromkeys(changes, 0)
    open_marks: set[int] = set()
    line_number = 0
    blocks: list[tuple[_Line, str]] = []
    current: list[str] = []
    for a, b in itertools.pairwise(points):
        for anchor in dict.fromkeys(marks[n][1] for n in closing.get(a, ())
                                    if marks[n][0].start < a):
            current.append(_citer_marker(anchor, citers))
        open_marks.difference_update(closing.get(a, ()))
        open_marks.update(n for n in opening.get(a, ()) if marks[n][0].end > a)
        for name, change in changes.items():
            depth[name] += change.get(a, 0)
        for anchor in dict.fromkeys(marks[n][1] for n in opening.get(a, ())):
            current.append(f'<span class="bb-anchor" id="{anchor}"></span>')
        covering = [marks[n][1] for n in sorted(open_marks)]
        for i, line in enumerate(text[a:b].split("\n")):
            if i:
                blocks.append((lines[line_number], "".join(current)))
                current = []
                line_number += 1
            if not line or depth["hidden"]:
                continue
            piece = _escape_html(line).replace(
                "\ufffd", '<span class="bb-defect" title="replacement character in the '
                'captured text">\ufffd</span>')
            if depth["em"]:
                piece = f"<em>{piece}</em>"
            if depth["strong"]:
                piece = f"<strong>{piece}</strong>"
            if depth["boiler"]:
                piece = f'<span class="bb-boilerplate">{piece}</span>'
            if covering:
                piece = f'<mark class="bb-cited" data-cites="{" ".join(covering)}">{piece}</mark>'
            current.append(piece)
    for anchor in dict.fromkeys(marks[n][1] for n in closing.get(len(text), ())):
        current.append(_citer_marker(anchor, citers))
    blocks.append((lines[min(line_number, len(lines) - 1)], "".join(current)))
    return f'<div class="bb-archive bb-document">\n{_blocks_html(blocks)}\n</div>'


def _citer_marker(anchor: str, citers: dict[str, list[Citer]] | None) -> str:
    found = (citers or {}).get(anchor)
    if not found:
        return ""
    links = ", ".join(f'<a href="{c.href}">{_escape_html(c.title)}</a>'
                      for c in dict.fromkeys(found))
    return (f'<span class="bb-citers" data-search-exclude><a class="bb-citers-self" '
            f'href="#{anchor}" aria-label="This passage">§</a> cited by {links}</span>')


def _blocks_html(blocks: list[tuple[_Line, str]]) -> str:
    """Blocks as HTML: consecutive list items become (nested) lists."""
    out: list[str] = []
    open_lists = 0
    for line, body in blocks:
        if not body.strip():
            continue
        if line.kind != "li":
            out.append("</li></ul>" * open_lists)
            open_lists = 0
            out.append(f"<{line.kind}>{body}</{line.kind}>")
            continue
        wanted = line.depth + 1
        if wanted > open_lists:
            out.append("<ul><li>" * (wanted - open_lists))
        else:
            out.append("</li></ul>" * (open_lists - wanted) + "</li><li>")
        open_lists = wanted
        out.append(body)
    out.append("</li></ul>" * open_lists)
    return "\n".join(out)
