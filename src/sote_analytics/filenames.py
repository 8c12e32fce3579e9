"""The names of the files a run writes beside its reports: one home for each (``store`` names the processed ones).

A report of area ``15`` of ``hyvinvointialue`` is ``hyvinvointialue_15.html`` in Finnish and
``hyvinvointialue_15_sv.html`` in Swedish; the national overview of a level is
``national_<level>``; the area's workbook has the report's stem in ``excel/``; the folder's index is
``index.html`` (``index_<lang>.html``); and ``manifest.json`` says what the folder holds.

Examples
--------
>>> stem("hyvinvointialue", "15", "fi"), stem("maakunta", NATIONAL, "sv")
('hyvinvointialue_15', 'national_maakunta_sv')
>>> workbook_name("kunta", "091", "en"), index_name("sv")
('kunta_091_en.xlsx', 'index_sv.html')
"""

from __future__ import annotations

#: The area code of a level's national overview.
NATIONAL = "national"
#: The manifest of an output folder (one format, see :mod:`.report.render.manifest`).
MANIFEST = "manifest.json"
#: The folder of the workbooks, inside the reports folder.
EXCEL_DIR = "excel"
#: The language whose files carry no suffix.
DEFAULT_LANGUAGE = "fi"


def _suffix(language: str) -> str:
    return "" if language == DEFAULT_LANGUAGE else f"_{language}"


def stem(level: str, area: str, language: str) -> str:
    """The file stem of a report: ``<level>_<area>[_<lang>]``, or ``national_<level>[_<lang>]``.

    Parameters
    ----------
    level : str
        Area level id (``hyvinvointialue``).
    area : str
        Area code, or :data:`NATIONAL` for the level's national overview.
    language : str
        ``fi``, ``sv`` or ``en``.

    Returns
    -------
    str

    Examples
    --------
    >>> stem("kunta", "091", "en")
    'kunta_091_en'
    """
    base = f"national_{level}" if area == NATIONAL else f"{level}_{area}"
    return base + _suffix(language)


def report_name(level: str, area: str, language: str) -> str:
    """The HTML file of a report.

    Examples
    --------
    >>> report_name("hyvinvointialue", "17", "sv")
    'hyvinvointialue_17_sv.html'
    """
    return stem(level, area, language) + ".html"


def workbook_name(level: str, area: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The Excel workbook of an area (in :data:`EXCEL_DIR`).

    Examples
    --------
    >>> workbook_name("hyvinvointialue", "15")
    'hyvinvointialue_15.xlsx'
    """
    return stem(level, area, language) + ".xlsx"


def index_name(language: str) -> str:
    """The index page of a folder in ``language``.

    Examples
    --------
    >>> index_name("fi"), index_name("en")
    ('index.html', 'index_en.html')
    """
    return f"index{_suffix(language)}.html"
