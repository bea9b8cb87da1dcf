"""The command line, ``python -m benchmarks --events N``, and the order of the phases."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import NOTE, REPO, BenchError, progress
from benchmarks.phases import (
    Child,
    Phase,
    briefbook_command,
    profile_summary,
    run,
    search_stats,
    tree_size,
    worker,
    worker_command,
    worker_result,
)
from benchmarks.report import report, write_json
from benchmarks.serve import serve_phase
from benchmarks.synthesis import Book, Synthesiser
from benchmarks.targets import (
    check_phase,
    growth,
    set_user_cache,
    verdicts,
    warm_build_phase,
)


def git_state() -> dict[str, Any]:
    """The commit measured, and whether briefbook/ or templates/ had uncommitted changes."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                                  timeout=30, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": git("rev-parse", "HEAD") or None,
            "uncommitted": bool(git("status", "--porcelain", "--", "briefbook", "templates"))}


def source_digest() -> str:
    """A digest of briefbook's code and templates, to notice edits made during a run."""
    digest = hashlib.sha256()
    for folder in ("briefbook", "templates"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(REPO).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("briefbook", "mkdocs", "mkdocs-material", "markdown", "jinja2", "pyyaml", "nh3"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


@contextlib.contextmanager
def workspace(keep: Path | None) -> Iterator[Path]:
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="briefbook-bench-") as tmp:
            yield Path(tmp)
        return
    if keep.exists() and any(keep.iterdir()):
        raise BenchError(f"--keep {keep}: the directory is not empty")
    keep.mkdir(parents=True, exist_ok=True)
    yield keep.resolve()


def benchmark(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    logs = work / "logs"
    logs.mkdir()
    set_user_cache(work)
    python = sys.executable
    timeout: float = args.timeout
    phases: list[Phase] = []
    results: dict[str, Any] = {"meta": {
        "events": args.events, "seed": args.seed, "note": NOTE, "versions": versions(),
        "git": git_state(), "source_digest": source_digest(),
        "platform": platform.platform(), "cpus": os.cpu_count(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "work_dir": str(work) if args.keep else None,
        "load_average_before": os.getloadavg(),
    }}

    progress(f"synthesising a book of {args.events} events (seed {args.seed})")
    t = time.perf_counter()
    book = Synthesiser(args.events, args.seed).write(work / "book")
    results["book"] = {
        "events": len(book.events), "sources": len(book.sources), "actors": len(book.actors),
        "places": len(book.places), "options": book.options, "notes": book.notes,
        "files": book.files, "bytes": book.total_bytes,
        "event_bytes_mean": book.event_bytes / len(book.events),
        "source_bytes_mean": book.source_bytes / len(book.sources),
        "generate_s": time.perf_counter() - t,
    }
    progress(f"  {book.files} files, {book.total_bytes / 1e6:.1f} MB "
             f"(events {book.event_bytes / len(book.events):.0f} B, sources "
             f"{book.source_bytes / len(book.sources):.0f} B on average)")

    progress("checking the book: briefbook check --strict")
    strict = Child("strict-check", [*briefbook_command(), "check", "--strict", "--no-cache",
                                    str(book.root)], book.root, logs)
    code = strict.wait(timeout)
    if code != 0 or strict.stdout().strip():
        raise BenchError("the synthesised book does not pass 'briefbook check --strict':\n"
                         + strict.tail(40))
    results["strict_check"] = {"passed": True, "seconds": strict.seconds,
                               "peak_mib": strict.peak_mib}

    progress("(a) load + validate, (b) index + render: in-process stages")
    stages = worker_result(run("ab-stages", worker_command("stages", book.root), REPO, logs,
                               timeout))
    if stages["diagnostics"]:
        raise BenchError("stages reported diagnostics: " + "\n".join(stages["diagnostics"][:10]))
    phases.append(Phase(
        "a_load_validate", "(a) load + validate, in-process",
        stages["load_s"] + stages["validate_s"], stages["load_cpu_s"] + stages["validate_cpu_s"],
        stages["validate_peak_mib"],
        {"load_s": stages["load_s"], "validate_s": stages["validate_s"]}))
    phases.append(Phase(
        "b_index_render", "(b) index + render all pages, in-process",
        stages["index_s"] + stages["render_s"],
        stages["index_cpu_s"] + stages["render_cpu_s"], stages["render_peak_mib"],
        {"index_s": stages["index_s"], "render_s": stages["render_s"],
         "import_s": stages["import_s"]}))
    progress(f"  load {stages['load_s']:.2f} s, validate {stages['validate_s']:.2f} s, index "
             f"{stages['index_s']:.2f} s, render {stages['render_s']:.2f} s "
             f"({stages['pages']} pages)")

    progress("(a) briefbook.pipeline.check, in-process")
    checked = worker_result(run("a-pipeline-check", worker_command("check", book.root), REPO,
                                logs, timeout))
    phases.append(Phase("a_pipeline_check", "(a) pipeline.check(), in-process",
                        checked["check_s"], checked["check_cpu_s"], checked["check_peak_mib"],
                        {"import_s": checked["import_s"]}))

    progress("(a) briefbook check (command)")
    cli = run("a-cli-check", [*briefbook_command(), "check", "--strict", "--no-cache",
                              str(book.root)], book.root, logs, timeout)
    phases.append(Phase("a_cli_check", "(a) `briefbook check --strict --no-cache`", cli.seconds,
                        cli.cpu_s, cli.peak_mib))

    check = results["check"] = check_phase(book, logs, timeout)
    for key, label in (("no_cache", "--no-cache"), ("cold_cache", "empty cache"),
                       ("warm", "warm"), ("warm_after_edit", "warm, one event edited")):
        phases.append(Phase(f"g_check_{key}", f"(g) `briefbook check`, {label}",
                            check[key]["seconds"], check[key]["cpu_s"], check[key]["peak_mib"]))
    if not check["messages_identical"]:
        raise BenchError("briefbook check printed different messages with and without its "
                         "cache")

    progress("(c) mkdocs build with the briefbook plugin")
    site = work / "site-plugin"
    build = run("c-mkdocs-build", [python, "-m", "mkdocs", "build", "--strict", "-f",
                                   str(book.root / "mkdocs.yml"), "-d", str(site)],
                book.root, logs, timeout)
    phases.append(Phase("c_mkdocs_build", "(c) mkdocs build with plugin, wall", build.seconds,
                        build.cpu_s, build.peak_mib))
    progress(f"  {build.seconds:.2f} s, {build.peak_mib:.0f} MiB")

    progress("(d) baseline: briefbook render, then plain mkdocs build")
    baseline = work / "baseline"
    # `briefbook render` writes the whole tree a plain engine builds: the generated pages, the
    # hand-written pages, the stylesheet and script, and mkdocs.yml without the plugin.
    render = run("d-briefbook-render", [*briefbook_command(), "render", str(baseline),
                                        "--engine", "mkdocs", "--root", str(book.root)],
                 book.root, logs, timeout)
    base_site = work / "site-baseline"
    plain = run("d-mkdocs-build-baseline", [python, "-m", "mkdocs", "build", "--strict", "-f",
                                            str(baseline / "mkdocs.yml"), "-d", str(base_site)],
                baseline, logs, timeout)
    phases.append(Phase("d_baseline_build", "(d) baseline: plain mkdocs build, wall",
                        plain.seconds, plain.cpu_s, plain.peak_mib,
                        {"render_cli_s": render.seconds, "render_cli_cpu_s": render.cpu_s,
                         "render_cli_peak_mib": render.peak_mib}))
    progress(f"  render {render.seconds:.2f} s; build {plain.seconds:.2f} s, "
             f"{plain.peak_mib:.0f} MiB")

    if args.skip_warm_build:
        results["warm_build"] = {"skipped": True}
    else:
        warm = results["warm_build"] = warm_build_phase(book, work, logs, timeout)
        for key, label in (("cold", "cold"), ("unchanged", "nothing changed"),
                           ("after_edit", "one event edited"), ("reference", "cold, same tree")):
            phases.append(Phase(f"f_build_{key}", f"(f) `briefbook build`, {label}",
                                warm[key]["seconds"], warm[key]["cpu_s"],
                                warm[key]["peak_mib"]))

    site_bytes, site_files, site_html = tree_size(site)
    base_bytes, base_files, _ = tree_size(base_site)
    search = search_stats((site / "search" / "search_index.json").read_bytes(), args.events)
    results["site"] = {"bytes": site_bytes, "files": site_files, "html_files": site_html,
                       "baseline_bytes": base_bytes, "baseline_files": base_files,
                       "markdown_bytes": stages["markdown_bytes"], "pages": stages["pages"]}
    results["search_index"] = search

    results["serve_dirty"] = {"skipped": True}
    if args.skip_serve:
        results["serve"] = {"skipped": True}
    else:
        for dirty in (False, True)[: 1 if args.skip_dirty else 2]:
            mode = "mkdocs serve --livereload" + (" --dirty" if dirty else "")
            progress(f"(e) edit-to-preview: {mode}")
            serve = serve_phase(book, logs, args.serve_timeout, search["pages"], dirty)
            key, tag = ("serve_dirty", "e_dirty_") if dirty else ("serve", "e_")
            label = "(e) serve --dirty: " if dirty else "(e) serve: "
            results[key] = serve
            phases.append(Phase(f"{tag}serve_first_build", f"{label}first build, wall",
                                serve["first_build_s"], None, serve["peak_mib"]))
            phases.append(Phase(f"{tag}edit_to_preview", f"{label}edit -> page updated, wall",
                                serve["edit_to_page_s"], None, serve["peak_mib"]))
            progress(f"  first build {serve['first_build_s']:.2f} s, edit to page "
                     f"{serve['edit_to_page_s']:.2f} s; search index holds "
                     f"{serve['search_index_pages']} of {search['pages']} pages")
            sound = (serve["search_index_complete"] and serve["search_index_has_edit"]
                     and not serve["search_index_duplicates"]
                     and not serve["search_index_stale"])
            problem = (f"after the live rebuild the search index holds "
                       f"{serve['search_index_pages']} of {search['pages']} pages, "
                       f"{serve['search_index_duplicates']} duplicate entries, "
                       f"{'a' if serve['search_index_stale'] else 'no'} stale entry for the "
                       f"edited page, and {'' if serve['search_index_has_edit'] else 'not '}"
                       "the new title")
            if not sound and not dirty:
                raise BenchError(problem)
            if not sound:
                progress(f"  warning: under --dirty, {problem}")

    results["phases"] = {p.key: {"label": p.label, "seconds": p.seconds, "cpu_s": p.cpu_s,
                                 "peak_mib": p.peak_mib, **p.extra} for p in phases}
    a, b = phases[0], phases[1]
    results["ratios"] = {
        "build_vs_baseline": build.seconds / plain.seconds,
        "briefbook_share_of_build_pct": 100 * (a.seconds + b.seconds) / build.seconds,
        "build_vs_baseline_cpu": build.cpu_s / plain.cpu_s,
        "briefbook_share_of_build_cpu_pct": 100 * ((a.cpu_s or 0) + (b.cpu_s or 0))
        / build.cpu_s,
        "plugin_overhead_s": build.seconds - plain.seconds,
        "peak_memory_vs_baseline": build.peak_mib / plain.peak_mib,
        "site_bytes_vs_baseline": site_bytes / base_bytes,
    }
    if args.growth_from is not None:
        results["growth"] = growth(results, json.loads(args.growth_from.read_text(
            encoding="utf-8")))
    results["targets"] = verdicts(results)
    results["meta"]["load_average_after"] = os.getloadavg()
    results["meta"]["source_digest_after"] = source_digest()
    results["meta"]["code_changed_during_run"] = (
        results["meta"]["source_digest_after"] != results["meta"]["source_digest"])
    if results["meta"]["code_changed_during_run"]:
        progress("warning: briefbook/ or templates/ changed during the run; the phases "
                 "measured different code")
    if max(results["meta"]["load_average_after"][1], results["meta"]["load_average_before"][1]) \
            > (os.cpu_count() or 1):
        progress("warning: the machine was busy (load average above the CPU count); wall "
                 "times are inflated: compare the CPU-time ratios")
    if args.profile:
        try:
            results["profile"] = profiles(book, work, logs, timeout, python)
        except BenchError as exc:
            progress(f"profiling failed: {exc}")
            results["profile"] = {"error": str(exc)}
    return results


def profiles(book: Book, work: Path, logs: Path, timeout: float,
             python: str) -> dict[str, Any]:
    folder = work / "profile"
    folder.mkdir()
    progress("profiling (a)+(b) under cProfile")
    run("profile-ab", worker_command("stages", book.root, "--profile-out",
                                     str(folder / "stages.prof")), REPO, logs, timeout)
    progress("profiling (c) mkdocs build under cProfile")
    run("profile-c", [python, "-m", "cProfile", "-o", str(folder / "mkdocs-build.prof"),
                      "-m", "mkdocs", "build", "--strict", "-f", str(book.root / "mkdocs.yml"),
                      "-d", str(work / "site-profile")], book.root, logs, timeout * 3)
    return {"stages": profile_summary(folder / "stages.prof", 25),
            "mkdocs_build": profile_summary(folder / "mkdocs-build.prof", 25),
            "files": [str(folder / "stages.prof"), str(folder / "mkdocs-build.prof")]}


def positive_int(text: str) -> int:
    value = int(text)
    if value < 10:
        raise argparse.ArgumentTypeError("use at least 10 events")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark briefbook on a synthetic, valid briefing book of N events: "
        "load + validate, index + render, mkdocs build with the plugin, a plain-MkDocs "
        "baseline of the same pages, and edit-to-preview under mkdocs serve. Prints a table "
        "(seconds, peak MiB per phase) and the ratios between phases; writes every number "
        "as JSON. " + NOTE,
        epilog="example, from the repository: .venv/bin/python -m benchmarks --events 1000 "
        "--out bench-results/1000.json (or: make bench N=1000). Progress goes to stderr, the "
        "table to stdout.",
    )
    p.add_argument("--events", type=positive_int, metavar="N", help="required: number of "
                   "events to synthesise, at least 10 (sources: N/5, options and notes: N/100, "
                   "40 actors, 30 places)")
    p.add_argument("--out", type=Path, metavar="FILE", help="write the results as JSON to this "
                   "file (default: bench-results/bench-N.json in the repository)")
    p.add_argument("--keep", type=Path, metavar="DIR", help="build in DIR (new or empty) and "
                   "keep the book, sites, logs and profiles there")
    p.add_argument("--skip-serve", action="store_true",
                   help="skip phase (e), the mkdocs serve edit-to-preview measurement")
    p.add_argument("--seed", type=int, default=1,
                   help="random seed of the book (default: 1)")
    p.add_argument("--profile", action="store_true",
                   help="also run (a)+(b) and (c) under cProfile (separate runs, not timed in "
                   "the table) and print the top briefbook functions")
    p.add_argument("--timeout", type=float, default=3600, metavar="SECONDS",
                   help="seconds any one phase may take (default: 3600)")
    p.add_argument("--serve-timeout", type=float, default=600, metavar="SECONDS",
                   help="seconds phase (e) may take in total (default: 600)")
    p.add_argument("--skip-warm-build", action="store_true",
                   help="skip phase (f), the four `briefbook build` runs of the warm build")
    p.add_argument("--skip-dirty", action="store_true",
                   help="measure edit-to-preview without --dirty only")
    p.add_argument("--growth-from", type=Path, metavar="JSON",
                   help="the JSON of a run at another N: project the site's size and the "
                   "build's time to 100,000 events from the growth between the two")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.root, args.profile_out)))
        return 0
    if args.events is None:
        parser().error("--events is required")
    out: Path = args.out or REPO / "bench-results" / f"bench-{args.events}.json"
    try:
        with workspace(args.keep) as work:
            results = benchmark(args, work)
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 1
    write_json(results, out)
    report(results)
    progress(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
