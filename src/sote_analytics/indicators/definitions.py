"""What the indicators are: their definitions, families, views, labels and formats (``data/indicators.yaml``).

The data dictionary is generated from here; :mod:`.formulas` computes each indicator defined here,
:mod:`.engine` computes them all for every area.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources

import pandas as pd

from ..config import load_yaml
from ..taxonomy import sote_sectors

TABLE_COLUMNS = [
    "area_level", "area_code", "area_name", "sector", "indicator", "value", "lower", "upper",
    "n", "unknown", "unit", "year", "source",
]


@cache
def indicator_yaml() -> dict:
    """``data/indicators.yaml`` as read: definitions, families, views and activity measures."""
    text = resources.files("sote_analytics").joinpath("data/indicators.yaml").read_text("utf-8")
    return load_yaml(text)


@cache
def definitions() -> dict[str, dict]:
    """Every indicator id -> definition (family, unit, fi/sv/en names, definition, caveat).

    ``definition`` and ``caveat`` are English; ``definition_fi``/``definition_sv``/``definition_en`` and
    ``caveat_fi``/``caveat_sv``/``caveat_en`` give them in each language (an empty caveat is empty in
    all three). Activity indicators are generated (``<measure>_<stat>``).

    Examples
    --------
    >>> definitions()["associations_per_1000"]["fi"]
    'Yhdistyksiä / 1 000 asukasta'
    >>> definitions()["participants_per_1000"]["en"]
    'Participants per 1,000 inhabitants'
    """
    y = indicator_yaml()
    out = {k: _with_languages(v) for k, v in (dict(y["indicators"]) | dict(y["change_indicators"])).items()}
    for m, md in y["activity_measures"].items():
        for s, sd in y["activity_stats"].items():
            sd = _with_languages(sd)
            out[f"{m}_{s}"] = {
                "family": "activity", "unit": sd.get("unit", md["unit"]),
                **{g: f"{md[g]} {sd[g]}" for g in ("fi", "sv", "en")},
                "definition": f"{md['en']}: {sd['definition']}", "caveat": sd["caveat"],
                **{f"definition_{g}": f"{md[g]}: {sd[f'definition_{g}']}" for g in ("fi", "sv", "en")},
                **{f"caveat_{g}": sd[f"caveat_{g}"] for g in ("fi", "sv", "en")},
            }
    return out


def _with_languages(d: dict) -> dict:
    """``d`` with ``definition_en``/``caveat_en`` (the English ``definition``/``caveat``) and the fi/sv ones
    (falling back to the English where a translation is missing)."""
    out = dict(d)
    out["caveat"] = str(d.get("caveat") or "")
    out["definition_en"], out["caveat_en"] = str(d.get("definition") or ""), out["caveat"]
    for g in ("fi", "sv"):
        out[f"definition_{g}"] = str(d.get(f"definition_{g}") or out["definition_en"])
        out[f"caveat_{g}"] = str(d.get(f"caveat_{g}") or out["caveat_en"])
    return out


def activity_measures() -> list[str]:
    """The yearly activity measures the library knows (participants, events, ...)."""
    return list(indicator_yaml()["activity_measures"])


def activity_measure_label(measure: str, language: str = "fi") -> str:
    """Name of an activity measure in ``language`` (the id itself when the YAML has none).

    Examples
    --------
    >>> activity_measure_label("nonexistent_measure")
    'nonexistent_measure'
    """
    return str(indicator_yaml()["activity_measures"].get(measure, {}).get(language, measure))


def indicator_label(indicator: str, language: str = "fi") -> str:
    """Name of an indicator in ``language``."""
    return str(definitions()[indicator][language])


def data_dictionary() -> pd.DataFrame:
    """The data dictionary, generated from the definitions the code uses.

    Examples
    --------
    >>> dd = data_dictionary()
    >>> {"indicator", "name_fi", "definition", "unit", "caveat", "definition_fi", "caveat_sv"} <= set(dd.columns)
    True

    ``definition`` and ``caveat`` are the English ones (as ``definition_en``/``caveat_en``).
    """
    fams = indicator_yaml()["families"]
    rows = [{
        "indicator": k, "family": v["family"], "family_fi": fams[v["family"]]["fi"],
        "name_fi": v["fi"], "name_sv": v["sv"], "name_en": v["en"], "unit": v["unit"],
        "definition": v["definition"], "caveat": v.get("caveat", ""),
        **{f"definition_{g}": v[f"definition_{g}"] for g in ("fi", "sv", "en")},
        **{f"caveat_{g}": v[f"caveat_{g}"] for g in ("fi", "sv", "en")},
    } for k, v in definitions().items()]
    return pd.DataFrame(rows)


@cache
def target_groups() -> pd.DataFrame:
    """Sector -> target age group (``data/target_groups.csv``: sector, age_group, source).

    Examples
    --------
    >>> target_groups().set_index("sector").loc["elderly", "age_group"]
    '65_plus'
    """
    from ..reference.loader import AGE_GROUPS

    text = resources.files("sote_analytics").joinpath("data/target_groups.csv").read_text("utf-8")
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    bad = df[~df["sector"].isin(sote_sectors()) | ~df["age_group"].isin(list(AGE_GROUPS))
             | (df["source"].str.strip() == "") | df["sector"].duplicated()]
    if len(bad):
        raise RuntimeError(f"data/target_groups.csv: rows with an unknown sector or age group, no source, or a "
                           f"sector twice: {bad[['sector', 'age_group']].values.tolist()}")
    return df


def families() -> dict[str, dict[str, str]]:
    """Indicator family id -> its names in fi/sv/en, in the YAML's order."""
    return dict(indicator_yaml()["families"])


def family_members(family: str) -> list[str]:
    """The ids of every indicator of ``family`` (generated activity indicators included), in YAML order."""
    return [k for k, d in definitions().items() if d["family"] == family]


def listed(name: str) -> list[str]:
    """An ordered list of indicator ids that the YAML names for a view (``key_figures``, ``ranking``)."""
    ids = list(indicator_yaml()["views"][name])
    unknown = [i for i in ids if i not in definitions()]
    if unknown:
        raise RuntimeError(f"indicators.yaml views.{name} names unknown indicators {unknown}")
    return ids


def format_value(indicator: str, value, language: str = "fi") -> str:
    """An indicator's value formatted for people: shares as percentages, other units by their decimals.

    Examples
    --------
    >>> format_value("municipality_coverage", 0.5), format_value("associations_per_1000", 1.234, "en")
    ('50\xa0%', '1.23')
    """
    from ..i18n import fmt_number, fmt_percent

    d = definitions()[indicator]
    decimals = int(d.get("decimals", _UNIT_DECIMALS.get(d["unit"], 0)))
    if d["unit"] == "share":
        return fmt_percent(value, decimals, language)
    return fmt_number(value, decimals, language)


_UNIT_DECIMALS = {"share": 0, "per 1,000 inhabitants": 2, "ratio": 2, "years": 1, "per association": 1}
