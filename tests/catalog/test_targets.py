"""Urgency targets and the priority matrix of an agreement version: written only on a draft,
validated with messages that name the problem, copied into the next version, compared by
the diff, and followed by the open tickets' clocks once a version comes into force."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from catalog import selectors, services
from catalog.durations import duration_human, duration_iso, duration_parse, duration_parse_text
from catalog.models import AgreementStatus, UrgencyTarget
from catalog.services.targets import target_values_clean
from sla.models import Clock
from sla.services import calendar_create, calendar_working_hours_set, ticket_events_ingest
from tests.catalog.helpers import agreed, business_signer, draft, proposed
from tests.factories import BusinessUnitFactory, ServiceFactory, representative
from tests.sla.conftest import agree, at, event

H = timedelta(hours=1)
MIN = timedelta(minutes=1)


@pytest.fixture
def unit(db):
    return BusinessUnitFactory(name="Finance", slug="finance")


@pytest.fixture
def office(db):
    return calendar_create(name="Office", time_zone="UTC", hours=dict.fromkeys(range(5), "09:00-17:00"))


@pytest.fixture
def always(db):
    return calendar_create(name="Always", time_zone="UTC", is_24x7=True)


@pytest.fixture
def service(unit, office):
    return ServiceFactory(name="Payroll", slug="payroll", business_units=[unit], support_calendar=office)


def _targets(agreement) -> dict[int, tuple]:
    return {
        t.priority: (t.engage_within, t.update_every, t.resolve_within, t.calendar_id, t.objective_percent)
        for t in UrgencyTarget.objects.filter(agreement=agreement)
    }


def _p2(**overrides) -> dict:
    return {"priority": 2, "engage_within": H, "resolve_within": 8 * H, **overrides}


# --- Durations as people and programs write them ---------------------------------------


@pytest.mark.parametrize(
    ("duration", "iso", "human"),
    [
        (4 * H, "PT4H", "4h"),
        (30 * MIN, "PT30M", "30 min"),
        (timedelta(days=2), "P2D", "2 days"),
        (timedelta(days=1), "P1D", "1 day"),
        (H + 30 * MIN, "PT1H30M", "1h 30 min"),
        (timedelta(days=1, hours=4), "P1DT4H", "1 day 4h"),
        (timedelta(seconds=45), "PT45S", "45 s"),
        (timedelta(0), "PT0S", "0 min"),
    ],
)
def test_durations_are_shown_in_iso_8601_and_in_words(duration, iso, human):
    assert duration_iso(duration) == iso
    assert duration_human(duration) == human
    assert duration_parse(iso) == duration


@pytest.mark.parametrize(
    ("given", "expected"),
    [(1800, 30 * MIN), ("1800", 30 * MIN), ("pt4h", 4 * H), ("P1W", timedelta(days=7)), (3600.0, H)],
)
def test_programs_send_seconds_or_iso_8601(given, expected):
    assert duration_parse(given) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("P1M", "Months and years vary in length"),
        ("P1Y", "Months and years vary in length"),
        ("PT", "ISO 8601 duration"),
        ("4 hours", "ISO 8601 duration"),
        (True, "ISO 8601 duration"),
        (1.5, "ISO 8601 duration"),
        (None, "ISO 8601 duration"),
    ],
)
def test_a_duration_programs_cannot_mean_is_refused_with_a_hint(given, message):
    with pytest.raises(ValueError, match=message):
        duration_parse(given)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4h", 4 * H),
        ("30 min", 30 * MIN),
        ("1h 30m", 90 * MIN),
        ("1 hour and 30 minutes", 90 * MIN),
        ("1.5h", 90 * MIN),
        ("2 days", timedelta(days=2)),
        ("1d4h", timedelta(days=1, hours=4)),
        ("04:00", 4 * H),
        ("1 04:00:00", timedelta(days=1, hours=4)),
        ("PT4H", 4 * H),
    ],
)
def test_people_type_durations_in_words(text, expected):
    assert duration_parse_text(text) == expected


@pytest.mark.parametrize(("text", "message"), [("30", "Say the unit"), ("4 parsecs", "Unknown unit"), ("", "Write it")])
def test_a_duration_without_a_known_unit_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        duration_parse_text(text)


@given(st.integers(min_value=1, max_value=365 * 86400))
def test_iso_and_words_read_back_to_the_same_duration(seconds):
    duration = timedelta(seconds=seconds)
    assert duration_parse(duration_iso(duration)) == duration
    assert duration_parse_text(duration_human(duration).replace(" s", "s")) == duration


# --- Validation (no database) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"priority": 0}, "priority", "from 1 (P1) to 5 (P5)"),
        ({"priority": 6}, "priority", "from 1 (P1) to 5 (P5)"),
        ({"priority": True}, "priority", "from 1 (P1) to 5 (P5)"),
        ({"engage_within": timedelta(0)}, "engage_within", "P2: The time to engage must be more than zero."),
        ({"engage_within": None}, "engage_within", "P2: The time to engage is required."),
        ({"resolve_within": -H}, "resolve_within", "P2: The time to resolve must be more than zero."),
        ({"resolve_within": timedelta(days=400)}, "resolve_within", "at most 365 days, not 400 days"),
        ({"engage_within": 9 * H}, "engage_within", "to engage (9h) cannot be longer than the time to resolve (8h)"),
        ({"update_every": timedelta(0)}, "update_every", "The update interval must be more than zero."),
        ({"update_every": "1h"}, "update_every", "must be a duration"),
        ({"engage_within": timedelta(seconds=1.5)}, "engage_within", "whole seconds"),
        ({"objective_percent": 101}, "objective_percent", "between 0 and 100%, not 101"),
        ({"objective_percent": -1}, "objective_percent", "between 0 and 100%"),
        ({"objective_percent": "95.555"}, "objective_percent", "at most two decimals"),
        ({"objective_percent": "most"}, "objective_percent", "must be a percentage"),
        ({"objective_percent": float("nan")}, "objective_percent", "must be a percentage"),
        ({"warning_shares": []}, "warning_shares", "Give the warnings as percentages"),
        ({"warning_shares": [75, 50]}, "warning_shares", "increasing order"),
        ({"warning_shares": [50, 50]}, "warning_shares", "increasing order"),
        ({"warning_shares": [0, 50]}, "warning_shares", "between 1% and 99%"),
        ({"warning_shares": [50, 100]}, "warning_shares", "between 1% and 99%"),
        ({"warning_shares": [50.5]}, "warning_shares", "whole percentages"),
        ({"calendar": "office"}, "calendar", "Choose a calendar"),
    ],
)
def test_bad_values_are_named_with_the_priority_and_the_problem(overrides, field, message):
    _, errors = target_values_clean(_p2(**overrides))
    assert list(errors) == [field]
    assert message in errors[field][0]


def test_good_values_are_normalised_and_defaults_filled_in():
    values, errors = target_values_clean(_p2(objective_percent=99.5, update_every=2 * H))
    assert errors == {}
    assert values == {
        "priority": 2,
        "engage_within": H,
        "resolve_within": 8 * H,
        "update_every": 2 * H,
        "calendar": None,
        "objective_percent": Decimal("99.5"),
        "warning_shares": [50, 75],
    }


# --- Writing targets on a draft ----------------------------------------------------------


def test_a_target_is_created_then_replaced_for_its_priority(service, unit, always):
    agreement = draft(service=service, business_unit=unit)
    services.urgency_target_set(agreement=agreement, **_p2())
    services.urgency_target_set(
        agreement=agreement, **_p2(engage_within=30 * MIN, update_every=2 * H, calendar=always, objective_percent=90)
    )
    target = UrgencyTarget.objects.get(agreement=agreement)
    assert _targets(agreement) == {2: (30 * MIN, 2 * H, 8 * H, always.pk, Decimal("90.00"))}
    assert target.history.count() == 2  # written through save(): the change is on record


def test_a_calendar_that_no_longer_exists_is_refused(service, unit):
    agreement = draft(service=service, business_unit=unit)
    gone = calendar_create(name="Gone", time_zone="UTC", is_24x7=True)
    gone.delete()
    with pytest.raises(ValidationError) as excinfo:
        services.urgency_target_set(agreement=agreement, **_p2(calendar=gone))
    assert excinfo.value.message_dict == {"calendar": ["The calendar “Gone” no longer exists."]}
    assert not UrgencyTarget.objects.exists()


def test_a_target_is_removed_and_removing_a_missing_one_says_so(service, unit):
    agreement = draft(service=service, business_unit=unit)
    services.urgency_target_set(agreement=agreement, **_p2())
    services.urgency_target_remove(agreement=agreement, priority=2)
    assert _targets(agreement) == {}
    with pytest.raises(ValidationError) as excinfo:
        services.urgency_target_remove(agreement=agreement, priority=2)
    assert excinfo.value.message_dict == {"priority": [f"Version {agreement.version} has no target for P2."]}


def test_the_whole_set_is_replaced_all_or_nothing(service, unit, always):
    agreement = draft(service=service, business_unit=unit)
    services.urgency_targets_replace(
        agreement=agreement,
        targets=[{"priority": 1, "engage_within": 15 * MIN, "resolve_within": 4 * H, "calendar": always}, _p2()],
    )
    before = _targets(agreement)
    with pytest.raises(ValidationError) as excinfo:
        services.urgency_targets_replace(
            agreement=agreement,
            targets=[_p2(engage_within=30 * MIN), _p2(), {"priority": 3, "engage_within": H, "resolve_within": 0 * H}],
        )
    assert excinfo.value.message_dict == {
        "targets[1].priority": ["P2 is given twice (also at position 1)."],
        "targets[2].resolve_within": ["P3: The time to resolve must be more than zero."],
    }
    assert _targets(agreement) == before

    services.urgency_targets_replace(agreement=agreement, targets=[_p2(engage_within=30 * MIN)])
    assert _targets(agreement) == {2: (30 * MIN, None, 8 * H, None, Decimal("95.00"))}


def test_an_unknown_field_in_a_set_is_a_programming_error(service, unit):
    with pytest.raises(TypeError, match="Unknown fields: engage"):
        services.urgency_targets_replace(
            agreement=draft(service=service, business_unit=unit), targets=[{"priority": 1, "engage": H}]
        )


def test_the_priority_matrix_is_set_on_a_draft_and_checked(service, unit):
    agreement = draft(service=service, business_unit=unit)
    assert agreement.priority_matrix == [[1, 2, 3], [2, 3, 4], [3, 4, 5]]  # ITIL's default
    services.agreement_priority_matrix_set(agreement=agreement, matrix=[[1, 1, 2], [2, 3, 4], [3, 4, 4]])
    agreement.refresh_from_db()
    assert agreement.priority_matrix == [[1, 1, 2], [2, 3, 4], [3, 4, 4]]
    for bad in ([[1, 2, 3]], [[1, 2, 3], [2, 3, 4], [3, 4, 6]], "ITIL", [[1, 2, True], [2, 3, 4], [3, 4, 5]]):
        with pytest.raises(ValidationError) as excinfo:
            services.agreement_priority_matrix_set(agreement=agreement, matrix=bad)
        assert list(excinfo.value.message_dict) == ["priority_matrix"]
    agreement.refresh_from_db()
    assert agreement.priority_matrix == [[1, 1, 2], [2, 3, 4], [3, 4, 4]]


def test_a_bad_matrix_given_with_terms_leaves_the_terms_unchanged(service, unit):
    agreement = draft(service=service, business_unit=unit)
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_update(agreement=agreement, scope="New scope.", priority_matrix=[[9]])
    assert list(excinfo.value.message_dict) == ["priority_matrix"]
    agreement.refresh_from_db()
    assert agreement.scope != "New scope."
    services.agreement_update(agreement=agreement, scope="New scope.", priority_matrix=[[1, 1, 1]] * 3)
    agreement.refresh_from_db()
    assert (agreement.scope, agreement.priority_matrix) == ("New scope.", [[1, 1, 1]] * 3)


@pytest.mark.parametrize(
    ("stage", "hint"),
    [("proposed", "Return it to draft to change them."), ("agreed", "Draft the next version to change them.")],
)
def test_targets_and_matrix_are_fixed_once_proposed(service, unit, stage, hint):
    agreement = draft(service=service, business_unit=unit)
    services.urgency_target_set(agreement=agreement, **_p2())
    services.agreement_propose(agreement=agreement, actor=service.service_owner)
    if stage == "agreed":
        services.agreement_sign(agreement=agreement, actor=service.service_owner)
        services.agreement_sign(agreement=agreement, actor=business_signer(agreement))
    before = _targets(agreement)
    attempts = [
        lambda: services.urgency_target_set(agreement=agreement, **_p2(engage_within=MIN)),
        lambda: services.urgency_target_remove(agreement=agreement, priority=2),
        lambda: services.urgency_targets_replace(agreement=agreement, targets=[]),
        lambda: services.agreement_priority_matrix_set(agreement=agreement, matrix=[[1, 1, 1]] * 3),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as excinfo:
            attempt()
        assert excinfo.value.messages == [f"Version 1 is {stage}; its targets are fixed. {hint}"]
    assert _targets(agreement) == before
    agreement.refresh_from_db()
    assert agreement.priority_matrix == [[1, 2, 3], [2, 3, 4], [3, 4, 5]]


# --- Versions: copy, propose ----------------------------------------------------------------


def test_the_next_draft_starts_from_the_matrix_and_targets_in_force(service, unit, always):
    first = draft(service=service, business_unit=unit)
    services.agreement_priority_matrix_set(agreement=first, matrix=[[1, 1, 2], [2, 3, 4], [3, 4, 4]])
    services.urgency_target_set(
        agreement=first, priority=1, engage_within=15 * MIN, resolve_within=4 * H, calendar=always, warning_shares=[80]
    )
    services.urgency_target_set(agreement=first, **_p2(update_every=2 * H))
    services.agreement_propose(agreement=first, actor=service.service_owner)
    services.agreement_sign(agreement=first, actor=service.service_owner)
    services.agreement_sign(agreement=first, actor=business_signer(first))

    second = draft(service=service, business_unit=unit)
    assert second.priority_matrix == [[1, 1, 2], [2, 3, 4], [3, 4, 4]]
    assert _targets(second) == _targets(first)
    assert second.urgency_targets.get(priority=1).warning_shares == [80]

    # A copy: changing the draft leaves the version in force as agreed.
    services.urgency_target_set(agreement=second, **_p2(engage_within=30 * MIN))
    assert first.urgency_targets.get(priority=2).engage_within == H


def test_a_first_draft_or_one_for_another_unit_starts_empty(service, unit):
    agreed(service=service, business_unit=unit)
    other = draft(service=service, business_unit=None)
    assert (other.priority_matrix, _targets(other)) == ([[1, 2, 3], [2, 3, 4], [3, 4, 5]], {})


def test_propose_refuses_a_target_with_no_calendar_to_count_in(unit):
    service = ServiceFactory(business_units=[unit], support_calendar=None)
    agreement = draft(service=service, business_unit=unit)
    services.urgency_target_set(agreement=agreement, **_p2())
    services.urgency_target_set(agreement=agreement, **_p2(priority=4))
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_propose(agreement=agreement, actor=service.service_owner)
    assert excinfo.value.message_dict == {
        "urgency_targets": [
            "P2 has no calendar to count in: choose one for the target, or give the service a support calendar.",
            "P4 has no calendar to count in: choose one for the target, or give the service a support calendar.",
        ]
    }
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT


def test_propose_accepts_targets_counting_in_the_support_calendar_and_terms_only_versions(service, unit):
    with_targets = draft(service=service, business_unit=unit)
    services.urgency_target_set(agreement=with_targets, **_p2())
    assert services.agreement_propose(agreement=with_targets, actor=service.service_owner).status == "proposed"
    # An agreement of terms only (a best-effort service) promises no times, and may say so.
    terms_only = draft(service=service, business_unit=None)
    assert services.agreement_propose(agreement=terms_only, actor=service.service_owner).status == "proposed"


def test_a_support_calendar_that_agreed_targets_count_in_cannot_be_cleared(service, unit, always):
    agreement = agreed(service=service, business_unit=unit)
    with pytest.raises(ValidationError):  # an agreed version's targets are fixed...
        services.urgency_target_set(agreement=agreement, **_p2())
    UrgencyTarget.objects.create(agreement=agreement, priority=2, engage_within=H, resolve_within=8 * H)  # ...so
    with pytest.raises(ValidationError) as excinfo:
        services.service_update(service=service, support_calendar=None)
    assert excinfo.value.message_dict == {
        "support_calendar": [
            "Targets agreed or proposed with Finance (version 1) count in the support calendar; "
            "keep a support calendar, or choose another."
        ]
    }
    services.service_update(service=service, support_calendar=always)
    service.refresh_from_db()
    assert service.support_calendar == always


# --- The diff ---------------------------------------------------------------------------


def test_the_diff_reports_matrix_cells_and_targets_added_removed_and_changed(service, unit, always):
    first = draft(service=service, business_unit=unit)
    services.urgency_target_set(agreement=first, priority=1, engage_within=15 * MIN, resolve_within=4 * H)
    services.urgency_target_set(agreement=first, **_p2(update_every=2 * H))
    second = draft(service=ServiceFactory(), business_unit=None)
    second = services.agreement_priority_matrix_set(agreement=second, matrix=[[1, 1, 3], [2, 3, 4], [3, 4, 5]])
    services.urgency_target_set(
        agreement=second, **_p2(engage_within=30 * MIN, resolve_within=timedelta(days=2), calendar=always)
    )
    services.urgency_target_set(agreement=second, priority=4, engage_within=4 * H, resolve_within=timedelta(days=5))

    changes = selectors.agreement_diff(old=first, new=second)
    by_field = {c.field: c for c in changes}
    assert [c.field for c in changes if c.kind != "term"] == [
        "priority_matrix",
        "urgency_targets.P1",
        "urgency_targets.P2",
        "urgency_targets.P4",
    ]
    matrix = by_field["priority_matrix"]
    assert [(f.label, f.old, f.new) for f in matrix.fields] == [("Impact high, urgency medium", "P2", "P1")]
    assert matrix.diff[1:3] == ["-Impact high: P1 P2 P3", "+Impact high: P1 P1 P3"]

    removed, changed, added = (by_field[f"urgency_targets.P{priority}"] for priority in (1, 2, 4))
    assert (removed.change, removed.label, removed.new) == ("removed", "P1 – critical target", "")
    assert ("Engage within", "15 min", "") in [(f.label, f.old, f.new) for f in removed.fields]
    assert changed.change == "changed"
    assert [(f.label, f.old, f.new) for f in changed.fields] == [
        ("Engage within", "1h", "30 min"),
        ("Update every", "2h", "none"),
        ("Resolve within", "8h", "2 days"),
        ("Calendar", "the service's support calendar", "Always"),
    ]
    assert changed.diff[0] == "-Engage within: 1h" and "+Resolve within: 2 days" in changed.diff
    assert (added.change, added.old) == ("added", "")
    assert ("Resolve within", "", "5 days") in [(f.label, f.old, f.new) for f in added.fields]
    assert ("Objective", "", "95%") in [(f.label, f.old, f.new) for f in added.fields]


def test_equal_targets_make_no_change(service, unit):
    first = agreed(service=service, business_unit=unit)
    second = draft(service=service, business_unit=unit)
    assert selectors.agreement_diff(old=first, new=second) == []


# --- Open tickets' clocks follow the targets and calendars ---------------------------------


@pytest.fixture
def recomputed(monkeypatch):
    """The recomputations the task was asked for (it runs eagerly in tests)."""
    calls = []
    monkeypatch.setattr("sla.tasks.checks.tickets_recompute", lambda **kwargs: calls.append(kwargs) or 0)
    return calls


def test_the_second_signature_enqueues_a_recompute_of_the_services_open_clocks(
    service, unit, recomputed, django_capture_on_commit_callbacks
):
    agreement = proposed(service=service, business_unit=unit)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.agreement_sign(agreement=agreement, actor=service.service_owner)
    assert (callbacks, recomputed) == ([], [])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.agreement_sign(agreement=agreement, actor=business_signer(agreement))
    assert len(callbacks) == 1
    assert recomputed == [{"service_ids": [service.pk], "calendar_ids": None, "open_only": True}]


def test_withdrawing_the_version_in_force_enqueues_a_recompute(
    service, unit, recomputed, django_capture_on_commit_callbacks
):
    agreement = agreed(service=service, business_unit=unit)
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_withdraw(agreement=agreement, actor=service.service_owner, reason="Replaced.")
    assert recomputed == [{"service_ids": [service.pk], "calendar_ids": None, "open_only": True}]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.agreement_withdraw(agreement=draft(service=service, business_unit=unit), actor=service.service_owner)
    assert callbacks == []


def test_a_new_support_calendar_enqueues_a_recompute_and_an_unchanged_one_does_not(
    service, always, office, recomputed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.service_update(service=service, support_calendar=office, summary="Same calendar.")
    assert recomputed == []
    with django_capture_on_commit_callbacks(execute=True):
        services.service_update(service=service, support_calendar=always)
    assert recomputed == [{"service_ids": [service.pk], "calendar_ids": None, "open_only": True}]


def test_new_working_hours_enqueue_a_recompute_of_the_clocks_counting_in_them(
    office, recomputed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        calendar_working_hours_set(calendar=office, hours=dict.fromkeys(range(5), "08:00-18:00"))
    assert recomputed == [{"service_ids": None, "calendar_ids": [office.pk], "open_only": True}]


@pytest.fixture
def sla_world(service, unit, office):
    """Payroll on office hours (UTC, Mon-Fri 09-17), agreed with Finance: P2 engages within 1h."""
    owner, rep = service.service_owner, representative(unit)
    targets = {2: {"engage_within": H, "update_every": 2 * H, "resolve_within": 8 * H}}
    agree(service, unit, targets, owner, rep)
    return {"service": service, "unit": unit, "owner": owner, "rep": rep, "office": office}


def _engage_due(external_id: str):
    return Clock.objects.get(ticket__external_id=external_id, kind="engage").due_at


def test_open_tickets_clocks_follow_the_targets_of_the_new_version(sla_world, django_capture_on_commit_callbacks):
    service, unit, owner, rep = (sla_world[k] for k in ("service", "unit", "owner", "rep"))
    opened = {"service": "payroll", "business_unit": "finance", "priority": 2, "title": "Payslips"}
    ticket_events_ingest(events=[event("opened", at(2, 9), external_id="INC-1", **opened)], now=at(2, 9))
    ticket_events_ingest(events=[event("opened", at(2, 9), external_id="INC-2", **opened)], now=at(2, 9))
    ticket_events_ingest(
        events=[event("resolved", at(2, 9, 20), external_id="INC-2", key="INC-2:resolved")], now=at(2, 9, 20)
    )
    assert _engage_due("INC-1") == at(2, 10)  # P2: engage within 1h of office hours

    second = services.agreement_draft_create(service=service, business_unit=unit, actor=owner)
    services.urgency_target_set(agreement=second, priority=2, engage_within=30 * MIN, resolve_within=8 * H)
    services.agreement_propose(agreement=second, actor=owner)
    services.agreement_sign(agreement=second, actor=owner)
    with time_machine.travel(at(2, 9, 25), tick=False), django_capture_on_commit_callbacks(execute=True):
        services.agreement_sign(agreement=second, actor=rep)

    assert _engage_due("INC-1") == at(2, 9, 30)
    assert _engage_due("INC-2") == at(2, 10)  # resolved: its record stays as it was measured


def test_open_tickets_clocks_follow_new_working_hours(sla_world, django_capture_on_commit_callbacks):
    opened = {"service": "payroll", "business_unit": "finance", "priority": 2, "title": "Payslips"}
    # Friday 16:30: 30 min of office hours left, the other 30 min on Monday at 09:00.
    ticket_events_ingest(events=[event("opened", at(6, 16, 30), **opened)], now=at(6, 16, 30))
    assert _engage_due("INC-1") == at(9, 9, 30)
    with time_machine.travel(at(6, 16, 40), tick=False), django_capture_on_commit_callbacks(execute=True):
        calendar_working_hours_set(calendar=sla_world["office"], hours=dict.fromkeys(range(7), "09:00-17:00"))
    assert _engage_due("INC-1") == at(7, 9, 30)  # Saturday is now a working day
