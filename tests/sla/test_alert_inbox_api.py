"""GET /api/v1/alerts/ for the people an alert is for: its owner sees and acknowledges it,
`?mine=1` keeps the alerts for you to act on, and a page costs the same queries however many
alerts it holds."""

import pytest
from rest_framework.test import APIClient

from sla.models import Alert, AlertKind, AlertSeverity
from sla.services.alerts import AlertDraft, alerts_raise
from tests import factories as f
from tests.sla.conftest import at

NOW = at(2, 9)


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    ids = []
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", ids.extend)
    return ids


@pytest.fixture
def api():
    return APIClient()


def raise_alerts(service, count, *, owner=None, kind=AlertKind.COMMITMENT_STALE, prefix="a") -> list[int]:
    drafts = [
        AlertDraft(
            key=f"{prefix}:{service.pk}:{n}",
            kind=kind,
            severity=AlertSeverity.WARNING,
            subject=f"{service.name}: alert {n}",
            body="",
            service_id=service.pk,
            ticket_id=None,
            clock_id=None,
            due_at=None,
            details={},
            owner_id=owner.pk if owner else None,
        )
        for n in range(count)
    ]
    return alerts_raise(drafts, now=NOW)


@pytest.fixture
def world(db):
    olive = f.service_owner(username="olive")
    cora = f.UserFactory(username="cora")
    payroll = f.ServiceFactory(name="Payroll", slug="payroll", service_owner=olive)
    laptops = f.ServiceFactory(name="Laptops", slug="laptops")
    return {
        "olive": olive,
        "cora": cora,
        "payroll": payroll,
        "laptops": laptops,
        "cora's on laptops": raise_alerts(laptops, 2, owner=cora, prefix="cora"),
        "payroll's": raise_alerts(payroll, 3, prefix="payroll"),
        "laptops'": raise_alerts(laptops, 2, prefix="laptops"),
    }


def ids(api, user, query=""):
    api.force_authenticate(user)
    response = api.get(f"/api/v1/alerts/{query}")
    assert response.status_code == 200, response.content
    return sorted(a["id"] for a in response.json()["results"])


def test_an_alert_s_owner_sees_and_acknowledges_it_on_a_service_they_do_not_own(api, world):
    cora = world["cora"]
    assert ids(api, cora) == sorted(world["cora's on laptops"])
    alert_id = world["cora's on laptops"][0]

    api.force_authenticate(cora)
    body = api.get(f"/api/v1/alerts/{alert_id}/").json()
    assert body["owner"] == "cora"
    response = api.post(f"/api/v1/alerts/{alert_id}/acknowledge/")

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["acknowledged_by"]) == ("acknowledged", "cora")
    not_hers = world["laptops'"][0]
    assert api.get(f"/api/v1/alerts/{not_hers}/").status_code == 404


def test_the_business_owner_may_see_but_not_acknowledge(api, world):
    business_owner = world["payroll"].business_owner
    alert_id = world["payroll's"][0]
    assert ids(api, business_owner) == sorted(world["payroll's"])

    response = api.post(f"/api/v1/alerts/{alert_id}/acknowledge/")

    assert response.status_code == 403
    assert "the person the alert is for" in response.json()["errors"][0]["detail"]


def test_mine_keeps_the_alerts_for_you_to_act_on(api, world):
    olive, cora = world["olive"], world["cora"]
    raise_alerts(world["payroll"], 1, owner=cora, prefix="cora-payroll")
    cora_on_payroll = Alert.objects.get(key__startswith="cora-payroll").pk
    admin = f.admin_user(username="ada")
    raise_alerts(world["laptops"], 1, owner=admin, prefix="ada")
    ada_on_laptops = Alert.objects.get(key__startswith="ada").pk

    # Olive owns Payroll: all its alerts, whoever carries them; none of Laptops'.
    assert ids(api, olive, "?mine=1") == sorted([*world["payroll's"], cora_on_payroll])
    # Cora owns no service: the ones she carries, on either service.
    assert ids(api, cora, "?mine=true") == sorted([*world["cora's on laptops"], cora_on_payroll])
    # An admin sees everything; theirs are the ones they carry.
    assert len(ids(api, admin)) == Alert.objects.count()
    assert ids(api, admin, "?mine=1") == [ada_on_laptops]
    # The business owner sees Payroll's but has none to act on.
    assert ids(api, world["payroll"].business_owner, "?mine=1") == []
    assert ids(api, olive, "?mine=false") == ids(api, olive)


@pytest.mark.parametrize("query", ["", "?mine=1", "?mine=1&kind=commitment_stale&state=open&service=laptops"])
def test_the_list_takes_the_same_few_queries_for_2_or_40_alerts(api, world, query, django_assert_max_num_queries):
    cora = world["cora"]
    api.force_authenticate(cora)
    with django_assert_max_num_queries(3):  # the user's groups; the count; the page with its relations
        assert len(api.get(f"/api/v1/alerts/{query}").json()["results"]) == 2

    raise_alerts(world["payroll"], 38, owner=cora, prefix="more")
    with django_assert_max_num_queries(3):
        response = api.get(f"/api/v1/alerts/{query}")
    assert response.json()["count"] == (2 if "laptops" in query else 40)


def test_an_admin_s_list_takes_as_few_queries(api, world, django_assert_max_num_queries):
    api.force_authenticate(f.admin_user(username="ada"))
    raise_alerts(world["payroll"], 30, owner=world["cora"], prefix="more")
    with django_assert_max_num_queries(3):
        response = api.get("/api/v1/alerts/?page_size=100")
    assert response.json()["count"] == Alert.objects.count()
