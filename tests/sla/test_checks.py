"""The check pass: warnings before the deadline, the breach after, each once; only due clocks read."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from sla.models import Alert, AlertKind, AlertState, Clock
from sla.services import clocks_check_due, ticket_events_ingest, tickets_recompute
from tests.sla.conftest import at, event


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    ids = []
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", ids.extend)
    return ids


def open_ticket(external_id="INC-1", when=None, priority=2, now=None):
    ticket_events_ingest(
        events=[
            event(
                "opened",
                when or at(2, 9),
                external_id=external_id,
                service="payroll",
                business_unit="finance",
                priority=priority,
                title="Payslips",
            )
        ],
        now=now or when or at(2, 9),
    )


def keys():
    return sorted(Alert.objects.values_list("key", flat=True))


def test_warnings_then_the_breach_each_once(sla, queued):
    open_ticket()
    assert clocks_check_due(now=at(2, 9, 20)).alerts == 0
    assert clocks_check_due(now=at(2, 9, 31)).alerts == 1  # engage: 50% of 1h
    assert [key.split(":", 2)[2] for key in keys()] == ["engage:1:warn:50"]
    assert clocks_check_due(now=at(2, 9, 32)).checked == 0  # nothing due until 09:45
    clocks_check_due(now=at(2, 9, 46))
    clocks_check_due(now=at(2, 10, 1))
    engage_alerts = Alert.objects.filter(key__contains=":engage:1:").order_by("opened_at")
    assert [a.kind for a in engage_alerts] == [AlertKind.CLOCK_WARNING, AlertKind.CLOCK_WARNING, AlertKind.CLOCK_BREACH]
    assert Clock.objects.get(kind="engage").state == "breached"
    before = Alert.objects.count()
    clocks_check_due(now=at(2, 10, 2))
    clocks_check_due(now=at(2, 10, 2))
    assert Alert.objects.count() == before
    assert len(queued) == before


def test_a_late_check_raises_only_the_most_urgent_alert(sla):
    open_ticket()
    clocks_check_due(now=at(2, 9, 50))  # 50% and 75% both passed: one warning, at 75%
    engage = Alert.objects.filter(key__contains=":engage:")
    assert [a.key.rsplit(":", 1)[1] for a in engage] == ["75"]
    assert engage.get().severity == "warning"


def test_alerts_name_the_ticket_and_the_deadline(sla):
    open_ticket()
    clocks_check_due(now=at(2, 9, 31))
    alert = Alert.objects.get()
    assert alert.service == sla["service"] and alert.ticket.external_id == "INC-1"
    assert "P2 ticket INC-1 (Payroll): 50% of the time to engage used" in alert.subject
    assert alert.due_at == at(2, 10)


def test_resolving_resolves_the_open_alerts(sla):
    open_ticket()
    clocks_check_due(now=at(2, 9, 31))
    ticket_events_ingest(events=[event("assigned", at(2, 9, 40))], now=at(2, 9, 41))
    assert Alert.objects.get().state == AlertState.RESOLVED
    assert Clock.objects.get(kind="engage").next_check_at is None


def test_a_paused_clock_is_not_checked(sla):
    open_ticket()
    ticket_events_ingest(events=[event("paused", at(2, 9, 10))], now=at(2, 9, 11))
    assert Clock.objects.filter(next_check_at__isnull=False).count() == 0
    assert clocks_check_due(now=at(5, 9)).checked == 0


def test_only_due_clocks_are_read(sla, django_assert_max_num_queries):
    for n in range(30):
        open_ticket(external_id=f"INC-{n}", when=at(2, 9, n))
    # At 09:31 only INC-0's and INC-1's engage warnings are due.
    with django_assert_max_num_queries(12):
        result = clocks_check_due(now=at(2, 9, 31))
    assert result.checked == 2


def test_run_checks_command(sla, capsys, time_machine):
    open_ticket()
    time_machine.move_to(at(2, 9, 31))
    call_command("run_checks")
    assert "raised 1 alerts" in capsys.readouterr().out


def test_recompute_rebuilds_clocks_exactly(sla):
    open_ticket()
    ticket_events_ingest(events=[event("assigned", at(2, 9, 20)), event("paused", at(2, 11))], now=at(2, 12))
    expected = list(Clock.objects.order_by("pk").values())
    Clock.objects.update(due_at=None, elapsed_seconds=0, state="running")
    Clock.objects.filter(kind="update").delete()
    tickets_recompute(now=at(2, 12))
    rebuilt = list(Clock.objects.order_by("kind", "cycle").values())
    strip = lambda rows: sorted(({k: v for k, v in r.items() if k != "id"} for r in rows), key=str)  # noqa: E731
    assert strip(rebuilt) == strip(expected)


def test_recompute_command_names_an_unknown_service(sla):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown service 'nope'"):
        call_command("recompute_clocks", "--service", "nope")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_on_the_same_due_clock_give_one_alert(sla):
    open_ticket()
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(clocks_check_due(now=at(2, 9, 31)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Alert.objects.count() == 1
    assert sum(r.alerts for r in results) == 1


def test_two_passes_one_after_the_other_give_one_alert(sla):
    assert connection.vendor in ("sqlite", "postgresql")
    open_ticket()
    clock = Clock.objects.get(kind="engage")
    seen = clock.next_check_at
    clocks_check_due(now=at(2, 9, 31))
    # A second worker that read the clock before the first one wrote it loses its claim.
    Clock.objects.filter(pk=clock.pk).update(next_check_at=seen)
    clocks_check_due(now=at(2, 9, 31))
    assert Alert.objects.filter(key__contains=":engage:").count() == 1


def test_the_check_pass_is_scheduled_every_minute_and_editable(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="sla.run_checks")
    assert (task.interval.every, task.interval.period, task.enabled) == (1, "minutes", True)


def test_the_periodic_task_runs_a_pass(sla, time_machine):
    from sla.tasks import run_checks

    open_ticket()
    time_machine.move_to(at(2, 9, 31))
    assert run_checks.apply().get() == {"checked": 1, "alerts": 1}


def test_history_can_be_recorded_without_alerts(sla):
    from sla.services import ticket_events_ingest as ingest

    opened = event("opened", at(2, 9), service="payroll", business_unit="finance", priority=2, title="Old")
    ingest(events=[opened], now=at(20, 9), raise_alerts=False)
    engage = Clock.objects.get(kind="engage")
    assert engage.state == "breached" and engage.next_check_at is None  # recorded, nothing left to fire
    assert not Alert.objects.exists()
    assert clocks_check_due(now=at(20, 10)).alerts == 0
