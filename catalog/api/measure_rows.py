"""An agreement version's success measures (GET /api/v1/agreements/{id}/measures/) from one
`.values()` query of the agreement in the user's scope joined to its measures, shaped exactly as
MeasureSerializer writes them (pinned by tests/api/test_value_rows.py): one query where there
were two (the agreement, then its measures as model instances) and no ModelSerializer walking
its twenty-six fields a measure."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import SimpleNamespace

from django.db.models import QuerySet

from catalog import measure_text
from catalog.api.measures import MeasureSerializer
from catalog.durations import duration_human
from catalog.models import SuccessFactor

_MEASURE = "measures__"
_FACTOR_LABELS = dict(SuccessFactor.choices)
# The serializer's fields worked out from a measure's values (what measure_text reads of a
# Measure), each as its SerializerMethodField or source method gives it.
_COMPUTED: dict[str, Callable[[SimpleNamespace], object]] = {
    "factor_label": lambda m: None if m.factor is None else str(_FACTOR_LABELS.get(m.factor, m.factor)),
    "ticket_within_seconds": lambda m: None if m.ticket_within is None else int(m.ticket_within.total_seconds()),
    "ticket_within_human": lambda m: None if m.ticket_within is None else duration_human(m.ticket_within),
    "target_text": measure_text.success_text,
    "counted": measure_text.counted_text,
}
# The others are read straight from a column, each written by the field's own to_representation
# (choices, decimals, the duration) as DRF writes a value that is not None.
_PLAIN = tuple(name for name in MeasureSerializer.Meta.fields if name not in _COMPUTED)
_COLUMNS = tuple(f"{_MEASURE}{name}" for name in _PLAIN)


def agreement_measures(agreements: QuerySet, *, pk) -> list[dict] | None:
    """The measures of agreement `pk`, in order (position, then name), if it is among
    `agreements` (the user's); None when it is not. An agreement without measures gives one row
    of NULL measures: []."""
    rows = list(agreements.filter(pk=pk).order_by(f"{_MEASURE}position", f"{_MEASURE}name").values(*_COLUMNS))
    if not rows:
        return None
    return [_measure(row) for row in rows if row[f"{_MEASURE}key"] is not None]


@functools.cache
def _fields() -> tuple:
    """(name, column, to_representation) of each plain field, and the row's fields in the
    serializer's order, each with its to_representation or, for a computed one, its function."""
    fields = MeasureSerializer().fields
    plain = tuple((name, f"{_MEASURE}{name}", fields[name].to_representation) for name in _PLAIN)
    return plain, tuple((name, name in _COMPUTED) for name in MeasureSerializer.Meta.fields)


def _measure(row: dict) -> dict:
    plain, order = _fields()
    values = {name: row[column] for name, column, _convert in plain}
    shaped = {name: None if values[name] is None else convert(values[name]) for name, _column, convert in plain}
    measure = SimpleNamespace(**values)  # what measure_text reads of a Measure: its values
    return {name: _COMPUTED[name](measure) if computed else shaped[name] for name, computed in order}
