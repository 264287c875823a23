"""A service's feedback summary (feedback.selectors.service_feedback_summary) through the database:
scores per period with intervals and the guard, response rates, trends, rank and median across
the services, time zones, and a fixed number of queries."""

from datetime import UTC, datetime, timedelta

import pytest

from feedback import scores
from feedback.models import Invitation, InvitationKind, InvitationStatus, Response
from feedback.selectors import period_windows, service_feedback_summary
from sla.services import calendar_create
from tests import factories as f

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # Q4 2026, half-way through
Q4, Q3, Q2 = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)

_nonces = iter(range(10**9))


def respond(service, when, n=1, **answers):
    """`n` responses with the same answers, an hour apart from `when`."""
    Response.objects.bulk_create(
        Response(service=service, submitted_at=when + timedelta(hours=i), **answers) for i in range(n)
    )


def survey(service, when, *, csat=(), nps=(), ces=(), step=timedelta(hours=1)):
    """One response per answer, `step` apart; answers of different scores go together."""
    longest = max(len(csat), len(nps), len(ces))
    Response.objects.bulk_create(
        Response(
            service=service,
            submitted_at=when + step * i,
            csat=csat[i] if i < len(csat) else None,
            nps=nps[i] if i < len(nps) else None,
            ces=ces[i] if i < len(ces) else None,
        )
        for i in range(longest)
    )


def invite(service, sent_at, *, answered_at=None, status=None):
    return Invitation.objects.create(
        kind=InvitationKind.EVENT,
        service=service,
        kinds=["csat"],
        email=f"p{next(_nonces)}@example.com",
        nonce=f"n{next(_nonces)}",
        status=status or (InvitationStatus.RESPONDED if answered_at else InvitationStatus.SENT),
        send_after=sent_at or NOW,
        sent_at=sent_at,
        expires_at=(sent_at or NOW) + timedelta(days=14),
        responded_at=answered_at,
    )


@pytest.fixture
def reader(db):
    return f.business_user(username="reader")


@pytest.fixture
def office(db):
    return calendar_create(name="Office", time_zone="UTC", hours=dict.fromkeys(range(5), "09:00-17:00"))


@pytest.fixture
def payroll(office):
    return f.ServiceFactory(name="Payroll", slug="payroll", support_calendar=office)


@pytest.fixture
def catalogue(payroll, office):
    """Payroll and three others, with this quarter's answers: CSAT 70% (Payroll), 90%, 50%, and
    3 answers (not enough) elsewhere."""
    email = f.ServiceFactory(name="Email", slug="email", support_calendar=office)
    laptops = f.ServiceFactory(name="Laptops", slug="laptops", support_calendar=office)
    printers = f.ServiceFactory(name="Printers", slug="printers", support_calendar=office)
    # Payroll: 7 of 10 fours and fives; 5 promoters, 3 passives, 2 detractors; CES mean 5.6.
    survey(
        payroll,
        Q4 + timedelta(days=10),
        csat=[5, 5, 4, 4, 4, 5, 4, 3, 2, 1],
        nps=[9, 9, 10, 10, 9, 7, 8, 8, 6, 0],
        ces=[5, 6, 7, 4, 5, 6, 7, 5, 6, 5],
    )
    survey(email, Q4 + timedelta(days=3), csat=[5] * 9 + [2], nps=[10] * 10)
    survey(laptops, Q4 + timedelta(days=3), csat=[4] * 5 + [3] * 5, nps=[0] * 10)
    survey(printers, Q4 + timedelta(days=3), csat=[1, 1, 1])
    return {"payroll": payroll, "email": email, "laptops": laptops, "printers": printers}


def summarise(user, service, **options):
    return service_feedback_summary(user=user, service=service, now=NOW, **options)


def test_this_periods_scores_with_their_intervals(reader, catalogue):
    summary = summarise(reader, catalogue["payroll"])
    current = summary.current
    assert (current.label, current.current, current.responses) == ("Q4 2026", True, 10)
    assert (current.start, current.end) == (Q4, datetime(2027, 1, 1, tzinfo=UTC))
    csat, nps, ces = (current.scores[k].score for k in ("csat", "nps", "ces"))
    assert (csat.value, csat.responses, csat.enough) == (70.0, 10, True)
    assert (csat.low, csat.high) == (pytest.approx(39.678, abs=0.001), pytest.approx(89.221, abs=0.001))
    assert nps.value == 30.0
    assert (nps.low, nps.high) == (pytest.approx(-18.407, abs=0.001), pytest.approx(78.407, abs=0.001))
    assert ces.value == pytest.approx(5.6)
    assert (ces.low, ces.high) == (pytest.approx(4.9089, abs=0.0001), pytest.approx(6.2911, abs=0.0001))


def test_rank_and_median_among_services_with_enough_answers(reader, catalogue):
    csat = summarise(reader, catalogue["payroll"]).current.scores["csat"]
    # Email 90%, Payroll 70%, Laptops 50%; Printers' 3 answers are not ranked.
    assert (csat.rank, csat.ranked, csat.median) == (2, 3, 70.0)
    assert csat.rank_text == "2nd of 3 services"
    nps = summarise(reader, catalogue["payroll"]).current.scores["nps"]
    assert (nps.rank, nps.ranked, nps.median) == (2, 3, 30.0)  # +100, +30, -100
    ces = summarise(reader, catalogue["payroll"]).current.scores["ces"]
    assert (ces.rank, ces.ranked, ces.median, ces.rank_text) == (1, 1, pytest.approx(5.6), "1st of 1 service")


def test_below_the_guard_no_score_no_rank_but_the_median_of_the_others(reader, catalogue):
    printers = summarise(reader, catalogue["printers"]).current.scores["csat"]
    assert (printers.score.value, printers.score.note) == (None, "not enough responses: 3 of 10")
    assert (printers.rank, printers.ranked, printers.median, printers.rank_text) == (None, 3, 70.0, "")
    relaxed = summarise(reader, catalogue["printers"], min_responses=3).current.scores["csat"]
    assert (relaxed.score.value, relaxed.rank, relaxed.ranked) == (0.0, 4, 4)


def test_the_guard_comes_from_the_settings(reader, catalogue, settings):
    settings.FEEDBACK_MIN_RESPONSES = 3
    summary = summarise(reader, catalogue["printers"])
    assert summary.min_responses == 3
    assert summary.current.scores["csat"].score.value == 0.0


def test_a_period_without_answers(reader, catalogue):
    earliest = summarise(reader, catalogue["payroll"]).periods[0]
    assert (earliest.label, earliest.responses, earliest.response_rate) == ("Q3 2025", 0, None)
    assert earliest.scores["csat"].score.note == "no responses"
    assert (earliest.scores["csat"].ranked, earliest.scores["csat"].median) == (0, None)


def test_response_rate_is_of_the_invitations_sent_in_the_period(reader, catalogue):
    payroll = catalogue["payroll"]
    for day in range(8):  # 8 sent this quarter, 3 answered
        invite(payroll, Q4 + timedelta(days=day), answered_at=Q4 + timedelta(days=day, hours=2) if day < 3 else None)
    invite(payroll, Q4 - timedelta(days=2), answered_at=Q4 + timedelta(days=1))  # sent in Q3, answered in Q4
    invite(payroll, Q4 - timedelta(days=5), status=InvitationStatus.EXPIRED)
    invite(payroll, None, status=InvitationStatus.SCHEDULED)  # not sent yet
    invite(payroll, None, status=InvitationStatus.FAILED)
    invite(catalogue["email"], Q4 + timedelta(days=1))  # another service's
    periods = summarise(reader, payroll).periods
    assert (periods[-1].invitations_sent, periods[-1].invitations_answered) == (8, 3)
    assert periods[-1].response_rate == 37.5
    assert (periods[-2].invitations_sent, periods[-2].invitations_answered, periods[-2].response_rate) == (2, 1, 50.0)


def test_trend_over_the_finished_periods(reader, payroll):
    survey(payroll, Q2 + timedelta(days=5), csat=[5] * 6 + [1] * 4)  # 60%
    survey(payroll, Q3 + timedelta(days=5), csat=[5] * 8 + [1] * 2)  # 80%
    survey(payroll, Q4 + timedelta(days=5), csat=[1] * 10)  # this quarter so far: no bearing on the trend
    summary = summarise(reader, payroll)
    track = summary.track("csat")
    assert [r.score.value for r in track.history] == [None, None, None, 60.0, 80.0, 0.0]
    assert (track.trend, track.current.score.value, track.previous.score.value) == (scores.IMPROVING, 0.0, 80.0)
    assert summary.track("nps").trend is None


def test_answers_after_now_and_before_the_window_are_left_out(reader, payroll):
    survey(payroll, NOW + timedelta(minutes=1), csat=[5] * 10)
    survey(payroll, datetime(2025, 6, 30, 12, tzinfo=UTC), csat=[5] * 10)  # before Q3 2025
    summary = summarise(reader, payroll)
    assert [p.responses for p in summary.periods] == [0] * 6
    assert not summary.has_responses


def test_periods_follow_the_services_time_zone(reader, payroll):
    new_york = calendar_create(name="NY", time_zone="America/New_York", hours=dict.fromkeys(range(5), "09:00-17:00"))
    shop = f.ServiceFactory(name="Shop", slug="shop", support_calendar=new_york)
    # 1 October 02:00 UTC is still 30 September in New York: Q3 for the shop.
    minute = timedelta(minutes=1)
    survey(shop, datetime(2026, 10, 1, 2, tzinfo=UTC), csat=[5] * 10, step=minute)
    survey(shop, datetime(2026, 10, 1, 4, tzinfo=UTC), csat=[1] * 10, step=minute)
    survey(payroll, datetime(2026, 10, 1, 2, tzinfo=UTC), csat=[3] * 10, step=minute)
    summary = summarise(reader, shop)
    assert summary.time_zone == "America/New_York"
    assert summary.current.start == datetime(2026, 10, 1, 4, tzinfo=UTC)  # local midnight
    assert [summary.periods[-2].scores["csat"].score.value, summary.current.scores["csat"].score.value] == [100, 0]
    # Ranked with Payroll's Q4 (UTC): both 0%.
    assert (summary.current.scores["csat"].rank, summary.current.scores["csat"].ranked) == (1, 2)


def test_monthly_and_weekly_periods(reader, catalogue):
    monthly = summarise(reader, catalogue["payroll"], period="month", count=3)
    assert [p.label for p in monthly.periods] == ["September 2026", "October 2026", "November 2026"]
    assert [p.responses for p in monthly.periods] == [0, 10, 0]
    weekly = summarise(reader, catalogue["payroll"], period="week", count=2)
    assert [p.label for p in weekly.periods] == ["Week of 09 Nov 2026", "Week of 16 Nov 2026"]


def test_bad_periods_are_refused():
    with pytest.raises(ValueError, match="unknown period 'year'"):
        period_windows("year", NOW, "UTC", 6)
    with pytest.raises(ValueError, match="between 2 and 12"):
        period_windows("month", NOW, "UTC", 13)


def test_someone_who_may_not_read_the_catalogue_ranks_nothing(catalogue, settings):
    from django.contrib.auth.models import AnonymousUser

    settings.CATALOGUE_PUBLIC = False
    csat = summarise(AnonymousUser(), catalogue["payroll"]).current.scores["csat"]
    assert (csat.score.value, csat.rank, csat.ranked) == (None, None, 0)


def test_queries_do_not_grow_with_the_catalogue(reader, catalogue, office, django_assert_num_queries):
    for i in range(20):
        service = f.ServiceFactory(name=f"Service {i}", slug=f"service-{i}", support_calendar=office)
        respond(service, Q4 + timedelta(days=1), n=10, csat=4, nps=9, ces=6)
    # The time zones, the answers (one zone), the invitations.
    with django_assert_num_queries(3):
        summary = summarise(reader, catalogue["payroll"])
    assert summary.current.scores["csat"].ranked == 23


def test_many_services_summaries_in_two_queries_each_as_read_alone(reader, office, django_assert_num_queries):
    """service_feedback_summaries (a business unit's review): the answers and the invitations,
    whatever the number of services; each summary the same as the service's own, ranked alone,
    with scores, few answers, lost time, invitations or nothing."""
    from feedback.selectors import service_feedback_summaries

    services = [f.ServiceFactory(name=f"Service {i}", slug=f"service-{i}", support_calendar=office) for i in range(6)]
    survey(services[0], Q4 + timedelta(days=1), csat=[5, 4, 2, 1, 3] * 3, nps=[10, 9, 3, 7, 0] * 3, ces=[7, 6, 2] * 5)
    survey(services[0], Q3 + timedelta(days=5), csat=[5, 4] * 6, nps=[10, 2] * 6, ces=[7, 1] * 6)
    respond(services[1], Q4 + timedelta(days=2), n=2, csat=5, nps=10, ces=7)  # too few to score
    respond(services[2], Q3 + timedelta(days=2), n=12, csat=2, nps=4, ces=3, lost_time="1_4h")
    invite(services[3], Q4 + timedelta(days=3), answered_at=Q4 + timedelta(days=4))
    respond(services[4], Q4 + timedelta(days=2), n=10, csat=4)  # CSAT only
    with django_assert_num_queries(2):
        found = service_feedback_summaries(services=services, now=NOW)
    for service in services:
        alone = summarise(reader, service, ranked=False)
        assert found[service.pk] == alone, service.name
    assert found[services[0].pk].current.scores["csat"].score.low is not None  # with its interval
    assert found[services[0].pk].current.scores["csat"].rank_text == "1st of 1 service"
    assert found[services[2].pk].periods[-2].lost_time.answers == 12


def test_a_review_reads_the_current_period_alone_the_same_as_with_the_periods_before(office, django_assert_num_queries):
    """count=1 (a review shows the period's scores, no trend): the same current period as a
    summary over more periods gives, in the same two queries."""
    from feedback.selectors import service_feedback_summaries

    services = [f.ServiceFactory(name=f"Service {i}", slug=f"service-{i}", support_calendar=office) for i in range(3)]
    survey(services[0], Q4 + timedelta(days=1), csat=[5, 4, 2, 1, 3] * 3, nps=[10, 9, 3, 7, 0] * 3, ces=[7, 6, 2] * 5)
    respond(services[0], Q3 + timedelta(days=2), n=12, csat=2, nps=4, ces=3, lost_time="1_4h")
    respond(services[1], Q4 + timedelta(days=2), n=12, csat=1, lost_time="day")
    with django_assert_num_queries(2):
        alone = service_feedback_summaries(services=services, now=NOW, count=1)
    longer = service_feedback_summaries(services=services, now=NOW, count=4)
    for service in services:
        assert len(alone[service.pk].periods) == 1
        assert alone[service.pk].current == longer[service.pk].current, service.name
    assert alone[services[0].pk].current.scores["csat"].score.responses == 15
    assert alone[services[1].pk].current.lost_time.answers == 12
    with pytest.raises(ValueError, match="at least 1"):
        service_feedback_summaries(services=services, now=NOW, count=0)
