"""Benchmark briefbook on a synthetic briefing book of N events: ``python -m benchmarks``.

The benchmark writes a valid book (the same for the same --events and --seed), proves it with
``briefbook check --strict``, then measures each phase once, in a fresh subprocess, recording
wall time and peak resident memory:

  (a) load + validate: the stages in-process, ``briefbook.pipeline.check`` and the
      ``briefbook check`` command;
  (b) index + render of every generated page (``Renderer(root, index).render_all()``);
  (c) ``mkdocs build --strict`` of the book with the briefbook plugin;
  (d) the baseline: plain MkDocs (no plugin) building the same pages, pre-rendered by
      ``briefbook render``, with the same theme, navigation and search;
  (e) edit-to-preview: ``mkdocs serve --livereload``, change one event's title, time until
      the served page shows it, and check the search index still holds every page.

It prints a table and the ratios between phases and writes every number as JSON.  Absolute
seconds vary 10-30 % between runs on one machine: compare only ratios measured in one run.

Modules: `synthesis` writes the book, `phases` runs and measures the children and the
in-process stages, `serve` measures edit-to-preview, `report` prints the table, and
`__main__` is the command line and the order of the phases.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOTE = ("Absolute seconds vary 10-30 % between runs on one machine; compare only ratios "
        "measured in one run.")

_START = time.perf_counter()


class BenchError(Exception):
    """A phase failed; the message says which and shows the end of its log."""


def progress(message: str) -> None:
    print(f"[bench {time.perf_counter() - _START:7.1f}s] {message}", file=sys.stderr, flush=True)
