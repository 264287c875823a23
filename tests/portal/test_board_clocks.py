"""Ticket clocks on the early-warning board, which replaced the warnings page (/warnings/ now
redirects to it with its query): what that page showed of each clock (ticket and title, priority,
clock, assignee, due), its filters (status, priority, service), its refresh every minute, its
pagination and scope, each clock once; and the same filters at GET /api/v1/risks/.

Data goes in as the tools send it (sla.services.ticket_events_ingest) and alerts come from the
check pass (clocks_check_due); the board is read at a fixed `now`."""

import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla.models import Alert, AlertKind, Ticket
from sla.services import clocks_check_due, ticket_events_ingest
from tests import factories as f
from tests.portal.helpers import page_text
from tests.portal.test_sla_pages import BOARD_TIME, htmx, open_ticket, table_rows, ticket_events
from tests.portal.test_sla_pages import board as board  # the fixture: 3 clocks breached, 2 at risk
from tests.portal.test_sla_pages import laptops as laptops  # the fixture: a second service
from tests.sla.conftest import at
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA

pytestmark = pytest.mark.django_db

CLOCKS = "/board/?kind=clock&sort=time_left"
_CLOCK = re.compile(r"Ticket (\S+) .*(P\d) · (.+) · (.+)$")


@pytest.fixture(autouse=True)
def quiet_notifications(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def clocks(response) -> list[tuple[str, str]]:
    """(ticket, clock) of each row, from the row's "What" cell."""
    return [_CLOCK.search(row[1]).group(1, 3) for row in table_rows(response)]


def test_the_board_shows_each_ticket_clock_as_the_warnings_page_did(client, board):
    client.force_login(board["owner"])
    response = client.get(CLOCKS)
    assert clocks(response) == [
        ("SOONER", "Update interval (update 1)"),
        ("LATER", "Update interval (update 1)"),
        ("SOONER", "Time to resolve"),
        ("CALM", "Update interval (update 1)"),
        ("LATER", "Time to resolve"),
    ]
    first = table_rows(response)[0]
    assert _CLOCK.search(first[1]).groups() == ("SOONER", "P1", "Update interval (update 1)", "Sam")
    assert first[2:6] == ["Ticket clocks", "Payroll", "Critical", "Mon 2 Nov 09:00 4 h 30 min ago"]
    html = page_text(response)
    sooner = Ticket.objects.get(external_id="SOONER")
    assert (
        f'<a class="small" href="/tickets/{sooner.pk}/">Ticket SOONER</a> <span class="small">Ticket SOONER</span>'
        in html
    )
    assert "5 items at risk or gone wrong match" in html
    assert '<a href="/board/" aria-current="page">Warnings</a>' in html  # the one nav entry


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("priority=1", [("SOONER", "Update interval (update 1)"), ("SOONER", "Time to resolve")]),
        (
            "status=breached",
            [
                ("SOONER", "Update interval (update 1)"),
                ("LATER", "Update interval (update 1)"),
                ("SOONER", "Time to resolve"),
            ],
        ),
        (
            "status=at_risk",  # CALM and LAP fall due at the same time
            [("CALM", "Update interval (update 1)"), ("LAP", "Time to engage"), ("LATER", "Time to resolve")],
        ),
        (
            "service=payroll&priority=2&status=at_risk",
            [("CALM", "Update interval (update 1)"), ("LATER", "Time to resolve")],
        ),
        ("service=laptops", [("LAP", "Time to engage")]),
    ],
)
def test_the_warnings_pages_links_and_bookmarks_land_on_the_board_filtered_alike(
    client, board, laptops, query, expected
):
    open_ticket("LAP", at(2, 13), service="laptops")  # engage at 50% of 1h at 13:30
    clocks_check_due(now=BOARD_TIME)
    client.force_login(f.admin_user())
    response = client.get(f"/warnings/?{query}&sort=time_left", follow=True)
    assert response.redirect_chain == [(f"/board/?{query}&sort=time_left", 301)]
    assert clocks(response) == expected


def test_the_warnings_page_redirects_for_good_with_its_query_even_before_sign_in(client):
    response = client.get("/warnings/?service=payroll&priority=&status=at_risk")
    assert response.status_code == 301
    assert response.url == "/board/?service=payroll&priority=&status=at_risk"
    assert client.get(response.url).url.startswith("/accounts/login/?next=/board/")


def test_the_status_filter_reads_every_kind_as_gone_wrong_or_still_at_risk(client, board):
    payroll = board["service"]
    due_later = BOARD_TIME.replace(day=9)
    for key, kind, due in (
        ("measure-missed", AlertKind.MEASURE_MISSED, due_later),  # missed: gone, whatever its due time
        ("review-past-due", AlertKind.AGREEMENT_REVIEW_DUE, BOARD_TIME.replace(hour=9)),  # past due: gone
        ("commitment-at-risk", AlertKind.COMMITMENT_AT_RISK, due_later),
        ("follow-up-no-due", AlertKind.COMMITMENT_STALE, None),
    ):
        Alert.objects.create(
            key=key, kind=kind, severity="warning", subject=key, service=payroll, due_at=due, opened_at=BOARD_TIME
        )
    client.force_login(board["owner"])
    subjects = {
        status: {row[1].split(" ")[0] for row in table_rows(client.get(f"/board/?status={status}"))}
        for status in ("breached", "at_risk")
    }
    ours = {"measure-missed", "review-past-due", "commitment-at-risk", "follow-up-no-due"}
    assert subjects["breached"] & ours == {"measure-missed", "review-past-due"}
    assert subjects["at_risk"] & ours == {"commitment-at-risk", "follow-up-no-due"}
    counts = {status: len(table_rows(client.get(f"/board/?status={status}"))) for status in ("breached", "at_risk")}
    assert counts == {"breached": 3 + 2, "at_risk": 2 + 2}  # the fixture's clocks: 3 breached, 2 at risk


def test_a_clock_stands_once_by_its_latest_alert(client, sla):
    """A clock raises its 50% and 75% warnings and then its breach, each an alert of its own; the
    warnings page listed the clock once, and so does the board (and the API)."""
    open_ticket("ONCE", at(2, 9), assignee="Oona")  # P2: update every 2 h on the office calendar
    for moment in (at(2, 10, 1), at(2, 10, 31), at(2, 11, 1)):
        clocks_check_due(now=moment)
    update = Alert.objects.filter(ticket__external_id="ONCE", clock__kind="update")
    assert sorted(update.values_list("kind", flat=True)) == ["clock_breach", "clock_warning", "clock_warning"]
    client.force_login(sla["owner"])
    with time_machine.travel(at(2, 11, 2), tick=False):
        rows = [row for row in table_rows(client.get(CLOCKS)) if "Update interval" in row[1]]
        api = [i for i in client.get("/api/v1/risks/?kind=clock").json()["results"] if "update" in i["subject"]]
    assert len(rows) == 1 and "missed its update interval" in rows[0][1]
    assert [item["alert_kind"] for item in api] == ["clock_breach"]


def test_bad_filters_are_ignored_and_said_what_was_wrong(client, board):
    client.force_login(board["owner"])
    response = client.get("/board/?priority=9&status=late&service=nope&page=zzz")
    assert len(table_rows(response)) == 5
    html = page_text(response)
    assert "Select a valid choice. 9 is not one of the available choices." in html
    assert "Select a valid choice. late is not one of the available choices." in html


def test_the_board_refreshes_every_minute_and_filters_as_a_fragment(client, board):
    client.force_login(board["owner"])
    html = page_text(client.get("/board/?status=breached"))
    assert (
        '<div id="risk-board" class="board" hx-get="/board/?status=breached" hx-target="this" hx-swap="outerHTML" '
        'hx-trigger="every 60s" data-paused-unless="auto-refresh">'
    ) in html
    assert '<input type="checkbox" id="auto-refresh" checked aria-describedby="auto-refresh-hint">' in html
    assert 'hx-get="/board/" hx-target="#risk-board" hx-swap="outerHTML" hx-push-url="true"' in html

    fragment = htmx(client, "/board/?status=at_risk&sort=time_left", target="risk-board")
    text = page_text(fragment)
    assert text.startswith('<div id="risk-board"') and "<html" not in text
    assert [ticket for ticket, _ in clocks(fragment)] == ["CALM", "LATER"]
    assert "HX-Request" in fragment["Vary"]


def test_the_clocks_are_scoped_to_what_the_user_may_see(client, board, laptops):
    client.force_login(laptops["owner"])
    html = page_text(client.get(CLOCKS))
    assert "0 items at risk or gone wrong" in html and "SOONER" not in html
    client.force_login(f.business_user())  # no unit: sees no ticket
    assert "SOONER" not in page_text(client.get(CLOCKS))
    client.force_login(board["rep"])  # a member of Finance sees its unit's tickets' clocks
    assert len(table_rows(client.get(CLOCKS))) == 5


def test_the_clocks_are_paginated(client, board, monkeypatch):
    monkeypatch.setattr("portal.views.board.PAGE_SIZE", 2)
    client.force_login(board["owner"])
    response = client.get(f"{CLOCKS}&page=3")
    assert [ticket for ticket, _ in clocks(response)] == ["LATER"]
    html = page_text(response)
    assert "5 items at risk or gone wrong match, page 3 of 3" in html
    assert 'href="?kind=clock&amp;sort=time_left&amp;page=2" rel="prev"' in html


def test_the_boards_queries_do_not_grow_with_the_clocks(client, sla, django_assert_max_num_queries):
    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    client.force_login(sla["owner"])
    ticket_events_ingest(events=ticket_events("FIRST", at(2, 9)), now=at(2, 9))
    clocks_check_due(now=BOARD_TIME)
    with time_machine.travel(BOARD_TIME, tick=False):
        few = queries(CLOCKS)
    # 50 tickets more, none engaged: engage breached and resolve warned, 102 clocks at risk in all.
    events = [e for n in range(50) for e in ticket_events(f"INC-{n:02d}", at(2, 9, n % 30))]
    ticket_events_ingest(events=events, now=at(2, 9, 40))
    clocks_check_due(now=BOARD_TIME)
    with time_machine.travel(BOARD_TIME, tick=False):
        assert len(table_rows(client.get(f"{CLOCKS}&page=2"))) == 50
        with django_assert_max_num_queries(8):  # as tests/portal/test_board_pages.py pins it
            client.get(CLOCKS)
        with django_assert_max_num_queries(8):
            client.get("/board/?page=3&priority=2&service=payroll&status=breached")
        with django_assert_max_num_queries(8):
            htmx(client, "/board/?page=2", target="risk-board")
        assert queries(CLOCKS) == few


def test_the_api_takes_the_same_status_and_priority(client, board):
    client.force_login(board["owner"])
    body = client.get("/api/v1/risks/?priority=1&sort=time_left").json()
    assert [item["subject"].split(" ", 3)[:3] for item in body["results"]] == [
        ["P1", "ticket", "SOONER"],
        ["P1", "ticket", "SOONER"],
    ]
    breached = client.get("/api/v1/risks/?status=breached").json()["results"]
    assert len(breached) == 3 and {item["how_far_gone"] for item in breached} == {1.0}
    at_risk = client.get("/api/v1/risks/?status=at_risk").json()["results"]
    assert len(at_risk) == 2 and all(item["how_far_gone"] < 1 for item in at_risk)
    bad = client.get("/api/v1/risks/?status=late&priority=9")
    assert bad.status_code == 400
    assert {e["attr"] for e in bad.json()["errors"]} == {"status", "priority"}
