"""Demo data of the cost of provision (loaded by `manage.py load_demo`, after the catalogue): a
headcount for every unit, and for every demo service with a cost its cost lines (catalog/demo/
services_*.py) as driver rows whose amounts add up to its stated annual cost, with a rule of each
kind. The service's annual cost is then their sum (service_cost_set). Idempotent: a unit with a
headcount keeps it; a service with a cost already set is left alone."""

from __future__ import annotations

from decimal import Decimal

from catalog.costs.allocation import allocate
from catalog.costs.models import AllocationRule, ServiceCost
from catalog.costs.services import service_cost_set
from catalog.models import Service

HEADCOUNTS = {
    "finance": 85,
    "sales": 140,
    "operations": 420,
    "human-resources": 30,
    "remote-offices": 96,
    "legal": 12,
    "marketing": 25,
    "customer-service": 75,
}
BY_TICKETS = {"IT service desk", "On-site support for remote offices", "Starters, movers and leavers"}
PER_PERSON_WORDS = ("licence", "subscription", "per-user", "per-employee", "per user")


def load_costs(context) -> None:
    for slug, headcount in HEADCOUNTS.items():
        unit = context.units.get(slug)
        if unit is not None and unit.headcount is None:
            unit.headcount = headcount
            unit.save(update_fields=["headcount"])
            context.updated["business unit headcounts"] += 1
    from catalog.demo.loaders import SERVICES  # the demo's services, with their cost lines

    stated = {data["name"]: (Decimal(data["annual_cost"]), data["cost_drivers"]) for data in SERVICES}
    have = set(ServiceCost.objects.values_list("service_id", flat=True))
    services = Service.objects.filter(name__in=stated).exclude(pk__in=have).order_by("name")
    for service in services.prefetch_related("business_units"):
        annual_cost, lines = stated[service.name]
        if not lines or not annual_cost:
            continue
        units = list(service.business_units.all())
        people = sum(unit.headcount or 0 for unit in units)
        # The first line weighs most (how the demo's lines are written: the main cost first).
        amounts = allocate(annual_cost, {i: Decimal(len(lines) - i + 1) for i in range(len(lines))})
        drivers = []
        for i, line in enumerate(lines):
            per_person = any(word in line.lower() for word in PER_PERSON_WORDS)
            drivers.append(
                {
                    "name": line[:160],
                    "amount": amounts[i],
                    "quantity": people if per_person and people else None,
                    "unit_of_measure": "users" if per_person and people else "",
                }
            )
        if service.name in BY_TICKETS:
            rule = AllocationRule.TICKETS
        elif len(units) == len(context.units) or any(d["unit_of_measure"] for d in drivers):
            rule = AllocationRule.HEADCOUNT
        else:
            rule = AllocationRule.EQUAL
        service_cost_set(
            service=service,
            allocation_rule=rule,
            drivers=drivers,
            note="Demo figures: last year's invoices and the team's time, split by the service owner.",
        )
        context.created["cost drivers"] += len(drivers)
