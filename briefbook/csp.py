"""A Content-Security-Policy for every built page, as a ``<meta>`` tag.

GitHub Pages cannot send headers, so the policy travels in the page.  It allows scripts only
from the site itself and the theme's own inline scripts, by hash.  Which inline scripts are
the theme's is decided from the theme's installed template files, never from where a script
sits in the page: contributor content that reached a page anywhere (a front-matter field, a
navigation title) cannot have its script counted as the theme's.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL)
_HEAD = re.compile(r"<head[^>]*>", re.IGNORECASE)
_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_STATEMENT = re.compile(r"\{%|\{#")
# What a template expression inside a theme script may become: the relative or site-absolute
# paths Material puts there (base_url, a scope).  No quote, bracket or backslash, so a value
# can never end the string it sits in; no colon and no leading '//', so it can never name
# another host or a scheme (Material's redirect template would otherwise send the reader
# anywhere).
_URL_VALUE = r"(?!//)[A-Za-z0-9._~/%#?=&+-]*"
_META = '<meta http-equiv="Content-Security-Policy"'



@dataclass(frozen=True, slots=True)
class ThemeScripts:
    """The inline scripts a theme's templates write, as patterns over their bodies."""

    patterns: tuple[re.Pattern[str], ...]

    def allows(self, body: str) -> bool:
        return any(p.fullmatch(body) for p in self.patterns)


def theme_scripts(template_dirs: Iterable[Path]) -> ThemeScripts:
    """Read every inline ``<script>`` of the theme's ``.html`` templates.

    A script whose body holds Jinja statements cannot be known in advance and is left out
    (the policy then blocks it, which a browser test would show as a console error)."""
    patterns: dict[str, re.Pattern[str]] = {}
    for directory in template_dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*.html")):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for match in _INLINE_SCRIPT.finditer(text):
                body = match["body"]
                if _is_external_or_data(match["attrs"]) or _STATEMENT.search(body):
                    continue
                pieces = _EXPRESSION.split(body)
                source = _URL_VALUE.join(re.escape(piece) for piece in pieces)
                patterns.setdefault(source, re.compile(source, re.DOTALL))
    return ThemeScripts(tuple(patterns[key] for key in sorted(patterns)))


def _is_external_or_data(attrs: str) -> bool:
    return "src=" in attrs or "application/json" in attrs


def _inline_scripts(html: str) -> list[str]:
    return [m["body"] for m in _INLINE_SCRIPT.finditer(html)
            if not _is_external_or_data(m["attrs"])]


def policy(html: str, theme: ThemeScripts) -> str:
    """The policy for a page: the inline scripts that are the theme's own are allowed by
    hash; any other inline script (wherever it sits) is not."""
    hashes = sorted({
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _inline_scripts(html) if theme.allows(body)
    })
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' " + " ".join(hashes) if hashes else "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # the theme sets styles from its scripts
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ])


def add_policy(html: str, theme: ThemeScripts) -> str:
    """``html`` with its policy as the first element of ``<head>``, before any script."""
    head = _HEAD.search(html)
    if head is None:
        return html
    meta = f'{_META} content="{policy(html, theme)}">'
    return html[: head.end()] + meta + html[head.end():]


def has_policy(html: str) -> bool:
    """Whether ``add_policy`` already ran on ``html``: judged by where the policy sits (the
    first thing in ``<head>``), never by its text appearing somewhere, which any page could
    write."""
    head = _HEAD.search(html)
    return head is not None and html.startswith(_META, head.end())
