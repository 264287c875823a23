"""One source of a service's annual cost: its cost drivers.

Before, a service had a stated `annual_cost` and a free-text `cost_drivers` beside its structured
drivers (ServiceCost / CostDriver), and the two could disagree. From here on both follow the
drivers (catalog.costs.services.service_cost_set: the sum, the names). This turns every service's
stated figures into driver rows so that nothing changes in what it costs:

- with drivers already: the annual cost becomes their sum and the text their names;
- with a stated cost and no drivers: one driver of that amount, named after the text when it has
  one line, else "Annual cost (not itemised)" with the text's lines kept in the cost's note;
- with no cost and some text: the lines kept in the note (no driver: no amount is known).

Reversing leaves the rows as they are (they describe the same cost).
"""

from decimal import Decimal

from django.db import migrations

NOT_ITEMISED = "Annual cost (not itemised)"


def _lines(text: str) -> list[str]:
    return [line.strip(" -*\t") for line in (text or "").splitlines() if line.strip(" -*\t")]


def _keep_lines(cost, lines: list[str]) -> None:
    if lines:
        described = "Described before the drivers were itemised: " + "; ".join(lines) + "."
        cost.note = f"{cost.note}\n\n{described}".strip()
        cost.save(update_fields=["note"])


def forwards(apps, schema_editor):
    Service = apps.get_model("catalog", "Service")
    ServiceCost = apps.get_model("catalog", "ServiceCost")
    CostDriver = apps.get_model("catalog", "CostDriver")
    costs = {cost.service_id: cost for cost in ServiceCost.objects.all()}
    drivers: dict[int, list] = {}
    for driver in CostDriver.objects.order_by("position", "id"):
        drivers.setdefault(driver.service_cost_id, []).append(driver)
    for service in Service.objects.order_by("pk").iterator():
        cost = costs.get(service.pk)
        rows = drivers.get(cost.pk, []) if cost else []
        lines = _lines(service.cost_drivers)
        if not rows and (service.annual_cost or lines):
            if cost is None:
                cost = ServiceCost.objects.create(service=service)
            if service.annual_cost:
                name = lines[0][:160] if len(lines) == 1 else NOT_ITEMISED
                rows = [CostDriver.objects.create(service_cost=cost, name=name, amount=service.annual_cost, position=1)]
                if len(lines) > 1:
                    _keep_lines(cost, lines)
            else:
                _keep_lines(cost, lines)
        total = sum((row.amount for row in rows), Decimal(0))
        names = "\n".join(row.name for row in rows)
        if service.annual_cost != total or service.cost_drivers != names:
            Service.objects.filter(pk=service.pk).update(annual_cost=total, cost_drivers=names)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0013_alignment_request_history")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
