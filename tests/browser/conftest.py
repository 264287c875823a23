"""Real-browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

One browser for the whole session (per xdist worker); each test gets a fresh context (no cookies
shared between tests) whose page records console errors, uncaught exceptions and any request to
a host other than the live server, and fails the test if there were any.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver

CHROMIUM = Path("/usr/bin/chromium")
ALLOW_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
HERE = Path(__file__).resolve().parent
# Upper bounds, not waits: a passing step takes well under a second (htmx waits 300 ms after
# typing), but a loaded two-core CI machine running the rest of the suite alongside can be slow.
ACTION_TIMEOUT_MS = 30_000
EXPECT_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    # Marked `browser` so that `make test` runs them in pytest processes of their own: Playwright
    # leaves its loop in the worker for the rest of the session (see `browser` below), and the
    # thread-racing tests elsewhere in the suite should not share a process with it.
    skip = pytest.mark.skip(
        reason=f"needs Chromium at {CHROMIUM}: `apt-get install chromium` (make test and .ci/run do it as root)"
    )
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    # Import the URLconf and every view now, not in the live server's first request (that takes
    # seconds on a busy machine).
    get_resolver().resolve("/")

    # Playwright's sync API drives an asyncio loop in this thread and leaves it marked as running
    # between calls, for as long as it is started; Django then refuses every ORM call here
    # (SynchronousOnlyOperation) although nothing runs concurrently. Allow them exactly while
    # Playwright is started. Accord has no async code, so no check is lost that could fire.
    previous = os.environ.get(ALLOW_ASYNC_UNSAFE)
    os.environ[ALLOW_ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ[ALLOW_ASYNC_UNSAFE]
        else:
            os.environ[ALLOW_ASYNC_UNSAFE] = previous


class Watch:
    """What went wrong in the page that a person would not see: JS errors and foreign requests."""

    def __init__(self, origin: str):
        self.origin = origin
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.foreign_requests: list[str] = []

    def on_console(self, message):
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def on_route(self, route):
        url = route.request.url
        if _origin(url) == self.origin:
            route.continue_()
        else:  # nothing may leave the machine: no CDN, no fonts, no analytics
            self.foreign_requests.append(url)
            route.abort()

    def problems(self) -> dict[str, list[str]]:
        found = {
            "console errors": self.console_errors,
            "uncaught exceptions": self.page_errors,
            "requests to other hosts": self.foreign_requests,
        }
        return {kind: items for kind, items in found.items() if items}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def watch(live_server):
    return Watch(_origin(live_server.url))


@pytest.fixture
def context(browser, live_server, watch):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.route("**/*", watch.on_route)
    yield context
    context.close()


@pytest.fixture
def page(context, watch):
    page = context.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    yield page
    assert not watch.problems(), watch.problems()


@pytest.fixture
def sign_in(context, live_server):
    """Sign a user in: a session made by Django's test client, its cookie handed to the browser."""

    def sign_in(user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    return sign_in
