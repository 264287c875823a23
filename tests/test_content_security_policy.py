"""The Content-Security-Policy: on every page, strict on Accord's own, and every template fit for it.

The browser tests (tests/browser) load pages under this header and fail on any console error,
so a violation there (an inline script, a style= attribute, htmx's eval) fails them as well.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import ServiceFactory

ROOT = Path(settings.BASE_DIR)
# Accord's own templates. E-mail bodies are not served as pages (mail clients need inline styles).
TEMPLATES = sorted(
    path
    for app in ("portal", "catalog", "sla", "feedback", "config")
    for path in (ROOT / app).rglob("templates/**/*.html")
    if "email" not in path.relative_to(ROOT).parts
)

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.I | re.S)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)
HTMX_EVAL = re.compile(r"\bhx-on\b|\bhx-vars=|\bhx-vals=[\"']\s*(?:js|javascript):|hx-trigger=\"[^\"]*\[", re.I)
JAVASCRIPT_URL = re.compile(r"(?:href|src|action)\s*=\s*[\"']\s*javascript:", re.I)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_the_templates_were_found():
    names = {path.relative_to(ROOT).as_posix() for path in TEMPLATES}
    assert "portal/templates/base.html" in names
    assert "feedback/templates/feedback/public/base.html" in names
    assert not any("/email/" in name for name in names)
    assert len(names) > 50


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_no_template_has_inline_script_style_or_eval(path):
    text = re.sub(r"{#.*?#}", "", path.read_text(), flags=re.S)  # template comments are never sent
    found = {
        "inline <script>": INLINE_SCRIPT.findall(text),
        "on*= event handlers": EVENT_HANDLER.findall(text),
        "style= attributes": STYLE_ATTRIBUTE.findall(text),
        "<style> elements": STYLE_ELEMENT.findall(text),
        "htmx expressions that need eval": HTMX_EVAL.findall(text),
        "javascript: URLs": JAVASCRIPT_URL.findall(text),
    }
    assert not {kind: hits for kind, hits in found.items() if hits}, (
        "The CSP refuses these (docs/security.md): move script to static JS, data to json_script, styles to CSS."
    )


@pytest.mark.parametrize(
    ("pattern", "sample"),
    [
        (INLINE_SCRIPT, "<script>alert(1)</script>"),
        (INLINE_SCRIPT, '<script type="module">import x</script>'),
        (EVENT_HANDLER, '<button type="button"\n  onclick="go()">'),
        (STYLE_ATTRIBUTE, '<span class="x" style="width: 5%">'),
        (STYLE_ELEMENT, "<style>body{}</style>"),
        (HTMX_EVAL, '<div hx-on:click="go()">'),
        (HTMX_EVAL, '<div hx-trigger="every 60s [window.ok]">'),
        (HTMX_EVAL, "<div hx-vals='js:{a: 1}'>"),
        (JAVASCRIPT_URL, '<a href="javascript:go()">'),
    ],
)
def test_each_check_catches_what_it_looks_for(pattern, sample):
    assert pattern.search(sample)


@pytest.mark.parametrize(
    "sample",
    [
        '<script src="/static/portal/accord.js" defer></script>',
        '<script id="chart-data" type="application/json">{"a": 1}</script>',
        '<a href="/x" data-onclick-hint="x">',
        '<button class="button" hx-get="/x" hx-trigger="input delay:300ms, submit">',
    ],
)
def test_what_the_policy_allows_passes_the_checks(sample):
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT, HTMX_EVAL, JAVASCRIPT_URL):
        assert not pattern.search(sample), (pattern, sample)


STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/services/payroll/", "/agreements/", "/accounts/login/", "/feedback/s/not-a-token/"]
)
def test_accords_pages_carry_the_strict_policy(client, url):
    ServiceFactory(name="Payroll", slug="payroll")
    response = client.get(url)
    assert response.status_code in (200, 404, 410)
    assert policy(response) == STRICT


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/login/", "/api/docs/", "/api/v1/services/?format=api"])
def test_third_party_pages_may_style_inline_but_never_script_inline(client, url):
    response = client.get(url)
    assert response.status_code == 200
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["object-src"] == ["'none'"]


@pytest.mark.django_db
def test_the_api_docs_load_their_start_up_script_from_a_file(client):
    html = client.get("/api/docs/").content.decode()
    assert not INLINE_SCRIPT.search(html)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
def test_the_base_page_turns_off_htmxs_inline_styles_and_eval(client):
    html = client.get("/").content.decode()
    assert (
        """<meta name="htmx-config" content='{"includeIndicatorStyles": false, "allowEval": false, """
        """"allowScriptTags": false}'>"""
    ) in html
    assert '<script src="/static/portal/accord.js" defer></script>' in html
    css = (ROOT / "portal/static/portal/accord.css").read_text()
    assert ".htmx-request .htmx-indicator," in css  # what htmx would have injected
