"""A service's trend charts, each read and built in one place for every page that draws it: the
service page's sections (Targets this month, What users say) and the scorecard page. Each
function reads its selector and hands the series to its builder in portal/charts.py; a page
includes the same partial (portal/charts/_chart.html)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from catalog.models import Service
from feedback import scores
from feedback.selectors import FeedbackSummary
from portal import charts
from sla import selectors as sla_selectors
from sla import series_selectors


def attainment_chart(*, service: Service, now: datetime) -> charts.Chart:
    """Clocks within target per month and priority against each priority's objective. Two queries."""
    return charts.attainment_chart(
        series_selectors.monthly_attainment(service=service, now=now, time_zone=settings.TIME_ZONE)
    )


def ticket_load_chart(*, user, service: Service, now: datetime) -> charts.Chart:
    """Open tickets and tickets at risk day by day, of the tickets `user` may see. Two queries."""
    return charts.ticket_load_chart(
        series_selectors.ticket_load(
            tickets=sla_selectors.ticket_list(user=user).filter(service=service),
            now=now,
            time_zone=settings.TIME_ZONE,
        )
    )


def feedback_charts(summary: FeedbackSummary) -> list[charts.Chart]:
    """CSAT, NPS and CES per period with the confidence band (no query: the summary is read)."""
    return [charts.feedback_chart(summary, kind) for kind in scores.KINDS]
