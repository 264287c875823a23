"""Demo commitments (the Results factor): one of each story the portal tells: on track, at
risk, stale, delivered, renegotiated and missed, with check-ins dated in the past. Loaded by
`manage.py load_demo`; a commitment whose title exists already is left alone."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from sla.models import Commitment
from sla.services import (
    check_in_record,
    commitment_create,
    commitment_deliver,
    commitment_renegotiate,
    commitments_check,
)

# Days relative to the day the demo is loaded; check-ins as (days ago, percent done, note).
STORIES = [
    {
        "service": "Payroll",
        "title": "Pay pensions through the new provider",
        "done": "Every payroll run sends contributions to the new pension provider, reconciled to the penny.",
        "committed": 60,
        "due": 30,
        "check_ins": [
            (53, 12, "Interface agreed with the provider."),
            (46, 25, ""),
            (39, 38, ""),
            (32, 50, ""),
            (25, 62, "Parallel run one matched."),
            (18, 73, ""),
            (4, 85, "Parallel run two matched."),
        ],
    },
    {
        "service": "Online shop",
        "title": "Checkout that works on phones",
        "done": "Customers can pay on any phone in three taps; abandoned baskets on mobile below 40%.",
        "committed": 50,
        "due": 10,
        "check_ins": [
            (43, 10, ""),
            (36, 15, ""),
            (29, 20, "Payment provider's widget fights our layout."),
            (22, 24, ""),
            (8, 30, ""),
        ],
    },
    {
        "service": "Handheld scanners",
        "title": "New scanners for the North warehouse",
        "done": "All 40 scanners replaced, staff trained, old devices wiped and recycled.",
        "committed": 45,
        "due": 40,
        "check_ins": [(38, 10, "Devices ordered."), (31, 20, "")],
    },
    {
        "service": "Sign-in and single sign-on",
        "title": "Single sign-on for the CRM",
        "done": "Sales staff sign in to the CRM with their normal account and multi-factor prompt.",
        "committed": 70,
        "due": -15,
        "check_ins": [(63, 30, ""), (56, 60, ""), (49, 90, "Pilot with the Bristol team went well."), (44, 100, "")],
        "delivered": 43,
    },
    {
        "service": "Remote office connectivity",
        "title": "Faster links for the three remote offices",
        "done": "Each remote office has a 500 Mb/s line and a 4G backup that takes over within a minute.",
        "committed": 80,
        "due": 20,
        "check_ins": [
            (73, 10, ""),
            (66, 20, ""),
            (45, 30, "Carrier delayed the Inverness line."),
            (10, 55, ""),
            (3, 70, "Two of three offices switched."),
        ],
        "renegotiated": (
            40,
            20,
            "The carrier cannot install the Inverness line before next month; we agreed "
            "the new date with the office managers.",
        ),
    },
    {
        "service": "Finance archive (old accounts system)",
        "title": "Retire the old accounts system",
        "done": "Seven years of ledgers readable in the document archive; the old servers switched off.",
        "committed": 120,
        "due": -5,
        "check_ins": [(100, 20, ""), (70, 50, ""), (40, 70, ""), (12, 80, "Auditors asked for two more reports.")],
    },
]


def load_commitments(context) -> None:
    known = set(Commitment.objects.values_list("title", flat=True))
    for story in STORIES:
        service = context.services.get(story["service"])
        if service is None or story["title"] in known:
            continue
        owner = service.service_owner
        committed = _at(context, story["committed"])
        commitment = commitment_create(
            service=service,
            actor=owner,
            owner=owner,
            title=story["title"],
            definition_of_done=story["done"],
            committed_on=committed.date(),
            due_on=context.today + timedelta(days=story["due"]),
            now=committed,
        )
        renegotiated = story.get("renegotiated")
        for days_ago, percent, note in story["check_ins"]:
            if renegotiated and days_ago < renegotiated[0]:  # the date moved before this check-in
                moved_days_ago, extra_days, reason = renegotiated
                commitment_renegotiate(
                    commitment=commitment,
                    actor=owner,
                    new_due_on=commitment.due_on + timedelta(days=extra_days),
                    reason=reason,
                    now=_at(context, moved_days_ago),
                )
                renegotiated = None
            check_in_record(
                commitment=commitment, actor=owner, percent_done=percent, note=note, now=_at(context, days_ago)
            )
        if "delivered" in story:
            commitment_deliver(
                commitment=commitment,
                actor=owner,
                delivered_on=context.today - timedelta(days=story["delivered"]),
                note="Signed off by the Sales director.",
            )
        context.created["commitments"] += 1
    commitments_check(now=context.now)


def _at(context, days_ago: int) -> datetime:
    day = context.today - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(10, 0)))
