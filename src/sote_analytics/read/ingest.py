"""Read real association registers: PRH extracts, regional association-service exports, Excel lists.

``ingest(path, ref)`` reads CSV (UTF-8 with or without BOM, cp1252/latin-1;
``;``, ``,`` or tab) or Excel (.xlsx, first or named sheet), finds the header row
even below title lines, maps Finnish/Swedish/English column names to the
canonical ones (``data/column_synonyms.yaml``, overridable by a user YAML),
keeps unknown columns as ``extra_*``, validates and resolves every row
(:func:`register.canonicalize`) and writes nothing by itself. Problems with a
whole file raise :class:`IngestError` with a specific message; problems with a
row send it to quarantine with a reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import load_yaml
from ..errors import SoteAnalyticsError
from ..reference import ReferenceData
from ..text import normalize_text
from .personal import is_personal_header, looks_personal, redact_series
from .register import INPUT_COLUMNS, RegisterResult, canonicalize

MAX_HEADER_SEARCH = 30
#: Largest file ingest reads (bytes) and largest single field (characters).
MAX_FILE_BYTES = 2 * 1024**3
MAX_FIELD_CHARS = 10 * 1024**2
REQUIRED = ("name",)
#: A register needs one of these besides the name: a domicile or an area of operation.
LOCATION = ("municipality", "operating_area")


class IngestError(SoteAnalyticsError, ValueError):
    """The file as a whole cannot be read as a register; the message says why."""


@dataclass
class ReadInfo:
    """How a file was read."""

    path: str
    file_type: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int = 1
    blank_rows_skipped: int = 0
    column_mapping: dict[str, str] = field(default_factory=dict)
    unmapped_columns: list[str] = field(default_factory=list)
    personal_data_columns: list[str] = field(default_factory=list)
    #: What the reader decided that the user should know (sheet chosen, merged cells filled, formulas
    #: without values).
    notes: list[str] = field(default_factory=list)
    #: Unmapped headers that look like a canonical column: header -> the column it looks like.
    suggested_columns: dict[str, str] = field(default_factory=dict)
    #: Headers that mapped to a column another header had already taken: filled its gaps.
    coalesced_columns: dict[str, str] = field(default_factory=dict)
    sha256: str = ""
    #: When the file is ingest's own Parquet: the original file and its row accounting.
    origin: dict | None = None


@dataclass
class IngestResult:
    """The canonical register, the quarantine, how the file was read, and a quality report.

    What :func:`ingest` and :func:`sote_analytics.read_register` return.

    Parameters
    ----------
    result : RegisterResult
        The accepted and quarantined rows (:func:`.register.canonicalize`).
    info : ReadInfo
        How the file was read: type, encoding, delimiter, sheet, header row, column mapping.
    corrections : dict, optional
        What a corrections file did.

    Examples
    --------
    >>> res = sa.read_register(REGISTER, ref)
    >>> len(res.register), len(res.quarantine), res.info.file_type, res.sector_given
    (12, 0, 'csv', False)
    """

    result: RegisterResult
    info: ReadInfo
    #: What the corrections file did (:func:`.corrections.apply_corrections`), if one was given.
    corrections: dict | None = None

    @property
    def register(self) -> pd.DataFrame:
        """The accepted rows, one per association (the canonical register).

        Returns
        -------
        DataFrame
            The columns of :mod:`.register` (classified when read with :func:`sote_analytics.read_register`).

        Examples
        --------
        >>> sa.read_register(REGISTER, ref).register["name"].iloc[0]
        'Jyväskylän Seudun Mielenterveysseura ry'
        """
        return self.result.register

    @property
    def quarantine(self) -> pd.DataFrame:
        """The rejected rows as they came (the file's own columns) with ``source_row`` and ``reason``.

        Returns
        -------
        DataFrame

        Examples
        --------
        >>> sa.read_register(REGISTER, ref).quarantine.empty
        True
        """
        return self.result.quarantine

    @property
    def sector_given(self) -> bool:
        """True when the file has a sector column (the classifier then only fills its gaps).

        Returns
        -------
        bool

        Examples
        --------
        >>> sa.read_register(REGISTER, ref).sector_given
        False
        """
        return "sector" in self.info.column_mapping.values()

    def quality(self) -> dict:
        """The data-quality report as a JSON-serialisable dict (see :mod:`.quality`).

        Returns
        -------
        dict
            :func:`.quality.quality_report` of this result.

        Examples
        --------
        >>> sa.read_register(REGISTER, ref).quality()["accepted"]
        12
        """
        from .quality import quality_report

        return quality_report(self)


@cache
def _synonym_file() -> dict:
    text = resources.files("sote_analytics").joinpath("data/column_synonyms.yaml").read_text("utf-8")
    return load_yaml(text)


@cache
def synonyms() -> dict[str, str]:
    """Normalised header -> canonical column, from ``data/column_synonyms.yaml``."""
    out: dict[str, str] = {}
    for canonical, names in _synonym_file()["columns"].items():
        out[normalize_header(canonical)] = canonical
        for name in names:
            out[normalize_header(name)] = canonical
    return out


@cache
def header_hints() -> tuple[tuple[str, str], ...]:
    """(word stem, canonical column) pairs that make an unmapped header look like that column."""
    return tuple((normalize_header(stem), canonical) for canonical, stems in _synonym_file().get("hints", {}).items()
                 for stem in stems)


#: Units a header may carry ("Jäsenmäärä (kpl)", "Henkilöstö, htv"): full-time equivalents make a staff
#: column ``paid_staff_fte``; the others are dropped before matching.
_FTE_UNITS = {"htv", "fte", "henkilötyövuotta", "henkilötyövuosina", "henkilötyövuosia", "årsverken", "årsverke"}
_OTHER_UNITS = {"kpl", "hlö", "hlöä", "lkm", "st", "stycken", "yht", "yhteensä", "totalt", "total", "count", "n",
                "arvio", "noin", "henkilöä", "pcs", "number", "antal", "määrä"}
_LEADING = ("yhdistyksen ", "järjestön ", "föreningens ", "organisaation ", "organisationens ")


def match_header(header: object, table: dict[str, str] | None = None) -> str | None:
    """The canonical column of a header: a synonym, else the synonym under a unit or a leading word.

    Examples
    --------
    >>> match_header("Palkattua henkilöstöä (htv)"), match_header("Jäsenmäärä (kpl)"), match_header("Kotisivu")
    ('paid_staff_fte', 'members', None)
    >>> match_header("Henkilöstö, htv"), match_header("Yhdistyksen jäsenmäärä")
    ('paid_staff_fte', 'members')
    """
    table = synonyms() if table is None else table
    h = normalize_header(header)
    if not h:
        return None
    if h in table:
        return table[h]
    words = h.split(" ")
    fte = False
    while len(words) > 1 and (words[-1] in _FTE_UNITS or words[-1] in _OTHER_UNITS):
        fte = fte or words[-1] in _FTE_UNITS
        words = words[:-1]
    base = " ".join(words)
    for candidate in (base, *[base[len(p):] for p in _LEADING if base.startswith(p)]):
        target = table.get(candidate)
        if target:
            return "paid_staff_fte" if fte and target in ("paid_staff", "paid_staff_fte") else target
    return None


def suggest_column(header: object) -> str | None:
    """The canonical column an unmapped header looks like (by :func:`header_hints`), or None.

    Examples
    --------
    >>> suggest_column("Palkattuja työntekijöitä arviolta"), suggest_column("Kotisivu")
    ('paid_staff', None)
    """
    h = normalize_header(header)
    for stem, canonical in header_hints():
        if stem in h:
            return canonical
    return None


def normalize_header(text: object) -> str:
    """Normalise a column header for matching.

    Examples
    --------
    >>> normalize_header("  Y-tunnus "), normalize_header("Yhdistyksen_nimi"), normalize_header("FO-nummer")
    ('y tunnus', 'yhdistyksen nimi', 'fo nummer')
    """
    s = normalize_text(text, form="NFKC", casefold=True)
    s = re.sub(r"[\-_./,:;()\[\]#*'\"]", " ", s)
    return re.sub(r"\s+", " ", s).strip()


#: Canonical output names a mapping (or ingest's own output) may use for an input column.
OUTPUT_TO_INPUT = {"municipality_code": "municipality", "operating_area_raw": "operating_area",
                   "source_category": "category", "org_type_given": "org_type"}


def load_user_mapping(path: Path | str | None) -> dict[str, str]:
    """A user mapping YAML: ``{"Header in my file": canonical_column}``.

    Targets are the input columns (:data:`.register.INPUT_COLUMNS`) or the register's own column
    names (``municipality_code`` means the domicile); a target of ``null`` leaves a header unmapped.
    Any problem with the file is an :class:`IngestError` naming it.
    """
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"mapping file {path}: no such file")
    try:
        data = load_yaml(path.read_text("utf-8"))
    except UnicodeDecodeError:
        raise IngestError(f"mapping file {path}: not UTF-8 text; save it as UTF-8") from None
    except Exception as exc:  # yaml.YAMLError and its kin: a file that is not YAML
        raise IngestError(f"mapping file {path}: not valid YAML ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0][:120]})") from None
    data = data or {}
    if not isinstance(data, dict):
        raise IngestError(f"mapping file {path} must be a YAML mapping of header: column, e.g. "
                          "'Palkattua henkilöstöä (htv)': paid_staff_fte")
    valid = set(INPUT_COLUMNS) | set(OUTPUT_TO_INPUT)
    bad = {str(k): v for k, v in data.items() if v is not None and (not isinstance(v, str) or v not in valid)}
    if bad:
        raise IngestError(f"mapping file {path}: unknown target columns {bad}; valid: {', '.join(sorted(valid))}")
    return {normalize_header(k): OUTPUT_TO_INPUT.get(v, v) for k, v in data.items() if v is not None}


def map_columns(headers: list[str], user: dict[str, str] | None = None,
                seconds: dict[int, str] | None = None) -> tuple[dict[int, str], list[str]]:
    """Map header positions to canonical columns; return (mapping, unmapped header names).

    A header that maps to a column another header took already (a ``kotikunta`` beside a
    ``kotipaikka``) goes into ``seconds`` (position -> column) when given: it fills the gaps of
    the first; without ``seconds`` it is unmapped.
    """
    table = synonyms() | (user or {})
    mapping: dict[int, str] = {}
    unmapped: list[str] = []
    used: set[str] = set()
    for i, h in enumerate(headers):
        n = normalize_header(h)
        target = (user or {}).get(n) or match_header(h, table)
        if target and target not in used:
            mapping[i] = target
            used.add(target)
        elif target and seconds is not None:
            seconds[i] = target
        elif n:
            unmapped.append(str(h).strip())
    return mapping, unmapped


# ---------------------------------------------------------------------------- reading
def _decode(data: bytes) -> tuple[str, str]:
    """Text and encoding of a CSV file.

    UTF-8 (with or without a BOM) and UTF-16 are read as such. A UTF-8 file with a few lines in
    another encoding (one line pasted from a cp1252 file) is repaired line by line, and the encoding
    says how many lines (``utf-8 (1 line repaired from cp1252)``); otherwise the whole file's
    encoding is detected.

    Examples
    --------
    >>> _decode("Nimi;Kotipaikka\\nÄänekosken ry;Äänekoski\\n".encode() + "Vöyrin rf;Vörå\\n".encode("cp1252"))
    ('Nimi;Kotipaikka\\nÄänekosken ry;Äänekoski\\nVöyrin rf;Vörå\\n', 'utf-8 (1 line repaired from cp1252)')
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], True
    else:
        bom = False
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        pass
    repaired = _repair_lines(data)
    if repaired is not None:
        return repaired[0], f"utf-8 ({repaired[1]} line{'s' if repaired[1] != 1 else ''} repaired from cp1252)"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000], cp_isolation=["cp1252", "latin_1", "iso8859_15"]).best()
    enc = best.encoding if best else "cp1252"
    try:
        return data.decode(enc), enc
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _repair_lines(data: bytes) -> tuple[str, int] | None:
    """A mostly-UTF-8 file with some cp1252 lines: (text, lines repaired), or None when it is not one.

    It is one when at least as many of its non-ASCII lines are valid UTF-8 as are not: a cp1252 file
    of Finnish text has no valid multi-byte UTF-8 sequences at all.
    """
    lines = data.split(b"\n")
    good = bad = 0
    out = []
    for ln in lines:
        try:
            out.append(ln.decode("utf-8"))
            good += not ln.isascii()
        except UnicodeDecodeError:
            out.append(ln.decode("cp1252", errors="replace"))
            bad += 1
    if good == 0 or bad > good:
        return None
    return "\n".join(out), bad


def _is_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    return ctrl > len(head) * 0.05


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number of fields most often.

    :class:`csv.Sniffer` alone is fooled by a delimiter that appears once in a few lines (a comma in a
    quoted header such as ``=HYPERLINK("a","b")`` beside ``;`` between every field), so its guess is
    kept only when no other delimiter splits the lines more consistently.

    Examples
    --------
    >>> _sniff_delimiter('Nimi;Kotipaikka;X\\n"a,b";Kuopio;1\\nC ry;Vaasa;2\\nD ry;Oulu;3\\n')
    ';'
    >>> _sniff_delimiter("name,municipality\\nA ry,Kuopio\\n")
    ','
    """
    lines = [ln for ln in text.splitlines()[:MAX_HEADER_SEARCH + 20] if ln.strip()]
    sample = "\n".join(lines)
    try:
        guess = csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        counts = {d: sum(ln.count(d) for ln in lines) for d in (";", "\t", ",", "|")}
        guess = max(counts, key=counts.get) if any(counts.values()) else ","
    scores = {d: _split_consistency(sample, d) for d in (";", "\t", ",", "|")}
    best = max(scores, key=lambda d: scores[d])
    return guess if scores[guess][0] >= scores[best][0] else best


def _split_consistency(sample: str, delimiter: str) -> tuple[float, int]:
    """(share of the lines with the most common field count, that count); (0, 0) when it splits nothing."""
    from collections import Counter

    try:
        widths = [len(r) for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if r]
    except csv.Error:
        return (0.0, 0)
    if not widths:
        return (0.0, 0)
    width, n = Counter(widths).most_common(1)[0]
    return (n / len(widths), width) if width > 1 else (0.0, 0)


def _read_text_rows(data: bytes) -> tuple[list[list[str]], str, str]:
    text, enc = _decode(data)
    delim = _sniff_delimiter(text)
    csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    except csv.Error as exc:
        raise IngestError(f"CSV cannot be parsed ({exc}); a field longer than {MAX_FIELD_CHARS:,} characters "
                          "or an unclosed quote?") from None
    return rows, enc, delim


def _excel_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


#: Limits of a workbook, checked in the zip directory before anything is unpacked (a 300 KB .xlsx can hold
#: gigabytes of XML): the whole, one sheet or the shared strings, and the compression ratio of a big one.
MAX_XLSX_UNCOMPRESSED = 1024**3
MAX_XLSX_PART = 512 * 1024**2
MAX_XLSX_RATIO = 200
#: Rows of a sheet read at most (a register of every Finnish association has under 200,000).
MAX_ROWS = 2_000_000
#: Sheet XML scanned for merged cells and uncached formulas only up to this size.
_SCAN_XML_BYTES = 64 * 1024**2


def _check_xlsx_limits(path: Path) -> None:
    """Refuse a workbook whose unpacked size, one part or compression ratio is beyond the limits."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    big = max(infos, key=lambda i: i.file_size, default=None)
    if total > MAX_XLSX_UNCOMPRESSED or (big is not None and big.file_size > MAX_XLSX_PART):
        raise IngestError(f"{path.name}: the workbook unpacks to {total / 1024**2:,.0f} MB (limit "
                          f"{MAX_XLSX_UNCOMPRESSED // 1024**2:,} MB, {MAX_XLSX_PART // 1024**2:,} MB per sheet); "
                          "save the register as CSV or split it")
    if total > 50 * 1024**2 and total / packed > MAX_XLSX_RATIO:
        raise IngestError(f"{path.name}: the workbook is compressed {total / packed:,.0f} to 1 (limit "
                          f"{MAX_XLSX_RATIO}); it looks like a zip bomb, not a register: save it as CSV")


def _sheet_xml(path: Path, ws) -> str | None:
    """The XML of a read-only worksheet when it is small enough to scan, else None."""
    import zipfile

    part = getattr(ws, "_worksheet_path", None)
    if not part:
        return None
    with zipfile.ZipFile(path) as z:
        try:
            info = z.getinfo(part)
        except KeyError:
            return None
        if info.file_size > _SCAN_XML_BYTES:
            return None
        return z.read(part).decode("utf-8", errors="replace")


def _cell_index(ref: str) -> tuple[int, int]:
    """(row, column), 0-based, of an A1 reference."""
    import re as _re

    m = _re.fullmatch(r"([A-Z]+)(\d+)", ref)
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _fill_merged(rows: list[list[str]], xml: str) -> int:
    """Fill every merged range with its top-left value (a municipality merged down a block of rows);
    the number of cells filled."""
    import re as _re

    filled = 0
    for ref in _re.findall(r'<mergeCell ref="([A-Z]+\d+):([A-Z]+\d+)"', xml):
        (r0, c0), (r1, c1) = _cell_index(ref[0]), _cell_index(ref[1])
        if r0 >= len(rows):
            continue
        value = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0) and not row[c]:
                    row[c] = value
                    filled += 1
    return filled


def _uncached_formulas(xml: str) -> int:
    """Formula cells saved without a computed value (a workbook written by a program, never opened)."""
    import re as _re

    return len(_re.findall(r"<c\b[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>|</c>)", xml))


def _read_sheet(ws, path: Path, limit: int | None = None) -> list[list[str]]:
    rows: list[list[str]] = []
    for n, r in enumerate(ws.iter_rows(values_only=True)):
        if limit is not None and n >= limit:
            break
        if n >= MAX_ROWS:
            raise IngestError(f"{path.name}: sheet {ws.title!r} has more than {MAX_ROWS:,} rows; split it or save "
                              "it as CSV")
        row = [_excel_value(v) for v in r]
        if any(len(v) > MAX_FIELD_CHARS for v in row):
            raise IngestError(f"{path.name}: sheet {ws.title!r} row {n + 1} has a cell longer than "
                              f"{MAX_FIELD_CHARS:,} characters; that is not a register")
        rows.append(row)
    return rows


def _register_shaped(rows: list[list[str]]) -> bool:
    try:
        find_header(rows, {}, REQUIRED, LOCATION)
    except IngestError:
        return False
    return True


def _read_excel_rows(path: Path, sheet: str | None,
                     notes: list[str] | None = None) -> tuple[list[list[str]], str]:
    """Rows of one sheet of a workbook, streamed, within the limits; merged cells filled.

    Without ``sheet``: hidden sheets are not read; of several visible sheets the one with a
    register's header (name and municipality) is read, and ``notes`` says so; when several have one,
    the user is asked to choose with ``--sheet``. Merged cells filled and formulas saved without
    values are counted in ``notes``.
    """
    from openpyxl import load_workbook

    _check_xlsx_limits(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise IngestError(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
    notes = notes if notes is not None else []
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise IngestError(f"{path.name}: no sheet {sheet!r}; sheets: {', '.join(wb.sheetnames)}")
        if sheet is not None:
            ws = wb[sheet]
        else:
            visible = [w for w in wb.worksheets if getattr(w, "sheet_state", "visible") == "visible"]
            hidden = [w.title for w in wb.worksheets if w not in visible]
            if not visible:
                raise IngestError(f"{path.name}: every sheet is hidden ({', '.join(hidden)}); name one with --sheet")
            ws = visible[0]
            if len(visible) > 1:
                shaped = [w for w in visible if _register_shaped(_read_sheet(w, path, MAX_HEADER_SEARCH + 1))]
                if len(shaped) > 1:
                    raise IngestError(f"{path.name}: sheets {', '.join(repr(w.title) for w in shaped)} all look "
                                      "like a register; choose one with --sheet NAME")
                if shaped:
                    ws = shaped[0]
                    notes.append(f"sheet {ws.title!r} read: the only one of {len(visible)} visible sheets with a "
                                 "register's header")
            if hidden:
                notes.append(f"hidden sheet(s) not read: {', '.join(hidden)}")
        rows = _read_sheet(ws, path)
        xml = _sheet_xml(path, ws)
        if xml is not None:
            filled = _fill_merged(rows, xml)
            if filled:
                notes.append(f"{filled} merged cells filled with the value above or to the left")
            uncached = _uncached_formulas(xml)
            if uncached:
                notes.append(f"{uncached} formula cells have no saved value (read as empty): open the workbook in "
                             "a spreadsheet, save it and read it again")
        return rows, ws.title
    finally:
        wb.close()


def read_rows(path: Path | str, sheet: str | None = None) -> tuple[list[list[str]], ReadInfo]:
    """Read a CSV or Excel file into rows of text; detect encoding and delimiter."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise IngestError(f"{path.name}: {size / 1024**2:,.0f} MB is larger than the {MAX_FILE_BYTES // 1024**2:,} MB "
                          "limit; split the file")
    data = path.read_bytes()
    info = ReadInfo(path=str(path), file_type="", sha256=hashlib.sha256(data).hexdigest())
    if not data.strip():
        raise IngestError(f"{path.name}: the file is empty")
    if data[:4] == b"PAR1":  # Parquet, e.g. the canonical register that `ingest` writes
        rows, info.origin = _read_parquet_rows(path)
        info.file_type = "parquet"
    elif data[:4] == b"PK\x03\x04":
        rows, info.sheet = _read_excel_rows(path, sheet, info.notes)
        info.file_type = "xlsx"
    elif path.suffix.lower() in (".xls",) or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise IngestError(f"{path.name}: old Excel .xls is not supported; save it as .xlsx or CSV")
    elif _is_binary(data):
        raise IngestError(f"{path.name}: binary content, not a CSV or .xlsx file")
    else:
        rows, info.encoding, info.delimiter = _read_text_rows(data)
        info.file_type = "csv"
    return rows, info


def _unique(names: list[str]) -> list[str]:
    """Column names made unique: a repeated header gets ``_2``, ``_3`` (both columns are kept).

    Examples
    --------
    >>> _unique(["nimi", "x", "nimi", "nimi"])
    ['nimi', 'x', 'nimi_2', 'nimi_3']
    """
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


#: Key of the Parquet metadata in which ingest records the original file and its row accounting.
ORIGIN_KEY = b"sote_analytics.origin"


def _read_parquet_rows(path: Path) -> tuple[list[list[str]], dict | None]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise IngestError(f"{path.name}: not a readable Parquet file ({type(exc).__name__})") from None
    meta = table.schema.metadata or {}
    origin = None
    if ORIGIN_KEY in meta:
        try:
            origin = json.loads(meta[ORIGIN_KEY].decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            origin = None
    df = table.to_pandas()
    body = df.astype("string").fillna("").to_numpy().tolist()
    return [[str(c) for c in df.columns], *body], origin


def _check_quotes(rows: list[list[str]], delimiter: str, path: Path) -> None:
    """A quote opened and never closed swallows the following lines into one field: say so, with the row.

    Two or more swallowed lines with a delimiter are always a swallowing; one is when that line holds
    as many delimiters as a row of the file (a whole row, not a line break inside a long text).

    Examples
    --------
    >>> rows = [["Nimi", "Kotipaikka", "Tarkoitus"], ["A ry", "Keuruu", "Tukea\\nB ry;Keuruu;Apua"], ["C", "D", "E"]]
    >>> try:
    ...     _check_quotes(rows, ";", Path("r.csv"))
    ... except IngestError as exc:
    ...     print(str(exc)[:71])
    r.csv: row 2 opens a quote (") that is never closed, so the next 1 line
    >>> _check_quotes([["a", "b"], ["x", "two\\nlines"]], ";", Path("r.csv"))  # a line break in a text
    """
    from collections import Counter

    widths = Counter(len(r) for r in rows if len(r) > 1)
    width = widths.most_common(1)[0][0] if widths else 2
    for i, row in enumerate(rows):
        for field_ in row:
            if "\n" not in field_:
                continue
            rest = field_.split("\n")[1:]
            n = len(rest)
            swallowed = (n >= 2 and any(delimiter in ln for ln in rest)) or any(
                ln.count(delimiter) + 1 >= max(2, width - 1) for ln in rest)
            if swallowed:
                raise IngestError(
                    f"{path.name}: row {i + 1} opens a quote (\") that is never closed, so the next {n} "
                    f"line{'s were' if n != 1 else ' was'} read as one field; close the quote or remove it, then "
                    "read the file again")


def find_header(rows: list[list[str]], user: dict[str, str], required: tuple[str, ...] = ("name",),
                 any_of: tuple[str, ...] = ()) -> int:
    for i, row in enumerate(rows[:MAX_HEADER_SEARCH]):
        found = set(map_columns(row, user)[0].values())
        if set(required) <= found and (not any_of or found & set(any_of)):
            return i
    best = max(range(min(len(rows), MAX_HEADER_SEARCH)),
               key=lambda i: len(map_columns(rows[i], user)[0]), default=0)
    found = sorted(set(map_columns(rows[best], user)[0].values())) if rows else []
    raise IngestError(
        f"no header row with {' and '.join(required)}{' and ' + ' or '.join(any_of) if any_of else ''} "
        "columns found in the first "
        f"{MAX_HEADER_SEARCH} rows (recognised: {', '.join(found) or 'nothing'}). Expected headers "
        "such as 'nimi'/'namn'/'name' and 'kotipaikka'/'hemort'/'municipality' or 'toiminta-alue'; "
        "map others with --mapping."
    )


def ingest(path: Path | str, ref: ReferenceData, *, sheet: str | None = None,
           mapping: Path | str | dict | None = None, today: dt.date | None = None,
           keep_personal_data: bool = False) -> IngestResult:
    """Read any supported register file into the canonical register.

    Python's cyclic garbage collector is paused while the file is read: a register of 700,000
    rows makes millions of small lists and tuples that contain no cycles, and collecting them
    over and over took a fifth of the time.

    Parameters
    ----------
    path : path
        A CSV or TSV file (any encoding, delimiter and header language), an Excel workbook or a
        Parquet file.
    ref : ReferenceData
        For resolving domiciles and areas of operation.
    sheet : str, optional
        The Excel sheet (default: the first one with a name column).
    mapping : path or dict, optional
        Own column names -> canonical ones (a YAML/JSON file or a dict), on top of the synonyms.
    today : date, optional
        Dates after it are field problems (default: today).
    keep_personal_data : bool
        Keep columns of personal data (contact persons, e-mails, phone numbers); dropped by default.

    Returns
    -------
    IngestResult
        ``.register`` (accepted rows, not yet classified: :func:`sote_analytics.read_register`
        classifies), ``.quarantine`` with reasons, ``.info`` (encoding, delimiter, header row,
        column mapping) and ``.quality``.

    Raises
    ------
    IngestError
        When the file cannot be read or has no name column (the message says what was found).

    Examples
    --------
    >>> path = tmp / "prh.csv"
    >>> _ = path.write_bytes("Nimi;Kotipaikka;Jäsenmäärä\\r\\nÄänekosken Omaishoitajat ry;Äänekoski;40\\r\\n"
    ...                      ";Jyväskylä;5\\r\\n".encode("cp1252"))
    >>> res = ingest(path, ref)
    >>> res.info.encoding, res.info.delimiter
    ('cp1252', ';')
    >>> res.register[["name", "municipality_code", "members"]].values.tolist()
    [['Äänekosken Omaishoitajat ry', '992', 40]]
    >>> res.quarantine["reason"].tolist()
    ['name missing']
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _ingest(path, ref, sheet=sheet, mapping=mapping, today=today, keep_personal_data=keep_personal_data)
    finally:
        if was_enabled:
            gc.enable()


def _ingest(path: Path | str, ref: ReferenceData, *, sheet: str | None = None,
            mapping: Path | str | dict | None = None, today: dt.date | None = None,
            keep_personal_data: bool = False) -> IngestResult:
    path = Path(path)
    user = mapping if isinstance(mapping, dict) else load_user_mapping(mapping)
    user = {normalize_header(k): v for k, v in user.items()}
    rows, info = read_rows(path, sheet)
    if not any(any(c.strip() for c in r) for r in rows):
        raise IngestError(f"{path.name}: the file has no data (only empty cells)")
    if info.delimiter:
        _check_quotes(rows, info.delimiter, path)
    h = find_header(rows, user, REQUIRED, LOCATION)
    header = rows[h]
    body = rows[h + 1:]
    info.header_row = h + 1
    if info.origin is not None:  # ingest's own output: its derived columns are made again
        _keep_given_sectors(header, body)
        header = [_own_column(c) for c in header]
    seconds: dict[int, str] = {}
    col_map, unmapped = map_columns(header, user, seconds)
    width = max(len(header), max((len(r) for r in body), default=0))
    names = [col_map.get(i, str(header[i]).strip() if i < len(header) else "") for i in range(width)]
    for i in seconds:
        names[i] = f"{SECOND_PREFIX}{seconds[i]}:{header[i]}"
    # unnamed trailing columns: kept only if they hold data
    keep_idx, kept, row_numbers, wide = [], [], [], {}
    for j in range(width):
        if names[j] or any(j < len(r) and str(r[j]).strip() for r in body):
            keep_idx.append(j)
    blank = 0
    for k, r in enumerate(body):
        if not any(str(c).strip() for c in r):
            blank += 1
            continue
        if len(r) > len(header) and any(str(c).strip() for c in r[len(header):]):
            wide[len(kept)] = f"row has {len(r)} fields but the header has {len(header)}"
        kept.append(r)  # a reference, not a copy: the rows are read column by column below
        row_numbers.append(h + 2 + k)
    cols = _unique([names[j] or f"column_{j + 1}" for j in keep_idx])
    if not kept:
        raise IngestError(f"{path.name}: header found on row {h + 1} but there are no data rows")
    del rows, body
    columns = {}
    for j, c in zip(keep_idx, cols, strict=True):  # one compact (Arrow) column at a time
        columns[c] = pd.array([(str(r[j]) if j < len(r) else "") or None for r in kept], dtype="string")
    del kept  # the text rows are no longer needed: keep the peak memory down
    raw = pd.DataFrame(columns)
    raw = raw.drop(columns=[c for c in raw.columns if c == DERIVED])
    # a second header for a column ("kotikunta" beside "kotipaikka") fills the first one's gaps
    for c in [c for c in raw.columns if c.startswith(SECOND_PREFIX)]:
        target, original = c[len(SECOND_PREFIX):].split(":", 1)
        raw[target] = raw[target].fillna(raw[c]) if target in raw else raw[c]
        info.coalesced_columns[original.strip()] = target
        raw = raw.drop(columns=[c])
    info.blank_rows_skipped = blank
    info.column_mapping = {str(header[i]).strip(): c for i, c in col_map.items()}
    info.unmapped_columns = [u for u in unmapped if u != DERIVED]
    personal = [c for c in info.unmapped_columns if is_personal_header(c)]
    # a column whose values are e-mail addresses or phone numbers is personal whatever its header says
    personal += [c for c in info.unmapped_columns if c not in personal and c in raw and looks_personal(raw[c])]
    info.personal_data_columns = personal
    info.suggested_columns = {c: sug for c in info.unmapped_columns if c not in personal
                              and (sug := suggest_column(c)) is not None}
    if not keep_personal_data:  # counted in the quality report, never carried into processed outputs
        raw = raw.drop(columns=[c for c in info.personal_data_columns if c in raw.columns])
    # e-mail addresses and phone numbers inside the text of any other column are removed and counted
    problems: dict[int, list] = {i: [p] for i, p in wide.items()}
    if not keep_personal_data:
        for c in raw.columns:
            if c in STRUCTURED_COLUMNS:
                continue
            # person names too in free text (purposes, extra columns), not in names, places or categories
            cleaned, changed = redact_series(raw[c], names=c not in ("name", "municipality", "category", "sector",
                                                                     "org_type"))
            if c == "name":  # a name that is a person's and nothing else: no real name (quarantined)
                from .validation import redact_person_names

                cleaned, person = redact_person_names(cleaned)
                cleaned, changed = cleaned.astype(raw[c].dtype), changed | person.to_numpy()
            if changed.any():
                raw[c] = cleaned
                for i in np.flatnonzero(changed.to_numpy()):
                    problems.setdefault(int(i), []).append(
                        (str(c), "personal data (an e-mail address or a phone number) removed"))
    source = path.name if info.origin is None else str(info.origin.get("file") or path.name)
    result = canonicalize(raw, ref, source=source, today=today, source_rows=row_numbers, row_problems=problems)
    result.origin = info.origin
    return IngestResult(result, info)


#: Columns whose values are codes, dates or numbers: never read as personal data.
STRUCTURED_COLUMNS = {"synthetic", "association_id", "business_id", "register_number", "registration_date",
                      "paid_staff", "paid_staff_fte", "members", "volunteers", "produces_services"}
#: A column of ingest's own output that is derived (made again by the classifier) and not read.
DERIVED = "\x00derived"
SECOND_PREFIX = "\x00second:"
_OWN_DERIVED = {"sector_classified", "subsector", "classification_rule", "is_headquarters", "sector_source",
                "confidence", "operating_area_codes", "operating_area_level", "operating_area_unresolved",
                "resolution_method", "source_file", "source_row", "likely_duplicate_of", "municipality_name_raw",
                "field_problems", "approximate", "org_type", "operating_area_inferred"}


def _keep_given_sectors(header: list[str], body: list[list[str]]) -> None:
    """In ingest's own output, keep a sector only where the user gave it (the file or a correction):
    the classifier's sectors are made again, so a better classifier or new rules reach the register."""
    if "sector" not in header or "sector_source" not in header:
        return
    s, src = header.index("sector"), header.index("sector_source")
    for r in body:
        if src < len(r) and r[src] not in ("given", "correction") and s < len(r):
            r[s] = ""


def _own_column(header: str) -> str:
    """A header of ingest's own Parquet as an input column (derived ones are dropped)."""
    h = str(header)
    if h in _OWN_DERIVED:
        return DERIVED
    if h.startswith("extra_"):
        return h[len("extra_"):]
    return {"org_type_given": "org_type"}.get(h, h)


def write_ingest(res: IngestResult, out_dir: Path | str, language: str = "fi") -> dict[str, str]:
    """Write register (Parquet, CSV), quarantine and field problems (CSV) and the quality report (JSON, HTML).

    The Parquet register records the original file and its row accounting in its metadata, so that
    ``run`` on it names the user's own file and keeps every canonical column (areas of operation,
    category, organisation level) while the classification is made again. Every CSV cell and
    header is formula-safe.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .quality import quality_html
    from .validation import neutralize_formula, safe_frame

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(res.info.path).stem
    paths = {
        "register_parquet": out / f"{stem}.register.parquet",
        "register_csv": out / f"{stem}.register.csv",
        "quarantine_csv": out / f"{stem}.quarantine.csv",
        "field_problems_csv": out / f"{stem}.field_problems.csv",
        "quality_json": out / f"{stem}.quality.json",
        "quality_html": out / f"{stem}.quality.html",
    }
    reg = res.register.copy()
    reg["registration_date"] = pd.to_datetime(reg["registration_date"]).dt.date
    origin = res.info.origin or {"file": Path(res.info.path).name, "sha256": res.info.sha256,
                                 "rows_in": res.result.rows_in, "accepted": len(res.register),
                                 "quarantined": len(res.quarantine)}
    table = pa.Table.from_pandas(reg, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           ORIGIN_KEY: json.dumps(origin, ensure_ascii=False).encode("utf-8")})
    pq.write_table(table, paths["register_parquet"])

    def safe(df: pd.DataFrame) -> pd.DataFrame:
        return df.astype("object").map(neutralize_formula).rename(columns=lambda c: neutralize_formula(str(c)))

    safe(res.register).to_csv(paths["register_csv"], index=False, lineterminator="\n")
    safe_frame(res.quarantine, redact=True).to_csv(paths["quarantine_csv"], index=False, lineterminator="\n")
    safe(res.result.field_problems).to_csv(paths["field_problems_csv"], index=False, lineterminator="\n")
    report = res.quality()
    paths["quality_json"].write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), "utf-8")
    paths["quality_html"].write_text(quality_html(report, language), "utf-8")
    return {k: str(v) for k, v in paths.items()}
