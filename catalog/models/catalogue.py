"""The catalogue: business units and their people, categories, services and dependencies."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords


class BusinessUnit(models.Model):
    """A business customer of IT: a department, a region, a group of offices."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    headcount = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(10_000_000)],
        help_text="People in the unit, for sharing costs by headcount. Blank: its members in Accord are counted.",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="business_units", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person in a business unit; representatives sign agreements for it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    business_unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="memberships")
    is_representative = models.BooleanField(
        default=False, help_text="May sign agreements on behalf of this business unit."
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "business_unit"], name="membership_unique")]

    def __str__(self) -> str:
        role = "representative" if self.is_representative else "member"
        return f"{self.user} ({role} of {self.business_unit})"


class Category(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the catalogue home page.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portal:category", kwargs={"slug": self.slug})


class Lifecycle(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    LIVE = "live", "Live"
    RETIRING = "retiring", "Retiring"
    RETIRED = "retired", "Retired"


class Criticality(models.IntegerChoices):
    TIER_1 = 1, "Tier 1 – business critical"
    TIER_2 = 2, "Tier 2 – important"
    TIER_3 = 3, "Tier 3 – standard"
    TIER_4 = 4, "Tier 4 – low"


class Service(models.Model):
    """A service IT provides, described in the business's own words."""

    name = models.CharField(max_length=160, unique=True)
    slug = models.SlugField(max_length=160, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="services")
    summary = models.CharField(max_length=240, help_text="One line, in business language.")
    description = models.TextField(blank=True, help_text="Markdown.")
    how_to_request = models.TextField(blank=True, help_text="Markdown.")
    business_units = models.ManyToManyField(BusinessUnit, related_name="services", blank=True)
    service_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_services",
        help_text="IT: answers for the service and signs its agreements.",
    )
    business_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="business_owned_services",
        help_text="Business side: speaks for the people who use it.",
    )
    lifecycle = models.CharField(max_length=12, choices=Lifecycle.choices, default=Lifecycle.PROPOSED)
    criticality = models.PositiveSmallIntegerField(
        choices=Criticality.choices,
        default=Criticality.TIER_3,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    annual_cost = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text="Annual cost of provision.",
    )
    cost_drivers = models.TextField(blank=True, help_text="The main drivers of the cost, one per line.")
    depends_on = models.ManyToManyField(
        "self",
        through="ServiceDependency",
        symmetrical=False,
        related_name="dependents",
        blank=True,
    )
    keywords = models.CharField(max_length=400, blank=True, help_text="Comma-separated search words.")
    support_calendar = models.ForeignKey(
        "sla.Calendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
        help_text="The hours in which the service is supported; targets count in it unless they name another.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[business_units])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(criticality__gte=1, criticality__lte=4), name="service_criticality_1_4"),
            models.CheckConstraint(condition=Q(annual_cost__gte=0), name="service_annual_cost_not_negative"),
            models.CheckConstraint(condition=Q(lifecycle__in=Lifecycle.values), name="service_lifecycle_known"),
        ]
        indexes = [models.Index(fields=["lifecycle", "category"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portal:service", kwargs={"slug": self.slug})

    @property
    def keyword_list(self) -> list[str]:
        return keywords_split(self.keywords)

    @property
    def cost_driver_list(self) -> list[str]:
        return cost_drivers_split(self.cost_drivers)


def keywords_split(keywords: str) -> list[str]:
    return [k.strip() for k in keywords.split(",") if k.strip()]


def cost_drivers_split(cost_drivers: str) -> list[str]:
    return [line.strip(" -*\t") for line in cost_drivers.splitlines() if line.strip(" -*\t")]


class ServiceDependency(models.Model):
    """`service` needs `depends_on` to work. Cycles are refused by services.py."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="dependency_links")
    depends_on = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="dependent_links")
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "service dependencies"
        constraints = [
            models.UniqueConstraint(fields=["service", "depends_on"], name="service_dependency_unique"),
            models.CheckConstraint(condition=~Q(service=F("depends_on")), name="service_dependency_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.service} → {self.depends_on}"
