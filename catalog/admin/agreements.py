"""Agreements: only a draft's terms are edited here; every change of state is an action
calling catalog.services."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone

from catalog.admin.base import HistoryAdmin, adopt
from catalog.admin.measures import MeasureInline
from catalog.admin.targets import UrgencyTargetInline
from catalog.models import AGREEMENT_TERMS, OPEN_STATUSES, Agreement, AgreementStatus
from catalog.services import (
    agreement_draft_create,
    agreement_propose,
    agreement_return_to_draft,
    agreement_update,
    agreement_withdraw,
)


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ["service", "business_unit", *AGREEMENT_TERMS, "priority_matrix"]
        help_texts = {
            "priority_matrix": "Rows: impact high, medium, low. Columns: urgency high, medium, low. "
            "ITIL's default is [[1, 2, 3], [2, 3, 4], [3, 4, 5]].",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "priority_matrix" in self.fields:
            self.fields["priority_matrix"].required = False

    def clean_priority_matrix(self):
        # Left out of the form: the matrix stays as it is.
        matrix = self.cleaned_data.get("priority_matrix")
        return self.instance.priority_matrix if matrix is None else matrix

    def clean(self):
        cleaned = super().clean()
        # The same words catalog.services uses; a field error also spares the user the
        # database constraint's generic message.
        start, review = cleaned.get("effective_from"), cleaned.get("review_by")
        if start is not None and review is not None and review <= start:
            self.add_error(
                "review_by", f"The review date must be after the date the agreement takes effect ({start.isoformat()})."
            )
        service = cleaned.get("service")
        if self.instance.pk is None and service is not None:
            open_versions = Agreement.objects.filter(
                service=service, business_unit=cleaned.get("business_unit"), status__in=OPEN_STATUSES
            )
            if open_versions.exists():
                raise ValidationError(
                    "This agreement already has a version in draft or proposed; edit or withdraw it first."
                )
        return cleaned


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        required=False,
        help_text="Required when an agreement in force is withdrawn: the business loses its agreed terms.",
    )


class ReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("30", "Due within 30 days")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(review_by__lt=today, status=AgreementStatus.AGREED)
        if self.value() == "30":
            return queryset.filter(
                review_by__gte=today, review_by__lte=today + timedelta(days=30), status=AgreementStatus.AGREED
            )
        return queryset


LIFECYCLE_FIELDS = [
    "version",
    "status",
    "created_by",
    "created_at",
    "proposed_by",
    "proposed_at",
    "it_signed_by",
    "it_signed_at",
    "business_signed_by",
    "business_signed_at",
    "agreed_at",
    "superseded_by",
    "superseded_at",
    "withdrawn_by",
    "withdrawn_at",
    "withdrawal_reason",
]


@admin.register(Agreement)
class AgreementAdmin(HistoryAdmin):
    """Only a draft's terms can be edited; everything else is the record of what was
    proposed, signed and agreed, and changes only through the actions."""

    form = AgreementForm
    list_display = ["service", "audience", "version", "status", "effective_from", "review_by", "review", "agreed_at"]
    list_filter = ["status", ReviewFilter, "business_unit", "service__category"]
    list_select_related = ["service", "business_unit"]
    search_fields = ["service__name", "business_unit__name", "scope"]
    autocomplete_fields = ["service", "business_unit"]
    date_hierarchy = "review_by"
    actions = ["propose", "return_to_draft", "withdraw", "draft_next_version"]
    inlines = [UrgencyTargetInline, MeasureInline]

    def get_fieldsets(self, request, obj=None):
        terms = ("Terms", {"fields": list(AGREEMENT_TERMS)})
        if obj is None:
            return [(None, {"fields": ["service", "business_unit"]}), terms]
        return [
            (None, {"fields": ["service", "business_unit"]}),
            terms,
            ("Service levels", {"fields": ["priority_matrix"]}),
            ("Lifecycle", {"fields": LIFECYCLE_FIELDS}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["service", "business_unit", *LIFECYCLE_FIELDS]

    def get_inlines(self, request, obj=None):
        # Targets and measures are added to a version that exists: the add form creates it first.
        return [] if obj is None else self.inlines

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status != AgreementStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # agreements are records: withdraw, never delete

    def revert_disabled(self, request, obj=None) -> bool:
        return True  # reverting would set terms or status behind the services' back

    @admin.display(description="For", ordering="business_unit__name")
    def audience(self, obj: Agreement) -> str:
        return obj.audience

    @admin.display(description="Review")
    def review(self, obj: Agreement) -> str:
        if obj.status != AgreementStatus.AGREED or obj.review_by is None:
            return ""
        days = (obj.review_by - timezone.localdate()).days
        if days < 0:
            return f"overdue by {-days} days"
        return f"due in {days} days" if days <= 30 else ""

    # Writes go through catalog.services; the admin's own save steps are bypassed.
    # The admin's own save steps are replaced by catalog.services. save_model runs only
    # once the form and every inline are valid, inside the admin's transaction.
    def save_model(self, request, obj, form, change) -> None:
        terms = {name: form.cleaned_data[name] for name in AGREEMENT_TERMS if name in form.cleaned_data}
        if change:
            changed = {name: value for name, value in terms.items() if name in form.changed_data}
            matrix = form.cleaned_data["priority_matrix"] if "priority_matrix" in form.changed_data else None
            agreement_update(agreement=obj, priority_matrix=matrix, **changed)
            return
        created = agreement_draft_create(
            service=form.cleaned_data["service"],
            business_unit=form.cleaned_data["business_unit"],
            actor=request.user,
            **terms,
        )
        adopt(obj, created)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form checks what it can; a rule broken between check and write (another
        # version opened meanwhile) comes back from the service as a ValidationError.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _apply(self, request, queryset, perm: str, done: str, step) -> None:
        succeeded = 0
        for agreement in queryset.select_related("service", "business_unit"):
            if not request.user.has_perm(perm, agreement):
                self.message_user(request, f"{agreement}: you may not do this.", messages.ERROR)
                continue
            try:
                step(agreement)
            except (ValidationError, PermissionDenied) as exc:
                reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{agreement}: {reason}", messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, f"{succeeded} agreement version(s) {done}.", messages.SUCCESS)

    @admin.action(description="Propose selected drafts for signature", permissions=["change"])
    def propose(self, request, queryset):
        self._apply(
            request,
            queryset,
            "catalog.propose_agreement",
            "proposed",
            lambda a: agreement_propose(agreement=a, actor=request.user),
        )

    @admin.action(description="Return selected proposed versions to draft", permissions=["change"])
    def return_to_draft(self, request, queryset):
        self._apply(
            request,
            queryset,
            "catalog.change_agreement",
            "returned to draft",
            lambda a: agreement_return_to_draft(agreement=a),
        )

    @admin.action(description="Draft the next version of selected agreements", permissions=["change"])
    def draft_next_version(self, request, queryset):
        def draft(agreement: Agreement) -> None:
            if not request.user.has_perm("catalog.add_agreement", agreement.service):
                raise PermissionDenied("You may not draft agreements for this service.")
            agreement_draft_create(service=agreement.service, business_unit=agreement.business_unit, actor=request.user)

        self._apply(request, queryset, "catalog.view_agreement", "drafted", draft)

    @admin.action(description="Withdraw selected versions…", permissions=["change"])
    def withdraw(self, request, queryset):
        form = WithdrawForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._apply(
                request,
                queryset,
                "catalog.withdraw_agreement",
                "withdrawn",
                lambda a: agreement_withdraw(agreement=a, actor=request.user, reason=reason),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Withdraw agreement versions",
            "opts": self.model._meta,
            "agreements": queryset.select_related("service", "business_unit"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/catalog/agreement/withdraw.html", context)
