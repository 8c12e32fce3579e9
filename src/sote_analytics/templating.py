"""Jinja pages of the package (index, data quality) with one stylesheet shared with the reports.

The templates live in ``templates/pages/``; they extend ``base.html.j2``,
which inlines ``templates/sote/sote.css``, the stylesheet of the report pages,
so every page of a publication looks the same. Every value is escaped
(autoescape) and every visible string comes from the text catalogue.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from .i18n import fmt_percent, t


def css_string(text: str) -> str:
    r"""``text`` as a CSS string literal, safe inside a ``<style>`` element.

    Examples
    --------
    >>> print(css_string('a "b" </style>'))
    "a \22 b\22  \3c /style\3e "
    """
    out = "".join(f"\\{ord(c):x} " if c in '"\\<>&\n\r' else c for c in str(text))
    return f'"{out}"'


def print_label_style(text: str) -> str:
    """A ``<style>`` element that prints ``text`` at the top of every printed page after the first (a CSS
    page-margin box, which Chromium-based browsers print on each page without covering the content); the
    first page carries the page's own banner.

    Examples
    --------
    >>> style = print_label_style("SYNTEETTINEN")
    >>> 'content: "SYNTEETTINEN"' in style, "@page :first" in style
    (True, True)
    """
    return ("<style>@media print { @page { @top-center { content: " + css_string(text)
            + "; font: 700 8.5pt system-ui, sans-serif; color: #000; vertical-align: bottom; "
            "padding-bottom: 2mm; border-bottom: 1.5pt solid #000; } } "
            "@page :first { @top-center { content: none; border: none; } } }</style>")


@cache
def environment():
    """The Jinja environment over ``templates/pages`` and ``templates/sote`` (autoescape on)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    base = resources.files("sote_analytics").joinpath("templates")
    return Environment(
        loader=FileSystemLoader([str(base.joinpath("pages")), str(base.joinpath("sote"))]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
    )


def render_page(template: str, language: str = "fi", **context) -> str:
    """Render ``templates/pages/<template>`` in ``language``.

    Examples
    --------
    >>> page = render_page("index.html.j2", "sv", title="<b>T</b>", sections=[], synthetic=True)
    >>> "&lt;b&gt;T&lt;/b&gt;" in page, 'lang="sv"' in page, "SYNTETISKA" in page
    (True, True, True)
    """
    return environment().get_template(template).render(
        lang=language, t=lambda key, **fmt: t(key, language, **fmt), print_label_style=print_label_style,
        pct=lambda v: fmt_percent(v, 0, language), **context)
