"""The access matrix, generated from the URL configuration: every API endpoint and portal page
against every kind of caller, on the demo organisation (tests/demo_site.py).

Callers: anonymous, a business user, another unit's representative, another service's owner, the
service's owner, an admin, and two API keys of the service's owner (read, ingest). Each route
is called on one service's own objects (its agreement, ticket, alert, measurement, commitment,
follow-up, by their ids), so "allow" for a stranger would be reading or changing another unit's
or service's data by guessing an id. Writes are sent with an empty body: "allow" then means the
caller got past every access check (a 400 for the missing fields, or the action done, in a
transaction rolled back at once); "deny" is 401, 403, 404 or a redirect to the sign-in page.

A route in the URL configuration with no line in EXPECTED fails the test: a new endpoint or
page cannot be added without saying who may use it.
"""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.demo_site import demo_organisation as demo_organisation  # the fixture

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key", "ingest_key")
EVERYONE = frozenset(ACTORS)
NOBODY: frozenset[str] = frozenset()


def _(*actors: str) -> frozenset[str]:
    unknown = set(actors) - set(ACTORS)
    assert not unknown, unknown
    return frozenset(actors)


# route name -> {method: who is allowed}. Keys act through the API only: on a portal page a
# Bearer key is no sign-in, so a key reaches what anonymous reaches there. The ingest key reads
# nothing and the read key writes nothing; the owner's keys never reach past the owner.
#
# Writes whose service is named in the body (creating agreements and commitments, sending ticket
# events, measurements and feedback responses) are called here with an empty body: the 400 shows
# the caller passed the role and scope checks, not that it may write for *this* service; that
# check, on the body's service, is covered by tests/api/test_permissions_matrix.py (agreements),
# tests/sla/test_api.py (ticket events), tests/api/test_measurements_api.py and
# tests/feedback/ (responses, self-assessments). Signing an agreement in force is refused (400) for everyone
# before who signs is looked at; signing rights are in tests/api/test_permissions_matrix.py.
EXPECTED: dict[str, dict[str, frozenset[str]]] = {
    "admin:index": {"get": _("admin")},
    "agreement-detail": {"get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "agreement-diff": {"get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "agreement-list": {
        "get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key"),
        "post": _("business", "other_rep", "other_owner", "owner", "admin"),
    },  # service: in the body
    "agreement-measure": {"get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "agreement-measures": {"get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "agreement-propose": {"post": _("owner", "admin")},
    "agreement-return-to-draft": {"post": _("owner", "admin")},
    "agreement-sign": {"post": _("business", "other_rep", "other_owner", "owner", "admin")},  # service: in the body
    "agreement-target": {
        "get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key"),
        "put": _("owner", "admin"),
    },
    "agreement-targets": {"get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "agreement-withdraw": {"post": _("owner", "admin")},
    "alert-acknowledge": {"post": _("owner", "admin")},
    # Catalogue alignment (the same rules as its pages); keys act as the owner (IT), read only.
    "alignment-marks": {"get": _("other_owner", "owner", "admin", "read_key"), "put": _("admin")},
    "alignment-ranking": {"get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "alignment-request-answer": {"post": _("other_owner", "owner", "admin")},
    "alignment-request-assign": {"post": _("other_owner", "owner", "admin")},
    # As the portal's correct/ and withdraw/ pages: IT corrects an answer (an empty body is a 400 for
    # the missing outcome and note), the unit's representatives and admins withdraw (the open
    # request: withdrawn, rolled back). The history is read by whoever reads the request.
    "alignment-request-correct": {"post": _("other_owner", "owner", "admin")},
    "alignment-request-history": {"get": _("other_owner", "owner", "admin", "read_key")},
    "alignment-request-withdraw": {"post": _("admin")},
    "alignment-request-detail": {
        "get": _("other_owner", "owner", "admin", "read_key"),
        "patch": _("admin"),
    },
    "alignment-request-list": {
        "get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key"),
        "post": _("business", "other_rep", "other_owner", "owner", "admin"),
    },  # business unit: in the body
    "alignment-unit": {"get": _("other_owner", "owner", "admin", "read_key")},
    "alert-detail": {"get": _("owner", "admin", "read_key")},
    "alert-list": {"get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "api-docs": {"get": EVERYONE},
    "api-root": {"get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "businessunit-detail": {
        "get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key")
    },
    "businessunit-list": {
        "get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key"),
        "post": _("admin"),
    },
    "category-detail": {"get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "category-list": {
        "get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key"),
        "post": _("admin"),
    },
    "costs": {"get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "service-costs": {
        "get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key"),
        "put": _("owner", "admin"),
    },
    "unit-costs": {"get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "commitment-check-ins": {
        "get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key"),
        "post": _("owner", "admin"),
    },
    "commitment-deliver": {"post": _("owner", "admin")},
    "commitment-detail": {"get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "commitment-list": {
        "get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key"),
        "post": _("business", "other_rep", "other_owner", "owner", "admin"),
    },  # service: in the body
    "commitment-renegotiate": {"post": _("owner", "admin")},
    "commitment-withdraw": {"post": _("owner", "admin")},
    "feedback-responses": {
        "post": _("business", "other_rep", "other_owner", "owner", "admin", "ingest_key")
    },  # service: in the body
    "feedback:survey": {"get": NOBODY},
    "feedback:survey_thanks": {"get": NOBODY},
    "follow-up-close": {"post": _("owner", "admin")},
    "follow-up-contacted": {"post": _("owner", "admin")},
    "follow-up-detail": {"get": _("owner", "admin", "read_key")},
    "follow-up-list": {"get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "healthz": {"get": EVERYONE},
    "integration-jira": {"post": NOBODY},
    "integration-jira-slug": {"post": NOBODY},
    "integration-servicenow": {"post": NOBODY},
    "integration-servicenow-slug": {"post": NOBODY},
    "integration-zendesk": {"post": NOBODY},
    "integration-zendesk-slug": {"post": NOBODY},
    "login": {"get": EVERYONE, "post": EVERYONE},
    "logout": {"post": EVERYONE},
    "measurement-correct": {"post": _("owner", "admin", "ingest_key")},
    "measurement-detail": {"get": _("business", "owner", "admin", "read_key")},
    "measurement-remove": {"post": _("owner", "admin", "ingest_key")},
    "measurements": {
        "get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key"),
        "post": _("business", "other_rep", "other_owner", "owner", "admin", "ingest_key"),
    },  # service: in the body
    "metrics": {"get": EVERYONE},
    "perception-gaps": {"get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "portal:agreement": {"get": EVERYONE},
    "portal:agreement_create": {"get": _("owner", "admin")},
    "portal:agreement_edit": {"post": _("owner", "admin")},
    "portal:agreement_maturity": {"get": EVERYONE},
    "portal:agreement_measures": {"post": _("owner", "admin")},
    "portal:agreement_propose": {"post": _("owner", "admin")},
    "portal:agreement_return": {"post": _("owner", "admin")},
    "portal:agreement_sign": {
        "post": _("business", "other_rep", "other_owner", "owner", "admin")
    },  # service: in the body
    "portal:agreement_targets": {"post": _("owner", "admin")},
    "portal:agreement_withdraw": {"get": _("owner", "admin")},
    "portal:agreements": {"get": EVERYONE},
    "portal:alert": {"get": _("owner", "admin")},
    "portal:alert_acknowledge": {"post": _("owner", "admin")},
    # Catalogue alignment: a unit's list is read by its members, IT (service owners) and admins;
    # changed by its representatives and admins; requests answered by IT and admins.
    # Every unit for IT; one's own units for a member (the business user is one of another unit).
    "portal:alignment": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    "portal:unit_alignment": {"get": _("other_owner", "owner", "admin")},
    "portal:unit_alignment_marks": {"get": _("admin"), "post": _("admin")},
    "portal:missing_service_request_create": {"get": _("admin"), "post": _("admin")},
    "portal:missing_service_request": {
        "get": _("other_owner", "owner", "admin"),
        "post": _("other_owner", "owner", "admin"),
    },
    # Changing a request: the unit's representatives (and admins) edit or withdraw it; IT gives it to
    # someone else or corrects an answer. Others in IT read it, but change nothing of the unit's (403).
    "portal:missing_service_request_edit": {"get": _("admin"), "post": _("admin")},
    "portal:missing_service_request_withdraw": {"get": _("admin"), "post": _("admin")},
    "portal:missing_service_request_assign": {
        "get": _("other_owner", "owner", "admin"),
        "post": _("other_owner", "owner", "admin"),
    },
    "portal:missing_service_request_correct": {
        "get": _("other_owner", "owner", "admin"),
        "post": _("other_owner", "owner", "admin"),
    },
    "portal:alert_badge": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    "portal:alerts": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    "portal:board": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    # A GET goes back to the board (it was a 500 until this matrix called it).
    "portal:board_acknowledge": {
        "get": _("business", "other_rep", "other_owner", "owner", "admin"),
        "post": _("owner", "admin"),
    },
    "portal:catalogue": {"get": EVERYONE},
    "portal:category": {"get": EVERYONE},
    "portal:commitment": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    "portal:commitment_check_in": {"post": _("owner", "admin")},
    "portal:commitment_create": {"get": _("owner", "admin")},
    "portal:commitment_deliver": {"post": _("owner", "admin")},
    "portal:commitment_renegotiate": {"post": _("owner", "admin")},
    "portal:commitment_withdraw": {"post": _("owner", "admin")},
    "portal:commitments": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    "portal:costs": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    # Service reviews: a service's, every signed-in reader; its actions, the two sides at the table
    # (the service's owner and business owner, its units' representatives) and admins. A unit's
    # review: the unit's people and admins; its actions, its representatives and admins.
    "portal:service_reviews": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    "portal:service_review": {
        "get": _("business", "other_rep", "other_owner", "owner", "admin"),
        "post": _("owner", "admin"),
    },
    "portal:service_review_pdf": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    "portal:unit_reviews": {"get": _("admin")},
    "portal:unit_review": {"get": _("admin"), "post": _("admin")},
    "portal:unit_review_pdf": {"get": _("admin")},
    "portal:review_action_close": {"post": _("owner", "admin")},
    "portal:unit_costs": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    "portal:service_costs": {
        "get": _("business", "other_rep", "other_owner", "owner", "admin"),
        "post": _("owner", "admin"),
    },
    "portal:follow_up": {"get": _("owner", "admin")},
    "portal:follow_up_close": {"post": _("owner", "admin")},
    "portal:follow_up_contacted": {"post": _("owner", "admin")},
    "portal:follow_ups": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    "portal:home": {"get": EVERYONE},
    "portal:measurement_correct": {"get": _("owner", "admin")},
    "portal:measurement_remove": {"post": _("owner", "admin")},
    "portal:measurements_template": {"get": _("business", "owner", "admin")},
    "portal:measurements_upload": {"post": _("owner", "admin")},
    "portal:perception_gaps": {"get": EVERYONE},
    "portal:self_assessment": {"get": _("owner", "admin")},
    "portal:service": {"get": EVERYONE},
    "portal:service_commitments": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    "portal:service_create": {"get": _("other_owner", "owner", "admin")},
    "portal:service_edit": {"get": _("owner", "admin")},
    "portal:service_feedback": {"get": EVERYONE},
    "portal:service_follow_ups": {"get": _("owner", "admin")},
    "portal:service_measurements": {"get": _("business", "owner", "admin")},
    "portal:service_perception_gap": {"get": EVERYONE},
    "portal:service_scorecard": {"get": EVERYONE},
    "portal:service_sla": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    "portal:service_themes": {"get": _("owner", "admin")},
    "portal:themes": {"get": _("business", "other_rep", "other_owner", "owner", "admin")},
    "portal:ticket": {"get": _("owner", "admin")},
    # The ticket clocks' old page: a permanent redirect to the board (which asks for sign-in).
    "portal:warnings": {"get": EVERYONE},
    "readyz": {"get": EVERYONE},
    "risks": {"get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "schema": {"get": EVERYONE},
    "service-detail": {
        "get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key"),
        "patch": _("owner", "admin"),
    },
    "service-feedback": {"get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "service-list": {
        "get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key"),
        "post": _("other_owner", "owner", "admin"),
    },
    "service-perception-gap": {
        "get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key")
    },
    "service-review": {"get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "service-review-pdf": {"get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    "service-reviews": {"get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    # A unit's reviews, as its portal pages: the unit's members and admins (none of the callers but
    # the admin is a member of the unit; the keys are the service owner's).
    "unit-review": {"get": _("admin")},
    "unit-review-pdf": {"get": _("admin")},
    "unit-reviews": {"get": _("admin")},
    "service-scorecard": {"get": _("anonymous", "business", "other_rep", "other_owner", "owner", "admin", "read_key")},
    # Reads the body before it checks who: an empty one is a 400 for anyone signed in (nothing
    # written); who may assess is in tests/feedback/. Keys: manage scope, so neither key.
    "service-self-assessment": {"put": _("business", "other_rep", "other_owner", "owner", "admin")},
    "survey-settings": {"get": _("owner", "admin", "read_key"), "patch": _("owner", "admin")},
    "ticket-detail": {"get": _("owner", "admin", "read_key")},
    "ticket-events": {
        "post": _("business", "other_rep", "other_owner", "owner", "admin", "ingest_key")
    },  # service: in the body
    "ticket-list": {"get": _("business", "other_rep", "other_owner", "owner", "admin", "read_key")},
}


# --- The URL configuration -------------------------------------------------------------------


def _walk(resolver: URLResolver, prefix: str = "", namespace: str | None = None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            ns = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name


def routes() -> dict[str, str]:
    """Every named route (one per name: DRF's `.json` twins share it), the admin as one."""
    found: dict[str, str] = {}
    for pattern, name in _walk(get_resolver()):
        if pattern.startswith("admin/"):
            found.setdefault("admin:index", pattern)
            continue
        assert name, f"the URL pattern {pattern!r} has no name: name it, and declare who may use it"
        found.setdefault(name, pattern)
    return found


def test_every_route_has_an_expectation_and_every_expectation_a_route():
    found = routes()
    missing = sorted(set(found) - set(EXPECTED))
    assert not missing, f"routes with no expected access (add them to EXPECTED): {missing}"
    stale = sorted(set(EXPECTED) - set(found))
    assert not stale, f"expectations for routes that no longer exist: {stale}"


# --- The callers and the objects -------------------------------------------------------------


@pytest.fixture(scope="module")
def cast(demo_organisation, django_db_blocker):
    from catalog.models import Agreement, Membership, Service
    from catalog.tokens import api_token_issue
    from feedback.models import FollowUp
    from portal.reviews.models import ReviewAction
    from sla.models import Alert, Commitment, Measurement, Ticket

    with django_db_blocker.unblock():
        # A service's agreement in force for one business unit: the unit's data, the service's data.
        agreements = Agreement.objects.filter(status="agreed", business_unit__isnull=False).select_related(
            "business_unit", "service__service_owner", "service__category"
        )
        agreement = agreements.filter(service__name__in=("Payroll", "Online shop")).first() or agreements.first()
        service, unit = agreement.service, agreement.business_unit
        owner = service.service_owner
        other_owner = Service.objects.exclude(service_owner=owner).exclude(service_owner=None).first().service_owner
        # A representative of another unit, not a member of this one.
        other_rep = (
            Membership.objects.filter(is_representative=True)
            .exclude(business_unit=unit)
            .exclude(user__memberships__business_unit=unit)
            .exclude(user__is_staff=True)
            .select_related("user")
            .first()
            .user
        )
        from django.contrib.auth import get_user_model

        users = get_user_model().objects
        business = users.filter(
            groups__name="Business users", is_staff=False, memberships__isnull=True
        ).first() or users.get(username="kwame.mensah")
        objects = {
            "service": service,
            "unit": unit,
            "category": service.category,
            "agreement": agreement,
            "measure_key": agreement.measures.values_list("key", flat=True).first(),
            "ticket": Ticket.objects.filter(service=service).first(),
            "alert": Alert.objects.filter(service=service).first(),
            "measurement": Measurement.objects.filter(service=service).first(),
            "commitment": Commitment.objects.filter(service=service).first(),
            "follow_up": FollowUp.objects.filter(service=service).first(),
            "alignment_request": _open_request(unit),
            "review_action": ReviewAction.objects.filter(review__service=service).first(),
        }
        keys = {
            "read_key": api_token_issue(user=owner, name="matrix read", scopes=["read"])[1],
            "ingest_key": api_token_issue(user=owner, name="matrix ingest", scopes=["ingest"])[1],
        }
    people = {
        "anonymous": None,
        "business": business,
        "other_rep": other_rep,
        "other_owner": other_owner,
        "owner": owner,
        "admin": users.get(username="priya.shah"),
    }
    return {"people": people, "keys": keys, "objects": objects}


def _open_request(unit):
    """The unit's request awaiting IT's answer (the demo has one for some units; made if not)."""
    from catalog.alignment.services import missing_service_request_create
    from catalog.models import MissingServiceRequest

    found = MissingServiceRequest.objects.filter(business_unit=unit, state="open").first()
    return found or missing_service_request_create(unit=unit, actor=None, title="Matrix: something missing")


PK_OF = (  # which object a route's <pk> means, by the route's name
    ("missing_service_request", "alignment_request"),
    ("alignment-request", "alignment_request"),
    ("review_action", "review_action"),
    ("measurement", "measurement"),
    ("agreement", "agreement"),
    ("ticket", "ticket"),
    ("board", "alert"),
    ("alert", "alert"),
    ("commitment", "commitment"),
    ("follow", "follow_up"),
)


UNIT_PAGES = (  # pages and endpoints whose <slug> is a business unit's
    "unit-costs",
    "alignment-unit",
    "alignment-marks",
    "portal:unit_costs",
    "portal:unit_alignment",
    "portal:unit_alignment_marks",
    "portal:missing_service_request_create",
    "portal:unit_reviews",
    "portal:unit_review",
    "portal:unit_review_pdf",
    "unit-reviews",
    "unit-review",
    "unit-review-pdf",
)


def url_of(name: str, pattern: str, objects: dict) -> str:
    if name == "admin:index":
        return reverse("admin:index")
    kwargs = {}
    for param in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", pattern):
        param = next(p for p in param if p)
        if param == "format":
            continue
        if param == "slug":
            if "category" in name:
                kwargs["slug"] = objects["category"].slug
            elif "businessunit" in name or name in UNIT_PAGES:
                kwargs["slug"] = objects["unit"].slug
            elif name.startswith("integration-"):
                kwargs["slug"] = "no-such-integration"
            else:
                kwargs["slug"] = objects["service"].slug
        elif param == "pk":
            kind = next(kind for word, kind in PK_OF if word in name.split(":")[-1])
            assert objects[kind] is not None, f"the demo has no {kind} for {objects['service']}"
            kwargs["pk"] = objects[kind].pk
        elif param == "key":
            kwargs["key"] = objects["measure_key"] or "none"
        elif param == "priority":
            kwargs["priority"] = 1
        elif param == "quarter":
            kwargs["quarter"] = "2026-Q4"
        elif param == "period":
            kwargs["period"] = "2026-11"  # a month that has begun (the demo's reviews are of its last months)
        elif param == "token":
            kwargs["token"] = "not-a-signed-token"
        else:
            raise AssertionError(f"{name}: no value for <{param}>; teach url_of about it")
    return reverse(name, kwargs=kwargs)


def outcome(response) -> str:
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status in (401, 403, 404, 410, 429):
        return "deny"
    if status in (301, 302, 303) and "/login/" in response.get("Location", ""):
        return "deny"  # to the portal's or the admin's sign-in
    if status == 405:
        return "wrong method"
    return "allow"  # 2xx, 3xx elsewhere, or 400: past every access check


def client_for(actor: str, cast) -> Client:
    client = Client(raise_request_exception=False)
    if actor in cast["keys"]:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {cast['keys'][actor]}"
    elif cast["people"][actor] is not None:
        client.force_login(cast["people"][actor])
    return client


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


CALLS = [(name, method) for name, methods in sorted(EXPECTED.items()) for method in methods]


@pytest.mark.parametrize(("name", "method"), CALLS, ids=[f"{method.upper()} {name}" for name, method in CALLS])
def test_access(cast, name, method):
    pattern = routes().get(name)
    if pattern is None:
        pytest.fail(f"{name} is not a route any more")
    allowed = EXPECTED[name][method]
    url = url_of(name, pattern, cast["objects"])
    wrong = []
    for actor in ACTORS:
        client = client_for(actor, cast)
        with transaction.atomic():
            call = getattr(client, method)
            response = call(url, content_type="application/json") if method != "get" else call(url)
            transaction.set_rollback(True)  # whatever an allowed write did, undone at once
        got, want = outcome(response), ("allow" if actor in allowed else "deny")
        if got != want:
            wrong.append(f"{actor}: {got} ({response.status_code}), expected {want}")
    assert not wrong, f"{method.upper()} {url}\n" + "\n".join(wrong)


def test_the_keys_are_the_service_owners_and_the_scopes_split_them():
    """What the table shows, said once: no GET for the ingest key, no write for the read key."""
    for name, methods in EXPECTED.items():
        for method, allowed in methods.items():
            if name.startswith(("portal:", "feedback:", "admin:")) or name in ("login", "logout"):
                continue
            if method == "get" and name not in ("api-docs", "schema", "healthz", "readyz", "metrics"):
                assert "ingest_key" not in allowed, name
            if method != "get":
                assert "read_key" not in allowed, name
            if allowed & {"read_key", "ingest_key"}:
                assert "owner" in allowed, f"{name}: a key of the owner's does more than the owner"
