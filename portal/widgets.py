"""Widgets written in one pass in Python where Django's templates are too slow for their size."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join


class PlainSelect(forms.Select):
    """A <select> whose options are written by Python, not by one template render each.

    Django renders every option through its own included template; for the catalogue's 500
    services that was most of a page's time (~100 ms a request). The markup is the same as
    Django's: the select's attributes (id, required, aria-describedby ...), option groups,
    each option's value, attributes and `selected`, escaped alike."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            rendered = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    ("" if option["value"] is None else str(option["value"]), _attrs(option["attrs"]), option["label"])
                    for option in options
                ),
            )
            groups.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, rendered) if group_name else rendered
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            _attrs(widget["attrs"]),
            format_html_join("", "{}", ((g,) for g in groups)),
        )


def _attrs(attrs: dict) -> str:
    """Attributes as django/forms/widgets/attrs.html writes them: in order, True as a bare name,
    False left out (flatatt would put the bare names last)."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )
