"""Admin for committed results: the commitment with its check-ins and renegotiations shown
inline (read-only: they are its history), and the history of its own changes.

Writes go through sla.services: a new commitment through commitment_create, changes through
commitment_update (a closed one cannot be changed). The due date moves only by renegotiation
(with the reason, told to the business) and a commitment is delivered or withdrawn on its
portal page or through the API, so those fields are read-only here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html

from catalog.admin.base import HistoryAdmin, adopt
from sla.commitment_selectors import commitment_state
from sla.commitments import local_date
from sla.models import CheckIn, Commitment, CommitmentOutcome, Renegotiation
from sla.selectors import service_time_zone
from sla.services import commitment_create, commitment_update
from sla.services.commitments import EDITABLE_FIELDS, commitment_problems

NEW_FIELDS = ("service", "committed_on", "due_on", *EDITABLE_FIELDS)


class CommitmentAdminForm(forms.ModelForm):
    class Meta:
        model = Commitment
        fields = list(NEW_FIELDS)

    def clean(self) -> dict:
        """What commitment_create and commitment_update check, as form errors."""
        data = super().clean()
        if self._errors or (self.instance.pk is None and not data.get("service")):
            return data
        values = {name: getattr(self.instance, name) for name in NEW_FIELDS if self.instance.pk}
        values.update({name: data[name] for name in NEW_FIELDS if name in data})
        candidate = Commitment(**values)
        for field, problems in commitment_problems(candidate).items():
            self.add_error(field if field in self.fields else None, problems)
        if self.instance.pk is None:  # a new one is promised from the service's today on
            today = local_date(timezone.now(), service_time_zone(candidate.service))
            if candidate.committed_on and candidate.committed_on > today:
                self.add_error("committed_on", "A commitment cannot be made on a future day.")
            if candidate.due_on and candidate.due_on < today:
                self.add_error("due_on", "The due date has passed: promise a date from today on.")
        return data

    def _post_clean(self) -> None:
        if not self._errors:  # the model's own checks would only restate the problems above
            super()._post_clean()


class CheckInInline(admin.TabularInline):
    model = CheckIn
    fields = ["at", "percent_done", "note", "by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Check-ins (recorded on the portal or through the API)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class RenegotiationInline(admin.TabularInline):
    model = Renegotiation
    fields = ["at", "old_due_on", "new_due_on", "reason", "by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Renegotiations (the dates moved, and why)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Commitment)
class CommitmentAdmin(HistoryAdmin):
    form = CommitmentAdminForm
    list_display = ["title", "service", "business_unit", "owner", "due_on", "status", "outcome"]
    list_filter = ["outcome", "service"]
    list_select_related = ["service", "service__support_calendar", "business_unit", "owner"]
    search_fields = ["title", "definition_of_done", "service__name"]
    autocomplete_fields = ["service", "owner"]
    date_hierarchy = "due_on"
    inlines = [CheckInInline, RenegotiationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(Prefetch("check_ins", queryset=CheckIn.objects.all()))

    def get_changeform_initial_data(self, request) -> dict:
        return {"committed_on": timezone.localdate(), **super().get_changeform_initial_data(request)}

    def get_fieldsets(self, request, obj=None):
        promise = ["service", "business_unit", "title", "definition_of_done", "owner"]
        dates = ["committed_on", "due_on", "check_in_every", "grace"]
        if obj is None:
            return [(None, {"fields": promise}), ("Dates and check-ins", {"fields": dates})]
        return [
            (None, {"fields": promise}),
            ("Dates and check-ins", {"fields": dates}),
            ("Where it stands", {"fields": ["status_now", "outcome", "closed_on", "closing_note"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["service", "committed_on", "due_on", "status_now", "outcome", "closed_on", "closing_note"]

    def has_change_permission(self, request, obj=None) -> bool:
        closed = obj is not None and obj.outcome != CommitmentOutcome.OPEN
        return not closed and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # withdraw it instead: the record of what was promised stays

    @admin.display(description="Status now")
    def status(self, obj: Commitment) -> str:
        return commitment_state(obj, now=timezone.now()).label

    @admin.display(description="Status now")
    def status_now(self, obj: Commitment) -> str:
        state = commitment_state(obj, now=timezone.now())
        return format_html("<strong>{}</strong><br>{}", state.label, state.reason)

    def save_model(self, request, obj, form, change) -> None:
        data = {name: form.cleaned_data[name] for name in NEW_FIELDS if name in form.cleaned_data}
        if change:
            changed = {name: data[name] for name in EDITABLE_FIELDS if name in form.changed_data}
            commitment_update(commitment=obj, actor=request.user, **changed)
            return
        adopt(obj, commitment_create(actor=request.user, **data))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A rule broken between the form's check and the write (closed meanwhile) comes back
        # from the service as a ValidationError.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
