"""`manage.py issue_api_token`: the key alone on stdout; problems on stderr, non-zero exit."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.db import connections
from django.utils import timezone

from catalog.models import ApiToken
from catalog.tokens import api_token_authenticate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """Run the command as `manage.py` does; returns exit code, stdout, stderr."""
    # run_from_argv closes the database connections when it ends: keep the test's open.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> tuple[int, str, str]:
        code = 0
        try:
            ManagementUtility(["manage.py", "issue_api_token", *args]).execute()
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_prints_exactly_one_line_holding_a_key_that_authenticates(run_cli):
    user = UserFactory(username="jira-bot")
    code, out, err = run_cli("jira-bot", "--name", "Jira webhook")
    assert (code, err) == (0, "")
    assert out.endswith("\n") and out.count("\n") == 1
    token = api_token_authenticate(key=out.strip())
    assert token is not None
    assert (token.user, token.name, token.expires_at) == (user, "Jira webhook", None)


def test_expiry_in_days():
    UserFactory(username="ci")
    out = StringIO()
    call_command("issue_api_token", "ci", "--expires-in-days", "30", stdout=out)
    token = api_token_authenticate(key=out.getvalue().strip())
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)


def test_unknown_user_is_an_error_on_stderr_with_a_non_zero_exit(run_cli):
    code, out, err = run_cli("ghost")
    assert code != 0
    assert out == ""
    assert "No user named 'ghost'" in err
    assert not ApiToken.objects.exists()


def test_inactive_user_is_refused():
    UserFactory(username="leaver", is_active=False)
    with pytest.raises(CommandError, match="'leaver' is inactive"):
        call_command("issue_api_token", "leaver", stdout=StringIO())
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("days", ["0", "-3", "soon", "1.5"])
def test_a_bad_number_of_days_is_refused_naming_the_option(run_cli, days):
    UserFactory(username="ci")
    code, out, err = run_cli("ci", f"--expires-in-days={days}")
    assert code != 0
    assert out == ""
    assert "--expires-in-days" in err and "whole number of days" in err
    with pytest.raises(CommandError, match="--expires-in-days"):
        call_command("issue_api_token", "ci", f"--expires-in-days={days}", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_an_empty_or_overlong_name_is_refused():
    UserFactory(username="ci")
    for name in ("  ", "x" * 121):
        with pytest.raises(CommandError, match="--name must be 1 to 120 characters"):
            call_command("issue_api_token", "ci", "--name", name, stdout=StringIO())
    assert not ApiToken.objects.exists()
