"""docs/integrations.md "Checking a delivery": the test bodies it gives, signed with openssl as it
says, are accepted by the webhooks (200, then a replay that stores nothing). Keeps the guide honest."""

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from sla.models import Ticket
from tests.sla.integrations.conftest import SECRET, post

DOC = Path(__file__).resolve().parents[3] / "docs" / "integrations.md"
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="the recipes use openssl")


def recipe_bodies() -> list[str]:
    """The BODY='…' lines of the shell block under "Checking a delivery", in order."""
    section = DOC.read_text().split("## Checking a delivery", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^BODY='(.*)'$", section, flags=re.MULTILINE)


def openssl(data: bytes, *args: str) -> bytes:
    return subprocess.run(  # noqa: S603 - fixed arguments: checks the docs' openssl recipe
        ["openssl", "dgst", "-sha256", "-hmac", SECRET, *args],  # noqa: S607 - as the docs' recipe: openssl on PATH
        input=data,
        capture_output=True,
    ).stdout


@pytest.fixture
def bodies():
    found = recipe_bodies()
    assert len(found) == 3, "the guide gives one test body per tool: Jira, ServiceNow, Zendesk"
    return found


def twice(api, url, body: str, headers: dict):
    first = post(api, url, body.encode(), headers)
    again = post(api, url, body.encode(), headers)
    return first, again


def test_the_jira_recipe(api, jira, bodies):
    # SIG=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
    signature = openssl(bodies[0].encode(), "-r").decode().split(" ")[0]
    first, again = twice(
        api, "/api/v1/integrations/jira/jira/", bodies[0], {"HTTP_X_HUB_SIGNATURE": f"sha256={signature}"}
    )
    assert first.status_code == 200, first.content
    assert first.json()["created"] >= 1 and first.json()["defaults"] == {"priority": 3}
    assert again.status_code == 200 and again.json()["created"] == 0
    assert Ticket.objects.get().external_id == "TEST-1"


def test_the_servicenow_recipe(api, servicenow, bodies):
    credentials = base64.b64encode(f"servicenow:{SECRET}".encode()).decode()  # curl -u "servicenow:$SECRET"
    first, again = twice(
        api, "/api/v1/integrations/servicenow/servicenow/", bodies[1], {"HTTP_AUTHORIZATION": f"Basic {credentials}"}
    )
    assert first.status_code == 200, first.content
    assert first.json()["created"] == 1
    assert again.status_code == 200 and again.json()["created"] == 0
    bearer = post(
        api,
        "/api/v1/integrations/servicenow/servicenow/",
        bodies[1].encode(),
        {"HTTP_AUTHORIZATION": f"Bearer {SECRET}"},
    )
    assert bearer.status_code == 200


def test_the_zendesk_recipe(api, zendesk, bodies):
    # TS=$(date -u +%Y-%m-%dT%H:%M:%SZ); SIG=$(printf '%s%s' "$TS" "$BODY" | openssl … -binary | base64)
    timestamp = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(openssl((timestamp + bodies[2]).encode(), "-binary")).decode()
    headers = {"HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": signature, "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": timestamp}
    first, again = twice(api, "/api/v1/integrations/zendesk/zendesk/", bodies[2], headers)
    assert first.status_code == 200, first.content
    assert first.json()["created"] == 1
    assert again.status_code == 200 and again.json()["created"] == 0
