"""The agreement lifecycle end to end through the portal: propose, sign, return, withdraw."""

import pytest

from catalog import services
from catalog.models import Agreement, AgreementStatus
from tests.factories import AgreementFactory, ServiceFactory, business_user, representative
from tests.portal.helpers import agree, page_text, terms

pytestmark = pytest.mark.django_db


def test_full_lifecycle_through_the_portal(client, owner, rep, agreed):
    client.force_login(owner)
    client.post("/services/payroll/agreements/new/", {"business_unit": "finance", **terms()})
    draft = Agreement.objects.get(status=AgreementStatus.DRAFT)
    page = page_text(client.get(f"/agreements/{draft.pk}/"))
    assert "Propose for signature" in page and "Edit draft" in page and "Sign for" not in page

    response = client.post(f"/agreements/{draft.pk}/propose/", follow=True)
    assert "Version 2 is proposed" in page_text(response)
    page = page_text(client.get(f"/agreements/{draft.pk}/"))
    assert "Sign for IT (as service owner)" in page and "Return to draft" in page
    assert "Awaiting signature from IT (the service owner) and the business (a representative of Finance)." in page

    response = client.post(f"/agreements/{draft.pk}/sign/", follow=True)
    assert "You signed version 2; it now awaits the other side." in page_text(response)
    assert "Sign for" not in page_text(client.get(f"/agreements/{draft.pk}/"))

    client.force_login(rep)
    page = page_text(client.get(f"/agreements/{draft.pk}/"))
    assert "Sign for the business (Finance)" in page
    assert "Propose for signature" not in page and "Withdraw" not in page
    response = client.post(f"/agreements/{draft.pk}/sign/", follow=True)
    assert "Version 2 is signed by both sides and now in force." in page_text(response)

    draft.refresh_from_db()
    agreed.refresh_from_db()
    assert draft.status == AgreementStatus.AGREED
    assert (draft.it_signed_by, draft.business_signed_by) == (owner, rep)
    assert agreed.status == AgreementStatus.SUPERSEDED and agreed.superseded_by == draft


def test_proposing_an_incomplete_draft_explains_what_is_missing(client, owner, service, unit):
    draft = services.agreement_draft_create(service=service, business_unit=unit, actor=owner)
    client.force_login(owner)
    html = page_text(client.post(f"/agreements/{draft.pk}/propose/", follow=True))
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
    assert "You have already signed this version" in page_text(response)
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.PROPOSED and draft.business_signed_by is None


def test_signing_for_someone_else_is_refused_with_403(client, service, owner, unit, admin):
    draft = AgreementFactory(service=service, business_unit=unit, version=1, created_by=owner)
    services.agreement_propose(agreement=draft, actor=owner)
    client.force_login(admin)  # admins see everything, but may not sign for either side
    assert "Sign for" not in page_text(client.get(f"/agreements/{draft.pk}/"))
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
        # A GET (the address reloaded or bookmarked) acts on nothing: it shows the agreement.
        response = client.get(f"/agreements/{draft.pk}/{action}/")
        assert response.status_code == 302 and response.url == f"/agreements/{draft.pk}/"
        assert client.put(f"/agreements/{draft.pk}/{action}/").status_code == 405
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.DRAFT


def test_return_to_draft_clears_signatures(client, service, owner, unit):
    draft = AgreementFactory(service=service, business_unit=unit, version=1, created_by=owner)
    services.agreement_propose(agreement=draft, actor=owner)
    services.agreement_sign(agreement=draft, actor=owner)
    client.force_login(owner)
    html = page_text(client.post(f"/agreements/{draft.pk}/return-to-draft/", follow=True))
    assert "Version 1 is back in draft; any signatures given were cleared." in html
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.DRAFT and draft.it_signed_by is None


def test_withdrawing_an_agreement_in_force_needs_a_reason(client, owner, agreed):
    client.force_login(owner)
    page = page_text(client.get(f"/agreements/{agreed.pk}/withdraw/"))
    assert "This version is in force." in page
    html = page_text(client.post(f"/agreements/{agreed.pk}/withdraw/", {"reason": "  "}))
    assert "Say why an agreement in force is withdrawn." in html
    assert 'href="#id_reason"' in html
    agreed.refresh_from_db()
    assert agreed.status == AgreementStatus.AGREED

    response = client.post(f"/agreements/{agreed.pk}/withdraw/", {"reason": "Service retired."}, follow=True)
    assert "Version 1 is withdrawn." in page_text(response)
    agreed.refresh_from_db()
    assert agreed.status == AgreementStatus.WITHDRAWN and agreed.withdrawal_reason == "Service retired."
    page = page_text(client.get(f"/agreements/{agreed.pk}/"))
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
    assert "Sign for the business (all business units)" in page_text(client.get(f"/agreements/{draft.pk}/"))
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
    with django_assert_max_num_queries(9):  # 9: the success measures, of both versions compared, in one query
        assert client.get(f"/agreements/{nxt.pk}/").status_code == 200
