"""What every catalogue admin shares."""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history hides the Revert button from people who may not change an object
    but would still accept the POST; refuse it too."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is None or self.revert_disabled(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


def adopt(obj: models.Model, saved: models.Model) -> None:
    """Turn the admin's unsaved object into the row a service function created, so the
    admin's log entry, message and redirect point at it."""
    obj.pk = saved.pk
    obj.refresh_from_db()
    obj._state.adding = False


def report_replaced(formset, before: dict, saved: list, *, address: str, fields) -> None:
    """After an inline formset replaced a version's whole set (of targets, of measures), set
    what the admin's change message and log report: the items added, those changed (with the
    `fields` that changed) and those removed. `before` maps each item's `address` (the field
    that tells items apart: priority, key) to the item as it was."""
    kept = {getattr(item, address) for item in saved}
    formset.new_objects = [item for item in saved if getattr(item, address) not in before]
    formset.changed_objects = [
        (item, _changed_fields(before[getattr(item, address)], item, fields))
        for item in saved
        if getattr(item, address) in before and _changed_fields(before[getattr(item, address)], item, fields)
    ]
    formset.deleted_objects = [item for key, item in before.items() if key not in kept]


def _changed_fields(old: models.Model, new: models.Model, fields) -> list[str]:
    return [name for name in fields if getattr(old, name) != getattr(new, name)]
