"""Benchmark of the catalogue: the home page and GET /api/v1/services/ with 10, 100 and 1,000
services. Goals: a constant number of queries whatever the number of services, and a median
server time under 150 ms at 1,000 services. The baseline, measured in the same run, is the
login page: the same middleware and template stack with no catalogue data.

    .venv/bin/python bench/catalog.py [--runs 30] [--json PATH]

Uses DATABASE_URL when set (PostgreSQL in CI), else SQLite. Exit status 0 on PASS.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._django import count_queries, django_database, median_ms, vendor

GOAL_MS = 150.0
SIZES = (10, 100, 1000)


def build(total: int) -> None:
    """Grow the catalogue to `total` services: 8 categories, 6 business units, owners, deps."""
    from django.contrib.auth import get_user_model

    from catalog.models import BusinessUnit, Category, Service, ServiceDependency

    rng = random.Random(total)
    User = get_user_model()
    if not Category.objects.exists():
        Category.objects.bulk_create(Category(name=f"Category {n}", slug=f"category-{n}", position=n) for n in range(8))
        BusinessUnit.objects.bulk_create(BusinessUnit(name=f"Unit {n}", slug=f"unit-{n}") for n in range(6))
        User.objects.bulk_create(User(username=f"owner{n}", first_name="Owner", last_name=str(n)) for n in range(20))
    categories, units, owners = list(Category.objects.all()), list(BusinessUnit.objects.all()), list(User.objects.all())
    have = Service.objects.count()
    new = [
        Service(
            name=f"Service {n:04d}",
            slug=f"service-{n:04d}",
            category=rng.choice(categories),
            summary=f"Business summary of service {n}.",
            description="A paragraph of **business** language. " * 5,
            service_owner=rng.choice(owners),
            business_owner=rng.choice(owners),
            lifecycle=rng.choice(["live", "live", "live", "retiring", "proposed"]),
            criticality=rng.randint(1, 4),
            annual_cost=rng.randint(1_000, 900_000),
            keywords="alpha, beta, gamma",
        )
        for n in range(have, total)
    ]
    Service.objects.bulk_create(new)
    through = Service.business_units.through
    through.objects.bulk_create(
        through(service_id=s.pk, businessunit_id=u.pk) for s in new for u in rng.sample(units, 2)
    )
    if len(new) > 10:  # a few services depend on the first new one, as in a real catalogue
        ServiceDependency.objects.bulk_create(
            ServiceDependency(service_id=s.pk, depends_on_id=new[0].pk) for s in new[1:10]
        )


def measure(runs: int) -> dict:
    from django.test import Client

    client = Client()
    pages = {"catalogue page": "/", "GET /api/v1/services/": "/api/v1/services/"}
    baseline_url = "/accounts/login/"
    result = {"database": vendor(), "sizes": {}}
    for size in SIZES:
        build(size)
        row = {}
        for name, url in pages.items():
            assert client.get(url).status_code == 200, url
            row[name] = {
                "queries": count_queries(lambda url=url: client.get(url)),
                "median_ms": median_ms(lambda url=url: client.get(url), runs=runs),
            }
        row["baseline (login page)"] = {
            "queries": count_queries(lambda: client.get(baseline_url)),
            "median_ms": median_ms(lambda: client.get(baseline_url), runs=runs),
        }
        result["sizes"][size] = row
    return result


def report(result: dict) -> bool:
    print(f"Catalogue benchmark on {result['database']}")
    print(f"{'services':>8}  {'page':<24} {'queries':>7} {'median ms':>10} {'x baseline':>10}")
    ok = True
    for size, row in result["sizes"].items():
        base = row["baseline (login page)"]["median_ms"]
        for name, figures in row.items():
            ratio = figures["median_ms"] / base if base else float("nan")
            print(f"{size:>8}  {name:<24} {figures['queries']:>7} {figures['median_ms']:>10.1f} {ratio:>10.1f}")
    first, last = result["sizes"][SIZES[0]], result["sizes"][SIZES[-1]]
    for name in ("catalogue page", "GET /api/v1/services/"):
        constant = first[name]["queries"] == last[name]["queries"]
        fast = last[name]["median_ms"] < GOAL_MS
        ok &= constant and fast
        print(
            f"{name}: queries {'constant' if constant else 'GROW'} "
            f"({first[name]['queries']} at {SIZES[0]}, {last[name]['queries']} at {SIZES[-1]}); "
            f"median {last[name]['median_ms']:.1f} ms at {SIZES[-1]} services (goal < {GOAL_MS:.0f} ms)"
        )
    print("PASS" if ok else "FAIL")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with django_database():
        result = measure(args.runs)
    ok = report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
