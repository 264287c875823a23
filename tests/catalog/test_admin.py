"""The catalogue's Django admin: every page opens, agreements move only through
catalog.services, dependencies refuse cycles, API keys are shown once."""

import hashlib
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog import services
from catalog.models import Agreement, AgreementStatus, ApiToken, ServiceDependency, UrgencyTarget
from catalog.tokens import api_token_authenticate, api_token_issue
from sla.services import calendar_create_standard
from tests.factories import (
    BusinessUnitFactory,
    CategoryFactory,
    MembershipFactory,
    ServiceFactory,
    UserFactory,
    admin_user,
    representative,
)

pytestmark = pytest.mark.django_db

TERMS = {
    "scope": "Business hours support for every user.",
    "exclusions": "Personal devices.",
    "it_responsibilities": "Keep it running.",
    "business_responsibilities": "Report problems to the service desk.",
    "effective_from": date(2026, 1, 1),
    "review_by": date(2027, 1, 1),
}


@pytest.fixture
def superuser(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _draft(service, unit, **terms):
    return services.agreement_draft_create(
        service=service, business_unit=unit, actor=service.service_owner, **{**TERMS, **terms}
    )


def _agreed(service, unit, **terms):
    agreement = services.agreement_propose(agreement=_draft(service, unit, **terms), actor=service.service_owner)
    services.agreement_sign(agreement=agreement, actor=service.service_owner)
    signer = unit.memberships.filter(is_representative=True).first().user
    return services.agreement_sign(agreement=agreement, actor=signer)


@pytest.fixture
def catalogue():
    unit = BusinessUnitFactory(name="Finance", slug="finance")
    rep = representative(unit, username="rep")
    service = ServiceFactory(name="Payroll", slug="payroll", business_units=[unit])
    other = ServiceFactory(name="HR system", slug="hr-system")
    services.service_dependencies_set(service=service, depends_on=[other])
    agreement = _agreed(service, unit)
    target = UrgencyTarget.objects.create(
        agreement=agreement,
        priority=1,
        engage_within=timedelta(minutes=15),
        resolve_within=timedelta(hours=4),
        calendar=calendar_create_standard(kind="24x7"),
    )
    token, _ = api_token_issue(user=rep, name="Jira webhook")
    return {
        "businessunit": unit,
        "membership": rep.memberships.get(),
        "category": service.category,
        "service": service,
        "servicedependency": ServiceDependency.objects.get(service=service),
        "agreement": agreement,
        "urgencytarget": target,
        "apitoken": token,
        "user": rep,
    }


PAGES = [
    ("catalog", "businessunit"),
    ("catalog", "membership"),
    ("catalog", "category"),
    ("catalog", "service"),
    ("catalog", "servicedependency"),
    ("catalog", "agreement"),
    ("catalog", "urgencytarget"),
    ("catalog", "apitoken"),
    ("auth", "user"),
]
# ServiceDependency has history too, but service_dependencies_set writes with bulk_create,
# which records none.
WITH_HISTORY = {"businessunit", "membership", "category", "service", "agreement", "urgencytarget"}


@pytest.mark.parametrize(("app", "model"), PAGES)
def test_changelist_add_change_and_history_pages_open_for_an_admin(client, superuser, catalogue, app, model):
    obj = catalogue[model]
    assert client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_changelist"), {"q": "pay"}).status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_add")).status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk])).status_code == 200
    history = client.get(reverse(f"admin:{app}_{model}_history", args=[obj.pk]))
    assert history.status_code == 200
    if model in WITH_HISTORY:
        record = obj.history.first()
        assert record is not None
        version = client.get(reverse(f"admin:{app}_{model}_simple_history", args=[obj.pk, record.history_id]))
        assert version.status_code == 200


def test_a_member_of_the_admins_group_can_use_the_admin(client, catalogue):
    client.force_login(admin_user())
    for model in ("service", "agreement", "businessunit", "apitoken"):
        assert client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 200


def test_service_history_shows_who_changed_what_in_the_admin(client, superuser, catalogue):
    service = catalogue["service"]
    form = {**_service_form(service), "summary": "Pays everyone on time."}
    assert client.post(reverse("admin:catalog_service_change", args=[service.pk]), form).status_code == 302
    page = client.get(reverse("admin:catalog_service_history", args=[service.pk])).content.decode()
    assert "Pays everyone on time." in page
    assert service.history.latest().history_user == superuser


def test_service_changelist_needs_a_fixed_number_of_queries(client, superuser, django_assert_max_num_queries):
    category = CategoryFactory()
    for _ in range(15):
        ServiceFactory(category=category)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:catalog_service_changelist"))
    assert response.status_code == 200


def test_agreement_changelist_needs_a_fixed_number_of_queries(
    client, superuser, catalogue, django_assert_max_num_queries
):
    for _ in range(10):
        _draft(ServiceFactory(), BusinessUnitFactory())
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:catalog_agreement_changelist"))
    assert response.status_code == 200


# --- Agreements ---------------------------------------------------------------------


def test_an_agreed_version_is_read_only(client, superuser, catalogue):
    agreement = catalogue["agreement"]
    url = reverse("admin:catalog_agreement_change", args=[agreement.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="scope"' not in page.content
    response = client.post(url, {**TERMS, "scope": "Everything, always."})
    assert response.status_code == 403
    agreement.refresh_from_db()
    assert agreement.scope == TERMS["scope"]


def test_reverting_an_agreement_from_its_history_is_refused(client, superuser, catalogue):
    agreement = catalogue["agreement"]
    oldest = agreement.history.order_by("history_date").first()
    url = reverse("admin:catalog_agreement_simple_history", args=[agreement.pk, oldest.history_id])
    assert client.post(url, {**TERMS, "scope": "Reverted"}).status_code == 403
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.AGREED


def test_adding_an_agreement_creates_the_next_draft_version(client, superuser, catalogue):
    service, unit = catalogue["service"], catalogue["businessunit"]
    data = {"service": service.pk, "business_unit": unit.pk, **TERMS, "scope": "Version two."}
    response = client.post(reverse("admin:catalog_agreement_add"), data)
    assert response.status_code == 302
    draft = Agreement.objects.get(service=service, business_unit=unit, status=AgreementStatus.DRAFT)
    assert draft.version == 2
    assert draft.scope == "Version two."
    assert draft.created_by == superuser


def test_adding_a_second_open_version_is_refused_with_a_form_error(client, superuser, catalogue):
    service, unit = catalogue["service"], catalogue["businessunit"]
    _draft(service, unit)
    data = {"service": service.pk, "business_unit": unit.pk, **TERMS}
    response = client.post(reverse("admin:catalog_agreement_add"), data)
    assert response.status_code == 200
    assert "already has a version in draft or proposed" in response.content.decode()
    assert Agreement.objects.filter(service=service, business_unit=unit).count() == 2


def _targets_form(*targets):
    data = {
        "urgency_targets-TOTAL_FORMS": str(len(targets)),
        "urgency_targets-INITIAL_FORMS": "0",
        "urgency_targets-MIN_NUM_FORMS": "0",
        "urgency_targets-MAX_NUM_FORMS": "1000",
        # The success measures' inline, left as it is.
        "measures-TOTAL_FORMS": "0",
        "measures-INITIAL_FORMS": "0",
    }
    for index, target in enumerate(targets):
        data.update({f"urgency_targets-{index}-{name}": value for name, value in target.items()})
    return data


P2 = {"priority": "2", "engage_within": "00:30:00", "resolve_within": "08:00:00", "objective_percent": "95"}


def test_a_draft_is_edited_through_the_service_layer_with_its_urgency_targets(client, superuser, catalogue):
    draft = _draft(catalogue["service"], catalogue["businessunit"])
    url = reverse("admin:catalog_agreement_change", args=[draft.pk])
    data = {**TERMS, "scope": "Evenings too.", **_targets_form({**P2, "warning_shares": "[50, 75]"})}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    draft.refresh_from_db()
    assert (draft.scope, draft.status, draft.version) == ("Evenings too.", AgreementStatus.DRAFT, 2)
    target = draft.urgency_targets.get(priority=2)  # beside P1, copied from the version in force
    assert (target.priority, target.resolve_within) == (2, timedelta(hours=8))


def test_a_bad_urgency_target_leaves_the_draft_unchanged(client, superuser, catalogue):
    draft = _draft(catalogue["service"], catalogue["businessunit"])
    url = reverse("admin:catalog_agreement_change", args=[draft.pk])
    bad = {**P2, "priority": "9", "warning_shares": "[50, 75]"}
    response = client.post(url, {**TERMS, "scope": "Evenings too.", **_targets_form(bad)})
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.scope == TERMS["scope"]
    assert list(draft.urgency_targets.values_list("priority", flat=True)) == [1]  # as copied


def test_the_targets_of_an_agreed_version_are_fixed(client, superuser, catalogue):
    agreed, target = catalogue["agreement"], catalogue["urgencytarget"]
    page = client.get(reverse("admin:catalog_agreement_change", args=[agreed.pk])).content.decode()
    assert "urgency_targets-0-resolve_within" not in page
    change = client.post(
        reverse("admin:catalog_urgencytarget_change", args=[target.pk]),
        {"agreement": agreed.pk, **P2, "warning_shares": "[50, 75]"},
    )
    assert change.status_code == 403
    add = client.post(
        reverse("admin:catalog_urgencytarget_add"), {"agreement": agreed.pk, **P2, "warning_shares": "[50, 75]"}
    )
    assert add.status_code == 200
    assert "its targets are fixed" in add.content.decode()
    assert list(agreed.urgency_targets.all()) == [target]


def test_review_date_before_effective_date_is_a_form_error(client, superuser, catalogue):
    draft = _draft(catalogue["service"], catalogue["businessunit"])
    url = reverse("admin:catalog_agreement_change", args=[draft.pk])
    response = client.post(url, {**TERMS, "review_by": date(2025, 6, 1), **_targets_form()})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "review_by": ["The review date must be after the date the agreement takes effect (2026-01-01)."]
    }
    draft.refresh_from_db()
    assert draft.review_by == TERMS["review_by"]


def _action(client, action, agreements, **extra):
    return client.post(
        reverse("admin:catalog_agreement_changelist"),
        {"action": action, "_selected_action": [a.pk for a in agreements], **extra},
        follow=True,
    )


def test_propose_action_proposes_drafts_and_reports_those_it_cannot(client, superuser, catalogue):
    ready = _draft(catalogue["service"], catalogue["businessunit"])
    unfinished = _draft(ServiceFactory(), BusinessUnitFactory(), scope="", review_by=None)
    response = _action(client, "propose", [ready, unfinished])
    ready.refresh_from_db()
    unfinished.refresh_from_db()
    assert ready.status == AgreementStatus.PROPOSED
    assert ready.proposed_by == superuser
    assert unfinished.status == AgreementStatus.DRAFT
    text = response.content.decode()
    assert "1 agreement version(s) proposed" in text
    assert "Say what the agreement covers" in text


def test_withdraw_action_asks_for_a_reason_and_requires_one_for_the_version_in_force(client, superuser, catalogue):
    agreed = catalogue["agreement"]
    first = _action(client, "withdraw", [agreed])
    assert first.status_code == 200
    assert b'name="reason"' in first.content
    refused = _action(client, "withdraw", [agreed], apply="Withdraw", reason="")
    assert "Say why an agreement in force is withdrawn" in refused.content.decode()
    agreed.refresh_from_db()
    assert agreed.status == AgreementStatus.AGREED

    _action(client, "withdraw", [agreed], apply="Withdraw", reason="Service replaced by the new platform.")
    agreed.refresh_from_db()
    assert agreed.status == AgreementStatus.WITHDRAWN
    assert agreed.withdrawn_by == superuser
    assert agreed.withdrawal_reason == "Service replaced by the new platform."


def test_draft_next_version_action_copies_the_terms_in_force(client, superuser, catalogue):
    agreed = catalogue["agreement"]
    _action(client, "draft_next_version", [agreed])
    draft = Agreement.objects.get(service=agreed.service, business_unit=agreed.business_unit, version=2)
    assert draft.status == AgreementStatus.DRAFT
    assert draft.scope == agreed.scope


def test_agreements_cannot_be_deleted_in_the_admin(client, superuser, catalogue):
    agreement = catalogue["agreement"]
    assert client.get(reverse("admin:catalog_agreement_delete", args=[agreement.pk])).status_code == 403
    assert Agreement.objects.filter(pk=agreement.pk).exists()


# --- Services and dependencies -------------------------------------------------------


def _service_form(service, depends_on=()):
    data = {
        "name": service.name,
        "slug": service.slug,
        "category": service.category_id,
        "summary": service.summary,
        "description": service.description,
        "how_to_request": service.how_to_request,
        "lifecycle": service.lifecycle,
        "criticality": service.criticality,
        "keywords": service.keywords,
        "service_owner": service.service_owner_id,
        "business_owner": service.business_owner_id or "",
        "business_units": [u.pk for u in service.business_units.all()],
        "annual_cost": str(service.annual_cost),
        "cost_drivers": service.cost_drivers,
        "dependency_links-TOTAL_FORMS": str(len(depends_on)),
        "dependency_links-INITIAL_FORMS": "0",
        "dependency_links-MIN_NUM_FORMS": "0",
        "dependency_links-MAX_NUM_FORMS": "1000",
        "agreements-TOTAL_FORMS": "0",
        "agreements-INITIAL_FORMS": "0",
        "agreements-MIN_NUM_FORMS": "0",
        "agreements-MAX_NUM_FORMS": "0",
    }
    for index, target in enumerate(depends_on):
        data[f"dependency_links-{index}-depends_on"] = target.pk
        data[f"dependency_links-{index}-service"] = service.pk
    return data


def test_a_dependency_added_in_the_service_form_is_saved(client, superuser):
    service, network = ServiceFactory(), ServiceFactory(name="Network")
    url = reverse("admin:catalog_service_change", args=[service.pk])
    assert client.post(url, _service_form(service, [network])).status_code == 302
    assert list(service.depends_on.all()) == [network]


def test_a_dependency_cycle_in_the_service_form_is_refused(client, superuser):
    a, b = ServiceFactory(name="Alpha"), ServiceFactory(name="Beta")
    services.service_dependencies_set(service=b, depends_on=[a])
    response = client.post(reverse("admin:catalog_service_change", args=[a.pk]), _service_form(a, [b]))
    assert response.status_code == 200
    assert "dependency cycle: Alpha → Beta → Alpha" in response.content.decode()
    assert not a.depends_on.exists()


def test_a_dependency_cycle_in_the_dependency_admin_is_refused(client, superuser):
    a, b, c = ServiceFactory(name="Alpha"), ServiceFactory(name="Beta"), ServiceFactory(name="Gamma")
    services.service_dependencies_set(service=b, depends_on=[a])
    services.service_dependencies_set(service=c, depends_on=[b])
    url = reverse("admin:catalog_servicedependency_add")
    refused = client.post(url, {"service": a.pk, "depends_on": c.pk})
    assert refused.status_code == 200
    assert "dependency cycle" in refused.content.decode()
    assert ServiceDependency.objects.count() == 2
    assert client.post(url, {"service": c.pk, "depends_on": a.pk}).status_code == 302
    assert set(c.depends_on.all()) == {a, b}


# --- API keys -------------------------------------------------------------------------


def test_adding_an_api_key_shows_it_once_and_stores_only_its_hash(client, superuser):
    owner = UserFactory(username="jira")
    response = client.post(
        reverse("admin:catalog_apitoken_add"),
        {"user": owner.pk, "name": "Jira webhook", "can_ingest": "on"},
        follow=True,
    )
    assert response.status_code == 200
    keys = re.findall(r"acc_[0-9a-f]{8}_[A-Za-z0-9_\-]+", response.content.decode())
    assert len(set(keys)) == 1
    key = keys[0]
    token = ApiToken.objects.get(user=owner)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields}
    assert api_token_authenticate(key=key) == token
    assert token.scopes == {"ingest"}

    for page in (
        reverse("admin:catalog_apitoken_changelist"),
        reverse("admin:catalog_apitoken_change", args=[token.pk]),
    ):
        assert key not in client.get(page).content.decode()


def test_an_api_key_needs_a_scope_and_starts_with_read_ticked(client, superuser):
    form = client.get(reverse("admin:catalog_apitoken_add")).content.decode()
    assert re.search(r'<input type="checkbox" name="can_read" [^>]*id="id_can_read" checked>', form)
    assert re.search(r'<input type="checkbox" name="can_manage" [^>]*id="id_can_manage">', form)
    response = client.post(reverse("admin:catalog_apitoken_add"), {"user": UserFactory().pk, "name": "None"})
    assert response.status_code == 200
    assert "Give the key at least one scope: read, ingest or manage." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_keys_scopes_can_be_changed_and_are_listed(client, superuser):
    token, key = api_token_issue(user=UserFactory(), name="CI", scopes=["read"])
    response = client.post(
        reverse("admin:catalog_apitoken_change", args=[token.pk]),
        {"name": "CI", "can_read": "on", "can_manage": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert api_token_authenticate(key=key).scopes == {"read", "manage"}
    listing = client.get(reverse("admin:catalog_apitoken_changelist")).content.decode()
    assert '<td class="field-scope_list">read, manage</td>' in listing


def test_an_api_key_cannot_be_issued_already_expired(client, superuser):
    owner = UserFactory()
    past = timezone.localtime() - timedelta(days=1)
    response = client.post(
        reverse("admin:catalog_apitoken_add"),
        {"user": owner.pk, "name": "Old", "expires_at_0": past.date().isoformat(), "expires_at_1": "10:00:00"},
    )
    assert response.status_code == 200
    assert "expired already" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke_action_revokes_the_key(client, superuser):
    token, key = api_token_issue(user=UserFactory(), name="CI")
    client.post(
        reverse("admin:catalog_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_token_authenticate(key=key) is None


# --- Users ----------------------------------------------------------------------------


def test_user_page_shows_business_unit_memberships(client, superuser):
    membership = MembershipFactory(is_representative=True)
    user = membership.user
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert membership.business_unit.name in page.content.decode()
