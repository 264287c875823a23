"""Login throttling with lockout (django-axes), on the portal's sign-in and the admin's alike."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def person():
    user = UserFactory(username="pat", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def sign_in(client, url, password, address="10.1.1.1"):
    return client.post(url, {"username": "pat", "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_five_wrong_passwords_lock_the_name_out_from_that_address(client, person, settings, url):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = sign_in(client, url, "wrong")
        assert response.status_code == 200  # the form again, with its error
    locked = sign_in(client, url, "wrong")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    html = locked.content.decode()
    assert "Too many sign-in attempts" in html and "paused for 15 minutes" in html
    assert "Content-Security-Policy" in locked  # our page, under the same policy
    # Even the right password is refused now, and nobody is signed in.
    assert sign_in(client, url, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not locked out (an attacker cannot lock the person out everywhere).
    assert sign_in(client, url, PASSWORD, address="10.2.2.2").status_code == 302


def test_a_success_resets_the_count(client, person):
    for _ in range(4):
        sign_in(client, "/accounts/login/", "wrong")
    assert sign_in(client, "/accounts/login/", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "/accounts/login/", "wrong").status_code == 200
    assert AccessAttempt.objects.get().failures_since_start == 4


def test_an_admin_unlocks_with_a_command(client, person):
    for _ in range(5):
        sign_in(client, "/accounts/login/", "wrong")
    assert sign_in(client, "/accounts/login/", PASSWORD).status_code == 429
    call_command("axes_reset_username", "pat")
    assert sign_in(client, "/accounts/login/", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, person, time_machine):
    time_machine.move_to("2026-11-02 09:00Z", tick=False)
    for _ in range(5):
        sign_in(client, "/accounts/login/", "wrong")
    assert sign_in(client, "/accounts/login/", PASSWORD).status_code == 429
    time_machine.move_to("2026-11-02 09:16Z", tick=False)
    assert sign_in(client, "/accounts/login/", PASSWORD).status_code == 302
