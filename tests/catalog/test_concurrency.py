"""Races on PostgreSQL: people acting on the same agreement or service at the same moment.

Each worker runs in its own thread with its own database connection, released at the
end. Where the window between check and write is too short to hit reliably, a worker
pauses inside it (`_pause_after`) so both are in the window together unless the code
under test serialises them - which is what these tests pin."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from catalog import services
from catalog.models import Agreement, AgreementStatus, Service, ServiceDependency
from tests.catalog.helpers import agreed, business_signer, draft, proposed
from tests.catalog.test_measures import payslips
from tests.factories import AgreementFactory, BusinessUnitFactory, CategoryFactory, ServiceFactory, representative

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TIMEOUT = 20


def _run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Start every call at the same moment, each on its own connection; return what
    each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def work(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "a worker hung (deadlock?)"
    return outcomes


def _pause_after(
    monkeypatch, owner: object, name: str, parties: int = 2, wait: float = 1.0, barrier: threading.Barrier | None = None
) -> None:
    """Make `owner.name` wait (up to `wait` s) after it runs until `parties` callers are in
    the same place. If the code serialises them, the first caller waits in vain and goes on.
    Pass one `barrier` to pause two different functions together."""
    original = getattr(owner, name)
    barrier = barrier or threading.Barrier(parties)

    @wraps(original)
    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=wait)
        return result

    monkeypatch.setattr(owner, name, paused)


def _errors(outcomes: list[Any]) -> list[Exception]:
    return [o for o in outcomes if isinstance(o, Exception)]


def _history_statuses(agreement: Agreement) -> list[str]:
    return list(agreement.history.order_by("history_id").values_list("status", flat=True))


# --- (a) both sides sign at once ----------------------------------------------------


@pytest.mark.parametrize("round_", range(3))
def test_both_sides_signing_at_once_agree_the_version_exactly_once(round_):
    unit = BusinessUnitFactory()
    service = ServiceFactory(business_units=[unit])
    v1 = agreed(service=service, business_unit=unit)
    v2 = proposed(service=service, business_unit=unit, scope="Mail and chat.", **_dates())
    owner, rep = service.service_owner, business_signer(v2)

    outcomes = _run_together(
        lambda: services.agreement_sign(agreement=v2, actor=owner),
        lambda: services.agreement_sign(agreement=v2, actor=rep),
    )

    assert _errors(outcomes) == []
    old, new = Agreement.objects.get(pk=v1.pk), Agreement.objects.get(pk=v2.pk)
    assert new.status == AgreementStatus.AGREED
    assert (new.it_signed_by, new.business_signed_by) == (owner, rep)
    assert new.it_signed_at and new.business_signed_at and new.agreed_at
    assert (old.status, old.superseded_by, old.superseded_at) == (AgreementStatus.SUPERSEDED, new, new.agreed_at)
    # Exactly once: one transition each in the audit trail.
    assert _history_statuses(new).count(AgreementStatus.AGREED) == 1
    assert _history_statuses(old).count(AgreementStatus.SUPERSEDED) == 1
    assert Agreement.objects.filter(service=service, business_unit=unit, status=AgreementStatus.AGREED).count() == 1


# --- (b) one open version -----------------------------------------------------------


def test_the_database_refuses_a_second_open_version():
    first = AgreementFactory(status=AgreementStatus.PROPOSED)
    for status in (AgreementStatus.PROPOSED, AgreementStatus.DRAFT):
        with pytest.raises(IntegrityError, match="agreement_one_open_version"), transaction.atomic():
            AgreementFactory(
                service=first.service, business_unit=first.business_unit, version=first.version + 1, status=status
            )


@pytest.mark.parametrize("all_units", [False, True], ids=["unit", "all_units"])
def test_two_drafts_started_at_once_give_one_draft_and_one_clear_error(monkeypatch, all_units):
    unit = None if all_units else BusinessUnitFactory()
    service = ServiceFactory()
    in_force = agreed(service=service, business_unit=unit)
    # Both requests would pass the "no open version" check if nothing serialised them.
    _pause_after(monkeypatch, services.agreements, "_clean_terms")

    def start(scope: str) -> Callable[[], Agreement]:
        return lambda: services.agreement_draft_create(
            service=service, business_unit=unit, actor=service.service_owner, scope=scope
        )

    outcomes = _run_together(start("One."), start("Two."))

    errors = _errors(outcomes)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), outcomes
    assert errors[0].messages == [
        "This agreement already has a version in draft or proposed; edit or withdraw it first."
    ]
    drafts = list(Agreement.objects.filter(service=service, status=AgreementStatus.DRAFT))
    assert len(drafts) == 1 and drafts[0].version == in_force.version + 1
    assert drafts[0] in outcomes


# --- (c) one version in force -------------------------------------------------------


def test_one_version_in_force_holds_under_concurrent_sign_offs():
    """Several audiences of one service are signed off at once; in each, two
    representatives race for the business signature, and one audience's version in
    force is withdrawn while its successor is being agreed."""
    service = ServiceFactory()
    units = BusinessUnitFactory.create_batch(3)
    audiences: list = [*units, None]
    v1 = {unit: agreed(service=service, business_unit=unit) for unit in audiences}
    v2 = {}
    calls = []
    for unit in audiences:
        v2[unit] = proposed(service=service, business_unit=unit, scope="Revised.", **_dates())
        if unit is None:  # the business owner alone speaks for all units: race IT and business
            calls.append(lambda a=v2[unit]: services.agreement_sign(agreement=a, actor=a.service.service_owner))
            calls.append(lambda a=v2[unit]: services.agreement_sign(agreement=a, actor=a.service.business_owner))
        else:
            services.agreement_sign(agreement=v2[unit], actor=service.service_owner)
            for rep in (representative(unit), representative(unit)):
                calls.append(lambda a=v2[unit], rep=rep: services.agreement_sign(agreement=a, actor=rep))
    withdrawn_unit = units[0]
    calls.append(
        lambda: services.agreement_withdraw(agreement=v1[withdrawn_unit], actor=service.service_owner, reason="Ended.")
    )

    outcomes = _run_together(*calls)

    errors = _errors(outcomes)
    # One representative per unit lost the race: the version was agreed when their turn
    # came. Nothing else failed (the withdrawal went first or found v1 superseded).
    too_late = [e for e in errors if "Version 2 is agreed; only a proposed version can be signed" in str(e)]
    assert len(too_late) == len(units), errors
    others = [e for e in errors if e not in too_late]
    assert all("is superseded; it cannot be withdrawn" in str(e) for e in others), others
    for unit in audiences:
        in_force = Agreement.objects.filter(service=service, business_unit=unit, status=AgreementStatus.AGREED)
        assert list(in_force) == [v2[unit]], unit
        old = Agreement.objects.get(pk=v1[unit].pk)
        if old.status == AgreementStatus.WITHDRAWN:
            assert unit == withdrawn_unit and old.superseded_by is None
        else:
            assert (old.status, old.superseded_by) == (AgreementStatus.SUPERSEDED, v2[unit])
        assert _history_statuses(v2[unit]).count(AgreementStatus.AGREED) == 1


# --- Services -----------------------------------------------------------------------


def test_two_dependencies_closing_a_cycle_at_once_are_not_both_accepted(monkeypatch):
    a, b, c = (ServiceFactory(name=name) for name in ("A", "B", "C"))
    services.service_dependencies_set(service=b, depends_on=[c])
    # C→A and A→B together close A→B→C→A; each alone is fine.
    _pause_after(monkeypatch, services.catalogue, "_dependency_cycle")

    outcomes = _run_together(
        lambda: services.service_dependencies_set(service=c, depends_on=[a]),
        lambda: services.service_dependencies_set(service=a, depends_on=[b]),
    )

    errors = _errors(outcomes)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), outcomes
    assert "This would create a dependency cycle" in errors[0].message_dict["depends_on"][0]
    edges = set(ServiceDependency.objects.values_list("service__name", "depends_on__name"))
    assert edges in ({("B", "C"), ("C", "A")}, {("B", "C"), ("A", "B")})


def test_renaming_a_service_while_another_comes_to_depend_on_it_does_not_deadlock(monkeypatch):
    # Renaming locks the service row against new references to it; adding a dependency
    # on it needs such a reference. Each side must not then wait for what the other holds.
    a, b, c = (ServiceFactory(name=name) for name in ("A", "B", "C"))
    together = threading.Barrier(2)
    _pause_after(monkeypatch, services.catalogue, "_save_service", barrier=together)  # A renamed, not committed
    _pause_after(monkeypatch, services.catalogue, "_dependency_cycle", barrier=together)  # C→A checked, not written

    outcomes = _run_together(
        lambda: services.service_update(service=a, name="A renamed", slug="a-renamed", depends_on=[b]),
        lambda: services.service_dependencies_set(service=c, depends_on=[a]),
    )

    assert _errors(outcomes) == []
    assert set(ServiceDependency.objects.values_list("service__name", "depends_on__name")) == {
        ("A renamed", "B"),
        ("C", "A renamed"),
    }


def test_two_services_created_with_one_name_at_once_give_a_clear_error(monkeypatch):
    category = CategoryFactory()
    owner = ServiceFactory().service_owner
    _pause_after(monkeypatch, Service, "full_clean")

    def create() -> Service:
        return services.service_create(actor=owner, name="Video calls", category=category, summary="Meet.")

    outcomes = _run_together(create, create)

    errors = _errors(outcomes)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), outcomes
    assert errors[0].message_dict["name"] == ["Service with this Name already exists."]
    assert Service.objects.filter(name="Video calls").count() == 1


def _dates() -> dict[str, date]:
    return {"effective_from": date(2025, 7, 1), "review_by": date(2026, 7, 1)}


# --- Measures ----------------------------------------------------------------------------


@pytest.mark.parametrize("other", ["measure_set", "measures_replace"])
def test_two_measures_added_at_once_never_make_eight(monkeypatch, other):
    """At most 7 measures per version spans rows, so no CHECK can hold it: the services lock the
    agreement row before counting (docs/security.md#rules-that-span-rows). Each writer pauses
    after its draft check, so without the lock both would count 6 and both write."""
    agreement = draft(business_unit=BusinessUnitFactory())
    services.measures_replace(agreement=agreement, measures=[payslips(key=f"m{index}") for index in range(6)])
    _pause_after(monkeypatch, services.measures, "require_draft_measures")
    seven = [payslips(key=f"m{index}") for index in range(6)] + [payslips(key="replaced")]
    second = {
        "measure_set": lambda: services.measure_set(agreement=agreement, **payslips(key="second")),
        "measures_replace": lambda: services.measures_replace(agreement=agreement, measures=seven),
    }[other]

    outcomes = _run_together(lambda: services.measure_set(agreement=agreement, **payslips(key="first")), second)

    assert agreement.measures.count() == 7
    errors = _errors(outcomes)
    assert all(isinstance(error, ValidationError) for error in errors), outcomes
    if other == "measure_set":  # one of the two is refused, saying why
        assert [error.message_dict for error in errors] == [
            {"key": ["An agreement has at most 7 measures; remove one first."]}
        ]
    else:  # either order ends with the replaced set: "first" removed by it, or refused after it
        assert set(agreement.measures.values_list("key", flat=True)) == {f"m{index}" for index in range(6)} | {
            "replaced"
        }
        assert len(errors) <= 1
