"""The list pages built from `.values()` rows (catalog/api/value_rows.py) give, byte for byte,
what the endpoints' serializers give for the same rows: the output shape is pinned to the
serializer, which stays the schema and serves the detail views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from rest_framework.renderers import JSONRenderer

from catalog.api import serializers as catalog_serializers
from catalog.models import Agreement, Service
from sla.models import Calendar
from tests import factories as f

pytestmark = pytest.mark.django_db


def assert_page_is_the_serializers(api, url: str, serializer_class, queryset, *, key: str = "id") -> list[dict]:
    """GET `url` and compare its page with `serializer_class` over the same rows, in the same order."""
    response = api.get(url)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results, f"{url}: no rows to compare"
    keys = [row[key] for row in results]
    by_key = {getattr(row, key): row for row in queryset.filter(**{f"{key}__in": keys})}
    expected = serializer_class([by_key[k] for k in keys], many=True, context={"request": response.wsgi_request})
    assert JSONRenderer().render(results).decode() == JSONRenderer().render(expected.data).decode()
    return results


def test_services_page_is_the_serializers(api, world, django_assert_max_num_queries):
    calendar = Calendar.objects.create(name="UK office", slug="uk-office")
    Service.objects.filter(slug="payroll").update(
        keywords=" pay, salary ,,", cost_drivers="- Licences\n\n* Staff", annual_cost=Decimal("1234.5"), criticality=1
    )
    Service.objects.filter(slug="other").update(support_calendar=calendar)
    other = Service.objects.get(slug="other")
    other.business_owner = f.business_user(username="no-name", first_name="", last_name="")
    other.save(update_fields=["business_owner"])
    # no business owner, calendar or keywords, a zero cost; units whose names JSON must escape
    quoted = f.BusinessUnitFactory(name='Ventes "Île-de-France" \\ Nord', slug="ventes")
    f.ServiceFactory(
        slug="bare", name="Bare", business_owner=None, annual_cost=0, keywords="", cost_drivers=""
    ).business_units.set([quoted, world["unit"]])
    api.force_authenticate(world["users"]["admin"])
    results = assert_page_is_the_serializers(
        api,
        "/api/v1/services/",
        catalog_serializers.ServiceSerializer,
        Service.objects.select_related("category", "service_owner", "business_owner", "support_calendar"),
        key="slug",
    )
    # the rows with (PostgreSQL) or then (SQLite) their business units; a page not full is its count
    with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else 2):
        api.get("/api/v1/services/")
    payroll = next(row for row in results if row["slug"] == "payroll")
    assert payroll["business_units"] == [{"slug": "finance", "name": "Finance"}, {"slug": "sales", "name": "Sales"}]
    assert payroll["keywords"] == ["pay", "salary"]
    assert payroll["annual_cost"] == "1234.50"
    bare = next(row for row in results if row["slug"] == "bare")
    assert (bare["business_owner"], bare["annual_cost"], bare["support_calendar"]) == (None, "0.00", None)
    assert (bare["keywords"], bare["cost_drivers"]) == ([], [])
    assert bare["business_units"] == [
        {"slug": "finance", "name": "Finance"},
        {"slug": "ventes", "name": 'Ventes "Île-de-France" \\ Nord'},
    ]
    assert next(row for row in results if row["slug"] == "other")["business_units"] == []


def test_a_full_first_page_of_services_is_counted_with_its_rows(api, world, django_assert_max_num_queries):
    """The services' rows carry the count of all (a window over them), so a full first page asks
    for no COUNT of its own; under a DISTINCT (the lifecycle filter) and on later pages the
    filtered services are counted, without the joins of the rows' columns."""
    f.ServiceFactory.create_batch(3, business_units=[world["unit"]])  # five services in all
    api.force_authenticate(world["users"]["admin"])
    units_query = 0 if connection.vendor == "postgresql" else 1
    for query, count in (("", 5), ("&q=keeps+running", 5), ("&business_unit=finance", 4), ("&category=none", 0)):
        with django_assert_max_num_queries(1 + units_query):
            body = api.get(f"/api/v1/services/?page_size=2{query}").json()
        assert (body["count"], len(body["results"]), bool(body["next"])) == (count, min(count, 2), count > 2), query
    for query in ("&lifecycle=live&lifecycle=retiring", "&page=2", "&page=3&lifecycle=live"):
        with django_assert_max_num_queries(2 + units_query):
            body = api.get(f"/api/v1/services/?page_size=2{query}").json()
        assert body["count"] == 5, query
        assert "rows_total" not in body["results"][0]


def test_agreements_page_is_the_serializers(api, world, django_assert_max_num_queries):
    """Every status, signed and unsigned, superseded and superseding, people with and without
    names; the people and the version superseded come in the rows' query (one, with a session)."""
    from catalog import services

    owner, rep = world["users"]["owner"], world["users"]["rep"]
    services.agreement_sign(agreement=world["proposed"], actor=owner)
    services.agreement_sign(agreement=world["proposed"], actor=rep)  # agreed: v1 is superseded
    owner.first_name = owner.last_name = ""
    owner.save(update_fields=["first_name", "last_name"])
    api.force_authenticate(world["users"]["admin"])
    results = assert_page_is_the_serializers(
        api, "/api/v1/agreements/", catalog_serializers.AgreementSerializer, Agreement.objects.all()
    )
    assert {row["status"] for row in results} == {"agreed", "superseded", "draft"}
    assert any(row["supersedes"] for row in results) and any(row["superseded_by"] for row in results)
    assert any(row["it_signed_by"] == {"username": "owner", "name": "owner"} for row in results)
    assert any(row["business_signed_by"] and row["business_signed_by"]["name"] != "rep" for row in results)
    with django_assert_max_num_queries(1):  # a page not full is its own count
        api.get("/api/v1/agreements/?status=agreed&status=superseded&status=draft")


def test_tickets_alerts_and_measurements_pages_are_the_serializers(api, world):
    from sla.api.measurements import MeasurementSerializer
    from sla.api.serializers import AlertSerializer, TicketSerializer
    from sla.models import Alert, Measurement, Ticket

    service, unit, admin = world["service"], world["unit"], world["users"]["admin"]
    opened = datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=UTC)
    resolved = Ticket.objects.create(
        source="jira",
        external_id="OPS-1",
        service=service,
        business_unit=unit,
        agreement=world["agreed"],
        priority=2,
        impact=1,
        urgency=2,
        title="Payslips late",
        state="resolved",
        opened_at=opened,
        resolved_at=opened + timedelta(hours=3),
    )
    Ticket.objects.create(source="api", external_id="7", service=service, opened_at=opened + timedelta(days=40))
    Alert.objects.create(
        key="a1",
        kind="clock_breach",
        severity="critical",
        subject="Breached",
        service=service,
        ticket=resolved,
        owner=world["users"]["owner"],
        details={"share": 1.2, "names": ["x"]},
        opened_at=opened,
        acknowledged_at=opened + timedelta(minutes=5),
        acknowledged_by=admin,
    )
    Alert.objects.create(key="a2", kind="agreement_review_due", subject="Review", opened_at=opened)
    Measurement.objects.create(
        service=service, measure_key="on-time", value=99.5, measured_at=opened, sender_id="s1", recorded_by=admin
    )
    Measurement.objects.create(service=service, measure_key="on-time", value=3, measured_at=opened, sender_id="s2")
    api.force_authenticate(admin)
    for url, serializer_class, model in (
        ("/api/v1/tickets/", TicketSerializer, Ticket),
        ("/api/v1/alerts/", AlertSerializer, Alert),
        ("/api/v1/measurements/", MeasurementSerializer, Measurement),
    ):
        results = assert_page_is_the_serializers(api, url, serializer_class, model.objects.all())
        assert len(results) == 2, url


def test_a_keys_roles_come_with_its_lookup(api, world, django_assert_num_queries):
    """An admin's key on GET /api/v1/tickets/: the key (with the user's roles: PostgreSQL, SQLite)
    and the rows (a first page not full is its own count). A business user's key sees only its
    units' tickets: the roles read with the key are the user's."""
    from catalog.tokens import api_token_issue
    from sla.models import Ticket

    opened = datetime(2026, 11, 2, 9, tzinfo=UTC)
    Ticket.objects.create(source="api", external_id="1", service=world["service"], opened_at=opened)
    _, admin_key = api_token_issue(user=world["users"]["admin"], name="admin", scopes=["read"])
    _, reader_key = api_token_issue(user=world["users"]["reader"], name="reader", scopes=["read"])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {admin_key}")
    api.get("/api/v1/tickets/")  # the key's last use is written once a minute: not in the count
    with django_assert_num_queries(2):
        assert api.get("/api/v1/tickets/").json()["count"] == 1
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {reader_key}")
    assert api.get("/api/v1/tickets/").json()["count"] == 0


def test_a_full_first_page_is_counted_and_a_short_one_is_its_own_count(api, world):
    f.ServiceFactory.create_batch(3)  # five services in all
    api.force_authenticate(world["users"]["admin"])
    full = api.get("/api/v1/services/?page_size=2").json()
    assert (full["count"], len(full["results"]), bool(full["next"]), full["previous"]) == (5, 2, True, None)
    last = api.get("/api/v1/services/?page_size=2&page=3").json()
    assert (last["count"], len(last["results"]), last["next"], bool(last["previous"])) == (5, 1, None, True)
    short = api.get("/api/v1/services/?page_size=10&page=1").json()
    assert (short["count"], len(short["results"]), short["next"], short["previous"]) == (5, 5, None, None)
    assert api.get("/api/v1/services/?q=nothing-matches").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_an_unfiltered_page_of_services_from_compiled_sql_is_a_filtered_pages_rows(api, world):
    """An unfiltered page comes from SQL compiled once (list_rows.SERVICES), a filtered one from
    django-filter and the ORM: the same services read the same, byte for byte, on either."""
    f.ServiceFactory.create_batch(3, lifecycle="retiring")
    api.force_authenticate(world["users"]["reader"])
    unfiltered = api.get("/api/v1/services/?page_size=500").json()
    lifecycles = "&".join(f"lifecycle={value}" for value in sorted({row["lifecycle"] for row in unfiltered["results"]}))
    for query in (lifecycles, "q="):  # every lifecycle: every service; an empty search
        filtered = api.get(f"/api/v1/services/?page_size=500&{query}").json()
        assert JSONRenderer().render(filtered) == JSONRenderer().render(unfiltered)
    by_unit = api.get(f"/api/v1/services/?business_unit={world['unit'].slug}").json()["results"]
    assert by_unit and all(row in unfiltered["results"] for row in by_unit)
    paged = [api.get(f"/api/v1/services/?page_size=2&page={n}").json()["results"] for n in (1, 2, 3)]
    assert [row for page in paged for row in page] == unfiltered["results"]


def test_business_units_and_categories_pages_are_the_serializers(api, world, django_assert_max_num_queries):
    from catalog.models import BusinessUnit, Category

    empty = f.CategoryFactory(name="Empty", slug="empty", description="", position=0)
    f.ServiceFactory(name="Gone", slug="gone", category=empty, lifecycle="retired")
    api.force_authenticate(world["users"]["reader"])
    units = assert_page_is_the_serializers(
        api, "/api/v1/business-units/", catalog_serializers.BusinessUnitSerializer, BusinessUnit.objects, key="slug"
    )
    assert [row["slug"] for row in units] == ["finance", "sales"]
    categories = assert_page_is_the_serializers(
        api, "/api/v1/categories/", catalog_serializers.CategorySerializer, Category.objects, key="slug"
    )
    counts = {row["slug"]: row["service_count"] for row in categories}
    assert counts["empty"] == 0  # its retired service is not counted
    assert sum(counts.values()) == 2
    for url in ("/api/v1/business-units/", "/api/v1/categories/"):
        with django_assert_max_num_queries(2):  # the user's roles, the rows (a page not full is its count)
            api.get(url)


def test_categories_pages_from_compiled_sql_are_the_serializers(api, world, django_assert_max_num_queries):
    """The categories' list runs SQL compiled once (list_rows.CATEGORIES): a full page is the
    serializer's and counted by a query of its own, the next page too, past the last a 404."""
    from catalog.models import Category

    f.CategoryFactory.create_batch(3, description="Tabs\tand “quotes”")
    total = Category.objects.count()
    assert total >= 4
    api.force_authenticate(world["users"]["reader"])
    url = f"/api/v1/categories/?page_size={total - 1}"
    first = api.get(url).json()
    assert (first["count"], len(first["results"]), first["previous"]) == (total, total - 1, None)
    assert first["next"].endswith(f"/api/v1/categories/?page=2&page_size={total - 1}")
    second = assert_page_is_the_serializers(
        api, f"{url}&page=2", catalog_serializers.CategorySerializer, Category.objects, key="slug"
    )
    ordered = list(Category.objects.order_by("position", "name").values_list("slug", flat=True))
    assert [row["slug"] for row in first["results"] + second] == ordered
    with django_assert_max_num_queries(3):  # the user's roles, the rows, their count
        assert api.get(url).status_code == 200
    assert api.get(f"{url}&page=3").status_code == 404
    api.force_authenticate(None)
    with override_settings(CATALOGUE_PUBLIC=False):
        assert api.get("/api/v1/categories/").status_code in (401, 403)


def test_risks_page_is_the_serializers(api, world, django_assert_max_num_queries):
    """The board's items over the API, from `.values()` rows, as RiskSerializer writes the board's
    items (sla.risks.selectors.board_items), in the same order, whatever the sort."""
    import time_machine

    from sla.models import Alert
    from sla.risks.api import RiskSerializer
    from sla.risks.selectors import board_items

    service, admin = world["service"], world["users"]["admin"]
    now = datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=UTC)
    hour = timedelta(hours=1)
    Alert.objects.create(
        key="r1",
        kind="clock_warning",
        severity="warning",
        subject="Due soon",
        service=service,
        due_at=now + 2 * hour + timedelta(microseconds=7),
        opened_at=now - hour,
    )
    Alert.objects.create(
        key="r2",
        kind="clock_breach",
        severity="critical",
        subject="Breached",
        service=service,
        due_at=now - timedelta(minutes=5),
        opened_at=now - 3 * hour,
        state="acknowledged",
        acknowledged_at=now,
        acknowledged_by=admin,
    )
    Alert.objects.create(key="r3", kind="agreement_review_due", severity="info", subject="Review", opened_at=now)
    other = Service.objects.get(slug="other")
    Alert.objects.create(key="r4", kind="measure_at_risk", subject="Slipping", service=other, opened_at=now)
    Alert.objects.create(
        key="r5", kind="clock_breach", subject="Done", service=service, opened_at=now, state="resolved"
    )
    api.force_authenticate(admin)
    with time_machine.travel(now + timedelta(seconds=30), tick=False):
        for sort in ("impact", "time_left"):
            response = api.get(f"/api/v1/risks/?sort={sort}")
            assert response.status_code == 200, response.content
            results = response.json()["results"]
            items = board_items(user=admin, now=now + timedelta(seconds=30), sort=sort)
            expected = RiskSerializer(items, many=True, context={"request": response.wsgi_request}).data
            assert len(results) == 4
            assert JSONRenderer().render(results).decode() == JSONRenderer().render(expected).decode()
        assert {row["kind"] for row in results} == {"clock", "agreement", "measure"}
        with django_assert_max_num_queries(1):  # the alerts (a page not full is its own count)
            api.get("/api/v1/risks/")


def test_an_agreements_measures_and_targets_are_read_in_two_queries(api, world, django_assert_max_num_queries):
    """The reader's roles, then the agreement (scoped to the user) joined to its rows; they were
    five: the agreement with six related rows, both prefetches."""
    api.force_authenticate(world["users"]["reader"])
    agreed, draft = world["agreed"].pk, world["draft"].pk
    for part in ("measures", "targets"):
        with django_assert_max_num_queries(2):
            response = api.get(f"/api/v1/agreements/{agreed}/{part}/")
        assert response.status_code == 200, response.content
        assert api.get(f"/api/v1/agreements/{draft}/{part}/").status_code == 404  # a draft: its owner's
    assert all(row["effective_calendar"] is None or row["effective_calendar"]["slug"] for row in response.json())


def test_an_agreements_targets_are_the_serializers(api, world, django_assert_max_num_queries):
    """GET .../targets/ from one query (catalog/api/target_rows.py) gives, byte for byte, what
    UrgencyTargetSerializer gives: own calendar or the service's, a service without one, no
    update interval, odd durations and shares; [] for a version without targets, 404 for one the
    user may not see or that does not exist."""
    from catalog.api.targets import UrgencyTargetSerializer
    from catalog.models import UrgencyTarget

    office = Calendar.objects.create(name="Office hours", slug="office")
    always = Calendar.objects.create(name="Always", slug="24x7")
    agreed, proposed = world["agreed"], world["proposed"]
    minute, hour = timedelta(minutes=1), timedelta(hours=1)
    UrgencyTarget.objects.create(
        agreement=agreed,
        priority=1,
        engage_within=15 * minute,
        resolve_within=4 * hour,
        calendar=always,
        objective_percent=Decimal("99.5"),
        warning_shares=[25, 50, 90],
    )
    UrgencyTarget.objects.create(
        agreement=agreed,
        priority=3,
        engage_within=hour,
        update_every=2 * hour + 30 * minute,
        resolve_within=3 * 24 * hour,
    )
    UrgencyTarget.objects.create(
        agreement=agreed,
        priority=5,
        engage_within=timedelta(seconds=61),
        update_every=timedelta(days=8),
        resolve_within=timedelta(weeks=2, seconds=1),
        objective_percent=0,
        warning_shares=[],
    )

    def served(pk) -> str:
        response = api.get(f"/api/v1/agreements/{pk}/targets/")
        assert response.status_code == 200, response.content
        return JSONRenderer().render(response.json()).decode()

    def expected(agreement) -> str:
        targets = UrgencyTarget.objects.filter(agreement=agreement).select_related(
            "calendar", "agreement__service__support_calendar"
        )
        return JSONRenderer().render(UrgencyTargetSerializer(targets.order_by("priority"), many=True).data).decode()

    for user in ("admin", "reader"):
        api.force_authenticate(world["users"][user])
        for support in (None, office):  # the targets without a calendar of their own count in the service's
            Service.objects.filter(pk=world["service"].pk).update(support_calendar=support)
            shown = expected(agreed)
            with django_assert_max_num_queries(2):  # the user's roles; the agreement with its targets
                assert served(agreed.pk) == shown
        assert [row["priority"] for row in api.get(f"/api/v1/agreements/{agreed.pk}/targets/").json()] == [1, 3, 5]
    api.force_authenticate(world["users"]["admin"])
    assert served(proposed.pk) == "[]"  # a version without targets
    api.force_authenticate(world["users"]["reader"])
    for pk in (proposed.pk, world["draft"].pk, 999999):  # not the reader's to see; no such version
        response = api.get(f"/api/v1/agreements/{pk}/targets/")
        assert response.status_code == 404
        assert response.json()["errors"][0]["detail"] == "Not found."


def test_an_agreements_measures_are_the_serializers(api, world, django_assert_max_num_queries):
    """GET .../measures/ from one query (catalog/api/measure_rows.py) gives, byte for byte, what
    MeasureSerializer gives: each source, decimals, a duration, the texts in words, the order
    (position, then name); [] for a version without measures, 404 (get_object's) for one the
    user may not see or that does not exist."""
    from catalog.api.measures import MeasureSerializer
    from catalog.models import Measure

    agreed, proposed = world["agreed"], world["proposed"]
    Measure.objects.filter(agreement=agreed).delete()
    common = {"agreement": agreed, "description": "Why it matters: “payslips” \\ on time\n"}
    Measure.objects.create(
        **common,
        key="on-time",
        name="On time",
        factor="results",
        unit="%",
        target=Decimal("95.5"),
        warning_level=Decimal("97.25"),
        valid_min=0,
        valid_max=100,
        position=1,
    )
    Measure.objects.create(
        **common,
        key="owned",
        name="Owned",
        factor="ownership",
        source="tickets",
        ticket_metric="owner_within",
        ticket_priority=2,
        ticket_within=timedelta(minutes=90, seconds=1),
        unit="%",
        target=90,
        position=1,
    )
    Measure.objects.create(
        **common,
        key="nps",
        name="NPS",
        factor="user_experience",
        source="feedback",
        feedback_metric="nps",
        target=Decimal("-20"),
        period="quarter",
        min_points=12,
        position=2,
    )
    Measure.objects.create(
        **common,
        key="fast",
        name="Fast",
        factor="pace",
        aggregation="percent",
        condition="lte",
        condition_value=Decimal("4.0000"),
        unit="hours",
        direction="lower",
        target=1,
        warning_level=Decimal("0.5"),
        period="week",
        position=0,
    )
    Measure.objects.create(
        **common,
        key="slow",
        name="Slow",
        factor="urgency",
        aggregation="p90",
        unit="days",
        direction="lower",
        target=Decimal("12345678.1234"),
        position=3,
    )

    def served(pk) -> str:
        response = api.get(f"/api/v1/agreements/{pk}/measures/")
        assert response.status_code == 200, response.content
        return response.content.decode()

    def expected(agreement) -> str:
        measures = Measure.objects.filter(agreement=agreement).order_by("position", "name")
        return JSONRenderer().render(MeasureSerializer(measures, many=True).data).decode()

    for user in ("admin", "reader"):
        api.force_authenticate(world["users"][user])
        shown = expected(agreed)
        with django_assert_max_num_queries(2):  # the user's roles; the agreement with its measures
            assert served(agreed.pk) == shown
    assert [row["key"] for row in api.get(f"/api/v1/agreements/{agreed.pk}/measures/").json()] == [
        "fast",
        "on-time",
        "owned",
        "nps",
        "slow",
    ]
    api.force_authenticate(world["users"]["admin"])
    Measure.objects.filter(agreement=proposed).delete()
    assert served(proposed.pk) == "[]"  # a version without measures
    not_there = api.get("/api/v1/agreements/999999/").content  # get_object's 404
    api.force_authenticate(world["users"]["reader"])
    for pk in (proposed.pk, world["draft"].pk, 999999, 2**63, 10**30):  # not the reader's; no such version
        response = api.get(f"/api/v1/agreements/{pk}/measures/")
        assert (response.status_code, response.content) == (404, not_there)


@pytest.mark.parametrize("zone", [None, "America/New_York", "UTC", "Asia/Kolkata"])
def test_iso_datetimes_are_drfs_text(zone, settings):
    """The page's short way to a date-time's text gives DRF's, in the current time zone whether
    read once a page or not, for aware, naive, far, empty and string values."""
    import zoneinfo

    from django.utils import timezone
    from rest_framework import serializers

    from catalog.api.value_rows import iso_datetime, one_time_zone

    field = serializers.DateTimeField()
    values = [
        datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),  # the hour the clocks go forward in London
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # and back
        datetime(2026, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("Australia/Sydney")),
        datetime(2026, 1, 1, 12),  # naive
        datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(1, 1, 1, 0, 1, tzinfo=UTC),
        None,
        "",
        "2026-01-01T00:00:00Z",
    ]
    fast = iso_datetime(field)
    with timezone.override(zone) if zone else timezone.override(settings.TIME_ZONE):
        expected = []
        for value in values:
            try:
                expected.append(field.to_representation(value))
            except serializers.ValidationError:
                expected.append("error")
        for wrap in (one_time_zone, lambda: timezone.override(timezone.get_current_timezone())):
            with wrap():
                got = []
                for value in values:
                    try:
                        got.append(fast(value))
                    except serializers.ValidationError:
                        got.append("error")
            assert got == expected
