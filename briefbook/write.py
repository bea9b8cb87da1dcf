"""Stage 5, write: put generated pages on disk, and build whole sites atomically."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from briefbook.render import Page


def write_pages(pages: Iterable[Page], out_dir: Path) -> int:
    """Write pages under ``out_dir``, skipping files whose content is unchanged, so that
    timestamps (and ``mkdocs serve --dirty``) only see real changes.  Returns how many
    files were written."""
    out = out_dir.resolve()
    written = 0
    for page in pages:
        target = (out / page.path).resolve()
        if not target.is_relative_to(out):  # ids are slugs; this only guards against bugs
            raise ValueError(f"page path escapes the output directory: {page.path}")
        data = page.text.encode("utf-8")
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        written += 1
    return written


def source_date_epoch(root: Path) -> str | None:
    """The last commit's time, so two builds of one commit are byte-identical."""
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=root, check=True,
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def build_site(root: Path, site_dir: Path, extra_args: Iterable[str] = ()) -> int:
    """Build with MkDocs into a fresh directory beside ``site_dir`` and swap it into place;
    on any failure or interruption the previous site is left as it was."""
    site = (root / site_dir).resolve() if not site_dir.is_absolute() else site_dir
    site.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("NO_MKDOCS_2_WARNING", "1")
    epoch = env.get("SOURCE_DATE_EPOCH") or source_date_epoch(root)
    if epoch:
        env["SOURCE_DATE_EPOCH"] = epoch
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", "",
               *extra_args]
    print(f"briefbook: building the site into {site_dir} ...", file=sys.stderr, flush=True)
    staging: Path | None = None
    try:
        with _no_interrupts():
            staging = Path(tempfile.mkdtemp(prefix=f".{site.name}-new-", dir=site.parent))
            staging.chmod(0o755)  # mkdtemp makes it private; a web server must read the site
        command[command.index("--site-dir") + 1] = str(staging)
        process = subprocess.Popen(command, cwd=root, env=env)
        try:
            code = process.wait()
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)
            process.wait()
            raise
        if code != 0:
            print(f"briefbook: build failed; {site_dir} was left as it was", file=sys.stderr)
            return 1
        with _no_interrupts():
            _swap(staging, site)
    finally:
        _remove(staging)
    print(f"briefbook: site built in {site_dir}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _no_interrupts() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM) until the block is done: a swap half-done or a staging
    folder half-made would leave no site, or litter beside it."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _remove(staging: Path | None) -> None:
    """Remove the staging folder even if Ctrl-C is pressed again meanwhile (a second press
    could land before the signals are held), then pass the interruption on."""
    interrupted = False
    while True:
        try:
            with _no_interrupts():
                if staging is not None and staging.exists():
                    shutil.rmtree(staging, ignore_errors=True)
            break
        except KeyboardInterrupt:
            interrupted = True
    if interrupted:
        raise KeyboardInterrupt


def _swap(new: Path, site: Path) -> None:
    old = None
    if site.exists():
        old = site.with_name(f".{site.name}-old-{os.getpid()}")
        site.rename(old)
    new.rename(site)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
