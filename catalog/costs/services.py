"""Writes of the cost of provision: a service's drivers and allocation rule, set as a whole.

The drivers are the one source of a service's annual cost: `service_cost_set` is the only write
of `Service.annual_cost` (their sum) and of `Service.cost_drivers` (their names, one per line,
kept for the services API and the catalogue's search); the service forms, the services API,
the import and the admin show both and change neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.costs.models import MAX_AMOUNT, AllocationRule, CostDriver, ServiceCost
from catalog.models import Service

NAME_LENGTH = 160
UNIT_LENGTH = 60
MOST_DRIVERS = 100


def _amount(value: Any, *, label: str, required: bool) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{label} is required.")
        return None
    if isinstance(value, bool | list | dict):
        raise ValidationError(f"{label} must be a number.")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"{label} must be a number.") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError(f"{label} must be between 0 and {MAX_AMOUNT:,}.")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(f"{label} has at most two decimal places.")
    return amount


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def cost_drivers_clean(drivers: Iterable[dict[str, Any]]) -> list[CostDriver]:
    """The rows as unsaved CostDrivers, in order; a ValidationError on "drivers" naming each bad
    row (no name, a name twice ignoring case, a negative or too large amount, more than two
    decimals, a text too long). The portal form and the admin ask it before they save."""
    cleaned: list[CostDriver] = []
    errors: list[str] = []
    seen: set[str] = set()
    rows = list(drivers)
    if len(rows) > MOST_DRIVERS:
        raise ValidationError({"drivers": [f"At most {MOST_DRIVERS} drivers per service."]})
    for position, row in enumerate(rows, start=1):
        try:
            if not isinstance(row, dict):
                raise ValidationError("give a name and an amount.")
            name = _text(row.get("name"))
            if not name:
                raise ValidationError("a name is required.")
            if len(name) > NAME_LENGTH:
                raise ValidationError(f"the name is longer than {NAME_LENGTH} characters.")
            if name.casefold() in seen:
                raise ValidationError(f"“{name}” is named twice.")
            unit = _text(row.get("unit_of_measure"))
            if len(unit) > UNIT_LENGTH:
                raise ValidationError(f"the unit of measure is longer than {UNIT_LENGTH} characters.")
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


def service_cost_set(
    *,
    service: Service,
    allocation_rule: str,
    drivers: Iterable[dict[str, Any]],
    note: str = "",
) -> ServiceCost:
    """Replace a service's cost drivers and its allocation rule, and set the service's annual
    cost to their sum (0 with none) and its listed drivers to their names. All or nothing: a bad
    row (no name, a negative or too large amount, a name twice) stores nothing."""
    errors: dict[str, list[str]] = {}
    if allocation_rule not in AllocationRule.values:
        errors["allocation_rule"] = [f"Choose one of: {', '.join(AllocationRule.values)}."]
    if not isinstance(note, str) or len(note) > 4000:
        errors["note"] = ["The note is text of at most 4,000 characters."]
    try:
        cleaned = cost_drivers_clean(drivers)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # One writer at a time per service: two saves at once leave one whole set, not a mix.
        Service.objects.select_for_update().filter(pk=service.pk).values_list("pk").first()
        service_cost, _ = ServiceCost.objects.update_or_create(
            service=service, defaults={"allocation_rule": allocation_rule, "note": note.strip()}
        )
        service_cost.drivers.all().delete()
        for driver in cleaned:
            driver.service_cost = service_cost
        CostDriver.objects.bulk_create(cleaned)
        service.annual_cost = sum((driver.amount for driver in cleaned), Decimal(0))
        service.cost_drivers = "\n".join(driver.name for driver in cleaned)
        service.save(update_fields=["annual_cost", "cost_drivers", "updated_at"])
    return service_cost
