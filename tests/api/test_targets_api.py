"""Urgency targets and the priority matrix through the API: shown on every version, written
on drafts only (the whole set or one priority), durations as seconds or ISO 8601, errors
naming the field with nothing half-written; services name their support calendar."""

from datetime import timedelta

import pytest

from catalog import services
from catalog.models import UrgencyTarget
from sla.services import calendar_create
from tests.api.conftest import login
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)
ACTORS = ["anonymous", "reader", "rep", "other_owner", "owner", "admin"]
MONTHS = "Months and years vary in length; give days instead (P30D), or weeks (P2W)."


@pytest.fixture
def calendars(db):
    return {
        "office": calendar_create(
            name="Office", slug="office", time_zone="UTC", hours=dict.fromkeys(range(5), "09:00-17:00")
        ),
        "always": calendar_create(name="Always", slug="24x7", time_zone="UTC", is_24x7=True),
    }


@pytest.fixture
def targets_world(world, calendars):
    """The API world, with Payroll on office hours and targets: P1 (24x7) and P2 on the agreed
    version and the draft."""
    services.service_update(service=world["service"], support_calendar=calendars["office"])
    for agreement in (world["agreed"], world["draft"]):
        # The agreed version's rows are test setup: targets can only be written on drafts.
        UrgencyTarget.objects.create(
            agreement=agreement, priority=1, engage_within=H / 4, resolve_within=4 * H, calendar=calendars["always"]
        )
        UrgencyTarget.objects.create(
            agreement=agreement, priority=2, engage_within=H, update_every=2 * H, resolve_within=8 * H
        )
    return world


def _url(agreement, priority=None) -> str:
    return f"/api/v1/agreements/{agreement.pk}/targets/" + (f"{priority}/" if priority else "")


def _stored(agreement) -> dict:
    return {
        t.priority: (t.engage_within, t.update_every, t.resolve_within, t.calendar_id)
        for t in UrgencyTarget.objects.filter(agreement=agreement)
    }


# --- Reading -------------------------------------------------------------------------------


def test_the_detail_shows_the_matrix_and_each_target_in_every_shape(api, targets_world):
    body = login(api, targets_world["users"]["reader"]).get(f"/api/v1/agreements/{targets_world['agreed'].pk}/").json()
    assert body["priority_matrix"] == [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
    p1, p2 = body["urgency_targets"]
    assert p1 == {
        "priority": 1,
        "priority_label": "P1 – critical",
        "engage_within": "PT15M",
        "engage_within_seconds": 900,
        "engage_within_human": "15 min",
        "update_every": None,
        "update_every_seconds": None,
        "update_every_human": None,
        "resolve_within": "PT4H",
        "resolve_within_seconds": 14400,
        "resolve_within_human": "4h",
        "calendar": {"slug": "24x7", "name": "Always"},
        "effective_calendar": {"slug": "24x7", "name": "Always"},
        "objective_percent": 95.0,
        "warning_shares": [50, 75],
    }
    assert (p2["update_every"], p2["update_every_human"]) == ("PT2H", "2h")
    assert (p2["calendar"], p2["effective_calendar"]) == (None, {"slug": "office", "name": "Office"})
    assert login(api, targets_world["users"]["reader"]).get(_url(targets_world["agreed"])).json() == [p1, p2]
    assert api.get(_url(targets_world["agreed"], 2)).json() == p2


def test_a_missing_priority_is_not_found(api, targets_world):
    client = login(api, targets_world["users"]["owner"])
    response = client.get(_url(targets_world["agreed"], 3))
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == "Version 1 has no target for P3."
    assert client.get(_url(targets_world["agreed"], 9)).status_code == 404
    assert client.delete(_url(targets_world["draft"], 3)).status_code == 404
    assert client.patch(_url(targets_world["draft"], 3), {"engage_within": 60}, format="json").status_code == 404


def test_the_detail_query_count_does_not_grow_with_the_targets(api, targets_world, django_assert_max_num_queries):
    client = login(api, targets_world["users"]["owner"])
    services.urgency_target_set(agreement=targets_world["draft"], priority=3, engage_within=H, resolve_within=9 * H)
    with django_assert_max_num_queries(8):
        body = client.get(f"/api/v1/agreements/{targets_world['draft'].pk}/").json()
    assert [t["priority"] for t in body["urgency_targets"]] == [1, 2, 3]


# --- Writing the whole set -------------------------------------------------------------------


def test_the_whole_set_is_replaced_with_seconds_or_iso_durations(api, targets_world, calendars):
    draft = targets_world["draft"]
    body = [
        {"priority": 1, "engage_within": "PT10M", "resolve_within": "PT2H", "calendar": "24x7"},
        {
            "priority": 3,
            "engage_within": 14400,
            "update_every": "P1D",
            "resolve_within": "P2DT4H",
            "calendar": {"slug": "office", "name": "Office"},  # as the API shows it
            "objective_percent": 90.5,
            "warning_shares": [60, 80, 90],
        },
    ]
    response = login(api, targets_world["users"]["owner"]).put(_url(draft), body, format="json")
    assert response.status_code == 200, response.content
    assert [(t["priority"], t["resolve_within_human"]) for t in response.json()] == [(1, "2h"), (3, "2 days 4h")]
    office, always = calendars["office"].pk, calendars["always"].pk
    assert _stored(draft) == {
        1: (H / 6, None, 2 * H, always),
        3: (4 * H, 24 * H, timedelta(days=2, hours=4), office),
    }
    assert draft.urgency_targets.get(priority=3).warning_shares == [60, 80, 90]

    assert login(api, targets_world["users"]["owner"]).put(_url(draft), [], format="json").json() == []
    assert _stored(draft) == {}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            [{"priority": 1, "engage_within": "4 hours", "resolve_within": "PT4H"}],
            {
                "targets[0].engage_within": (
                    "Give a number of seconds or an ISO 8601 duration such as PT30M, PT4H or P2D."
                )
            },
        ),
        (
            [{"priority": 1, "engage_within": "P1M", "resolve_within": "P2M"}],
            {
                "targets[0].engage_within": MONTHS,
                "targets[0].resolve_within": MONTHS,
            },
        ),
        (
            [{"priority": 1, "engage_within": 60, "resolve_within": 60}, {"priority": 2, "resolve_within": 60}],
            {"targets[1].engage_within": "This field is required."},
        ),
        (
            [{"priority": 1, "engage_within": 60, "resolve_within": 60, "calendar": "moon"}],
            {"targets[0].calendar": "There is no calendar “moon”."},
        ),
        (
            [{"priority": 1, "engage_within": "PT8H", "resolve_within": "PT4H"}, "P2"],
            {"targets[1]": "Each target must be a JSON object."},
        ),
        # Type-checked, then the rules of catalog.services:
        (
            [
                {"priority": 1, "engage_within": "PT8H", "resolve_within": "PT4H"},
                {"priority": 1, "engage_within": 60, "resolve_within": 60},
                {"priority": 6, "engage_within": 60, "resolve_within": 60, "warning_shares": [90, 50]},
            ],
            {
                "targets[0].engage_within": (
                    "P1: The time to engage (8h) cannot be longer than the time to resolve (4h)."
                ),
                "targets[1].priority": "P1 is given twice (also at position 1).",
                "targets[2].priority": "Give a priority from 1 (P1) to 5 (P5), not 6.",
                "targets[2].warning_shares": "List the warnings in increasing order, each once, e.g. 50, 75.",
            },
        ),
        (
            {"priority": 1, "engage_within": 60, "resolve_within": 60},
            {"non_field_errors": "Send a list of targets, one per priority (an empty list removes them all)."},
        ),
    ],
)
def test_bad_sets_are_refused_naming_each_field_and_nothing_is_written(api, targets_world, body, errors):
    before = _stored(targets_world["draft"])
    response = login(api, targets_world["users"]["owner"]).put(_url(targets_world["draft"]), body, format="json")
    assert response.status_code == 400
    assert {e["attr"]: e["detail"] for e in response.json()["errors"]} == errors
    assert _stored(targets_world["draft"]) == before


def test_targets_of_a_proposed_or_agreed_version_are_fixed(api, targets_world):
    client = login(api, targets_world["users"]["owner"])
    one = {"engage_within": 60, "resolve_within": 60}
    body = [{"priority": 1, **one}]
    for agreement, hint in (
        (targets_world["proposed"], "Return it to draft"),
        (targets_world["agreed"], "Draft the next"),
    ):
        before = _stored(agreement)
        for response in (
            client.put(_url(agreement), body, format="json"),
            client.put(_url(agreement, 1), one, format="json"),
            client.delete(_url(agreement, 2)) if before else client.put(_url(agreement, 2), one, format="json"),
        ):
            assert response.status_code == 400
            assert "its targets are fixed" in response.json()["errors"][0]["detail"]
            assert hint in response.json()["errors"][0]["detail"]
        assert _stored(agreement) == before


# --- Writing one priority --------------------------------------------------------------------


def test_one_priority_is_created_replaced_changed_and_removed(api, targets_world, calendars):
    draft, client = targets_world["draft"], login(api, targets_world["users"]["owner"])
    created = client.put(_url(draft, 4), {"engage_within": "PT8H", "resolve_within": "P5D"}, format="json")
    assert created.status_code == 201
    assert (created.json()["priority"], created.json()["resolve_within"]) == (4, "P5D")

    replaced = client.put(
        _url(draft, 2), {"priority": 2, "engage_within": 1800, "resolve_within": 28800}, format="json"
    )
    assert replaced.status_code == 200
    assert _stored(draft)[2] == (H / 2, None, 8 * H, None)  # replaced whole: no update interval any more

    changed = client.patch(_url(draft, 1), {"resolve_within": "PT6H", "objective_percent": "99.9"}, format="json")
    assert changed.status_code == 200
    assert _stored(draft)[1] == (H / 4, None, 6 * H, calendars["always"].pk)  # the rest as it was
    assert changed.json()["objective_percent"] == 99.9

    assert client.delete(_url(draft, 4)).status_code == 204
    assert sorted(_stored(draft)) == [1, 2]


def test_one_priority_refuses_a_body_for_another_or_a_bad_value(api, targets_world):
    draft, client = targets_world["draft"], login(api, targets_world["users"]["owner"])
    before = _stored(draft)
    response = client.put(_url(draft, 2), {"priority": 3, "engage_within": 60, "resolve_within": 60}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "invalid", "detail": "This address is for P2; leave priority out or give 2.", "attr": "priority"}
    ]
    response = client.patch(_url(draft, 2), {"engage_within": "P1D"}, format="json")
    assert {e["attr"]: e["detail"] for e in response.json()["errors"]} == {
        "engage_within": "P2: The time to engage (1 day) cannot be longer than the time to resolve (8h)."
    }
    response = client.patch(_url(draft, 2), {"objective_percent": 120}, format="json")
    assert response.json()["errors"][0]["attr"] == "objective_percent"
    assert _stored(draft) == before


# --- The priority matrix ---------------------------------------------------------------------


def test_the_matrix_is_written_with_the_terms_of_a_draft_all_or_nothing(api, targets_world):
    draft, client = targets_world["draft"], login(api, targets_world["users"]["owner"])
    url = f"/api/v1/agreements/{draft.pk}/"
    response = client.patch(url, {"scope": "Changed.", "priority_matrix": [[1, 1, 2], [2, 4]]}, format="json")
    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["priority_matrix"]
    assert "three rows" in response.json()["errors"][0]["detail"]
    draft.refresh_from_db()
    assert draft.scope == "Commission runs."

    body = client.patch(url, {"scope": "Changed.", "priority_matrix": [[1, 1, 2], [2, 3, 4], [3, 4, 4]]}, format="json")
    assert body.status_code == 200
    assert body.json()["priority_matrix"] == [[1, 1, 2], [2, 3, 4], [3, 4, 4]]
    assert body.json()["scope"] == "Changed."

    agreed = client.patch(
        f"/api/v1/agreements/{targets_world['agreed'].pk}/", {"priority_matrix": [[1] * 3] * 3}, format="json"
    )
    assert agreed.status_code == 400


def test_a_new_draft_copies_the_targets_in_force_or_takes_a_matrix(api, targets_world):
    client = login(api, targets_world["users"]["owner"])
    client.post(f"/api/v1/agreements/{targets_world['proposed'].pk}/withdraw/")
    body = client.post("/api/v1/agreements/", {"service": "payroll", "business_unit": "finance"}, format="json").json()
    assert [(t["priority"], t["engage_within"]) for t in body["urgency_targets"]] == [(1, "PT15M"), (2, "PT1H")]

    response = client.post(
        "/api/v1/agreements/",
        {"service": "payroll", "business_unit": None, "priority_matrix": [[1, 1, 1], [2, 2, 2], [3, 3, 3]]},
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["priority_matrix"], response.json()["urgency_targets"]) == (
        [[1, 1, 1], [2, 2, 2], [3, 3, 3]],
        [],
    )
    laptops = ServiceFactory(slug="laptops", service_owner=targets_world["users"]["owner"])
    refused = client.post(
        "/api/v1/agreements/", {"service": "laptops", "business_unit": None, "priority_matrix": "ITIL"}, format="json"
    )
    assert refused.status_code == 400
    assert [e["attr"] for e in refused.json()["errors"]] == ["priority_matrix"]
    assert not laptops.agreements.exists()


def test_the_diff_lists_target_changes(api, targets_world):
    client = login(api, targets_world["users"]["owner"])
    client.post(f"/api/v1/agreements/{targets_world['proposed'].pk}/withdraw/")
    draft = client.post("/api/v1/agreements/", {"service": "payroll", "business_unit": "finance"}).json()
    client.patch(f"/api/v1/agreements/{draft['id']}/targets/2/", {"engage_within": "PT30M"}, format="json")
    client.delete(f"/api/v1/agreements/{draft['id']}/targets/1/")
    body = client.get(f"/api/v1/agreements/{draft['id']}/diff/?against={targets_world['agreed'].pk}").json()
    assert [(c["field"], c["kind"], c["change"]) for c in body["changes"]] == [
        ("urgency_targets.P1", "urgency_target", "removed"),
        ("urgency_targets.P2", "urgency_target", "changed"),
    ]
    assert body["changes"][1]["fields"] == [
        {"field": "engage_within", "label": "Engage within", "old": "1h", "new": "30 min"}
    ]


# --- Services name their support calendar -----------------------------------------------------


def test_a_service_names_its_support_calendar_by_slug(api, targets_world, calendars):
    client = login(api, targets_world["users"]["owner"])
    assert client.get("/api/v1/services/payroll/").json()["support_calendar"] == "office"
    assert client.get("/api/v1/services/").json()["results"][1]["support_calendar"] in ("office", None)

    response = client.patch("/api/v1/services/payroll/", {"support_calendar": "24x7"}, format="json")
    assert response.status_code == 200
    assert response.json()["support_calendar"] == "24x7"

    response = client.patch("/api/v1/services/payroll/", {"support_calendar": "moon"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "support_calendar"

    # P2 of the agreement in force counts in the support calendar: it cannot be cleared.
    response = client.patch("/api/v1/services/payroll/", {"support_calendar": None}, format="json")
    assert response.status_code == 400
    assert "count in the support calendar" in response.json()["errors"][0]["detail"]
    targets_world["service"].refresh_from_db()
    assert targets_world["service"].support_calendar == calendars["always"]


# --- Who may do what (as tests/api/test_permissions_matrix.py) ----------------------------------

CASES = [
    ("targets of the version in force", "get", lambda w: _url(w["agreed"]), None, [200] * 6),
    ("one target in force", "get", lambda w: _url(w["agreed"], 2), None, [200] * 6),
    ("targets of a draft", "get", lambda w: _url(w["draft"]), None, [404, 404, 404, 404, 200, 200]),
    (
        "replace a draft's targets",
        "put",
        lambda w: _url(w["draft"]),
        lambda w: [{"priority": 1, "engage_within": 60, "resolve_within": 60}],
        [401, 404, 404, 404, 200, 200],
    ),
    (
        "replace a proposed version's targets",
        "put",
        lambda w: _url(w["proposed"]),
        lambda w: [],
        [401, 404, 403, 404, 400, 400],
    ),
    (
        "set one target of a draft",
        "put",
        lambda w: _url(w["draft"], 3),
        lambda w: {"engage_within": 60, "resolve_within": 60},
        [401, 404, 404, 404, 201, 201],
    ),
    (
        "change one target of a draft",
        "patch",
        lambda w: _url(w["draft"], 2),
        lambda w: {"engage_within": 60},
        [401, 404, 404, 404, 200, 200],
    ),
    (
        "change one target in force",
        "patch",
        lambda w: _url(w["agreed"], 2),
        lambda w: {"engage_within": 60},
        [401, 403, 403, 403, 400, 400],
    ),
    ("remove one target of a draft", "delete", lambda w: _url(w["draft"], 2), None, [401, 404, 404, 404, 204, 204]),
    (
        "set a draft's priority matrix",
        "patch",
        lambda w: f"/api/v1/agreements/{w['draft'].pk}/",
        lambda w: {"priority_matrix": [[1, 1, 2], [2, 3, 4], [3, 4, 5]]},
        [401, 404, 404, 404, 200, 200],
    ),
    (
        "set a service's support calendar",
        "patch",
        lambda w: "/api/v1/services/payroll/",
        lambda w: {"support_calendar": "24x7"},
        [401, 403, 403, 403, 200, 200],
    ),
]
PARAMS = [
    pytest.param(method, url, body, actor, expected[i], id=f"{name}-{actor}")
    for name, method, url, body, expected in CASES
    for i, actor in enumerate(ACTORS)
]


@pytest.mark.parametrize(("method", "url", "body", "actor", "expected"), PARAMS)
def test_permissions_matrix(api, targets_world, method, url, body, actor, expected):
    client = login(api, targets_world["users"][actor])
    kwargs = {"format": "json"}
    if body is not None:
        kwargs["data"] = body(targets_world)
    response = getattr(client, method)(url(targets_world), **kwargs)
    assert response.status_code == expected, response.content[:500]
    if expected in (400, 401, 403, 404):
        assert response.json()["errors"][0]["detail"]


def test_what_get_returns_can_be_put_back(api, targets_world):
    client = login(api, targets_world["users"]["owner"])
    shown = client.get(_url(targets_world["agreed"])).json()
    client.put(_url(targets_world["draft"]), [], format="json")
    response = client.put(_url(targets_world["draft"]), shown, format="json")
    assert response.status_code == 200
    assert response.json() == shown
