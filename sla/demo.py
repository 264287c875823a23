"""Demo data of the SLA engine, loaded by `manage.py load_demo` (catalog.demo.LOADERS).

- Calendars: UK office hours, extended hours for critical services, 24x7 for P1 targets;
  every demo service names its support calendar.
- Urgency targets by criticality tier, set on each demo agreement when it is drafted
  (catalog.demo.loaders asks `demo_targets`); a version in force without targets (an older
  demo database) gets a revised version that adds them.
- Tickets: the real ServiceNow sample (../shared/data) as the IT service desk's history, and
  a few dozen live tickets across services, timed relative to the moment the demo is loaded,
  so the early-warning board, the alerts and this month's attainment have something to show.
Every loader is idempotent: it creates what is missing and leaves the rest alone.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from catalog.models import Agreement, AgreementStatus, Service
from catalog.services import (
    agreement_draft_create,
    agreement_propose,
    agreement_sign,
    measures_replace,
    service_update,
    urgency_targets_replace,
)
from sla.events import TicketEventInput
from sla.models import Calendar, Ticket
from sla.services import calendar_create, calendar_create_standard, ticket_events_ingest

SAMPLE = Path(settings.BASE_DIR).parent / "shared" / "data" / "servicenow-incident-events-sample.csv"
SERVICE_DESK = "IT service desk"
H, M = timedelta(hours=1), timedelta(minutes=1)

# Per tier: (P1 engage, update, resolve) on 24x7 for tiers 1-2; the rest on support hours.
_TIERS = {
    1: {1: (15 * M, H, 4 * H), 2: (30 * M, 2 * H, 8 * H), 3: (2 * H, 8 * H, 24 * H), 4: (8 * H, None, 40 * H)},
    2: {1: (30 * M, H, 6 * H), 2: (H, 4 * H, 16 * H), 3: (4 * H, 8 * H, 24 * H), 4: (8 * H, None, 40 * H)},
    3: {1: (H, 2 * H, 8 * H), 2: (2 * H, 4 * H, 16 * H), 3: (4 * H, None, 24 * H), 4: (8 * H, None, 40 * H)},
    4: {1: (2 * H, 4 * H, 16 * H), 2: (4 * H, 8 * H, 24 * H), 3: (8 * H, None, 40 * H), 4: (16 * H, None, 80 * H)},
}


def demo_targets(service: Service) -> list[dict]:
    """The urgency targets a demo agreement of this service promises."""
    always = Calendar.objects.get(slug="24x7")
    targets = []
    for priority, (engage, update, resolve) in _TIERS[service.criticality].items():
        targets.append(
            {
                "priority": priority,
                "engage_within": engage,
                "update_every": update,
                "resolve_within": resolve,
                "calendar": always if priority == 1 and service.criticality <= 2 else None,
                "objective_percent": 90 if priority == 1 else 95,
            }
        )
    return targets


def load_calendars(context) -> None:
    if not Calendar.objects.filter(slug="uk-office-hours").exists():
        calendar_create_standard(kind="uk-office-hours")
        context.created["calendars"] += 1
    if not Calendar.objects.filter(slug="24x7").exists():
        calendar_create_standard(kind="24x7", time_zone="Europe/London")
        context.created["calendars"] += 1
    if not Calendar.objects.filter(slug="extended-hours").exists():
        calendar_create(
            name="Extended hours",
            slug="extended-hours",
            description="Monday to Friday 07:00-19:00 and Saturday 09:00-13:00 UK time, bank holidays closed.",
            time_zone="Europe/London",
            holiday_country="GB",
            holiday_subdivision="ENG",
            hours={**dict.fromkeys(range(5), "07:00-19:00"), 5: "09:00-13:00"},
        )
        context.created["calendars"] += 1
    calendars = {c.slug: c for c in Calendar.objects.filter(slug__in=["uk-office-hours", "extended-hours"])}
    for service in context.services.values():
        if service.support_calendar_id is None:
            wanted = calendars["extended-hours" if service.criticality <= 2 else "uk-office-hours"]
            service_update(service=service, support_calendar=wanted)
            context.updated["services"] += 1


def load_targets(context) -> None:
    """Agreements in force without the demo's urgency targets or measures (a demo database
    loaded by an earlier Accord) get a revised version that adds them, agreed by the same
    people, as a service owner would have done."""
    from catalog.demo.measures import MEASURES

    in_force = Agreement.objects.filter(status=AgreementStatus.AGREED).select_related(
        "service", "business_unit", "business_signed_by"
    )
    for agreement in in_force:
        service = agreement.service
        lacks_targets = not agreement.urgency_targets.exists()
        lacks_measures = service.name in MEASURES and not agreement.measures.exists()
        if service.name not in context.services or not (lacks_targets or lacks_measures):
            continue
        if Agreement.objects.filter(
            service=service, business_unit=agreement.business_unit, status__in=["draft", "proposed"]
        ).exists():
            continue
        owner, signer = service.service_owner, agreement.business_signed_by
        draft = agreement_draft_create(service=service, business_unit=agreement.business_unit, actor=owner)
        if lacks_targets:
            urgency_targets_replace(agreement=draft, targets=demo_targets(service))
        if lacks_measures:
            measures_replace(agreement=draft, measures=MEASURES[service.name])
        agreement_propose(agreement=draft, actor=owner)
        agreement_sign(agreement=draft, actor=owner)
        agreement_sign(agreement=draft, actor=signer)
        context.created["agreements"] += 1


def load_tickets(context) -> None:
    desk = context.services.get(SERVICE_DESK)
    if desk is not None and SAMPLE.exists() and not Ticket.objects.filter(source="servicenow").exists():
        call_command("import_servicenow_events", str(SAMPLE), "--service", desk.slug, verbosity=0, stdout=io.StringIO())
        context.created["tickets (ServiceNow sample)"] += Ticket.objects.filter(source="servicenow").count()
    _load_live_tickets(context)


def _load_live_tickets(context) -> None:
    """Tickets of the last fortnight on services with an agreement in force: some resolved in
    time, some late, some open and close to their deadlines, some waiting on the customer."""
    if Ticket.objects.filter(source="demo").exists():
        return
    rng = random.Random(2026)
    agreed = list(
        Agreement.objects.filter(status=AgreementStatus.AGREED, urgency_targets__isnull=False)
        .select_related("service", "business_unit")
        .distinct()
        .order_by("service__name", "business_unit__name")
    )
    events: list[TicketEventInput] = []
    for number in range(60):
        agreement = agreed[number % len(agreed)]
        events += _ticket_story(context.now, number, agreement, rng)
    ticket_events_ingest(events=events, now=context.now)
    context.created["tickets (live)"] += 60


REQUESTERS = ["Alex", "Sam", "Jo", "Chris", "Robin"]
_TITLES = [
    "Cannot log in since this morning",
    "Report shows last week's figures",
    "Screen freezes when saving",
    "New starter cannot see the shared folder",
    "Orders stuck at 'awaiting payment'",
    "Printer on the second floor offline",
    "Error 500 when exporting to Excel",
    "Slow response from 9am to 10am",
    "Invoice batch rejected by the bank",
    "Handheld scanner will not sync",
]


def _ticket_story(now: datetime, number: int, agreement: Agreement, rng: random.Random) -> list[TicketEventInput]:
    """One ticket's events. Priorities lean to P3; stories vary by number."""
    key = f"DEMO-{1000 + number}"
    priority = rng.choices([1, 2, 3, 4], weights=[1, 3, 6, 3])[0]
    story = number % 6  # 0-1 resolved quickly, 2 resolved late, 3 open and busy, 4 waiting, 5 untouched
    hours_ago = rng.uniform(24, 14 * 24) if story <= 2 else rng.uniform(0.5, 30) if story == 3 else rng.uniform(0.3, 8)
    opened = now - timedelta(hours=hours_ago)
    people = ["Priya Shah", "Tom Evans", "Grace Okafor", "Liam Byrne", "Mei Lin"]
    who = people[number % len(people)]
    base = {"source": "demo", "external_id": key}
    out = [
        TicketEventInput(
            **base,
            kind="opened",
            occurred_at=opened,
            idempotency_key=f"{key}:opened",
            service=agreement.service.slug,
            business_unit=agreement.business_unit.slug if agreement.business_unit_id else None,
            priority=priority,
            title=_TITLES[number % len(_TITLES)],
            requester=f"{REQUESTERS[number % 5]} {['Hughes', 'Patel', 'Murray'][number % 3]}",
            requester_email=f"{REQUESTERS[number % 5].lower()}.{['hughes', 'patel', 'murray'][number % 3]}"
            "@harbourside.example",
        )
    ]

    def add(kind: str, after: timedelta, **extra) -> datetime | None:
        at = opened + after
        if at >= now:
            return None
        out.append(
            TicketEventInput(**base, kind=kind, occurred_at=at, idempotency_key=f"{key}:{kind}:{len(out)}", **extra)
        )
        return at

    if story == 5 and priority > 1:
        return out  # nobody has picked it up yet
    add("assigned", timedelta(minutes=rng.uniform(5, 50)), assignee=who)
    add("responded", timedelta(minutes=rng.uniform(55, 90)))
    if story in (0, 1):
        add("customer_updated", timedelta(hours=rng.uniform(1.5, 3)))
        add("resolved", timedelta(hours=rng.uniform(3, 6)))
        add("closed", timedelta(days=2))
    elif story == 2:
        add("customer_updated", timedelta(hours=9))
        add("resolved", timedelta(days=rng.uniform(4, 6)))
    elif story == 3:
        for step in range(1, 40):  # keeps the customer posted, most of the time
            if add("customer_updated", timedelta(hours=1.5 * step + rng.uniform(0, 1))) is None:
                break
    elif story == 4:
        add("paused", timedelta(hours=2), note="Waiting for the customer's screenshots")
    return out
