"""The field framework: typed fields that convert located YAML into values.

The same ``Field`` objects type the YAML trees (``convert``), give the JSON Schema that
editors use (``json_schema``) and describe themselves for the contributor reference
(``describe``), so the checker, the editor hints and the documentation cannot drift apart.
Nothing here knows the book's record kinds: those are declared in ``records``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from briefbook import dates, model
from briefbook.diagnostics import Location, Problems, choice_hint, closest, line_col
from briefbook.text import (
    MAX_PROSE_LENGTH,
    PROSE_RULES,
    ProseProblem,
    digits_hint,
    hidden_reference,
    prose_problem,
)
from briefbook.yamltree import Mapping, Node, Scalar
from briefbook.yamltree import Sequence as YamlSequence

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"
_URL = re.compile(r"https?://[^\s<>\"'`]+")
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


class Invalid:
    """Marks a value that failed conversion (its message is already reported)."""


INVALID = Invalid()


@dataclass
class Context:
    """One file's conversion: where it is, its text, and the messages it collects."""

    path: str
    text: str = ""
    """The file's text, to locate references inside YAML blocks."""
    problems: Problems = field(default_factory=Problems)

    def error(self, at: Location, message: str, hint: str | None = None) -> Invalid:
        self.problems.error(at, message, hint)
        return INVALID

    def warn(self, at: Location, message: str, hint: str | None = None) -> None:
        self.problems.warn(at, message, hint)


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


def prose_location(problem: ProseProblem, text: str, first: Location,
                   indent: int = 0) -> Location:
    """Where ``problem`` sits in the file: ``first`` is the text's first line, each line
    of which is indented by ``indent`` columns in the file (a YAML block)."""
    line, col = line_col(text, problem.offset)
    return Location(first.path, first.line + line - 1, indent + col)



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
        return ctx.error(s.at, f"unknown {self.name.replace('_', ' ')} '{s.value}'",
                         choice_hint(s.value, self.choices))

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
                             digits_hint(s.value))
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
                          f"'{self.name}'", choice_hint(written, self.levels))
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


