"""Reads of success measures for the portal's agreement pages."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, prefetch_related_objects

from catalog.models import Agreement, Measure


def measures_prefetch(agreements: Iterable[Agreement | None]) -> None:
    """Load the measures of these versions (the one shown and the one it is compared with)
    in one query; `agreement.measures.all()` and catalog.selectors.agreement_diff use them."""
    wanted = [agreement for agreement in agreements if agreement is not None]
    prefetch_related_objects(wanted, Prefetch("measures", queryset=Measure.objects.order_by("position", "name")))
