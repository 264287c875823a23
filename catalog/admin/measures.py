"""Success measures in the admin: inline under a draft agreement. Every write goes through
catalog.services.measures_replace; once a version is proposed its measures are read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from catalog.admin.base import report_replaced
from catalog.measure_forms import MeasureForm, add_measure_problems
from catalog.models import Agreement, AgreementStatus, Measure
from catalog.services import measures_replace
from catalog.services.measure_rules import MEASURE_FIELDS, measures_clean


def _is_draft(agreement: Agreement | None) -> bool:
    return agreement is not None and agreement.status == AgreementStatus.DRAFT


class MeasureFormSet(forms.BaseInlineFormSet):
    """Writes the draft's measures through measures_replace (no direct writes). As in any
    admin inline, measures not on the submitted page stay as they are; the values are
    checked by the same service, beside their fields, before anything is saved."""

    def wanted(self) -> list[tuple[forms.ModelForm | None, dict]]:
        """The whole set after this submission, in order: (form or None when untouched, values)."""
        stored = {measure.pk: measure for measure in self.instance.measures.all()}
        for form in self.initial_forms:
            stored.pop(form.instance.pk, None)
        untouched = [
            (None, {"key": m.key, **{name: getattr(m, name) for name in MEASURE_FIELDS}}) for m in stored.values()
        ]
        submitted = [
            (form, form.measure_values())
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        return untouched + submitted

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        wanted = self.wanted()
        _, problems = measures_clean([values for _, values in wanted])
        rest = add_measure_problems([form for form, _ in wanted], problems)
        if rest:
            raise ValidationError(rest)

    def save(self, commit: bool = True) -> list[Measure]:
        before = {measure.key: measure for measure in self.instance.measures.all()}
        saved = measures_replace(agreement=self.instance, measures=[values for _, values in self.wanted()])
        report_replaced(self, before, saved, address="key", fields=MEASURE_FIELDS)
        return saved


class MeasureInline(admin.StackedInline):
    """Part of what a version promises: editable while it is a draft, fixed afterwards."""

    model = Measure
    form = MeasureForm
    formset = MeasureFormSet
    extra = 0
    verbose_name = "success measure"
    verbose_name_plural = "success measures (what success means, measured each period)"
    fieldsets = [
        (None, {"fields": [("key", "name"), "description", "factor"]}),
        (
            "Where the data comes from",
            {"fields": ["source", ("ticket_metric", "ticket_priority", "ticket_within"), "feedback_metric"]},
        ),
        (
            "How it is counted",
            {"fields": [("aggregation", "condition", "condition_value"), ("unit", "valid_min", "valid_max")]},
        ),
        ("Target", {"fields": [("direction", "target", "warning_level"), ("period", "min_points")]}),
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and super().has_delete_permission(request, obj)
