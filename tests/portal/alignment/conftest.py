# The same organisation as the alignment domain's tests (a unit, its people, four services).
from tests.catalog.alignment.conftest import world as world
