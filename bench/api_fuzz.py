"""Fuzz the API against its own OpenAPI schema with schemathesis, in-process (WSGI), as an
admin with an API key, on the demo organisation. Any 5xx is a bug.

    .venv/bin/pytest bench/api_fuzz.py -p no:cacheprovider -q          # every operation, fixed examples
    FUZZ_RANDOM=1 .venv/bin/pytest bench/api_fuzz.py -p no:cacheprovider -q   # the deeper run: new examples each time
    FUZZ_EXAMPLES=200 .venv/bin/pytest bench/api_fuzz.py -k agreements   # more examples, one part
    FUZZ_NO_FEEDBACK=1 .venv/bin/pytest bench/api_fuzz.py -q            # without the feedback endpoints

It runs in the test database (SQLite in memory by default; DATABASE_URL picks another) and
rolls every write back. bench/README.md says what it checks and how to read a failure.
"""

from __future__ import annotations

import os
from datetime import timedelta
from io import StringIO

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis to fuzz the API")

from django.core import signals  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import close_old_connections, transaction  # noqa: E402
from django.test import override_settings  # noqa: E402
from drf_spectacular.generators import SchemaGenerator  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
# The demo's admin by default (not a superuser: what an integration would hold).
FUZZ_USER = os.environ.get("FUZZ_USER", "priya.shah")

FEEDBACK_PARTS = ("feedback", "perception", "self-assessments", "survey-settings")

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = WSGIHandler()
if os.environ.get("FUZZ_NO_FEEDBACK"):  # every endpoint by default; this leaves feedback's out
    schema = schema.exclude(path_regex="|".join(FEEDBACK_PARTS))


@pytest.fixture(scope="module")
def demo_organisation(django_db_setup, django_db_blocker, tmp_path_factory):
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
        override_settings(DEBUG=True, VAR_DIR=tmp_path_factory.mktemp("var")),
    ):
        patch.setenv("DEMO_PASSWORD", "demo-password-for-fuzzing")
        patch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)
        with transaction.atomic():
            call_command("load_demo", stdout=StringIO())
            key = StringIO()
            call_command("issue_api_token", FUZZ_USER, "--name", "fuzzing", stdout=key)
            yield key.getvalue().strip()
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _in_process():
    """Requests run in the test's transaction: keep Django from closing the connection at the
    end of each request, as its own test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    with override_settings(
        ALLOWED_HOSTS=["*"],
        CELERY_TASK_ALWAYS_EAGER=True,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _quiet_notifications(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("FUZZ_RANDOM") is None,
)
def test_no_server_error(case, demo_organisation):
    headers = {"Authorization": f"Bearer {demo_organisation}"}
    response = case.call(headers=headers)
    case.validate_response(response, checks=[not_a_server_error])
    # Random ids and slugs rarely name a real row: the same request again on a real one.
    real = _real_parameters(case.operation.path, case.path_parameters or {})
    if real:
        case.path_parameters = real
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])


_turns: dict[str, int] = {}


def _real_parameters(path: str, parameters: dict) -> dict | None:
    """The path's parameters naming rows of the demo, a different one on each call."""
    from catalog.models import (
        Agreement,
        BusinessUnit,
        Category,
        Measure,
        MissingServiceRequest,
        Service,
        UrgencyTarget,
    )
    from feedback.models import FollowUp
    from sla.models import Alert, Commitment, Integration, Measurement, Ticket

    if not parameters:
        return None
    turn = _turns[path] = _turns.get(path, -1) + 1
    if "{key}" in path:
        rows = list(Measure.objects.order_by("pk").values_list("agreement_id", "key"))
        agreement, key = rows[turn % len(rows)]
        return {"id": agreement, "key": key}
    if "{period}" in path:  # a service review: a real service, a real period (month or quarter)
        from django.utils import timezone

        slugs = list(Service.objects.order_by("pk").values_list("slug", flat=True)[:200])
        today = timezone.localdate()
        last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        periods = [last_month, f"{today.year}-Q{(today.month - 1) // 3 + 1}", today.strftime("%Y-%m")]
        return {"slug": slugs[turn % len(slugs)], "period": periods[turn % len(periods)]}
    if "{priority}" in path:
        rows = list(UrgencyTarget.objects.order_by("pk").values_list("agreement_id", "priority"))
        agreement, priority = rows[turn % len(rows)]
        return {"id": agreement, "priority": priority}
    if "{quarter}" in path:
        slugs = list(Service.objects.order_by("pk").values_list("slug", flat=True)[:50])
        quarters = ("2026-Q3", "2026-Q4", "2027-Q1")
        return {"slug": slugs[turn % len(slugs)], "quarter": quarters[turn % len(quarters)]}
    by_prefix = {
        "/api/v1/feedback/follow-ups/": (FollowUp, "pk"),
        "/api/v1/integrations/": (Integration, "slug"),
        "/api/v1/measurements/": (Measurement, "pk"),
        "/api/v1/agreements/": (Agreement, "pk"),
        "/api/v1/commitments/": (Commitment, "pk"),
        "/api/v1/tickets/": (Ticket, "pk"),
        "/api/v1/alerts/": (Alert, "pk"),
        "/api/v1/services/": (Service, "slug"),
        "/api/v1/business-units/": (BusinessUnit, "slug"),
        "/api/v1/categories/": (Category, "slug"),
        "/api/v1/alignment/requests/": (MissingServiceRequest, "pk"),
        "/api/v1/alignment/units/": (BusinessUnit, "slug"),
        "/api/v1/costs/units/": (BusinessUnit, "slug"),
        "/api/v1/costs/services/": (Service, "slug"),
    }
    for prefix, (model, field) in by_prefix.items():
        if path.startswith(prefix):
            values = list(model.objects.order_by("pk").values_list(field, flat=True)[:200])
            name = "slug" if field == "slug" else "pk" if "pk" in parameters else "id"
            return {**parameters, name: values[turn % len(values)]} if values else None
    return None
