"""Urgency targets in the admin: inline under a draft agreement, or one at a time. Every
write goes through catalog.services (urgency_targets_replace, urgency_target_set,
urgency_target_remove); once a version is proposed its targets are read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from catalog.admin.base import HistoryAdmin, adopt, report_replaced
from catalog.durations import duration_human
from catalog.forms import TargetDurationField, WarningSharesField
from catalog.models import Agreement, AgreementStatus, UrgencyTarget
from catalog.services import urgency_target_remove, urgency_target_set, urgency_targets_replace
from catalog.services.common import require_draft_targets
from catalog.services.targets import TARGET_FIELDS, urgency_targets_clean


def _is_draft(agreement: Agreement | None) -> bool:
    return agreement is not None and agreement.status == AgreementStatus.DRAFT


URGENCY_TARGET_FIELDS = [
    "priority",
    "engage_within",
    "update_every",
    "resolve_within",
    "calendar",
    "objective_percent",
    "warning_shares",
]
TARGET_FIELD_CLASSES = {
    "engage_within": TargetDurationField,
    "update_every": TargetDurationField,
    "resolve_within": TargetDurationField,
    "warning_shares": WarningSharesField,
}


def _target_values(form: forms.ModelForm) -> dict:
    return {name: form.cleaned_data.get(name) for name in URGENCY_TARGET_FIELDS}


class UrgencyTargetInlineForm(forms.ModelForm):
    class Meta:
        model = UrgencyTarget
        fields = URGENCY_TARGET_FIELDS
        field_classes = TARGET_FIELD_CLASSES


class UrgencyTargetFormSet(forms.BaseInlineFormSet):
    """Writes the draft's targets through urgency_targets_replace (no direct writes). As in
    any admin inline, targets not on the submitted page stay as they are; the values are
    checked by the same service, beside their fields, before anything is saved."""

    def wanted(self) -> list[tuple[forms.ModelForm | None, dict]]:
        """The whole set after this submission: (form or None when untouched, values)."""
        stored = {target.pk: target for target in self.instance.urgency_targets.all()}
        for form in self.initial_forms:
            stored.pop(form.instance.pk, None)
        untouched = [
            (None, {"priority": t.priority, **{name: getattr(t, name) for name in TARGET_FIELDS}})
            for t in stored.values()
        ]
        submitted = [
            (form, _target_values(form))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        return untouched + submitted

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        wanted = self.wanted()
        _, problems = urgency_targets_clean([values for _, values in wanted])
        for key, messages_ in problems.items():
            index, _, field = key.removeprefix("targets[").partition("].")
            form = wanted[int(index)][0]
            if form is None:
                raise ValidationError(messages_)
            form.add_error(field if field in form.fields else None, messages_)

    def save(self, commit: bool = True) -> list[UrgencyTarget]:
        before = {target.priority: target for target in self.instance.urgency_targets.all()}
        saved = urgency_targets_replace(agreement=self.instance, targets=[values for _, values in self.wanted()])
        report_replaced(self, before, saved, address="priority", fields=TARGET_FIELDS)
        return saved


class UrgencyTargetInline(admin.TabularInline):
    """Part of what a version promises: editable while it is a draft, fixed afterwards."""

    model = UrgencyTarget
    form = UrgencyTargetInlineForm
    formset = UrgencyTargetFormSet
    fields = URGENCY_TARGET_FIELDS
    autocomplete_fields = ["calendar"]
    extra = 0
    verbose_name_plural = (
        "urgency targets (per priority; times in business time on the calendar, "
        "the service's support calendar when empty)"
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _is_draft(obj) and super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("calendar")


class UrgencyTargetForm(forms.ModelForm):
    class Meta:
        model = UrgencyTarget
        fields = ["agreement", *URGENCY_TARGET_FIELDS]
        field_classes = TARGET_FIELD_CLASSES

    def clean_agreement(self):
        agreement = self.cleaned_data["agreement"]
        try:
            require_draft_targets(agreement)
        except ValidationError as error:
            raise ValidationError(error.messages) from error
        return agreement

    def target_values(self) -> dict:
        values = _target_values(self)
        if "priority" not in self.fields:  # read-only once the target exists
            values["priority"] = self.instance.priority
        return values

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            _, problems = urgency_targets_clean([self.target_values()])
            for key, messages_ in problems.items():
                field = key.partition("].")[2]
                self.add_error(field if field in self.fields else None, messages_)
        return cleaned


@admin.register(UrgencyTarget)
class UrgencyTargetAdmin(HistoryAdmin):
    """One target at a time, through the same services as the agreement's inline."""

    form = UrgencyTargetForm
    list_display = ["agreement", "priority", "engage", "update", "resolve", "calendar", "objective_percent"]
    list_filter = ["priority", "agreement__status"]
    list_select_related = ["agreement__service", "agreement__business_unit", "calendar"]
    search_fields = ["agreement__service__name", "agreement__business_unit__name"]
    autocomplete_fields = ["agreement", "calendar"]

    def get_readonly_fields(self, request, obj=None):
        # A target is one priority's: to move it, add the other priority and delete this one.
        return ["agreement", "priority"] if obj is not None else []

    def has_change_permission(self, request, obj=None) -> bool:
        return (obj is None or _is_draft(obj.agreement)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return (obj is None or _is_draft(obj.agreement)) and super().has_delete_permission(request, obj)

    def revert_disabled(self, request, obj=None) -> bool:
        return True  # reverting would write the row behind the services' back

    @admin.display(description="Engage within", ordering="engage_within")
    def engage(self, obj: UrgencyTarget) -> str:
        return duration_human(obj.engage_within)

    @admin.display(description="Update every", ordering="update_every")
    def update(self, obj: UrgencyTarget) -> str:
        return duration_human(obj.update_every)

    @admin.display(description="Resolve within", ordering="resolve_within")
    def resolve(self, obj: UrgencyTarget) -> str:
        return duration_human(obj.resolve_within)

    def save_model(self, request, obj, form, change) -> None:
        saved = urgency_target_set(agreement=obj.agreement, **form.target_values())
        adopt(obj, saved)

    def delete_model(self, request, obj) -> None:
        urgency_target_remove(agreement=obj.agreement, priority=obj.priority)

    def delete_queryset(self, request, queryset) -> None:
        for target in queryset.select_related("agreement"):
            urgency_target_remove(agreement=target.agreement, priority=target.priority)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:  # the version stopped being a draft meanwhile
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
