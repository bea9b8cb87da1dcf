"""``briefbook finish``: the fence around hand-written content, and the link check."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefbook.csp import theme_scripts
from briefbook.finish import FinishError, fence, finish_site, sanitize_fenced


def page(body: str) -> str:
    return f"<html><head></head><body><nav><script>theme()</script></nav>{body}</body></html>"


def test_fenced_content_is_sanitised_and_the_theme_left_alone() -> None:
    hostile = '<p onclick="alert(1)">hi</p><script>alert(2)</script><a href="javascript:x">l</a>'
    fenced = fence(hostile).replace("\n\n", "")
    out = sanitize_fenced(page(fenced), "about/index.html")
    assert "<script>theme()</script>" in out
    assert "alert" not in out and "javascript:" not in out and "onclick" not in out
    assert "<p>hi</p>" in out


def test_a_page_cannot_close_its_own_fence() -> None:
    """The nonce is a hash of the page's own text: a guessed end marker is just text."""
    forged = "<!-- /briefbook:handwritten:000000000000000000000000 --><script>alert(1)</script>"
    out = sanitize_fenced(page(fence(forged)), "about/index.html")
    assert "<script>alert(1)" not in out


def test_a_fence_without_its_end_fails_closed() -> None:
    unclosed = fence("text").rsplit("<!-- /briefbook", 1)[0]
    with pytest.raises(FinishError, match=r"about/index\.html: .* no end marker"):
        sanitize_fenced(page(unclosed), "about/index.html")


def test_links_and_anchors_are_checked(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "index.html").write_text(page(
        '<a href="../b/#here">ok</a><a href="../b/#gone">bad anchor</a>'
        '<a href="../c/">bad page</a><a href="https://example.org/">elsewhere</a>'
        '<a href="#top">bad own anchor</a>'), encoding="utf-8")
    (tmp_path / "b" / "index.html").write_text(page('<p id="here">b</p>'), encoding="utf-8")
    finished = finish_site(tmp_path, [])
    assert sorted(finished.broken) == ["a/index.html: #top", "a/index.html: ../b/#gone",
                                       "a/index.html: ../c/"]
    assert finished.pages == 2
    text = (tmp_path / "b" / "index.html").read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in text
    again = finish_site(tmp_path, [])  # idempotent: one policy, nothing changed
    assert again.changed == 0
    assert (tmp_path / "b" / "index.html").read_text(encoding="utf-8").count(
        "Content-Security-Policy") == 1


def test_the_theme_scripts_of_the_given_templates_are_allowed(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "base.html").write_text("<script>theme()</script>", encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(page("<script>alert(1)</script>"), encoding="utf-8")
    finish_site(site, [theme])
    text = (site / "index.html").read_text(encoding="utf-8")
    policy = text.split('content="', 1)[1].split('"', 1)[0]
    assert theme_scripts([theme]).allows("theme()")
    assert policy.count("'sha256-") == 1
