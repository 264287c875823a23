"""Admin for calendars: working hours and closures as inlines, checked together before saving."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from sla import business_time
from sla.admin_commitments import CommitmentAdmin  # noqa: F401  (registers the commitments admin)
from sla.admin_integrations import IntegrationAdmin  # noqa: F401  (registers the integrations admin)
from sla.admin_operations import TicketAdmin  # noqa: F401  (registers tickets, alerts, measurements)
from sla.calendar_fields import holiday_subdivision_hint
from sla.calendars import (
    CALENDAR_SPEC_PREFETCH,
    calendar_spec,
    closed_dates_upcoming,
    week_summary,
    weekly_working_time,
)
from sla.models import Calendar, ClosureDate, WorkingInterval
from sla.notifications import admin as notifications_admin  # noqa: F401  (registers its model admins)
from sla.services.calendars import calendar_open_clocks_recompute

NOT_FOR_24X7 = "A 24x7 calendar counts every instant: remove its {what} or untick 24x7."


def _live_forms(formset: BaseInlineFormSet) -> list:
    return [form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


class WorkingIntervalFormSet(BaseInlineFormSet):
    """Intervals of one weekday must not overlap; a 24x7 calendar has none."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        forms = _live_forms(self)
        if forms and self.instance.is_24x7:
            raise ValidationError(NOT_FOR_24X7.format(what="working hours"))
        if not forms and not self.instance.is_24x7:
            raise ValidationError("Give the calendar working hours on at least one weekday, or tick 24x7.")
        by_weekday: dict[int, list[tuple[int, int]]] = {}
        for form in forms:
            data = form.cleaned_data
            if data.get("start") is None or data.get("end") is None or data.get("weekday") is None:
                continue
            by_weekday.setdefault(data["weekday"], []).append((data["start"] * 60, data["end"] * 60))
        problems = [
            f"{business_time.WEEKDAY_NAMES[weekday]}: {' '.join(business_time.interval_problems(intervals))}"
            for weekday, intervals in sorted(by_weekday.items())
            if business_time.interval_problems(intervals)
        ]
        if problems:
            raise ValidationError(problems)


class ClosureDateFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if not any(self.errors) and _live_forms(self) and self.instance.is_24x7:
            raise ValidationError(NOT_FOR_24X7.format(what="closures"))


class WorkingIntervalInline(admin.TabularInline):
    model = WorkingInterval
    formset = WorkingIntervalFormSet
    fields = ["weekday", "start", "end"]
    verbose_name = "working hours"
    verbose_name_plural = "Working hours (local time, HH:MM; 24:00 is the end of the day)"

    def get_extra(self, request, obj=None, **kwargs) -> int:
        return 5 if obj is None else 1


class ClosureDateInline(admin.TabularInline):
    model = ClosureDate
    formset = ClosureDateFormSet
    fields = ["date", "name"]
    extra = 1
    verbose_name_plural = "Extra closures (besides public holidays)"


@admin.register(Calendar)
class CalendarAdmin(SimpleHistoryAdmin):
    list_display = ["name", "hours", "time_zone", "holidays_display", "closure_count"]
    list_filter = ["is_24x7", "time_zone", "holiday_country"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["preview"]
    inlines = [WorkingIntervalInline, ClosureDateInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "time_zone", "is_24x7"]}),
        ("Public holidays", {"fields": ["holiday_country", "holiday_subdivision"]}),
        ("How the clock runs", {"fields": ["preview"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(*CALENDAR_SPEC_PREFETCH)
            .annotate(_closures=Count("closures"))
        )

    @admin.display(description="Working hours")
    def hours(self, calendar: Calendar) -> str:
        return week_summary(calendar_spec(calendar))

    @admin.display(description="Public holidays", ordering="holiday_country")
    def holidays_display(self, calendar: Calendar) -> str:
        if not calendar.holiday_country:
            return "–"
        return calendar.holiday_country + (f" / {calendar.holiday_subdivision}" if calendar.holiday_subdivision else "")

    @admin.display(description="Closures", ordering="_closures")
    def closure_count(self, calendar: Calendar) -> int:
        return calendar._closures

    @admin.display(description="Summary")
    def preview(self, calendar: Calendar) -> str:
        if calendar.pk is None:
            return "Shown once the calendar is saved."
        spec = calendar_spec(calendar)
        hours = weekly_working_time(spec)
        total = f"{int(hours.total_seconds() // 3600)}:{int(hours.total_seconds() % 3600 // 60):02d}"
        today = timezone.now().astimezone(spec.zone).date()
        names = {closure.date: closure.name for closure in calendar.closures.all()}
        upcoming = closed_dates_upcoming(spec, today=today, closure_names=names)
        closed = format_html_join(
            "", "<li>{} – {}</li>", ((f"{day:%a %d %b %Y}", name) for day, name in upcoming)
        ) or format_html("<li>{}</li>", "none in the next year")
        return format_html(
            "<p>{} ({} hours a week, {})</p><p>Next closed working days:</p><ul>{}</ul>",
            week_summary(spec),
            total,
            calendar.time_zone,
            closed,
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        country = obj.holiday_country if obj else ""
        if country and "holiday_subdivision" in form.base_fields:
            form.base_fields[
                "holiday_subdivision"
            ].help_text = f"Optional. For {country}: {holiday_subdivision_hint(country)}."
        return form

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # Other hours, closures, holidays or time zone: the open clocks counting in it follow.
        if change and (form.has_changed() or any(formset.has_changed() for formset in formsets)):
            calendar_open_clocks_recompute(calendar=form.instance)
