"""The results: every number as JSON, and the table and ratios printed at the end."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import NOTE
from benchmarks.targets import print_verdicts


def report(results: dict[str, Any]) -> None:
    b = results["book"]
    print(f"\nbriefbook benchmark: {b['events']} events, {b['sources']} sources, {b['actors']} "
          f"actors, {b['places']} places, {b['options']} options, {b['notes']} notes "
          f"(seed {results['meta']['seed']}); strict check passed")
    git = results["meta"]["git"]
    changed = results["meta"]["code_changed_during_run"]
    print(f"briefbook at {(git['commit'] or 'unknown')[:10]}"
          f"{' with uncommitted changes' if git['uncommitted'] else ''}"
          f"{'; WARNING: its code changed during the run' if changed else ''}")
    print(f"\n{'phase':<46} {'seconds':>9} {'CPU s':>8} {'peak MiB':>9}")
    print("-" * 75)
    for p in results["phases"].values():
        cpu = "-" if p["cpu_s"] is None else f"{p['cpu_s']:.2f}"
        print(f"{p['label']:<46} {p['seconds']:>9.2f} {cpu:>8} {p['peak_mib']:>9.0f}")
    d = results["phases"]["d_baseline_build"]
    print(f"{'    (for d: `briefbook render`, wall)':<46} {d['render_cli_s']:>9.2f} "
          f"{d['render_cli_cpu_s']:>8.2f} {d['render_cli_peak_mib']:>9.0f}")
    r = results["ratios"]
    print("-" * 75)
    print(f"build with plugin / baseline build (c/d):      {r['build_vs_baseline']:.2f}x wall, "
          f"{r['build_vs_baseline_cpu']:.2f}x CPU")
    print(f"briefbook's share of the build ((a+b)/c):      "
          f"{r['briefbook_share_of_build_pct']:.1f} % wall, "
          f"{r['briefbook_share_of_build_cpu_pct']:.1f} % CPU")
    print(f"peak memory, plugin build / baseline build:    {r['peak_memory_vs_baseline']:.2f}x")
    s, i = results["site"], results["search_index"]
    print(f"site: {s['bytes'] / 1e6:.1f} MB in {s['files']} files ({s['html_files']} HTML); "
          f"baseline {s['baseline_bytes'] / 1e6:.1f} MB in {s['baseline_files']} files")
    print(f"search index: {i['bytes'] / 1e6:.2f} MB, {i['docs']} entries for {i['pages']} "
          f"pages; {i['bytes_per_page'] / 1e3:.2f} KB per page, "
          f"{i['event_bytes_per_event'] / 1e3:.2f} KB per event page")
    for key, mode in (("serve", "live rebuild"), ("serve_dirty", "live rebuild, --dirty")):
        serve = results[key]
        if not serve.get("skipped"):
            stale = ", a stale entry for the edited page" if serve["search_index_stale"] else ""
            print(f"{mode}: MkDocs reports {serve.get('rebuild_mkdocs_s', 0):.2f} s of the "
                  f"{serve['edit_to_page_s']:.2f} s; the search index then holds "
                  f"{serve['search_index_pages']} of {i['pages']} pages "
                  f"({serve['search_index_bytes'] / 1e6:.2f} MB, "
                  f"{serve['search_index_duplicates']} duplicate entries"
                  f"{stale})")
    load = results["meta"]
    print(f"load average (1, 5, 15 min) before {fmt_load(load['load_average_before'])}, "
          f"after {fmt_load(load['load_average_after'])} on {load['cpus']} CPUs")
    print(f"note: {NOTE}")
    print_verdicts(results["targets"])
    if "profile" in results and "error" not in results["profile"]:
        print_profile("(a)+(b) in-process stages", results["profile"]["stages"])
        print_profile("(c) mkdocs build with the plugin", results["profile"]["mkdocs_build"])


def fmt_load(values: Sequence[float]) -> str:
    return " ".join(f"{v:.1f}" for v in values)


def print_profile(title: str, summary: dict[str, Any]) -> None:
    print(f"\n{title} (profiled total {summary['total_s']:.2f} s; cProfile inflates times)")
    print(f"  {'cum s':>8} {'cum %':>6} {'self s':>8} {'calls':>9}  briefbook function")
    for r in summary["briefbook_by_cumulative"]:
        print(f"  {r['cumtime_s']:8.3f} {r['cum_pct']:6.1f} {r['tottime_s']:8.3f} "
              f"{r['calls']:9d}  {r['function']}")
    print(f"  {'self s':>8} {'calls':>9}  largest self time, all code")
    for r in summary["all_by_self_time"][:12]:
        print(f"  {r['tottime_s']:8.3f} {r['calls']:9d}  {r['function']}")


def write_json(results: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
