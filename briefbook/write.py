"""Stage 5, write: put generated pages on disk, and build whole sites atomically."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from briefbook.buildcache import CACHE_ENV, LAST_SITE_ENV, manifest_for
from briefbook.diagnostics import UsageProblem

if TYPE_CHECKING:
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


SITE_MARKER = ".briefbook-site"
"""Written into every site briefbook builds: a folder without it holds files briefbook did
not write, and replacing it could destroy them."""


class BuildFailed(Exception):
    """The engine's output is not a site to publish; the message says why."""


class UnsafeOutput(UsageProblem):
    """An output folder that must not be written: the message says why, in one line."""


def check_site_dir(root: Path, site: Path, sources: Iterable[str]) -> None:
    """Refuse a site folder that is the book, holds it, lies inside its sources, or holds
    files briefbook did not write: a build replaces the whole folder."""
    site = site.resolve()
    book = root.resolve()
    if site == book or book.is_relative_to(site):
        raise UnsafeOutput(f"the site folder {site} holds the book itself; "
                           "choose a folder of its own, such as 'site'")
    for name in (*sources, ".git", "templates"):
        folder = (book / name).resolve()
        if site == folder or site.is_relative_to(folder) or folder.is_relative_to(site):
            raise UnsafeOutput(f"the site folder {site} would replace the book's "
                               f"'{name}' folder; choose a folder of its own, such as 'site'")
    if site.exists() and not site.is_dir():
        raise UnsafeOutput(f"the site folder {site} is a file; choose a folder")
    if site.is_dir() and not (site / SITE_MARKER).is_file():
        other = next(iter(sorted(site.iterdir())), None)
        if other is not None:
            raise UnsafeOutput(
                f"the site folder {site} holds files briefbook did not write (such as "
                f"'{other.name}'); choose an empty or new folder, or delete this one first")


Builder = Callable[[Path], list[str]]
"""The command that builds the site into the given (staging) folder."""


def mkdocs_builder(module: str = "mkdocs", *, warm: bool = False) -> Builder:
    """``mkdocs build`` (or a fork's, such as ``properdocs``), which runs the plugin;
    ``warm``: ``--dirty``, which the plugin makes a warm build (``briefbook.buildcache``)."""
    return lambda staging: [sys.executable, "-m", module, "build", "--strict",
                            *(["--dirty"] if warm else []), "--site-dir", str(staging)]


def build_site(root: Path, site_dir: Path, builder: Builder | None = None,
               finish: Callable[[Path], None] | None = None,
               sources: Iterable[str] = ("events", "seeds", "docs"), *,
               warm: bool = False) -> int:
    """Build into a fresh directory beside ``site_dir`` (then ``finish`` it) and swap it
    into place; on any failure or interruption (Ctrl-C or SIGTERM) the previous site is
    left as it was.  ``finish`` fails the build by raising ``BuildFailed``.

    ``warm``: the builder (``mkdocs_builder(warm=True)``) is told the previous site and the
    manifest of its build, so it builds again only the pages an edit changed and takes the
    others from that site, which it never writes (``briefbook.buildcache``)."""
    site = (root / site_dir).resolve() if not site_dir.is_absolute() else site_dir
    check_site_dir(root, site, sources)
    try:
        site.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UnsafeOutput(f"cannot create the site folder's parent {site.parent}: "
                           f"{exc.strerror}") from None
    env = dict(os.environ)
    env.setdefault("NO_MKDOCS_2_WARNING", "1")
    epoch = env.get("SOURCE_DATE_EPOCH") or source_date_epoch(root)
    if epoch:
        env["SOURCE_DATE_EPOCH"] = epoch
    builder = builder or mkdocs_builder()
    staging: Path | None = None
    with _terminate_as_interrupt():
        try:
            with _no_interrupts():
                try:
                    staging = Path(tempfile.mkdtemp(prefix=f".{site.name}-new-",
                                                    dir=site.parent))
                except OSError as exc:
                    raise UnsafeOutput(f"cannot write into {site.parent}: "
                                       f"{exc.strerror}") from None
                staging.chmod(0o755)  # mkdtemp makes it private; a web server must read it
            if warm:
                env[CACHE_ENV] = str(manifest_for(site))
                env.pop(LAST_SITE_ENV, None)
                if site.is_dir():
                    print(f"briefbook: starting from the last build in {site_dir} ...",
                          file=sys.stderr, flush=True)
                    env[LAST_SITE_ENV] = str(site)
            print(f"briefbook: building the site into {site_dir} ...", file=sys.stderr,
                  flush=True)
            process = subprocess.Popen(builder(staging), cwd=root, env=env)
            try:
                code = process.wait()
            except Interrupted as stop:
                process.send_signal(stop.signum)
                process.wait()
                raise
            try:
                if code != 0:
                    raise BuildFailed("")
                if finish is not None:
                    finish(staging)
            except BuildFailed as failure:
                if str(failure):
                    print(f"briefbook: {failure}", file=sys.stderr)
                print(f"briefbook: build failed; {site_dir} was left as it was",
                      file=sys.stderr)
                return 1
            (staging / SITE_MARKER).write_text(
                "Written by 'briefbook build', which replaces this folder whole.\n",
                encoding="utf-8")
            with _no_interrupts():
                _swap(staging, site)
        finally:
            _remove(staging)
    print(f"briefbook: site built in {site_dir}", file=sys.stderr)
    return 0


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during a build; remembers which, to pass the same signal on."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__()
        self.signum = signum


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into ``Interrupted``, so `kill` (a CI runner cancelling a
    job) cleans up exactly as Ctrl-C does instead of leaving the staging folder behind."""

    def stop(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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


RENDER_MANIFEST = ".briefbook-render.json"
"""The files ``briefbook render`` wrote into a folder, with their hashes: the only files a
later render may overwrite or delete."""


def write_tree(files: dict[str, bytes], out_dir: Path,
               ignored: Iterable[str] = ()) -> tuple[int, int]:
    """Write ``files`` (folder-relative POSIX path to bytes) into ``out_dir``; return how many
    were written and how many stale ones were removed.

    A folder holding files this function did not write is refused (naming one), so pointing
    it at the book's own docs/ can never overwrite an analyst's page.  A file it wrote before
    and no longer writes (a deleted record's page) is removed, unless someone changed it.
    Top-level ``ignored`` names (the engine's site folder and cache) are left alone."""
    out = out_dir.resolve()
    manifest_path = out / RENDER_MANIFEST
    previous: dict[str, str] = {}
    if manifest_path.is_file():
        try:
            loaded = json.loads(manifest_path.read_text(encoding="utf-8"))
            previous = {str(k): str(v) for k, v in loaded["files"].items()}
        except (OSError, ValueError, KeyError, AttributeError):
            raise UnsafeOutput(f"{manifest_path} is damaged; delete the folder {out_dir} "
                               "and render again") from None
    if out.exists():
        if not out.is_dir():
            raise UnsafeOutput(f"{out_dir} is a file; give a folder to render into")
        skip = {RENDER_MANIFEST, *ignored}
        for path in sorted(out.rglob("*")):
            rel = path.relative_to(out).as_posix()
            if rel.split("/")[0] in skip:
                continue
            if path.is_symlink():  # render writes no links: one could aim its writes elsewhere
                raise UnsafeOutput(f"{out_dir} holds a symbolic link briefbook did not write "
                                   f"('{rel}'); render into an empty or new folder")
            if path.is_dir():
                continue
            if rel not in previous or _digest(path.read_bytes()) != previous[rel]:
                raise UnsafeOutput(
                    f"{out_dir} holds a file briefbook did not write or that was changed since "
                    f"('{rel}'); render into an empty or new folder")
    written = 0
    for rel in sorted(files):
        target = (out / rel).resolve()
        if not target.is_relative_to(out):  # paths are validated; this only guards bugs
            raise ValueError(f"path escapes the output folder: {rel}")
        data = files[rel]
        if target.is_file() and target.read_bytes() == data:
            continue  # unchanged files keep their timestamps, for `serve --dirty`
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        written += 1
    stale = sorted(set(previous) - set(files))
    for rel in stale:
        # Only a file this function wrote, still as written, and still inside the folder.
        path = out / rel
        if (path.resolve().is_relative_to(out) and path.is_file()
                and _digest(path.read_bytes()) == previous[rel]):
            path.unlink()
    for rel in stale:  # folders emptied by the removals go too
        for parent in (out / rel).parents:
            if parent == out or not parent.is_dir() or parent.is_symlink() \
                    or any(parent.iterdir()):
                break
            parent.rmdir()
    manifest = {"written by": "briefbook render",
                "files": {rel: _digest(files[rel]) for rel in sorted(files)}}
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return written, len(stale)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
