"""Admin of the customer's voice. Survey settings, themes and IT's self-assessments are edited
here; invitations, responses and discovered topics are records (read-only), invitations can be
sent again; follow-ups can be reassigned, and their call and closing recorded through
feedback.services. Comments are plain text: Django's admin escapes them."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.utils.text import Truncator

from catalog.models import SuccessFactor
from feedback.models import (
    DiscoveredTopic,
    FollowUp,
    FollowUpState,
    Invitation,
    Response,
    SelfAssessment,
    SurveyKind,
    SurveySettings,
    Theme,
    ThemeMatch,
)
from feedback.services.follow_ups import follow_up_close, follow_up_contacted
from feedback.services.invitations import invitations_resend
from feedback.services.self_assessment import self_assessment_problems, self_assessment_record
from feedback.services.surveys import (
    DEFAULT_EVENT_KINDS,
    SETTINGS_FIELDS,
    survey_settings_problems,
    survey_settings_update,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _excerpt(text: str, chars: int = 80) -> str:
    return Truncator(text or "").chars(chars)


# --- Survey settings --------------------------------------------------------------------------------


class SurveySettingsForm(forms.ModelForm):
    event_kinds = forms.MultipleChoiceField(
        choices=SurveyKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=DEFAULT_EVENT_KINDS,
        help_text="Scores an event survey asks (none ticked: all three).",
    )

    class Meta:
        model = SurveySettings
        fields = ["service", *SETTINGS_FIELDS]

    def clean(self):
        cleaned = super().clean()
        changes = {name: value for name, value in cleaned.items() if name in SETTINGS_FIELDS}
        for name, problems in survey_settings_problems(settings=self.instance, changes=changes).items():
            for problem in problems:
                self.add_error(name if name in self.fields else None, problem)
        return cleaned


@admin.register(SurveySettings)
class SurveySettingsAdmin(admin.ModelAdmin):
    form = SurveySettingsForm
    list_display = ["service", "event_surveys", "kinds", "event_delay", "fatigue_days", "relationship_surveys"]
    list_filter = ["event_surveys", "relationship_surveys"]
    search_fields = ["service__name", "service__slug"]
    list_select_related = ["service"]
    fieldsets = [
        (None, {"fields": ["service"]}),
        ("After each resolved ticket", {"fields": ["event_surveys", "event_kinds", "event_delay", "fatigue_days"]}),
        ("Each quarter", {"fields": ["relationship_surveys"]}),
        (
            "Wording and links",
            {
                "fields": ["ask_comment", "csat_question", "nps_question", "ces_question", "invitation_valid_for"],
                "description": "Leave a question empty for the standard wording; {service} stands for the "
                "service's name.",
            },
        ),
    ]

    @admin.display(description="Event survey asks")
    def kinds(self, settings: SurveySettings) -> str:
        return ", ".join(kind.upper() for kind in settings.event_kinds) or "CSAT, NPS, CES"

    def get_readonly_fields(self, request, obj=None):
        return ["service"] if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.save()
            return
        changed = {name: form.cleaned_data[name] for name in form.changed_data if name != "service"}
        fresh = SurveySettings.objects.get(pk=obj.pk)
        survey_settings_update(settings=fresh, **changed)


# --- Invitations and responses ---------------------------------------------------------------------


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "service",
        "email",
        "status",
        "attempts",
        "sent_at",
        "expires_at",
        "responded_at",
        "error_excerpt",
    ]
    list_filter = ["status", "kind", "service"]
    search_fields = ["email", "name", "ticket__external_id", "service__name"]
    list_select_related = ["service"]
    date_hierarchy = "created_at"
    exclude = ["nonce"]  # with SECRET_KEY it makes the link: not shown
    actions = ["resend"]

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("feedback.change_invitation")

    @admin.display(description="Last error")
    def error_excerpt(self, invitation: Invitation) -> str:
        return _excerpt(invitation.last_error)

    @admin.action(description="Send the selected unanswered invitations again (valid afresh)", permissions=["resend"])
    def resend(self, request, queryset: QuerySet[Invitation]) -> None:
        from feedback.tasks import send_invitations

        groups = invitations_resend(invitation_ids=list(queryset.values_list("pk", flat=True)))
        for group in groups:
            send_invitations.delay_on_commit(group)
        count = sum(len(group) for group in groups)
        skipped = queryset.count() - count
        message = f"{count} invitation(s) queued to send again."
        if skipped:
            message += f" {skipped} left alone: they were answered already."
        self.message_user(request, message, messages.SUCCESS if count else messages.WARNING)


class ThemeMatchInline(admin.TabularInline):
    model = ThemeMatch
    extra = 0
    can_delete = False
    fields = ["theme", "phrase"]
    readonly_fields = ["theme", "phrase"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = [
        "submitted_at",
        "service",
        "kind",
        "source",
        "csat",
        "nps",
        "ces",
        "lost_time",
        "detractor",
        "comment_excerpt",
    ]
    list_filter = ["kind", "source", "lost_time", "service"]
    search_fields = ["respondent_email", "external_id", "comment", "service__name"]
    list_select_related = ["service"]
    date_hierarchy = "submitted_at"
    inlines = [ThemeMatchInline]

    @admin.display(description="Detractor", boolean=True)
    def detractor(self, response: Response) -> bool:
        return response.is_detractor

    @admin.display(description="Comment")
    def comment_excerpt(self, response: Response) -> str:
        return _excerpt(response.comment)


# --- Closing the loop ---------------------------------------------------------------------------------


class FollowUpForm(forms.ModelForm):
    record_outcome = forms.CharField(
        label="What came of the call",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recording it marks the customer contacted (now).",
    )
    record_learned = forms.CharField(
        label="What IT learned",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recording it closes the follow-up.",
    )

    class Meta:
        model = FollowUp
        fields = ["owner", "due_at"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    form = FollowUpForm
    list_display = ["due_at", "service", "owner", "state", "contacted_at", "closed_at"]
    list_filter = ["state", "service"]
    search_fields = ["service__name", "response__respondent_email", "outcome", "learned"]
    list_select_related = ["service", "owner"]
    readonly_fields = ["response", "service", "state", "contacted_at", "outcome", "learned", "closed_at", "created_at"]
    fields = [
        "response",
        "service",
        "owner",
        "due_at",
        "state",
        "contacted_at",
        "outcome",
        "learned",
        "closed_at",
        "record_outcome",
        "record_learned",
    ]
    autocomplete_fields = ["owner"]

    def has_add_permission(self, request) -> bool:
        return False  # follow-ups open themselves for detractors' answers

    def save_model(self, request, obj, form, change) -> None:
        obj.save(update_fields=[name for name in ("owner", "due_at") if name in form.changed_data] or ["owner"])
        outcome, learned = form.cleaned_data["record_outcome"], form.cleaned_data["record_learned"]
        if outcome and not learned and obj.state == FollowUpState.OPEN:
            follow_up_contacted(follow_up=obj, actor=request.user, outcome=outcome)
        elif learned:
            follow_up_close(follow_up=obj, actor=request.user, learned=learned, outcome=outcome)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The services' rules (an outcome before closing, nothing after closing) come back as messages.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, reason, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    """The taxonomy. A theme's comments are matched again after its phrases change or it is
    switched on or off."""

    list_display = ["name", "active", "phrase_count", "match_count"]
    list_filter = ["active"]
    search_fields = ["name", "phrases"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "phrases", "description", "active"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change or {"phrases", "active"} & set(form.changed_data):
            # Every comment is matched again in the background (feedback.services.themes_rematch).
            from feedback.theme_tasks import rematch_themes

            rematch_themes.delay_on_commit(obj.pk)

    @admin.display(description="Phrases")
    def phrase_count(self, theme: Theme) -> int:
        return len(theme.phrase_list)

    @admin.display(description="Comments matched")
    def match_count(self, theme: Theme) -> int:
        return theme.matches.count()


@admin.register(DiscoveredTopic)
class DiscoveredTopicAdmin(ReadOnlyAdmin):
    list_display = ["label", "service", "size", "average_score", "discovered_at"]
    list_filter = ["service"]
    search_fields = ["label"]
    list_select_related = ["service"]
    exclude = ["responses"]


# --- IT's view of itself -------------------------------------------------------------------------------


def _rating_field(factor: SuccessFactor) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=factor.label, choices=[("", "–")] + [(n, str(n)) for n in range(1, 6)], coerce=int, required=False
    )


class SelfAssessmentForm(forms.ModelForm):
    # Ratings 1-5 of the six factors (stored together in `ratings`); required by the service's checks.
    rating_engagement = _rating_field(SuccessFactor.ENGAGEMENT)
    rating_urgency = _rating_field(SuccessFactor.URGENCY)
    rating_ownership = _rating_field(SuccessFactor.OWNERSHIP)
    rating_pace = _rating_field(SuccessFactor.PACE)
    rating_results = _rating_field(SuccessFactor.RESULTS)
    rating_user_experience = _rating_field(SuccessFactor.USER_EXPERIENCE)

    class Meta:
        model = SelfAssessment
        fields = ["service", "period_start", "note"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for factor, rating in (self.instance.ratings or {}).items() if self.instance.pk else ():
            if f"rating_{factor}" in self.fields:
                self.fields[f"rating_{factor}"].initial = rating
        self.fields["period_start"].help_text = "The quarter's first day: 1 January, April, July or October."

    def ratings(self) -> dict[str, int]:
        return {factor.value: self.cleaned_data.get(f"rating_{factor.value}") for factor in SuccessFactor}

    def clean(self):
        cleaned = super().clean()
        for name, problems in self_assessment_problems(ratings=self.ratings(), note=cleaned.get("note", "")).items():
            field = f"rating_{name.split('.', 1)[1]}" if name.startswith("ratings.") else name
            for problem in problems:
                self.add_error(field if field in self.fields else None, problem)
        return cleaned


@admin.register(SelfAssessment)
class SelfAssessmentAdmin(admin.ModelAdmin):
    form = SelfAssessmentForm
    list_display = ["service", "period_start", "ratings_text", "by", "updated_at"]
    list_filter = ["service", "period_start"]
    list_select_related = ["service", "by"]

    def get_fields(self, request, obj=None):
        return ["service", "period_start", *(f"rating_{factor.value}" for factor in SuccessFactor), "note"]

    @admin.display(description="Ratings")
    def ratings_text(self, assessment: SelfAssessment) -> str:
        return ", ".join(f"{SuccessFactor(k).label} {v}" for k, v in assessment.ratings.items() if k in SuccessFactor)

    def save_model(self, request, obj, form, change) -> None:
        assessment, _ = self_assessment_record(
            service=form.cleaned_data["service"],
            quarter=form.cleaned_data["period_start"],
            ratings=form.ratings(),
            note=form.cleaned_data["note"],
            actor=request.user,
        )
        obj.pk, obj.period_start, obj.ratings, obj.by = (
            assessment.pk,
            assessment.period_start,
            assessment.ratings,
            assessment.by,
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, reason, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
