"""Tickets derived on workers from ticket events accepted by the REST endpoint (a batch larger
than SLA_TICKET_EVENTS_INLINE_MAX is stored and answered 202 at once). Thin: the work is
sla.services.ticket_derivation."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from sla.selectors import observations_pending_keys
from sla.services.ticket_derivation import observations_fail, ticket_observations_derive

logger = logging.getLogger(__name__)

SWEEP_GRACE = timedelta(seconds=30)  # younger pending observations are their own task's to derive
SWEEP_CHUNK = 200  # tickets per transaction


@shared_task(
    name="sla.derive_ticket_observations", acks_late=True, ignore_result=True, soft_time_limit=120, time_limit=150
)
def derive_ticket_observations(keys: list[list[str]]) -> dict:
    """Enqueued after commit by the batch that stored these tickets' observations."""
    return _derive_chunk([(source, external_id) for source, external_id in keys])


@shared_task(name="sla.derive_pending_observations", ignore_result=True, soft_time_limit=120, time_limit=150)
def derive_pending_observations() -> dict:
    """Every minute (editable in the admin: Periodic tasks): tickets whose observations have waited
    more than SWEEP_GRACE (their task's message lost, the broker down when they were accepted)
    are derived, oldest first, for SLA_CHECK_TASK_BUDGET seconds; the next run does the rest."""
    deadline = time.monotonic() + settings.SLA_CHECK_TASK_BUDGET
    totals = {"derived": 0, "failed": 0}
    while time.monotonic() < deadline:
        keys = observations_pending_keys(limit=SWEEP_CHUNK, received_before=timezone.now() - SWEEP_GRACE)
        if not keys:
            break
        done = _derive_chunk(keys)
        totals = {name: totals[name] + done[name] for name in totals}
        if not done["derived"] and not done["failed"]:
            break  # another worker holds them: it derives them
    return totals


def _derive_chunk(keys: list[tuple[str, str]]) -> dict:
    """One transaction for the chunk; if it fails unexpectedly, each ticket on its own, so one
    ticket that cannot be derived (a bug, bad data) is recorded and does not hold up the others.
    A lost database connection or the task's time limit is raised: the sweep tries again."""
    try:
        result = ticket_observations_derive(keys=keys)
        return {"derived": result.derived, "failed": result.failed}
    except (OperationalError, InterfaceError, SoftTimeLimitExceeded):
        raise  # transient: the observations stay pending, the sweep derives them later
    except Exception as error:
        if len(keys) == 1:
            logger.exception("Ticket %s:%s could not be derived", *keys[0])
            reason = f"Could not be derived ({error.__class__.__name__}: {error})"[:2000]
            return {"derived": 0, "failed": observations_fail(key=keys[0], reason=reason)}
    totals = {"derived": 0, "failed": 0}
    for key in keys:
        done = _derive_chunk([key])
        totals = {name: totals[name] + done[name] for name in totals}
    return totals
