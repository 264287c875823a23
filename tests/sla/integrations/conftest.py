"""Payloads shaped like the ones Jira, ServiceNow and Zendesk really send, signed like they sign
them, and integrations set up against the `sla` fixture (service "payroll", unit "finance")."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from sla.integrations.services import integration_create
from sla.integrations.signatures import sign_hub, sign_zendesk
from tests.sla.conftest import at

SECRET = "It's a Secret to Everybody"
SITE = "https://harbourside.atlassian.net"


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    """Alert ids queued for notification after commit (no Celery in these tests)."""
    ids: list[int] = []
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", ids.extend)
    return ids


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def jira(sla):
    return integration_create(
        kind="jira",
        name="Service desk (Jira)",
        slug="jira",
        secret=SECRET,
        default_service=sla["service"],
        default_business_unit=sla["unit"],
    )


@pytest.fixture
def servicenow(sla):
    return integration_create(
        kind="servicenow",
        name="ServiceNow",
        slug="servicenow",
        secret=SECRET,
        default_service=sla["service"],
        default_business_unit=sla["unit"],
    )


@pytest.fixture
def zendesk(sla):
    return integration_create(
        kind="zendesk",
        name="Zendesk",
        slug="zendesk",
        secret=SECRET,
        default_service=sla["service"],
        default_business_unit=sla["unit"],
    )


def body_of(payload) -> bytes:
    return json.dumps(payload).encode()


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def jira_time(moment: datetime) -> str:
    """Jira's own format: milliseconds and an offset without a colon."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


# --- Jira -------------------------------------------------------------------------------------

STATUSES = {
    "Waiting for support": ("10001", "indeterminate"),
    "In Progress": ("3", "indeterminate"),
    "Waiting for customer": ("10002", "indeterminate"),
    "Resolved": ("10003", "done"),
    "Closed": ("6", "done"),
    "Done": ("10004", "done"),
}
PRIORITIES = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5", "Blocker": "10000"}


def jira_user(name: str, account_type: str = "atlassian") -> dict:
    account_id = "557058:" + name.lower().replace(" ", "-")
    return {
        "self": f"{SITE}/rest/api/2/user?accountId={account_id}",
        "accountId": account_id,
        "avatarUrls": {"48x48": "https://avatar-management.example/48.png"},
        "displayName": name,
        "active": True,
        "timeZone": "Europe/London",
        "accountType": account_type,
    }


def jira_status(name: str) -> dict:
    status_id, category = STATUSES[name]
    return {
        "self": f"{SITE}/rest/api/2/status/{status_id}",
        "description": "",
        "iconUrl": f"{SITE}/images/icons/statuses/generic.png",
        "name": name,
        "id": status_id,
        "statusCategory": {
            "self": f"{SITE}/rest/api/2/statuscategory/4",
            "id": 4,
            "key": category,
            "colorName": "yellow" if category == "indeterminate" else "green",
            "name": "In Progress" if category == "indeterminate" else "Done",
        },
    }


def jira_issue(
    key: str = "HR-12",
    *,
    created: datetime | None = None,
    updated: datetime | None = None,
    status: str = "Waiting for support",
    priority: str = "High",
    assignee: str | None = None,
    project: tuple[str, str] = ("HR", "Human Resources"),
    components: tuple[str, ...] = (),
) -> dict:
    created = created or at(2, 9)
    return {
        "id": "10042",
        "self": f"{SITE}/rest/api/2/issue/10042",
        "key": key,
        "fields": {
            "summary": "Payslips not generated for November",
            "issuetype": {"self": f"{SITE}/rest/api/2/issuetype/10004", "id": "10004", "name": "Incident"},
            "project": {
                "self": f"{SITE}/rest/api/2/project/10000",
                "id": "10000",
                "key": project[0],
                "name": project[1],
                "projectTypeKey": "service_desk",
            },
            "components": [{"self": f"{SITE}/rest/api/2/component/1", "id": "1", "name": n} for n in components],
            "labels": [],
            "priority": {
                "self": f"{SITE}/rest/api/2/priority/{PRIORITIES[priority]}",
                "iconUrl": f"{SITE}/images/icons/priorities/{priority.lower()}.svg",
                "name": priority,
                "id": PRIORITIES[priority],
            },
            "status": jira_status(status),
            "assignee": jira_user(assignee) if assignee else None,
            "reporter": jira_user("Ann Customer", "customer"),
            "created": jira_time(created),
            "updated": jira_time(updated or created),
        },
    }


def jira_created(key: str = "HR-12", *, when: datetime | None = None, **issue) -> dict:
    when = when or at(2, 9)
    return {
        "timestamp": ms(when),
        "webhookEvent": "jira:issue_created",
        "issue_event_type_name": "issue_created",
        "user": jira_user("Ann Customer", "customer"),
        "issue": jira_issue(key, created=when, **issue),
    }


def jira_updated(
    key: str = "HR-12", *, when: datetime, items: list[tuple[str, str | None, str | None]], **issue
) -> dict:
    """`items`: (field, fromString, toString) as Jira's changelog writes them."""
    issue.setdefault("created", at(2, 9))
    return {
        "timestamp": ms(when),
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": jira_user("Alex Agent"),
        "issue": jira_issue(key, updated=when, **issue),
        "changelog": {
            "id": str(ms(when)),
            "items": [
                {
                    "field": field,
                    "fieldtype": "jira",
                    "fieldId": field,
                    "from": None,
                    "fromString": before,
                    "to": None,
                    "toString": after,
                }
                for field, before, after in items
            ],
        },
    }


def jira_comment(
    key: str = "HR-12",
    *,
    when: datetime,
    comment_id: str = "10200",
    author: str = "Alex Agent",
    account_type: str = "atlassian",
    public: bool = True,
) -> dict:
    issue = jira_issue(key)
    issue["fields"] = {
        name: issue["fields"][name]
        for name in ("summary", "status", "priority", "assignee", "issuetype", "project", "reporter")
    }
    user = jira_user(author, account_type)
    return {
        "timestamp": ms(when),
        "webhookEvent": "comment_created",
        "comment": {
            "self": f"{SITE}/rest/api/2/issue/10042/comment/{comment_id}",
            "id": comment_id,
            "author": user,
            "body": "We are looking into it.",
            "updateAuthor": user,
            "created": jira_time(when),
            "updated": jira_time(when),
            "jsdPublic": public,
        },
        "issue": issue,
    }


def jira_headers(body: bytes, *, delivery: str = "delivery-1", secret: str = SECRET) -> dict:
    return {
        "HTTP_X_HUB_SIGNATURE": sign_hub(secret, body),
        "HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER": delivery,
        "HTTP_X_ATLASSIAN_WEBHOOK_FLOW": "Primary",
    }


# --- ServiceNow -------------------------------------------------------------------------------


def sn_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


SN_INCIDENT = {
    "number": "INC0010042",
    "sys_id": "9d385017c611228701d22104cc95c371",
    "state": "1",
    "priority": "2",
    "impact": "2",
    "urgency": "1",
    "opened_at": "2026-11-02 09:00:00",
    "sys_updated_on": "2026-11-02 09:00:00",
    "resolved_at": "",
    "closed_at": "",
    "assigned_to": "",
    "assignment_group": {"display_value": "Payroll support", "value": "8a5055c9c61122780043563ef53438e3"},
    "category": "software",
    "cmdb_ci": {"display_value": "SAP Payroll", "value": "26e494480a0a0bb400ad175538708ad9"},
    "short_description": "Payslips not generated",
    "caller_id": {"display_value": "Ann Customer", "value": "5137153cc611227c000bbd1bd8cd2005"},
    "active": "true",
    "sys_mod_count": "0",
}


def sn_record(*, updated: datetime | None = None, **changes) -> dict:
    record = copy.deepcopy(SN_INCIDENT)
    record.update(changes)
    if updated is not None:
        record["sys_updated_on"] = sn_time(updated)
    return record


def sn_headers(body: bytes, secret: str = SECRET) -> dict:
    return {"HTTP_X_ACCORD_SIGNATURE": sign_hub(secret, body)}


# --- Zendesk ----------------------------------------------------------------------------------


def zd_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zd_detail(*, status: str = "NEW", priority: str | None = "HIGH", assignee: str | None = None, **extra) -> dict:
    detail = {
        "actor_id": "8447388090494",
        "assignee_id": assignee,
        "brand_id": "360000123456",
        "created_at": zd_time(at(2, 9)),
        "custom_status": "123",
        "description": "Payslips were not generated this month.",
        "external_id": None,
        "form_id": "360000111111",
        "group_id": "360000222222",
        "id": "5158",
        "is_public": True,
        "organization_id": "360000333333",
        "priority": priority,
        "requester_id": "8447388090400",
        "status": status,
        "subject": "Payslips not generated",
        "submitter_id": "8447388090400",
        "tags": ["payroll"],
        "type": "INCIDENT",
        "updated_at": zd_time(at(2, 9)),
        "via": {"channel": "web_form"},
    }
    detail.update(extra)
    return detail


def zd_event(kind: str, *, when: datetime, event: dict | None = None, event_id: str = "e-1", **detail) -> dict:
    return {
        "account_id": 22129848,
        "detail": zd_detail(**detail),
        "event": event or {},
        "id": event_id,
        "subject": "zen:ticket:5158",
        "time": zd_time(when).replace("Z", ".123456789Z"),
        "type": f"zen:event-type:ticket.{kind}",
        "zendesk_event_version": "2022-11-06",
    }


def zd_headers(body: bytes, *, signed_at: datetime, secret: str = SECRET) -> dict:
    timestamp = zd_time(signed_at)
    return {
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": sign_zendesk(secret, body, timestamp),
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": timestamp,
        "HTTP_X_ZENDESK_WEBHOOK_ID": "01F1KRFQ6BG29CNWFR60NK5FNY",
    }


def post(api, path: str, body: bytes, headers: dict):
    return api.post(path, data=body, content_type="application/json", **headers)
