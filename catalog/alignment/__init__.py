"""Catalogue alignment (issue 11, section 5): each business unit's own list of the services it
believes it receives, beside IT's; what it relies on that the catalogue lacks, and IT's answers."""
