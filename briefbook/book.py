"""The book as a whole: every stage behind one call, for the command line and the plugin.

``produce`` reads, validates and indexes the book (``pipeline.check``), then renders its
pages; ``render_into`` also writes them, with the rest of a buildable tree, for an engine
that runs no plugin.  The plugin and the command line call these and nothing below them, so
they cannot drift apart in what they check or render.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefbook import buildcache, export
from briefbook.checkcache import code_digest
from briefbook.diagnostics import working_on
from briefbook.history import NO_HISTORY, History, read_history
from briefbook.load import DEFAULT_LAYOUT, Layout, ReadCache
from briefbook.memo import PageMemo
from briefbook.pipeline import Checked, check
from briefbook.render import Page, Renderer, Templates, assets


@dataclass(frozen=True)
class Produced:
    checked: Checked
    pages: tuple[Page, ...]
    """Every generated page and asset; none when the check found errors."""
    home: str = ""
    """The home page's generated section (Markdown), placed after the hand-written
    ``index.md``'s text, behind ``render.HOME_MARK``."""
    history: History = NO_HISTORY
    """The book's git history, read once for the feeds, the calendar and every page's
    "last changed" line."""
    rendered: int = 0
    """Pages rendered, when an earlier render's pages could be reused (``memo``)."""
    reused: int = 0
    """Pages an earlier render gave unchanged."""


def produce(root: Path, layout: Layout = DEFAULT_LAYOUT, *, cache: ReadCache | None = None,
            templates: Templates | None = None, directory_urls: bool = True,
            site_url: str | None = None, pdf: str | None = None,
            memo: PageMemo | None = None, warm: bool = False) -> Produced:
    """Check the book at ``root`` and, if it has no errors, render every page, the data
    exports and feeds (under ``data/``) and the data page.

    ``cache``, ``templates`` and ``memo`` (the pages rendered last) are kept by `mkdocs
    serve` across rebuilds; ``site_url`` (default: the book's ``mkdocs.yml``) makes the
    exports' page URLs absolute; ``pdf``, the file the build prints the PDF briefing book
    into, puts a link to it on the home page.  ``warm`` (a warm build): check with
    `briefbook check`'s read cache, and reuse the pages the last warm build rendered whose
    views are unchanged; both give what the work would (``checkcache``, ``buildcache``)."""
    if warm:
        from briefbook.checkcache import cached_check

        checked = cached_check(root, layout)
    else:
        checked = check(root, layout, cache)
    if checked.errors:
        return Produced(checked, ())
    templates = templates or Templates(root)
    code = buildcache.digest(code_digest("*"), buildcache.library_versions()) if warm else ""
    if warm and memo is None:
        memo = buildcache.load_pages(root, code)
    renderer = Renderer(root, checked.index, directory_urls=directory_urls,
                        templates=templates, memo=memo)
    working_on("writing the data exports")
    url = export.site_url_of(root) if site_url is None else site_url
    log = read_history(root, layout)
    def exports() -> list[export.ExportFile]:
        return export.export_files(checked.index, url, entered=log.added, parts=memo)

    # A warm build's memo holds no exports: fingerprinting the book would be lost work.
    files = (exports() if memo is None or warm
             else memo.exports((checked.index.book, url, log.added), exports))
    data = [Page(f"{export.DATA_DIR}/{file.path}", file.content.decode("utf-8"))
            for file in files]
    del files  # their bytes, beside the text just made, while every page renders: 8 % of the peak
    if warm and memo is not None:
        if memo.parts_changed:
            buildcache.save_parts(root, code, memo)
        memo.let_go_of_parts()
    # Relative links: the exports are files of the site like any page, which MkDocs checks.
    data.append(Page(export.DATA_PAGE, export.data_page("")))
    pages = renderer.render_all()
    home = renderer.render_home(pdf)
    if warm and memo is not None and memo.changed:
        buildcache.save_pages(root, code, memo)
    counts = (0, 0) if memo is None else (memo.rendered, memo.reused)
    return Produced(checked, (*pages, *data, *assets(root)), home, log, *counts)


@dataclass(frozen=True)
class Rendered:
    produced: Produced
    files: int
    """Files of the tree."""
    written: int
    """Files written (the others were unchanged)."""
    removed: int
    """Stale files of an earlier render removed."""


def render_into(root: Path, out_dir: Path, engine: str = "zensical",
                pdf: str | None = None) -> Rendered:
    """Check and render the book, then write a complete tree for ``engine`` into
    ``out_dir`` (nothing is written when the check finds errors); ``pdf`` as for
    ``produce``."""
    from briefbook.engine import OWN_OUTPUT, render_tree
    from briefbook.write import write_tree

    produced = produce(root, pdf=pdf)
    if produced.checked.errors:
        return Rendered(produced, 0, 0, 0)
    files = render_tree(root, list(produced.pages), engine=engine, home=produced.home,
                        changes=produced.history.changes)
    written, removed = write_tree(files, out_dir, ignored=OWN_OUTPUT)
    return Rendered(produced, len(files), written, removed)
