"""Discovering recurring topics among the comments no theme caught (feedback.discovery does the
text work), per service and across the catalogue, and storing them as DiscoveredTopic rows.

A run reads the recent comments (the last `window`, a year by default) that no active theme
caught, finds the topics of each service with enough of them and of all services together, and
then replaces every DiscoveredTopic row in one transaction: readers see the previous run's
topics or this one's, never a mix. The slow part (clustering) runs before the transaction. Two
runs at once queue on a lock (PostgreSQL; SQLite writes one at a time anyway) and, the same
comments giving the same topics, end with the same rows.

A topic must recur: at least `min_size` comments (5 by default), and at least MIN_SHARE of the
comments it was found among, so that in a large catalogue a topic is more than a handful.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Avg, Exists, OuterRef
from django.utils import timezone

from feedback.discovery import MIN_SIZE, Topic, discover_topics
from feedback.models import DiscoveredTopic, Response, ThemeMatch
from feedback.theme_selectors import response_score_expression

DISCOVERY_WINDOW = timedelta(days=365)
MIN_SHARE = 0.005
# Any fixed number: PostgreSQL's advisory lock taken by a run, so runs queue rather than mix.
DISCOVERY_LOCK = 6_0000_0001


@dataclass(frozen=True)
class DiscoveryResult:
    comments: int  # uncaught comments read
    services: int  # services with enough of them to look for their own topics
    topics: int  # topics stored across the catalogue
    service_topics: int  # topics stored for single services
    seconds: float


def topics_min_size(comments: int, min_size: int = MIN_SIZE) -> int:
    """The fewest comments a topic needs among `comments`."""
    return max(min_size, round(comments * MIN_SHARE))


def topics_discover(
    *, now: datetime | None = None, window: timedelta = DISCOVERY_WINDOW, min_size: int = MIN_SIZE
) -> DiscoveryResult:
    """Discover topics among the uncaught comments of the last `window` and store them, replacing
    the previous run's."""
    if window <= timedelta(0):
        raise ValueError("window must be positive")
    if min_size < 2:
        raise ValueError("min_size must be at least 2: a topic is something that recurs")
    started = time.perf_counter()
    now = now or timezone.now()
    caught = ThemeMatch.objects.filter(response=OuterRef("pk"), theme__active=True)
    rows = list(
        Response.objects.filter(submitted_at__gte=now - window, submitted_at__lte=now)
        .exclude(comment="")
        .filter(~Exists(caught))
        .order_by("pk")
        .values_list("pk", "service_id", "comment")
    )
    by_service: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, service_id, comment in rows:
        by_service[service_id].append((pk, comment))

    found: list[tuple[int | None, Topic]] = [
        (None, topic)
        for topic in discover_topics(
            [(pk, comment) for pk, _, comment in rows], min_size=topics_min_size(len(rows), min_size)
        )
    ]
    examined = 0
    for service_id, comments in sorted(by_service.items()):
        size = topics_min_size(len(comments), min_size)
        if len(comments) < 2 * size:
            continue
        examined += 1
        found += [(service_id, topic) for topic in discover_topics(comments, min_size=size)]

    _store(found, now=now)
    return DiscoveryResult(
        comments=len(rows),
        services=examined,
        topics=sum(1 for service_id, _ in found if service_id is None),
        service_topics=sum(1 for service_id, _ in found if service_id is not None),
        seconds=time.perf_counter() - started,
    )


def _store(found: list[tuple[int | None, Topic]], *, now: datetime) -> None:
    """Replace every stored topic with `found`, in one transaction."""
    Through = DiscoveredTopic.responses.through
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DISCOVERY_LOCK])
        DiscoveredTopic.objects.all().delete()
        topics = DiscoveredTopic.objects.bulk_create(
            DiscoveredTopic(
                label=topic.label[:200],
                terms=list(topic.terms),
                service_id=service_id,
                size=topic.size,
                discovered_at=now,
            )
            for service_id, topic in found
        )
        Through.objects.bulk_create(
            (
                Through(discoveredtopic_id=stored.pk, response_id=response_id)
                for stored, (_, topic) in zip(topics, found, strict=True)
                for response_id in topic.members
            ),
            batch_size=1000,
        )
        averages = dict(
            Through.objects.filter(discoveredtopic__in=topics)
            .values("discoveredtopic_id")
            .annotate(average=Avg(response_score_expression("response__")))
            .values_list("discoveredtopic_id", "average")
        )
        for stored in topics:
            stored.average_score = averages.get(stored.pk)
        DiscoveredTopic.objects.bulk_update(topics, ["average_score"], batch_size=500)
