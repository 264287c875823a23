"""An agreement version's success measures (GET /api/v1/agreements/{id}/measures/) from one
`.values()` query of the agreement in the user's scope joined to its measures, shaped exactly as
MeasureSerializer writes them (pinned by tests/api/test_value_rows.py): one query where there
were two (the agreement, then its measures as model instances) and no ModelSerializer walking
its twenty-six fields a measure."""

from __future__ import annotations

import functools
from types import SimpleNamespace

from django.db.models import QuerySet

from catalog import measure_text
from catalog.durations import duration_human
from catalog.models import SuccessFactor

_MEASURE = "measures__"
# The serializer's fields read straight from a column, each written by the field's own
# to_representation (choices, decimals, the duration) as DRF writes a value that is not None.
_PLAIN = (
    "key",
    "name",
    "description",
    "factor",
    "source",
    "ticket_metric",
    "ticket_priority",
    "ticket_within",
    "feedback_metric",
    "aggregation",
    "condition",
    "condition_value",
    "unit",
    "direction",
    "target",
    "warning_level",
    "valid_min",
    "valid_max",
    "period",
    "min_points",
    "position",
)
_COLUMNS = tuple(f"{_MEASURE}{name}" for name in _PLAIN)
_FACTOR_LABELS = dict(SuccessFactor.choices)


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
    from catalog.api.measures import MeasureSerializer

    fields = MeasureSerializer().fields
    return tuple((name, f"{_MEASURE}{name}", fields[name].to_representation) for name in _PLAIN)


def _measure(row: dict) -> dict:
    values = {name: row[column] for name, column, _convert in _fields()}
    shaped = {name: None if values[name] is None else convert(values[name]) for name, _column, convert in _fields()}
    factor, within = values["factor"], values["ticket_within"]
    measure = SimpleNamespace(**values)  # what measure_text reads of a Measure: its values
    return {
        "key": shaped["key"],
        "name": shaped["name"],
        "description": shaped["description"],
        "factor": shaped["factor"],
        "factor_label": None if factor is None else str(_FACTOR_LABELS.get(factor, factor)),
        "source": shaped["source"],
        "ticket_metric": shaped["ticket_metric"],
        "ticket_priority": shaped["ticket_priority"],
        "ticket_within": shaped["ticket_within"],
        "ticket_within_seconds": None if within is None else int(within.total_seconds()),
        "ticket_within_human": None if within is None else duration_human(within),
        **{name: shaped[name] for name in _PLAIN[8:]},
        "target_text": measure_text.success_text(measure),
        "counted": measure_text.counted_text(measure),
    }
