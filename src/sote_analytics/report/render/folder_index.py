"""The index of an output folder: every report present there, read from the folder's manifests.

A batch (``report --level … --area …`` or ``--all``, one language) writes
``manifest.json`` (Finnish) or ``manifest_<lang>.json``; a publication
(``report --all-levels``) writes ``manifest.json`` with every level and
language. Each manifest keeps the records of the earlier runs it replaces
(:func:`carry_over`), so the folder's manifests together name every report
ever written there. :func:`folder_reports` reads them (the newest record of
each report wins) and drops reports whose HTML file is gone;
:func:`write_folder_index` writes ``index.html`` and ``index_<lang>.html`` for
every language present: one section per level (national overview first),
one row per area with its report in the page's language, its other
languages, its key figures when the run recorded them, and links up and down
the area hierarchy of the publication config.

A failed report is named with a short translated message; the error itself
stays in the manifest and the run's log, never in a page.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...i18n import LANGUAGES, fmt_number, name_column, t
from ...reference import area_levels, get_level
from ...templating import render_page

#: The manifests a folder may hold: a Finnish batch or a publication, and a batch per other language.
MANIFEST_NAMES = ("manifest.json", *(f"manifest_{lang}.json" for lang in LANGUAGES if lang != "fi"))
NATIONAL = "national"


@dataclass
class Listed:
    """One report of the folder as the index shows it."""

    level: str
    area: str
    language: str
    html: str | None
    failed: bool
    built: str = ""
    figures: dict = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return stem(self.level, self.area, self.language)


def stem(level: str, area: str, language: str) -> str:
    """The file stem of a report (``national_<level>`` for a national overview).

    Examples
    --------
    >>> stem("hyvinvointialue", "15", "fi"), stem("maakunta", "national", "sv")
    ('hyvinvointialue_15', 'national_maakunta_sv')
    """
    base = f"national_{level}" if area == NATIONAL else f"{level}_{area}"
    return base + ("" if language == "fi" else f"_{language}")


def manifest_name(language: str) -> str:
    """The batch manifest of ``language`` (``manifest.json`` for Finnish)."""
    return "manifest.json" if language == "fi" else f"manifest_{language}.json"


def _records(manifest: dict) -> list[dict]:
    """The report records of a batch (list) or publication (dict by stem) manifest, with their language."""
    reports = manifest.get("reports") or []
    items = list(reports.values()) if isinstance(reports, dict) else list(reports)
    lang = manifest.get("language", "fi")
    started = str(manifest.get("started", ""))
    levels = {lvl.id for lvl in area_levels()}
    out = []
    for r in items:
        if not isinstance(r, dict) or r.get("level") not in levels or not r.get("area"):
            continue
        language = str(r.get("language") or lang)
        if language not in LANGUAGES:
            continue
        out.append({"level": str(r["level"]), "area": str(r["area"]), "language": language,
                    "html": r.get("html"), "error": bool(r.get("error")),
                    "built": str(r.get("built") or started), "figures": r.get("figures") or {}})
    return out


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _present(out_dir: Path, rec: dict) -> bool:
    """A record worth listing: its HTML exists, or it failed (the index says so)."""
    html = rec.get("html")
    return bool(rec["error"]) or bool(html and (out_dir / Path(str(html)).name).is_file())


def carry_over(out_dir: Path, name: str, replaced: set[str]) -> list[dict]:
    """The records of the manifest ``name`` in ``out_dir`` that a new manifest of that name must keep: those of
    reports not in ``replaced`` (stems) that are still present (HTML file exists, or a failure to report)."""
    out_dir = Path(out_dir)
    return [r for r in _records(_read(out_dir / name))
            if stem(r["level"], r["area"], r["language"]) not in replaced and _present(out_dir, r)]


def folder_reports(out_dir: Path) -> dict[str, Listed]:
    """Every report of ``out_dir`` by stem: the newest record of each among the folder's manifests; reports
    whose HTML file is gone are left out (a failed report stays, to be named as failed)."""
    out_dir = Path(out_dir)
    best: dict[str, dict] = {}
    for name in MANIFEST_NAMES:
        for r in _records(_read(out_dir / name)):
            key = stem(r["level"], r["area"], r["language"])
            if key not in best or r["built"] >= best[key]["built"]:
                best[key] = r
    listed = {}
    for key, r in best.items():
        if not _present(out_dir, r):
            continue
        html = out_dir / f"{key}.html"
        listed[key] = Listed(r["level"], r["area"], r["language"], html.name if html.is_file() else None,
                             r["error"], r["built"], r["figures"])
    return listed


def _level_order(levels: set[str], hierarchy: list[str]) -> list[str]:
    rest = [lvl.id for lvl in reversed(area_levels())]  # biggest first, like the hierarchy
    order = [lv for lv in hierarchy if lv in levels] + [lv for lv in rest if lv in levels and lv not in hierarchy]
    return order + sorted(levels - set(order))


def _figure(value, decimals: int, language: str) -> str:
    if value is None:
        return ""
    try:
        return fmt_number(float(value), decimals, language)
    except (TypeError, ValueError):
        return ""


def index_sections(listed: dict[str, Listed], ref, language: str, cfg=None) -> list[dict]:
    """The sections of the index page in ``language``: one per level present, biggest level first."""
    from .publication import _links, load_config

    cfg = cfg or load_config()
    by_level: dict[str, dict[str, dict[str, Listed]]] = {}
    for item in listed.values():
        by_level.setdefault(item.level, {}).setdefault(item.area, {})[item.language] = item
    present = {lv: [a for a in areas if a != NATIONAL] for lv, areas in by_level.items()}
    # the key and the area names as plain mappings, built once (a pandas lookup per link took 5 s)
    key = ref.key.astype({c: str for c in ref.key.columns if c.endswith("_code")})
    name_col = name_column(language, "name", LANGUAGES)
    area_names: dict[str, dict[str, str]] = {}
    links: dict[tuple[str, str], dict[str, set[str]]] = {}

    def names_of(level: str) -> dict[str, str]:
        if level not in area_names:
            a = ref.areas(level)
            area_names[level] = dict(zip(a["code"].astype(str), a[name_col].astype(str), strict=True))
        return area_names[level]

    def linked(a: str, b: str) -> dict[str, set[str]]:
        if (a, b) not in links:
            m: dict[str, set[str]] = {}
            for x, y in zip(key[f"{a}_code"], key[f"{b}_code"], strict=True):
                m.setdefault(x, set()).add(y)
            links[(a, b)] = m
        return links[(a, b)]

    sections = []
    for lv in _level_order(set(by_level), cfg.hierarchy):
        try:
            names = names_of(lv)
            order = {c: i for i, c in enumerate(names)}
        except (ValueError, KeyError):
            names, order = {}, {}
        up, down = _links(ref, cfg, lv)
        col = f"{lv}_code"

        def rel(other, codes, col=col, lv=lv):
            if other is None or other not in present or col not in key or f"{other}_code" not in key:
                return []
            found = set().union(*(linked(lv, other).get(c, set()) for c in codes)) & set(present[other])
            onames = names_of(other)
            return [{"id": f"{other}-{c}", "name": str(onames.get(c, c))} for c in sorted(found, key=_natural)]

        def entry(langs: dict[str, Listed]) -> dict:
            mine = langs.get(language) or langs.get("fi") or next(iter(langs.values()))
            other = [{"lang": x, "href": langs[x].html} for x in LANGUAGES
                     if x in langs and x != mine.language and langs[x].html]
            return {"href": mine.html, "failed": mine.failed, "lang": mine.language, "other": other,
                    "associations": _figure(mine.figures.get("associations"), 0, language),
                    "per_1000": _figure(mine.figures.get("associations_per_1000"), 2, language)}

        national = None
        if NATIONAL in by_level[lv]:
            national = entry(by_level[lv][NATIONAL]) | {
                "label": t("national_title", language, level=get_level(lv).label_plural[language])}
        nodes = []
        for code in sorted(present[lv], key=lambda c: (order.get(c, len(order)), _natural(c))):
            nodes.append({"id": f"{lv}-{code}", "code": code, "name": names.get(code, code),
                          "up": rel(up, [code]), "down": rel(down, [code])} | entry(by_level[lv][code]))
        sections.append({"level": lv, "label": get_level(lv).label_plural[language], "national": national,
                         "nodes": nodes, "has_up": any(n["up"] for n in nodes),
                         "has_down": any(n["down"] for n in nodes), "has_other": any(n["other"] for n in nodes),
                         "has_figures": any(n["associations"] for n in nodes)})
    return sections


def _natural(code: str) -> tuple:
    return (0, int(code), "") if code.isdigit() else (1, 0, code)


def index_path(out_dir: Path, language: str) -> Path:
    """``index.html`` (Finnish) or ``index_<lang>.html``."""
    return Path(out_dir) / ("index.html" if language == "fi" else f"index_{language}.html")


_NAV = re.compile(r'<nav class="sote-nav".*?</nav>|<ul class=.sote-links.>.*?</ul>', re.DOTALL)
_NAV_ITEM = re.compile(r'<li data-sote-href="([^"]*)"( hidden)?>(?:<a href="[^"]*">(.*?)</a>|<span>(.*?)</span>)</li>')


def refresh_navigation(out_dir: Path) -> int:
    """Show in every report of ``out_dir`` the navigation links whose file exists, hide the others.

    A report is written before the files it links to (the index, the national overview, its
    workbook, the same report in other languages); each link is kept in the page with its target
    (``data-sote-href``) and shown only while that file exists, so a run in another language or a
    later ``export`` makes the links appear, and none ever points to a missing file. Returns the
    number of reports rewritten.
    """
    from .run import _atomic_write

    out_dir = Path(out_dir)
    changed = 0
    for page in out_dir.glob("*.html"):
        if page.name.startswith("index"):
            continue
        try:
            text = page.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        navs = list(_NAV.finditer(text))
        if not navs:
            continue

        def item(m: re.Match) -> str:
            href, label = html.unescape(m.group(1)), m.group(3) if m.group(3) is not None else m.group(4)
            if (out_dir / href).is_file():
                return f'<li data-sote-href="{m.group(1)}"><a href="{m.group(1)}">{label}</a></li>'
            return f'<li data-sote-href="{m.group(1)}" hidden><span>{label}</span></li>'

        new = text
        for nav in reversed(navs):
            new = new[:nav.start()] + _NAV_ITEM.sub(item, nav.group(0)) + new[nav.end():]
        if new != text:
            _atomic_write(page, new)
            changed += 1
    return changed


def scope_note(out_dir: Path, ref, language: str) -> str:
    """What the register of the folder's reports covers, and that no reports were made for the rest
    ("" for a national register or a folder without a run's processed data)."""
    from ...indicators.scope import BASE_LEVEL, Scope
    from ...store import Store

    processed = None
    for p in sorted(Path(out_dir).glob("manifest*.json")):
        d = _read(p)
        processed = processed or d.get("processed_dir")
    if not processed:
        return ""
    try:
        scope = Scope.from_dict(Store(Path(processed)).meta().get("scope"), ref)
    except Exception:  # a folder whose processed data moved: no note rather than a broken index
        return ""
    if scope.national:
        return ""
    rest = len(ref.areas(BASE_LEVEL)) - len(scope.covered_areas(ref, BASE_LEVEL))
    return t("index_scope_note", language, scope=scope.label(ref, language), n=rest)


def write_folder_index(out_dir: Path, ref, synthetic: bool = False, cfg=None,
                       languages: tuple[str, ...] = ()) -> dict[str, Path]:
    """Write the index page of every language with a report in ``out_dir`` (and of ``languages``).

    Parameters
    ----------
    out_dir : Path
        The output folder (its manifests say what it holds).
    ref : ReferenceData
        Area names and the municipality key (links up and down).
    synthetic : bool
        Show the synthetic-data banner.
    cfg : PublicationConfig, optional
        The hierarchy of the links (default: the packaged publication config).
    languages : tuple of str
        Languages to write an index for even if the folder has no report in them.

    Returns
    -------
    dict of str to Path
        The index page of each language.
    """
    from .run import _atomic_write

    listed = folder_reports(out_dir)
    langs = sorted({x.language for x in listed.values()} | set(languages), key=LANGUAGES.index)
    paths = {}
    for lang in langs:
        sections = index_sections(listed, ref, lang, cfg)
        page = render_page("index.html.j2", lang, title=t("publication_title", lang), sections=sections,
                           synthetic=synthetic, scope_note=scope_note(out_dir, ref, lang))
        path = index_path(out_dir, lang)
        _atomic_write(path, page)
        paths[lang] = path
    refresh_navigation(out_dir)
    return paths
