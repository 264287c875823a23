"""Loaders for the catalogue's demo data. Each one compares the data with what is
already there and writes only the difference, so a second run writes nothing."""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import Any
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from catalog.demo import DemoContext
from catalog.demo.agreements import AGREEMENTS, BUSINESS_RESPONSIBILITIES, EXCLUSIONS, IT_RESPONSIBILITIES
from catalog.demo.measures import demo_measures_play
from catalog.demo.organisation import ADMINS, ALL_UNITS, BUSINESS_UNITS, CATEGORIES, PEOPLE
from catalog.demo.services_business import SERVICES as BUSINESS_SERVICES
from catalog.demo.services_customers import SERVICES as CUSTOMER_SERVICES
from catalog.demo.services_platform import SERVICES as PLATFORM_SERVICES
from catalog.demo.services_workplace import SERVICES as WORKPLACE_SERVICES
from catalog.models import Agreement, AgreementStatus, BusinessUnit, Category, Membership, Service, ServiceDependency
from catalog.services import (
    agreement_draft_create,
    agreement_propose,
    agreement_sign,
    agreement_withdraw,
    service_create,
    service_dependencies_set,
    service_update,
    urgency_targets_replace,
)

SERVICES = [*WORKPLACE_SERVICES, *BUSINESS_SERVICES, *CUSTOMER_SERVICES, *PLATFORM_SERVICES]
EMAIL_DOMAIN = "harbourside.example"


@contextmanager
def clock(moment: datetime) -> Iterator[None]:
    """Replay history at `moment`: catalog.services, auto_now fields and simple-history all
    read django.utils.timezone.now, so an agreement signed "a year ago" says so throughout."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _days_ago(context: DemoContext, days: int, at: time) -> datetime:
    moment = timezone.make_aware(datetime.combine(context.today - timedelta(days=days), at))
    return min(moment, context.now - timedelta(minutes=5))


def _sync(obj: models.Model, wanted: dict[str, Any]) -> bool:
    """Set the fields that differ and save just those. True if anything changed."""
    changed = [name for name, value in wanted.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, wanted[name])
    if changed:
        obj.full_clean()
        obj.save(update_fields=changed)
    return bool(changed)


def _upsert(context: DemoContext, model: type[models.Model], rows: list[dict], label: str) -> dict[str, Any]:
    existing = {obj.slug: obj for obj in model.objects.filter(slug__in=[row["slug"] for row in rows])}
    loaded = {}
    for row in rows:
        obj = existing.get(row["slug"])
        if obj is None:
            obj = model(**row)
            obj.full_clean()
            obj.save()
            context.created[label] += 1
        elif _sync(obj, row):
            context.updated[label] += 1
        loaded[row["slug"]] = obj
    return loaded


# --- People ---------------------------------------------------------------------------


def load_people(context: DemoContext) -> None:
    User = get_user_model()
    groups = {group.name: group for group in Group.objects.all()}
    usernames = [person["username"] for person in PEOPLE]
    existing = {user.username: user for user in User.objects.filter(username__in=usernames).prefetch_related("groups")}
    new: set[str] = set()
    for person in PEOPLE:
        superuser = bool(person.get("superuser"))
        wanted = {
            "first_name": person["first_name"],
            "last_name": person["last_name"],
            "email": f"{person['username']}@{EMAIL_DOMAIN}",
            "is_active": True,
            "is_staff": superuser or bool(person.get("staff")),
            "is_superuser": superuser,
        }
        user = existing.get(person["username"])
        if user is None:
            user = User.objects.create(username=person["username"], **wanted)
            context.created["users"] += 1
            new.add(user.username)
        elif _sync(user, wanted):
            context.updated["users"] += 1
        group = ADMINS if superuser else person.get("group")
        if group and group not in {g.name for g in user.groups.all()}:
            user.groups.add(groups[group])
        context.users[person["username"]] = user
        if person.get("login"):
            context.logins.append((person["username"], person["login"]))
    _set_password(context, list(context.users.values()), new=new)


def _set_password(context: DemoContext, users: list, new: set[str]) -> None:
    """Give every demo user the demo password, hashing it once: checking or hashing a
    password takes a noticeable fraction of a second by design."""
    verdicts: dict[str, bool] = {}  # stored hash -> does the demo password match it
    hashed = None
    for user in users:
        if user.password not in verdicts:
            verdicts[user.password] = bool(user.password) and check_password(context.password, user.password)
        if not verdicts[user.password]:
            hashed = hashed or make_password(context.password)
            user.password = hashed
            user.save(update_fields=["password"])
            if user.username not in new:
                context.updated["passwords"] += 1


# --- Business units, categories, memberships ------------------------------------------


def load_organisation(context: DemoContext) -> None:
    context.units = _upsert(context, BusinessUnit, BUSINESS_UNITS, "business units")
    context.categories = _upsert(context, Category, CATEGORIES, "categories")
    demo_units = list(context.units.values())
    memberships = {
        (m.user_id, m.business_unit_id): m
        for m in Membership.objects.filter(user__in=list(context.users.values()), business_unit__in=demo_units)
    }
    for person in PEOPLE:
        user = context.users[person["username"]]
        for slug, is_representative in person.get("units", {}).items():
            unit = context.units[slug]
            membership = memberships.get((user.pk, unit.pk))
            if membership is None:
                Membership.objects.create(user=user, business_unit=unit, is_representative=is_representative)
                context.created["memberships"] += 1
            elif _sync(membership, {"is_representative": is_representative}):
                context.updated["memberships"] += 1


# --- Services -------------------------------------------------------------------------


def _text(markdown: str) -> str:
    return textwrap.dedent(markdown).strip()


def _service_fields(context: DemoContext, data: dict) -> dict[str, Any]:
    return {
        "name": data["name"],
        "slug": _slug(data["name"]),
        "category": context.categories[data["category"]],
        "summary": data["summary"],
        "description": _text(data["description"]),
        "how_to_request": _text(data["how_to_request"]),
        "service_owner": context.users[data["service_owner"]],
        "business_owner": context.users[data["business_owner"]] if data["business_owner"] else None,
        "lifecycle": data["lifecycle"],
        "criticality": data["criticality"],
        "keywords": data["keywords"],
    }


def _slug(name: str) -> str:
    return slugify(name)[:160]


def load_services(context: DemoContext) -> None:
    slugs = [_slug(data["name"]) for data in SERVICES]
    existing = {
        service.slug: service
        for service in Service.objects.filter(slug__in=slugs)
        .select_related("category", "service_owner", "business_owner")
        .prefetch_related("business_units")
    }
    demo_units = [context.units[row["slug"]] for row in BUSINESS_UNITS]
    # A catalogue that has been running for two years; proposed services are recent.
    launched = context.now - timedelta(days=730)
    for index, data in enumerate(SERVICES):
        fields = _service_fields(context, data)
        wanted_units = data["business_units"]
        units = demo_units if wanted_units == ALL_UNITS else [context.units[slug] for slug in wanted_units]
        service = existing.get(fields["slug"])
        if service is None:
            created_at = context.now - timedelta(days=21) if data["lifecycle"] == "proposed" else launched
            with clock(created_at + timedelta(minutes=index)):
                service = service_create(actor=None, business_units=units, **fields)
            context.created["services"] += 1
        else:
            changed = {name: value for name, value in fields.items() if getattr(service, name) != value}
            units_changed = {u.pk for u in service.business_units.all()} != {u.pk for u in units}
            if changed or units_changed:
                service_update(service=service, business_units=units if units_changed else None, **changed)
                context.updated["services"] += 1
        context.services[data["name"]] = service

    # Dependencies once every service exists; service_dependencies_set refuses cycles.
    current: dict[int, set[int]] = defaultdict(set)
    for service_id, depends_on_id in ServiceDependency.objects.values_list("service_id", "depends_on_id"):
        current[service_id].add(depends_on_id)
    for data in SERVICES:
        service = context.services[data["name"]]
        wanted = [context.services[name] for name in data["depends_on"]]
        if current[service.pk] != {s.pk for s in wanted}:
            service_dependencies_set(service=service, depends_on=wanted)
            context.created["dependencies"] += len({s.pk for s in wanted} - current[service.pk])


# --- Agreements -----------------------------------------------------------------------


def _terms(context: DemoContext, service: Service, version: dict) -> dict[str, Any]:
    def day(offset: int | None):
        return None if offset is None else context.today + timedelta(days=offset)

    it = IT_RESPONSIBILITIES[service.criticality]
    business = BUSINESS_RESPONSIBILITIES
    return {
        "scope": version["scope"],
        "exclusions": version.get("exclusions", EXCLUSIONS),
        "it_responsibilities": f"{it}\n{version['it_extra']}" if version.get("it_extra") else it,
        "business_responsibilities": f"{business}\n{version['business_extra']}"
        if version.get("business_extra")
        else business,
        "effective_from": day(version["effective"]),
        "review_by": day(version["review"]),
    }


def _play(context: DemoContext, service: Service, unit: BusinessUnit | None, signer, version: dict) -> Agreement:
    """Take one version through its life as people would have, each step on its day."""
    owner = service.service_owner
    drafted = version["drafted"]
    path = version.get("from", version["state"])
    with clock(_days_ago(context, drafted, time(9, 30))):
        agreement = agreement_draft_create(
            service=service, business_unit=unit, actor=owner, **_terms(context, service, version)
        )
        if not agreement.urgency_targets.exists():  # later versions start from the targets in force
            from sla.demo import demo_targets

            urgency_targets_replace(agreement=agreement, targets=demo_targets(service))
        demo_measures_play(agreement)  # the first version's measures, or the revisions of a later one
    if path in ("proposed", "agreed", "superseded"):
        with clock(_days_ago(context, drafted - 2, time(11, 0))):
            agreement = agreement_propose(agreement=agreement, actor=owner)
        first, second = (signer, owner) if version.get("signed") == "business" else (owner, signer)
        if path != "proposed" or version.get("signed"):
            with clock(_days_ago(context, drafted - 4, time(15, 20))):
                agreement = agreement_sign(agreement=agreement, actor=first)
        if path != "proposed":
            with clock(_days_ago(context, drafted - 6, time(10, 5))):
                agreement = agreement_sign(agreement=agreement, actor=second)
    if version["state"] == AgreementStatus.WITHDRAWN:
        with clock(_days_ago(context, version["withdrawn"], time(16, 45))):
            agreement = agreement_withdraw(agreement=agreement, actor=owner, reason=version.get("reason", ""))
    return agreement


def load_agreements(context: DemoContext) -> None:
    """A (service, unit) pair that has any agreement already is left alone: its history
    has been played (or someone has since moved it on)."""
    started = set(Agreement.objects.values_list("service_id", "business_unit_id"))
    representatives = {}
    for membership in Membership.objects.filter(is_representative=True).select_related("user", "business_unit"):
        representatives.setdefault(membership.business_unit.slug, []).append(membership.user)
    for story in AGREEMENTS:
        service = context.services[story["service"]]
        unit = context.units[story["unit"]] if story["unit"] else None
        if (service.pk, unit.pk if unit else None) in started:
            continue
        if unit is None:
            signer = service.business_owner
        else:
            signer = min(representatives[story["unit"]], key=lambda user: user.username)
        played = [(_play(context, service, unit, signer, version), version["state"]) for version in story["versions"]]
        for agreement, expected in played:
            agreement.refresh_from_db(fields=["status"])
            if agreement.status != expected:
                raise RuntimeError(f"Demo data: {agreement} ended {agreement.status}, expected {expected}.")
        context.created["agreements"] += len(played)
