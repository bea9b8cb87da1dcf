"""Raw HTML blocks that need no Markdown pass.

A generated page is mostly raw HTML (the at-a-glance card, the timeline, the listings'
tables, converted prose), which Python-Markdown passes through verbatim, but only after two
HTML parsers have read all of it: its own, to find where each block ends, and MkDocs', to
collect the ids links may point at. Together they are about a quarter of MkDocs' work on a
book. So the plugin hands MkDocs each such block as a one-word paragraph, puts the block back
into the converted page, and collects the block's ids itself.

A block is taken only where Markdown's reading is certain: a run of lines between blank lines
that starts at the margin with a block-level tag and closes that tag at its very end, with
nothing but nested markup between (every value the templates insert is escaped or sanitised,
so no ``<`` in it opens a tag). Everything else stays for Markdown to read.
"""

from __future__ import annotations

import html
import re
import secrets
from dataclasses import dataclass, field

from markdown.util import BLOCK_LEVEL_ELEMENTS, ETX, STX

_BLOCK_START = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)[\s>]")
_ID = re.compile(r'<[a-zA-Z][^<>]*?\sid="([^"<>]*)"')
_ANCHOR_NAME = re.compile(r'<a\s[^<>]*?\bname="([^"<>]*)"')
_SPACES_LINE = re.compile(r"(?<=\n) +\n")
_BLANK = re.compile(r"\n(?:[ \t]*\n)+")
_BLOCK_LEVEL = frozenset(BLOCK_LEVEL_ELEMENTS) - {"pre", "script", "style", "textarea"}
"""Markdown's block-level tags; those whose content the browser reads raw are left alone."""


def _closes_at_end(block: str, tag: str) -> bool:
    """Whether the first ``tag`` of ``block`` is closed by the block's last characters, and
    not before (where Markdown's raw block would end and the rest be read as Markdown)."""
    closing = f"</{tag}>"
    end = len(block.rstrip())
    if not block.endswith(closing, 0, end):
        return False
    depth = 0
    for m in re.finditer(rf"<(/?){tag}[\s>]", block, re.IGNORECASE):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return m.start() == end - len(closing)
    return False


def normalized(markdown: str) -> str:
    """``markdown`` with its whitespace as Python-Markdown reads it before anything else (its
    ``NormalizeWhitespace``, with MkDocs' tab length of 4): a raw block keeps its text as
    normalised, tabs expanded."""
    text = markdown.replace(STX, "").replace(ETX, "").replace("\r\n", "\n").replace("\r", "\n")
    return _SPACES_LINE.sub("\n", text.expandtabs(4))


@dataclass
class Stash:
    """The blocks taken from one page, by the token that stands for each."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(8))
    blocks: dict[str, str] = field(default_factory=dict)

    def take(self, markdown: str) -> str:
        """``markdown`` with every raw HTML block Markdown would pass through replaced by a
        token; the token is random, so no content can spell it."""
        markdown = normalized(markdown)
        parts: list[str] = []
        last = 0
        for gap in [*_BLANK.finditer(markdown), None]:
            end = gap.start() if gap else len(markdown)
            block = markdown[last:end]
            start = _BLOCK_START.match(block)
            if start and start.group(1).lower() in _BLOCK_LEVEL and _closes_at_end(
                    block, start.group(1)):
                token = f"bbraw{self.nonce}x{len(self.blocks)}"
                self.blocks[token] = block.rstrip()
                block = token
            parts.append(block)
            if gap:
                parts.append(gap.group(0))
                last = gap.end()
        return "".join(parts)

    def restore(self, content: str) -> str:
        """The converted page with each token put back as its block.

        Markdown gives a token its own paragraph, and ends a raw block with a line break
        (but at the end of the page, which it strips); inside another raw block (one that
        spans blank lines), the token stays as written.
        """
        # Split at the tokens (a regex over the whole page took as long as the rest).
        prefix = f"bbraw{self.nonce}x"
        pieces = content.split(prefix)
        out, found = [pieces[0]], []
        for piece in pieces[1:]:
            digits = len(piece) - len(piece.lstrip("0123456789"))
            token, rest = prefix + piece[:digits], piece[digits:]
            block = self.blocks.get(token)
            if block is None:
                raise AssertionError(f"an unknown raw HTML token: {token}")
            found.append(token)
            if out[-1].endswith("<p>") and rest.startswith("</p>"):
                out[-1] = out[-1][:-3]
                out.append(block if not rest[4:] and piece is pieces[-1] else block + "\n")
                out.append(rest[4:])
            else:
                out.append(block)
                out.append(rest)
        if sorted(found) != sorted(self.blocks):
            raise AssertionError("a raw HTML block was lost or repeated in the conversion")
        return "".join(out)

    def anchor_ids(self) -> set[str]:
        """The ids (and ``<a name>``) in the blocks, as MkDocs collects them from raw HTML."""
        found: set[str] = set()
        for block in self.blocks.values():
            found.update(html.unescape(v) for v in _ID.findall(block))
            found.update(html.unescape(v) for v in _ANCHOR_NAME.findall(block))
        return found
