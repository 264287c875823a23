"""The accept path's shortcuts build exactly what the plain ways build: a ticket event from a
parsed row (sla.events.event_from_values), and the JSON text of a COPY's values
(sla.bulk_sql.json_text)."""

import json
from dataclasses import fields
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla.bulk_sql import json_text
from sla.events import TicketEventInput, event_from_values

NAMES = [f.name for f in fields(TicketEventInput)]
REQUIRED = {
    "source": "desk",
    "external_id": "INC-1",
    "kind": "opened",
    "occurred_at": datetime(2026, 11, 2, 9, tzinfo=UTC),
    "idempotency_key": "k",
}
OPTIONAL = st.fixed_dictionaries(
    {},
    optional={
        "service": st.sampled_from(["payroll", ""]),
        "business_unit": st.none() | st.just("finance"),
        "priority": st.none() | st.integers(1, 5),
        "impact": st.integers(1, 3),
        "title": st.text(max_size=5),
        "note": st.text(max_size=5),
        "data": st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    },
)


@given(optional=OPTIONAL)
def test_an_event_from_values_is_the_dataclass_s_own(optional):
    values = {**REQUIRED, **optional}
    built, plain = event_from_values(values), TicketEventInput(**values)
    assert type(built) is TicketEventInput
    assert list(vars(built).items()) == list(vars(plain).items())  # same fields, same order
    assert built == plain and hash(built) == hash(plain)


def test_each_event_gets_its_own_data_and_stays_frozen():
    first, second = event_from_values(dict(REQUIRED)), event_from_values(dict(REQUIRED))
    assert first.data == {} and first.data is not second.data
    with pytest.raises(AttributeError):
        first.kind = "resolved"


def test_values_the_dataclass_refuses_are_refused_the_same_way():
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        event_from_values({**REQUIRED, "colour": "red"})
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'kind'"):
        event_from_values({k: v for k, v in REQUIRED.items() if k != "kind"})


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


@given(value=JSON)
def test_json_text_is_json_dumps(value):
    assert json_text(value) == json.dumps(value)
