"""The MkDocs plugin: a thin adapter over the load, validate, index and render stages.

This is the only module that imports MkDocs.
"""

from __future__ import annotations

import hashlib
import html
import logging
import posixpath
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page as MkPage

from briefbook.csp import add_policy
from briefbook.diagnostics import Diagnostic, Location
from briefbook.load import Layout, ReadCache
from briefbook.pipeline import check
from briefbook.render import Page, Renderer, Templates, assets, sanitize_page
from briefbook.schema import prose_location, prose_problem
from briefbook.write import write_pages

log = logging.getLogger("mkdocs.plugins.briefbook")
_HEADING = re.compile(r"<h([1-6]) ([^>]*)>(.*?)</h\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _page_key(url: str) -> str:
    # The home page is './' in the file list and '' in the search index.
    return "" if url in ("./", ".") else url


def exclude_from_search(content: str, headings: frozenset[str]) -> str:
    """Mark the sections under ``headings`` with Material's ``data-search-exclude``."""

    def mark(m: re.Match[str]) -> str:
        text = html.unescape(_TAG.sub("", m.group(3))).rstrip("¶").strip()
        if text not in headings:
            return m.group(0)
        return f"<h{m.group(1)} {m.group(2)} data-search-exclude>{m.group(3)}</h{m.group(1)}>"

    return _HEADING.sub(mark, content)


class BriefbookConfig(base.Config):
    root = c.Optional(c.Dir(exists=True))
    """The book's root (holding events/ and seeds/); defaults to mkdocs.yml's folder."""
    events_dir = c.Type(str, default="events")
    """Where event files live, relative to the root."""
    sources_dir = c.Type(str, default="seeds")
    """Where archived source documents live, relative to the root."""
    strict = c.Type(bool, default=False)
    """Treat content warnings (a single-source event, a source without url) as errors."""


class BriefbookPlugin(BasePlugin[BriefbookConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self._root = Path()
        self._serving = False
        self._serving_dirty = False
        self._pages_dir: Path | None = None
        self._unsearched: dict[str, frozenset[str]] = {}
        self._rebuilt: set[str] = set()
        self._live: set[str] = set()
        # Kept across `mkdocs serve` rebuilds (this instance persists, see on_startup):
        self._read_cache: ReadCache = {}
        self._templates: Templates | None = None

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"],
                   dirty: bool) -> None:
        # Defining on_startup keeps this instance alive across `mkdocs serve` rebuilds.
        # Under `serve --dirty`, pages are written to a cache folder, rewriting only those
        # whose text changed, so MkDocs rebuilds just the pages an edit affects (Material's
        # search plugin keeps the rest of the search index).
        self._serving = command == "serve"
        self._serving_dirty = self._serving and dirty

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        configured = self.config.root
        self._root = (Path(configured) if configured
                      else Path(config.config_file_path or ".").resolve().parent)
        if self._serving_dirty:
            digest = hashlib.sha256(str(self._root.resolve()).encode()).hexdigest()[:12]
            self._pages_dir = Path(tempfile.gettempdir()) / f"briefbook-pages-{digest}"
        self._layout = Layout(events=self.config.events_dir, sources=self.config.sources_dir,
                              docs=Path(config.docs_dir).resolve().relative_to(
                                  self._root.resolve()).as_posix())
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        checked = check(self._root, self._layout,
                        self._read_cache if self._serving else None)
        for diagnostic in checked.diagnostics:
            if diagnostic.severity == "error":
                log.error(diagnostic.format())
            elif self.config.strict:
                log.warning(diagnostic.format())
            else:
                log.info(diagnostic.format())
        book = checked.index.book
        log.info("briefbook: checked %d events, %d sources, %d actors, %d places, %d options, "
                 "%d notes: %d errors, %d warnings", len(book.events), len(book.sources),
                 len(book.actors), len(book.places), len(book.options), len(book.notes),
                 len(checked.errors), len(checked.warnings))
        if checked.errors:
            raise PluginError(f"briefbook: {len(checked.errors)} content error(s); "
                              "run 'briefbook check' for the full list")
        if self._templates is None or not self._serving:
            self._templates = Templates(self._root, watch=self._serving)
        renderer = Renderer(self._root, checked.index, directory_urls=config.use_directory_urls,
                            templates=self._templates)
        pages = [*renderer.render_all(), *assets(self._root)]
        if self._pages_dir is not None:
            written = write_pages(pages, self._pages_dir)
            log.info("briefbook: %d of %d generated pages changed", written, len(pages))
        self._unsearched = {page.path: page.unsearched for page in pages if page.unsearched}
        for page in pages:
            self._add(files, config, page)
        self._rebuilt = set()
        self._live = {_page_key(f.url) for f in files.documentation_pages()}
        return files

    def _add(self, files: Files, config: MkDocsConfig, page: Page) -> None:
        existing = files.get_file_from_path(page.path)
        if existing is not None:
            files.remove(existing)  # a record's own docs/ file: replaced by its page
        if self._pages_dir is not None:
            generated = File.generated(config, page.path,
                                       abs_src_path=str(self._pages_dir / page.path))
        else:
            generated = File.generated(config, page.path, content=page.text)
        docs_rel = self._layout.docs
        generated.edit_uri = (posixpath.relpath(page.edit_path, docs_rel)
                              if page.edit_path else None)
        files.append(generated)

    def on_page_markdown(self, markdown: str, /, *, page: MkPage, config: MkDocsConfig,
                         files: Files) -> str | None:
        if page.file.generated_by is None:
            # Hand-written pages are rendered by MkDocs' own Markdown, which is as
            # superlinear on unclosed brackets and deep nesting as prose is: the same bounds
            # stop the build with a located message instead of stalling it.
            problem = prose_problem(markdown)
            if problem is not None:
                raw = page.file.content_string
                skipped = raw[: len(raw) - len(markdown)].count("\n") if raw.endswith(
                    markdown) else 0
                path = posixpath.join(self._layout.docs, page.file.src_uri)
                at = prose_location(problem, markdown, Location(path, skipped + 1))
                message = Diagnostic(at, "error", problem.message, problem.hint).format()
                log.error(message)
                raise PluginError(f"briefbook: {message}")
        return None

    def on_page_content(self, content: str, /, *, page: MkPage, config: MkDocsConfig,
                        files: Files) -> str | None:
        self._rebuilt.add(_page_key(page.url))
        # Titles reach <title> and the navigation of every page unescaped, and Material's
        # `striptags` revives entities; now that the title is known (front matter, first
        # heading or file name), it is stored once as escaped text, whatever the theme.
        # quote=False keeps "Kata'ib" searchable.
        if "title" in page.meta:  # front matter: plain text, shown as written
            page.meta["title"] = html.escape(str(page.meta["title"]), quote=False)
        elif not page.is_homepage:  # first heading: HTML, shown as its text
            plain = html.unescape(_TAG.sub("", page.title or ""))
            page.meta["title"] = html.escape(plain, quote=False)
        if page.file.generated_by is None:
            # Hand-written pages are contributor content too, and MkDocs passes raw HTML
            # and javascript: links through; generated pages are escaped when rendered.
            return sanitize_page(content)
        unsearched = self._unsearched.get(page.file.src_uri)
        return exclude_from_search(content, unsearched) if unsearched else content

    @event_priority(-100)  # last, so the hashes cover every inline script
    def on_post_page(self, output: str, /, *, page: MkPage, config: MkDocsConfig) -> str | None:
        # Under serve, MkDocs injects its live-reload script after this; a policy would
        # block it, and a preview needs no protection from its own author.
        return output if self._serving else add_policy(output, page.content or "")

    @event_priority(-100)
    def on_post_template(self, output_content: str, /, *, template_name: str,
                         config: MkDocsConfig) -> str | None:
        if self._serving or not template_name.endswith(".html"):
            return output_content
        return add_policy(output_content)

    @event_priority(50)  # before the search plugin writes its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        # Under `serve --dirty`, Material merges the previous search index with the pages
        # just rebuilt, but drops the previous entries of only one of them.  An edit
        # rebuilds every page that shows the record, so drop them all here, and those of
        # pages that no longer exist.
        search = config.plugins.get("material/search")
        previous = getattr(search, "search_index_prev", None)
        if not self._serving_dirty or previous is None:
            return
        previous.entries = [
            entry for entry in previous.entries
            if (page := _page_key(str(entry["location"]).split("#")[0])) in self._live
            and page not in self._rebuilt
        ]

    def on_shutdown(self) -> None:
        if self._pages_dir is not None:
            shutil.rmtree(self._pages_dir, ignore_errors=True)

    def on_serve(self, server: LiveReloadServer, /, *, config: MkDocsConfig,
                 builder: Any) -> LiveReloadServer | None:
        for folder in (self._layout.events, self._layout.sources, "templates"):
            path = self._root / folder
            if path.is_dir():
                server.watch(str(path))
        return server
