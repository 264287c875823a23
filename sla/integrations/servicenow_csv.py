"""A ServiceNow incident event log (one row per update of an incident) → ticket events.

Pure: the import command reads the file, this module turns each incident's rows into events.
An incident's rows are taken in `sys_mod_count` order (the record's own count of its saves;
`sys_updated_at` only breaks ties), because clocks and exports disagree: a row whose update
time is earlier than that of a row saved before it is reported, and its events are dated no
earlier than the events before them. The rows become:

- opened at `opened_at`, with the priority, impact and urgency of the first row;
- responded at the first move to an "in progress" state (Active): in this log the move to
  Active is the only sign that someone in IT picked the incident up;
- assigned at the first `assigned_to` (and at each change of assignee);
- paused and resumed around the "Awaiting …" states (the caller or a third party has the ball);
- priority_changed when the priority changes;
- resolved on entering Resolved: at `resolved_at` for the last resolution (the column holds
  the final one), at the row's time for earlier ones that were reopened and when `resolved_at`
  is empty (reported per incident);
- reopened only when the export shows one: the state goes back from Resolved (or Closed) to an
  active state, or `reopen_count` goes up (a Closed followed by active rows was not final: it
  counts as a resolution);
- closed at `closed_at`, on the last entry into Closed; edits after it do not count.

Rows dated before the incident was opened, with an unknown state, an unreadable date or
modification count are skipped and counted by reason; identical rows are counted once.
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
ACTIVE = (m.OPEN, m.RESPONDED, m.PAUSED)

# What the summary reports per incident, by topic.
OUT_OF_ORDER = "out of order"
RESOLVED_TIME = "resolved without resolved_at"
REOPENS = "reopened"


@dataclass
class IncidentEvents:
    number: str
    events: list[TicketEventInput] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # reason → rows
    duplicates: int = 0  # rows identical to another row of the file
    reopens: int = 0
    notes: dict[str, list[str]] = field(default_factory=dict)  # topic → what the summary says

    def note(self, topic: str, text: str) -> None:
        self.notes.setdefault(topic, []).append(text)


@dataclass(frozen=True)
class _Row:
    at: datetime
    mod_count: int
    state: str
    reopen_count: int | None
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


def shown(moment: datetime) -> str:
    """A time as the export writes it (in the zone it was read in)."""
    return moment.strftime(DATE_FORMAT)


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
    rows = _distinct(rows, result)
    opened_at = parse_local(cell(rows[0], "opened_at"), tz)
    if opened_at is None:
        result.skipped["opened_at is not a dd-mm-yyyy HH:MM date"] += len(rows)
        return result
    ordered = _usable_rows(rows, opened_at, tz, config, result)
    if not ordered:
        return result
    first = ordered[0].raw
    priority = config.priority_for(cell(first, "priority"))
    if priority is None:
        result.skipped[f"priority {cell(first, 'priority')!r} is not one of 1-5"] += len(ordered)
        return result
    states = _states(ordered, result)
    _report_out_of_order(ordered, result)

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
    timeline = _Timeline(batch, opened_at)
    state, assignee, responded = m.OPEN, "", False
    accounted = 0  # reopens the export shows (reopen_count above its first value) already dealt with
    resolutions = _resolutions(ordered, states)
    for index, row in enumerate(ordered):
        if state in (m.CLOSED, m.CANCELLED):
            break  # final: later edits of a closed incident do not change how it was measured
        timeline.next_row()
        kinds = state_change_kinds(state, states[index], responded_before=responded)
        shown_reopens = _reopens_shown(ordered, index)
        if c.REOPENED not in kinds and shown_reopens > accounted:
            kinds = _reopen_shown_by_count(state, states[index], kinds, row, result)
        for kind in kinds:
            at = _when(kind, row, index, resolutions, tz, result)
            timeline.add(kind, at, key=f"csv:{kind}:{row.at:%Y%m%dT%H%M}")
        result.reopens += kinds.count(c.REOPENED)
        accounted = max(accounted + kinds.count(c.REOPENED), shown_reopens)
        responded = responded or c.RESPONDED in kinds
        if kinds:
            state = state_after(state, kinds)
        row_priority = config.priority_for(cell(row.raw, "priority"))
        if row_priority is not None and row_priority != priority:
            priority = row_priority
            timeline.add(
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
            timeline.add(c.ASSIGNED, row.at, key=f"csv:assigned:{row.at:%Y%m%dT%H%M}", assignee=assignee)
    result.events = _sound(batch.events, result.skipped)
    return result


def _reopens_shown(ordered: list[_Row], index: int) -> int:
    """How many reopens the export shows up to this row: reopen_count above its first value."""
    counts = [row.reopen_count for row in ordered[: index + 1] if row.reopen_count is not None]
    return max(counts) - counts[0] if counts else 0


def _resolutions(ordered: list[_Row], states: list[str]) -> list[int]:
    """The rows at which the incident is (again) resolved: entering Resolved, or still in it
    with a higher reopen_count."""
    found = []
    for index, now in enumerate(states):
        if now != m.RESOLVED:
            continue
        before = ordered[index - 1] if index else None
        rose = before is not None and (ordered[index].reopen_count or 0) > (before.reopen_count or 0)
        if before is None or states[index - 1] != m.RESOLVED or rose:
            found.append(index)
    return found


class _Timeline:
    """Dates a row's events no earlier than the events of the rows before it: rows taken in
    sys_mod_count order may carry earlier update times than the rows saved before them."""

    def __init__(self, batch: EventBatch, opened_at: datetime) -> None:
        self.batch, self.floor, self.latest = batch, opened_at, opened_at

    def next_row(self) -> None:
        self.floor = self.latest

    def add(self, kind: str, at: datetime, **values: Any) -> None:
        at = max(at, self.floor)
        self.latest = max(self.latest, at)
        self.batch.add(kind, at, **values)


def _distinct(rows: list[Mapping[str, str]], result: IncidentEvents) -> list[Mapping[str, str]]:
    """Identical rows (the same save exported twice) count once."""
    seen: set[tuple] = set()
    distinct = []
    for raw in rows:
        key = tuple(sorted((k, (v or "").strip()) for k, v in raw.items() if k is not None))
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        distinct.append(raw)
    return distinct


def _usable_rows(rows, opened_at, tz, config, result: IncidentEvents) -> list[_Row]:
    usable = []
    for raw in rows:
        at = parse_local(cell(raw, "sys_updated_at"), tz)
        if at is None:
            result.skipped["sys_updated_at is not a dd-mm-yyyy HH:MM date"] += 1
            continue
        if at < opened_at:
            result.skipped["updated before the incident was opened"] += 1
            continue
        state = config.state_for(cell(raw, "incident_state"))
        if state is None:
            result.skipped[f"unknown incident_state {cell(raw, 'incident_state')!r}"] += 1
            continue
        mod = cell(raw, "sys_mod_count")
        if not mod.isdigit():
            result.skipped["sys_mod_count is not a whole number"] += 1
            continue
        reopen = cell(raw, "reopen_count")
        usable.append(
            _Row(
                at=at, mod_count=int(mod), state=state, reopen_count=int(reopen) if reopen.isdigit() else None, raw=raw
            )
        )
    return sorted(usable, key=lambda row: (row.mod_count, row.at))


def _states(ordered: list[_Row], result: IncidentEvents) -> list[str]:
    """Each row's state; a Closed followed by active rows was not final: it is a resolution."""
    states = [row.state for row in ordered]
    for index in range(len(states) - 1, -1, -1):
        if states[index] == m.CLOSED and any(s in ACTIVE for s in states[index + 1 :]):
            states[index] = m.RESOLVED
            row = ordered[index]
            result.note(
                REOPENS,
                f"Closed at sys_mod_count {row.mod_count} ({shown(row.at)}) and active again later: "
                "counted as a resolution, then a reopen",
            )
    return states


def _report_out_of_order(ordered: list[_Row], result: IncidentEvents) -> None:
    latest = ordered[0]
    for row in ordered[1:]:
        if row.at < latest.at:
            result.note(
                OUT_OF_ORDER,
                f"sys_mod_count {row.mod_count} is dated {shown(row.at)}, before sys_mod_count "
                f"{latest.mod_count} ({shown(latest.at)}): taken in sys_mod_count order",
            )
        else:
            latest = row


def _reopen_shown_by_count(state: str, now: str, kinds: list[str], row: _Row, result: IncidentEvents) -> list[str]:
    """reopen_count went up though the rows do not show the incident leave Resolved (the rows
    in between are not in the export): the reopen is recorded at this row, then the new
    resolution if it is resolved again. A rise while the export never showed it resolved is
    reported, not turned into a resolution nobody recorded."""
    where = f"reopen_count rises to {row.reopen_count} at sys_mod_count {row.mod_count} ({shown(row.at)})"
    if state != m.RESOLVED:
        result.note(REOPENS, f"{where}, but the export does not show it resolved before: no reopen recorded")
        return kinds
    result.note(REOPENS, f"{where} with no row back in an active state: reopened there")
    return [c.REOPENED, c.RESOLVED, *kinds] if now in (m.RESOLVED, m.CLOSED) else [c.REOPENED, *kinds]


def _when(kind: str, row: _Row, index: int, resolutions: list[int], tz: tzinfo, result: IncidentEvents) -> datetime:
    """Closing at closed_at; the last resolution at resolved_at (when it falls after it was
    entered); anything else at the row's time."""
    if kind == c.CLOSED:
        closed = parse_local(cell(row.raw, "closed_at"), tz)
        return closed if closed and closed >= row.at else row.at
    if kind == c.RESOLVED and resolutions and index == resolutions[-1]:
        raw = cell(row.raw, "resolved_at")
        resolved = parse_local(raw, tz)
        closed = parse_local(cell(row.raw, "closed_at"), tz)
        if resolved and resolved >= row.at and (closed is None or resolved <= closed):
            return resolved
        why = "resolved_at is empty" if not raw else f"resolved_at {raw!r} cannot be the resolution"
        result.note(
            RESOLVED_TIME,
            f"{why}: resolved at {shown(row.at)}, the update time of sys_mod_count {row.mod_count}, "
            "the first row in Resolved",
        )
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
