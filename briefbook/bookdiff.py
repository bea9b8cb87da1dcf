"""``briefbook diff``: what a change does to the book, as a reviewer reads it, in Markdown.

Both revisions are checked as ``briefbook check`` would check a checkout of them, then
compared record by record: events, sources and the other records added, removed or changed
(naming the fields), figures that changed, disagreements between sources that appear or are
resolved, attributions whose status changed, cross-links added, removed or broken, and the
check messages a change introduces.  The output is short enough for a pull request's job
summary, with links to the preview site when its address is given.

A revision is read straight from git's object store (``ls-tree`` and ``cat-file``), never
checked out: no hook, filter or ``.gitattributes`` rule of the content runs, and only the
folders the checker reads are written, into a temporary folder.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path

from briefbook import kinds, model, views
from briefbook.dates import Edtf
from briefbook.diagnostics import Diagnostic, UsageProblem
from briefbook.index import Index
from briefbook.load import DEFAULT_LAYOUT
from briefbook.pipeline import Checked, check
from briefbook.render import md, record_page

_PLAIN_NAME = re.compile(r"[A-Za-z0-9._:/-]+")

MAX_ITEMS = 15
"""Lines a section lists before '... and N more': a summary is read, not searched."""

KIND_TITLES = {"event": "Events", "source": "Sources", "actor": "Actors", "place": "Places",
               "option": "Options", "note": "Notes"}

_LINK_KINDS = {
    "place": "place", "perpetrators": "actor", "targets": "actor", "actor": "actor",
    "by": "actor", "source": "source", "responds_to": "event", "events": "event",
    "actors": "actor", "options": "option",
}
"""The record kind a reference names, by the field it is written in (in every record kind,
each field name means one kind: 'by' is always an actor, 'source' always a source)."""

_NOT_CONTENT = frozenset({"id", "path", "at", "confidence_at", "estimative_at", "text_line"})
"""Where something is written, not what: a line moved by an edit above it is no change."""


# --- revisions ----------------------------------------------------------------------------

def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], input=stdin,
                              capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageProblem("briefbook diff needs git, which is not installed") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageProblem(f"git {args[0]} failed: {reason[-1] if reason else done.returncode}")
    return done.stdout


def resolve(root: Path, revision: str) -> str:
    """The commit ``revision`` names in the repository holding ``root``."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", "--end-of-options",
             f"{revision}^{{commit}}"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise UsageProblem("briefbook diff needs git, which is not installed") from None
    if done.returncode == 0:
        return done.stdout.strip()
    if "not a git repository" in done.stderr:
        raise UsageProblem(f"{root} is not in a git repository; briefbook diff compares "
                           "two git revisions")
    raise UsageProblem(f"no such revision: '{revision}'; give a commit, branch or tag "
                       "(e.g. main, HEAD~1, origin/main)")


def materialise(root: Path, commit: str, into: Path) -> None:
    """Write the book's content folders as they are at ``commit`` (under the book's folder
    in the repository) into the empty folder ``into``."""
    layout = DEFAULT_LAYOUT
    listing = _git(root, "ls-tree", "-r", "-z", commit, "--",
                   layout.events, layout.sources, layout.docs)
    entries = []
    for line in listing.split(b"\0"):
        if not line:
            continue
        meta, _, raw_path = line.partition(b"\t")
        mode, kind, oid = meta.decode().split()
        parts = raw_path.decode("utf-8", "surrogateescape").split("/")
        # Git refuses to check out such names; a crafted tree could still hold them.
        if kind != "blob" or any(p in ("", ".", "..") or p.lower() == ".git" for p in parts):
            continue
        entries.append((mode, oid, parts))
    blobs = _read_blobs(root, [oid for _, oid, _ in entries])
    for mode, oid, parts in entries:
        target = into.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":  # a symbolic link, kept as one: the loader judges where it goes
            target.symlink_to(blobs[oid].decode("utf-8", "surrogateescape"))
        else:
            target.write_bytes(blobs[oid])


def _read_blobs(root: Path, oids: list[str]) -> dict[str, bytes]:
    """Every blob in one ``git cat-file --batch`` call rather than a process per file."""
    unique = list(dict.fromkeys(oids))
    if not unique:
        return {}
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{o}\n" for o in unique).encode())
    blobs: dict[str, bytes] = {}
    at = 0
    for oid in unique:
        header_end = out.index(b"\n", at)
        size = int(out[at:header_end].split()[2])
        blobs[oid] = out[header_end + 1 : header_end + 1 + size]
        at = header_end + 1 + size + 1
    return blobs


def check_revision(root: Path, revision: str | None) -> tuple[str, Checked]:
    """A label for ``revision`` and the book checked as it is there; ``None`` is the
    working tree, uncommitted edits included."""
    if revision is None:
        return "the working tree", check(root)
    commit = resolve(root, revision)
    with tempfile.TemporaryDirectory(prefix="briefbook-diff-") as folder:
        materialise(root, commit, Path(folder))
        return f"{revision} ({commit[:10]})", check(Path(folder))


# --- comparison ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RecordChange:
    kind: str
    id: str
    title: str
    change: str
    """'added', 'removed', 'changed', or 'unreadable' (its file has errors in HEAD)."""
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FigureChange:
    event: str
    title: str
    figure: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Disagreement:
    event: str
    title: str
    figure: str
    reports: str
    """What each source reports, e.g. 'brief-a: over 100; memo-b: up to 110'."""
    new: bool


@dataclass(frozen=True, slots=True)
class AttributionChange:
    event: str
    title: str
    actor: str
    by: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class LinkChange:
    source: str
    """'kind:id' of the record the link is written in."""
    change: str
    """'added', 'removed', 'broken' (names no record now) or 'repaired' (names one again)."""
    targets: tuple[str, ...]


@dataclass(frozen=True)
class BookDiff:
    base: str
    head: str
    records: list[RecordChange] = field(default_factory=list)
    figures: list[FigureChange] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    attributions: list[AttributionChange] = field(default_factory=list)
    links: list[LinkChange] = field(default_factory=list)
    introduced: list[Diagnostic] = field(default_factory=list)
    fixed: int = 0


def compare(base_label: str, base: Checked, head_label: str, head: Checked) -> BookDiff:
    before, after = base.index, head.index
    # A record whose file has an error in HEAD is left out of HEAD's book: it is not gone.
    failing = {d.at.path for d in head.errors}
    records = [change for kind in kinds.KINDS
               for change in _record_changes(kind, before.lookup(kind), after.lookup(kind),
                                             failing)]
    figures: list[FigureChange] = []
    disagreements: list[Disagreement] = []
    attributions: list[AttributionChange] = []
    for event in after.book.events:
        old = before.events.get(event.id)
        _compare_figures(figures, disagreements, before, old, after, event)
        if old is not None:
            attributions.extend(_attribution_changes(old, event))
    old_messages = Counter(_message_key(d) for d in base.diagnostics)
    new_messages = Counter(_message_key(d) for d in head.diagnostics)
    unmatched = new_messages - old_messages
    introduced = []
    for diagnostic in head.diagnostics:
        key = _message_key(diagnostic)
        if unmatched[key] > 0:
            unmatched[key] -= 1
            introduced.append(diagnostic)
    return BookDiff(base_label, head_label, records, figures, disagreements, attributions,
                    list(_link_changes(before, after)), introduced,
                    fixed=(old_messages - new_messages).total())


def _message_key(diagnostic: Diagnostic) -> tuple[str, str, str, str | None]:
    # Without line and column: an edit above a standing problem moves it but is no news.
    return (diagnostic.at.path, diagnostic.severity, diagnostic.message, diagnostic.hint)


def title_of(record: model.RecordLike) -> str:
    return record.title


def _record_changes(kind: str, before: dict[str, model.RecordLike],
                    after: dict[str, model.RecordLike],
                    failing: set[str]) -> Iterator[RecordChange]:
    for record_id in sorted(after.keys() - before.keys()):
        yield RecordChange(kind, record_id, title_of(after[record_id]), "added")
    for record_id in sorted(before.keys() - after.keys()):
        old = before[record_id]
        yield RecordChange(kind, record_id, title_of(old),
                           "unreadable" if old.path in failing else "removed")
    for record_id in sorted(before.keys() & after.keys()):
        old, new = before[record_id], after[record_id]
        changed = tuple(f.name for f in fields(new)  # type: ignore[arg-type]
                        if f.name not in _NOT_CONTENT
                        and plain(getattr(old, f.name)) != plain(getattr(new, f.name)))
        if changed:
            yield RecordChange(kind, record_id, title_of(new), "changed", changed)


def plain(value: object) -> object:
    """What a value says, without where it is written: comparable across revisions."""
    if isinstance(value, model.Prose):
        return value.text
    if isinstance(value, Edtf):
        return value.text
    if isinstance(value, model.Ref):
        return value.id
    if isinstance(value, model.Figure):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return tuple((f.name, plain(getattr(value, f.name))) for f in fields(value)
                     if f.name not in _NOT_CONTENT)
    if isinstance(value, tuple | list):
        return tuple(plain(item) for item in value)
    return value


def _figure_reports(index: Index, event: model.Event) -> dict[str, str]:
    """Each reported figure of ``event`` to what every source says of it."""
    table = views.figure_table(event)
    return {name: "; ".join(f"{column.source.id}: {cell}"
                            for column, cell in zip(table.columns, cells, strict=True)
                            if cell is not None)
            for name, cells in table.rows}


def _compare_figures(figures: list[FigureChange], disagreements: list[Disagreement],
                     before: Index, old: model.Event | None, after: Index,
                     new: model.Event) -> None:
    new_reports = _figure_reports(after, new)
    disputed_now = set(views.figure_table(new).disputed)
    old_reports = _figure_reports(before, old) if old is not None else {}
    disputed_then = set(views.figure_table(old).disputed) if old is not None else set()
    if old is not None:
        for name in model.FIGURE_NAMES:
            then, now = old_reports.get(name, "none"), new_reports.get(name, "none")
            if then != now:
                figures.append(FigureChange(new.id, new.title, name, then, now))
    for name in sorted(disputed_now - disputed_then, key=model.FIGURE_NAMES.index):
        disagreements.append(Disagreement(new.id, new.title, name, new_reports[name],
                                               True))
    for name in sorted(disputed_then - disputed_now, key=model.FIGURE_NAMES.index):
        disagreements.append(Disagreement(new.id, new.title, name,
                                               new_reports.get(name, "no longer reported"),
                                               False))


def _attribution_statuses(event: model.Event) -> dict[tuple[str, str], str]:
    """(actor, by) to the statuses given, with the confidence of an assessment."""
    statuses: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in event.attribution:
        shown = f"{a.status} ({a.confidence} confidence)" if a.confidence else a.status
        statuses[(a.actor.id, a.by.id)].add(shown)
    return {key: ", ".join(sorted(value)) for key, value in statuses.items()}


def _attribution_changes(old: model.Event, new: model.Event) -> Iterator[AttributionChange]:
    then, now = _attribution_statuses(old), _attribution_statuses(new)
    for key in sorted(then.keys() | now.keys()):
        if then.get(key) != now.get(key):
            yield AttributionChange(new.id, new.title, key[0], key[1], then.get(key, "none"),
                                    now.get(key, "none"))


def links(record: model.RecordLike) -> set[tuple[str, str]]:
    """Every (kind, id) a record refers to: in its fields and as [[kind:id]] in its prose."""
    found: set[tuple[str, str]] = set()

    def walk(value: object, name: str) -> None:
        if isinstance(value, model.Ref):
            if name in _LINK_KINDS:
                found.add((_LINK_KINDS[name], value.id))
        elif isinstance(value, model.Prose):
            found.update((r.kind, r.ref.id) for r in value.refs if r.kind in kinds.KINDS)
        elif is_dataclass(value) and not isinstance(value, type):
            for f in fields(value):
                walk(getattr(value, f.name), f.name)
        elif isinstance(value, tuple):
            for item in value:
                walk(item, name)

    walk(record, "")
    return found


def _link_table(index: Index) -> dict[str, set[tuple[str, str]]]:
    return {f"{kind}:{record.id}": links(record)
            for kind in kinds.KINDS for record in index.lookup(kind).values()}


def _link_changes(before: Index, after: Index) -> Iterator[LinkChange]:
    old_links, new_links = _link_table(before), _link_table(after)

    def broken(index: Index, targets: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        return {t for t in targets if t[1] not in index.lookup(t[0])}

    for source in sorted(new_links):
        then, now = old_links.get(source, set()), new_links[source]
        broken_now = broken(after, now) - broken(before, then)
        added = now - then - broken(after, now)
        removed = then - now if source in old_links else set()
        repaired = (broken(before, then) & now) - broken(after, now)
        for change, targets in (("added", added), ("removed", removed),
                                ("broken", broken_now), ("repaired", repaired)):
            if targets:
                yield LinkChange(source, change, tuple(f"{k}:{i}" for k, i in sorted(targets)))


# --- Markdown -------------------------------------------------------------------------------

def book_diff(root: Path, base: str, head: str | None = None,
              preview_url: str | None = None) -> str:
    """The Markdown summary of the change from ``base`` to ``head`` (default: the working
    tree) of the book at ``root``."""
    if preview_url is not None:
        preview_url = _checked_preview_url(preview_url)
    base_label, base_checked = check_revision(root, base)
    head_label, head_checked = check_revision(root, head)
    diff = compare(base_label, base_checked, head_label, head_checked)
    return to_markdown(diff, head_checked.index, preview_url)


def _checked_preview_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageProblem(f"--preview-url must be an http(s) address, not '{url}'")
    return url if url.endswith("/") else url + "/"


def name(text: str) -> str:
    """An id or field name as code when it holds only the characters file names may (so
    it needs no escaping), else escaped like any content."""
    return f"`{text}`" if _PLAIN_NAME.fullmatch(text) else md(text)


def to_markdown(diff: BookDiff, head: Index, preview_url: str | None = None) -> str:
    def page(kind: str, record_id: str, text: str, *, escaped: str | None = None) -> str:
        """The record's name, linked to its preview page where it exists there."""
        shown = md(text) if escaped is None else escaped
        if preview_url is None or record_id not in head.lookup(kind):
            return shown
        url = preview_url + urllib.parse.quote(record_page(kind, record_id)[: -len(".md")])
        return f"[{shown}]({url}/)"

    def key_page(key: str) -> str:
        kind, _, record_id = key.partition(":")
        return page(kind, record_id, key, escaped=name(key))

    out = [f"## Book diff: {md(diff.base)} → {md(diff.head)}", "", _headline(diff), ""]

    def section(title: str, lines: list[str]) -> None:
        if not lines:
            return
        out.extend([f"### {title}", ""])
        out.extend(f"- {line}" for line in lines[:MAX_ITEMS])
        if len(lines) > MAX_ITEMS:
            out.append(f"- … and {len(lines) - MAX_ITEMS} more")
        out.append("")

    for kind in kinds.KINDS:
        lines = []
        for r in (r for r in diff.records if r.kind == kind):
            shown = page(kind, r.id, r.title)
            if r.change == "changed":
                lines.append(f"changed: {shown}: {', '.join(name(f) for f in r.fields)}")
            elif r.change == "unreadable":
                lines.append(f"unreadable: {shown} ({name(r.id)}): its file has errors, "
                             "see the check messages")
            else:
                lines.append(f"{r.change}: {shown} ({name(r.id)})")
        section(KIND_TITLES[kind], lines)
    section("Figures", [f"{page('event', f.event, f.title)}: {name(f.figure)}: {md(f.before)} "
                        f"→ {md(f.after)}" for f in diff.figures])
    section("Disagreements between sources", [
        f"{'new' if d.new else 'resolved'}: {page('event', d.event, d.title)}: "
        f"{name(d.figure)} ({md(d.reports)})" for d in diff.disagreements])
    section("Attributions", [
        f"{page('event', a.event, a.title)}: {name(a.actor)} by {name(a.by)}: {md(a.before)} → "
        f"{md(a.after)}" for a in diff.attributions])
    section("Cross-links", [
        f"{link.change}: {key_page(link.source)} → "
        + ", ".join(key_page(t) if link.change in ("added", "repaired") else name(t)
                    for t in link.targets)
        for link in diff.links])
    section("Check messages introduced", [
        f"{d.severity} at {name(str(d.at))}: {md(d.message)}"
        + (f"; {md(d.hint)}" if d.hint else "") for d in diff.introduced])
    return "\n".join(out).rstrip("\n") + "\n"


def _headline(diff: BookDiff) -> str:
    counts: list[str] = []
    for kind in kinds.KINDS:
        by_change = Counter(r.change for r in diff.records if r.kind == kind)
        parts = [f"{by_change[c]} {c}" for c in ("added", "removed", "changed", "unreadable")
                 if by_change[c]]
        if parts:
            counts.append(f"{KIND_TITLES[kind].lower()}: {', '.join(parts)}")
    for what, items in (("figure", diff.figures), ("disagreement", diff.disagreements),
                        ("attribution", diff.attributions), ("cross-link", diff.links)):
        if items:
            counts.append(_plural(len(items), f"{what} change"))
    errors = sum(d.severity == "error" for d in diff.introduced)
    if diff.introduced:
        counts.append(f"{_plural(errors, 'error')} and "
                      f"{_plural(len(diff.introduced) - errors, 'warning')} introduced")
    if diff.fixed:
        counts.append(f"{_plural(diff.fixed, 'check message')} fixed")
    return ("; ".join(counts) + ".") if counts else "No change to the book."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
