"""The ServiceNow export, every incident accounted for: rows taken in sys_mod_count order, a
reopen only where the export shows one, the resolution time taken when resolved_at is empty,
the time zone and duplicates named in the summary, and a second run that changes nothing."""

from datetime import UTC, datetime

import pytest

from sla.models import Ticket, TicketEvent
from tests import factories as f
from tests.sla.test_import_servicenow import _snapshot, row, run, summary_table, write

CLOSING = {"resolved": "01-03-2016 12:00", "closed": "04-03-2016 12:00"}


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


@pytest.fixture
def service(db):
    return f.ServiceFactory(slug="payroll")


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2016, 3, day, hour, minute, tzinfo=UTC)


def history(number: str = "INC1") -> list[tuple[str, datetime]]:
    events = TicketEvent.objects.filter(ticket__external_id=number).order_by("occurred_at", "id")
    return [(e.kind, e.occurred_at) for e in events]


def imported(tmp_path, rows, *args):
    out, _ = run(write(tmp_path, rows), "--service", "payroll", "--time-zone", "UTC", *args)
    return out


def test_a_row_dated_before_the_one_saved_before_it_is_no_reopen(service, tmp_path):
    """The resolving save (sys_mod_count 2) carries a clock a few minutes behind the save before
    it: in time order the incident would look resolved, then active again, then closed."""
    out = imported(
        tmp_path,
        [
            row("INC1", "New", "01-03-2016 09:00"),
            row("INC1", "Active", "01-03-2016 12:05", mod=1, assigned="Resolver 1"),
            row("INC1", "Resolved", "01-03-2016 12:00", mod=2, assigned="Resolver 1", **CLOSING),
            row("INC1", "Closed", "04-03-2016 12:00", mod=3, assigned="Resolver 1", **CLOSING),
        ],
    )
    assert [kind for kind, _ in history()] == ["opened", "responded", "assigned", "resolved", "closed"]
    assert not TicketEvent.objects.filter(kind="reopened").exists()
    # Its resolution is dated no earlier than the save before it.
    assert dict(history())["resolved"] == utc(1, 12, 5)
    assert "INC1: sys_mod_count 2 is dated 01-03-2016 12:00, before sys_mod_count 1 (01-03-2016 12:05)" in out
    assert "taken in sys_mod_count order" in out


def test_leaving_resolved_in_sys_mod_count_order_is_a_reopen(service, tmp_path):
    """The state goes back from Resolved to Active: a reopen, even where reopen_count stays."""
    imported(
        tmp_path,
        [
            row("INC1", "Active", "01-03-2016 09:30"),
            row("INC1", "Resolved", "01-03-2016 10:00", mod=1),
            row("INC1", "Active", "01-03-2016 11:00", mod=2),
            row("INC1", "Resolved", "01-03-2016 12:00", mod=3, **CLOSING),
            row("INC1", "Closed", "04-03-2016 12:00", mod=4, **CLOSING),
        ],
    )
    assert [kind for kind, _ in history()] == ["opened", "responded", "resolved", "reopened", "resolved", "closed"]
    assert history()[2:5] == [("resolved", utc(1, 10)), ("reopened", utc(1, 11)), ("resolved", utc(1, 12))]


def test_a_rise_of_reopen_count_between_two_resolved_rows_is_a_reopen(service, tmp_path):
    """The active rows between them are not in the export; reopen_count says it was reopened."""
    out = imported(
        tmp_path,
        [
            row("INC1", "Active", "01-03-2016 09:30"),
            row("INC1", "Resolved", "01-03-2016 10:00", mod=1, **CLOSING),
            row("INC1", "Resolved", "01-03-2016 12:00", mod=4, reopen=1, **CLOSING),
            row("INC1", "Closed", "04-03-2016 12:00", mod=5, reopen=1, **CLOSING),
        ],
    )
    assert [kind for kind, _ in history()] == ["opened", "responded", "resolved", "reopened", "resolved", "closed"]
    assert history()[2:5] == [("resolved", utc(1, 10)), ("reopened", utc(1, 12)), ("resolved", utc(1, 12))]
    assert "reopen_count rises to 1 at sys_mod_count 4 (01-03-2016 12:00)" in out
    assert "1 reopen(s) of 1 incident(s)" in out


def test_a_rise_of_reopen_count_without_any_resolution_in_the_export_invents_none(service, tmp_path):
    out = imported(
        tmp_path,
        [
            row("INC1", "Active", "01-03-2016 09:30"),
            row("INC1", "Active", "01-03-2016 10:00", mod=3, reopen=1),
            row("INC1", "Resolved", "01-03-2016 12:00", mod=4, reopen=1, **CLOSING),
        ],
    )
    assert [kind for kind, _ in history()] == ["opened", "responded", "resolved"]
    assert "does not show it resolved before: no reopen recorded" in out


def test_a_closed_incident_active_again_was_not_closed_for_good(service, tmp_path):
    final = {"resolved": "02-03-2016 12:00", "closed": "05-03-2016 12:00"}
    out = imported(
        tmp_path,
        [
            row("INC1", "Active", "01-03-2016 09:30"),
            row("INC1", "Closed", "01-03-2016 10:00", mod=1, **final),
            row("INC1", "Active", "01-03-2016 11:00", mod=2, reopen=1, **final),
            row("INC1", "Resolved", "02-03-2016 12:00", mod=3, reopen=1, **final),
            row("INC1", "Closed", "05-03-2016 12:00", mod=4, reopen=1, **final),
        ],
    )
    assert history() == [
        ("opened", utc(1, 9)),
        ("responded", utc(1, 9, 30)),
        ("resolved", utc(1, 10)),
        ("reopened", utc(1, 11)),
        ("resolved", utc(2, 12)),
        ("closed", utc(5, 12)),
    ]
    assert "Closed at sys_mod_count 1 (01-03-2016 10:00) and active again later" in out
    assert Ticket.objects.get().state == "closed"


def test_a_resolution_without_resolved_at_says_which_time_was_taken(service, tmp_path):
    out = imported(
        tmp_path,
        [
            row("INC1", "Active", "01-03-2016 09:30", mod=0),
            row("INC1", "Resolved", "01-03-2016 11:45", mod=1, closed="04-03-2016 12:00"),
            row("INC1", "Resolved", "01-03-2016 13:00", mod=2, closed="04-03-2016 12:00"),
            row("INC1", "Closed", "04-03-2016 12:00", mod=3, closed="04-03-2016 12:00"),
            row("INC2", "Resolved", "01-03-2016 10:00", **CLOSING),
            row("INC2", "Closed", "04-03-2016 12:00", mod=1, **CLOSING),
        ],
    )
    assert dict(history())["resolved"] == utc(1, 11, 45)
    assert (
        "INC1: resolved_at is empty: resolved at 01-03-2016 11:45, the update time of sys_mod_count 1, "
        "the first row in Resolved"
    ) in out
    assert "INC2:" not in out.split("Resolved without a usable resolved_at")[-1]


def test_the_summary_names_the_time_zone_and_the_times_it_shows_are_in_it(service, tmp_path):
    rows = [row("INC1", "Resolved", "01-07-2016 10:00", opened="01-07-2016 09:00")]
    out, _ = run(write(tmp_path, rows), "--service", "payroll", "--time-zone", "America/New_York")
    assert "read in America/New_York" in out
    assert "resolved at 01-07-2016 10:00" in out  # as in the file, in its zone
    assert dict(history())["resolved"] == datetime(2016, 7, 1, 14, 0, tzinfo=UTC)
    out, _ = run(write(tmp_path, rows), "--service", "payroll", "--source", "other")
    assert "read in Europe/London" in out  # the site's TIME_ZONE when none is given


def test_identical_rows_are_duplicates_and_a_second_run_changes_nothing(service, tmp_path):
    rows = [
        row("INC1", "New", "01-03-2016 09:00"),
        row("INC1", "Active", "01-03-2016 10:00", mod=1, assigned="Resolver 1"),
        row("INC1", "Active", "01-03-2016 10:00", mod=1, assigned="Resolver 1"),
        row("INC1", "Resolved", "01-03-2016 12:00", mod=2, assigned="Resolver 1", **CLOSING),
        row("INC2", "New", "01-03-2016 09:00"),
    ]
    path = write(tmp_path, rows)
    out, _ = run(path, "--service", "payroll", "--time-zone", "UTC")
    table = summary_table(out)
    assert (table["incidents"], table["tickets created"], table["events stored"]) == (2, 2, 5)
    assert (table["duplicates"], table["identical rows in the file"], table["events already imported"]) == (1, 1, 0)
    before = _snapshot()

    again, _ = run(path, "--service", "payroll", "--time-zone", "UTC")
    table = summary_table(again)
    assert (table["tickets created"], table["tickets updated"], table["events stored"]) == (0, 0, 0)
    assert table["events already imported"] == 5
    assert "Nothing changed" in again
    assert _snapshot() == before
