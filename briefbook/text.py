"""What contributor text may hold: the characters refused everywhere, and the bounds
that keep prose linear to render.  Plain functions over strings, used by the YAML reader,
the field types, the checker and the renderer alike."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_HIDING = ("\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
           "\u202a-\u202e\u2066-\u2069\ufffe\uffff")
INVISIBLE = re.compile(f"[{_HIDING}]")
"""Control characters and the invisible marks that can hide or reorder text ("Trojan
Source"): C0 and C1 controls, line and paragraph separators, bidirectional marks and
overrides.  Refused in files as written, as YAML escapes and as HTML character references."""
UNPRINTABLE = re.compile(f"[{_HIDING}\t\n\r]")
"""What a message must show escaped: the refused characters, and the tab and line breaks
that would forge extra lines on a terminal or in a CI log."""


_NUMERIC_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")


def hidden_reference(text: str) -> bool:
    """Whether an HTML character reference in ``text`` stands for an invisible character.

    Browsers decode ``&#27;`` to ESC where ``html.unescape`` drops it, so numeric
    references are decoded here by hand; named ones (``&rlm;``) by ``html.unescape``."""
    if "&" not in text:
        return False
    for m in _NUMERIC_REFERENCE.finditer(text):
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        if code <= 0x10FFFF and INVISIBLE.match(chr(code)):
            return True
    return INVISIBLE.search(html.unescape(text)) is not None



def digits_hint(text: str) -> str | None:
    """Other scripts' digits look like numbers but are not ASCII: say which one it is."""
    digit = next((c for c in text if c.isdigit() and not c.isascii()), None)
    if digit is None:
        return None
    return f"'{digit}' (U+{ord(digit):04X}) is not an ASCII digit; write it with 0-9"



# --- Bounds on prose -----------------------------------------------------------------
# Python-Markdown rescans the rest of a block for every '[' (or '![', '](') it cannot
# close and the HTML pass does the same for every unclosed tag, so a 10,000-character
# summary of '[' took 10 s and 90,000 ran past 150 s; nested lists and quotes recurse
# (700 levels raised RecursionError).  Real prose is nowhere near these limits; with them,
# rendering stays linear in the length of the text.
MAX_PROSE_NESTING = 20
"""Levels of lists and block quotes a prose line may nest (indentation counts 4 columns
a level)."""
MAX_UNCLOSED = 10
"""Unclosed '[', '](' and '<tag' a prose text may hold, and how deep '[' may nest."""
MAX_PROSE_LENGTH = 100_000
"""Characters of a prose field or body: past this, even linear work slows the preview."""
PROSE_RULES = (
    f"at most {MAX_PROSE_LENGTH:,} characters; lists and block quotes nested at most "
    f"{MAX_PROSE_NESTING} levels deep; at most {MAX_UNCLOSED} unclosed `[`, `](` or "
    f"`<tag`, and `[` nested at most {MAX_UNCLOSED} deep"
)

_FENCE = re.compile(r"(?:`{3,}|~{3,})")
_NESTING_MARKER = re.compile(r"[ \t]*(?:>|(?:[-*+]|[0-9]{1,9}[.)])(?=[ \t]|$))")
_PROSE_SYNTAX = re.compile(r"\\.|\]\(|[\[\]()>]|<(?=[A-Za-z/!?])", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ProseProblem:
    offset: int
    """Where in the text, for the location."""
    message: str
    hint: str


def prose_problem(text: str) -> ProseProblem | None:
    """The first bound ``text`` breaks (see ``MAX_PROSE_NESTING``), in one linear pass."""
    if len(text) > MAX_PROSE_LENGTH:
        return ProseProblem(0, f"the text is {len(text):,} characters long; the limit is "
                            f"{MAX_PROSE_LENGTH:,}", "split it into several notes")
    lines = text.split("\n")
    code = _fenced_lines(lines)
    offset = 0
    for number, line in enumerate(lines):
        if number in code:
            lines[number] = " " * len(line)  # nothing inside fenced code is parsed
        else:
            depth = _nesting(line)
            if depth > MAX_PROSE_NESTING:
                return ProseProblem(offset, f"this line nests {depth} levels of lists or "
                                    f"block quotes; the limit is {MAX_PROSE_NESTING}",
                                    "flatten the list (indentation counts 4 columns a level)")
        offset += len(line) + 1
    return _unclosed("\n".join(lines))


def _fenced_lines(lines: list[str]) -> set[int]:
    """Lines of fenced code blocks, fences included.  As in Python-Markdown, a block is
    closed by its own fence string alone on a line; a fence never closed opens nothing,
    so what follows it is still prose, and still checked."""
    code: set[int] = set()
    opened: tuple[int, str] | None = None
    for number, line in enumerate(lines):
        if opened is None:
            fence = _FENCE.match(line)
            if fence:
                opened = (number, fence.group())
        elif line.rstrip(" ") == opened[1]:
            code.update(range(opened[0], number + 1))
            opened = None
    return code


def _nesting(line: str) -> int:
    indent = len(line) - len(line.lstrip(" \t"))
    depth = len(line[:indent].expandtabs(4)) // 4
    at = 0
    while (m := _NESTING_MARKER.match(line, at)) and m.end() > at:
        depth += 1
        at = m.end()
    return depth


def _unclosed(text: str) -> ProseProblem | None:
    brackets: list[int] = []
    link_targets: list[int] = []
    tags: list[int] = []
    open_tag = -1
    for m in _PROSE_SYNTAX.finditer(text):
        token, at = m.group(), m.start()
        if token == "[":
            brackets.append(at)
            if len(brackets) > MAX_UNCLOSED:
                return ProseProblem(at, f"'[' nested more than {MAX_UNCLOSED} deep",
                                    "escape literal brackets as \\[ and \\]")
        elif token == "]":
            if brackets:
                brackets.pop()
        elif token == "](":
            if brackets:
                brackets.pop()
            link_targets.append(at + 1)
        elif token == ")":
            if link_targets:
                link_targets.pop()
        elif token == "<":
            if open_tag >= 0:
                tags.append(open_tag)
            open_tag = at
        elif token == ">":
            open_tag = -1
        elif token == "(" and link_targets:
            link_targets.append(-1)  # nested parentheses inside a link target
    unclosed_brackets = brackets + [t for t in link_targets if t >= 0]
    if open_tag >= 0:
        tags.append(open_tag)
    for found, what, hint in (
        (sorted(unclosed_brackets), "unclosed '[' or ']('",
         "close each link as [text](url), or escape literal brackets as \\[ and \\("),
        (tags, "unclosed '<' tags", "close each tag with '>', or write a literal '<' as &lt;"),
    ):
        if len(found) > MAX_UNCLOSED:
            return ProseProblem(found[MAX_UNCLOSED], f"the text has {len(found)} {what}; "
                                f"the limit is {MAX_UNCLOSED}", hint)
    return None

