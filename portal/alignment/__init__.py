"""Catalogue alignment in the portal (issue 11, section 5): the ranking of units by
disagreement, a unit's list beside IT's, its marks and requests, IT's answers."""
