"""The numbers behind measure evaluations, read from the database in a few grouped queries.

An evaluation pass groups the measures in force by (period kind, time zone). Every measure of a
group shares the same windows: this period so far, the period just finished, the two before it
(for the expected volume), and the recent stretches the burn-rate alerts look at. So each source
of data points is read with one aggregate query per group (COUNT and SUM with a FILTER per
window, percentile_cont for medians and 90th percentiles, the last value) and one more grouped
by local day, which is what the trend is fitted on. Nothing loops over data points in Python,
except on SQLite, which has no percentile_cont: it fetches the values of its median, 90th
percentile and last-value measures only.

Sources:
- measurements (manual and pushed measures), one series per measure definition: the join with
  the measure gives each its own condition for percentage measures;
- ticket clocks and tickets (derived measures), one series per (service, business unit,
  priority), which the measures add up as they need: a unit's agreement counts its unit's
  tickets, an all-units agreement all the service's tickets, a priority only its priority.
- survey responses (measures derived from feedback: CSAT, NPS, CES), one series per measure
  definition, like measurements.

The modules, in the order they build on each other:
- windows: the windows of a pass (`Windows`, `windows_for`);
- series: what a source returns (`Tally`, `Series`);
- grouped_queries: the two (or three) queries that turn a queryset into series per group;
- all_groups: the measurement series of every group of a pass in three statements (what the
  pass reads; `sources.measurement_series` is the same numbers one group at a time);
- in_force: the measures a pass judges, as plain rows;
- sources: the querysets of each source, and adding up ticket series for a measure.
"""

from sla.measure_data.all_groups import measurement_series_all
from sla.measure_data.series import EMPTY, Series, Tally, finite
from sla.measure_data.sources import (
    TicketKey,
    by_service,
    clock_series,
    feedback_series,
    measurement_series,
    owner_series,
    ticket_series_for,
)
from sla.measure_data.windows import HISTORY_PERIODS, Windows, burn_widths, windows_for

__all__ = [
    "EMPTY",
    "HISTORY_PERIODS",
    "Series",
    "Tally",
    "TicketKey",
    "Windows",
    "burn_widths",
    "by_service",
    "clock_series",
    "feedback_series",
    "finite",
    "measurement_series",
    "measurement_series_all",
    "owner_series",
    "ticket_series_for",
    "windows_for",
]
