"""A home for each person: the signed-in landing page. Business people see their units' services
with the six lights, what is at risk, agreements awaiting their signature, surveys waiting for
them and their units' feedback; service owners their services, drafts and flagged measures;
admins the whole catalogue; anonymous visitors the catalogue as before."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Measure
from feedback.models import Invitation, InvitationStatus, Response
from sla.models import Alert, MeasureEvaluation, Ticket
from tests import factories as f
from tests.catalog.helpers import agreed, draft, proposed
from tests.portal.helpers import page_text

pytestmark = pytest.mark.django_db
# The service owner's home: session, user, memberships, is-an-owner, services, board, lights (2),
# watermelons, agreements, surveys, feedback, follow-ups, flagged measures (3). Measured 16 on SQLite
# and PostgreSQL; the same with ten more services (test below).
OWNER_HOME_QUERIES = 16


@pytest.fixture
def org():
    now = timezone.now()
    finance = f.BusinessUnitFactory(name="Finance", slug="finance")
    owner = f.service_owner(username="owner", email="owner@example.com")
    rep = f.representative(finance, username="rep", email="rep@example.com")
    payroll = f.ServiceFactory(
        name="Payroll", slug="payroll", criticality=1, service_owner=owner, business_units=[finance]
    )
    f.ServiceFactory(name="Elsewhere", slug="elsewhere")
    in_force = agreed(service=payroll, business_unit=finance)
    measure = Measure.objects.create(
        agreement=in_force, key="payslips", name="Payslips on time", description="Rent.", factor="results", target=95
    )
    MeasureEvaluation.objects.create(
        measure=measure,
        service=payroll,
        measure_key="payslips",
        period_start=now - timedelta(days=1),
        period_end=now + timedelta(days=1),
        status="at_risk",
        volume=4,
        computed_at=now,
    )
    Alert.objects.create(
        key="m", kind="measure_at_risk", subject="Payslips on time at risk", service=payroll, opened_at=now
    )
    next_version = proposed(service=payroll, business_unit=None)
    Invitation.objects.create(
        kind="event",
        service=payroll,
        email="rep@example.com",
        nonce="n1",
        status=InvitationStatus.SENT,
        send_after=now,
        sent_at=now,
        expires_at=now + timedelta(days=5),
    )
    Response.objects.create(service=payroll, business_unit=finance, csat=2, comment="Slow to answer.", submitted_at=now)
    type(payroll).objects.filter(pk=payroll.pk).update(business_owner=rep)  # the helpers named another
    return {"owner": owner, "rep": rep, "payroll": payroll, "proposed": next_version}


def test_a_business_representative_lands_on_their_units_services_with_their_lights(
    client, org, django_assert_max_num_queries
):
    client.force_login(org["rep"])
    with django_assert_max_num_queries(16):
        response = client.get("/")
    html = page_text(response)
    assert "<h1>Your services</h1>" in html
    lights = html.split('id="home-lights"')[1].split("</section>")[0]
    assert "Payroll" in lights and "Elsewhere" not in lights
    row = lights.split('<a href="/services/payroll/scorecard/">Payroll</a></th>')[1].split("</tr>")[0]
    # The six factors in order: only Results has a measure, at risk this period.
    assert row.count("<td>") == 6
    assert "At risk" in row.split("<td>")[5] and row.count("No measures") == 5
    assert "Payslips on time at risk" in html.split('id="home-risks"')[1]
    assert f'href="{org["proposed"].get_absolute_url()}"' in html.split('id="home-agreements"')[1]
    assert "awaiting signature" in html
    assert 'href="/feedback/s/' in html.split('id="home-surveys"')[1]
    assert "“Slow to answer.”" in html.split('id="home-feedback"')[1]
    assert '<a href="/catalogue/">The whole service catalogue</a>' in html


def test_a_service_owner_sees_drafts_and_flagged_measures(client, org, django_assert_max_num_queries):
    Measure.objects.create(
        agreement=org["payroll"].agreements.get(status="agreed"), key="loose", name="Loose", factor="", target=1
    )
    draft(service=org["payroll"], business_unit=f.BusinessUnitFactory(name="Sales"))
    client.force_login(org["owner"])
    with django_assert_max_num_queries(OWNER_HOME_QUERIES):
        html = page_text(client.get("/"))
    assert "draft to propose" in html.split('id="home-agreements"')[1]
    flagged = html.split('id="home-flagged"')[1].split("</section>")[0]
    assert "Payroll: Loose" in flagged and "No success factor" in flagged


def test_an_admin_sees_the_whole_catalogue(client, org):
    client.force_login(f.admin_user(username="boss"))
    html = page_text(client.get("/"))
    assert "<h1>The catalogue at a glance</h1>" in html
    lights = html.split('id="home-lights"')[1].split("</section>")[0]
    assert "Payroll" in lights and "Elsewhere" in lights


def test_the_admins_home_costs_the_same_queries_with_more_services(client, org, django_assert_max_num_queries):
    """The catalogue-wide home (bench/home_board.py times it with 500 services): a fixed number of
    queries, and long lists shown as their first 20 and a count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(f.admin_user(username="boss"))
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n in range(25):
        service = f.ServiceFactory(name=f"Extra {n:02d}", slug=f"extra-{n}")
        agreed(service=service, business_unit=None)
    with django_assert_max_num_queries(15):
        html = page_text(client.get("/"))
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)
    assert "Extra 24" in html.split('id="home-lights"')[1].split("</section>")[0]
    assert "more due for review" in html or "more awaiting signature" in html or "more drafts" in html


def test_anonymous_visitors_get_the_catalogue_or_the_sign_in_page(client, org, settings):
    settings.CATALOGUE_PUBLIC = True
    html = page_text(client.get("/"))
    assert "Service catalogue" in html and "Payroll" in html
    settings.CATALOGUE_PUBLIC = False
    assert client.get("/").status_code == 302


def _risks(html: str) -> str:
    return html.split('id="home-risks"')[1].split("</section>")[0]


def test_a_business_users_risks_cover_ticket_clocks_and_commitments(client, org):
    now = timezone.now()
    Alert.objects.create(
        key="clock",
        kind="clock_warning",
        severity="warning",
        subject="P2 ticket T-7 (Payroll): 80% of the resolution time used",
        service=org["payroll"],
        opened_at=now,
        due_at=now + timedelta(hours=2),
    )
    Alert.objects.create(
        key="commitment",
        kind="commitment_at_risk",
        subject="Faster payslips is at risk (due 1 Feb)",
        service=org["payroll"],
        opened_at=now,
        due_at=now + timedelta(days=3),
    )
    Alert.objects.create(  # another service's: not theirs to see
        key="other",
        kind="clock_warning",
        subject="Elsewhere's ticket",
        service=type(org["payroll"]).objects.get(slug="elsewhere"),
        opened_at=now,
    )
    client.force_login(org["rep"])
    risks = _risks(page_text(client.get("/")))
    clock = risks.split("80% of the resolution time used")[1].split("</li>")[0]
    assert "Ticket clocks" in clock
    commitment = risks.split("Faster payslips is at risk (due 1 Feb)")[1].split("</li>")[0]
    assert "Commitments" in commitment
    assert "Payslips on time at risk" in risks and "Elsewhere's ticket" not in risks
    assert "All 3 on the early-warning board" in risks


def test_a_business_user_sees_the_agreement_in_force_due_for_review(client, org):
    """An agreement in force whose review date is within 30 days waits for both sides."""
    in_force = org["payroll"].agreements.get(status="agreed")
    review_by = (timezone.now() + timedelta(days=20)).date()
    type(in_force).objects.filter(pk=in_force.pk).update(review_by=review_by)
    client.force_login(org["rep"])
    agreements = page_text(client.get("/")).split('id="home-agreements"')[1].split("</section>")[0]
    item = agreements.split(f'href="{in_force.get_absolute_url()}"')[1].split("</li>")[0]
    assert f"due for review by {review_by.day} {review_by:%b %Y}" in item

    type(in_force).objects.filter(pk=in_force.pk).update(review_by=review_by + timedelta(days=60))
    agreements = page_text(client.get("/")).split('id="home-agreements"')[1].split("</section>")[0]
    assert in_force.get_absolute_url() not in agreements and "due for review" not in agreements


def test_a_service_owner_sees_their_services_lights_breaches_stale_commitments_and_follow_ups(
    client, org, django_assert_max_num_queries
):
    from feedback.models import FollowUp

    now = timezone.now()
    owner = org["owner"]
    # A service of their own that no unit of theirs uses, and one they neither own nor use.
    f.ServiceFactory(name="Ledger", slug="ledger", service_owner=owner)
    f.ServiceFactory(name="Canteen", slug="canteen")
    Alert.objects.create(
        key="breach",
        kind="clock_breach",
        severity="critical",
        subject="P1 ticket T-9 (Payroll) missed its resolution time",
        service=org["payroll"],
        opened_at=now - timedelta(days=2),
        due_at=now - timedelta(days=2),
    )
    Alert.objects.create(
        key="stale",
        kind="commitment_stale",
        subject="Faster payslips: check-in overdue (due 1 Feb)",
        service=org["payroll"],
        opened_at=now,
        due_at=now - timedelta(days=1),
    )
    unhappy = Response.objects.create(service=org["payroll"], csat=1, comment="Wrong again.", submitted_at=now)
    follow_up = FollowUp.objects.create(response=unhappy, service=org["payroll"], owner=owner, due_at=now)
    someone_elses = Response.objects.create(service=org["payroll"], csat=1, submitted_at=now)
    FollowUp.objects.create(response=someone_elses, service=org["payroll"], owner=org["rep"], due_at=now)

    client.force_login(owner)
    with django_assert_max_num_queries(OWNER_HOME_QUERIES):
        html = page_text(client.get("/"))
    assert "The services you look after" in html
    lights = html.split('id="home-lights"')[1].split("</section>")[0]
    assert "Payroll" in lights and "Ledger" in lights
    assert "Canteen" not in lights and "Elsewhere" not in lights
    ledger = lights.split('<a href="/services/ledger/scorecard/">Ledger</a></th>')[1].split("</tr>")[0]
    assert ledger.count("No measures") == 6
    payroll = lights.split('<a href="/services/payroll/scorecard/">Payroll</a></th>')[1].split("</tr>")[0]
    assert "At risk" in payroll.split("<td>")[5]

    risks = _risks(html)
    breach = risks.split("missed its resolution time")[0].rsplit("<li>", 1)[1]
    assert "Critical" in breach
    assert "Ticket clocks" in risks.split("missed its resolution time")[1].split("</li>")[0]
    stale = risks.split("Faster payslips: check-in overdue (due 1 Feb)")[1].split("</li>")[0]
    assert "Commitments" in stale
    # Both gone on the same service: the longer overdue first.
    assert risks.index("missed its resolution time") < risks.index("check-in overdue")

    follow_ups = html.split('id="home-follow-ups"')[1].split("</section>")[0]
    assert f'href="/follow-ups/{follow_up.pk}/"' in follow_ups
    assert follow_ups.count("<li>") == 1 and "Payroll: an unhappy answer to call back" in follow_ups


def test_a_business_user_has_no_follow_ups_section(client, org):
    client.force_login(org["rep"])
    assert 'id="home-follow-ups"' not in page_text(client.get("/"))


def test_a_plain_member_of_a_unit_sees_its_tickets_and_services_at_risk(client, org, django_assert_max_num_queries):
    """Neither representative nor business owner: what is at risk for their unit still shows
    (issue 11 §1), but not another unit's ticket nor a detractor's follow-up."""
    now = timezone.now()
    member = f.MembershipFactory(business_unit=org["payroll"].business_units.get(), user=f.business_user()).user
    hr = f.BusinessUnitFactory(name="HR", slug="hr")
    org["payroll"].business_units.add(hr)
    for unit, subject in (
        (org["payroll"].business_units.get(slug="finance"), "Finance ticket T-1"),
        (hr, "HR ticket T-2"),
    ):
        ticket = Ticket.objects.create(
            source="test",
            external_id=subject[-3:],
            service=org["payroll"],
            business_unit=unit,
            priority=2,
            opened_at=now,
        )
        Alert.objects.create(
            key=subject, kind="clock_breach", subject=subject, service=org["payroll"], ticket=ticket, opened_at=now
        )
    Alert.objects.create(
        key="f", kind="follow_up_overdue", subject="Call back a detractor", service=org["payroll"], opened_at=now
    )
    client.force_login(member)
    with django_assert_max_num_queries(16):
        html = page_text(client.get("/"))
    risks = _risks(html)
    assert "Nothing is at risk" not in risks
    assert "Finance ticket T-1" in risks and "Payslips on time at risk" in risks
    assert "HR ticket T-2" not in risks and "Call back a detractor" not in risks
    assert "/acknowledge/" not in html


def test_the_owners_home_costs_the_same_queries_with_more_services(client, org, django_assert_max_num_queries):
    """Ten more services the owner looks after, each with an agreement in force carrying a measure
    with no factor (flagged), a draft for a unit, a risk on the board and a follow-up due: no query
    per service, per measure, per agreement or per follow-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from feedback.models import FollowUp

    now = timezone.now()
    owner = org["owner"]
    client.force_login(owner)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n in range(10):
        service = f.ServiceFactory(name=f"Owned {n:02d}", slug=f"owned-{n}", service_owner=owner)
        in_force = agreed(service=service, business_unit=None)
        Measure.objects.create(agreement=in_force, key=f"k{n}", name=f"Loose {n}", factor="", target=1)
        draft(service=service, business_unit=f.BusinessUnitFactory(name=f"Unit {n:02d}"))
        Alert.objects.create(key=f"a{n}", kind="measure_at_risk", subject=f"Risk {n}", service=service, opened_at=now)
        answer = Response.objects.create(service=service, csat=1, comment=f"Bad {n}.", submitted_at=now)
        FollowUp.objects.create(response=answer, service=service, owner=owner, due_at=now)
    with django_assert_max_num_queries(OWNER_HOME_QUERIES):
        html = page_text(client.get("/"))
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)
    assert "Owned 09" in html.split('id="home-lights"')[1].split("</section>")[0]
    assert "Owned 09: Loose 9" in html.split('id="home-flagged"')[1].split("</section>")[0]
    assert "All 11 on the early-warning board" in _risks(html)  # Payroll's measure and the ten
