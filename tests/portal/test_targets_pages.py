"""Urgency targets in the portal: the agreement page shows them and the priority matrix;
owners edit a draft's targets with a form that names every problem; the service page
shows its support hours."""

from datetime import timedelta

import pytest

from catalog import services
from catalog.models import UrgencyTarget
from portal import presenters
from sla.services import calendar_create
from tests.factories import AgreementFactory
from tests.portal.helpers import agree, page_text

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)


@pytest.fixture
def office():
    return calendar_create(
        name="Office hours",
        time_zone="Europe/London",
        holiday_country="GB",
        hours=dict.fromkeys(range(5), "09:00-17:30"),
    )


@pytest.fixture
def always():
    return calendar_create(name="Round the clock", time_zone="UTC", is_24x7=True)


@pytest.fixture
def draft(service, unit, owner, office, always):
    services.service_update(service=service, support_calendar=office)
    agreement = AgreementFactory(service=service, business_unit=unit, version=1, created_by=owner)
    services.urgency_target_set(
        agreement=agreement, priority=1, engage_within=H / 4, update_every=H, resolve_within=4 * H, calendar=always
    )
    services.urgency_target_set(agreement=agreement, priority=2, engage_within=H, resolve_within=2 * 8 * H)
    return agreement


def _row(priority: int, **values) -> dict:
    """POST data of one row of the targets form (rows are P1..P5 at index 0..4)."""
    index = priority - 1
    data = {f"targets-{index}-priority": str(priority)}
    data.update({f"targets-{index}-{name}": value for name, value in values.items()})
    return data


def _form(*rows: dict, matrix=((1, 2, 3), (2, 3, 4), (3, 4, 5))) -> dict:
    data = {"targets-TOTAL_FORMS": "5", "targets-INITIAL_FORMS": "5", "targets-MIN_NUM_FORMS": "5"}
    data["targets-MAX_NUM_FORMS"] = "5"
    for priority in range(1, 6):
        data.update(_row(priority))
    for row in rows:
        data.update(row)
    for impact, cells in enumerate(matrix, start=1):
        for urgency, cell in enumerate(cells, start=1):
            data[f"impact_{impact}_urgency_{urgency}"] = str(cell)
    return data


def _stored(agreement) -> dict:
    return {
        t.priority: (t.engage_within, t.update_every, t.resolve_within, t.calendar_id, int(t.objective_percent))
        for t in UrgencyTarget.objects.filter(agreement=agreement)
    }


# --- The agreement page -----------------------------------------------------------------


def test_the_agreement_page_shows_the_targets_and_the_matrix(client, draft, owner):
    client.force_login(owner)
    html = page_text(client.get(f"/agreements/{draft.pk}/"))
    targets = html.split('id="targets-heading"')[1].split('id="matrix-heading"')[0]
    assert (
        '<th scope="row">P1 – critical</th> <td>15 min</td> <td>1h</td> <td>4h</td> '
        '<td>Round the clock<br><span class="small muted">24x7</span></td> '
        '<td>95% <span class="muted">within target each month</span>'
    ) in targets
    assert (
        '<th scope="row">P2 – high</th> <td>1 hour</td>' not in targets
        and '<th scope="row">P2 – high</th> <td>1h</td> <td>–</td> <td>16h</td> '
        '<td>Office hours <span class="muted">(support calendar)</span><br>'
        '<span class="small muted">Mon–Fri 09:00–17:30</span></td>'
        in targets
    )
    assert "Warnings at 50%, 75% of the time" in targets
    assert "The priority matrix can give P3, P4 and P5, which have no target" in targets
    matrix = html.split('id="matrix-heading"')[1].split("</table>")[0]
    assert '<tr><th scope="row">High</th><td>P1</td><td>P2</td><td>P3</td></tr>' in matrix
    assert '<tr><th scope="row">Low</th><td>P3</td><td>P4</td><td>P5</td></tr>' in matrix
    assert f'href="/agreements/{draft.pk}/targets/">Edit targets</a>' in html


def test_a_version_without_targets_says_it_promises_no_times(client, agreed):
    html = page_text(client.get(f"/agreements/{agreed.pk}/"))
    assert "This version sets no urgency targets: it promises no times to engage, update or resolve." in html
    assert "Set targets" not in html and "Edit targets" not in html


def test_the_agreement_page_reads_a_fixed_number_of_queries(client, draft, owner, django_assert_max_num_queries):
    client.force_login(owner)
    client.get(f"/agreements/{draft.pk}/")
    for priority in (3, 4, 5):
        services.urgency_target_set(agreement=draft, priority=priority, engage_within=H, resolve_within=9 * H)
    with django_assert_max_num_queries(10):  # the same as with two targets: no query per target
        assert client.get(f"/agreements/{draft.pk}/").status_code == 200


def test_the_diff_shows_target_and_matrix_changes_as_a_table(client, draft, owner, rep):
    agree(draft, it=owner, business=rep)
    second = services.agreement_draft_create(service=draft.service, business_unit=draft.business_unit, actor=owner)
    services.urgency_target_set(agreement=second, priority=2, engage_within=H / 2, resolve_within=16 * H)
    services.agreement_priority_matrix_set(agreement=second, matrix=[[1, 1, 3], [2, 3, 4], [3, 4, 5]])
    client.force_login(owner)
    changes = page_text(client.get(f"/agreements/{second.pk}/")).split('id="changes-heading"')[1]
    assert "<h3>Priority matrix</h3>" in changes
    assert '<th scope="row">Impact high, urgency medium</th><td><del>P2</del></td><td><ins>P1</ins></td>' in changes
    assert "<h3>P2 – high target</h3>" in changes
    assert '<th scope="row">Engage within</th><td><del>1h</del></td><td><ins>30 min</ins></td>' in changes


def test_what_the_matrix_leaves_without_a_target_is_said_in_words():
    itil = [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
    assert presenters.uncovered_priorities(itil, [1, 2, 3, 4, 5]) == []
    assert presenters.uncovered_priorities(itil, [1, 2]) == ["P3", "P4", "P5"]
    assert presenters.uncovered_priorities([[1, 1, 2]] * 3, [2, 5]) == ["P1"]
    assert [presenters.words_list(x) for x in ([], ["P3"], ["P3", "P4"], ["P3", "P4", "P5"])] == [
        "",
        "P3",
        "P3 and P4",
        "P3, P4 and P5",
    ]
    assert presenters.matrix_rows(itil)[1] == ("Medium", ["P2", "P3", "P4"])


# --- Editing a draft's targets ------------------------------------------------------------


def test_the_form_starts_from_the_drafts_targets(client, draft, owner, office):
    client.force_login(owner)
    html = page_text(client.get(f"/agreements/{draft.pk}/targets/"))
    assert 'name="targets-0-engage_within" value="15 min"' in html
    assert 'name="targets-1-resolve_within" value="16h"' in html
    assert 'name="targets-0-objective_percent" value="95"' in html
    assert 'name="targets-0-warning_shares" value="50, 75"' in html
    assert "Support calendar (Office hours)" in html
    assert 'name="impact_1_urgency_2"' in html


def test_owner_saves_targets_and_matrix_together(client, draft, owner, always):
    client.force_login(owner)
    data = _form(
        _row(1, engage_within="10 min", update_every="30 min", resolve_within="2h", calendar=always.pk),
        _row(3, engage_within="4h", resolve_within="3 days", objective_percent="90", warning_shares="60, 90"),
        matrix=((1, 1, 2), (2, 3, 4), (3, 4, 4)),
    )
    response = client.post(f"/agreements/{draft.pk}/targets/", data)
    assert response.status_code == 302 and response["Location"] == f"/agreements/{draft.pk}/"
    assert _stored(draft) == {
        1: (H / 6, H / 2, 2 * H, always.pk, 95),
        3: (4 * H, None, timedelta(days=3), None, 90),  # P2, left empty, is removed
    }
    assert draft.urgency_targets.get(priority=3).warning_shares == [60, 90]
    draft.refresh_from_db()
    assert draft.priority_matrix == [[1, 1, 2], [2, 3, 4], [3, 4, 4]]


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            _row(2, engage_within="9h", resolve_within="8h"),
            "engage_within",
            "P2: The time to engage (9h) cannot be longer than the time to resolve (8h).",
        ),
        (_row(2, engage_within="1h"), "resolve_within", "P2: The time to resolve is required."),
        (_row(2, engage_within="30", resolve_within="8h"), "engage_within", "Say the unit: 30 min, 30h or 30 days?"),
        (
            _row(2, engage_within="1h", resolve_within="8h", warning_shares="75, 50"),
            "warning_shares",
            "P2: List the warnings in increasing order, each once, e.g. 50, 75.",
        ),
        (
            _row(2, engage_within="1h", resolve_within="8h", objective_percent="101"),
            "objective_percent",
            "P2: The objective must be between 0 and 100%, not 101.",
        ),
    ],
)
def test_problems_are_shown_beside_their_field_and_nothing_is_saved(client, draft, owner, row, field, message):
    client.force_login(owner)
    before = _stored(draft)
    data = _form(_row(1, engage_within="15 min", resolve_within="4h"), row, matrix=((1, 1, 1), (1, 1, 1), (1, 1, 1)))
    html = page_text(client.post(f"/agreements/{draft.pk}/targets/", data))
    assert "There is a problem" in html
    assert f'<a href="#id_targets-1-{field}">P2 – high, ' in html and message in html
    assert f'<ul class="errorlist" id="id_targets-1-{field}_error"><li>{message}</li></ul>' in html
    assert _stored(draft) == before
    draft.refresh_from_db()
    assert draft.priority_matrix == [[1, 2, 3], [2, 3, 4], [3, 4, 5]]


def test_a_proposed_version_sends_the_owner_back_with_a_message(client, draft, owner):
    services.agreement_propose(agreement=draft, actor=owner)
    client.force_login(owner)
    for response in (
        client.get(f"/agreements/{draft.pk}/targets/", follow=True),
        client.post(f"/agreements/{draft.pk}/targets/", _form(), follow=True),
    ):
        assert "Version 1 is proposed; its targets are fixed." in page_text(response)
    assert sorted(_stored(draft)) == [1, 2]


def test_only_the_owner_or_an_admin_edits_targets(client, draft, reader, admin, rep):
    assert client.get(f"/agreements/{draft.pk}/targets/")["Location"].startswith("/accounts/login/")
    client.force_login(reader)
    assert client.post(f"/agreements/{draft.pk}/targets/", _form()).status_code == 404  # drafts are not shown
    client.force_login(admin)
    assert client.get(f"/agreements/{draft.pk}/targets/").status_code == 200
    assert sorted(_stored(draft)) == [1, 2]


# --- The service page and form ---------------------------------------------------------------


def test_the_service_page_shows_its_support_hours(client, service, office):
    html = page_text(client.get(f"/services/{service.slug}/"))
    assert "<dt>Support hours</dt><dd>Not set</dd>" in html
    services.service_update(service=service, support_calendar=office)
    html = page_text(client.get(f"/services/{service.slug}/"))
    assert (
        "<dt>Support hours</dt><dd>Office hours: Mon–Fri 09:00–17:30 "
        '<span class="muted">(Europe/London, closed on public holidays)</span></dd>'
    ) in html


def test_the_owner_chooses_the_support_calendar_in_the_service_form(client, service, owner, office):
    client.force_login(owner)
    form = client.get(f"/services/{service.slug}/edit/").context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        category=service.category.pk,
        service_owner=owner.pk,
        business_owner=service.business_owner.pk,
        business_units=[unit.pk for unit in service.business_units.all()],
        depends_on=[],
        support_calendar=office.pk,
    )
    response = client.post(f"/services/{service.slug}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    service.refresh_from_db()
    assert service.support_calendar == office
