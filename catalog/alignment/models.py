"""Catalogue alignment: a unit's marks (the services it believes it receives), its requests for
what the catalogue lacks (IT's answer to each), and a daily history of how far the two lists agree.

Models hold data and database constraints only; writes are in services.py, reads in selectors.py,
who may do what in catalog/rules.py."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

MAX_COST = Decimal("9999999999.99")  # fits max_digits=12, decimal_places=2
MAX_USERS = 10_000_000


class RequestSource(models.TextChoices):
    UNLISTED = "unlisted", "IT provides it, but the catalogue does not list it"
    BOUGHT = "bought", "We buy it around IT (e.g. a SaaS tool paid by card)"
    RUN = "run", "We run it ourselves (e.g. a spreadsheet someone maintains)"


class RequestState(models.TextChoices):
    OPEN = "open", "Awaiting IT's answer"
    ADDED = "added", "Added to the catalogue"
    EXISTS = "exists", "Already in the catalogue"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn by the unit"


ANSWERED_STATES = (RequestState.ADDED, RequestState.EXISTS, RequestState.DECLINED)


class RequestEventKind(models.TextChoices):
    EDITED = "edited", "Edited by the unit"
    WITHDRAWN = "withdrawn", "Withdrawn by the unit"
    ASSIGNED = "assigned", "Given to another IT owner"
    ANSWERED = "answered", "Answered by IT"
    CORRECTED = "corrected", "Answer corrected by IT"


class ServiceMark(models.Model):
    """A business unit says it receives this service (its own list, beside IT's)."""

    business_unit = models.ForeignKey("catalog.BusinessUnit", on_delete=models.CASCADE, related_name="service_marks")
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="unit_marks")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    marked_at = models.DateTimeField()

    class Meta:
        app_label = "catalog"
        constraints = [
            models.UniqueConstraint(fields=["business_unit", "service"], name="service_mark_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.business_unit} receives {self.service}"


class MissingServiceRequest(models.Model):
    """Something a unit relies on that the catalogue lacks, and IT's answer: add it (a proposed
    service, linked), say where it already lives (the service, linked), or decline with a reason."""

    business_unit = models.ForeignKey(
        "catalog.BusinessUnit", on_delete=models.CASCADE, related_name="missing_service_requests"
    )
    title = models.CharField(max_length=160, help_text="What the unit relies on, in its own words.")
    description = models.TextField(blank=True, help_text="What it is used for, by whom, how.")
    source = models.CharField(max_length=12, choices=RequestSource.choices, default=RequestSource.UNLISTED)
    annual_cost = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_COST)],
        help_text="What it costs the unit a year, if known.",
    )
    users_affected = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_USERS)], help_text="How many people rely on it."
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="owned_missing_service_requests",
        help_text="IT: who answers the request.",
    )
    state = models.CharField(max_length=10, choices=RequestState.choices, default=RequestState.OPEN)
    answer = models.TextField(blank=True, help_text="IT's explanation or reason.")
    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="missing_service_requests",
        help_text="The service added for it, or where it already lives.",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True, help_text="When the unit withdrew it, unanswered.")

    class Meta:
        app_label = "catalog"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=RequestState.values), name="missing_service_state_known"),
            models.CheckConstraint(condition=Q(source__in=RequestSource.values), name="missing_service_source_known"),
            models.CheckConstraint(
                condition=Q(state__in=(RequestState.OPEN, RequestState.WITHDRAWN), answered_at__isnull=True)
                | (Q(state__in=ANSWERED_STATES) & Q(answered_at__isnull=False)),
                name="missing_service_answered_when_answered",
            ),
            models.CheckConstraint(
                condition=Q(state=RequestState.WITHDRAWN, withdrawn_at__isnull=False)
                | (~Q(state=RequestState.WITHDRAWN) & Q(withdrawn_at__isnull=True)),
                name="missing_service_withdrawn_when_withdrawn",
            ),
            models.CheckConstraint(
                condition=~Q(state=RequestState.DECLINED) | ~Q(answer=""),
                name="missing_service_declined_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(annual_cost__isnull=True) | Q(annual_cost__gte=0),
                name="missing_service_cost_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["state", "requested_at"]), models.Index(fields=["business_unit", "state"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.business_unit})"


class MissingServiceRequestEvent(models.Model):
    """One change to a request, for its history: the unit edited or withdrew it, IT gave it to
    someone else, answered it or corrected its answer. Written by the service that made the
    change, in the same transaction. `changes` maps a field to [before, after] as shown to people."""

    request = models.ForeignKey(MissingServiceRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=RequestEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True, help_text="Why, in a few words.")
    changes = models.JSONField(default=dict, blank=True)
    marked_service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="An answer that marked this service for the unit (undone if the answer is corrected).",
    )

    class Meta:
        app_label = "catalog"
        ordering = ["request", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RequestEventKind.values), name="missing_service_event_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request}: {self.get_kind_display()} at {self.at}"


class AlignmentSnapshot(models.Model):
    """How far a unit's list and IT's agreed on a day: written at every change and by the daily
    pass, one row per unit and day (the last of the day wins), so the share has a history."""

    business_unit = models.ForeignKey(
        "catalog.BusinessUnit", on_delete=models.CASCADE, related_name="alignment_snapshots"
    )
    day = models.DateField()
    agreed = models.PositiveIntegerField(help_text="Services on both lists.")
    it_only = models.PositiveIntegerField(help_text="Services IT lists for the unit that the unit did not mark.")
    unit_only = models.PositiveIntegerField(help_text="Services the unit marked that IT does not list for it.")
    open_requests = models.PositiveIntegerField(help_text="What the unit relies on and IT has not answered yet.")
    share = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        null=True,
        help_text="agreed / (agreed + every difference); empty when neither side lists anything.",
    )
    recorded_at = models.DateTimeField()

    class Meta:
        app_label = "catalog"
        ordering = ["business_unit", "day"]
        constraints = [
            models.UniqueConstraint(fields=["business_unit", "day"], name="alignment_snapshot_one_a_day"),
            models.CheckConstraint(
                condition=Q(share__isnull=True) | Q(share__gte=0, share__lte=1), name="alignment_snapshot_share_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_unit} on {self.day}: {self.share}"
