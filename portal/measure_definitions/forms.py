"""The portal's form of a draft's success measures: one group of fields per measure, and an
empty one to add a measure. catalog.services decides what is allowed; its problems come back
beside the fields (catalog.measure_forms.add_measure_problems)."""

from __future__ import annotations

from django import forms
from django.forms.models import model_to_dict
from django.utils.text import slugify

from catalog.measure_forms import MEASURE_FORM_FIELDS, MeasureForm
from catalog.models import Agreement
from catalog.services.measure_rules import MOST_MEASURES

# The fields as the page groups them: (legend, field names).
FIELD_GROUPS = [
    ("What it is", ["name", "key", "description", "factor"]),
    ("Where the data comes from", ["source", "ticket_metric", "ticket_priority", "ticket_within", "feedback_metric"]),
    ("How it is counted", ["aggregation", "condition", "condition_value", "unit", "valid_min", "valid_max"]),
    ("What success is", ["direction", "target", "warning_level", "period", "min_points"]),
]


class MeasureRowForm(MeasureForm):
    """One measure. A stored measure keeps its key (its history follows the key); a new one
    may leave it empty to have it made from the name."""

    def __init__(self, *args, existing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = existing
        key = self.fields["key"]
        if existing:
            key.disabled = True
            key.help_text = "Stays the same in every version, so the measure's history carries on."
        else:
            key.required = False
            key.help_text = "Leave empty to make it from the name. " + key.help_text

    def clean(self):
        cleaned = super().clean()
        if not self.existing and not cleaned.get("key") and cleaned.get("name") and "key" not in self.errors:
            cleaned["key"] = slugify(cleaned["name"])[:80]
        return cleaned

    def title(self) -> str:
        return self.initial.get("name") or "New measure"

    def groups(self) -> list[tuple[str, list]]:
        return [(legend, [self[name] for name in names]) for legend, names in FIELD_GROUPS]

    def is_measure(self) -> bool:
        """Kept: filled in (an untouched empty form is no measure) and not marked for removal."""
        return bool(self.cleaned_data) and not self.cleaned_data.get("DELETE")


class MeasureRowFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "existing": index is not None and index < self.initial_form_count()}

    def kept(self) -> list[MeasureRowForm]:
        return [form for form in self.forms if form.is_measure()]


MeasureFormSet = forms.formset_factory(
    MeasureRowForm,
    formset=MeasureRowFormSet,
    extra=1,
    can_delete=True,
    max_num=MOST_MEASURES,
    validate_max=True,
)


def measure_formset(data=None, *, agreement: Agreement) -> MeasureRowFormSet:
    """A form per stored measure, in order, and one more to add a measure."""
    initial = [model_to_dict(measure, fields=MEASURE_FORM_FIELDS) for measure in agreement.measures.all()]
    return MeasureFormSet(data, prefix="measures", initial=initial)
