"""The page's own signals that browser tests wait on, instead of time."""

from playwright.sync_api import Page, expect


def wait_for_htmx(page: Page) -> None:
    """Wait until htmx has wired the current page (accord.js marks <html data-htmx-ready>).

    A link's click returns once the next page starts to render: its headings can be read
    before htmx has bound its triggers, and a change made then is lost (it flaked on a loaded
    two-core machine).
    """
    expect(page.locator("html[data-htmx-ready]")).to_have_count(1)
