"""An agreement version's urgency targets (GET /api/v1/agreements/{id}/targets/) from one
`.values()` query of the agreement in the user's scope joined to its targets, shaped exactly as
UrgencyTargetSerializer writes them (pinned by tests/api/test_value_rows.py): one query where
there were two (the agreement with its service and calendar as model instances, then the targets
with theirs) and no serializer walking its fourteen fields a target."""

from __future__ import annotations

from django.db.models import QuerySet

from catalog.api.targets import UrgencyTargetSerializer
from catalog.api.value_rows import converters
from catalog.durations import duration_human, duration_iso
from catalog.models import Priority

_PRIORITY_LABELS = dict(Priority.choices)
_TARGET_FIELDS = dict(converters(UrgencyTargetSerializer(), ["objective_percent", "warning_shares"]))
_TARGET = "urgency_targets__"
_COLUMNS = (
    *(
        f"{_TARGET}{name}"
        for name in ("priority", "engage_within", "update_every", "resolve_within", "objective_percent")
    ),
    f"{_TARGET}warning_shares",
    f"{_TARGET}calendar__slug",
    f"{_TARGET}calendar__name",
    "service__support_calendar__slug",
    "service__support_calendar__name",
)


def agreement_targets(agreements: QuerySet, *, pk: int) -> list[dict] | None:
    """The targets of agreement `pk`, by priority, if it is among `agreements` (the user's);
    None when it is not. An agreement without targets gives one row of NULL targets: []."""
    rows = list(agreements.filter(pk=pk).order_by(f"{_TARGET}priority").values(*_COLUMNS))
    if not rows:
        return None
    return [_target(row) for row in rows if row[f"{_TARGET}priority"] is not None]


def _duration(value) -> tuple:
    """(ISO 8601, whole seconds, words) of a duration; Nones for none."""
    if value is None:
        return None, None, None
    return duration_iso(value), int(value.total_seconds()), duration_human(value)


def _calendar(slug: str | None, name: str | None) -> dict | None:
    return None if slug is None else {"slug": slug, "name": name}


def _target(row: dict) -> dict:
    priority = row[f"{_TARGET}priority"]
    engage, engage_seconds, engage_human = _duration(row[f"{_TARGET}engage_within"])
    update, update_seconds, update_human = _duration(row[f"{_TARGET}update_every"])
    resolve, resolve_seconds, resolve_human = _duration(row[f"{_TARGET}resolve_within"])
    calendar = _calendar(row[f"{_TARGET}calendar__slug"], row[f"{_TARGET}calendar__name"])
    support = _calendar(row["service__support_calendar__slug"], row["service__support_calendar__name"])
    return {
        "priority": priority,
        "priority_label": str(_PRIORITY_LABELS.get(priority, priority)),
        "engage_within": engage,
        "engage_within_seconds": engage_seconds,
        "engage_within_human": engage_human,
        "update_every": update,
        "update_every_seconds": update_seconds,
        "update_every_human": update_human,
        "resolve_within": resolve,
        "resolve_within_seconds": resolve_seconds,
        "resolve_within_human": resolve_human,
        "calendar": calendar,
        "effective_calendar": dict(calendar) if calendar else support,
        "objective_percent": _TARGET_FIELDS["objective_percent"](row[f"{_TARGET}objective_percent"]),
        "warning_shares": _TARGET_FIELDS["warning_shares"](row[f"{_TARGET}warning_shares"]),
    }
