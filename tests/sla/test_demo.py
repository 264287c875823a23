"""The SLA part of the demo organisation: calendars, targets, history and live tickets."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.demo import load_demo
from catalog.models import Agreement, AgreementStatus, Lifecycle, Measure, Service, UrgencyTarget
from sla.demo import SAMPLE, load_targets
from sla.models import Calendar, Ticket
from sla.selectors import clocks_at_risk
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo_environment(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def test_the_demo_has_calendars_targets_history_and_live_tickets():
    call_command("load_demo", stdout=StringIO())
    assert set(Calendar.objects.values_list("slug", flat=True)) >= {"uk-office-hours", "24x7", "extended-hours"}
    # Every service the catalogue runs has its calendar; one that IT has only just proposed (added
    # from a unit's catalogue request) has none until it is designed.
    without = Service.objects.filter(support_calendar__isnull=True)
    assert not without.exclude(lifecycle=Lifecycle.PROPOSED).exists()
    assert without.filter(missing_service_requests__isnull=False).exists()
    in_force = Agreement.objects.filter(status=AgreementStatus.AGREED)
    assert in_force.exists()
    assert not in_force.filter(urgency_targets__isnull=True).exists()
    p1 = UrgencyTarget.objects.filter(priority=1, agreement__service__criticality=1).first()
    assert p1.calendar.slug == "24x7"
    if SAMPLE.exists():
        assert Ticket.objects.filter(source="servicenow").count() == 890
    assert Ticket.objects.filter(source="demo").count() == 60
    admin = f.admin_user()
    from django.utils import timezone

    assert clocks_at_risk(user=admin, now=timezone.now()).exists()

    from sla.models import Commitment, Renegotiation

    assert Commitment.objects.count() == 6
    assert set(Commitment.objects.values_list("outcome", flat=True)) == {"open", "delivered", "missed"}
    assert Renegotiation.objects.count() == 1

    from sla.models import MeasureEvaluation, Measurement

    assert Measurement.objects.filter(measure_key="orders-confirmed-within-a-minute").count() > 1000
    history = MeasureEvaluation.objects.filter(measure_key="online-shop-availability")
    assert history.count() >= 3  # past months evaluated, for trends and sparklines
    assert history.exclude(status="no_data").exists()

    from feedback.models import DiscoveredTopic, FollowUp, Invitation, Response, SelfAssessment, Theme

    assert Theme.objects.count() == 5
    assert Response.objects.filter(kind="event").count() > 200
    assert Response.objects.filter(kind="relationship").exists()
    assert set(FollowUp.objects.values_list("state", flat=True)) >= {"open", "closed"}
    assert SelfAssessment.objects.exists()
    assert DiscoveredTopic.objects.exists()  # password resets, VPN, printers: no theme catches them
    assert Invitation.objects.filter(kind="event").exists()  # the demo's resolved tickets are surveyed


def test_an_older_demo_database_gets_targets_through_a_revised_version():
    context = load_demo(
        password="x",
        loaders=[
            "catalog.demo.loaders.load_people",
            "catalog.demo.loaders.load_organisation",
            "catalog.demo.loaders.load_services",
            "sla.demo.load_calendars",
            "catalog.demo.loaders.load_agreements",
        ],
    )
    agreement = Agreement.objects.get(status=AgreementStatus.AGREED, service__name="Online shop")
    same = {"agreement__service": agreement.service, "agreement__business_unit": agreement.business_unit}
    UrgencyTarget.objects.filter(**same).delete()
    Measure.objects.filter(**same).delete()
    load_targets(context)
    revised = Agreement.objects.get(
        service=agreement.service, business_unit=agreement.business_unit, status=AgreementStatus.AGREED
    )
    assert revised.version == agreement.version + 1
    assert revised.urgency_targets.count() == 4
    assert revised.measures.filter(key="online-shop-availability").exists()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUPERSEDED
