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
