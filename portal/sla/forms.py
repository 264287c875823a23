"""Filters of the SLA pages (GET). Invalid values are ignored, with the field's error
shown, so a hand-edited URL never breaks the page."""

from __future__ import annotations

from django import forms

from sla.models import AlertKind, AlertState


def _yes(value: str) -> bool:
    return value == "1"


class _Filters(forms.Form):
    service = forms.ModelChoiceField(queryset=None, to_field_name="slug", required=False, empty_label="All services")

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services

    def filters(self) -> dict:
        """The valid filters (whatever else was wrong with the input)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class AlertFilterForm(_Filters):
    state = forms.ChoiceField(
        required=False,
        choices=[("", "Open or acknowledged"), (AlertState.OPEN, "Open"), (AlertState.ACKNOWLEDGED, "Acknowledged")],
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *AlertKind.choices])
    mine = forms.TypedChoiceField(
        required=False,
        label="Whose",
        choices=[("", "All I may see"), ("1", "Mine to act on")],
        coerce=_yes,
        empty_value=False,
        help_text="Mine: the alerts you own (as assignee, commitment or follow-up owner) and those of your services.",
    )

    field_order = ["state", "kind", "service", "mine"]
