"""Report bodies: markdown rendered to HTML, then cut down by nh3 to an allow-list."""

from __future__ import annotations

import re

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

# What a report body may contain once rendered: text structure, emphasis, lists, quotes, code,
# tables and links. No images (they would load from anywhere), no forms, no scripts or styles,
# no attributes but a link's address and title and a table cell's alignment.
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "b", "i", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "h3", "h4", "h5", "h6", "a",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
# javascript:, data: and every other scheme lose their link.
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_HEADING = re.compile(r"<(/?)h([1-6])([ >])")


def _lower_headings(html: str) -> str:
    # The page's title is the h1 and its sections are h2: a body's "# Heading" starts at h3.
    return _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 2, 6)}{m[3]}", html)


def render_markdown(text: str) -> SafeString:
    """The body as safe HTML: whatever markdown or raw HTML it holds, only the allow-list stays."""
    html = markdown.markdown(
        text,
        extensions=["tables", "sane_lists"],
        # Alignment as an attribute: a style attribute would be removed (and the CSP refuses it).
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    clean = nh3.clean(
        _lower_headings(html),
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - nh3 has just removed everything not allowed
