"""Atom feeds (RFC 4287): the newest events, and one feed for each actor.

Events are ordered by when they entered the book (`briefbook.history`), newest first, so a
reader's feed shows what was added, not what happened last.  The XML is built with the
standard library's ElementTree, which escapes every text and attribute value.
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from briefbook import kinds, model
from briefbook.export import DATA_DIR, Parts, join_url, page_url, plain_prose, summary_names
from briefbook.history import EPOCH, entered_at
from briefbook.index import Index

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 50
"""Entries in a feed: feed readers keep what they have already seen."""
EVENTS_FEED = "feeds/events.xml"
"""Paths of feeds are relative to the export folder, published as the site's ``data/``."""
ATOM_TYPE = "application/atom+xml"


def actor_feed_path(actor_id: str) -> str:
    return f"feeds/actors/{actor_id}.xml"


def site_path(export_path: str) -> str:
    """Where a file of the export folder is on the site."""
    return f"{DATA_DIR}/{export_path}"


@dataclass(frozen=True, slots=True)
class FeedLink:
    """A ``<link rel="alternate" type="application/atom+xml">`` for a page's head."""

    href: str
    title: str

    def tag(self) -> str:
        # "alternate feed", not "alternate" alone: Material's script fetches a sitemap.xml
        # beside every link[rel=alternate] (its language alternates), a 404 for a feed.
        # Feed readers take "alternate" among the tokens; "feed" is the HTML keyword for it.
        return (f'<link rel="alternate feed" type="{ATOM_TYPE}" '
                f'title="{html.escape(self.title, quote=True)}" '
                f'href="{html.escape(self.href, quote=True)}">')


def feed_links(page: str, book_title: str = "",
               actor_names: Mapping[str, str] | None = None) -> list[FeedLink]:
    """The feeds a page advertises, with hrefs relative to its built URL (directory URLs:
    ``actors/iran.md`` is served at ``actors/iran/``): every page links the events feed, an
    actor's page its own feed too, titled with the actor's name from ``actor_names``."""
    built = _built_dir(page)
    links = [FeedLink(_relative(site_path(EVENTS_FEED), built),
                      f"{book_title}: newest events" if book_title else "Newest events")]
    section, _, name = page.partition("/")
    if section == kinds.KINDS["actor"].section and name.endswith(".md") and "/" not in name \
            and name != "index.md":
        actor_id = name.removesuffix(".md")
        links.append(FeedLink(_relative(site_path(actor_feed_path(actor_id)), built),
                              f"Events involving {(actor_names or {}).get(actor_id, actor_id)}"))
    return links


def _built_dir(page: str) -> str:
    stem = page.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return posixpath.dirname(stem)
    return stem


def _relative(target: str, from_dir: str) -> str:
    return posixpath.relpath(target, from_dir or ".")


def newest(events: Sequence[model.Event], entered: Mapping[str, dt.datetime],
           limit: int = FEED_ENTRIES) -> list[tuple[dt.datetime, model.Event]]:
    """The ``limit`` events that entered the book last, newest first (ties by date, id)."""
    stamped = [(entered_at(entered, e), e) for e in events]
    stamped.sort(key=lambda pair: (pair[0], pair[1].sort_key()), reverse=True)
    return stamped[:limit]


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_feed(index: Index, site_url: str, feed_path: str, title: str,
              events: Sequence[model.Event], entered: Mapping[str, dt.datetime]) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    entries = newest(events, entered)
    feed_url = join_url(site_url, site_path(feed_path))
    _text(feed, "id", feed_url if site_url else f"urn:briefbook:{feed_path}")
    _text(feed, "title", title)
    _text(feed, "updated", _stamp(max((when for when, _ in entries), default=EPOCH)))
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=feed_url, type=ATOM_TYPE)
    if site_url:
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=site_url,
                      type="text/html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "briefbook contributors")
    _text(feed, "generator", "briefbook")
    for when, event in entries:
        url = page_url(site_url, "event", event.id)
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", url if site_url else f"urn:briefbook:event:{event.id}")
        _text(entry, "title", event.title)
        _text(entry, "updated", _stamp(when))
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=url, type="text/html")
        ET.SubElement(entry, f"{{{ATOM}}}category", term=event.type)
        place = index.places.get(event.place.id) if event.place else None
        where = f", {place.name}" if place else ""
        summary = f"{event.date.label}{where}."
        if event.summary:
            summary += " " + plain_prose(index, event.summary.text)
        _text(entry, "summary", summary, type="text")
    ET.indent(feed)
    written: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return written + b"\n"


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = text
    return element


def actor_events(index: Index, actor_id: str) -> list[model.Event]:
    """Every event in which the actor plays a role (perpetrator, target, attributed...)."""
    seen: dict[str, model.Event] = {}
    for events in index.roles.get(actor_id, {}).values():
        seen.update(events)
    return list(seen.values())


def feed_files(index: Index, site_url: str, entered: Mapping[str, dt.datetime],
               parts: Parts | None = None) -> Iterator[tuple[str, bytes]]:
    """The book's feed and each actor's; with ``parts``, a feed whose entries (their
    events, places and the names their summaries show), title and address are unchanged is
    the one made last."""
    def feed(path: str, title: str, events: Sequence[model.Event]) -> bytes:
        def make() -> str:
            return atom_feed(index, site_url, path, title, events, entered).decode()

        if parts is None:
            return make().encode()
        entries = newest(events, entered)
        key = parts.fingerprint((path, title, site_url, [
            (when, event, index.places.get(event.place.id) if event.place else None,
             summary_names(index, event)) for when, event in entries]))
        return parts.part("feed", key, make).encode()

    yield EVENTS_FEED, feed(EVENTS_FEED, "Newest events", index.book.events)
    for actor in index.book.actors:
        path = actor_feed_path(actor.id)
        yield path, feed(path, f"Events involving {actor.name}", actor_events(index, actor.id))


def add_feed_links(html_text: str, page: str, book_title: str = "",
                   actor_names: Mapping[str, str] | None = None) -> str:
    """``html_text`` with the feeds of ``page`` (a docs path) advertised in its head, once:
    the plugin and ``briefbook finish`` (for engines that run no plugin) both call it."""
    head_end = html_text.find("</head>")
    if head_end < 0 or f'type="{ATOM_TYPE}"' in html_text[:head_end]:
        return html_text
    tags = "".join(link.tag() for link in feed_links(page, book_title, actor_names))
    return html_text[:head_end] + tags + html_text[head_end:]


def page_of(built: str) -> str | None:
    """The docs path of a built page (``actors/iran/index.html`` -> ``actors/iran.md``), or
    ``None`` for a file that is no page of directory URLs (``404.html``)."""
    if built == "index.html":
        return "index.md"
    if not built.endswith("/index.html"):
        return None
    return built.removesuffix("/index.html") + ".md"
