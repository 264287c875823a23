"""Benchmark of the catalogue-alignment and cost pages with ten times the demo's size: 500
services, 80 business units each served by about 25 services, each unit's marks (its list) and
8 requests in every state, 90 days of share history per unit, every service's cost as 3 driver
rows under a rule of each kind, 20 IT people (service owners) besides the admin. Seen by an admin
(every unit: the largest); a request's page is an answered one of the largest unit, the request
form that unit's; a request's edit and assign forms an open one of that unit, its correct form the
answered one; a service's costs (its page, with the form an admin sees, and the API) the one
serving the most units. Goal: a median server time under
200 ms for each page, in a pinned number of queries (printed; the tests pin them on small data).
The baseline, measured in the same run, is the login page.

    .venv/bin/python bench/alignment_costs.py [--runs 20]

Uses DATABASE_URL when set (PostgreSQL), else SQLite. Exit status 0 on PASS.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._django import django_database, median_ms, page_figures, vendor

SERVICE_OWNERS = "Service owners"  # catalog.rules.SERVICE_OWNERS (Django is set up later)

GOAL_MS = 200.0
SERVICES = 500
UNITS = 80
SERVED_PER_UNIT = 25
REQUESTS_PER_UNIT = 8
HISTORY_DAYS = 90


def build() -> tuple[object, str, int, int, str]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from bench.catalog import build as catalogue
    from catalog.models import (
        AlignmentSnapshot,
        BusinessUnit,
        CostDriver,
        MissingServiceRequest,
        Service,
        ServiceCost,
        ServiceMark,
    )

    rng = random.Random(UNITS)
    catalogue(SERVICES)
    now = timezone.now()
    have = BusinessUnit.objects.count()
    BusinessUnit.objects.bulk_create(
        BusinessUnit(name=f"Bench unit {n:03d}", slug=f"bench-unit-{n:03d}", headcount=rng.randint(5, 900))
        for n in range(have, UNITS)
    )
    units = list(BusinessUnit.objects.order_by("pk"))
    services = list(Service.objects.order_by("pk"))
    through = Service.business_units.through
    existing = set(through.objects.values_list("service_id", "businessunit_id"))
    links = set()
    for unit in units:
        for service in rng.sample(services, SERVED_PER_UNIT):
            if (service.pk, unit.pk) not in existing:
                links.add((service.pk, unit.pk))
    through.objects.bulk_create(through(service_id=s, businessunit_id=u) for s, u in links)
    served: dict[int, list[int]] = {}
    for service_id, unit_id in through.objects.values_list("service_id", "businessunit_id"):
        served.setdefault(unit_id, []).append(service_id)
    User = get_user_model()
    admin = User.objects.create_superuser("bench-admin", "admin@example.com", "x")
    # bench.catalog's 20 owners as IT people: whom a request can be given to (the assign form)
    Group.objects.get(name=SERVICE_OWNERS).user_set.add(*User.objects.filter(username__startswith="owner"))
    marks = []
    for unit in units:
        listed = served.get(unit.pk, [])
        chosen = {pk for pk in listed if rng.random() < 0.8} | {s.pk for s in rng.sample(services, 3)}
        marks += [ServiceMark(business_unit=unit, service_id=pk, marked_at=now) for pk in chosen]
    ServiceMark.objects.bulk_create(marks, ignore_conflicts=True)
    states = ("open", "open", "open", "added", "exists", "declined", "open", "declined")
    MissingServiceRequest.objects.bulk_create(
        MissingServiceRequest(
            business_unit=unit,
            title=f"Thing {n} of {unit.slug}",
            description="Something the unit relies on. " * 4,
            source=("unlisted", "bought", "run")[n % 3],
            annual_cost=Decimal(rng.randint(0, 20_000)),
            users_affected=rng.randint(1, 200),
            requested_by=admin,
            requested_at=now - timedelta(days=3 * n + 1),
            owner=admin,
            state=states[n],
            answer="" if states[n] == "open" else "Answered.",
            service=services[n] if states[n] in ("added", "exists") else None,
            answered_by=None if states[n] == "open" else admin,
            answered_at=None if states[n] == "open" else now - timedelta(days=n),
        )
        for unit in units
        for n in range(REQUESTS_PER_UNIT)
    )
    AlignmentSnapshot.objects.bulk_create(
        AlignmentSnapshot(
            business_unit=unit,
            day=(now - timedelta(days=back)).date(),
            agreed=20,
            it_only=5,
            unit_only=3,
            open_requests=4,
            share=Decimal("0.6250"),
            recorded_at=now - timedelta(days=back),
        )
        for unit in units
        for back in range(HISTORY_DAYS)
    )
    costs = ServiceCost.objects.bulk_create(
        ServiceCost(service=s, allocation_rule=("equal", "headcount", "tickets")[s.pk % 3]) for s in services
    )
    CostDriver.objects.bulk_create(
        CostDriver(service_cost=c, name=f"Driver {n}", amount=Decimal(1000 * (n + 1)), position=n)
        for c in costs
        for n in range(3)
    )
    biggest = max(units, key=lambda u: len(served.get(u.pk, [])))
    answered = MissingServiceRequest.objects.filter(business_unit=biggest, state="exists").order_by("pk").first()
    unanswered = MissingServiceRequest.objects.filter(business_unit=biggest, state="open").order_by("pk").first()
    units_of: dict[int, int] = {}
    for service_id, _unit_id in through.objects.values_list("service_id", "businessunit_id"):
        units_of[service_id] = units_of.get(service_id, 0) + 1
    widest = Service.objects.get(pk=max(units_of, key=lambda pk: (units_of[pk], -pk)))
    return admin, biggest.slug, answered.pk, unanswered.pk, widest.slug


def measure(runs: int) -> dict:
    from django.test import Client

    admin, slug, request_pk, open_pk, service_slug = build()
    client = Client()
    client.force_login(admin)
    pages = {
        "alignment ranking": "/alignment/",
        "a unit's alignment": f"/alignment/units/{slug}/",
        "a unit's marks form": f"/alignment/units/{slug}/marks/",
        "GET api alignment unit": f"/api/v1/alignment/units/{slug}/",
        "a request (answered)": f"/alignment/requests/{request_pk}/",
        "a request's form (new)": f"/alignment/units/{slug}/requests/new/",
        "a request's edit form": f"/alignment/requests/{open_pk}/edit/",
        "a request's assign form": f"/alignment/requests/{open_pk}/assign/",
        "a request's correct form": f"/alignment/requests/{request_pk}/correct/",
        "GET api requests": "/api/v1/alignment/requests/",
        "costs (catalogue)": "/costs/",
        "a unit's costs": f"/costs/units/{slug}/",
        "a service's costs (its form)": f"/costs/services/{service_slug}/",
        "GET api costs": "/api/v1/costs/",
        "GET api unit's costs": f"/api/v1/costs/units/{slug}/",
        "GET api service's costs": f"/api/v1/costs/services/{service_slug}/",
    }
    result = {"database": vendor(), "pages": {}}
    for name, url in pages.items():
        assert client.get(url).status_code == 200, url
        result["pages"][name] = page_figures(client, url, runs=runs)
    anonymous = Client()
    result["baseline"] = median_ms(lambda: anonymous.get("/accounts/login/"), runs=runs)
    return result


def report(result: dict) -> bool:
    print(
        f"Alignment and costs benchmark on {result['database']}: {SERVICES} services, {UNITS} units, "
        f"{UNITS * REQUESTS_PER_UNIT} requests, {UNITS * HISTORY_DAYS} history rows"
    )
    print(f"baseline (login page): {result['baseline']:.1f} ms")
    ok = True
    for name, figures in result["pages"].items():
        fast = figures["median_ms"] < GOAL_MS
        ok &= fast
        print(
            f"{name:<26} {figures['queries']:>3} queries  median {figures['median_ms']:7.1f} ms "
            f"(x{figures['median_ms'] / result['baseline']:.1f} baseline; goal < {GOAL_MS:.0f} ms; "
            f"CPU {figures['cpu_ms']:.1f} ms) "
            f"{'ok' if fast else 'SLOW'}"
        )
    print("PASS" if ok else "FAIL")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with django_database():
        result = measure(args.runs)
    return 0 if report(result) else 1


if __name__ == "__main__":
    sys.exit(main())
