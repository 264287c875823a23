"""List pages built from `.values()` rows instead of model instances and DRF serializers.

A list endpoint spends most of its time making model instances and walking each field of each
serializer for each row (bench/list_api.py measured 0.1-0.4x the requests per second of a bare
`JsonResponse` of the same rows). A view with `ValuesListMixin` keeps its queryset, filters,
scoping and pagination, and shapes each page from one `.values()` query with a row function that
gives exactly what its serializer gives: the serializer stays the schema and serves the detail
views, and tests/api/test_value_rows.py pins each row function's output to its serializer's."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models import Count, QuerySet, Window
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

ID_SLOT = "2147483647"  # matches ID_PATTERN; replaced by each row's id
SLUG_SLOT = "zz-value-rows-slot-zz"  # matches SLUG_PATTERN; replaced by each row's slug


def url_maker(view_name: str, *, request, kwarg: str = "pk", slot: str = ID_SLOT) -> Callable[[Any], str]:
    """What `HyperlinkedIdentityField(view_name)` gives for a row, from one `reverse()` per page
    (reversing is the costly part; the ids and slugs of the patterns need no quoting)."""
    prefix, _, suffix = reverse(view_name, kwargs={kwarg: slot}, request=request).rpartition(slot)
    return lambda value: f"{prefix}{value}{suffix}"


def path_maker(view_name: str, *, kwarg: str = "pk", slot: str = ID_SLOT) -> Callable[[Any], str]:
    """What a model's `get_absolute_url()` (a plain `reverse()`, no host) gives, likewise."""
    prefix, _, suffix = reverse(view_name, kwargs={kwarg: slot}).rpartition(slot)
    return lambda value: f"{prefix}{value}{suffix}"


def converters(serializer: serializers.Serializer, names: Iterable[str]) -> list[tuple[str, Callable]]:
    """(name, the serializer field's `to_representation`) for fields read straight from a column:
    dates, decimals and choices come out exactly as the serializer writes them. Date-times in ISO
    8601 (the API's format) take a shorter way to the same text (`iso_datetime`)."""
    fields = serializer.fields
    return [(name, _fast(fields[name])) for name in names]


def _fast(field: serializers.Field) -> Callable:
    if isinstance(field, serializers.DateTimeField):
        return iso_datetime(field)
    return field.to_representation


_PAGE_ZONE: ContextVar = ContextVar("value_rows_page_zone", default=None)


@contextmanager
def one_time_zone():
    """The current time zone, read once for a page's rows (as a `with` block or a decorator): DRF
    asks for it again for each date-time, and on a page of 50 rows that was a few milliseconds."""
    token = _PAGE_ZONE.set(timezone.get_current_timezone())
    try:
        yield
    finally:
        _PAGE_ZONE.reset(token)


def iso_datetime(field: serializers.DateTimeField) -> Callable:
    """`field.to_representation` for an aware date-time, with the current time zone read once a
    page (`one_time_zone`); anything else (naive, a string, another format, a zone of the field's
    own, an overflow) goes DRF's way. Pinned to DRF by tests/api/test_value_rows.py."""
    slow = field.to_representation
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if output_format is None or output_format.lower() != ISO_8601 or hasattr(field, "timezone"):
        return slow

    def to_iso(value):
        if not value or isinstance(value, str) or value.utcoffset() is None:
            return slow(value)
        zone = _PAGE_ZONE.get() or field.default_timezone()
        if zone is None:
            return slow(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return slow(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return to_iso


def person(username: str | None, first_name: str, last_name: str) -> dict | None:
    """catalog.api.serializers.PersonSerializer of a user's columns; None for no user."""
    if username is None:
        return None
    return {"username": username, "name": f"{first_name} {last_name}".strip() or username}


def person_columns(relation: str) -> list[str]:
    return [f"{relation}__username", f"{relation}__first_name", f"{relation}__last_name"]


def person_of(row: dict, relation: str) -> dict | None:
    return person(row[f"{relation}__username"], row[f"{relation}__first_name"], row[f"{relation}__last_name"])


def ref_of(row: dict, relation: str) -> dict | None:
    """catalog.api.serializers.RefSerializer of a related row's slug and name; None for none."""
    slug = row[f"{relation}__slug"]
    return None if slug is None else {"slug": slug, "name": row[f"{relation}__name"]}


def ref_columns(relation: str) -> list[str]:
    return [f"{relation}__slug", f"{relation}__name"]


def plain(value: Any, to_representation: Callable) -> Any:
    return None if value is None else to_representation(value)


ROWS_TOTAL = "rows_total"  # the column counted_in_rows adds


def counted_in_rows(queryset: QuerySet) -> QuerySet:
    """`.values()` rows with, in each, the number of rows in all pages (a window `COUNT(*) OVER
    ()`, taken before the page's LIMIT): a full first page is counted with its rows, not by a
    query of its own (catalog/api/pagination.py). Not under a DISTINCT, which would be applied
    after the window had counted: such a queryset is returned as it is, and counted as before."""
    if queryset.query.distinct:
        return queryset
    return queryset.annotate(**{ROWS_TOTAL: Window(Count("*"))})


class ValuesListMixin:
    """For a list view (a GenericAPIView with `list`): its page from `value_rows(queryset)`, a
    `.values()` queryset, shaped by `shape_rows(rows)`."""

    # (Not in the docstring: the API schema takes it as the description of the views' lists.)
    # True: a page is counted from the filtered queryset, not from the page's `.values()` one,
    # whose COUNT carries the joins of the related columns it reads (3 ms of CPU to compile on
    # the services' page, for the same number). Only for a `value_rows` that adds columns, never
    # rows or conditions: its joins must be along foreign keys, which drop no row.
    count_filtered = False

    def value_rows(self, queryset: QuerySet) -> QuerySet:
        raise NotImplementedError

    def shape_rows(self, rows: list[dict]) -> list[dict]:
        raise NotImplementedError

    @one_time_zone()
    def list(self, request, *args, **kwargs):
        filtered = self.filter_queryset(self.get_queryset())
        queryset = self.value_rows(filtered)
        page = self.paginate_queryset(CountedBy(queryset, filtered) if self.count_filtered else queryset)
        if page is None:
            return Response(self.shape_rows(list(queryset)))
        return self.get_paginated_response(self.shape_rows(list(page)))


class CountedBy:
    """`rows` (a queryset) for a paginator, counted by `counted`, a queryset of the same rows."""

    def __init__(self, rows: QuerySet, counted: QuerySet):
        self.rows, self.counted = rows, counted

    @property
    def ordered(self) -> bool:  # Django's paginator warns of an unordered list
        return self.rows.ordered

    def count(self) -> int:
        return self.counted.count()

    def __getitem__(self, index):
        return self.rows[index]

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)
