"""How the board says an item's standing, as pure functions (no queries)."""

from __future__ import annotations

from datetime import timedelta


def time_left_text(left: timedelta | None) -> str:
    """ "in 3 h 20 min", "2 days ago", "no due time"."""
    if left is None:
        return "no due time"
    seconds = abs(int(left.total_seconds()))
    if seconds < 60:
        amount = "under a minute"
    elif seconds < 3600:
        amount = f"{seconds // 60} min"
    elif seconds < 2 * 86400:
        hours, minutes = divmod(seconds // 60, 60)
        amount = f"{hours} h {minutes} min" if minutes else f"{hours} h"
    else:
        amount = f"{seconds // 86400} days"
    return f"{amount} ago" if left < timedelta(0) else f"in {amount}"


def impact_text(impact: float) -> str:
    """The impact score in words, with the number for sorting by eye."""
    if impact >= 3:
        label = "Severe"
    elif impact >= 1.8:
        label = "High"
    elif impact >= 1:
        label = "Moderate"
    else:
        label = "Low"
    return f"{label} ({impact:g})"
