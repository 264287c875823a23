"""Agreement pages and the agreement lifecycle, end to end through the portal."""

import datetime

import pytest

from catalog import services
from catalog.models import Agreement, AgreementStatus
from tests.factories import AgreementFactory, ServiceFactory, business_user, representative, service_owner
from tests.portal.conftest import agree

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(response.content.decode().split())


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _terms(**overrides):
    data = {
        "scope": "Weekdays 8 to 6.",
        "exclusions": "Personal devices.",
        "it_responsibilities": "Keep it running.",
        "business_responsibilities": "Report problems.",
        "effective_from": "2025-04-01",
        "review_by": "2026-04-01",
    }
    data.update(overrides)
    return data


# --- Agreements page ----------------------------------------------------------------


def test_agreements_page_sections_for_the_owner(client, service, owner, unit, agreed):
    draft = services.agreement_draft_create(service=service, business_unit=unit, actor=owner)
    all_units = AgreementFactory(service=service, business_unit=None, version=1, created_by=owner)
    services.agreement_propose(agreement=all_units, actor=owner)
    client.force_login(owner)
    html = _html(client.get("/agreements/"))
    awaiting, rest = html.split('id="drafts-heading"')
    drafts, in_force = rest.split('id="in-force-heading"')
    assert f'href="/agreements/{all_units.pk}/"' in awaiting and "Review and sign for IT (as service owner)" in awaiting
    assert f'href="/agreements/{draft.pk}/"' not in awaiting
    assert f'href="/agreements/{draft.pk}/"' in drafts and f'href="/agreements/{all_units.pk}/"' in drafts
    assert f'<a href="/agreements/{agreed.pk}/">Payroll</a>' in in_force


def test_representative_is_asked_to_sign_and_reader_sees_only_what_is_in_force(
    client, service, owner, rep, reader, agreed
):
    proposal = services.agreement_draft_create(service=service, business_unit=agreed.business_unit, actor=owner)
    services.agreement_propose(agreement=proposal, actor=owner)
    client.force_login(rep)
    html = _html(client.get("/agreements/"))
    awaiting = html.split('id="drafts-heading"')[0]
    assert f'href="/agreements/{proposal.pk}/"' in awaiting
    assert "Review and sign for the business (Finance)" in awaiting
    assert "No draft or proposal you can act on." in html

    client.force_login(reader)
    html = _html(client.get("/agreements/"))
    assert "Nothing awaits your signature." in html
    assert f'href="/agreements/{proposal.pk}/"' not in html
    assert f'href="/agreements/{agreed.pk}/"' in html


def test_anonymous_visitors_see_the_agreements_in_force_only(client, agreed):
    html = _html(client.get("/agreements/"))
    assert "Awaiting your signature" not in html
    assert f'href="/agreements/{agreed.pk}/"' in html


def test_in_force_can_be_filtered_by_service_and_business_unit(client, agreed, owner):
    other = ServiceFactory(name="Laptops", slug="laptops", service_owner=owner)
    company_wide = AgreementFactory(service=other, business_unit=None, version=1, created_by=owner)
    agree(company_wide, it=owner, business=other.business_owner)

    def listed(**params):
        html = _html(client.get("/agreements/", params))
        return {a.pk for a in (agreed, company_wide) if f'href="/agreements/{a.pk}/"' in html}

    assert listed() == {agreed.pk, company_wide.pk}
    assert listed(service="laptops") == {company_wide.pk}
    assert listed(business_unit="finance") == {agreed.pk}
    assert listed(business_unit="all") == {company_wide.pk}
    assert listed(service="payroll", business_unit="all") == set()
    assert listed(service="nope") == {agreed.pk, company_wide.pk}  # unknown value ignored, not an error


# --- Agreement page -----------------------------------------------------------------


def test_agreement_page_shows_terms_status_timeline_and_versions(client, agreed):
    html = _html(client.get(f"/agreements/{agreed.pk}/"))
    assert "<h1>Payroll: agreement with Finance</h1>" in html
    assert 'Version 1 <span class="badge badge--agreed">Agreed</span>' in html
    assert "<p>Weekdays 9 to 5.</p>" in html
    for step in (
        "Draft created by Olive Owner",
        "Proposed for signature by Olive Owner",
        "Signed for IT by Olive Owner",
        "Signed for the business (Finance) by Rita Rep",
        "Agreed: in force",
    ):
        assert step in html
    assert "This is the first version you can see" in html
    assert "What you can do" not in html  # nothing for an anonymous reader


def test_agreement_page_shows_the_diff_against_the_previous_version(client, service, owner, rep, agreed):
    second = services.agreement_draft_create(
        service=service, business_unit=agreed.business_unit, actor=owner, scope="Weekdays 8 to 6."
    )
    agree(second, it=owner, business=rep)
    html = _html(client.get(f"/agreements/{second.pk}/"))
    assert "Changes since version 1" in html
    assert (
        '<del><span class="visually-hidden">Removed: </span><span aria-hidden="true">− </span>Weekdays 9 to 5.</del>'
        in html
    )
    assert (
        '<ins><span class="visually-hidden">Added: </span><span aria-hidden="true">+ </span>Weekdays 8 to 6.</ins>'
        in html
    )
    # the earlier version now says it was superseded, and by what
    first = _html(client.get(f"/agreements/{agreed.pk}/"))
    assert 'badge--superseded">Superseded' in first
    assert f'Replaced by <a href="/agreements/{second.pk}/">version 2</a>' in first


def test_diff_against_another_chosen_version(client, service, owner, rep, agreed):
    second = services.agreement_draft_create(
        service=service, business_unit=agreed.business_unit, actor=owner, exclusions="Nothing."
    )
    agree(second, it=owner, business=rep)
    third = services.agreement_draft_create(
        service=service, business_unit=agreed.business_unit, actor=owner, scope="Always."
    )
    agree(third, it=owner, business=rep)
    default = _html(client.get(f"/agreements/{third.pk}/"))
    assert "Changes since version 2" in default and "<h3>Exclusions</h3> <pre" not in default
    chosen = _html(client.get(f"/agreements/{third.pk}/", {"against": agreed.pk}))
    assert "Changes since version 1" in chosen and "<h3>Exclusions</h3> <pre" in chosen
    assert f'href="?against={agreed.pk}"' in chosen


def test_diff_against_an_unknown_or_hidden_version_says_so(client, service, owner, agreed):
    hidden_draft = services.agreement_draft_create(service=service, business_unit=agreed.business_unit, actor=owner)
    elsewhere = AgreementFactory(version=1)
    for against in (hidden_draft.pk, elsewhere.pk, "abc"):
        html = _html(client.get(f"/agreements/{agreed.pk}/", {"against": against}))
        assert "There is no version to compare with at that address" in html


def test_drafts_are_not_found_for_people_who_may_not_see_them(client, service, owner, reader, rep, unit):
    draft = services.agreement_draft_create(service=service, business_unit=unit, actor=owner)
    assert client.get(f"/agreements/{draft.pk}/").status_code == 404
    for user in (reader, rep):
        client.force_login(user)
        assert client.get(f"/agreements/{draft.pk}/").status_code == 404
        assert client.post(f"/agreements/{draft.pk}/propose/").status_code == 404
    assert client.get("/agreements/999999/").status_code == 404


# --- Drafting -----------------------------------------------------------------------


def test_draft_form_starts_from_the_terms_in_force(client, owner, agreed):
    client.force_login(owner)
    html = _html(client.get("/services/payroll/agreements/new/"))
    assert '<option value="finance" selected>Finance</option>' in html
    assert "Weekdays 9 to 5.</textarea>" in html
    assert f'value="{agreed.effective_from:%Y-%m-%d}"' in html
    all_units = _html(client.get("/services/payroll/agreements/new/", {"business_unit": "all"}))
    assert "Weekdays 9 to 5." not in all_units
    assert '<input type="hidden" name="business_unit" value="all">' in all_units


def test_owner_drafts_a_new_version_for_a_unit(client, owner, agreed):
    client.force_login(owner)
    response = client.post("/services/payroll/agreements/new/", {"business_unit": "finance", **_terms()})
    draft = Agreement.objects.get(status=AgreementStatus.DRAFT)
    assert response.status_code == 302 and response.url == f"/agreements/{draft.pk}/"
    assert (draft.version, draft.business_unit, draft.scope) == (2, agreed.business_unit, "Weekdays 8 to 6.")
    assert draft.effective_from == datetime.date(2025, 4, 1)


def test_owner_drafts_an_agreement_for_all_business_units(client, owner, service):
    client.force_login(owner)
    response = client.post("/services/payroll/agreements/new/", {"business_unit": "all", **_terms()})
    assert response.status_code == 302
    assert Agreement.objects.get().business_unit is None


def test_second_open_version_is_refused_as_a_form_error(client, owner, service, unit):
    services.agreement_draft_create(service=service, business_unit=unit, actor=owner)
    client.force_login(owner)
    response = client.post("/services/payroll/agreements/new/", {"business_unit": "finance", **_terms()})
    assert "This agreement already has a version in draft or proposed" in _html(response)
    assert Agreement.objects.count() == 1


def test_bad_dates_and_units_are_form_errors(client, owner, service):
    client.force_login(owner)
    html = _html(
        client.post("/services/payroll/agreements/new/", {"business_unit": "finance", **_terms(review_by="2025-01-01")})
    )
    assert "The review date must be after the date the agreement takes effect" in html
    html = _html(client.post("/services/payroll/agreements/new/", {"business_unit": "sales", **_terms()}))
    assert "Select a valid choice" in html
    html = _html(client.post("/services/payroll/agreements/new/", {"business_unit": "all", **_terms(review_by="soon")}))
    assert "Enter a valid date." in html
    assert not Agreement.objects.exists()


def test_only_the_owner_or_an_admin_drafts_agreements(client, service, reader):
    for user in (reader, service_owner()):
        client.force_login(user)
        response = client.post("/services/payroll/agreements/new/", {"business_unit": "all", **_terms()})
        assert response.status_code == 403
        assert "Only the owner of “Payroll” or an admin may draft its agreements." in response.content.decode()
    assert not Agreement.objects.exists()


def test_owner_edits_a_draft(client, owner, service, unit):
    draft = services.agreement_draft_create(service=service, business_unit=unit, actor=owner, scope="Old")
    client.force_login(owner)
    page = _html(client.get(f"/agreements/{draft.pk}/edit/"))
    assert "Edit draft version 1" in page and "Old</textarea>" in page
    response = client.post(f"/agreements/{draft.pk}/edit/", _terms(scope="New"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.scope == "New"


def test_editing_an_agreed_version_is_refused(client, owner, agreed):
    client.force_login(owner)
    page = client.get(f"/agreements/{agreed.pk}/edit/", follow=True)
    assert "Version 1 is agreed and cannot be edited; only a draft can." in _html(page)
    response = client.post(f"/agreements/{agreed.pk}/edit/", _terms(scope="Sneaky change"), follow=True)
    assert "cannot be edited" in _html(response)
    agreed.refresh_from_db()
    assert agreed.scope == "Weekdays 9 to 5."
    assert f'href="/agreements/{agreed.pk}/edit/"' not in _html(client.get(f"/agreements/{agreed.pk}/"))


# --- Lifecycle: propose, sign, return, withdraw ---------------------------------------


def test_full_lifecycle_through_the_portal(client, owner, rep, agreed):
    client.force_login(owner)
    client.post("/services/payroll/agreements/new/", {"business_unit": "finance", **_terms()})
    draft = Agreement.objects.get(status=AgreementStatus.DRAFT)
    page = _html(client.get(f"/agreements/{draft.pk}/"))
    assert "Propose for signature" in page and "Edit draft" in page and "Sign for" not in page

    response = client.post(f"/agreements/{draft.pk}/propose/", follow=True)
    assert "Version 2 is proposed" in _html(response)
    page = _html(client.get(f"/agreements/{draft.pk}/"))
    assert "Sign for IT (as service owner)" in page and "Return to draft" in page
    assert "Awaiting signature from IT (the service owner) and the business (a representative of Finance)." in page

    response = client.post(f"/agreements/{draft.pk}/sign/", follow=True)
    assert "You signed version 2; it now awaits the other side." in _html(response)
    assert "Sign for" not in _html(client.get(f"/agreements/{draft.pk}/"))

    client.force_login(rep)
    page = _html(client.get(f"/agreements/{draft.pk}/"))
    assert "Sign for the business (Finance)" in page
    assert "Propose for signature" not in page and "Withdraw" not in page
    response = client.post(f"/agreements/{draft.pk}/sign/", follow=True)
    assert "Version 2 is signed by both sides and now in force." in _html(response)

    draft.refresh_from_db()
    agreed.refresh_from_db()
    assert draft.status == AgreementStatus.AGREED
    assert (draft.it_signed_by, draft.business_signed_by) == (owner, rep)
    assert agreed.status == AgreementStatus.SUPERSEDED and agreed.superseded_by == draft


def test_proposing_an_incomplete_draft_explains_what_is_missing(client, owner, service, unit):
    draft = services.agreement_draft_create(service=service, business_unit=unit, actor=owner)
    client.force_login(owner)
    html = _html(client.post(f"/agreements/{draft.pk}/propose/", follow=True))
    assert "Say what the agreement covers before proposing it." in html
    assert "Set the date the agreement takes effect." in html
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.DRAFT


def test_other_units_do_not_see_a_proposal_and_nobody_signs_twice(client, service, owner, unit):
    draft = AgreementFactory(service=service, business_unit=unit, version=1, created_by=owner)
    services.agreement_propose(agreement=draft, actor=owner)
    outsider = representative(ServiceFactory().business_units.create(name="Sales", slug="sales"))
    client.force_login(outsider)
    assert client.post(f"/agreements/{draft.pk}/sign/").status_code == 404
    client.force_login(owner)
    services.agreement_sign(agreement=draft, actor=owner)
    response = client.post(f"/agreements/{draft.pk}/sign/", follow=True)
    assert "You have already signed this version" in _html(response)
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.PROPOSED and draft.business_signed_by is None


def test_signing_for_someone_else_is_refused_with_403(client, service, owner, unit, admin):
    draft = AgreementFactory(service=service, business_unit=unit, version=1, created_by=owner)
    services.agreement_propose(agreement=draft, actor=owner)
    client.force_login(admin)  # admins see everything, but may not sign for either side
    assert "Sign for" not in _html(client.get(f"/agreements/{draft.pk}/"))
    response = client.post(f"/agreements/{draft.pk}/sign/")
    assert response.status_code == 403
    assert "Only the service owner (IT) or a representative of Finance may sign this agreement." in (
        response.content.decode()
    )
    draft.refresh_from_db()
    assert draft.it_signed_by is None and draft.business_signed_by is None


def test_representative_may_not_propose_withdraw_or_edit(client, service, owner, rep, unit):
    draft = AgreementFactory(service=service, business_unit=unit, version=1, created_by=owner)
    services.agreement_propose(agreement=draft, actor=owner)
    client.force_login(rep)
    for url, message in [
        (f"/agreements/{draft.pk}/withdraw/", "Only the owner of “Payroll” or an admin may withdraw its agreements."),
        (f"/agreements/{draft.pk}/return-to-draft/", "may return its agreements to draft"),
        (f"/agreements/{draft.pk}/edit/", "Only the owner of “Payroll” or an admin may edit its agreements."),
        (f"/agreements/{draft.pk}/propose/", "may propose its agreements"),
    ]:
        response = client.post(url, {"reason": "no"})
        assert response.status_code == 403, url
        assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.PROPOSED


def test_actions_are_posts_only(client, owner, service, unit):
    draft = services.agreement_draft_create(service=service, business_unit=unit, actor=owner)
    client.force_login(owner)
    for action in ("propose", "sign", "return-to-draft"):
        assert client.get(f"/agreements/{draft.pk}/{action}/").status_code == 405


def test_return_to_draft_clears_signatures(client, service, owner, unit):
    draft = AgreementFactory(service=service, business_unit=unit, version=1, created_by=owner)
    services.agreement_propose(agreement=draft, actor=owner)
    services.agreement_sign(agreement=draft, actor=owner)
    client.force_login(owner)
    html = _html(client.post(f"/agreements/{draft.pk}/return-to-draft/", follow=True))
    assert "Version 1 is back in draft; any signatures given were cleared." in html
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.DRAFT and draft.it_signed_by is None


def test_withdrawing_an_agreement_in_force_needs_a_reason(client, owner, agreed):
    client.force_login(owner)
    page = _html(client.get(f"/agreements/{agreed.pk}/withdraw/"))
    assert "This version is in force." in page
    html = _html(client.post(f"/agreements/{agreed.pk}/withdraw/", {"reason": "  "}))
    assert "Say why an agreement in force is withdrawn." in html
    assert 'href="#id_reason"' in html
    agreed.refresh_from_db()
    assert agreed.status == AgreementStatus.AGREED

    response = client.post(f"/agreements/{agreed.pk}/withdraw/", {"reason": "Service retired."}, follow=True)
    assert "Version 1 is withdrawn." in _html(response)
    agreed.refresh_from_db()
    assert agreed.status == AgreementStatus.WITHDRAWN and agreed.withdrawal_reason == "Service retired."
    page = _html(client.get(f"/agreements/{agreed.pk}/"))
    assert "Withdrawn by Olive Owner" in page and "Reason: Service retired." in page
    assert "Withdraw…" not in page


def test_a_draft_is_withdrawn_without_a_reason(client, owner, service, unit):
    draft = services.agreement_draft_create(service=service, business_unit=unit, actor=owner)
    client.force_login(owner)
    assert client.post(f"/agreements/{draft.pk}/withdraw/", {"reason": ""}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.WITHDRAWN


def test_all_units_agreement_is_signed_by_the_business_owner(client, owner, service):
    draft = AgreementFactory(service=service, business_unit=None, version=1, created_by=owner)
    services.agreement_propose(agreement=draft, actor=owner)
    client.force_login(service.business_owner)
    assert "Sign for the business (all business units)" in _html(client.get(f"/agreements/{draft.pk}/"))
    client.post(f"/agreements/{draft.pk}/sign/")
    client.force_login(owner)
    client.post(f"/agreements/{draft.pk}/sign/")
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.AGREED


def test_agreement_page_query_count_is_bounded(client, django_assert_max_num_queries, owner, service, rep, agreed):
    for _ in range(3):
        nxt = services.agreement_draft_create(service=service, business_unit=agreed.business_unit, actor=owner)
        agree(nxt, it=owner, business=rep)
    client.force_login(business_user())
    with django_assert_max_num_queries(8):
        assert client.get(f"/agreements/{nxt.pk}/").status_code == 200


def test_draft_form_points_to_the_version_already_open(client, owner, service, unit):
    draft = services.agreement_draft_create(service=service, business_unit=unit, actor=owner)
    client.force_login(owner)
    html = _html(client.get("/services/payroll/agreements/new/", {"business_unit": "finance"}))
    assert "Version 1 (draft) is already open for this business unit" in html
    assert f'<a href="/agreements/{draft.pk}/">Go to version 1</a>' in html
    assert "is already open" not in _html(client.get("/services/payroll/agreements/new/", {"business_unit": "all"}))
