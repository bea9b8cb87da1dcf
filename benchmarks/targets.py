"""The phases issue 15's targets add, and the verdict on each target.

  (f) warm build: ``briefbook build`` twice (the first fills its cache), one event edited,
      ``briefbook build`` again; then a cold build of the same edited tree, and the two sites
      compared file by file;
  (g) ``briefbook check``: without its cache (``--no-cache``), with an empty cache (which
      fills it), warm, and warm after a one-event edit; the messages must be the same;
  (h) the growth to 100,000 events, on paper, from this run and an earlier run at another N
      (``--growth-from``).

``verdicts`` turns every number into a row: what was measured, the target, met or not.
"""

from __future__ import annotations

import contextlib
import filecmp
import math
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks import REPO, progress
from benchmarks.phases import Child, briefbook_command, run
from benchmarks.synthesis import Book

GIB_MIB = 1024
PAGES_SITE_LIMIT_BYTES = 1_000_000_000
"""GitHub Pages: a published site may be at most 1 GB."""
PAGES_DEPLOY_LIMIT_S = 600
"""GitHub Pages: a deployment times out after 10 minutes."""
PROJECTED_EVENTS = 100_000
NOT_MEASURED = "not measured (phase skipped)"


@contextlib.contextmanager
def edited_event(book: Book, index: int, title: str) -> Iterator[Path]:
    """One event's title changed, put back as it was afterwards."""
    event = book.events[index]
    path = book.root / "events" / str(event.date.earliest.year) / f"{event.id}.yaml"
    original = path.read_text(encoding="utf-8")
    edited = re.sub(r"^title: .*$", f"title: {title}", original, count=1, flags=re.MULTILINE)
    path.write_text(edited, encoding="utf-8")
    try:
        yield path
    finally:
        path.write_text(original, encoding="utf-8")


def _pages_kept(build: Child) -> dict[str, int] | None:
    """What the warm build says it kept and built (``briefbook.plugin``)."""
    found = re.findall(r"briefbook: (\d+) of (\d+) pages kept from the last build, "
                       r"(\d+) built", build.stderr())
    if not found:
        return None
    kept, total, built = map(int, found[-1])
    return {"kept": kept, "pages": total, "built": built}


def compare_sites(first: Path, second: Path) -> dict[str, Any]:
    """File by file: which files differ in their bytes and which are in one site only."""
    def files(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}

    mine, theirs = files(first), files(second)
    differing = sorted(rel for rel in mine & theirs
                       if not filecmp.cmp(first / rel, second / rel, shallow=False))
    only = sorted(mine ^ theirs)
    return {"identical": not differing and not only, "files": len(mine | theirs),
            "differing": len(differing), "only_in_one": len(only),
            "examples": (differing + only)[:10]}


def warm_build_phase(book: Book, work: Path, logs: Path, timeout: float) -> dict[str, Any]:
    """(f) ``briefbook build`` cold, unchanged, and after a one-event edit; the warm site
    against a cold build of the same tree."""
    root = book.root
    site = work / "site-warm"
    command = [*briefbook_command(), "build", "--root", str(root), "--site-dir", str(site)]
    progress("(f) briefbook build: cold (fills the cache)")
    cold = run("f-build-cold", command, root, logs, timeout)
    progress(f"  {cold.seconds:.2f} s; again, nothing changed")
    unchanged = run("f-build-unchanged", command, root, logs, timeout)
    with edited_event(book, len(book.events) // 3, "Warm build benchmark edit"):
        progress(f"  {unchanged.seconds:.2f} s; again, after a one-event edit")
        warm = run("f-build-after-edit", command, root, logs, timeout)
        progress(f"  {warm.seconds:.2f} s; a cold build of the same tree to compare")
        reference = work / "site-cold-reference"
        cold_again = run("f-build-reference", [*briefbook_command(), "build", "--root",
                                               str(root), "--site-dir", str(reference),
                                               "--no-cache"], root, logs, timeout)
    comparison = compare_sites(site, reference)
    progress(f"  warm site {'identical to' if comparison['identical'] else 'DIFFERS from'} "
             f"the cold build ({comparison['differing']} files differ, "
             f"{comparison['only_in_one']} in one site only)")
    return {
        "cold": _numbers(cold), "unchanged": _numbers(unchanged), "after_edit": _numbers(warm),
        "reference": _numbers(cold_again), "pages_kept": _pages_kept(warm),
        "warm_vs_cold_cpu": warm.cpu_s / cold.cpu_s,
        "warm_vs_cold_wall": warm.seconds / cold.seconds,
        "site_comparison": comparison,
    }


def check_phase(book: Book, logs: Path, timeout: float) -> dict[str, Any]:
    """(g) ``briefbook check`` without its cache, filling it, warm, warm after an edit."""
    root = book.root
    base = [*briefbook_command(), "check", "-q", str(root)]
    progress("(g) briefbook check --no-cache")
    no_cache = run("g-check-no-cache", [*base, "--no-cache"], root, logs, timeout)
    progress(f"  {no_cache.seconds:.2f} s; with an empty cache, which it fills")
    shutil.rmtree(Path(os.environ["XDG_CACHE_HOME"]) / "briefbook" / "check",
                  ignore_errors=True)
    filling = run("g-check-cold-cache", base, root, logs, timeout)
    progress(f"  {filling.seconds:.2f} s; warm")
    warm = run("g-check-warm", base, root, logs, timeout)
    with edited_event(book, 2 * len(book.events) // 3, "Check benchmark edit"):
        progress(f"  {warm.seconds:.2f} s; warm after a one-event edit")
        edited = run("g-check-warm-after-edit", base, root, logs, timeout)
        progress(f"  {edited.seconds:.2f} s; the same without the cache, to compare")
        edited_no_cache = run("g-check-after-edit-no-cache", [*base, "--no-cache"], root,
                              logs, timeout)
    same = (no_cache.stdout() == filling.stdout() == warm.stdout()
            and edited.stdout() == edited_no_cache.stdout())
    return {"no_cache": _numbers(no_cache), "cold_cache": _numbers(filling),
            "warm": _numbers(warm), "warm_after_edit": _numbers(edited),
            "messages_identical": same,
            "cold_cache_vs_no_cache_cpu": filling.cpu_s / no_cache.cpu_s}


def _numbers(child: Child) -> dict[str, float]:
    return {"seconds": child.seconds, "cpu_s": child.cpu_s, "peak_mib": child.peak_mib}


# --- Growth -------------------------------------------------------------------------------

GROWN = {
    "site_bytes": ("site", "bytes"),
    "search_index_bytes": ("search_index", "bytes"),
    "build_s": ("phases", "c_mkdocs_build", "seconds"),
    "build_cpu_s": ("phases", "c_mkdocs_build", "cpu_s"),
    "build_peak_mib": ("phases", "c_mkdocs_build", "peak_mib"),
}


def _dig(data: dict[str, Any], path: tuple[str, ...]) -> float:
    value: Any = data
    for key in path:
        value = value[key]
    return float(value)


def growth(here: dict[str, Any], earlier: dict[str, Any]) -> dict[str, Any]:
    """(h) Each size and time fitted as ``y = a * N**b`` through the two runs (b is the
    measured growth exponent: 1 linear, 2 quadratic) and projected to 100,000 events."""
    n1, n2 = float(earlier["meta"]["events"]), float(here["meta"]["events"])
    if n1 == n2:
        raise ValueError("--growth-from needs a run at another number of events")
    fits = {}
    for name, path in GROWN.items():
        y1, y2 = _dig(earlier, path), _dig(here, path)
        exponent = math.log(y2 / y1) / math.log(n2 / n1)
        fits[name] = {"at": {str(int(n1)): y1, str(int(n2)): y2}, "exponent": exponent,
                      "projected": y2 * (PROJECTED_EVENTS / n2) ** exponent}
    return {"events": PROJECTED_EVENTS, "from": [int(n1), int(n2)],
            "fit": "power law y = a * N**b through the two runs", "metrics": fits}


# --- Verdicts -----------------------------------------------------------------------------

def _row(key: str, label: str, value: float | bool | None, shown: str, target: str,
         met: bool | None) -> dict[str, Any]:
    return {"key": key, "label": label, "value": value, "shown": shown, "target": target,
            "met": met}


def verdicts(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target of issue 15 with what this run measured."""
    events = results["meta"]["events"]
    rows = []
    ratios = results["ratios"]
    rows.append(_row("cold_build_cpu_ratio", "1. cold build CPU, plugin / plain MkDocs",
                     ratios["build_vs_baseline_cpu"],
                     f"{ratios['build_vs_baseline_cpu']:.2f}x "
                     f"({ratios['build_vs_baseline']:.2f}x wall)", "<= 1.00x",
                     ratios["build_vs_baseline_cpu"] <= 1.00))
    warm = results.get("warm_build", {})
    if "warm_vs_cold_cpu" in warm:
        rows.append(_row("warm_build_ratio", "2. warm build after one edit / cold build, CPU",
                         warm["warm_vs_cold_cpu"],
                         f"{warm['warm_vs_cold_cpu']:.2f}x ({warm['warm_vs_cold_wall']:.2f}x "
                         f"wall; {warm['after_edit']['seconds']:.1f} s of "
                         f"{warm['cold']['seconds']:.1f} s)", "<= 0.30x",
                         warm["warm_vs_cold_cpu"] <= 0.30))
        same = warm["site_comparison"]
        rows.append(_row("warm_build_identical", "2. warm site = cold build of the same tree",
                         same["identical"], "identical" if same["identical"] else
                         f"{same['differing']} files differ, {same['only_in_one']} in one "
                         "only", "byte-identical", same["identical"]))
    else:
        rows.append(_row("warm_build_ratio", "2. warm build after one edit / cold build, CPU",
                         None, NOT_MEASURED, "<= 0.30x", None))
        rows.append(_row("warm_build_identical", "2. warm site = cold build of the same tree",
                         None, NOT_MEASURED, "byte-identical", None))
    # `make serve` runs `serve --dirty`: that is the preview the target is about; the full
    # rebuild's time is shown beside it.
    full = results.get("serve", {})
    dirty = results.get("serve_dirty", {})
    serve = dirty if dirty and not dirty.get("skipped") else full
    if not serve.get("skipped"):
        limit = 0.5 if events <= 1000 else 1.5
        shown = f"{serve['edit_to_page_s']:.2f} s"
        if serve is dirty and full and not full.get("skipped"):
            shown += f" (--dirty; full rebuild {full['edit_to_page_s']:.1f} s)"
        rows.append(_row("edit_to_preview_s", "3. edit to preview under make serve",
                         serve["edit_to_page_s"], shown, f"<= {limit} s",
                         serve["edit_to_page_s"] <= limit))
        whole = bool(serve["search_index_complete"] and serve["search_index_has_edit"]
                     and not serve["search_index_duplicates"]
                     and not serve["search_index_stale"])
        rows.append(_row("serve_search_index_whole", "3. search index whole after the edit",
                         whole, "whole" if whole else "incomplete, stale or duplicated",
                         "every page once, the edit in it", whole))
    else:
        rows.append(_row("edit_to_preview_s", "3. edit to preview under serve", None,
                         NOT_MEASURED, f"<= {0.5 if events <= 1000 else 1.5} s", None))
        rows.append(_row("serve_search_index_whole", "3. search index whole after the edit",
                         None, NOT_MEASURED, "every page once, the edit in it", None))
    check = results.get("check", {})
    if "warm" in check:
        edited = check["warm_after_edit"]["seconds"]
        rows.append(_row("check_warm_s", "4. briefbook check, warm, after a one-event edit",
                         edited, f"{edited:.2f} s (unchanged: "
                         f"{check['warm']['seconds']:.2f} s)", "<= 3 s", edited <= 3.0))
        ratio = check["cold_cache_vs_no_cache_cpu"]
        rows.append(_row("check_cold_ratio", "4. check cold (filling the cache) / --no-cache",
                         ratio, f"{ratio:.2f}x CPU ({check['cold_cache']['seconds']:.2f} s "
                         f"vs {check['no_cache']['seconds']:.2f} s)", "<= 1.05x (not slower)",
                         ratio <= 1.05))
        rows.append(_row("check_messages_identical", "4. check messages with = without cache",
                         check["messages_identical"], "identical" if
                         check["messages_identical"] else "DIFFER", "identical",
                         check["messages_identical"]))
    per_event = results["search_index"]["event_bytes_per_event"] / 1000
    rows.append(_row("search_kb_per_event", "5. search index per event page", per_event,
                     f"{per_event:.2f} KB", "<= 1.5 KB", per_event <= 1.5))
    build_peaks = [results["phases"]["c_mkdocs_build"]["peak_mib"]]
    build_peaks += [warm[k]["peak_mib"] for k in ("cold", "after_edit") if k in warm]
    build_peak = max(build_peaks)
    rows.append(_row("build_peak_mib", "6. peak memory, build", build_peak,
                     f"{build_peak:.0f} MiB", f"<= {GIB_MIB} MiB", build_peak <= GIB_MIB))
    if not serve.get("skipped"):
        peak = max(p["peak_mib"] for p in (full, dirty) if p and not p.get("skipped"))
        rows.append(_row("serve_peak_mib", "6. peak memory, serve", peak,
                         f"{peak:.0f} MiB", f"<= {GIB_MIB} MiB", peak <= GIB_MIB))
    else:
        rows.append(_row("serve_peak_mib", "6. peak memory, serve", None, NOT_MEASURED,
                         f"<= {GIB_MIB} MiB", None))
    grown = results.get("growth")
    if grown is None:
        rows.append(_row("projected_site_bytes", "7. site at 100,000 events", None,
                         "needs --growth-from a run at another N", "<= 1 GB", None))
        rows.append(_row("projected_build_s", "7. build at 100,000 events", None,
                         "needs --growth-from a run at another N", "<= 10 min", None))
    else:
        site = grown["metrics"]["site_bytes"]
        # CPU seconds: wall time on a shared machine varies with its load, and MkDocs
        # builds on one core, so on an idle runner the wall time is about the CPU time.
        build = grown["metrics"]["build_cpu_s"]
        rows.append(_row("projected_site_bytes", "7. site at 100,000 events",
                         site["projected"], f"{site['projected'] / 1e9:.2f} GB "
                         f"(N^{site['exponent']:.2f})", "<= 1 GB (GitHub Pages)",
                         site["projected"] <= PAGES_SITE_LIMIT_BYTES))
        rows.append(_row("projected_build_s", "7. build at 100,000 events",
                         build["projected"], f"{build['projected'] / 60:.1f} min CPU "
                         f"(N^{build['exponent']:.2f})", "<= 10 min (GitHub Pages)",
                         build["projected"] <= PAGES_DEPLOY_LIMIT_S))
    return rows


def print_verdicts(rows: list[dict[str, Any]]) -> None:
    print(f"\n{'target (issue 15)':<52} {'measured':<40} {'target':<24} verdict")
    print("-" * 128)
    for row in rows:
        verdict = "-" if row["met"] is None else "met" if row["met"] else "NOT MET"
        print(f"{row['label']:<52} {row['shown']:<40} {row['target']:<24} {verdict}")


def set_user_cache(work: Path) -> None:
    """Every child's user cache folder (`briefbook check`'s cache) inside the work folder:
    the run starts cold and leaves nothing behind.  Python's compiled modules go there
    too, made before any child is timed: an installed program (pip compiles what it
    installs) imports them instead of compiling its sources on every start, which
    ``PYTHONDONTWRITEBYTECODE`` in a CI environment would otherwise make each child do."""
    os.environ["XDG_CACHE_HOME"] = str(work / "user-cache")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(work / "bytecode")
    progress("compiling the Python modules once, as installing them does")
    folders = [*sysconfig.get_paths()["purelib"].split(os.pathsep),
               str(REPO / "briefbook"), str(REPO / "benchmarks")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", *sorted(set(folders))],
                   capture_output=True, check=False, timeout=600)
