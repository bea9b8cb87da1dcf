"""The Content-Security-Policy allows the theme's inline scripts and nothing from content."""

from __future__ import annotations

import base64
import hashlib

from briefbook.csp import add_policy, policy


def _hash(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


PAGE = ("<html><head><title>t</title><script>theme()</script></head><body>"
        "<article>{content}</article><script type=\"application/json\">{{}}</script>"
        "<script src=\"bundle.js\"></script></body></html>")


def test_theme_scripts_are_allowed_and_content_scripts_are_not() -> None:
    content = "<p>x</p><script>alert(1)</script>"
    csp = policy(PAGE.format(content=content), content)
    assert _hash("theme()") in csp
    assert _hash("alert(1)") not in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    assert "object-src 'none'" in csp


def test_policy_is_the_first_thing_in_head() -> None:
    out = add_policy(PAGE.format(content=""), "")
    assert out.index('http-equiv="Content-Security-Policy"') < out.index("<script>")
