"""The base layout, signing in and out, and the error pages."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_layout_has_landmarks_skip_link_and_local_htmx(client):
    html = client.get("/").content.decode()
    assert '<a class="skip-link" href="#main">Skip to content</a>' in html
    assert '<main id="main"' in html
    assert '<nav class="site-nav" aria-label="Main">' in html
    assert '<a class="brand" href="/">Accord</a>' in html
    assert 'href="/api/docs/"' in html
    assert "/static/portal/accord.css" in html
    # htmx comes from our own static files, never from a CDN.
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in html
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html)


def test_navigation_marks_the_current_section(client, service):
    home = client.get("/").content.decode()
    assert '<a href="/catalogue/" aria-current="page">Catalogue</a>' in home
    assert '<a href="/agreements/">Agreements</a>' in home
    agreements = client.get("/agreements/").content.decode()
    assert '<a href="/agreements/" aria-current="page">Agreements</a>' in agreements
    service_page = client.get(service.get_absolute_url()).content.decode()
    assert '<a href="/catalogue/" aria-current="true">Catalogue</a>' in service_page


def test_anonymous_visitor_is_offered_sign_in_and_no_admin_link(client):
    html = client.get("/agreements/").content.decode()
    assert 'href="/accounts/login/?next=/agreements/"' in html
    assert "Sign out" not in html
    assert "/admin/" not in html


def test_signed_in_user_signs_out_with_a_post_form(client, reader):
    client.force_login(reader)
    html = client.get("/").content.decode()
    assert "Signed in as Bea Reader" in html
    logout_form = r'<form method="post" action="/accounts/logout/">\s*<input type="hidden" name="csrfmiddlewaretoken"'
    assert re.search(logout_form, html)
    assert "/admin/" not in html  # not staff
    assert client.post("/accounts/logout/").status_code == 302
    assert "Sign out" not in client.get("/").content.decode()


def test_staff_see_the_admin_link(client, admin):
    client.force_login(admin)
    assert '<a href="/admin/">Admin</a>' in client.get("/").content.decode()


def test_login_page_signs_in_and_follows_next(client):
    UserFactory(username="olive")
    page = client.get(reverse("login") + "?next=/agreements/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert 'name="next" value="/agreements/"' in html
    response = client.post(
        reverse("login"), {"username": "olive", "password": "correct horse battery staple", "next": "/agreements/"}
    )
    assert response.status_code == 302 and response.url == "/agreements/"


def test_login_with_a_wrong_password_shows_the_problem(client):
    UserFactory(username="olive")
    response = client.post(reverse("login"), {"username": "olive", "password": "wrong"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_not_found_page_is_the_portal_page(client):
    response = client.get("/services/no-such-service/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert '<a class="skip-link"' in html


def test_private_catalogue_sends_anonymous_visitors_to_sign_in(client, settings, service):
    settings.CATALOGUE_PUBLIC = False
    response = client.get(service.get_absolute_url())
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/services/")
    assert client.get("/").status_code == 302


def test_forbidden_page_is_the_portal_page_with_the_reason(client, reader):
    client.force_login(reader)
    response = client.get("/services/new/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>You can’t do that</h1>" in html
    assert "Only service owners and admins may add services to the catalogue." in html
    assert '<a class="skip-link"' in html


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_stylesheet_text_colours_have_at_least_4_5_to_1_contrast():
    css = (Path(__file__).resolve().parents[2] / "portal/static/portal/accord.css").read_text()
    colour = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6});", css))
    pairs = [
        ("text", "bg"),
        ("muted", "bg"),
        ("muted", "bg-soft"),
        ("link", "bg"),
        ("link", "bg-soft"),
        ("link", "info-bg"),
        ("brand-text", "brand"),
        ("bg", "button"),
        ("bg", "button-hover"),
        ("bg", "danger"),
        ("success-text", "success-bg"),
        ("error-text", "error-bg"),
        ("warning-text", "warning-bg"),
        ("info-text", "info-bg"),
        ("text", "focus"),
        ("error-text", "bg"),
    ]
    for foreground, background in pairs:
        ratio = _contrast(colour[foreground], colour[background])
        assert ratio >= 4.5, f"{foreground} on {background}: {ratio:.2f}:1"
