"""Stage 6, finish: the protections a built site needs, applied to any engine's output.

The MkDocs plugin applies them page by page while MkDocs builds; an engine that runs no
plugin (Zensical) builds the tree ``briefbook render`` wrote, and ``briefbook finish`` then
gives its site the same protections:

* every page gets the Content-Security-Policy, allowing only the theme's own inline scripts
  (known from the engine's installed templates);
* the content of hand-written pages, which ``render`` fenced between two markers, is
  sanitised with the same allow-list the plugin uses;
* every link and anchor between the site's pages is checked.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from briefbook.csp import add_policy, has_policy, theme_scripts
from briefbook.diagnostics import UsageProblem
from briefbook.export import DATA_DIR
from briefbook.feeds import EVENTS_FEED, add_feed_links, page_of
from briefbook.render import sanitize_page


def fence_nonce(body: str) -> str:
    """The marker's nonce for one hand-written page: derived from the page itself, so
    builds stay byte-identical, yet a page cannot contain the nonce of its own text (that
    would need a preimage of SHA-256) and so cannot close its fence early."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:24]


def fence(body: str) -> str:
    """A hand-written page's Markdown body between the markers ``finish`` looks for."""
    nonce = fence_nonce(body)
    return (f"<!-- briefbook:handwritten:{nonce} -->\n\n{body.rstrip()}\n\n"
            f"<!-- /briefbook:handwritten:{nonce} -->\n")


_FENCE = re.compile(r"<!-- briefbook:handwritten:(?P<nonce>[0-9a-f]{24}) -->")


class FinishError(UsageProblem):
    """A built page that cannot be finished safely: the message names it."""


def sanitize_fenced(html: str, where: str) -> str:
    """Sanitise every fenced region of ``html``.  A fence whose end is missing (a stray
    comment opener in the page can swallow it) fails closed."""
    out: list[str] = []
    position = 0
    for start in _FENCE.finditer(html):
        if start.start() < position:
            continue
        end_marker = f"<!-- /briefbook:handwritten:{start['nonce']} -->"
        end = html.find(end_marker, start.end())
        if end < 0:
            raise FinishError(f"{where}: a hand-written page's content has no end marker; "
                              "an unclosed '<!--' in the page can cause this")
        out.append(html[position:start.start()])
        out.append(sanitize_page(html[start.end():end]))
        position = end + len(end_marker)
    out.append(html[position:])
    return "".join(out)


@dataclass
class Finished:
    pages: int = 0
    changed: int = 0
    broken: list[str] = field(default_factory=list)
    """``page: link`` for every link or anchor that leads nowhere."""


def finish_site(site: Path, theme_dirs: Iterable[Path]) -> Finished:
    """Finish every page of the built ``site`` in place (idempotent)."""
    theme = theme_scripts(theme_dirs)
    feeds_built = (site / DATA_DIR / EVENTS_FEED).is_file()
    result = Finished()
    pages = sorted(site.rglob("*.html"))
    anchors: dict[str, _Page] = {}
    for path in pages:
        rel = path.relative_to(site).as_posix()
        text = path.read_text(encoding="utf-8")
        finished = sanitize_fenced(text, rel)
        docs_path = page_of(rel)
        if feeds_built and docs_path is not None:
            finished = add_feed_links(finished, docs_path)
        if not has_policy(finished):
            finished = add_policy(finished, theme)
        if finished != text:
            path.write_text(finished, encoding="utf-8")
            result.changed += 1
        anchors[rel] = _Page.parse(finished)
        result.pages += 1
    for rel, page in anchors.items():
        result.broken.extend(f"{rel}: {href}" for href in page.links
                             if not _resolves(site, rel, href, anchors))
    return result


class _Page(HTMLParser):
    """The ids and the links of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    @classmethod
    def parse(cls, html: str) -> _Page:
        page = cls()
        page.feed(html)
        page.close()
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and value:
                self.ids.add(value)
            elif name == "href" and tag in ("a", "link"):
                self.links.append(value)


def _resolves(site: Path, page: str, href: str, pages: dict[str, _Page]) -> bool:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("//"):
        return True  # another site's page: not this checker's to judge
    if not parts.path:
        return not parts.fragment or unquote(parts.fragment) in pages[page].ids
    if parts.path.startswith("/"):
        return True  # site-absolute (the 404 page): depends on where the site is served
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
    if target.startswith("../") or target == "..":
        return False
    if parts.path.endswith("/") or (site / target).is_dir():
        target = posixpath.join(target, "index.html")
    if target not in pages:
        return (site / target).is_file()  # assets, images
    return not parts.fragment or unquote(parts.fragment) in pages[target].ids
