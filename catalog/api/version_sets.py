"""What the success-measure and urgency-target endpoints share. Both edit a set of items a draft
version holds, one item per address (a measure by its key, a target by its priority): the whole
set at once (PUT a list, all or nothing) or one item at its address (GET, PUT, PATCH, DELETE).
One piece of code for both keeps their status codes, rights and error shapes the same."""

from collections.abc import Callable
from typing import Any

from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from catalog.models import Agreement


def require_change(request, agreement: Agreement, *, refused: str) -> None:
    """403 with `refused` unless the user may change the version (the service's owner, admins)."""
    if not request.user.has_perm("catalog.change_agreement", agreement):
        raise PermissionDenied(refused)


def parse_whole_set(
    data, item_serializer: type[serializers.Serializer], *, noun: str, not_a_list: str, most: int | None = None
) -> list[dict]:
    """Type-check each item of a whole set; problems keyed "<noun>s[<index>].<field>", as
    catalog.services names the ones it finds."""
    if not isinstance(data, list):
        raise ValidationError({"non_field_errors": [not_a_list]})
    if most is not None and len(data) > most:
        raise ValidationError({"non_field_errors": [f"An agreement has at most {most} {noun}s."]})
    parsed, errors = [], {}
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            errors[f"{noun}s[{index}]"] = [f"Each {noun} must be a JSON object."]
            continue
        serializer = item_serializer(data=item)
        if serializer.is_valid():
            parsed.append(dict(serializer.validated_data))
        else:
            errors.update({f"{noun}s[{index}].{field}": messages for field, messages in serializer.errors.items()})
    if errors:
        raise ValidationError(errors)
    return parsed


def item_at_address(
    request,
    agreement: Agreement,
    current: Any,
    *,
    address: tuple[str, Any],
    missing: str,
    mismatch: str,
    refused: str,
    shown: type[serializers.Serializer],
    given: type[serializers.Serializer],
    start_from: Callable[[dict], dict],
    remove: Callable[[], Any],
    save: Callable[[dict], Any],
) -> Response:
    """The response to a request for the item at an address. `current` is the item there, or
    None; `address` the input field the address stands for and its value there.

    GET shows it (`shown`), 404 with `missing` if there is none. Writes need the right to change
    the version (403 with `refused`). DELETE: `remove()`, 204 (404 if there is none). PUT and
    PATCH read the body with `given`, which may leave the address's field out or repeat its
    value (400 with `mismatch` otherwise); a PATCH changes an item there is (404 if none: PUT
    creates), starting from `start_from(the values given)`. Then `save(values)`: 201 when the
    PUT created the item, 200 otherwise."""
    if request.method == "GET":
        if current is None:
            raise NotFound(missing)
        return Response(shown(current).data)
    require_change(request, agreement, refused=refused)
    if request.method == "DELETE":
        if current is None:
            raise NotFound(missing)
        remove()
        return Response(status=status.HTTP_204_NO_CONTENT)
    partial = request.method == "PATCH"
    if partial and current is None:
        raise NotFound(f"{missing} PUT one to create it.")
    serializer = given(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    values = dict(serializer.validated_data)
    field, value = address
    if values.pop(field, value) != value:
        raise ValidationError({field: [mismatch]})
    if partial:
        values = {**start_from(values), **values}
    saved = save(values)
    return Response(shown(saved).data, status=status.HTTP_201_CREATED if current is None else status.HTTP_200_OK)
