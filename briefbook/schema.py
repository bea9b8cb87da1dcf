"""The content schema: one description of every field, used three ways.

The same ``Field`` objects type the YAML trees (``convert``), produce the JSON Schema that
editors use (``json_schema``), and write the contributor reference page (``reference``), so
the checker, the editor hints and the documentation cannot drift apart.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from briefbook import dates, model
from briefbook.diagnostics import Diagnostic, Location, closest, did_you_mean
from briefbook.yamltree import INVISIBLE, Mapping, Node, Scalar
from briefbook.yamltree import Sequence as YamlSequence

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
# Numbers are ASCII digits only: Python's \d and int() also take other scripts' digits
# ("١٠"), which the published JSON Schema refuses.
_FIGURE = re.compile(r"(?:(?P<qualifier>[a-z]+(?: [a-z]+)?) )?"
                     r"(?P<value>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)")
MAX_FIGURE_DIGITS = 12
"""A figure counts rockets, strikes or people: twelve digits (under a trillion) is far past
any real count, and a 5,000-digit one would otherwise reach Python's int-parsing limit."""
MIN_BOILERPLATE = 4
"""Characters a boilerplate passage needs at least (see the source's 'boilerplate')."""
_URL = re.compile(r"https?://[^\s<>\"'`]+")
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


class Invalid:
    """Marks a value that failed conversion (its message is already reported)."""


INVALID = Invalid()


@dataclass
class Context:
    """Collects the messages of one file's conversion."""

    path: str
    text: str = ""
    """The file's text, to locate references inside YAML blocks."""
    problems: list[Diagnostic] = field(default_factory=list)

    def error(self, at: Location, message: str, hint: str | None = None) -> Invalid:
        self.problems.append(Diagnostic(at, "error", message, hint))
        return INVALID

    def warn(self, at: Location, message: str, hint: str | None = None) -> None:
        self.problems.append(Diagnostic(at, "warning", message, hint))


@dataclass(frozen=True)
class Field:
    name: str
    doc: str
    required: bool = False
    type_name: ClassVar[str] = "value"

    def convert(self, node: Node, ctx: Context) -> Any:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def describe(self) -> str:
        return self.type_name

    def scalar(self, node: Node, ctx: Context) -> Scalar | Invalid:
        if isinstance(node, Scalar):
            return node
        found = "a list" if isinstance(node, YamlSequence) else "a mapping"
        return ctx.error(node.at, f"'{self.name}' must be {self.describe()}, not {found}")


@dataclass(frozen=True)
class Text(Field):
    max_length: int = 300
    title: bool = False
    """Becomes a page title, where the theme would revive '<' and '>'."""
    type_name: ClassVar[str] = "one line of text"

    def convert(self, node: Node, ctx: Context) -> str | Invalid:
        s = self.scalar(node, ctx)
        if isinstance(s, Invalid):
            return s
        text = " ".join(s.value.split())
        if len(text) > self.max_length:
            return ctx.error(s.at, f"'{self.name}' is {len(text)} characters long; "
                             f"the limit is {self.max_length}", "shorten it")
        if self.title and ("<" in text or ">" in text):
            return ctx.error(s.at, f"'{self.name}' may not contain '<' or '>'",
                             "titles become page titles; reword without angle brackets")
        return text

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": self.max_length}
        if self.title:
            schema["pattern"] = "^[^<>]*$"
        return schema


@dataclass(frozen=True)
class Quote(Text):
    max_length: int = 2000
    min_length: int = 1
    why_min: str = ""
    """Why a shorter passage is refused, for the message."""
    type_name: ClassVar[str] = "a verbatim passage"

    def describe(self) -> str:
        if self.min_length > 1:
            return f"a verbatim passage (at least {self.min_length} characters)"
        return self.type_name

    def convert(self, node: Node, ctx: Context) -> str | Invalid:
        s = self.scalar(node, ctx)
        if isinstance(s, Invalid):
            return s
        text = s.value.strip()
        if len(text) > self.max_length:
            return ctx.error(s.at, f"'{self.name}' is {len(text)} characters long; "
                             f"the limit is {self.max_length}", "quote a shorter passage")
        if len(text) < self.min_length:
            return ctx.error(s.at, f"{self.name} '{text}' is {len(text)} character"
                             f"{'' if len(text) == 1 else 's'} long; the minimum is "
                             f"{self.min_length}", self.why_min or None)
        return text

    def json_schema(self) -> dict[str, Any]:
        return {**super().json_schema(), "minLength": self.min_length}


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


def prose_location(problem: ProseProblem, text: str, first: Location,
                   indent: int = 0) -> Location:
    """Where ``problem`` sits in the file: ``first`` is the text's first line, each line
    of which is indented by ``indent`` columns in the file (a YAML block)."""
    before = text[: problem.offset]
    col = problem.offset - (before.rfind("\n") + 1)
    return Location(first.path, first.line + before.count("\n"), 1 + indent + col)


@dataclass(frozen=True)
class Markdown(Field):
    max_length: int = MAX_PROSE_LENGTH
    type_name: ClassVar[str] = "Markdown text"

    def describe(self) -> str:
        return f"Markdown text: {PROSE_RULES}"

    def convert(self, node: Node, ctx: Context) -> model.Prose | Invalid:
        s = self.scalar(node, ctx)
        if isinstance(s, Invalid):
            return s
        if len(s.value) > self.max_length:
            return ctx.error(s.at, f"'{self.name}' is longer than {self.max_length} characters")
        at = Location(s.at.path, s.at.line + 1, 1) if s.block else s.at
        problem = prose_problem(s.value)  # before anything else reads the text
        if problem is not None:
            where = s.at
            if s.block:  # a literal block keeps its lines: only the indentation moves
                first = ctx.text.split("\n", at.line)[at.line - 1] if ctx.text else ""
                indent = len(first) - len(first.lstrip(" "))
                where = prose_location(problem, s.value, at, indent)
            return ctx.error(where, f"'{self.name}': {problem.message}", problem.hint)
        if hidden_reference(s.value):
            return ctx.error(s.at, f"'{self.name}' has an invisible control character "
                             "written as an HTML character reference",
                             "delete the reference (e.g. &#x202E;); it can hide or reorder text")
        return model.prose(s.value, at, ctx.text or None)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": self.max_length}


@dataclass(frozen=True)
class Date(Field):
    type_name: ClassVar[str] = "an EDTF date"

    def convert(self, node: Node, ctx: Context) -> dates.Edtf | Invalid:
        s = self.scalar(node, ctx)
        if isinstance(s, Invalid):
            return s
        try:
            return dates.parse(s.value)
        except dates.EdtfError as exc:
            return ctx.error(s.at, f"invalid date: {exc}")

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^[0-9X./~?%-]+$",
                "description": "EDTF level 0/1: 2021-02-15, 2020-06, 2019-21, 2020-06~, A/B"}


@dataclass(frozen=True)
class Choice(Field):
    choices: tuple[str, ...] = ()
    type_name: ClassVar[str] = "one of"

    def describe(self) -> str:
        return "one of: " + ", ".join(f"`{c}`" for c in self.choices)

    def convert(self, node: Node, ctx: Context) -> str | Invalid:
        s = self.scalar(node, ctx)
        if isinstance(s, Invalid):
            return s
        if s.value in self.choices:
            return s.value
        hint = did_you_mean(s.value, self.choices) or (
            "use one of: " + ", ".join(self.choices))
        return ctx.error(s.at, f"unknown {self.name.replace('_', ' ')} '{s.value}'", hint)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.choices)}


@dataclass(frozen=True)
class Slug(Field):
    type_name: ClassVar[str] = "a slug"

    def convert(self, node: Node, ctx: Context) -> str | Invalid:
        s = self.slug(node, ctx)
        return s if isinstance(s, Invalid) else s.value

    def slug(self, node: Node, ctx: Context) -> Scalar | Invalid:
        s = self.scalar(node, ctx)
        if isinstance(s, Invalid):
            return s
        if not SLUG.fullmatch(s.value):
            return ctx.error(s.at, f"'{s.value}' is not {self.describe()}",
                             f"use lowercase letters, digits and single hyphens, e.g. "
                             f"'{slugify(s.value) or 'my-id'}'")
        return s

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": SLUG_PATTERN}


@dataclass(frozen=True)
class Reference(Slug):
    kind: str = "event"

    def describe(self) -> str:
        return f"{'an' if self.kind[0] in 'aeiou' else 'a'} {self.kind} id"

    def convert(self, node: Node, ctx: Context) -> model.Ref | Invalid:  # type: ignore[override]
        s = self.slug(node, ctx)
        return s if isinstance(s, Invalid) else model.Ref(s.value, s.at)


@dataclass(frozen=True)
class Url(Field):
    type_name: ClassVar[str] = "an http(s) URL"

    def convert(self, node: Node, ctx: Context) -> str | Invalid:
        s = self.scalar(node, ctx)
        if isinstance(s, Invalid):
            return s
        if not _URL.fullmatch(s.value.strip()):
            return ctx.error(s.at, f"'{self.name}' must be an http:// or https:// URL")
        return s.value.strip()

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "uri", "pattern": "^https?://"}


@dataclass(frozen=True)
class Number(Field):
    low: float = 0.0
    high: float = 0.0
    type_name: ClassVar[str] = "number"

    def describe(self) -> str:
        return f"a number from {self.low:g} to {self.high:g}"

    def convert(self, node: Node, ctx: Context) -> float | Invalid:
        s = self.scalar(node, ctx)
        if isinstance(s, Invalid):
            return s
        if not _DECIMAL.fullmatch(s.value.strip()):
            return ctx.error(s.at, f"'{self.name}' must be a decimal number, not '{s.value}'",
                             _digits_hint(s.value))
        value = float(s.value)
        if not self.low <= value <= self.high:
            return ctx.error(s.at, f"'{self.name}' {s.value.strip()} is out of range",
                             f"use {self.describe()}")
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "number", "minimum": self.low, "maximum": self.high}


@dataclass(frozen=True)
class Pattern(Field):
    pattern: str = ""
    example: str = ""
    type_name: ClassVar[str] = "code"

    def describe(self) -> str:
        return f"a code like `{self.example}`"

    def convert(self, node: Node, ctx: Context) -> str | Invalid:
        s = self.scalar(node, ctx)
        if isinstance(s, Invalid):
            return s
        if not re.fullmatch(self.pattern, s.value):
            return ctx.error(s.at, f"'{s.value}' is not a valid {self.name}",
                             f"write {self.describe()}")
        return s.value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^{self.pattern}$"}


@dataclass(frozen=True)
class Figures(Field):
    type_name: ClassVar[str] = "figures"

    def describe(self) -> str:
        return ("a mapping of " + ", ".join(f"`{n}`" for n in model.FIGURE_NAMES)
                + f" to a number of at most {MAX_FIGURE_DIGITS} digits, optionally qualified "
                "(`at least 10`, `up to 110`)")

    def convert(self, node: Node, ctx: Context) -> tuple[tuple[str, model.Figure], ...] | Invalid:
        if not isinstance(node, Mapping):
            return ctx.error(node.at, f"'{self.name}' must be a mapping like '{{rockets: 3}}'")
        found: dict[str, model.Figure] = {}
        for name, (key, value) in node.entries.items():
            if name not in model.FIGURE_NAMES:
                ctx.error(key.at, f"unknown figure '{name}'",
                          did_you_mean(name, model.FIGURE_NAMES)
                          or "use one of: " + ", ".join(model.FIGURE_NAMES))
                continue
            if not isinstance(value, Scalar):
                ctx.error(value.at, f"figure '{name}' must be a number")
                continue
            m = _FIGURE.fullmatch(value.value.strip())
            if not m:
                ctx.error(value.at, f"figure '{name}' must be a number like 14 or "
                          f"'at least 10', not '{value.value}'", _digits_hint(value.value))
                continue
            digits = len(m.group("value").replace(",", ""))
            if digits > MAX_FIGURE_DIGITS:
                ctx.error(value.at, f"figure '{name}' has {digits} digits; the limit is "
                          f"{MAX_FIGURE_DIGITS}", "a figure counts attacks, weapons or "
                          "people: check the number against the source")
                continue
            qualifier = m.group("qualifier")
            if qualifier is not None and qualifier not in model.FIGURE_QUALIFIERS:
                ctx.error(value.at, f"unknown qualifier '{qualifier}' in figure '{name}'",
                          did_you_mean(qualifier, model.FIGURE_QUALIFIERS)
                          or "use one of: " + ", ".join(model.FIGURE_QUALIFIERS))
                continue
            found[name] = model.Figure(int(m.group("value").replace(",", "")), qualifier)
        order = {n: i for i, n in enumerate(model.FIGURE_NAMES)}
        return tuple(sorted(found.items(), key=lambda item: order[item[0]]))

    def json_schema(self) -> dict[str, Any]:
        groups = (MAX_FIGURE_DIGITS - 1) // 3
        number = f"([0-9]{{1,{MAX_FIGURE_DIGITS}}}|[0-9]{{1,3}}(,[0-9]{{3}}){{1,{groups}}})"
        value = {"anyOf": [
            {"type": "integer", "minimum": 0, "maximum": 10 ** MAX_FIGURE_DIGITS - 1},
            {"type": "string",
             "pattern": f"^(({'|'.join(model.FIGURE_QUALIFIERS)}) )?{number}$"},
        ]}
        return {"type": "object", "additionalProperties": False,
                "properties": dict.fromkeys(model.FIGURE_NAMES, value)}


@dataclass(frozen=True)
class PhraseLevels(Field):
    """A mapping of phrases to levels, e.g. estimative words to confidence levels."""

    levels: tuple[str, ...] = ()
    type_name: ClassVar[str] = "phrase table"

    def describe(self) -> str:
        return "a mapping of phrases to " + ", ".join(f"`{c}`" for c in self.levels)

    def convert(self, node: Node, ctx: Context) -> tuple[tuple[str, str], ...] | Invalid:
        if not isinstance(node, Mapping):
            return ctx.error(node.at, f"'{self.name}' must be a mapping like "
                             f"'{{likely: {self.levels[0]}}}'")
        found: list[tuple[str, str]] = []
        for phrase, (_key, value) in node.entries.items():
            words = " ".join(phrase.split())
            if not isinstance(value, Scalar) or value.value not in self.levels:
                written = value.value if isinstance(value, Scalar) else "a collection"
                ctx.error(value.at, f"unknown level '{written}' for '{words}' in "
                          f"'{self.name}'", did_you_mean(written, self.levels)
                          or "use one of: " + ", ".join(self.levels))
                continue
            found.append((words.casefold(), value.value))
        return tuple(found)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": {"enum": list(self.levels)}}


@dataclass(frozen=True)
class ListOf(Field):
    item: Field = field(default_factory=lambda: Text("item", ""))
    min_items: int = 0
    type_name: ClassVar[str] = "list"

    def describe(self) -> str:
        return f"a list of {_plural(self.item.describe())}"

    def convert(self, node: Node, ctx: Context) -> tuple[Any, ...] | Invalid:
        if not isinstance(node, YamlSequence):
            example = node.value if isinstance(node, Scalar) else "..."
            return ctx.error(node.at, f"'{self.name}' must be a list",
                             f"write it as [{example}] or one '- ' line per item")
        if len(node.items) < self.min_items:
            return ctx.error(node.at, f"'{self.name}' needs at least {self.min_items} item(s)")
        values = []
        seen: dict[str, Location] = {}
        for item in node.items:
            value = self.item.convert(item, ctx)
            if isinstance(value, Invalid):
                continue
            if isinstance(item, Scalar):
                if item.value in seen:
                    ctx.error(item.at, f"'{item.value}' is listed twice in '{self.name}'",
                              f"remove the repeat (first at line {seen[item.value].line})")
                    continue
                seen[item.value] = item.at
            values.append(value)
        return tuple(values)

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema()}
        if self.min_items:
            schema["minItems"] = self.min_items
        return schema


@dataclass(frozen=True)
class Object(Field):
    fields: tuple[Field, ...] = ()
    build: Callable[[dict[str, Any], Mapping, Context], Any] | None = None
    title: str = "entry"
    type_name: ClassVar[str] = "mapping"

    def describe(self) -> str:
        return f"a {self.title} (see below)"

    def convert(self, node: Node, ctx: Context) -> Any:
        values = convert_fields(node, self.fields, ctx, self.title)
        if values is None:
            return INVALID
        assert self.build is not None and isinstance(node, Mapping)
        return self.build(values, node, ctx)

    def json_schema(self) -> dict[str, Any]:
        return object_schema(self.fields)


def convert_fields(node: Node, fields: Sequence[Field], ctx: Context,
                   what: str) -> dict[str, Any] | None:
    """Convert a mapping's entries by field; ``None`` if anything required is unusable."""
    if not isinstance(node, Mapping):
        ctx.error(node.at, f"{what} must be a mapping of fields",
                  "write one 'name: value' line per field")
        return None
    by_name = {f.name: f for f in fields}
    values: dict[str, Any] = {}
    ok = True
    misspelt: set[str] = set()
    for name, (key, value) in node.entries.items():
        spec = by_name.get(name)
        if spec is None:
            close = closest(name, by_name)
            if close is not None:
                misspelt.add(close)
            ctx.error(key.at, f"unknown field '{name}' in {what}",
                      f"did you mean '{close}'?" if close
                      else "known fields: " + ", ".join(by_name))
            continue  # the other fields are still checked, and the record still indexed
        if isinstance(value, Scalar) and not value.value.strip():
            if spec.required:
                ctx.error(value.at, f"'{name}' is empty", f"give {spec.describe()}")
                ok = False
            continue
        converted = spec.convert(value, ctx)
        if isinstance(converted, Invalid):
            ok = ok and not spec.required
            continue
        values[name] = converted
    for spec in fields:
        if spec.required and spec.name not in node.entries:
            ok = False
            if spec.name not in misspelt:  # the misspelt key's message already says it
                ctx.error(node.at, f"missing required field '{spec.name}' in {what}",
                          f"add '{spec.name}:' ({spec.describe()})")
    return values if ok else None


def object_schema(fields: Sequence[Field]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [f.name for f in fields if f.required],
        "properties": {f.name: {**f.json_schema(), "description": f.doc} for f in fields},
    }


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


def _digits_hint(text: str) -> str | None:
    """Other scripts' digits look like numbers but are not ASCII: say which one it is."""
    digit = next((c for c in text if c.isdigit() and not c.isascii()), None)
    if digit is None:
        return None
    return f"'{digit}' (U+{ord(digit):04X}) is not an ASCII digit; write it with 0-9"


def _plural(description: str) -> str:
    """'an event id' -> 'event ids', for list descriptions."""
    words = description.split(" ", 1)
    rest = words[1] if words[0] in ("a", "an") and len(words) > 1 else description
    if rest == "one line of text":
        return "one-line texts"
    noun, bracket, remark = rest.partition(" (")  # "entry (see below)" -> "entries (...)"
    return (noun if noun.endswith("text") else noun + "s") + bracket + remark


def slugify(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


# --- Records ----------------------------------------------------------------------------

def _key_at(node: Mapping, key: str) -> Location:
    entry = node.entries.get(key)
    return entry[0].at if entry else node.at


def _citation(values: dict[str, Any], node: Mapping) -> model.Citation:
    quote = node.entries.get("quote")
    at = quote[1].at if quote else node.at
    return model.Citation(values["source"], values["quote"], at, values.get("reports", ()))


def _build_citation(values: dict[str, Any], node: Mapping, ctx: Context) -> model.Citation:
    return _citation(values, node)


def _build_attribution(values: dict[str, Any], node: Mapping,
                       ctx: Context) -> model.Attribution | Invalid:
    at = node.at
    status, confidence = values["status"], values.get("confidence")
    if status == "assessed" and confidence is None:
        return ctx.error(at, "an 'assessed' attribution needs a confidence",
                         "add 'confidence: low', 'moderate' or 'high' as the text supports")
    if confidence is not None and status not in ("assessed", "suspected"):
        article = "an" if status[0] in "aeiou" else "a"
        return ctx.error(_key_at(node, "confidence"),
                         f"{article} '{status}' attribution has no confidence",
                         "remove 'confidence', or use status 'assessed'")
    return model.Attribution(values["actor"], status, values["by"], _citation(values, node), at,
                             confidence, values.get("note"),
                             _key_at(node, "confidence") if confidence else None)


def _build_stance(values: dict[str, Any], node: Mapping, ctx: Context) -> model.Stance:
    return model.Stance(values["by"], _citation(values, node), node.at)


def _build_relation(values: dict[str, Any], node: Mapping,
                    ctx: Context) -> model.Relation | Invalid:
    at = node.at
    has_source, has_quote = "source" in values, "quote" in values
    if has_source and not has_quote:
        return ctx.error(_key_at(node, "source"),
                         "a relation's citation needs both 'source' and 'quote'",
                         "add 'quote:' with a verbatim passage of the source, or remove "
                         "'source'")
    if has_quote and not has_source:
        return ctx.error(_key_at(node, "quote"),
                         "a relation's citation needs both 'source' and 'quote'",
                         "add 'source:' naming the document the quote comes from, or remove "
                         "'quote'")
    citation = _citation(values, node) if has_source else None
    return model.Relation(values["type"], values["actor"], at, citation, values.get("basis"),
                          values.get("note"))


def _build_editor_note(values: dict[str, Any], node: Mapping, ctx: Context) -> model.EditorNote:
    return model.EditorNote(values["basis"], values["text"], node.at)


_BASIS_DOC = ("`public record` (widely published fact no cited document states), "
              "`editor's inference` (a conclusion the editor draws from the documents), "
              "`identification` (which real-world entity or date a document's words name).")


def _quoted(required: bool = True) -> tuple[Field, ...]:
    return (
        Reference("source", "Id of the source document that says so.", required, kind="source"),
        Quote("quote", "A verbatim passage of that source showing it; checked against the "
              "source's text.", required),
    )


CITATION = Object(
    "citation", "A source reporting the event.", title="citation", build=_build_citation,
    fields=(
        *_quoted(),
        Figures("reports", "Figures this source reports for the event, as it states them."),
    ),
)

ATTRIBUTION = Object(
    "attribution", "Who is said to be responsible.", title="attribution",
    build=_build_attribution,
    fields=(
        Reference("actor", "The actor said to be responsible.", True, kind="actor"),
        Choice("status", "How responsibility is established: `claimed` (the actor says it "
               "did it), `denied`, `officially attributed` (a government names it), "
               "`assessed` (an analyst judges it, with a confidence), `suspected`.", True,
               choices=model.ATTRIBUTION_STATUSES),
        Reference("by", "The actor who says so.", True, kind="actor"),
        Choice("confidence", "Estimative confidence; required for `assessed`, optional "
               "for `suspected`, not allowed otherwise.", choices=model.CONFIDENCE_LEVELS),
        *_quoted(),
        Text("note", "A remark shown with the attribution.", max_length=500),
    ),
)

STANCE = Object(
    "stance", "An actor's position on the option, in their words.", title="stance",
    build=_build_stance,
    fields=(Reference("by", "Who takes this position.", True, kind="actor"), *_quoted()),
)

RELATION = Object(
    "relation", "A typed link to another actor.", title="relation", build=_build_relation,
    fields=(
        Choice("type", "How this actor relates to the other.", True,
               choices=model.RELATION_TYPES),
        Reference("actor", "The other actor.", True, kind="actor"),
        *_quoted(required=False),
        Choice("basis", "For a relation no quote states: why the editor asserts it: "
               + _BASIS_DOC, choices=model.EDITOR_BASES),
        Text("note", "The editor's explanation, shown with the relation.", max_length=500),
    ),
)

EDITOR_NOTES = ListOf(
    "editor_notes", "What the editor adds from outside the cited documents, shown in an "
    "\"Editor's note\" box apart from the sourced text.",
    item=Object("editor_note", "", title="editor's note", build=_build_editor_note, fields=(
        Choice("basis", "Why the editor may say it: " + _BASIS_DOC, True,
               choices=model.EDITOR_BASES),
        Markdown("text", "The note; may reference records as `[[kind:id]]`.", True,
                 max_length=5000),
    )),
)


@dataclass(frozen=True)
class RecordSpec:
    kind: str
    location: str
    """Where files of this kind live, for the reference."""
    fields: tuple[Field, ...]
    body: str | None
    """What the Markdown body below the front matter is, if the kind has one."""
    doc: str


def _ids(name: str, kind: str, doc: str) -> ListOf:
    return ListOf(name, doc, item=Reference(kind, "", kind=kind))


RECORDS: dict[str, RecordSpec] = {
    "event": RecordSpec(
        "event", "`events/**/<id>.yaml`, one event per file", body=None,
        doc="Something that happened on a date. The id is the file name without `.yaml`: a "
        "slug that starts with the event's date (`2021-02-15-erbil-rocket-attack`, "
        "`2020-06-baghdad-attacks`, `2019-spring-...`); it alone decides the page's URL.",
        fields=(
            Text("title", "What happened, in a few words.", True, max_length=200, title=True),
            Date("date", "When, in EDTF: a day, month, year, season, interval, with `?` "
                 "(uncertain) or `~` (approximate).", True),
            Text("date_note", "How the date was derived when no source states it; marks the "
                 "date as derived.", max_length=500),
            Choice("type", "What kind of event.", True, choices=model.EVENT_TYPES),
            Reference("place", "Where it happened.", kind="place"),
            _ids("perpetrators", "actor", "Who did it, as the sources present it."),
            _ids("targets", "actor", "Who or what it was aimed at."),
            ListOf("attribution", "Claims, official attributions and assessments of "
                   "responsibility, kept apart.", item=ATTRIBUTION),
            ListOf("citations", "Every source that reports the event.", True, item=CITATION,
                   min_items=1),
            _ids("responds_to", "event", "Earlier events this one answers."),
            ListOf("tags", "Free slugs for grouping.", item=Slug("tag", "")),
            Text("single_source", "Why one source must do: silences the single-source "
                 "warning and is shown on the page, e.g. 'No other archived document "
                 "reports this strike.'", max_length=500),
            Markdown("summary", "What happened and why it matters; may reference records as "
                     "`[[kind:id]]`."),
            EDITOR_NOTES,
            Text("origin", "Where an imported event came from (`briefbook import` writes the "
                 "file and row), so a reviewer can trace it.", max_length=500),
        ),
    ),
    "source": RecordSpec(
        "source", "`seeds/<id>.md`: front matter, then the archived text verbatim",
        body="the archived text of the document, kept verbatim",
        doc="An archived document that events cite.",
        fields=(
            Text("title", "The document's title.", True, max_length=300, title=True),
            Text("publisher", "Who published it.", True),
            ListOf("authors", "Its authors, as bylined.", item=Text("author", "")),
            Date("published", "When it was published (EDTF); mark a derived date uncertain.",
                 True),
            Text("published_note", "Why the publication date is uncertain, if it is.",
                 max_length=1000),
            Choice("kind", "What kind of document.", True, choices=model.SOURCE_KINDS),
            Url("url", "Where it was published."),
            Url("archive_url", "An archived copy."),
            Text("url_unknown", "Why no url is given (the capture does not carry it); "
                 "silences the missing-url warning and is shown on the page.",
                 max_length=500),
            Date("accessed", "When the text was captured."),
            ListOf("boilerplate", "Verbatim passages of reader-facing boilerplate "
                   "(subscription prompts, adverts) to de-emphasise.",
                   # Every occurrence of a passage is dimmed: a letter or two would
                   # dim most of the text and multiply the page's size.
                   item=Quote("boilerplate passage", "", min_length=MIN_BOILERPLATE,
                              why_min="quote the whole prompt or advert, e.g. "
                              "'Subscribe to our newsletter'")),
            ListOf("capture_notes", "Known defects of the capture (a stray replacement "
                   "character, a duplicated byline).", item=Text("note", "", max_length=500)),
            EDITOR_NOTES,
        ),
    ),
    "actor": RecordSpec(
        "actor", "`docs/actors/<id>.md`", body="a profile written from the sources",
        doc="A state, organ, group, coalition or person that acts in the events.",
        fields=(
            Text("name", "The name to show.", True, max_length=200, title=True),
            Choice("kind", "What kind of actor.", True, choices=model.ACTOR_KINDS),
            ListOf("aliases", "Every other spelling the sources use.",
                   item=Text("alias", "", max_length=200)),
            ListOf("relations", "Typed links to other actors.", item=RELATION),
            EDITOR_NOTES,
        ),
    ),
    "place": RecordSpec(
        "place", "`docs/places/<id>.md`", body="an optional description",
        doc="A location where events happen.",
        fields=(
            Text("name", "The name to show.", True, max_length=200, title=True),
            ListOf("aliases", "Other spellings.", item=Text("alias", "", max_length=200)),
            Choice("kind", "What kind of place.", True, choices=model.PLACE_KINDS),
            Number("latitude", "Degrees north (WGS 84).", True, low=-90, high=90),
            Number("longitude", "Degrees east (WGS 84).", True, low=-180, high=180),
            Choice("precision", "How precise the coordinates are: `site` (within about "
                   "1 km), `locality`, `region`, `country`.", True,
                   choices=model.PLACE_PRECISIONS),
            Pattern("country", "ISO 3166-1 alpha-2 country code; omit for international "
                    "waters.", pattern="[A-Z]{2}", example="IQ"),
            EDITOR_NOTES,
        ),
    ),
    "option": RecordSpec(
        "option", "`docs/options/<id>.md`", body="the option and the argument over it",
        doc="A policy recommendation the sources make or argue against.",
        fields=(
            Text("title", "The option, as an imperative.", True, max_length=200, title=True),
            ListOf("recommended_by", "Who recommends it, quoted.", item=STANCE),
            ListOf("doubted_by", "Who doubts it, quoted.", item=STANCE),
            _ids("events", "event", "Events it bears on."),
            _ids("actors", "actor", "Actors it concerns."),
            EDITOR_NOTES,
        ),
    ),
    "note": RecordSpec(
        "note", "`docs/notes/<slug>.md`", body="the analysis",
        doc="Analyst prose: judgements, methodology, commentary.",
        fields=(
            Text("title", "The note's title.", True, max_length=200, title=True),
            Text("author", "Who wrote it.", True),
            Date("date", "When it was written.", True),
            _ids("events", "event", "Events it concerns."),
            _ids("actors", "actor", "Actors it concerns."),
            _ids("options", "option", "Options it concerns."),
            PhraseLevels("estimative_language", "The estimative-language table: each "
                         "phrase a quote may use (`likely`, `little doubt`) and the confidence "
                         "it expresses. Assessments whose quote uses a listed phrase are "
                         "checked against it (the longest phrase found wins).",
                         levels=model.CONFIDENCE_LEVELS),
            EDITOR_NOTES,
        ),
    ),
}


PAGE_FIELDS: tuple[Field, ...] = (
    # Only what a hand-written page needs: the theme prints front-matter fields into every
    # page, turns some into links and reads `template` as a theme file's path.
    Text("title", "The page's title.", max_length=200),  # the plugin escapes it: shown as is
    Text("description", "A one-sentence summary for search engines.", max_length=300),
    ListOf("hide", "Parts of the page to hide.",
           item=Choice("part to hide", "", choices=("navigation", "toc", "footer", "path",
                                                     "tags"))),
    Object("search", "How the search index treats the page.", title="search setting",
           build=lambda values, _node, _ctx: values,
           fields=(Choice("exclude", "Leave the page out of search.",
                          choices=("true", "false")),
                   Number("boost", "Rank the page higher or lower.", low=0.1, high=10))),
)
"""The front matter a hand-written page under docs/ may have."""


def event_json_schema() -> dict[str, Any]:
    """JSON Schema for event files, for editors' YAML language servers."""
    spec = RECORDS["event"]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://briefbook.invalid/schema/event.schema.json",
        "title": "briefbook event",
        "description": spec.doc,
        **object_schema(spec.fields),
    }
