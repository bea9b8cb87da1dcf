"""The benchmark keeps working: it synthesises a valid book and measures every phase.

Times are never asserted (they depend on the machine and its load); only that each phase ran
and produced a positive number, and that the synthesised book passes the strict check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
EVENTS = 200

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
          "c_mkdocs_build", "d_baseline_build", "e_serve_first_build", "e_edit_to_preview",
          "e_dirty_serve_first_build", "e_dirty_edit_to_preview")


def positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


@pytest.mark.slow
def test_benchmark_runs_every_phase_on_a_valid_book(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    work = tmp_path / "work"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "bench.py"), "--events", str(EVENTS),
         "--out", str(out), "--keep", str(work), "--serve-timeout", "300"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "build with plugin / baseline build" in result.stdout

    data = json.loads(out.read_text(encoding="utf-8"))
    for section, keys in EXPECTED.items():
        for key in keys:
            assert positive(data[section].get(key)), f"{section}.{key} = {data[section].get(key)!r}"
    for phase in PHASES:
        numbers = data["phases"][phase]
        assert positive(numbers["seconds"]), phase
        assert positive(numbers["peak_mib"]), phase
        assert numbers["cpu_s"] is None or positive(numbers["cpu_s"]), phase

    assert data["meta"]["events"] == EVENTS
    assert data["book"]["events"] == EVENTS
    assert data["book"]["sources"] == EVENTS // 5
    assert data["strict_check"]["passed"] is True
    assert data["serve"]["search_index_complete"] is True
    assert data["serve"]["search_index_has_edit"] is True
    assert data["serve"]["search_index_duplicates"] == 0
    assert data["serve"]["search_index_stale"] is False
    assert data["site"]["pages"] >= EVENTS + EVENTS // 5

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
