"""`manage.py load_demo`: the demo organisation (catalog/demo/), then the logins to try.
Idempotent: a second run changes nothing."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalog.demo import load_demo
from catalog.demo.password import demo_password
from catalog.models import Agreement, BusinessUnit, Category, Service


class Command(BaseCommand):
    help = "Load the demo organisation: business units, people, services and agreements. Safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Load even though DEBUG is off (the demo users share a password)."
        )

    def handle(self, *args, force: bool = False, verbosity: int = 1, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "load_demo creates users who share one printed password; it runs only with DEBUG on. "
                "Use --force to load the demo anyway."
            )
        password, source = demo_password()
        context = load_demo(password=password)
        if verbosity == 0:
            return
        self.stdout.write(
            f"Demo data: {BusinessUnit.objects.count()} business units, {Category.objects.count()} categories, "
            f"{Service.objects.count()} services, {Agreement.objects.count()} agreement versions "
            f"(this run created {_counts(context.created)}; updated {_counts(context.updated)})."
        )
        self.stdout.write(f"\nSign in at /accounts/login/ — every demo user has the same password ({source}):\n")
        width = max(len(username) for username, _ in context.logins)
        role_width = max(len(role) for _, role in context.logins)
        self.stdout.write(f"  {'username':<{width}}  {'role':<{role_width}}  password")
        for username, role in context.logins:
            self.stdout.write(f"  {username:<{width}}  {role:<{role_width}}  {password}")
        others = get_user_model().objects.filter(username__in=context.users).count() - len(context.logins)
        self.stdout.write(f"\n  …and {others} more demo users (see /admin/auth/user/), same password.")


def _counts(counter) -> str:
    return ", ".join(f"{count} {label}" for label, count in counter.items()) or "nothing"
