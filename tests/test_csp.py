"""The Content-Security-Policy allows the theme's own inline scripts, known from the theme's
template files, and no other inline script wherever it sits in the page."""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
from pathlib import Path

from briefbook.csp import add_policy, has_policy, policy, theme_scripts

MATERIAL_TEMPLATES = Path(str(importlib.resources.files("material") / "templates"))


def _hash(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


SCOPE = '__md_scope=new URL("{base}",location)'
PAGE = ("<html><head><title>t</title><script>" + SCOPE + "</script>{head}</head><body>"
        "<article>{content}</article><script type=\"application/json\">{{}}</script>"
        "<script src=\"bundle.js\"></script></body></html>")


def _theme(tmp_path: Path) -> Path:
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "base.html").write_text(
        '<script>__md_scope=new URL("{{ config.extra.scope | d(base_url) }}",location)</script>'
        "\n<script>{% if x %}varies(){% endif %}</script>\n", encoding="utf-8")
    return tmp_path


def test_theme_scripts_are_allowed_at_every_depth(tmp_path: Path) -> None:
    theme = theme_scripts([_theme(tmp_path)])
    for base in (".", "../..", "/briefbook/"):
        csp = policy(PAGE.format(base=base, head="", content=""), theme)
        assert _hash(SCOPE.replace("{base}", base)) in csp
    assert "'unsafe-inline'" not in csp.split("style-src")[0]
    assert "object-src 'none'" in csp


def test_an_injected_script_is_not_allowed_wherever_it_sits(tmp_path: Path) -> None:
    """Content that reaches the head (a front-matter field) or the body is never counted as
    the theme's, nor is a copy of a theme script whose value breaks out of its string."""
    theme = theme_scripts([_theme(tmp_path)])
    breakout = SCOPE.replace("{base}", '.",alert(1),"')
    html = PAGE.format(base=".", head="<script>alert(1)</script>",
                       content=f"<script>alert(2)</script><script>{breakout}</script>")
    csp = policy(html, theme)
    assert _hash("alert(1)") not in csp
    assert _hash("alert(2)") not in csp
    assert _hash(breakout) not in csp
    assert csp.count("'sha256-") == 1


def test_a_theme_script_cannot_be_pointed_at_another_host() -> None:
    """Material's redirect template takes a URL: an injected copy must not send the reader
    to another host, nor run a javascript: URL."""
    theme = theme_scripts([MATERIAL_TEMPLATES])
    redirect = ('window.location.replace(["{}",window.location.search,'
                'window.location.hash].join(""))')
    assert theme.allows(redirect.format("../events/"))
    for target in ("https://evil.example/x", "//evil.example/x", "javascript:alert(1)"):
        assert not theme.allows(redirect.format(target)), target


def test_a_page_that_mentions_the_policy_still_gets_it(tmp_path: Path) -> None:
    html = PAGE.format(base=".", head="",
                       content='<p>http-equiv="Content-Security-Policy" in a sentence</p>')
    assert not has_policy(html)
    finished = add_policy(html, theme_scripts([_theme(tmp_path)]))
    assert has_policy(finished)


def test_scripts_built_from_template_statements_are_never_allowed(tmp_path: Path) -> None:
    theme = theme_scripts([_theme(tmp_path)])
    assert not theme.allows("varies()")


def test_the_installed_material_scripts_are_known() -> None:
    """Material's palette and scope scripts, as it writes them into every page."""
    theme = theme_scripts([MATERIAL_TEMPLATES])
    base = (MATERIAL_TEMPLATES / "partials" / "javascripts" / "base.html").read_text()
    body = base.split("<script>", 1)[1].split("</script>", 1)[0]
    assert theme.allows(body.replace("{{ config.extra.scope | d(base_url) }}", "../.."))
    assert not theme.allows("alert(document.domain)")


def test_policy_is_the_first_thing_in_head(tmp_path: Path) -> None:
    out = add_policy(PAGE.format(base=".", head="", content=""),
                     theme_scripts([_theme(tmp_path)]))
    assert out.index('http-equiv="Content-Security-Policy"') < out.index("<script>")
