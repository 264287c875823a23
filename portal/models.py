"""The portal's own rows live in its packages (portal/reviews/); Django finds them here."""

from portal.reviews.models import ActionStatus, Review, ReviewAction, ReviewEmail, ReviewPeriod

__all__ = ["ActionStatus", "Review", "ReviewAction", "ReviewEmail", "ReviewPeriod"]
