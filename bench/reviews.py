"""Benchmark of the service review with ten times the demo's size: 500 services, each with an
agreement in force; the reviewed service with 5 priorities' targets, 5 measures evaluated over the
last 7 months, 1,500 tickets with 3,000 clocks over the last months (150 breached last month),
30 commitments, 2,000 survey answers across the catalogue (600 its own), 3 actions from the last
review. Seen by a business representative (the catalogue-wide ranking of survey scores is read
for them too). Measured: last month's review page, its PDF, the API's detail, the lists of reviews
(the service's and the unit's, pages and API), and a unit's review
across its 172 services (page, PDF and API detail): an overview row each, and in full the 12 with
something to discuss (the reviewed service, and 11 others with a commitment late last month). Goal: a median server time
under 200 ms for each.
The baseline, measured in the same run, is the login page.

    .venv/bin/python bench/reviews.py [--runs 15]

Uses DATABASE_URL when set (PostgreSQL), else SQLite. Exit status 0 on PASS.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._django import django_database, median_ms, page_figures, vendor

GOAL_MS = 200.0
SERVICES = 500
TICKETS = 1500
ANSWERS = 2000
DISCUSSED_ELSEWHERE = 11


def build() -> tuple[object, str, str, str]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bench.catalog import build as catalogue
    from catalog.models import Agreement, AgreementStatus, BusinessUnit, Measure, Membership, Service, UrgencyTarget
    from feedback.models import Response
    from portal.reviews.periods import MONTH, period_of
    from portal.reviews.services import review_action_record
    from sla.models import Clock, ClockKind, ClockState, Commitment, MeasureEvaluation, Ticket
    from sla.services.calendars import calendar_create

    rng = random.Random(11)
    catalogue(SERVICES)
    now = timezone.now()
    last_month = period_of(MONTH, timezone.localdate(now).replace(day=1) - timedelta(days=1))
    start, end = last_month.bounds("UTC")
    services = list(Service.objects.order_by("pk"))
    units = list(BusinessUnit.objects.order_by("pk"))
    unit = units[0]
    for service in services:  # about one unit in three per service, as in the demo
        service.business_units.set(rng.sample(units, 2))
    reviewed = services[0]
    reviewed.business_units.add(unit)
    User = get_user_model()
    rep = User.objects.create_user("bench-rep", "rep@example.com", "x", first_name="Rita", last_name="Rep")
    Membership.objects.create(user=rep, business_unit=unit, is_representative=True)
    signer = User.objects.create_user("bench-it")
    business_signer = User.objects.create_user("bench-business")
    agreements = Agreement.objects.bulk_create(
        Agreement(
            service=s,
            business_unit=unit if s == reviewed else None,
            version=1,
            status=AgreementStatus.AGREED,
            scope="Bench.",
            effective_from=(now - timedelta(days=400)).date(),
            review_by=(now + timedelta(days=40)).date(),
            it_signed_by=signer,
            business_signed_by=business_signer,
            agreed_at=now - timedelta(days=400),
        )
        for s in services
    )
    agreement = agreements[0]
    always = calendar_create(name="Bench always", time_zone="UTC", is_24x7=True)
    hour = timedelta(hours=1)
    UrgencyTarget.objects.bulk_create(
        UrgencyTarget(
            agreement=agreement,
            priority=p,
            engage_within=p * hour,
            update_every=2 * p * hour,
            resolve_within=8 * p * hour,
            calendar=always,
        )
        for p in range(1, 6)
    )
    measures = Measure.objects.bulk_create(
        Measure(agreement=agreement, key=f"m{n}", name=f"Measure {n}", description="Why.", factor=factor, target=95)
        for n, factor in enumerate(("results", "engagement", "urgency", "pace", "ownership"))
    )
    month = last_month
    windows = []
    for _ in range(7):
        windows.append(month.bounds("UTC"))
        month = month.previous()
    MeasureEvaluation.objects.bulk_create(
        MeasureEvaluation(
            measure=m,
            service=reviewed,
            measure_key=m.key,
            period_start=s,
            period_end=e,
            actual=90 + rng.random() * 10,
            status=rng.choice(["met", "at_risk", "missed"]),
            volume=5,
            computed_at=e,
        )
        for m in measures
        for s, e in windows
    )
    span = (now - windows[-1][0]).total_seconds()
    tickets = Ticket.objects.bulk_create(
        Ticket(
            source="bench",
            external_id=f"B-{n}",
            service=reviewed,
            business_unit=unit,
            priority=1 + n % 5,
            title=f"Bench ticket {n}",
            state="resolved",
            opened_at=windows[-1][0] + timedelta(seconds=rng.random() * span),
        )
        for n in range(TICKETS)
    )
    clocks = []
    for n, ticket in enumerate(tickets):
        for cycle, kind in enumerate((ClockKind.ENGAGE, ClockKind.RESOLVE)):
            breached = n % 10 == 0 and kind == ClockKind.RESOLVE
            stopped = ticket.opened_at + timedelta(hours=2 + cycle)
            clocks.append(
                Clock(
                    ticket=ticket,
                    kind=kind,
                    cycle=1,
                    priority=ticket.priority,
                    calendar=always,
                    target_seconds=3600,
                    started_at=ticket.opened_at,
                    stopped_at=stopped,
                    state=ClockState.BREACHED if breached else ClockState.MET,
                    breached_at=ticket.opened_at + hour if breached else None,
                    computed_at=stopped,
                )
            )
    Clock.objects.bulk_create(clocks)
    Commitment.objects.bulk_create(
        Commitment(
            service=reviewed,
            business_unit=unit,
            title=f"Commitment {n}",
            definition_of_done="Done.",
            owner=signer,
            committed_on=(start - timedelta(days=60)).date(),
            due_on=(start + timedelta(days=n)).date(),
            outcome=("open", "delivered", "missed")[n % 3],
            closed_on=(start + timedelta(days=n + n % 4)).date() if n % 3 else None,
            closing_note="Bench." if n % 3 else "",
        )
        for n in range(30)
    )
    Response.objects.bulk_create(
        Response(
            service=reviewed if n < 600 else services[n % SERVICES],
            kind="event",
            csat=1 + n % 5,
            nps=n % 11,
            ces=1 + n % 7,
            comment="Slow and unclear" if n % 4 == 0 else "",
            submitted_at=start + timedelta(seconds=rng.random() * (end - start).total_seconds()),
        )
        for n in range(ANSWERS)
    )
    # 11 more of the unit's services with something to discuss: a commitment late last month.
    others = Service.objects.filter(business_units=unit).exclude(pk=reviewed.pk).order_by("pk")[:DISCUSSED_ELSEWHERE]
    Commitment.objects.bulk_create(
        Commitment(
            service=s,
            business_unit=unit,
            title=f"Late for {s.name}",
            definition_of_done="Done.",
            owner=signer,
            committed_on=(start - timedelta(days=60)).date(),
            due_on=(start + timedelta(days=10)).date(),
        )
        for s in others
    )
    reviewed.service_owner = signer
    reviewed.save(update_fields=["service_owner"])
    for text in ("Share the root cause", "Agree a change freeze", "Retire the old report"):
        review_action_record(
            period=last_month.previous(),
            service=reviewed,
            text=text,
            owner=signer,
            due_on=last_month.start + timedelta(days=5),
            by=signer,
        )
    from django.db import connection

    if connection.vendor == "postgresql":  # planner statistics, as autovacuum keeps them after a bulk load
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return rep, reviewed.slug, unit.slug, last_month.code


def measure(runs: int) -> dict:
    from django.test import Client

    rep, slug, unit, period = build()
    client = Client()
    client.force_login(rep)
    pages = {
        "review page": f"/services/{slug}/reviews/{period}/",
        "review PDF": f"/services/{slug}/reviews/{period}/pdf/",
        "GET api review": f"/api/v1/services/{slug}/reviews/{period}/",
        "service's review list": f"/services/{slug}/reviews/",
        "GET api review list": f"/api/v1/services/{slug}/reviews/",
    }
    result = {"database": vendor(), "pages": {}}
    for name, url in pages.items():
        assert client.get(url).status_code == 200, url
        result["pages"][name] = page_figures(client, url, runs=runs)
    from catalog.models import Service

    result["services"] = Service.objects.filter(business_units__slug=unit).count()
    units = {
        "unit review": f"/units/{unit}/reviews/{period}/",
        "unit review PDF": f"/units/{unit}/reviews/{period}/pdf/",
        "GET api unit review": f"/api/v1/business-units/{unit}/reviews/{period}/",
        "unit's review list": f"/units/{unit}/reviews/",
        "GET api unit list": f"/api/v1/business-units/{unit}/reviews/",
    }
    for name, url in units.items():
        response = client.get(url)
        assert response.status_code == 200, url
        if name == "unit review":
            result["in_full"] = response.content.decode().count('data-testid="review-service"')
        result["pages"][name] = page_figures(client, url, runs=runs)
    anonymous = Client()
    result["baseline"] = median_ms(lambda: anonymous.get("/accounts/login/"), runs=runs)
    return result


def report(result: dict) -> bool:
    print(
        f"Service review benchmark on {result['database']}: {SERVICES} services, {TICKETS} tickets "
        f"and {ANSWERS} answers (the reviewed service's share)"
    )
    print(f"baseline (login page): {result['baseline']:.1f} ms")
    ok = True
    for name, figures in result["pages"].items():
        fast = figures["median_ms"] < GOAL_MS
        ok &= fast
        print(
            f"{name:<21} {figures['queries']:>4} queries  median {figures['median_ms']:7.1f} ms "
            f"(x{figures['median_ms'] / result['baseline']:.1f} baseline; goal < {GOAL_MS:.0f} ms; "
            f"CPU {figures['cpu_ms']:.1f} ms) "
            f"{'ok' if fast else 'SLOW'}"
        )
    print(f"(the unit uses {result['services']} services, {result['in_full']} shown in full)")
    print("PASS" if ok else "FAIL")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with django_database():
        result = measure(args.runs)
    return 0 if report(result) else 1


if __name__ == "__main__":
    sys.exit(main())
