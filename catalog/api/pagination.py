"""The API's pages: `?page=` from 1 and `?page_size=` from 1 to 500, bounds the schema states;
a value out of them is a 400 naming the parameter, not silently another page size (issue 15).
A page past the last one is DRF's 404."""

import re

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

from catalog.api.value_rows import ROWS_TOTAL

WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")  # ASCII digits: "²".isdigit() is true, int("²") fails
DIGITS = re.compile(r"[0-9]+")


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request) -> int:
        given = request.query_params.get(self.page_size_query_param, "")
        if given == "":
            return self.page_size
        if not WHOLE_NUMBER.fullmatch(given) or not 1 <= int(given) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Give a whole number from 1 to {self.max_page_size}, not {given[:40]!r}."
                    ]
                }
            )
        return int(given)

    def paginate_queryset(self, queryset, request, view=None):
        given = request.query_params.get(self.page_query_param, "")
        if given not in ("", *self.last_page_strings):
            if not DIGITS.fullmatch(given) or int(given[:19]) < 1:
                raise ValidationError({self.page_query_param: [f"Give a page number from 1, not {given[:40]!r}."]})
            if not WHOLE_NUMBER.fullmatch(given):
                raise NotFound("Invalid page.")  # past the last, as DRF says of any page there
        if given in ("", "1"):
            return self._first_page(queryset, request)
        return super().paginate_queryset(queryset, request, view)

    def _first_page(self, queryset, request) -> list:
        """The first page is read before it is counted: when it is not full, its length is the
        count, and the COUNT query is saved (most filtered lists fit in one page); when its rows
        carry the count of all (catalog.api.value_rows.counted_in_rows), that is the count."""
        page_size = self.get_page_size(request)
        rows = list(queryset[:page_size])
        paginator = self.django_paginator_class(queryset, page_size)
        if len(rows) < page_size:
            paginator.count = len(rows)  # a cached_property: set, it is not asked of the database
        elif isinstance(rows[0], dict) and ROWS_TOTAL in rows[0]:
            paginator.count = rows[0][ROWS_TOTAL]
        self.page = paginator.page(1)
        self.page.object_list = rows
        self.request = request
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return rows

    def get_schema_operation_parameters(self, view) -> list[dict]:
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
        }
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {**parameter["schema"], **bounds.get(parameter["name"], {})}
        return parameters
