"""One Markdown converter for every generated page, for the plugin (it imports MkDocs).

MkDocs makes a new ``markdown.Markdown`` instance, with every extension, for every page
(``Page.render``).  The generated pages are converted here instead by one instance made
exactly as MkDocs makes its own, reset between pages, with MkDocs' own per-page processors
(raw-HTML anchors, anchor and link checks, the title) registered afresh for each page, so
the page gets the same HTML, table of contents, title and anchors as ``Page.render`` gives.
"""

from __future__ import annotations

import logging

import markdown
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure import pages
from mkdocs.structure.files import Files
from mkdocs.structure.toc import get_toc


class ReusedMarkdown:
    """``Page.render`` with one converter for all the pages it is given."""

    def __init__(self) -> None:
        self._md: markdown.Markdown | None = None
        self._made_for: MkDocsConfig | None = None

    def render(self, page: pages.Page, config: MkDocsConfig, files: Files) -> None:
        """What ``page.render(config, files)`` does, with the kept converter."""
        if page.markdown is None:
            raise RuntimeError("`markdown` field hasn't been set (via `read_source`)")
        md = self._md
        if md is None or self._made_for is not config:  # a new build, a new configuration
            md = self._md = markdown.Markdown(extensions=config["markdown_extensions"],
                                              extension_configs=config["mdx_configs"] or {})
            self._made_for = config
        else:
            md.reset()
        # MkDocs' own processors hold the page they work for: new ones for each page
        # (registering under the same name replaces the last page's).
        raw_html = pages._RawHTMLPreprocessor()
        raw_html._register(md)
        anchors = pages._ExtractAnchorsTreeprocessor(page.file, files, config)
        anchors._register(md)
        links = pages._RelativePathTreeprocessor(page.file, files, config)
        links._register(md)
        title = pages._ExtractTitleTreeprocessor()
        title._register(md)

        page.content = md.convert(page.markdown)
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = title.title
        page.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if pages.log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = links.links_to_anchors
