"""An agreed SLA to test tickets against: a service on office hours (UTC, Mon-Fri 09-17)
with P1 on 24x7, agreed with Finance."""

from datetime import UTC, datetime, timedelta

import pytest

from catalog import services as catalog_services
from catalog.models import UrgencyTarget
from sla.events import TicketEventInput
from sla.services import calendar_create
from tests import factories as f

H = timedelta(hours=1)


def at(day, hour, minute=0):
    """A moment in November 2026: the 2nd is a Monday."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def event(kind, when, external_id="INC-1", key=None, **fields):
    return TicketEventInput(
        source="test",
        external_id=external_id,
        kind=kind,
        occurred_at=when,
        idempotency_key=key or f"{external_id}:{kind}:{when.isoformat()}",
        **fields,
    )


def agree(service, unit, targets, owner, rep):
    agreement = catalog_services.agreement_draft_create(
        service=service,
        business_unit=unit,
        actor=owner,
        scope="Support.",
        effective_from=datetime(2026, 1, 1).date(),
        review_by=datetime(2027, 1, 1).date(),
    )
    for priority, values in targets.items():
        UrgencyTarget.objects.create(agreement=agreement, priority=priority, **values)
    catalog_services.agreement_propose(agreement=agreement, actor=owner)
    catalog_services.agreement_sign(agreement=agreement, actor=owner)
    catalog_services.agreement_sign(agreement=agreement, actor=rep)
    agreement.refresh_from_db()
    return agreement


@pytest.fixture
def sla(db):
    office = calendar_create(name="Office", time_zone="UTC", hours=dict.fromkeys(range(5), "09:00-17:00"))
    always = calendar_create(name="Always", time_zone="UTC", is_24x7=True)
    unit = f.BusinessUnitFactory(name="Finance", slug="finance")
    owner = f.service_owner(username="owner", email="owner@example.com")
    rep = f.representative(unit, username="rep")
    service = f.ServiceFactory(
        name="Payroll", slug="payroll", service_owner=owner, business_units=[unit], support_calendar=office
    )
    agreement = agree(
        service,
        unit,
        {
            1: {"engage_within": 0.5 * H, "update_every": H, "resolve_within": 4 * H, "calendar": always},
            2: {"engage_within": H, "update_every": 2 * H, "resolve_within": 8 * H},
            3: {"engage_within": 4 * H, "resolve_within": 24 * H},
        },
        owner,
        rep,
    )
    return {
        "service": service,
        "unit": unit,
        "owner": owner,
        "rep": rep,
        "office": office,
        "always": always,
        "agreement": agreement,
    }
