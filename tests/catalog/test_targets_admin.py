"""Urgency targets in the admin go through catalog.services: the agreement's inline, the
targets' own pages, the priority matrix; and saving a calendar or a service's support
calendar makes the open clocks follow."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from catalog import services
from catalog.models import UrgencyTarget
from sla.services import calendar_create
from tests.catalog.helpers import agreed, draft
from tests.factories import BusinessUnitFactory, ServiceFactory, UserFactory, representative

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)
TERMS = {
    "scope": "Business hours support.",
    "exclusions": "",
    "it_responsibilities": "",
    "business_responsibilities": "",
    "effective_from": date(2026, 1, 1),
    "review_by": date(2027, 1, 1),
}


@pytest.fixture
def superuser(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def office():
    return calendar_create(name="Office", time_zone="UTC", hours=dict.fromkeys(range(5), "09:00-17:00"))


@pytest.fixture
def agreement(office):
    unit = BusinessUnitFactory(name="Finance")
    representative(unit)
    service = ServiceFactory(name="Payroll", business_units=[unit], support_calendar=office)
    agreement = draft(service=service, business_unit=unit, **TERMS)
    services.urgency_target_set(agreement=agreement, priority=1, engage_within=H / 4, resolve_within=4 * H)
    return agreement


@pytest.fixture
def recomputed(monkeypatch):
    calls = []
    monkeypatch.setattr("sla.tasks.checks.tickets_recompute", lambda **kwargs: calls.append(kwargs) or 0)
    return calls


def _post(agreement, *rows, **terms) -> dict:
    """The change form as the browser sends it: the stored targets first, then new rows."""
    stored = list(agreement.urgency_targets.order_by("priority"))
    data = {
        **TERMS,
        **terms,
        "urgency_targets-TOTAL_FORMS": str(len(rows)),
        "urgency_targets-INITIAL_FORMS": str(len(stored)),
        "urgency_targets-MIN_NUM_FORMS": "0",
        "urgency_targets-MAX_NUM_FORMS": "1000",
        # The success measures' inline, left as it is.
        "measures-TOTAL_FORMS": "0",
        "measures-INITIAL_FORMS": "0",
    }
    for index, row in enumerate(rows):
        if index < len(stored):
            row = {"id": stored[index].pk, "agreement": agreement.pk, **row}
        data.update({f"urgency_targets-{index}-{name}": value for name, value in row.items()})
    return data


P1 = {
    "priority": "1",
    "engage_within": "15 min",
    "resolve_within": "4h",
    "objective_percent": "95",
    "warning_shares": "50, 75",
}
P2 = {**P1, "priority": "2", "engage_within": "30 min", "resolve_within": "8h", "update_every": "2h"}


def test_the_inline_adds_and_changes_targets_through_the_services(client, superuser, agreement):
    url = reverse("admin:catalog_agreement_change", args=[agreement.pk])
    page = client.get(url).content.decode()
    assert 'value="15 min"' in page and 'value="4h"' in page  # durations shown as people write them

    response = client.post(url, _post(agreement, {**P1, "objective_percent": "99"}, P2))
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    targets = {t.priority: t for t in agreement.urgency_targets.all()}
    assert targets[1].objective_percent == 99
    assert (targets[2].engage_within, targets[2].update_every, targets[2].warning_shares) == (H / 2, 2 * H, [50, 75])
    assert targets[2].history.count() == 1


def test_the_inline_shows_the_services_messages_beside_the_fields_and_writes_nothing(client, superuser, agreement):
    url = reverse("admin:catalog_agreement_change", args=[agreement.pk])
    bad = {**P2, "engage_within": "9h", "warning_shares": "75, 50"}
    response = client.post(url, _post(agreement, P1, bad, scope="Changed."))
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors[1]
    assert errors == {
        "engage_within": ["P2: The time to engage (9h) cannot be longer than the time to resolve (8h)."],
        "warning_shares": ["P2: List the warnings in increasing order, each once, e.g. 50, 75."],
    }
    agreement.refresh_from_db()
    assert agreement.scope == TERMS["scope"]
    assert list(agreement.urgency_targets.values_list("priority", flat=True)) == [1]


def test_a_duration_without_a_unit_is_a_form_error(client, superuser, agreement):
    url = reverse("admin:catalog_agreement_change", args=[agreement.pk])
    response = client.post(url, _post(agreement, {**P1, "resolve_within": "4"}))
    assert response.context["inline_admin_formsets"][0].formset.errors[0] == {
        "resolve_within": ["Say the unit: 4 min, 4h or 4 days?"]
    }


def test_deleting_a_row_removes_the_target(client, superuser, agreement):
    url = reverse("admin:catalog_agreement_change", args=[agreement.pk])
    response = client.post(url, _post(agreement, {**P1, "DELETE": "on"}))
    assert response.status_code == 302
    assert not agreement.urgency_targets.exists()


def test_the_priority_matrix_is_edited_on_a_draft_and_read_only_once_proposed(client, superuser, agreement):
    url = reverse("admin:catalog_agreement_change", args=[agreement.pk])
    response = client.post(url, _post(agreement, P1, priority_matrix="[[1, 1, 2], [2, 3, 4], [3, 4, 5]]"))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.priority_matrix == [[1, 1, 2], [2, 3, 4], [3, 4, 5]]

    response = client.post(url, _post(agreement, P1, priority_matrix="[[1, 9, 2]]"))
    assert "priority_matrix" in response.context["adminform"].form.errors

    services.agreement_propose(agreement=agreement, actor=agreement.service.service_owner)
    page = client.get(url).content.decode()
    assert 'name="priority_matrix"' not in page and "urgency_targets-0-engage_within" not in page


def test_the_targets_own_pages_write_through_the_services(client, superuser, agreement, office):
    add = client.post(
        reverse("admin:catalog_urgencytarget_add"),
        {"agreement": agreement.pk, **P2, "calendar": office.pk},
    )
    assert add.status_code == 302
    target = agreement.urgency_targets.get(priority=2)
    assert (target.calendar, target.resolve_within) == (office, 8 * H)

    change = client.post(
        reverse("admin:catalog_urgencytarget_change", args=[target.pk]), {**P2, "resolve_within": "2 days"}
    )
    assert change.status_code == 302
    target.refresh_from_db()
    assert (target.priority, target.resolve_within, target.calendar) == (2, timedelta(days=2), None)

    twice = client.post(reverse("admin:catalog_urgencytarget_add"), {"agreement": agreement.pk, **P2})
    assert twice.status_code == 200  # one target per priority

    delete = client.post(reverse("admin:catalog_urgencytarget_delete", args=[target.pk]), {"post": "yes"})
    assert delete.status_code == 302
    assert not UrgencyTarget.objects.filter(pk=target.pk).exists()


def test_saving_a_calendars_hours_or_closures_recomputes_its_open_clocks(
    client, superuser, office, recomputed, django_capture_on_commit_callbacks
):
    url = reverse("admin:sla_calendar_change", args=[office.pk])
    intervals = list(office.working_intervals.order_by("weekday"))
    data = {
        "name": "Office",
        "slug": office.slug,
        "description": "",
        "time_zone": "UTC",
        "holiday_country": "",
        "holiday_subdivision": "",
        "working_intervals-TOTAL_FORMS": str(len(intervals)),
        "working_intervals-INITIAL_FORMS": str(len(intervals)),
        "working_intervals-MIN_NUM_FORMS": "0",
        "working_intervals-MAX_NUM_FORMS": "1000",
        "closures-TOTAL_FORMS": "1",
        "closures-INITIAL_FORMS": "0",
        "closures-MIN_NUM_FORMS": "0",
        "closures-MAX_NUM_FORMS": "1000",
    }
    for index, interval in enumerate(intervals):
        data.update(
            {
                f"working_intervals-{index}-id": interval.pk,
                f"working_intervals-{index}-calendar": office.pk,
                f"working_intervals-{index}-weekday": interval.weekday,
                f"working_intervals-{index}-start": "09:00",
                f"working_intervals-{index}-end": "17:00",
            }
        )
    with django_capture_on_commit_callbacks(execute=True):
        unchanged = client.post(url, data)
    assert unchanged.status_code == 302, unchanged.context["errors"] if unchanged.context else unchanged
    assert recomputed == []
    with django_capture_on_commit_callbacks(execute=True):
        closed = client.post(url, {**data, "closures-0-date": "2026-12-24", "closures-0-name": "Christmas Eve"})
    assert closed.status_code == 302
    assert office.closures.get().name == "Christmas Eve"
    assert recomputed == [{"service_ids": None, "calendar_ids": [office.pk], "open_only": True}]


def test_a_new_support_calendar_in_the_service_admin_recomputes_its_open_clocks(
    client, superuser, recomputed, django_capture_on_commit_callbacks
):
    service = agreed(service=ServiceFactory(), business_unit=None).service
    always = calendar_create(name="Always", time_zone="UTC", is_24x7=True)
    url = reverse("admin:catalog_service_change", args=[service.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(
        {
            "business_units": [unit.pk for unit in data.get("business_units", [])],
            "support_calendar": always.pk,
            "annual_cost": "12000",
        }
    )
    for prefix in ("dependency_links", "agreements"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data["agreements-TOTAL_FORMS"] = data["agreements-INITIAL_FORMS"] = str(service.agreements.count())
    for index, agreement in enumerate(service.agreements.all()):
        data[f"agreements-{index}-id"] = agreement.pk
        data[f"agreements-{index}-service"] = service.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    service.refresh_from_db()
    assert service.support_calendar == always
    assert recomputed == [{"service_ids": [service.pk], "calendar_ids": None, "open_only": True}]
