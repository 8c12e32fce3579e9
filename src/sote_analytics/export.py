"""Excel workbooks per area: a sheet per indicator family, Finnish headers, number formats
that Finnish Excel shows right (1 234 · 12,3 %), the data dictionary, sources and licences.

Text cells that a spreadsheet would run as formulas (starting with ``=``, ``+``,
``-``, ``@``) are neutralised with a leading apostrophe.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from . import __version__, config
from .atomic import atomic_path
from .indicators import IndicatorSet, coverage_gaps, data_dictionary, definitions
from .reference import ReferenceData, get_level
from .taxonomy import ALL, sector_label, sote_sectors
from .validation import neutralize_formula

FORMATS = {
    "count": "#,##0", "persons": "#,##0", "events": "#,##0", "hours": "#,##0", "EUR": "#,##0",
    "share": "0.0 %", "per 1,000 inhabitants": "0.00", "ratio": "0.00", "rank": "0",
    "years": "0.0", "per association": "0.0",
}
SOURCES = [
    ("Kuntajako, aluejaot", "Tilastokeskus, luokituspalvelu", "CC BY 4.0"),
    ("Kuntarajat", "Maanmittauslaitos / Tilastokeskus, 1:4,5 milj.", "CC BY 4.0"),
    ("Väestö", "Tilastokeskus (THL Sotkanet / PxWeb 11ra)", "CC BY 4.0"),
    ("Y-tunnukset, toimialat (valinnainen)", "PRH, YTJ avoin data", "CC BY 4.0"),
]


def area_frames(ind: IndicatorSet, ref: ReferenceData, level: str, code: str) -> dict[str, pd.DataFrame]:
    """The workbook's sheets for one area as DataFrames (Finnish headers)."""
    defs = definitions()
    t = ind.table[(ind.table["area_level"] == level) & (ind.table["area_code"] == str(code))]
    if t.empty:
        raise ValueError(f"no indicators for {level} {code}")
    sectors = [ALL, *sote_sectors()]
    fam_names = {"associations": "Yhdistykset", "coverage": "Kattavuus", "staff": "Henkilöstö",
                 "services": "Palvelut", "members": "Jäsenet ja vapaaehtoiset", "age": "Ikä",
                 "activity": "Toiminta"}
    sheets: dict[str, pd.DataFrame] = {}
    for fam, title in fam_names.items():
        inds = [i for i, d in defs.items() if d["family"] == fam and i in set(t["indicator"])]
        if not inds:
            continue
        sub = t[t["indicator"].isin(inds)]
        wide = sub.pivot_table(index="sector", columns="indicator", values="value", aggfunc="first",
                               dropna=False).reindex(index=[s for s in sectors if s in set(sub["sector"])])
        n = sub.pivot_table(index="sector", columns="indicator", values="n", aggfunc="first")
        frame = pd.DataFrame({"Toimiala": [sector_label(s, "fi") for s in wide.index]})
        for i in inds:
            frame[defs[i]["fi"]] = wide[i].to_numpy() if i in wide else float("nan")
        base = next((i for i in inds if i in n), None)
        if base is not None:
            frame["n"] = n[base].reindex(wide.index).to_numpy()
        frame.attrs["units"] = {defs[i]["fi"]: defs[i]["unit"] for i in inds}
        sheets[title] = frame
    gaps = coverage_gaps(ind.municipality_counts, ref, level, str(code))
    gaps = gaps[gaps["sector"] != ALL]
    sheets["Katvealueet"] = pd.DataFrame({
        "Toimiala": [sector_label(s, "fi") for s in gaps["sector"]],
        "Kuntakoodi": gaps["kunta_code"].to_numpy(), "Kunta": gaps["kunta_name_fi"].to_numpy(),
        "Väestö": gaps["population"].to_numpy()})
    sheets["Katvealueet"].attrs["units"] = {"Väestö": "count"}
    dd = data_dictionary()
    sheets["Tietosanasto"] = dd.rename(columns={
        "indicator": "Tunnus", "family_fi": "Ryhmä", "name_fi": "Nimi", "name_sv": "Namn",
        "name_en": "Name", "unit": "Yksikkö", "definition": "Määritelmä (en)", "caveat": "Huomio (en)"})[
        ["Tunnus", "Ryhmä", "Nimi", "Namn", "Name", "Yksikkö", "Määritelmä (en)", "Huomio (en)"]]
    sheets["Lähteet"] = pd.DataFrame(SOURCES, columns=["Aineisto", "Lähde", "Lisenssi"])
    return sheets


def write_workbook(ind: IndicatorSet, ref: ReferenceData, level: str, code: str, out_dir: Path | str,
                   synthetic: bool = False) -> Path:
    """Write ``<level>_<code>.xlsx`` (atomically) and return its path."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    lvl = get_level(level)
    area_name = ref.areas(level).set_index("code").at[str(code), "name_fi"]
    sheets = area_frames(ind, ref, level, code)
    wb = Workbook()
    info = wb.active
    info.title = "Tiedot"
    rows = [("Alue", area_name), ("Aluetaso", lvl.label["fi"]), ("Aluekoodi", str(code)),
            ("Kuntajako", ref.year), ("Väestö", f"31.12.{ref.population_year}"),
            ("Tuotettu", dt.date.today().strftime("%-d.%-m.%Y")), ("Ohjelma", f"sote-analytics {__version__}"),
            ("Lähde", config.REFERENCE_ATTRIBUTION),
            ("Huomio", "Paikalliset luvut eivät sisällä valtakunnallisia ja piirijärjestöjä.")]
    if synthetic:
        rows.insert(0, ("HUOM", "SYNTEETTINEN ESIMERKKIAINEISTO – luvut eivät kuvaa todellisia yhdistyksiä."))
    for r in rows:
        info.append([neutralize_formula(str(v)) if isinstance(v, str) else v for v in r])
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 80
    for title, frame in sheets.items():
        ws = wb.create_sheet(title[:31])
        ws.append([neutralize_formula(str(c)) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        units = frame.attrs.get("units", {})
        for j, col in enumerate(frame.columns, start=1):
            fmt = FORMATS.get(units.get(col, ""))
            if fmt:
                for cell in ws.iter_cols(min_col=j, max_col=j, min_row=2):
                    for c in cell:
                        c.number_format = fmt
            ws.column_dimensions[get_column_letter(j)].width = max(12, min(60, len(str(col)) + 2))
        ws.freeze_panes = "B2"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{level}_{code}.xlsx"
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target


def _cell(v):
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, str):
        return neutralize_formula(v)
    return v
