"""The ``briefbook`` command: check a book, write its schema, render or build it."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from briefbook import __version__
from briefbook.diagnostics import Diagnostic, UsageProblem, internal_error, printable_path

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70
ENGINES = ("mkdocs", "properdocs", "zensical")
"""MkDocs and ProperDocs (a MkDocs 1.x fork) run the briefbook plugin; Zensical runs no
third-party plugin, so it builds the tree ``render`` writes and ``finish`` completes it.
Named here, not in ``engine``, so that starting the command imports no renderer."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM during a build (write.Interrupted)
        print("briefbook: interrupted", file=sys.stderr)
        return 128 + int(getattr(stop, "signum", 2))
    except UsageProblem as exc:
        print(f"briefbook: error: {printable_path(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        # Content is untrusted and the stages are many: whatever slipped through gets one
        # line saying where, never a stack a contributor cannot act on.
        if args.debug:
            raise
        print(internal_error(exc), file=sys.stderr)
        return EXIT_INTERNAL


class UsageError(UsageProblem):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbook",
        description="Check, render and build a briefing book: events, sources and notes "
        "published as an MkDocs site.",
        epilog="Run 'briefbook COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"briefbook {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="on an internal error, show the Python stack instead of one line")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check", help="validate the book and report every problem",
        description="Validate every event, source, actor, place, option and note; report all "
        "problems as 'path:line:col: severity: message; hint'. Exit status: 0 clean, 1 content "
        "errors (or warnings with --strict), 2 usage error.")
    check.add_argument("path", nargs="?", default=".", type=Path,
                       help="the book's root, or a file or folder in it to report on "
                       "(default: the current directory)")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    check.add_argument("--no-cache", action="store_true",
                       help="read and validate every file again, neither using nor writing "
                       "the read cache in .briefbook-cache/")
    check.set_defaults(run=_check)

    schema = commands.add_parser(
        "schema", help="write the JSON Schema for event files",
        description="Write the JSON Schema that editors (VS Code YAML, JetBrains) use to "
        "complete and check event files as you type.")
    schema.add_argument("-o", "--output", type=Path,
                        help="file to write (default: standard output)")
    schema.add_argument("--check", action="store_true",
                        help="exit 1 if OUTPUT differs from the schema instead of writing it")
    schema.set_defaults(run=_schema)

    render = commands.add_parser(
        "render", help="write a buildable docs tree for engines that run no plugins",
        description="Write a complete docs tree into OUT_DIR: every generated page (events, "
        "actors, sources, timeline...) as Markdown, the book's hand-written pages and theme "
        "overrides, and a mkdocs.yml without the briefbook plugin, for engines that run no "
        "plugins (Zensical). OUT_DIR must be new, empty or an earlier render: a file "
        "briefbook did not write is never overwritten, and pages of deleted records are "
        "removed.")
    render.add_argument("out_dir", type=Path, help="folder to write the tree into")
    render.add_argument("--engine", choices=("zensical", "mkdocs"), default="zensical",
                        help="the engine the tree is for (default: zensical); for mkdocs "
                        "the book's theme overrides are kept")
    render.add_argument("--root", type=Path, default=Path(), help="the book's root")
    render.set_defaults(run=_render)

    build = commands.add_parser(
        "build", help="check the book and build the site atomically",
        description="Check the book, then build the site with MkDocs into a temporary "
        "directory and swap it into place, so a failed build leaves the previous site intact. "
        "With MkDocs or ProperDocs the build is warm: it starts from the last site and builds "
        "again only the pages an edit changed, writing the same files a full build would "
        "(what each page was made of is kept in the user's cache folder).")
    build.add_argument("--root", type=Path, default=Path(), help="the book's root")
    build.add_argument("--site-dir", type=Path, default=Path("site"),
                       help="where the site goes (default: site)")
    build.add_argument("--no-cache", action="store_true",
                       help="build every page, without reading or keeping the warm build's "
                       "record")
    build.add_argument("--engine", choices=ENGINES, default="mkdocs",
                       help="mkdocs (default) and properdocs run the briefbook plugin; "
                       "zensical builds the tree 'render' writes, then 'finish' adds the "
                       "protections the plugin would")
    build.set_defaults(run=_build)

    finish = commands.add_parser(
        "finish", help="add the plugin's protections to a site another engine built",
        description="Finish a site built by an engine that runs no briefbook plugin (from "
        "the tree 'briefbook render' wrote): add the Content-Security-Policy to every page, "
        "sanitise the hand-written pages, and check every link and anchor. Exit status: 0 "
        "clean, 1 broken links, 2 usage error.")
    finish.add_argument("site_dir", type=Path, help="the built site, finished in place")
    finish.add_argument("--engine", choices=("zensical", "mkdocs"), default="zensical",
                        help="the engine that built it, whose theme's scripts are allowed")
    finish.add_argument("--theme-dir", type=Path, action="append", default=[],
                        help="a folder of theme overrides whose inline scripts are the "
                        "theme's own too (repeatable)")
    finish.set_defaults(run=_finish)

    diff = commands.add_parser(
        "diff", help="what a change does to the book, as Markdown for a pull request",
        description="Check the book at two git revisions and print, in Markdown, what "
        "changed as the book sees it: records added, removed and changed (naming the "
        "fields), figures, disagreements between sources, attributions, cross-links, and "
        "the check messages introduced. Exit status: 0, whatever changed; 2 on a usage "
        "error such as a revision that does not exist.")
    diff.add_argument("base", help="the revision to compare from (e.g. main, HEAD~1)")
    diff.add_argument("head", nargs="?",
                      help="the revision to compare to (default: the working tree, "
                      "uncommitted edits included)")
    diff.add_argument("--root", type=Path, default=Path(), help="the book's root")
    diff.add_argument("--preview-url", metavar="URL",
                      help="the address of a preview of HEAD's site, to link each record "
                      "to its page there")
    diff.set_defaults(run=_diff)
    _add_data_commands(commands)
    _add_new_command(commands)
    _add_pdf_command(commands)
    return parser


def _add_data_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from briefbook.export import FORMATS  # the formats the exporter knows, each once

    export = commands.add_parser(
        "export", help="write the book's data: JSON, CSV, GeoJSON, iCalendar, Atom feeds",
        description="Check the book, then write its exports into OUT: events.json (with "
        "events.schema.json), events.csv (ACLED column names), events.geojson, events.ics, "
        "actors.json, sources.json, names.json (every name and alias) and Atom feeds (feeds/). "
        "Files of the same name are replaced; nothing else in OUT is touched.")
    export.add_argument("--format", "-f", action="append", dest="formats",
                        choices=(*FORMATS, "all"),
                        help="what to write (repeatable; default: all)")
    export.add_argument("--out", "-o", type=Path, required=True, help="folder to write into")
    export.add_argument("--root", type=Path, default=Path(), help="the book's root")
    export.add_argument("--site-url", help="the site's address for page URLs (default: "
                        "site_url in mkdocs.yml)")
    export.set_defaults(run=_export)

    imports = commands.add_parser(
        "import", help="write event files from an ACLED CSV or a TimelineJS JSON file",
        description="Read an ACLED-layout CSV (or briefbook's own events.csv) or a "
        "TimelineJS JSON file and write event files, with placeholder actors and places, "
        "into OUT for review. Existing files are never overwritten; rows that cannot be "
        "read, and likely duplicates of the book's events, are reported with their line "
        "and not written. Exit status: 0 all imported, 1 some rows reported, 2 usage error.")
    imports.add_argument("format", choices=("acled", "timelinejs"))
    imports.add_argument("file", type=Path, help="the file to import")
    imports.add_argument("--out", "-o", type=Path, required=True,
                         help="folder to write the files into (laid out like a book)")
    imports.add_argument("--root", type=Path,
                         help="the book to compare with for duplicates (default: the book "
                         "around the current folder, if any)")
    imports.set_defaults(run=_import)


def _export(args: argparse.Namespace) -> int:
    from briefbook.export import FORMATS, site_url_of, write_exports
    from briefbook.pipeline import check

    root = find_root(args.root)
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; give a folder to export into")
    for folder in ("events", "seeds", "docs", "templates", ".git"):
        content = (root / folder).resolve()
        if out.resolve() == content or out.resolve().is_relative_to(content):
            raise UsageError(f"{out} is inside the book's '{folder}' folder, where the "
                             "exports would become content; choose a folder of its own")
    checked = check(root)
    report(checked.errors)
    if checked.errors:
        print(f"briefbook: {len(checked.errors)} content error(s); nothing was exported",
              file=sys.stderr)
        return EXIT_CONTENT
    formats = FORMATS if not args.formats or "all" in args.formats else args.formats
    site_url = args.site_url if args.site_url is not None else site_url_of(root)
    try:
        written = write_exports(checked.index, out, site_url, formats=formats, root=root)
    except OSError as exc:
        raise UsageError(f"cannot write into {out}: {exc.strerror}") from None
    print(f"wrote {len(written)} files to {out}", file=sys.stderr)
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from briefbook.importers import import_file
    from briefbook.pipeline import check

    source: Path = args.file
    if not source.is_file():
        raise UsageError(f"no such file: {source}")
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; give a folder to import into")
    root = args.root
    if root is None:
        try:
            root = find_root(Path())
        except UsageError:
            root = None  # not inside a book: nothing to compare with
    book = check(find_root(root)).index.book if root is not None else None
    try:
        imported = import_file(args.format, source, out, book)
    except OSError as exc:
        raise UsageError(f"cannot write into {out}: {exc.strerror}") from None
    report(imported.problems)
    print(f"imported {imported.events} events into {out} ({len(imported.written)} files "
          f"written); {_plural(len(imported.problems), 'row')} reported", file=sys.stderr)
    return EXIT_CONTENT if imported.problems else EXIT_OK


def find_root(path: Path) -> Path:
    """The book root at or above ``path``: the folder holding mkdocs.yml or events/."""
    path = path.resolve()
    for candidate in (path, *path.parents):
        if (candidate / "mkdocs.yml").is_file() or (candidate / "events").is_dir():
            return candidate
    raise UsageError(f"{path} is not inside a briefing book (no mkdocs.yml or events/ above it)")


def _check(args: argparse.Namespace) -> int:
    from briefbook.checkcache import cached_check
    from briefbook.pipeline import check

    target: Path = args.path
    if not target.exists():
        raise UsageError(f"no such file or directory: {target}")
    root = find_root(target)
    # The check pauses the cyclic collector while it builds its records; turned back on, it
    # would scan them all once (a second of a warm check of 10,000 events) just before this
    # short-lived command exits and frees everything anyway.
    gc.disable()
    started = time.perf_counter()
    checked = check(root) if args.no_cache else cached_check(root)
    elapsed = time.perf_counter() - started
    scope = target.resolve().relative_to(root).as_posix()
    shown = [d for d in checked.diagnostics
             if scope in (".", "") or d.at.path == scope or d.at.path.startswith(scope + "/")]
    report(shown)
    errors = sum(d.severity == "error" for d in shown)
    warnings = len(shown) - errors
    if not args.quiet:
        book = checked.index.book
        print(f"checked {len(book.events)} events, {len(book.sources)} sources, "
              f"{len(book.actors)} actors, {len(book.places)} places, {len(book.options)} "
              f"options, {len(book.notes)} notes in {elapsed:.2f} s: "
              f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}", file=sys.stderr)
    if errors or (args.strict and warnings):
        return EXIT_CONTENT
    return EXIT_OK


def report(diagnostics: Sequence[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        print(diagnostic.format())
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for diagnostic in diagnostics:
            print(diagnostic.github_annotation())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _schema(args: argparse.Namespace) -> int:
    from briefbook.json_schema import kind_schema

    text = json.dumps(kind_schema("event"), indent=2, sort_keys=True) + "\n"
    if args.check:
        if args.output is None:
            raise UsageError("--check needs --output FILE")
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run: briefbook schema -o {args.output}",
                  file=sys.stderr)
            return EXIT_CONTENT
        return EXIT_OK
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    return EXIT_OK


def _render(args: argparse.Namespace) -> int:
    from briefbook.book import render_into

    root = find_root(args.root)
    out_dir: Path = args.out_dir
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} is a file; give a folder to render into")
    try:
        rendered = render_into(root, out_dir, args.engine)
    except OSError as exc:
        raise UsageError(f"cannot write into {out_dir}: {exc.strerror}") from None
    report(rendered.produced.checked.diagnostics)
    if rendered.produced.checked.errors:
        return EXIT_CONTENT
    removed = rendered.removed
    print(f"wrote {rendered.written} of {rendered.files} files to {out_dir} "
          f"({len(rendered.produced.pages)} generated pages"
          f"{f', {removed} stale files removed' if removed else ''}); build it there with "
          "any engine, e.g. 'zensical build' or 'mkdocs build'", file=sys.stderr)
    return EXIT_OK


def _build(args: argparse.Namespace) -> int:
    from briefbook.write import build_site, mkdocs_builder

    root = find_root(args.root)
    if args.engine != "zensical":
        warm = not args.no_cache
        return build_site(root, args.site_dir, mkdocs_builder(args.engine, warm=warm),
                          warm=warm)
    return _build_with_zensical(root, args.site_dir)


def _build_with_zensical(root: Path, site_dir: Path) -> int:
    import shutil
    import tempfile

    from briefbook.book import render_into
    from briefbook.engine import package_templates
    from briefbook.finish import FinishError, finish_site
    from briefbook.write import BuildFailed, build_site

    theme_dirs = [package_templates("zensical")]
    pdf = _pdf_for_zensical()
    with tempfile.TemporaryDirectory(prefix="briefbook-tree-") as tree:
        rendered = render_into(root, Path(tree), "zensical", pdf=pdf)
        checked = rendered.produced.checked
        report(checked.diagnostics)
        if checked.errors:
            print(f"briefbook: {len(checked.errors)} content error(s); the site was not built",
                  file=sys.stderr)
            return EXIT_CONTENT

        def builder(staging: Path) -> list[str]:
            # Zensical writes only inside its project folder: the site is moved into the
            # staging folder once built.
            return [sys.executable, "-m", "zensical", "build", "--strict",
                    "-f", str(Path(tree) / "mkdocs.yml")]

        def finisher(staging: Path) -> None:
            shutil.copytree(Path(tree) / "site", staging, dirs_exist_ok=True)
            if pdf:  # printed before the links are checked, the home page's among them
                from briefbook.pdf import publish

                print(f"briefbook: printing the PDF briefing book into {pdf} ...",
                      file=sys.stderr, flush=True)
                try:
                    printed = publish(staging, pdf)
                except UsageProblem as exc:
                    raise BuildFailed(str(exc)) from None
                print(f"briefbook: printed {pdf}: {printed.pages} pages", file=sys.stderr)
            try:
                finished = finish_site(staging, theme_dirs)
            except FinishError as exc:
                raise BuildFailed(str(exc)) from None
            if finished.broken:
                raise BuildFailed(f"{len(finished.broken)} broken link(s), such as "
                                  f"{finished.broken[0]}")

        return build_site(root, site_dir, builder, finisher)


def _pdf_for_zensical() -> str | None:
    """The PDF a Zensical build prints, from ``$BRIEFBOOK_PDF`` (Zensical runs no plugin to
    read the ``pdf`` option)."""
    from briefbook.pdf import PDF_ENV, pdf_name

    name = os.environ.get(PDF_ENV, "").strip()
    return pdf_name(name) if name else None


def _finish(args: argparse.Namespace) -> int:
    from briefbook.engine import package_templates
    from briefbook.finish import finish_site

    site: Path = args.site_dir
    if not site.is_dir():
        raise UsageError(f"no such site folder: {site}")
    theme_dirs = [package_templates("zensical" if args.engine == "zensical" else "material"),
                  *args.theme_dir]
    finished = finish_site(site, theme_dirs)
    for broken in finished.broken:
        print(f"{printable_path(broken.split(': ', 1)[0])}: error: broken link "
              f"'{printable_path(broken.split(': ', 1)[1])}'")
    print(f"finished {finished.pages} pages ({finished.changed} changed): "
          f"{_plural(len(finished.broken), 'broken link')}", file=sys.stderr)
    return EXIT_CONTENT if finished.broken else EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from briefbook.bookdiff import book_diff

    summary = book_diff(find_root(args.root), args.base, args.head,
                        preview_url=args.preview_url)
    sys.stdout.write(summary)
    return EXIT_OK


def _add_new_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from briefbook.fields import Choice
    from briefbook.scaffold import SCAFFOLDED, help_text, options

    new = commands.add_parser(
        "new", help="write a new event, actor, place or source file",
        description="Write the file of a new record, from the options given and, when "
        "standard input is a terminal, prompts for the rest (a field's vocabulary is "
        "listed). A required value left out is written as TODO, which 'briefbook check' "
        "reports as an error until it is filled in. An existing file is never overwritten.")
    kinds = new.add_subparsers(title="kinds", required=True, metavar="KIND")
    for kind in SCAFFOLDED:
        sub = kinds.add_parser(kind, help=f"write a new {kind} file")
        for option in options(kind):
            choices = option.field.choices if isinstance(option.field, Choice) else None
            sub.add_argument(f"--{option.flag}", dest=option.dest, choices=choices,
                             action="append" if option.repeated else "store",
                             help=help_text(option))
        sub.add_argument("--id", dest="record_id",
                         help="the id (file name); default: "
                         + ("the date, then the title's words" if kind == "event"
                            else "the words of the " + ("title" if kind == "source"
                                                        else "name")))
        sub.add_argument("--root", type=Path, default=Path(), help="the book's root")
        if kind == "source":
            sub.add_argument("text", type=Path, metavar="TEXT",
                             help="the captured document's text, written verbatim below "
                             "the front matter ('-' reads standard input)")
        sub.set_defaults(run=_new, record_kind=kind)


def _new(args: argparse.Namespace) -> int:
    from briefbook.scaffold import given_values, new_record, prompt_missing

    root = find_root(args.root)
    text = None
    if args.record_kind == "source":
        try:
            raw = (sys.stdin.buffer.read() if str(args.text) == "-"
                   else args.text.read_bytes())
        except OSError as exc:
            raise UsageError(f"cannot read {args.text}: {exc.strerror}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"{args.text} is not UTF-8 text (byte {exc.start}); convert "
                             "the capture to UTF-8 first") from None
    values = given_values(args.record_kind, args)
    if sys.stdin.isatty() and not (args.record_kind == "source" and str(args.text) == "-"):
        values = prompt_missing(args.record_kind, values, input,
                                lambda line: print(line, file=sys.stderr))
    written = new_record(root, args.record_kind, values, record_id=args.record_id, text=text)
    where = written.path.relative_to(root).as_posix() if written.path.is_relative_to(root) \
        else written.path
    print(f"wrote {where}" + (f" with {_plural(written.markers, 'TODO marker')} for "
                             "'briefbook check' to report until filled in"
                             if written.markers else ""), file=sys.stderr)
    return EXIT_OK


def _add_pdf_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pdf = commands.add_parser(
        "pdf", help="print the built site as one PDF briefing book",
        description="Print the built site (briefbook build) as one PDF: a cover, contents "
        "with page numbers, the notes (key judgements first), the timeline, every event, "
        "actor and option, and the sources, with each page's citations as endnotes "
        "quoting the passage. Needs the 'pdf' extra (Playwright, pypdf) and Chromium.")
    pdf.add_argument("--site-dir", type=Path, default=Path("site"),
                     help="the built site (default: site)")
    pdf.add_argument("-o", "--output", type=Path,
                     help="the PDF to write (default: SITE_DIR/briefing-book.pdf)")
    pdf.add_argument("--chromium", type=Path,
                     help="the Chromium to print with (default: $BRIEFBOOK_CHROMIUM, "
                     "chromium on PATH, or Playwright's own)")
    pdf.set_defaults(run=_pdf)


def _pdf(args: argparse.Namespace) -> int:
    from briefbook.pdf import make_pdf

    site: Path = args.site_dir
    if not (site / "index.html").is_file():
        raise UsageError(f"{site} holds no built site; run 'briefbook build' first")
    out: Path = args.output or site / "briefing-book.pdf"
    printed = make_pdf(site, out, chromium=args.chromium)
    print(f"wrote {out}: {printed.pages} pages, {len(printed.toc)} contents entries "
          f"({printed.passes} prints)", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
