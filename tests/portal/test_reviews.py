"""The service review (portal/reviews/): the document read from real rows, the page and its
query count, recording and closing actions (and who may), the PDF's text, and the monthly task
(run twice, it prepares and e-mails once)."""

from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from catalog.models import Measure
from portal.reviews import selectors
from portal.reviews.models import Review, ReviewAction
from portal.reviews.periods import period_parse
from portal.reviews.services import review_action_record, review_prepare, reviews_prepare_month
from sla.models import ClockState, Commitment, MeasureEvaluation, Renegotiation
from tests import factories as f
from tests.sla.conftest import sla as sla  # the fixture: Payroll with an agreed SLA (UTC)
from tests.sla.test_series_selectors import clock, ticket

NOW = datetime(2026, 12, 3, 9, tzinfo=UTC)  # a Thursday, after November's first business day
NOVEMBER = period_parse("2026-11")
pytestmark = pytest.mark.django_db


@pytest.fixture
def november(sla):
    """November 2026 for Payroll: P2 one met and one breached, a missed measure, a commitment
    delivered late with its note, one renegotiated, one due in December; an action from October."""
    t = ticket(sla, "PAY-7", datetime(2026, 11, 3, tzinfo=UTC), priority=2)
    t.title = "Payslips stuck in the print queue"
    t.save(update_fields=["title"])
    clock(
        sla,
        t,
        state=ClockState.MET,
        started=datetime(2026, 11, 3, tzinfo=UTC),
        stopped=datetime(2026, 11, 3, 1, tzinfo=UTC),
    )
    clock(
        sla,
        t,
        state=ClockState.BREACHED,
        started=datetime(2026, 11, 4, tzinfo=UTC),
        stopped=datetime(2026, 11, 6, tzinfo=UTC),
        breached=datetime(2026, 11, 5, tzinfo=UTC),
    )
    measure = Measure.objects.create(
        agreement=sla["agreement"],
        key="payslips",
        name="Payslips on time",
        description="Rent is paid on pay day.",
        factor="results",
        target=99,
        unit="%",
    )
    MeasureEvaluation.objects.create(
        measure=measure,
        service=sla["service"],
        measure_key="payslips",
        period_start=datetime(2026, 11, 1, tzinfo=UTC),
        period_end=datetime(2026, 12, 1, tzinfo=UTC),
        actual=96.5,
        status="missed",
        volume=4,
        reason="96.5% against at least 99%: the bank file was late twice.",
        computed_at=datetime(2026, 12, 1, 2, tzinfo=UTC),
    )
    common = {
        "service": sla["service"],
        "business_unit": sla["unit"],
        "owner": sla["owner"],
        "definition_of_done": "Done.",
        "committed_on": date(2026, 9, 1),
    }
    Commitment.objects.create(
        title="New payslip layout",
        due_on=date(2026, 11, 10),
        outcome="delivered",
        closed_on=date(2026, 11, 18),
        closing_note="The printer vendor slipped a week.",
        **common,
    )
    moved = Commitment.objects.create(title="Year-end bonus run", due_on=date(2027, 1, 20), **common)
    Renegotiation.objects.create(
        commitment=moved,
        at=datetime(2026, 11, 12, tzinfo=UTC),
        old_due_on=date(2026, 11, 28),
        new_due_on=date(2027, 1, 20),
        reason="The board moved the bonus date.",
        by=sla["owner"],
    )
    Commitment.objects.create(title="Self-service address change", due_on=date(2026, 12, 15), **common)
    october = review_action_record(
        period=period_parse("2026-10"),
        service=sla["service"],
        text="Fix the bank file cut-off",
        owner=sla["owner"],
        due_on=date(2026, 11, 20),
        by=sla["owner"],
    )
    return {**sla, "action": october}


def test_the_document_says_what_was_agreed_what_happened_and_why(november):
    user = november["rep"]
    with time_machine.travel(NOW, tick=False):
        doc = selectors.service_review(user=user, service=november["service"], period=NOVEMBER, now=NOW)
    section = doc.sections[0]
    assert [t.audience for t in section.agreed] == ["Finance"]
    assert section.agreed[0].targets[1][0].startswith("P2")
    assert section.agreed[0].measures[0][0] == "Payslips on time"
    p2 = next(a for a in section.attainment if a.priority == 2)
    assert (p2.met, p2.breached, p2.percent) == (1, 1, 50.0)
    assert [m.status for m in section.measures] == ["missed"]
    readings = {line.commitment.title: line.reading for line in section.commitments}
    assert readings["New payslip layout"].kind == "late"
    assert readings["Year-end bonus run"].kind == "renegotiated"
    assert [c.title for c in section.commitments_next] == ["Self-service address change"]
    misses = " | ".join(f"{m.what}: {' / '.join(m.causes)}" for m in section.misses)
    assert "PAY-7: Payslips stuck in the print queue" in misses
    assert "the bank file was late twice" in misses
    assert "The printer vendor slipped a week." in misses
    assert not doc.so_far and doc.review is None
    # October's action, due 20 November and still open, is overdue in December's eyes.
    assert [(a.action.text, a.state) for a in doc.previous_actions] == [("Fix the bank file cut-off", "overdue")]
    assert section.review_dates == [("Finance", date(2027, 1, 1))]


def test_the_page_in_a_pinned_number_of_queries(november, client, django_assert_max_num_queries):
    client.force_login(november["rep"])
    url = reverse("portal:service_review", args=["payroll", "2026-11"])
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(33):
        response = client.get(url)
    assert response.status_code == 200
    text = " ".join(response.content.decode().split())
    assert "Payroll: service review, November 2026" in text
    assert "Fix the bank file cut-off" in text and "Overdue" in text
    assert reverse("portal:service_review_pdf", args=["payroll", "2026-11"]) in text
    assert "review-action-form" in text  # a representative of the unit served records actions


def test_a_representative_records_an_action_and_a_reader_may_not(november, client):
    url = reverse("portal:service_review", args=["payroll", "2026-11"])
    data = {"text": "Move the bank cut-off to 16:00", "owner": november["owner"].pk, "due_on": "2026-12-20"}
    client.force_login(f.business_user())
    with time_machine.travel(NOW, tick=False):
        assert client.post(url, data).status_code == 403
        assert not ReviewAction.objects.filter(text__startswith="Move").exists()
        client.force_login(november["rep"])
        response = client.post(url, data)
    assert response.status_code == 302
    action = ReviewAction.objects.get(text__startswith="Move")
    assert (action.review.service, action.review.period_start, action.owner) == (
        november["service"],
        date(2026, 11, 1),
        november["owner"],
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": " ", "due_on": "2026-12-20"}, "text"),
        ({"text": "x", "due_on": "2026-10-01"}, "due_on"),  # before the period began
        ({"text": "x", "due_on": "20/12/2026"}, "due_on"),
    ],
)
def test_a_bad_action_is_a_400_with_the_field_named_and_nothing_written(november, client, data, field):
    client.force_login(november["owner"])
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("portal:service_review", args=["payroll", "2026-11"]), {**data, "owner": november["owner"].pk}
        )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert ReviewAction.objects.count() == 1  # October's


def test_an_owner_from_neither_side_is_refused(november):
    with pytest.raises(Exception, match="either side"):
        review_action_record(
            period=NOVEMBER,
            service=november["service"],
            text="x",
            owner=f.business_user(),
            due_on=date(2026, 12, 1),
            by=november["owner"],
        )


def test_closing_an_action_once(november, client):
    action = november["action"]
    client.force_login(november["owner"])
    url = reverse("portal:review_action_close", args=[action.pk])
    with time_machine.travel(NOW, tick=False):
        assert client.post(url, {"status": "done"}).status_code == 302
        client.post(url, {"status": "dropped"})  # too late: already done
    action.refresh_from_db()
    assert (action.status, action.closed_on) == ("done", date(2026, 12, 3))
    client.force_login(f.business_user())
    assert client.post(url, {"status": "dropped"}).status_code == 403


@pytest.mark.parametrize("period", ["2026-13", "2026-Q9", "nope", "2027-01"])
def test_a_bad_or_future_period_is_a_404(november, client, period):
    client.force_login(november["rep"])
    with time_machine.travel(NOW, tick=False):
        assert client.get(reverse("portal:service_review", args=["payroll", period])).status_code == 404
        assert client.get(reverse("portal:service_review_pdf", args=["payroll", period])).status_code == 404


def test_a_unit_review_is_for_the_units_people(november, client):
    url = reverse("portal:unit_review", args=["finance", "2026-11"])
    client.force_login(f.business_user())
    with time_machine.travel(NOW, tick=False):
        assert client.get(url).status_code == 404
        client.force_login(november["rep"])
        response = client.get(url)
    assert response.status_code == 200
    assert "Finance: service review, November 2026" in response.content.decode()
    assert 'href="/services/payroll/reviews/2026-11/"' in response.content.decode()


def test_the_pdf_carries_the_services_name_as_text(november, client, django_assert_max_num_queries):
    client.force_login(november["rep"])
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(28):  # measured 28 on main
        response = client.get(reverse("portal:service_review_pdf", args=["payroll", "2026-11"]))
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="payroll-review-2026-11.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert "Payroll: service review, November 2026" in text
    assert "Fix the bank file cut-off" in text
    assert "The printer vendor slipped a week." in text


def test_the_month_is_prepared_once_and_both_sides_emailed_once(november, django_capture_on_commit_callbacks, settings):
    from portal.reviews.tasks import prepare_reviews

    settings.CELERY_TASK_ALWAYS_EAGER = True
    november["rep"].email = "rep@example.com"
    november["rep"].save(update_fields=["email"])
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            first = prepare_reviews()
        with django_capture_on_commit_callbacks(execute=True):
            second = prepare_reviews()
    assert first == {"period": "2026-11", "created": 2, "existing": 0}  # Payroll and Finance
    assert second == {"period": "2026-11", "created": 0, "existing": 2}
    assert Review.objects.filter(period_start=date(2026, 11, 1)).count() == 2
    # Payroll's review: its owner, its business owner, Finance's representative; Finance's: the
    # representative and Payroll's owner. Each once, though the task ran twice.
    business_owner = november["service"].business_owner.email
    expected = sorted(["owner@example.com", business_owner, "rep@example.com", "rep@example.com", "owner@example.com"])
    assert sorted(m.to[0] for m in mail.outbox) == expected
    assert all("/reviews/2026-11/" in m.body for m in mail.outbox)


def test_the_ready_email_task_run_twice_sends_once(november):
    from portal.reviews.tasks import review_notify

    november["rep"].email = "rep@example.com"
    november["rep"].save(update_fields=["email"])
    review, _ = review_prepare(period=period_parse("2026-11"), service=november["service"])
    with time_machine.travel(NOW, tick=False):
        first, second = review_notify(review.pk), review_notify(review.pk)
    assert (first, second) == (len(mail.outbox), 0)
    assert first >= 2  # the owner and the representative at least, each once
    assert len({m.to[0] for m in mail.outbox}) == len(mail.outbox)
    review.refresh_from_db()
    assert review.notified_at == NOW


def test_a_failed_send_is_retried_with_backoff_and_no_one_gets_it_twice(november, monkeypatch, settings):
    """The mail server refuses the representative's e-mail once: the owner's goes, the task
    retries (Celery autoretry on OSError), and the retry sends the representative's only."""
    import smtplib

    from portal.reviews.models import ReviewEmail
    from portal.reviews.tasks import review_notify
    from sla.notifications import transport

    settings.CELERY_TASK_ALWAYS_EAGER = True
    november["rep"].email = "rep@example.com"
    november["rep"].save(update_fields=["email"])
    review, _ = review_prepare(period=NOVEMBER, service=november["service"])
    real_send, refused = transport.EmailMultiAlternatives.send, []

    def send_refusing_the_rep_once(message, fail_silently=False):
        if message.to == ["rep@example.com"] and not refused:
            refused.append(message.to[0])
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(message, fail_silently=fail_silently)

    monkeypatch.setattr(transport.EmailMultiAlternatives, "send", send_refusing_the_rep_once)
    assert review_notify.autoretry_for == (OSError,) and review_notify.retry_backoff == 60
    with time_machine.travel(NOW, tick=False):
        review_notify.apply(args=[review.pk])  # eager: the retry runs at once, without the wait
        assert review_notify(review.pk) == 0  # and a later run sends nothing
    assert refused == ["rep@example.com"]
    sent = sorted(m.to[0] for m in mail.outbox)
    assert sent == sorted(set(sent)) and "rep@example.com" in sent and "owner@example.com" in sent
    assert set(ReviewEmail.objects.filter(review=review).values_list("email", flat=True)) == set(sent)
    assert not ReviewEmail.objects.filter(review=review, sent_at__isnull=True).exists()
    review.refresh_from_db()
    assert review.notified_at == NOW


def test_a_send_that_keeps_failing_leaves_the_review_to_retry(november, monkeypatch):
    """Every attempt refused: each run raises (so Celery retries), sends to no one twice, and the
    review is not marked notified."""
    from portal.reviews import mail as review_mail
    from portal.reviews.models import ReviewEmail
    from sla.notifications.transport import DeliveryError

    november["rep"].email = "rep@example.com"
    november["rep"].save(update_fields=["email"])
    review, _ = review_prepare(period=NOVEMBER, service=november["service"])

    def refuse(*, to, parts):
        raise DeliveryError(f"Mail server refused the message to {to}: SMTPServerDisconnected")

    monkeypatch.setattr(review_mail, "email_send", refuse)
    for _ in range(2):
        with pytest.raises(review_mail.ReviewNotSent):
            review_mail.review_notify(review_id=review.pk, now=NOW)
    assert not ReviewEmail.objects.exists()  # every claim released for the retry
    review.refresh_from_db()
    assert review.notified_at is None


def test_preparing_concurrently_creates_one_review():
    service = f.ServiceFactory()
    first, created = review_prepare(period=NOVEMBER, service=service)
    again, created_again = review_prepare(period=NOVEMBER, service=service)
    assert (created, created_again, first.pk) == (True, False, again.pk)


def test_nothing_is_prepared_before_the_first_business_day(november):
    with time_machine.travel(datetime(2026, 11, 1, 9, tzinfo=UTC), tick=False):  # a Sunday
        from portal.reviews.tasks import prepare_reviews

        assert prepare_reviews() == {"period": None, "created": 0}
    assert not Review.objects.filter(period_start=date(2026, 10, 1), service__isnull=True).exists()


@pytest.mark.parametrize("configured", [True, False])
def test_new_years_day_is_no_business_day_for_the_reviews_calendar(november, settings, configured):
    """Friday 1 January 2027 is a bank holiday in England: December's reviews wait for Monday the
    4th, whether the calendar is named (REVIEWS_CALENDAR) or the one most services use."""
    from portal.reviews.tasks import prepare_reviews
    from sla.services.calendars import calendar_create_standard

    uk = calendar_create_standard(kind="uk-office-hours", slug="uk-office")
    if configured:
        settings.REVIEWS_CALENDAR = "uk-office"
    else:
        november["service"].support_calendar = uk
        november["service"].save(update_fields=["support_calendar"])
    with time_machine.travel(datetime(2027, 1, 1, 9, tzinfo=UTC), tick=False):
        assert prepare_reviews() == {"period": None, "created": 0}
    with time_machine.travel(datetime(2027, 1, 4, 9, tzinfo=UTC), tick=False):
        assert prepare_reviews()["period"] == "2026-12"


def test_prepare_month_counts_what_exists(november):
    with time_machine.travel(NOW, tick=False):
        prepared = reviews_prepare_month(period=period_parse("2026-10"), now=NOW)
    assert (len(prepared.created), prepared.existing) == (1, 1)  # October's Payroll review had an action
    assert NOW - timedelta(days=1) < NOW


def test_green_outside_red_inside_is_said_in_the_review(november, client, monkeypatch):
    """The watermelon verdict comes from feedback.experience (tested there); the review says it."""
    from feedback.experience import watermelon as melon

    flagged = melon.Watermelon(
        service_id=november["service"].pk,
        start=NOW,
        end=NOW,
        attainment=melon.GREEN,
        happiness=melon.RED,
        lost_time=melon.UNKNOWN,
        reasons=("SLA attainment green", "CSAT 48% below the red line 70%"),
    )
    seen = []
    monkeypatch.setattr(
        "portal.reviews.sections.watermelons",
        lambda *, service_ids, start, end, surveys: seen.append((start, end)) or {november["service"].pk: flagged},
    )
    client.force_login(november["rep"])
    with time_machine.travel(NOW, tick=False):
        text = " ".join(
            client.get(reverse("portal:service_review", args=["payroll", "2026-11"])).content.decode().split()
        )
    assert "<strong>Green outside, red inside:</strong> SLA attainment green; CSAT 48% below the red line 70%." in text
    assert seen == [(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))]  # the review's month
