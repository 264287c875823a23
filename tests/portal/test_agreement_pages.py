"""Agreement pages: the list, one version with its diff and history, drafting and editing."""

import datetime

import pytest

from catalog import services
from catalog.models import Agreement, AgreementStatus
from tests.factories import AgreementFactory, ServiceFactory, service_owner
from tests.portal.helpers import agree, page_text, terms

pytestmark = pytest.mark.django_db


# --- Agreements page ----------------------------------------------------------------


def test_agreements_page_sections_for_the_owner(client, service, owner, unit, agreed):
    draft = services.agreement_draft_create(service=service, business_unit=unit, actor=owner)
    all_units = AgreementFactory(service=service, business_unit=None, version=1, created_by=owner)
    services.agreement_propose(agreement=all_units, actor=owner)
    client.force_login(owner)
    html = page_text(client.get("/agreements/"))
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
    html = page_text(client.get("/agreements/"))
    awaiting = html.split('id="drafts-heading"')[0]
    assert f'href="/agreements/{proposal.pk}/"' in awaiting
    assert "Review and sign for the business (Finance)" in awaiting
    assert "No draft or proposal you can act on." in html

    client.force_login(reader)
    html = page_text(client.get("/agreements/"))
    assert "Nothing awaits your signature." in html
    assert f'href="/agreements/{proposal.pk}/"' not in html
    assert f'href="/agreements/{agreed.pk}/"' in html


def test_anonymous_visitors_see_the_agreements_in_force_only(client, agreed):
    html = page_text(client.get("/agreements/"))
    assert "Awaiting your signature" not in html
    assert f'href="/agreements/{agreed.pk}/"' in html


def test_in_force_can_be_filtered_by_service_and_business_unit(client, agreed, owner):
    other = ServiceFactory(name="Laptops", slug="laptops", service_owner=owner)
    company_wide = AgreementFactory(service=other, business_unit=None, version=1, created_by=owner)
    agree(company_wide, it=owner, business=other.business_owner)

    def listed(**params):
        html = page_text(client.get("/agreements/", params))
        return {a.pk for a in (agreed, company_wide) if f'href="/agreements/{a.pk}/"' in html}

    assert listed() == {agreed.pk, company_wide.pk}
    assert listed(service="laptops") == {company_wide.pk}
    assert listed(business_unit="finance") == {agreed.pk}
    assert listed(business_unit="all") == {company_wide.pk}
    assert listed(service="payroll", business_unit="all") == set()
    assert listed(service="nope") == {agreed.pk, company_wide.pk}  # unknown value ignored, not an error


# --- Agreement page -----------------------------------------------------------------


def test_agreement_page_shows_terms_status_timeline_and_versions(client, agreed):
    html = page_text(client.get(f"/agreements/{agreed.pk}/"))
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
    html = page_text(client.get(f"/agreements/{second.pk}/"))
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
    first = page_text(client.get(f"/agreements/{agreed.pk}/"))
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
    default = page_text(client.get(f"/agreements/{third.pk}/"))
    assert "Changes since version 2" in default and "<h3>Exclusions</h3> <pre" not in default
    chosen = page_text(client.get(f"/agreements/{third.pk}/", {"against": agreed.pk}))
    assert "Changes since version 1" in chosen and "<h3>Exclusions</h3> <pre" in chosen
    assert f'href="?against={agreed.pk}"' in chosen


def test_diff_against_an_unknown_or_hidden_version_says_so(client, service, owner, agreed):
    hidden_draft = services.agreement_draft_create(service=service, business_unit=agreed.business_unit, actor=owner)
    elsewhere = AgreementFactory(version=1)
    for against in (hidden_draft.pk, elsewhere.pk, "abc"):
        html = page_text(client.get(f"/agreements/{agreed.pk}/", {"against": against}))
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
    html = page_text(client.get("/services/payroll/agreements/new/"))
    assert '<option value="finance" selected>Finance</option>' in html
    assert "Weekdays 9 to 5.</textarea>" in html
    assert f'value="{agreed.effective_from:%Y-%m-%d}"' in html
    all_units = page_text(client.get("/services/payroll/agreements/new/", {"business_unit": "all"}))
    assert "Weekdays 9 to 5." not in all_units
    assert '<input type="hidden" name="business_unit" value="all">' in all_units


def test_owner_drafts_a_new_version_for_a_unit(client, owner, agreed):
    client.force_login(owner)
    response = client.post("/services/payroll/agreements/new/", {"business_unit": "finance", **terms()})
    draft = Agreement.objects.get(status=AgreementStatus.DRAFT)
    assert response.status_code == 302 and response.url == f"/agreements/{draft.pk}/"
    assert (draft.version, draft.business_unit, draft.scope) == (2, agreed.business_unit, "Weekdays 8 to 6.")
    assert draft.effective_from == datetime.date(2025, 4, 1)


def test_owner_drafts_an_agreement_for_all_business_units(client, owner, service):
    client.force_login(owner)
    response = client.post("/services/payroll/agreements/new/", {"business_unit": "all", **terms()})
    assert response.status_code == 302
    assert Agreement.objects.get().business_unit is None


def test_second_open_version_is_refused_as_a_form_error(client, owner, service, unit):
    services.agreement_draft_create(service=service, business_unit=unit, actor=owner)
    client.force_login(owner)
    response = client.post("/services/payroll/agreements/new/", {"business_unit": "finance", **terms()})
    assert "This agreement already has a version in draft or proposed" in page_text(response)
    assert Agreement.objects.count() == 1


def test_bad_dates_and_units_are_form_errors(client, owner, service):
    client.force_login(owner)
    html = page_text(
        client.post("/services/payroll/agreements/new/", {"business_unit": "finance", **terms(review_by="2025-01-01")})
    )
    assert "The review date must be after the date the agreement takes effect" in html
    html = page_text(client.post("/services/payroll/agreements/new/", {"business_unit": "sales", **terms()}))
    assert "Select a valid choice" in html
    bad_date = {"business_unit": "all", **terms(review_by="soon")}
    html = page_text(client.post("/services/payroll/agreements/new/", bad_date))
    assert "Enter a valid date." in html
    assert not Agreement.objects.exists()


def test_only_the_owner_or_an_admin_drafts_agreements(client, service, reader):
    for user in (reader, service_owner()):
        client.force_login(user)
        response = client.post("/services/payroll/agreements/new/", {"business_unit": "all", **terms()})
        assert response.status_code == 403
        assert "Only the owner of “Payroll” or an admin may draft its agreements." in response.content.decode()
    assert not Agreement.objects.exists()


def test_owner_edits_a_draft(client, owner, service, unit):
    draft = services.agreement_draft_create(service=service, business_unit=unit, actor=owner, scope="Old")
    client.force_login(owner)
    page = page_text(client.get(f"/agreements/{draft.pk}/edit/"))
    assert "Edit draft version 1" in page and "Old</textarea>" in page
    response = client.post(f"/agreements/{draft.pk}/edit/", terms(scope="New"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.scope == "New"


def test_editing_an_agreed_version_is_refused(client, owner, agreed):
    client.force_login(owner)
    page = client.get(f"/agreements/{agreed.pk}/edit/", follow=True)
    assert "Version 1 is agreed and cannot be edited; only a draft can." in page_text(page)
    response = client.post(f"/agreements/{agreed.pk}/edit/", terms(scope="Sneaky change"), follow=True)
    assert "cannot be edited" in page_text(response)
    agreed.refresh_from_db()
    assert agreed.scope == "Weekdays 9 to 5."
    assert f'href="/agreements/{agreed.pk}/edit/"' not in page_text(client.get(f"/agreements/{agreed.pk}/"))


def test_draft_form_points_to_the_version_already_open(client, owner, service, unit):
    draft = services.agreement_draft_create(service=service, business_unit=unit, actor=owner)
    client.force_login(owner)
    html = page_text(client.get("/services/payroll/agreements/new/", {"business_unit": "finance"}))
    assert "Version 1 (draft) is already open for this business unit" in html
    assert f'<a href="/agreements/{draft.pk}/">Go to version 1</a>' in html
    assert "is already open" not in page_text(client.get("/services/payroll/agreements/new/", {"business_unit": "all"}))
