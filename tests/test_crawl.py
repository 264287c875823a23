"""Crawl the portal as each kind of person, on the demo organisation: every link a page
offers (anchors, htmx fragments, stylesheets and scripts, GET forms) answers without a
server error, and a link the page itself offered is neither missing (404), refused (403)
nor the wrong method (405). Each URL pattern is visited a bounded number of times per
person, so the crawl stays fast. The superuser also opens every admin changelist, add page
and one change and history page per model. See tests/demo_site.py."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from tests.demo_site import ROLES, client_as, crawl, seeds
from tests.demo_site import demo_organisation as demo_organisation  # the fixture

pytestmark = pytest.mark.django_db

EVERYONE_REACHES = {"portal:home", "portal:category", "portal:service", "portal:agreements", "portal:agreement"}
SIGNED_IN_REACH = {
    "portal:commitments",
    "portal:commitment",
    "portal:board",
    "portal:alerts",
    "portal:alert_badge",
    "portal:service_sla",
    "portal:service_scorecard",
    "portal:agreement_maturity",
}
MANAGERS_REACH = {
    "portal:service_edit",
    "portal:agreement_create",
    "portal:agreement_edit",
    "portal:agreement_targets",
    "portal:agreement_measures",
    "portal:commitment_create",
    "portal:service_measurements",
    "portal:measurements_template",
    "portal:ticket",
}


@pytest.fixture(autouse=True)
def _quiet_notifications(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_link_on_every_page_works(demo_organisation, role):
    username = ROLES[role]
    result = crawl(client_as(username), role, start=["/", *seeds(username)])
    assert not result.problems, "\n".join(result.problems)
    # The crawl reached what it is meant to cover: a link lost from a page fails here.
    reached = set(result.visits)
    assert reached >= EVERYONE_REACHES, EVERYONE_REACHES - reached
    if username:
        assert reached >= SIGNED_IN_REACH, SIGNED_IN_REACH - reached
    if role in ("service owner", "admin", "superuser"):
        assert reached >= MANAGERS_REACH, MANAGERS_REACH - reached


def test_every_admin_page_opens_for_a_superuser(demo_organisation):
    client = client_as(ROLES["superuser"])
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username=ROLES["superuser"])
    problems = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label == "feedback":
            continue
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls = [reverse(f"{name}_changelist"), reverse(f"{name}_changelist") + "?q=a"]
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"{name}_add"))
        latest = model._default_manager.order_by("-pk").first()
        if latest is not None:
            urls += [reverse(f"{name}_change", args=[latest.pk]), reverse(f"{name}_history", args=[latest.pk])]
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                problems.append(f"GET {url} answered {response.status_code}")
    assert not problems, "\n".join(problems)
