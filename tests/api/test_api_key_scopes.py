"""API key scopes: read, ingest, manage. A key acts with its scopes and its user's rights, both;
a missing scope is a 403 in the API's error format that names it."""

import importlib
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save

from catalog.models import ApiToken
from catalog.tokens import ALL_SCOPES, api_scopes_parse, api_token_authenticate, api_token_issue
from sla.models import TicketEvent

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 2, 9, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def with_key(api, user, *scopes):
    _, key = api_token_issue(user=user, name="test", scopes=scopes)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api


def opened(external_id="INC-1"):
    return {
        "source": "servicedesk",
        "external_id": external_id,
        "kind": "opened",
        "occurred_at": "2026-11-02T09:00:00Z",
        "idempotency_key": f"{external_id}:opened",
        "service": "payroll",
        "business_unit": "finance",
        "priority": 2,
    }


def assert_missing_scope(response, scope):
    assert response.status_code == 403, response.content[:300]
    body = response.json()
    assert body["type"] == "client_error"
    (error,) = body["errors"]
    assert error["code"] == "missing_scope"
    assert f"lacks the '{scope}' scope" in error["detail"]


def test_a_read_key_reads_and_writes_nothing(api, world):
    client = with_key(api, world["users"]["owner"], "read")
    assert client.get("/api/v1/services/payroll/").status_code == 200
    assert client.get(f"/api/v1/agreements/{world['draft'].pk}/").status_code == 200  # the owner's draft
    assert_missing_scope(client.post("/api/v1/ticket-events/", opened(), format="json"), "ingest")
    assert_missing_scope(client.patch("/api/v1/services/payroll/", {"summary": "x"}, format="json"), "manage")
    assert not TicketEvent.objects.exists()


def test_an_ingest_key_sends_events_but_neither_reads_nor_manages(api, world):
    client = with_key(api, world["users"]["owner"], "ingest")
    with time_machine.travel(NOW, tick=False):
        response = client.post("/api/v1/ticket-events/", opened(), format="json")
    assert response.status_code == 201, response.content[:300]
    assert TicketEvent.objects.count() == 1
    assert_missing_scope(client.get("/api/v1/services/"), "read")
    assert_missing_scope(client.post(f"/api/v1/agreements/{world['draft'].pk}/propose/"), "manage")


def test_a_manage_key_changes_the_catalogue_within_its_users_rights(api, world):
    owner_key = with_key(api, world["users"]["owner"], "manage")
    assert owner_key.patch("/api/v1/services/payroll/", {"summary": "Pay people."}, format="json").status_code == 200
    assert_missing_scope(owner_key.get("/api/v1/services/payroll/"), "read")
    # The scope is not a right: another owner's manage key still may not touch Payroll.
    other = with_key(api, world["users"]["other_owner"], "manage", "read")
    assert other.patch("/api/v1/services/payroll/", {"summary": "Mine."}, format="json").status_code == 403
    reader = with_key(api, world["users"]["reader"], *ALL_SCOPES)
    response = reader.post("/api/v1/business-units/", {"name": "Legal", "slug": "legal"}, format="json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] != "missing_scope"


def test_a_key_with_every_scope_acts_as_its_user_and_sessions_have_no_scopes(api, world):
    client = with_key(api, world["users"]["owner"], *ALL_SCOPES)
    assert client.get("/api/v1/services/payroll/").status_code == 200
    assert client.patch("/api/v1/services/payroll/", {"summary": "Pay."}, format="json").status_code == 200
    api.credentials()
    api.force_login(world["users"]["owner"])
    assert api.patch("/api/v1/services/payroll/", {"summary": "Pay!"}, format="json").status_code == 200


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["read"], {"read"}),
        (["read,ingest"], {"read", "ingest"}),
        (["Read", " manage "], {"read", "manage"}),
        (["read", "read"], {"read"}),
    ],
)
def test_scopes_are_parsed(values, expected):
    assert api_scopes_parse(values) == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [(["write"], "unknown scope 'write'"), ([], "name at least one scope"), ([","], "name at least one scope")],
)
def test_wrong_scopes_are_refused_with_their_name(values, message):
    with pytest.raises(ValueError, match=message):
        api_scopes_parse(values)


def test_the_database_refuses_a_key_without_a_scope(world):
    token, _ = api_token_issue(user=world["users"]["owner"], name="k", scopes=["read"])
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(can_read=False)


def test_keys_issued_before_scopes_get_every_scope(world):
    """The data migration (0008): every key that existed keeps every right its user has."""
    migration = importlib.import_module("catalog.migrations.0008_api_token_scopes")
    token, _ = api_token_issue(user=world["users"]["owner"], name="old", scopes=["read"])
    from django.apps import apps

    migration.keys_issued_before_scopes_keep_every_right(apps, None)
    token.refresh_from_db()
    assert token.scopes == ALL_SCOPES


# --- manage.py issue_api_token --scope ------------------------------------------------


def test_the_command_issues_a_key_with_the_scopes_named(api, world):
    out = StringIO()
    call_command("issue_api_token", "owner", "--scope", "ingest", "--scope", "read", stdout=out)
    key = out.getvalue().strip()
    assert api_token_authenticate(key=key).scopes == {"ingest", "read"}


def test_the_command_without_scope_gives_every_scope(world):
    out = StringIO()
    call_command("issue_api_token", "owner", stdout=out)
    assert api_token_authenticate(key=out.getvalue().strip()).scopes == ALL_SCOPES


def test_the_command_names_a_wrong_scope(world):
    with pytest.raises(CommandError, match="--scope: unknown scope 'admin': choose from read, ingest, manage"):
        call_command("issue_api_token", "owner", "--scope", "admin", stdout=StringIO())
    assert not ApiToken.objects.exists()


# --- last used: at most one write a minute per key -------------------------------------


def test_last_used_is_written_at_most_once_a_minute(world, django_assert_num_queries):
    _, key = api_token_issue(user=world["users"]["owner"], name="k", scopes=["read"])
    saves = []
    post_save.connect(lambda **kw: saves.append(kw), sender=ApiToken, weak=False, dispatch_uid="count")
    try:
        with time_machine.travel(NOW, tick=False), django_assert_num_queries(2):  # the read, the write
            api_token_authenticate(key=key)
        with time_machine.travel(NOW + timedelta(seconds=59), tick=False), django_assert_num_queries(1):
            assert api_token_authenticate(key=key).last_used_at == NOW
        with time_machine.travel(NOW + timedelta(seconds=60), tick=False), django_assert_num_queries(2):
            api_token_authenticate(key=key)
    finally:
        post_save.disconnect(sender=ApiToken, dispatch_uid="count")
    assert ApiToken.objects.get().last_used_at == NOW + timedelta(seconds=60)
    assert saves == []  # a conditional UPDATE of one column, never a save() of the whole row
