"""`manage.py load_demo`: a believable organisation, every agreement state, and a second
run that changes nothing."""

import stat
from collections import Counter, defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F, Q
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from catalog.demo import LOADERS, load_demo
from catalog.models import Agreement, AgreementStatus, BusinessUnit, Category, Lifecycle, Membership, Service

pytestmark = pytest.mark.django_db

PASSWORD = "demo-password-for-tests"


def _signs_in(username: str, password: str) -> bool:
    """As the sign-in page does: with a request, which the lockout backend (django-axes) needs."""
    request = RequestFactory().post(reverse("login"))
    return authenticate(request=request, username=username, password=password) is not None


@pytest.fixture(autouse=True)
def _demo_environment(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path  # never touch the real var/demo-password
    settings.DEBUG = True  # as under `make demo`; the test runner turns it off
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)


@pytest.fixture
def demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _row_counts() -> dict[str, int]:
    """Rows of every model of the project's apps and auth, history tables included."""
    labels = ("auth", "catalog", "sla", "feedback")
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in labels
    }


def test_the_organisation_has_enough_of_everything(demo):
    assert BusinessUnit.objects.count() >= 6
    assert Category.objects.count() >= 8
    assert Service.objects.count() >= 40
    payroll = Service.objects.get(name="Payroll")
    assert payroll.lifecycle == Lifecycle.LIVE
    assert set(Service.objects.values_list("lifecycle", flat=True)) == set(Lifecycle.values)
    assert set(Service.objects.values_list("criticality", flat=True)) == {1, 2, 3, 4}
    for unit in BusinessUnit.objects.all():
        assert Membership.objects.filter(business_unit=unit, is_representative=True).exists(), unit


def test_the_experience_behind_the_green_has_content(demo):
    """Lost time on most event answers, from the answering units; two services or more green
    outside and red inside, on the board (issue 11, section 8)."""
    from feedback.models import Response
    from sla.models import Alert

    event = Response.objects.filter(kind="event")
    assert event.exclude(lost_time="").count() > event.count() / 2
    assert event.filter(lost_time__in=["day", "more"]).exists()
    assert event.filter(business_unit__isnull=False).exclude(lost_time="").exists()
    flagged = Alert.objects.filter(kind="watermelon", state="open")
    assert flagged.values("service").distinct().count() >= 2


def test_services_are_described_in_business_language(demo):
    for service in Service.objects.select_related("service_owner", "category"):
        assert service.summary and service.keywords and service.how_to_request, service
        assert len(service.description.split("\n\n")) >= 2, f"{service}: one paragraph only"
        assert service.service_owner.groups.filter(name="Service owners").exists(), service
        if service.lifecycle != Lifecycle.RETIRED:
            assert service.annual_cost > 0 and service.cost_driver_list, service
            assert service.business_units.exists(), service
    every_unit_service = Service.objects.get(name="Email and calendars")
    assert every_unit_service.business_units.count() == BusinessUnit.objects.count()


def test_dependencies_form_no_cycle(demo):
    edges = defaultdict(set)
    for service in Service.objects.prefetch_related("depends_on"):
        edges[service.pk] = {d.pk for d in service.depends_on.all()}
    assert sum(len(targets) for targets in edges.values()) >= 40
    # Kahn's algorithm: every node is removed only if the graph is acyclic.
    incoming = Counter(target for targets in edges.values() for target in targets)
    ready = [node for node in edges if incoming[node] == 0]
    removed = 0
    while ready:
        node = ready.pop()
        removed += 1
        for target in edges[node]:
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    assert removed == len(edges)


def test_agreements_exist_in_every_state_with_the_right_signatures(demo):
    statuses = Counter(Agreement.objects.values_list("status", flat=True))
    assert set(statuses) == set(AgreementStatus.values)
    one_signature = Agreement.objects.filter(status=AgreementStatus.PROPOSED).filter(
        Q(it_signed_by__isnull=True, business_signed_by__isnull=False)
        | Q(it_signed_by__isnull=False, business_signed_by__isnull=True)
    )
    assert one_signature.exists()
    for agreement in Agreement.objects.filter(status__in=[AgreementStatus.AGREED, AgreementStatus.SUPERSEDED]):
        assert agreement.it_signed_by_id == agreement.service.service_owner_id
        if agreement.business_unit_id is None:
            assert agreement.business_signed_by_id == agreement.service.business_owner_id
        else:
            assert Membership.objects.filter(
                user_id=agreement.business_signed_by_id, business_unit=agreement.business_unit, is_representative=True
            ).exists()
    for superseded in Agreement.objects.filter(status=AgreementStatus.SUPERSEDED):
        assert superseded.superseded_by.status in (AgreementStatus.AGREED, AgreementStatus.WITHDRAWN)
        assert superseded.superseded_by.version > superseded.version


def test_dates_are_around_today_and_no_event_is_in_the_future(demo):
    today, now = timezone.localdate(), timezone.now()
    soon = Agreement.objects.filter(
        status=AgreementStatus.AGREED, review_by__gte=today, review_by__lte=today + timedelta(days=30)
    )
    assert soon.count() >= 2
    assert Agreement.objects.filter(status=AgreementStatus.AGREED, review_by__gt=today + timedelta(days=30)).exists()
    for agreement in Agreement.objects.all():
        moments = [
            agreement.created_at,
            agreement.proposed_at,
            agreement.it_signed_at,
            agreement.business_signed_at,
            agreement.agreed_at,
            agreement.superseded_at,
            agreement.withdrawn_at,
        ]
        assert all(moment <= now for moment in moments if moment), agreement
        if agreement.agreed_at:
            assert agreement.created_at < agreement.proposed_at < agreement.agreed_at, agreement


def test_a_second_run_changes_nothing(demo):
    before = _row_counts()
    services_before = dict(Service.objects.values_list("slug", "updated_at"))
    agreements_before = dict(Agreement.objects.values_list("pk", "updated_at"))

    out = StringIO()
    call_command("load_demo", stdout=out)

    assert _row_counts() == before
    assert dict(Service.objects.values_list("slug", "updated_at")) == services_before
    assert dict(Agreement.objects.values_list("pk", "updated_at")) == agreements_before
    assert "this run created nothing; updated nothing" in out.getvalue()


def test_the_admin_shows_the_demo(demo, client):
    client.force_login(get_user_model().objects.get(username="admin"))
    payroll = Service.objects.get(name="Payroll")
    for url in (
        reverse("admin:catalog_service_changelist"),
        reverse("admin:catalog_agreement_changelist"),
        reverse("admin:catalog_agreement_changelist") + "?review=30",
        reverse("admin:catalog_businessunit_changelist"),
        reverse("admin:catalog_service_change", args=[payroll.pk]),
        reverse("admin:catalog_service_history", args=[payroll.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_a_service_edited_since_is_put_back_by_the_next_run(demo):
    payroll = Service.objects.get(name="Payroll")
    Service.objects.filter(pk=payroll.pk).update(summary="Changed by someone")
    call_command("load_demo", stdout=StringIO())
    payroll.refresh_from_db()
    assert payroll.summary != "Changed by someone"
    assert Service.objects.filter(name="Payroll").count() == 1


def test_every_demo_user_signs_in_with_the_demo_password_and_the_output_says_so(demo):
    User = get_user_model()
    assert User.objects.get(username="admin").is_superuser
    for username in ("admin", "owen.davies", "margaret.hughes", "kwame.mensah"):
        assert _signs_in(username, PASSWORD), username
    assert User.objects.filter(email__endswith="@harbourside.example").count() >= 20
    lines = demo.splitlines()
    assert any(line.split()[:1] == ["admin"] and line.split()[-1] == PASSWORD for line in lines)
    assert "username" in demo and "role" in demo


def test_without_demo_password_one_is_generated_once_and_kept(settings, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD")
    call_command("load_demo", stdout=StringIO())
    kept = settings.VAR_DIR / "demo-password"
    password = kept.read_text().strip()
    assert len(password) >= 12
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert _signs_in("priya.shah", password)

    out = StringIO()
    call_command("load_demo", stdout=out)
    assert kept.read_text().strip() == password
    assert password in out.getvalue()


def test_a_failing_loader_leaves_nothing_behind():
    before = _row_counts()
    with pytest.raises(RuntimeError, match="boom"):
        load_demo(password=PASSWORD, loaders=[*LOADERS, "tests.catalog.test_load_demo.failing_loader"])
    assert _row_counts() == before


def failing_loader(context):
    assert context.services["Payroll"].pk is not None  # the loaders before it ran
    raise RuntimeError("boom")


def test_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG on"):
        call_command("load_demo", stdout=StringIO())
    assert not Service.objects.exists()
    call_command("load_demo", "--force", verbosity=0)
    assert Service.objects.filter(name="Payroll").exists()


def test_every_unit_marks_its_services_and_the_lists_differ_both_ways(demo):
    """Issue 11 §5: each unit's own list beside IT's, with differences in both directions, and a
    history of the share of agreement for the chart."""
    from catalog.alignment.models import AlignmentSnapshot, ServiceMark

    units = list(BusinessUnit.objects.all())
    for unit in units:
        assert ServiceMark.objects.filter(business_unit=unit).count() >= 3, unit
    marked_not_listed = ServiceMark.objects.exclude(service__business_units=F("business_unit"))
    assert marked_not_listed.exists()  # the unit believes it receives what IT does not list for it
    latest = AlignmentSnapshot.objects.filter(day=AlignmentSnapshot.objects.latest("day").day)
    assert latest.count() == len(units)
    assert latest.filter(it_only__gt=0).exists() and latest.filter(unit_only__gt=0).exists()
    days = AlignmentSnapshot.objects.filter(business_unit=units[0]).values_list("day", flat=True)
    assert len(set(days)) >= 30  # enough points for a trend
    shares = list(
        AlignmentSnapshot.objects.filter(business_unit=units[0]).order_by("day").values_list("share", flat=True)
    )
    assert len(set(shares)) > 1  # a trend, not a flat line


def test_missing_service_requests_are_seeded_in_every_state(demo):
    from catalog.alignment.models import MissingServiceRequest, RequestState
    from sla.models import Alert

    requests = MissingServiceRequest.objects.all()
    assert set(requests.values_list("state", flat=True)) == set(RequestState.values)
    added = requests.get(state=RequestState.ADDED)
    assert added.service.lifecycle == Lifecycle.PROPOSED
    assert requests.filter(state=RequestState.EXISTS, service__isnull=False).exists()
    assert requests.filter(state=RequestState.DECLINED).exclude(answer="").exists()
    assert requests.filter(state=RequestState.WITHDRAWN, withdrawn_at__isnull=False).exists()
    overdue = Alert.objects.filter(kind="alignment_request_overdue", state="open")
    assert overdue.exists() and requests.filter(state=RequestState.OPEN).count() > overdue.count()
    assert all(request.owner_id for request in requests)


def test_cost_drivers_are_seeded_under_each_allocation_rule(demo):
    from catalog.costs.models import AllocationRule, CostDriver, ServiceCost

    for rule in AllocationRule.values:
        costs = ServiceCost.objects.filter(allocation_rule=rule)
        assert CostDriver.objects.filter(service_cost__in=costs, amount__gt=0).exists(), rule
    assert CostDriver.objects.exclude(unit_of_measure="").filter(quantity__gt=0).exists()
    assert BusinessUnit.objects.filter(headcount__gt=0).count() == BusinessUnit.objects.count()


def test_review_actions_are_seeded_in_every_status_with_one_overdue(demo):
    from portal.reviews.models import ActionStatus, ReviewAction

    actions = ReviewAction.objects.select_related("review")
    assert set(actions.values_list("status", flat=True)) == set(ActionStatus.values)
    assert actions.filter(status=ActionStatus.OPEN, due_on__lt=timezone.localdate()).exists()
    assert not actions.filter(status=ActionStatus.OPEN, closed_on__isnull=False).exists()
    assert not actions.exclude(status=ActionStatus.OPEN).filter(closed_on__isnull=True).exists()
    assert actions.filter(review__service__isnull=False).exists()
    assert actions.filter(review__business_unit__isnull=False).exists()
