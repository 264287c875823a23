"""Success measures of an agreement version: written only on a draft, validated with messages
that name the problem, the implied values of ticket and feedback measures filled in, copied
into the next version, compared by the diff, and put in words for the pages."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from catalog import measure_text, selectors, services
from catalog.models import Agreement, Measure
from catalog.services.measure_rules import MOST_MEASURES, measure_values_clean, measures_clean, measures_count_warning
from tests.catalog.helpers import agreed, business_signer, draft
from tests.factories import BusinessUnitFactory, ServiceFactory

MIN = timedelta(minutes=1)


@pytest.fixture
def unit(db):
    return BusinessUnitFactory(name="Finance", slug="finance")


@pytest.fixture
def service(unit):
    return ServiceFactory(name="Payroll", slug="payroll", business_units=[unit])


def payslips(**overrides) -> dict:
    """A manual percentage measure: each pay run entered as hours late (0 when on time)."""
    return {
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
        **overrides,
    }


def engage(**overrides) -> dict:
    return {
        "key": "time-to-engage",
        "name": "Time to engage",
        "description": "Why it matters to the business.",
        "factor": "engagement",
        "source": "tickets",
        "ticket_metric": "engage_time",
        "target": 2,
        "warning_level": "1.5",
        **overrides,
    }


def _stored(agreement) -> dict:
    return {m.key: (m.name, m.target, m.position) for m in Measure.objects.filter(agreement=agreement)}


def _problems(given: dict) -> dict:
    return measure_values_clean(given)[1]


# --- One measure's values -----------------------------------------------------------------


def test_a_manual_percentage_measure_is_normalised_with_defaults():
    values, problems = measure_values_clean(payslips(warning_level=None, period=None, min_points=None))
    assert problems == {}
    assert values == {
        "key": "payslips-on-time",
        "name": "Payslips on time",
        "description": "Every pay run's payslips are online by 6am on pay day.",
        "factor": "results",
        "source": "manual",
        "period": "month",
        "direction": "higher",
        "aggregation": "percent",
        "condition": "lte",
        "condition_value": Decimal(0),
        "unit": "%",
        "target": Decimal(95),
        "warning_level": None,
        "valid_min": Decimal(0),
        "valid_max": Decimal(240),
        "min_points": 5,
        "ticket_metric": "",
        "ticket_priority": None,
        "ticket_within": None,
        "feedback_metric": "",
    }


@pytest.mark.parametrize(
    ("metric", "aggregation", "unit", "direction"),
    [
        ("resolved_in_time", "percent", "%", "higher"),
        ("engage_time", "mean", "hours", "lower"),
        ("updates_kept", "percent", "%", "higher"),
    ],
)
def test_a_ticket_metric_implies_its_aggregation_unit_and_direction(metric, aggregation, unit, direction):
    values, problems = measure_values_clean(engage(ticket_metric=metric, warning_level=None, ticket_priority=1))
    assert problems == {}
    assert (values["aggregation"], values["unit"], values["direction"]) == (aggregation, unit, direction)
    assert values["ticket_priority"] == 1


@pytest.mark.parametrize(
    ("metric", "aggregation", "unit", "target"),
    [("csat", "percent", "%", 85), ("nps", "mean", "points", -20), ("ces", "mean", "points", "5.5")],
)
def test_feedback_measures_can_be_defined_before_feedback_arrives(metric, aggregation, unit, target):
    given = {
        "key": "k",
        "name": "Users are satisfied",
        "description": "Why it matters.",
        "factor": "user_experience",
        "source": "feedback",
    }
    values, problems = measure_values_clean({**given, "feedback_metric": metric, "target": target})
    assert problems == {}
    assert (values["aggregation"], values["unit"], values["direction"]) == (aggregation, unit, "higher")


def test_owner_within_needs_the_time_allowed():
    given = engage(ticket_metric="owner_within", target=90, warning_level=None)
    assert _problems(given) == {"ticket_within": ["Say within how long a ticket must have an owner, e.g. 30 minutes."]}
    assert _problems({**given, "ticket_within": 30 * MIN}) == {}


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        (
            payslips(key=""),
            "key",
            "Give the measure a key, e.g. payslips-on-time: it names the measure in every version.",
        ),
        (
            payslips(key="payslips on time"),
            "key",
            "A key is at most 80 letters, digits, hyphens or underscores, e.g. payslips-on-time.",
        ),
        (payslips(name="  "), "name", "Give the measure a name in the business's words."),
        (payslips(name="x" * 161), "name", "A name is at most 160 characters, not 161."),
        (
            payslips(factor=""),
            "factor",
            "Choose the success factor it serves: engagement, urgency, ownership, pace, results or user experience.",
        ),
        (payslips(period="year"), "period", "Choose the period it is measured over: a week, a month or a quarter."),
        (payslips(direction="up"), "direction", "Say whether higher or lower is better."),
        (
            payslips(source="email"),
            "source",
            "Choose where its data comes from: entered by the owner, "
            "pushed by an integration, derived from tickets or derived from feedback.",
        ),
        (payslips(target=None), "target", "Give the target: the value that counts as success."),
        (payslips(target="ninety"), "target", "The target must be a number, e.g. 95 or 4.5."),
        (payslips(target=float("nan")), "target", "The target must be a number, e.g. 95 or 4.5."),
        (payslips(target=True), "target", "The target must be a number, e.g. 95 or 4.5."),
        (payslips(target="95.00001"), "target", "The target may have at most 4 decimals."),
        (payslips(target=101), "target", "The target must be between 0% and 100%, not 101."),
        (payslips(warning_level=-1), "warning_level", "The warning level must be between 0% and 100%, not -1."),
        (
            payslips(warning_level=90),
            "warning_level",
            "Higher is better, so the warning level must be at or above the target (95): "
            "the measure is at risk before it is missed.",
        ),
        (
            payslips(condition=""),
            "condition",
            "A percentage measure says which data points count: choose a comparison.",
        ),
        (
            payslips(condition_value=None),
            "condition_value",
            "A percentage measure says which data points count: give the value.",
        ),
        (
            payslips(condition_value=300),
            "condition_value",
            "The condition's value must be in the valid range: between 0 and 240.",
        ),
        (payslips(unit="hours"), "unit", "A percentage measure is shown in %: leave the unit empty or give “%”."),
        (payslips(valid_max=0), "valid_max", "The highest valid value must be more than the lowest (0)."),
        (
            payslips(min_points=0),
            "min_points",
            "Give the fewest data points for a verdict as a whole number, at least 1.",
        ),
        (
            payslips(ticket_priority=1),
            "ticket_priority",
            "Only measures derived from tickets take a ticket priority; leave it empty.",
        ),
        (
            payslips(feedback_metric="csat"),
            "feedback_metric",
            "Only measures derived from feedback take a feedback score; leave it empty.",
        ),
        (
            payslips(aggregation="mean", condition_value=None),
            "condition",
            "Only percentage measures have a condition; leave it empty.",
        ),
        (
            payslips(aggregation="mean", condition="", condition_value=None, target=300, warning_level=None),
            "target",
            "The target must be between 0 and 240, not 300.",
        ),
        (
            engage(ticket_metric=""),
            "ticket_metric",
            "Choose what to derive from tickets: share of tickets resolved "
            "within target, mean business time to engage (hours), share of tickets with an owner within a time or "
            "share of update intervals kept.",
        ),
        (
            engage(warning_level=3),
            "warning_level",
            "Lower is better, so the warning level must be at or below the target (2): "
            "the measure is at risk before it is missed.",
        ),
        (
            engage(target=0, warning_level=None),
            "target",
            "A time to engage of 0 hours cannot be met: give more than 0.",
        ),
        (
            engage(aggregation="p90"),
            "aggregation",
            "For mean business time to engage (hours), the aggregation is “mean”: leave it empty or give that.",
        ),
        (
            engage(unit="minutes"),
            "unit",
            "For mean business time to engage (hours), the unit is “hours”: leave it empty or give that.",
        ),
        (
            engage(direction="higher", warning_level=None),
            "direction",
            "For mean business time to engage (hours), the direction is “lower”: leave it empty or give that.",
        ),
        (
            engage(ticket_priority=6),
            "ticket_priority",
            "Give a priority from 1 (P1) to 5 (P5), or none for tickets of every priority.",
        ),
        (
            engage(ticket_within=30 * MIN),
            "ticket_within",
            "Only “owner within” measures take a time allowed; leave it empty.",
        ),
        (
            engage(ticket_metric="owner_within", ticket_within=timedelta(0), target=90, warning_level=None),
            "ticket_within",
            "The time allowed must be more than zero.",
        ),
        (
            engage(valid_min=0),
            "valid_min",
            "Only measures that take data points (entered or pushed) have a valid range.",
        ),
        (
            engage(condition="lt"),
            "condition",
            "The mean business time to engage (hours) says which events count; leave the condition empty.",
        ),
        (
            engage(ticket_metric="resolved_in_time", target=101, warning_level=None),
            "target",
            "The target must be between 0% and 100%, not 101.",
        ),
        (
            {
                "key": "n",
                "name": "n",
                "description": "Why it matters.",
                "factor": "pace",
                "source": "feedback",
                "target": 1,
            },
            "feedback_metric",
            "Choose the feedback score: CSAT, NPS or CES.",
        ),
        (
            {
                "key": "n",
                "name": "n",
                "description": "Why it matters.",
                "factor": "pace",
                "source": "feedback",
                "feedback_metric": "nps",
                "target": -101,
            },
            "target",
            "The target must be between -100 and 100, not -101.",
        ),
        (
            {
                "key": "n",
                "name": "n",
                "description": "Why it matters.",
                "factor": "pace",
                "source": "feedback",
                "feedback_metric": "ces",
                "target": 8,
            },
            "target",
            "The target must be between 1 and 7, not 8.",
        ),
        (
            {
                "key": "n",
                "name": "n",
                "description": "Why it matters.",
                "factor": "pace",
                "aggregation": "count",
                "target": -1,
            },
            "target",
            "The target must be at least 0, not -1.",
        ),
    ],
)
def test_bad_values_are_refused_with_a_message_naming_the_problem(given, field, message):
    assert _problems(given)[field] == [message]


def test_a_sum_may_pass_one_points_range_and_lower_warnings_sit_below_the_target():
    total = payslips(aggregation="sum", condition="", condition_value=None, unit="payslips", target=5000)
    assert _problems({**total, "warning_level": 5500}) == {}
    late = payslips(aggregation="mean", condition="", condition_value=None, unit="hours", direction="lower")
    assert _problems({**late, "target": 2, "warning_level": 1}) == {}


@given(
    target=st.decimals(min_value=0, max_value=100, places=2),
    warning=st.decimals(min_value=0, max_value=100, places=2),
    direction=st.sampled_from(["higher", "lower"]),
)
def test_a_warning_is_accepted_exactly_when_it_is_on_the_safe_side(target, warning, direction):
    problems = _problems(payslips(target=target, warning_level=warning, direction=direction))
    safe = warning >= target if direction == "higher" else warning <= target
    assert ("warning_level" not in problems) == safe


# --- Writing on a draft ------------------------------------------------------------------------


def test_a_measure_is_created_then_replaced_by_its_key(service, unit):
    agreement = draft(service=service, business_unit=unit)
    first = services.measure_set(agreement=agreement, **payslips())
    services.measure_set(agreement=agreement, **engage())
    again = services.measure_set(
        agreement=agreement, **payslips(name="Payslips online on time", description="Why it matters.", target=96)
    )
    assert again.pk == first.pk
    assert _stored(agreement) == {
        "payslips-on-time": ("Payslips online on time", Decimal(96), 0),
        "time-to-engage": ("Time to engage", Decimal(2), 1),
    }
    # A replacement, not a change: what is left out takes its default.
    assert (again.period, again.min_points) == ("quarter", 3)
    assert services.measure_set(agreement=agreement, **payslips(period=None, min_points=None)).period == "month"


def test_a_bad_measure_raises_every_problem_and_writes_nothing(service, unit):
    agreement = draft(service=service, business_unit=unit)
    with pytest.raises(ValidationError) as excinfo:
        services.measure_set(agreement=agreement, **payslips(name="", target=120))
    assert set(excinfo.value.message_dict) == {"name", "target"}
    assert _stored(agreement) == {}
    with pytest.raises(TypeError, match="Unknown fields: colour"):
        services.measure_set(agreement=agreement, **payslips(colour="red"))


def test_a_measure_is_removed_and_removing_a_missing_one_says_so(service, unit):
    agreement = draft(service=service, business_unit=unit)
    services.measure_set(agreement=agreement, **payslips())
    services.measure_remove(agreement=agreement, key="payslips-on-time")
    assert _stored(agreement) == {}
    with pytest.raises(ValidationError) as excinfo:
        services.measure_remove(agreement=agreement, key="payslips-on-time")
    assert excinfo.value.message_dict == {"key": ["Version 1 has no measure “payslips-on-time”."]}


def test_the_whole_set_is_replaced_in_order_all_or_nothing(service, unit):
    agreement = draft(service=service, business_unit=unit)
    services.measure_set(agreement=agreement, **payslips())
    services.measure_set(
        agreement=agreement, key="old", name="Old", description="Why it matters.", factor="pace", target=1
    )

    with pytest.raises(ValidationError) as excinfo:
        services.measures_replace(
            agreement=agreement,
            measures=[engage(), payslips(target=101), engage(name="Again"), "not a measure"],
        )
    assert excinfo.value.message_dict == {
        "measures[1].target": ["The target must be between 0% and 100%, not 101."],
        "measures[2].key": ["The key “time-to-engage” is given twice (also at position 1)."],
        "measures[3]": ["Each measure must be a set of named values."],
    }
    assert set(_stored(agreement)) == {"payslips-on-time", "old"}

    saved = services.measures_replace(agreement=agreement, measures=[engage(), payslips(target=97)])
    assert [m.key for m in saved] == ["time-to-engage", "payslips-on-time"]
    assert _stored(agreement) == {
        "time-to-engage": ("Time to engage", Decimal(2), 0),
        "payslips-on-time": ("Payslips on time", Decimal(97), 1),
    }
    assert services.measures_replace(agreement=agreement, measures=[]) == []
    assert _stored(agreement) == {}


def test_an_agreement_has_a_select_few_measures(service, unit):
    assert MOST_MEASURES == 7
    assert measures_clean([payslips(key=f"m{index}") for index in range(7)])[1] == {}
    many = [payslips(key=f"m{index}") for index in range(8)]
    assert measures_clean(many)[1] == {
        "measures": ["An agreement has at most 7 measures, not 8: keep the select few the business will act on."]
    }
    agreement = draft(service=service, business_unit=unit)
    services.measures_replace(agreement=agreement, measures=many[:7])
    with pytest.raises(ValidationError) as excinfo:
        services.measure_set(agreement=agreement, **payslips(key="one-more"))
    assert excinfo.value.message_dict == {"key": ["An agreement has at most 7 measures; remove one first."]}


def test_a_measure_says_why_it_matters_in_its_own_words():
    for missing in ("", "   ", None):
        problems = measure_values_clean(payslips(description=missing))[1]
        assert problems == {"description": ["Say why this measure matters to the business, in its own words."]}
    assert measure_values_clean(payslips(description="x" * 2001))[1] == {
        "description": ["The context is at most 2000 characters, not 2001."]
    }
    assert measure_values_clean(payslips(factor=""))[1] == {
        "factor": [
            "Choose the success factor it serves: engagement, urgency, ownership, pace, results or user experience."
        ]
    }


@pytest.mark.parametrize(
    ("count", "warning"),
    [
        (0, ""),
        (5, ""),
        (
            6,
            "6 measures: more than 5 is a lot to act on. "
            "Keep the select few that say whether the business is served (at most 7).",
        ),
        (8, "8 measures: an agreement carries at most 7. Remove 1."),
    ],
)
def test_more_than_five_measures_is_warned_of(count, warning):
    assert measures_count_warning(count) == warning


@pytest.mark.parametrize(
    ("stage", "hint"),
    [("proposed", "Return it to draft to change them."), ("agreed", "Draft the next version to change them.")],
)
def test_measures_are_fixed_once_proposed(service, unit, stage, hint):
    agreement = draft(service=service, business_unit=unit)
    services.measure_set(agreement=agreement, **payslips())
    services.agreement_propose(agreement=agreement, actor=service.service_owner)
    if stage == "agreed":
        services.agreement_sign(agreement=agreement, actor=service.service_owner)
        services.agreement_sign(agreement=agreement, actor=business_signer(agreement))
    before = _stored(agreement)
    attempts = [
        lambda: services.measure_set(agreement=agreement, **payslips(target=50)),
        lambda: services.measure_set(agreement=agreement, **engage()),
        lambda: services.measure_remove(agreement=agreement, key="payslips-on-time"),
        lambda: services.measures_replace(agreement=agreement, measures=[]),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as excinfo:
            attempt()
        assert excinfo.value.messages == [f"Version 1 is {stage}; its measures are fixed. {hint}"]
    assert _stored(agreement) == before


# --- Versions: copy and diff -------------------------------------------------------------------


def test_the_next_draft_starts_from_the_measures_in_force(service, unit):
    first = draft(service=service, business_unit=unit)
    services.measures_replace(
        agreement=first,
        measures=[
            engage(ticket_metric="owner_within", ticket_within=30 * MIN, target=90, warning_level=95),
            payslips(),
        ],
    )
    services.agreement_propose(agreement=first, actor=service.service_owner)
    services.agreement_sign(agreement=first, actor=service.service_owner)
    services.agreement_sign(agreement=first, actor=business_signer(first))

    second = draft(service=service, business_unit=unit)
    fields = ["key", "position", *services.MEASURE_FIELDS]
    assert list(second.measures.values_list(*fields)) == list(first.measures.values_list(*fields))
    # A copy: changing the draft leaves the version in force as agreed.
    services.measure_set(agreement=second, **payslips(target=99, warning_level=None))
    assert first.measures.get(key="payslips-on-time").target == 95
    # Another unit's first draft starts with none.
    assert not draft(service=service, business_unit=None).measures.exists()


def test_the_diff_reports_measures_added_removed_and_changed(service, unit):
    first = agreed(service=service, business_unit=unit)
    second = draft(service=service, business_unit=unit)
    services.measures_replace(agreement=second, measures=[payslips(), engage()])
    third_of_another = draft(service=ServiceFactory(), business_unit=None)
    services.measures_replace(
        agreement=third_of_another,
        measures=[
            payslips(target="99.5", warning_level=None, period="month", name="Payslips out on time"),
            {
                "key": "csat",
                "name": "Happy users",
                "description": "Why it matters to the business.",
                "factor": "user_experience",
                "source": "feedback",
                "feedback_metric": "csat",
                "target": 85,
            },
        ],
    )
    assert selectors.agreement_diff(old=first, new=first) == []
    added = [c for c in selectors.agreement_diff(old=first, new=second) if c.kind == "measure"]
    assert [(c.field, c.change, c.label) for c in added] == [
        ("measures.payslips-on-time", "added", "Measure “Payslips on time”"),
        ("measures.time-to-engage", "added", "Measure “Time to engage”"),
    ]
    assert ("Target", "", "at most 2 hours") in [(f.label, f.old, f.new) for f in added[1].fields]

    changes = [c for c in selectors.agreement_diff(old=second, new=third_of_another) if c.kind == "measure"]
    assert [(c.field, c.change) for c in changes] == [
        ("measures.payslips-on-time", "changed"),
        ("measures.csat", "added"),
        ("measures.time-to-engage", "removed"),
    ]
    changed = changes[0]
    assert changed.label == "Measure “Payslips out on time”"
    assert [(f.label, f.old, f.new) for f in changed.fields] == [
        ("Name", "Payslips on time", "Payslips out on time"),
        ("Target", "at least 95%", "at least 99.5%"),
        ("At risk", "below 98%", "no warning"),
        ("Period", "each quarter", "each month"),
    ]
    assert changed.diff[0] == "-Name: Payslips on time" and "+Target: at least 99.5%" in changed.diff
    removed = changes[2]
    assert removed.new == "" and "Target: at most 2 hours" in removed.old


# --- In words ------------------------------------------------------------------------------------


def _measure(**values) -> SimpleNamespace:
    defaults = {
        "direction": "higher",
        "unit": "",
        "target": Decimal(1),
        "warning_level": None,
        "period": "month",
        "source": "manual",
        "aggregation": "mean",
        "condition": "",
        "condition_value": None,
        "ticket_metric": "",
        "ticket_priority": None,
        "ticket_within": None,
        "feedback_metric": "",
        "valid_min": None,
        "valid_max": None,
    }
    return SimpleNamespace(**{**defaults, **values})


@pytest.mark.parametrize(
    ("values", "target", "warning", "counted"),
    [
        (
            {
                "unit": "%",
                "target": Decimal("95.00"),
                "warning_level": Decimal("97.5"),
                "aggregation": "percent",
                "condition": "lte",
                "condition_value": Decimal("0.0000"),
            },
            "at least 95%",
            "below 97.5%",
            "share of data points at most 0",
        ),
        (
            {
                "direction": "lower",
                "unit": "hours",
                "target": Decimal(4),
                "warning_level": Decimal(3),
                "source": "tickets",
                "ticket_metric": "engage_time",
                "ticket_priority": 1,
            },
            "at most 4 hours",
            "above 3 hours",
            "mean business time to engage P1 tickets",
        ),
        (
            {"direction": "lower", "unit": "hours", "target": Decimal(1)},
            "at most 1 hour",
            "",
            "mean of the data points",
        ),
        (
            {
                "unit": "%",
                "target": Decimal(90),
                "source": "tickets",
                "ticket_metric": "owner_within",
                "ticket_within": timedelta(minutes=30),
            },
            "at least 90%",
            "",
            "share of tickets with an owner within 30 min",
        ),
        (
            {"unit": "points", "target": Decimal(-20), "source": "feedback", "feedback_metric": "nps"},
            "at least -20 points",
            "",
            "NPS: promoters minus detractors",
        ),
    ],
)
def test_measures_are_put_in_words(values, target, warning, counted):
    measure = _measure(**values)
    assert measure_text.target_text(measure) == target
    assert measure_text.warning_text(measure) == warning
    assert measure_text.counted_text(measure) == counted


def test_ranges_and_periods_in_words():
    assert measure_text.valid_range_text(_measure(valid_min=Decimal(0), valid_max=Decimal(240))) == "0 to 240"
    assert measure_text.valid_range_text(_measure(valid_min=Decimal(0))) == "at least 0"
    assert measure_text.valid_range_text(_measure()) == "any"
    assert (
        measure_text.success_text(_measure(period="quarter", unit="%", target=Decimal(99)))
        == "at least 99% each quarter"
    )


# --- Demo data ---------------------------------------------------------------------------------


def test_the_demo_defines_believable_measures_and_a_revision(settings, tmp_path, monkeypatch, db):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("load_demo", stdout=StringIO())

    payroll = {a.version: a for a in Agreement.objects.filter(service__name="Payroll", business_unit=None)}
    keys = list(payroll[1].measures.values_list("key", flat=True))
    assert keys == [
        "payslips-on-time",
        "p1-resolved-in-time",
        "time-to-engage",
        "owner-within-30-minutes",
        "updates-kept",
        "payroll-help-satisfaction",
    ]
    assert {m.source for m in payroll[1].measures.all()} == {"manual", "tickets", "feedback"}
    # Each version starts from the one before; the draft revises one measure.
    assert list(payroll[2].measures.values_list("key", "target")) == list(
        payroll[1].measures.values_list("key", "target")
    )
    changes = [c for c in selectors.agreement_diff(old=payroll[2], new=payroll[3]) if c.kind == "measure"]
    assert [(c.field, [(f.old, f.new) for f in c.fields if f.label == "Target"]) for c in changes] == [
        ("measures.payslips-on-time", [("at least 95%", "at least 97%")])
    ]
    shop = Agreement.objects.get(service__name="Online shop", status="agreed")
    assert measure_text.success_text(shop.measures.get(key="online-shop-availability")) == "at least 99.5% each month"

    before = Measure.objects.count()
    call_command("load_demo", stdout=StringIO())
    assert Measure.objects.count() == before
