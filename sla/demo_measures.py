"""Demo data points for the demo's success measures, and their evaluations period by period,
so the scorecards show history, trends, sparklines and forecasts on the first visit.

- Payroll "payslips on time": hours late per pay run (weekly and monthly runs), mostly 0.
- Online shop availability: a daily availability percentage, a little below target lately.
- Orders confirmed within a minute: confirmation times in seconds, forty orders a day.
Ticket-derived measures need no data: they come from the demo's tickets. Loaded by
`manage.py load_demo`; sender ids are fixed, so a second run stores nothing new.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from sla.models import Measurement
from sla.periods import period_start_date
from sla.selectors import measures_accepting_data
from sla.services import measurements_record, measures_evaluate
from sla.services.measurements import MeasurementInput

HISTORY_DAYS = 120


def load_measurements(context) -> None:
    services = {name: context.services.get(name) for name in ("Payroll", "Online shop")}
    if not all(services.values()) or Measurement.objects.filter(sender_id__startswith="demo:").exists():
        return
    rng = random.Random(7)
    items: list[MeasurementInput] = []
    payroll, shop = services["Payroll"].slug, services["Online shop"].slug
    for days_ago in range(HISTORY_DAYS, 0, -1):
        day = context.today - timedelta(days=days_ago)
        noon = _at(day, 12)
        if day.weekday() == 3 or day.day == 25:  # weekly run on Thursdays, monthly on the 25th
            late = 0 if rng.random() < 0.9 else rng.choice([2, 3, 6])
            items.append(MeasurementInput(payroll, "payslips-on-time", late, noon, f"demo:pay:{day}"))
        dip = 0.35 if days_ago < 25 else 0.1  # the shop has had a worse month
        availability = round(100 - abs(rng.gauss(0, dip)) - (rng.random() < 0.05) * 1.5, 2)
        items.append(MeasurementInput(shop, "online-shop-availability", availability, noon, f"demo:avail:{day}"))
        for order in range(40):
            seconds = round(rng.lognormvariate(3.0, 0.45 if days_ago > 20 else 0.6), 1)
            at = _at(day, 8) + timedelta(minutes=15 * order)
            items.append(
                MeasurementInput(
                    shop, "orders-confirmed-within-a-minute", min(seconds, 3600), at, f"demo:order:{day}:{order}"
                )
            )
    # A demo database from before these measures existed may not define them (yet): skip.
    accepted = measures_accepting_data(service_ids=[services["Payroll"].pk, services["Online shop"].pk])
    keys = {
        (context.services[name].slug, key)
        for (service_id, key) in accepted
        for name in services
        if context.services[name].pk == service_id
    }
    items = [item for item in items if (item.service, item.measure) in keys]
    for start in range(0, len(items), 5000):
        measurements_record(items=items[start : start + 5000], actor=None, source="api", now=context.now)
    context.created["measurements"] += len(items)
    _evaluate_history(context)


def _evaluate_history(context) -> None:
    """Evaluate at the start of every past week, month and quarter, oldest first: each pass
    gives the period just finished its final verdict, as the periodic task would have."""
    moments = set()
    for days_ago in range(HISTORY_DAYS, 0, -1):
        day = context.today - timedelta(days=days_ago)
        for period in ("week", "month", "quarter"):
            if period_start_date(period, day) == day:
                moments.add(_at(day, 0) + timedelta(minutes=5))
    for moment in sorted(moments):
        measures_evaluate(now=moment)
    measures_evaluate(now=context.now)


def _at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))
