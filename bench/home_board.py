"""Benchmark of a person's home (/), the early-warning board (/board/, GET /api/v1/risks/) and a
service's scorecard (the service page's fragment and the page of its own) with
ten times the demo's size: 500 services, 1,000 measures in force with this period's evaluations,
600 unresolved alerts of every kind. Seen by an admin (the catalogue-wide home and board: the
largest); the homes also as a business unit's representative (the ~170 services the unit uses,
business owner of a tenth of them, the unit's feedback and surveys waiting) and as a service
owner (~25 services, follow-ups due, also a unit's member). Goal: a median server time under
200 ms for each. The baseline, measured in the same run, is the login page.

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
RESPONSES = 300  # with a comment, from the representative's unit and others
FOLLOW_UPS = 40  # the owner's, open
KINDS = ("clock_warning", "clock_breach", "measure_at_risk", "commitment_stale", "agreement_review_due")


def build() -> dict:
    """The data, and who looks at it: {"admin": ..., "business": ..., "owner": ...}."""
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
    return {"admin": admin, **_people(services, now)}


def _people(services, now) -> dict:
    """A representative of the first unit (business owner of a tenth of its services) and the
    owner of the most services (a member of another unit), with what waits for them."""
    from collections import Counter

    from django.contrib.auth import get_user_model

    from catalog.models import BusinessUnit, Membership, Service
    from feedback.models import FollowUp, Invitation, InvitationStatus, Response

    User = get_user_model()
    units = list(BusinessUnit.objects.order_by("pk"))
    rep = User.objects.create_user("bench-rep", "rep@example.com")
    Membership.objects.create(user=rep, business_unit=units[0], is_representative=True)
    used = list(Service.objects.filter(business_units=units[0]).order_by("pk").values_list("pk", flat=True))
    Service.objects.filter(pk__in=used[::10]).update(business_owner=rep)
    owner_id, _ = Counter(s.service_owner_id for s in services).most_common(1)[0]
    owner = User.objects.get(pk=owner_id)
    Membership.objects.create(user=owner, business_unit=units[1])
    responses = Response.objects.bulk_create(
        Response(
            service=services[n % len(services)],
            business_unit=units[n % len(units)],
            csat=1 + n % 5,
            comment=f"Bench comment {n}.",
            submitted_at=now,
        )
        for n in range(RESPONSES)
    )
    owned = [s for s in services if s.service_owner_id == owner_id]
    FollowUp.objects.bulk_create(
        FollowUp(response=r, service=owned[n % len(owned)], owner=owner, due_at=now)
        for n, r in enumerate(responses[:FOLLOW_UPS])
    )
    Invitation.objects.bulk_create(
        Invitation(
            kind="event",
            service_id=used[n % len(used)],
            email="rep@example.com",
            nonce=f"bench-{n}",
            status=InvitationStatus.SENT,
            send_after=now,
            sent_at=now,
            expires_at=now + timedelta(days=5),
        )
        for n in range(20)
    )
    return {"business": rep, "owner": owner}


def measure(runs: int) -> dict:
    from django.test import Client

    from catalog.models import Service

    people = build()
    card = Service.objects.order_by("pk").values_list("slug", flat=True).first()
    pages = {
        "home (admin)": ("admin", "/"),
        "board": ("admin", "/board/"),
        "GET /api/v1/risks/": ("admin", "/api/v1/risks/"),
        "home (business)": ("business", "/"),
        "home (owner)": ("owner", "/"),
        # A service's scorecard: the fragment of the service page (measures, budget) and the page
        # of its own, which also draws attainment, tickets and CSAT/NPS/CES (docs/charts.md).
        "scorecard fragment": ("admin", f"/services/{card}/scorecard/", {"HTTP_HX_REQUEST": "true"}),
        "scorecard page": ("admin", f"/services/{card}/scorecard/"),
    }
    result = {"database": vendor(), "pages": {}}
    for name, (who, url, *headers) in pages.items():
        client = Client(**(headers[0] if headers else {}))
        client.force_login(people[who])
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        if name == "home (business)":  # the home of that role, with something in it
            assert "Bench alert" in html and "Bench comment" in html and 'id="home-follow-ups"' not in html
        elif name == "home (owner)":
            assert "Bench alert" in html and 'id="home-follow-ups"' in html
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
