"""Success measures through the API: shown on every version, written on drafts only (the whole
set or one key), the implied values of ticket and feedback measures filled in, errors naming
the field with nothing half-written, and the diff listing measures by key."""

from datetime import timedelta
from decimal import Decimal

import pytest

from catalog import services
from catalog.models import Measure
from tests.api.conftest import login

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "reader", "rep", "other_owner", "owner", "admin"]

PAYSLIPS = {
    "key": "payslips-on-time",
    "name": "Payslips on time",
    "description": "Every pay run's payslips are online by 6am on pay day.",
    "factor": "results",
    "aggregation": "percent",
    "condition": "lte",
    "condition_value": 0,
    "valid_min": 0,
    "valid_max": 240,
    "target": 95,
    "warning_level": 98,
    "period": "quarter",
    "min_points": 3,
}
OWNER_WITHIN = {
    "key": "owner-within-30-minutes",
    "name": "Owner within 30 minutes",
    "description": "Why it matters to the business.",
    "factor": "ownership",
    "source": "tickets",
    "ticket_metric": "owner_within",
    "ticket_within": "PT30M",
    "ticket_priority": 1,
    "target": 90,
}


@pytest.fixture
def measures_world(world):
    """The API world with two measures on the draft. The agreed version's measure is test
    setup: measures can only be written on drafts."""
    services.measures_replace(
        agreement=world["draft"], measures=[PAYSLIPS, {**OWNER_WITHIN, "ticket_within": timedelta(minutes=30)}]
    )
    Measure.objects.create(
        agreement=world["agreed"],
        key="payslips-on-time",
        name="Payslips",
        description="Pay day is when people pay their rent.",
        factor="results",
        target=90,
        unit="%",
    )
    return world


def _url(agreement, key=None) -> str:
    return f"/api/v1/agreements/{agreement.pk}/measures/" + (f"{key}/" if key else "")


def _stored(agreement) -> dict:
    return {m.key: (m.name, m.target, m.position) for m in Measure.objects.filter(agreement=agreement)}


def _errors(response) -> dict:
    assert response.status_code == 400, response.content
    return {e["attr"]: e["detail"] for e in response.json()["errors"]}


# --- Reading -------------------------------------------------------------------------------


def test_the_detail_shows_each_measure_with_its_target_in_words(api, measures_world):
    client = login(api, measures_world["users"]["owner"])
    body = client.get(f"/api/v1/agreements/{measures_world['draft'].pk}/").json()
    payslips, owner = body["measures"]
    assert payslips == {
        "key": "payslips-on-time",
        "name": "Payslips on time",
        "description": "Every pay run's payslips are online by 6am on pay day.",
        "factor": "results",
        "factor_label": "Results",
        "source": "manual",
        "ticket_metric": "",
        "ticket_priority": None,
        "ticket_within": None,
        "ticket_within_seconds": None,
        "ticket_within_human": None,
        "feedback_metric": "",
        "aggregation": "percent",
        "condition": "lte",
        "condition_value": 0.0,
        "unit": "%",
        "direction": "higher",
        "target": 95.0,
        "warning_level": 98.0,
        "valid_min": 0.0,
        "valid_max": 240.0,
        "period": "quarter",
        "min_points": 3,
        "position": 0,
        "target_text": "at least 95% each quarter",
        "counted": "share of data points at most 0",
    }
    assert (owner["ticket_within"], owner["ticket_within_seconds"], owner["ticket_within_human"]) == (
        "PT30M",
        1800,
        "30 min",
    )
    assert (owner["aggregation"], owner["unit"], owner["counted"]) == (
        "percent",
        "%",
        "share of P1 tickets with an owner within 30 min",
    )
    assert client.get(_url(measures_world["draft"])).json() == body["measures"]
    assert client.get(_url(measures_world["draft"], "payslips-on-time")).json() == payslips


def test_a_reader_sees_the_measures_of_a_version_in_force_not_of_a_draft(api, measures_world):
    client = login(api, measures_world["users"]["reader"])
    assert [m["key"] for m in client.get(_url(measures_world["agreed"])).json()] == ["payslips-on-time"]
    assert client.get(_url(measures_world["draft"])).status_code == 404


def test_a_missing_key_is_not_found(api, measures_world):
    client = login(api, measures_world["users"]["owner"])
    response = client.get(_url(measures_world["draft"], "unknown"))
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == "Version 1 has no measure “unknown”."
    assert client.delete(_url(measures_world["draft"], "unknown")).status_code == 404
    assert client.patch(_url(measures_world["draft"], "unknown"), {"target": 1}, format="json").status_code == 404


def test_the_detail_query_count_does_not_grow_with_the_measures(api, measures_world, django_assert_max_num_queries):
    client = login(api, measures_world["users"]["owner"])
    url = f"/api/v1/agreements/{measures_world['draft'].pk}/"
    with django_assert_max_num_queries(9) as few:
        client.get(url)
    services.measure_set(
        agreement=measures_world["draft"],
        key="more",
        name="More",
        description="Why it matters.",
        factor="pace",
        target=1,
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(url).json()
    assert [m["key"] for m in body["measures"]] == ["payslips-on-time", "owner-within-30-minutes", "more"]


# --- Writing the whole set -------------------------------------------------------------------


def test_the_whole_set_is_replaced_in_order_with_implied_values(api, measures_world):
    draft = measures_world["draft"]
    body = [
        {
            "key": "time-to-engage",
            "name": "Time to engage",
            "description": "Why it matters to the business.",
            "factor": "engagement",
            "source": "tickets",
            "ticket_metric": "engage_time",
            "target": "2.5",
            "warning_level": 2,
        },
        {**PAYSLIPS, "target": 97, "warning_level": None},
        {
            "key": "csat",
            "name": "Happy users",
            "description": "Why it matters to the business.",
            "factor": "user_experience",
            "source": "feedback",
            "feedback_metric": "csat",
            "target": 85,
        },
    ]
    response = login(api, measures_world["users"]["owner"]).put(_url(draft), body, format="json")
    assert response.status_code == 200, response.content
    shown = response.json()
    assert [(m["key"], m["target_text"]) for m in shown] == [
        ("time-to-engage", "at most 2.5 hours each month"),
        ("payslips-on-time", "at least 97% each quarter"),
        ("csat", "at least 85% each month"),
    ]
    assert (shown[0]["aggregation"], shown[0]["unit"], shown[0]["direction"]) == ("mean", "hours", "lower")
    assert _stored(draft) == {
        "time-to-engage": ("Time to engage", Decimal("2.5"), 0),
        "payslips-on-time": ("Payslips on time", Decimal(97), 1),
        "csat": ("Happy users", Decimal(85), 2),
    }
    assert login(api, measures_world["users"]["owner"]).put(_url(draft), [], format="json").json() == []
    assert _stored(draft) == {}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            [{**PAYSLIPS, "target": "lots", "factor": "speed"}],
            {
                "measures[0].target": "A valid number is required.",
                "measures[0].factor": '"speed" is not a valid choice.',
            },
        ),
        (
            [{**PAYSLIPS, "key": "payslips on time"}],
            {"measures[0].key": "A key is letters, digits, hyphens or underscores, e.g. payslips-on-time."},
        ),
        (
            [{**OWNER_WITHIN, "ticket_within": "P1M"}],
            {
                "measures[0].ticket_within": (
                    "Months and years vary in length; give days instead (P30D), or weeks (P2W)."
                )
            },
        ),
        ([PAYSLIPS, "payslips"], {"measures[1]": "Each measure must be a JSON object."}),
        ({"key": "x"}, {"non_field_errors": "Send a list of measures, in order (an empty list removes them all)."}),
        # Type-checked, then the rules of catalog.services:
        (
            [
                {**PAYSLIPS, "target": 101},
                {**OWNER_WITHIN, "ticket_within": None},
                {**PAYSLIPS, "warning_level": 90, "condition": None},
            ],
            {
                "measures[0].target": "The target must be between 0% and 100%, not 101.",
                "measures[1].ticket_within": "Say within how long a ticket must have an owner, e.g. 30 minutes.",
                "measures[2].key": "The key “payslips-on-time” is given twice (also at position 1).",
                "measures[2].condition": "A percentage measure says which data points count: choose a comparison.",
                "measures[2].warning_level": (
                    "Higher is better, so the warning level must be at or above the target (95): "
                    "the measure is at risk before it is missed."
                ),
            },
        ),
        (
            [{**OWNER_WITHIN, "aggregation": "mean", "unit": "minutes"}],
            {
                "measures[0].aggregation": (
                    "For share of tickets with an owner within a time, the aggregation is “percent”: "
                    "leave it empty or give that."
                ),
                "measures[0].unit": (
                    "For share of tickets with an owner within a time, the unit is “%”: leave it empty or give that."
                ),
            },
        ),
    ],
)
def test_bad_sets_are_refused_naming_each_field_and_nothing_is_written(api, measures_world, body, errors):
    before = _stored(measures_world["draft"])
    response = login(api, measures_world["users"]["owner"]).put(_url(measures_world["draft"]), body, format="json")
    assert _errors(response) == errors
    assert _stored(measures_world["draft"]) == before


def test_measures_of_a_proposed_or_agreed_version_are_fixed(api, measures_world):
    client = login(api, measures_world["users"]["owner"])
    for stage, agreement, hint in (
        ("proposed", measures_world["proposed"], "Return it to draft to change them."),
        ("agreed", measures_world["agreed"], "Draft the next version to change them."),
    ):
        expected = f"Version {agreement.version} is {stage}; its measures are fixed. {hint}"
        before = _stored(agreement)
        for method, url, body in (
            ("put", _url(agreement), [PAYSLIPS]),
            ("put", _url(agreement, "payslips-on-time"), PAYSLIPS),
            ("patch", _url(agreement, "payslips-on-time"), {"target": 50}),
            ("delete", _url(agreement, "payslips-on-time"), None),
        ):
            if method in ("patch", "delete") and not agreement.measures.exists():
                continue  # nothing to change: 404 before any rule
            response = getattr(client, method)(url, body, format="json")
            assert _errors(response) == {"non_field_errors": expected}, (stage, method, url)
        assert _stored(agreement) == before


# --- One key ----------------------------------------------------------------------------------


def test_one_measure_is_created_replaced_changed_and_removed(api, measures_world):
    client = login(api, measures_world["users"]["owner"])
    draft = measures_world["draft"]
    updates = {
        "key": "updates-kept",
        "name": "Updates kept",
        "description": "Why it matters to the business.",
        "factor": "pace",
        "source": "tickets",
        "ticket_metric": "updates_kept",
        "target": 90,
        "warning_level": 95,
    }
    created = client.put(_url(draft, "updates-kept"), {k: v for k, v in updates.items() if k != "key"}, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["position"], created.json()["counted"]) == (2, "share of update intervals kept on tickets")

    replaced = client.put(_url(draft, "updates-kept"), {**updates, "target": 80, "warning_level": None}, format="json")
    assert replaced.status_code == 200
    assert (replaced.json()["target"], replaced.json()["warning_level"]) == (80.0, None)

    changed = client.patch(_url(draft, "payslips-on-time"), {"target": "99.5", "warning_level": 99.9}, format="json")
    assert changed.status_code == 200, changed.content
    # The rest stays as it was.
    assert (changed.json()["target"], changed.json()["period"], changed.json()["condition"]) == (99.5, "quarter", "lte")

    assert client.delete(_url(draft, "owner-within-30-minutes")).status_code == 204
    assert list(draft.measures.values_list("key", flat=True)) == ["payslips-on-time", "updates-kept"]


def test_a_patch_to_another_metric_takes_what_the_new_metric_implies(api, measures_world):
    client = login(api, measures_world["users"]["owner"])
    url = _url(measures_world["draft"], "owner-within-30-minutes")
    response = client.patch(url, {"ticket_metric": "engage_time", "ticket_within": None, "target": 4}, format="json")
    assert response.status_code == 200, response.content
    assert [response.json()[name] for name in ("aggregation", "unit", "direction", "target_text")] == [
        "mean",
        "hours",
        "lower",
        "at most 4 hours each month",
    ]
    # From entered data to tickets: the percentage's aggregation and unit are left behind too.
    response = client.patch(
        _url(measures_world["draft"], "payslips-on-time"),
        {
            "source": "tickets",
            "ticket_metric": "engage_time",
            "condition": None,
            "condition_value": None,
            "valid_min": None,
            "valid_max": None,
            "target": 2,
            "warning_level": None,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["aggregation"], response.json()["unit"]) == ("mean", "hours")


def test_one_measure_refuses_a_body_for_another_key_or_a_bad_value(api, measures_world):
    client = login(api, measures_world["users"]["owner"])
    draft = measures_world["draft"]
    before = _stored(draft)
    assert _errors(client.put(_url(draft, "payslips-on-time"), {**PAYSLIPS, "key": "other"}, format="json")) == {
        "key": "This address is for “payslips-on-time”; leave key out or give “payslips-on-time”."
    }
    assert _errors(client.patch(_url(draft, "payslips-on-time"), {"warning_level": 50}, format="json")) == {
        "warning_level": (
            "Higher is better, so the warning level must be at or above the target (95): "
            "the measure is at risk before it is missed."
        )
    }
    assert _errors(client.put(_url(draft, "new"), {"factor": "pace", "target": 1}, format="json")) == {
        "name": "This field is required."
    }
    assert _errors(client.patch(_url(draft, "payslips-on-time"), {"min_points": 0}, format="json")) == {
        "min_points": "Give the fewest data points for a verdict as a whole number, at least 1."
    }
    assert _stored(draft) == before


def test_what_get_returns_can_be_put_back(api, measures_world):
    client = login(api, measures_world["users"]["owner"])
    shown = client.get(_url(measures_world["draft"])).json()
    client.put(_url(measures_world["draft"]), [], format="json")
    response = client.put(_url(measures_world["draft"]), shown, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == shown


def test_a_new_draft_copies_the_measures_in_force_and_the_diff_lists_them(api, measures_world):
    client = login(api, measures_world["users"]["owner"])
    agreed = measures_world["agreed"]
    # Withdraw the proposed version so a new draft can be started from the one in force.
    services.agreement_withdraw(agreement=measures_world["proposed"], actor=measures_world["users"]["owner"])
    response = client.post(
        "/api/v1/agreements/",
        {"service": "payroll", "business_unit": "finance", "scope": "Pay everyone."},
        format="json",
    )
    assert response.status_code == 201, response.content
    new = response.json()
    assert [m["key"] for m in new["measures"]] == ["payslips-on-time"]

    client.patch(_url_for(new["id"], "payslips-on-time"), {"target": 93, "name": "Payslips out on time"}, format="json")
    client.put(
        _url_for(new["id"], "csat"),
        {
            "name": "Happy users",
            "description": "Why it matters to the business.",
            "factor": "user_experience",
            "source": "feedback",
            "feedback_metric": "csat",
            "target": 85,
        },
        format="json",
    )
    diff = client.get(f"/api/v1/agreements/{new['id']}/diff/?against={agreed.pk}").json()
    measures = [c for c in diff["changes"] if c["kind"] == "measure"]
    assert [(c["field"], c["change"], c["label"]) for c in measures] == [
        ("measures.payslips-on-time", "changed", "Measure “Payslips out on time”"),
        ("measures.csat", "added", "Measure “Happy users”"),
    ]
    assert {(f["label"], f["old"], f["new"]) for f in measures[0]["fields"]} == {
        ("Name", "Payslips", "Payslips out on time"),
        ("Target", "at least 90%", "at least 93%"),
    }


def _url_for(agreement_id: int, key: str) -> str:
    return f"/api/v1/agreements/{agreement_id}/measures/{key}/"


# --- Who may do what --------------------------------------------------------------------------

CASES = [
    ("read a draft's measures", "get", lambda w: _url(w["draft"]), None, [404, 404, 404, 404, 200, 200]),
    # The catalogue is public by default (CATALOGUE_PUBLIC): what is agreed, anyone may read.
    ("read measures in force", "get", lambda w: _url(w["agreed"]), None, [200] * 6),
    ("read one measure in force", "get", lambda w: _url(w["agreed"], "payslips-on-time"), None, [200] * 6),
    (
        "replace a proposed version's measures",
        "put",
        lambda w: _url(w["proposed"]),
        lambda w: [],
        [401, 404, 403, 404, 400, 400],
    ),
    (
        "replace a draft's measures",
        "put",
        lambda w: _url(w["draft"]),
        lambda w: [PAYSLIPS],
        [401, 404, 404, 404, 200, 200],
    ),
    (
        "replace measures in force",
        "put",
        lambda w: _url(w["agreed"]),
        lambda w: [PAYSLIPS],
        [401, 403, 403, 403, 400, 400],
    ),
    (
        "create one measure on a draft",
        "put",
        lambda w: _url(w["draft"], "new"),
        lambda w: {"name": "New", "description": "Why it matters.", "factor": "pace", "target": 1},
        [401, 404, 404, 404, 201, 201],
    ),
    (
        "change one measure in force",
        "patch",
        lambda w: _url(w["agreed"], "payslips-on-time"),
        lambda w: {"target": 91},
        [401, 403, 403, 403, 400, 400],
    ),
    (
        "remove one measure of a draft",
        "delete",
        lambda w: _url(w["draft"], "payslips-on-time"),
        None,
        [401, 404, 404, 404, 204, 204],
    ),
]
PARAMS = [
    pytest.param(method, url, body, actor, expected[i], id=f"{name}-{actor}")
    for name, method, url, body, expected in CASES
    for i, actor in enumerate(ACTORS)
]


@pytest.mark.parametrize(("method", "url", "body", "actor", "expected"), PARAMS)
def test_permissions_matrix(api, measures_world, method, url, body, actor, expected):
    client = login(api, measures_world["users"][actor])
    kwargs = {"format": "json"}
    if body is not None:
        kwargs["data"] = body(measures_world)
    response = getattr(client, method)(url(measures_world), **kwargs)
    assert response.status_code == expected, response.content[:500]
    if expected in (400, 401, 403, 404):
        assert response.json()["errors"][0]["detail"]
