"""Score formulas on hand-worked cases (feedback.scores, pure: no database)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback import scores
from feedback.scores import Answers

# --- The formulas ------------------------------------------------------------------------------


def test_csat_is_the_share_of_fours_and_fives():
    # 10 answers: 5, 5, 4, 4, 4, 5, 4, 3, 2, 1 -> 7 of 10 are 4 or 5.
    answers = [5, 5, 4, 4, 4, 5, 4, 3, 2, 1]
    assert scores.csat(sum(1 for a in answers if a >= 4), len(answers)) == 70.0
    assert scores.csat(0, 4) == 0.0
    assert scores.csat(3, 3) == 100.0
    assert scores.csat(0, 0) is None


def test_nps_is_promoters_minus_detractors():
    # 10 answers: 5 promoters (9, 9, 10, 10, 9), 3 passives (7, 8, 8), 2 detractors (6, 0):
    # 50% - 20% = +30.
    answers = [9, 9, 10, 10, 9, 7, 8, 8, 6, 0]
    promoters = sum(1 for a in answers if a >= 9)
    detractors = sum(1 for a in answers if a <= 6)
    assert (promoters, detractors) == (5, 2)
    assert scores.nps(promoters, detractors, len(answers)) == 30.0
    assert scores.nps(0, 4, 4) == -100.0
    assert scores.nps(4, 0, 4) == 100.0
    assert scores.nps(0, 0, 7) == 0.0  # all passives
    assert scores.nps(0, 0, 0) is None


def test_ces_is_the_mean_answer():
    answers = [5, 6, 7, 4, 5, 6, 7, 5, 6, 5]
    assert scores.ces(sum(answers), len(answers)) == pytest.approx(5.6)
    assert scores.ces(0, 0) is None


@pytest.mark.parametrize(
    "call",
    [
        lambda: scores.csat(11, 10),
        lambda: scores.csat(-1, 10),
        lambda: scores.nps(6, 5, 10),
        lambda: scores.ces(80, 10),  # a mean of 8 on a 1-7 scale
        lambda: scores.ces(5, 10),
    ],
)
def test_impossible_counts_are_refused(call):
    with pytest.raises(ValueError):
        call()


# --- Intervals -----------------------------------------------------------------------------------


def test_csat_interval_is_wilsons():
    # 7 of 10, z = 1.959964: centre (p + z²/2n) / (1 + z²/n) = 0.64449, half-width
    # z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n) = 0.24772 -> 39.68% to 89.22%.
    low, high = scores.csat_interval(7, 10)
    assert low == pytest.approx(39.678, abs=0.001)
    assert high == pytest.approx(89.221, abs=0.001)


def test_csat_interval_stays_inside_the_scale_at_the_edges():
    low, high = scores.csat_interval(10, 10)
    assert high == pytest.approx(100.0)
    assert low == pytest.approx(72.25, abs=0.01)  # 10 / (10 + z²)
    low, high = scores.csat_interval(0, 10)
    assert (low, high) == (pytest.approx(0.0, abs=1e-9), pytest.approx(27.75, abs=0.01))


def test_nps_interval_from_the_variance_of_plus_one_zero_minus_one():
    # 5 promoters, 3 passives, 2 detractors: mean 0.3, E[x²] = 0.7, variance 0.7 - 0.09 = 0.61,
    # standard error sqrt(0.61 / 10) = 0.24698, times 1.959964 = 0.48407 -> -18.4 to +78.4.
    low, high = scores.nps_interval(5, 2, 10)
    assert low == pytest.approx(-18.407, abs=0.001)
    assert high == pytest.approx(78.407, abs=0.001)


def test_nps_interval_is_clamped_to_the_scale():
    # 9 promoters and 1 detractor of 10: 80 ± 100·1.96·sqrt((1 - 0.64) / 10) = 80 ± 37.2 -> to +100.
    low, high = scores.nps_interval(9, 1, 10)
    assert low == pytest.approx(42.81, abs=0.01)
    assert high == 100.0
    low, high = scores.nps_interval(1, 9, 10)
    assert (low, high) == (-100.0, pytest.approx(-42.81, abs=0.01))


def test_ces_interval_is_students_t():
    # 5, 6, 7, 4, 5, 6, 7, 5, 6, 5: mean 5.6, sum of squares 322, sample variance
    # (322 - 56²/10) / 9 = 0.93333, standard error 0.30551, t(0.975, 9) = 2.262157 -> ±0.69111.
    answers = [5, 6, 7, 4, 5, 6, 7, 5, 6, 5]
    low, high = scores.ces_interval(sum(answers), sum(a * a for a in answers), len(answers))
    assert low == pytest.approx(4.9089, abs=0.0001)
    assert high == pytest.approx(6.2911, abs=0.0001)


def test_ces_interval_is_clamped_and_needs_two_answers():
    low, high = scores.ces_interval(7 + 7 + 1, 49 + 49 + 1, 3)  # 7, 7, 1: mean 5, sd 3.46, t(2) = 4.30
    assert (low, high) == (1.0, 7.0)
    assert scores.ces_interval(6, 36, 1) is None


def test_answers_that_all_agree_have_an_interval_of_no_width():
    assert scores.nps_interval(0, 0, 12) == (0.0, 0.0)
    assert scores.ces_interval(12 * 6, 12 * 36, 12) == (6.0, 6.0)


def test_a_wider_confidence_gives_a_wider_interval():
    low95, high95 = scores.nps_interval(5, 2, 10, confidence=0.95)
    low80, high80 = scores.nps_interval(5, 2, 10, confidence=0.80)
    assert low95 < low80 < 30 < high80 < high95


@given(st.integers(min_value=1, max_value=500), st.data())
def test_intervals_contain_their_score_and_stay_on_the_scale(n, data):
    satisfied = data.draw(st.integers(min_value=0, max_value=n))
    low, high = scores.csat_interval(satisfied, n)
    assert 0 <= low <= scores.csat(satisfied, n) <= high <= 100 + 1e-9

    promoters = data.draw(st.integers(min_value=0, max_value=n))
    detractors = data.draw(st.integers(min_value=0, max_value=n - promoters))
    low, high = scores.nps_interval(promoters, detractors, n)
    assert -100 <= low <= scores.nps(promoters, detractors, n) + 1e-9
    assert scores.nps(promoters, detractors, n) - 1e-9 <= high <= 100

    answers = data.draw(st.lists(st.integers(min_value=1, max_value=7), min_size=max(n % 40, 2), max_size=40))
    total, squares = sum(answers), sum(a * a for a in answers)
    low, high = scores.ces_interval(total, squares, len(answers))
    assert 1 <= low <= scores.ces(total, len(answers)) + 1e-9
    assert scores.ces(total, len(answers)) - 1e-9 <= high <= 7


# --- The low-volume guard ------------------------------------------------------------------------


def test_below_the_guard_there_is_no_score():
    few = scores.score(scores.CSAT, Answers(responses=9, favourable=9))
    assert (few.value, few.low, few.high, few.enough) == (None, None, None, False)
    assert (few.responses, few.note) == (9, "not enough responses: 9 of 10")
    none = scores.score(scores.NPS, Answers())
    assert (none.value, none.note, none.enough) == (None, "no responses", False)


def test_at_the_guard_the_score_comes_with_its_interval():
    enough = scores.score(scores.NPS, Answers(responses=10, favourable=5, unfavourable=2))
    assert (enough.value, enough.enough, enough.note, enough.responses) == (30.0, True, "", 10)
    assert (enough.low, enough.high) == (pytest.approx(-18.407, abs=0.001), pytest.approx(78.407, abs=0.001))
    quick = scores.score(scores.NPS, Answers(responses=10, favourable=5, unfavourable=2), interval=False)
    assert (quick.value, quick.low, quick.high) == (30.0, None, None)


def test_the_guard_is_configurable():
    answers = Answers(responses=4, total=20, squares=102)  # 4, 5, 5, 6
    assert scores.score(scores.CES, answers).value is None
    relaxed = scores.score(scores.CES, answers, min_responses=3)
    assert relaxed.value == 5.0 and relaxed.low < 5.0 < relaxed.high
    assert scores.score(scores.CES, answers, min_responses=5).note == "not enough responses: 4 of 5"
    with pytest.raises(ValueError):
        scores.score(scores.CES, answers, min_responses=0)


def test_an_unknown_score_is_refused():
    with pytest.raises(ValueError, match="unknown score 'xyz'"):
        scores.score("xyz", Answers(responses=20))


# --- Trend, rank, median -------------------------------------------------------------------------


def test_trend_over_periods():
    assert scores.trend(scores.CSAT, [60, 65, 70, 75]) == scores.IMPROVING
    assert scores.trend(scores.NPS, [30, 20, None, 10]) == scores.WORSENING
    assert scores.trend(scores.CSAT, [70, 71, 70, 72]) == scores.STEADY  # +1.5 points: within 2.5
    assert scores.trend(scores.NPS, [10, 14]) == scores.STEADY  # +4 points: within 5 of a 200-point scale
    assert scores.trend(scores.NPS, [10, 16]) == scores.IMPROVING
    assert scores.trend(scores.CES, [5.0, 5.1, 5.3]) == scores.IMPROVING  # +0.3: past 0.15
    assert scores.trend(scores.CES, [5.0, None, None]) is None  # one known period: no trend
    assert scores.trend(scores.CES, []) is None


def test_rank_shares_places_between_equal_scores():
    values = [80.0, 70.0, 70.0, 60.0]
    assert [scores.rank(v, values) for v in values] == [1, 2, 2, 4]
    assert scores.rank(50.0, [50.0]) == 1


def test_median_across_services():
    assert scores.median([10.0, 30.0, 20.0]) == 20.0
    assert scores.median([10.0, 30.0]) == 20.0
    assert scores.median([]) is None


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"), (21, "21st")],
)
def test_ordinal(number, text):
    assert scores.ordinal(number) == text


def test_the_nps_interval_matches_the_spread_of_simulated_surveys():
    # The normal approximation covers roughly 95% of surveys drawn from a known population.
    import random

    rng = random.Random(7)
    truth = (0.5, 0.3, 0.2)  # promoters, passives, detractors: NPS +30
    n, covered, trials = 60, 0, 2000
    for _ in range(trials):
        draws = rng.choices((1, 0, -1), weights=truth, k=n)
        low, high = scores.nps_interval(draws.count(1), draws.count(-1), n)
        covered += low <= 30 <= high
    assert math.isclose(covered / trials, 0.95, abs_tol=0.02)
