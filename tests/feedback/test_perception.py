"""The perception gap: the numbers (worked by hand), quarters, IT's self-assessment (who, what,
when) and the grouped reads per service and across the catalogue."""

import contextlib
import threading
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import QuerySet
from hypothesis import given
from hypothesis import strategies as st

from feedback.models import Invitation, InvitationKind, Response, SelfAssessment
from feedback.perception import (
    Tally,
    largest_gaps,
    perception_gap,
    quarter_code,
    quarter_label,
    quarter_parse,
    quarter_shift,
    tally_ratings,
)
from feedback.perception_selectors import catalogue_gaps, latest_quarter_with_data, service_perception
from feedback.services.self_assessment import self_assessment_record
from sla.services import calendar_create
from tests import factories as f

Q3, Q4 = date(2026, 7, 1), date(2026, 10, 1)
NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)  # in Q4 2026
IT_VIEW = {"engagement": 4, "urgency": 3, "ownership": 5, "pace": 2, "results": 5, "user_experience": 4}
# Four respondents; not everyone rates every factor, nobody rates pace.
BUSINESS_VIEW = [
    {"engagement": 4, "urgency": 5, "ownership": 3, "results": 2, "user_experience": 4},
    {"engagement": 3, "urgency": 5, "ownership": 3, "results": 3, "user_experience": 4},
    {"engagement": 2, "urgency": 4, "results": 4, "user_experience": 4},
    {"urgency": 4, "results": 1},
]


# --- The numbers ------------------------------------------------------------------------------


def test_the_gap_per_factor_is_it_minus_the_business_mean():
    perception = perception_gap(it_ratings=IT_VIEW, business=tally_ratings(BUSINESS_VIEW), respondents=4)
    rows = {factor.factor: factor for factor in perception.factors}
    # engagement: (4 + 3 + 2) / 3 = 3; IT 4 -> +1, IT rates itself higher.
    assert (rows["engagement"].business_mean, rows["engagement"].business_count, rows["engagement"].gap) == (3, 3, 1)
    assert rows["engagement"].reading_text == "IT rates itself higher than the business does"
    # urgency: (5 + 5 + 4 + 4) / 4 = 4.5; IT 3 -> -1.5, the business rates IT higher.
    urgency = rows["urgency"]
    assert (urgency.business_mean, urgency.gap, urgency.reading) == (4.5, -1.5, "business_higher")
    # ownership: two answers (3, 3) are fewer than three: the mean shows, no gap.
    assert (rows["ownership"].business_mean, rows["ownership"].business_count) == (3, 2)
    assert (rows["ownership"].enough, rows["ownership"].gap, rows["ownership"].reading) == (False, None, None)
    # pace: nobody rated it.
    assert (rows["pace"].it, rows["pace"].business_mean, rows["pace"].business_count, rows["pace"].gap) == (
        2,
        None,
        0,
        None,
    )
    # results: (2 + 3 + 4 + 1) / 4 = 2.5; IT 5 -> +2.5.
    assert (rows["results"].business_mean, rows["results"].gap) == (2.5, 2.5)
    # user experience: (4 + 4 + 4) / 3 = 4; IT 4 -> 0, both agree.
    assert (rows["user_experience"].gap, rows["user_experience"].reading) == (0, "agreed")
    # overall: the mean of the four gaps there are, (1 - 1.5 + 2.5 + 0) / 4 = 0.5.
    assert perception.overall_gap == 0.5
    assert (perception.respondents, perception.it_assessed, len(perception.gaps)) == (4, True, 4)


def test_a_mean_that_is_not_a_round_number():
    # (5 + 4 + 4) / 3 = 4.333…; IT 3 -> -1.333…
    business = tally_ratings([{"pace": 5}, {"pace": 4}, {"pace": 4}])
    pace = perception_gap(it_ratings=IT_VIEW | {"pace": 3}, business=business, respondents=3).factors[3]
    assert pace.factor == "pace"
    assert pace.business_mean == pytest.approx(13 / 3)
    assert pace.gap == pytest.approx(-4 / 3)


def test_the_low_volume_guard_can_be_set():
    business = tally_ratings(BUSINESS_VIEW)
    strict = perception_gap(it_ratings=IT_VIEW, business=business, respondents=4, min_responses=4)
    assert [factor.factor for factor in strict.gaps] == ["urgency", "results"]
    assert strict.overall_gap == 0.5  # (-1.5 + 2.5) / 2


def test_without_it_s_view_there_is_no_gap():
    perception = perception_gap(it_ratings=None, business=tally_ratings(BUSINESS_VIEW), respondents=4)
    assert not perception.it_assessed
    assert perception.has_business_view
    assert perception.gaps == ()
    assert perception.overall_gap is None
    assert perception.factors[0].business_mean == 3


def test_without_the_business_s_view_there_is_no_gap():
    perception = perception_gap(it_ratings=IT_VIEW, business={}, respondents=0)
    assert not perception.has_business_view
    assert [factor.it for factor in perception.factors] == [4, 3, 5, 2, 5, 4]
    assert perception.overall_gap is None


def test_the_largest_gaps_either_way_come_first():
    def view(it, means):
        business = {factor: Tally(round(mean * 4), 4) for factor, mean in means.items()}
        return perception_gap(it_ratings=it, business=business, respondents=4)

    payroll = view(IT_VIEW, {"engagement": 2.5, "results": 4.5})  # +1.5, +0.5
    shop = view(IT_VIEW, {"urgency": 4.5, "pace": 3.5})  # -1.5, -1.5
    entries = largest_gaps([("Payroll", Q3, payroll), ("Online shop", Q3, shop)], limit=3)
    # Ties (1.5 each) by service name, then in the factors' order.
    assert [(entry.service, entry.factor.factor, entry.factor.gap) for entry in entries] == [
        ("Online shop", "urgency", -1.5),
        ("Online shop", "pace", -1.5),
        ("Payroll", "engagement", 1.5),
    ]


@pytest.mark.parametrize(
    ("text", "start"),
    [("2026-Q4", date(2026, 10, 1)), ("2026-q1", date(2026, 1, 1)), (" 2025Q3 ", date(2025, 7, 1))],
)
def test_quarters_are_read(text, start):
    assert quarter_parse(text) == start


@pytest.mark.parametrize("text", ["2026-Q5", "Q4 2026", "2026-10", "", "1999-Q4"])
def test_a_bad_quarter_is_refused_with_the_form_expected(text):
    with pytest.raises(ValueError, match=r"2026-Q4|from 2000"):
        quarter_parse(text)


def test_quarters_are_named_and_counted():
    assert (quarter_code(Q4), quarter_label(Q4)) == ("2026-Q4", "Q4 2026")
    assert quarter_shift(Q4, 1) == date(2027, 1, 1)
    assert quarter_shift(date(2026, 1, 1), -1) == date(2025, 10, 1)
    assert quarter_shift(Q3, -8) == date(2024, 7, 1)


# --- IT's self-assessment -----------------------------------------------------------------------


@pytest.fixture
def owner(db):
    return f.service_owner(username="owner")


@pytest.fixture
def payroll(owner):
    utc = calendar_create(name="Office", time_zone="UTC", hours=dict.fromkeys(range(5), "09:00-17:00"))
    return f.ServiceFactory(name="Payroll", slug="payroll", service_owner=owner, support_calendar=utc)


def test_the_owner_rates_a_quarter_and_may_correct_it(payroll, owner):
    assessment, created = self_assessment_record(
        service=payroll, quarter="2026-Q3", ratings=IT_VIEW, note=" Short-staffed in August. ", actor=owner, now=NOW
    )
    assert created
    assert (assessment.period_start, assessment.ratings, assessment.note, assessment.by) == (
        Q3,
        IT_VIEW,
        "Short-staffed in August.",
        owner,
    )
    admin = f.admin_user()
    corrected, created = self_assessment_record(
        service=payroll, quarter=Q3, ratings=IT_VIEW | {"pace": 3}, note="", actor=admin, now=NOW
    )
    assert not created
    assert corrected.pk == assessment.pk
    stored = SelfAssessment.objects.get()
    assert (stored.ratings["pace"], stored.note, stored.by) == (3, "", admin)
    assert stored.history.count() == 2


@pytest.mark.parametrize("who", ["other_owner", "business_user", "representative"])
def test_only_the_owner_or_an_admin_rates_for_it(payroll, who):
    unit = f.BusinessUnitFactory()
    payroll.business_units.add(unit)
    actor = {
        "other_owner": f.service_owner,
        "business_user": f.business_user,
        "representative": lambda: f.representative(unit),
    }[who]()
    with pytest.raises(PermissionDenied, match="Only the owner of “Payroll” or an admin"):
        self_assessment_record(service=payroll, quarter=Q3, ratings=IT_VIEW, actor=actor, now=NOW)
    assert not SelfAssessment.objects.exists()


@pytest.mark.parametrize(
    ("ratings", "field", "message"),
    [
        ({k: v for k, v in IT_VIEW.items() if k != "pace"}, "ratings.pace", "Rate Pace from 1 to 5."),
        (IT_VIEW | {"urgency": 6}, "ratings.urgency", "Rate Urgency with a whole number from 1 to 5, not 6."),
        (IT_VIEW | {"urgency": 0}, "ratings.urgency", "not 0"),
        (IT_VIEW | {"results": "4"}, "ratings.results", "not '4'"),
        (IT_VIEW | {"results": 4.5}, "ratings.results", "not 4.5"),
        (IT_VIEW | {"results": True}, "ratings.results", "not True"),
        (IT_VIEW | {"happiness": 5}, "ratings", "Unknown success factor 'happiness'"),
        (["engagement", 4], "ratings", "success factor -> rating"),
    ],
)
def test_ratings_must_cover_the_six_factors_from_1_to_5(payroll, owner, ratings, field, message):
    with pytest.raises(ValidationError) as error:
        self_assessment_record(service=payroll, quarter=Q3, ratings=ratings, actor=owner, now=NOW)
    assert message in " ".join(error.value.message_dict[field])
    assert not SelfAssessment.objects.exists()


def test_every_problem_is_named_at_once(payroll, owner):
    with pytest.raises(ValidationError) as error:
        self_assessment_record(service=payroll, quarter="2027-Q1", ratings={}, note="x" * 2001, actor=owner, now=NOW)
    assert set(error.value.message_dict) == {"quarter", "note"} | {f"ratings.{factor}" for factor in IT_VIEW}
    assert error.value.message_dict["quarter"] == ["Q1 2027 has not started yet: rate the current or a past quarter."]


@pytest.mark.parametrize(
    ("quarter", "message"),
    [
        ("next quarter", "Give the quarter as year and quarter, e.g. 2026-Q4"),
        (date(2026, 8, 1), "not 01 August; did you mean Q3 2026?"),
        (datetime(2026, 7, 1, tzinfo=UTC), "as its first day"),
    ],
)
def test_a_quarter_must_be_named_right(payroll, owner, quarter, message):
    with pytest.raises(ValidationError) as error:
        self_assessment_record(service=payroll, quarter=quarter, ratings=IT_VIEW, actor=owner, now=NOW)
    assert message in error.value.message_dict["quarter"][0]


def test_the_current_quarter_may_be_rated_and_follows_the_service_s_time_zone(owner):
    auckland = calendar_create(name="NZ", time_zone="Pacific/Auckland", hours=dict.fromkeys(range(5), "09:00-17:00"))
    nz = f.ServiceFactory(name="NZ payroll", service_owner=owner, support_calendar=auckland)
    london = f.ServiceFactory(name="UK payroll", service_owner=owner, support_calendar=None)  # site's zone
    new_year = datetime(2026, 12, 31, 12, tzinfo=UTC)  # 01:00 on 1 January 2027 in Auckland
    assessment, _ = self_assessment_record(service=nz, quarter="2027-Q1", ratings=IT_VIEW, actor=owner, now=new_year)
    assert assessment.period_start == date(2027, 1, 1)
    with pytest.raises(ValidationError, match="Q1 2027 has not started yet"):
        self_assessment_record(service=london, quarter="2027-Q1", ratings=IT_VIEW, actor=owner, now=new_year)
    self_assessment_record(service=london, quarter="2026-Q4", ratings=IT_VIEW, actor=owner, now=new_year)


# --- Reading both views -------------------------------------------------------------------------


def answer(service, ratings, *, submitted_at, quarter=None, kind=InvitationKind.RELATIONSHIP, email=""):
    """A relationship response, through an invitation for `quarter` when given."""
    invitation = None
    if quarter is not None:
        email = email or f"{Response.objects.count()}@example.com"
        invitation = Invitation.objects.create(
            kind=InvitationKind.RELATIONSHIP,
            service=service,
            period_start=quarter,
            kinds=list(ratings),
            email=email,
            nonce=f"nonce-{Response.objects.count()}-{service.pk}",
            send_after=submitted_at,
            expires_at=submitted_at,
            responded_at=submitted_at,
            status="responded",
        )
    return Response.objects.create(
        invitation=invitation,
        service=service,
        kind=kind,
        factor_ratings=ratings,
        csat=4 if kind == InvitationKind.EVENT else None,
        submitted_at=submitted_at,
    )


def assess(service, quarter, ratings=IT_VIEW):
    owner = service.service_owner
    return SelfAssessment.objects.create(service=service, period_start=quarter, ratings=ratings, by=owner)


def test_both_views_of_a_quarter_in_two_queries(payroll, django_assert_num_queries):
    assess(payroll, Q3)
    assess(payroll, Q4, IT_VIEW | {"engagement": 1})
    # Two answers through Q3 invitations (one of them sent late, answered in Q4), two collected by
    # another tool during Q3.
    answer(payroll, BUSINESS_VIEW[0], submitted_at=datetime(2026, 9, 20, tzinfo=UTC), quarter=Q3)
    answer(payroll, BUSINESS_VIEW[1], submitted_at=datetime(2026, 10, 3, tzinfo=UTC), quarter=Q3)
    answer(payroll, BUSINESS_VIEW[2], submitted_at=datetime(2026, 7, 1, tzinfo=UTC))
    answer(payroll, BUSINESS_VIEW[3], submitted_at=datetime(2026, 9, 30, 23, 59, tzinfo=UTC))
    # Not Q3's business view: an answer in Q4, one about Q4, an event survey, another service.
    answer(payroll, {"engagement": 1}, submitted_at=datetime(2026, 10, 1, tzinfo=UTC))
    answer(payroll, {"engagement": 1}, submitted_at=datetime(2026, 9, 29, tzinfo=UTC), quarter=Q4)
    answer(payroll, {"engagement": 1}, submitted_at=datetime(2026, 8, 1, tzinfo=UTC), kind=InvitationKind.EVENT)
    answer(f.ServiceFactory(), {"engagement": 1}, submitted_at=datetime(2026, 8, 1, tzinfo=UTC))

    with django_assert_num_queries(2):
        view = service_perception(service=payroll, quarter=Q3, now=NOW)
    assert view.self_assessment.ratings == IT_VIEW
    assert view.perception.respondents == 4
    assert [(row.factor, row.business_count, row.gap) for row in view.perception.factors] == [
        ("engagement", 3, 1),
        ("urgency", 4, -1.5),
        ("ownership", 2, None),
        ("pace", 0, None),
        ("results", 4, 2.5),
        ("user_experience", 3, 0),
    ]
    assert view.perception.overall_gap == 0.5


def test_answers_without_an_invitation_fall_in_the_service_s_quarter(owner):
    auckland = calendar_create(name="NZ", time_zone="Pacific/Auckland", hours=dict.fromkeys(range(5), "09:00-17:00"))
    nz = f.ServiceFactory(name="NZ payroll", service_owner=owner, support_calendar=auckland)
    for _ in range(3):  # 30 September 13:00 UTC is 1 October 02:00 in Auckland: Q4 there
        answer(nz, {"pace": 2}, submitted_at=datetime(2026, 9, 30, 13, tzinfo=UTC))
    assess(nz, Q4)
    q4 = service_perception(service=nz, quarter=Q4, now=NOW).perception
    assert (q4.factors[3].business_mean, q4.factors[3].business_count, q4.factors[3].gap) == (2, 3, 0)
    assert service_perception(service=nz, quarter=Q3, now=NOW).perception.respondents == 0


def test_the_quarter_shown_is_the_latest_with_either_view(payroll):
    assert latest_quarter_with_data(service=payroll, now=NOW) == Q4  # nothing yet: the current one
    answer(payroll, {"pace": 3}, submitted_at=datetime(2026, 2, 1, tzinfo=UTC))
    assert latest_quarter_with_data(service=payroll, now=NOW) == date(2026, 1, 1)
    assess(payroll, date(2026, 4, 1))
    assert latest_quarter_with_data(service=payroll, now=NOW) == date(2026, 4, 1)
    answer(payroll, {"pace": 3}, submitted_at=datetime(2026, 10, 2, tzinfo=UTC), quarter=Q3)
    assert latest_quarter_with_data(service=payroll, now=NOW) == Q3
    assess(payroll, date(2027, 1, 1))  # written by hand, ahead of time: not shown before it starts
    assert latest_quarter_with_data(service=payroll, now=NOW) == Q3
    view = service_perception(service=payroll, quarter=None, now=NOW)
    assert (view.quarter, view.self_assessment, view.perception.respondents) == (Q3, None, 1)


@pytest.fixture
def catalogue(payroll):
    shop = f.ServiceFactory(name="Online shop", slug="shop")
    desk = f.ServiceFactory(name="Service desk", slug="desk")
    # Q3: payroll as in the worked example; the shop rated 5 everywhere by IT, 3 by the business.
    assess(payroll, Q3)
    for ratings in BUSINESS_VIEW:
        answer(payroll, ratings, submitted_at=datetime(2026, 9, 1, tzinfo=UTC))
    assess(shop, Q3, dict.fromkeys(IT_VIEW, 5))
    for _ in range(3):
        answer(shop, dict.fromkeys(IT_VIEW, 3), submitted_at=datetime(2026, 9, 1, tzinfo=UTC))
    # Q4 so far: IT's views, but only two answers for the desk: no gap yet.
    assess(desk, Q4)
    for _ in range(2):
        answer(desk, dict.fromkeys(IT_VIEW, 1), submitted_at=datetime(2026, 10, 10, tzinfo=UTC))
    return {"payroll": payroll, "shop": shop, "desk": desk}


def test_the_catalogue_lists_the_largest_gaps_of_the_latest_quarter_with_any(catalogue, django_assert_max_num_queries):
    reader = f.business_user()
    with django_assert_max_num_queries(5):  # quarters; Q4's views (no gap); Q3's views
        gaps = catalogue_gaps(user=reader, limit=4)
    assert gaps.quarter == Q3
    assert [(entry.service.name, entry.factor.factor, entry.factor.gap) for entry in gaps.entries] == [
        ("Payroll", "results", 2.5),  # 5 - 2.5
        ("Online shop", "engagement", 2),  # 5 - 3, in the factors' order
        ("Online shop", "urgency", 2),
        ("Online shop", "ownership", 2),
    ]
    assert all(entry.quarter == Q3 for entry in gaps.entries)


def test_the_catalogue_s_gaps_of_a_given_quarter(catalogue):
    reader = f.business_user()
    q4 = catalogue_gaps(user=reader, quarter=Q4)
    assert (q4.quarter, q4.entries) == (Q4, [])
    q3 = catalogue_gaps(user=reader, quarter=Q3, limit=100)
    assert len(q3.entries) == 4 + 6  # payroll's four gaps, the shop's six


def test_a_private_catalogue_shows_no_gaps_to_visitors(catalogue, settings):
    from django.contrib.auth.models import AnonymousUser

    settings.CATALOGUE_PUBLIC = False
    gaps = catalogue_gaps(user=AnonymousUser())
    assert (gaps.quarter, gaps.entries) == (None, [])
    assert len(catalogue_gaps(user=f.business_user()).entries) == 10


# --- Properties ---------------------------------------------------------------------------------

ratings_strategy = st.dictionaries(st.sampled_from(list(IT_VIEW)), st.integers(1, 5))


@given(
    it=st.fixed_dictionaries({k: st.integers(1, 5) for k in IT_VIEW}), answers=st.lists(ratings_strategy, max_size=8)
)
def test_each_gap_is_it_s_rating_minus_the_mean_of_the_answers_on_that_factor(it, answers):
    perception = perception_gap(it_ratings=it, business=tally_ratings(answers), respondents=len(answers))
    for row in perception.factors:
        given_ratings = [answer[row.factor] for answer in answers if row.factor in answer]
        assert row.business_count == len(given_ratings)
        if len(given_ratings) >= 3:
            assert row.gap == pytest.approx(it[row.factor] - sum(given_ratings) / len(given_ratings))
            assert row.reading == (
                "it_higher" if row.gap > 1e-9 else "business_higher" if row.gap < -1e-9 else "agreed"
            )
        else:
            assert row.gap is None
    gaps = [row.gap for row in perception.gaps]
    assert perception.overall_gap == (pytest.approx(sum(gaps) / len(gaps)) if gaps else None)
    ordered = largest_gaps([("S", Q3, perception)], limit=6)
    # Equal gaps may differ in the last bits (4 - 11/3 against 13/3 - 4): compared rounded.
    assert [round(abs(entry.factor.gap), 9) for entry in ordered] == sorted(
        (round(abs(g), 9) for g in gaps), reverse=True
    )


# --- Races (PostgreSQL) -------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_first_recordings_at_once_make_one_view(monkeypatch, owner, payroll):
    """Both find no row for the quarter and insert: the loser's insert fails on the unique
    constraint, and it updates the winner's row instead of failing."""
    admin = f.admin_user()
    in_create = threading.Barrier(2)
    original_create = QuerySet.create

    def create_together(self, **kwargs):
        if self.model is SelfAssessment:
            with contextlib.suppress(threading.BrokenBarrierError):
                in_create.wait(timeout=20)  # generous: CI machines may be loaded
        return original_create(self, **kwargs)

    monkeypatch.setattr(QuerySet, "create", create_together)
    outcomes = [None, None]

    def record(index, actor, pace):
        try:
            outcomes[index] = self_assessment_record(
                service=payroll, quarter=Q3, ratings=IT_VIEW | {"pace": pace}, actor=actor, now=NOW
            )
        except Exception as error:  # kept to be asserted on
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(0, owner, 1)), threading.Thread(target=record, args=(1, admin, 5))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not in_create.broken  # both were inserting at once
    assert all(isinstance(outcome, tuple) for outcome in outcomes), outcomes
    assert sorted(created for _, created in outcomes) == [False, True]
    stored = SelfAssessment.objects.get()
    loser = next(index for index, (_, created) in enumerate(outcomes) if not created)
    assert stored.ratings["pace"] == (1, 5)[loser]
