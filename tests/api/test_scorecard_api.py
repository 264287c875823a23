"""GET /api/v1/services/{slug}/scorecard/: the six factors with their measures' status, actual
against target, forecast with band, trend and sparkline values, and the maturity of each
agreement in force; readable by whoever may read the service; constant queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from sla.models import MeasureEvaluation
from tests import factories as f
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA (UTC)
from tests.sla.test_scorecard import MONTHS, NOW, add_measure, evaluate, history, point

URL = "/api/v1/services/payroll/scorecard/"


@pytest.fixture
def api(time_machine):
    time_machine.move_to(NOW, tick=False)
    return APIClient()


@pytest.fixture
def reader():
    return f.business_user(username="reader")


@pytest.fixture
def measures(sla):
    agreement = sla["agreement"]
    payslips = add_measure(agreement, "payslips-on-time", name="Payslips on time", warning_level=96)
    engage = add_measure(
        agreement, "engage-hours", name="Time to engage", factor="engagement", target=4, direction="lower", unit="hours"
    )
    history(payslips, [("met", 95.5), ("met", 96), ("met", 97), ("met", 97.5)])  # then two months without
    history(engage, [("missed", 5), ("missed", 4.5), ("met", 4), ("met", 3.5), ("met", 3), ("met", 2.5)])
    evaluate(
        payslips,
        MONTHS[-1],
        "at_risk",
        95.5,
        reason="95.5% so far, past the warning level of 96%",
        forecast=95.8,
        forecast_low=94.2,
        forecast_high=97.4,
        budget={"allowed_misses": 4.5, "misses": 3, "burn_rate": 1.2, "exhausted_on": "2026-11-25"},
    )
    evaluate(engage, MONTHS[-1], "met", 2.2, forecast=2.3, forecast_low=2.0, forecast_high=2.6)
    point(payslips, NOW - timedelta(days=1))
    return {"payslips": payslips, "engage": engage}


def test_a_reader_gets_the_six_factors_with_their_measures(api, sla, measures, reader):
    api.force_authenticate(reader)
    body = api.get(URL).json()
    assert body["service"] == {"slug": "payroll", "name": "Payroll"}
    assert body["computed_at"] == "2026-11-18T12:00:00Z"
    factors = {factor["factor"]: factor for factor in body["factors"]}
    assert [factor["factor"] for factor in body["factors"]] == [
        "engagement",
        "urgency",
        "ownership",
        "pace",
        "results",
        "user_experience",
    ]
    assert {k: factors["urgency"][k] for k in ("status", "status_label", "trend", "forecast", "measures")} == {
        "status": "none",
        "status_label": "No measures",
        "trend": None,
        "forecast": None,
        "measures": [],
    }
    results = factors["results"]
    assert (results["label"], results["status"], results["status_label"]) == ("Results", "at_risk", "At risk")
    assert (results["trend"], results["forecast"]) == ("improving", "at_risk")
    (payslips,) = results["measures"]
    sparkline = payslips.pop("sparkline")
    assert payslips == {
        "key": "payslips-on-time",
        "name": "Payslips on time",
        "agreement": {"id": sla["agreement"].pk, "version": sla["agreement"].version, "business_unit": "finance"},
        "unit": "%",
        "direction": "higher",
        "period": "month",
        "period_label": "November 2026",
        "target": 95.0,
        "warning_level": 96.0,
        "actual": 95.5,
        "status": "at_risk",
        "status_label": "At risk",
        "reason": "95.5% so far, past the warning level of 96%",
        "forecast": {"value": 95.8, "low": 94.2, "high": 97.4, "outlook": "at_risk"},
        "budget": {"allowed_misses": 4.5, "misses": 3, "burn_rate": 1.2, "exhausted_on": "2026-11-25"},
        "trend": "improving",
        "evaluated_at": "2026-11-18T12:00:00Z",
    }
    assert len(sparkline) == 7  # six finished months and this one
    assert sparkline[0] == {
        "period_start": "2026-05-01T01:00:00+01:00",  # midnight UTC (the calendar's zone), in the site's
        "period_end": "2026-06-01T01:00:00+01:00",
        "label": "May 2026",
        "value": 95.5,
        "status": "met",
        "current": False,
        "settled": True,
    }
    assert [p["value"] for p in sparkline] == [95.5, 96, 97, 97.5, None, None, 95.5]
    assert [p["status"] for p in sparkline][4:] == ["no_data", "no_data", "at_risk"]
    assert sparkline[-1]["current"] and not sparkline[-1]["settled"]

    engagement = factors["engagement"]
    assert (engagement["status"], engagement["trend"], engagement["forecast"]) == ("met", "improving", "met")
    assert engagement["measures"][0]["forecast"]["outlook"] == "met"


def test_each_agreement_in_force_comes_with_its_maturity(api, sla, measures, reader):
    api.force_authenticate(reader)
    (agreement,) = api.get(URL).json()["agreements"]
    assert agreement["agreement"] == {"id": sla["agreement"].pk, "version": 1, "business_unit": "finance"}
    # Engage time is pushed too and has no data point lately: Bronze, and Silver says why not.
    assert agreement["maturity"] == {
        "level": "bronze",
        "label": "Bronze",
        "reasons": ["The service has an IT owner and a business owner.", "2 success measures defined."],
        "next_level": "silver",
        "missing": ["Data in the current or last period for: Time to engage."],
    }


def test_a_measure_without_a_forecast_has_null(api, sla, reader):
    measure = add_measure(sla["agreement"], "payslips-on-time")
    evaluate(measure, MONTHS[-1], "no_data", None, reason="no data yet")
    api.force_authenticate(reader)
    factors = {factor["factor"]: factor for factor in api.get(URL).json()["factors"]}
    (payslips,) = factors["results"]["measures"]
    assert (payslips["forecast"], payslips["trend"], payslips["actual"], payslips["budget"]) == (None, None, None, {})
    assert (factors["results"]["status"], factors["results"]["status_label"]) == ("no_data", "Not enough data")


def test_a_service_without_agreement_in_force_has_an_empty_scorecard(api, db, reader):
    f.ServiceFactory(name="Payroll", slug="payroll")
    api.force_authenticate(reader)
    body = api.get(URL).json()
    assert [factor["status"] for factor in body["factors"]] == ["none"] * 6
    assert body["agreements"] == []


def test_readable_by_whoever_may_read_the_catalogue(api, sla, measures, settings):
    assert api.get(URL).status_code == 200  # a public catalogue: anonymous visitors too
    settings.CATALOGUE_PUBLIC = False
    assert api.get(URL).status_code in (401, 403)
    api.force_authenticate(f.business_user())
    assert api.get(URL).status_code == 200


def test_an_unknown_service_is_404_and_writes_are_refused(api, sla, reader):
    api.force_authenticate(reader)
    response = api.get("/api/v1/services/nope/scorecard/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == "No such service."
    assert api.post(URL, {}).status_code == 405


def _queries(api) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(URL).status_code == 200
    return len(queries)


def test_constant_queries_whatever_the_number_of_measures(api, sla, reader):
    api.force_authenticate(reader)
    for index in range(2):
        measure = add_measure(sla["agreement"], f"measure-{index}")
        history(measure, [("met", 96)] * 7)
        point(measure, NOW - timedelta(hours=index + 1))
    api.get(URL)  # warm caches (content types, permissions)
    two = _queries(api)
    for index in range(2, 10):
        measure = add_measure(sla["agreement"], f"measure-{index}", factor="pace")
        history(measure, [("met", 96)] * 7)
        point(measure, NOW - timedelta(hours=index + 1))
    assert MeasureEvaluation.objects.count() == 70
    assert _queries(api) == two


def test_an_all_units_agreement_has_no_business_unit(api, sla, reader):
    from tests.sla.test_scorecard import in_force

    agreement = in_force(sla, None, sla["service"].business_owner)
    api.force_authenticate(reader)
    body = api.get(URL).json()
    refs = [a["agreement"] for a in body["agreements"]]
    assert refs == [
        {"id": agreement.pk, "version": agreement.version, "business_unit": None},  # all units first
        {"id": sla["agreement"].pk, "version": 1, "business_unit": "finance"},
    ]
    results = next(factor for factor in body["factors"] if factor["factor"] == "results")
    assert results["measures"][0]["agreement"]["business_unit"] is None
