"""Pages take htmx and their styles from Accord itself (no CDN) and raise no JavaScript errors.
Every browser test checks the last two (the `page` fixture); this also checks that the check works."""

import pytest
from playwright.sync_api import expect

from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_htmx_and_the_stylesheet_come_from_the_live_server(page, live_server):
    ServiceFactory(name="Payroll")
    loaded = {}
    page.on("response", lambda response: loaded.__setitem__(response.url, response.status))
    page.goto("/")

    assert loaded[f"{live_server.url}/static/portal/accord.css"] == 200
    scripts = [url for url in loaded if url.endswith(".js")]
    assert scripts == [f"{live_server.url}/static/django_htmx/htmx-2.min.js"], scripts
    assert loaded[scripts[0]] == 200
    assert page.evaluate("window.htmx.version").startswith("2.")
    # The stylesheet applies: the header has the brand colour (#12304f).
    expect(page.locator(".site-header")).to_have_css("background-color", "rgb(18, 48, 79)")


def test_the_watch_catches_a_cdn_request_and_a_console_error(context, watch):
    page = context.new_page()  # not the `page` fixture: its own check would fail this test
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    page.goto("/static/portal/accord.css")  # any page of the live server
    page.set_content(
        '<script src="https://cdn.example.com/htmx.min.js"></script>'
        "<script>console.error('boom'); undefinedFunction()</script>"
    )
    problems = watch.problems()
    assert problems["requests to other hosts"] == ["https://cdn.example.com/htmx.min.js"]
    assert any("boom" in message for message in problems["console errors"])
    assert any("undefinedFunction" in message for message in problems["uncaught exceptions"])
    page.close()
