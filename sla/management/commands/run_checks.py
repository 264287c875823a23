from django.core.management.base import BaseCommand

from sla.services.checks import clocks_check_due


class Command(BaseCommand):
    help = "Run one pass of the SLA checks in the foreground (for cron users and tests)."

    def handle(self, *args, **options):
        result = clocks_check_due()
        self.stdout.write(f"Checked {result.checked} due clocks; raised {result.alerts} alerts.")
