"""python manage.py import_servicenow_events FILE.csv --service SLUG [--business-unit SLUG]
[--time-zone Europe/London] [--source servicenow]

Imports a ServiceNow incident event log (one row per update of an incident; see
sla/integrations/servicenow_csv.py for what each row becomes). Idempotent: running it again
imports nothing new. A progress bar goes to stderr; the summary (a table of incidents, events,
duplicates and skipped rows by reason, then per incident what was out of order, which time was
taken for a resolution without resolved_at, and the reopens) to stdout.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog.models import BusinessUnit, Service
from sla.events import TicketEventInput
from sla.integrations.mappings import SERVICENOW, IntegrationConfig
from sla.integrations.servicenow_csv import (
    OUT_OF_ORDER,
    REOPENS,
    RESOLVED_TIME,
    IncidentEvents,
    incident_events,
    missing_columns,
)
from sla.models import Ticket
from sla.services import ticket_events_ingest


class Command(BaseCommand):
    help = "Import a ServiceNow incident event log (CSV) as ticket events for one service."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV export (columns: number, incident_state, sys_updated_at, …).")
        parser.add_argument("--service", required=True, help="Slug of the service the incidents belong to.")
        parser.add_argument("--business-unit", help="Slug of the business unit the incidents come from.")
        parser.add_argument(
            "--time-zone",
            default=settings.TIME_ZONE,
            help=f"Time zone of the export's dates, which carry none (default {settings.TIME_ZONE}).",
        )
        parser.add_argument("--source", default=SERVICENOW, help="Source name of the tickets (default servicenow).")
        parser.add_argument("--batch-size", type=int, default=200, help="Incidents stored per transaction.")
        parser.add_argument(
            "--alerts",
            action="store_true",
            help="Raise alerts for imported tickets still at risk (default: record history quietly).",
        )

    def handle(self, *args, **options) -> None:
        zone = self._zone(options["time_zone"])
        service = self._slug(Service, options["service"], "service")
        unit = self._slug(BusinessUnit, options["business_unit"], "business unit") if options["business_unit"] else None
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        incidents, rows = self._read(Path(options["file"]))
        config = IntegrationConfig.build(kind=SERVICENOW, source=options["source"])
        translated = [
            incident_events(
                number, found, source=options["source"], service=service, business_unit=unit, tz=zone, config=config
            )
            for number, found in incidents.items()
        ]
        summary = _Summary(incidents=len(incidents), rows=rows)
        progress = tqdm(
            total=len(translated),
            unit="incident",
            desc="Importing",
            file=self.stderr._out,
            disable=options["verbosity"] == 0,
        )
        with progress:
            size = options["batch_size"]
            for start in range(0, len(translated), size):
                batch = translated[start : start + size]
                self._store(batch, options["source"], summary, alerts=options["alerts"])
                progress.update(len(batch))
        for incident in translated:
            summary.add(incident)
        unnamed = rows - sum(len(found) for found in incidents.values())
        if unnamed:
            summary.skipped["no incident number"] += unnamed
        self.stdout.write(summary.text(Path(options["file"]).name, service, options["source"], zone.key))

    def _zone(self, name: str) -> ZoneInfo:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"Unknown time zone {name!r}; use an IANA name such as Europe/London.") from None

    def _slug(self, model, slug: str, what: str) -> str:
        if not model.objects.filter(slug=slug).exists():
            raise CommandError(f"There is no {what} with the slug {slug!r}.")
        return slug

    def _read(self, path: Path) -> tuple[dict[str, list[dict[str, str]]], int]:
        """Rows grouped by incident number, in file order. Any problem with the file as a whole
        is a CommandError before anything is written."""
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                missing = missing_columns(reader.fieldnames)
                if reader.fieldnames is None:
                    raise CommandError(f"{path.name} is empty; expected a CSV export with a header row.")
                if missing:
                    raise CommandError(f"{path.name} lacks the column(s): {', '.join(missing)}.")
                incidents: dict[str, list[dict[str, str]]] = {}
                rows = 0
                for row in reader:
                    rows += 1
                    number = (row.get("number") or "").strip()
                    if number:
                        incidents.setdefault(number, []).append(row)
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}.") from None
        except IsADirectoryError:
            raise CommandError(f"{path} is a directory, not a CSV file.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path.name} is not UTF-8 text; export the CSV as UTF-8.") from None
        except csv.Error as error:
            raise CommandError(f"{path.name} is not a readable CSV file: {error}.") from None
        if not incidents:
            raise CommandError(f"{path.name} has no incident rows.")
        return incidents, rows

    def _store(self, batch: list[IncidentEvents], source: str, summary: _Summary, *, alerts: bool) -> None:
        """One transaction per batch; when the ingestion refuses a batch, its incidents are
        stored one by one so that one bad incident is skipped (and reported), not the batch."""
        events = [event for incident in batch for event in incident.events]
        if not events:
            return
        try:
            self._ingest(events, source, summary, alerts=alerts)
        except ValidationError:
            for incident in batch:
                if not incident.events:
                    continue
                try:
                    self._ingest(incident.events, source, summary, alerts=alerts)
                except ValidationError as error:
                    reason = "refused by the ingestion: " + "; ".join(
                        f"{message}" for messages in error.message_dict.values() for message in messages
                    )
                    incident.skipped[reason[:200]] += 1

    def _ingest(self, events: list[TicketEventInput], source: str, summary: _Summary, *, alerts: bool) -> None:
        numbers = {event.external_id for event in events}
        existing = set(Ticket.objects.filter(source=source, external_id__in=numbers).values_list("pk", flat=True))
        result = ticket_events_ingest(events=events, raise_alerts=alerts)
        touched = set(result.ticket_ids)
        summary.tickets_created += len(touched - existing)
        summary.tickets_updated += len(touched & existing)
        summary.events += result.created
        summary.duplicates += result.duplicates


class _Summary:
    def __init__(self, *, incidents: int, rows: int) -> None:
        self.incidents, self.rows = incidents, rows
        self.tickets_created = self.tickets_updated = self.events = self.duplicates = 0
        self.identical_rows = self.not_imported = 0
        self.skipped: Counter[str] = Counter()
        self.notes: dict[str, list[tuple[str, str]]] = {OUT_OF_ORDER: [], RESOLVED_TIME: [], REOPENS: []}
        self.reopened: dict[str, int] = {}

    def add(self, incident: IncidentEvents) -> None:
        self.skipped.update(incident.skipped)
        self.identical_rows += incident.duplicates
        self.not_imported += not incident.events
        if incident.events and incident.reopens:
            self.reopened[incident.number] = incident.reopens
        for topic, texts in incident.notes.items():
            self.notes[topic].extend((incident.number, text) for text in texts)

    def text(self, name: str, service: str, source: str, zone: str) -> str:
        lines = [
            f"Imported {name} into service {service!r} (source {source!r}).",
            f"Times in the file carry no time zone: read in {zone} (choose another with --time-zone).",
            "",
        ]
        lines += _table(
            [
                ("rows read", self.rows, 0),
                ("incidents", self.incidents, 0),
                ("tickets created", self.tickets_created, 1),
                ("tickets updated", self.tickets_updated, 1),
                ("not imported (no usable row)", self.not_imported, 1),
                ("events stored", self.events, 0),
                ("duplicates", self.duplicates + self.identical_rows, 0),
                ("events already imported", self.duplicates, 1),
                ("identical rows in the file", self.identical_rows, 1),
                ("rows skipped", sum(self.skipped.values()), 0),
                *((reason, count, 1) for reason, count in self.skipped.most_common()),
            ]
        )
        if self.events == 0 and self.duplicates:
            lines.append("Nothing changed: every event was already imported.")
        reopens = sum(self.reopened.values())
        lines += _section(
            f"Reopened as the export shows it ({reopens:,} reopen(s) of {len(self.reopened):,} incident(s))",
            [(number, f"{count} time(s)") for number, count in sorted(self.reopened.items())] + self.notes[REOPENS],
        )
        lines += _section(
            "Rows whose update time disagrees with their sys_mod_count (taken in sys_mod_count order)",
            self.notes[OUT_OF_ORDER],
        )
        lines += _section("Resolved without a usable resolved_at: the time taken", self.notes[RESOLVED_TIME])
        return "\n".join(lines)


def _table(rows: list[tuple[str, int, int]]) -> list[str]:
    """Label and count columns, indented sub-rows, a rule under the header."""
    labels = ["  " * depth + label for label, _, depth in rows]
    width = max(len(label) for label in [*labels, "what"])
    counts = [f"{count:,}" for _, count, _ in rows]
    digits = max(len(count) for count in [*counts, "count"])
    lines = [f"  {'what':<{width}}  {'count':>{digits}}", f"  {'-' * width}  {'-' * digits}"]
    lines += [f"  {label:<{width}}  {count:>{digits}}" for label, count in zip(labels, counts, strict=True)]
    return lines


def _section(title: str, items: list[tuple[str, str]]) -> list[str]:
    if not items:
        return []
    return ["", f"{title}:", *(f"  {number}: {text}" for number, text in items)]
