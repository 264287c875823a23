"""Agreements moved through their lifecycle by catalog.services, as the product does it."""

from datetime import date

from catalog import services
from catalog.models import Agreement, BusinessUnit, Membership, Service
from tests.factories import ServiceFactory, representative

TERMS = {
    "scope": "Email for every member of staff, 24x7.",
    "exclusions": "Personal mailboxes.",
    "it_responsibilities": "Keep mail flowing.\nWarn of planned work a week ahead.",
    "business_responsibilities": "Report problems through the service desk.",
    "effective_from": date(2025, 1, 1),
    "review_by": date(2026, 1, 1),
}


def business_signer(agreement: Agreement):
    """Who signs for the business: a representative of the unit, or for an all-units
    agreement the service's business owner."""
    if agreement.business_unit_id is None:
        return agreement.service.business_owner
    membership = (
        Membership.objects.filter(business_unit_id=agreement.business_unit_id, is_representative=True)
        .select_related("user")
        .first()
    )
    return membership.user if membership else representative(agreement.business_unit)


def draft(*, service: Service | None = None, business_unit: BusinessUnit | None, **terms) -> Agreement:
    service = service or ServiceFactory()
    given = terms or TERMS
    return services.agreement_draft_create(
        service=service, business_unit=business_unit, actor=service.service_owner, **given
    )


def proposed(*, service: Service | None = None, business_unit: BusinessUnit | None, **terms) -> Agreement:
    agreement = draft(service=service, business_unit=business_unit, **terms)
    return services.agreement_propose(agreement=agreement, actor=agreement.service.service_owner)


def agreed(*, service: Service | None = None, business_unit: BusinessUnit | None, **terms) -> Agreement:
    agreement = proposed(service=service, business_unit=business_unit, **terms)
    services.agreement_sign(agreement=agreement, actor=agreement.service.service_owner)
    return services.agreement_sign(agreement=agreement, actor=business_signer(agreement))
