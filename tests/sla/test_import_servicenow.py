"""manage.py import_servicenow_events: the real sample (890 incidents), idempotence, skipped rows
by reason, and file-level problems refused before anything is written."""

import csv
import io
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sla.events import TicketEventInput
from sla.models import Clock, Ticket, TicketEvent
from sla.services import ticket_events_ingest
from tests import factories as f

SAMPLE = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "servicenow-incident-events-sample.csv"
COLUMNS = [
    "number",
    "incident_state",
    "active",
    "reassignment_count",
    "reopen_count",
    "sys_mod_count",
    "made_sla",
    "caller_id",
    "opened_by",
    "opened_at",
    "sys_created_by",
    "sys_created_at",
    "sys_updated_by",
    "sys_updated_at",
    "contact_type",
    "location",
    "category",
    "subcategory",
    "u_symptom",
    "cmdb_ci",
    "impact",
    "urgency",
    "priority",
    "assignment_group",
    "assigned_to",
    "knowledge",
    "u_priority_confirmation",
    "notify",
    "problem_id",
    "rfc",
    "vendor",
    "caused_by",
    "closed_code",
    "resolved_by",
    "resolved_at",
    "closed_at",
]


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


@pytest.fixture
def service(db):
    f.BusinessUnitFactory(slug="finance")
    return f.ServiceFactory(slug="payroll")


def run(path, *args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_servicenow_events", str(path), *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def row(
    number,
    state,
    updated,
    *,
    mod=0,
    reopen=0,
    priority="3 - Moderate",
    assigned="?",
    opened="01-03-2016 09:00",
    resolved="?",
    closed="?",
):
    values = dict.fromkeys(COLUMNS, "?")
    values.update(
        number=number,
        incident_state=state,
        sys_mod_count=str(mod),
        reopen_count=str(reopen),
        opened_at=opened,
        sys_updated_at=updated,
        priority=priority,
        impact="2 - Medium",
        urgency="2 - Medium",
        assigned_to=assigned,
        caller_id="Caller 1",
        resolved_at=resolved,
        closed_at=closed,
        active="TRUE",
    )
    return values


def write(tmp_path, rows, columns=COLUMNS, name="export.csv"):
    path = tmp_path / name
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_shared_sample_imports_every_incident_and_a_second_run_changes_nothing(service):
    assert SAMPLE.exists(), f"the shared sample is missing at {SAMPLE}"
    started = time.monotonic()
    out, err = run(SAMPLE, "--service", "payroll", "--business-unit", "finance")
    assert time.monotonic() - started < 60
    assert Ticket.objects.filter(source="servicenow").count() == 890
    assert TicketEvent.objects.count() == 4623
    assert TicketEvent.objects.filter(kind="opened").count() == 890
    assert TicketEvent.objects.filter(kind="closed").count() == 890
    # Exactly the reopens the export shows: reopen_count goes up 11 times in it (INC0000715 twice).
    assert TicketEvent.objects.filter(kind="reopened").count() == 11
    assert "INC0000137" not in set(
        TicketEvent.objects.filter(kind="reopened").values_list("ticket__external_id", flat=True)
    )
    table = summary_table(out)
    assert table["rows read"] == 5998 and table["incidents"] == 890
    assert table["tickets created"] == 890 and table["events stored"] == 4623
    assert table["rows skipped"] == 5 and table["updated before the incident was opened"] == 5
    assert table["duplicates"] == 0
    assert "read in Europe/London" in out
    assert "11 reopen(s) of 10 incident(s)" in out and "INC0000715: 2 time(s)" in out
    # One incident's rows disagree with their modification count; 29 were resolved without resolved_at.
    assert "INC0000137: sys_mod_count 2 is dated 29-02-2016 11:03, before sys_mod_count 1 (29-02-2016 11:10)" in out
    resolved_notes = [line for line in out.splitlines() if "resolved_at is empty" in line]
    assert len(resolved_notes) == 29
    assert "INC0000093: resolved_at is empty: resolved at 29-02-2016 08:56" in out
    assert "890/890" in err  # the progress bar, on stderr
    assert set(Ticket.objects.values_list("state", flat=True)) == {"closed"}
    before = _snapshot()

    out, _ = run(SAMPLE, "--service", "payroll", "--business-unit", "finance")
    table = summary_table(out)
    assert (table["tickets created"], table["tickets updated"], table["events stored"]) == (0, 0, 0)
    assert table["duplicates"] == table["events already imported"] == 4623
    assert "Nothing changed" in out
    assert _snapshot() == before


def _snapshot():
    """Everything an import writes: tickets (with their derived fields), events and clocks."""
    tickets = list(Ticket.objects.order_by("pk").values())
    events = list(TicketEvent.objects.order_by("pk").values())
    clocks = list(Clock.objects.order_by("pk").values())
    return tickets, events, clocks


def summary_table(out: str) -> dict[str, int]:
    """The summary's table as label → count."""
    table = {}
    for line in out.splitlines():
        label, _, count = line.strip().rpartition("  ")
        if label and count.replace(",", "").isdigit():
            table[label.strip()] = int(count.replace(",", ""))
    return table


def test_one_incident_of_the_sample_step_by_step(service):
    run(SAMPLE, "--service", "payroll", "--time-zone", "UTC")
    ticket = Ticket.objects.get(external_id="INC0000294")
    history = [(e.kind, e.occurred_at) for e in ticket.events.order_by("occurred_at", "id")]
    assert history == [
        ("opened", datetime(2016, 2, 29, 14, 6, tzinfo=UTC)),
        ("assigned", datetime(2016, 2, 29, 14, 14, tzinfo=UTC)),
        ("paused", datetime(2016, 3, 2, 15, 31, tzinfo=UTC)),  # Awaiting Problem
        ("resolved", datetime(2016, 3, 8, 11, 30, tzinfo=UTC)),  # reopened later: the row's time
        ("reopened", datetime(2016, 3, 8, 14, 14, tzinfo=UTC)),
        ("responded", datetime(2016, 3, 8, 14, 14, tzinfo=UTC)),  # first move to Active
        ("paused", datetime(2016, 3, 9, 9, 25, tzinfo=UTC)),
        ("resumed", datetime(2016, 3, 11, 14, 57, tzinfo=UTC)),
        ("resolved", datetime(2016, 3, 14, 8, 25, tzinfo=UTC)),  # the last: resolved_at
        ("closed", datetime(2016, 3, 24, 18, 50, tzinfo=UTC)),
    ]
    assert (ticket.priority, ticket.requester, ticket.assignee) == (3, "Caller 781", "Resolver 57")


def test_dates_are_read_in_the_given_time_zone(service, tmp_path):
    path = write(tmp_path, [row("INC1", "New", "01-07-2016 09:00", opened="01-07-2016 09:00")])
    run(path, "--service", "payroll")  # default: settings.TIME_ZONE, Europe/London (BST in July)
    assert Ticket.objects.get().opened_at == datetime(2016, 7, 1, 8, 0, tzinfo=UTC)
    run(path, "--service", "payroll", "--time-zone", "America/New_York", "--source", "other")
    assert Ticket.objects.get(source="other").opened_at == datetime(2016, 7, 1, 13, 0, tzinfo=UTC)


def test_rows_that_cannot_be_used_are_skipped_and_counted_by_reason(service, tmp_path):
    rows = [
        row("INC1", "New", "01-03-2016 09:00"),
        row("INC1", "Active", "01-03-2016 10:00", mod=1, assigned="Resolver 1"),
        row("INC1", "Awaiting User Info", "01-03-2016 11:00", mod=2, assigned="Resolver 1"),
        row("INC1", "Parked", "01-03-2016 11:30", mod=3),
        row("INC1", "Active", "1 March", mod=4),
        row("INC1", "Active", "01-03-2016 08:00", mod=5),
        row("INC1", "Active", "01-03-2016 12:00", mod=6, assigned="Resolver 1", priority="2 - High"),
        row(
            "INC1",
            "Resolved",
            "01-03-2016 13:00",
            mod=7,
            priority="2 - High",
            resolved="01-03-2016 13:00",
            closed="06-03-2016 13:00",
        ),
        row(
            "INC1",
            "Closed",
            "06-03-2016 13:00",
            mod=8,
            priority="2 - High",
            resolved="01-03-2016 13:00",
            closed="06-03-2016 13:00",
        ),
        row("INC2", "New", "02-03-2016 09:00", opened="someday"),
        row("INC3", "New", "02-03-2016 09:00", priority="9 - Whenever"),
        row("", "New", "02-03-2016 09:00"),
    ]
    out, _ = run(write(tmp_path, rows), "--service", "payroll", "--time-zone", "UTC")
    kinds = list(TicketEvent.objects.order_by("occurred_at", "id").values_list("kind", flat=True))
    assert kinds == ["opened", "responded", "assigned", "paused", "resumed", "priority_changed", "resolved", "closed"]
    assert list(Ticket.objects.values_list("external_id", flat=True)) == ["INC1"]
    table = summary_table(out)
    assert table["rows skipped"] == 6
    for reason in (
        "unknown incident_state 'Parked'",
        "sys_updated_at is not a dd-mm-yyyy HH:MM date",
        "updated before the incident was opened",
        "opened_at is not a dd-mm-yyyy HH:MM date",
        "priority '9 - Whenever' is not one of 1-5",
        "no incident number",
    ):
        assert table[reason] == 1, reason
    assert table["not imported (no usable row)"] == 2


def test_edits_after_closing_are_not_imported(service, tmp_path):
    closing = {"resolved": "01-03-2016 10:00", "closed": "02-03-2016 10:00"}
    rows = [
        row("INC1", "Resolved", "01-03-2016 10:00", **closing),
        row("INC1", "Closed", "02-03-2016 10:00", mod=1, **closing),
        row("INC1", "Closed", "03-03-2016 10:00", mod=2, priority="1 - Critical", assigned="Resolver 9", **closing),
    ]
    run(write(tmp_path, rows), "--service", "payroll", "--time-zone", "UTC")
    kinds = list(TicketEvent.objects.order_by("occurred_at", "id").values_list("kind", flat=True))
    assert kinds == ["opened", "resolved", "closed"]
    assert Ticket.objects.get().priority == 3


def test_an_incident_the_ingestion_refuses_is_skipped_and_the_rest_stored(service, tmp_path):
    # INC1 already exists, opened under another key: the import's opening is refused.
    ticket_events_ingest(
        events=[
            TicketEventInput(
                source="servicenow",
                external_id="INC1",
                kind="opened",
                occurred_at=datetime(2016, 3, 1, 9, tzinfo=UTC),
                idempotency_key="webhook-opening",
                service="payroll",
                priority=3,
            )
        ]
    )
    rows = [row("INC1", "New", "01-03-2016 09:00"), row("INC2", "New", "01-03-2016 09:00")]
    out, _ = run(write(tmp_path, rows), "--service", "payroll", "--time-zone", "UTC")
    assert summary_table(out)["tickets created"] == 1
    assert "refused by the ingestion" in out and "already open" in out
    assert Ticket.objects.count() == 2 and TicketEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--service", "nope"], "no service with the slug 'nope'"),
        (["--service", "payroll", "--business-unit", "nope"], "no business unit with the slug 'nope'"),
        (["--service", "payroll", "--time-zone", "Mars/Olympus"], "Unknown time zone 'Mars/Olympus'"),
        (["--service", "payroll", "--batch-size", "0"], "--batch-size must be at least 1"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(service, tmp_path, args, message):
    path = write(tmp_path, [row("INC1", "New", "01-03-2016 09:00")])
    with pytest.raises(CommandError, match=message):
        run(path, *args)
    assert not Ticket.objects.exists()


def test_bad_files_are_refused_before_anything_is_written(service, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "missing.csv", "--service", "payroll")
    columns = [c for c in COLUMNS if c not in ("sys_updated_at", "priority")]
    path = write(tmp_path, [row("INC1", "New", "01-03-2016 09:00")], columns=columns)
    with pytest.raises(CommandError, match=r"lacks the column\(s\): sys_updated_at, priority"):
        run(path, "--service", "payroll")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError, match="empty"):
        run(empty, "--service", "payroll")
    header_only = write(tmp_path, [], name="header.csv")
    with pytest.raises(CommandError, match="no incident rows"):
        run(header_only, "--service", "payroll")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(",".join(COLUMNS).encode() + b"\nINC\xe9" + b"," * (len(COLUMNS) - 1) + b"\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        run(latin, "--service", "payroll")
    assert not Ticket.objects.exists()
