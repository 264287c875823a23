"""What a group of survey answers is scored from, counted in SQL: one definition for every
grouped read of answers (the feedback summaries per service and period, feedback/selectors.py;
the watermelon's happiness and lost time, feedback/experience/selectors.py), so the two cannot
count an answer differently.

    rows = responses.values("service_id").annotate(**ANSWER_COUNTS)
    answers = period_answers(row)  # -> PeriodAnswers: responses, scores.Answers per score, lost time

The arithmetic on the counts is in feedback.scores and feedback.experience.lost_time (pure).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum

from feedback import scores
from feedback.experience.lost_time import NO_LOST_TIME, LostTimeSummary, lost_time_summary
from feedback.models import LostTime

LOST_VALUES = tuple(LostTime.values)  # Choices.values builds a new list on each access
LOST_COUNTS = {f"lost_{value}": Count("pk", filter=Q(lost_time=value)) for value in LOST_VALUES}
SCORE_COUNTS = {
    "n": Count("pk"),
    "csat_n": Count("csat"),
    "csat_ok": Count("pk", filter=Q(csat__gte=4)),
    "nps_n": Count("nps"),
    "promoters": Count("pk", filter=Q(nps__gte=9)),
    "detractors": Count("pk", filter=Q(nps__lte=6)),
    "ces_n": Count("ces"),
    "ces_sum": Sum("ces"),
    "ces_squares": Sum(F("ces") * F("ces")),
}
ANSWER_COUNTS = {**SCORE_COUNTS, **LOST_COUNTS}


@dataclass(frozen=True)
class PeriodAnswers:
    responses: int
    answers: dict[str, scores.Answers]
    lost_time: LostTimeSummary = NO_LOST_TIME


NO_ANSWERS = PeriodAnswers(0, {kind: scores.Answers() for kind in scores.KINDS})


def period_answers(row: dict) -> PeriodAnswers:
    """A row annotated with ANSWER_COUNTS as the answers it counts."""
    return PeriodAnswers(
        row["n"],
        {
            scores.CSAT: scores.Answers(row["csat_n"], favourable=row["csat_ok"]),
            scores.NPS: scores.Answers(row["nps_n"], favourable=row["promoters"], unfavourable=row["detractors"]),
            scores.CES: scores.Answers(
                row["ces_n"], total=float(row["ces_sum"] or 0), squares=float(row["ces_squares"] or 0)
            ),
        },
        lost_time_summary(lost_counts(row)),
    )


def lost_counts(row: dict) -> dict[str, int]:
    """Answer -> how many gave it, from a row annotated with LOST_COUNTS."""
    return {value: row[f"lost_{value}"] for value in LOST_VALUES}
