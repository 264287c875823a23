"""The warnings page is the early-warning board now: an old link lands on it, its filters swap the
board in place, and it refreshes itself every minute while its box is ticked (the page's clock
is Playwright's, so a minute passes at once)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sla.services import clocks_check_due, ticket_events_ingest
from tests.sla.conftest import event
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA, P1 round the clock

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MINUTE = 61_000  # ms: just past the board's refresh interval


@pytest.fixture(autouse=True)
def quiet_notifications(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def urgent_ticket(external_id):
    """A P1 ticket opened three hours ago and not touched since: on P1's 24x7 calendar its
    engagement clock (30 min) is breached, its resolution clock (4 h, 75% used) at risk."""
    now = timezone.now()
    opened = now - timedelta(hours=3)
    fields = {"service": "payroll", "business_unit": "finance", "priority": 1, "title": f"Ticket {external_id}"}
    ticket_events_ingest(events=[event("opened", opened, external_id=external_id, **fields)], now=now)
    clocks_check_due(now=now)


def test_filters_swap_the_board_and_it_refreshes_itself_while_ticked(page, sign_in, sla):
    urgent_ticket("FIRST")
    sign_in(sla["owner"])
    page.clock.install()
    page.goto("/warnings/?service=payroll")  # a bookmark of the old page
    expect(page).to_have_url("/board/?service=payroll")
    board = page.locator("#risk-board")
    expect(board.locator(".result-count")).to_contain_text("2 items at risk or gone wrong match")
    expect(page.get_by_role("link", name="Warnings", exact=True)).to_have_attribute("aria-current", "page")
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("combobox", name="Status").select_option(value="at_risk")

    expect(board.locator(".result-count")).to_contain_text("1 item at risk or gone wrong matches")
    expect(board.get_by_role("row", name="FIRST")).to_contain_text("P1 · Time to resolve")
    expect(page).to_have_url("/board/?business_unit=&service=payroll&kind=&severity=&status=at_risk&priority=&sort=")

    # A minute later the board asks again, with the filter it shows.
    urgent_ticket("SECOND")
    with page.expect_request(lambda r: "status=at_risk" in r.url and r.headers.get("hx-request") == "true"):
        page.clock.run_for(MINUTE)
    expect(board.locator(".result-count")).to_contain_text("2 items at risk or gone wrong match")
    expect(board.get_by_role("row", name="SECOND")).to_be_visible()

    # Unticked, it stays as it is; ticked again, it catches up.
    page.get_by_role("checkbox", name="Refresh the board every minute").uncheck()
    urgent_ticket("THIRD")
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/board/" in r.url else None)
    page.clock.run_for(MINUTE)
    # The page's signal that the minute's turn came and was skipped (accord.js); a request,
    # had one been sent, would have been sent before it.
    expect(board).to_have_attribute("data-paused-skips", "1")
    assert asked == []
    expect(board.get_by_role("row", name="THIRD")).to_have_count(0)

    page.get_by_role("checkbox", name="Refresh the board every minute").check()
    page.clock.run_for(MINUTE)
    expect(board.get_by_role("row", name="THIRD")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True
