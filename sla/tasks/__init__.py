"""Celery tasks of the sla app (autodiscovered through this package)."""

from sla.tasks.checks import check_due_clocks, recompute_open_clocks, run_checks
from sla.tasks.commitments import check_agreement_reviews, check_commitments
from sla.tasks.measures import evaluate_measures
from sla.tasks.notifications import alert_notify, deliver_notification, notifications_resend_overdue
from sla.tasks.ticket_derivation import derive_pending_observations, derive_ticket_observations

__all__ = ["check_due_clocks", "recompute_open_clocks", "run_checks"]
__all__ += ["alert_notify", "deliver_notification", "notifications_resend_overdue"]
__all__ += ["check_agreement_reviews", "check_commitments"]
__all__ += ["evaluate_measures"]
__all__ += ["derive_pending_observations", "derive_ticket_observations"]
