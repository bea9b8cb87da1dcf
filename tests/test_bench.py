"""The benchmark keeps working: it synthesises a valid book and measures every phase.

Times are never asserted (they depend on the machine and its load); only that each phase ran
and produced a positive number, that the synthesised book passes the strict check, that every
target of issue 15 has its row, and what is correctness, not speed: the warm build's site is
the cold build's, byte for byte, and `briefbook check` says the same with and without its
cache.  The run's JSON goes to ``artifacts/``, which CI keeps.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.synthesis import Synthesiser
from briefbook.pipeline import check

REPO = Path(__file__).resolve().parent.parent
EVENTS = 200
ARTIFACT = REPO / "artifacts" / f"bench-{EVENTS}.json"
TARGETS = ("cold_build_cpu_ratio", "warm_build_ratio", "warm_build_identical",
           "edit_to_preview_s", "serve_search_index_whole", "check_warm_s", "check_cold_ratio",
           "check_messages_identical", "search_kb_per_event", "build_peak_mib",
           "serve_peak_mib", "projected_site_bytes", "projected_build_s")

EXPECTED: dict[str, tuple[str, ...]] = {
    "book": ("events", "sources", "actors", "places", "options", "notes", "files", "bytes",
             "event_bytes_mean", "source_bytes_mean", "generate_s"),
    "strict_check": ("seconds", "peak_mib"),
    "site": ("bytes", "files", "html_files", "baseline_bytes", "baseline_files",
             "markdown_bytes", "pages"),
    "search_index": ("bytes", "docs", "pages", "bytes_per_page", "event_bytes_per_event"),
    "serve": ("first_build_s", "edit_to_page_s", "search_index_bytes", "search_index_docs",
              "search_index_pages", "peak_mib", "first_build_mkdocs_s", "rebuild_mkdocs_s"),
    "serve_dirty": ("first_build_s", "edit_to_page_s", "search_index_bytes", "search_index_docs",
                    "search_index_pages", "peak_mib"),
    "ratios": ("build_vs_baseline", "briefbook_share_of_build_pct", "build_vs_baseline_cpu",
               "briefbook_share_of_build_cpu_pct", "peak_memory_vs_baseline",
               "site_bytes_vs_baseline"),
}
PHASES = ("a_load_validate", "b_index_render", "a_pipeline_check", "a_cli_check",
          "g_check_no_cache", "g_check_cold_cache", "g_check_warm", "g_check_warm_after_edit",
          "c_mkdocs_build", "d_baseline_build", "f_build_cold", "f_build_unchanged",
          "f_build_after_edit", "f_build_reference", "e_serve_first_build", "e_edit_to_preview",
          "e_dirty_serve_first_build", "e_dirty_edit_to_preview")


def positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def test_the_command_explains_itself() -> None:
    shown = subprocess.run([sys.executable, "-m", "benchmarks", "--help"], cwd=REPO,
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    for option in ("--events", "--out", "--keep", "--skip-serve", "--seed", "--profile",
                   "--growth-from"):
        assert option in shown.stdout
    assert "--worker" not in shown.stdout  # internal
    missing = subprocess.run([sys.executable, "-m", "benchmarks"], cwd=REPO,
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2
    assert "--events is required" in missing.stderr


def test_the_synthetic_book_is_valid_and_the_same_for_the_same_seed(tmp_path: Path) -> None:
    first = Synthesiser(20, seed=3).write(tmp_path / "first").root
    again = Synthesiser(20, seed=3).write(tmp_path / "again").root
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (again / f).read_bytes() for f in files)
    assert len(list((first / "events").rglob("*.yaml"))) == 20
    assert check(first).diagnostics == []


@pytest.mark.slow
def test_benchmark_runs_every_phase_on_a_valid_book(tmp_path: Path) -> None:
    out = ARTIFACT
    out.unlink(missing_ok=True)
    work = tmp_path / "work"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--events", str(EVENTS),
         "--out", str(out), "--keep", str(work), "--serve-timeout", "300"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "build with plugin / baseline build" in result.stdout
    assert "target (issue 15)" in result.stdout

    data = json.loads(out.read_text(encoding="utf-8"))
    for section, keys in EXPECTED.items():
        for key in keys:
            assert positive(data[section].get(key)), f"{section}.{key} = {data[section].get(key)!r}"
    for phase in PHASES:
        numbers = data["phases"][phase]
        assert positive(numbers["seconds"]), phase
        assert positive(numbers["peak_mib"]), phase
        assert numbers["cpu_s"] is None or positive(numbers["cpu_s"]), phase
    # The in-process stages were timed through the pipeline's observer, each on its own.
    for phase, stages in (("a_load_validate", ("load_s", "validate_s")),
                          ("b_index_render", ("index_s", "render_s"))):
        numbers = data["phases"][phase]
        assert all(positive(numbers[stage]) for stage in stages), numbers
        assert numbers["seconds"] == pytest.approx(sum(numbers[stage] for stage in stages))

    assert data["meta"]["events"] == EVENTS
    assert data["book"]["events"] == EVENTS
    assert data["book"]["sources"] == EVENTS // 5
    assert data["strict_check"]["passed"] is True
    assert data["serve"]["search_index_complete"] is True
    assert data["serve"]["search_index_has_edit"] is True
    assert data["serve"]["search_index_duplicates"] == 0
    assert data["serve"]["search_index_stale"] is False
    assert data["site"]["pages"] >= EVENTS + EVENTS // 5

    # Correctness, whatever the speed: the warm build is the cold build, byte for byte, and
    # the check cache changes no message.
    comparison = data["warm_build"]["site_comparison"]
    assert comparison["identical"] is True, comparison
    # Every page was compared: `briefbook build` adds its site marker to what mkdocs builds.
    assert comparison["files"] == data["site"]["files"] + 1
    # ... and warm: the one-event edit was built from the last site, most pages kept.
    kept = data["warm_build"]["pages_kept"]
    assert kept["kept"] + kept["built"] == kept["pages"] and kept["kept"] > kept["built"], kept
    assert data["check"]["messages_identical"] is True
    rows = {row["key"]: row for row in data["targets"]}
    assert tuple(rows) == TARGETS
    for key, row in rows.items():
        if key.startswith("projected_"):
            assert row["met"] is None  # a single run cannot fit a growth
        else:
            assert isinstance(row["met"], bool), row
            assert row["shown"] and row["target"], row
    for key in ("warm_build_identical", "serve_search_index_whole", "check_messages_identical"):
        assert rows[key]["met"] is True

    # The kept book passes the strict check on its own, and the serve phase put the edited
    # event back as it was.
    check = subprocess.run(
        [sys.executable, "-m", "briefbook.cli", "check", "--strict", str(work / "book")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout == ""
    assert f"checked {EVENTS} events" in check.stderr
    for mode in ("serve", "serve_dirty"):
        edited = next((work / "book" / "events").rglob(f"{data[mode]['event']}.yaml"))
        assert "Preview benchmark edit" not in edited.read_text(encoding="utf-8")


def test_growth_is_fitted_from_two_runs() -> None:
    from benchmarks.targets import growth

    def run_at(events: int, site_bytes: float, seconds: float) -> dict[str, Any]:
        return {"meta": {"events": events}, "site": {"bytes": site_bytes},
                "search_index": {"bytes": site_bytes / 10},
                "phases": {"c_mkdocs_build": {"seconds": seconds, "cpu_s": seconds,
                                              "peak_mib": 100.0}}}

    # Linear size, quadratic time: 100,000 events is 10x the size and 100x the time of 10,000.
    fitted = growth(run_at(10_000, 2e8, 60.0), run_at(1_000, 2e7, 0.6))["metrics"]
    assert fitted["site_bytes"]["exponent"] == pytest.approx(1.0)
    assert fitted["site_bytes"]["projected"] == pytest.approx(2e9)
    assert fitted["build_s"]["exponent"] == pytest.approx(2.0)
    assert fitted["build_s"]["projected"] == pytest.approx(6000.0)
    with pytest.raises(ValueError, match="another number of events"):
        growth(run_at(1_000, 1.0, 1.0), run_at(1_000, 1.0, 1.0))
