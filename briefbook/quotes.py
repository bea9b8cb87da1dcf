"""Find a citation's quote in its source's archived text.

Matching forgives only what copying a passage out of a web page changes: runs of white space,
typographic quotes, apostrophes and dashes, and Markdown link syntax (``[text](url)`` matches
``text``).  Case, spelling and punctuation must agree, so a quote is a real quotation.
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass
from functools import cached_property

_FOLD = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
})
_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\s]*\)")
_SPACE = re.compile(r"\s+")
# Words joined by single plain spaces fold in place, so they form one token; any other
# white space is a token of its own, folded to one space.
_TOKEN = re.compile(r"\S+(?: \S+)*|\s+")


@dataclass(frozen=True, slots=True)
class Span:
    """Where a quote sits in a text: ``text[start:end]``."""

    start: int
    end: int


class Passage:
    """A text prepared once for many quote searches."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded = fold(text)

    @cached_property
    def _origin(self) -> _Runs:
        # Only highlighting needs to map back to the original text; checking does not.
        return _fold_with_origin(self.text)[1]

    def find(self, quote: str) -> Span | None:
        """Where ``quote`` sits in the folded text (cheap: checking needs no more)."""
        needle = fold(quote)
        if not needle:
            return None
        at = self.folded.find(needle)
        return None if at < 0 else Span(at, at + len(needle))

    def in_text(self, folded: Span) -> Span:
        """The same passage in the original text, for highlighting."""
        start = self._origin[folded.start]
        end = self._origin[folded.end - 1] + 1
        # A quote may start or end inside a Markdown link's text: widen the span to the
        # whole link so highlighting never cuts one in half.
        for link in self._links:
            if link.start() < start < link.end():
                start = link.start()
            if link.start() < end < link.end():
                end = link.end()
        return Span(start, end)

    @cached_property
    def _links(self) -> list[re.Match[str]]:
        return list(_LINK.finditer(self.text))

    def nearest(self, quote: str) -> tuple[int, str]:
        """The passage most like ``quote``, for a 'not found' hint: (line, text)."""
        needle = fold(quote)
        matcher = difflib.SequenceMatcher(None, self.folded, needle, autojunk=False)
        match = matcher.find_longest_match(0, len(self.folded), 0, len(needle))
        start = max(0, match.a - match.b)
        end = min(len(self.folded), start + len(needle))
        # Widen to whole words so the hint reads as a passage to copy.
        while start > 0 and not self.folded[start - 1].isspace():
            start -= 1
        while end < len(self.folded) and not self.folded[end].isspace():
            end += 1
        origin_start = self._origin[start] if self._origin else 0
        line = self.text.count("\n", 0, origin_start) + 1
        return line, self.folded[start:end]


def fold(text: str) -> str:
    """The comparable form of a text: links unwrapped, quotes and dashes plain, spaces single."""
    return _SPACE.sub(" ", _LINK.sub(r"\1", text).translate(_FOLD)).strip()


class _Runs:
    """Maps a position in the folded text to the original text.  Folding keeps words and
    single spaces in place character for character, so one entry per stretch of them (and
    per space standing for other white space) is enough; a lookup is a binary search."""

    def __init__(self) -> None:
        self.folded: list[int] = []
        self.original: list[int] = []

    def add(self, folded_at: int, original_at: int) -> None:
        self.folded.append(folded_at)
        self.original.append(original_at)

    def __getitem__(self, position: int) -> int:
        run = bisect.bisect_right(self.folded, position) - 1
        return self.original[run] + position - self.folded[run]

    def __bool__(self) -> bool:
        return bool(self.folded)


def _fold_with_origin(text: str) -> tuple[str, _Runs]:
    out: list[str] = []
    origin = _Runs()
    length = 0
    pending_space = False

    def emit(chunk: str, offset: int) -> None:
        # A run of white space becomes one space, which stands where the next word starts.
        nonlocal pending_space, length
        for m in _TOKEN.finditer(chunk):
            token = m.group()
            if token[0].isspace():
                pending_space = bool(out)
                continue
            start = offset + m.start()
            if pending_space:
                out.append(" ")
                origin.add(length, start)
                length += 1
                pending_space = False
            out.append(token.translate(_FOLD))
            origin.add(length, start)
            length += len(token)

    position = 0
    for link in _LINK.finditer(text):
        emit(text[position : link.start()], position)
        emit(link.group(1), link.start(1))
        position = link.end()
    emit(text[position:], position)
    return "".join(out), origin
