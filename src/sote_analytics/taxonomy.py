"""The sector taxonomy (``data/sectors.csv``): codes, fi/sv/en labels, colours."""

from __future__ import annotations

from functools import cache
from importlib import resources
from io import StringIO

import pandas as pd

#: Sector code used for "all sote sectors together" in indicator tables.
ALL = "ALL"
NOT_SOTE = "not_sote"
UNCLASSIFIED = "unclassified"


@cache
def sectors() -> pd.DataFrame:
    """The taxonomy, ordered; index is the sector code.

    Examples
    --------
    >>> sectors().loc["elderly", "label_fi"]
    'Ikääntyneet ja eläkeläiset'
    """
    text = resources.files("sote_analytics").joinpath("data/sectors.csv").read_text("utf-8")
    df = pd.read_csv(StringIO(text), dtype={"code": str}, keep_default_na=False)
    df["is_sote"] = df["is_sote"].astype(str).str.lower() == "true"
    return df.sort_values("order").set_index("code")


def sote_sectors() -> list[str]:
    """Codes of the sote sectors, including ``unclassified``, in display order."""
    s = sectors()
    return s.index[s["is_sote"]].tolist()


def sector_label(code: str, language: str = "fi") -> str:
    """Label of a sector (or of :data:`ALL`) in ``language``.

    Examples
    --------
    >>> sector_label("ALL", "en")
    'All sectors'
    """
    if code == ALL:
        from .i18n import t

        return t("all_sectors_menu", language)
    return str(sectors().loc[code, f"label_{language}"])
