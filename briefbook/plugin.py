"""The MkDocs plugin: a thin adapter over the load, validate, index and render stages.

This is the only module that imports MkDocs.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import posixpath
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

import jinja2
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkPage
from mkdocs.utils.templates import TemplateContext

from briefbook.book import Produced, produce
from briefbook.csp import ThemeScripts, add_policy, theme_scripts
from briefbook.diagnostics import internal_error
from briefbook.feeds import add_feed_links
from briefbook.history import Change, last_changed_html
from briefbook.load import Layout, ReadCache
from briefbook.memo import PageMemo
from briefbook.pdf import PDF_ENV, PdfError, pdf_name, publish
from briefbook.preview import KeptEnvironment, theme_fingerprint
from briefbook.render import (
    HOME_MARK,
    Page,
    Templates,
    escape_meta,
    rewrite_md_links,
    sanitize_page,
    theme_overrides,
)
from briefbook.write import write_pages

log = logging.getLogger("mkdocs.plugins.briefbook")
T = TypeVar("T")
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


def _guarded(step: Callable[[], T]) -> T:
    """Run a step of the plugin; an error nobody foresaw becomes one line saying where, as
    the command line gives it (`mkdocs build -v` shows the stack for a bug report)."""
    try:
        return step()
    except PluginError:
        raise
    except Exception as exc:
        log.debug("briefbook: internal error", exc_info=True)
        raise PluginError(internal_error(exc)) from None


_HOSTNAME = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
                       r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)


def check_cname(cname: str | None, site_url: str | None) -> None:
    """A custom domain is a bare host name (GitHub Pages reads CNAME as one line), and the
    site's canonical links and 404 page must be made for it."""
    if cname is None:
        return
    if not _HOSTNAME.fullmatch(cname.strip()):
        raise PluginError(f"briefbook: cname '{cname}' is not a host name; give the domain "
                          "alone, e.g. 'cname: briefing.example.org'")
    host = urllib.parse.urlsplit(site_url or "").hostname
    if host != cname.strip().lower():
        raise PluginError(f"briefbook: cname is '{cname}' but site_url is '{site_url}'; set "
                          f"site_url: https://{cname.strip().lower()}/ so links and the 404 "
                          "page work at that address")


class BriefbookConfig(base.Config):
    root = c.Optional(c.Dir(exists=True))
    """The book's root (holding events/ and seeds/); defaults to mkdocs.yml's folder."""
    events_dir = c.Type(str, default="events")
    """Where event files live, relative to the root."""
    sources_dir = c.Type(str, default="seeds")
    """Where archived source documents live, relative to the root."""
    strict = c.Type(bool, default=False)
    """Treat content warnings (a single-source event, a source without url) as errors."""
    cname = c.Optional(c.Type(str))
    """A custom domain for GitHub Pages (``example.org``): written into the site's CNAME."""
    pdf = c.Optional(c.Type(str))
    """Print the PDF briefing book into the site under this name (``briefing-book.pdf``)
    once it is built, and link to it from the home page; default: ``$BRIEFBOOK_PDF``, and
    no PDF when that is unset or empty.  Needs the 'pdf' extra and Chromium."""


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
        self._produced: Produced | None = None
        self._actor_names: dict[str, str] = {}
        self._templates: Templates | None = None
        self._theme_scripts = ThemeScripts(())
        self._changes: dict[str, Change] = {}
        self._record_files: dict[str, str] = {}
        self._home = ""
        self._pdf: str | None = None
        self._theme_env = KeptEnvironment()
        self._memo = PageMemo()

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
        # briefbook's theme overrides sit between the book's own (custom_dir) and Material.
        dirs = config.theme.dirs
        dirs.insert(1 if config.theme.custom_dir else 0, str(theme_overrides()))
        if not self._serving:  # a preview has no policy (see on_post_page)
            self._theme_scripts = theme_scripts(Path(d) for d in dirs)
        check_cname(self.config.cname, config.site_url)
        self._keep_theme_env(config)
        self._pdf = self._pdf_option()
        return config

    def _keep_theme_env(self, config: MkDocsConfig) -> None:
        # MkDocs asks the theme for a new environment on every (re)build, then lists every
        # file of the theme through it; under serve the last one is kept while the theme's
        # files are unchanged (templates stay compiled), and in every build the listing
        # skips Material's 14,000 icons, which MkDocs filters out anyway (briefbook.preview).
        theme = config.theme
        make = theme.get_env
        serving = self._serving

        def get_env() -> jinja2.Environment:
            key = (tuple(theme.dirs), theme.locale,
                   theme_fingerprint(theme.dirs) if serving else None)
            return self._theme_env.get(key, make)

        theme.get_env = get_env  # type: ignore[method-assign]

    def _pdf_option(self) -> str | None:
        name = self.config.pdf if self.config.pdf is not None else os.environ.get(PDF_ENV)
        if not name or not name.strip():
            return None
        try:
            checked = pdf_name(name.strip())
        except PdfError as exc:
            raise PluginError(f"briefbook: {exc}") from None
        if self._serving:  # a preview rebuilds on every edit; the print takes half a minute
            log.info("briefbook: the PDF is not printed while serving")
            return None
        return checked

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        # Checked before MkDocs walks docs/ (between this event and on_files): its walk
        # follows folder links and recurses once per level, so a link loop or folders
        # nested a thousand deep would stop it with a traceback before any message.
        self._produced = _guarded(lambda: self._produce(config))

    def _produce(self, config: MkDocsConfig) -> Produced:
        if self._templates is None or not self._serving:
            self._templates = Templates(self._root, watch=self._serving)
        produced = produce(self._root, self._layout,
                           cache=self._read_cache if self._serving else None,
                           templates=self._templates,
                           directory_urls=config.use_directory_urls,
                           site_url=config.site_url or "", pdf=self._pdf,
                           memo=self._memo if self._serving else None)
        checked = produced.checked
        if self._serving:
            log.info("briefbook: %d pages rendered, %d unchanged", self._memo.rendered,
                     self._memo.reused)
            self._memo.start()
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
        return produced

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        return _guarded(lambda: self._on_files(files, config))

    def _on_files(self, files: Files, config: MkDocsConfig) -> Files:
        produced = self._produced or self._produce(config)  # when on_files is called alone
        self._produced = None
        self._actor_names = {a.id: a.name for a in produced.checked.index.book.actors}
        pages = list(produced.pages)
        if self._pages_dir is not None:
            written = write_pages(pages, self._pages_dir)
            log.info("briefbook: %d of %d generated pages changed", written, len(pages))
        self._unsearched = {page.path: page.unsearched for page in pages if page.unsearched}
        self._record_files = {page.path: page.edit_path for page in pages if page.edit_path}
        self._changes = produced.history.changes
        if self._pages_dir is not None and produced.home != self._home:
            # The home page's file is unchanged but its generated section is not: MkDocs'
            # dirty build rebuilds a file whose content was set (File.is_modified).
            home = files.get_file_from_path("index.md")
            if home is not None and home.generated_by is None:
                home.content_bytes = home.content_bytes
        self._home = produced.home
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
        # The theme prints front-matter fields raw (description into an attribute, icons,
        # subtitles, redirect targets): every string in them becomes escaped text before any
        # template sees it.  The title is escaped below, once MkDocs has settled it.
        for key, value in page.meta.items():
            if key != "title":
                page.meta[key] = escape_meta(value)
        if page.file.src_uri == "index.md" and page.file.generated_by is None and self._home:
            return f"{markdown}\n\n{HOME_MARK}\n\n{self._home}"
        return markdown

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
        def resolve(path: str) -> str | None:
            target = files.get_file_from_path(
                posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), path)))
            return None if target is None else target.url_relative_to(page.file)

        if page.file.generated_by is None:
            # Hand-written pages are contributor content too, and MkDocs passes raw HTML
            # and javascript: links through; generated pages are escaped when rendered.
            if page.file.src_uri == "index.md" and self._home and HOME_MARK in content:
                written, _, generated = content.rpartition(HOME_MARK)
                return sanitize_page(written) + rewrite_md_links(generated, resolve)
            return sanitize_page(content)

        content = rewrite_md_links(content, resolve)
        unsearched = self._unsearched.get(page.file.src_uri)
        return exclude_from_search(content, unsearched) if unsearched else content

    def on_page_context(self, context: TemplateContext, /, *, page: MkPage,
                        config: MkDocsConfig, nav: Navigation) -> TemplateContext | None:
        # Material's own "last update" line (partials/source-file.html) prints this meta
        # field as HTML; the date is the last commit of the page's file, never hand-kept.
        path = self._record_files.get(page.file.src_uri)
        if path is None and page.file.generated_by is None:
            path = posixpath.join(self._layout.docs, page.file.src_uri)
        change = self._changes.get(path) if path else None
        if change is not None:
            page.meta["git_revision_date_localized"] = last_changed_html(change,
                                                                         config.repo_url)
        return context

    @event_priority(-100)  # last, so the hashes cover every inline script
    def on_post_page(self, output: str, /, *, page: MkPage, config: MkDocsConfig) -> str | None:
        # Under serve, MkDocs injects its live-reload script after this; a policy would
        # block it, and a preview needs no protection from its own author.
        output = add_feed_links(output, page.file.src_uri, config.site_name, self._actor_names)
        return output if self._serving else add_policy(output, self._theme_scripts)

    @event_priority(-100)
    def on_post_template(self, output_content: str, /, *, template_name: str,
                         config: MkDocsConfig) -> str | None:
        if self._serving or not template_name.endswith(".html"):
            return output_content
        return add_policy(output_content, self._theme_scripts)

    @event_priority(50)  # before the search plugin writes its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.config.cname:
            Path(config.site_dir, "CNAME").write_text(self.config.cname.strip().lower() + "\n",
                                                     encoding="ascii")
        if self._pdf:
            self._print_pdf(Path(config.site_dir), self._pdf)
        # Under `serve --dirty`, Material merges the previous search index with the pages
        # just rebuilt, but drops the previous entries of only one of them, and all those
        # whose address starts with its own (every page, when it is the home page).  An
        # edit rebuilds every page that shows the record, so the merge is done here: the
        # previous entries but those of the pages rebuilt or gone, then the new ones;
        # Material then finds no new entries and keeps the merged index as it is.
        search = config.plugins.get("material/search")
        previous = getattr(search, "search_index_prev", None)
        current = getattr(search, "search_index", None)
        if not self._serving_dirty or previous is None or current is None:
            return
        previous.entries = [
            entry for entry in previous.entries
            if (page := _page_key(str(entry["location"]).split("#")[0])) in self._live
            and page not in self._rebuilt
        ] + current.entries
        current.entries = []

    def _print_pdf(self, site: Path, name: str) -> None:
        # Printed from the pages just written, so the home page's link is never broken: the
        # build fails rather than publish a link to a PDF that was not printed.
        log.info("briefbook: printing the PDF briefing book into %s ...", name)
        def print_it() -> int:
            try:
                return publish(site, name).pages
            except PdfError as exc:
                raise PluginError(f"briefbook: {exc}") from None

        pages = _guarded(print_it)
        log.info("briefbook: printed %s: %d pages", name, pages)

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
