"""The early-warning board: every kind of risk of the user's services, ranked by business impact,
filtered, acknowledged from the page (htmx swaps the row); the same at GET /api/v1/risks/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sla.models import Alert, AlertState
from tests import factories as f
from tests.portal.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    now = timezone.now()
    finance = f.BusinessUnitFactory(name="Finance", slug="finance")
    sales = f.BusinessUnitFactory(name="Sales", slug="sales")
    owner = f.service_owner(username="owner")
    other = f.service_owner(username="other")
    payroll = f.ServiceFactory(
        name="Payroll", slug="payroll", criticality=1, service_owner=owner, business_units=[finance]
    )
    crm = f.ServiceFactory(name="CRM", slug="crm", criticality=4, service_owner=owner, business_units=[sales])
    hidden = f.ServiceFactory(name="Hidden", slug="hidden", service_owner=other)

    def alert(key, service, kind, severity="warning", due=None, state=AlertState.OPEN):
        return Alert.objects.create(
            key=key,
            kind=kind,
            severity=severity,
            state=state,
            subject=f"{service.name}: {key}",
            service=service,
            due_at=None if due is None else now + due,
            opened_at=now - timedelta(hours=1),
        )

    alerts = {
        "crm-breach": alert("crm-breach", crm, "clock_breach", "critical", timedelta(hours=-1)),
        "payroll-measure": alert("payroll-measure", payroll, "measure_at_risk", "warning", timedelta(days=3)),
        "payroll-review": alert("payroll-review", payroll, "agreement_review_due", "info", timedelta(days=20)),
        "payroll-commitment": alert("payroll-commitment", payroll, "commitment_stale", "warning", timedelta(hours=5)),
        "resolved": alert("resolved", payroll, "clock_breach", "critical", state=AlertState.RESOLVED),
        "hidden": alert("hidden", hidden, "clock_breach", "critical"),
    }
    return {"owner": owner, "other": other, "alerts": alerts, "payroll": payroll}


def _subjects(html: str) -> list[str]:
    return [part.split("</a>")[0].split(">")[-1] for part in html.split('<th scope="row"><a href="/alerts/')[1:]]


def test_the_board_ranks_every_kind_by_impact_in_pinned_queries(client, board, django_assert_max_num_queries):
    client.force_login(board["owner"])
    with django_assert_max_num_queries(8):
        html = page_text(client.get("/board/"))
    # Payroll is tier 1 (weight 4), CRM tier 4 (weight 1): the warned Payroll items outrank the
    # breached CRM clock; equal impacts go soonest due first.
    assert _subjects(html) == [
        "Payroll: payroll-commitment",
        "Payroll: payroll-measure",
        "Payroll: payroll-review",
        "CRM: crm-breach",
    ]
    assert "4 items at risk or gone wrong" in html
    assert "Commitments" in html and "Agreement reviews" in html and "Success measures" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("business_unit=sales", ["CRM: crm-breach"]),
        ("service=payroll&kind=measure", ["Payroll: payroll-measure"]),
        ("severity=info", ["Payroll: payroll-review"]),
        ("kind=clock", ["CRM: crm-breach"]),
        (
            "sort=time_left",
            ["CRM: crm-breach", "Payroll: payroll-commitment", "Payroll: payroll-measure", "Payroll: payroll-review"],
        ),
        ("kind=nonsense&service=nobody", None),  # ignored, with the fields' errors
    ],
)
def test_the_board_filters(client, board, query, expected):
    client.force_login(board["owner"])
    response = client.get(f"/board/?{query}")
    assert response.status_code == 200
    subjects = _subjects(page_text(response))
    if expected is None:
        assert len(subjects) == 4
    else:
        assert subjects == expected


def test_an_item_is_acknowledged_from_the_board_and_htmx_gets_its_row(client, board):
    client.force_login(board["owner"])
    alert = board["alerts"]["payroll-measure"]
    response = client.post(f"/board/{alert.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = page_text(response)
    assert html.startswith(f'<tr id="risk-{alert.pk}" class="board__row board__row--acknowledged">')
    assert "Acknowledged by owner" in html
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by) == (AlertState.ACKNOWLEDGED, board["owner"])
    # Without script: back to the board. Someone else's alert: not found.
    other = board["alerts"]["payroll-review"]
    assert client.post(f"/board/{other.pk}/acknowledge/").url == "/board/"
    assert client.post(f"/board/{board['alerts']['hidden'].pk}/acknowledge/").status_code == 404


def test_the_api_serves_the_same_board_scoped_to_the_caller(client, board):
    client.force_login(board["other"])
    body = client.get("/api/v1/risks/").json()
    assert [item["subject"] for item in body["results"]] == ["Hidden: hidden"]
    client.force_login(board["owner"])
    body = client.get("/api/v1/risks/?service=payroll&sort=time_left").json()
    assert [item["subject"] for item in body["results"]] == [
        "Payroll: payroll-commitment",
        "Payroll: payroll-measure",
        "Payroll: payroll-review",
    ]
    first = body["results"][0]
    assert (first["kind"], first["impact"], first["how_far_gone"], first["service"]["slug"]) == (
        "commitment",
        2.4,
        0.6,
        "payroll",
    )
    assert 0 < first["seconds_left"] <= 5 * 3600
    bad = client.get("/api/v1/risks/?kind=weather&service=nobody")
    assert bad.status_code == 400
    assert {e["attr"] for e in bad.json()["errors"]} == {"kind", "service"}
    client.logout()
    assert client.get("/api/v1/risks/").status_code in (401, 403)
