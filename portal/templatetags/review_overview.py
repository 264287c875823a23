"""The rows of a business unit's review overview (portal/reviews/_overview.html), written in
Python: the HTML the template loop wrote, to the byte (tests/portal/test_unit_reviews.py compares
them), each value rendered as a template variable renders it (render_value_in_context: localized,
escaped) and through the same filters. A unit using 172 services has 172 rows of some forty
template nodes each: about a quarter of the page's time in the template engine, a tenth of that
here (docs/reviews.md#speed)."""

from __future__ import annotations

from django import template
from django.template.base import render_value_in_context
from django.template.defaultfilters import floatformat, join, pluralize
from django.utils.safestring import SafeString, mark_safe

register = template.Library()
DISCUSSED = ' class="review__discussed"'


@register.simple_tag(takes_context=True)
def review_overview_rows(context, overview, service_review_url) -> SafeString:
    """A <tr> per ServiceRow of `overview`; `service_review_url`: the service review's URL split
    around the slug (the view reverses it once)."""

    def v(value) -> str:
        return render_value_in_context(value, context)

    before, after = v(service_review_url[0]), v(service_review_url[1])
    parts = []
    for row in overview:
        discussed = row.discussed
        if row.attainment_percent is None:
            attained = '<span class="muted">no tickets</span>'
        else:
            attained = f'{v(row.attainment_percent)}% <span class="muted">({v(row.met)} of {v(row.total)})</span>'
        for p in row.off_track:
            attained += (
                f'<br><span class="badge badge--standing-off-track">P{v(p.priority)} {v(p.percent)}% &lt; '
                f"{v(floatformat(p.objective_percent, '-1'))}%</span>"
            )
        measures = f"{v(row.measures_met)}/{v(row.measures)}" if row.measures else "–"
        commitments = f"{v(row.delivered)} / {v(row.late)}"
        if row.renegotiated:
            commitments += f' <span class="muted">({v(row.renegotiated)} renegotiated)</span>'
        responses = row.feedback.responses
        surveys = (
            f"{_score(v, row.csat.value)} / {_score(v, row.nps.value)} "
            f'<span class="muted">({v(responses)} response{v(pluralize(responses))})</span>'
        )
        if discussed:
            meeting = (
                f'<a href="#service-{v(row.service.pk)}">In full below</a>: '
                f"{v(join(row.reasons, '; ', autoescape=context.autoescape))}"
            )
        else:
            meeting = '<span class="muted">Met everything</span>'
        parts.append(
            f'\n          <tr data-testid="review-overview-row"{DISCUSSED if discussed else ""}>'
            f'\n            <th scope="row"><a href="{before}{v(row.service.slug)}{after}">'
            f"{v(row.service.name)}</a></th>"
            f"\n            <td>{attained}</td>"
            f'\n            <td class="num">{measures}</td>'
            f"\n            <td>{commitments}</td>"
            f"\n            <td>{surveys}</td>"
            f"\n            <td>{'<strong>Yes</strong>' if row.flagged else '–'}</td>"
            f"\n            <td>{meeting}</td>"
            "\n          </tr>\n        "
        )
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped by render_value_in_context)


def _score(v, value) -> str:
    return "–" if value is None else v(floatformat(value, "0"))
