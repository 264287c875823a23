"""Sharing a total out by weights, to the cent: a pure function, no database.

Largest remainder: each share is first rounded down to the cent, then the cents left over go
one each to the shares that lost most in rounding (ties to the earlier key), so the shares
always add up exactly to the total.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import ROUND_FLOOR, Decimal

CENT = Decimal("0.01")


def allocate(total: Decimal, weights: Mapping[Hashable, Decimal | int]) -> dict[Hashable, Decimal]:
    """`total` shared in proportion to `weights`, in cents that add up to `total` exactly.

    All weights zero (no headcount known, no tickets yet) shares equally: an unknown basis is
    no reason to hide the cost. No keys, no shares. Negative weights or total are refused.
    """
    total = Decimal(total).quantize(CENT)
    if total < 0:
        raise ValueError("A cost to share cannot be negative.")
    keys = list(weights)
    if not keys:
        return {}
    values = [Decimal(weights[key]) for key in keys]
    if any(value < 0 for value in values):
        raise ValueError("Weights cannot be negative.")
    weight_sum = sum(values)
    if weight_sum == 0:
        values = [Decimal(1)] * len(keys)
        weight_sum = Decimal(len(keys))
    cents = int(total / CENT)
    exact = [Decimal(cents) * value / weight_sum for value in values]
    floors = [int(share.to_integral_value(rounding=ROUND_FLOOR)) for share in exact]
    left_over = cents - sum(floors)
    by_remainder = sorted(range(len(keys)), key=lambda index: (-(exact[index] - floors[index]), index))
    for index in by_remainder[:left_over]:
        floors[index] += 1
    return {key: Decimal(share) * CENT for key, share in zip(keys, floors, strict=True)}
