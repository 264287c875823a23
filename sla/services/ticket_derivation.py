"""Tickets derived on a worker from deliveries accepted earlier (a large REST batch: see
sla.services.ticket_accept). The same derivation as the synchronous path
(sla.services.tickets): every observation of each ticket replayed in time order, the histories
that changed rewritten, the tickets' facts and clocks recomputed, alerts raised.

Safe to run twice and on many workers at once: each ticket's advisory lock is taken first, and
only then are its pending observations read (claimed) and marked derived, in the same
transaction, so a second worker on the same ticket finds nothing left to do. A ticket whose new observations
cannot be derived (a service deleted since they were accepted, say) keeps its ticket as it was;
those observations are marked with the reason (`failure`, in the admin and /metrics) and no
longer count, and the other tickets of the run are derived.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from sla.models import TicketObservation
from sla.services.ticket_checks import BatchErrors, deliveries_check, openings_check
from sla.services.ticket_store import TicketKey, observations_stored, tickets_lock, tickets_lock_rows
from sla.services.tickets import (
    IngestResult,
    _integration_translators,
    _named,
    derivation_of,
    histories_apply,
)
from sla.transitions import observation_order

logger = logging.getLogger(__name__)


@dataclass
class DerivationResult:
    derived: int = 0  # pending observations derived into their tickets
    failed: int = 0  # pending observations refused (marked with the reason)
    tickets_created: int = 0
    ticket_ids: list[int] = field(default_factory=list)  # tickets whose history changed
    failures: dict[TicketKey, str] = field(default_factory=dict)


def ticket_observations_derive(
    *, keys: Iterable[TicketKey], now: datetime | None = None, raise_alerts: bool = True
) -> DerivationResult:
    """Derive the tickets (source, external_id) that have pending observations, in one
    transaction; tickets with none pending (derived meanwhile by another worker, or by a
    synchronous delivery) are left alone."""
    now = now or timezone.now()
    keys = sorted({(str(source), str(external_id)) for source, external_id in keys})
    result = DerivationResult()
    if not keys:
        return result
    translators = _integration_translators()
    with transaction.atomic():
        tickets_lock(keys)
        stored = observations_stored(keys)
        claimed = {key: names for key, names in stored.pending.items() if names}
        if not claimed:
            return result
        tickets = tickets_lock_rows(claimed)
        new, derivations = {}, {}
        for key, names in claimed.items():
            observations = stored.observations[key]
            items = sorted((o for o in observations if o.key in names), key=observation_order)
            new[key] = list(enumerate(items))
            derivations[key] = derivation_of(key, observations, translators)
        ingest = IngestResult()
        refused: dict[TicketKey, BatchErrors] = {}
        for key, items in new.items():
            errors = BatchErrors(lambda _index, _event, name: name)
            old = [o for o in stored.observations[key] if o.key not in claimed[key]]
            deliveries_check(
                key=key, items=items, stored=old, derivation=derivations[key], errors=errors, result=ingest, check=None
            )
            if errors.messages:
                refused[key] = errors
        services, units = _named(d for key, d in derivations.items() if key not in refused)
        opened = {key: d for key, d in derivations.items() if d.opening is not None and key not in refused}
        for key in list(opened):
            errors = BatchErrors(lambda _index, _event, name: name)
            openings_check(
                opened={key: opened[key]}, new=new, tickets=tickets, services=services, units=units, errors=errors
            )
            if errors.messages:
                refused[key] = errors
                del opened[key]
        for key, errors in refused.items():
            reason = _reason(errors)
            TicketObservation.objects.filter(source=key[0], external_id=key[1], key__in=claimed[key]).update(
                failure=reason, pending=False
            )
            result.failures[key] = reason
            result.failed += len(claimed[key])
            logger.warning("Ticket %s:%s: %d delivery(ies) refused: %s", *key, len(claimed[key]), reason)
        histories_apply(
            new={key: items for key, items in new.items() if key not in refused},
            stored=stored,
            opened=opened,
            tickets=tickets,
            named=(services, units),
            result=ingest,
            now=now,
            raise_alerts=raise_alerts,
            insert=False,
            settle={key for key in claimed if key not in refused},  # claimed: derived in this transaction
        )
    result.derived = sum(len(names) for key, names in claimed.items() if key not in refused)
    result.tickets_created = ingest.tickets_created
    result.ticket_ids = ingest.ticket_ids
    return result


def observations_fail(*, key: TicketKey, reason: str) -> int:
    """A ticket's pending observations refused with `reason` (its derivation failed outright)."""
    with transaction.atomic():
        tickets_lock([key])
        return TicketObservation.objects.filter(source=key[0], external_id=key[1], pending=True).update(
            pending=False, failure=reason
        )


def observations_failed_retry(*, observation_ids: Iterable[int]) -> int:
    """Observations refused on a worker, made pending again (their cause fixed: the service
    created again, say); their tickets are derived again after commit."""
    with transaction.atomic():
        rows = TicketObservation.objects.filter(pk__in=list(observation_ids)).exclude(failure="")
        keys = sorted(set(rows.values_list("source", "external_id")))
        count = rows.update(failure="", pending=True)
        derivation_enqueue(keys)
    return count


def derivation_enqueue(keys: Iterable[TicketKey], *, chunk: int = 500) -> None:
    """Ask a worker to derive these tickets once the current transaction commits (a lost
    message is caught up by the sweep, sla.derive_pending_observations)."""
    from sla.tasks.ticket_derivation import derive_ticket_observations

    keys = [list(key) for key in keys]
    for start in range(0, len(keys), chunk):
        derive_ticket_observations.delay_on_commit(keys[start : start + chunk])


def _reason(errors: BatchErrors) -> str:
    return " ".join(
        f"{name}: {message}" if name not in ("non_field_errors", "__all__") else message
        for name, messages in errors.messages.items()
        for message in messages
    )
