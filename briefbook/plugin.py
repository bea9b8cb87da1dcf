"""The MkDocs plugin: a thin adapter over the load, validate, index and render stages.

This is the only module that imports MkDocs.
"""

from __future__ import annotations

import functools
import hashlib
import html
import importlib.util
import logging
import os
import posixpath
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TypeVar

import jinja2
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkPage
from mkdocs.utils import get_build_datetime
from mkdocs.utils.templates import TemplateContext

from briefbook import buildcache
from briefbook.book import Produced, produce
from briefbook.checkcache import code_digest
from briefbook.csp import ThemeScripts, add_policy, theme_scripts
from briefbook.diagnostics import internal_error
from briefbook.feeds import add_feed_links
from briefbook.history import Change, last_changed_html
from briefbook.load import Layout, ReadCache
from briefbook.memo import PageMemo
from briefbook.pdf import PDF_ENV, PdfError, pdf_name, publish
from briefbook.preview import KeptEnvironment, theme_fingerprint
from briefbook.rawhtml import Stash
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
_ENGINES = ("mkdocs", "properdocs")
"""The engines running this plugin, by the names of their loggers."""
_WARM_PLUGINS = frozenset({"search", "material/search", "briefbook"})
"""The plugins whose part of every page the warm build knows (see ``buildcache``)."""
_HEADING = re.compile(r"<h([1-6]) ([^>]*)>(.*?)</h\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _page_key(url: str) -> str:
    # The home page is './' in the file list and '' in the search index.
    return "" if url in ("./", ".") else url


def _entry_page(entry: Mapping[str, Any]) -> str:
    """The page a search entry belongs to, as ``_page_key`` names it."""
    return _page_key(str(entry["location"]).split("#")[0])


def exclude_from_search(content: str, headings: frozenset[str]) -> str:
    """Mark the sections under ``headings`` with Material's ``data-search-exclude``."""

    def mark(m: re.Match[str]) -> str:
        text = html.unescape(_TAG.sub("", m.group(3))).rstrip("¶").strip()
        if text not in headings:
            return m.group(0)
        return f"<h{m.group(1)} {m.group(2)} data-search-exclude>{m.group(3)}</h{m.group(1)}>"

    return _HEADING.sub(mark, content)


def _nav_paths(nav: object) -> set[str]:
    """The pages named in the configuration's ``nav``, as MkDocs reads their paths."""
    if isinstance(nav, str):
        return {PurePosixPath(nav.lstrip("/")).as_posix()} if nav.endswith(".md") else set()
    if isinstance(nav, dict):
        return set().union(*(_nav_paths(v) for v in nav.values()))
    if isinstance(nav, list):
        return set().union(*(_nav_paths(v) for v in nav))
    return set()


def _outline(items: list[Any]) -> list[Any]:
    """The navigation as every page shows it: kinds, titles, addresses, nesting."""
    return [[type(item).__name__, item.title, getattr(item, "url", None),
             _outline(item.children) if getattr(item, "children", None) else None]
            for item in items]


_NOT_SHOWN = frozenset({"site_dir", "config_file_path", "dev_addr", "watch", "strict",
                        "plugins", "theme"})
"""Settings no page shows (the staging folder's path, the preview's address), and the two
digested on their own."""


def _plain(value: object) -> object:
    """A setting as plain data for its digest: an object's ``repr`` may hold its address."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    shown = str(value)
    return type(value).__qualname__ if " at 0x" in shown else shown


class _WarningCount(logging.Handler):
    """Counts MkDocs' warnings and errors: a build that logged any keeps no warm-build
    manifest, so the next build repeats them instead of skipping the pages that gave them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _not_dirty_warning(record: logging.LogRecord) -> bool:
    # MkDocs warns that a dirty build's navigation and links may be wrong, which --strict
    # turns into a failure; briefbook's warm build rebuilds every page they could be wrong in.
    return not str(record.msg).startswith("A 'dirty' build is being performed")


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
        self._stashes: dict[str, Stash] = {}
        """Each generated page's raw HTML blocks, from its Markdown to its HTML."""
        # The warm build (`mkdocs build --dirty`, run by `briefbook build`; briefbook.buildcache):
        self._caching = False
        self._warm: buildcache.WarmBuild | None = None
        self._nav_pages: frozenset[str] | None = frozenset()
        """The pages in the navigation (``None``: every page, when mkdocs.yml has no nav)."""
        self._nav: Navigation | None = None
        self._files: Files | None = None
        self._must: dict[str, bool] = {}
        self._built: dict[str, buildcache.BuiltPage] = {}
        self._warnings = _WarningCount()
        self._failed = self._completed = False
        self._inputs: dict[str, str] = {}
        """Each page's digest, taken before MkDocs read it."""
        self._sources: dict[str, buildcache.Stat] = {}

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"],
                   dirty: bool) -> None:
        # Defining on_startup keeps this instance alive across `mkdocs serve` rebuilds.
        # Under `serve --dirty`, pages are written to a cache folder, rewriting only those
        # whose text changed, so MkDocs rebuilds just the pages an edit affects (Material's
        # search plugin keeps the rest of the search index).
        self._serving = command == "serve"
        self._serving_dirty = self._serving and dirty
        self._caching = command == "build" and dirty

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
        self._nav_pages = frozenset(_nav_paths(config.nav)) if config.nav else None
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
        if self._caching:
            self._failed = self._completed = False
            self._warnings.count = 0
            for engine in _ENGINES:
                logging.getLogger(engine).addHandler(self._warnings)
                logging.getLogger(f"{engine}.commands.build").addFilter(_not_dirty_warning)

    def _produce(self, config: MkDocsConfig) -> Produced:
        if self._templates is None or not self._serving:
            self._templates = Templates(self._root, watch=self._serving)
        produced = produce(self._root, self._layout,
                           cache=self._read_cache if self._serving else None,
                           templates=self._templates,
                           directory_urls=config.use_directory_urls,
                           site_url=config.site_url or "", pdf=self._pdf,
                           memo=self._memo if self._serving else None,
                           warm=self._caching)
        checked = produced.checked
        if self._serving or self._caching:
            log.info("briefbook: %d pages rendered, %d unchanged", produced.rendered,
                     produced.reused)
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
        for engine in _ENGINES:  # the warning is given before the file list is made
            logging.getLogger(f"{engine}.commands.build").removeFilter(_not_dirty_warning)
        # The pages in the navigation are read first: every page shows their titles, which
        # the warm build compares before it keeps any other page (see _must_build).
        nav_pages = self._nav_pages
        return Files(sorted(files, key=lambda f: not (
            nav_pages is None or (f.is_documentation_page() and f.src_uri in nav_pages))))

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig,
               files: Files) -> Navigation | None:
        if self._caching:
            _guarded(lambda: self._start_warm_build(nav, config, files))
        return nav

    def _start_warm_build(self, nav: Navigation, config: MkDocsConfig, files: Files) -> None:
        site_dir = Path(config.site_dir)
        foreign = sorted(set(config.plugins) - _WARM_PLUGINS)
        if foreign:
            log.info("briefbook: every page is built: the warm build does not know what "
                     "the plugin(s) %s add to a page", ", ".join(foreign))
            buildcache.clean(site_dir)
            self._warm = None
            return
        path = Path(os.environ.get(buildcache.CACHE_ENV) or buildcache.manifest_for(site_dir))
        last_site = os.environ.get(buildcache.LAST_SITE_ENV)
        self._warm = warm = buildcache.WarmBuild(
            path, site_dir, self._site_signature(config, files),
            Path(last_site) if last_site else None)
        self._nav, self._files, self._must, self._built = nav, files, {}, {}
        self._inputs = {}
        # The sources as they are before MkDocs copies them: one edited meanwhile differs
        # from this record next time, and is copied again.
        self._sources = {f.src_uri: st for f in files
                         if not f.is_documentation_page() and f.abs_src_path is not None
                         and (st := buildcache.stat_of(Path(f.abs_src_path))) is not None}
        for file in files:
            if file.is_documentation_page():
                file.is_modified = functools.partial(self._must_build, file)  # type: ignore[method-assign]
            elif file.abs_src_path is not None:  # a generated file is always written
                file.is_modified = functools.partial(  # type: ignore[method-assign]
                    lambda f: not warm.static_unchanged(f.src_uri, f.dest_uri,
                                                        str(f.abs_src_path)), file)

    def _site_signature(self, config: MkDocsConfig, files: Files) -> str:
        """What every page is made of: briefbook's code and templates, the libraries'
        versions, the theme's files, every setting a page may show, the plugins' options, the
        build's date as pages show it and the site's file list (with what is excluded)."""
        theme = config.theme
        material = importlib.util.find_spec("material")
        own = [Path(p).resolve() for p in (material.submodule_search_locations or [])
               ] if material else []
        # Material's own files are its version; a book's and briefbook's overrides are
        # listed whole, dot-folders (custom icons) too.
        overrides = [d for d in theme.dirs
                     if not any(Path(d).resolve().is_relative_to(p) for p in own)]
        return buildcache.digest(
            buildcache.VERSION, code_digest("*"), buildcache.library_versions(),
            _plain({key: value for key, value in config.items() if key not in _NOT_SHOWN}),
            _plain(dict(theme)), list(theme.dirs), str(theme.locale),
            theme_fingerprint(theme.dirs), theme_fingerprint(overrides, dot_folders=True),
            [p.pattern for p in self._theme_scripts.patterns],
            {name: _plain(plugin.config) for name, plugin in config.plugins.items()},
            self._pdf, get_build_datetime().strftime("%Y-%m-%d"),
            [(f.src_uri, f.dest_uri, f.url, f.is_documentation_page(), str(f.inclusion))
             for f in files])

    def _must_build(self, file: File) -> bool:
        """MkDocs' ``is_modified`` for a page, in the warm build."""
        decided = self._must.get(file.src_uri)
        if decided is None:
            decided = True
            warm, nav_pages = self._warm, self._nav_pages
            # The home page's PDF link gets the page count once the PDF is printed, in
            # the built page: printing needs it built.
            printed_into = self._pdf is not None and file.src_uri == "index.md"
            if (warm is not None and warm.warm and nav_pages is not None and not printed_into
                    and file.src_uri not in nav_pages and file.page is not None):
                if not warm.navigation and self._nav is not None:
                    warm.navigation = buildcache.digest(_outline(self._nav.items))
                inputs = self._inputs[file.src_uri] = self._inputs_of(file)
                built = warm.reusable(file.src_uri, file.dest_uri, inputs)
                if built is not None and self._files is not None:
                    # What MkDocs would know of the page had it read it: its anchors (for
                    # links into it), its links to other pages' anchors (still checked), and
                    # its title (for a theme listing every page).
                    page = file.page
                    page.present_anchor_ids = set(built.anchors)
                    targets = {t: self._files.get_file_from_path(t) for t in built.links}
                    page.links_to_anchors = {target: dict(built.links[t])
                                             for t, target in targets.items() if target}
                    page.title = built.title
                    decided = False
            self._must[file.src_uri] = decided
        return decided

    def on_pre_page(self, page: MkPage, /, *, config: MkDocsConfig,
                    files: Files) -> MkPage | None:
        if self._warm is not None:  # before MkDocs reads it: an edit meanwhile is seen later
            self._inputs[page.file.src_uri] = self._inputs_of(page.file)
        return page

    def _inputs_of(self, file: File) -> str:
        """What a page is made of besides the site: its text, address and "last changed"."""
        home = self._home if file.src_uri == "index.md" and file.generated_by is None else ""
        assert self._warm is not None
        return buildcache.digest(self._warm.site, file.src_uri, file.dest_uri, file.url,
                                 file.edit_uri, hashlib.sha256(file.content_bytes).hexdigest(),
                                 self._change_of(file), home)

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
        if page.file.generated_by is None:
            if page.file.src_uri == "index.md" and self._home:
                return f"{markdown}\n\n{HOME_MARK}\n\n{self._home}"
            return markdown
        # A generated page's raw HTML needs no Markdown pass (briefbook.rawhtml).
        stash = self._stashes[page.file.src_uri] = Stash()
        return stash.take(markdown)

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
        by_path, here = files.src_uris, posixpath.dirname(page.file.src_uri)

        def resolve(path: str) -> str | None:
            # The joined path is already in MkDocs' form: get_file_from_path would take a
            # tenth of the build normalising it again, once per link.
            target = by_path.get(posixpath.normpath(posixpath.join(here, path)))
            return None if target is None else target.url_relative_to(page.file)

        if page.file.generated_by is None:
            # Hand-written pages are contributor content too, and MkDocs passes raw HTML
            # and javascript: links through; generated pages are escaped when rendered.
            if page.file.src_uri == "index.md" and self._home and HOME_MARK in content:
                written, _, generated = content.rpartition(HOME_MARK)
                return sanitize_page(written) + rewrite_md_links(generated, resolve)
            return sanitize_page(content)

        stash = self._stashes.pop(page.file.src_uri, None)
        if stash is not None:
            content = _guarded(lambda: stash.restore(content))
            page.present_anchor_ids = (page.present_anchor_ids or set()) | stash.anchor_ids()
        content = rewrite_md_links(content, resolve)
        unsearched = self._unsearched.get(page.file.src_uri)
        if not self._serving:
            # MkDocs holds every page's Markdown to the end of the build, beside its HTML;
            # nothing reads a generated page's again (under serve, the kept pages do).
            page.markdown = ""
            page.file.content_string = ""
        return exclude_from_search(content, unsearched) if unsearched else content

    def on_page_context(self, context: TemplateContext, /, *, page: MkPage,
                        config: MkDocsConfig, nav: Navigation) -> TemplateContext | None:
        # Material's own "last update" line (partials/source-file.html) prints this meta
        # field as HTML; the date is the last commit of the page's file, never hand-kept.
        change = self._change_of(page.file)
        if change is not None:
            page.meta["git_revision_date_localized"] = last_changed_html(change,
                                                                         config.repo_url)
        return context

    def _change_of(self, file: File) -> Change | None:
        path = self._record_files.get(file.src_uri)
        if path is None and file.generated_by is None:
            path = posixpath.join(self._layout.docs, file.src_uri)
        return self._changes.get(path) if path else None

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
    def _finish_build(self, *, config: MkDocsConfig) -> None:
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
        if self._warm is not None and current is not None:
            _guarded(lambda: self._merge_warm_search(current))
        if not self._serving_dirty or previous is None or current is None:
            return
        previous.entries = [
            entry for entry in previous.entries
            if (page := _entry_page(entry)) in self._live
            and page not in self._rebuilt
        ] + current.entries
        current.entries = []

    def _merge_warm_search(self, index: Any) -> None:
        # A page kept from the last build adds no search entries (Material collects them
        # while it builds a page): the manifest's are put back, in the order a cold build
        # gives, and this build's entries of each page go into the next manifest.
        assert self._warm is not None and self._files is not None
        warm = self._warm
        pages = self._files.documentation_pages()
        by_page: dict[str, list[Mapping[str, Any]]] = {}
        for entry in index.entries:
            by_page.setdefault(_entry_page(entry), []).append(entry)
        order, rebuilt, kept = [], {}, {}
        for file in pages:
            key = _page_key(file.url)
            order.append(key)
            reused = warm.reused.get(file.src_uri)
            if reused is not None:
                kept[key] = reused.search
                self._built[file.src_uri] = reused
                continue
            rebuilt[key] = entries = by_page.get(key, [])
            page, inputs = file.page, self._inputs.get(file.src_uri)
            if page is not None and page.present_anchor_ids is not None and inputs:
                links = {target.src_uri: dict(anchors)
                         for target, anchors in (page.links_to_anchors or {}).items()}
                self._built[file.src_uri] = buildcache.BuiltPage(
                    inputs, file.dest_uri, tuple(entries),
                    tuple(sorted(page.present_anchor_ids)), links, page.title)
        index.entries = buildcache.merged_search(order, rebuilt, kept)
        navigation = buildcache.digest(_outline(self._nav.items)) if self._nav else ""
        if warm.reused and warm.navigation and warm.navigation != navigation:
            log.warning("briefbook: the navigation changed while the warm build kept pages; "
                        "build again with 'briefbook build --no-cache'")
        warm.navigation = navigation
        log.info("briefbook: %d of %d pages kept from the last build, %d built",
                 len(warm.reused), len(pages), len(pages) - len(warm.reused))

    @event_priority(-100)
    def _finished(self, *, config: MkDocsConfig) -> None:
        # The last step of a build that ran to its end: only such a build is recorded (Ctrl-C
        # is no error to MkDocs, and on_shutdown runs after it too).
        self._completed = True

    on_post_build = CombinedEvent(_finish_build, _finished)

    def on_build_error(self, *, error: Exception) -> None:
        self._failed = True

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
        if self._caching:
            for engine in _ENGINES:
                logging.getLogger(engine).removeHandler(self._warnings)
                logging.getLogger(f"{engine}.commands.build").removeFilter(_not_dirty_warning)
            warm, files = self._warm, self._files
            if (warm is not None and files is not None and self._completed
                    and not self._failed and not self._warnings.count):
                _guarded(lambda: warm.save(self._built, self._sources))
            self._warm = None
        if self._pages_dir is not None:
            shutil.rmtree(self._pages_dir, ignore_errors=True)

    def on_serve(self, server: LiveReloadServer, /, *, config: MkDocsConfig,
                 builder: Any) -> LiveReloadServer | None:
        for folder in (self._layout.events, self._layout.sources, "templates"):
            path = self._root / folder
            if path.is_dir():
                server.watch(str(path))
        return server
