"""HTML fragments shared by the report sections: escaping, headings, tables, figures, the banner.

Every value that came from data goes through :func:`h` (directly or via
pandas' escaping ``to_html``); data embedded for scripts is JSON with ``<``,
``>`` and ``&`` escaped (:func:`json_for_script`).
"""

from __future__ import annotations

import hashlib
import html
import json

import pandas as pd

from ..i18n import t
from ..templating import print_label_style


def h(text: object) -> str:
    """Escape text for HTML (quotes included).

    Examples
    --------
    >>> h('<a href="x">')
    '&lt;a href=&quot;x&quot;&gt;'
    """
    return html.escape(str(text), quote=True)


def section(title_key: str, text_key: str | None, lang: str, **fmt) -> str:
    """A section heading and its plain-language lead paragraph from the text catalogue."""
    out = f"<h2>{h(t(title_key, lang))}</h2>"
    if text_key:
        out += f"<p class='sote-lead'>{h(t(text_key, lang, **fmt))}</p>"
    return out


def table(df: pd.DataFrame, classes: str = "sote-table", caption: str | None = None,
          row_headers: bool = False) -> str:
    """A DataFrame as an escaped HTML table (missing values as an en dash) in a box that scrolls sideways
    on a narrow screen; with ``row_headers`` the first column is ``<th scope="row">``."""
    import re

    body = df.to_html(index=False, escape=True, classes=classes, border=0, na_rep="–")
    body = body.replace('<th>', '<th scope="col">')
    if row_headers:
        body = re.sub(r"<tr>\n(\s*)<td>(.*?)</td>", r'<tr>\n\1<th scope="row">\2</th>', body)
    if caption:
        body = body.replace(">\n  <thead>", f">\n  <caption>{h(caption)}</caption>\n  <thead>", 1)
    # a box that may scroll must be reachable by keyboard, and a region needs a name
    label = caption or ", ".join(str(c) for c in list(df.columns)[:3])
    return f'<div class="sote-table-wrap" tabindex="0" role="region" aria-label="{h(label)}">{body}</div>'


#: Element id given to plotly while a figure's HTML is made (then replaced by a hash of that HTML).
_PLACEHOLDER_ID = "sote-figure-id-placeholder"


def show_figure(fig, alt: str, data: pd.DataFrame | None = None, lang: str = "fi",
                description: str | None = None, controls: str = "") -> str:
    """A plotly figure as an HTML fragment with a text alternative (``description``: the chart's main
    finding; else ``alt``) and, optionally, its data table. The toolbar shows only on hover.
    ``controls`` (trusted HTML, e.g. :func:`~sote_analytics.figures.sector_menu_html`) goes above the chart
    inside the same ``<figure>``."""
    import plotly.io as pio

    if empty_bars(fig):  # a chart of nothing is a sentence, never an empty axis from -1 to 1
        return f"<p class='sote-note sote-no-chart'>{h(t('chart_no_data', lang, what=alt))}</p>"
    # serialised once (plotly's to_json and to_html would each deep-copy and walk the figure: 0.4 s
    # of a country map), with a placeholder id replaced by a deterministic one (plotly would draw a
    # random one): same inputs, same HTML
    div = pio.to_html(fig.to_dict(), validate=False, include_plotlyjs=False, full_html=False,
                      div_id=_PLACEHOLDER_ID,
                      config={"displaylogo": False, "responsive": True, "displayModeBar": "hover"})
    div_id = "fig-" + hashlib.sha256((alt + div).encode("utf-8")).hexdigest()[:16]
    div = div.replace(_PLACEHOLDER_ID, div_id)
    extra = ""
    if data is not None:
        extra = (f"<details class='sote-data' open><summary>{h(alt)}: {h(t('data_table', lang))}</summary>"
                 f"{table(data, row_headers=True)}</details>")
    text = description or alt
    return (f'<figure class="sote-figure" role="group" aria-label="{h(alt)}">{controls}'
            f'<div class="sote-chart" role="group" aria-label="{h(text)}">{div}</div>'
            f"<figcaption>{h(alt)}</figcaption>{extra}</figure>")


def empty_bars(fig) -> bool:
    """True for a bar chart whose every bar is zero or missing (nothing to draw).

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> import numpy as np
    >>> empty_bars(go.Figure(go.Bar(x=[0, None], y=["a", "b"]))), empty_bars(go.Figure(go.Bar(x=[0, 2], y=["a", "b"])))
    (True, False)
    >>> empty_bars(go.Figure(go.Bar(x=["1990"], y=np.array([3], dtype=np.int64))))
    False
    """
    import math
    import numbers

    traces = list(fig.data)
    if not traces or any(tr.type != "bar" for tr in traces):
        return False
    for tr in traces:
        for values in (tr.x, tr.y):  # the numeric axis, whichever the orientation
            for v in values if values is not None else ():
                # numbers.Real: numpy's integers and floats too (plotly keeps arrays as numpy)
                if isinstance(v, numbers.Real) and not isinstance(v, bool) and not math.isnan(v) and v != 0:
                    return False
    return True


def hint(text: str) -> str:
    """An instruction for the interactive page (choose, search, sort): shown on screen, never printed.

    Examples
    --------
    >>> hint("Hae <nimellä>")
    '<p class="sote-hint sote-note">Hae &lt;nimellä&gt;</p>'
    """
    return f'<p class="sote-hint sote-note">{h(text)}</p>'


def banner(synthetic: bool, lang: str) -> str:
    """The synthetic-data banner, or nothing for real data; in print the label heads every page."""
    if not synthetic:
        return ""
    text = t("synthetic_banner", lang)
    return f'<div class="sote-banner" role="note">{h(text)}</div>{print_label_style(text)}'


def json_for_script(obj) -> str:
    """JSON safe inside a ``<script>`` element.

    Examples
    --------
    >>> json_for_script({"n": "</script>"})
    '{"n": "\\\\u003c/script\\\\u003e"}'
    """
    return (json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026"))
