"""A business unit's members see their units' risks (issue 11 §1) and act on none of them: the
clocks of their units' tickets; the measures, agreement reviews, watermelons and commitments of
the services their units use. Never another unit's ticket, a detractor's follow-up, or a service
only another unit uses. The list (sla.alert_selectors.alert_list) and the rule (`sla.view_alert`) agree."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from sla.alert_selectors import alert_list
from sla.models import Alert, AlertKind, Ticket
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    now = timezone.now()
    finance = f.BusinessUnitFactory(name="Finance", slug="finance")
    hr = f.BusinessUnitFactory(name="HR", slug="hr")
    owner = f.service_owner(username="owner")
    payroll = f.ServiceFactory(name="Payroll", slug="payroll", service_owner=owner, business_units=[finance, hr])
    rota = f.ServiceFactory(name="Rota", slug="rota", service_owner=owner, business_units=[hr])
    member = f.MembershipFactory(business_unit=finance, user=f.business_user(username="fay")).user
    hr_member = f.MembershipFactory(business_unit=hr, user=f.business_user(username="hal")).user

    def ticket(unit, external_id):
        return Ticket.objects.create(
            source="test", external_id=external_id, service=payroll, business_unit=unit, priority=2, opened_at=now
        )

    def alert(key, kind, service, ticket=None):
        return Alert.objects.create(key=key, kind=kind, subject=key, service=service, ticket=ticket, opened_at=now)

    alerts = {
        "finance clock": alert("finance clock", AlertKind.CLOCK_WARNING, payroll, ticket(finance, "F-1")),
        "finance breach": alert("finance breach", AlertKind.CLOCK_BREACH, payroll, ticket(finance, "F-2")),
        "hr clock": alert("hr clock", AlertKind.CLOCK_BREACH, payroll, ticket(hr, "H-1")),  # a service both use
        "payroll measure": alert("payroll measure", AlertKind.MEASURE_AT_RISK, payroll),
        "payroll missed": alert("payroll missed", AlertKind.MEASURE_MISSED, payroll),
        "payroll review": alert("payroll review", AlertKind.AGREEMENT_REVIEW_DUE, payroll),
        "payroll watermelon": alert("payroll watermelon", AlertKind.WATERMELON, payroll),
        "payroll commitment": alert("payroll commitment", AlertKind.COMMITMENT_AT_RISK, payroll),
        "payroll follow-up": alert("payroll follow-up", AlertKind.FOLLOW_UP_OVERDUE, payroll),
        "rota measure": alert("rota measure", AlertKind.MEASURE_AT_RISK, rota),  # only HR uses Rota
        "rota clock": alert("rota clock", AlertKind.CLOCK_WARNING, rota),  # a clock with no ticket
    }
    return {"member": member, "hr_member": hr_member, "alerts": alerts, "owner": owner}


FINANCE_SEES = {
    "finance clock",
    "finance breach",
    "payroll measure",
    "payroll missed",
    "payroll review",
    "payroll watermelon",
    "payroll commitment",
}


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)  # no rule's cache carried over


def test_a_member_sees_their_unit_s_risks_and_no_other_unit_s(units, django_assert_max_num_queries):
    member = _fresh(units["member"])
    with django_assert_max_num_queries(2):  # the user's groups, then the alerts
        listed = {a.subject for a in alert_list(user=member)}
    assert listed == FINANCE_SEES
    hr_sees = (FINANCE_SEES - {"finance clock", "finance breach"}) | {"hr clock", "rota measure"}
    assert {a.subject for a in alert_list(user=_fresh(units["hr_member"]))} == hr_sees


def test_the_list_and_the_rule_agree_and_no_member_may_acknowledge(units):
    for user in (units["member"], units["hr_member"], f.business_user(username="nobody")):
        listed = set(alert_list(user=_fresh(user)).values_list("pk", flat=True))
        for alert in Alert.objects.select_related("service", "ticket"):
            user = _fresh(user)
            assert user.has_perm("sla.view_alert", alert) == (alert.pk in listed), (user, alert.subject)
            assert not user.has_perm("sla.acknowledge_alert", alert), (user, alert.subject)


def test_the_api_shows_a_member_their_unit_s_alerts_and_refuses_their_acknowledgement(units):
    api = APIClient()
    api.force_authenticate(units["member"])
    listed = {a["subject"] for a in api.get("/api/v1/alerts/?page_size=100").json()["results"]}
    assert listed == FINANCE_SEES
    for subject, alert in units["alerts"].items():
        if subject in FINANCE_SEES:
            assert api.get(f"/api/v1/alerts/{alert.pk}/").status_code == 200, subject
            assert api.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 403, subject
        else:
            assert api.get(f"/api/v1/alerts/{alert.pk}/").status_code == 404, subject
            assert api.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 404, subject
    assert not Alert.objects.exclude(state="open").exists()
    risks = {r["subject"] for r in api.get("/api/v1/risks/?page_size=100").json()["results"]}
    assert risks == FINANCE_SEES


def test_the_board_shows_a_member_their_unit_s_risks_with_no_acknowledge_button(client, units):
    client.force_login(units["member"])
    response = client.get("/board/")
    assert response.status_code == 200
    html = " ".join(response.content.decode().split())
    shown = {part.split("</a>")[0].split(">")[-1] for part in html.split('<th scope="row"><a href="/alerts/')[1:]}
    assert shown == FINANCE_SEES
    assert "/acknowledge/" not in html  # no acknowledge form on any row
    finance_clock = units["alerts"]["finance clock"]
    assert client.post(f"/board/{finance_clock.pk}/acknowledge/").status_code == 403
    assert client.get(f"/alerts/{finance_clock.pk}/").status_code == 200
    assert client.get(f"/alerts/{units['alerts']['hr clock'].pk}/").status_code == 404
    finance_clock.refresh_from_db()
    assert finance_clock.state == "open"
