"""Reads of the cost of provision, scoped to the user who asks: each service's total shared
out to its units (catalog.costs.allocation does the arithmetic), a unit's bill, the catalogue's
totals per unit and per category, cost per ticket and per user for a service."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet

from catalog import rules as access
from catalog import selectors as catalog_selectors
from catalog.costs.allocation import allocate
from catalog.costs.models import AllocationRule, CostDriver, ServiceCost
from catalog.models import BusinessUnit, Category, Service

TICKET_WINDOW = timedelta(days=365)
CENT = Decimal("0.01")


@dataclass
class UnitShare:
    unit: BusinessUnit
    amount: Decimal
    weight: Decimal  # the unit's headcount or tickets (1 for equal shares)


@dataclass
class ServiceAllocation:
    service: Service
    total: Decimal
    rule: str
    drivers: list[CostDriver]
    shares: list[UnitShare] = field(default_factory=list)
    fell_back_to_equal: bool = False  # the rule's basis was zero for every unit

    @property
    def rule_label(self) -> str:
        return AllocationRule(self.rule).label

    @property
    def weight_total(self) -> Decimal:
        return sum((share.weight for share in self.shares), Decimal(0))


def may_view_costs(user) -> bool:
    return user.has_perm("catalog.view_costs")


def unit_headcount(unit: BusinessUnit) -> int:
    """The unit's stated headcount, or its members in Accord (annotated as member_count)."""
    return unit.headcount if unit.headcount is not None else unit.member_count


def _services(user, queryset: QuerySet[Service] | None = None) -> QuerySet[Service]:
    if not access.is_admin(user) and not (access.is_signed_in(user) and access.can_read_catalogue(user)):
        return Service.objects.none()
    queryset = catalog_selectors.service_list(user=user) if queryset is None else queryset
    units = BusinessUnit.objects.annotate(member_count=Count("memberships")).order_by("name")
    return (
        queryset.select_related(None)
        .select_related("category", "cost")
        .prefetch_related(None)
        .prefetch_related(
            # As lists (to_attr): Django then builds no queryset per service for its units and
            # drivers, which with 500 services was most of the page's time.
            Prefetch("business_units", queryset=units, to_attr="cost_units"),
            Prefetch("cost__drivers", queryset=CostDriver.objects.order_by("position", "id"), to_attr="driver_rows"),
        )
    )


def _units(service: Service) -> list[BusinessUnit]:
    found = getattr(service, "cost_units", None)
    return found if found is not None else list(service.business_units.all())


def _drivers(service: Service) -> list[CostDriver]:
    if not _has_cost(service):
        return []
    found = getattr(service.cost, "driver_rows", None)
    return found if found is not None else list(service.cost.drivers.all())


def _ticket_counts(services: list[Service], now: datetime) -> dict[tuple[int, int], int]:
    from sla.models import Ticket  # sla depends on catalog, not the other way round at import time

    ids = [service.pk for service in services if _rule_of(service) == AllocationRule.TICKETS]
    if not ids:
        return {}
    rows = (
        Ticket.objects.filter(service_id__in=ids, business_unit__isnull=False, opened_at__gte=now - TICKET_WINDOW)
        .values_list("service_id", "business_unit_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {(service_id, unit_id): count for service_id, unit_id, count in rows}


def _rule_of(service: Service) -> str:
    return service.cost.allocation_rule if _has_cost(service) else AllocationRule.EQUAL


def _has_cost(service: Service) -> bool:
    try:
        return service.cost is not None
    except Service.cost.RelatedObjectDoesNotExist:
        return False


def service_cost_of(service: Service) -> ServiceCost | None:
    """Its ServiceCost (read with the allocation), or None before anyone set its cost."""
    return service.cost if _has_cost(service) else None


def service_cost_note(service: Service) -> str:
    """Where the figures come from ("" before anyone set them); read with the allocation."""
    return service.cost.note if _has_cost(service) else ""


def service_total(service: Service) -> Decimal:
    """The sum of its drivers; with none recorded, the service's stated annual cost."""
    drivers = _drivers(service)
    if drivers:
        return sum((driver.amount for driver in drivers), Decimal(0)).quantize(CENT)
    return (service.annual_cost or Decimal(0)).quantize(CENT)


def _allocate_service(service: Service, ticket_counts: dict[tuple[int, int], int]) -> ServiceAllocation:
    rule = _rule_of(service)
    drivers = _drivers(service)
    units = _units(service)
    if rule == AllocationRule.HEADCOUNT:
        weights = {unit.pk: Decimal(unit_headcount(unit)) for unit in units}
    elif rule == AllocationRule.TICKETS:
        weights = {unit.pk: Decimal(ticket_counts.get((service.pk, unit.pk), 0)) for unit in units}
    else:
        weights = {unit.pk: Decimal(1) for unit in units}
    total = service_total(service)
    amounts = allocate(total, weights)
    return ServiceAllocation(
        service=service,
        total=total,
        rule=rule,
        drivers=drivers,
        shares=[UnitShare(unit=unit, amount=amounts[unit.pk], weight=weights[unit.pk]) for unit in units],
        fell_back_to_equal=bool(units) and rule != AllocationRule.EQUAL and not any(weights.values()),
    )


def cost_allocations(*, user, now: datetime, queryset: QuerySet[Service] | None = None) -> list[ServiceAllocation]:
    """Every visible service (or those of `queryset`) with its total shared out to its units.
    Four queries whatever the number of services: services, units, drivers, ticket counts."""
    services = list(_services(user, queryset).order_by("name"))
    counts = _ticket_counts(services, now)
    return [_allocate_service(service, counts) for service in services]


@dataclass
class UnitBillRow:
    allocation: ServiceAllocation
    share: UnitShare


@dataclass
class UnitBill:
    unit: BusinessUnit
    rows: list[UnitBillRow]

    @property
    def total(self) -> Decimal:
        return sum((row.share.amount for row in self.rows), Decimal(0))


def unit_bill(*, user, unit: BusinessUnit, now: datetime) -> UnitBill:
    """What a unit's services cost it: per service, its share and the rule that set it."""
    queryset = catalog_selectors.service_list(user=user).filter(business_units=unit)
    rows = []
    for allocation in cost_allocations(user=user, now=now, queryset=queryset):
        share = next(share for share in allocation.shares if share.unit.pk == unit.pk)
        rows.append(UnitBillRow(allocation=allocation, share=share))
    rows.sort(key=lambda row: (-row.share.amount, row.allocation.service.name))
    return UnitBill(unit=unit, rows=rows)


@dataclass
class CatalogueCosts:
    per_unit: list[tuple[BusinessUnit, Decimal, int]]  # unit, total, services
    per_category: list[tuple[Category, Decimal, int]]  # category, total, services
    unallocated: list[ServiceAllocation]  # services that name no unit: nobody carries them yet
    total: Decimal


def catalogue_costs(*, user, now: datetime) -> CatalogueCosts:
    allocations = cost_allocations(user=user, now=now)
    units: dict[int, BusinessUnit] = {}
    unit_totals: dict[int, Decimal] = defaultdict(Decimal)
    unit_services: dict[int, int] = defaultdict(int)
    categories: dict[int, Category] = {}
    category_totals: dict[int, Decimal] = defaultdict(Decimal)
    category_services: dict[int, int] = defaultdict(int)
    for allocation in allocations:
        category = allocation.service.category
        categories[category.pk] = category
        category_totals[category.pk] += allocation.total
        category_services[category.pk] += 1
        for share in allocation.shares:
            units[share.unit.pk] = share.unit
            unit_totals[share.unit.pk] += share.amount
            unit_services[share.unit.pk] += 1
    return CatalogueCosts(
        per_unit=sorted(
            ((units[pk], unit_totals[pk], unit_services[pk]) for pk in units), key=lambda row: (-row[1], row[0].name)
        ),
        per_category=sorted(
            ((categories[pk], category_totals[pk], category_services[pk]) for pk in categories),
            key=lambda row: (-row[1], row[0].name),
        ),
        unallocated=[allocation for allocation in allocations if not allocation.shares],
        total=sum((allocation.total for allocation in allocations), Decimal(0)),
    )


@dataclass
class ServiceCostRatios:
    total: Decimal
    rule: str
    tickets: int  # opened in the last 12 months
    users: int  # headcount of the units it serves
    drivers: list[CostDriver]

    @property
    def per_ticket(self) -> Decimal | None:
        return (self.total / self.tickets).quantize(CENT) if self.tickets else None

    @property
    def per_user(self) -> Decimal | None:
        return (self.total / self.users).quantize(CENT) if self.users else None

    @property
    def rule_label(self) -> str:
        return AllocationRule(self.rule).label


def service_cost_ratios(*, user, service: Service, now: datetime) -> ServiceCostRatios | None:
    """Cost per ticket and per user, to weigh beside the service's scores. None when the user
    may not see costs. Three queries: the service with its cost, units, drivers; tickets."""
    from sla.models import Ticket

    found = list(_services(user, Service.objects.filter(pk=service.pk)))
    if not found:
        return None
    service = found[0]
    tickets = Ticket.objects.filter(service=service, opened_at__gte=now - TICKET_WINDOW).count()
    return ServiceCostRatios(
        total=service_total(service),
        rule=_rule_of(service),
        tickets=tickets,
        users=sum(unit_headcount(unit) for unit in _units(service)),
        drivers=_drivers(service),
    )
