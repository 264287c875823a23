"""A ticket's transitions as a pure function of its observations (no database): the same set of
observations gives the same history whatever order it is listed in, repeated or not."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sla.events import TicketEventInput
from sla.integrations.mappings import IntegrationConfig
from sla.integrations.observations import delivery_observation, snapshot_translator
from sla.transitions import EVENT, Observation, derive_transitions, event_content, event_rank
from tests.sla.conftest import at
from tests.sla.integrations.conftest import sn_record, sn_time

SN = snapshot_translator(IntegrationConfig.build(kind="servicenow", source="servicenow", default_service="payroll"))


def explicit(kind: str, when, key: str | None = None, **fields) -> Observation:
    event = TicketEventInput(
        source="desk",
        external_id="INC-1",
        kind=kind,
        occurred_at=when,
        idempotency_key=key or f"{kind}:{when:%H%M}",
        **fields,
    )
    return Observation(event.idempotency_key, EVENT, when, event_rank(kind), event_content(event))


def snapshot(record) -> Observation:
    _, observation = delivery_observation("servicenow", record)
    return observation


def history(observations) -> list[tuple]:
    derivation = derive_transitions(observations, translate=SN)
    return [(d.event.kind, d.event.occurred_at, d.event.idempotency_key, d.observation) for d in derivation.events]


STATES = ("1", "2", "3", "6")
lives = st.lists(st.tuples(st.sampled_from(STATES), st.integers(1, 4), st.booleans()), min_size=1, max_size=7)


def servicenow_life(life) -> list[Observation]:
    observations = [snapshot(sn_record())]
    for n, (state, priority, assigned) in enumerate(life, start=1):
        when = at(2, 9) + n * timedelta(minutes=30)
        record = sn_record(
            updated=when,
            state=state,
            priority=str(priority),
            assigned_to="Beth Agent" if assigned else "",
            resolved_at=sn_time(when) if state == "6" else "",
        )
        observations.append(snapshot(record))
    return observations


@settings(max_examples=200, deadline=None)
@given(life=lives, data=st.data())
def test_any_order_and_any_repetition_of_snapshots_gives_one_history(life, data):
    observations = servicenow_life(life)
    in_order = history(observations)
    shuffled = data.draw(st.permutations(observations + data.draw(st.lists(st.sampled_from(observations), max_size=4))))
    assert history(shuffled) == in_order


@settings(max_examples=200, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(["assigned", "paused", "resumed", "resolved", "reopened", "closed"]), max_size=8),
    data=st.data(),
)
def test_any_order_of_explicit_events_gives_one_history(kinds, data):
    observations = [explicit("opened", at(2, 9), service="payroll", priority=2)]
    # Several events may share an instant: ties are broken by content, never by position.
    observations += [
        explicit(kind, at(2, 9) + (n // 2) * timedelta(hours=1), key=f"k{n}") for n, kind in enumerate(kinds)
    ]
    assert history(data.draw(st.permutations(observations))) == history(observations)


def test_a_reopen_that_comes_late_is_placed_in_its_time_and_what_follows_is_derived_again():
    opened, resolved, reopened, again = (
        snapshot(sn_record()),
        snapshot(sn_record(updated=at(2, 12), state="6", resolved_at="2026-11-02 12:00:00")),
        snapshot(sn_record(updated=at(2, 13), state="2")),
        snapshot(sn_record(updated=at(2, 14), state="6", resolved_at="2026-11-02 14:00:00")),
    )
    before = history([opened, resolved, again])
    assert [kind for kind, *_ in before] == ["opened", "resolved"]  # 14:00 says nothing new, yet
    after = history([opened, resolved, again, reopened])
    assert [(kind, when) for kind, when, *_ in after] == [
        ("opened", at(2, 9)),
        ("resolved", at(2, 12)),
        ("reopened", at(2, 13)),
        ("responded", at(2, 13)),  # In Progress: IT is on it
        ("resolved", at(2, 14)),
    ]
    assert after[-1][3] == again.key  # the second resolution is the 14:00 snapshot's


def test_events_before_any_opening_wait_and_events_before_the_opening_are_left_out():
    assigned = explicit("assigned", at(2, 10), assignee="Bo")
    early = explicit("responded", at(2, 8))
    assert derive_transitions([assigned, early], translate=SN).events == []
    derivation = derive_transitions(
        [assigned, early, explicit("opened", at(2, 9), service="payroll", priority=2)], translate=SN
    )
    assert [d.event.kind for d in derivation.events] == ["opened", "assigned"]
    assert [e.kind for e in derivation.early[early.key]] == ["responded"]


def test_a_snapshot_that_cannot_be_read_in_its_place_is_named_not_fatal():
    broken = Observation("servicenow:x", "servicenow", at(2, 10), 1, {"payload": sn_record(priority="9")})
    derivation = derive_transitions([snapshot(sn_record()), broken], translate=SN)
    assert [d.event.kind for d in derivation.events] == ["opened"]
    assert "priority" in derivation.failures["servicenow:x"].message_dict


def test_one_event_key_from_two_observations_counts_once_for_the_earlier():
    first = Observation("a", EVENT, at(2, 10), 1, explicit("assigned", at(2, 10), key="same").content)
    second = Observation("b", EVENT, at(2, 11), 1, explicit("assigned", at(2, 11), key="same").content)
    derivation = derive_transitions(
        [second, first, explicit("opened", at(2, 9), service="payroll", priority=2)], translate=SN
    )
    assert [(d.event.occurred_at, d.observation) for d in derivation.events][1:] == [(at(2, 10), "a")]
    assert derivation.repeated == {"b": 1}
