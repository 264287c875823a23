"""A request's history: one MissingServiceRequestEvent per change, written by the service function
that made the change, inside its transaction (catalog/alignment/services.py, corrections.py).
Values are kept as people read them (a user's name, a service's name, a state's label), so the
history still reads right after a user or a service is renamed or deleted."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from catalog.alignment.models import MissingServiceRequest, MissingServiceRequestEvent, RequestState

NOTE_MAX_LENGTH = 1000


def shown(value: Any) -> str:
    """A value as the history shows it."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, str):
        return str(value)
    if hasattr(value, "get_username"):
        return value.get_full_name() or value.get_username()
    if hasattr(value, "name"):
        return value.name
    return str(value)


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    """field -> [before, after] for the fields whose shown value changed."""
    found = {}
    for field, new in after.items():
        old_shown, new_shown = shown(before.get(field)), shown(new)
        if field == "state":
            old_shown, new_shown = _state(old_shown), _state(new_shown)
        if old_shown != new_shown:
            found[field] = [old_shown, new_shown]
    return found


def _state(value: str) -> str:
    return RequestState(value).label if value in RequestState.values else value


def request_event_record(
    *,
    request: MissingServiceRequest,
    kind: str,
    actor,
    now,
    note: str = "",
    changes: dict[str, list[str]] | None = None,
    marked_service=None,
) -> MissingServiceRequestEvent:
    """Append to the request's history (call inside the change's transaction)."""
    return MissingServiceRequestEvent.objects.create(
        request=request,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        at=now,
        note=note,
        changes=changes or {},
        marked_service=marked_service,
    )


def note_clean(value: Any, errors: dict, *, required: bool = False, label: str = "The note") -> str:
    note = str(value or "").strip()
    if required and not note:
        errors.setdefault("note", []).append(f"{label} is required: say in a few words why.")
    elif len(note) > NOTE_MAX_LENGTH:
        errors.setdefault("note", []).append(f"{label} is longer than {NOTE_MAX_LENGTH:,} characters.")
    return note
