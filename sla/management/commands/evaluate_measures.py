import time

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Measure
from sla.models import MeasureStatus
from sla.services.evaluation import measures_evaluate


class Command(BaseCommand):
    help = (
        "Evaluate the success measures in force now, in the foreground (what the periodic task "
        "does every 15 minutes), and print a summary."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--measure",
            type=int,
            action="append",
            dest="measure_ids",
            metavar="ID",
            help="Only this measure (repeatable).",
        )

    def handle(self, *args, measure_ids=None, **options):
        if measure_ids:
            unknown = sorted(
                set(measure_ids) - set(Measure.objects.filter(pk__in=measure_ids).values_list("pk", flat=True))
            )
            if unknown:
                raise CommandError(f"No measure with id {', '.join(map(str, unknown))}.")
        started = time.perf_counter()
        result = measures_evaluate(measure_ids=measure_ids)
        elapsed = time.perf_counter() - started
        counts = ", ".join(f"{result.statuses.get(status.value, 0)} {status.label.lower()}" for status in MeasureStatus)
        self.stdout.write(
            f"Evaluated {result.measures} measures in force in {elapsed:.2f} s: this period {counts}; "
            f"{result.finished} finished periods closed ({result.missed} missed)."
        )
        self.stdout.write(
            f"Alerts: {result.alerts_raised} raised, {result.alerts_resolved} resolved, "
            f"{result.alerts_reopened} reopened."
        )
