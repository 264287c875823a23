"""Markdown written by service owners: structure kept, anything that could run removed."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.markdown import render_markdown

ALLOWED_TAGS = {"p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
ALLOWED_TAGS |= {"h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"href", "title", "rel", "align"}


class _Elements(HTMLParser):
    """Every start tag in a piece of HTML, with its attributes."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_harmless(html: str) -> None:
    for tag, attrs in _Elements(html).elements:
        assert tag in ALLOWED_TAGS, (tag, html)
        assert set(attrs) <= ALLOWED_ATTRIBUTES, (attrs, html)
        assert _scheme(attrs.get("href") or "") in {"", "http", "https", "mailto"}, (attrs, html)


def _scheme(url: str) -> str:
    """The scheme a browser would see: it drops tabs and newlines anywhere and leading
    control characters and spaces before looking for one."""
    url = re.sub(r"[\t\n\r]", "", url).lstrip("".join(map(chr, range(33))))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", url)
    return match.group(1).lower() if match else ""


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<SCRIPT src='https://evil.example/x.js'></SCRIPT>",
        "<style>body { display: none }</style>",
        '<iframe src="https://evil.example"></iframe>',
        '<object data="x.swf"></object><embed src="x.swf">',
        '<form action="https://evil.example"><input name="password"></form>',
        "<svg><script>alert(1)</script></svg>",
    ],
)
def test_active_content_is_removed_with_its_text(text):
    html = render_markdown(f"Before {text} after")
    assert_harmless(html)
    assert html.startswith("<p>Before") and "after" in html
    for needle in ("alert", "evil", "script", "style", "iframe", "object", "embed", "form", "input", "svg"):
        assert needle not in html.lower()


@pytest.mark.parametrize(
    "text",
    [
        '<a href="https://example.com" onclick="steal()">x</a>',
        '<p onmouseover="steal()">x</p>',
        '<img src="x" onerror="steal()">',
        '<b onload="steal()">x</b>',
        '<strong style="background:url(javascript:steal())">x</strong>',
    ],
)
def test_event_handlers_and_styles_are_removed(text):
    html = render_markdown(text)
    assert_harmless(html)
    assert "steal" not in html and "style" not in html


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:steal())",
        "[click](JaVaScRiPt:steal())",
        '<a href="javascript:steal()">click</a>',
        '<a href="  javascript:steal()">click</a>',
        '<a href="java&#x09;script:steal()">click</a>',
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:steal)",
    ],
)
def test_unsafe_links_lose_their_target(text):
    html = render_markdown(text)
    assert_harmless(html)
    assert "href" not in html
    assert "steal" not in html and "data:" not in html
    assert ">click</a>" in html


def test_safe_links_are_kept_and_marked_as_external():
    html = render_markdown('[Docs](https://example.com/docs "The docs") and <mailto:desk@example.com>')
    assert _Elements(html).elements == [
        ("p", {}),
        ("a", {"href": "https://example.com/docs", "title": "The docs", "rel": "noopener noreferrer nofollow"}),
        ("a", {"href": "mailto:desk@example.com", "rel": "noopener noreferrer nofollow"}),
    ]


def test_tables_are_kept_with_their_alignment():
    html = render_markdown("| Hours | Cover |\n|:------|------:|\n| 9-5 | Full |\n| 24x7 | On call |")
    assert "<table>" in html and "<thead>" in html and "<tbody>" in html
    assert '<th align="left">Hours</th>' in html
    assert '<td align="right">On call</td>' in html
    assert "style" not in html


def test_lists_emphasis_quotes_and_code_are_kept():
    text = "- one\n- **two**\n\n1. first\n2. *second*\n\n> quoted\n\n`inline`\n\n---"
    html = render_markdown(text)
    assert "<ul>\n<li>one</li>\n<li><strong>two</strong></li>\n</ul>" in html
    assert "<ol>\n<li>first</li>\n<li><em>second</em></li>\n</ol>" in html
    assert "<blockquote>" in html and "<code>inline</code>" in html and "<hr>" in html


def test_fenced_code_keeps_its_lines():
    html = render_markdown("Run:\n\n```\nssh host\nsudo restart\n```")
    assert "<pre><code>ssh host\nsudo restart\n</code></pre>" in html


def test_headings_sit_below_the_page_sections():
    # Markdown is shown inside <h2> sections of the service page, so its headings start at <h3>.
    html = render_markdown("# Who can ask\n\ntext\n\n## Cost\n\n### Detail\n\n#### Deeper")
    assert "<h3>Who can ask</h3>" in html
    assert "<h4>Cost</h4>" in html
    assert "<h5>Detail</h5>" in html and "<h6>Deeper</h6>" in html
    assert "id=" not in html


def test_images_are_not_embedded():
    # Images would be fetched from anywhere by every reader's browser.
    html = render_markdown("![logo](https://tracker.example/pixel.gif)")
    assert "<img" not in html and "tracker" not in html


@pytest.mark.parametrize("text", ["", None])
def test_empty_text_renders_nothing(text):
    assert render_markdown(text) == ""


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<script>",
                "</script>",
                "<a href='",
                "javascript:",
                "'>",
                "<img src=x ",
                "onerror=",
                "[x](",
                ")",
                "`",
                "|",
                "\n",
                "&#x09;",
                "<",
                ">",
                '"',
                "steal()",
                "text ",
                "**",
                "<svg onload=",
            ]
        ),
        max_size=30,
    ).map("".join)
)
def test_nothing_executable_survives_any_mix(text):
    assert_harmless(render_markdown(text))
