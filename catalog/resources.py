"""Import and export of services (django-import-export), for the admin.

A file names things the way people do: a category by slug or name, owners by username,
business units by a comma-separated list of slugs. Every row is validated like a form
(model full_clean plus the lookups here); a file with any bad row writes nothing, and
the admin shows each row's problems before anything is confirmed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.text import slugify
from import_export import fields, resources
from import_export.widgets import CharWidget, ForeignKeyWidget, ManyToManyWidget, Widget

from catalog.models import BusinessUnit, Category, Criticality, Lifecycle, Service

User = get_user_model()


class CategoryWidget(ForeignKeyWidget):
    """Exports the slug; imports a slug or a name, in any case."""

    def __init__(self) -> None:
        super().__init__(Category, field="slug")

    def clean(self, value, row=None, **kwargs) -> Category | None:
        text = str(value or "").strip()
        if not text:
            return None
        category = Category.objects.filter(Q(slug__iexact=text) | Q(name__iexact=text)).first()
        if category is None:
            raise ValueError(f"Unknown category “{text}”: give the slug or the name of an existing category.")
        return category


class UsernameWidget(ForeignKeyWidget):
    def __init__(self) -> None:
        super().__init__(User, field=User.USERNAME_FIELD)

    def clean(self, value, row=None, **kwargs):
        username = str(value or "").strip()
        if not username:
            return None
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            raise ValueError(f"No user with username “{username}”.")
        return user


class BusinessUnitsWidget(ManyToManyWidget):
    """Business units as a comma-separated list of slugs; every slug must exist."""

    def __init__(self) -> None:
        super().__init__(BusinessUnit, separator=",", field="slug")

    def clean(self, value, row=None, **kwargs):
        slugs = [part.strip() for part in str(value or "").split(self.separator) if part.strip()]
        units = list(BusinessUnit.objects.filter(slug__in=slugs))
        unknown = sorted(set(slugs) - {unit.slug for unit in units})
        if unknown:
            raise ValueError(f"Unknown business units: {', '.join(unknown)}.")
        return units

    def render(self, value, obj=None, **kwargs) -> str:
        if value is None:
            return ""
        return ", ".join(sorted(unit.slug for unit in value.all()))


class LifecycleWidget(CharWidget):
    """The stored value ("live") or its label, in any case."""

    def clean(self, value, row=None, **kwargs) -> str:
        text = str(value or "").strip()
        by_label = {label.lower(): key for key, label in Lifecycle.choices}
        return by_label.get(text.lower(), text.lower())


class CriticalityWidget(Widget):
    def clean(self, value, row=None, **kwargs) -> int | None:
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        for key, label in Criticality.choices:
            if text.lower() in (str(key), label.lower(), f"tier {key}"):
                return key
        try:
            return int(float(text))  # spreadsheets may hand over 2.0; full_clean checks 1-4
        except ValueError:
            raise ValueError(f"Criticality must be a tier from 1 (business critical) to 4, not “{text}”.") from None

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else str(value)


class MoneyWidget(Widget):
    def clean(self, value, row=None, **kwargs) -> Decimal | None:
        text = str(value if value is not None else "").strip().replace(",", "").lstrip("£€$")
        if not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValueError(f"Annual cost must be an amount such as 12500.00, not “{value}”.") from None

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else f"{value:.2f}"


class ServiceResource(resources.ModelResource):
    category = fields.Field(attribute="category", column_name="category", widget=CategoryWidget())
    service_owner = fields.Field(attribute="service_owner", column_name="service_owner", widget=UsernameWidget())
    business_owner = fields.Field(attribute="business_owner", column_name="business_owner", widget=UsernameWidget())
    lifecycle = fields.Field(attribute="lifecycle", column_name="lifecycle", widget=LifecycleWidget())
    criticality = fields.Field(attribute="criticality", column_name="criticality", widget=CriticalityWidget())
    # Exported to read; an import leaves them alone: they follow the service's cost drivers
    # (catalog.costs.services.service_cost_set), set on its cost page, the costs API or the admin.
    annual_cost = fields.Field(attribute="annual_cost", column_name="annual_cost", widget=MoneyWidget(), readonly=True)
    cost_drivers = fields.Field(attribute="cost_drivers", column_name="cost_drivers", readonly=True)
    business_units = fields.Field(
        attribute="business_units", column_name="business_units", widget=BusinessUnitsWidget()
    )

    class Meta:
        model = Service
        import_id_fields = ("slug",)
        fields = (
            "name",
            "slug",
            "category",
            "summary",
            "description",
            "how_to_request",
            "service_owner",
            "business_owner",
            "business_units",
            "lifecycle",
            "criticality",
            "annual_cost",
            "cost_drivers",
            "keywords",
        )
        export_order = fields
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def import_data(self, dataset, **kwargs):
        # All or nothing: a row that fails validation rolls back the rows before it too.
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().import_data(dataset, **kwargs)

    def get_queryset(self):
        return Service.objects.select_related("category", "service_owner", "business_owner").prefetch_related(
            "business_units"
        )

    def before_import(self, dataset, **kwargs) -> None:
        # A new service may come without a slug: it is made from the name, as in the admin.
        if "slug" not in dataset.headers and "name" in dataset.headers:
            dataset.append_col([slugify(name or "") for name in dataset["name"]], header="slug")

    def before_import_row(self, row, **kwargs) -> None:
        # Empty spreadsheet cells arrive as None, empty CSV cells as "": treat them alike.
        for column, value in row.items():
            if value is None:
                row[column] = ""
        if not (row.get("slug") or "").strip() and row.get("name"):
            row["slug"] = slugify(row["name"])[:160]

    def import_instance(self, instance, row, **kwargs) -> None:
        """Also check the many-to-many columns now: the library writes them after the
        row is saved, and a bad slug must stop the row before anything is written."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self.get_import_fields():
            if isinstance(field.widget, ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as exc:
                    errors[field.attribute] = [ValidationError(str(exc), code="invalid")]
        if errors:
            raise ValidationError(errors)
