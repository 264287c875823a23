from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from feedback.services.invitations import relationship_invitations_create
from feedback.services.survey_mail import invitations_send
from feedback.services.surveys import quarter_label, quarter_of, quarter_parse


class Command(BaseCommand):
    help = (
        "Invite each member of a business unit to rate each service that serves the unit, for a quarter "
        "(what the quarterly task does), and send the e-mails now. Running it again sends nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quarter", metavar="YYYY-QN", help="e.g. 2026-Q4; default: the current quarter.")

    def handle(self, *args, quarter=None, **options):
        try:
            start = quarter_parse(quarter) if quarter else quarter_of(timezone.now())
            groups = relationship_invitations_create(quarter_start=start)
        except ValueError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        sent = failed = skipped = 0
        for group in groups:
            outcome = invitations_send(invitation_ids=group)
            sent += len(outcome.sent)
            failed += len(outcome.failed)
            skipped += outcome.status == "skipped"
        self.stdout.write(
            f"{quarter_label(start)}: {len(groups)} people to ask; invitations sent {sent}, failed {failed}"
            + (f", {skipped} e-mails already being sent elsewhere" if skipped else "")
            + "."
        )
        if failed:
            self.stdout.write(
                "Failed e-mails are tried again by the event-survey task every 15 minutes (see the admin's "
                "Invitations for the errors)."
            )
