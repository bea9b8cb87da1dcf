"""The user's cache folder (``$XDG_CACHE_HOME/briefbook`` or ``~/.cache/briefbook``): where
`briefbook check`'s read cache, the warm build's records and the compiled templates are
kept, the user's key that signs them, and the eviction of old books' files.

Everything read back from there is untrusted until its HMAC with the user's key checks: a
file written by anything but this user's briefbook is a miss.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import tempfile
from collections.abc import Generator, Iterable
from pathlib import Path

KEPT = 8
"""Books whose caches are kept; the least recently checked beyond them are removed."""


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path("~/.cache").expanduser()) / "briefbook"


def path_digest(root: Path) -> str:
    """A file name for what is kept about the book (or site) at ``root``."""
    return hashlib.sha256(os.fsencode(root.resolve())).hexdigest()[:32]


def evict(folder: Path, suffix: str = ".cache") -> None:
    """Keep the caches of the ``KEPT`` books used last."""
    try:
        caches = sorted(folder.glob(f"*{suffix}"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for stale in caches[KEPT:]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass


def user_key() -> bytes | None:
    """This user's secret for the cache's HMAC, made on first use in the user's cache folder
    (``$XDG_CACHE_HOME/briefbook`` or ``~/.cache/briefbook``): a cache file written by
    anything but this user's briefbook fails its check.
    ``None`` (no cache) when it cannot be read or made."""
    path = cache_folder() / "cache-key"
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = os.urandom(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key)
        return key
    except OSError:
        return None


def read_signed(path: Path) -> bytes | None:
    """The body of a file ``write_signed`` wrote with this user's key, or ``None``."""
    key = user_key()
    try:
        mac, _, data = path.read_bytes().partition(b"\n")
    except OSError:
        return None
    if key is None or not hmac.compare_digest(mac, _mac(key, data)):
        return None
    return data


def read_signed_lines(path: Path) -> Generator[bytes, None, None]:
    """The body of a file ``write_signed`` wrote with this user's key, line by line (each
    with its line break), never held whole in memory; nothing when it is not such a file.
    The lines come from the very file whose HMAC was checked (the file stays open)."""
    key = user_key()
    if key is None:
        return
    try:
        with path.open("rb") as file:
            mac = file.readline().rstrip(b"\n")
            check = hmac.new(key, digestmod=hashlib.sha256)
            for block in iter(functools.partial(file.read, 1 << 20), b""):
                check.update(block)
            if not hmac.compare_digest(mac, check.hexdigest().encode()):
                return
            file.seek(len(mac) + 1)
            yield from file
    except OSError:
        return


def write_signed(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` (bytes, or pieces written one after the other, never held whole)
    atomically behind its HMAC with this user's key (nothing without one: an unsigned file
    would never be read)."""
    key = user_key()
    if key is None:
        return
    pieces = (data,) if isinstance(data, bytes) else data
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
        try:
            mac = hmac.new(key, digestmod=hashlib.sha256)
            with os.fdopen(fd, "wb") as out:
                out.write(b"0" * mac.digest_size * 2 + b"\n")  # the HMAC, once known
                for piece in pieces:
                    mac.update(piece)
                    out.write(piece)
                out.seek(0)
                out.write(mac.hexdigest().encode())
            Path(tmp).replace(path)
        finally:
            Path(tmp).unlink(missing_ok=True)


def _mac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).hexdigest().encode()
