"""Every POST form of the portal, as the superuser sees it on the demo organisation, sent
empty, as shown, and with bad values in every field a person (or a tampered page) can fill:
letters in numbers, huge and negative numbers, days that do not exist or are out of range,
NUL characters, NaN and infinity, tampered formset counts, and CSV files that are not UTF-8
or not CSV. Neither the answer nor the page it redirects to (showing what was saved) may be a
server error; a GET of a form's action (its address reloaded) leads to a page. Each post is
rolled back. See tests/demo_site.py for the crawl that finds the forms."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import resolve

from tests.demo_site import ROLES, PostForm, client_as, crawl, seeds
from tests.demo_site import demo_organisation as demo_organisation  # the fixture

pytestmark = pytest.mark.django_db

TYPED = ("text", "number", "date", "time", "textarea", "email", "url", "search", "datetime-local", "select", "hidden")
MANAGEMENT = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")
BAD_VALUES = {
    "letters": "abc",
    "a huge number": "9" * 30,
    "a negative number": "-99999999999",
    "the last day": "9999-12-31",
    "a day that does not exist": "2026-02-30",
    "the first day": "0001-01-01",
    "a NUL character": "a\x00b",
    "not a number": "nan",
    "infinity": "inf",
    "a long text": "x" * 20_000,
}
BAD_COUNTS = {"letters": "abc", "a huge number": "99999", "a negative number": "-1", "one row too many": "7"}
HEADER = b"measure,value,measured_at\n"
BAD_FILES = {
    "Latin-1": HEADER + "caf\xe9,1,2026-01-01\n".encode("latin-1"),
    "binary": bytes(range(256)) * 8,
    "empty": b"",
    "a byte-order mark alone": b"\xef\xbb\xbf",
    "a header alone": HEADER,
    "NUL characters": HEADER + b"\x00,\x00,\x00\n",
    "UTF-16": (HEADER + b"x,1,2026-01-01\n").decode().encode("utf-16"),
    "numbers out of range": HEADER + b"payslips-on-time,1e400,2026-01-01\npayslips-on-time,nan,2026-01-01\n",
    "days out of range": HEADER + b"payslips-on-time,1,2026-02-30\npayslips-on-time,1,0001-01-01T00:00+14:00\n"
    b"payslips-on-time,1,9999-W52\npayslips-on-time,1,2026-Q9\npayslips-on-time,1,0000-01\n",
    "an unterminated quote": HEADER + b'"payslips-on-time,1,2026-01-01\n',
}


@pytest.fixture(autouse=True)
def _quiet_notifications(monkeypatch):
    monkeypatch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)


def _sent(entry: dict) -> bool:
    """What a browser sends: not buttons or files, and boxes only when ticked."""
    if entry["type"] in ("submit", "button", "file"):
        return False
    return entry["type"] not in ("checkbox", "radio") or entry["checked"]


def _posts(form: PostForm) -> Iterator[tuple[str, dict]]:
    """(what is wrong, the data to post) for one form."""
    shown = {entry["name"]: entry["value"] for entry in form.fields if _sent(entry)}
    token = {"csrfmiddlewaretoken": shown.get("csrfmiddlewaretoken", "")}
    yield "nothing", token
    yield "the form as shown", shown
    fillable = [
        entry["name"]
        for entry in form.fields
        if entry["type"] in TYPED and entry["name"] != "csrfmiddlewaretoken" and not entry["name"].endswith(MANAGEMENT)
    ]
    for what, value in BAD_VALUES.items():
        yield what, {**shown, **dict.fromkeys(fillable, value)}
    counts = [name for name in shown if name.endswith(("TOTAL_FORMS", "INITIAL_FORMS"))]
    for what, value in BAD_COUNTS.items():
        if counts:
            yield f"a formset count of {what}", {**shown, **dict.fromkeys(counts, value)}
    files = [entry["name"] for entry in form.fields if entry["type"] == "file"]
    for what, content in BAD_FILES.items():
        if files:
            uploads = {name: SimpleUploadedFile("points.csv", content, content_type="text/csv") for name in files}
            yield f"a file of {what}", {**shown, **uploads}


def test_no_form_answers_bad_input_with_a_server_error(demo_organisation):
    username = ROLES["superuser"]
    client = client_as(username)
    forms: dict[str, tuple[str, PostForm]] = {}  # one form per view: the first one found

    def collect(url, page):
        for form in page.post_forms:
            action = urljoin(url, form.action or url)
            view = resolve(action.split("?")[0]).view_name
            if view != "logout":
                forms.setdefault(view, (action, form))

    crawl(client, "superuser", start=["/", *seeds(username)], on_page=collect)
    assert len(forms) >= 15, sorted(forms)  # every kind of form the portal has, from drafting to uploads
    problems = []
    for view, (action, form) in sorted(forms.items()):
        # The address of a form's action, reloaded or bookmarked: a page, not a blank 405.
        response = client.get(action, follow=True)
        if response.status_code != 200:
            problems.append(f"GET {action} ({view}), a form's action: {response.status_code}")
        for what, data in _posts(form):
            saved = transaction.savepoint()
            try:
                response = client.post(action, data, follow=True)  # and the page showing what was saved
            finally:
                transaction.savepoint_rollback(saved)
            if response.status_code >= 500:
                problems.append(f"POST {action} ({view}) with {what}: {response.status_code}")
    assert not problems, "\n".join(problems)
