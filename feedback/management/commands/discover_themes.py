from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from feedback.discovery import MIN_SIZE
from feedback.services.discovery import DISCOVERY_WINDOW, topics_discover
from feedback.services.themes import themes_rematch


class Command(BaseCommand):
    help = (
        "Discover recurring topics among the recent comments no theme caught, per service and across "
        "the catalogue, replacing the last run's (what the nightly task does), and print a summary."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=DISCOVERY_WINDOW.days,
            help=f"Comments of the last this many days (default {DISCOVERY_WINDOW.days}).",
        )
        parser.add_argument(
            "--min-size",
            type=int,
            default=MIN_SIZE,
            help=f"The fewest comments a topic needs (default {MIN_SIZE}).",
        )
        parser.add_argument(
            "--rematch",
            action="store_true",
            help="First match every comment to the taxonomy again (after editing themes).",
        )

    def handle(self, *args, days: int, min_size: int, rematch: bool, **options):
        if days < 1:
            raise CommandError(f"--days must be at least 1, not {days}.")
        if min_size < 2:
            raise CommandError(f"--min-size must be at least 2 (a topic is something that recurs), not {min_size}.")
        if rematch:
            matched = themes_rematch()
            self.stdout.write(f"Matched {matched.comments} comments to the taxonomy: {matched.matches} theme matches.")
        result = topics_discover(window=timedelta(days=days), min_size=min_size)
        self.stdout.write(
            f"Read {result.comments} comments no theme caught (last {days} days) in {result.seconds:.1f} s: "
            f"{result.topics} topics across the catalogue, {result.service_topics} topics of "
            f"{result.services} services with enough comments."
        )
