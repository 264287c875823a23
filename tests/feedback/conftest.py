from datetime import UTC, datetime, timedelta

import pytest

from feedback.models import Invitation, InvitationKind
from sla.services import calendar_create
from tests import factories as f


def at(day, hour, minute=0):
    """November 2026: the 2nd is a Monday, the 6th a Friday."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def service(db):
    office = calendar_create(name="Office", time_zone="UTC", hours=dict.fromkeys(range(5), "09:00-17:00"))
    owner = f.service_owner(username="owner", email="owner@example.com")
    return f.ServiceFactory(name="Payroll", slug="payroll", service_owner=owner, support_calendar=office)


@pytest.fixture
def invitation(service):
    return Invitation.objects.create(
        kind=InvitationKind.EVENT,
        service=service,
        kinds=["csat", "nps"],
        email="ann@example.com",
        nonce="n0nce",
        send_after=at(2, 9),
        expires_at=at(2, 9) + timedelta(days=14),
    )
