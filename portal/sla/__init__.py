"""The portal's SLA pages: reads on top of sla.selectors (selectors.py), what the pages
show as pure functions of data and `now` (presenters.py), and their filter forms (forms.py)."""
