"""The one password every demo user shares: DEMO_PASSWORD from the environment, else the
one kept in var/demo-password, generated on first use."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings

ENV_NAME = "DEMO_PASSWORD"


def demo_password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-password"


def demo_password() -> tuple[str, str]:
    """The password and where it comes from, for the person reading the output."""
    from_env = os.environ.get(ENV_NAME, "").strip()
    if from_env:
        return from_env, f"from ${ENV_NAME}"
    path = demo_password_file()
    try:
        kept = path.read_text().strip()
    except FileNotFoundError:
        kept = ""
    if kept:
        return kept, f"kept in {path}"
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Readable by its owner only.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(password + "\n")
    return password, f"generated, kept in {path}"
