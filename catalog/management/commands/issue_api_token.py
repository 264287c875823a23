"""Issue an API key for a user and print it: the key on stdout, alone, so scripts can
capture it (`KEY=$(python manage.py issue_api_token jira-bot --scope ingest)`)."""

import argparse

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalog.models import ApiScope, ApiToken
from catalog.tokens import ALL_SCOPES, api_scopes_parse, api_token_expiry, api_token_issue

NAME_MAX = ApiToken._meta.get_field("name").max_length


def positive_days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of days, 1 or more, not {value!r}")
    return days


class Command(BaseCommand):
    help = "Issue an API key for USERNAME and print it (shown only this once; only its hash is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="API key", help="What the key is for, e.g. 'Jira webhook'.")
        parser.add_argument(
            "--expires-in-days", type=positive_days, default=None, help="Default: the key never expires."
        )
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            metavar="SCOPE",
            help=f"What the key may do: {', '.join(ApiScope.values)} (repeat, or comma-separate). "
            "Default: all three, i.e. every right of the user. docs/api.md",
        )

    def handle(
        self, *args, username: str, name: str, expires_in_days: int | None, scopes: list[str] | None, **options
    ) -> None:
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive; activate the account before issuing a key.")
        name = name.strip()
        if not name or len(name) > NAME_MAX:
            raise CommandError(f"--name must be 1 to {NAME_MAX} characters.")
        try:
            scopes = api_scopes_parse(scopes) if scopes is not None else ALL_SCOPES
        except ValueError as exc:
            raise CommandError(f"--scope: {exc}.") from exc
        _, key = api_token_issue(user=user, name=name, scopes=scopes, expires_at=api_token_expiry(days=expires_in_days))
        self.stdout.write(key)
