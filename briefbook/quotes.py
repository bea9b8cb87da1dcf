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
_WORD = re.compile(r"\S+")
_COMMON_WORD = 200
"""A word found more often than this in a source says little about where a passage is."""
_CANDIDATE_WINDOWS = 4
_LARGE = 100_000
"""Characters of folded text past which quotes are found through the word index."""
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
        at = self._find_by_word(needle) if len(self.folded) > _LARGE else self.folded.find(needle)
        return None if at < 0 else Span(at, at + len(needle))

    def _find_by_word(self, needle: str) -> int:
        """``self.folded.find(needle)`` through the word index: thousands of quotes each
        scanning a megabyte-long source add up to seconds.  A word inside the quote (not
        its first or last, which may be parts of words) is a whole word of the text
        wherever the quote occurs, so only the places of its rarest one are tried, in
        order: the first that holds the quote is where ``find`` would have stopped."""
        words = needle.split(" ")
        if len(words) < 3:
            return self.folded.find(needle)
        offset, rarest = 0, ""
        fewest = -1
        position = len(words[0]) + 1
        for word in words[1:-1]:
            count = len(self._words.get(word, ()))
            if fewest < 0 or count < fewest:
                offset, rarest, fewest = position, word, count
            position += len(word) + 1
        for at in self._words.get(rarest, ()):
            start = at - offset
            if start >= 0 and self.folded.startswith(needle, start):
                return start
        return -1

    def in_text(self, folded: Span) -> Span:
        """The same passage in the original text, for highlighting."""
        start = self._origin[folded.start]
        end = self._origin[folded.end - 1] + 1
        # A quote may start or end inside a Markdown link's text: widen the span to the
        # whole link so highlighting never cuts one in half.  Links never overlap, so the
        # only one that can hold a position is the last to start before it (a bisection:
        # a scan of every link per citation was quadratic on a source with many links).
        starts, ends = self._links
        holder = bisect.bisect_left(starts, start) - 1
        if holder >= 0 and start < ends[holder]:
            start = starts[holder]
        holder = bisect.bisect_left(starts, end) - 1
        if holder >= 0 and end < ends[holder]:
            end = ends[holder]
        return Span(start, end)

    @cached_property
    def _links(self) -> tuple[list[int], list[int]]:
        """Where each Markdown link starts and ends, in text order."""
        links = list(_LINK.finditer(self.text))
        return [m.start() for m in links], [m.end() for m in links]

    @cached_property
    def _words(self) -> dict[str, list[int]]:
        """Every word of the folded text with where it occurs: the candidate index for
        'nearest passage' hints, built once per source and only when a quote is missing."""
        positions: dict[str, list[int]] = {}
        for m in _WORD.finditer(self.folded):
            positions.setdefault(m.group(), []).append(m.start())
        return positions

    def _candidates(self, needle: str) -> list[tuple[int, int]]:
        """The few windows of the folded text that share the most words with ``needle``.

        Each occurrence of a word of the quote votes for where the quote would start if it
        were there; votes are pooled in buckets, so a paraphrase that shifts the words a
        little still votes for one place.  Words too common to say where a passage is are
        left out, which bounds the work whatever the size of the source."""
        width = max(len(needle), 1)
        bucket = max(32, width // 2)
        votes: dict[int, int] = {}
        words = [(m.group(), m.start()) for m in _WORD.finditer(needle)]
        usable = [(w, o) for w, o in words if len(self._words.get(w, ())) <= _COMMON_WORD]
        if not usable and words:
            rarest = min(words, key=lambda wo: len(self._words.get(wo[0], ())))
            usable = [rarest]
        for word, offset in usable:
            for at in self._words.get(word, ())[:_COMMON_WORD]:
                key = (at - offset) // bucket
                votes[key] = votes.get(key, 0) + len(word)
        best = sorted(votes, key=lambda key: (-votes[key], key))[:_CANDIDATE_WINDOWS]
        if not best:
            return [(0, min(len(self.folded), 3 * width))]
        end = len(self.folded)
        return [(max(0, key * bucket - width), min(end, (key + 1) * bucket + 2 * width))
                for key in best]

    def nearest(self, quote: str) -> tuple[int, str]:
        """The passage most like ``quote``, for a 'not found' hint: (line, text).

        difflib compares the quote only with a few candidate windows: on the whole text it
        took ~17 s a quote at 1 MB."""
        needle = fold(quote)
        found: tuple[int, int, int] | None = None  # (size, start in text, start in needle)
        for low, high in self._candidates(needle):
            matcher = difflib.SequenceMatcher(None, self.folded[low:high], needle,
                                              autojunk=False)
            match = matcher.find_longest_match(0, high - low, 0, len(needle))
            candidate = (match.size, low + match.a, match.b)
            if found is None or (candidate[0], -candidate[1]) > (found[0], -found[1]):
                found = candidate
        assert found is not None
        start = max(0, found[1] - found[2])
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
    if "](" in text:  # no link without it; the check spares a regex pass over every quote
        text = _LINK.sub(r"\1", text)
    # str.split() and the regex's \s agree on what white space is (Py_UNICODE_ISSPACE);
    # splitting is several times faster than substituting.
    # Every character folded is outside ASCII, and isascii() costs nothing: most text skips
    # the translation, which looks each character up in a dict.
    return " ".join((text if text.isascii() else text.translate(_FOLD)).split())


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
