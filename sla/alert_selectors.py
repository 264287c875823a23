"""Which alerts a user sees: the list's scope (`alert_list`), as the rule `sla.view_alert`
decides for one alert (catalog/rules.py), and the inbox's narrowing to the alerts a user is to
act on (`alerts_mine`)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from catalog import rules as access
from catalog.models import Membership
from sla.models import Alert
from sla.models.alerts import COMMITMENT_ALERT_KINDS, UNIT_SERVICE_ALERT_KINDS, UNIT_TICKET_ALERT_KINDS


def alert_list(*, user) -> QuerySet[Alert]:
    """The alerts `user` may see (the rule `sla.view_alert`): admins every alert; the service's
    owners (IT and business) its alerts; the alert's owner (who carries its subject: the ticket's
    assignee, the commitment's or the follow-up's owner) that alert; a business unit's members
    their units' risks (UNIT_*_ALERT_KINDS): the clocks of their units' tickets, and the
    measures, agreement reviews, watermelons and (if they see commitments) commitments of the
    services their units use. Exists subqueries: one row per alert, however many units."""
    base = Alert.objects.select_related("service", "ticket", "acknowledged_by", "owner")
    if not user.is_authenticated:
        return base.none()
    if access.is_admin(user):
        return base
    service_kinds = UNIT_SERVICE_ALERT_KINDS
    if user.has_perm("sla.view_commitment"):  # as sla.commitment_selectors.commitment_list
        service_kinds += COMMITMENT_ALERT_KINDS
    # As sla.selectors.ticket_list's `member`: the ticket's unit is one of the user's.
    unit_ticket = Exists(Membership.objects.filter(user=user, business_unit=OuterRef("ticket__business_unit")))
    unit_service = Exists(Membership.objects.filter(user=user, business_unit__services=OuterRef("service")))
    return base.filter(
        Q(service__service_owner=user)
        | Q(service__business_owner=user)
        | Q(owner=user)
        | (Q(kind__in=UNIT_TICKET_ALERT_KINDS) & unit_ticket)
        | (Q(kind__in=service_kinds) & unit_service)
    )


def alerts_mine(alerts: QuerySet[Alert], *, user) -> QuerySet[Alert]:
    """Narrow `alerts` to those for `user` to act on: those they carry (owner) and those of the
    services they own (IT), whatever else an admin or a business owner may see."""
    if not user.is_authenticated:
        return alerts.none()
    return alerts.filter(Q(owner=user) | Q(service__service_owner=user))
