"""An overdue detractor follow-up tells the follow-up's owner (the alert's owner) and the service owner."""

from datetime import timedelta

from feedback.models import FollowUp, Response
from sla.models import AlertKind, AlertSeverity
from sla.notifications import alert_recipients
from sla.notifications.recipients import FOLLOW_UP_OWNER, SERVICE_OWNER
from tests import factories as f
from tests.sla.notifications.conftest import NOW, alert_make


def _follow_up(service, owner) -> FollowUp:
    response = Response.objects.create(service=service, nps=2, respondent_email="ann@example.com", submitted_at=NOW)
    return FollowUp.objects.create(response=response, service=service, owner=owner, due_at=NOW + timedelta(days=2))


def test_the_follow_up_owner_and_the_service_owner_are_told(service):
    deputy = f.service_owner(username="dan", email="dan@example.com", first_name="Dan", last_name="Deputy")
    follow_up = _follow_up(service, deputy)
    alert = alert_make(
        kind=AlertKind.FOLLOW_UP_OVERDUE,
        service=service,
        details={"follow_up_id": follow_up.pk},
        key="follow_up:x",
        owner=deputy,
    )

    recipients = alert_recipients(alert)

    assert [(r.email, r.roles, r.name) for r in recipients] == [
        ("dan@example.com", (FOLLOW_UP_OWNER,), "Dan Deputy"),
        ("olivia@example.com", (SERVICE_OWNER,), "Olivia Owen"),
    ]


def test_the_service_owner_owning_the_follow_up_gets_one_e_mail_naming_both_roles(service, people):
    follow_up = _follow_up(service, people["owner"])
    alert = alert_make(
        kind=AlertKind.FOLLOW_UP_OVERDUE,
        severity=AlertSeverity.WARNING,
        service=service,
        details={"follow_up_id": follow_up.pk},
        owner=people["owner"],
    )

    [only] = alert_recipients(alert)

    assert (only.email, only.roles) == ("olivia@example.com", (FOLLOW_UP_OWNER, SERVICE_OWNER))


def test_a_follow_up_deleted_since_leaves_the_service_owner(service):
    alert = alert_make(kind=AlertKind.FOLLOW_UP_OVERDUE, service=service, details={"follow_up_id": 999_999})

    assert [r.email for r in alert_recipients(alert)] == ["olivia@example.com"]
