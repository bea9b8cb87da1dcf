"""The `md` escaper: any text, rendered through Markdown, comes back as the same text."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st

from briefbook.render import md

# The extensions the shipped mkdocs.yml enables, plus the ones Material users commonly add.
EXTENSIONS = ["tables", "sane_lists", "toc", "attr_list", "md_in_html", "admonition",
              "pymdownx.betterem", "pymdownx.tilde", "pymdownx.caret", "pymdownx.mark",
              "pymdownx.magiclink", "pymdownx.inlinehilite", "pymdownx.smartsymbols"]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def render(text: str) -> tuple[str, list[str]]:
    out = markdown.markdown(f"before {md(text)} after", extensions=EXTENSIONS)
    parser = _Text()
    parser.feed(out)
    return "".join(parser.parts), parser.tags


printable = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
                           blacklist_characters="\x85"),
    max_size=60,
)


@settings(max_examples=500, deadline=None)
@given(printable)
def test_escaped_text_renders_as_itself_with_no_markup(text: str) -> None:
    shown, tags = render(text)
    expected = " ".join(f"before {text} after".split())
    assert " ".join(shown.split()) == expected
    assert tags == ["p"]


def test_known_injections_stay_text() -> None:
    for payload in ["<script>alert(1)</script>", "[x](javascript:alert(1))",
                    "&lt;script&gt;", "a | b |\n|---|", "\n\n# heading", "{: onclick=x }",
                    "--8<-- '/etc/passwd'", "{{ 7*7 }}", "**bold** _em_ `code`"]:
        shown, tags = render(payload)
        assert tags == ["p"], payload
        assert " ".join(shown.split()) == " ".join(f"before {payload} after".split())
        assert "<" not in md(payload) and ">" not in md(payload)
        assert html.unescape(md(payload)) == " ".join(payload.split())
