"""Markdown written by service owners, rendered to HTML that is safe to show."""

import markdown as md
import nh3

_ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


_EXTENSIONS = ["tables", "sane_lists", "fenced_code", "toc"]
_EXTENSION_CONFIGS = {
    # Alignment as an attribute: a style attribute would be stripped below.
    "tables": {"use_align_attribute": True},
    # The text is shown inside the page's <h2> sections, so `#` is an <h3>; without
    # this a `#` became an <h1>, not allowed, and was left as a bare line of text.
    # No [TOC] marker: its links would point at ids the sanitiser removes.
    "toc": {"baselevel": 3, "marker": ""},
}


def render_markdown(text: str) -> str:
    """Markdown to sanitised HTML: scripts, styles, event handlers and unsafe links go."""
    html = md.markdown(text or "", extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS, output_format="html")
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
