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

import pandas as pd

from .config import load_yaml
from .errors import SoteAnalyticsError
from .reference import ReferenceData
from .register import CANONICAL_COLUMNS, RegisterResult, canonicalize
from .text import normalize_text

MAX_HEADER_SEARCH = 30
#: Largest file ingest reads (bytes) and largest single field (characters).
MAX_FILE_BYTES = 2 * 1024**3
MAX_FIELD_CHARS = 10 * 1024**2
#: Headers that look like personal data (contact persons, e-mail, phone): counted in the
#: quality report and dropped before anything is written (``keep_personal_data=True`` keeps
#: them as extra_* for the user's own use); never shown in reports.
PERSONAL_DATA_HEADER = re.compile(
    r"puheenjohtaja|yhteyshenkil|sihteeri|rahastonhoitaja|sähköposti|sahkoposti|e ?mail|e post|"
    r"puhelin|gsm|phone|telefon|kontaktperson|ordförande|contact|henkilötunnus|syntymä",
    re.IGNORECASE,
)
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
    sha256: str = ""


@dataclass
class IngestResult:
    """The canonical register, the quarantine, how the file was read, and a quality report."""

    result: RegisterResult
    info: ReadInfo

    @property
    def register(self) -> pd.DataFrame:
        return self.result.register

    @property
    def quarantine(self) -> pd.DataFrame:
        return self.result.quarantine

    @property
    def sector_given(self) -> bool:
        """True when the file has a sector column (the classifier then only fills its gaps)."""
        return "sector" in self.info.column_mapping.values()

    def quality(self) -> dict:
        """The data-quality report as a JSON-serialisable dict (see :mod:`.quality`)."""
        from .quality import quality_report

        return quality_report(self)


@cache
def synonyms() -> dict[str, str]:
    """Normalised header -> canonical column, from ``data/column_synonyms.yaml``."""
    text = resources.files("sote_analytics").joinpath("data/column_synonyms.yaml").read_text("utf-8")
    out: dict[str, str] = {}
    for canonical, names in load_yaml(text)["columns"].items():
        out[normalize_header(canonical)] = canonical
        for name in names:
            out[normalize_header(name)] = canonical
    return out


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


def load_user_mapping(path: Path | str | None) -> dict[str, str]:
    """A user mapping YAML: ``{"Header in my file": canonical_column}``."""
    if path is None:
        return {}
    data = load_yaml(Path(path).read_text("utf-8")) or {}
    if not isinstance(data, dict):
        raise IngestError(f"mapping file {path} must be a YAML mapping of header: column")
    valid = set(CANONICAL_COLUMNS) | {"municipality", "synthetic", "association_id"}
    bad = {k: v for k, v in data.items() if v not in valid and v is not None}
    if bad:
        raise IngestError(f"mapping file {path}: unknown target columns {bad}; valid: {sorted(valid)}")
    return {normalize_header(k): v for k, v in data.items()}


def map_columns(headers: list[str], user: dict[str, str] | None = None) -> tuple[dict[int, str], list[str]]:
    """Map header positions to canonical columns; return (mapping, unmapped header names)."""
    table = synonyms() | (user or {})
    mapping: dict[int, str] = {}
    unmapped: list[str] = []
    used: set[str] = set()
    for i, h in enumerate(headers):
        target = table.get(normalize_header(h))
        if target and target not in used:
            mapping[i] = target
            used.add(target)
        elif normalize_header(h):
            unmapped.append(str(h).strip())
    return mapping, unmapped


# ---------------------------------------------------------------------------- reading
def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000], cp_isolation=["cp1252", "latin_1", "iso8859_15"]).best()
    enc = best.encoding if best else "cp1252"
    try:
        return data.decode(enc), enc
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _is_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    return ctrl > len(head) * 0.05


def _sniff_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:MAX_HEADER_SEARCH + 20] if ln.strip()]
    sample = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t|").delimiter
    except csv.Error:
        counts = {d: sum(ln.count(d) for ln in lines) for d in (";", "\t", ",", "|")}
        return max(counts, key=counts.get) if any(counts.values()) else ","


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


def _read_excel_rows(path: Path, sheet: str | None) -> tuple[list[list[str]], str]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise IngestError(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise IngestError(f"{path.name}: no sheet {sheet!r}; sheets: {', '.join(wb.sheetnames)}")
        ws = wb[sheet] if sheet is not None else wb[wb.sheetnames[0]]
        rows = [[_excel_value(v) for v in r] for r in ws.iter_rows(values_only=True)]
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
        rows = _read_parquet_rows(path)
        info.file_type = "parquet"
    elif data[:4] == b"PK\x03\x04":
        rows, info.sheet = _read_excel_rows(path, sheet)
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


def _read_parquet_rows(path: Path) -> list[list[str]]:
    try:
        df = pd.read_parquet(path)
    except Exception as exc:
        raise IngestError(f"{path.name}: not a readable Parquet file ({type(exc).__name__})") from None
    body = df.astype("string").fillna("").to_numpy().tolist()
    return [[str(c) for c in df.columns], *body]


def _check_quotes(rows: list[list[str]], delimiter: str, path: Path) -> None:
    """A quote opened and never closed swallows the following lines into one field: say so, with the row."""
    for i, row in enumerate(rows):
        for field_ in row:
            if "\n" in field_ and field_.count("\n") >= 2 and any(delimiter in ln for ln in field_.split("\n")[1:]):
                n = field_.count("\n")
                raise IngestError(
                    f"{path.name}: row {i + 1} opens a quote (\") that is never closed, so the next {n} lines "
                    "were read as one field; close the quote or remove it, then read the file again")


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

    Examples
    --------
    >>> res = ingest("tests/data/ingest/prh_cp1252_semicolon.csv", ref)  # doctest: +SKIP
    >>> res.info.encoding, res.info.delimiter  # doctest: +SKIP
    ('cp1252', ';')
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
    col_map, unmapped = map_columns(header, user)
    width = max(len(header), max((len(r) for r in body), default=0))
    names = [col_map.get(i, str(header[i]).strip() if i < len(header) else "") for i in range(width)]
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
    info.blank_rows_skipped = blank
    info.column_mapping = {str(header[i]).strip(): c for i, c in col_map.items()}
    info.unmapped_columns = unmapped
    info.personal_data_columns = [c for c in unmapped if PERSONAL_DATA_HEADER.search(normalize_header(c))]
    if not keep_personal_data:  # counted in the quality report, never carried into processed outputs
        raw = raw.drop(columns=[c for c in info.personal_data_columns if c in raw.columns])
    result = canonicalize(raw, ref, source=path.name, today=today, source_rows=row_numbers, row_problems=wide)
    return IngestResult(result, info)


def write_ingest(res: IngestResult, out_dir: Path | str, language: str = "fi") -> dict[str, str]:
    """Write register (Parquet, CSV), quarantine CSV and quality report (JSON, HTML in ``language``)."""
    from .quality import quality_html
    from .validation import neutralize_formula

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(res.info.path).stem
    paths = {
        "register_parquet": out / f"{stem}.register.parquet",
        "register_csv": out / f"{stem}.register.csv",
        "quarantine_csv": out / f"{stem}.quarantine.csv",
        "quality_json": out / f"{stem}.quality.json",
        "quality_html": out / f"{stem}.quality.html",
    }
    reg = res.register.copy()
    reg["registration_date"] = pd.to_datetime(reg["registration_date"]).dt.date
    reg.to_parquet(paths["register_parquet"], index=False)
    safe = lambda df: df.astype("object").map(neutralize_formula)  # noqa: E731
    safe(res.register).to_csv(paths["register_csv"], index=False, lineterminator="\n")
    safe(res.quarantine).to_csv(paths["quarantine_csv"], index=False, lineterminator="\n")
    report = res.quality()
    paths["quality_json"].write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), "utf-8")
    paths["quality_html"].write_text(quality_html(report, language), "utf-8")
    return {k: str(v) for k, v in paths.items()}
