"""Ticket events in: tickets and clocks follow, bad batches store nothing, replays change nothing."""

import pytest
from django.core.exceptions import ValidationError

from sla.clocks import BREACHED, ENGAGE, MET, RESOLVE, RUNNING, UPDATE
from sla.models import Clock, Ticket, TicketEvent
from sla.services import ticket_events_ingest
from tests.sla.conftest import at, event


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    """Alert ids queued for notification after commit."""
    ids = []
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", ids.extend)
    return ids


def clocks(ticket):
    return {(c.kind, c.cycle): c for c in Clock.objects.filter(ticket=ticket)}


def open_event(when=None, **fields):
    fields.setdefault("service", "payroll")
    fields.setdefault("business_unit", "finance")
    fields.setdefault("priority", 2)
    fields.setdefault("title", "Payslips not generated")
    return event("opened", when or at(2, 9), **fields)


def test_an_opening_creates_the_ticket_and_its_clocks(sla):
    result = ticket_events_ingest(events=[open_event(requester="Ann", assignee_email="")], now=at(2, 9, 10))
    assert (result.created, result.duplicates, result.tickets_created) == (1, 0, 1)
    ticket = Ticket.objects.get(source="test", external_id="INC-1")
    assert (ticket.service, ticket.business_unit, ticket.priority) == (sla["service"], sla["unit"], 2)
    assert ticket.agreement == sla["agreement"]
    assert ticket.title == "Payslips not generated" and ticket.requester == "Ann"
    engage, resolve = clocks(ticket)[(ENGAGE, 1)], clocks(ticket)[(RESOLVE, 1)]
    assert engage.state == RUNNING and engage.due_at == at(2, 10)
    assert resolve.due_at == at(2, 17) and resolve.calendar == sla["office"]
    assert engage.next_check_at == at(2, 9, 30)  # the 50% warning of the engage clock


def test_a_replayed_event_changes_nothing(sla):
    ticket_events_ingest(events=[open_event()], now=at(2, 10))
    before = list(Clock.objects.values())
    result = ticket_events_ingest(events=[open_event()], now=at(2, 11))
    assert (result.created, result.duplicates) == (0, 1)
    assert TicketEvent.objects.count() == 1
    assert list(Clock.objects.values()) == before


def test_a_batch_is_all_or_nothing_and_names_the_bad_event(sla):
    batch = [open_event(), event("assigned", at(2, 9, 5)), event("resolved", at(2, 8))]
    with pytest.raises(ValidationError) as error:
        ticket_events_ingest(events=batch, now=at(2, 10))
    assert "events[2].occurred_at" in error.value.message_dict
    assert "before ticket test:INC-1 was opened" in error.value.message_dict["events[2].occurred_at"][0]
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


@pytest.mark.parametrize(
    ("bad", "field", "text"),
    [
        (open_event(service="nope"), "service", "Unknown service 'nope'"),
        (open_event(business_unit="nope"), "business_unit", "Unknown business unit"),
        (open_event(priority=None), "priority", "Give a priority"),
        (open_event(priority=9), "priority", "not one of 1-5"),
        (open_event(service=None), "service", "Name the service"),
    ],
)
def test_bad_events_are_refused_with_a_message(sla, bad, field, text):
    with pytest.raises(ValidationError) as error:
        ticket_events_ingest(events=[bad], now=at(2, 10), many=False)
    assert text in " ".join(error.value.message_dict[field])
    assert not TicketEvent.objects.exists()


def test_an_event_that_comes_before_its_ticket_s_opening_waits_for_it(sla):
    early = ticket_events_ingest(events=[event("assigned", at(2, 9, 10), assignee="Bo")], now=at(2, 10))
    assert (early.created, early.held, early.ticket_ids) == (1, 1, [])
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()
    ticket_events_ingest(events=[open_event()], now=at(2, 10))
    ticket = Ticket.objects.get()
    assert [e.kind for e in ticket.events.all()] == ["opened", "assigned"]
    assert ticket.assignee == "Bo" and clocks(ticket)[(ENGAGE, 1)].state == MET
    assert ticket.observations.count() == 2


def test_naive_times_are_refused(sla):
    naive = open_event(when=at(2, 9).replace(tzinfo=None))
    with pytest.raises(ValidationError) as error:
        ticket_events_ingest(events=[naive], many=False)
    assert "time zone" in error.value.message_dict["occurred_at"][0]


def test_impact_and_urgency_give_the_priority_through_the_agreed_matrix(sla):
    ticket_events_ingest(events=[open_event(priority=None, impact=1, urgency=2)], now=at(2, 10))
    assert Ticket.objects.get().priority == 2
    agreement = sla["agreement"]
    agreement.priority_matrix = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
    agreement.save(update_fields=["priority_matrix"])
    ticket_events_ingest(events=[open_event(external_id="INC-2", priority=None, impact=3, urgency=3)], now=at(2, 10))
    assert Ticket.objects.get(external_id="INC-2").priority == 1


def test_late_events_are_placed_by_when_they_happened(sla):
    ticket_events_ingest(events=[open_event(), event("resolved", at(2, 15))], now=at(3, 9))
    ticket_events_ingest(events=[event("paused", at(2, 10)), event("resumed", at(2, 12))], now=at(3, 9))
    resolve = clocks(Ticket.objects.get())[(RESOLVE, 1)]
    assert resolve.state == MET
    assert resolve.elapsed_seconds == 4 * 3600  # 09-10 and 12-15; the pause does not count


def test_ticket_state_follows_the_events(sla):
    ticket_events_ingest(
        events=[open_event(), event("assigned", at(2, 9, 10), assignee="Bo", assignee_email="bo@example.com")],
        now=at(2, 10),
    )
    ticket = Ticket.objects.get()
    assert (ticket.state, ticket.assignee, ticket.assignee_email) == ("open", "Bo", "bo@example.com")
    ticket_events_ingest(events=[event("paused", at(2, 11))], now=at(2, 12))
    ticket.refresh_from_db()
    assert ticket.state == "paused"
    ticket_events_ingest(events=[event("resolved", at(2, 13)), event("closed", at(2, 14))], now=at(2, 15))
    ticket.refresh_from_db()
    assert (ticket.state, ticket.resolved_at, ticket.closed_at) == ("closed", at(2, 13), at(2, 14))


def test_a_priority_change_reaches_back_to_the_opening(sla):
    ticket_events_ingest(events=[open_event(priority=3)], now=at(2, 10))
    ticket_events_ingest(events=[event("priority_changed", at(2, 10), priority=1)], now=at(2, 10, 5))
    ticket = Ticket.objects.get()
    resolve = clocks(ticket)[(RESOLVE, 1)]
    assert ticket.priority == 1
    assert resolve.calendar == sla["always"] and resolve.due_at == at(2, 13)


def test_a_ticket_without_an_agreement_has_no_clocks(sla):
    from tests import factories as f

    f.ServiceFactory(slug="other")
    ticket_events_ingest(events=[open_event(service="other", business_unit=None)], now=at(2, 10))
    assert Ticket.objects.get().agreement is None
    assert not Clock.objects.exists()


def test_update_cycles_restart_at_each_customer_update(sla):
    ticket_events_ingest(
        events=[open_event(), event("responded", at(2, 9, 30)), event("customer_updated", at(2, 12))],
        now=at(2, 12, 30),
    )
    by_key = clocks(Ticket.objects.get())
    assert by_key[(UPDATE, 1)].state == BREACHED  # 2h30 between updates, 2h agreed
    assert by_key[(UPDATE, 2)].state == RUNNING and by_key[(UPDATE, 2)].due_at == at(2, 14)


def test_events_for_one_ticket_in_one_batch_of_many(sla):
    batch = [open_event(external_id=f"INC-{n}", key=f"k{n}") for n in range(50)]
    result = ticket_events_ingest(events=batch, now=at(2, 10))
    assert result.created == 50 and result.tickets_created == 50
    assert Clock.objects.count() == 100


def test_event_kinds_are_stored_and_shown_by_name(sla):
    ticket_events_ingest(events=[open_event()], now=at(2, 10))
    stored = TicketEvent.objects.get()
    assert stored.kind == "opened"
    assert stored.get_kind_display() == "Opened"
    stored.full_clean()  # the stored value is one of the field's choices


def test_a_second_opening_is_refused_and_stores_nothing(sla):
    ticket_events_ingest(events=[open_event()], now=at(2, 10))
    with pytest.raises(ValidationError) as error:
        ticket_events_ingest(events=[open_event(when=at(2, 8), key="again")], now=at(2, 10), many=False)
    assert "already open" in error.value.message_dict["kind"][0]
    assert TicketEvent.objects.count() == 1 and Ticket.objects.get().opened_at == at(2, 9)


def test_events_in_any_order_end_as_in_order(sla):
    events = [
        open_event(),
        event("assigned", at(2, 9, 10), assignee="Bo"),
        event("resolved", at(2, 12)),
        event("reopened", at(2, 13)),
        event("resolved", at(2, 14)),
    ]
    for one in reversed(events):  # the opening last: the others wait for it
        ticket_events_ingest(events=[one], now=at(3, 9))
    ticket = Ticket.objects.get()
    assert [e.kind for e in ticket.events.all()] == ["opened", "assigned", "resolved", "reopened", "resolved"]
    assert (ticket.state, ticket.resolved_at, ticket.assignee) == ("resolved", at(2, 14), "Bo")
    assert clocks(ticket)[(RESOLVE, 1)].state == MET
