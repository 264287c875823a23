"""Benchmark of the list APIs against a bare `JsonResponse` of the same rows: GET /api/v1/services/,
business-units, categories, agreements, tickets, alerts, risks, commitments, measurements and
feedback follow-ups (first page, 50 rows), on the demo organisation, as the demo's admin with an
API key. The baseline, measured in the same run and through the same stack (Django's test
client: every middleware, no network), is bench/_bare.py: `.values()` of the same rows. Goal:
each endpoint serves at least 0.6x the baseline's requests per second.

    .venv/bin/python bench/list_api.py [--runs 40] [--only services,tickets] [--json PATH]

Uses DATABASE_URL when set (PostgreSQL), else SQLite. Exit status 0 on PASS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._django import count_queries, django_database, vendor

GOAL = 0.6
USER = "priya.shah"  # the demo's admin (not a superuser), as an integration reading would be
ENDPOINTS = {  # name in bench/_bare.BARE: the endpoint
    "services": "/api/v1/services/",
    "business-units": "/api/v1/business-units/",
    "categories": "/api/v1/categories/",
    "agreements": "/api/v1/agreements/",
    "tickets": "/api/v1/tickets/",
    "alerts": "/api/v1/alerts/",
    "risks": "/api/v1/risks/",
    "commitments": "/api/v1/commitments/",
    "measurements": "/api/v1/measurements/",
    "follow-ups": "/api/v1/feedback/follow-ups/",
    "check-ins": "/api/v1/commitments/{commitment}/check-ins/",
    "alignment-requests": "/api/v1/alignment/requests/",
    # Plain lists (no pages): an agreement's measures and targets, the units' alignment ranking,
    # a service's recent review periods.
    "agreement-measures": "/api/v1/agreements/{agreement}/measures/",
    "agreement-targets": "/api/v1/agreements/{agreement}/targets/",
    "alignment": "/api/v1/alignment/",
    "reviews": "/api/v1/services/{service}/reviews/",
}


def demo_with_key() -> str:
    """Load the demo organisation and issue a read key for its admin; the key."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    os.environ.setdefault("DEMO_PASSWORD", "bench-demo-password")
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=StringIO())
    key = StringIO()
    call_command("issue_api_token", USER, "--name", "bench", "--scope", "read", stdout=key)
    return key.getvalue().strip()


def demo_ids() -> dict:
    """The demo's objects the nested lists are under: the agreement with the most measures and
    targets, the commitment with the most check-ins, the service with the most reviews."""
    from django.db.models import Count

    from catalog.models import Agreement, Service
    from sla.models import Commitment

    agreement = Agreement.objects.annotate(n=Count("measures", distinct=True) + Count("urgency_targets", distinct=True))
    commitment = Commitment.objects.annotate(n=Count("check_ins"))
    service = Service.objects.annotate(n=Count("reviews"))
    return {
        "agreement": agreement.order_by("-n", "pk").values_list("pk", flat=True).first(),
        "commitment": commitment.order_by("-n", "pk").values_list("pk", flat=True).first(),
        "service": service.order_by("-n", "pk").values_list("slug", flat=True).first(),
    }


def interleaved(first, second, *, runs: int, warmup: int = 3) -> tuple[float, float, float]:
    """Median milliseconds of `first` and `second`, called in turn so that both see the same load
    from whatever else runs on the machine, and the median of the pairs' ratios (second / first):
    on a shared machine the load moves between pairs more than within one."""
    for _ in range(warmup):
        first(), second()
    a, b = [], []
    for _ in range(runs):
        started = time.perf_counter()
        first()
        a.append(time.perf_counter() - started)
        started = time.perf_counter()
        second()
        b.append(time.perf_counter() - started)
    ratio = statistics.median(y / x for x, y in zip(a, b, strict=True))
    return statistics.median(a) * 1000, statistics.median(b) * 1000, ratio


def measure(runs: int, only: list[str]) -> dict:
    from django.conf import settings
    from django.test import Client

    from bench import _bare

    key = demo_with_key()
    _bare.IDS.update(demo_ids())
    settings.ROOT_URLCONF = "bench._bare"
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    result = {"database": vendor(), "endpoints": {}}
    for name in only:
        url, bare_url = ENDPOINTS[name].format(**_bare.IDS), f"/bench/bare/{name}/"
        response, bare = client.get(url), client.get(bare_url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        assert bare.status_code == 200, (bare_url, bare.status_code)
        api_ms, bare_ms, ratio = interleaved(
            lambda url=url: client.get(url), lambda u=bare_url: client.get(u), runs=runs
        )
        result["endpoints"][name] = {
            "url": url,
            "rows": _row_count(response.json()),
            "bare_rows": _row_count(bare.json()),
            "queries": count_queries(lambda url=url: client.get(url)),
            "api_ms": api_ms,
            "bare_ms": bare_ms,
            "ratio": ratio,  # of requests per second: (1 / api) / (1 / bare), pair by pair
        }
    return result


def _row_count(body) -> int:
    return len(body if isinstance(body, list) else body["results"])


def report(result: dict) -> bool:
    print(f"List APIs against a bare JsonResponse of the same rows, on {result['database']}")
    print(f"{'endpoint':<42} {'rows':>4} {'queries':>7} {'API ms':>7} {'bare ms':>7} {'ratio':>6}")
    ok = True
    for row in result["endpoints"].values():
        passed = row["ratio"] >= GOAL
        ok &= passed
        print(
            f"{row['url']:<42} {row['rows']:>4} {row['queries']:>7} {row['api_ms']:>7.1f} {row['bare_ms']:>7.1f} "
            f"{row['ratio']:>6.2f}{'' if passed else '  < ' + str(GOAL)}"
        )
    print(f"Goal: every endpoint at least {GOAL}x the bare JsonResponse's requests per second.")
    print("PASS" if ok else "FAIL")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--only", default=",".join(ENDPOINTS), help="comma-separated names: " + ", ".join(ENDPOINTS))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(only) - set(ENDPOINTS))
    if unknown:
        parser.error(f"unknown endpoint {', '.join(unknown)}; choose from {', '.join(ENDPOINTS)}")
    with django_database():
        result = measure(args.runs, only)
    ok = report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
