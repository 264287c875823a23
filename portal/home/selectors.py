"""Reads of a person's home: the services they carry or their units use, each with its six success
factors as traffic lights, what is at risk right now, agreements awaiting them, surveys waiting for
them, recent feedback from their units; for service owners, follow-ups due, drafts to propose and
flagged measures; for admins, the whole catalogue. A fixed number of queries whatever the number
of services (pinned in tests/portal/test_home_pages.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q

from catalog import rules as access
from catalog.models import (
    Agreement,
    AgreementStatus,
    BusinessUnit,
    Lifecycle,
    Measure,
    Membership,
    Service,
    SuccessFactor,
)
from feedback.models import FollowUp, FollowUpState, Invitation, InvitationStatus, Response
from sla import scorecard as card
from sla.measure_guard import FlaggedMeasure, measures_flagged
from sla.models import Alert, AlertKind, MeasureEvaluation
from sla.risks.selectors import OPEN_STATES, BoardItem, board_items

REVIEW_SOON = timedelta(days=30)
SERVICE_FIELDS = ("id", "name", "slug", "lifecycle", "service_owner", "business_owner")
# What the measure guard reads and the home shows of a flagged measure and its agreement.
GUARDED_AGREEMENT_FIELDS = (
    "id",
    "service",
    "business_unit",
    "status",
    "version",
    "effective_from",
    "agreed_at",
    "service__id",
    "service__name",
    "service__slug",
)
# What the lists of agreements waiting show and decide with (an admin's may hold hundreds).
LISTED_AGREEMENT_FIELDS = (
    "id",
    "service",
    "business_unit",
    "version",
    "status",
    "review_by",
    "it_signed_by",
    "business_signed_by",
    "service__id",
    "service__name",
    "service__service_owner",
    "service__business_owner",
    "business_unit__id",
    "business_unit__name",
)
GUARDED_MEASURE_FIELDS = ("id", "agreement", "key", "name", "factor", "target", "period", "position")
MEASURE_ORDER = ("position", "name", "pk")
AT_RISK_SHOWN = 10
FEEDBACK_SHOWN = 5


@dataclass(frozen=True)
class ServiceLights:
    service: Service
    lights: tuple[tuple[str, str, str], ...]  # (factor, factor label, status), the six in order


@dataclass
class Home:
    role: str  # "admin", "owner" or "business"
    units: list[BusinessUnit]
    services: list[ServiceLights]
    at_risk: list[BoardItem]
    at_risk_total: int
    to_sign: list[Agreement] = field(default_factory=list)
    to_review: list[Agreement] = field(default_factory=list)
    drafts: list[Agreement] = field(default_factory=list)
    surveys: list[Invitation] = field(default_factory=list)
    feedback: list[Response] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    flagged: list[FlaggedMeasure] = field(default_factory=list)
    # Services green outside, red inside: their live "watermelon" alerts (feedback.experience),
    # shown to everyone whose home lists the service, business people included.
    watermelons: list[Alert] = field(default_factory=list)

    @property
    def watermelon_ids(self) -> set[int]:
        return {alert.service_id for alert in self.watermelons}


def home_for(*, user, now: datetime) -> Home:
    """The home of a signed-in `user` at `now`."""
    memberships = list(
        Membership.objects.filter(user=user).select_related("business_unit").order_by("business_unit__name")
    )
    units = [membership.business_unit for membership in memberships]
    represented = {m.business_unit_id for m in memberships if m.is_representative}
    if access.is_admin(user):
        role = "admin"
        services_qs = Service.objects.exclude(lifecycle=Lifecycle.RETIRED)
    else:
        owned = Q(service_owner=user) | Q(business_owner=user)
        role = "owner" if Service.objects.filter(service_owner=user).exists() else "business"
        services_qs = Service.objects.filter(owned | Q(business_units__in=units)).exclude(lifecycle=Lifecycle.RETIRED)
    # Only what the home shows of each service: an admin's home lists every service.
    services = list(services_qs.distinct().order_by("name").only(*SERVICE_FIELDS))
    ids = [service.pk for service in services]
    items = board_items(user=user, now=now, summary=True)
    if role != "admin":
        items = [item for item in items if item.alert.service_id in ids or item.alert.owner_id == user.pk]
    home = Home(
        role=role,
        units=units,
        services=service_lights(services, now=now),
        at_risk=items[:AT_RISK_SHOWN],
        at_risk_total=len(items),
    )
    home.watermelons = list(
        Alert.objects.filter(kind=AlertKind.WATERMELON, state__in=OPEN_STATES, service__in=ids)
        .select_related("service")
        .order_by("service__name")
    )
    _agreements(home, user=user, service_ids=ids, represented=represented, now=now)
    home.surveys = _surveys(user, now)
    if units:
        home.feedback = list(
            Response.objects.filter(business_unit__in=units)
            .exclude(comment="")
            .select_related("service", "business_unit")
            .order_by("-submitted_at")[:FEEDBACK_SHOWN]
        )
    if role in ("owner", "admin"):
        home.follow_ups = list(
            FollowUp.objects.filter(owner=user, state__in=[FollowUpState.OPEN, FollowUpState.CONTACTED])
            .select_related("service")
            .order_by("due_at")[:AT_RISK_SHOWN]
        )
        mine = ids if role == "admin" else [s.pk for s in services if s.service_owner_id == user.pk]
        in_force = Q(service__in=mine, status=AgreementStatus.AGREED)
        home.flagged = measures_flagged(
            agreements=Agreement.objects.filter(in_force).select_related("service").only(*GUARDED_AGREEMENT_FIELDS),
            measures=Measure.objects.filter(agreement__in=Agreement.objects.filter(in_force).values("pk"))
            .order_by(*MEASURE_ORDER)
            .only(*GUARDED_MEASURE_FIELDS),
            now=now,
        )
    return home


def service_lights(services: list[Service], *, now: datetime) -> list[ServiceLights]:
    """Each service's six factors this period: the worst status of its measures in force (the
    scorecard's rule, sla.scorecard.factor_status), a measure not evaluated yet counting as "not
    enough data". Two queries."""
    ids = [service.pk for service in services]
    measures = list(
        Measure.objects.filter(agreement__service__in=ids, agreement__status=AgreementStatus.AGREED).values_list(
            "pk", "agreement__service_id", "factor"
        )
    )
    current = dict(
        MeasureEvaluation.objects.filter(
            measure__in=[pk for pk, _, _ in measures], period_start__lte=now, period_end__gt=now
        ).values_list("measure_id", "status")
    )
    statuses: dict[tuple[int, str], list[str]] = defaultdict(list)
    for pk, service_id, factor in measures:
        statuses[(service_id, factor)].append(current.get(pk, card.NO_DATA))
    return [
        ServiceLights(
            service=service,
            lights=tuple(
                (factor, label, card.factor_status(statuses.get((service.pk, factor), [])))
                for factor, label in SuccessFactor.choices
            ),
        )
        for service in services
    ]


def _agreements(home: Home, *, user, service_ids: list[int], represented: set[int], now: datetime) -> None:
    soon = (now + REVIEW_SOON).date()
    wanted = Q(status=AgreementStatus.PROPOSED) | Q(status=AgreementStatus.AGREED, review_by__lte=soon)
    if home.role != "business":
        wanted |= Q(status=AgreementStatus.DRAFT)
    rows = (
        Agreement.objects.filter(wanted, service__in=service_ids)
        .select_related("service", "business_unit")
        .only(*LISTED_AGREEMENT_FIELDS)
        .order_by("review_by", "service__name", "version")
    )
    for agreement in rows:
        if agreement.status == AgreementStatus.PROPOSED:
            it_side = agreement.service.service_owner_id == user.pk and agreement.it_signed_by_id is None
            business_side = agreement.business_signed_by_id is None and (
                agreement.business_unit_id in represented or agreement.service.business_owner_id == user.pk
            )
            if it_side or business_side or home.role == "admin":
                home.to_sign.append(agreement)
        elif agreement.status == AgreementStatus.AGREED:
            home.to_review.append(agreement)
        elif agreement.service.service_owner_id == user.pk or home.role == "admin":
            home.drafts.append(agreement)


def _surveys(user, now: datetime) -> list[Invitation]:
    mine = Q(user=user)
    if user.email:
        mine |= Q(email__iexact=user.email)
    return list(
        Invitation.objects.filter(mine, status=InvitationStatus.SENT, expires_at__gt=now)
        .select_related("service")
        .order_by("expires_at")[:FEEDBACK_SHOWN]
    )
