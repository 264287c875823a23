import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_signed_in_people_find_commitments_in_the_navigation(client):
    client.force_login(f.business_user())
    page = client.get("/commitments/").content.decode()
    assert '<a href="/commitments/" aria-current="page">Commitments</a>' in page
    assert '<a href="/commitments/"' in client.get("/").content.decode()


def test_the_voice_of_the_customer_is_in_the_navigation(client):
    client.force_login(f.business_user())
    page = client.get("/themes/").content.decode()
    assert '<a href="/themes/" aria-current="page">Themes</a>' in page
    assert '<a href="/perception-gaps/">Perception gaps</a>' in page
