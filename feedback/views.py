"""The public survey page: no sign-in, one column, no JavaScript; one answer per invitation.

Thin: the link is checked by feedback.tokens, the answer recorded by
feedback.services.response_record_for_invitation. Every request counts against a per-address
rate limit (django-ratelimit on Django's cache).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from feedback.forms import SurveyForm, prefill
from feedback.models import InvitationKind
from feedback.services import response_record_for_invitation
from feedback.services.surveys import event_survey_intro, quarter_label, survey_questions, survey_settings_get
from feedback.tokens import LinkCheck, LinkProblem, invitation_token_check

DEFAULT_RATE = "30/m"
RETRY_AFTER_SECONDS = 60
PROBLEM_STATUS = {LinkProblem.BAD: 404, LinkProblem.EXPIRED: 410, LinkProblem.USED: 410}


def survey_rate(group: str, request: HttpRequest) -> str:
    return getattr(settings, "FEEDBACK_SURVEY_RATE", "") or DEFAULT_RATE


def _rate_limited(request: HttpRequest) -> HttpResponse:
    response = render(request, "feedback/public/rate_limited.html", status=429)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _link_problem(request: HttpRequest, check: LinkCheck) -> HttpResponse:
    return render(
        request,
        "feedback/public/link_problem.html",
        {"problem": check.problem.value, "invitation": check.invitation},
        status=PROBLEM_STATUS[check.problem],
    )


def _public(view):
    """Rate-limited per address, never cached (the page answers to a private link), and without
    CSRF cookies: the signed link is itself the secret a forged form would need, and mail apps'
    built-in browsers often refuse cookies."""
    limited = ratelimit(group="feedback.survey", key="ip", rate=survey_rate, block=False)(view)

    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = limited(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(never_cache(wrapped))


@require_http_methods(["GET", "POST"])
@_public
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The survey of one invitation: GET shows it (a score from the e-mail already ticked), POST answers it."""
    if getattr(request, "limited", False):
        return _rate_limited(request)
    check = invitation_token_check(token)
    if not check.ok:
        return _link_problem(request, check)
    invitation = check.invitation
    survey_settings = survey_settings_get(service=invitation.service)
    questions = survey_questions(invitation=invitation, settings=survey_settings)
    form_kwargs = {
        "questions": questions,
        "ask_comment": survey_settings.ask_comment,
        "ask_lost_time": invitation.kind == InvitationKind.EVENT,
    }
    status = 200
    if request.method == "POST":
        form = SurveyForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                response_record_for_invitation(invitation=invitation, answers=form.answers())
            except ValidationError as error:
                if not hasattr(error, "error_dict"):  # answered or expired meanwhile
                    return _link_problem(request, invitation_token_check(token))
                form.add_service_problems(error.message_dict)
            else:
                return redirect("feedback:survey_thanks", token=token)
        status = 400
    else:
        form = SurveyForm(initial=prefill(request.GET, questions), **form_kwargs)
    relationship = invitation.kind == InvitationKind.RELATIONSHIP
    context = {
        "invitation": invitation,
        "service": invitation.service,
        "form": form,
        "relationship": relationship,
        "intro": "" if relationship else event_survey_intro(invitation.ticket),
        "quarter": quarter_label(invitation.period_start) if relationship and invitation.period_start else "",
    }
    return render(request, "feedback/public/survey.html", context, status=status)


@require_http_methods(["GET"])
@_public
def survey_thanks(request: HttpRequest, token: str) -> HttpResponse:
    """After an answer. A link not answered yet goes to its survey."""
    if getattr(request, "limited", False):
        return _rate_limited(request)
    check = invitation_token_check(token)
    if check.problem == LinkProblem.USED:
        return render(request, "feedback/public/thanks.html", {"invitation": check.invitation})
    if check.ok:
        return redirect("feedback:survey", token=token)
    return _link_problem(request, check)
