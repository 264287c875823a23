"""Every Celery task is safe to run twice: with late acknowledgement a task whose worker was
lost runs again on another (docs/deploy.md, Faults), and a periodic pass may overlap the next.

Each task names the tests that show a second run raising, writing and sending nothing twice.
A task added without such a test fails here, so the audit cannot fall behind."""

import importlib

import pytest

from config.celery import app

RUN_TWICE = {
    # SLA: the check pass, its helpers, recomputing clocks, the measure evaluation
    "sla.run_checks": [
        "tests/sla/test_fan_out.py::test_run_checks_twice_at_one_moment_raises_and_notifies_each_alert_once",
        "tests/sla/test_worker_killed.py::test_a_worker_killed_in_a_check_pass",
        "tests/sla/test_worker_killed.py::test_a_pool_process_killed_in_a_check_pass_is_run_again_by_its_worker",
    ],
    "sla.check_due_clocks": [
        "tests/sla/test_fan_out.py::test_run_checks_asks_one_helper_per_full_chunk_up_to_the_parallelism",
        "tests/sla/test_fan_out.py::test_helpers_that_start_first_share_the_pass_in_disjoint_chunks",
    ],
    "sla.recompute_open_clocks": ["tests/sla/test_fan_out.py::test_recompute_open_clocks_twice_raises_nothing_twice"],
    "sla.evaluate_measures": [
        "tests/sla/test_fan_out.py::test_evaluate_measures_splits_the_measures_into_chunks_at_one_now",
        "tests/sla/test_evaluation.py::test_two_passes_at_once_write_each_verdict_and_alert_once",
        "tests/sla/test_worker_killed.py::test_a_worker_killed_in_a_measure_evaluation",
    ],
    "sla.check_commitments": [
        "tests/sla/test_commitment_services.py::test_stale_is_raised_by_the_periodic_pass_once_per_missed_check_in",
        "tests/sla/test_commitment_services.py::"
        "test_at_risk_is_raised_once_resolved_by_a_good_check_in_and_reopened_without_a_second_message",
    ],
    "sla.check_agreement_reviews": [
        "tests/sla/test_commitment_services.py::test_a_review_due_within_30_days_is_alerted_once"
    ],
    # Ticket events accepted in large lists, derived on workers (claimed under each ticket's lock)
    "sla.derive_ticket_observations": [
        "tests/sla/test_ticket_accept.py::test_a_large_batch_is_stored_and_answered_202_then_derived_as_a_small_one_is",
        "tests/sla/test_ticket_accept_concurrency.py::test_two_workers_deriving_the_same_tickets_at_once_derive_them_once",
    ],
    "sla.derive_pending_observations": [
        "tests/sla/test_ticket_accept.py::test_the_sweep_derives_what_a_lost_message_left_pending"
    ],
    # Notifications: one delivery row per alert and target, claimed before sending
    "sla.tasks.notifications.alert_notify": [
        "tests/sla/notifications/test_delivery.py::test_notifying_an_alert_twice_sends_nothing_twice"
    ],
    "sla.tasks.notifications.deliver_notification": [
        "tests/sla/notifications/test_delivery.py::test_a_finished_delivery_is_never_sent_again",
        "tests/sla/notifications/test_delivery.py::test_two_workers_delivering_at_once_send_once",
    ],
    "sla.tasks.notifications.notifications_resend_overdue": [
        "tests/sla/notifications/test_delivery.py::test_the_resend_sweep_run_twice_sends_nothing_twice"
    ],
    # Feedback: surveys, follow-ups, themes, watermelons
    "feedback.send_invitations": [
        "tests/feedback/test_surveys.py::test_an_invitation_is_sent_once_even_when_asked_twice"
    ],
    "feedback.schedule_event_surveys": [
        "tests/feedback/test_surveys.py::test_running_twice_changes_nothing",
        "tests/feedback/test_surveys.py::test_two_passes_at_once_invite_each_person_once",
    ],
    "feedback.send_relationship_surveys": [
        "tests/feedback/test_surveys.py::test_relationship_surveys_run_twice_send_nothing_twice"
    ],
    "feedback.check_follow_ups": [
        "tests/feedback/test_follow_ups.py::test_an_overdue_follow_up_raises_one_alert_however_often_checked",
        "tests/feedback/test_follow_up_concurrency.py::test_two_checks_at_once_raise_each_alert_once",
    ],
    "feedback.discover_themes": [
        "tests/feedback/test_discovery.py::test_two_runs_storing_at_once_leave_one_runs_topics"
    ],
    "feedback.rematch_themes": ["tests/feedback/test_themes.py::test_rematching_is_idempotent"],
    "feedback.check_watermelons": [
        "tests/feedback/test_watermelon.py::test_the_check_raises_once_resolves_on_recovery_and_reopens"
    ],
    # Service reviews
    "portal.prepare_reviews": [
        "tests/portal/test_reviews.py::test_the_month_is_prepared_once_and_both_sides_emailed_once"
    ],
    "portal.review_notify": [
        "tests/portal/test_reviews.py::test_the_ready_email_task_run_twice_sends_once",
        "tests/portal/test_reviews.py::test_a_failed_send_is_retried_with_backoff_and_no_one_gets_it_twice",
    ],
    # Catalogue alignment
    "catalog.check_alignment": [
        "tests/catalog/alignment/test_alerts.py::test_the_task_runs_the_check_and_writes_todays_snapshots",
        "tests/catalog/alignment/test_services.py::test_the_daily_pass_writes_a_point_a_day_and_nothing_twice",
    ],
}


def test_every_task_names_a_test_of_running_it_twice():
    app.loader.import_default_modules()
    tasks = {name for name in app.tasks if not name.startswith("celery.")}
    assert tasks - RUN_TWICE.keys() == set(), "tasks without a run-twice test: add one and name it here"
    assert RUN_TWICE.keys() - tasks == set(), "tests named for tasks that no longer exist"


@pytest.mark.parametrize("node", sorted({node for nodes in RUN_TWICE.values() for node in nodes}))
def test_the_named_test_exists(node):
    path, function = node.split("::")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    assert callable(getattr(module, function, None)), f"{node} is gone: name the test that replaced it"
