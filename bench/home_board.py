"""Benchmark of a person's home (/) and the early-warning board (/board/, GET /api/v1/risks/) with
ten times the demo's size: 500 services, 1,000 measures in force with this period's evaluations,
600 unresolved alerts of every kind. Seen by an admin (the catalogue-wide home and board: the
largest). Goal: a median server time under 200 ms for each. The baseline, measured in the same
run, is the login page.

    .venv/bin/python bench/home_board.py [--runs 20]

Uses DATABASE_URL when set (PostgreSQL), else SQLite. Exit status 0 on PASS.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._django import django_database, median_ms, page_figures, vendor

GOAL_MS = 200.0
SERVICES = 500
ALERTS = 600
KINDS = ("clock_warning", "clock_breach", "measure_at_risk", "commitment_stale", "agreement_review_due")


def build() -> object:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bench.catalog import build as catalogue
    from catalog.models import Agreement, AgreementStatus, Measure, Service
    from sla.models import Alert, MeasureEvaluation

    catalogue(SERVICES)
    now = timezone.now()
    services = list(Service.objects.order_by("pk"))
    User = get_user_model()
    admin = User.objects.create_superuser("bench-admin", "admin@example.com", "x")
    it_signer = User.objects.create_user("bench-it")
    business_signer = User.objects.create_user("bench-business")
    agreements = Agreement.objects.bulk_create(
        Agreement(
            service=s,
            version=1,
            status=AgreementStatus.AGREED,
            scope="Bench.",
            effective_from=(now - timedelta(days=400)).date(),
            review_by=(now + timedelta(days=20)).date(),
            it_signed_by=it_signer,
            business_signed_by=business_signer,
            agreed_at=now - timedelta(days=400),
        )
        for s in services
    )
    measures = Measure.objects.bulk_create(
        Measure(agreement=a, key=f"m{n}", name=f"Measure {n}", description="Why.", factor=factor, target=95)
        for a in agreements
        for n, factor in enumerate(("results", "engagement"))
    )
    MeasureEvaluation.objects.bulk_create(
        MeasureEvaluation(
            measure=m,
            service_id=m.agreement.service_id,
            measure_key=m.key,
            period_start=now - timedelta(days=1),
            period_end=now + timedelta(days=1),
            status=("met", "at_risk", "missed")[m.pk % 3],
            volume=5,
            computed_at=now,
        )
        for m in measures
    )
    Alert.objects.bulk_create(
        Alert(
            key=f"bench-{n}",
            kind=KINDS[n % len(KINDS)],
            severity=("info", "warning", "critical")[n % 3],
            subject=f"Bench alert {n}",
            service=services[n % len(services)],
            due_at=now + timedelta(hours=n % 48 - 12),
            opened_at=now - timedelta(hours=1),
        )
        for n in range(ALERTS)
    )
    return admin


def measure(runs: int) -> dict:
    from django.test import Client

    admin = build()
    client = Client()
    client.force_login(admin)
    pages = {"home (admin)": "/", "board": "/board/", "GET /api/v1/risks/": "/api/v1/risks/"}
    result = {"database": vendor(), "pages": {}}
    for name, url in pages.items():
        assert client.get(url).status_code == 200, url
        result["pages"][name] = page_figures(client, url, runs=runs)
    anonymous = Client()
    result["baseline"] = median_ms(lambda: anonymous.get("/accounts/login/"), runs=runs)
    return result


def report(result: dict) -> bool:
    print(f"Home and board benchmark on {result['database']}: {SERVICES} services, {ALERTS} alerts")
    print(f"baseline (login page): {result['baseline']:.1f} ms")
    ok = True
    for name, figures in result["pages"].items():
        fast = figures["median_ms"] < GOAL_MS
        ok &= fast
        print(
            f"{name:<22} {figures['queries']:>3} queries  median {figures['median_ms']:7.1f} ms "
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
