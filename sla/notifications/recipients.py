"""Who hears about an alert: the people (by e-mail) and the webhook endpoints.

Which roles are told depends on the alert's kind and severity (`recipient_roles`, a pure
function); `alert_recipients` turns the roles into addresses. Each address appears once, with
every role its owner holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch

from catalog.models import Service
from sla.models import Alert, AlertKind, AlertSeverity, WebhookEndpoint

ASSIGNEE = "assignee"
SERVICE_OWNER = "service owner"
BUSINESS_OWNER = "business owner"
COMMITMENT_OWNER = "commitment owner"
COMMITMENT_KINDS = (AlertKind.COMMITMENT_AT_RISK, AlertKind.COMMITMENT_STALE, AlertKind.COMMITMENT_MISSED)
FOLLOW_UP_OWNER = "follow-up owner"
REQUEST_OWNER = "request owner"  # a business unit's catalogue request: the IT person who answers it

# Severities in rising order; a severity this list does not know yet counts as the lowest.
SEVERITY_ORDER = (AlertSeverity.INFO, AlertSeverity.WARNING, AlertSeverity.CRITICAL)


@dataclass(frozen=True)
class Recipient:
    """One person to e-mail about an alert, and why."""

    email: str
    name: str = ""
    roles: tuple[str, ...] = ()
    time_zone: str = ""  # an IANA name; empty means the site's TIME_ZONE


def recipient_roles(kind: str, severity: str) -> tuple[str, ...]:
    """The roles told about an alert of this kind and severity."""
    if kind == AlertKind.CLOCK_WARNING:
        return (ASSIGNEE, SERVICE_OWNER)
    if kind == AlertKind.CLOCK_BREACH:
        return (ASSIGNEE, SERVICE_OWNER, BUSINESS_OWNER)
    if kind in COMMITMENT_KINDS:
        owners = (COMMITMENT_OWNER, SERVICE_OWNER)
        return (*owners, BUSINESS_OWNER) if severity == AlertSeverity.CRITICAL else owners
    if kind == AlertKind.FOLLOW_UP_OVERDUE:
        owners = (FOLLOW_UP_OWNER, SERVICE_OWNER)
        return (*owners, BUSINESS_OWNER) if severity == AlertSeverity.CRITICAL else owners
    if kind == AlertKind.ALIGNMENT_REQUEST_OVERDUE:
        return (REQUEST_OWNER,)
    if severity == AlertSeverity.CRITICAL:
        return (SERVICE_OWNER, BUSINESS_OWNER)
    return (SERVICE_OWNER,)


def alert_service(alert: Alert) -> Service | None:
    """The service an alert is about: its own, or its ticket's."""
    if alert.service_id is not None:
        return alert.service
    if alert.ticket_id is not None:
        return alert.ticket.service
    return None


def _person(user, role: str) -> Recipient | None:
    if user is None or not user.is_active or not user.email:
        return None
    # A time-zone preference is used when the user model has one (Django's default User has not).
    return Recipient(
        email=user.email,
        name=user.get_full_name() or user.get_username(),
        roles=(role,),
        time_zone=getattr(user, "time_zone", "") or "",
    )


def _assignee(alert: Alert) -> Recipient | None:
    """The ticket's assignee: the alert's owner (the Accord user the ticket was assigned to when
    it was raised), else the ticket tool's assignee e-mail, for people without an Accord account."""
    ticket = alert.ticket if alert.ticket_id is not None else None
    if alert.owner_id is not None:
        person = _person(alert.owner, ASSIGNEE)
        if person is not None and ticket is not None and ticket.assignee_email.lower() == person.email.lower():
            # The ticket tool's spelling of the address wins; the user gives the name and time zone.
            return Recipient(
                email=ticket.assignee_email, name=person.name, roles=person.roles, time_zone=person.time_zone
            )
        return person
    if ticket is None or not ticket.assignee_email:
        return None
    return Recipient(email=ticket.assignee_email, name=ticket.assignee, roles=(ASSIGNEE,))


def _owner(alert: Alert, role: str) -> Recipient | None:
    """The alert's owner (a commitment's or a follow-up's), who sees it in the inbox too."""
    return _person(alert.owner, role) if alert.owner_id is not None else None


def recipients_merge(candidates: Iterable[Recipient | None]) -> list[Recipient]:
    """One recipient per address (compared without case), holding all its roles, in first-seen order."""
    merged: dict[str, Recipient] = {}
    for candidate in candidates:
        if candidate is None:
            continue
        key = candidate.email.strip().lower()
        seen = merged.get(key)
        if seen is None:
            merged[key] = candidate
        else:
            roles = seen.roles + tuple(role for role in candidate.roles if role not in seen.roles)
            merged[key] = Recipient(
                email=seen.email,
                name=seen.name or candidate.name,
                roles=roles,
                time_zone=seen.time_zone or candidate.time_zone,
            )
    return list(merged.values())


def alert_recipients(alert: Alert) -> list[Recipient]:
    """The people to e-mail about `alert`, each once.

    clock_warning: the ticket's assignee and the service owner; clock_breach: the business owner
    too; commitment alerts: the commitment's owner and the service owner; follow-up overdue: the
    follow-up's owner and the service owner; a catalogue request unanswered: its owner; any
    other kind: the service owner; critical alerts: the business owner too.
    The assignee, the commitment's and the follow-up's owner are the alert's `owner`, so that
    whoever is e-mailed also sees the alert in the inbox (sla.alert_selectors.alert_list); the one
    exception is an assignee e-mail of the ticket tool that belongs to no Accord user.
    Inactive users and users without an e-mail address are skipped.
    """
    roles = recipient_roles(alert.kind, alert.severity)
    service = alert_service(alert)
    candidates: list[Recipient | None] = []
    if ASSIGNEE in roles:
        candidates.append(_assignee(alert))
    if COMMITMENT_OWNER in roles:
        candidates.append(_owner(alert, COMMITMENT_OWNER))
    if FOLLOW_UP_OWNER in roles:
        candidates.append(_owner(alert, FOLLOW_UP_OWNER))
    if REQUEST_OWNER in roles:
        candidates.append(_owner(alert, REQUEST_OWNER))
    if service is not None and SERVICE_OWNER in roles:
        candidates.append(_person(service.service_owner, SERVICE_OWNER))
    if service is not None and BUSINESS_OWNER in roles:
        candidates.append(_person(service.business_owner, BUSINESS_OWNER))
    return recipients_merge(candidates)


def severity_at_least(severity: str, minimum: str) -> bool:
    rank = {level.value: index for index, level in enumerate(SEVERITY_ORDER)}
    return rank.get(severity, 0) >= rank.get(minimum, 0)


def endpoint_accepts(
    *,
    alert_kinds: Iterable[str],
    min_severity: str,
    service_ids: Iterable[int],
    kind: str,
    severity: str,
    service_id: int | None,
) -> bool:
    """Whether an endpoint with these filters wants an alert (empty kinds or services: all)."""
    kinds, services = set(alert_kinds or ()), set(service_ids)
    if kinds and kind not in kinds:
        return False
    if services and service_id not in services:
        return False
    return severity_at_least(severity, min_severity)


def alert_webhook_endpoints(alert: Alert) -> list[WebhookEndpoint]:
    """The active endpoints whose filters accept `alert` (two queries, however many endpoints)."""
    service = alert_service(alert)
    endpoints = WebhookEndpoint.objects.filter(active=True).prefetch_related(
        Prefetch("services", queryset=Service.objects.only("id"))
    )
    return [
        endpoint
        for endpoint in endpoints
        if endpoint_accepts(
            alert_kinds=endpoint.alert_kinds,
            min_severity=endpoint.min_severity,
            service_ids=[s.id for s in endpoint.services.all()],
            kind=alert.kind,
            severity=alert.severity,
            service_id=service.id if service else None,
        )
    ]
