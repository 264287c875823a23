"""The translators on their own (no database): state changes become the right events, dates in
each tool's format, first sight, and which idempotency keys a replay reproduces."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla.integrations import mappings as m
from sla.integrations.common import (
    KnownTicket,
    PayloadError,
    parse_datetime,
    parse_epoch_ms,
    parse_utc_naive,
    state_after,
    state_change_kinds,
)
from sla.integrations.jira import jira_events
from sla.integrations.mappings import IntegrationConfig
from sla.integrations.servicenow import servicenow_events
from sla.integrations.zendesk import zendesk_events
from tests.sla.conftest import at
from tests.sla.integrations.conftest import jira_created, jira_updated, sn_record, zd_event

TICKET_STATES = (m.OPEN, m.PAUSED, m.RESOLVED, m.CLOSED, m.CANCELLED)


@pytest.mark.parametrize(
    ("previous", "current", "responded", "kinds"),
    [
        (m.OPEN, m.OPEN, False, []),
        (m.OPEN, m.RESPONDED, False, ["responded"]),
        (m.OPEN, m.RESPONDED, True, []),
        (m.OPEN, m.PAUSED, False, ["paused"]),
        (m.PAUSED, m.OPEN, False, ["resumed"]),
        (m.PAUSED, m.RESPONDED, False, ["resumed", "responded"]),
        (m.PAUSED, m.RESOLVED, False, ["resolved"]),
        (m.RESOLVED, m.OPEN, True, ["reopened"]),
        (m.RESOLVED, m.PAUSED, True, ["reopened", "paused"]),
        (m.RESOLVED, m.CLOSED, True, ["closed"]),
        (m.OPEN, m.CLOSED, False, ["closed"]),
        (m.OPEN, m.CANCELLED, False, ["cancelled"]),
        (m.CANCELLED, m.CANCELLED, False, []),
        (m.CLOSED, m.CLOSED, False, []),
        (m.CLOSED, m.OPEN, True, []),
        (m.CANCELLED, m.RESPONDED, False, []),
    ],
)
def test_state_change_kinds(previous, current, responded, kinds):
    assert state_change_kinds(previous, current, responded_before=responded) == kinds


@given(st.sampled_from(TICKET_STATES), st.sampled_from(m.STATES), st.booleans())
def test_a_change_of_state_lands_in_the_mapped_state(previous, current, responded):
    kinds = state_change_kinds(previous, current, responded_before=responded)
    landed = state_after(previous, kinds)
    wanted = m.OPEN if current == m.RESPONDED else current
    if previous in (m.CLOSED, m.CANCELLED):
        assert kinds == [] and landed == previous  # final: nothing brings the ticket back
    else:
        assert landed == wanted
        assert ("responded" in kinds) == (current == m.RESPONDED and not responded)
    assert len(kinds) == len(set(kinds))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01T10:00:00.000+0000", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2024-03-01T11:00:00.000+0100", datetime(2024, 3, 1, 10, tzinfo=UTC)),
        ("2025-01-08T16:45:20.987654321Z", datetime(2025, 1, 8, 16, 45, 20, 987654, tzinfo=UTC)),
        ("2025-01-08T16:45:20Z", datetime(2025, 1, 8, 16, 45, 20, tzinfo=UTC)),
    ],
)
def test_iso_times_as_the_tools_write_them(text, expected):
    assert parse_datetime(text, "x") == expected


@pytest.mark.parametrize("text", ["2024-03-01T10:00:00", "yesterday", "", None, 12])
def test_times_without_an_offset_or_unreadable_are_refused_by_name(text):
    with pytest.raises(PayloadError) as caught:
        parse_datetime(text, "issue.fields.created")
    assert list(caught.value.message_dict) == ["issue.fields.created"]


def test_epoch_milliseconds_and_servicenow_times():
    assert parse_epoch_ms(1709287200000, "timestamp") == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert parse_utc_naive("2024-03-01 10:00:00", "opened_at") == datetime(2024, 3, 1, 10, tzinfo=UTC)
    with pytest.raises(PayloadError):
        parse_utc_naive("01-03-2024 10:00", "opened_at")
    with pytest.raises(PayloadError):
        parse_epoch_ms("soon", "timestamp")


JIRA = IntegrationConfig.build(kind="jira", source="jira", default_service="payroll")
SN = IntegrationConfig.build(kind="servicenow", source="servicenow", default_service="payroll")
ZD = IntegrationConfig.build(kind="zendesk", source="zendesk", default_service="payroll")


def unknown(*_):
    return None


def known_as(**fields):
    ticket = KnownTicket(**{"state": m.OPEN, "opened_at": at(2, 9), "priority": 2, **fields})
    return lambda *_: ticket


def test_jira_issue_created_in_progress_is_opened_and_responded_at_creation():
    translation = jira_events(
        jira_created(status="In Progress", when=at(2, 9)), config=JIRA, known=unknown, delivery_id="d1"
    )
    assert [(e.kind, e.occurred_at, e.idempotency_key) for e in translation.events] == [
        ("opened", at(2, 9), "opened"),
        ("responded", at(2, 9), "opened:responded"),
    ]
    assert translation.events[0].service == "payroll" and translation.events[0].priority == 2


def test_first_sight_on_a_later_change_assumes_nothing_in_it_s_favour():
    """Status and assignee before the change held since an unknown time: the ticket counts as
    open and unassigned from its creation until this change."""
    payload = jira_updated(
        when=at(2, 12),
        items=[("status", "Waiting for customer", "In Progress"), ("assignee", "Alex Agent", "Beth Agent")],
        status="In Progress",
        assignee="Beth Agent",
    )
    events = jira_events(payload, config=JIRA, known=unknown, delivery_id="d1").events
    assert [(e.kind, e.occurred_at, e.assignee) for e in events] == [
        ("opened", at(2, 9), None),
        ("responded", at(2, 12), None),
        ("assigned", at(2, 12), "Beth Agent"),
    ]
    payload = zd_event(
        "status_changed",
        when=at(2, 12),
        status="OPEN",
        assignee="900",
        event={"previous": "PENDING", "current": "OPEN"},
    )
    events = zendesk_events(payload, config=ZD, known=unknown).events
    assert [(e.kind, e.occurred_at.replace(microsecond=0)) for e in events] == [
        ("opened", at(2, 9)),
        ("assigned", at(2, 12)),
    ]


def test_jira_keys_come_from_the_delivery_id_or_else_the_timestamp():
    payload = jira_updated(
        when=at(2, 10), items=[("status", "Waiting for support", "Waiting for customer")], status="Waiting for customer"
    )
    with_id = jira_events(payload, config=JIRA, known=known_as(), delivery_id="abc")
    without = jira_events(payload, config=JIRA, known=known_as(), delivery_id=None)
    assert [e.idempotency_key for e in with_id.events] == ["jira:abc:paused"]
    stamp = int(at(2, 10).timestamp() * 1000)
    assert [e.idempotency_key for e in without.events] == [f"jira:jira:issue_updated:{stamp}:paused"]


def test_the_known_ticket_is_asked_for_as_of_the_event_without_this_delivery():
    asked = []

    def known(external_id, as_of, prefix):
        asked.append((external_id, as_of, prefix))

    jira_events(jira_created(when=at(2, 9)), config=JIRA, known=known, delivery_id="d9")
    servicenow_events(sn_record(updated=at(2, 10)), config=SN, known=known)
    zendesk_events(zd_event("created", when=at(2, 9), event_id="z1"), config=ZD, known=known)
    assert asked == [
        ("HR-12", at(2, 9), "jira:d9"),
        ("INC0010042", at(2, 10), "servicenow:9d385017c611228701d22104cc95c371:20261102T100000"),
        ("5158", at(2, 9) + timedelta(microseconds=123456), "zendesk:z1"),
    ]


def test_servicenow_compares_the_snapshot_with_the_known_ticket():
    record = sn_record(updated=at(2, 10), state="3", priority="1", assigned_to="Beth Agent")
    kinds = [e.kind for e in servicenow_events(record, config=SN, known=known_as(assignee="Beth Agent")).events]
    assert kinds == ["paused", "priority_changed"]
    kinds = [e.kind for e in servicenow_events(record, config=SN, known=known_as(state=m.PAUSED, priority=1)).events]
    assert kinds == ["assigned"]


def test_a_servicenow_record_with_an_unmapped_state_names_it():
    with pytest.raises(PayloadError) as caught:
        servicenow_events(sn_record(state="4"), config=SN, known=unknown)
    assert "state '4' is not mapped" in caught.value.message_dict["state"][0]
