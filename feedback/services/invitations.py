"""Who is invited when. Event surveys follow a resolved ticket; relationship surveys go to the
members of the business units a service serves, each quarter. Both only write invitations
(status `scheduled`) and return the ids to send, one list per e-mail; sending is
feedback.services.survey_mail.

Safe to run twice at once: an event invitation is unique per ticket and a relationship one per
service, person and quarter; the event pass also holds a lock (a PostgreSQL advisory lock; SQLite
takes its write lock when the transaction starts) so that its fatigue guard sees the other run's
invitations.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from catalog.models import Lifecycle, Membership, Service, SuccessFactor
from feedback.models import Invitation, InvitationKind, InvitationStatus, SurveySettings
from feedback.services.surveys import (
    event_kinds_of,
    quarter_label,
    quarter_of,
    survey_settings_for_services,
)
from feedback.tokens import invitation_nonce
from sla.models import Ticket, TicketState
from sla.periods import QUARTER, period_start_date

MAX_ATTEMPTS = 5  # e-mail attempts per invitation before it stays `failed`
# The sweep re-sends only what its own Celery message should have sent by now.
SEND_GRACE = timedelta(minutes=10)
EVENT_LOCK_KEY = 0x46454544  # "FEED": one event-survey pass at a time (PostgreSQL advisory lock)
SURVEYED_SERVICE_STATES = (Lifecycle.LIVE, Lifecycle.RETIRING)


# --- Event surveys ------------------------------------------------------------------------------


def email_normalise(email: str) -> str:
    return (email or "").strip().lower()


def _users_by_email(emails) -> dict:
    users = get_user_model().objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails, is_active=True)
    return {user.email_lower: user for user in users.order_by("pk")}


def _last_asked(emails, *, since: datetime) -> dict[str, datetime]:
    """When each address was last asked anything (sent, or waiting to be sent) since `since`."""
    last: dict[str, datetime] = {}
    rows = Invitation.objects.filter(email__in=emails).filter(
        Q(sent_at__gte=since) | Q(sent_at__isnull=True, send_after__gte=since)
    )
    for email, sent_at, send_after in rows.values_list("email", "sent_at", "send_after"):
        moment = sent_at or send_after
        if email not in last or moment > last[email]:
            last[email] = moment
    return last


def _due_for_event_survey(ticket: Ticket, settings: SurveySettings, *, now: datetime) -> bool:
    """Resolved at least the delay ago, and not so long ago that a link would already have expired."""
    since_resolved = now - ticket.resolved_at
    return settings.event_surveys and settings.event_delay <= since_resolved <= settings.invitation_valid_for


def _lock_event_pass() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_LOCK_KEY])


def event_invitations_schedule(*, now: datetime | None = None) -> list[list[int]]:
    """Invite the requesters of tickets resolved at least `event_delay` ago (still resolved or
    closed, not reopened or cancelled) and not yet surveyed. Tickets resolved longer ago than the
    invitation's validity (imported history) are left alone; the fatigue guard skips a requester
    asked anything in the last `fatigue_days`, whatever the service. Returns the new invitations'
    ids, one list per e-mail."""
    now = now or timezone.now()
    longest = SurveySettings.objects.aggregate(longest=Max("invitation_valid_for"))["longest"]
    window = max(longest or timedelta(0), SurveySettings._meta.get_field("invitation_valid_for").default)
    with transaction.atomic():
        _lock_event_pass()
        surveyed = Invitation.objects.filter(ticket=OuterRef("pk"), kind=InvitationKind.EVENT)
        tickets = list(
            Ticket.objects.filter(
                state__in=[TicketState.RESOLVED, TicketState.CLOSED],
                resolved_at__gte=now - window,
                resolved_at__lte=now,
                service__lifecycle__in=SURVEYED_SERVICE_STATES,
            )
            .exclude(requester_email="")
            .filter(~Exists(surveyed))
            .select_related("service")
            .order_by("resolved_at", "pk")
        )
        if not tickets:
            return []
        settings_of = survey_settings_for_services(t.service_id for t in tickets)
        tickets = [t for t in tickets if _due_for_event_survey(t, settings_of[t.service_id], now=now)]
        emails = {email_normalise(t.requester_email) for t in tickets}
        longest_fatigue = max((settings_of[t.service_id].fatigue_days for t in tickets), default=0)
        last_asked = _last_asked(emails, since=now - timedelta(days=longest_fatigue))
        users = _users_by_email(emails)
        invitations = []
        for ticket in tickets:
            settings = settings_of[ticket.service_id]
            email = email_normalise(ticket.requester_email)
            asked = last_asked.get(email)
            if asked is not None and asked > now - timedelta(days=settings.fatigue_days):
                continue
            last_asked[email] = now
            invitations.append(
                Invitation(
                    kind=InvitationKind.EVENT,
                    service=ticket.service,
                    ticket=ticket,
                    business_unit_id=ticket.business_unit_id,
                    kinds=event_kinds_of(settings),
                    email=email,
                    name=ticket.requester[:200],
                    user=users.get(email),
                    nonce=invitation_nonce(),
                    send_after=now,
                    expires_at=now + settings.invitation_valid_for,
                )
            )
        Invitation.objects.bulk_create(invitations, ignore_conflicts=True)
        created = Invitation.objects.filter(
            kind=InvitationKind.EVENT,
            ticket_id__in=[i.ticket_id for i in invitations],
            status=InvitationStatus.SCHEDULED,
        )
        return [[pk] for pk in created.order_by("pk").values_list("pk", flat=True)]


# --- Relationship surveys -----------------------------------------------------------------------


def relationship_invitations_create(*, quarter_start: date, now: datetime | None = None) -> list[list[int]]:
    """Each member of a business unit is invited, once per quarter, to rate each live service that
    serves the unit (one invitation per service). Returns the invitations still to send, one list
    per person: one e-mail lists all their services."""
    now = now or timezone.now()
    if quarter_start != period_start_date(QUARTER, quarter_start):
        raise ValidationError({"quarter": [f"{quarter_start} is not the first day of a quarter."]})
    if quarter_start > quarter_of(now):
        raise ValidationError({"quarter": [f"{quarter_label(quarter_start)} has not started yet."]})
    services = list(
        Service.objects.filter(lifecycle__in=SURVEYED_SERVICE_STATES, business_units__isnull=False)
        .distinct()
        .prefetch_related("business_units")
    )
    settings_of = survey_settings_for_services(s.pk for s in services)
    services_of_unit: dict[int, list[Service]] = defaultdict(list)
    for service in services:
        if settings_of[service.pk].relationship_surveys:
            for unit in service.business_units.all():
                services_of_unit[unit.pk].append(service)
    memberships = (
        Membership.objects.filter(business_unit_id__in=services_of_unit, user__is_active=True)
        .exclude(user__email="")
        .select_related("user", "business_unit")
        .order_by("business_unit__name", "user_id")
    )
    invitations: dict[tuple[int, str], Invitation] = {}
    factors = list(SuccessFactor.values)
    for membership in memberships:
        user, email = membership.user, email_normalise(membership.user.email)
        for service in services_of_unit[membership.business_unit_id]:
            invitations.setdefault(
                (service.pk, email),
                Invitation(
                    kind=InvitationKind.RELATIONSHIP,
                    service=service,
                    business_unit=membership.business_unit,
                    period_start=quarter_start,
                    kinds=factors,
                    email=email,
                    name=(user.get_full_name() or user.get_username())[:200],
                    user=user,
                    nonce=invitation_nonce(),
                    send_after=now,
                    expires_at=now + settings_of[service.pk].invitation_valid_for,
                ),
            )
    Invitation.objects.bulk_create(invitations.values(), ignore_conflicts=True)
    pending = Invitation.objects.filter(
        kind=InvitationKind.RELATIONSHIP, period_start=quarter_start, status=InvitationStatus.SCHEDULED
    )
    return _groups(pending.order_by("email", "pk").values_list("pk", "kind", "email", "period_start"))


# --- Keeping invitations moving -----------------------------------------------------------------


def _groups(rows) -> list[list[int]]:
    """One e-mail per event invitation; one per person and quarter for relationship surveys."""
    groups: dict[tuple, list[int]] = {}
    for pk, kind, email, period_start in rows:
        key = (kind, email, period_start) if kind == InvitationKind.RELATIONSHIP else (kind, pk)
        groups.setdefault(key, []).append(pk)
    return list(groups.values())


def invitation_groups_due(*, now: datetime | None = None) -> list[list[int]]:
    """Invitations whose e-mail should have gone by now (a lost message, or a failed attempt
    whose retry is due), grouped as they are sent."""
    now = now or timezone.now()
    due = Invitation.objects.filter(
        status__in=[InvitationStatus.SCHEDULED, InvitationStatus.FAILED],
        attempts__lt=MAX_ATTEMPTS,
        send_after__lte=now - SEND_GRACE,
        expires_at__gt=now,
    )
    return _groups(due.order_by("email", "pk").values_list("pk", "kind", "email", "period_start"))


def invitations_expire(*, now: datetime | None = None) -> int:
    """Unanswered invitations past their expiry become `expired` (their links already refuse)."""
    now = now or timezone.now()
    return Invitation.objects.filter(
        status__in=[InvitationStatus.SCHEDULED, InvitationStatus.SENT, InvitationStatus.FAILED],
        responded_at__isnull=True,
        expires_at__lte=now,
    ).update(status=InvitationStatus.EXPIRED)


def invitations_resend(*, invitation_ids, now: datetime | None = None) -> list[list[int]]:
    """Send unanswered invitations again, valid afresh for their service's validity; answered
    ones are left alone. Returns the groups to send."""
    now = now or timezone.now()
    invitations = list(
        Invitation.objects.filter(pk__in=list(invitation_ids), responded_at__isnull=True).exclude(
            status=InvitationStatus.RESPONDED
        )
    )
    settings_of = survey_settings_for_services(i.service_id for i in invitations)
    # Guarded: one answered while this ran keeps its answer and status.
    with transaction.atomic():
        for invitation in invitations:
            Invitation.objects.filter(pk=invitation.pk, responded_at__isnull=True).update(
                status=InvitationStatus.SCHEDULED,
                attempts=0,
                last_error="",
                sent_at=None,
                send_after=now,
                expires_at=now + settings_of[invitation.service_id].invitation_valid_for,
            )
    resent = Invitation.objects.filter(pk__in=[i.pk for i in invitations], status=InvitationStatus.SCHEDULED)
    return _groups(resent.order_by("email", "pk").values_list("pk", "kind", "email", "period_start"))
