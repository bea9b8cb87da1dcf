"""Located messages for contributors: ``path:line:col: severity: message; hint``."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from briefbook.text import UNPRINTABLE

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a content file; lines and columns count from 1."""

    path: str
    """Repository-relative POSIX path."""
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    def shown(self) -> str:
        """The location as printed for a terminal or a CI log: a path is content too (a file
        name may hold a newline, an escape sequence or start with '::', which a GitHub runner
        reads as a workflow command), so it is escaped as messages are."""
        path = printable_path(self.path)
        return f"{path}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    at: Location
    severity: Severity
    message: str
    hint: str | None = None

    def format(self) -> str:
        text = f"{self.at.shown()}: {self.severity}: {_printable(self.message)}"
        return f"{text}; {_printable(self.hint)}" if self.hint else text

    def github_annotation(self) -> str:
        """A workflow command, so the message lands on the pull request's changed line."""
        body = _printable(self.message) + (f"; {_printable(self.hint)}" if self.hint else "")
        return (
            f"::{self.severity} file={_escape_property(_printable(self.at.path))},"
            f"line={self.at.line},col={self.at.col},title=briefbook::{_escape_data(body)}"
        )

    def sort_key(self) -> tuple[str, int, int, bool, str]:
        return (self.at.path, self.at.line, self.at.col, self.severity != "error", self.message)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """Line and column (both from 1) of ``offset`` in ``text``."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


class Problems(list[Diagnostic]):
    """The messages a stage collects: it goes on after a problem, so one run reports all."""

    def error(self, at: Location, message: str, hint: str | None = None) -> None:
        self.append(Diagnostic(at, "error", message, hint))

    def warn(self, at: Location, message: str, hint: str | None = None) -> None:
        self.append(Diagnostic(at, "warning", message, hint))


class UsageProblem(Exception):
    """A problem with how briefbook was asked to work (a path, an output folder, a
    configuration), not with the content: the command prints its message in one line and
    exits with status 2."""


MAX_MESSAGE = 400


def _printable(text: str) -> str:
    """Messages quote content; its control characters are shown escaped (a contributor's
    file must not clear the terminal or forge extra lines), the legacy workflow-command
    marker '##[' (which a GitHub runner obeys anywhere in a line) is broken, and long
    quotes are cut."""
    text = UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1] if m.group() in "\n\t\r"
                            else f"\\u{ord(m.group()):04x}", text)
    text = text.replace("##[", "#\\#[")
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def printable_path(path: str) -> str:
    """A path safe to start an output line with: control characters escaped, and './' in
    front of one that would otherwise begin with '::' (a workflow command)."""
    shown = _printable(path)
    # The runner reads '::' after trimming leading white space.
    return f"./{shown}" if shown.lstrip().startswith("::") or shown[:1].isspace() else shown


_WORK: ContextVar[str] = ContextVar("briefbook_work", default="starting up")


def working_on(what: str) -> None:
    """Remember what briefbook is doing (reading a file, rendering a page), so that an
    unexpected error can be reported in one line that says where it happened."""
    _WORK.set(what)


def internal_error(exc: BaseException) -> str:
    """One line for an error briefbook did not foresee: what it was doing, the error, and a
    request to report it.  The stack is shown only on request (``--debug``)."""
    detail = _printable(f"{type(exc).__name__}: {exc}")
    return (f"briefbook: internal error while {_printable(_WORK.get())}: {detail}; this is "
            "a bug in briefbook: please report it with the file named here (run with --debug "
            "for the details)")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice most like ``word``, if any is close enough to suggest.  Ties go to the
    same choice whatever the order of ``choices`` (difflib ranks by score, then string)."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def choice_hint(word: str, choices: Iterable[str]) -> str:
    """'did you mean' the closest choice, or else the whole list to choose from."""
    listed = list(choices)
    return did_you_mean(word, listed) or "use one of: " + ", ".join(listed)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A 'did you mean' hint naming the closest choice, if any is close enough."""
    close = closest(word, choices)
    return f"did you mean '{close}'?" if close else None


class Suggestions:
    """'Did you mean' hints for unknown ids, with bounded work.

    difflib compares a word with each choice at ~0.3 ms a pair of ids, so 35,000 unknown
    references against a book's ids took minutes.  So: hints are memoised per (kind, word);
    a large set of ids is first narrowed to the ``POOL`` sharing the most three-letter
    pieces with the word (an index built once per kind); and only the first ``PER_FILE``
    distinct unknown words of a file and ``PER_RUN`` of a run get a hint.  Past that a
    contributor has a systematic mistake that more suggestions would not help with."""

    PER_FILE = 10
    PER_RUN = 50
    POOL = 40

    def __init__(self) -> None:
        self._memo: dict[tuple[str, str], str | None] = {}
        self._per_file: dict[str, int] = {}
        self._total = 0
        self._pieces: dict[str, tuple[list[str], dict[str, list[int]]]] = {}

    def hint(self, kind: str, word: str, path: str, choices: Iterable[str]) -> str | None:
        key = (kind, word)
        if key in self._memo:
            return self._memo[key]
        used = self._per_file.get(path, 0)
        if used >= self.PER_FILE or self._total >= self.PER_RUN:
            return None
        self._per_file[path] = used + 1
        self._total += 1
        hint = self._memo[key] = did_you_mean(word, self._pool(kind, word, choices))
        return hint

    def _pool(self, kind: str, word: str, choices: Iterable[str]) -> list[str]:
        if kind not in self._pieces:
            listed = list(choices)
            index: dict[str, list[int]] = {}
            if len(listed) > self.POOL:
                for number, choice in enumerate(listed):
                    for piece in _pieces(choice):
                        index.setdefault(piece, []).append(number)
            self._pieces[kind] = (listed, index)
        listed, index = self._pieces[kind]
        if not index:
            return listed
        votes: Counter[int] = Counter()
        for piece in _pieces(word):
            votes.update(index.get(piece, ()))
        return [listed[number] for number, _ in votes.most_common(self.POOL)]


def _pieces(word: str) -> set[str]:
    return {word[i : i + 3] for i in range(max(1, len(word) - 2))}
