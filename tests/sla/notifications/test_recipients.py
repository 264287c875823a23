"""Who is told about an alert: by kind and severity, each address once, only people who can read it."""

import pytest

from sla.models import Alert, AlertKind, AlertSeverity
from sla.notifications import Recipient, alert_recipients, recipient_roles
from sla.notifications.recipients import (
    ASSIGNEE,
    BUSINESS_OWNER,
    COMMITMENT_OWNER,
    FOLLOW_UP_OWNER,
    SERVICE_OWNER,
    recipients_merge,
)
from tests import factories as f
from tests.sla.notifications.conftest import NOW, alert_make, ticket_make


def by_email(recipients):
    return {r.email: r.roles for r in recipients}


@pytest.mark.parametrize(
    ("kind", "severity", "roles"),
    [
        (AlertKind.CLOCK_WARNING, AlertSeverity.INFO, (ASSIGNEE, SERVICE_OWNER)),
        (AlertKind.CLOCK_WARNING, AlertSeverity.CRITICAL, (ASSIGNEE, SERVICE_OWNER)),
        (AlertKind.CLOCK_BREACH, AlertSeverity.CRITICAL, (ASSIGNEE, SERVICE_OWNER, BUSINESS_OWNER)),
        (AlertKind.CLOCK_BREACH, AlertSeverity.WARNING, (ASSIGNEE, SERVICE_OWNER, BUSINESS_OWNER)),
        ("measure_at_risk", AlertSeverity.WARNING, (SERVICE_OWNER,)),
        ("agreement_review_due", AlertSeverity.INFO, (SERVICE_OWNER,)),
        ("follow_up_overdue", AlertSeverity.WARNING, (FOLLOW_UP_OWNER, SERVICE_OWNER)),
        ("follow_up_overdue", AlertSeverity.CRITICAL, (FOLLOW_UP_OWNER, SERVICE_OWNER, BUSINESS_OWNER)),
        (AlertKind.COMMITMENT_STALE, AlertSeverity.WARNING, (COMMITMENT_OWNER, SERVICE_OWNER)),
        (AlertKind.COMMITMENT_MISSED, AlertSeverity.CRITICAL, (COMMITMENT_OWNER, SERVICE_OWNER, BUSINESS_OWNER)),
    ],
)
def test_roles_follow_kind_and_severity(kind, severity, roles):
    assert recipient_roles(kind, severity) == roles


def test_warning_tells_the_assignee_and_the_service_owner(service):
    alert = alert_make(ticket=ticket_make(service))

    assert by_email(alert_recipients(alert)) == {
        "alex@example.com": (ASSIGNEE,),
        "olivia@example.com": (SERVICE_OWNER,),
    }


def test_breach_tells_the_business_owner_too(service):
    alert = alert_make(kind=AlertKind.CLOCK_BREACH, severity=AlertSeverity.CRITICAL, ticket=ticket_make(service))

    recipients = alert_recipients(alert)

    assert by_email(recipients) == {
        "alex@example.com": (ASSIGNEE,),
        "olivia@example.com": (SERVICE_OWNER,),
        "bea@example.com": (BUSINESS_OWNER,),
    }
    assert [r.name for r in recipients] == ["Alex Agent", "Olivia Owen", "Bea Baker"]


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        (AlertSeverity.INFO, {"olivia@example.com"}),
        (AlertSeverity.WARNING, {"olivia@example.com"}),
        (AlertSeverity.CRITICAL, {"olivia@example.com", "bea@example.com"}),
    ],
)
def test_other_kinds_tell_the_service_owner_and_the_business_owner_when_critical(service, severity, expected):
    alert = alert_make(kind="measure_at_risk", severity=severity, service=service, ticket=ticket_make(service))

    assert set(by_email(alert_recipients(alert))) == expected


def test_assignee_known_only_by_username_is_the_alert_s_owner(service, people):
    ticket = ticket_make(service, assignee="alex", assignee_email="")

    [assignee, _owner] = alert_recipients(alert_make(ticket=ticket, owner=people["assignee"]))

    assert assignee == Recipient(email="alex@example.com", name="Alex Agent", roles=(ASSIGNEE,))


def test_assignee_e_mail_from_the_ticket_tool_wins_and_is_used_even_without_an_accord_account(service):
    ticket = ticket_make(service, assignee="Sam Contractor", assignee_email="Sam.Contractor@vendor.example")

    [assignee, _owner] = alert_recipients(alert_make(ticket=ticket))

    assert assignee == Recipient(email="Sam.Contractor@vendor.example", name="Sam Contractor", roles=(ASSIGNEE,))


def test_assignee_e_mail_of_the_alert_s_owner_keeps_the_ticket_s_spelling_and_the_user_s_name(service, people):
    ticket = ticket_make(service, assignee="agent-42", assignee_email="ALEX@example.com")

    [assignee, _owner] = alert_recipients(alert_make(ticket=ticket, owner=people["assignee"]))

    assert (assignee.email, assignee.name) == ("ALEX@example.com", "Alex Agent")


def test_the_alert_s_owner_is_told_even_if_the_ticket_was_reassigned_since(service, people):
    ticket = ticket_make(service, assignee="Sam Contractor", assignee_email="sam@vendor.example")

    [assignee, _owner] = alert_recipients(alert_make(ticket=ticket, owner=people["assignee"]))

    assert assignee == Recipient(email="alex@example.com", name="Alex Agent", roles=(ASSIGNEE,))


def test_an_assignee_e_mail_is_not_looked_up_among_users_when_the_alert_has_no_owner(service, people):
    """Whoever may see the alert is decided when it is raised (its owner); an Accord user named
    only by the ticket, not the alert, is not e-mailed about an alert they cannot open."""
    ticket = ticket_make(service, assignee="alex", assignee_email="")

    assert by_email(alert_recipients(alert_make(ticket=ticket))) == {"olivia@example.com": (SERVICE_OWNER,)}


def test_unassigned_ticket_tells_the_owner_only(service):
    alert = alert_make(ticket=ticket_make(service, assignee="", assignee_email=""))

    assert by_email(alert_recipients(alert)) == {"olivia@example.com": (SERVICE_OWNER,)}


def test_assignee_name_matching_no_user_and_no_e_mail_is_skipped(service):
    alert = alert_make(ticket=ticket_make(service, assignee="Somebody Else", assignee_email=""))

    assert set(by_email(alert_recipients(alert))) == {"olivia@example.com"}


def test_one_person_in_several_roles_gets_one_e_mail_naming_every_role(people):
    owner = people["owner"]
    service = f.ServiceFactory(service_owner=owner, business_owner=owner)
    ticket = ticket_make(service, assignee="olivia", assignee_email="Olivia@Example.com")
    alert = alert_make(kind=AlertKind.CLOCK_BREACH, severity=AlertSeverity.CRITICAL, ticket=ticket)

    [only] = alert_recipients(alert)

    assert only.email == "Olivia@Example.com"
    assert only.roles == (ASSIGNEE, SERVICE_OWNER, BUSINESS_OWNER)


def test_inactive_people_and_people_without_e_mail_are_skipped(service, people):
    people["owner"].is_active = False
    people["owner"].save(update_fields=["is_active"])
    people["business"].email = ""
    people["business"].save(update_fields=["email"])
    people["assignee"].is_active = False
    people["assignee"].save(update_fields=["is_active"])
    alert = alert_make(
        kind=AlertKind.CLOCK_BREACH, ticket=ticket_make(service, assignee="alex", assignee_email=""), service=service
    )

    assert alert_recipients(alert) == []


def test_alert_without_a_service_uses_its_ticket_s_service(service):
    ticket = ticket_make(service)
    alert = Alert.objects.create(
        key="no-service", kind=AlertKind.CLOCK_WARNING, subject="s", ticket=ticket, opened_at=ticket.opened_at
    )

    assert set(by_email(alert_recipients(alert))) == {"alex@example.com", "olivia@example.com"}


def test_alert_about_nothing_tells_nobody(db):
    alert = Alert.objects.create(key="loose", kind="agreement_review_due", subject="s", opened_at=NOW)

    assert alert_recipients(alert) == []


def test_recipients_take_one_query_beyond_the_alert_and_its_service(service, django_assert_max_num_queries):
    alert_id = alert_make(kind=AlertKind.CLOCK_BREACH, ticket=ticket_make(service)).pk
    alert = Alert.objects.select_related("service__service_owner", "service__business_owner", "ticket").get(pk=alert_id)

    with django_assert_max_num_queries(1):
        assert len(alert_recipients(alert)) == 3


def test_merge_keeps_the_first_spelling_and_adds_roles_in_order():
    merged = recipients_merge(
        [
            Recipient("A@x.example", "", (ASSIGNEE,)),
            None,
            Recipient("a@X.example", "Ann", (SERVICE_OWNER,), "Europe/Paris"),
            Recipient("b@x.example", "Ben", (BUSINESS_OWNER,)),
            Recipient("a@x.example", "Other", (SERVICE_OWNER,)),
        ]
    )

    assert merged == [
        Recipient("A@x.example", "Ann", (ASSIGNEE, SERVICE_OWNER), "Europe/Paris"),
        Recipient("b@x.example", "Ben", (BUSINESS_OWNER,)),
    ]


def test_commitment_alerts_tell_the_commitment_owner(service):
    from datetime import date

    from sla.models import Commitment

    owner = f.UserFactory(username="cora", email="cora@example.com", first_name="Cora", last_name="Cole")
    commitment = Commitment.objects.create(
        service=service,
        title="New payroll interface",
        definition_of_done="Live for all staff.",
        owner=owner,
        committed_on=date(2026, 10, 1),
        due_on=date(2026, 12, 1),
    )
    alert = alert_make(
        kind=AlertKind.COMMITMENT_STALE, service=service, details={"commitment_id": commitment.pk}, owner=owner
    )

    assert by_email(alert_recipients(alert)) == {
        "cora@example.com": (COMMITMENT_OWNER,),
        "olivia@example.com": (SERVICE_OWNER,),
    }
