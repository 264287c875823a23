"""Pages take htmx and their styles from Accord itself (no CDN) and raise no JavaScript errors.
Every browser test checks the last two (the `page` fixture); this also checks that the check works."""

import pytest
from playwright.sync_api import expect

from tests.factories import ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_htmx_and_the_stylesheet_come_from_the_live_server(page, live_server):
    ServiceFactory(name="Payroll")
    loaded = {}
    page.on("response", lambda response: loaded.__setitem__(response.url, response.status))
    page.goto("/")

    assert loaded[f"{live_server.url}/static/portal/accord.css"] == 200
    scripts = sorted(url for url in loaded if url.endswith(".js"))
    assert scripts == [
        f"{live_server.url}/static/django_htmx/htmx-2.min.js",
        f"{live_server.url}/static/portal/accord.js",
    ], scripts
    assert {loaded[url] for url in scripts} == {200}
    assert page.evaluate("window.htmx.version").startswith("2.")
    # ...and the page says when htmx has wired it (tests/browser/signals.py waits on this).
    expect(page.locator("html")).to_have_attribute("data-htmx-ready", "true")
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


def test_the_content_security_policy_refuses_inline_script_and_style(context, watch, live_server):
    """What an injection would try, refused by the browser; and htmx itself injected no <style>."""
    page = context.new_page()
    page.goto("/")
    page.wait_for_function("window.htmx !== undefined")
    assert page.evaluate("document.querySelectorAll('style').length") == 0  # includeIndicatorStyles off
    violations = page.evaluate(
        """() => new Promise((resolve) => {
            const seen = [];
            document.addEventListener("securitypolicyviolation", (e) => {
                seen.push(e.violatedDirective);
                if (seen.length === 3) resolve(seen.sort());
            });
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            document.body.insertAdjacentHTML("beforeend", '<img src="/none.png" onerror="window.injected = 1">');
            document.body.insertAdjacentHTML("beforeend", '<p style="color: red">styled</p>');
        })"""
    )
    assert violations == ["script-src-attr", "script-src-elem", "style-src-attr"], violations
    assert page.evaluate("window.injected") is None
    page.close()


def test_the_api_docs_and_the_admin_work_under_the_policy(page, sign_in, live_server):
    """Third-party pages: Swagger UI starts from its script file; the admin's scripts run. The
    `page` fixture fails the test on any console error, a CSP violation included."""
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Accord API")
    expect(page.locator(".opblock-tag").first).to_be_visible()

    sign_in(UserFactory(is_staff=True, is_superuser=True))
    page.goto("/admin/catalog/service/add/")
    expect(page.locator("#service_form")).to_be_visible()
    page.wait_for_function("window.django !== undefined && window.django.jQuery !== undefined")


def test_the_service_export_select_all_works_under_the_policy(context, sign_in, live_server):
    """django-import-export's own onchange= is refused by the CSP (its one console error, allowed
    here); catalog/static/catalog/export_select_all.js does the same job from a file."""
    ServiceFactory(name="Payroll")
    sign_in(UserFactory(is_staff=True, is_superuser=True))
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/admin/catalog/service/export/")
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]:not(.select-toggle)')
    expect(fields.first).to_be_checked()
    page.locator("input.select-toggle").uncheck()
    expect(fields.first).not_to_be_checked()
    assert all("inline event handler" in error for error in errors), errors
    page.close()
