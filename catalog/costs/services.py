"""Writes of the cost of provision: a service's drivers and allocation rule, set as a whole."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.costs.models import MAX_AMOUNT, AllocationRule, CostDriver, ServiceCost
from catalog.models import Service


def _amount(value: Any, *, label: str, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError(f"{label} is required.")
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(f"{label} must be a number.") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError(f"{label} must be between 0 and {MAX_AMOUNT:,}.")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(f"{label} has at most two decimal places.")
    return amount


def _clean_drivers(drivers: Iterable[dict[str, Any]]) -> list[CostDriver]:
    cleaned: list[CostDriver] = []
    errors: list[str] = []
    seen: set[str] = set()
    for position, row in enumerate(drivers, start=1):
        name = str(row.get("name") or "").strip()
        try:
            if not name:
                raise ValidationError("a name is required.")
            if len(name) > 160:
                raise ValidationError("the name is longer than 160 characters.")
            if name.casefold() in seen:
                raise ValidationError(f"“{name}” is named twice.")
            unit = str(row.get("unit_of_measure") or "").strip()
            if len(unit) > 60:
                raise ValidationError("the unit of measure is longer than 60 characters.")
            amount = _amount(row.get("amount"), label="the amount", required=True)
            quantity = _amount(row.get("quantity"), label="the quantity", required=False)
        except ValidationError as error:
            errors.append(f"Driver {position}: {error.messages[0]}")
            continue
        seen.add(name.casefold())
        cleaned.append(CostDriver(name=name, amount=amount, quantity=quantity, unit_of_measure=unit, position=position))
    if errors:
        raise ValidationError({"drivers": errors})
    return cleaned


def service_cost_sync_total(*, service_cost: ServiceCost) -> Decimal:
    """The service's stated annual cost follows its drivers when it has any (one number, not two)."""
    amounts = list(service_cost.drivers.values_list("amount", flat=True))
    if not amounts:
        return service_cost.service.annual_cost
    total = sum(amounts, Decimal(0))
    Service.objects.filter(pk=service_cost.service_id).update(annual_cost=total)
    return total


def service_cost_set(
    *,
    service: Service,
    allocation_rule: str,
    drivers: Iterable[dict[str, Any]],
    note: str = "",
) -> ServiceCost:
    """Replace a service's cost drivers and its allocation rule. All or nothing: a bad row
    (no name, a negative or too large amount, a name twice) stores nothing."""
    if allocation_rule not in AllocationRule.values:
        raise ValidationError({"allocation_rule": f"Choose one of: {', '.join(AllocationRule.values)}."})
    cleaned = _clean_drivers(drivers)
    with transaction.atomic():
        service_cost, _ = ServiceCost.objects.update_or_create(
            service=service, defaults={"allocation_rule": allocation_rule, "note": note.strip()}
        )
        service_cost.drivers.all().delete()
        for driver in cleaned:
            driver.service_cost = service_cost
        CostDriver.objects.bulk_create(cleaned)
        if cleaned:
            service.annual_cost = sum((driver.amount for driver in cleaned), Decimal(0))
            service.save(update_fields=["annual_cost"])
    return service_cost
