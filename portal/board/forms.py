"""The early-warning board's filters (GET). Invalid values are ignored, with the field's error
shown, so a hand-edited URL never breaks the page."""

from __future__ import annotations

from django import forms

from sla.models import AlertSeverity
from sla.risks import ranking
from sla.risks.selectors import AT_RISK, BREACHED, KINDS, PRIORITIES


class BoardFilterForm(forms.Form):
    business_unit = forms.ModelChoiceField(
        queryset=None, to_field_name="slug", required=False, empty_label="All business units", label="Business unit"
    )
    service = forms.ModelChoiceField(queryset=None, to_field_name="slug", required=False, empty_label="All services")
    kind = forms.ChoiceField(
        required=False, choices=[("", "Every kind"), *((key, label) for key, (label, _) in KINDS.items())]
    )
    severity = forms.ChoiceField(required=False, choices=[("", "Any severity"), *AlertSeverity.choices])
    # The old /warnings/ page's filters, kept so its links and bookmarks still mean the same.
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "At risk or gone wrong"),
            (BREACHED, "Missed, breached or overdue"),
            (AT_RISK, "At risk, not yet missed"),
        ],
    )
    priority = forms.TypedChoiceField(
        required=False,
        label="Ticket priority",
        choices=[("", "Any priority"), *((str(p), f"P{p}") for p in PRIORITIES)],
        coerce=int,
        empty_value=None,
        help_text="Ticket clocks of this priority only.",
    )
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[("", "Business impact"), (ranking.TIME_LEFT, "Time left")],
    )

    def __init__(self, *args, services, business_units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["business_unit"].queryset = business_units

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
