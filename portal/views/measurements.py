"""A service's measurements page: the measures that take data, a form to enter a value, a CSV
upload (all-or-nothing, problems listed by line) with a template to start from, and the points
recorded lately. Everything is written by sla.services.measurements_record."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from catalog.models import Service
from portal.forms import add_validation_error
from portal.views.access import form_action, require_perm, service_or_404
from sla import correction_selectors
from sla import selectors as sla_selectors
from sla.models import MeasurementSource
from sla.services import MeasurementInput, measurements_record
from sla.services.measurements import MAX_BATCH, NOTE_MAX, SENT_SOURCES, LocalPeriod, measured_at_parse, number_text

RECENT = 25
RECENT_CORRECTIONS = 10
PROBLEMS_SHOWN = 50
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
CSV_COLUMNS = ("measure", "value", "measured_at", "sender_id", "note")
REQUIRED_COLUMNS = ("measure", "value", "measured_at")


@dataclass(frozen=True)
class MeasureRow:
    """One measure key that takes data, as the page lists it (definitions of several units'
    agreements may share a key: the range shown is what every one of them accepts)."""

    key: str
    name: str
    unit: str
    period: str
    low: float | None
    high: float | None
    agreements: list

    @property
    def range_text(self) -> str:
        if self.low is None and self.high is None:
            return "any number"
        if self.high is None:
            return f"at least {number_text(self.low)}"
        if self.low is None:
            return f"at most {number_text(self.high)}"
        return f"{number_text(self.low)} to {number_text(self.high)}"


def _measure_rows(service: Service) -> list[MeasureRow]:
    found = sla_selectors.measures_accepting_data(service_ids=[service.pk])
    rows = []
    for (_, key), definitions in found.items():
        accepting = [m for m in definitions if m.source in SENT_SOURCES]
        if not accepting:
            continue  # derived from tickets or feedback: Accord computes it
        lows = [float(m.valid_min) for m in accepting if m.valid_min is not None]
        highs = [float(m.valid_max) for m in accepting if m.valid_max is not None]
        first = accepting[0]
        rows.append(
            MeasureRow(
                key=key,
                name=first.name,
                unit=first.unit,
                period=first.get_period_display(),
                low=max(lows) if lows else None,
                high=min(highs) if highs else None,
                agreements=[m.agreement for m in accepting],
            )
        )
    return sorted(rows, key=lambda row: row.name.lower())


class MeasurementForm(forms.Form):
    measure = forms.ChoiceField(label="Measure")
    value = forms.FloatField(label="Value")
    measured_on = forms.DateField(
        label="Measured on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), help_text=""
    )
    at_time = forms.TimeField(
        label="At (optional)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Leave empty when only the day is known: the point is stored at the start of the day.",
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=NOTE_MAX)

    def __init__(self, *args, measures: list[MeasureRow], time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [("", "Choose a measure")] + [
            (row.key, f"{row.name} ({row.unit})" if row.unit else row.name) for row in measures
        ]
        self.fields["measured_on"].help_text = f"Days and times are in {time_zone}, the service's time zone."
        self.time_zone = time_zone

    def measured_at(self) -> datetime | LocalPeriod:
        day, at = self.cleaned_data["measured_on"], self.cleaned_data.get("at_time")
        if at is None:
            return LocalPeriod.of_day(day)
        return datetime.combine(day, at, tzinfo=ZoneInfo(self.time_zone))


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="Up to 2 MB and 5,000 rows; UTF-8.")


def _sender_id(prefix: str, *parts) -> str:
    """A sender id made from a point's content: entering or uploading it again changes nothing."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()
    return f"{prefix}:{digest[:32]}"


# --- Pages ------------------------------------------------------------------------------


def _page(request, service: Service, *, form=None, upload=None, upload_problems=()):
    require_perm(
        request,
        "sla.view_measurements",
        service,
        message=f"Only the people of “{service.name}” may see its measurements.",
    )
    measures = _measure_rows(service)
    time_zone = sla_selectors.service_time_zone(service)
    can_record = request.user.has_perm("sla.record_measurements", service)
    if can_record and form is None:
        today = timezone.now().astimezone(ZoneInfo(time_zone)).date()
        form = MeasurementForm(initial={"measured_on": today}, measures=measures, time_zone=time_zone)
    names = {row.key: row for row in measures}
    recent = sla_selectors.measurement_list(user=request.user).filter(service=service).order_by("-created_at", "-pk")
    corrections = correction_selectors.correction_list(user=request.user).filter(service=service)
    context = {
        "service": service,
        "measures": measures,
        "time_zone": time_zone,
        "can_record": can_record,
        "form": form,
        "upload": upload or UploadForm(),
        "upload_problems": upload_problems[:PROBLEMS_SHOWN],
        "more_problems": max(len(upload_problems) - PROBLEMS_SHOWN, 0),
        "recent": [(point, names.get(point.measure_key)) for point in recent[:RECENT]],
        "corrections": [(c, names.get(c.measure_key)) for c in corrections[:RECENT_CORRECTIONS]],
        "max_rows": MAX_BATCH,
    }
    return render(request, "portal/measurements/service_measurements.html", context)


@login_required
def service_measurements(request, slug: str):
    """GET: the page. POST: one value entered by hand."""
    service = service_or_404(request.user, slug)
    if request.method != "POST":
        return _page(request, service)
    require_perm(
        request,
        "sla.record_measurements",
        service,
        message=f"Only the owner of “{service.name}” or an admin may record its measurements.",
    )
    measures = _measure_rows(service)
    form = MeasurementForm(request.POST, measures=measures, time_zone=sla_selectors.service_time_zone(service))
    if not form.is_valid():
        return _page(request, service, form=form)
    data = form.cleaned_data
    measured_at = form.measured_at()
    label = measured_at.label if isinstance(measured_at, LocalPeriod) else measured_at.isoformat()
    point = MeasurementInput(
        service=service.slug,
        measure=data["measure"],
        value=data["value"],
        measured_at=measured_at,
        sender_id=_sender_id("manual", data["measure"], repr(data["value"]), label),
        note=data["note"],
    )
    try:
        result = measurements_record(items=[point], actor=request.user, source=MeasurementSource.MANUAL, many=False)
    except ValidationError as error:
        if hasattr(error, "error_dict") and "measured_at" in error.error_dict:
            error.error_dict["measured_on"] = error.error_dict.pop("measured_at")
        add_validation_error(form, error)
        return _page(request, service, form=form)
    name = {row.key: row.name for row in measures}.get(data["measure"], data["measure"])
    what = f"{number_text(data['value'])} for “{name}” on {data['measured_on']:%d %b %Y}"
    if result.created:
        messages.success(request, f"Recorded {what}.")
    else:
        messages.info(request, f"Already recorded: {what}. Nothing changed.")
    return redirect("portal:service_measurements", slug=service.slug)


@login_required
@form_action("portal:service_measurements")
def measurements_upload(request, slug: str):
    """A CSV file of points, recorded all-or-nothing."""
    service = service_or_404(request.user, slug)
    require_perm(
        request,
        "sla.record_measurements",
        service,
        message=f"Only the owner of “{service.name}” or an admin may record its measurements.",
    )
    upload = UploadForm(request.POST, request.FILES)
    if not upload.is_valid():
        return _page(request, service, upload=upload)
    file = upload.cleaned_data["file"]
    if file.size > MAX_UPLOAD_BYTES:
        problems = [f"The file is {file.size / 1024 / 1024:.1f} MB; upload at most 2 MB (5,000 rows) at a time."]
        return _page(request, service, upload=upload, upload_problems=problems)
    zone = ZoneInfo(sla_selectors.service_time_zone(service))
    items, lines, problems = read_measurements_csv(file.read(), service=service.slug, zone=zone)
    if not problems:
        try:
            result = measurements_record(items=items, actor=request.user, source=MeasurementSource.CSV)
        except ValidationError as error:
            problems = _problems_by_line(error, lines)
        else:
            done = f"Uploaded {result.created:,} measurement{'s' if result.created != 1 else ''}"
            if result.duplicates:
                done += f"; {result.duplicates:,} already recorded, unchanged"
            messages.success(request, f"{done} (from {file.name}).")
            return redirect("portal:service_measurements", slug=service.slug)
    return _page(request, service, upload=upload, upload_problems=problems)


@login_required
def measurements_template(request, slug: str):
    """A CSV to fill in: the columns and one example row per measure that takes data."""
    service = service_or_404(request.user, slug)
    require_perm(
        request,
        "sla.view_measurements",
        service,
        message=f"Only the people of “{service.name}” may see its measurements.",
    )
    today = timezone.now().astimezone(ZoneInfo(sla_selectors.service_time_zone(service))).date()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in _measure_rows(service):
        example = row.low if row.low is not None else (row.high if row.high is not None else 0)
        writer.writerow([row.key, number_text(example), today.isoformat(), "", f"Example: {row.name}"])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{service.slug}-measurements.csv"'
    return response


# --- CSV --------------------------------------------------------------------------------


def read_measurements_csv(
    data: bytes, *, service: str, zone: ZoneInfo
) -> tuple[list[MeasurementInput], list[int], list[str]]:
    """Points of one service from a CSV file, with the line each came from, or the problems
    (by line). A time without an offset is taken in `zone`, the service's time zone; a row
    without a sender id is named by its content (and by how many identical rows came before
    it), so uploading the same file again changes nothing."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [], ["The file is not UTF-8 text: save it as “CSV UTF-8” and upload it again."]
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _read_rows(reader, service=service, zone=zone)
    except csv.Error as error:
        return [], [], [f"Line {reader.line_num}: the file cannot be read as CSV ({error})."]


def _read_rows(reader, *, service: str, zone: ZoneInfo) -> tuple[list[MeasurementInput], list[int], list[str]]:
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        expected = ", ".join(CSV_COLUMNS)
        return (
            [],
            [],
            [f"Line 1: the header lacks {', '.join(missing)}; the columns are {expected} (the last two optional)."],
        )
    column = {name: header.index(name) for name in CSV_COLUMNS if name in header}
    items, lines, problems, seen, rows = [], [], [], {}, 0
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        line = reader.line_num
        rows += 1
        if rows > MAX_BATCH:
            return [], [], [f"The file has more than {MAX_BATCH:,} rows: split it and upload each part."]
        cell = {name: (cells[i].strip() if i < len(cells) else "") for name, i in column.items()}
        found = _row_problems(cell)
        if found:
            problems.extend(f"Line {line}, {name}: {message}" for name, message in found)
            continue
        measured_at = measured_at_parse(cell["measured_at"])
        if isinstance(measured_at, datetime) and timezone.is_naive(measured_at):
            measured_at = measured_at.replace(tzinfo=zone)
        value = _number(cell["value"])
        sender_id = cell.get("sender_id", "")
        if not sender_id:
            content = (cell["measure"], repr(value), cell["measured_at"])
            seen[content] = seen.get(content, 0) + 1
            sender_id = _sender_id("csv", *content, seen[content])
        items.append(MeasurementInput(service, cell["measure"], value, measured_at, sender_id, cell.get("note", "")))
        lines.append(line)
    if not items and not problems:
        problems.append("The file has no rows under its header.")
    return items, lines, problems


def _row_problems(cell: dict[str, str]) -> list[tuple[str, str]]:
    found = []
    if not cell["measure"]:
        found.append(("measure", "name the measure by its key."))
    if _number(cell["value"]) is None:
        found.append(("value", f"{cell['value']!r} is not a number."))
    if measured_at_parse(cell["measured_at"]) is None:
        found.append(
            (
                "measured_at",
                f"{cell['measured_at']!r} is not a time (2026-11-02T09:00, with or without an offset), "
                "a day (2026-11-02), a week (2026-W45), a month (2026-11) or a quarter (2026-Q4).",
            )
        )
    return found


def _number(text: str) -> float | None:
    """1234.5, or 1234,5 as many spreadsheets write it."""
    for candidate in (text, text.replace(",", ".") if text.count(",") == 1 and "." not in text else None):
        if candidate:
            try:
                return float(candidate)
            except ValueError:
                pass
    return None


_ROW_KEY = re.compile(r"^rows\[(\d+)\]\.?(.*)$")
_ROW_REF = re.compile(r"rows\[(\d+)\]")


def _problems_by_line(error: ValidationError, lines: list[int]) -> list[str]:
    """The service names rows by index; people read line numbers."""

    def line_of(index: str) -> str:
        return f"line {lines[int(index)]}"

    problems = []
    for key, messages_ in error.message_dict.items():
        match = _ROW_KEY.match(key)
        for message in messages_:
            message = _ROW_REF.sub(lambda m: line_of(m[1]), message)
            if match:
                problems.append(f"Line {lines[int(match[1])]}, {match[2] or 'row'}: {message}")
            else:
                problems.append(message)
    return problems
