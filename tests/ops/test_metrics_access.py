"""Who may read /metrics: the monitoring system with its token, or a signed-in staff member.
An address is let in only when named in METRICS_ALLOWED_NETWORKS, which is loopback with DEBUG
on and empty in production: behind a proxy on the same machine every caller is loopback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from tests import factories as f

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@override_settings(METRICS_ALLOWED_NETWORKS=[])
def test_production_rule_loopback_alone_is_refused_and_staff_or_a_token_let_in(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403

    client.force_login(f.business_user())
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403  # signed in, not staff

    client.force_login(f.admin_user())
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200


@override_settings(METRICS_ALLOWED_NETWORKS=[], METRICS_TOKEN="s3cret-token")
def test_the_token_from_anywhere(client):
    assert (
        client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    )
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 403


@override_settings(METRICS_ALLOWED_NETWORKS=["127.0.0.0/8"], METRICS_TOKEN="s3cret-token")
def test_with_a_token_an_address_alone_is_not_enough_but_staff_is(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    client.force_login(f.admin_user())
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


def settings_with(debug: str) -> dict:
    """METRICS_ALLOWED_NETWORKS and the verdict for an anonymous loopback caller, as a fresh
    process with DEBUG=<debug> and nothing else about metrics configured computes them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("METRICS_", "PYTEST_"))}
    env.update(
        DEBUG=debug, SECRET_KEY="x" * 60, ALLOWED_HOSTS="accord.example.com", DJANGO_SETTINGS_MODULE="config.settings"
    )
    script = (
        "import django, json; django.setup()\n"
        "from django.conf import settings\n"
        "from django.contrib.auth.models import AnonymousUser\n"
        "from django.test import RequestFactory\n"
        "from config.ops.views import metrics_allowed\n"
        "request = RequestFactory().get('/metrics', REMOTE_ADDR='127.0.0.1')\n"
        "request.user = AnonymousUser()\n"
        "print(json.dumps([settings.METRICS_ALLOWED_NETWORKS, metrics_allowed(request)]))\n"
    )
    result = subprocess.run(  # noqa: S603  (this interpreter, a fixed script)
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    networks, allowed = json.loads(result.stdout.strip().splitlines()[-1])
    return {"networks": networks, "loopback_allowed": allowed}


def test_loopback_is_open_only_with_debug_on():
    assert settings_with("0") == {"networks": [], "loopback_allowed": False}
    assert settings_with("1") == {"networks": ["127.0.0.0/8", "::1/128"], "loopback_allowed": True}
