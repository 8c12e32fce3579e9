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
from .filenames import workbook_name
from .i18n import LANGUAGES, fmt_date, name_column
from .i18n import t as tr
from .indicators.definitions import data_dictionary, definitions, families, family_members
from .indicators.engine import IndicatorSet, coverage_gaps
from .indicators.lookup import area_rows
from .read.validation import neutralize_formula
from .reference import ReferenceData, get_level
from .taxonomy import ALL, sector_label, sote_sectors

FORMATS = {
    "count": "#,##0", "persons": "#,##0", "events": "#,##0", "hours": "#,##0", "EUR": "#,##0",
    "share": "0.0 %", "per 1,000 inhabitants": "0.00", "ratio": "0.00", "rank": "0",
    "years": "0.0", "per association": "0.0",
}
#: The sources sheet: (dataset, publisher) catalogue keys and the licence.
SOURCES = [("x_src_key", "x_src_key_by", "CC BY 4.0"), ("x_src_bounds", "x_src_bounds_by", "CC BY 4.0"),
           ("x_src_pop", "x_src_pop_by", "CC BY 4.0"), ("x_src_ytj", "x_src_ytj_by", "CC BY 4.0")]


def area_frames(ind: IndicatorSet, ref: ReferenceData, level: str, code: str,
                language: str = "fi") -> dict[str, pd.DataFrame]:
    """The workbook's sheets for one area as DataFrames (headers in ``language``).

    Parameters
    ----------
    ind : IndicatorSet
    ref : ReferenceData
    level, code : str
        The area.
    language : {"fi", "sv", "en"}

    Returns
    -------
    dict of str to DataFrame
        Sheet title -> its table, in the workbook's order: municipalities x sectors (an area of
        several municipalities), one sheet per indicator family, the sectors missing per municipality,
        the data dictionary and the sources. ``attrs["units"]`` gives each column's unit.

    Raises
    ------
    ValueError
        When the table has no indicators of the area.

    Examples
    --------
    >>> sheets = area_frames(ind, ref, "maakunta", "13", "en")
    >>> list(sheets)[0], list(sheets)[-2:]
    ('Municipalities x sectors', ['Data dictionary', 'Sources'])
    """
    defs = definitions()
    lang = language
    t = area_rows(ind.table, level, str(code))  # the table grouped once for every workbook of the run
    if t.empty:
        raise ValueError(f"no indicators for {level} {code}")
    sectors = [ALL, *sote_sectors()]
    sheets: dict[str, pd.DataFrame] = {}
    members = ref.members(level, str(code))
    if len(members) > 1:  # first: associations by municipality x sector, the table leads make by hand
        from .indicators.engine import municipality_sector_table

        names = members.set_index("kunta_code")[name_column(lang, "kunta_name")]
        mxs = labelled_municipality_sectors(municipality_sector_table(ind, ref, level, str(code)), names, lang)
        frame = mxs.reset_index()
        frame.attrs["units"] = {c: "count" for c in mxs.columns}
        sheets[tr("x_sheet_mxs", lang)] = frame
    present = set(t["indicator"])
    for fam, names in families().items():
        title = names[lang]
        inds = [i for i in family_members(fam) if i in present]
        if not inds:
            continue
        sub = t[t["indicator"].isin(inds)]
        wide = sub.pivot_table(index="sector", columns="indicator", values="value", aggfunc="first",
                               dropna=False).reindex(index=[s for s in sectors if s in set(sub["sector"])])
        n = sub.pivot_table(index="sector", columns="indicator", values="n", aggfunc="first")
        frame = pd.DataFrame({tr("sector", lang): [sector_label(s, lang) for s in wide.index]})
        for i in inds:
            frame[defs[i][lang]] = wide[i].to_numpy() if i in wide else float("nan")
        base = next((i for i in inds if i in n), None)
        if base is not None:
            frame["n"] = n[base].reindex(wide.index).to_numpy()
        frame.attrs["units"] = {defs[i][lang]: defs[i]["unit"] for i in inds}
        sheets[title] = frame
    gaps = coverage_gaps(ind.municipality_counts, ref, level, str(code))
    gaps = gaps[gaps["sector"] != ALL]
    gaps_title = tr("x_sheet_gaps", lang)
    sheets[gaps_title] = pd.DataFrame({
        tr("sector", lang): [sector_label(s, lang) for s in gaps["sector"]],
        tr("x_municipality_code", lang): gaps["kunta_code"].to_numpy(),
        tr("municipality", lang): gaps[name_column(lang, "kunta_name")].to_numpy(),
        tr("x_population", lang): gaps["population"].to_numpy()})
    sheets[gaps_title].attrs["units"] = {tr("x_population", lang): "count"}
    dd = data_dictionary()
    dd["family_name"] = dd["family"].map({f: n[lang] for f, n in families().items()})
    cols = {"indicator": tr("x_id", lang), "family_name": tr("x_family", lang), "name_fi": "Nimi",
            "name_sv": "Namn", "name_en": "Name", "unit": tr("x_unit", lang),
            f"definition_{lang}": tr("x_definition", lang), f"caveat_{lang}": tr("x_caveat", lang)}
    sheets[tr("x_sheet_dictionary", lang)] = dd.rename(columns=cols)[list(cols.values())]
    sheets[tr("x_sheet_sources", lang)] = pd.DataFrame(
        [(tr(a, lang), tr(b, lang), lic) for a, b, lic in SOURCES],
        columns=[tr("x_dataset", lang), tr("x_source", lang), tr("x_licence", lang)])
    return sheets


def write_workbook(ind: IndicatorSet, ref: ReferenceData, level: str, code: str, out_dir: Path | str,
                   synthetic: bool = False, language: str = "fi", meta: dict | None = None) -> Path:
    """Write ``<level>_<code>.xlsx`` (``_sv``/``_en`` for other languages; atomically) and return its path.

    ``meta`` (the run's ``run.json``) puts the register's file, its row accounting and what it covers
    on the information sheet (the second: the municipalities x sectors table comes first).

    Parameters
    ----------
    ind : IndicatorSet
        What :func:`sote_analytics.compute_indicators` returns.
    ref : ReferenceData
        For the area's name, its municipalities and the population year.
    level, code : str
        The area (a code; :func:`sote_analytics.write_workbook` also takes names).
    out_dir : path
        The folder to write to (made if missing).
    synthetic : bool
        Put the demo data warning first on the information sheet.
    language : {"fi", "sv", "en"}
        Language of the sheets, headers and labels.
    meta : dict, optional
        The run's ``run.json`` (:meth:`.store.Store.meta`).

    Returns
    -------
    Path
        ``<level>_<code>.xlsx`` (``<level>_<code>_sv.xlsx``, ``..._en.xlsx``) in ``out_dir``.

    Examples
    --------
    >>> from openpyxl import load_workbook
    >>> path = write_workbook(ind, ref, "maakunta", "13", tmp / "xlsx", language="en")
    >>> path.name, load_workbook(path, read_only=True).sheetnames[:2]
    ('maakunta_13_en.xlsx', ['Municipalities x sectors', 'About'])
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    lvl = get_level(level)
    lang = language
    area_name = ref.areas(level).set_index("code").at[str(code), name_column(lang, "name", LANGUAGES)]
    sheets = area_frames(ind, ref, level, code, lang)
    wb = Workbook()
    info = wb.active
    info.title = tr("x_sheet_info", lang)
    rows = [(tr("x_area", lang), area_name), (tr("x_level", lang), lvl.label[lang]),
            (tr("x_area_code", lang), str(code)), (tr("x_key_year", lang), ref.year),
            (tr("x_population", lang), f"31.12.{ref.population_year}"),
            (tr("x_generated", lang), fmt_date(dt.date.today(), lang)),
            (tr("x_program", lang), f"sote-analytics {__version__}"),
            (tr("x_source", lang), config.REFERENCE_ATTRIBUTION), (tr("x_note", lang), tr("x_hq_note", lang))]
    if meta:
        from .indicators.scope import Scope

        acc = meta.get("origin") or meta
        rows.insert(0, (tr("x_register", lang), str(meta.get("source", "–"))))
        rows.insert(1, (tr("x_rows", lang), tr("x_rows_text", lang, rows=acc.get("rows_in", "–"),
                                                accepted=acc.get("accepted", "–"),
                                                quarantined=acc.get("quarantined", "–"))))
        rows.insert(2, (tr("x_scope", lang), Scope.from_dict(meta.get("scope"), ref).label(ref, lang)))
    if synthetic:
        rows.insert(0, (tr("x_warning", lang), tr("x_synthetic", lang)))
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
    mxs = tr("x_sheet_mxs", lang)[:31]
    if mxs in wb.sheetnames:  # the table leads ask for comes first, the information about the file second
        wb.move_sheet(mxs, offset=-wb.sheetnames.index(mxs))
        wb.active = 0
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / workbook_name(level, code, lang)
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target


def _cell(v):
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, str):
        return neutralize_formula(v)
    return v


#: CSV dialects: ``excel`` is what Finnish Excel opens right on a double click (semicolons, decimal
#: commas, UTF-8 with a byte-order mark, CRLF); ``plain`` is the comma-separated UTF-8 of the data files.
CSV_DIALECTS = {
    "excel": dict(sep=";", decimal=",", encoding="utf-8-sig", lineterminator="\r\n"),
    "plain": dict(sep=",", decimal=".", encoding="utf-8", lineterminator="\n"),
}


def write_csv(frame: pd.DataFrame, path: Path | str, excel: bool = True) -> Path:
    """Write ``frame`` as CSV (atomically) and return the path.

    Parameters
    ----------
    frame : DataFrame
    path : path
    excel : bool
        True (default): semicolon-separated, decimal comma, UTF-8 with BOM, CRLF, text cells that a
        spreadsheet would run as formulas neutralised, so Finnish Excel shows the table right on a double
        click. False: comma-separated UTF-8 without BOM, decimal point (for programs).

    Returns
    -------
    Path

    Examples
    --------
    >>> p = write_csv(pd.DataFrame({"alue": ["Jyväskylä", "=1+1"], "arvo": [0.25, 1.5]}), tmp / "a.csv")
    >>> p.read_bytes()[:3] == b"\\xef\\xbb\\xbf", p.read_text("utf-8-sig").splitlines()
    (True, ['alue;arvo', 'Jyväskylä;0,25', "'=1+1;1,5"])
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    from .csvwrite import write_frame

    d = CSV_DIALECTS["excel" if excel else "plain"]
    with atomic_path(target) as tmp:  # pandas' to_csv bytes (csvwrite), formatted once per distinct value
        if excel:  # text cells made safe as they are written, once per distinct value
            from .read.validation import neutralize_texts

            write_frame(frame, tmp, cells=neutralize_texts, slow=_neutralized, **d)
        else:
            write_frame(frame, tmp, **d)
    return target


def _neutralized(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`.validation.safe_frame` of ``frame`` with its own headers (the Excel CSV keeps them): every text
    cell, categoricals' included, that a spreadsheet would run as a formula neutralised."""
    from .read.validation import safe_frame

    return safe_frame(frame).set_axis(frame.columns, axis=1)


def labelled_municipality_sectors(table: pd.DataFrame, names: pd.Series, lang: str) -> pd.DataFrame:
    """Municipality names and sector labels for :func:`.indicators.municipality_sector_table`.

    Parameters
    ----------
    table : DataFrame
        Municipality code x sector counts with the rows ``local``, ``district`` and ``own`` (totals).
    names : Series
        Municipality code -> name (a code without a name stays a code).
    lang : {"fi", "sv", "en"}

    Returns
    -------
    DataFrame
        Rows by municipality name (sorted, case-insensitive), then the three totals; columns by sector label.

    Examples
    --------
    >>> counts = pd.DataFrame({"ALL": [3, 1, 4, 0, 4], "elderly": [2, 1, 3, 0, 3]},
    ...                       index=["249", "179", "local", "district", "own"])
    >>> out = labelled_municipality_sectors(counts, pd.Series({"179": "Jyväskylä", "249": "Keuruu"}), "en")
    >>> out.index[:2].tolist(), out.columns[0]
    (['Jyväskylä', 'Keuruu'], 'Total')
    """
    totals = {"local": tr("mxs_local_total", lang), "district": tr("mxs_district", lang),
              "own": tr("mxs_own_total", lang)}
    body = table.drop(index=list(totals))
    body.index = [str(names.get(c, c)) for c in body.index]
    body = body.sort_index(key=lambda i: i.str.casefold())
    rest = table.loc[list(totals)].rename(index=totals)
    out = pd.concat([body, rest])
    out.columns = [tr("mxs_total", lang) if c == ALL else sector_label(c, lang) for c in out.columns]
    return out.rename_axis(tr("municipality", lang))
