"""Django admin for the catalogue.

Staff look after the reference data here. Agreements change state only through
catalog.services (the admin actions call it), agreed versions are read-only, and API keys
are issued by catalog.tokens so that the key is shown once and only its hash is stored.
"""

from catalog.admin import accounts, agreements, catalogue  # noqa: F401  (registers the model admins)
from catalog.costs import admin as costs_admin  # noqa: F401
