"""A survey answered from its link in a real browser, with lost time: no sign-in, a score and
"1 to 4 hours" ticked, the thank-you page shown, and the response carries the lost time."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from feedback.models import Invitation, InvitationKind, InvitationStatus, Response
from feedback.tokens import invitation_token
from sla.models import Ticket
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_survey_answered_from_its_link_with_lost_time(page):
    now = timezone.now()
    payroll = f.ServiceFactory(name="Payroll", slug="payroll")
    ticket = Ticket.objects.create(
        service=payroll, source="servicedesk", external_id="INC42", title="Payslips not generated", opened_at=now
    )
    invitation = Invitation.objects.create(
        kind=InvitationKind.EVENT,
        service=payroll,
        ticket=ticket,
        kinds=["csat"],
        email="ann@example.com",
        nonce="lost-time-journey",
        status=InvitationStatus.SENT,
        send_after=now - timedelta(hours=1),
        sent_at=now - timedelta(hours=1),
        expires_at=now + timedelta(days=14),
    )

    link = reverse("feedback:survey", kwargs={"token": invitation_token(invitation)})
    page.goto(link)
    lost = page.get_by_role("group", name="How much of your work time did this cost you? (optional)")
    expect(lost.get_by_role("radio")).to_have_count(5)
    satisfied = page.get_by_role("group", name=re.compile(r"^How satisfied are you with how Payroll handled"))
    satisfied.get_by_role("radio", name="4", exact=True).check()
    lost.get_by_text("1 to 4 hours").click()  # the whole row is the tap target
    expect(lost.get_by_role("radio", name="1 to 4 hours")).to_be_checked()
    page.get_by_role("button", name="Send my answer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page).to_have_url(f"{link}thanks/")
    response = Response.objects.get(invitation=invitation)
    assert (response.csat, response.lost_time) == (4, "1_4h")
