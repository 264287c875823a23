"""`manage.py check --deploy` is clean with production settings (DEBUG off, a real secret key,
the hosts named), and the check really looks: a weak key or DEBUG on is reported."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def check_deploy(**overrides: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "API_THROTTLE_")) and key not in {"DEBUG", "CATALOGUE_PUBLIC"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="accord.example.com",
        CSRF_TRUSTED_ORIGINS="https://accord.example.com",
        SITE_URL="https://accord.example.com",
        BEHIND_TLS_PROXY="1",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy():
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"SECRET_KEY": "short"}, "security.W009"),
        ({"DEBUG": "1"}, "security.W018"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
    ],
)
def test_the_check_would_catch_a_weak_setting(overrides, warning):
    result = check_deploy(**overrides)
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr
