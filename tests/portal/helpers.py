"""Helpers shared by the portal tests."""

from catalog import services


def agree(agreement, *, it, business):
    """Move a draft through proposed to agreed with the services, as people would."""
    services.agreement_propose(agreement=agreement, actor=it)
    services.agreement_sign(agreement=agreement, actor=it)
    return services.agreement_sign(agreement=agreement, actor=business)


def page_text(response) -> str:
    """The page of a 200 response, with runs of white space made one space."""
    assert response.status_code == 200, response.status_code
    return " ".join(response.content.decode().split())


def terms(**overrides) -> dict:
    """POST data for an agreement's terms."""
    data = {
        "scope": "Weekdays 8 to 6.",
        "exclusions": "Personal devices.",
        "it_responsibilities": "Keep it running.",
        "business_responsibilities": "Report problems.",
        "effective_from": "2025-04-01",
        "review_by": "2026-04-01",
    }
    data.update(overrides)
    return data


def chart_spec(response, chart_id: str) -> dict:
    """The data of the chart `chart_id` (portal/charts.py) as charts.js reads it: the page's
    json_script element `<chart_id>-data`, after checking its canvas points at it."""
    import json
    import re

    html = response.content.decode()
    assert f'<canvas data-chart="{chart_id}-data" role="img"' in html, f"no canvas for {chart_id}"
    found = re.search(rf'<script id="{re.escape(chart_id)}-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no data for {chart_id}"
    return json.loads(found.group(1))


def chart_table(response, chart_id: str) -> str:
    """The text alternative of the chart `chart_id`: its table, white space made one space."""
    html = " ".join(response.content.decode().split())
    start = html.index(f'<figure class="chart" id="{chart_id}"')
    return html[start : html.index("</figure>", start)]
