"""Demo reviews for `manage.py load_demo`: last month's and the month before's review of every
service with an agreement in force and of every business unit using one (as the monthly task
prepares them, without the e-mails), and, for the demo's richest services and their units,
actions agreed at them: the month before's partly done, one overdue; last month's still open.
Idempotent: a review is prepared once, an action whose text exists on its review is left alone."""

from __future__ import annotations

from datetime import timedelta

from catalog.models import AgreementStatus, BusinessUnit, Membership, Service
from portal.reviews.models import ActionStatus, Review, ReviewAction
from portal.reviews.periods import MONTH, period_of
from portal.reviews.services import review_prepare

RICH = ("Payroll", "Online shop", "Email and calendars", "Laptops and desktops")
# (text, owner side, days after the period's end it is due, status, closed days after the period's end)
EARLIER = [
    ("Share the root cause of the worst breach with the business", "it", 10, ActionStatus.DONE, 8),
    ("Agree a quiet period for changes around month end", "business", 14, ActionStatus.OPEN, None),  # overdue
    ("Retire the duplicate report nobody reads", "it", 20, ActionStatus.DROPPED, 15),
]
LATEST = [
    ("Walk through the missed measure with the team that reported it", "it", 21, ActionStatus.OPEN, None),
    ("Confirm next quarter's busiest weeks so support can plan cover", "business", 28, ActionStatus.OPEN, None),
]
UNIT_ACTIONS = [("Collect the three services that hurt most this month for the next review", 25)]


def load_reviews(context) -> None:
    latest = period_of(MONTH, context.today.replace(day=1) - timedelta(days=1))
    earlier = latest.previous()
    services = list(
        Service.objects.filter(agreements__status=AgreementStatus.AGREED)
        .distinct()
        .select_related("service_owner", "business_owner")
        .order_by("pk")
    )
    units = list(BusinessUnit.objects.filter(services__in=services).distinct().order_by("pk"))
    for period in (earlier, latest):
        for service in services:
            _, created = review_prepare(period=period, service=service)
            if created:
                context.created["review"] += 1
        for unit in units:
            _, created = review_prepare(period=period, business_unit=unit)
            if created:
                context.created["review"] += 1
    representatives = {}
    for membership in Membership.objects.filter(is_representative=True).select_related("user").order_by("pk"):
        representatives.setdefault(membership.business_unit_id, membership.user)
    for service in services:
        if service.name not in RICH or service.service_owner is None:
            continue
        unit_ids = list(service.business_units.values_list("pk", flat=True))
        business = next((representatives[u] for u in unit_ids if u in representatives), service.business_owner)
        sides = {"it": service.service_owner, "business": business or service.service_owner}
        for period, actions in ((earlier, EARLIER), (latest, LATEST)):
            review = Review.objects.get(service=service, period=MONTH, period_start=period.start)
            for text, side, due_in, status, closed_in in actions:
                _action(context, review, period, text, sides[side], due_in, status, closed_in, service.service_owner)
    for unit in units:
        rep = representatives.get(unit.pk)
        if rep is None:
            continue
        review = Review.objects.get(business_unit=unit, period=MONTH, period_start=latest.start)
        for text, due_in in UNIT_ACTIONS:
            _action(context, review, latest, text, rep, due_in, ActionStatus.OPEN, None, rep)


def _action(context, review, period, text, owner, due_in, status, closed_in, by) -> None:
    if ReviewAction.objects.filter(review=review, text=text).exists():
        return
    ReviewAction.objects.create(
        review=review,
        text=text,
        owner=owner,
        due_on=period.end + timedelta(days=due_in),
        status=status,
        closed_on=period.end + timedelta(days=closed_in) if closed_in is not None else None,
        created_by=by,
    )
    context.created["review action"] += 1
