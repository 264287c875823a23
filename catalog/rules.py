"""Who may do what: the one place for access rules (django-rules).

Roles are groups created by a migration:
- Business users read the catalogue; a business unit's representatives sign for it.
- Service owners create services, edit their own, draft and propose their agreements.
- Admins do everything (superusers too).
- Integrations (ticketing and monitoring tools, through API keys) send ticket events and
  measurements for any service.

Views and services ask `user.has_perm("catalog.<rule>", obj)`; querysets are scoped by
selectors.py with the same predicates' logic.
"""

from __future__ import annotations

import rules
from django.conf import settings

ADMINS = "Admins"
SERVICE_OWNERS = "Service owners"
BUSINESS_USERS = "Business users"
INTEGRATIONS = "Integrations"  # accounts of ticketing and monitoring tools (API keys)
ROLE_GROUPS = (ADMINS, SERVICE_OWNERS, BUSINESS_USERS, INTEGRATIONS)


@rules.predicate
def is_admin(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or _in_group(user, ADMINS)


@rules.predicate
def is_service_owner_role(user) -> bool:
    return user.is_authenticated and _in_group(user, SERVICE_OWNERS)


@rules.predicate
def is_integration(user) -> bool:
    return user.is_authenticated and user.is_active and _in_group(user, INTEGRATIONS)


@rules.predicate
def can_read_catalogue(user) -> bool:
    return settings.CATALOGUE_PUBLIC or (user.is_authenticated and user.is_active)


@rules.predicate
def owns_service(user, service) -> bool:
    return service is not None and user.is_authenticated and service.service_owner_id == user.pk


@rules.predicate
def owns_agreement_service(user, agreement) -> bool:
    return agreement is not None and user.is_authenticated and agreement.service.service_owner_id == user.pk


@rules.predicate
def speaks_for_agreement_audience(user, agreement) -> bool:
    """The business side: a representative of the unit, or for an all-units agreement
    the service's business owner."""
    if agreement is None or not user.is_authenticated:
        return False
    if agreement.business_unit_id is None:
        return agreement.service.business_owner_id == user.pk
    return user.memberships.filter(business_unit_id=agreement.business_unit_id, is_representative=True).exists()


@rules.predicate
def agreement_is_signed(user, agreement) -> bool:
    from catalog.models import SIGNED_STATUSES

    return agreement is not None and agreement.status in SIGNED_STATUSES


@rules.predicate
def agreement_is_proposed(user, agreement) -> bool:
    from catalog.models import AgreementStatus

    return agreement is not None and agreement.status == AgreementStatus.PROPOSED


def roles_known(user, group_names) -> None:
    """The user's groups, read along with something else (an API key's lookup): no query later."""
    user._accord_groups = set(group_names)


def _in_group(user, name: str) -> bool:
    # Cached per request object so a page of rows asks the database once.
    cache = getattr(user, "_accord_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._accord_groups = cache
    return name in cache


rules.add_perm("catalog.view_service", can_read_catalogue | is_admin)
rules.add_perm("catalog.add_service", is_admin | is_service_owner_role)
rules.add_perm("catalog.change_service", is_admin | owns_service)
rules.add_perm("catalog.delete_service", is_admin)

rules.add_perm(
    "catalog.view_agreement",
    is_admin
    | owns_agreement_service
    | (agreement_is_signed & can_read_catalogue)
    | (agreement_is_proposed & speaks_for_agreement_audience),
)
rules.add_perm("catalog.add_agreement", is_admin | owns_service)  # object: the service
rules.add_perm("catalog.change_agreement", is_admin | owns_agreement_service)
rules.add_perm("catalog.propose_agreement", is_admin | owns_agreement_service)
rules.add_perm("catalog.withdraw_agreement", is_admin | owns_agreement_service)
rules.add_perm("catalog.sign_agreement_for_it", owns_agreement_service)
rules.add_perm("catalog.sign_agreement_for_business", speaks_for_agreement_audience)
rules.add_perm("catalog.delete_agreement", is_admin)

rules.add_perm("catalog.manage_business_units", is_admin)
rules.add_perm("catalog.manage_categories", is_admin)

# The SLA engine (sla app). Ticket events and measurements for a service: the tools that
# run it, its owner, admins.
rules.add_perm("sla.send_ticket_events", is_admin | is_integration | owns_service)  # object: the service

# Alerts (one inbox for the whole product). An alert is seen by the people of its service (its
# owner for IT, its business owner) and by the person who carries its subject, the alert's owner
# (the ticket's assignee, the commitment's or the follow-up's owner): everyone it is e-mailed to.
# A business unit's members also see their units' risks (sla/models/alerts.py UNIT_*_ALERT_KINDS):
# the clocks of their units' tickets; the measures, agreement reviews, watermelons and, if they
# may see commitments, the commitments of the services their units use; never a follow-up or a
# catalogue request. Those who act on it acknowledge it: the service's owner, the alert's owner
# and admins; the business owner and the units' members are told or read, and do not act.
# sla.alert_selectors.alert_list scopes lists the same way.


@rules.predicate
def owns_alert_service(user, alert) -> bool:
    return (
        alert is not None
        and user.is_authenticated
        and alert.service_id is not None
        and alert.service.service_owner_id == user.pk
    )


@rules.predicate
def business_owns_alert_service(user, alert) -> bool:
    return (
        alert is not None
        and user.is_authenticated
        and alert.service_id is not None
        and alert.service.business_owner_id == user.pk
    )


@rules.predicate
def owns_alert(user, alert) -> bool:
    return alert is not None and user.is_authenticated and alert.owner_id == user.pk


@rules.predicate
def member_sees_unit_alert(user, alert) -> bool:
    """A member of the alert's ticket's unit (clocks), or of a unit using its service (the kinds
    a unit's members see); as sla.alert_selectors.alert_list."""
    from sla.models.alerts import COMMITMENT_ALERT_KINDS, UNIT_SERVICE_ALERT_KINDS, UNIT_TICKET_ALERT_KINDS

    if alert is None or not user.is_authenticated:
        return False
    if alert.kind in UNIT_TICKET_ALERT_KINDS:
        unit_id = alert.ticket.business_unit_id if alert.ticket_id else None
        return unit_id is not None and any(m.business_unit_id == unit_id for m in _memberships(user))
    service_kinds = UNIT_SERVICE_ALERT_KINDS
    if user.has_perm("sla.view_commitment"):
        service_kinds += COMMITMENT_ALERT_KINDS
    if alert.kind not in service_kinds or alert.service_id is None:
        return False
    return user.memberships.filter(business_unit__services=alert.service_id).exists()


rules.add_perm(
    "sla.view_alert",
    is_admin | owns_alert_service | business_owns_alert_service | owns_alert | member_sees_unit_alert,
)
rules.add_perm("sla.acknowledge_alert", is_admin | owns_alert_service | owns_alert)  # object: the alert


# --- Measurements (issue 5: success measures' data points) ---------------------------------
# Recording: the tools that push data (Integrations), the service's owner, admins. Reading:
# those, the service's business owner and the members of the business units it serves.


@rules.predicate
def is_business_owner_of(user, service) -> bool:
    return service is not None and user.is_authenticated and service.business_owner_id == user.pk


@rules.predicate
def member_of_served_unit(user, service) -> bool:
    if service is None or not user.is_authenticated:
        return False
    return user.memberships.filter(business_unit__in=service.business_units.all()).exists()


rules.add_perm("sla.record_measurements", is_admin | is_integration | owns_service)  # object: the service
rules.add_perm(
    "sla.view_measurements",
    is_admin | is_integration | owns_service | is_business_owner_of | member_of_served_unit,
)  # object: the service

# --- Committed results (sla.Commitment) -------------------------------------------------------
# A service's owner and admins manage its commitments (create, edit, deliver, renegotiate,
# withdraw); whoever owns a commitment may also report its progress. Every signed-in reader of
# the catalogue (members of the business unit it was promised to among them) sees commitments:
# telling the business early and honestly is the point. Anonymous visitors of a public
# catalogue do not.


@rules.predicate
def is_signed_in(user) -> bool:
    return user.is_authenticated and user.is_active


@rules.predicate
def owns_commitment_service(user, commitment) -> bool:
    return commitment is not None and user.is_authenticated and commitment.service.service_owner_id == user.pk


@rules.predicate
def owns_commitment(user, commitment) -> bool:
    return commitment is not None and user.is_authenticated and commitment.owner_id == user.pk


rules.add_perm("sla.view_commitment", is_admin | (is_signed_in & can_read_catalogue))
rules.add_perm("sla.add_commitment", is_admin | owns_service)  # object: the service
rules.add_perm("sla.change_commitment", is_admin | owns_commitment_service)  # edit, deliver, renegotiate, withdraw
rules.add_perm("sla.check_in_commitment", is_admin | owns_commitment_service | owns_commitment)

# --- Feedback: the perception gap (issue 6) -----------------------------------------------------
# IT's view of a service for a quarter (its self-assessment on the six factors) is recorded by the
# service's owner and admins. Both views side by side, and the catalogue's largest gaps, are read
# by whoever may read the catalogue: the point is that the business sees how IT sees itself.

rules.add_perm("feedback.record_self_assessment", is_admin | owns_service)  # object: the service
rules.add_perm("feedback.view_perception_gap", can_read_catalogue | is_admin)
# --- end of the perception gap ------------------------------------------------------------------

# --- Feedback: detractor follow-ups (issue 6) ----------------------------------------------------
# A detractor's answer is called back by the follow-up's owner (the service owner when it was
# opened). The service's owner, the follow-up's owner and admins record the call and close it;
# the service's business owner may read its follow-ups and recovery rate. Selectors scope lists
# the same way (feedback/follow_up_selectors.py).


@rules.predicate
def owns_follow_up(user, follow_up) -> bool:
    return follow_up is not None and user.is_authenticated and follow_up.owner_id == user.pk


@rules.predicate
def owns_follow_up_service(user, follow_up) -> bool:
    return follow_up is not None and user.is_authenticated and follow_up.service.service_owner_id == user.pk


@rules.predicate
def business_owns_follow_up_service(user, follow_up) -> bool:
    return follow_up is not None and user.is_authenticated and follow_up.service.business_owner_id == user.pk


rules.add_perm(
    "feedback.view_follow_up", is_admin | owns_follow_up | owns_follow_up_service | business_owns_follow_up_service
)
rules.add_perm("feedback.change_follow_up", is_admin | owns_follow_up | owns_follow_up_service)  # contacted, close
rules.add_perm(
    "feedback.view_service_follow_ups", is_admin | owns_service | is_business_owner_of
)  # object: the service (its follow-ups and recovery rate)
# --- end of detractor follow-ups -------------------------------------------------------------------

# --- Feedback: surveys (issue 6) -----------------------------------------------------------------
# Responses collected by other tools: the tools (Integrations), the service's owner, admins.
# A service's survey settings (what is asked, when, how often): its owner and admins.
rules.add_perm("feedback.record_responses", is_admin | is_integration | owns_service)  # object: the service
rules.add_perm("feedback.change_survey_settings", is_admin | owns_service)  # object: the service
# --- end of surveys --------------------------------------------------------------------------------

# --- Feedback: comment themes (issue 6) ------------------------------------------------------------
# A service's themes, discovered topics and example comments (the customers' own words): its owner
# (IT), its business owner and admins. Scoped lists: feedback/theme_selectors.py (theme_services).
rules.add_perm("feedback.view_themes", is_admin | owns_service | is_business_owner_of)  # object: the service
# --- end of comment themes -------------------------------------------------------------------------

# --- Cost of provision (issue 11, section 6) -------------------------------------------------------
# Each service's cost and each unit's share of it: every signed-in reader of the catalogue (the
# point is to show the business what it costs) and admins. Not anonymous visitors of a public
# catalogue. A service's drivers and rule (and so its annual cost) are changed by its owner and
# admins: in the portal, the API and the admin (catalog/costs/admin.py asks the same rule).
rules.add_perm("catalog.view_costs", is_admin | (is_signed_in & can_read_catalogue))
rules.add_perm("catalog.change_service_cost", is_admin | owns_service)  # object: the service
# --- end of cost of provision ----------------------------------------------------------------------

# --- Catalogue alignment (issue 11, section 5) -------------------------------------------------------
# A unit's own list of the services it receives, its requests for what the catalogue lacks, and the
# comparison with IT's list: read by the unit's members, by IT (service owners) and admins. The
# unit's marks and requests are changed by its representatives and admins. IT answers a request
# (add it, say where it lives, decline): service owners (IT staff) and admins; the request's owner
# (the IT person it was given to) too. The catalogue-wide ranking of units: IT and admins.
# Scoped lists: catalog/alignment/selectors.py (alignment_units, request_list).


@rules.predicate
def member_of_unit(user, unit) -> bool:
    if unit is None or not user.is_authenticated or not user.is_active:
        return False
    return any(m.business_unit_id == unit.pk for m in _memberships(user))


@rules.predicate
def represents_unit(user, unit) -> bool:
    if unit is None or not user.is_authenticated or not user.is_active:
        return False
    return any(m.business_unit_id == unit.pk and m.is_representative for m in _memberships(user))


@rules.predicate
def represents_request_unit(user, request) -> bool:
    return request is not None and represents_unit(user, request.business_unit)


@rules.predicate
def owns_request(user, request) -> bool:
    return request is not None and user.is_authenticated and user.is_active and request.owner_id == user.pk


@rules.predicate
def is_it_staff(user) -> bool:
    return user.is_authenticated and user.is_active and _in_group(user, SERVICE_OWNERS)


def _memberships(user) -> list:
    # Cached per request object, like the groups: a page asks several rules about one user.
    cache = getattr(user, "_accord_memberships", None)
    if cache is None:
        cache = list(user.memberships.only("business_unit_id", "is_representative"))
        user._accord_memberships = cache
    return cache


rules.add_perm("catalog.view_alignment", is_admin | is_it_staff | member_of_unit)  # object: the unit
rules.add_perm("catalog.change_alignment", is_admin | represents_unit)  # object: the unit (marks, requests)
rules.add_perm("catalog.change_missing_service_request", is_admin | represents_request_unit)  # while open
rules.add_perm("catalog.answer_missing_service_request", is_admin | is_it_staff | owns_request)  # object: the request
rules.add_perm("catalog.view_alignment_overview", is_admin | is_it_staff)
# --- end of catalogue alignment ------------------------------------------------------------------------

# --- Service reviews (issue 11, section 4) ---------------------------------------------------------
# A service's review (portal/reviews/): every signed-in reader of the catalogue, as its scorecard,
# but not anonymous visitors of a public catalogue (it lists commitments, which they do not see).
# A business unit's review across its services: the unit's people and admins. Actions are recorded
# (and closed) by the two sides at the table: for a service, its owner, its business owner and the
# representatives of the units it serves; for a unit, its representatives; admins for both.


@rules.predicate
def represents_served_unit(user, service) -> bool:
    if service is None or not user.is_authenticated or not user.is_active:
        return False
    served = {unit.pk for unit in service.business_units.all()}
    return any(m.business_unit_id in served and m.is_representative for m in _memberships(user))


rules.add_perm("portal.view_service_review", is_admin | (is_signed_in & can_read_catalogue))  # object: service
rules.add_perm("portal.view_unit_review", is_admin | member_of_unit)  # object: the business unit
rules.add_perm(
    "portal.record_service_review_action", is_admin | owns_service | is_business_owner_of | represents_served_unit
)  # object: the service
rules.add_perm("portal.record_unit_review_action", is_admin | represents_unit)  # object: the business unit
# --- end of service reviews ------------------------------------------------------------------------
