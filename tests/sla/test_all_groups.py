"""The measurement series of a whole pass in three statements (sla.measure_data.all_groups), on
random data over every period kind and several time zones, against (1) a per-measure reference
computed in Python from each measure's own points, (2) the grouped queries one group at a time
(what the pass read before), and the verdicts judged from them."""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from catalog.models import Aggregation, Agreement, AgreementStatus, Measure
from sla import forecasting as fc
from sla import measure_verdicts as mv
from sla.measure_data import EMPTY, Series, Tally, measurement_series, measurement_series_all, windows_for
from sla.models import Measurement
from sla.services import calendar_create
from sla.services.evaluation import _group_q
from tests import factories as f

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
ZONES = ("UTC", "America/New_York", None)  # None: the site's zone (Europe/London)
CONDITIONS = ("lt", "lte", "gt", "gte", "eq")


@pytest.fixture
def catalogue(db):
    """Six services in three zones, an agreed agreement each with eight random measures (one
    service's agreement is still a draft: not in force), random points around every window
    edge of each measure's group."""
    rng = random.Random(12)
    calendars = {zone: calendar_create(name=zone, time_zone=zone, is_24x7=True) if zone else None for zone in ZONES}
    points = []
    for n in range(6):
        zone = ZONES[n % 3]
        service = f.ServiceFactory(support_calendar=calendars[zone])
        agreement = f.AgreementFactory(service=service, effective_from=date(2026, 1, 1))
        if n != 5:
            signed = {"it_signed_by": service.service_owner, "business_signed_by": service.business_owner}
            Agreement.objects.filter(pk=agreement.pk).update(
                status=AgreementStatus.AGREED, it_signed_at=NOW, business_signed_at=NOW, agreed_at=NOW, **signed
            )
        for k in range(8):
            aggregation = rng.choice(list(Aggregation.values))
            percent = aggregation == Aggregation.PERCENT
            measure = Measure.objects.create(
                agreement=agreement,
                key=f"m-{k}",
                name=f"Measure {k}",
                factor="results",
                unit="%" if percent else "h",
                direction=rng.choice(["higher", "lower"]),
                target=rng.choice([50, 90, 95]) if percent else rng.choice([2, 5, 100]),
                period=rng.choice(["week", "month", "quarter"]),
                aggregation=aggregation,
                condition=rng.choice(CONDITIONS) if percent else "",
                condition_value=Decimal(rng.choice([2, 2.5, 5])) if percent else None,
                min_points=rng.choice([1, 5]),
                source=rng.choice(["pushed"] * 5 + ["manual", "tickets"]),
                ticket_metric="",
            )
            w = windows_for(measure.period, zone or "Europe/London", NOW)
            edges = [w.current[0], w.previous[0], w.history[1][0], w.history[2][0], NOW, NOW + timedelta(seconds=1)]
            edges += [w.recent_start(width) for width in w.widths]
            span = (NOW - w.earliest).total_seconds() + 2 * 86400
            count = rng.choice([0, 4, 40, 60])
            times = {w.earliest - timedelta(days=1) + timedelta(seconds=rng.random() * span) for _ in range(count)}
            times |= set(rng.sample(edges, 5)) if count else set()
            for i, when in enumerate(sorted(times)):
                value = rng.choice([0.0, 1.5, 2.0, 2.5, 3.0, 5.0, 7.25, 12.0])
                points.append(Measurement(service=service, measure_key=measure.key, value=value, measured_at=when))
                points[-1].sender_id = f"{service.pk}-{k}-{i}"
    Measurement.objects.bulk_create(points)
    return {
        (period, zone or "Europe/London"): windows_for(period, zone or "Europe/London", NOW)
        for period in ("week", "month", "quarter")
        for zone in ZONES
    }


def reference(measure: Measure, windows) -> Series | None:
    """The series of one measure from its own points, in Python (None: no point in any window)."""
    rows = Measurement.objects.filter(service_id=measure.agreement.service_id, measure_key=measure.key)
    points = sorted((m.measured_at, m.value) for m in rows)
    limit = float(measure.condition_value) if measure.condition_value is not None else None

    def ok(value):
        return limit is not None and {
            "lt": value < limit,
            "lte": value <= limit,
            "gt": value > limit,
            "gte": value >= limit,
            "eq": value == limit,
        }.get(measure.condition, False)

    def inside(bounds):
        return [(at, v) for at, v in points if bounds[0] <= at < bounds[1] and at <= windows.now]

    def tally(chosen, with_total=True):
        return Tally(len(chosen), sum(1 for _, v in chosen if ok(v)), sum(v for _, v in chosen) if with_total else 0.0)

    current, previous = inside(windows.current), inside(windows.previous)
    history = tuple(len(inside(bounds)) for bounds in windows.history)
    if not any(history) and not current:
        return None
    zone = ZoneInfo(windows.time_zone)
    days: dict[date, list] = {}
    for at, v in current:
        days.setdefault(at.astimezone(zone).date(), []).append((at, v))
    quantiles = {}
    for name, chosen in (("cur", current), ("prev", previous)):
        if chosen and measure.aggregation == Aggregation.MEDIAN:
            quantiles[(name, "median")] = fc.percentile([v for _, v in chosen], 0.5)
        if chosen and measure.aggregation == Aggregation.P90:
            quantiles[(name, "p90")] = fc.percentile([v for _, v in chosen], 0.9)
        if chosen and measure.aggregation == Aggregation.LAST:
            quantiles[(name, "last")] = max(chosen)[1]
    misses = [at for at, v in current if not ok(v)]
    hits = [at for at, v in current if ok(v)]
    return Series(
        current=tally(current),
        previous=tally(previous),
        history_counts=history,
        recent={
            width: tally([(at, v) for at, v in current if at > windows.recent_start(width)], with_total=False)
            for width in windows.widths
        },
        first_miss=min(misses, default=None),
        first_hit=min(hits, default=None),
        days={day: tally(chosen) for day, chosen in days.items()},
        quantiles=quantiles,
    )


def assert_same(got: Series, expected: Series) -> None:
    assert (got.current.count, got.current.ok) == (expected.current.count, expected.current.ok)
    assert (got.previous.count, got.previous.ok) == (expected.previous.count, expected.previous.ok)
    assert got.current.total == pytest.approx(expected.current.total, rel=1e-12)
    assert got.previous.total == pytest.approx(expected.previous.total, rel=1e-12)
    assert got.history_counts == expected.history_counts
    assert got.recent == expected.recent
    assert (got.first_miss, got.first_hit) == (expected.first_miss, expected.first_hit)
    assert set(got.days) == set(expected.days)
    for day, tally in expected.days.items():
        assert (got.days[day].count, got.days[day].ok) == (tally.count, tally.ok)
        assert got.days[day].total == pytest.approx(tally.total, rel=1e-12)

    def known(quantiles):
        return {key: value for key, value in quantiles.items() if value is not None}

    assert known(got.quantiles) == pytest.approx(known(expected.quantiles), abs=1e-9)


def test_every_group_at_once_is_each_measure_on_its_own(catalogue):
    found = measurement_series_all(list(catalogue.values()))
    in_force = Measure.objects.filter(agreement__status=AgreementStatus.AGREED, source__in=["manual", "pushed"])
    assert in_force.count() > 30
    judged = 0
    for measure in in_force.select_related("agreement__service__support_calendar"):
        calendar = measure.agreement.service.support_calendar
        windows = catalogue[(measure.period, calendar.time_zone if calendar else "Europe/London")]
        expected = reference(measure, windows)
        if expected is None:
            assert measure.pk not in found
            continue
        assert_same(found[measure.pk], expected)
        rule = mv.rule_for(measure)
        for final in (False, True):
            got, wanted = (mv.verdict(rule, s, windows, final=final) for s in (found[measure.pk], expected))
            assert (got.status, got.volume, got.budget) == (wanted.status, wanted.volume, wanted.budget)
            assert got.actual == (None if wanted.actual is None else pytest.approx(wanted.actual, rel=1e-12))
            assert (got.forecast is None) == (wanted.forecast is None)
            if got.forecast is not None:
                assert got.forecast.value == pytest.approx(wanted.forecast.value, rel=1e-9, abs=1e-9)
            judged += 1
    assert judged > 40
    assert set(found) <= set(in_force.values_list("pk", flat=True))  # no draft's, no ticket measure's


def test_every_group_at_once_is_the_grouped_queries_one_group_at_a_time(catalogue):
    found = measurement_series_all(list(catalogue.values()))
    for (period, zone), windows in catalogue.items():
        group = Measure.objects.filter(_group_q(period, zone, None), source__in=["manual", "pushed"])
        for pk, series in measurement_series(group, windows).items():
            assert_same(found[pk], series)


def test_a_chunk_reads_its_own_measures_only(catalogue):
    every = measurement_series_all(list(catalogue.values()))
    chunk = sorted(every)[::3]
    mine = measurement_series_all(list(catalogue.values()), ids=chunk)
    assert set(mine) == set(chunk)
    for pk in chunk:
        assert_same(mine[pk], every[pk])
    assert measurement_series_all(list(catalogue.values()), ids=[]) == {}
    assert every.get(10**9, EMPTY) is EMPTY
