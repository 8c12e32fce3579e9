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
    """A plotly figure (or its :func:`figure_dict`) as an HTML fragment with a text alternative
    (``description``: the chart's main finding; else ``alt``) and, optionally, its data table. The toolbar
    shows only on hover. ``controls`` (trusted HTML, e.g. :func:`~sote_analytics.figures.sector_menu_html`)
    goes above the chart inside the same ``<figure>``."""
    import plotly.io as pio

    # a chart of nothing is a sentence, never an empty axis from -1 to 1
    if not isinstance(fig, dict) and empty_bars(fig):
        return f"<p class='sote-note sote-no-chart'>{h(t('chart_no_data', lang, what=alt))}</p>"
    # serialised once (plotly's to_json and to_html would each deep-copy and walk the figure: 0.4 s
    # of a country map), from figure_dict (to_dict's result without its deep copy), with a placeholder
    # id replaced by a deterministic one (plotly would draw a random one): same inputs, same HTML
    spec = fig if isinstance(fig, dict) else figure_dict(fig)
    div = pio.to_html(spec, validate=False, include_plotlyjs=False, full_html=False,
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


def _share_leaves(obj):
    """A copy of the dicts and lists of ``obj`` (lists of plain values shared, values never copied)."""
    if isinstance(obj, dict):
        return {k: _share_leaves(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple) and any(isinstance(v, dict | list | tuple) for v in obj):
        return [_share_leaves(v) for v in obj]
    return obj


def _serialisable(obj):
    """:func:`_share_leaves` of ``obj`` with plotly's base64 conversion (``convert_to_base64``) applied to the
    copy, in one walk: the arrays plotly would convert (a dict's values, except under the keys it skips) become
    typed-array specs; lists of plain values, which plotly walks value by value to no effect, are shared."""
    from _plotly_utils.utils import is_homogeneous_array, is_skipped_key, to_typed_array_spec

    def walk(obj):
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                if isinstance(v, dict | list | tuple):  # never an array plotly converts
                    out[k] = _share_leaves(v) if is_skipped_key(k) else walk(v)
                elif isinstance(v, str | int | float | bool) or v is None:
                    out[k] = v
                elif not is_skipped_key(k) and is_homogeneous_array(v):
                    out[k] = to_typed_array_spec(v)
                else:
                    out[k] = v
            return out
        if isinstance(obj, list | tuple) and any(isinstance(v, dict | list | tuple) for v in obj):
            return [walk(v) for v in obj]
        return obj

    return walk(obj)


def figure_dict(fig) -> dict:
    """What ``fig.to_dict()`` returns, without its deep copy of every coordinate: the figure's dicts and
    nested lists are copied, lists of values (a polygon's coordinates) are shared with the figure, so the
    result is for serialising at once (plotly's base64 conversion, which replaces dict entries, is applied
    to the copy and leaves the figure as it was). Any other object than a plotly figure: its ``to_dict()``.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> import numpy as np
    >>> fig = go.Figure(go.Scatter(x=[1, 2], y=np.array([3.0, 4.0])), layout=dict(height=300))
    >>> figure_dict(fig) == fig.to_dict(), isinstance(fig.data[0].y, np.ndarray)
    (True, True)
    """
    data, layout = getattr(fig, "_data", None), getattr(fig, "_layout", None)
    frames = getattr(fig, "frames", ())
    if not isinstance(data, list) or not isinstance(layout, dict) or frames:
        return fig.to_dict()
    return {"data": _serialisable(data), "layout": _serialisable(layout)}


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
