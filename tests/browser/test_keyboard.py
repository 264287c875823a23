"""Keyboard use: the skip link, the main navigation and the catalogue search, by Tab alone."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import ServiceFactory, business_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NAVIGATION = ["Catalogue", "Agreements", "Commitments", "Follow-ups", "Themes", "Perception gaps", "Warnings", "Alerts"]
NAVIGATION += ["API docs"]
SEARCH_NAME = re.compile(r"^Search:?$")  # the label, with or without Django's colon
SNAPSHOT = re.compile(r'^- (?P<role>[a-z]+)(?: "(?P<name>.*)")?')


def tab_until(page, role: str, name: re.Pattern, limit: int = 40) -> list[tuple[str, str]]:
    """Press Tab until the focused element has this role and accessible name; return the role and
    name of each element that got focus on the way (from its ARIA snapshot)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        match = SNAPSHOT.match(focused.aria_snapshot())
        assert match, focused.aria_snapshot()
        seen.append((match["role"], match["name"] or ""))
        # Every stop is visibly focused (the site's :focus-visible ring, from accord.css).
        assert focused.evaluate("el => getComputedStyle(el).outlineStyle") == "solid", seen[-1]
        if match["role"] == role and name.match(match["name"] or ""):
            return seen
    raise AssertionError(f"no {role} named {name.pattern} in {limit} Tabs; focus went to {seen}")


def test_tab_reaches_the_navigation_and_the_search_field_all_with_names(page, sign_in):
    ServiceFactory(name="Payroll", keywords="payslips")
    ServiceFactory(name="Printing")
    sign_in(business_user())
    page.goto("/catalogue/")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    seen = tab_until(page, "searchbox", SEARCH_NAME)

    assert seen[0] == ("link", "Skip to content")
    assert [name for role, name in seen if role == "link" and name in NAVIGATION] == NAVIGATION, seen
    assert all(name.strip() for _, name in seen), f"a stop without a name: {seen}"

    # The search works from the keyboard too: type, and the live results follow.
    page.keyboard.type("payslips")
    expect(page.locator("#result-count")).to_have_text("1 service found")
    expect(page.locator(":focus")).to_have_accessible_name(SEARCH_NAME)


def test_the_skip_link_shows_when_focused_and_moves_focus_to_the_content(page):
    page.goto("/catalogue/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # off screen until focused
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
