"""The check pass and the measure evaluation shared out over workers: run_checks asks helpers
(check_due_clocks) when many clocks are due, evaluate_measures splits the measures in force into
chunks; between them every clock and every measure is done once, at one `now`."""

from datetime import UTC, datetime

import pytest

from sla.models import Alert, Clock, MeasureEvaluation
from sla.services import measures_evaluate
from sla.tasks import check_due_clocks, evaluate_measures, run_checks
from tests.sla.conftest import at
from tests.sla.evaluation_helpers import add_measure, push
from tests.sla.test_checks import open_ticket, queued

__all__ = ["queued"]  # the fixture, used by name


@pytest.fixture
def enqueued(monkeypatch):
    """What a task sends to other workers, instead of running it eagerly here."""
    sent: dict[str, list[tuple]] = {"check_due_clocks": [], "evaluate_measures": []}
    monkeypatch.setattr(check_due_clocks, "delay", lambda *a, **kw: sent["check_due_clocks"].append((a, kw)))
    monkeypatch.setattr(evaluate_measures, "delay", lambda *a, **kw: sent["evaluate_measures"].append((a, kw)))
    return sent


def test_run_checks_asks_one_helper_per_full_chunk_up_to_the_parallelism(sla, settings, enqueued, time_machine):
    settings.SLA_CHECK_CHUNK, settings.SLA_CHECK_PARALLELISM = 2, 3
    for i in range(7):
        open_ticket(external_id=f"INC-{i}")
    now = at(2, 9, 31)  # every ticket's engage clock is past its 50% warning
    time_machine.move_to(now, tick=False)
    assert Clock.objects.filter(next_check_at__lte=now).count() == 7

    # 7 due in chunks of 2: 3 full chunks, but at most 3 workers in all: 2 helpers.
    mine = run_checks.apply().get()
    assert enqueued["check_due_clocks"] == [((now.isoformat(),), {})] * 2
    assert mine == {"checked": 7, "alerts": 7}  # alone, it does the whole pass itself
    # The helpers arriving late find nothing left: each clock is checked once.
    for args, kwargs in enqueued["check_due_clocks"]:
        assert check_due_clocks.apply(args, kwargs).get() == {"checked": 0, "alerts": 0}
    assert Alert.objects.count() == 7


def test_helpers_that_start_first_share_the_pass_in_disjoint_chunks(sla, settings, enqueued, time_machine):
    settings.SLA_CHECK_CHUNK, settings.SLA_CHECK_PARALLELISM = 2, 3
    for i in range(5):
        open_ticket(external_id=f"INC-{i}")
    now = at(2, 9, 31)
    from sla.services.checks import clocks_check_due

    # Two workers, a chunk each, then the helper task finishes what is left.
    first = clocks_check_due(now=now, chunk_size=2, max_chunks=1)
    second = clocks_check_due(now=now, chunk_size=2, max_chunks=1)
    rest = check_due_clocks.apply((now.isoformat(),)).get()
    assert (first.checked, second.checked, rest["checked"]) == (2, 2, 1)
    assert first.alerts + second.alerts + rest["alerts"] == Alert.objects.count() == 5
    assert not Clock.objects.filter(next_check_at__lte=now).exists()


def test_few_due_clocks_need_no_helper(sla, settings, enqueued, time_machine):
    settings.SLA_CHECK_CHUNK = 500
    open_ticket()
    time_machine.move_to(at(2, 9, 31), tick=False)
    assert run_checks.apply().get() == {"checked": 1, "alerts": 1}
    assert enqueued["check_due_clocks"] == []


def missed_measures(sla, count):
    """Measures whose November is all late: each gets a "missed" alert once December starts."""
    measures = []
    for i in range(count):
        measure = add_measure(sla["agreement"], key=f"m-{i}", name=f"Measure {i}")
        push(measure, [(at(d, 10, j), 15) for d in (2, 3, 4) for j in range(3)])
        measures.append(measure)
    return measures


def test_evaluate_measures_splits_the_measures_into_chunks_at_one_now(sla, settings, enqueued, time_machine):
    settings.SLA_EVALUATION_CHUNK = 2
    measures = missed_measures(sla, 5)
    now = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    time_machine.move_to(now, tick=False)

    mine = evaluate_measures.apply().get()
    ids = [m.pk for m in measures]
    assert enqueued["evaluate_measures"] == [
        ((), {"measure_ids": ids[2:4], "now_iso": now.isoformat()}),
        ((), {"measure_ids": ids[4:], "now_iso": now.isoformat()}),
    ]
    assert mine["measures"] == 2 and mine["alerts"] == 2  # its own chunk: the first two
    assert set(Alert.objects.values_list("key", flat=True)) == {f"measure:{pk}:20261101:missed" for pk in ids[:2]}

    # The other workers run their chunks (later: they evaluate at the pass's `now` all the same).
    time_machine.move_to(datetime(2026, 12, 1, 0, 40, tzinfo=UTC), tick=False)
    for args, kwargs in enqueued["evaluate_measures"]:
        evaluate_measures.apply(args, kwargs).get()
    assert Alert.objects.filter(kind="measure_missed").count() == 5
    assert set(MeasureEvaluation.objects.values_list("computed_at", flat=True)) == {now}

    # The chunks together wrote what one pass over everything writes.
    chunked = sorted(MeasureEvaluation.objects.values_list("measure_id", "period_start", "status", "actual", "volume"))
    MeasureEvaluation.objects.all().delete()
    measures_evaluate(now=now)
    whole = sorted(MeasureEvaluation.objects.values_list("measure_id", "period_start", "status", "actual", "volume"))
    assert chunked == whole
    # A chunk run twice (its worker lost) raises nothing again.
    args, kwargs = enqueued["evaluate_measures"][0]
    assert evaluate_measures.apply(args, kwargs).get()["alerts"] == 0
    assert Alert.objects.count() == 5


def test_no_measures_no_chunks(db, enqueued):
    assert evaluate_measures.apply().get()["measures"] == 0
    assert enqueued["evaluate_measures"] == []


def test_run_checks_twice_at_one_moment_raises_and_notifies_each_alert_once(
    sla, settings, enqueued, queued, time_machine
):
    """A check pass run again (its worker lost after committing, the message handed out again)."""
    settings.SLA_CHECK_CHUNK, settings.SLA_CHECK_PARALLELISM = 2, 2
    for i in range(3):
        open_ticket(external_id=f"INC-{i}")
    time_machine.move_to(at(2, 9, 31), tick=False)
    assert run_checks.apply().get() == {"checked": 3, "alerts": 3}
    assert run_checks.apply().get() == {"checked": 0, "alerts": 0}
    for args, kwargs in enqueued["check_due_clocks"]:  # its helper, sent once
        assert check_due_clocks.apply(args, kwargs).get() == {"checked": 0, "alerts": 0}
    assert len(queued) == Alert.objects.count() == 3  # each alert handed to the notifications once


def test_recompute_open_clocks_twice_raises_nothing_twice(sla, queued, time_machine):
    from sla.tasks import recompute_open_clocks

    open_ticket()
    time_machine.move_to(at(2, 9, 31), tick=False)
    run_checks.apply()
    before = sorted(Clock.objects.values_list("kind", "state", "next_check_at", "last_warned_share"))
    for _ in range(2):
        recompute_open_clocks.apply(kwargs={"service_ids": [sla["service"].pk]}).get()
    assert sorted(Clock.objects.values_list("kind", "state", "next_check_at", "last_warned_share")) == before
    assert len(queued) == Alert.objects.count() == 1


def test_a_check_task_hands_the_rest_of_the_pass_on_when_its_time_budget_is_spent(
    sla, settings, enqueued, time_machine
):
    """However many clocks are due and however slow the machine, a task takes no new chunk once
    SLA_CHECK_TASK_BUDGET is spent (the chunk under way finishes) and asks a fresh helper to go
    on at the same `now`: each stays inside its soft time limit, and the pass still ends."""
    settings.SLA_CHECK_CHUNK, settings.SLA_CHECK_PARALLELISM, settings.SLA_CHECK_TASK_BUDGET = 2, 1, 0
    for i in range(5):
        open_ticket(external_id=f"INC-{i}")
    now = at(2, 9, 31)
    time_machine.move_to(now, tick=False)

    checked = [run_checks.apply().get()["checked"]]  # no helper asked up front (parallelism 1)
    while enqueued["check_due_clocks"]:
        args, kwargs = enqueued["check_due_clocks"].pop()
        assert args == (now.isoformat(),)
        checked.append(check_due_clocks.apply(args, kwargs).get()["checked"])
    # A chunk per task with no budget: 2, 2, 1, then one that finds the pass done (a task
    # stopped at its deadline cannot know nothing is left).
    assert checked == [2, 2, 1, 0]
    assert Alert.objects.count() == 5
    assert not Clock.objects.filter(next_check_at__lte=now).exists()


def test_with_time_left_a_task_runs_the_pass_to_the_end_and_hands_nothing_on(sla, settings, enqueued, time_machine):
    settings.SLA_CHECK_CHUNK, settings.SLA_CHECK_PARALLELISM, settings.SLA_CHECK_TASK_BUDGET = 2, 1, 60
    for i in range(5):
        open_ticket(external_id=f"INC-{i}")
    time_machine.move_to(at(2, 9, 31), tick=False)
    assert run_checks.apply().get() == {"checked": 5, "alerts": 5}  # three chunks in one task
    assert enqueued["check_due_clocks"] == []


def test_the_deadline_stops_the_pass_between_chunks_only(sla, time_machine):
    """clocks_check_due always checks one chunk (progress), then stops at the deadline."""
    from sla.services.checks import clocks_check_due

    for i in range(3):
        open_ticket(external_id=f"INC-{i}")
    now = at(2, 9, 31)
    time_machine.move_to(now, tick=False)
    first = clocks_check_due(now=now, chunk_size=2, deadline=0.0)  # long past
    assert (first.checked, first.chunks, first.stopped) == (2, 1, True)
    rest = clocks_check_due(now=now, chunk_size=2, deadline=0.0)
    assert (rest.checked, rest.chunks, rest.stopped) == (1, 1, True)
    done = clocks_check_due(now=now, chunk_size=2, deadline=0.0)
    assert (done.checked, done.chunks, done.stopped) == (0, 0, False)  # nothing due: nothing to hand on
