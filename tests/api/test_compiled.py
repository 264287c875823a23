"""catalog/api/compiled.py: a `.values()` query compiled once per shape gives, for any values
bound in, the rows the ORM gives for the same query built with them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from catalog.api.compiled import CompiledValues
from catalog.models import Service
from sla.models import Commitment
from tests import factories as f

pytestmark = pytest.mark.django_db


def _services(*, slugs, lifecycle, owner_id, with_owner: bool):
    found = Service.objects.filter(slug__in=slugs).order_by("slug")
    if lifecycle is not None:
        found = found.filter(lifecycle=lifecycle)
    if with_owner:
        found = found.filter(service_owner_id=owner_id)
    return found.values("id", "slug", "category__name", "created_at")


@pytest.fixture
def services():
    owner = f.service_owner(username="o")
    made = [f.ServiceFactory(slug=slug, name=slug.title(), service_owner=owner) for slug in ("a", "b", "c", "d")]
    Service.objects.filter(slug="d").update(lifecycle="retired")
    return owner, made


def test_rows_are_the_orms_for_every_shape_and_value(services):
    owner, _ = services
    built = []

    def build(**values):
        built.append(values)
        return _services(**values)

    compiled = CompiledValues(build)
    cases = [
        {"slugs": ["a", "b"], "lifecycle": None, "owner_id": owner.pk, "with_owner": False},
        {"slugs": ["c", "d"], "lifecycle": None, "owner_id": owner.pk, "with_owner": False},  # same shape
        {"slugs": ["a", "b", "d"], "lifecycle": "retired", "owner_id": owner.pk, "with_owner": True},
        {"slugs": ["a", "b", "c"], "lifecycle": "retired", "owner_id": owner.pk + 1, "with_owner": True},
        {"slugs": ["a", "b", "c"], "lifecycle": "in_service", "owner_id": owner.pk, "with_owner": False},
    ]
    for values in cases:
        assert compiled.rows(**values) == list(_services(**values)), values
        assert compiled.count(**values) == _services(**values).count()
    assert len(built) == 3  # one build per shape: list lengths, None and flags make the shape
    assert isinstance(compiled.rows(**cases[0])[0]["created_at"], type(Service.objects.first().created_at))


def test_pages_slice_in_sql_and_count(services):
    owner, _ = services
    compiled = CompiledValues(_services)
    values = {"slugs": ["a", "b", "c", "d"], "lifecycle": None, "owner_id": owner.pk, "with_owner": True}
    page = compiled.page(**values)
    everything = list(_services(**values))
    assert list(page[:2]) == everything[:2] and list(page[1:3]) == everything[1:3] and list(page[3:]) == everything[3:]
    assert list(page[5:9]) == [] and list(page[0:0]) == [] and len(page[1:]) == 3
    assert page.count() == len(page) == 4
    with pytest.raises(TypeError):
        page[::2]


def test_a_query_that_matches_nothing_runs_no_sql(services, django_assert_num_queries):
    compiled = CompiledValues(lambda *, slug: Service.objects.none().filter(slug=slug).values("id"))
    with django_assert_num_queries(0):
        assert compiled.rows(slug="a") == [] and compiled.count(slug="a") == 0


def test_a_value_the_orm_rewrites_is_refused():
    compiled = CompiledValues(lambda *, text: Service.objects.filter(name__icontains=text).values("id"))
    with pytest.raises(ValueError, match="rewrote"):
        compiled.rows(text="pay")


def test_only_ints_and_strings_are_bound():
    compiled = CompiledValues(lambda *, days: Commitment.objects.filter(grace=days).values("id"))
    with pytest.raises(TypeError, match="only ints and strings"):
        compiled.rows(days=timedelta(days=1))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares; SQLite has no plans to keep")
def test_a_statement_run_often_is_planned_once_per_connection(services, django_assert_num_queries):
    owner, _ = services
    compiled = CompiledValues(_services)

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ['%"slug" IN%'])
            return cursor.fetchone()[0]

    assert prepared() == 0
    expected = list(_services(slugs=["a", "c"], lifecycle=None, owner_id=owner.pk, with_owner=False))
    with django_assert_num_queries(6) as counted:  # still Django's cursor: logged and counted
        runs = [compiled.rows(slugs=["a", "c"], lifecycle=None, owner_id=owner.pk, with_owner=False) for _ in range(6)]
    assert all(rows == expected for rows in runs)
    assert all('"slug" IN' in query["sql"] for query in counted.captured_queries)  # the log keeps the SQL
    assert prepared() == 1  # one server-side statement, planned there, not once per run
    other = compiled.rows(slugs=["b", "d"], lifecycle=None, owner_id=owner.pk, with_owner=False)
    assert [row["slug"] for row in other] == ["b", "d"]  # the same prepared statement, other values
