"""Agreements moved through their lifecycle by catalog.services, as the product does it."""

from datetime import date

from django.contrib.auth.models import AnonymousUser

from catalog import services
from catalog.models import Agreement, BusinessUnit, Membership, Service
from tests.factories import (
    BusinessUnitFactory,
    MembershipFactory,
    ServiceFactory,
    UserFactory,
    admin_user,
    business_user,
    representative,
    service_owner,
)

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


def build_world() -> tuple[dict, dict]:
    """One service with agreements in every state; the representative speaks for every
    unit involved, the business owner for the all-units agreements."""
    owner, biz_owner = service_owner(), business_user()
    service = ServiceFactory(service_owner=owner, business_owner=biz_owner)
    units = BusinessUnitFactory.create_batch(3)
    rep = representative(units[0])
    for unit in units[1:]:
        MembershipFactory(user=rep, business_unit=unit, is_representative=True)
    # A plain member of the unit is still just a business user.
    member = business_user()
    MembershipFactory(user=member, business_unit=units[0])

    superseded = agreed(service=service, business_unit=units[0])
    in_force = agreed(service=service, business_unit=units[0])
    superseded.refresh_from_db()
    objects = {
        "service": service,
        "superseded": superseded,
        "agreed": in_force,
        "proposed": proposed(service=service, business_unit=units[0]),
        "draft": draft(service=service, business_unit=units[1]),
        "withdrawn": services.agreement_withdraw(
            agreement=proposed(service=service, business_unit=units[2]), actor=owner
        ),
        "agreed_all_units": agreed(service=service, business_unit=None),
        "proposed_all_units": proposed(service=service, business_unit=None),
    }
    people = {
        "anonymous": AnonymousUser(),
        "business_user": member,
        "representative": rep,
        "business_owner": biz_owner,
        "other_owner": ServiceFactory().service_owner,
        "owner": owner,
        "admin": admin_user(),
        "superuser": UserFactory(is_superuser=True),
    }
    return people, objects
