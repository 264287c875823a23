"""Comment themes: assignment by the taxonomy's phrases, rematching after the taxonomy changes, the
response score behind a theme's average, and counts, averages, shares and trends per period."""

from datetime import UTC, datetime

import pytest

from feedback.models import Response, Theme, ThemeMatch
from feedback.services.themes import themes_for_comment, themes_match_response, themes_rematch
from feedback.theme_selectors import (
    FALLING,
    IMPROVING,
    RISING,
    STEADY,
    WORSENING,
    response_score,
    response_score_expression,
    service_theme_overview,
    theme_overview,
    theme_services,
    trend,
)
from tests import factories as f

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)  # Q4 2026; the finished quarters before it: Q1-Q3


def comments(service, when, *texts, **answers):
    """Responses about `service` submitted at `when`, one per text."""
    return Response.objects.bulk_create(
        Response(service=service, submitted_at=when, comment=text, **answers) for text in texts
    )


def theme(name, *phrases, active=True):
    return Theme.objects.create(name=name, slug=name.lower(), phrases="\n".join(phrases), active=active)


# --- Assignment ----------------------------------------------------------------------------------


def test_a_comment_is_in_each_theme_one_of_whose_phrases_it_contains(db):
    speed = theme("Speed", "slow", "took ages")
    staff = theme("Staff", "friendly", "helpful")
    access = theme("Access", "password reset")
    found = themes_for_comment("It TOOK AGES, but the engineer was Friendly!", [speed, staff, access])
    assert [(t.slug, phrase) for t, phrase in found] == [("speed", "took ages"), ("staff", "friendly")]


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("Slow.", ["speed"]),
        ("slowly getting better", []),  # whole words only
        ("so-slow", ["speed"]),
        ("Password  reset", []),  # a phrase's words as written
        ("my password reset failed", ["access"]),
        ("", []),
    ],
)
def test_phrases_match_whole_words_in_any_case(db, comment, expected):
    themes = [theme("Speed", "slow"), theme("Access", "password reset")]
    assert [t.slug for t, _ in themes_for_comment(comment, themes)] == expected


def test_the_first_phrase_of_a_theme_found_is_the_one_recorded(service):
    theme("Speed", "took ages", "slow")
    response = comments(service, NOW, "Slow, it took ages")[0]
    themes_match_response(response=response)
    assert list(ThemeMatch.objects.values_list("theme__slug", "phrase")) == [("speed", "took ages")]


def test_inactive_themes_catch_nothing(service):
    theme("Speed", "slow", active=False)
    response = comments(service, NOW, "slow")[0]
    assert themes_match_response(response=response) == []


# --- Rematching after a taxonomy change ------------------------------------------------------------


def matched(slug):
    return sorted(ThemeMatch.objects.filter(theme__slug=slug).values_list("response__comment", "phrase"))


def test_rematching_a_theme_follows_its_new_phrases_in_batches(service):
    speed = theme("Speed", "slow")
    staff = theme("Staff", "friendly")
    comments(service, NOW, "slow desk", "it took ages", "slow and friendly", "fine", "took ages, slow", "")
    themes_rematch()
    assert matched("speed") == [("slow and friendly", "slow"), ("slow desk", "slow"), ("took ages, slow", "slow")]

    speed.phrases = "took ages\nslow"
    speed.save(update_fields=["phrases"])
    result = themes_rematch(theme=speed, batch_size=2)
    assert (result.comments, result.matches) == (5, 4)  # the empty comment is not read
    assert matched("speed") == [
        ("it took ages", "took ages"),
        ("slow and friendly", "slow"),
        ("slow desk", "slow"),
        ("took ages, slow", "took ages"),
    ]
    assert matched("staff") == [("slow and friendly", "friendly")]  # other themes untouched
    assert staff.matches.count() == 1


def test_rematching_is_idempotent(service):
    speed = theme("Speed", "slow")
    comments(service, NOW, "slow", "slow too", "quick")
    themes_rematch(theme=speed)
    first = sorted(ThemeMatch.objects.values_list("response_id", "theme_id", "phrase"))
    themes_rematch(theme=speed, batch_size=1)
    themes_rematch()
    assert sorted(ThemeMatch.objects.values_list("response_id", "theme_id", "phrase")) == first
    assert len(first) == 2


def test_a_switched_off_theme_loses_its_matches_and_a_deleted_one_has_none(service):
    speed = theme("Speed", "slow")
    comments(service, NOW, "slow", "slow too")
    themes_rematch()
    speed.active = False
    speed.save(update_fields=["active"])
    themes_rematch(theme=speed)
    assert not ThemeMatch.objects.exists()

    speed.active = True
    speed.save(update_fields=["active"])
    themes_rematch(theme=speed)
    assert ThemeMatch.objects.count() == 2
    gone = Theme.objects.get(pk=speed.pk)
    speed.delete()
    assert themes_rematch(theme=gone).comments == 0
    assert not ThemeMatch.objects.exists()


def test_rematching_everything_removes_matches_of_switched_off_themes(service):
    speed, staff = theme("Speed", "slow"), theme("Staff", "friendly")
    comments(service, NOW, "slow", "friendly")
    themes_rematch()
    Theme.objects.filter(pk=staff.pk).update(active=False)  # switched off without a rematch
    themes_rematch()
    assert list(ThemeMatch.objects.values_list("theme_id", flat=True)) == [speed.pk]


def test_rematching_reads_in_batches_of_few_queries(service, django_assert_max_num_queries):
    theme("Speed", "slow")
    comments(service, NOW, *[f"slow {n}" for n in range(10)])
    # The themes; per batch: read, then delete and insert in a transaction (a savepoint in a test);
    # the read finding no more; the clean-up. Whatever the number of themes.
    with django_assert_max_num_queries(1 + 2 * 5 + 2):
        result = themes_rematch(batch_size=5)
    assert result.matches == 10


def test_bad_batch_size_is_refused(db):
    with pytest.raises(ValueError, match="batch_size"):
        themes_rematch(batch_size=0)


# --- The score of a response -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "score"),
    [
        ({"csat": 4}, 75.0),
        ({"nps": 7}, 70.0),
        ({"ces": 5}, 400 / 6),
        ({"csat": 5, "nps": 6}, 80.0),
        ({"csat": 1, "nps": 0, "ces": 1}, 0.0),
        ({"csat": 5, "nps": 10, "ces": 7}, 100.0),
        ({"csat": 3, "ces": 4}, 50.0),
        ({}, None),
    ],
)
def test_a_response_scores_the_mean_of_its_answers_on_0_to_100(service, answers, score):
    stored = comments(service, NOW, "x", **answers)[0]
    in_sql = Response.objects.annotate(score=response_score_expression()).get(pk=stored.pk).score
    if score is None:
        assert response_score(**answers) is None and in_sql is None
    else:
        assert response_score(**answers) == pytest.approx(score)
        assert in_sql == pytest.approx(score)


# --- Trends -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([20.0, 40.0, 60.0], RISING),
        ([60.0, None, 20.0], FALLING),
        ([50.0, 51.0, 52.0], STEADY),  # 2 points across: within the tolerance
        ([50.0, None, None], None),
        ([None, None, None], None),
    ],
)
def test_trend_is_the_least_squares_line_through_the_known_periods(values, expected):
    assert trend(values, up=RISING, down=FALLING) == expected


# --- Counts, averages, shares, trends per period ---------------------------------------------------------


@pytest.fixture
def quarters(service):
    """Q1-Q3 2026 with 20 comments each: 'slow' ever more often (5, 8, 12) and ever less happy
    (CSAT 4, 3, 2); 'friendly' five times in Q3 (NPS 10); the current quarter two 'slow' so far."""
    speed, staff = theme("Speed", "slow"), theme("Staff", "friendly")
    theme("Unused", "quantum")
    theme("Retired", "other", active=False)
    for month, slow, csat in ((2, 5, 4), (5, 8, 3), (8, 12, 2)):
        when = datetime(2026, month, 10, tzinfo=UTC)
        comments(service, when, *["slow"] * slow, csat=csat)
        friendly = 5 if month == 8 else 0
        comments(service, when, *["friendly"] * friendly, nps=10)
        comments(service, when, *["other"] * (20 - slow - friendly), csat=5)
    comments(service, datetime(2026, 10, 5, tzinfo=UTC), "slow", "slow", ces=1)
    comments(service, datetime(2026, 10, 5, tzinfo=UTC), "", csat=1)  # no comment: not counted
    comments(service, datetime(2025, 12, 31, tzinfo=UTC), "slow", csat=1)  # before the window
    themes_rematch()
    return speed, staff


def test_a_services_themes_per_quarter(service, quarters, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        overview = service_theme_overview(service=service, now=NOW)
    assert [p.label for p in overview.periods] == ["Q1 2026", "Q2 2026", "Q3 2026", "Q4 2026"]
    assert [(p.comments, p.uncaught) for p in overview.periods] == [(20, 15), (20, 12), (20, 3), (2, 0)]
    assert [row.theme.slug for row in overview.rows] == ["speed", "staff", "unused"]  # most comments first

    speed, staff, unused = overview.rows
    assert [p.comments for p in speed.periods] == [5, 8, 12, 2]
    assert [p.share for p in speed.periods] == [25.0, 40.0, 60.0, 100.0]
    assert [p.average for p in speed.periods] == [75.0, 50.0, 25.0, None]  # Q4: 2 scored, fewer than 5
    assert [p.detractors for p in speed.periods] == [0, 0, 12, 2]
    assert (speed.share_trend, speed.score_trend) == (RISING, WORSENING)
    assert speed.comments == 27
    assert speed.average == pytest.approx((5 * 75 + 8 * 50 + 12 * 25) / 25)

    assert [p.comments for p in staff.periods] == [0, 0, 5, 0]
    assert staff.periods[2].average == 100.0
    assert (staff.share_trend, staff.score_trend) == (RISING, None)  # one period with a score
    assert unused.comments == 0 and unused.average is None and unused.share_trend == STEADY


def test_monthly_periods_and_an_improving_theme(service):
    speed = theme("Speed", "slow")
    for month, csat in ((8, 1), (9, 3), (10, 5)):
        comments(service, datetime(2026, month, 3, tzinfo=UTC), *["slow"] * 5, csat=csat)
    themes_rematch(theme=speed)
    overview = service_theme_overview(service=service, now=NOW, period="month", count=4)
    row = overview.rows[0]
    assert [p.average for p in row.periods] == [0.0, 50.0, 100.0, None]
    assert row.score_trend == IMPROVING
    assert row.share_trend == STEADY  # every comment of each month was slow


def test_the_catalogue_overview_counts_the_services_given_and_where_each_theme_is_heard(
    service, django_assert_max_num_queries
):
    other = f.ServiceFactory(name="VPN", slug="vpn")
    hidden = f.ServiceFactory(name="Hidden", slug="hidden")
    theme("Speed", "slow")
    comments(service, datetime(2026, 10, 1, tzinfo=UTC), "slow", "slow", csat=2)
    comments(other, datetime(2026, 10, 1, tzinfo=UTC), "slow", "slow", "slow", csat=4)
    comments(hidden, datetime(2026, 10, 1, tzinfo=UTC), *["slow"] * 9, csat=1)
    themes_rematch()
    services = f.ServiceFactory._meta.model.objects.exclude(pk=hidden.pk)
    with django_assert_max_num_queries(5):
        overview = theme_overview(services=services, now=NOW, by_service=True)
    row = overview.rows[0]
    assert row.periods[-1].comments == 5
    assert [(heard.service.slug, heard.comments) for heard in row.services] == [("vpn", 3), ("payroll", 2)]


def test_bad_periods_are_refused(service):
    with pytest.raises(ValueError, match="unknown period"):
        service_theme_overview(service=service, now=NOW, period="fortnight")
    with pytest.raises(ValueError, match="count"):
        service_theme_overview(service=service, now=NOW, count=1)


# --- Who reads themes --------------------------------------------------------------------------------------


def test_themes_are_read_by_the_services_owners_and_admins(service):
    unit = f.BusinessUnitFactory()
    business_owner = f.business_user()
    service.business_owner = business_owner
    service.save(update_fields=["business_owner"])
    service.business_units.add(unit)
    member = f.business_user()
    f.MembershipFactory(user=member, business_unit=unit)
    other = f.ServiceFactory(name="VPN", slug="vpn")
    admin = f.admin_user()

    assert set(theme_services(user=service.service_owner)) == {service}
    assert set(theme_services(user=business_owner)) == {service}
    assert set(theme_services(user=member)) == set()
    assert set(theme_services(user=admin)) == {service, other}
    for user, allowed in ((service.service_owner, True), (business_owner, True), (member, False), (admin, True)):
        assert user.has_perm("feedback.view_themes", service) is allowed
