"""The watermelon warning in the one inbox (sla.models.Alert), so it is on the early-warning board
(kind "watermelon"), the homes, notifications and the risks API like every other risk.

`watermelons_check` (the periodic pass, every 6 hours) judges every service in the catalogue
(retired ones aside) over the last settings.WATERMELON_WINDOW_DAYS days
(feedback.experience.selectors.experience_window) and keeps one live alert per flagged service:

    watermelon:{service id}:{year}{month}

raised once per service and calendar month while it is flagged (a reminder each month it stays
so), resolved as soon as it is not, reopened (not sent again) when it is flagged again in the
same month. Idempotent: running it twice, or on two workers at once, raises each alert once
(the key is unique).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from catalog.models import Lifecycle, Service
from feedback.experience.selectors import experience_window, watermelons
from feedback.experience.watermelon import LABEL, Watermelon
from sla.models import Alert, AlertKind, AlertSeverity, AlertState
from sla.services.alerts import AlertDraft, alerts_raise

LIVE_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)


@dataclass
class WatermelonCheck:
    checked: int = 0
    flagged: int = 0
    raised: int = 0
    resolved: int = 0


def watermelon_alert_draft(service: Service, found: Watermelon, *, now: datetime) -> AlertDraft:
    return AlertDraft(
        key=f"watermelon:{service.pk}:{now:%Y%m}",
        kind=AlertKind.WATERMELON,
        severity=AlertSeverity.WARNING,
        subject=f"{service.name}: {LABEL.lower()}: SLA green, but the people it serves are not happy",
        body=f"Over the last {(found.end - found.start).days} days: {found.summary}. Talk it over with the "
        "business: the SLA says one thing and the people who use the service another.",
        service_id=service.pk,
        ticket_id=None,
        clock_id=None,
        due_at=None,
        details={
            "attainment": found.attainment,
            "happiness": found.happiness,
            "lost_time": found.lost_time,
            "reasons": list(found.reasons),
            "from": found.start.isoformat(),
            "to": found.end.isoformat(),
        },
        owner_id=None,  # the service's people
    )


def watermelons_check(*, now: datetime | None = None) -> WatermelonCheck:
    """Alerts raised for the services green outside and red inside at `now`, resolved for the
    others. A constant number of queries whatever the number of services."""
    now = now or timezone.now()
    start, end = experience_window(now)
    services = {s.pk: s for s in Service.objects.exclude(lifecycle=Lifecycle.RETIRED).only("pk", "name")}
    found = watermelons(service_ids=list(services), start=start, end=end)
    drafts = [
        watermelon_alert_draft(services[pk], melon, now=now) for pk, melon in sorted(found.items()) if melon.flagged
    ]
    wanted = [draft.key for draft in drafts]
    summary = WatermelonCheck(checked=len(found), flagged=len(drafts))
    with transaction.atomic():
        summary.resolved = (
            Alert.objects.filter(kind=AlertKind.WATERMELON, state__in=LIVE_STATES)
            .exclude(key__in=wanted)
            .update(state=AlertState.RESOLVED, resolved_at=now)
        )
        if wanted:
            Alert.objects.filter(key__in=wanted, state=AlertState.RESOLVED).update(
                state=AlertState.OPEN, resolved_at=None, acknowledged_at=None, acknowledged_by=None
            )
        summary.raised = len(alerts_raise(drafts, now=now))
    return summary
