"""Services exported to CSV and imported back (catalog/resources.py, admin import/export)."""

import csv
import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import Service
from catalog.resources import ServiceResource
from tests.factories import BusinessUnitFactory, CategoryFactory, ServiceFactory, UserFactory, service_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    finance = BusinessUnitFactory(name="Finance", slug="finance")
    sales = BusinessUnitFactory(name="Sales", slug="sales")
    category = CategoryFactory(name="Finance applications", slug="finance-apps")
    owner = service_owner(username="helen.carter")
    payroll = ServiceFactory(
        name="Payroll",
        slug="payroll",
        category=category,
        service_owner=owner,
        business_owner=UserFactory(username="daniel.price"),
        business_units=[finance, sales],
        description='Pays everyone.\n\nOn the **last** working day, with commas, and "quotes".',
        cost_drivers="Licences\nSupport contract",
        keywords="salary, payslip",
        annual_cost="184000.50",
        criticality=1,
    )
    expenses = ServiceFactory(name="Expenses", slug="expenses", category=category, business_owner=None)
    return {"finance": finance, "sales": sales, "category": category, "owner": owner, "services": [payroll, expenses]}


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _import(text: str, dry_run: bool = False):
    return ServiceResource().import_data(tablib.Dataset().load(text, format="csv"), dry_run=dry_run)


def test_export_names_related_things_by_slug_and_username(catalogue):
    rows = {row["slug"]: row for row in _rows(ServiceResource().export().csv)}
    payroll = rows["payroll"]
    assert payroll["category"] == "finance-apps"
    assert payroll["service_owner"] == "helen.carter"
    assert payroll["business_owner"] == "daniel.price"
    assert payroll["business_units"] == "finance, sales"
    assert payroll["criticality"] == "1"
    assert payroll["annual_cost"] == "184000.50"
    assert rows["expenses"]["business_owner"] == ""
    assert "id" not in payroll


def test_reimporting_an_export_changes_nothing(catalogue):
    exported = ServiceResource().export().csv
    before = {s.slug: (s.updated_at, s.history.count()) for s in Service.objects.all()}
    result = _import(exported)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 2
    after = {s.slug: (s.updated_at, s.history.count()) for s in Service.objects.all()}
    assert after == before


def test_an_edited_export_updates_and_creates_services(catalogue):
    rows = _rows(ServiceResource().export().csv)
    rows[0]["summary"] = "Pays staff on the last working day."
    rows[0]["business_units"] = "sales"
    rows.append(
        {
            **rows[1],
            "name": "Purchase to pay",
            "slug": "",
            "category": "Finance applications",  # by name this time
            "lifecycle": "Proposed",  # labels work too
            "criticality": "Tier 2",
        }
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)

    result = _import(out.getvalue())

    assert not result.has_errors() and not result.has_validation_errors()
    assert (result.totals["update"], result.totals["new"]) == (1, 1)
    changed = Service.objects.get(slug=rows[0]["slug"])
    assert changed.summary == "Pays staff on the last working day."
    assert [u.slug for u in changed.business_units.all()] == ["sales"]
    created = Service.objects.get(slug="purchase-to-pay")
    assert created.category == catalogue["category"]
    assert (created.lifecycle, created.criticality) == ("proposed", 2)


def test_an_excel_export_imports_back_unchanged(catalogue):
    workbook = ServiceResource().export().xlsx
    before = {s.slug: s.updated_at for s in Service.objects.all()}
    result = ServiceResource().import_data(tablib.Dataset().load(workbook, format="xlsx"))
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 2
    assert {s.slug: s.updated_at for s in Service.objects.all()} == before


BAD_ROWS = [
    ("category", "no-such-category", "Unknown category “no-such-category”"),
    ("criticality", "7", "Value 7 is not a valid choice."),
    ("criticality", "urgent", "Criticality must be a tier from 1 (business critical) to 4, not “urgent”."),
    ("business_units", "finance, atlantis", "Unknown business units: atlantis."),
    ("service_owner", "nobody", "No user with username “nobody”."),
    ("lifecycle", "forever", "Value 'forever' is not a valid choice."),
    ("summary", "", "This field cannot be blank."),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_ROWS)
def test_a_bad_row_is_reported_and_nothing_is_written(catalogue, column, value, message):
    rows = _rows(ServiceResource().export().csv)
    good_new = {**rows[0], "name": "Budgeting", "slug": "budgeting", "summary": "Plans next year."}
    bad_new = {**rows[0], "name": "Treasury", "slug": "treasury", column: value}
    rows[1]["summary"] = "An update that must not survive the bad row."
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows([good_new, rows[1], bad_new])

    result = _import(out.getvalue())

    assert result.has_validation_errors()
    (invalid,) = result.invalid_rows
    assert invalid.number == 3
    assert message in str(invalid.error_dict)
    assert sorted(Service.objects.values_list("slug", flat=True)) == ["expenses", "payroll"]
    assert Service.objects.get(slug=rows[1]["slug"]).summary != "An update that must not survive the bad row."


# --- Through the admin ----------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_importing_takes_the_rights_to_add_and_change_services(client, catalogue):
    staff_owner = service_owner(username="staff.owner", is_staff=True)
    client.force_login(staff_owner)
    assert client.get(reverse("admin:catalog_service_import")).status_code == 403
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:catalog_service_import")).status_code == 200


def test_admin_exports_services_as_csv(admin_client, catalogue):
    fields = [f for f in ServiceResource._meta.fields]
    data = {"format": "0", "resource": "0", **{f"serviceresource_{f}": "on" for f in fields}}
    response = admin_client.post(reverse("admin:catalog_service_export"), data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _rows(response.content.decode("utf-8-sig"))
    assert {row["slug"] for row in rows} == {"payroll", "expenses"}


def test_admin_import_with_a_bad_row_shows_the_error_and_offers_no_confirmation(admin_client, catalogue):
    rows = _rows(ServiceResource().export().csv)
    rows.append({**rows[0], "name": "Treasury", "slug": "treasury", "category": "nowhere"})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = SimpleUploadedFile("services.csv", out.getvalue().encode(), content_type="text/csv")

    response = admin_client.post(
        reverse("admin:catalog_service_import"), {"import_file": upload, "format": "0", "resource": "0"}
    )

    assert response.status_code == 200
    assert "Unknown category “nowhere”" in response.content.decode()
    assert "confirm_form" not in response.context
    assert not Service.objects.filter(slug="treasury").exists()


def test_admin_import_previews_then_writes_on_confirmation(admin_client, catalogue):
    rows = _rows(ServiceResource().export().csv)
    rows[0]["summary"] = "Confirmed change."
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = SimpleUploadedFile("services.csv", out.getvalue().encode(), content_type="text/csv")

    preview = admin_client.post(
        reverse("admin:catalog_service_import"), {"import_file": upload, "format": "0", "resource": "0"}
    )
    assert preview.status_code == 200
    assert Service.objects.get(slug=rows[0]["slug"]).summary != "Confirmed change."  # dry run only

    confirm = preview.context["confirm_form"].initial
    done = admin_client.post(reverse("admin:catalog_service_process_import"), confirm)
    assert done.status_code == 302
    assert Service.objects.get(slug=rows[0]["slug"]).summary == "Confirmed change."
