"""The form of a service's cost on /costs/services/<slug>/: the allocation rule and a note, and a
row per cost driver (plus empty ones to add). catalog.costs.services decides what is allowed;
its problems come back beside the rows (`add_driver_problems`)."""

from __future__ import annotations

import re

from django import forms

from catalog.costs.models import MAX_AMOUNT, AllocationRule, CostDriver, ServiceCost
from catalog.costs.services import MOST_DRIVERS, NAME_LENGTH, UNIT_LENGTH

EMPTY_ROWS = 2


class ServiceCostForm(forms.Form):
    allocation_rule = forms.ChoiceField(
        choices=AllocationRule.choices,
        label="Shared out",
        help_text="How the annual cost is shared among the business units the service serves.",
    )
    note = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where the figures come from, for the people who read them.",
    )


def _money(label: str, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, max_digits=12, decimal_places=2, min_value=0, max_value=MAX_AMOUNT
    )


class DriverRowForm(forms.Form):
    name = forms.CharField(label="Driver", required=False, max_length=NAME_LENGTH)
    amount = _money("Annual amount")
    quantity = _money("Quantity")
    unit_of_measure = forms.CharField(
        label="Unit of measure", required=False, max_length=UNIT_LENGTH, help_text="e.g. user licences, TB, FTE."
    )

    def clean(self):
        cleaned = super().clean()
        if self.is_driver() and not cleaned.get("DELETE"):
            if not cleaned.get("name") and "name" not in self.errors:
                self.add_error("name", "Give the driver a name.")
            if cleaned.get("amount") is None and "amount" not in self.errors:
                self.add_error("amount", "Give the annual amount.")
        return cleaned

    def is_driver(self) -> bool:
        """Kept: anything filled in (an untouched empty row is no driver)."""
        return any(
            self.cleaned_data.get(name) not in (None, "") for name in ("name", "amount", "quantity", "unit_of_measure")
        ) or any(name in self.errors for name in ("amount", "quantity"))

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ("name", "amount", "quantity", "unit_of_measure")}


class DriverRowFormSet(forms.BaseFormSet):
    def kept(self) -> list[DriverRowForm]:
        return [form for form in self.forms if form.cleaned_data and form.is_driver() and not self._deleted(form)]

    @staticmethod
    def _deleted(form: DriverRowForm) -> bool:
        return bool(form.cleaned_data.get("DELETE"))


DriverFormSet = forms.formset_factory(
    DriverRowForm,
    formset=DriverRowFormSet,
    extra=EMPTY_ROWS,
    can_delete=True,
    max_num=MOST_DRIVERS,
    validate_max=True,
    absolute_max=MOST_DRIVERS + EMPTY_ROWS,
)


def service_cost_forms(
    data=None, *, cost: ServiceCost | None, drivers: list[CostDriver]
) -> tuple[ServiceCostForm, DriverRowFormSet]:
    initial = {
        "allocation_rule": cost.allocation_rule if cost else AllocationRule.EQUAL,
        "note": cost.note if cost else "",
    }
    rows = [
        {"name": d.name, "amount": d.amount, "quantity": d.quantity, "unit_of_measure": d.unit_of_measure}
        for d in drivers
    ]
    return ServiceCostForm(data, initial=initial, prefix="cost"), DriverFormSet(data, initial=rows, prefix="drivers")


ROW_PROBLEM = re.compile(r"^Driver (\d+): (.*)$")


def add_driver_problems(form: ServiceCostForm, kept: list[DriverRowForm], problems: dict[str, list[str]]) -> list[str]:
    """Put the service's problems beside the fields they are about: "Driver N: ..." on the N-th
    kept row (its name when the name is the problem), the rule's and the note's on those
    fields; whatever fits nowhere is returned for the top of the page."""
    left: list[str] = []
    for field, messages in problems.items():
        for message in messages:
            if field in ("allocation_rule", "note"):
                form.add_error(field, message)
                continue
            match = ROW_PROBLEM.match(message)
            if field == "drivers" and match and 0 < int(match[1]) <= len(kept):
                row = kept[int(match[1]) - 1]
                text = match[2][0].upper() + match[2][1:]
                row.add_error("name" if "name" in match[2] else ("amount" if "amount" in match[2] else None), text)
            else:
                left.append(message)
    return left
