"""A Content-Security-Policy for every built page, as a ``<meta>`` tag.

GitHub Pages cannot send headers, so the policy travels in the page.  It allows scripts
only from the site itself and the theme's own inline scripts, by hash: if some content ever
slipped past escaping, a browser would still refuse to run it.
"""

from __future__ import annotations

import base64
import hashlib
import re

_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL)
_HEAD = re.compile(r"<head[^>]*>", re.IGNORECASE)


def _inline_scripts(html: str) -> set[str]:
    return {m["body"] for m in _INLINE_SCRIPT.finditer(html)
            if "src=" not in m["attrs"] and "application/json" not in m["attrs"]}


def policy(html: str, content: str = "") -> str:
    """The policy for a page: its inline scripts are allowed by hash, except any that sit in
    ``content`` (the page's Markdown turned HTML), which is where contributors write."""
    allowed = _inline_scripts(html) - _inline_scripts(content)
    hashes = sorted(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in allowed
    )
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


def add_policy(html: str, content: str = "") -> str:
    """``html`` with its policy as the first element of ``<head>``, before any script."""
    head = _HEAD.search(html)
    if head is None:
        return html
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(html, content)}">'
    return html[: head.end()] + meta + html[head.end():]
