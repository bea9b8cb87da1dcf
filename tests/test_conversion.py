"""The plugin converts its generated pages with one Markdown instance: each page gets what
MkDocs' own conversion (a new instance per page) gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import get_files
from mkdocs.structure.pages import Page

from briefbook.conversion import ReusedMarkdown
from tests.conftest import REPO


@pytest.mark.parametrize("book", ["minimal", "shipped"])
def test_every_generated_page_converts_as_mkdocs_converts_it(
        book: str, minimal_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = minimal_book if book == "minimal" else REPO
    monkeypatch.chdir(root)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    config = load_config(os.fspath(root / "mkdocs.yml"))
    config.plugins.on_startup(command="build", dirty=False)
    config = config.plugins.on_config(config)
    config.plugins.on_pre_build(config=config)
    files = config.plugins.on_files(get_files(config), config=config)
    generated = [f for f in files.documentation_pages() if f.generated_by == "briefbook"]
    assert len(generated) > 10
    reused = ReusedMarkdown()
    for file in generated:
        theirs = Page(None, file, config)
        theirs.read_source(config)
        theirs.render(config, files)
        ours = Page(None, file, config)
        ours.read_source(config)
        reused.render(ours, config, files)
        assert ours.content == theirs.content, file.src_uri
        assert str(ours.toc) == str(theirs.toc), file.src_uri
        assert [(i.title, i.id, i.level) for i in ours.toc] == [
            (i.title, i.id, i.level) for i in theirs.toc]
        assert ours._title_from_render == theirs._title_from_render
        assert ours.present_anchor_ids == theirs.present_anchor_ids
        assert ours.links_to_anchors == theirs.links_to_anchors
