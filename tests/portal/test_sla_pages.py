"""SLA pages of the portal: the service page's attainment and tickets at risk, a ticket with
its clocks, and the alerts inbox with acknowledge. (The ticket clocks on the early-warning board,
which replaced the warnings page: tests/portal/test_board_clocks.py.)

Data goes in as the tools send it (sla.services.ticket_events_ingest) and alerts come from
the check pass (clocks_check_due); the pages are read at a fixed `now`.
"""

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
import time_machine

from portal.sla import presenters
from sla.models import Alert, AlertState, Ticket
from sla.selectors import Attainment
from sla.services import clocks_check_due, ticket_events_ingest
from tests import factories as f
from tests.portal.helpers import page_text
from tests.sla.conftest import H, agree, at, event
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA

pytestmark = pytest.mark.django_db

BOARD_TIME = at(2, 13, 30)  # Monday 2 November 2026, 13:30 UTC (GMT)


@pytest.fixture(autouse=True)
def quiet_notifications(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def ticket_events(external_id, opened, *, priority=2, assignee="", resolved=None, service="payroll"):
    events = [
        event(
            "opened",
            opened,
            external_id=external_id,
            service=service,
            business_unit="finance",
            priority=priority,
            title=f"Ticket {external_id}",
        )
    ]
    if assignee:
        events.append(event("assigned", opened, external_id=external_id, assignee=assignee))
    if resolved:
        events.append(event("resolved", resolved, external_id=external_id))
    return events


def open_ticket(external_id, opened, *, now=None, **fields) -> Ticket:
    ticket_events_ingest(
        events=ticket_events(external_id, opened, **fields), now=now or fields.get("resolved") or opened
    )
    return Ticket.objects.get(external_id=external_id)


@pytest.fixture
def board(sla):
    """At 13:30 on Monday 2 November: three clocks breached, two at risk (the scenario of
    tests/sla/test_selectors.py), and one ticket done."""
    open_ticket("LATER", at(2, 9), assignee="Lee")
    open_ticket("SOONER", at(2, 8), priority=1, assignee="Sam")
    open_ticket("CALM", at(2, 12), assignee="Cal")
    open_ticket("DONE", at(2, 9), assignee="Dee", resolved=at(2, 9, 30))
    clocks_check_due(now=BOARD_TIME)
    with time_machine.travel(BOARD_TIME, tick=False):
        yield sla


@pytest.fixture
def laptops(sla):
    """A second service with its own owner and agreement (P2 only), for the same unit."""
    owner = f.service_owner(username="laptop-owner")
    service = f.ServiceFactory(
        name="Laptops",
        slug="laptops",
        service_owner=owner,
        business_units=[sla["unit"]],
        support_calendar=sla["office"],
    )
    agree(
        service,
        sla["unit"],
        {2: {"engage_within": H, "update_every": 2 * H, "resolve_within": 8 * H}},
        owner,
        sla["rep"],
    )
    return {"service": service, "owner": owner}


class _Tables(HTMLParser):
    """The rows of every table of a page, as lists of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(response, index=0) -> list[list[str]]:
    """The body rows (no header row) of the page's `index`-th table."""
    assert response.status_code == 200, response.status_code
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables[index][1:]


def htmx(client, url, target=None):
    headers = {"HX-Request": "true", **({"HX-Target": target} if target else {})}
    return client.get(url, headers=headers)


# --- The service page -------------------------------------------------------------------------


def test_service_page_loads_the_sla_section_with_htmx_and_links_to_it_without_javascript(client, sla):
    client.force_login(sla["owner"])
    html = page_text(client.get("/services/payroll/"))
    assert (
        '<section id="service-sla" class="sla-section" aria-labelledby="sla-heading" '
        'hx-get="/services/payroll/sla/" hx-trigger="load" hx-swap="outerHTML">'
    ) in html
    assert '<a href="/services/payroll/sla/">See this month’s attainment and the open tickets at risk</a>' in html

    client.logout()
    assert "/services/payroll/sla/" not in page_text(client.get("/services/payroll/"))


def test_service_sla_shows_this_months_attainment_per_priority_and_clock(client, sla):
    open_ticket("A", at(2, 9), assignee="Sam", resolved=at(2, 12))  # resolved in 3 of 8 business hours
    open_ticket("B", at(2, 9), assignee="Sam", resolved=at(3, 12))  # 11 business hours: missed
    open_ticket("C", at(3, 9), assignee="Kim", now=at(3, 9))  # still open: missed on the 3rd at 17:00
    open_ticket("D", at(2, 9), priority=1, assignee="Sam", resolved=at(2, 10))
    open_ticket(
        "OCT", datetime(2026, 10, 30, 9, tzinfo=UTC), assignee="Sam", resolved=datetime(2026, 10, 30, 10, tzinfo=UTC)
    )
    client.force_login(sla["owner"])
    with time_machine.travel(at(20, 12), tick=False):
        clocks_check_due()
        response = htmx(client, "/services/payroll/sla/")
    html = page_text(response)
    assert "<html" not in html and html.startswith('<section id="service-sla"')
    assert '<h3 id="attainment-heading">Attainment in November 2026</h3>' in html
    assert table_rows(response) == [
        ["P1", "Time to engage", "1", "0", "100.0% vs objective 95%", "✓ On track"],
        ["Update interval", "1", "0", "100.0% vs objective 95%", "✓ On track"],
        ["Time to resolve", "1", "0", "100.0% vs objective 95%", "✓ On track"],
        # A, B and C engaged at once; the October ticket counts in October.
        ["P2", "Time to engage", "3", "0", "100.0% vs objective 95%", "✓ On track"],
        ["Update interval", "0", "3", "0.0% vs objective 95%", "✗ Off track"],
        ["Time to resolve", "1", "2", "33.3% vs objective 95%", "✗ Off track"],
        # P3 has targets (no update interval) and no outcome yet; P4 and P5 have neither.
        ["P3", "Time to engage", "0", "0", "– vs objective 95%", "No outcomes yet"],
        ["Time to resolve", "0", "0", "– vs objective 95%", "No outcomes yet"],
    ]
    # The standing is said in words as well as in colour.
    assert '<span class="badge badge--standing-off-track"><span aria-hidden="true">✗ </span>Off track</span>' in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_the_month_runs_in_the_sites_time_zone(client, sla, settings):
    # Met at 16:00 UTC on 31 October: still October in London, already 1 November in Tokyo.
    open_ticket(
        "EDGE",
        datetime(2026, 10, 31, 15, tzinfo=UTC),
        priority=1,
        assignee="Sam",
        resolved=datetime(2026, 10, 31, 16, tzinfo=UTC),
    )
    client.force_login(sla["owner"])
    with time_machine.travel(at(20, 12), tick=False):
        london = table_rows(htmx(client, "/services/payroll/sla/"))
        settings.TIME_ZONE = "Asia/Tokyo"
        tokyo = table_rows(htmx(client, "/services/payroll/sla/"))
    assert ["P1", "Time to engage", "0", "0", "– vs objective 95%", "No outcomes yet"] in london
    assert ["P1", "Time to engage", "1", "0", "100.0% vs objective 95%", "✓ On track"] in tokyo


def test_service_sla_lists_the_open_tickets_at_risk_soonest_first(client, board):
    client.force_login(board["owner"])
    response = htmx(client, "/services/payroll/sla/")
    rows = table_rows(response, index=1)
    assert [row[0] for row in rows] == ["SOONER", "LATER", "CALM"]  # each by its most urgent clock
    assert rows[0] == [
        "SOONER",
        "Ticket SOONER",
        "P1",
        "Update interval (update 1) ✗ Breached",
        "Overdue by 4 h 30 min Mon 2 Nov 2026, 09:00 GMT",
        "Sam",
    ]
    assert rows[2][3:] == [
        "Update interval (update 1) ! At risk: 75% used",
        "Due in 30 min Mon 2 Nov 2026, 14:00 GMT",
        "Cal",
    ]
    html = page_text(response)
    assert "Showing" not in html
    assert (
        '<a href="/board/?service=payroll&amp;kind=clock&amp;sort=time_left">'
        "See Payroll’s ticket clocks on the early-warning board</a>"
    ) in html


def test_service_sla_caps_the_tickets_at_risk(client, board, monkeypatch):
    monkeypatch.setattr("portal.views.sla.AT_RISK_ON_SERVICE_PAGE", 2)
    client.force_login(board["owner"])
    response = htmx(client, "/services/payroll/sla/")
    assert [row[0] for row in table_rows(response, index=1)] == ["SOONER", "LATER"]
    assert "Showing 2 of 3 tickets at risk." in page_text(response)


def test_service_sla_without_javascript_is_a_page_and_asks_anonymous_visitors_to_sign_in(client, board):
    client.force_login(board["owner"])
    html = page_text(client.get("/services/payroll/sla/"))
    assert "<h1>Payroll</h1>" in html and '<h2 id="sla-heading">Targets this month</h2>' in html
    assert '<a href="/catalogue/" aria-current="true">Catalogue</a>' in html
    assert client.get("/services/no-such/sla/").status_code == 404
    client.logout()
    response = client.get("/services/payroll/sla/")
    assert response.status_code == 302 and response.url == "/accounts/login/?next=/services/payroll/sla/"


def test_service_sla_shows_another_owner_the_attainment_but_none_of_the_tickets(client, board, laptops):
    client.force_login(laptops["owner"])
    response = htmx(client, "/services/payroll/sla/")
    assert "No open ticket of this service is at risk." in page_text(response)
    assert "SOONER" not in page_text(response)


def test_service_sla_query_count_is_bounded(client, board, django_assert_max_num_queries):
    client.force_login(board["owner"])
    # 12, and 4 for the charts: attainment by month (clocks, objectives), tickets over time (tickets, clocks).
    with django_assert_max_num_queries(16):
        response = htmx(client, "/services/payroll/sla/")
    assert len(table_rows(response, index=1)) == 3


def test_sla_pages_send_anonymous_visitors_to_sign_in(client, board):
    alert = Alert.objects.first()
    ticket = Ticket.objects.first()
    for path in ("/board/", "/alerts/", f"/alerts/{alert.pk}/", f"/tickets/{ticket.pk}/", "/alerts/badge/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/accounts/login/?next="), path
    response = client.post(f"/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert Alert.objects.get(pk=alert.pk).state == AlertState.OPEN


# --- A ticket ---------------------------------------------------------------------------------


def test_ticket_page_shows_facts_clocks_timeline_and_open_alerts(client, board):
    ticket = Ticket.objects.get(external_id="LATER")
    ticket_events_ingest(
        events=[event("customer_updated", at(2, 13), external_id="LATER", note="Asked for the payslip.")], now=at(2, 13)
    )
    client.force_login(board["owner"])
    response = client.get(f"/tickets/{ticket.pk}/")
    html = page_text(response)
    assert "<h1>LATER: Ticket LATER</h1>" in html
    assert "<dt>Assignee</dt><dd>Lee</dd>" in html and "<dt>Priority</dt><dd>P2</dd>" in html
    assert '<dt>Service</dt><dd><a href="/services/payroll/">Payroll</a></dd>' in html
    assert table_rows(response) == [
        [
            "Time to engage",
            "Met stopped 2 Nov, 09:00",
            "1 h 00 min",
            "Mon 2 Nov 2026, 10:00 GMT",
            "0 min (0%)",
            "–",
            "Office",
        ],
        [
            "Update interval (update 1)",
            "Breached stopped 2 Nov, 13:00",
            "2 h 00 min",
            "Mon 2 Nov 2026, 11:00 GMT",
            "4 h 00 min (200%)",
            "2 h 00 min over",
            "Office",
        ],
        [
            "Update interval (update 2)",
            "Running",
            "2 h 00 min",
            "Due in 1 h 30 min Mon 2 Nov 2026, 15:00 GMT",
            "30 min (25%)",
            "1 h 30 min",
            "Office",
        ],
        [
            "Time to resolve",
            "Running",
            "8 h 00 min",
            "Due in 3 h 30 min Mon 2 Nov 2026, 17:00 GMT",
            "4 h 30 min (56%)",
            "3 h 30 min",
            "Office",
        ],
    ]
    timeline = html.split('id="events-heading"')[1]
    assert timeline.index("Opened as P2") < timeline.index("Assigned to Lee") < timeline.index("Customer updated")
    assert '<span class="timeline__note">Asked for the payslip.</span>' in timeline
    alerts = html.split('id="alerts-heading"')[1].split('id="events-heading"')[0]
    # The customer update stopped the first update clock and resolved its breach alert.
    assert "50% of the time to resolve used" in alerts and "update interval" not in alerts
    assert alerts.count("Acknowledge<span") == 1
    assert '<a href="/board/?kind=clock&amp;sort=time_left">Warnings</a>' in html  # the breadcrumb
    assert '<a href="/board/" aria-current="true">Warnings</a>' in html  # the nav: its section


def test_ticket_page_is_not_found_for_a_ticket_the_user_may_not_see(client, board, laptops):
    ticket = Ticket.objects.get(external_id="LATER")
    client.force_login(laptops["owner"])
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    client.force_login(board["owner"])
    assert client.get("/tickets/999999/").status_code == 404


def test_ticket_page_query_count_is_bounded(client, board, django_assert_max_num_queries):
    ticket = Ticket.objects.get(external_id="SOONER")
    client.force_login(board["owner"])
    with django_assert_max_num_queries(12):
        assert client.get(f"/tickets/{ticket.pk}/").status_code == 200


# --- Alerts ---------------------------------------------------------------------------------------


def test_alerts_inbox_lists_the_open_and_acknowledged_alerts_of_the_users_services(client, board, laptops):
    later = Alert.objects.filter(ticket__external_id="LATER").order_by("pk")
    later_update, later_resolve = later  # update breached, resolve warned at 50%
    later_resolve.state = AlertState.RESOLVED
    later_resolve.save(update_fields=["state"])
    client.force_login(board["owner"])
    response = client.get("/alerts/")
    rows = table_rows(response)
    subjects = [row[1] for row in rows]
    assert len(rows) == Alert.objects.exclude(state=AlertState.RESOLVED).count() == 4
    assert not any("50% of the time to resolve used" in s and "LATER" in s for s in subjects)
    assert any("LATER" in s and "missed" in s for s in subjects)
    html = page_text(response)
    assert f'action="/alerts/{later_update.pk}/acknowledge/"' in html

    # Filters: by kind, by state, by service.
    warnings_only = table_rows(client.get("/alerts/?kind=clock_warning"))
    assert [row[1].split(" ", 1)[0] for row in warnings_only] == ["Warning"]  # CALM: 75% of its update interval
    assert "No alert matches these filters." in page_text(client.get("/alerts/?state=acknowledged"))
    assert len(table_rows(client.get("/alerts/?service=payroll"))) == 4
    assert "No alert matches these filters." in page_text(client.get("/alerts/?service=laptops"))

    # Another service's owner sees none of them.
    client.force_login(laptops["owner"])
    assert "No alert is open or awaiting action." in page_text(client.get("/alerts/"))


def test_acknowledging_an_alert(client, board):
    alert = Alert.objects.filter(ticket__external_id="SOONER").first()
    client.force_login(board["owner"])
    response = client.post(f"/alerts/{alert.pk}/acknowledge/", {"next": "/board/"})
    assert response.status_code == 302 and response.url == "/board/"
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED and alert.acknowledged_by == board["owner"]
    html = page_text(client.get("/alerts/"))
    assert f"Acknowledged: {alert.subject}" in html
    assert f'action="/alerts/{alert.pk}/acknowledge/"' not in html  # no button on an acknowledged alert
    assert table_rows(client.get("/alerts/?state=acknowledged"))[0][5].startswith("Acknowledged by")

    # Twice: a clear message, no change.
    response = client.post(f"/alerts/{alert.pk}/acknowledge/", follow=True)
    assert response.redirect_chain == [("/alerts/", 302)]
    assert "This alert is acknowledged; only an open alert can be acknowledged." in page_text(response)


def test_acknowledge_is_refused_to_who_may_see_but_not_act_and_hidden_from_others(client, board, laptops):
    alert = Alert.objects.filter(ticket__external_id="SOONER").first()
    business_owner = board["service"].business_owner
    client.force_login(business_owner)  # sees the service's alerts, may not acknowledge them
    page = page_text(client.get(f"/alerts/{alert.pk}/"))
    assert alert.subject in page and "Acknowledge<span" not in page
    response = client.post(f"/alerts/{alert.pk}/acknowledge/")
    assert response.status_code == 403
    assert (
        "Only the owner of Payroll, the person the alert is for, or an admin may acknowledge it."
        in response.content.decode()
    )
    client.force_login(laptops["owner"])
    assert client.post(f"/alerts/{alert.pk}/acknowledge/").status_code == 404
    assert client.get(f"/alerts/{alert.pk}/").status_code == 404
    assert Alert.objects.get(pk=alert.pk).state == AlertState.OPEN
    client.force_login(board["owner"])
    response = client.get(f"/alerts/{alert.pk}/acknowledge/")  # the address reloaded: the alert, unchanged
    assert response.status_code == 302 and response.url == f"/alerts/{alert.pk}/"
    assert Alert.objects.get(pk=alert.pk).state == AlertState.OPEN


def test_acknowledge_never_redirects_off_site(client, board):
    alert = Alert.objects.filter(ticket__external_id="SOONER").first()
    client.force_login(board["owner"])
    response = client.post(f"/alerts/{alert.pk}/acknowledge/", {"next": "https://evil.example.com/"})
    assert response.url == "/alerts/"


def test_alert_page_links_the_ticket_and_the_service(client, board):
    alert = Alert.objects.filter(ticket__external_id="SOONER").first()
    client.force_login(board["owner"])
    html = page_text(client.get(f"/alerts/{alert.pk}/"))
    assert f"<h1>{alert.subject}</h1>" in html
    assert f'<a href="/tickets/{alert.ticket_id}/">SOONER</a>: Ticket SOONER' in html
    assert '<a href="/alerts/" aria-current="true">Alerts' in html


def test_alerts_inbox_query_count_is_bounded(client, board, django_assert_max_num_queries):
    client.force_login(board["owner"])
    with django_assert_max_num_queries(8):
        response = client.get("/alerts/?service=payroll")
    assert len(table_rows(response)) == Alert.objects.count()


# --- Navigation -----------------------------------------------------------------------------------


def test_signed_in_users_see_warnings_and_alerts_with_a_lazy_count_of_open_alerts(client, board):
    client.force_login(board["owner"])
    html = page_text(client.get("/"))
    assert html.count('<li><a href="/board/">Warnings</a></li>') == 1  # one entry: the board
    assert '"/warnings/"' not in html
    assert (
        '<li><a href="/alerts/">Alerts<span hx-get="/alerts/badge/" hx-trigger="load" hx-swap="outerHTML">'
        "</span></a></li>"
    ) in html
    open_count = Alert.objects.filter(state=AlertState.OPEN).count()
    assert open_count > 0
    badge = client.get("/alerts/badge/").content.decode().strip()
    assert badge == f'<span class="nav-count">{open_count}<span class="visually-hidden"> open</span></span>'
    client.force_login(f.business_user())
    assert client.get("/alerts/badge/").content.decode().strip() == ""
    client.logout()
    assert "/board/" not in page_text(client.get("/"))


# --- What the pages say, as pure functions ------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "zone", "start", "end"),
    [
        (at(20, 12), "Europe/London", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
        # 31 December in Tokyo is already 1 January: the next year's month.
        (
            datetime(2026, 12, 31, 16, tzinfo=UTC),
            "Asia/Tokyo",
            datetime(2026, 12, 31, 15, tzinfo=UTC),
            datetime(2027, 1, 31, 15, tzinfo=UTC),
        ),
        # April in London starts in summer time (BST, UTC+1); March started in winter time.
        (
            datetime(2026, 4, 10, tzinfo=UTC),
            "Europe/London",
            datetime(2026, 3, 31, 23, tzinfo=UTC),
            datetime(2026, 4, 30, 23, tzinfo=UTC),
        ),
        (
            datetime(2026, 3, 31, 23, 30, tzinfo=UTC),
            "Europe/London",
            datetime(2026, 3, 31, 23, tzinfo=UTC),
            datetime(2026, 4, 30, 23, tzinfo=UTC),
        ),
        (datetime(2026, 3, 31, 22, 59, tzinfo=UTC), "Europe/London", datetime(2026, 3, 1, tzinfo=UTC), None),
    ],
)
def test_month_bounds_follow_the_time_zone(now, zone, start, end):
    first, after = presenters.month_bounds(now, zone)
    assert first == start
    assert first <= now < after
    if end is not None:
        assert after == end


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0, "under a minute"), (59, "under a minute"), (60, "1 min"), (3599, "59 min"), (3660, "1 h 01 min"),
     (86400 + 4 * 3600 + 59 * 60, "1 d 4 h"), (-3 * 3600, "3 h 00 min")],
)  # fmt: skip
def test_durations_read_as_people_say_them(seconds, words):
    assert presenters.duration_words(timedelta(seconds=seconds)) == words


def test_business_durations_count_hours_not_days():
    assert presenters.business_duration_words(timedelta(hours=26, minutes=30)) == "26 h 30 min"
    assert presenters.business_duration_words(timedelta(0)) == "0 min"
    assert presenters.business_duration_words(timedelta(seconds=20)) == "under a minute"


def test_due_phrases():
    now = at(2, 12)
    assert presenters.due_phrase(at(2, 13, 5), now) == "due in 1 h 05 min"
    assert presenters.due_phrase(now, now) == "due in under a minute"
    assert presenters.due_phrase(at(1, 10), now) == "overdue by 1 d 2 h"
    assert presenters.due_phrase(None, now) == "no deadline while paused"


def test_attainment_standing_against_the_objective():
    outcomes = [
        Attainment(priority=2, kind="resolve", met=19, breached=1, objective_percent=95.0),
        Attainment(priority=2, kind="engage", met=18, breached=2, objective_percent=95.0),
        Attainment(priority=4, kind="engage", met=1, breached=0, objective_percent=None),  # no agreement any more
    ]
    targets = {
        1: presenters.TargetSummary(kinds=frozenset({"engage", "resolve"}), objective_percent=99.0),
        2: presenters.TargetSummary(kinds=frozenset({"engage", "update", "resolve"}), objective_percent=95.0),
    }
    table = presenters.attainment_table(outcomes, targets)
    assert [(row.label, [(c.kind, c.percent, c.standing_label) for c in row.cells]) for row in table] == [
        ("P1", [("engage", None, "No outcomes yet"), ("resolve", None, "No outcomes yet")]),
        (
            "P2",
            [("engage", 90.0, "Off track"), ("update", None, "No outcomes yet"), ("resolve", 95.0, "On track")],
        ),
        ("P4", [("engage", 100.0, "No objective agreed")]),
    ]
    assert table[0].cells[0].objective_percent == 99.0
