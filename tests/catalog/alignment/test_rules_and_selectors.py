"""Who may read and change a unit's alignment, scoped reads, and their pinned query counts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from catalog.alignment import selectors, services
from tests.factories import BusinessUnitFactory, ServiceFactory, admin_user, business_user, representative

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # no cached groups or memberships


def test_who_may_read_change_and_answer(world):
    unit, other = world["unit"], world["other_unit"]
    request = services.missing_service_request_create(unit=unit, actor=world["rep"], title="Rota", now=NOW)
    other_rep = representative(other)
    cases = {
        "rep": (True, True, False),
        "member": (True, False, False),
        "it": (True, False, True),
        "manager": (True, True, True),
    }
    for name, (view, change, answer) in cases.items():
        user = _fresh(world[name])
        assert user.has_perm("catalog.view_alignment", unit) is view, name
        assert user.has_perm("catalog.change_alignment", unit) is change, name
        assert user.has_perm("catalog.change_missing_service_request", request) is change, name
        assert user.has_perm("catalog.answer_missing_service_request", request) is answer, name
    for stranger in (_fresh(other_rep), business_user()):
        assert not stranger.has_perm("catalog.view_alignment", unit)
        assert not stranger.has_perm("catalog.change_alignment", unit)
        assert not stranger.has_perm("catalog.answer_missing_service_request", request)
        assert not stranger.has_perm("catalog.view_alignment_overview")
    assert _fresh(world["it"]).has_perm("catalog.view_alignment_overview")


def test_scoped_lists(world):
    services.missing_service_request_create(unit=world["unit"], actor=world["rep"], title="Rota", now=NOW)
    services.missing_service_request_create(unit=world["other_unit"], actor=None, title="Ledger", now=NOW)
    assert [r.title for r in selectors.request_list(user=world["rep"])] == ["Rota"]
    assert {r.title for r in selectors.request_list(user=world["it"])} == {"Rota", "Ledger"}
    assert list(selectors.alignment_units(user=world["member"])) == [world["unit"]]
    assert selectors.alignment_units(user=business_user()).count() == 0


def test_unit_alignment_in_pinned_queries_whatever_the_size(world, django_assert_max_num_queries):
    unit = world["unit"]
    extra = [ServiceFactory(business_units=[unit]) for _ in range(5)]
    services.service_marks_set(unit=unit, services=[world["crm"], world["wiki"], *extra], actor=None, now=NOW)
    for n in range(6):
        services.missing_service_request_create(unit=unit, actor=world["rep"], title=f"Thing {n}", now=NOW)
    user = _fresh(world["rep"])
    with django_assert_max_num_queries(7):
        alignment = selectors.unit_alignment(user=user, unit=unit, now=NOW + timedelta(days=20))
        [row.overdue for row in alignment.requests]
        [s.category.name for s in alignment.agreed + alignment.it_only + alignment.unit_only]
    assert [s.name for s in alignment.unit_only] == ["Wiki"]
    assert {s.name for s in alignment.it_only} == {"E-mail", "Phones"}
    assert len(alignment.open_requests) == 6 and all(row.overdue for row in alignment.requests)
    assert alignment.history[-1].share == pytest.approx(6 / 15)  # 6 agreed; 2 + 1 + 6 open differ


def test_ranking_puts_the_most_disagreement_first(world, django_assert_max_num_queries):
    quiet = BusinessUnitFactory(name="Quiet")
    agreeing = BusinessUnitFactory(name="Agreeing")
    service = ServiceFactory(business_units=[agreeing])
    services.service_marks_set(unit=agreeing, services=[service], actor=None, now=NOW)
    services.missing_service_request_create(unit=world["other_unit"], actor=None, title="Ledger", now=NOW)
    admin = admin_user()
    with django_assert_max_num_queries(6):
        ranking = selectors.alignment_ranking(user=admin, now=timezone.now())
    names = [standing.unit.name for standing in ranking]
    assert names == ["Sales", "Finance", "Agreeing", "Quiet"]  # 3, 2 differences; share 1; nothing at all
    assert ranking[1].overdue_requests == 1
    assert quiet.pk == ranking[-1].unit.pk and ranking[-1].comparison.share is None
