"""Where a committed result stands: a pure function of its facts, its check-ins and `now`.

Pace works as in Healthchecks' period and grace: a check-in is expected `check_in_every` after
the last one (or after the commitment was made); once that moment passes the check-in is *late*,
and once `grace` more has passed the commitment is *stale*. Results: a line through the check-ins
forecasts when 100% will be reached (sla.forecasting.commitment_forecast); past the due date, the
commitment is at risk.

Dates (committed on, due on) are whole days in the service's time zone: "due on 30 June" means
by the end of that day there. The status is the most urgent that applies:

    missed    the due date has passed and it was not reported done by then
    stale     no check-in for check_in_every + grace
    at_risk   the forecast passes the due date, or there is no progress to forecast from
    on_track  checked in, and the forecast keeps the due date (or reported 100% in time)
    new       no check-in yet, and none overdue by more than the grace

A closed commitment (delivered, missed or withdrawn) is what its outcome says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from catalog.durations import duration_human
from sla.forecasting import commitment_forecast

NEW, ON_TRACK, AT_RISK, STALE = "new", "on_track", "at_risk", "stale"
DELIVERED, MISSED, WITHDRAWN = "delivered", "missed", "withdrawn"
OPEN = "open"
STATUSES = (NEW, ON_TRACK, AT_RISK, STALE, DELIVERED, MISSED, WITHDRAWN)
STATUS_LABELS = {
    NEW: "New",
    ON_TRACK: "On track",
    AT_RISK: "At risk",
    STALE: "Check-in overdue",
    DELIVERED: "Delivered",
    MISSED: "Missed",
    WITHDRAWN: "Withdrawn",
}
STATUS_CHOICES = [(status, label) for status, label in STATUS_LABELS.items()]
DONE = 100


@dataclass(frozen=True)
class CommitmentFacts:
    """What the status depends on, whatever holds it (a model row, a test)."""

    committed_on: date
    due_on: date
    check_in_every: timedelta
    grace: timedelta
    outcome: str = OPEN
    closed_on: date | None = None
    time_zone: str = "UTC"


@dataclass(frozen=True)
class CheckInFact:
    at: datetime
    percent_done: int


@dataclass(frozen=True)
class CommitmentState:
    status: str
    reason: str
    forecast_done_on: date | None = None
    next_check_in_due: datetime | None = None  # when the next check-in is expected; None: none is
    stale_after: datetime | None = None  # when a missing check-in makes it stale
    percent_done: int | None = None  # as of the last check-in
    check_in_late: bool = False  # expected, and now in its grace period
    at_risk: bool = False  # the forecast passes the due date (or there is no progress)
    stale: bool = False
    closes_missed_at: datetime | None = None  # past due: when the outcome is recorded as missed

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def day_start(day: date, time_zone: str) -> datetime:
    """The first instant of `day` in `time_zone`, in UTC."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


def local_date(moment: datetime, time_zone: str) -> date:
    return moment.astimezone(ZoneInfo(time_zone)).date()


def due_end(facts: CommitmentFacts) -> datetime:
    """The instant the due date is over: the start of the next day in the service's zone."""
    return day_start(facts.due_on + timedelta(days=1), facts.time_zone)


def commitment_status(facts: CommitmentFacts, check_ins: Sequence[CheckInFact], now: datetime) -> CommitmentState:
    """Where the commitment stands at `now` (an aware datetime)."""
    check_ins = sorted(check_ins, key=lambda c: c.at)
    latest = check_ins[-1] if check_ins else None
    percent = latest.percent_done if latest else None
    if facts.outcome != OPEN:
        return _closed(facts, percent)

    zone = facts.time_zone
    today = local_date(now, zone)
    deadline = due_end(facts)
    done_in_time = next((c for c in check_ins if c.percent_done >= DONE and c.at < deadline), None)
    forecast = commitment_forecast(
        committed_on=facts.committed_on,
        due_on=facts.due_on,
        check_ins=[(local_date(c.at, zone), c.percent_done) for c in check_ins],
        today=today,
    )
    done_on = forecast.done_on if forecast else None

    if done_in_time is not None:  # reported done by the due date: nothing more to check in
        return CommitmentState(
            status=ON_TRACK,
            reason=f"Reported done on {_day(local_date(done_in_time.at, zone))}; record the delivery.",
            forecast_done_on=done_on,
            percent_done=percent,
        )

    if now >= deadline:
        return CommitmentState(
            status=MISSED,
            reason=f"Due on {_day(facts.due_on)} and not reported done"
            + (f" ({percent}% at the last check-in)." if latest else " (no check-in at all)."),
            forecast_done_on=done_on,
            percent_done=percent,
            at_risk=True,
            closes_missed_at=deadline + facts.grace,
        )

    expected = (latest.at if latest else day_start(facts.committed_on, zone)) + facts.check_in_every
    stale_after = expected + facts.grace
    stale = now > stale_after
    late = expected < now <= stale_after
    at_risk = forecast is not None and forecast.late
    common = {
        "forecast_done_on": done_on,
        "next_check_in_due": expected,
        "stale_after": stale_after,
        "percent_done": percent,
        "check_in_late": late,
        "at_risk": at_risk,
        "stale": stale,
    }
    due = _day(facts.due_on)
    if stale:
        since = f"since {_day(local_date(latest.at, zone))}" if latest else "since it was committed"
        said = f"; the last said {percent}% done" if latest else ""
        return CommitmentState(
            status=STALE,
            reason=f"No check-in {since} (expected every {duration_human(facts.check_in_every)}, "
            f"{duration_human(facts.grace)} grace){said}. Due {due}.",
            **common,
        )
    late_note = f" A check-in was due {_moment(expected, zone)}." if late else ""
    if latest is None:
        return CommitmentState(
            status=NEW, reason=f"No check-in yet; the first is due {_moment(expected, zone)}.{late_note}", **common
        )
    if at_risk:
        if done_on is None:
            reason = f"{percent}% done, with no progress to forecast from; due {due}."
        else:
            reason = f"{percent}% done; at this pace done by {_day(done_on)}, after the due date {due}."
        return CommitmentState(status=AT_RISK, reason=reason + late_note, **common)
    return CommitmentState(
        status=ON_TRACK,
        reason=f"{percent}% done; at this pace done by {_day(done_on)}, due {due}.{late_note}",
        **common,
    )


def _closed(facts: CommitmentFacts, percent: int | None) -> CommitmentState:
    closed = facts.closed_on
    if facts.outcome == DELIVERED:
        reason = f"Delivered on {_day(closed)}" if closed else "Delivered"
        if closed and closed > facts.due_on:
            days = (closed - facts.due_on).days
            reason += f", {days} day{'s' if days != 1 else ''} after the due date {_day(facts.due_on)}"
        return CommitmentState(status=DELIVERED, reason=reason + ".", percent_done=percent)
    if facts.outcome == MISSED:
        return CommitmentState(
            status=MISSED, reason=f"Missed: it was due on {_day(facts.due_on)}.", percent_done=percent, at_risk=True
        )
    return CommitmentState(
        status=WITHDRAWN, reason=f"Withdrawn{f' on {_day(closed)}' if closed else ''}.", percent_done=percent
    )


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _moment(moment: datetime, time_zone: str) -> str:
    return f"by {_day(local_date(moment, time_zone))}"
