"""A ServiceNow incident event log (one row per update of an incident) → ticket events.

Pure: the import command reads the file, this module turns each incident's rows into events.
The rows of an incident, in `sys_updated_at` then `sys_mod_count` order, become:

- opened at `opened_at`, with the priority, impact and urgency of the first row;
- responded at the first move to an "in progress" state (Active): in this log the move to
  Active is the only sign that someone in IT picked the incident up;
- assigned at the first `assigned_to` (and at each change of assignee);
- paused and resumed around the "Awaiting …" states (the caller or a third party has the ball);
- priority_changed when the priority changes;
- resolved on entering Resolved: at `resolved_at` for the last resolution (the column holds
  the final one), at the row's time for earlier ones that were reopened;
- reopened when an incident leaves Resolved (which is when `reopen_count` goes up);
- closed at `closed_at`.

Rows dated before the incident was opened, with an unknown state or unreadable dates are
skipped and counted by reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sla import clocks as c
from sla.events import TicketEventInput, event_problems
from sla.integrations import mappings as m
from sla.integrations.common import EventBatch, state_after, state_change_kinds

REQUIRED_COLUMNS = (
    "number",
    "incident_state",
    "sys_mod_count",
    "opened_at",
    "sys_updated_at",
    "priority",
    "assigned_to",
    "resolved_at",
    "closed_at",
)
OPTIONAL_COLUMNS = ("impact", "urgency", "reopen_count", "caller_id", "category", "subcategory", "assignment_group")
EMPTY = ("", "?")
DATE_FORMAT = "%d-%m-%Y %H:%M"


@dataclass
class IncidentEvents:
    number: str
    events: list[TicketEventInput] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # reason → rows


@dataclass(frozen=True)
class _Row:
    at: datetime
    mod_count: int
    state: str
    raw: Mapping[str, str]


def missing_columns(header: Iterable[str] | None) -> list[str]:
    present = {name.strip() for name in header or ()}
    return [name for name in REQUIRED_COLUMNS if name not in present]


def cell(row: Mapping[str, Any], name: str) -> str:
    value = (row.get(name) or "").strip()
    return "" if value in EMPTY else value


def parse_local(value: str, tz: tzinfo) -> datetime | None:
    """ "29-02-2016 01:16" in the export's time zone; None when it is not such a date."""
    try:
        return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=tz)
    except ValueError:
        return None


def incident_events(
    number: str,
    rows: list[Mapping[str, str]],
    *,
    source: str,
    service: str,
    business_unit: str | None,
    tz: tzinfo,
    config: m.IntegrationConfig,
) -> IncidentEvents:
    """The events of one incident from its rows (in any order)."""
    result = IncidentEvents(number)
    opened_at = parse_local(cell(rows[0], "opened_at"), tz)
    if opened_at is None:
        result.skipped["opened_at is not a dd-mm-yyyy HH:MM date"] += len(rows)
        return result
    ordered = _usable_rows(rows, opened_at, tz, config, result.skipped)
    if not ordered:
        return result
    first = ordered[0].raw
    priority = config.priority_for(cell(first, "priority"))
    if priority is None:
        result.skipped[f"priority {cell(first, 'priority')!r} is not one of 1-5"] += len(ordered)
        return result

    batch = EventBatch(source=source, external_id=number, key_prefix="csv")
    last = ordered[-1].raw
    batch.add(
        c.OPENED,
        opened_at,
        key="opened",
        service=service,
        business_unit=business_unit,
        priority=priority,
        impact=_level(first, "impact"),
        urgency=_level(first, "urgency"),
        requester=cell(first, "caller_id") or None,
        data={
            name: cell(last, name)
            for name in ("category", "subcategory", "assignment_group", "cmdb_ci", "made_sla")
            if cell(last, name)
        },
    )
    state, assignee, responded = m.OPEN, "", False
    resolutions = [i for i, row in enumerate(ordered) if row.state == m.RESOLVED and _entering(ordered, i)]
    for index, row in enumerate(ordered):
        if state in (m.CLOSED, m.CANCELLED):
            break  # final: later edits of a closed incident do not change how it was measured
        kinds = state_change_kinds(state, row.state, responded_before=responded)
        for kind in kinds:
            batch.add(kind, _when(kind, row, index, resolutions, tz), key=f"csv:{kind}:{row.at:%Y%m%dT%H%M}")
        responded = responded or c.RESPONDED in kinds
        if kinds:
            state = state_after(state, kinds)
        row_priority = config.priority_for(cell(row.raw, "priority"))
        if row_priority is not None and row_priority != priority:
            priority = row_priority
            batch.add(
                c.PRIORITY_CHANGED,
                row.at,
                key=f"csv:priority:{row.at:%Y%m%dT%H%M}",
                priority=priority,
                impact=_level(row.raw, "impact"),
                urgency=_level(row.raw, "urgency"),
            )
        row_assignee = cell(row.raw, "assigned_to")
        if row_assignee and row_assignee != assignee:
            assignee = row_assignee
            batch.add(c.ASSIGNED, row.at, key=f"csv:assigned:{row.at:%Y%m%dT%H%M}", assignee=assignee)
    result.events = _sound(batch.events, result.skipped)
    return result


def _usable_rows(rows, opened_at, tz, config, skipped: Counter[str]) -> list[_Row]:
    usable = []
    for raw in rows:
        at = parse_local(cell(raw, "sys_updated_at"), tz)
        if at is None:
            skipped["sys_updated_at is not a dd-mm-yyyy HH:MM date"] += 1
            continue
        if at < opened_at:
            skipped["updated before the incident was opened"] += 1
            continue
        state = config.state_for(cell(raw, "incident_state"))
        if state is None:
            skipped[f"unknown incident_state {cell(raw, 'incident_state')!r}"] += 1
            continue
        mod = cell(raw, "sys_mod_count")
        usable.append(_Row(at=at, mod_count=int(mod) if mod.isdigit() else 0, state=state, raw=raw))
    return sorted(usable, key=lambda row: (row.at, row.mod_count))


def _entering(rows: list[_Row], index: int) -> bool:
    return index == 0 or rows[index - 1].state != rows[index].state


def _when(kind: str, row: _Row, index: int, resolutions: list[int], tz: tzinfo) -> datetime:
    """Closing at closed_at; the last resolution at resolved_at (when it falls after it was
    entered); anything else at the row's time."""
    if kind == c.CLOSED:
        closed = parse_local(cell(row.raw, "closed_at"), tz)
        return closed if closed and closed >= row.at else row.at
    if kind == c.RESOLVED and resolutions and index == resolutions[-1]:
        resolved = parse_local(cell(row.raw, "resolved_at"), tz)
        closed = parse_local(cell(row.raw, "closed_at"), tz)
        if resolved and resolved >= row.at and (closed is None or resolved <= closed):
            return resolved
    return row.at


def _level(row: Mapping[str, str], name: str) -> int | None:
    raw = cell(row, name)[:1]
    return int(raw) if raw in ("1", "2", "3") else None


def _sound(events: list[TicketEventInput], skipped: Counter[str]) -> list[TicketEventInput]:
    """Events the ingestion would refuse on their own are dropped here, each counted."""
    sound = []
    for event in events:
        problems = event_problems(event)
        if problems:
            skipped["; ".join(problems.values())] += 1
        else:
            sound.append(event)
    return sound
