"""Demo data of catalogue alignment (loaded by `manage.py load_demo`, after the catalogue):
each unit's marks (IT's list with a few differences both ways), requests for what the catalogue
lacks in every state (added, already there, declined, withdrawn by the unit, awaiting IT's
answer and overdue), a history of each unit's share of agreement over 90 days, and the overdue
alerts. Idempotent: a unit with marks keeps them, a request already there (by unit and title)
is left alone, a history day already recorded is not written again."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from catalog.alignment import answers, selectors, services
from catalog.alignment.alerts import alignment_check
from catalog.alignment.models import AlignmentSnapshot, MissingServiceRequest, RequestState, ServiceMark
from catalog.costs.models import AllocationRule
from catalog.costs.services import service_cost_set
from catalog.models import Category, Lifecycle, Membership, Service
from catalog.services import service_update

HISTORY_DAYS = 90

# unit, title, source, annual cost, people, description, days ago asked, IT owner (None: the
# catalogue's manager), answer: (outcome, days after asking, who answers, service, text) or None;
# "withdrawn": the unit's representative withdrew it, unanswered, the text its note.
REQUESTS = [
    (
        "finance",
        "Receipt scanning app",
        "bought",
        "2400",
        18,
        "The accounts payable team pays for a receipt-scanning app on a card to photograph supplier receipts.",
        60,
        None,
        (
            "exists",
            5,
            "helen.carter",
            "Expenses",
            "Expenses reads receipts from a phone photo already: in the Expenses app choose Add receipt. "
            "We will show the team and the subscription can be cancelled.",
        ),
    ),
    (
        "sales",
        "Sales prospecting (LinkedIn Sales Navigator)",
        "bought",
        "9600",
        25,
        "Account managers find and contact prospects with Sales Navigator, paid by the sales director's card.",
        45,
        None,
        ("added", 7, "sophie.laurent", "sales", ""),
    ),
    (
        "marketing",
        "Online design tool",
        "bought",
        "1320",
        6,
        "Social media images and flyers are made in an online design tool bought on a card.",
        40,
        None,
        (
            "declined",
            5,
            "aisha.rahman",
            None,
            "The company's design tools are the Adobe licences under Software requests; a second design tool "
            "holding brand assets outside our sign-in is not supported. We will move your templates with you.",
        ),
    ),
    (
        "remote-offices",
        "Help with the office printer",
        "unlisted",
        "",
        40,
        "Nobody seems to own the printers in the regional offices; we ring the local supplier.",
        30,
        None,
        (
            "exists",
            2,
            "james.okafor",
            "On-site support for remote offices",
            "Printers are covered by On-site support for remote offices: log it with the service desk, an "
            "engineer visits within two business days.",
        ),
    ),
    (
        "operations",
        "Delivery rota spreadsheet",
        "run",
        "",
        60,
        "The transport office keeps drivers' rotas in a shared spreadsheet maintained by one planner; "
        "when it breaks, nobody knows who is on shift.",
        25,
        "marta.nowak",
        None,
    ),
    (
        "human-resources",
        "Interview scheduling tool",
        "bought",
        "480",
        5,
        "Recruiters book interviews through an online scheduling tool on a card.",
        16,
        "owen.davies",
        None,
    ),
    (
        "finance",
        "Currency rates feed",
        "bought",
        "360",
        3,
        "Treasury subscribed to a currency rates feed to revalue foreign invoices at month end.",
        35,
        None,
        (
            "withdrawn",
            4,
            None,
            None,
            "Asked by mistake: the bank's portal gives us the rates, and the subscription has been cancelled.",
        ),
    ),
    (
        "legal",
        "Contract register (Access database)",
        "run",
        "",
        8,
        "Every signed contract is logged in an Access database on a shared drive, with renewal dates.",
        3,
        None,
        None,
    ),
    (
        "customer-service",
        "Call recording",
        "unlisted",
        "",
        45,
        "Calls are recorded for training and complaints, but no service in the catalogue says so.",
        1,
        None,
        None,
    ),
]


# The catalogue's manager gives one unanswered request to the service owner whose area it is.
REASSIGNED = ("Contract register (Access database)", "owen.davies", "Document management is Owen's area.")


def load_alignment(context) -> None:
    _load_marks(context)
    _load_requests(context)
    _load_history(context)
    alignment_check(context.now)


def _representative(unit):
    membership = (
        Membership.objects.filter(business_unit=unit, is_representative=True)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    return membership.user if membership else None


def _load_marks(context) -> None:
    """The unit's list: IT's with every fourth service left out, and one service IT does not
    list the unit for (what people use without IT knowing they do)."""
    units = sorted(context.units.values(), key=lambda u: u.slug)
    for position, unit in enumerate(units):
        if ServiceMark.objects.filter(business_unit=unit).exists():
            continue
        live = Service.objects.exclude(lifecycle=Lifecycle.RETIRED).order_by("name")
        its = list(live.filter(business_units=unit))
        kept = [service for index, service in enumerate(its) if (index + position) % 4 != 3]
        others = list(live.exclude(business_units=unit))
        if others:
            kept.append(others[(position * 7) % len(others)])
        services.service_marks_set(
            unit=unit, services=kept, actor=_representative(unit), now=context.now - timedelta(days=HISTORY_DAYS)
        )
        context.created["service marks"] += len(kept)


def _load_requests(context) -> None:
    for slug, title, source, cost, people, description, days_ago, owner, answer in REQUESTS:
        unit = context.units.get(slug)
        if unit is None or MissingServiceRequest.objects.filter(business_unit=unit, title=title).exists():
            continue
        asked = context.now - timedelta(days=days_ago, hours=2)
        request = services.missing_service_request_create(
            unit=unit,
            actor=_representative(unit),
            title=title,
            description=description,
            source=source,
            annual_cost=Decimal(cost) if cost else None,
            users_affected=people,
            owner=context.users.get(owner) if owner else None,
            now=asked,
        )
        context.created["catalogue requests"] += 1
        reassign_to = context.users.get(REASSIGNED[1]) if title == REASSIGNED[0] else None
        if reassign_to is not None and request.owner_id != reassign_to.pk:  # given to someone else
            services.missing_service_request_assign(
                request=request,
                owner=reassign_to,
                actor=request.owner,
                note=REASSIGNED[2],
                now=asked + timedelta(hours=20),
            )
        if answer is None:
            continue
        outcome, after, who, target, text = answer
        if outcome == RequestState.WITHDRAWN:
            services.missing_service_request_withdraw(
                request=request, actor=_representative(unit), note=text, now=asked + timedelta(days=after)
            )
            continue
        kwargs = {"answer": text}
        if outcome == RequestState.ADDED:
            kwargs["category"] = Category.objects.get(slug=target)
        elif target:
            kwargs["service"] = Service.objects.get(name=target)
        answered = answers.missing_service_request_answer(
            request=request, actor=context.users[who], outcome=outcome, now=asked + timedelta(days=after), **kwargs
        )
        if outcome == RequestState.ADDED:  # IT describes the proposed service, as for any other
            service_update(
                service=answered.service,
                description=(
                    "Account managers find and contact prospects with LinkedIn Sales Navigator.\n\n"
                    "Sales bought it on a card; IT is taking the licences over so that leavers lose access "
                    "and the cost is shared like any other service's."
                ),
                keywords="prospecting, leads, LinkedIn, sales navigator",
                how_to_request="Proposed: licences are being moved to IT. Until then, ask the sales director.",
            )
            service_cost_set(
                service=answered.service,
                allocation_rule=AllocationRule.EQUAL,
                drivers=[
                    {
                        "name": "Sales Navigator licences",
                        "amount": Decimal("9600"),
                        "quantity": 25,
                        "unit_of_measure": "users",
                    }
                ],
                note="What Sales paid on a card last year.",
            )


def _load_history(context) -> None:
    """A point a day for 90 days: the share climbing to today's as marks were reviewed and
    requests answered (agreement was lower at first: fewer services on both lists)."""
    today = context.today
    units = list(context.units.values())
    current = selectors.comparisons(unit.pk for unit in units)
    have = set(
        AlignmentSnapshot.objects.filter(
            business_unit__in=units, day__gte=today - timedelta(days=HISTORY_DAYS)
        ).values_list("business_unit_id", "day")
    )
    rows = []
    for unit in units:
        now = current[unit.pk]
        agreed_now = len(now.agreed)
        for back in range(HISTORY_DAYS, 0, -1):
            day = today - timedelta(days=back)
            if (unit.pk, day) in have:
                continue
            progress = (HISTORY_DAYS - back) // 7 / (HISTORY_DAYS // 7)  # stepwise, week by week
            agreed = round(agreed_now * (0.55 + 0.45 * progress))
            it_only = len(now.it_only) + (agreed_now - agreed)
            open_requests = now.open_requests + (1 if back > 30 else 0)
            total = agreed + it_only + len(now.unit_only) + open_requests
            share = (Decimal(agreed) / Decimal(total)).quantize(Decimal("0.0001")) if total else None
            rows.append(
                AlignmentSnapshot(
                    business_unit=unit,
                    day=day,
                    agreed=agreed,
                    it_only=it_only,
                    unit_only=len(now.unit_only),
                    open_requests=open_requests,
                    share=share,
                    recorded_at=context.now - timedelta(days=back),
                )
            )
    AlignmentSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        context.created["alignment history days"] += len(rows)
