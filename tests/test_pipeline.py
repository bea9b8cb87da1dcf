"""The pipeline's stage observer, through which the benchmark times the stages."""

from __future__ import annotations

import time
from pathlib import Path

from briefbook.pipeline import check


def test_the_observer_hears_each_stage_once_in_order(minimal_book: Path) -> None:
    heard: list[tuple[str, float]] = []
    started = time.perf_counter()
    observed = check(minimal_book, observe=lambda stage, seconds: heard.append((stage, seconds)))
    elapsed = time.perf_counter() - started

    assert [stage for stage, _ in heard] == ["load", "validate", "index"]
    assert all(seconds >= 0 for _, seconds in heard)
    # The stages are parts of the one call, so together they cannot outlast it.
    assert sum(seconds for _, seconds in heard) <= elapsed
    # Watching changes nothing about the result.
    unobserved = check(minimal_book)
    assert observed.diagnostics == unobserved.diagnostics
    assert observed.index.events.keys() == unobserved.index.events.keys()
