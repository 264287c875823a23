"""The admin of data points and their corrections: a point shows its history, the corrections
are listed read-only with filters, and the admin deletes no point (removal goes through
sla.services.measurement_remove, with a reason, from the portal or the API)."""

from django.urls import reverse

from sla.models import MeasurementCorrection
from tests import factories as f
from tests.sla.test_measurement_corrections import correct, remove
from tests.sla.test_measurement_corrections import payslips as payslips  # the fixtures: Payslips on time,
from tests.sla.test_measurement_corrections import stored as stored  # and a point of it, p-1 at 97.5


def test_the_admin_shows_corrections_and_deletes_no_point(sla, stored, client):
    correct(stored, 99, sla["owner"])
    client.force_login(f.UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:sla_measurement_change", args=[stored.pk]))
    assert page.status_code == 200
    assert b"Typed 97.5 for 99." in page.content  # the inline history
    assert reverse("admin:sla_measurement_delete", args=[stored.pk]).encode() not in page.content
    assert client.get(reverse("admin:sla_measurement_delete", args=[stored.pk])).status_code == 403
    listing = client.get(reverse("admin:sla_measurement_changelist"))
    assert f'href="/services/payroll/measurements/{stored.pk}/correct/"'.encode() in listing.content
    assert b'value="delete_selected"' not in listing.content
    remove(stored, sla["owner"])
    for query in ("", "?change=removed", "?change=corrected"):
        listing = client.get(reverse("admin:sla_measurementcorrection_changelist") + query)
        assert listing.status_code == 200
    assert b"Sent twice under two ids." in client.get(reverse("admin:sla_measurementcorrection_changelist")).content
    correction = MeasurementCorrection.objects.first()
    assert client.get(reverse("admin:sla_measurementcorrection_change", args=[correction.pk])).status_code == 200
    assert client.get(reverse("admin:sla_measurementcorrection_delete", args=[correction.pk])).status_code == 403
