"""Success measures in the admin go through catalog.services: the agreement's inline adds,
changes and removes them on a draft, shows the services' messages beside the fields, and is
read-only once the version is proposed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog import services
from tests.catalog.helpers import draft
from tests.factories import BusinessUnitFactory, ServiceFactory, UserFactory, representative

pytestmark = pytest.mark.django_db

TERMS = {
    "scope": "Business hours support.",
    "exclusions": "",
    "it_responsibilities": "",
    "business_responsibilities": "",
    "effective_from": date(2026, 1, 1),
    "review_by": date(2027, 1, 1),
}
PAYSLIPS = {
    "key": "payslips-on-time",
    "name": "Payslips on time",
    "description": "Why it matters to the business.",
    "factor": "results",
    "source": "manual",
    "aggregation": "percent",
    "condition": "lte",
    "condition_value": "0",
    "target": "95",
    "period": "month",
    "min_points": "3",
}
ENGAGE = {
    "key": "time-to-engage",
    "name": "Time to engage",
    "description": "Why it matters to the business.",
    "factor": "engagement",
    "source": "tickets",
    "ticket_metric": "engage_time",
    "ticket_priority": "1",
    "target": "0.5",
    "period": "month",
    "min_points": "5",
}


@pytest.fixture
def superuser(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def agreement():
    unit = BusinessUnitFactory(name="Finance")
    representative(unit)
    service = ServiceFactory(name="Payroll", business_units=[unit])
    agreement = draft(service=service, business_unit=unit, **TERMS)
    services.measure_set(
        agreement=agreement,
        key="payslips-on-time",
        name="Payslips on time",
        description="People pay their rent on pay day.",
        factor="results",
        aggregation="percent",
        condition="lte",
        condition_value=0,
        target=90,
    )
    return agreement


def _post(agreement, *rows) -> dict:
    """The change form as the browser sends it: the stored measures first, then new rows."""
    stored = list(agreement.measures.order_by("position"))
    data = {
        **TERMS,
        "urgency_targets-TOTAL_FORMS": "0",
        "urgency_targets-INITIAL_FORMS": "0",
        "measures-TOTAL_FORMS": str(len(rows)),
        "measures-INITIAL_FORMS": str(len(stored)),
        "measures-MIN_NUM_FORMS": "0",
        "measures-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        if index < len(stored):
            row = {"id": stored[index].pk, "agreement": agreement.pk, **row}
        data.update({f"measures-{index}-{name}": value for name, value in row.items()})
    return data


def _url(agreement) -> str:
    return reverse("admin:catalog_agreement_change", args=[agreement.pk])


def test_the_inline_adds_and_changes_measures_through_the_services(client, superuser, agreement):
    page = client.get(_url(agreement)).content.decode()
    assert "success measures" in page.lower() and 'value="payslips-on-time"' in page
    assert "the lowest that makes sense" in page  # the help in business language

    response = client.post(_url(agreement), _post(agreement, {**PAYSLIPS, "target": "97.5"}, ENGAGE))
    assert response.status_code == 302, response.context["inline_admin_formsets"][1].formset.errors
    measures = {m.key: m for m in agreement.measures.all()}
    assert measures["payslips-on-time"].target == Decimal("97.5")
    engage = measures["time-to-engage"]
    # Left "as the source implies": the ticket metric's aggregation, unit and direction.
    assert (engage.aggregation, engage.unit, engage.direction, engage.ticket_priority) == ("mean", "hours", "lower", 1)
    assert engage.history.count() == 1


def test_the_inline_shows_the_services_messages_beside_the_fields_and_writes_nothing(client, superuser, agreement):
    bad_engage = {**ENGAGE, "direction": "higher", "warning_level": "1"}
    bad_owner = {**ENGAGE, "key": "owner", "ticket_metric": "owner_within", "target": "90"}
    response = client.post(_url(agreement), _post(agreement, {**PAYSLIPS, "condition": ""}, bad_engage, bad_owner))
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][1].formset.errors
    assert errors[0] == {"condition": ["A percentage measure says which data points count: choose a comparison."]}
    assert errors[1] == {
        "direction": [
            "For mean business time to engage (hours), the direction is “lower”: leave it empty or give that."
        ],
        "warning_level": [
            "Lower is better, so the warning level must be at or below the target (0.5): "
            "the measure is at risk before it is missed."
        ],
    }
    assert errors[2] == {"ticket_within": ["Say within how long a ticket must have an owner, e.g. 30 minutes."]}
    assert list(agreement.measures.values_list("key", "target")) == [("payslips-on-time", Decimal(90))]


def test_a_time_allowed_is_typed_as_people_say_it(client, superuser, agreement):
    owner = {**ENGAGE, "key": "owner", "ticket_metric": "owner_within", "target": "90", "ticket_within": "30 min"}
    response = client.post(_url(agreement), _post(agreement, PAYSLIPS, owner))
    assert response.status_code == 302
    assert agreement.measures.get(key="owner").ticket_within == timedelta(minutes=30)


def test_deleting_a_row_removes_the_measure(client, superuser, agreement):
    response = client.post(_url(agreement), _post(agreement, {**PAYSLIPS, "DELETE": "on"}))
    assert response.status_code == 302
    assert not agreement.measures.exists()


def test_measures_are_read_only_once_proposed(client, superuser, agreement):
    services.agreement_propose(agreement=agreement, actor=agreement.service.service_owner)
    page = client.get(_url(agreement)).content.decode()
    assert "Payslips on time" in page
    assert 'name="measures-0-target"' not in page
