"""factory-boy factories for the whole suite."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog import rules as roles
from catalog.models import Agreement, BusinessUnit, Category, Lifecycle, Membership, Service


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            groups = list(Group.objects.filter(name__in=extracted))
            # The role groups come from a migration: one missing means the test database lost its
            # migration data (a transactional test without serialized rollback), not a weaker user.
            assert len(groups) == len(set(extracted)), f"role groups missing: {set(extracted)} vs {groups}"
            self.groups.add(*groups)


def business_user(**kwargs):
    return UserFactory(roles=[roles.BUSINESS_USERS], **kwargs)


def service_owner(**kwargs):
    return UserFactory(roles=[roles.SERVICE_OWNERS], **kwargs)


def admin_user(**kwargs):
    return UserFactory(roles=[roles.ADMINS], is_staff=True, **kwargs)


class BusinessUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUnit

    name = factory.Sequence(lambda n: f"Business unit {n}")
    slug = factory.Sequence(lambda n: f"business-unit-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    business_unit = factory.SubFactory(BusinessUnitFactory)
    is_representative = False


def representative(business_unit, **kwargs):
    user = business_user(**kwargs)
    MembershipFactory(user=user, business_unit=business_unit, is_representative=True)
    return user


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    category = factory.SubFactory(CategoryFactory)
    summary = "Keeps the business running."
    description = "A service described in **business** words."
    how_to_request = "Ask the service desk."
    service_owner = factory.LazyFunction(service_owner)
    business_owner = factory.LazyFunction(business_user)
    lifecycle = Lifecycle.LIVE
    criticality = 2
    annual_cost = 12000
    keywords = "alpha, beta"

    @factory.post_generation
    def business_units(self, create, extracted, **kwargs):
        if create and extracted:
            self.business_units.set(extracted)


class AgreementFactory(factory.django.DjangoModelFactory):
    """A draft; move it through the lifecycle with catalog.services, not by hand."""

    class Meta:
        model = Agreement

    service = factory.SubFactory(ServiceFactory)
    business_unit = factory.SubFactory(BusinessUnitFactory)
    version = factory.Sequence(lambda n: n + 1)
    scope = "Business hours support for every user of the service."
    exclusions = "Personal devices."
    it_responsibilities = "Keep it running; tell us early about problems."
    business_responsibilities = "Report problems through the service desk."
    effective_from = factory.Faker("date_between", start_date="-30d", end_date="today")
    review_by = factory.LazyAttribute(lambda a: a.effective_from.replace(year=a.effective_from.year + 1))
