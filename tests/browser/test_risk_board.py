"""The early-warning board in a real browser: filtered in place, an item acknowledged in place."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sla.models import Alert
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_board_is_filtered_and_an_item_acknowledged(page, sign_in):
    now = timezone.now()
    owner = f.service_owner(username="owner")
    payroll = f.ServiceFactory(name="Payroll", slug="payroll", criticality=1, service_owner=owner)
    crm = f.ServiceFactory(name="CRM", slug="crm", criticality=4, service_owner=owner)
    for key, service, kind in (
        ("payroll-measure", payroll, "measure_at_risk"),
        ("crm-clock", crm, "clock_breach"),
    ):
        Alert.objects.create(
            key=key,
            kind=kind,
            severity="warning",
            subject=f"{service.name} {key}",
            service=service,
            due_at=now + timedelta(hours=4),
            opened_at=now,
        )
    sign_in(owner)
    page.goto("/board/")
    board = page.locator("#risk-board")
    expect(board.locator(".result-count")).to_contain_text("2 items at risk or gone wrong")
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("combobox", name="Kind").select_option(value="measure")
    expect(board.locator(".result-count")).to_contain_text("1 item at risk or gone wrong matches")
    expect(board.get_by_role("row", name="CRM crm-clock")).to_have_count(0)

    row = board.get_by_role("row", name="Payroll payroll-measure")
    row.get_by_role("button", name="Acknowledge").click()
    expect(row.get_by_role("status")).to_have_text("Acknowledged by owner")
    assert Alert.objects.get(key="payroll-measure").state == "acknowledged"
    assert page.evaluate("window.stillTheSamePage") is True
