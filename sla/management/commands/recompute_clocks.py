from django.core.management.base import BaseCommand, CommandError

from catalog.models import Service
from sla.services.recompute import tickets_recompute


class Command(BaseCommand):
    help = (
        "Rebuild ticket clocks exactly from their event history (all tickets, or one service's); "
        "with --rederive, the events from the tickets' observations first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--service", metavar="SLUG", help="Only this service's tickets.")
        parser.add_argument("--open-only", action="store_true", help="Only tickets still open or paused.")
        parser.add_argument(
            "--quiet-alerts",
            action="store_true",
            help="Record warnings and breaches on the clocks without raising alerts.",
        )
        parser.add_argument(
            "--rederive",
            action="store_true",
            help="First derive each ticket's events again from everything the tools sent (its observations), "
            "e.g. after changing an integration's priorities, states or routing.",
        )

    def handle(self, *args, service=None, open_only=False, quiet_alerts=False, rederive=False, **options):
        service_ids = None
        if service:
            found = Service.objects.filter(slug=service).values_list("pk", flat=True).first()
            if found is None:
                raise CommandError(f"Unknown service {service!r}; give the slug of a service in the catalogue.")
            service_ids = [found]
        count = tickets_recompute(
            service_ids=service_ids, open_only=open_only, raise_alerts=not quiet_alerts, rederive=rederive
        )
        self.stdout.write(f"Recomputed the clocks of {count} tickets.")
