"""The guard on a select few measures: no target, no factor, no data in its last two periods."""

from datetime import UTC, date, datetime, timedelta

import pytest

from catalog.models import Measure
from sla.measure_guard import NO_DATA, NO_FACTOR, NO_TARGET, measure_flags, measures_flagged, with_measures
from sla.models import MeasureEvaluation
from tests.catalog.helpers import agreed
from tests.factories import ServiceFactory

WINDOW = date(2026, 9, 1)


@pytest.mark.parametrize(
    ("facts", "reasons"),
    [
        ({}, ()),
        ({"target": None}, (NO_TARGET,)),
        ({"factor": ""}, (NO_FACTOR,)),
        ({"volumes": []}, (NO_DATA,)),
        ({"volumes": [0, 0]}, (NO_DATA,)),
        ({"volumes": [0, 3]}, ()),
        # In force for less than the two periods: not yet expected to have data.
        ({"volumes": [], "judged_since": WINDOW + timedelta(days=1)}, ()),
        ({"volumes": [], "judged_since": None}, ()),
        ({"target": None, "factor": "", "volumes": []}, (NO_TARGET, NO_FACTOR, NO_DATA)),
    ],
)
def test_measure_flags(facts, reasons):
    given = {"target": 95, "factor": "results", "judged_since": date(2026, 1, 1), "volumes": [4, 5], **facts}
    assert measure_flags(window_start=WINDOW, **given) == reasons


@pytest.mark.django_db
def test_measures_flagged_reads_the_last_two_periods_in_one_query(django_assert_max_num_queries):
    now = datetime(2026, 11, 15, 12, tzinfo=UTC)
    service = ServiceFactory()
    agreement = agreed(service=service, business_unit=None)  # in force since 2025
    fed = Measure.objects.create(agreement=agreement, key="fed", name="Fed", factor="results", target=1)
    Measure.objects.create(agreement=agreement, key="starved", name="Starved", factor="pace", target=1)
    Measure.objects.create(agreement=agreement, key="unfactored", name="Unfactored", factor="", target=1)
    MeasureEvaluation.objects.create(
        measure=fed,
        service=service,
        measure_key="fed",
        period_start=datetime(2026, 10, 1, tzinfo=UTC),
        period_end=datetime(2026, 11, 1, tzinfo=UTC),
        volume=7,
        computed_at=now,
    )
    agreements = list(with_measures(type(agreement).objects.filter(pk=agreement.pk)))
    with django_assert_max_num_queries(1):
        flagged = measures_flagged(agreements=agreements, now=now)
    assert [(f.measure.key, f.reasons) for f in flagged] == [
        ("starved", (NO_DATA,)),
        ("unfactored", (NO_FACTOR, NO_DATA)),
    ]


@pytest.mark.django_db
def test_measures_given_in_one_query_are_flagged_in_the_agreements_order(django_assert_max_num_queries):
    now = datetime(2026, 11, 15, 12, tzinfo=UTC)
    first, second, other = (agreed(service=ServiceFactory(), business_unit=None) for _ in range(3))
    for agreement, key in ((second, "b"), (first, "a2"), (first, "a1"), (other, "elsewhere")):
        Measure.objects.create(
            agreement=agreement, key=key, name=key, factor="", target=1, position=int(key[-1:] == "2")
        )
    measures = list(Measure.objects.order_by("position", "name", "pk"))
    with django_assert_max_num_queries(1):
        flagged = measures_flagged(agreements=[first, second], measures=measures, now=now)
    assert [(f.agreement.pk, f.measure.key) for f in flagged] == [(first.pk, "a1"), (first.pk, "a2"), (second.pk, "b")]
    assert all(f.reasons == (NO_FACTOR, NO_DATA) for f in flagged)
