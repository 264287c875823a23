"""The calendars business time is counted on.

Models hold data and database constraints; the clock itself is sla/business_time.py (pure),
the adapter from these rows to it is sla/calendars.py, writes are in sla/services/.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from sla import business_time
from sla.calendar_fields import (
    MinuteOfDayField,
    holiday_country_choices,
    holiday_subdivision_code,
    holiday_subdivision_hint,
    validate_time_zone,
)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Calendar(models.Model):
    """When the clock of an SLA runs: a time zone, weekly working hours and closed dates."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    time_zone = models.CharField(
        max_length=64,
        default="Europe/London",
        validators=[validate_time_zone],
        help_text="IANA time zone name, e.g. Europe/London, America/New_York, Asia/Kolkata.",
    )
    is_24x7 = models.BooleanField(
        "24x7",
        default=False,
        help_text="Every instant counts: no working hours, public holidays or closures apply.",
    )
    holiday_country = models.CharField(
        max_length=2,
        blank=True,
        choices=holiday_country_choices,
        help_text="Public holidays of this country close the calendar (from the holidays package).",
    )
    holiday_subdivision = models.CharField(
        max_length=10,
        blank=True,
        help_text="Optional region code whose holidays apply too, e.g. ENG, SCT, NIR for GB; CA, NY for US.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.holiday_country = (self.holiday_country or "").strip().upper()
        self.holiday_subdivision = holiday_subdivision_code(self.holiday_country, self.holiday_subdivision or "")
        if self.is_24x7 and (self.holiday_country or self.holiday_subdivision):
            raise ValidationError(
                {"holiday_country": "A 24x7 calendar counts every day; clear the holidays or untick 24x7."}
            )
        if self.holiday_subdivision and not self.holiday_country:
            raise ValidationError({"holiday_subdivision": "Choose the country of this subdivision."})
        if self.holiday_country:
            try:
                business_time.validate_holiday_region(self.holiday_country, "")
            except ValueError as error:
                raise ValidationError({"holiday_country": str(error)}) from None
            try:
                business_time.validate_holiday_region(self.holiday_country, self.holiday_subdivision)
            except ValueError:
                raise ValidationError(
                    {
                        "holiday_subdivision": f"Unknown subdivision {self.holiday_subdivision!r} for "
                        f"{self.holiday_country}; known: {holiday_subdivision_hint(self.holiday_country)}."
                    }
                ) from None


class WorkingInterval(models.Model):
    """Local working hours [start, end) on one weekday; end may be 24:00 (the end of the day)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="working_intervals")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = MinuteOfDayField(validators=[MinValueValidator(0), MaxValueValidator(1439)])
    end = MinuteOfDayField(validators=[MinValueValidator(1), MaxValueValidator(1440)])
    history = HistoricalRecords()

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="working_interval_weekday_range"),
            models.CheckConstraint(
                condition=Q(start__gte=0, end__lte=1440, start__lt=F("end")),
                name="working_interval_within_day",
                violation_error_message="An interval starts before it ends, within 00:00-24:00.",
            ),
            models.UniqueConstraint(fields=["calendar", "weekday", "start"], name="working_interval_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.hours}"

    @property
    def hours(self) -> str:
        return f"{business_time.format_clock(self.start * 60)}–{business_time.format_clock(self.end * 60)}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError(
                {
                    "end": "The end must be after the start. A shift across midnight is two intervals, "
                    "e.g. 22:00–24:00 and 00:00–06:00 on the next day."
                }
            )


class ClosureDate(models.Model):
    """An extra closed local date (besides public holidays), e.g. a company shutdown day."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    name = models.CharField(max_length=120, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="closure_date_unique")]

    def __str__(self) -> str:
        return f"{self.date:%a %d %b %Y}" + (f" ({self.name})" if self.name else "")
