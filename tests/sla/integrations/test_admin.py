"""The integrations admin: the secret never shows in the list, the guide and the webhook address
show on the form, and bad mappings come back as form errors with nothing saved."""

import json

import pytest
from django.urls import reverse

from sla.models import Integration
from tests.factories import ServiceFactory, UserFactory
from tests.sla.integrations.conftest import SECRET


@pytest.fixture
def superuser(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def form_data(**changes):
    data = {
        "name": "Service desk",
        "slug": "jira",
        "kind": "jira",
        "active": "on",
        "secret": SECRET,
        "default_service": "",
        "default_business_unit": "",
        "routing": "[]",
        "priorities": "{}",
        "default_priority": "3",
        "states": "{}",
    }
    data.update(changes)
    return data


def test_the_list_masks_the_secret(superuser, jira):
    response = superuser.get(reverse("admin:sla_integration_changelist"))
    assert response.status_code == 200
    assert SECRET not in response.content.decode() and "(set)" in response.content.decode()


def test_the_form_shows_the_address_the_guide_and_an_example(superuser, jira, settings):
    settings.SITE_URL = "https://accord.example.org"
    response = superuser.get(reverse("admin:sla_integration_change", args=[jira.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "https://accord.example.org/api/v1/integrations/jira/jira/" in page
    assert "Waiting for customer" in page and "component" in page and "remote-access" in page


def test_a_new_integration_is_saved_with_mappings(superuser):
    service = ServiceFactory(slug="payroll")
    routing = [{"field": "project", "value": "HR", "service": "payroll"}]
    data = form_data(default_service=str(service.pk), routing=json.dumps(routing), priorities='{"P1": 1}')
    response = superuser.post(reverse("admin:sla_integration_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    integration = Integration.objects.get()
    assert (integration.routing, integration.priorities, integration.default_service) == (
        routing,
        {"P1": 1},
        service,
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"priorities": '{"Highest": 7}'}, "whole number from 1 to 5"),
        ({"priorities": "{not json"}, "Enter a valid JSON"),
        ({"routing": '[{"field": "project", "value": "HR", "service": "nope"}]'}, "no service with the slug"),
        ({"states": '{"Blocked": "stuck"}'}, "is not one of open, responded"),
        ({"kind": "zendesk", "secret": ""}, "signed with a secret"),
    ],
)
def test_bad_mappings_are_form_errors_and_nothing_is_saved(superuser, changes, message):
    response = superuser.post(reverse("admin:sla_integration_add"), form_data(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Integration.objects.exists()
