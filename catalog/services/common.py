"""What the catalogue's service modules share: argument checks and the agreement row lock."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from catalog.models import Agreement, AgreementStatus


def check_known_fields(given: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(unknown)}")


def lock_agreement(agreement: Agreement) -> Agreement:
    """The agreement row, locked until the transaction ends, as stored now."""
    # of=("self",): lock only the agreement row. Without it PostgreSQL refuses the query
    # (FOR UPDATE cannot apply to the nullable side of the business-unit outer join),
    # and it would also lock the service and unit rows, serialising unrelated work.
    return (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("service", "business_unit")
        .get(pk=agreement.pk)
    )


def require_draft_targets(agreement: Agreement) -> None:
    """Urgency targets and the priority matrix are part of what a version promises: they
    change while it is a draft, and are fixed once proposed."""
    if agreement.status == AgreementStatus.DRAFT:
        return
    hint = (
        "Return it to draft to change them."
        if agreement.status == AgreementStatus.PROPOSED
        else "Draft the next version to change them."
    )
    raise ValidationError(
        f"Version {agreement.version} is {agreement.get_status_display().lower()}; its targets are fixed. {hint}"
    )


def enqueue_open_clocks_recompute(*, service_ids: list[int] | None = None, calendar_ids: list[int] | None = None):
    """Once the transaction commits, the open tickets' clocks follow the new rules."""
    # Imported here: the sla app imports catalog models, and catalog must load without it.
    from sla.tasks.checks import recompute_open_clocks

    recompute_open_clocks.delay_on_commit(service_ids=service_ids, calendar_ids=calendar_ids)
