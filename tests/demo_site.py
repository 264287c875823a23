"""The demo organisation as a site to walk through: a module-scoped fixture that loads it once
(rolled back afterwards), the people to walk as, and a crawler that follows every link a page
offers, a bounded number of times per URL pattern. Used by tests/test_crawl.py and
tests/test_form_fuzz.py.

Feedback pages (feedback, follow-ups, themes, perception, surveys) are left out: they are
built and tested elsewhere."""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

ROLES = {
    "anonymous": None,
    "business user": "kwame.mensah",
    "representative": "fiona.macleod",
    "service owner": "owen.davies",
    "admin": "priya.shah",
    "superuser": "admin",
}
RICH_SERVICES = ("Payroll", "Online shop")  # the demo's services with the most to show
VISITS_PER_PATTERN = 4  # distinct URLs per (URL pattern, query keys) in one crawl
SKIPPED_PREFIXES = ("/admin/", "/accounts/logout/")
FEEDBACK_WORDS = ("feedback", "follow-up", "follow_up", "followup", "theme", "perception", "survey")
STATIC_PREFIX = "/static/"
REDIRECTS = (301, 302, 303, 307, 308)


@pytest.fixture(scope="module")
def demo_organisation(django_db_setup, django_db_blocker, tmp_path_factory):
    """`manage.py load_demo`, once for the module, rolled back after it."""
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
        override_settings(DEBUG=True, VAR_DIR=tmp_path_factory.mktemp("var"), CELERY_TASK_ALWAYS_EAGER=True),
    ):
        patch.setenv("DEMO_PASSWORD", "demo-password-for-the-crawl")
        patch.setattr("sla.services.alerts._notify_after_commit", lambda ids: None)
        with transaction.atomic():
            out = StringIO()
            call_command("load_demo", stdout=out)
            printed = out.getvalue()
            missing = [username for username in ROLES.values() if username and username not in printed]
            assert not missing, f"load_demo no longer prints these logins: {missing}"
            yield
            transaction.set_rollback(True)


def client_as(username: str | None) -> Client:
    from django.contrib.auth import get_user_model

    client = Client(raise_request_exception=False)
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def seeds(username: str | None) -> list[str]:
    """Besides the home page, the services richest in data (and the person's own ones) first,
    so that the bounded visits per pattern land where there is most to see."""
    from catalog.models import Service

    wanted = Service.objects.filter(name__in=RICH_SERVICES)
    if username:
        wanted = wanted | Service.objects.filter(service_owner__username=username)
    return [service.get_absolute_url() for service in wanted.order_by("name")[:VISITS_PER_PATTERN]]


# --- Reading pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    url: str
    htmx: bool = False
    htmx_target: str = ""  # the element an hx-get swaps (sent as HX-Target)


@dataclass
class PostForm:
    action: str
    fields: list[dict] = field(default_factory=list)  # name, type, value, checked, options


class PageParser(HTMLParser):
    """What a page offers: links (anchors, htmx GETs, stylesheets, scripts, images, each GET
    form submitted with its last option chosen, as a person might) and its POST forms."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self.post_forms: list[PostForm] = []
        self._get_form: dict | None = None
        self._post_form: PostForm | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in attr:
            self.links.append(Link(attr["href"]))
        if "hx-get" in attr:
            self.links.append(Link(attr["hx-get"], htmx=True, htmx_target=attr.get("hx-target", "").lstrip("#")))
        if (tag == "link" and "href" in attr) or (tag in ("script", "img") and attr.get("src")):
            self.links.append(Link(attr.get("href") or attr["src"]))
        if tag == "form":
            if attr.get("method", "get").lower() == "post":
                self._post_form = PostForm(action=attr.get("action", ""))
            else:
                self._get_form = {"action": attr.get("action", ""), "fields": {}}
        elif tag in ("input", "select", "textarea") and attr.get("name"):
            entry = {
                "name": attr["name"],
                "type": attr.get("type", "text") if tag == "input" else tag,
                "value": attr.get("value", ""),
                "checked": "checked" in attr,
                "options": [],
            }
            self._select = entry if tag == "select" else None
            if self._post_form is not None:
                self._post_form.fields.append(entry)
            elif self._get_form is not None and (entry["type"] not in ("checkbox", "radio") or entry["checked"]):
                self._get_form["fields"][entry["name"]] = entry
        elif tag == "option" and self._select is not None:
            self._select["options"].append(attr.get("value", ""))
            self._select["value"] = attr.get("value", "")  # the last option: a real choice, not "any"

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form" and self._post_form is not None:
            self.post_forms.append(self._post_form)
            self._post_form = None
        elif tag == "form" and self._get_form is not None:
            query = urlencode([(name, entry["value"]) for name, entry in self._get_form["fields"].items()])
            self.links.append(Link(f"{self._get_form['action'] or '.'}?{query}"))
            self._get_form = None


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


def is_feedback(path: str, view_name: str, module: str) -> bool:
    text = f"{path} {view_name} {module}".lower()
    return any(word in text for word in FEEDBACK_WORDS)


# --- The crawl ---------------------------------------------------------------------------


@dataclass
class Crawl:
    visits: Counter
    problems: list[str]


def crawl(
    client: Client, who: str, start: list[str], on_page: Callable[[str, PageParser], None] | None = None
) -> Crawl:
    """Follow every same-site link from `start` (GET only), breadth first. A problem is a 5xx,
    or a 4xx for a link a page offered, a link to a missing static file or to no URL pattern."""
    queue: deque[tuple[Link, str]] = deque((Link(url), "(start)") for url in start)
    seen: set[tuple[str, bool, str]] = set()
    per_pattern: Counter = Counter()
    visits: Counter = Counter()
    problems: list[str] = []
    while queue:
        link, referrer = queue.popleft()
        parts = urlsplit(link.url)
        if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != "testserver"):
            continue  # mail, telephone, other sites
        if not parts.path and not parts.query:
            continue  # "#section" of the same page
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.path.startswith(STATIC_PREFIX):
            if finders.find(parts.path.removeprefix(STATIC_PREFIX)) is None:
                problems.append(f"{who}: {referrer} links to a missing static file {parts.path}")
            continue
        if parts.path.startswith(SKIPPED_PREFIXES):
            continue
        if re.search(r"/None(/|$)|\{\{|\{%", url):
            problems.append(f"{who}: {referrer} offers a broken link {url!r}")
            continue
        try:
            match = resolve(parts.path)
        except Resolver404:
            problems.append(f"{who}: {referrer} links to {url}, which no URL pattern serves")
            continue
        if is_feedback(parts.path, match.view_name, match.func.__module__):
            continue
        if (url, link.htmx, link.htmx_target) in seen:
            continue
        seen.add((url, link.htmx, link.htmx_target))
        pattern = (match.view_name, tuple(sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})))
        per_pattern[pattern] += 1
        if per_pattern[pattern] > VISITS_PER_PATTERN:
            continue
        headers = {}
        if link.htmx:
            headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{referrer}"}
            if link.htmx_target:
                headers["HX-Target"] = link.htmx_target
        response = client.get(url, headers=headers)
        visits[match.view_name] += 1
        if response.status_code >= 500:
            problems.append(f"{who}: GET {url} (from {referrer}) answered {response.status_code}")
        elif response.status_code >= 400:
            problems.append(f"{who}: {referrer} offers {url}, which answers {response.status_code}")
        elif response.status_code in REDIRECTS:
            queue.append((Link(response["Location"]), url))
        elif "text/html" in response.get("Content-Type", ""):
            page = parse_page(response.content.decode())
            if on_page is not None:
                on_page(url, page)
            for found in page.links:
                queue.append((Link(urljoin(url, found.url), found.htmx, found.htmx_target), url))
    return Crawl(visits=visits, problems=problems)
