"""Aggregates Django does not ship, for PostgreSQL: percentiles and the last value of a series."""

from __future__ import annotations

from django.db.models import Aggregate, FloatField


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont (linear interpolation between closest ranks, as
    sla.forecasting.percentile): an ordered-set aggregate. FILTER follows it as usual."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    template = "%(function)s(%(share)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, share: float, **extra):
        super().__init__(expression, share=float(share), **extra)


class LastValue(Aggregate):
    """The value with the latest time: `(ARRAY_AGG(value ORDER BY at DESC) FILTER (…))[1]`
    (PostgreSQL)."""

    function = "ARRAY_AGG"
    name = "LastValue"
    template = "%(function)s(%(expressions)s DESC)"
    arg_joiner = " ORDER BY "
    output_field = FloatField()

    def __init__(self, value, at, **extra):
        super().__init__(value, at, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, **extra_context)
        return f"({sql})[1]", params
