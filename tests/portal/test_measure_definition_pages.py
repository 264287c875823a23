"""Success measures in the portal: the agreement page lists them by success factor, in words;
owners edit a draft's measures on one page with every problem beside its field, nothing saved
until all is well; the diff shows what changed."""

from datetime import timedelta
from decimal import Decimal

import pytest

from catalog import services
from portal.measure_definitions.presenters import measure_groups
from tests.factories import AgreementFactory
from tests.portal.helpers import agree, page_text

pytestmark = pytest.mark.django_db

PAYSLIPS = {
    "key": "payslips-on-time",
    "name": "Payslips on time",
    "description": "Every pay run's payslips are online by 6am on pay day.",
    "factor": "results",
    "aggregation": "percent",
    "condition": "lte",
    "condition_value": 0,
    "valid_min": 0,
    "target": 95,
    "warning_level": 98,
    "period": "quarter",
}
ENGAGE = {
    "key": "time-to-engage",
    "name": "Time to engage",
    "description": "Why it matters to the business.",
    "factor": "engagement",
    "source": "tickets",
    "ticket_metric": "engage_time",
    "ticket_priority": 1,
    "target": 4,
    "warning_level": 3,
}
CSAT = {
    "key": "csat",
    "name": "Happy users",
    "description": "Why it matters to the business.",
    "factor": "user_experience",
    "source": "feedback",
    "feedback_metric": "csat",
    "target": 85,
}


@pytest.fixture
def draft(service, unit, owner):
    agreement = AgreementFactory(service=service, business_unit=unit, version=1, created_by=owner)
    services.measures_replace(agreement=agreement, measures=[PAYSLIPS, ENGAGE, CSAT])
    return agreement


def _url(agreement) -> str:
    return f"/agreements/{agreement.pk}/measures/"


FIELDS = {
    "key": "",
    "name": "",
    "description": "",
    "factor": "",
    "source": "manual",
    "ticket_metric": "",
    "ticket_priority": "",
    "ticket_within": "",
    "feedback_metric": "",
    "aggregation": "",
    "condition": "",
    "condition_value": "",
    "unit": "",
    "direction": "",
    "target": "",
    "warning_level": "",
    "valid_min": "",
    "valid_max": "",
    "period": "month",
    "min_points": "5",
}


def _form(client, agreement, changes: dict[int, dict], new: dict | None = None) -> dict:
    """POST data as the browser sends the page: each stored measure's values as shown, with
    `changes` by index, and the empty form at the end (filled with `new`)."""
    response = client.get(_url(agreement))
    rows = response.context["rows"]
    data = {
        "measures-TOTAL_FORMS": str(len(rows.forms)),
        "measures-INITIAL_FORMS": str(rows.initial_form_count()),
        "measures-MIN_NUM_FORMS": "0",
        "measures-MAX_NUM_FORMS": "1000",
    }
    for index, form in enumerate(rows.forms):
        if index < rows.initial_form_count():
            values = {name: form[name].value() for name in FIELDS if name != "key"}
            values = {name: "" if value is None else value for name, value in values.items()}
        else:
            values = {**FIELDS, **(new or {})}
        values.update(changes.get(index, {}))
        data.update({f"measures-{index}-{name}": value for name, value in values.items()})
    return data


# --- The agreement page -----------------------------------------------------------------


def test_the_agreement_page_lists_measures_by_factor_in_words(client, draft, owner):
    client.force_login(owner)
    html = page_text(client.get(f"/agreements/{draft.pk}/"))
    section = html.split('id="measures-heading"')[1].split('id="changes-heading"')[0]
    # The factors in their order: engagement, then results, then user experience.
    assert section.index("Engagement") < section.index("Results") < section.index("User experience")
    assert "Does IT respond when we need it?" in section
    assert (
        '<th scope="row">Payslips on time<br><span class="small muted">Every pay run&#x27;s payslips are online by '
        '6am on pay day.</span></th> <td>at least 95% each quarter<br><span class="small muted">at risk below '
        "98%</span></td> <td>share of data points at most 0</td> <td>Entered by the owner</td>"
    ) in section
    assert '<td>at most 4 hours each month<br><span class="small muted">at risk above 3 hours</span></td>' in section
    assert "<td>mean business time to engage P1 tickets</td> <td>Derived from tickets</td>" in section
    assert "From the answers to the service&#x27;s surveys." in section
    assert f'href="/agreements/{draft.pk}/measures/">Edit measures</a>' in html


def test_the_agreement_page_warns_above_five_measures_and_flags_those_with_no_factor(client, draft, owner):
    for index in range(6 - draft.measures.count()):
        services.measure_set(agreement=draft, **{**PAYSLIPS, "key": f"extra-{index}", "name": f"Extra {index}"})
    draft.measures.filter(key="extra-0").update(factor="")  # written before the rule, say
    client.force_login(owner)
    html = page_text(client.get(f"/agreements/{draft.pk}/"))
    assert (
        '<p class="notice notice--warning" id="measures-count-warning">6 measures: more than 5 is a lot to act on. '
        "Keep the select few that say whether the business is served (at most 7).</p>"
    ) in html
    flagged = html.split('id="flagged-measures"')[1].split("</div>")[0]
    assert "1 measure to look at again" in flagged
    assert "<li>Extra 0: No success factor: say which of the six it shows.</li>" in flagged


def test_a_version_without_measures_says_so(client, agreed, owner):
    html = page_text(client.get(f"/agreements/{agreed.pk}/"))
    assert "This version defines no success measures." in html
    assert "Define measures" not in html and "Edit measures" not in html


def test_the_agreement_page_reads_a_fixed_number_of_queries(client, draft, owner, rep, django_assert_max_num_queries):
    agree(draft, it=owner, business=rep)
    second = services.agreement_draft_create(service=draft.service, business_unit=draft.business_unit, actor=owner)
    client.force_login(owner)
    with django_assert_max_num_queries(20) as few:
        client.get(f"/agreements/{second.pk}/")
    services.measure_set(
        agreement=second, key="more", name="More", description="Why it matters.", factor="pace", target=1
    )
    services.measure_set(
        agreement=second, key="again", name="Again", description="Why it matters.", factor="results", target=1
    )
    with django_assert_max_num_queries(len(few.captured_queries)):  # no query per measure, for the list or the diff
        assert client.get(f"/agreements/{second.pk}/").status_code == 200


def test_the_diff_shows_measures_added_removed_and_changed(client, draft, owner, rep):
    agree(draft, it=owner, business=rep)
    second = services.agreement_draft_create(service=draft.service, business_unit=draft.business_unit, actor=owner)
    services.measures_replace(
        agreement=second, measures=[{**PAYSLIPS, "target": 97}, CSAT, {**ENGAGE, "key": "engage-p1"}]
    )
    client.force_login(owner)
    html = page_text(client.get(f"/agreements/{second.pk}/"))
    changes = html.split('id="changes-heading"')[1]
    assert "<h3>Measure “Payslips on time”</h3>" in changes
    assert '<th scope="row">Target</th><td><del>at least 95%</del></td><td><ins>at least 97%</ins></td>' in changes
    assert "<h3>Measure “Time to engage” (added)</h3>" in changes
    assert "<h3>Measure “Time to engage” (removed)</h3>" in changes


def test_groups_follow_the_factors_order_and_keep_the_measures_order():
    class M:  # what measure_groups reads of a measure
        def __init__(self, key, factor):
            self.key, self.name, self.factor, self.description = key, key, factor, ""
            self.direction, self.unit, self.target, self.warning_level = "higher", "%", Decimal(90), None
            self.period, self.source, self.aggregation, self.condition = "month", "manual", "mean", ""
            self.ticket_metric, self.feedback_metric = "", ""

    groups = measure_groups([M("b", "results"), M("a", "engagement"), M("c", "results")])
    assert [(g.label, [r.key for r in g.rows]) for g in groups] == [("Engagement", ["a"]), ("Results", ["b", "c"])]


# --- The edit page ----------------------------------------------------------------------


def test_the_form_starts_from_the_drafts_measures_with_help_in_business_words(client, draft, owner):
    client.force_login(owner)
    html = page_text(client.get(_url(draft)))
    assert "<legend>Payslips on time</legend>" in html and "<legend>Add a measure</legend>" in html
    assert 'value="payslips-on-time"' in html and "disabled" in html  # a stored measure keeps its key
    assert "Whether a higher value is better (e.g. availability) or a lower one (e.g. time to engage)." in html
    assert "How it is counted" in html


def test_owner_changes_removes_and_adds_measures_in_one_go(client, draft, owner):
    client.force_login(owner)
    data = _form(
        client,
        draft,
        {0: {"target": "96", "warning_level": "99"}, 2: {"DELETE": "on"}},
        new={
            "name": "Owner within 30 minutes",
            "description": "Why it matters to the business.",
            "factor": "ownership",
            "source": "tickets",
            "ticket_metric": "owner_within",
            "ticket_within": "30 min",
            "target": "90",
        },
    )
    response = client.post(_url(draft), data)
    assert response.status_code == 302, response.context["rows"].errors
    assert response.url == f"/agreements/{draft.pk}/"
    stored = {m.key: m for m in draft.measures.all()}
    assert list(stored) == ["payslips-on-time", "time-to-engage", "owner-within-30-minutes"]
    assert (stored["payslips-on-time"].target, stored["payslips-on-time"].warning_level) == (96, 99)
    owner_within = stored["owner-within-30-minutes"]
    assert (owner_within.ticket_within, owner_within.aggregation, owner_within.unit) == (
        timedelta(minutes=30),
        "percent",
        "%",
    )
    # Unchanged, as shown: the engage measure's implied values went back as they were.
    assert (stored["time-to-engage"].direction, stored["time-to-engage"].ticket_priority) == ("lower", 1)
    assert "The success measures of version 1 are saved." in page_text(client.get(response.url))


def test_a_measure_moved_to_another_metric_takes_what_the_new_metric_implies(client, draft, owner):
    client.force_login(owner)
    data = _form(client, draft, {1: {"ticket_metric": "resolved_in_time", "target": "90", "warning_level": ""}})
    response = client.post(_url(draft), data)
    assert response.status_code == 302, response.context["rows"].errors
    measure = draft.measures.get(key="time-to-engage")
    assert (measure.aggregation, measure.unit, measure.direction) == ("percent", "%", "higher")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({0: {"target": "101"}}, "measures-0-target", "The target must be between 0% and 100%, not 101."),
        (
            {1: {"warning_level": "5"}},
            "measures-1-warning_level",
            "Lower is better, so the warning level must be at or below the target (4): "
            "the measure is at risk before it is missed.",
        ),
        (
            {0: {"condition": ""}},
            "measures-0-condition",
            "A percentage measure says which data points count: choose a comparison.",
        ),
        ({0: {"target": "lots"}}, "measures-0-target", "Enter a number."),
        (
            {3: {"name": "Time to engage", "factor": "pace", "target": "1"}},
            "measures-3-key",
            "The key “time-to-engage” is given twice (also at position 2).",
        ),
        ({3: {"name": "Something", "target": "1"}}, "measures-3-factor", "This field is required."),
    ],
)
def test_problems_are_shown_beside_their_field_and_nothing_is_saved(client, draft, owner, changes, field, message):
    client.force_login(owner)
    before = list(draft.measures.values_list("key", "target", "warning_level"))
    response = client.post(_url(draft), _form(client, draft, changes))
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    errors = {
        f"measures-{index}-{name}": messages
        for index, row in enumerate(response.context["rows"].forms)
        for name, messages in row.errors.items()
    }
    assert errors[field] == [message]
    assert list(draft.measures.values_list("key", "target", "warning_level")) == before


def test_a_proposed_version_sends_the_owner_back_with_a_message(client, draft, owner):
    services.agreement_propose(agreement=draft, actor=owner)
    client.force_login(owner)
    response = client.get(_url(draft), follow=True)
    assert response.redirect_chain[-1][0] == f"/agreements/{draft.pk}/"
    assert "Version 1 is proposed; its measures are fixed. Draft the next version to change them." in page_text(
        response
    )


def test_only_the_owner_or_an_admin_edits_measures(client, draft, reader, admin, rep):
    client.force_login(reader)
    assert client.get(_url(draft)).status_code == 404  # a reader cannot see a draft at all
    client.force_login(rep)
    assert client.get(_url(draft)).status_code == 404
    client.force_login(admin)
    assert client.get(_url(draft)).status_code == 200
    client.logout()
    assert client.get(_url(draft)).status_code == 302  # to sign in
