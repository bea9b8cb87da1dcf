"""Shared machinery of the browser, security and build-integrity tests.

Every site is built once per session (builds take seconds, a browser run more), served by a
threaded HTTP server on 127.0.0.1 under the GitHub Pages prefix, and driven with Debian's
Chromium through Playwright.  Tools the tests need (Chromium, Java, the npm validators) are
looked up by fixtures: missing, they skip a test on a developer's machine and fail it in CI.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mimetypes
import os
import posixpath
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    expect,
    sync_playwright,
)

from briefbook import fields as schema
from briefbook import kinds

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
HOSTILE = HERE / "hostile"
FIXTURE = REPO / "tests" / "fixtures" / "minimal"
ARTIFACTS = REPO / "artifacts"
CHROMIUM = Path(os.environ.get("BRIEFBOOK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SOURCE_DATE_EPOCH = "1700000000"
"""Fixed for every build, so that two builds of one tree can be compared byte for byte."""
PREFIX = "/briefbook/"
"""The GitHub Pages project prefix, the path of the shipped site_url."""


# --- tools -------------------------------------------------------------------------------

def require(what: str, present: bool, how: str) -> None:
    """Skip the calling test when a tool is missing, or fail it when ``CI`` is set: CI must
    never pass by skipping the browser tests."""
    if present:
        return
    message = f"{what} is missing; {how}"
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{message} (CI is set: browser tests may not be skipped)")
    pytest.skip(message)


def java_binary() -> str | None:
    return shutil.which("java")


def lychee_binary() -> str | None:
    beside = Path(sys.executable).parent / "lychee"
    return str(beside) if beside.is_file() else shutil.which("lychee")


@pytest.fixture(scope="session")
def chromium() -> Path:
    require("Chromium", CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK),
            f"install it: apt-get install chromium (looked for {CHROMIUM})")
    return CHROMIUM


@pytest.fixture(scope="session")
def axe_js() -> Path:
    require("axe-core", AXE_JS.is_file(), "run: npm ci --ignore-scripts")
    return AXE_JS


@pytest.fixture(scope="session")
def vnu() -> list[str]:
    java = java_binary()
    require("Java", java is not None, "install it: apt-get install default-jre-headless")
    require("the Nu HTML checker", VNU_JAR.is_file(), "run: npm ci --ignore-scripts")
    assert java is not None
    return [java, "-jar", str(VNU_JAR)]


@pytest.fixture(scope="session")
def lychee() -> str:
    found = lychee_binary()
    require("lychee", found is not None, "install the test extras: pip install -e '.[test]'")
    assert found is not None
    return found


# --- building books ----------------------------------------------------------------------

def build_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, NO_MKDOCS_2_WARNING="1",
               PYTHONDONTWRITEBYTECODE="1")
    env.pop("GITHUB_ACTIONS", None)
    env.update(extra)
    return env


def briefbook_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "briefbook.cli", *args]


def build(root: Path, site: Path, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``briefbook build`` (atomic: staging directory, then a swap) of ``root`` into ``site``."""
    result = subprocess.run(
        briefbook_command("build", "--root", str(root), "--site-dir", str(site)),
        cwd=root, env=build_env(), capture_output=True, text=True, timeout=300, check=False)
    if check and result.returncode != 0:
        pytest.fail(f"building {root} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result


def shipped_config() -> dict[str, Any]:
    """The shipped mkdocs.yml as data.  It holds no YAML tags; safe_load refuses any."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert isinstance(config, dict)
    return config


def copy_book(source: Path, destination: Path, *, shipped_theme: bool = True) -> Path:
    """Copy a book; with ``shipped_theme`` its mkdocs.yml becomes the shipped one (theme
    overrides, Markdown extensions, navigation), so a test book renders as the shipped
    book does."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("site", ".site-*"))
    if shipped_theme:
        config = shipped_config()
        (destination / "mkdocs.yml").write_text(
            yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return destination


@dataclass(frozen=True)
class Site:
    """A built site: where it is and the root of the book it was built from."""

    root: Path
    directory: Path

    def pages(self) -> list[Path]:
        return sorted(self.directory.rglob("*.html"))

    def url_path(self, page: Path) -> str:
        """The path a page is served at, under ``PREFIX``: ``events/x/`` for
        ``events/x/index.html``."""
        rel = page.relative_to(self.directory).as_posix()
        return rel.removesuffix("index.html")


@pytest.fixture(scope="session")
def shipped(shipped_site: Path) -> Site:
    """The shipped book, built once per session by tests/conftest.py's ``shipped_site``
    (a copy of the repository, ``book``, beside the site)."""
    root = shipped_site.parent / "book"
    return Site(root if (root / "mkdocs.yml").is_file() else REPO, shipped_site)


@pytest.fixture(scope="session")
def clean_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The minimal fixture under the shipped configuration: the baseline of what the theme
    produces (scripts, attributes) when the content is harmless."""
    base = tmp_path_factory.mktemp("clean")
    root = copy_book(FIXTURE, base / "book")
    build(root, base / "site")
    return Site(root, base / "site")


# --- hostile content ---------------------------------------------------------------------

@dataclass(frozen=True)
class Payload:
    id: str
    text: str
    reject: str | None = None
    """A pattern every error about the payload matches, when it is refused everywhere."""

    @property
    def line(self) -> str:
        """The payload as a one-line text field keeps it: white space collapsed."""
        return " ".join(self.text.split())


def load_payloads() -> list[Payload]:
    data = json.loads((HOSTILE / "payloads.json").read_text(encoding="utf-8"))
    return [Payload(p["id"], p["text"] * int(p.get("repeat", 1)), p.get("reject"))
            for p in data["payloads"]]


PAYLOADS = load_payloads()


HANDWRITTEN_TITLE = "&lt;/title&gt;&lt;script&gt;alert('title')&lt;/script&gt; <b>About</b>"
HANDWRITTEN_DESCRIPTION = "\"><script>alert('description')</script><meta x=\""
"""Material and Zensical print ``description`` into a ``<meta>`` attribute of the head."""


def write_handwritten_page(root: Path) -> Path:
    """``docs/about.md``: a hand-written page (not a record) with a hostile front-matter
    title and description, every front-matter key a hand-written page may use, and the
    payloads in its body."""
    # MkDocs itself refuses (under --strict) Markdown links it reads as relative paths that
    # do not exist, which these two are: a clear refusal, so they are left out here.
    refused_by_mkdocs = {"md-js-link-entity", "md-js-link-spaces"}
    body = "\n\n".join(p.text for p in PAYLOADS
                        if not p.reject and p.id not in refused_by_mkdocs)
    page = root / "docs" / "about.md"
    page.write_text(
        f"---\ntitle: {json.dumps(HANDWRITTEN_TITLE)}\n"
        f"description: {json.dumps(HANDWRITTEN_DESCRIPTION)}\n"
        f"hide: [toc]\nsearch: {{boost: 2}}\n---\n{body}\n", encoding="utf-8")
    return page


@dataclass(frozen=True)
class Plant:
    """One value written into the hostile book."""

    kind: str
    record_id: str
    file: str
    """Book-relative path of the file it is written in."""
    field: str
    """Where in the record: ``title``, ``citations[0].quote``, ``(body)``."""
    value: str
    payload: Payload
    prose: bool
    """Rendered as analyst Markdown, so only its safety is checked, not its literal text."""
    error: str | None
    """Pattern of the error ``briefbook check`` must report for it; None when accepted."""

    @property
    def shown(self) -> str:
        """The text a reader must see, white space collapsed."""
        return " ".join(self.value.split())


SEPARATOR = " \u205e "
"""Between the payloads of a group in one value (U+205E VERTICAL FOUR DOTS: no syntax)."""


@dataclass(frozen=True)
class Group:
    """Payloads that share one record of each kind: one in the refusal book, a few in the
    built book (fewer pages for the browser to load)."""

    key: str
    payloads: tuple[Payload, ...]

    def joined(self, texts: list[str]) -> str:
        return SEPARATOR.join(texts)

    @property
    def text(self) -> str:
        return self.joined([p.text for p in self.payloads])

    @property
    def line(self) -> str:
        return self.joined([p.line for p in self.payloads])


def group_payloads(payloads: list[Payload], *, size: int) -> list[Group]:
    """Pack payloads into groups of up to ``size`` whose joined line fits a title (200
    characters), each group homogeneous in what the schema refuses (angle brackets,
    length), so that grouping never makes a field refuse a payload it would accept alone.
    A payload that comments out what follows (``<!--``) goes last in its group."""
    buckets: dict[tuple[bool, bool], list[list[Payload]]] = {}
    for payload in payloads:
        line = payload.line
        signature = ("<" in line or ">" in line, len(line) > 200)
        groups = buckets.setdefault(signature, [[]])
        current = groups[-1]
        joined = SEPARATOR.join([p.line for p in current] + [line])
        if current and (len(current) >= size or len(joined) > 200 or signature[1]):
            current = []
            groups.append(current)
        current.append(payload)
    result = []
    for groups in buckets.values():
        for members in groups:
            if members:
                ordered = sorted(members, key=lambda p: "<!--" in p.text)
                result.append(Group(ordered[0].id, tuple(ordered)))
    return sorted(result, key=lambda g: g.key)


def record_id(kind: str, group: Group) -> str:
    return f"2021-03-03-h-{group.key}" if kind == "event" else f"h-{group.key}"


def record_file(kind: str, group: Group) -> str:
    spec = kinds.KINDS[kind]
    folder = spec.directory("events/hostile", "seeds", "docs")
    return f"{folder}/{record_id(kind, group)}{spec.suffix}"


def record_url(kind: str, rid: str) -> str:
    return f"{kinds.KINDS[kind].section}/{rid}/"


def _base(kind: str, group: Group) -> dict[str, Any]:
    """Valid values for the fields that take no free text; the walk over the schema fills
    every text field with the payloads."""
    actor, source = record_id("actor", group), record_id("source", group)
    event, option = record_id("event", group), record_id("option", group)
    quoted = {"source": source}
    bases: dict[str, dict[str, Any]] = {
        "event": {
            "date": "2021-03-03", "type": "rocket attack", "place": record_id("place", group),
            "perpetrators": [actor], "targets": ["united-states"],
            "attribution": [{"actor": actor, "status": "claimed", "by": actor, **quoted}],
            "citations": [{**quoted, "reports": {"rockets": "3"}}, {**quoted}],
            "responds_to": ["2021-02-25-us-strikes-in-syria"],
        },
        "source": {
            "published": "2021-03-09", "kind": "article", "accessed": "2026-11-21",
            # URLs that pass the schema's http(s) pattern but carry markup, Markdown and
            # character references: they must stay one inert link each.
            "url": (f"https://example.org/{source}?q=&lt;img/src=x/onerror=alert(1)&gt;"
                    "&y=)](javascript:alert(1))#&#34;onmouseover=alert(1)//"),
            "archive_url": (f"https://web.archive.org/web/2021/https://example.org/{source}/"
                            "**b**_x_[y](javascript:alert(2))&#x6A;avascript:alert(3)"),
        },
        "actor": {"kind": "militia",
                  "relations": [{"type": "sponsored by", "actor": "iran", **quoted}]},
        "place": {"kind": "base", "latitude": "33.5", "longitude": "43.5", "precision": "site",
                  "country": "IQ"},
        "option": {"recommended_by": [{"by": actor, **quoted}],
                   "doubted_by": [{"by": "united-states", **quoted}],
                   "events": [event], "actors": [actor]},
        "note": {"date": "2026-11-21", "events": [event], "actors": [actor],
                 "options": [option]},
    }
    return bases[kind]


def quote_text(group: Group) -> str:
    return f"Quoted {group.key}: {group.line}"


def boilerplate_text(group: Group) -> str:
    return f"Boilerplate {group.key}: {group.line}"


def expected_error(spec: schema.Field, value: str) -> str | None:
    """The error ``briefbook check`` must give for ``value`` in ``spec``, by the schema's
    documented limits (length, angle brackets in titles, slugs); None when it is valid."""
    if isinstance(spec, schema.Slug):
        return None if schema.SLUG.fullmatch(value) else r"is not a slug"
    if isinstance(spec, schema.Quote):
        if len(value.strip()) > spec.max_length:
            return rf"is \d+ characters long; the limit is {spec.max_length}$"
        return None
    if isinstance(spec, schema.Text):
        line = " ".join(value.split())
        if len(line) > spec.max_length:
            return rf"is \d+ characters long; the limit is {spec.max_length}$"
        if spec.title and ("<" in line or ">" in line):
            return r"may not contain '<' or '>'"
        return None
    if isinstance(spec, schema.Markdown) and len(value) > spec.max_length:
        return r"is longer than"
    return None


class _Planter:
    """Fills one record of one group, remembering every value it planted."""

    def __init__(self, kind: str, group: Group, *, accepted_only: bool) -> None:
        self.kind = kind
        self.group = group
        self.accepted_only = accepted_only
        self.rid = record_id(kind, group)
        self.file = record_file(kind, group)
        self.plants: list[Plant] = []

    def plant(self, spec: schema.Field, where: str, parts: list[str], value: str,
              filler: str, prose: bool = False,
              payloads: tuple[Payload, ...] | None = None) -> str:
        """Plant ``value`` (which holds ``parts``, one per payload of the group, or of
        ``payloads``) unless the schema refuses it in a book meant to build."""
        payloads = payloads or self.group.payloads
        reject = next((p.reject for p in payloads if p.reject), None)
        error = reject or expected_error(spec, value)
        if error is not None and self.accepted_only:
            self.plants.append(Plant(self.kind, self.rid, self.file, where, filler,
                                     payloads[0], prose, None))
            return filler
        for payload, part in zip(payloads, parts, strict=True):
            self.plants.append(Plant(self.kind, self.rid, self.file, where, part, payload,
                                     prose, error))
        return value

    def text(self, spec: schema.Field, where: str, prefix: str, filler: str) -> str:
        texts = [p.text for p in self.group.payloads]
        if prefix:
            parts = [p.line for p in self.group.payloads]
            return self.plant(spec, where, parts, f"{prefix}: {self.group.line}", filler)
        return self.plant(spec, where, texts, self.group.joined(texts), filler)

    def prose(self, spec: schema.Field, where: str) -> str:
        # Analyst Markdown: each payload a paragraph, then an inline reference whose label
        # holds the payloads.
        texts = [p.text for p in self.group.payloads]
        label = re.sub(r"[\[\]|\n]", "", self.group.line)
        text = ("\n\n".join(texts) + f"\n\nSee [[actor:{record_id('actor', self.group)}"
                f"|{label}]] and [[event:2021-02-25-us-strikes-in-syria]].\n")
        return self.plant(spec, where, texts, text, f"Filler prose {self.group.key}.",
                          prose=True)

    def fill(self, fields: tuple[schema.Field, ...], base: dict[str, Any],
             prefix: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {}
        key = self.group.key
        for spec in fields:
            where = f"{prefix}{spec.name}"
            if isinstance(spec, schema.Markdown):
                out[spec.name] = self.prose(spec, where)
            elif isinstance(spec, schema.Quote):
                out[spec.name] = self.text(spec, where, f"Quoted {key}",
                                           f"Quoted {key}: filler")
            elif isinstance(spec, schema.Text):
                out[spec.name] = self.text(spec, where, "", f"Filler {key}")
            elif isinstance(spec, schema.ListOf):
                item = spec.item
                if isinstance(item, schema.Object):
                    entries = base.get(spec.name, [])
                    out[spec.name] = [self.fill(item.fields, entry, f"{where}[{i}].")
                                      for i, entry in enumerate(entries)]
                    if not entries and spec.required:
                        raise LookupError(f"no base entry for required list {self.kind}.{where}")
                elif isinstance(item, schema.Quote):
                    out[spec.name] = [self.text(item, f"{where}[0]", f"Boilerplate {key}",
                                                f"Boilerplate {key}: filler")]
                elif isinstance(item, schema.Text):
                    out[spec.name] = [self.plant(item, f"{where}[{i}]", [p.text], p.text,
                                                 f"Filler {key} {i}", payloads=(p,))
                                      for i, p in enumerate(self.group.payloads)]
                elif isinstance(item, schema.Slug) and not isinstance(item, schema.Reference):
                    out[spec.name] = [self.plant(item, f"{where}[{i}]", [p.text], p.text,
                                                 f"{key}-{i}", payloads=(p,))
                                      for i, p in enumerate(self.group.payloads)]
                elif spec.name in base:
                    out[spec.name] = base[spec.name]
            elif spec.name in base:
                out[spec.name] = base[spec.name]
            elif spec.required:
                raise LookupError(f"the hostile book has no value for {self.kind}.{where}; "
                                  "add one to _base() in tests/browser/conftest.py")
        return out


def yaml_scalar(value: object) -> str:
    """A double-quoted YAML scalar that keeps every character raw except the three YAML
    needs escaped, so control characters reach the file as they are."""
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def yaml_lines(data: dict[str, Any], indent: str = "") -> list[str]:
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines.extend(yaml_lines(value, indent + "  "))
        elif isinstance(value, list):
            if not value:
                continue
            lines.append(f"{indent}{key}:")
            for item in value:
                if isinstance(item, dict):
                    inner = yaml_lines(item, indent + "    ")
                    lines.append(f"{indent}  - " + inner[0].lstrip())
                    lines.extend(inner[1:])
                else:
                    lines.append(f"{indent}  - {yaml_scalar(item)}")
        else:
            lines.append(f"{indent}{key}: {yaml_scalar(value)}")
    return lines


@dataclass
class HostileBook:
    root: Path
    plants: list[Plant] = field(default_factory=list)

    def accepted(self) -> list[Plant]:
        return [p for p in self.plants if p.error is None]


def write_hostile_book(root: Path, payloads: list[Payload], *, accepted_only: bool,
                       group_size: int = 1) -> HostileBook:
    """A copy of the minimal fixture plus, for each group of payloads, one record of every
    kind with the payloads in every free-text field and prose body the schema has.  With
    ``accepted_only`` the values ``briefbook check`` must refuse are replaced by fillers and
    payloads refused everywhere are left out, so that the book builds."""
    copy_book(FIXTURE, root)
    book = HostileBook(root)
    chosen = [p for p in payloads if not (accepted_only and p.reject)]
    for group in group_payloads(chosen, size=group_size):
        for kind, spec in kinds.KINDS.items():
            planter = _Planter(kind, group, accepted_only=accepted_only)
            values = planter.fill(spec.fields, _base(kind, group))
            body = ""
            if spec.verbatim:
                texts = [p.text for p in group.payloads]
                archived = planter.plant(schema.Markdown("(body)", ""), "(body)", texts,
                                         "\n".join(texts), "filler")
                body = "\n".join([
                    f"Archived text of hostile source {group.key}.", archived,
                    quote_text(group), f"Quoted {group.key}: filler",
                    boilerplate_text(group), f"Boilerplate {group.key}: filler", ""])
            elif spec.body is not None:
                body = planter.prose(schema.Markdown("(body)", ""), "(body)")
            path = root / planter.file
            path.parent.mkdir(parents=True, exist_ok=True)
            front = "\n".join(yaml_lines(values)) + "\n"
            text = front if spec.suffix == ".yaml" else f"---\n{front}---\n{body}"
            path.write_bytes(text.encode("utf-8"))
            book.plants.extend(planter.plants)
    return book


@dataclass(frozen=True)
class HostileSite:
    book: HostileBook
    site: Site


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> HostileSite:
    """Every accepted payload in every field, built with the shipped configuration."""
    base = tmp_path_factory.mktemp("hostile")
    book = write_hostile_book(base / "book", PAYLOADS, accepted_only=True, group_size=4)
    build(book.root, base / "site")
    return HostileSite(book, Site(book.root, base / "site"))


# --- scanning built HTML -----------------------------------------------------------------

URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "xlink:href", "poster", "background", "data",
    "ping", "cite", "longdesc", "srcset", "manifest", "codebase", "archive",
})
DANGEROUS_SCHEME = re.compile(r"^(javascript|data|vbscript):", re.IGNORECASE)
FORBIDDEN_ELEMENTS = frozenset({
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "portal",
    "template", "noscript", "meta",
})
"""Elements no generated page body needs (``meta`` is allowed in the head only)."""


def url_scheme_danger(value: str) -> bool:
    """Whether a URL attribute runs script or carries a document, as a browser reads it:
    leading C0/space is trimmed and tab/newline are removed anywhere."""
    cleaned = re.sub(r"[\t\n\r]", "", value).lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08"
                                                     "\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14"
                                                     "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
                                                     "\x1e\x1f ")
    return bool(DANGEROUS_SCHEME.match(cleaned))


@dataclass
class ParsedPage:
    scripts: list[tuple[str, str]] = field(default_factory=list)
    """(``src:...`` or ``inline``, content) of every script element."""
    problems: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    styles: set[str] = field(default_factory=set)


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = ParsedPage()
        self._script: list[str] | None = None
        self._script_src = ""
        self._in_head = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        if tag == "head":
            self._in_head = True
        elif tag == "body":
            self._in_head = False
        if tag == "script":
            self._script = []
            self._script_src = dict(attrs).get("src") or ""
        if tag in ("script", "style"):
            self._skip += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        problems = self.result.problems
        where = f"<{tag}> at line {self.getpos()[0]}"
        if tag in FORBIDDEN_ELEMENTS and not (tag == "meta" and self._in_head):
            problems.append(f"forbidden element {where}")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                problems.append(f"event handler {name}={value!r} on {where}")
            if name in URL_ATTRIBUTES:
                candidates = value.split(",") if name == "srcset" else [value]
                for candidate in candidates:
                    if url_scheme_danger(candidate.strip()):
                        problems.append(f"{name}={value[:80]!r} on {where}")
            # briefbook's own Content-Security-Policy is the one http-equiv a page may
            # carry, in <head>; a refresh or any other would be content taking control.
            csp = (name == "http-equiv" and value == "Content-Security-Policy"
                   and tag == "meta" and self._in_head)
            if name in ("srcdoc", "http-equiv") and not csp:
                problems.append(f"{name}={value[:80]!r} on {where}")
            if name == "style":
                self.result.styles.add(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            body = "".join(self._script)
            if self._script_src:
                self.result.scripts.append((f"src:{self._script_src}", body))
            else:
                self.result.scripts.append(("inline", body))
            self._script = None
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
        elif not self._skip:
            self.result.text.append(data)


def parse_page(text: str) -> ParsedPage:
    scanner = _Scanner()
    scanner.feed(text)
    scanner.close()
    return scanner.result


def script_key(site: Site, page: Path, kind: str, body: str, site_prefix: str) -> str:
    """A script's identity independent of the page's depth: external scripts by their
    site-root path, inline ones by the SHA-256 of their text with the page's relative base
    (``..``, ``../..``) or the absolute site prefix written as ``BASE``."""
    rel = page.relative_to(site.directory).as_posix()
    if kind.startswith("src:"):
        page_url = f"https://site{site_prefix}{rel}"
        resolved = urllib.parse.urljoin(page_url, kind[4:])
        return "src:" + resolved.removeprefix(f"https://site{site_prefix}")
    depth = rel.count("/")
    base = "/".join([".."] * depth) if depth else "."
    normal = body.replace(f'"{site_prefix}', '"BASE/').replace(f'"{base}"', '"BASE"')
    normal = normal.replace(f'"{base}/', '"BASE/')
    if depth == 0:
        normal = re.sub(r'"(assets/)', r'"BASE/\1', normal)
    return "inline:" + hashlib.sha256(normal.encode()).hexdigest()


def site_prefix(site: Site) -> str:
    config = yaml.safe_load((site.root / "mkdocs.yml").read_text(encoding="utf-8"))
    path = urllib.parse.urlsplit(str(config.get("site_url") or "/")).path
    return path if path.endswith("/") else path + "/"


def theme_scripts(site: Site) -> set[str]:
    prefix = site_prefix(site)
    keys: set[str] = set()
    for page in site.pages():
        parsed = parse_page(page.read_text(encoding="utf-8"))
        keys.update(script_key(site, page, kind, body, prefix) for kind, body in parsed.scripts)
    return keys


def theme_styles(site: Site) -> set[str]:
    styles: set[str] = set()
    for page in site.pages():
        styles |= parse_page(page.read_text(encoding="utf-8")).styles
    return styles


TEMPLATE_MARKERS = (
    re.compile(r"bb-ssti-evaluated"),
    re.compile(r"1337000"),
    re.compile(r"(?<!%\})bb-stmt-evaluated"),
)
"""Text that appears only if ``{{ ... }}`` or ``{% ... %}`` in content were evaluated."""


def scan_site_page(site: Site, page: Path, allowed_scripts: set[str],
                   allowed_styles: set[str]) -> list[str]:
    """Everything in one built page that could run script or that the theme did not
    produce."""
    prefix = site_prefix(site)
    parsed = parse_page(page.read_text(encoding="utf-8"))
    problems = list(parsed.problems)
    for kind, body in parsed.scripts:
        if script_key(site, page, kind, body, prefix) not in allowed_scripts:
            problems.append(f"script not produced by the theme: {kind} {body[:120]!r}")
    for style in parsed.styles - allowed_styles:
        problems.append(f"style attribute not produced by the theme: {style[:80]!r}")
    text = "".join(parsed.text)
    for marker in TEMPLATE_MARKERS:
        if marker.search(text):
            problems.append(f"template syntax was evaluated: {marker.pattern}")
    return problems


# --- serving -----------------------------------------------------------------------------

class SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, directory: Path, prefix: str) -> None:
        self.directory = directory.resolve()
        self.prefix = prefix
        super().__init__(("127.0.0.1", 0), _SiteHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser closing a connection mid-response is not an error of the site.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def origin(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return self.origin + self.prefix


class _SiteHandler(BaseHTTPRequestHandler):
    """Serves a built site under a prefix as GitHub Pages does: ``dir/`` serves
    ``dir/index.html``, ``dir`` redirects to ``dir/``, anything missing gets 404.html with
    status 404."""

    server: SiteServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def _serve(self, *, body: bool) -> None:
        server = self.server
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        target: Path | None = None
        if path.startswith(server.prefix) or path + "/" == server.prefix:
            rel = posixpath.normpath(path[len(server.prefix):] or ".")
            candidate = (server.directory / rel).resolve()
            if candidate.is_relative_to(server.directory) and ".." not in rel.split("/"):
                if candidate.is_dir():
                    if not path.endswith("/"):
                        self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", body,
                                   location=path + "/")
                        return
                    candidate = candidate / "index.html"
                if candidate.is_file():
                    target = candidate
        if target is None:
            missing = server.directory / "404.html"
            data = missing.read_bytes() if missing.is_file() else b"not found"
            self._send(HTTPStatus.NOT_FOUND, data, "text/html; charset=utf-8", body)
            return
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
            kind += "; charset=utf-8"
        self._send(HTTPStatus.OK, target.read_bytes(), kind, body)

    def _send(self, status: HTTPStatus, data: bytes, kind: str, body: bool,
              location: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "max-age=600")
        if location:
            self.send_header("Location", location)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path, prefix: str = PREFIX) -> Iterator[SiteServer]:
    server = SiteServer(directory, prefix)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def shipped_server(shipped: Site) -> Iterator[SiteServer]:
    with serve(shipped.directory) as server:
        yield server


@pytest.fixture(scope="session")
def hostile_server(hostile_site: HostileSite) -> Iterator[SiteServer]:
    with serve(hostile_site.site.directory) as server:
        yield server


# --- the browser -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def playwright_driver(chromium: Path) -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright, chromium: Path) -> Iterator[Browser]:
    launched = playwright_driver.chromium.launch(executable_path=str(chromium),
                                                 args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@dataclass
class Watch:
    """What a browser context saw: dialogs (the script-execution canary), console errors,
    uncaught exceptions, local requests that failed, and requests to anywhere but the local
    server (aborted)."""

    origin: str
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def where(self, page: Page) -> str:
        return page.url.removeprefix(self.origin)

    def attach(self, page: Page) -> Page:
        def dialog(dialog: Dialog) -> None:
            self.dialogs.append(f"{self.where(page)}: {dialog.type} {dialog.message!r}")
            dialog.dismiss()

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.errors.append(f"{self.where(page)}: console: {message.text} "
                                   f"({message.location.get('url', '')})")

        def failed(request: Request) -> None:
            # ERR_ABORTED: the page was left before a late request (favicon, search worker)
            # finished; not a fault of the site.
            if request.url.startswith(self.origin) and request.failure != "net::ERR_ABORTED":
                self.failed.append(f"{self.where(page)}: {request.url} {request.failure}")

        def response(response: Response) -> None:
            if response.url.startswith(self.origin) and response.status >= 400:
                self.failed.append(f"{self.where(page)}: {response.url} {response.status}")

        page.on("dialog", dialog)
        page.on("console", console)
        page.on("pageerror", lambda exc: self.errors.append(f"{self.where(page)}: {exc}"))
        page.on("requestfailed", failed)
        page.on("response", response)
        return page

    def route(self, route: Route, request: Request) -> None:
        if request.url.startswith((self.origin + "/", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.external.append(f"{request.method} {request.url} "
                                 f"(from {request.frame.url.removeprefix(self.origin)})")
            route.abort("blockedbyclient")

    def problems(self) -> list[str]:
        return [*(f"dialog: {d}" for d in self.dialogs), *self.errors,
                *(f"external request: {e}" for e in self.external),
                *(f"failed request: {f}" for f in self.failed)]


@contextlib.contextmanager
def watched_context(browser: Browser, server: SiteServer, *, width: int = 1280,
                    height: int = 800,
                    bypass_csp: bool = False) -> Iterator[tuple[BrowserContext, Watch]]:
    """A fresh browser context whose every request is routed: local ones continue, any
    other is aborted and recorded.

    ``bypass_csp`` switches off the pages' Content-Security-Policy, for tests of the other
    layer (escaping must hold on its own) and for injecting test tools such as axe."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  base_url=server.base_url, service_workers="block",
                                  bypass_csp=bypass_csp)
    watch = Watch(server.origin)
    context.route("**/*", watch.route)
    try:
        yield context, watch
    finally:
        context.close()


@pytest.fixture
def shipped_context(browser: Browser,
                    shipped_server: SiteServer) -> Iterator[tuple[BrowserContext, Watch]]:
    with watched_context(browser, shipped_server) as pair:
        yield pair


def settle(page: Page) -> None:
    """Let Material's bundle finish its first render (it runs after ``load``)."""
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 20)))")


LIVE_DOM_CHECK = r"""() => {
  const bad = [];
  const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "poster",
                         "data", "background", "ping"];
  const scheme = value => {
    try { return new URL(value, document.baseURI).protocol; } catch (e) { return ""; }
  };
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith("on") || name === "srcdoc")
        bad.push(`<${el.localName} ${name}="${a.value.slice(0, 60)}">`);
      if (urlAttributes.includes(name)
          && ["javascript:", "data:", "vbscript:"].includes(scheme(a.value)))
        bad.push(`<${el.localName} ${name}="${a.value.slice(0, 60)}">`);
    }
  }
  const root = document.querySelector("article") || document.body;
  const doc = document.documentElement;
  const wide = doc.scrollWidth <= doc.clientWidth ? [] : [...document.querySelectorAll(
      "article *")].filter(e => e.getBoundingClientRect().right > doc.clientWidth + 1
                           && !e.closest(".md-typeset__scrollwrap"))
    .slice(0, 3).map(e => `<${e.localName} class="${e.className}"> `
                          + `${Math.round(e.getBoundingClientRect().width)}px wide`);
  return {bad: bad, text: root.innerText, overflow: doc.scrollWidth - doc.clientWidth,
          wide: wide};
}"""
"""After the page's scripts ran: attributes that could run script, and the article's text."""


@dataclass(frozen=True)
class Visit:
    path: str
    text: str
    """The article's innerText, white space collapsed."""
    live_problems: list[str]
    overflow: int
    """How many pixels the page scrolls sideways (0 when it fits the viewport)."""
    wide: list[str]
    """Elements of the article wider than the viewport, when it overflows."""


def visit_all(context: BrowserContext, watch: Watch, site: Site,
              tabs: int = 2) -> dict[str, Visit]:
    """Load every page of ``site`` (served at the context's base URL), a few tabs at a
    time, and record what each page holds once its scripts ran.  The search worker gets an
    index without documents: it would otherwise rebuild the whole index on every page
    (search results are tested on their own)."""
    index = json.loads((site.directory / "search" / "search_index.json").read_text("utf-8"))
    empty = json.dumps({**index, "docs": []})
    context.route("**/search/search_index.json",
                  lambda route: route.fulfill(status=200, content_type="application/json",
                                              body=empty))
    paths = [site.url_path(p) for p in site.pages()]
    pages = [watch.attach(context.new_page()) for _ in range(tabs)]
    visits: dict[str, Visit] = {}
    for start in range(0, len(paths), tabs):
        batch = list(zip(pages, paths[start:start + tabs], strict=False))
        for page, path in batch:
            page.goto(path, wait_until="commit")
        for page, path in batch:
            page.wait_for_load_state("load")
            found = page.evaluate(LIVE_DOM_CHECK)
            visits[path] = Visit(path, " ".join(str(found["text"]).split()),
                                 [str(b) for b in found["bad"]], int(found["overflow"]),
                                 [str(w) for w in found["wide"]])
    for page in pages:
        page.close()
    return visits


def search(page: Page, query: str) -> None:
    """Type a query as a reader does (Material's search needs real key events); on a narrow
    screen the search box opens from a header button first."""
    box = page.locator("input.md-search__input")
    button = page.locator("label.md-header__button[for='__search']")
    (button if button.is_visible() else box).click()
    expect(box).to_be_focused()
    box.fill("")
    box.press_sequentially(query, delay=30)


def artifact_dir(*parts: str) -> Path:
    path = ARTIFACTS.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path

