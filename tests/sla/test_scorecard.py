"""The scorecard's arithmetic (sla.scorecard, pure) and its reads (sla.scorecard_selectors):
factor status, trends, forecast outlooks, maturity levels, and what the selector makes of
evaluation rows written straight into the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog import services as catalog_services
from catalog.models import Measure
from sla import scorecard as card
from sla.models import MeasureEvaluation, Measurement
from sla.scorecard import (
    AT_RISK,
    BRONZE,
    GOLD,
    IMPROVING,
    MET,
    MISSED,
    NO_DATA,
    NO_MEASURES,
    SILVER,
    STEADY,
    WORSENING,
    MaturityFacts,
    MeasureRecord,
    agreement_maturity,
    factor_outlook,
    factor_status,
    factor_trend,
    forecast_outlook,
    met_run,
    trend,
)
from sla.scorecard_selectors import agreement_maturity as agreement_maturity_read
from sla.scorecard_selectors import service_scorecard
from tests import factories as f

# --- Factor status ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([MET, MISSED, AT_RISK, NO_DATA], MISSED),
        ([MET, AT_RISK], AT_RISK),
        ([NO_DATA, AT_RISK, NO_DATA], AT_RISK),
        ([MET, NO_DATA], MET),  # no data is no verdict: it never hides a known one
        ([NO_DATA, NO_DATA], NO_DATA),  # only no-data measures: "not enough data"
        ([MET], MET),
        ([], NO_MEASURES),
    ],
)
def test_factor_status_is_the_worst_verdict(statuses, expected):
    assert factor_status(statuses) == expected
    assert factor_status(iter(statuses)) == expected  # any iterable


def test_factor_status_labels_say_it_in_words():
    assert card.STATUS_LABELS[factor_status([NO_DATA])] == "Not enough data"
    assert card.STATUS_LABELS[factor_status([])] == "No measures"


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError, match="'late'"):
        factor_status([MET, "late"])


@given(st.lists(st.sampled_from(card.STATUS_ORDER), min_size=1))
def test_factor_status_is_one_of_its_measures_and_none_is_worse(statuses):
    worst = factor_status(statuses)
    assert worst in statuses
    assert all(card.STATUS_ORDER.index(worst) <= card.STATUS_ORDER.index(s) for s in statuses)


# --- Trends ---------------------------------------------------------------------------------------


def test_a_rising_share_is_improving_when_higher_is_better():
    assert trend([90, 92, 94, 96], direction="higher", target=95) == IMPROVING
    assert trend([96, 94, 92, 90], direction="higher", target=95) == WORSENING


def test_falling_hours_are_improving_when_lower_is_better():
    assert trend([6, 5, 4.5, 4], direction="lower", target=4) == IMPROVING
    assert trend([4, 4.5, 5, 6], direction="lower", target=4) == WORSENING


def test_small_moves_are_steady():
    # The line moves 1.5 points across the window: under 2% of a 95% target (1.9).
    assert trend([95, 95.5, 96, 96.5], direction="higher", target=95) == STEADY
    # ... 2.4 points is over it.
    assert trend([95, 95.8, 96.6, 97.4], direction="higher", target=95) == IMPROVING
    assert trend([0, 0, 0], direction="lower", target=0) == STEADY


def test_the_scale_is_the_values_when_they_dwarf_the_target():
    # Zero incidents targeted; 30 -> 31 -> 32 is ~3% of the values' size: worsening.
    assert trend([30, 31, 32], direction="lower", target=0) == WORSENING
    assert trend([300, 301, 302], direction="lower", target=0) == STEADY


def test_no_trend_from_too_few_periods_with_a_verdict():
    assert trend([90, None, 96], direction="higher", target=95) is None
    assert trend([], direction="higher", target=95) is None
    # Gaps keep their place in time: 90 then, two periods later, 96 and 97.
    assert trend([90, None, 96, 97], direction="higher", target=95) == IMPROVING


def test_a_factor_trend_is_the_balance_of_its_measures():
    assert factor_trend([IMPROVING, IMPROVING, WORSENING]) == IMPROVING
    assert factor_trend([IMPROVING, WORSENING]) == STEADY
    assert factor_trend([WORSENING, None, STEADY]) == WORSENING
    assert factor_trend([None, None]) is None


# --- Forecast outlook ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "low", "high", "direction", "expected"),
    [
        (97, 96, 98, "higher", MET),  # the whole band meets 95
        (96, 94, 98, "higher", AT_RISK),  # the band crosses 95
        (93, 91, 95, "higher", MISSED),
        (3.5, 3, 4, "lower", MET),  # target 4 hours at most; the high edge is the weak one
        (3.5, 3, 4.5, "lower", AT_RISK),
        (4.5, 4, 5, "lower", MISSED),
        (None, None, None, "higher", None),
    ],
)
def test_forecast_outlook_reads_the_band_against_the_target(value, low, high, direction, expected):
    target = 95 if direction == "higher" else 4
    assert forecast_outlook(value=value, low=low, high=high, target=target, direction=direction) == expected


def test_a_factor_outlook_is_the_worst():
    assert factor_outlook([MET, None, AT_RISK]) == AT_RISK
    assert factor_outlook([MET, MISSED]) == MISSED
    assert factor_outlook([None]) is None


def test_met_run_counts_settled_met_periods_back_from_the_latest():
    assert met_run([(MET, True), (MET, True), (MET, True), (MISSED, True)]) == 3
    assert met_run([(MET, True), (MISSED, True), (MET, True)]) == 1
    assert met_run([(MET, False), (MET, True)]) == 0  # not settled yet: may still change
    assert met_run([(NO_DATA, False), (MET, True)]) == 0
    assert met_run([]) == 0


# --- Maturity ------------------------------------------------------------------------------------


def facts(**overrides) -> MaturityFacts:
    values = {
        "it_owner": True,
        "business_owner": True,
        "it_signed": True,
        "business_signed": True,
        "measures": (
            MeasureRecord("Payslips on time", data_arriving=True, met_run=3),
            MeasureRecord("Queries answered", data_arriving=True, met_run=4),
        ),
    }
    values.update(overrides)
    return MaturityFacts(**values)


def test_gold_every_target_met_three_periods_running():
    maturity = agreement_maturity(facts())
    assert (maturity.level, maturity.label, maturity.next_level, maturity.missing) == (GOLD, "Gold", None, ())
    assert maturity.reasons == (
        "The service has an IT owner and a business owner.",
        "2 success measures defined.",
        "Signed by both sides.",
        "Data arriving for every measure.",
        "Every target met 3 periods running.",
    )


def test_silver_says_which_targets_are_short_of_the_run():
    measures = (
        MeasureRecord("Payslips on time", data_arriving=True, met_run=2),
        MeasureRecord("Queries answered", data_arriving=True, met_run=5),
        MeasureRecord("Errors", data_arriving=True, met_run=1),
    )
    maturity = agreement_maturity(facts(measures=measures))
    assert (maturity.level, maturity.next_level) == (SILVER, GOLD)
    assert maturity.missing == (
        "Targets met 3 finished periods running, so far: Payslips on time (2 periods); Errors (1 period).",
    )
    assert "Every target met 3 periods running." not in maturity.reasons


def test_bronze_until_signed_by_both_and_data_arrives_for_every_measure():
    measures = (
        MeasureRecord("Payslips on time", data_arriving=False, met_run=0),
        MeasureRecord("Queries answered", data_arriving=True, met_run=9),
    )
    maturity = agreement_maturity(facts(business_signed=False, measures=measures))
    assert (maturity.level, maturity.next_level) == (BRONZE, SILVER)
    assert maturity.reasons == ("The service has an IT owner and a business owner.", "2 success measures defined.")
    assert maturity.missing == (
        "The signature for the business.",
        "Data in the current or last period for: Payslips on time.",
    )
    # Signed, data for one measure only: still Bronze; Gold's run is not even considered.
    assert agreement_maturity(facts(measures=measures)).level == BRONZE


def test_no_level_without_an_owner_on_each_side_or_a_measure():
    maturity = agreement_maturity(facts(business_owner=False, measures=()))
    assert (maturity.level, maturity.label, maturity.next_level) == (None, "Not yet Bronze", BRONZE)
    assert maturity.reasons == ()
    assert maturity.missing == ("Name a business owner for the service.", "Define at least one success measure.")
    # Signatures and data do not make up for the missing business owner.
    assert agreement_maturity(facts(business_owner=False)).level is None


def test_one_measure_is_said_in_the_singular():
    one = (MeasureRecord("Payslips on time", data_arriving=True, met_run=0),)
    maturity = agreement_maturity(facts(measures=one))
    assert "1 success measure defined." in maturity.reasons
    assert "Data arriving for the measure." in maturity.reasons
    assert maturity.missing == ("Targets met 3 finished periods running, so far: Payslips on time (0 periods).",)


@given(
    it_owner=st.booleans(),
    business_owner=st.booleans(),
    it_signed=st.booleans(),
    business_signed=st.booleans(),
    measures=st.lists(st.tuples(st.booleans(), st.integers(0, 6)), max_size=4),
)
def test_levels_are_cumulative(it_owner, business_owner, it_signed, business_signed, measures):
    records = tuple(MeasureRecord(f"m{i}", arriving, run) for i, (arriving, run) in enumerate(measures))
    maturity = agreement_maturity(MaturityFacts(it_owner, business_owner, it_signed, business_signed, records))
    bronze = it_owner and business_owner and bool(records)
    silver = bronze and it_signed and business_signed and all(r.data_arriving for r in records)
    gold = silver and all(r.met_run >= 3 for r in records)
    expected = GOLD if gold else SILVER if silver else BRONZE if bronze else None
    assert maturity.level == expected
    # Something is always missing below Gold, and nothing at Gold.
    assert bool(maturity.missing) == (expected != GOLD)


# --- Reads: sla.scorecard_selectors on evaluation rows written directly -------------------------

NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)  # mid-November; the sla fixture's calendar is UTC
MONTHS = [datetime(2026, m, 1, tzinfo=UTC) for m in range(5, 12)]  # May .. November (current)


def add_measure(agreement, key, *, factor="results", target=95, direction="higher", **fields) -> Measure:
    values = {"name": key.replace("-", " ").capitalize(), "unit": "%", "period": "month", "source": "pushed"}
    values.update(fields)
    return Measure.objects.create(
        agreement=agreement, key=key, factor=factor, target=target, direction=direction, **values
    )


def in_force(sla, unit, rep, key="payslips-on-time", target=97):
    """A new version for `unit` with one measure, proposed and signed by both sides."""
    draft = catalog_services.agreement_draft_create(
        service=sla["service"],
        business_unit=unit,
        actor=sla["owner"],
        scope="Revised.",
        effective_from=date(2026, 1, 1),
        review_by=date(2027, 1, 1),
    )
    if not draft.measures.filter(key=key).update(target=target):  # a revision copies the measures
        add_measure(draft, key, target=target)
    catalog_services.agreement_propose(agreement=draft, actor=sla["owner"])
    catalog_services.agreement_sign(agreement=draft, actor=sla["owner"])
    catalog_services.agreement_sign(agreement=draft, actor=rep)
    draft.refresh_from_db()
    return draft


def month_end(start: datetime) -> datetime:
    return (start + timedelta(days=32)).replace(day=1)


def evaluate(measure: Measure, start: datetime, status: str, actual: float | None, **fields) -> MeasureEvaluation:
    end = month_end(start)
    values = {
        "service_id": measure.agreement.service_id,
        "measure_key": measure.key,
        "period_end": end,
        "actual": actual,
        "status": status,
        "reason": f"{status} in {start:%B}",
        "computed_at": min(end + timedelta(minutes=5), NOW),
    }
    values.update(fields)
    return MeasureEvaluation.objects.create(measure=measure, period_start=start, **values)


def history(measure, statuses_and_values):
    """Finished months May..October, then November so far."""
    for start, (status, actual) in zip(MONTHS, statuses_and_values, strict=False):
        evaluate(measure, start, status, actual)


def point(measure, when):
    Measurement.objects.create(
        service_id=measure.agreement.service_id, measure_key=measure.key, value=1, measured_at=when, sender_id=str(when)
    )


def test_the_scorecard_groups_measures_by_factor_with_status_trend_and_forecast(sla):
    agreement = sla["agreement"]
    payslips = add_measure(agreement, "payslips-on-time", factor="results")
    queries = add_measure(agreement, "queries-answered", factor="results", target=90)
    engage = add_measure(agreement, "engage-hours", factor="engagement", target=4, direction="lower", unit="hours")
    history(payslips, [(MET, 93), (MET, 94), (MET, 95), (MET, 96), (MET, 97), (MET, 98)])
    evaluate(payslips, MONTHS[-1], MET, 98.5, forecast=98.4, forecast_low=97, forecast_high=99.5)
    history(queries, [(MET, 91)] * 6)
    evaluate(queries, MONTHS[-1], AT_RISK, 89, forecast=89.5, forecast_low=88, forecast_high=91)
    evaluate(engage, MONTHS[-1], NO_DATA, 2.0, reason="not enough data: 2 of 5 points")

    scorecard = service_scorecard(service=sla["service"], now=NOW)

    factors = {f.factor: f for f in scorecard.factors}
    assert list(factors) == ["engagement", "urgency", "ownership", "pace", "results", "user_experience"]
    results = factors["results"]
    assert [m.measure.key for m in results.measures] == ["payslips-on-time", "queries-answered"]
    assert (results.status, results.status_label) == (AT_RISK, "At risk")
    assert results.outlook == MISSED  # queries: 89.5 forecast against 90
    first = results.measures[0]
    assert (first.status, first.current.actual, first.trend, first.outlook) == (MET, 98.5, IMPROVING, MET)
    assert [p.label for p in first.history] == [
        "May 2026",
        "June 2026",
        "July 2026",
        "August 2026",
        "September 2026",
        "October 2026",
        "November 2026",
    ]
    assert [p.value for p in first.history] == [93, 94, 95, 96, 97, 98, 98.5]
    assert first.history[-1].current and not first.history[-1].settled and first.history[-2].settled
    assert results.measures[1].trend == STEADY
    assert results.trend == IMPROVING  # one improving, one steady

    engagement = factors["engagement"]
    assert (engagement.status_label, engagement.trend, engagement.outlook) == ("Not enough data", None, None)
    assert engagement.measures[0].reason == "not enough data: 2 of 5 points"
    assert engagement.measures[0].current.value is None  # below the low-volume guard: no value charted
    assert factors["pace"].status == NO_MEASURES and factors["pace"].measures == ()


def test_a_measure_never_evaluated_shows_no_data_and_says_so(sla):
    add_measure(sla["agreement"], "payslips-on-time")
    (measure,) = next(f for f in service_scorecard(service=sla["service"], now=NOW).factors if f.measures).measures
    assert (measure.status, measure.reason) == (NO_DATA, "Not evaluated yet for November 2026.")
    assert all(p.status == NO_DATA and p.actual is None for p in measure.history)


def test_history_follows_the_key_across_versions_and_the_current_definition_wins(sla):
    agreement = sla["agreement"]
    old = add_measure(agreement, "payslips-on-time")
    history(old, [(MET, 96), (MET, 96), (MET, 96), (MET, 96), (MET, 96), (MISSED, 80)])
    evaluate(old, MONTHS[-1], MET, 97)
    revised = in_force(sla, sla["unit"], sla["rep"])
    new = Measure.objects.get(agreement=revised)
    evaluate(new, MONTHS[-1], AT_RISK, 96.5, computed_at=NOW - timedelta(hours=1))  # older than old's row

    (measure,) = next(f for f in service_scorecard(service=sla["service"], now=NOW).factors if f.measures).measures
    assert measure.measure == new
    assert [p.value for p in measure.history] == [96, 96, 96, 96, 96, 80, 96.5]
    assert measure.status == AT_RISK


def test_units_sharing_a_key_keep_their_own_history(sla):
    sales = f.BusinessUnitFactory(name="Sales", slug="sales")
    mine = add_measure(sla["agreement"], "payslips-on-time")
    theirs = Measure.objects.get(agreement=in_force(sla, sales, f.representative(sales)))
    evaluate(mine, MONTHS[-1], MET, 99)
    evaluate(theirs, MONTHS[-1], MISSED, 50)

    results = next(f for f in service_scorecard(service=sla["service"], now=NOW).factors if f.factor == "results")
    by_unit = {m.agreement.business_unit.name: m.current.actual for m in results.measures}
    assert by_unit == {"Finance": 99, "Sales": 50}
    assert results.status == MISSED


def test_maturity_from_the_database(sla):
    agreement = sla["agreement"]
    payslips = add_measure(agreement, "payslips-on-time")
    tickets = add_measure(
        agreement, "p1-in-time", source="tickets", ticket_metric="resolved_in_time", aggregation="percent"
    )
    # Payslips: met May .. October, a point this month; tickets: met the last three months.
    history(payslips, [(MET, 96)] * 6)
    point(payslips, NOW - timedelta(days=3))
    history(tickets, [(MISSED, 80), (MISSED, 80), (MISSED, 80), (MET, 99), (MET, 99), (MET, 99)])
    scorecard = service_scorecard(service=sla["service"], now=NOW)
    (only,) = scorecard.agreements
    assert only.agreement == agreement
    assert only.maturity.level == GOLD

    # One finished month not yet given its final verdict: the run is broken until it is.
    MeasureEvaluation.objects.filter(measure=tickets, period_start=MONTHS[5]).update(
        computed_at=MONTHS[5] + timedelta(days=20)
    )
    maturity = agreement_maturity_read(agreement=agreement, now=NOW)
    assert (maturity.level, maturity.missing) == (
        SILVER,
        ("Targets met 3 finished periods running, so far: P1 in time (0 periods).",),
    )


def test_data_arriving_means_the_current_or_the_last_period(sla):
    agreement = sla["agreement"]
    payslips = add_measure(agreement, "payslips-on-time")
    tickets = add_measure(
        agreement, "p1-in-time", source="tickets", ticket_metric="resolved_in_time", aggregation="percent"
    )
    point(payslips, datetime(2026, 9, 30, 23, tzinfo=UTC))  # September: too long ago
    evaluate(tickets, MONTHS[-1], NO_DATA, None)  # derived: a verdict is the sign of data
    evaluate(tickets, MONTHS[-2], NO_DATA, 50)
    maturity = agreement_maturity_read(agreement=agreement, now=NOW)
    assert maturity.level == BRONZE
    assert maturity.missing == (
        "Data in the current or last period for: P1 in time, Payslips on time.",
    )  # by position, name

    point(payslips, datetime(2026, 10, 1, tzinfo=UTC))  # the first instant of October counts
    MeasureEvaluation.objects.filter(measure=tickets, period_start=MONTHS[-2]).update(status=MISSED)
    assert agreement_maturity_read(agreement=agreement, now=NOW).level == SILVER


def test_a_draft_is_bronze_at_most_and_a_service_without_business_owner_none(sla):
    draft = catalog_services.agreement_draft_create(
        service=sla["service"], business_unit=None, actor=sla["owner"], scope="Everyone."
    )
    assert agreement_maturity_read(agreement=draft, now=NOW).missing == ("Define at least one success measure.",)
    add_measure(draft, "payslips-on-time")
    maturity = agreement_maturity_read(agreement=draft, now=NOW)
    assert (maturity.level, maturity.next_level) == (BRONZE, SILVER)
    assert "The signature for IT." in maturity.missing

    sla["service"].business_owner = None
    sla["service"].save(update_fields=["business_owner"])
    draft.refresh_from_db()
    assert agreement_maturity_read(agreement=draft, now=NOW).level is None


def test_the_scorecard_reads_in_a_constant_number_of_queries(sla, django_assert_num_queries):
    agreement = sla["agreement"]
    for index in range(10):
        measure = add_measure(agreement, f"measure-{index}", factor=card_factor(index))
        history(measure, [(MET, 96)] * 7)
        point(measure, NOW - timedelta(days=1))
    tickets = add_measure(
        agreement, "p1-in-time", source="tickets", ticket_metric="resolved_in_time", aggregation="percent"
    )
    history(tickets, [(MET, 99)] * 7)
    with django_assert_num_queries(4):  # agreements, measures, evaluations, latest points
        scorecard = service_scorecard(service=sla["service"], now=NOW)
    assert sum(len(f.measures) for f in scorecard.factors) == 11
    with django_assert_num_queries(0):  # everything the cards show is loaded
        [(m.status, m.trend, m.outlook, m.history) for f in scorecard.factors for m in f.measures]


def card_factor(index: int) -> str:
    return ["engagement", "urgency", "ownership", "pace", "results", "user_experience"][index % 6]
