"""The database backs the agreement rules even when catalog.services is bypassed:
one version in force and one open version per service and audience (all units
included), signed statuses only with both signatures, review after effective date."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Agreement, AgreementStatus
from tests.factories import AgreementFactory, BusinessUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def _superseded_fields() -> dict:
    """What a superseded row must record: when, and by which version (any row will do here)."""
    return {"superseded_at": timezone.now(), "superseded_by": AgreementFactory()}


def _signed_row(status: str = AgreementStatus.AGREED, **fields) -> Agreement:
    """A signed row written straight to the table, bypassing catalog.services."""
    if status == AgreementStatus.SUPERSEDED:
        fields = {**_superseded_fields(), **fields}
    return AgreementFactory(
        status=status,
        it_signed_by=UserFactory(),
        business_signed_by=UserFactory(),
        agreed_at=timezone.now(),
        **fields,
    )


@pytest.mark.parametrize("all_units", [False, True], ids=["unit", "all_units"])
def test_db_allows_one_agreed_version_per_service_and_audience(all_units):
    first = _signed_row(business_unit=None) if all_units else _signed_row()
    same_audience = {"service": first.service, "business_unit": first.business_unit}
    with pytest.raises(IntegrityError, match="agreement_one_in_force"), transaction.atomic():
        _signed_row(**same_audience, version=first.version + 1)
    # A superseded version of the same audience, and another audience, are fine.
    _signed_row(AgreementStatus.SUPERSEDED, **same_audience, version=first.version + 1)
    _signed_row(service=first.service, business_unit=None if not all_units else BusinessUnitFactory())
    assert Agreement.objects.filter(service=first.service, status=AgreementStatus.AGREED).count() == 2


@pytest.mark.parametrize("all_units", [False, True], ids=["unit", "all_units"])
@pytest.mark.parametrize("statuses", [("draft", "proposed"), ("proposed", "proposed"), ("draft", "draft")])
def test_db_allows_one_open_version_per_service_and_audience(all_units, statuses):
    first = AgreementFactory(status=statuses[0], **({"business_unit": None} if all_units else {}))
    with pytest.raises(IntegrityError, match="agreement_one_open_version"), transaction.atomic():
        AgreementFactory(
            service=first.service, business_unit=first.business_unit, version=first.version + 1, status=statuses[1]
        )


def test_db_refuses_a_repeated_version_number_for_all_units():
    withdrawn = {"status": "withdrawn", "withdrawn_at": timezone.now()}
    first = AgreementFactory(business_unit=None, **withdrawn)
    with pytest.raises(IntegrityError, match="agreement_version_unique"), transaction.atomic():
        AgreementFactory(service=first.service, business_unit=None, version=first.version, **withdrawn)


@pytest.mark.parametrize("status", ["agreed", "superseded"])
@pytest.mark.parametrize("missing", ["it_signed_by", "business_signed_by", "agreed_at"])
def test_db_refuses_a_signed_status_without_both_signatures(status, missing):
    fields = {"it_signed_by": UserFactory(), "business_signed_by": UserFactory(), "agreed_at": timezone.now()}
    fields[missing] = None
    if status == AgreementStatus.SUPERSEDED:
        fields.update(_superseded_fields())
    with pytest.raises(IntegrityError, match="agreement_signed_by_both_sides"), transaction.atomic():
        AgreementFactory(status=status, **fields)


def test_db_refuses_review_before_effective():
    with pytest.raises(IntegrityError, match="agreement_review_after_effective"), transaction.atomic():
        AgreementFactory(effective_from=date(2025, 1, 1), review_by=date(2025, 1, 1) - timedelta(days=1))


def test_db_refuses_one_person_signing_both_sides():
    person = UserFactory()
    with pytest.raises(IntegrityError, match="agreement_signed_by_two_people"), transaction.atomic():
        AgreementFactory(status=AgreementStatus.PROPOSED, it_signed_by=person, business_signed_by=person)


def test_db_refuses_superseded_or_withdrawn_without_their_record():
    with pytest.raises(IntegrityError, match="agreement_superseded_records_by_what"), transaction.atomic():
        _signed_row(AgreementStatus.SUPERSEDED, superseded_by=None)
    with pytest.raises(IntegrityError, match="agreement_withdrawn_records_when"), transaction.atomic():
        AgreementFactory(status=AgreementStatus.WITHDRAWN)
