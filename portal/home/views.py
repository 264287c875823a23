"""The signed-in landing page: a home for each person. Anonymous visitors get the catalogue (when
CATALOGUE_PUBLIC is on; otherwise the sign-in page), which stays one click away at /catalogue/."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from feedback.tokens import invitation_token
from portal.home import presenters
from portal.home.selectors import home_for
from portal.views import catalogue


def home(request):
    if not request.user.is_authenticated:
        return catalogue.home(request)
    now = timezone.now()
    found = home_for(user=request.user, now=now)
    context = {
        "home": found,
        "lights": presenters.light_rows(found.services),
        "drafts": presenters.listed(found.drafts),
        "to_sign": presenters.listed(found.to_sign),
        "to_review": presenters.listed(found.to_review),
        "flagged": presenters.listed(found.flagged),
        "risks": presenters.risk_rows(found.at_risk),
        "watermelon_ids": found.watermelon_ids,
        "surveys": [(invitation, invitation_token(invitation)) for invitation in found.surveys],
        "now": now,
    }
    return render(request, "portal/home/home.html", context)
