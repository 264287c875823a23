"""Reads of the sla app: the targets a ticket counts against, tickets and clocks, scoped to who
asks. Which alerts a user sees: sla.alert_selectors (alert_list, alerts_mine, also importable
from here)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower

from catalog import rules as access
from catalog.models import Agreement, AgreementStatus, Measure, Membership, Service, UrgencyTarget
from sla.alert_selectors import alert_list as alert_list  # re-exported: the alerts' scope lives there
from sla.alert_selectors import alerts_mine as alerts_mine
from sla.attainment import PriorityCounts
from sla.business_time import business_time_between
from sla.calendars import calendar_specs
from sla.clocks import DEFAULT_WARNING_SHARES, Targets
from sla.models import ACTIVE_TICKET_STATES, Clock, ClockState, Ticket

ServiceUnit = tuple[int, int | None]  # (service id, business unit id or None for all units)


@dataclass(frozen=True)
class AgreedTargets:
    """What the agreement in force promises a (service, business unit)."""

    agreement_id: int | None
    matrix: list[list[int]] | None
    by_priority: dict[int, Targets] = field(default_factory=dict)
    calendar_ids: dict[int, int] = field(default_factory=dict)  # priority -> calendar id

    def targets(self, priority: int) -> Targets | None:
        return self.by_priority.get(priority)


NO_TARGETS = AgreedTargets(agreement_id=None, matrix=None)


def agreed_targets_for(pairs: Iterable[ServiceUnit]) -> dict[ServiceUnit, AgreedTargets]:
    """For each (service, unit): the unit's agreement in force, else the all-units one. Four
    queries whatever the number of pairs."""
    pairs = set(pairs)
    service_ids = {service_id for service_id, _ in pairs}
    agreements = {
        (a.service_id, a.business_unit_id): a
        for a in Agreement.objects.filter(service_id__in=service_ids, status=AgreementStatus.AGREED).prefetch_related(
            Prefetch("urgency_targets", queryset=UrgencyTarget.objects.order_by("priority"))
        )
    }
    support = dict(Service.objects.filter(pk__in=service_ids).values_list("pk", "support_calendar_id"))
    wanted_calendars = set(filter(None, support.values()))
    for agreement in agreements.values():
        wanted_calendars |= {t.calendar_id for t in agreement.urgency_targets.all() if t.calendar_id}
    specs = calendar_specs(wanted_calendars)

    result: dict[ServiceUnit, AgreedTargets] = {}
    for service_id, unit_id in pairs:
        agreement = agreements.get((service_id, unit_id)) or agreements.get((service_id, None))
        if agreement is None:
            result[(service_id, unit_id)] = NO_TARGETS
            continue
        by_priority, calendar_ids = {}, {}
        for target in agreement.urgency_targets.all():
            calendar_id = target.calendar_id or support.get(service_id)
            if calendar_id is None or calendar_id not in specs:
                continue  # no calendar to count in: the target cannot be kept
            by_priority[target.priority] = Targets(
                calendar=specs[calendar_id],
                engage=target.engage_within,
                update=target.update_every,
                resolve=target.resolve_within,
                warning_shares=tuple(sorted(s / 100 for s in target.warning_shares)) or DEFAULT_WARNING_SHARES,
            )
            calendar_ids[target.priority] = calendar_id
        result[(service_id, unit_id)] = AgreedTargets(
            agreement_id=agreement.pk,
            matrix=agreement.priority_matrix,
            by_priority=by_priority,
            calendar_ids=calendar_ids,
        )
    return result


# --- Tickets and clocks, scoped ----------------------------------------------------------


def ticket_list(*, user) -> QuerySet[Ticket]:
    """Admins and integrations see every ticket; service owners (IT or business) their
    services' tickets; business users their units' tickets; the assignee the tickets assigned
    to them (named as in `ticket_assignee_user_ids`), so the alerts they are sent link to a page
    they may open. Anonymous users none."""
    base = Ticket.objects.select_related("service", "business_unit")
    if not user.is_authenticated:
        return base.none()
    if access.is_admin(user) or access.is_integration(user):
        return base
    member = Exists(Membership.objects.filter(user=user, business_unit=OuterRef("business_unit")))
    mine = Q(service__service_owner=user) | Q(service__business_owner=user) | Q(member)
    return base.filter(mine | _assigned_to(user))


def _assigned_to(user) -> Q:
    """Tickets whose assignee is `user`: by the tool's assignee e-mail, or, without one, by the
    assignee's name as username or e-mail address."""
    without_email = Q(assignee_email="") & Q(assignee=user.get_username())
    email = (user.email or "").strip()
    if not email:
        return without_email
    return Q(assignee_email__iexact=email) | without_email | (Q(assignee_email="") & Q(assignee__iexact=email))


def ticket_detail(*, user, pk: int) -> Ticket:
    clocks = Clock.objects.select_related("calendar").order_by("kind", "cycle")
    return ticket_list(user=user).prefetch_related(Prefetch("clocks", queryset=clocks)).get(pk=pk)


def ticket_assignee_user_ids(*, ticket_ids: Iterable[int]) -> dict[int, int]:
    """The Accord user each ticket is assigned to, by ticket id (tickets assigned to no user left
    out). The ticket tool's assignee e-mail names an active user with that address; without an
    e-mail, the assignee names an active user by username or address. The earliest user wins a
    tie. Two queries, however many tickets."""
    rows = list(Ticket.objects.filter(pk__in=list(ticket_ids)).values_list("pk", "assignee", "assignee_email"))
    emails = {(email or name).strip().lower() for _, name, email in rows if (email or name).strip()}
    names = {name.strip() for _, name, email in rows if not email.strip() and name.strip()}
    if not emails and not names:
        return {}
    by_email: dict[str, int] = {}
    by_username: dict[str, int] = {}
    users = (
        get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(Q(email_lower__in=emails) | Q(username__in=names), is_active=True)
        .order_by("-pk")  # the earliest written last, so it wins
        .values_list("pk", "username", "email_lower")
    )
    for pk, username, email in users:
        if email:
            by_email[email] = pk
        by_username[username] = pk
    found = {}
    for pk, name, email in rows:
        if email.strip():
            user_id = by_email.get(email.strip().lower())
        elif name.strip():
            candidates = [by_username.get(name.strip()), by_email.get(name.strip().lower())]
            user_id = min((c for c in candidates if c is not None), default=None)
        else:
            user_id = None
        if user_id is not None:
            found[pk] = user_id
    return found


@dataclass(frozen=True)
class LiveClock:
    """A clock as it stands now: a running clock keeps counting after it was computed."""

    clock: Clock
    elapsed: timedelta
    state: str

    @property
    def target(self) -> timedelta:
        return timedelta(seconds=self.clock.target_seconds)

    @property
    def remaining(self) -> timedelta:
        return max(self.target - self.elapsed, timedelta(0))

    @property
    def share_used(self) -> float:
        return self.elapsed / self.target if self.clock.target_seconds else 1.0


def clock_live(clock: Clock, *, now: datetime, specs: dict | None = None) -> LiveClock:
    elapsed = timedelta(seconds=clock.elapsed_seconds)
    state = clock.state
    if clock.counting:
        spec = (specs or {}).get(clock.calendar_id) or calendar_specs([clock.calendar_id])[clock.calendar_id]
        elapsed += business_time_between(spec, clock.computed_at, now)
    if state == ClockState.RUNNING and clock.due_at is not None and now > clock.due_at:
        state = ClockState.BREACHED
    return LiveClock(clock=clock, elapsed=elapsed, state=state)


def tickets_at_risk(*, user, now: datetime) -> QuerySet[Ticket]:
    """Open tickets with a live clock past its first warning share or breached."""
    return (
        ticket_list(user=user)
        .filter(state__in=ACTIVE_TICKET_STATES)
        .filter(
            Exists(
                Clock.objects.filter(ticket=OuterRef("pk"), stopped_at__isnull=True).filter(
                    Q(state=ClockState.BREACHED) | Q(last_warned_share__gt=0) | Q(due_at__lt=now)
                )
            )
        )
    )


# --- Attainment and risk, for pages ---------------------------------------------------------


@dataclass(frozen=True)
class Attainment(PriorityCounts):
    """How many clocks of one kind and priority kept their target in a period."""

    kind: str


def clock_outcomes_between(start: datetime, end: datetime) -> Q:
    """Clocks whose outcome fell in [start, end): met or breached when they stopped, or
    breached while still running (what attainment counts)."""
    return Q(stopped_at__gte=start, stopped_at__lt=end, state__in=[ClockState.MET, ClockState.BREACHED]) | Q(
        stopped_at__isnull=True, state=ClockState.BREACHED, breached_at__gte=start, breached_at__lt=end
    )


def service_attainment(*, service: Service, start: datetime, end: datetime) -> list[Attainment]:
    """Per priority and clock kind: clocks whose outcome fell in [start, end) (see
    clock_outcomes_between). One aggregate query, plus one for the agreed objectives."""
    return attainment_by_service(service_ids=[service.pk], start=start, end=end)[service.pk]


def attainment_by_service(
    *, service_ids: Iterable[int], start: datetime, end: datetime, unit_id: int | None = None
) -> dict[int, list[Attainment]]:
    """Service id -> its attainment rows (as service_attainment), for every id given. With
    `unit_id`, a business unit's own: only the clocks of tickets raised by or for that unit
    (Ticket.business_unit), each priority against the unit's agreement in force where it has
    targets, else the all-units one (as agreed_targets_for picks the agreement). Two queries
    whatever the number of services."""
    from django.db.models import Count

    ids = sorted(set(service_ids))
    clocks = Clock.objects.filter(ticket__service_id__in=ids)
    if unit_id is not None:
        clocks = clocks.filter(ticket__business_unit_id=unit_id)
    rows = (
        clocks.filter(clock_outcomes_between(start, end))
        .values("ticket__service_id", "priority", "kind")
        .annotate(
            met=Count("pk", filter=Q(state=ClockState.MET)),
            breached=Count("pk", filter=Q(state=ClockState.BREACHED)),
        )
        .order_by("ticket__service_id", "priority", "kind")
    )
    return {
        service_id: [
            Attainment(
                priority=row["priority"],
                kind=row["kind"],
                met=row["met"],
                breached=row["breached"],
                objective_percent=objectives.get(row["priority"]),
            )
            for row in rows_of
        ]
        for service_id, rows_of, objectives in _with_objectives(ids, rows, unit_id)
    }


def _with_objectives(ids: list[int], rows, unit_id: int | None):
    """(service id, its rows, priority -> objective) per id: the highest objective of the
    versions in force for the audience (every version when no unit is given)."""
    targets = UrgencyTarget.objects.filter(agreement__service_id__in=ids, agreement__status=AgreementStatus.AGREED)
    if unit_id is not None:
        targets = targets.filter(Q(agreement__business_unit_id=unit_id) | Q(agreement__business_unit__isnull=True))
    by_audience: dict[tuple[int, int | None], dict[int, float]] = defaultdict(dict)
    for service_id, audience, priority, objective in targets.values_list(
        "agreement__service_id", "agreement__business_unit_id", "priority", "objective_percent"
    ):
        key = (service_id, audience if unit_id is not None else None)
        by_audience[key][priority] = max(by_audience[key].get(priority, 0), float(objective))
    by_service: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_service[row["ticket__service_id"]].append(row)
    for service_id in ids:
        objectives = by_audience.get((service_id, unit_id)) or by_audience.get((service_id, None), {})
        yield service_id, by_service.get(service_id, []), objectives


def clocks_at_risk(*, user, now: datetime, service: Service | None = None) -> QuerySet[Clock]:
    """Live clocks of open tickets that are warned or breached, soonest deadline first: the
    service page's tickets at risk (the early-warning board reads the clocks' alerts)."""
    tickets = ticket_list(user=user).filter(state__in=ACTIVE_TICKET_STATES)
    if service is not None:
        tickets = tickets.filter(service=service)
    return (
        Clock.objects.filter(ticket__in=tickets, stopped_at__isnull=True)
        .filter(Q(state=ClockState.BREACHED) | Q(last_warned_share__gt=0) | Q(due_at__lt=now))
        .select_related("ticket", "ticket__service", "calendar")
        .order_by(F("due_at").asc(nulls_last=True), "pk")
    )


# --- Success measures ----------------------------------------------------------------------

# Data may arrive for measures of versions still being agreed (so there is data by the time
# they are signed); only versions in force are evaluated.
MEASURABLE_STATUSES = (AgreementStatus.DRAFT, AgreementStatus.PROPOSED, AgreementStatus.AGREED)


def measures_accepting_data(*, service_ids: Iterable[int]) -> dict[tuple[int, str], list[Measure]]:
    """(service id, measure key) -> the definitions a data point for it must satisfy."""
    found: dict[tuple[int, str], list[Measure]] = {}
    for measure in Measure.objects.filter(
        agreement__service_id__in=list(service_ids), agreement__status__in=MEASURABLE_STATUSES
    ).select_related("agreement"):
        found.setdefault((measure.agreement.service_id, measure.key), []).append(measure)
    return found


def measures_in_force() -> QuerySet[Measure]:
    """Every measure of an agreement version in force: what the evaluation pass looks at."""
    return Measure.objects.filter(agreement__status=AgreementStatus.AGREED).select_related(
        "agreement", "agreement__service", "agreement__service__support_calendar"
    )


def service_time_zone(service: Service) -> str:
    """Periods of a service's measures follow its support calendar's zone, else the site's."""
    from django.conf import settings

    calendar = service.support_calendar
    return calendar.time_zone if calendar is not None else settings.TIME_ZONE


# --- Measurements (data points of success measures), scoped --------------------------------


def measurement_list(*, user) -> QuerySet:
    """Data points the user may read (catalog.rules 'sla.view_measurements'): admins and
    integrations every service's; owners (IT or business) their services'; members of a
    business unit those of the services that serve it."""
    from sla.models import Measurement

    return measurement_readers_scope(Measurement.objects.select_related("service", "recorded_by"), user=user)


def measurement_readers_scope(queryset: QuerySet, *, user) -> QuerySet:
    """`queryset` (rows with a `service`: data points, their corrections) cut to the services
    whose measurements the user may read, the one place of that rule for reads."""
    if not user.is_authenticated:
        return queryset.none()
    if access.is_admin(user) or access.is_integration(user):
        return queryset
    served = Exists(Membership.objects.filter(user=user, business_unit__services=OuterRef("service")))
    return queryset.filter(Q(service__service_owner=user) | Q(service__business_owner=user) | Q(served))


def observations_pending_keys(*, limit: int, received_before: datetime | None = None) -> list[tuple[str, str]]:
    """Tickets (source, external_id) with deliveries accepted and not derived yet, those waiting
    longest first (read through the partial index of pending observations)."""
    from django.db.models import Min

    from sla.models import TicketObservation

    rows = TicketObservation.objects.filter(pending=True)
    if received_before is not None:
        rows = rows.filter(received_at__lte=received_before)
    grouped = rows.order_by().values("source", "external_id").annotate(oldest=Min("received_at")).order_by("oldest")
    return [(row["source"], row["external_id"]) for row in grouped[:limit]]
