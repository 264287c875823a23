"""Template helpers of the portal."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from catalog.markdown import render_markdown

register = template.Library()

# Which navigation entry each page belongs to (aria-current on the nav).
_SECTIONS = {
    "home": "home",
    "catalogue": "catalogue",
    "category": "catalogue",
    "service": "catalogue",
    "service_create": "catalogue",
    "service_edit": "catalogue",
    "agreement_create": "agreements",
    "agreements": "agreements",
    "agreement": "agreements",
    "agreement_edit": "agreements",
    "agreement_targets": "agreements",
    "agreement_withdraw": "agreements",
    "service_sla": "catalogue",
    "board": "board",
    "ticket": "board",
    "alerts": "alerts",
    "alert": "alerts",
    "commitments": "commitments",
    "commitment": "commitments",
    "commitment_check_in": "commitments",
    "commitment_deliver": "commitments",
    "commitment_renegotiate": "commitments",
    "commitment_withdraw": "commitments",
    "service_commitments": "commitments",
    "commitment_create": "commitments",
    "follow_ups": "follow_ups",
    "follow_up": "follow_ups",
    "follow_up_contacted": "follow_ups",
    "follow_up_close": "follow_ups",
    "service_follow_ups": "follow_ups",
    "themes": "themes",
    "service_themes": "themes",
    "perception_gaps": "perception",
    "service_perception_gap": "perception",
    "self_assessment": "perception",
    "alignment": "alignment",
    "unit_alignment": "alignment",
    "unit_alignment_marks": "alignment",
    "missing_service_request_create": "alignment",
    "missing_service_request": "alignment",
}


@register.filter
def markdown(text: str) -> SafeString:
    """Markdown to HTML; safe because render_markdown sanitises it first."""
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised (nh3 allow-list) by render_markdown


@register.filter
def number(value) -> str:
    """A measured value as people write it: up to four decimals, none that add nothing, and
    thousands grouped (97.5, 1,250, 0.0025), rather than floatformat's fixed 97.5000."""
    if value is None or value == "":
        return "—"
    text = f"{round(float(value), 4):,.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@register.filter
def person(user) -> str:
    """A person's name as people know it: full name, else the user name."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


@register.simple_tag(takes_context=True)
def aria_current(context, section: str, url_name: str = "") -> SafeString:
    """`aria-current` for a nav link: "page" on the page itself, "true" within its section."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None or match.namespace != "portal":
        return mark_safe("")
    current = match.url_name
    user = getattr(context.get("request"), "user", None)
    if current == "home" and not (user and user.is_authenticated):
        current = "catalogue"  # anonymous visitors' home is the catalogue
    if url_name and current == url_name:
        return mark_safe(' aria-current="page"')
    if _SECTIONS.get(current) == section:
        return mark_safe(' aria-current="true"')
    return mark_safe("")
